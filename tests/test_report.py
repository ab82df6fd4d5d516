"""The Hallucination-as-Cue report on demo results from a fake model, checked by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from datasets import load_from_disk

import hallucue_corrupt as hc
from hallucue_corrupt.cli import main
from hallucue_corrupt.evalsets import write_eval_variants
from hallucue_corrupt.report import bootstrap_ci, build_report, load_results, write_report


def fake_model(row, kind: str) -> int:
    """Right on even ids when it sees the image and the numbers; worse without them. The
    corruption-trained model is right on ids divisible by 3 whatever it sees."""
    n = int(row["id"][-3:])
    if kind == "corrupted":
        return int(n % 3 == 0)
    blank = row["image"].convert("L").getextrema()[0] == row["image"].convert("L").getextrema()[1]
    digits = any(ch.isdigit() for ch in row["problem"])
    if not blank and digits:
        return int(n % 2 == 0)
    return int(n % 4 == 0)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval")
    pipe = hc.Pipeline([hc.make("blank_image"), hc.make("remove_text")])
    manifest = write_eval_variants(
        hc.load_demo(), pipe, out, image_column="image", text_column="problem", key_column="id"
    )
    assert list(manifest["variants"]) == [
        "clean",
        "blank_image",
        "remove_text",
        "blank_image+remove_text",
    ]
    rows = []
    for kind in ("normal", "corrupted"):
        for name in manifest["variants"]:
            for row in load_from_disk(str(out / name)):
                n = int(row["id"][-3:])
                rows.append(
                    {
                        "id": row["id"],
                        "correct": fake_model(row, kind),
                        "hallucue": row["hallucue"],
                        "model": kind,
                        "model_kind": kind,
                        "split": "train" if n < 12 else "test",
                        "type": row["type"],
                        "step": 0 if name == "clean" else 10,
                        "benchmark": "demo",
                    }
                )
    path = out / "results.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path, rows


def test_accuracy_per_corruption_by_hand(results):
    _, rows = results
    report = build_report(rows, n_boot=200)
    acc = report["accuracy"]
    # normal model, clean rows: even ids with digits in the text: 0..20 except 18 (whose
    # question has no digits) -> 10; ids 22, 23 (vision-only, no digits) fall to n % 4 -> no.
    # Clean rows also come from the remove_text variant where the rule did not fire (22, 23).
    assert acc["normal|clean"]["n"] == 24 + 2
    assert acc["normal|clean"]["accuracy"] == pytest.approx(10 / 26)
    # blank image: n % 4 == 0 -> 0,4,...,20 = 6 of 24, plus ids 22, 23 of the combined
    # variant where remove_text did not fire (labelled blank_image alone): wrong
    assert acc["normal|blank_image"]["n"] == 26
    assert acc["normal|blank_image"]["accuracy"] == pytest.approx(6 / 26)
    # remove_text fired on ids 0..21; the kept answer choices of 10, 12, 14, 16 still hold
    # digits (even -> right); the rest fall to n % 4: 0, 4, 8, 20 -> 8 of 22
    assert acc["normal|remove_text"]["n"] == 22
    assert acc["normal|remove_text"]["accuracy"] == pytest.approx(8 / 22)
    # both applied on ids 0..21; the corruption-trained model is right on n % 3 == 0: 8 of 22
    assert acc["corrupted|blank_image+remove_text"]["n"] == 22
    assert acc["corrupted|blank_image+remove_text"]["accuracy"] == pytest.approx(8 / 22)
    for cell in acc.values():
        low, high = cell["ci"]
        assert low <= cell["accuracy"] <= high


def test_gap_solvable_and_grid(results):
    _, rows = results
    report = build_report(rows, n_boot=200)
    gap = report["gap_clean_minus_corrupted"]["normal|blank_image"]
    # paired by id: clean right on 10 ids, blank right on 6 of them (n % 4 == 0); ids 22
    # and 23 pair twice (wrong both ways)
    assert gap["n_pairs"] == 26 and gap["gap"] == pytest.approx((10 - 6) / 26)
    assert report["gap_clean_minus_corrupted"]["corrupted|blank_image"]["gap"] == 0.0
    # image removed: blank_image and blank_image+remove_text rows, normal model: 6 + 6 of 48
    assert report["solvable_without_image"]["normal"]["accuracy"] == pytest.approx(12 / 48)
    grid = report["grid"]
    # S1: normal, clean input, train split (ids 0..11): even -> 6 of 12
    assert grid["S1"]["n"] == 12 and grid["S1"]["accuracy"] == pytest.approx(6 / 12)
    # S4: corrupted model, corrupted input, train: n % 3 == 0 among ids 0..11, 3 variants
    assert grid["S4"]["accuracy"] == pytest.approx(4 / 12)
    assert set(grid) == {f"S{i}" for i in range(1, 9)}
    assert report["accuracy_vs_step"]["normal|clean"] == [
        [0.0, pytest.approx(10 / 24)],
        [10.0, 0.0],
    ]
    assert "demo" in " ".join(report["by_benchmark"]) and "triangle" in " ".join(report["by_type"])


def test_bootstrap_is_deterministic_and_sane():
    values = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1]
    # golden: 500 resamples of 37 values (13 right) from PCG64(3); percentiles 2.5 and 97.5
    thirds = [float(i % 3 == 0) for i in range(37)]
    assert bootstrap_ci(thirds, n=500, seed=3) == (7 / 37, 18 / 37)
    assert bootstrap_ci(thirds, n=500, seed=4) == (7 / 37, 19 / 37)
    low, high = bootstrap_ci(values, n=2000, seed=0)
    assert low < 0.6 < high and low > 0.2 and high < 1.0
    assert all(math.isnan(x) for x in bootstrap_ci([]))
    state = np.random.get_state()[1].copy()
    bootstrap_ci(values)
    assert np.array_equal(state, np.random.get_state()[1])


def test_write_report_and_cli(results, tmp_path):
    path, rows = results
    write_report(rows, tmp_path / "r", n_boot=100)
    text = (tmp_path / "r" / "report.md").read_text()
    assert "## S1-S8 grid" in text and "blank_image" in text
    assert (tmp_path / "r" / "report.html").read_text().startswith("<!doctype html>")
    assert json.loads((tmp_path / "r" / "report.json").read_text())["rows"] == len(rows)
    pytest.importorskip("matplotlib")
    assert (tmp_path / "r" / "accuracy.png").stat().st_size > 1000
    assert (tmp_path / "r" / "accuracy_vs_step.png").exists()
    assert main(["report", str(path), "--out", str(tmp_path / "cli"), "--bootstrap", "50"]) == 0
    assert (tmp_path / "cli" / "report.md").exists()


def test_results_errors(tmp_path):
    bad = tmp_path / "r.jsonl"
    bad.write_text(json.dumps({"id": "a", "correct": 2}) + "\n")
    with pytest.raises(ValueError, match="row 0, field 'correct'"):
        load_results(bad)
    bad.write_text(json.dumps({"correct": 1}) + "\n")
    with pytest.raises(KeyError, match="no 'id' column"):
        load_results(bad)
    assert main(["report", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")]) == 2


def test_make_eval_cli(tmp_path):
    cfg = tmp_path / "pipe.yaml"
    hc.Pipeline([hc.make("random_image"), hc.make("remove_text")]).to_config(cfg)
    out = tmp_path / "eval"
    assert main(["make-eval", "--demo", "--config", str(cfg), "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["variants"]) == {
        "clean",
        "random_image",
        "remove_text",
        "random_image+remove_text",
    }
    ids = [load_from_disk(str(out / v))["id"] for v in manifest["variants"]]
    assert all(i == ids[0] for i in ids)  # shared ids across variants
    assert manifest["variants"]["clean"]["applied"] == 0
    assert manifest["variants"]["random_image"]["applied"] == 24
