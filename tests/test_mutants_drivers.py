"""Driver edges that mutation testing of binding.py and dataset.py found untested (issue 17).

Each test fails on a mutant of the row-by-row map function, ``RunBinding.rebind`` or the
skipped-rows warning that the rest of the suite let through; docs/reliability.md lists them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from PIL import Image

import hallucue_corrupt as hc
from hallucue_corrupt.features import undecoded

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


def test_row_by_row_map_reads_keys_from_the_key_column():
    fn = hc.Pipeline([hc.make("blank_image")]).map_fn(image_column="image", key_column="id")
    row = {"id": "q7", "image": {"bytes": png_bytes(1), "path": None}}
    assert hc.records.loads(fn(row)["hallucue"])["key"] == "q7"
    with pytest.raises(hc.FieldError, match=r"^no key column 'id' in the dataset$"):
        fn({"image": row["image"]})
    keyless = hc.Pipeline([hc.make("blank_image")]).map_fn(image_column="image")
    message = r"^call Dataset.map\(fn, with_indices=True\), or give key_column$"
    with pytest.raises(ValueError, match=message):
        keyless({"image": row["image"]})


class Suffix(hc.TextCorruption):
    """A third-party corruption whose source can be read."""

    name = "suffix_mutant_test"

    def transform(self, text: str, drawn: Any, ctx: hc.Context) -> tuple[str, dict[str, Any]]:
        return text + " Why?", {}


#: the same corruption made without a class statement: ``inspect`` cannot read its source
Unreadable = type("Unreadable", (Suffix,), {"name": "unreadable_mutant_test"})


def _fingerprint(pipe: hc.Pipeline, ds: Any, **kw: Any) -> str | None:
    from hallucue_corrupt import dataset as driver

    binding = pipe.bind(dataset=ds, **kw)
    return driver._fingerprint(ds, binding, hc.MapFunction(binding))


def test_cache_fingerprint_covers_user_corruptions_and_gives_up_on_unreadable_ones():
    ds = make_dataset(4)
    mine = _fingerprint(hc.Pipeline([Suffix()]), ds, text_column="problem")
    assert mine is not None and len(mine) == 32 and int(mine, 16) >= 0
    assert mine != _fingerprint(hc.Pipeline([hc.make("remove_text")]), ds, text_column="problem")
    for pipe in ([Unreadable()], [hc.make("remove_text"), Unreadable()]):
        assert _fingerprint(hc.Pipeline(pipe), ds, text_column="problem") is None


def test_cache_fingerprint_changes_with_everything_that_decides_the_bytes(tmp_path):
    ds = make_dataset(4)
    make_dataset(4).to_parquet(str(tmp_path / "donors.parquet"))
    pipe = hc.Pipeline([hc.make("random_image")])
    base = dict(image_column="image", pool=ds)
    variants = {
        "base": {},
        "epoch": {"epoch": 1},
        "columns": {"text_column": "problem"},
        "key": {"key_column": "id"},
        "pool": {"pool": make_dataset(5)},
        "parquet": {"pool": str(tmp_path / "donors.parquet")},
    }
    prints = {name: _fingerprint(pipe, ds, **{**base, **kw}) for name, kw in variants.items()}
    assert prints["base"] == _fingerprint(pipe, ds, **base)
    assert None not in prints.values() and len(set(prints.values())) == len(prints)
    kept = hc.corrupt_dataset(ds, pipe, keep_original=True, **base)._fingerprint
    assert kept != hc.corrupt_dataset(ds, pipe, **base)._fingerprint


def test_streaming_corrupt_dataset_passes_every_argument_on():
    ds = make_dataset(8).rename_column("problem", "q")
    second = [{"bytes": png_bytes(i + 20), "path": None} for i in range(8)]
    ds = ds.add_column("image2", second, feature=ds.features["image"])
    pipe = hc.Pipeline([hc.make("blank_image"), hc.make("remove_text")], ratio=0.5)
    pipe = hc.Pipeline(pipe.corruptions, ratio=0.5, selection="bernoulli", seed=1)
    kw: dict[str, Any] = dict(image_column="image", text_column="q", epoch=3, keep_original=True)
    kw["record_column"] = "rec"
    expected = hc.corrupt_dataset(ds, pipe, **kw)
    streamed = list(hc.corrupt_dataset(ds.to_iterable_dataset(), pipe, batch_size=4, **kw))
    assert list(streamed[0]) == expected.column_names
    assert [r["rec"] for r in streamed] == expected["rec"]
    assert [r["q"] for r in streamed] == expected["q"]
    assert {hc.records.loads(r)["epoch"] for r in expected["rec"]} == {3}


def test_streaming_rejects_num_proc_and_log_path_and_says_why(tmp_path):
    stream = make_dataset(4).to_iterable_dataset()
    pipe = hc.Pipeline([hc.make("blank_image")])
    message = (
        r"^a streaming dataset is corrupted lazily as it is read: num_proc= and log_path= do "
        r"not apply \(write the output, then summarise its records\)$"
    )
    for kw in ({"num_proc": 2}, {"log_path": tmp_path / "log.jsonl"}):
        with pytest.raises(ValueError, match=message):
            hc.corrupt_dataset(stream, pipe, image_column="image", **kw)
    assert len(list(hc.corrupt_dataset(stream, pipe, image_column="image", num_proc=1))) == 4


def _two_images(n: int) -> Any:
    """A dataset with two Image columns (neither can be found) and the text in ``q``."""
    ds = make_dataset(n).rename_column("problem", "q")
    second = [{"bytes": png_bytes(i + 20), "path": None} for i in range(n)]
    return ds.add_column("image2", second, feature=ds.features["image"])


@pytest.mark.parametrize("log_name", ["log.jsonl", "log"])
def test_dataset_dict_splits_get_every_argument_and_their_own_log(tmp_path, log_name):
    from datasets import DatasetDict

    splits = DatasetDict({"train": _two_images(6), "test": _two_images(4)})
    pipe = hc.Pipeline([hc.make("random_image"), hc.make("remove_text")], ratio=0.5, seed=2)
    kw: dict[str, Any] = dict(image_column="image", text_column="q", key_column="id", epoch=3)
    kw |= dict(pool=make_dataset(5), keep_original=True, record_column="rec")
    out = hc.corrupt_dataset(splits, pipe, log_path=tmp_path / log_name, **kw)
    for split, ds in splits.items():
        alone = hc.corrupt_dataset(ds, pipe, **kw)
        assert out[split].column_names == alone.column_names
        assert out[split]["rec"] == alone["rec"] and out[split]["q"] == alone["q"]
        log = (tmp_path / f"log.{split}.jsonl").read_text().splitlines()
        assert [json.loads(line) for line in log] == [json.loads(r) for r in alone["rec"]]


def test_corrupt_dataset_input_errors_name_the_type_and_column():
    pipe = hc.Pipeline([hc.make("blank_image")])
    with pytest.raises(TypeError, match=r"needs a datasets\.Dataset or DatasetDict, got list$"):
        hc.corrupt_dataset([{"image": None}], pipe)  # type: ignore[arg-type]
    with pytest.raises(hc.FieldError, match=r"^no column 'nope' in the dataset \(columns: \["):
        hc.corrupt_dataset(make_dataset(2), pipe, key_column="nope")


def test_bind_epoch_names_and_key_forms():
    pipe = hc.Pipeline([hc.make("blank_image")], ratio=0.5, epoch=4)
    assert pipe.bind(image_column="image", num_rows=8).epoch == 4
    assert pipe.bind(image_column="image", num_rows=8, epoch=2).epoch == 2
    with pytest.raises(ValueError, match="blank_image needs the image field: pass image_column"):
        pipe.bind(num_rows=8)
    with pytest.raises(hc.FieldError, match=r"^no key column 'nope' in the dataset$"):
        pipe.bind(image_column="image", dataset=make_dataset(2), key_column="nope")
    message = (
        r"^num_rows= counts row indices but key_column= keys rows by id: pass keys= "
        r"\(every id\) or dataset= instead$"
    )
    with pytest.raises(ValueError, match=message):
        pipe.bind(image_column="image", num_rows=8, key_column="id")
    with pytest.raises(ValueError, match="key column 'id'"):
        pipe.bind(image_column="image", keys=["a", "a"], key_column="id")
    import pyarrow as pa

    ids = [f"q{i}" for i in range(10)]
    listed = pipe.bind(image_column="image", keys=ids).selection
    assert sum(listed(k) for k in ids) == 5
    assert pipe.bind(image_column="image", keys=pa.array(ids)).selection == listed
    assert pipe.bind(image_column="image", keys=iter(ids)).selection == listed


def test_binding_apply_returns_the_asked_image_form():
    binding = hc.Pipeline([hc.make("blank_image")]).bind(image_column="image")
    row = {"image": Image.new("RGB", (8, 6), (1, 2, 3))}
    new, _ = binding.apply(row, 0, kind="bytes")
    assert isinstance(new["image"], bytes)
    assert isinstance(binding.apply(row, 0)[0]["image"], Image.Image)


def test_find_columns_defaults_and_messages():
    from hallucue_corrupt.binding import find_columns

    names = ["image", "problem"]
    assert find_columns(names, {})["text"] is None
    assert find_columns(names, {}, wants_text=True)["text"] == "problem"
    with pytest.raises(
        hc.FieldError, match=r"^blank_image needs an image column: no Image column; name one$"
    ):
        find_columns(names, {"image": ["blank_image"]})
    features = _two_images(2).features
    with pytest.raises(
        hc.FieldError, match=r"several Image columns \['image', 'image2'\]; name one$"
    ):
        find_columns(features, {"image": ["blank_image"]})
    message = r"^remove_text needs a text column: none of \[.*\]; name one$"
    with pytest.raises(hc.FieldError, match=message):
        find_columns(["image", "q"], {"text": ["remove_text"]})


def test_map_function_columns_default_to_the_record_alone():
    binding = hc.Pipeline([hc.make("blank_image")]).bind(image_column="image")
    assert hc.MapFunction(binding).columns == ["image", "hallucue"]
    assert hc.MapFunction(binding, record_column="rec").columns == ["image", "rec"]


def test_new_columns_may_not_clash_and_a_given_pool_is_used():
    pipe = hc.Pipeline([hc.make("blank_image"), hc.make("remove_text")])
    for existing in ("hallucue", "image_original", "problem_original"):
        ds = make_dataset(2).add_column(existing, ["x", "y"])
        with pytest.raises(ValueError, match=f"column '{existing}' already exists"):
            hc.corrupt_dataset(ds, pipe, keep_original=True)
    ds = make_dataset(4)
    donors = _two_images(3).remove_columns("image").rename_column("image2", "image")
    out = hc.corrupt_dataset(ds, hc.Pipeline([hc.make("random_image")]), pool=donors)
    donor_bytes = {d["bytes"] for d in undecoded(donors, "image")["image"]}
    assert {r["bytes"] for r in undecoded(out, "image")["image"]} <= donor_bytes


def test_output_keeps_the_input_format():
    ds = make_dataset(3).with_format("numpy")
    out = hc.corrupt_dataset(ds, hc.Pipeline([hc.make("remove_text")]))
    assert out.format["type"] == "numpy"


def test_key_of_reads_the_key_column_else_the_index():
    keyed = hc.Pipeline([hc.make("blank_image")]).bind(image_column="image", key_column="id")
    assert keyed.key_of({"id": "q3"}, 9) == "q3"
    with pytest.raises(hc.FieldError, match=r"^row 9 has no key column 'id'$"):
        keyed.key_of({}, 9)
    plain = hc.Pipeline([hc.make("blank_image")]).bind(image_column="image")
    assert plain.key_of({"id": "q3"}, 9) == 9
    with pytest.raises(ValueError, match=r"^rows have no key: give key_column, or pass row"):
        plain.key_of({"id": "q3"})
