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


# -- issue 11: flags, help, columns, counts ----------------------------------------------------


def test_version_and_top_level_help_list_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"hallucue_corrupt {hc.__version__}"
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for command in ("corrupt", "list", "preview", "make-eval", "report"):
        assert command in text


def test_corrupt_flags_on_error_selection_limit_log(tmp_path, capsys):
    src = tmp_path / "in.parquet"
    ds = make_dataset(10)
    raw = ds.cast_column("image", ds.features["image"].__class__(decode=False)).map(
        lambda r, i: {
            "image": {"bytes": b"broken" if i == 2 else r["image"]["bytes"], "path": None}
        },
        with_indices=True,
    )
    raw.to_parquet(str(src))
    out, log = tmp_path / "out", tmp_path / "logs" / "records.jsonl"
    args = ["corrupt", str(src), "-c", "blank_image", "--out", str(out), "--limit", "6"]
    assert (
        main(
            [
                *args,
                "--on-error",
                "skip",
                "--selection",
                "bernoulli",
                "--ratio",
                "1",
                "--log",
                str(log),
            ]
        )
        == 0
    )
    last = capsys.readouterr().out.splitlines()[-2]
    assert "5/6 rows corrupted" in last
    assert "errors=1 skipped=1 superseded=0 emptied=0" in last
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pipeline"]["selection"] == "bernoulli"
    assert summary["pipeline"]["on_error"] == "skip"
    assert summary["columns"] == {"image": "image", "text": None, "key": "id"}
    assert summary["splits"]["data"]["errors"] == 1 and summary["splits"]["data"]["rows"] == 6
    assert log.read_text() == (out / "records.jsonl").read_text()
    assert len(load_from_disk(str(out / "dataset"))) == 5
    # without --on-error the config's default (raise) stops with the sample named
    assert main([*args, "--overwrite"]) == 2
    assert "sample 'q002', field 'image'" in capsys.readouterr().err


def test_make_eval_takes_seed_and_num_proc(tmp_path, capsys):
    config = tmp_path / "pipe.yaml"
    hc.Pipeline([hc.make("random_image")], seed=0).to_config(config)
    runs = {}
    for name, extra in {"a": ["--num-proc", "2", "--seed", "7"], "b": ["--seed", "7"]}.items():
        out = tmp_path / name
        assert (
            main(["make-eval", "--demo", "--config", str(config), "--out", str(out), *extra]) == 0
        )
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["pipeline"]["seed"] == 7
        runs[name] = load_from_disk(str(out / "random_image"))["hallucue"]
    assert runs["a"] == runs["b"]


def test_list_aligns_and_keeps_whole_sentences(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    starts = [line for line in lines if not line.startswith(" ")]
    assert len(starts) == len(hc.list_corruptions())
    # the description column starts at the same place on every line
    columns = {len(line) - len(line.split("  ", 1)[1].lstrip()) for line in starts}
    assert len({line.index(line.split()[2]) for line in starts}) == 1, columns
    assert all(len(line) <= 100 for line in lines)
    text = " ".join(line.strip() for line in lines)
    assert "render_text_to_image" in text and text.count(".") >= len(starts)


def test_preview_with_nothing_to_draw_and_an_input_dataset(tmp_path, capsys):
    config = tmp_path / "text.yaml"
    hc.Pipeline([hc.make("remove_text")]).to_config(config)
    png = tmp_path / "g.png"
    assert main(["preview", "--config", str(config), "--out", str(png)]) == 0
    assert "nothing to draw" in capsys.readouterr().out and not png.exists()
    src = tmp_path / "mine.parquet"
    make_dataset(3).rename_column("image", "picture").to_parquet(str(src))
    hc.Pipeline([hc.make("blank_image")]).to_config(config)
    assert (
        main(["preview", str(src), "--config", str(config), "--out", str(png), "--cell", "32"]) == 0
    )
    assert png.exists() and "wrote" in capsys.readouterr().out
