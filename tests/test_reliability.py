"""Reliability: bad inputs fail loudly or fall back as documented, nothing is mutated or
lost, and output bytes do not depend on process, worker count or start method."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from datasets import Dataset
from PIL import Image

import hallucue_corrupt as hc
from hallucue_corrupt.cli import main

from .conftest import make_dataset, png_bytes

ROOT = Path(__file__).resolve().parents[1]


def blank() -> hc.Pipeline:
    return hc.Pipeline([hc.make("blank_image")])


# -- bad inputs -------------------------------------------------------------------------------


def test_missing_and_empty_images_are_recorded_not_failed():
    pipe = blank()
    for value in (None, []):
        out, rec = pipe.apply({"image": value}, key="k", image_column="image")
        assert out["image"] == value and rec["applied"] is False
        assert rec["corruptions"][0]["reason"] == "no image"
    out, rec = pipe.apply({"image": [None, png_bytes(1)]}, key="k", image_column="image")
    assert out["image"][0] is None and isinstance(out["image"][1], bytes)
    assert [e["applied"] for e in rec["corruptions"]] == [False, True]


@pytest.mark.parametrize("data", [b"", b"not an image", png_bytes(1)[:20]])
def test_broken_bytes_name_the_sample_and_field(data):
    with pytest.raises(hc.FieldError, match=r"sample 'row-9', field 'image\[1\]'"):
        blank().apply({"image": [png_bytes(0), data]}, key="row-9", image_column="image")


def test_truncated_png_body_fails_when_pixels_are_needed():
    data = png_bytes(3, (64, 64))[:-200]
    pipe = hc.Pipeline([hc.make("gaussian_noise")])
    with pytest.raises(hc.FieldError, match="sample '1', field 'image'"):
        pipe.apply({"image": data}, key=1, image_column="image")


def test_decompression_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(hc.FieldError, match="decompression-bomb"):
        blank().apply({"image": png_bytes(0, (20, 20))}, key=0, image_column="image")


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((0, 4, 3), np.uint8), "non-empty"),
        (np.zeros(5, np.uint8), "HxW, HxWxC or CxHxW"),
        (np.zeros((5, 5, 2), np.uint8), "unsupported image array.*accepted: HxW"),
        (np.zeros((4, 4, 3), np.int32), "unsupported image array.*uint8, uint16 or float"),
    ],
)
def test_odd_arrays_name_the_problem(array, message):
    with pytest.raises(hc.FieldError, match=message):
        blank().apply({"i": array}, key=0, image_column="i")


def test_exif_rotation_is_applied_by_pixel_corruptions():
    img = Image.new("RGB", (40, 20), (10, 200, 10))
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 degrees when shown
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes())
    out, rec = hc.make("contrast").apply_image(buf.getvalue())
    assert Image.open(io.BytesIO(out)).size == (20, 40)  # upright, as a viewer shows it
    assert rec["before"]["size"] == [40, 20] and rec["after"]["size"] == [20, 40]


@pytest.mark.parametrize(
    "value", [123, {"role": "user"}, [{"content": "x"}], [{"role": "user", "content": 5}]]
)
def test_bad_text_fields_name_the_sample(value):
    pipe = hc.Pipeline([hc.make("remove_text")])
    with pytest.raises(hc.FieldError, match="sample 's1'"):
        pipe.apply({"t": value}, key="s1", text_column="t")


def test_none_and_empty_text():
    pipe = hc.Pipeline([hc.make("remove_text")])
    _, rec = pipe.apply({"t": None}, key=0, text_column="t")
    assert rec["corruptions"][0]["reason"] == "no text"
    out, rec = pipe.apply({"t": ""}, key=0, text_column="t")
    assert out["t"] == "" and rec["applied"] is False


def test_duplicate_ids_are_refused():
    ds = make_dataset(4).map(lambda r, i: {"id": "same" if i < 2 else r["id"]}, with_indices=True)
    with pytest.raises(hc.FieldError, match="repeats the id 'same'"):
        hc.corrupt_dataset(ds, blank(), image_column="image", key_column="id")


# -- on_error ---------------------------------------------------------------------------------


def broken_dataset() -> Dataset:
    ds = make_dataset(6)
    return ds.cast_column("image", ds.features["image"].__class__(decode=False)).map(
        lambda r, i: {
            "image": {"bytes": b"broken" if i in (1, 4) else r["image"]["bytes"], "path": None}
        },
        with_indices=True,
    )


def test_on_error_raise_keep_skip(tmp_path):
    ds = broken_dataset()
    with pytest.raises(hc.FieldError, match="sample '1', field 'image'"):
        hc.corrupt_dataset(ds, blank(), image_column="image")
    keep = hc.Pipeline([hc.make("blank_image")], on_error="keep")
    out = hc.corrupt_dataset(ds, keep, image_column="image")
    assert len(out) == 6 and out["id"] == ds["id"]
    recs = [hc.records.loads(r) for r in out["hallucue"]]
    assert [("error" in r) for r in recs] == [False, True, False, False, True, False]
    assert "cannot decode" in recs[1]["error"] and recs[1]["applied"] is False
    assert out.cast_column("image", ds.features["image"])[1]["image"]["bytes"] == b"broken"
    skip = hc.Pipeline([hc.make("blank_image")], on_error="skip")
    log = tmp_path / "log.jsonl"
    out = hc.corrupt_dataset(ds, skip, image_column="image", log_path=log)
    assert out["id"] == [ds["id"][i] for i in (0, 2, 3, 5)]
    summary = hc.records.summarize(log.read_text().splitlines())
    assert summary["errors"] == summary["skipped"] == 2 and summary["rows"] == 6
    assert hc.Pipeline.from_config(skip.to_config()).on_error == "skip"


def test_callers_objects_are_never_mutated():
    img = Image.new("RGB", (8, 8), (1, 2, 3))
    arr = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
    row = {
        "images": [img, arr, png_bytes(2)],
        "prompt": [
            {
                "role": "user",
                "content": "<image><image><image>Let $a=1$. Find a. Answer step by step.",
            }
        ],
    }
    before = (
        hashlib.sha256(img.tobytes()).hexdigest(),
        arr.copy(),
        copy.deepcopy(row["prompt"]),
        row["images"][2],
    )
    for name in (
        "blank_image",
        "gaussian_noise",
        "patch_mask",
        "remove_text",
        "drop_image",
        "render_text_to_image",
        "replace_numbers",
    ):
        hc.Pipeline([hc.make(name)]).apply(row, key=0, image_column="images", text_column="prompt")
    assert hashlib.sha256(img.tobytes()).hexdigest() == before[0]
    assert np.array_equal(arr, before[1]) and row["prompt"] == before[2]
    assert row["images"][2] == before[3] and len(row["images"]) == 3


# -- determinism across processes ----------------------------------------------------------------

SCRIPT = textwrap.dedent("""
    import hashlib, json, sys
    import multiprocess
    import datasets
    import hallucue_corrupt as hc
    if sys.argv[1] != "default":
        multiprocess.set_start_method(sys.argv[1], force=True)
    datasets.disable_caching()
    ds = hc.load_demo()
    pipe = hc.Pipeline([hc.make("random_image"), hc.make("remove_text"), hc.make("patch_shuffle")],
                       ratio=0.5, seed=11)
    out = hc.corrupt_dataset(ds, pipe, image_column="image", text_column="problem",
                             key_column="id", num_proc=int(sys.argv[2]))
    raw = out.cast_column("image", datasets.Image(decode=False))
    digest = hashlib.sha256()
    for row in raw:
        digest.update(json.dumps(row, sort_keys=True, default=lambda b: b.hex()).encode())
    print(digest.hexdigest())
""")


def run_fresh(start_method: str, num_proc: int) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, start_method, str(num_proc)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return result.stdout.strip().splitlines()[-1]


def test_same_bytes_in_fresh_interpreters_fork_and_spawn():
    base = run_fresh("default", 1)
    assert run_fresh("fork", 2) == base
    assert run_fresh("spawn", 2) == base


def test_pipelines_and_map_functions_pickle():
    pipe = hc.Pipeline(
        [hc.make("one_of", corruptions=[hc.make("blank_image"), hc.make("contrast")])],
        ratio=0.5,
        seed=1,
    )
    again = pickle.loads(pickle.dumps(pipe))
    assert again == pipe and again.config_hash == pipe.config_hash
    fn = pipe.map_fn(image_column="image", num_rows=10)
    fn2 = pickle.loads(pickle.dumps(fn))
    row = {"image": [png_bytes(0)]}
    assert fn2(row, [3]) == fn(row, [3])


# -- the CLI never leaves a partial output -------------------------------------------------------


def test_failed_cli_run_leaves_nothing_and_rerun_is_identical(tmp_path):
    ds = broken_dataset()
    src = tmp_path / "in"
    ds.save_to_disk(str(src))
    out = tmp_path / "out"
    assert main(["corrupt", str(src), "-c", "blank_image", "--out", str(out)]) == 2
    assert not out.exists() and list(tmp_path.iterdir()) == [src]
    cfg = tmp_path / "keep.yaml"
    hc.Pipeline([hc.make("blank_image")], on_error="keep").to_config(cfg)
    assert main(["corrupt", str(src), "--config", str(cfg), "--out", str(out)]) == 0
    first = (out / "records.jsonl").read_bytes()
    assert main(["corrupt", str(src), "--config", str(cfg), "--out", str(out), "--overwrite"]) == 0
    assert (out / "records.jsonl").read_bytes() == first
    summary = json.loads((out / "summary.json").read_text())["splits"]["data"]
    assert summary["errors"] == 2 and summary["rows"] == 6
    assert sorted(os.listdir(tmp_path)) == ["in", "keep.yaml", "out"]  # no temporary leftovers
