"""The report's text, whole: a small results table whose every section (and every "n/a")
is known, against a reviewed golden copy in tests/data/.

After an intended change of the report's wording, regenerate the copies with
``HALLUCUE_REGOLD=1 pytest tests/test_report_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from hallucue_corrupt import records
from hallucue_corrupt.report import build_report, write_report

DATA = Path(__file__).parent / "data"


def _rec(*names: str) -> str:
    return records.dumps(
        {"applied": True, "corruptions": [{"name": n, "applied": True} for n in names]}
    )


def golden_rows() -> list[dict[str, Any]]:
    """Two models (one named by ``checkpoint``); clean, blank_image,
    blank_image+remove_text and remove_text inputs, random_image for one model only; a
    remove_text row with no clean twin (its gap is n/a); an empty grid cell (n/a)."""
    rows: list[dict[str, Any]] = []
    ids = [f"q{i:02d}" for i in range(20)]
    for model, right in (("base", 3), ("tuned", 2)):
        kind = "normal" if model == "base" else "corrupted"
        name = {"model": model} if model == "base" else {"checkpoint": model}
        for i, id_ in enumerate(ids):
            split = "train" if i < 12 else "test"
            common = {**name, "model_kind": kind, "split": split}
            common["type"] = "angle" if i % 2 else "length"
            rows.append({"id": id_, "correct": int(i % right != 0), **common, "step": 0})
            if kind == "corrupted" and split == "test":
                continue  # S8 (corrupted model, corrupted input, test) stays empty
            blank = _rec("blank_image") if i % 5 else _rec("blank_image", "remove_text")
            rows.append({"id": id_, "correct": int(i % 4 == 0), "hallucue": blank, **common})
            if kind == "corrupted":
                swap = _rec("random_image")
                rows.append({"id": id_, "correct": int(i % 3 == 1), "hallucue": swap, **common})
        rows.append(
            {"id": "z", "correct": 1, "hallucue": _rec("remove_text"), **name}
            | {"model_kind": kind, "split": "train", "benchmark": "geo", "step": 10}
        )
    return rows


@pytest.mark.parametrize("name", ["report.md", "report.html", "report.json"])
def test_report_files_match_the_golden_copies(tmp_path, name):
    pytest.importorskip("matplotlib")
    out = tmp_path / "nested" / "out"
    write_report(golden_rows(), out)  # the defaults: seed 0, 1000 resamples
    text = (out / name).read_text(encoding="utf-8")
    golden = DATA / f"golden_{name}"
    if os.environ.get("HALLUCUE_REGOLD"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_build_report_defaults_and_fallback_names():
    rows = [{"id": i, "correct": i % 2} for i in range(6)]
    report = build_report(rows)
    assert list(report["by_benchmark"]) == ["model|all|clean"]
    assert report == build_report(rows, seed=0, n_boot=1000)
    assert "grid" not in report  # no model_kind / split columns
    half = [{**r, "model_kind": "normal"} for r in rows]
    assert "grid" not in build_report(half)  # model_kind without split is not the grid
    assert build_report([])["rows"] == 0 and "grid" not in build_report([])
    mixed = [{"id": 1, "correct": 1, "benchmark": None}, {"id": 2, "correct": 0, "benchmark": "b"}]
    assert len(build_report(mixed, n_boot=10)["by_benchmark"]) == 2  # None sorts with names
