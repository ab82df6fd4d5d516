"""The batch kernel against the row engine (the reference semantics), and vectorised
selection against the per-key functions."""

import random

import numpy as np
import pyarrow as pa
import pytest
from datasets import Dataset

import hallucue_corrupt as hc
from hallucue_corrupt.features import undecoded
from hallucue_corrupt.kernel import BatchKernel
from hallucue_corrupt.seeding import canonical_key, canonical_keys, derive_seed, derive_seeds
from hallucue_corrupt.selection import check_unique_keys

from .conftest import make_dataset, make_multi_image_dataset


def _corruption(name: str) -> hc.Corruption:
    if name in ("one_of", "some_of"):
        return hc.make(name, corruptions=[hc.make("gaussian_noise"), hc.make("remove_text")])
    return hc.make(name)


def _reference(binding, rows, keys):
    """Every row through the row engine: (new touched fields, record JSON) per row."""
    out = []
    for row, key in zip(rows, keys, strict=True):
        new, record = binding.apply({c: row[c] for c in binding.fields}, key, kind="dict")
        out.append(({c: new[c] for c in binding.fields}, hc.records.dumps(record)))
    return out


@pytest.mark.parametrize("name", sorted(hc.list_corruptions()))
@pytest.mark.parametrize("shape", ["single", "multi"])
def test_kernel_equals_the_row_engine_for_every_corruption(name, shape):
    if shape == "single":
        ds, image, text, key = make_dataset(10), "image", "problem", "id"
    else:
        ds, image, text, key = make_multi_image_dataset(6), "images", "prompt", None
    work = undecoded(ds, image)
    pipe = hc.Pipeline([_corruption(name)], ratio=0.7, seed=4, on_error="keep")
    binding = pipe.bind(
        image_column=image, text_column=text, key_column=key, pool=work, dataset=work
    )
    kernel = BatchKernel(binding, keep_original=True)
    table = work.data.table
    keys = list(range(len(work))) if key is None else None
    out = kernel(table, keys)
    ref = _reference(binding, list(work), work[key] if key else range(len(work)))
    got = out.to_pylist()
    for i, (fields, record) in enumerate(ref):
        assert got[i]["hallucue"] == record, (name, i)
        for column, value in fields.items():
            assert got[i][column] == value, (name, i, column)
            assert got[i][f"{column}_original"] == work[i][column]
    # untouched columns pass through as the same Arrow data
    for column in table.column_names:
        if column not in binding.fields:
            assert out.column(column).equals(table.column(column))


def test_kernel_output_does_not_depend_on_batching():
    ds = undecoded(make_dataset(23), "image")
    pipe = hc.Pipeline([hc.make("random_image"), hc.make("remove_text")], ratio=0.5, seed=2)
    binding = pipe.bind(
        image_column="image", text_column="problem", key_column="id", pool=ds, dataset=ds
    )
    kernel = BatchKernel(binding)
    whole = kernel(ds.data.table).to_pylist()
    parts = []
    for start in range(0, 23, 4):
        parts += kernel(ds.data.table.slice(start, 4)).to_pylist()
    assert parts == whole
    shuffled = ds.shuffle(seed=1)
    by_id = {
        r["id"]: r
        for r in kernel(shuffled.data.table.take(shuffled._indices.column(0))).to_pylist()
    }
    assert all(by_id[r["id"]] == r for r in whole)


def test_unselected_records_match_the_engine_byte_for_byte():
    ds = undecoded(make_dataset(30), "image")
    pipe = hc.Pipeline([hc.make("blank_image")], ratio=0.2, seed=9)
    binding = pipe.bind(image_column="image", key_column="id", dataset=ds)
    out = BatchKernel(binding)(ds.data.table)
    ref = _reference(binding, list(ds), ds["id"])
    records = out.column("hallucue").to_pylist()
    assert records == [r for _, r in ref]
    assert sum(hc.records.loads(r)["selected"] for r in records) == 6


def test_skipped_rows_are_dropped_when_asked():
    rows = undecoded(make_dataset(6), "image").to_dict()
    rows["image"][2] = {"bytes": b"not an image", "path": None}
    table = pa.table(rows)
    pipe = hc.Pipeline([hc.make("gaussian_noise")], on_error="skip")
    binding = pipe.bind(image_column="image", key_column="id")
    out = BatchKernel(binding, drop_skipped=True)(table)
    assert out.num_rows == 5 and "q002" not in out.column("id").to_pylist()
    kept = BatchKernel(binding)(table)
    error = hc.records.loads(kept.column("hallucue")[2].as_py())["error"]
    assert "q002" in error and "0x" not in error  # no memory address: same text every run


@pytest.mark.parametrize("mode", ["exact", "bernoulli"])
@pytest.mark.parametrize("ratio", [0.0, 0.3, 0.5, 1.0])
def test_vectorised_selection_equals_per_key(mode, ratio):
    keys = [f"k{i}" for i in range(200)] + list(range(50))
    pipe = hc.Pipeline([hc.make("blank_image")], ratio=ratio, seed=7, selection=mode)
    selection = pipe.select(keys)
    expected = [selection(k) for k in keys]
    assert selection.mask(keys).tolist() == expected
    assert selection.mask(pa.array([str(k) for k in keys])).tolist() == expected


def test_derive_seeds_and_canonical_keys_match_the_scalar_functions():
    ints = pa.array([0, 17, -3, 2**40], pa.int64())
    assert canonical_keys(ints) == [canonical_key(k) for k in ints.to_pylist()]
    floats = [1.0, 2.5, np.float32(3.0)]
    assert canonical_keys(pa.array([1.0, 2.5, 3.0])) == ["1", "2.5", "3"]
    assert canonical_keys(floats) == [canonical_key(k) for k in floats]
    assert canonical_keys(pa.array([b"\x01\xff"])) == ["01ff"]
    keys = ["a", 5, "é", b"\x00"]
    assert derive_seeds(3, keys, "s", 2).tolist() == [derive_seed(3, k, "s", 2) for k in keys]
    assert derive_seeds(3, range(5), "s").tolist() == [derive_seed(3, k, "s") for k in range(5)]


def test_exact_threshold_ignores_key_order_and_counts_exactly():
    keys = [f"id-{i}" for i in range(1001)]
    pipe = hc.Pipeline([hc.make("blank_image")], ratio=0.37, seed=1)
    sel = pipe.select(keys)
    shuffled = list(keys)
    random.Random(0).shuffle(shuffled)
    assert pipe.select(shuffled).threshold == sel.threshold
    assert int(sel.mask(keys).sum()) == round(0.37 * 1001)


def test_duplicate_keys_are_named():
    with pytest.raises(hc.FieldError, match="row 3: key column 'id' repeats the id '1'"):
        check_unique_keys(pa.array([0, 1, 2, 1]), "id")


def test_num_rows_with_key_column_is_an_error():
    pipe = hc.Pipeline([hc.make("blank_image")], ratio=0.5)
    with pytest.raises(ValueError, match="num_rows= counts row indices"):
        pipe.map_fn("image", key_column="id", num_rows=10)


def test_shuffled_input_and_workers_give_the_same_rows_per_id():
    ds = make_dataset(40)
    pipe = hc.Pipeline([hc.make("random_image"), hc.make("remove_text")], ratio=0.4, seed=5)
    kw = dict(image_column="image", text_column="problem", key_column="id")
    base = undecoded(hc.corrupt_dataset(ds, pipe, batch_size=64, **kw), "image")
    variants = [
        hc.corrupt_dataset(ds, pipe, batch_size=3, **kw),
        hc.corrupt_dataset(ds, pipe, num_proc=2, batch_size=8, **kw),
        hc.corrupt_dataset(ds.shuffle(seed=3), pipe, **kw),
    ]
    expected = {r["id"]: r for r in base}
    for out in variants:
        rows = list(undecoded(out, "image"))
        assert len(rows) == 40 and all(r == expected[r["id"]] for r in rows)


def test_map_fn_takes_arrow_batches():
    ds = undecoded(make_dataset(8), "image")
    fn = hc.Pipeline([hc.make("blank_image")]).map_fn("image")
    out = ds.with_format("arrow").map(fn, batched=True, with_indices=True)
    ref = ds.map(fn, batched=True, with_indices=True)
    assert isinstance(out, Dataset)
    assert out.with_format(None)["hallucue"] == ref["hallucue"]
    assert out.with_format(None)["image"] == ref["image"]


def _encoded(mode: str, size: tuple[int, int], fmt: str = "PNG") -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new(mode, size, 90 if mode in ("L", "I;16", "P") else (9, 80, 200)[: len(mode)]).save(
        buf, format=fmt
    )
    return buf.getvalue()


def test_blank_reads_png_headers_and_runs_one_row_per_size_and_mode(tmp_path):
    from .conftest import png_bytes

    on_disk = tmp_path / "x.png"
    on_disk.write_bytes(png_bytes(3))
    images = [
        png_bytes(0),
        png_bytes(1, (30, 10)),
        png_bytes(2),
        png_bytes(5, mode="RGBA"),
        _encoded("L", (7, 9)),
        _encoded("I;16", (7, 9)),
        _encoded("RGB", (12, 8), "JPEG"),
        _encoded("P", (5, 5)),
        b"\x89PNG broken",
        png_bytes(4, (30, 10)),
    ]
    values = [{"bytes": b, "path": None} for b in images]
    values += [{"bytes": None, "path": str(on_disk)}, None]
    table = pa.table(
        {"id": [f"r{i}" for i in range(len(values))], "image": values},
        schema=pa.schema(
            [
                ("id", pa.string()),
                ("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
            ]
        ),
    )
    pipe = hc.Pipeline([hc.make("blank_image", fill="gray")], on_error="keep")
    binding = pipe.bind(image_column="image", key_column="id")
    kernel = BatchKernel(binding)
    calls = []
    run = kernel._run
    kernel._run = lambda row, key: calls.append(key) or run(row, key)
    got = kernel(table.slice(1)).to_pylist()  # a sliced batch: buffers start mid-way
    rows = table.slice(1).to_pylist()
    ref = _reference(binding, rows, [r["id"] for r in rows])
    for row, (fields, record) in zip(got, ref, strict=True):
        assert row["hallucue"] == record and row["image"] == fields["image"]
    # one engine call per PNG (size, mode) group, one per row for the rest
    assert len(calls) < len(rows) and {"r6", "r8", "r10", "r11"} <= set(calls)
    assert "error" in hc.records.loads(got[7]["hallucue"])  # broken bytes: recorded
