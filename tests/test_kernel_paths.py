"""The kernel's batch paths against the row engine: random_image's bulk donor swap
(hallucue_corrupt.donors) gives the same bytes and records per row whatever mix of donors,
pools and settings; the bulk PCG64 draw equals numpy; a text-only pipeline passes the image
column through as the same buffers."""

import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset, Features, Image, Value
from PIL import Image as PILImage

import hallucue_corrupt as hc
from hallucue_corrupt.donors import DonorSwap
from hallucue_corrupt.features import undecoded
from hallucue_corrupt.kernel import BatchKernel
from hallucue_corrupt.pcg import first_integers
from hallucue_corrupt.pool import DatasetPool, ListPool, ParquetPool

from .conftest import make_dataset, make_multi_image_dataset, png_bytes
from .test_kernel import _reference

IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


def _encoded(mode: str, size: tuple[int, int], fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    PILImage.new(mode, size, 7).save(buf, format=fmt)
    return buf.getvalue()


def _mixed(n_png: int = 30) -> Dataset:
    """PNG rows of several sizes and modes, plus every kind the fast path leaves to the
    row engine: JPEG, 16-bit PNG, a truncated PNG (a rejected donor), broken bytes, a
    path-only image and a missing one."""
    images = [png_bytes(i, (20 + i % 3, 12), ("RGB", "RGBA", "L")[i % 3]) for i in range(n_png)]
    images += [
        _encoded("RGB", (9, 7), "JPEG"),
        _encoded("I;16", (7, 9)),
        png_bytes(99)[:-12],  # no IEND chunk: rejected as a donor, redrawn
        png_bytes(98)[:-5],
        b"\x89PNG broken",
    ]
    values = [{"bytes": b, "path": None} for b in images] + [None]
    return Dataset.from_dict(
        {"id": [f"r{i:03d}" for i in range(len(values))], "image": values},
        features=Features({"id": Value("string"), "image": Image(decode=False)}),
    )


def _check(kernel, table, binding, keys=None):
    """Kernel output == the row engine per row; returns the output rows."""
    got = kernel(table, keys).to_pylist()
    rows = table.to_pylist()
    ref_keys = [r[binding.key_column] for r in rows] if binding.key_column else keys
    ref = _reference(binding, rows, ref_keys)
    kept = [g for g in got]
    if kernel.drop_skipped:
        ref = [r for r in ref if not hc.records.loads(r[1]).get("skipped")]
    assert len(kept) == len(ref)
    for i, (row, (fields, record)) in enumerate(zip(kept, ref, strict=True)):
        assert row["hallucue"] == record, i
        for column, value in fields.items():
            assert row[column] == value, (i, column)
    return got


def _counting(kernel):
    calls = []
    run = kernel._run
    kernel._run = lambda row, key: calls.append(key) or run(row, key)
    return calls


@pytest.mark.parametrize("on_error", ["keep", "skip"])
@pytest.mark.parametrize("keep_original", [False, True])
def test_swap_equals_the_row_engine_with_rejected_donors(on_error, keep_original):
    ds = _mixed()
    pipe = hc.Pipeline([hc.make("random_image")], seed=3, on_error=on_error)
    binding = pipe.bind(image_column="image", key_column="id", pool=ds, dataset=ds)
    kernel = BatchKernel(binding, keep_original=keep_original, drop_skipped=on_error == "skip")
    assert kernel._swap is not None
    calls = _counting(kernel)
    table = ds.data.table
    got = _check(kernel, table.slice(2), binding)  # sliced: buffers start mid-way
    # most rows were swapped in bulk; the others went through the engine
    assert 1 <= len(calls) < table.num_rows - 2 - 10
    records = [hc.records.loads(r["hallucue"]) for r in got]
    assert any("donor_rejected" in r["corruptions"][0] for r in records if "error" not in r)
    if keep_original:
        originals = table.slice(2).column("image").to_pylist()
        assert [r["image_original"] for r in got] == originals[: len(got)] or on_error == "skip"


def test_swap_raises_like_the_engine():
    ds = _mixed()
    pipe = hc.Pipeline([hc.make("random_image")], seed=3, on_error="raise")
    binding = pipe.bind(image_column="image", key_column="id", pool=ds, dataset=ds)
    with pytest.raises(hc.FieldError, match="r034"):  # the broken input row is named
        BatchKernel(binding)(ds.data.table)
    good = ds.select(range(30))
    binding = pipe.bind(image_column="image", key_column="id", pool=good, dataset=good)
    _check(BatchKernel(binding), good.data.table, binding)


def test_swap_over_every_pool_and_selection():
    ds = _mixed(40)
    table = ds.data.table
    shuffled = ds.shuffle(seed=5)
    pools = {
        "dataset by key": DatasetPool(ds, "image", "id"),
        "dataset by position": DatasetPool(ds, "image"),
        "shuffled dataset": DatasetPool(shuffled, "image", "id"),
        "selected rows": DatasetPool(ds.select(range(10, 40)), "image", "id"),
        "parquet": _parquet_pool(ds),
        "list": ListPool(ds["image"]),
    }
    for name, pool in pools.items():
        for ratio in (1.0, 0.6):
            pipe = hc.Pipeline([hc.make("random_image")], ratio=ratio, seed=11, on_error="keep")
            binding = pipe.bind(image_column="image", key_column="id", pool=pool, dataset=ds)
            kernel = BatchKernel(binding)
            assert (kernel._swap is None) == (name in ("parquet", "list")), name
            _check(kernel, table, binding)
    # no key column: rows keyed by index, the pool ranked by position
    pipe = hc.Pipeline([hc.make("random_image")], seed=1, on_error="keep")
    binding = pipe.bind(image_column="image", pool=ds, dataset=ds)
    _check(BatchKernel(binding), table, binding, keys=list(range(table.num_rows)))


def _parquet_pool(ds, tmp=[]):  # noqa: B006 - one folder for the module
    import tempfile

    if not tmp:
        tmp.append(tempfile.mkdtemp())
    path = f"{tmp[0]}/pool.parquet"
    pq.write_table(ds.data.table, path, row_group_size=8)
    return ParquetPool(path, "image", "id")


def test_swap_with_a_two_row_pool_and_chunked_columns():
    ds = undecoded(make_dataset(12), "image")
    pipe = hc.Pipeline([hc.make("random_image")], seed=0)
    two = ds.select([3, 7])
    binding = pipe.bind(image_column="image", key_column="id", pool=two, dataset=ds)
    kernel = BatchKernel(binding)
    calls = _counting(kernel)
    table = ds.data.table
    chunked = pa.concat_tables([table.slice(0, 5), table.slice(5)])
    assert chunked.column("image").num_chunks == 2
    got = _check(kernel, chunked, binding)
    # in the pool: the only other row is the donor; out of it: one of two
    donors = [hc.records.loads(r["hallucue"])["corruptions"][0]["donor_key"] for r in got]
    assert donors[3] == "q007" and donors[7] == "q003"
    assert set(donors) == {"q003", "q007"} and len(calls) == 1  # one engine row: the frame


def test_swap_is_off_where_the_rule_says():
    ds = undecoded(make_dataset(6), "image")
    multi = undecoded(make_multi_image_dataset(6), "images")

    def swap(pipe, data=ds, image="image", key="id"):
        binding = pipe.bind(
            image_column=image,
            text_column="problem" if image == "image" else "prompt",
            key_column=key,
            pool=data,
            dataset=data,
        )
        return DonorSwap.of(binding)

    assert swap(hc.Pipeline([hc.make("random_image")])) is not None
    assert swap(hc.Pipeline([hc.make("random_image", p=0.5)])) is None
    assert swap(hc.Pipeline([hc.make("random_image"), hc.make("remove_text")])) is None
    assert swap(hc.Pipeline([hc.make("random_image")]), multi, "images", None) is not None
    # a list column is not a struct of bytes: the kernel leaves every row to the engine
    pipe = hc.Pipeline([hc.make("random_image")], seed=2)
    binding = pipe.bind(image_column="images", key_column=None, pool=multi, dataset=multi)
    kernel = BatchKernel(binding)
    calls = _counting(kernel)
    _check(kernel, multi.data.table, binding, keys=list(range(6)))
    assert len(calls) == 6


def test_corrupt_dataset_uses_the_swap_and_matches_the_engine():
    ds = _mixed()
    pipe = hc.Pipeline([hc.make("random_image")], seed=8, on_error="keep")
    fast = undecoded(
        hc.corrupt_dataset(ds, pipe, image_column="image", key_column="id", batch_size=7), "image"
    )
    binding = pipe.bind(image_column="image", key_column="id", pool=ds, dataset=ds)
    ref = _reference(binding, list(ds), ds["id"])
    assert fast["hallucue"] == [r for _, r in ref]
    assert fast["image"] == [f["image"] for f, _ in ref]


@pytest.mark.parametrize("bound", [1, 2, 3, 7, 1999, 2**20 + 1, 2**31 + 5, 2**32 - 2])
def test_first_integers_equals_numpy(bound):
    rng = np.random.default_rng(bound)
    seeds = np.concatenate(
        [
            np.arange(20, dtype=np.uint64),
            rng.integers(0, 2**32, 100, dtype=np.uint64),
            rng.integers(0, 2**64 - 1, 300, dtype=np.uint64, endpoint=True),
            np.array([2**32 - 1, 2**32, 2**64 - 1], dtype=np.uint64),
        ]
    )
    values, exact = first_integers(seeds, np.full(seeds.size, bound, dtype=np.uint64))
    expected = [np.random.Generator(np.random.PCG64(int(s))).integers(bound) for s in seeds]
    assert values[exact].tolist() == np.array(expected)[exact].tolist()
    if bound < 2**20:
        assert exact.all()  # a redraw needs a leftover below (2**32 - n) % n: rare
    with pytest.raises(ValueError):
        first_integers(seeds[:1], np.array([0], dtype=np.uint64))


def test_text_only_pipeline_passes_the_image_column_through():
    ds = undecoded(make_dataset(8), "image")
    pipe = hc.Pipeline([hc.make("remove_text")], seed=0)
    binding = pipe.bind(image_column="image", text_column="problem", key_column="id")
    table = ds.data.table
    out = BatchKernel(binding)(table)
    before, after = table.column("image"), out.column("image")
    assert after.num_chunks == before.num_chunks
    for old, new in zip(before.chunks, after.chunks, strict=True):
        data_old, data_new = old.field("bytes").buffers()[2], new.field("bytes").buffers()[2]
        assert data_new.address == data_old.address  # the same memory: no copy
    assert out.column("problem") != table.column("problem")


def test_ranks_and_keys_in_bulk_equal_one_by_one():
    keyed = ListPool(["x"] * 4, keys=["b", "a", "d", "c"])
    plain = ListPool(["x"] * 4)
    asked = ["a", "c", "zz", "a\x00", "", "3", "03", "4", "-1", "1_0"]
    for pool in (keyed, plain):
        ranks = pool.ranks_of(asked).tolist()
        assert ranks == [-1 if (r := pool.rank_of(k)) is None else r for k in asked]
        found = np.array([r for r in ranks if r >= 0])
        assert pool.keys_at(found) == [pool.key_at(r) for r in found.tolist()]
