"""Driver edges that mutation testing of binding.py and dataset.py found untested (issue 17).

Each test fails on a mutant of the row-by-row map function, ``RunBinding.rebind`` or the
skipped-rows warning that the rest of the suite let through; docs/reliability.md lists them.
"""

from __future__ import annotations

import pytest
from PIL import Image

import hallucue_corrupt as hc

from .conftest import make_dataset, png_bytes


def test_row_by_row_map_keeps_originals_and_returns_datasets_dicts():
    """An unbatched Python row: the corrupted image comes back as a ``datasets`` dict
    whatever its input form, and ``keep_original`` copies the untouched input."""
    fn = hc.Pipeline([hc.make("blank_image")]).map_fn(image_column="image", keep_original=True)
    original = Image.new("RGB", (8, 6), (10, 200, 30))
    out = fn({"image": original, "problem": "Find x."}, 3)
    assert sorted(out) == ["hallucue", "image", "image_original"]
    assert out["image_original"] is original
    assert isinstance(out["image"], dict) and out["image"]["bytes"].startswith(b"\x89PNG")
    assert hc.records.loads(out["hallucue"])["applied"] is True
    as_dict = {"bytes": png_bytes(1), "path": None}
    out = fn({"image": as_dict, "problem": "Find x."}, 4)
    assert out["image_original"] == as_dict and out["image"]["bytes"] != as_dict["bytes"]


def test_row_by_row_map_names_the_sample_and_missing_column():
    fn = hc.Pipeline([hc.make("blank_image")]).map_fn(image_column="image")
    with pytest.raises(hc.FieldError, match="sample '7': no column 'image'"):
        fn({"problem": "Find x."}, 7)


def test_rebind_takes_the_new_pipeline_epoch_and_keys():
    binding = hc.Pipeline([hc.make("blank_image")]).bind(image_column="image", num_rows=4)
    half = hc.Pipeline([hc.make("remove_text")], ratio=0.5)
    keys = [f"k{i}" for i in range(8)]
    again = binding.rebind(half, 2, keys)
    assert again.pipeline is half and again.epoch == 2 and again.image_column == "image"
    assert sum(again.selection(k) for k in keys) == 4  # the exact ratio over these keys
    assert again.selection == half.select(keys, epoch=2)


def test_skipped_rows_warning_counts_them_and_says_where_they_are(tmp_path, caplog):
    ds = make_dataset(6)
    ds = ds.cast_column("image", ds.features["image"].__class__(decode=False)).map(
        lambda r, i: {"image": {"bytes": b"broken" if i == 1 else r["image"]["bytes"]}},
        with_indices=True,
    )
    skip = hc.Pipeline([hc.make("blank_image")], on_error="skip")
    log = tmp_path / "log.jsonl"
    for log_path, where in (
        (None, "pass log_path= to keep them all"),
        (log, f"all are in {str(log)!r}"),
    ):
        caplog.clear()
        with caplog.at_level("WARNING", logger="hallucue_corrupt"):
            out = hc.corrupt_dataset(ds, skip, image_column="image", log_path=log_path)
        assert len(out) == 5
        (message,) = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
        assert message.startswith("hallucue: skipped 1 of 6 rows whose corruption failed")
        assert "first error: " in message and "cannot decode" in message
        assert message.endswith(f"({where})")
