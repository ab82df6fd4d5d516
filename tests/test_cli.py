import json
import subprocess
import sys
from pathlib import Path

import pytest
from datasets import load_from_disk

import hallucue_corrupt as hc
from hallucue_corrupt.cli import main

from .conftest import make_dataset


def test_demo_dataset_is_bundled():
    ds = hc.load_demo()
    assert 20 <= len(ds) <= 30
    assert {"id", "image", "problem", "answer"} <= set(ds.column_names)
    assert all(p.startswith("<image>") for p in ds["problem"])
    assert ds[0]["image"].size[0] > 1
    assert len(set(ds["id"])) == len(ds)


def test_corrupt_demo_writes_dataset_summary_and_log(tmp_path, capsys):
    out = tmp_path / "demo"
    assert (
        main(["corrupt", "--demo", "-c", "random_image", "-c", "remove_text", "--out", str(out)])
        == 0
    )
    ds = load_from_disk(str(out / "dataset"))
    demo = hc.load_demo()
    assert len(ds) == len(demo) and ds.column_names == [*demo.column_names, "hallucue"]
    summary = json.loads((out / "summary.json").read_text())
    stats = summary["splits"]["data"]
    assert stats["rows"] == len(demo) == stats["selected"]
    assert stats["corruptions"]["random_image"]["applied"] == len(demo)
    tr = stats["corruptions"]["remove_text"]
    assert 0 < tr["applied"] < tr["attempted"]  # the demo has template-only questions
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert [r["key"] for r in records] == demo["id"]
    assert "effective ratio" in capsys.readouterr().out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".demo.")]


ROOT = Path(__file__).resolve().parents[1]


def test_rerun_is_byte_identical_and_refuses_to_overwrite(tmp_path):
    args = ["corrupt", "--demo", "--config", str(ROOT / "examples/configs/paper_ri.yaml")]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b"), "--num-proc", "2"]) == 0
    a = load_from_disk(str(tmp_path / "a" / "dataset"))
    b = load_from_disk(str(tmp_path / "b" / "dataset"))
    assert a["hallucue"] == b["hallucue"]
    assert [x.tobytes() for x in a["image"]] == [x.tobytes() for x in b["image"]]
    assert main([*args, "--out", str(tmp_path / "a")]) == 2
    assert main([*args, "--out", str(tmp_path / "a"), "--overwrite", "--seed", "3"]) == 0


@pytest.mark.parametrize("fmt", ["save_to_disk", "parquet", "jsonl"])
def test_input_formats(tmp_path, fmt):
    ds = make_dataset(6)
    if fmt == "save_to_disk":
        src = tmp_path / "in"
        ds.save_to_disk(str(src))
    elif fmt == "parquet":
        src = tmp_path / "in.parquet"
        ds.to_parquet(str(src))
    else:
        (tmp_path / "img").mkdir()
        lines = []
        for i, row in enumerate(ds):
            row["image"].save(tmp_path / "img" / f"{i}.png")
            lines.append(
                json.dumps({"id": row["id"], "image": f"img/{i}.png", "problem": row["problem"]})
            )
        src = tmp_path / "in.jsonl"
        src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    code = main(
        [
            "corrupt",
            str(src),
            "-c",
            "blank_image",
            "-c",
            "remove_text",
            "--key-column",
            "id",
            "--ratio",
            "0.5",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    result = load_from_disk(str(out / "dataset"))
    assert len(result) == 6
    stats = json.loads((out / "summary.json").read_text())["splits"]["data"]
    assert stats["selected"] == 3
    blanked = [r for r in result if hc.records.loads(r["hallucue"])["applied"]]
    assert all(r["image"].getextrema() == ((255, 255),) * 3 for r in blanked)


def test_errors_are_one_line_with_nonzero_exit(tmp_path, capsys):
    assert main(["corrupt", "--demo", "-c", "blank_imag", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "did you mean 'blank_image'" in err[0]
    assert main(["corrupt", str(tmp_path / "missing.parquet"), "--out", str(tmp_path / "y")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["corrupt", "--out", str(tmp_path / "z")]) == 2
    assert (
        main(
            [
                "corrupt",
                "--demo",
                "--text-column",
                "nope",
                "-c",
                "remove_text",
                "--out",
                str(tmp_path / "w"),
            ]
        )
        == 2
    )
    assert "nope" in capsys.readouterr().err
    assert not (tmp_path / "w").exists()


def test_list_and_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "hallucue_corrupt", "list"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert {"blank_image", "random_image", "remove_text"} <= set(names)


def test_preview_draws_every_image_corruption(tmp_path):
    from PIL import Image

    from hallucue_corrupt.preview import gallery_rows

    out = tmp_path / "g.png"
    assert main(["preview", "--out", str(out), "--cell", "32"]) == 0
    img = Image.open(out)
    rows = gallery_rows()
    assert img.size == (150 + 6 * 32, 20 + len(rows) * 32)
    names = {row[0].name for row in rows}
    assert {"blank_image", "random_image", "gaussian_noise", "drop_image"} <= names
    assert "remove_text" not in names
    cfg = tmp_path / "p.yaml"
    hc.Pipeline([hc.make("gaussian_blur"), hc.make("remove_text")]).to_config(cfg)
    assert main(["preview", "--config", str(cfg), "--out", str(out), "--cell", "32"]) == 0
    assert Image.open(out).size == (150 + 6 * 32, 20 + 32)


EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
NEEDS = {"trl_grpo_blank_image": "trl"}  # examples that need an extra


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_run(tmp_path, script):
    if script.stem in NEEDS:
        pytest.importorskip(NEEDS[script.stem])
    subprocess.run(
        [sys.executable, str(script), str(tmp_path / script.stem)],
        check=True,
        cwd=tmp_path,
        timeout=600,
    )
