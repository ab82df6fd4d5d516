"""random_image's batch donor swap (:class:`hallucue_corrupt.donors.DonorSwap`): which rows it
handles itself, and that what it gives equals the row engine's bytes and records. Written
for the survivors of mutation testing of donors.py (issue 17): most of its mutants only
send rows back to the row engine (same output, slower), so these tests also say which rows
the swap must take."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from datasets import Dataset, Features, Image, Value

import hallucue_corrupt as hc
from hallucue_corrupt.donors import DonorSwap
from hallucue_corrupt.kernel import BatchKernel
from hallucue_corrupt.seeding import canonical_keys

from .conftest import png_bytes


def _dataset(keys: list[str], column: str = "image", images: list | None = None) -> Dataset:
    if images is None:
        images = [png_bytes(i, (5 + i % 4, 3 + i % 3)) for i in range(len(keys))]
    values = [None if b is None else {"bytes": b, "path": None} for b in images]
    features = Features({"id": Value("string"), column: Image(decode=False)})
    return Dataset.from_dict({"id": keys, column: values}, features=features)


def _swap_run(ds: Dataset, *, pool=None, column: str = "image", chosen=None, **settings):
    """DonorSwap over ``ds`` (its rows ``chosen``) against the row engine: returns the
    positions it handled and the keys the engine was asked for."""
    pipe = hc.Pipeline([hc.make("random_image")], **settings)
    binding = pipe.bind(
        image_column=column, key_column="id", pool=ds if pool is None else pool, dataset=ds
    )
    swap = DonorSwap.of(binding)
    assert swap is not None
    table = ds.data.table
    canon = canonical_keys(table.column("id").to_pylist())
    chosen = np.arange(table.num_rows) if chosen is None else np.asarray(chosen)
    asked: list = []

    def run(row, key):
        asked.append(key)
        return binding.apply(row, key, kind="dict")

    done = swap(table, chosen, canon, run)
    if done is None:
        return [], asked
    slots, images, records = done
    assert len(images) == len(records) == slots.size
    for slot, image, record in zip(slots.tolist(), images.to_pylist(), records, strict=True):
        i = int(chosen[slot])
        new, expected = binding.apply({column: table.column(column)[i].as_py()}, canon[i],
                                      kind="dict")  # fmt: skip
        assert record == hc.records.dumps(expected), i
        assert image == new[column], i
    return slots.tolist(), asked


def test_the_swap_takes_every_clean_row_of_a_large_pool():
    keys = [f"k{i:03d}" for i in range(80)]  # more than 61 donors to draw from
    handled, asked = _swap_run(_dataset(keys), seed=5)
    assert handled == list(range(80)) and asked == ["k000"]  # one row frames the records


@pytest.mark.parametrize("epoch", [0, 3])
def test_the_swap_draws_each_rows_own_stream(epoch):
    keys = [f"s{i}" for i in range(12)]
    handled, _ = _swap_run(_dataset(keys), seed=11, epoch=epoch)
    assert handled == list(range(12))


def test_one_selected_row_and_a_subset():
    ds = _dataset([f"r{i}" for i in range(9)])
    assert _swap_run(ds, chosen=[4], seed=2)[0] == [0]
    assert _swap_run(ds, chosen=[1, 5, 8], seed=2)[0] == [0, 1, 2]


def test_keys_that_json_escapes_are_quoted_as_the_engine_quotes_them():
    # non-ASCII with a quote, a backslash or a control character: json.dumps, unescaped
    keys = ["plain", 'ключ"1', "clé\\2", "键\t3", "é4", 'a"b']
    handled, _ = _swap_run(_dataset(keys), seed=1)
    assert handled == list(range(6))


def test_an_image_column_whose_name_json_also_holds():
    """The record names the column (``"where"``): a name like ``null`` must not confuse
    the record's template."""
    keys = [f"n{i}" for i in range(6)]
    for column in ("null", "image"):
        handled, _ = _swap_run(_dataset(keys, column), column=column, seed=4)
        assert handled == list(range(6)), column


def test_a_pool_with_no_other_row_leaves_the_row_to_the_engine():
    ds = _dataset(["a", "b", "c"])
    only_a = ds.select([0])
    handled, _ = _swap_run(ds, pool=only_a, seed=0, on_error="keep")
    assert handled == [1, 2]  # "a" has no other donor: the engine records its error
    pipe = hc.Pipeline([hc.make("random_image")], seed=0, on_error="keep")
    binding = pipe.bind(image_column="image", key_column="id", pool=only_a, dataset=ds)
    out = BatchKernel(binding)(ds.data.table)
    records = [hc.records.loads(r) for r in out.column("hallucue").to_pylist()]
    assert "error" in records[0] and "at least one other" in records[0]["error"]
    assert [r["corruptions"][0]["donor_key"] for r in records[1:]] == ["a", "a"]


def test_rows_and_donors_the_swap_leaves_to_the_engine():
    images = [png_bytes(i) for i in range(8)]
    images[2] = None  # no image
    images[5] = png_bytes(5)[:-12]  # no IEND: a rejected donor, complete as a row of its own
    ds = _dataset([f"m{i}" for i in range(8)], images=images)
    handled, _ = _swap_run(ds, seed=7, on_error="keep")
    left = set(range(8)) - set(handled) - {2}
    assert 2 not in handled and left and len(handled) >= 3
    table = ds.data.table
    pipe = hc.Pipeline([hc.make("random_image")], seed=7, on_error="keep")
    binding = pipe.bind(image_column="image", key_column="id", pool=ds, dataset=ds)
    # the rows it left drew a rejected donor first (recorded by the engine), or are row 2
    out = BatchKernel(binding)(table).to_pylist()
    for i in sorted(left):
        assert "donor_rejected" in hc.records.loads(out[i]["hallucue"])["corruptions"][0], i
    for i in handled:
        assert "donor_rejected" not in hc.records.loads(out[i]["hallucue"])["corruptions"][0]


def test_a_pool_that_cannot_give_arrow_bytes_has_no_swap():
    ds = _dataset(["a", "b"])
    pipe = hc.Pipeline([hc.make("random_image")])
    listed = pipe.bind(image_column="image", key_column="id", pool=ds["image"], dataset=ds)
    assert DonorSwap.of(listed) is None
    arrow = pipe.bind(image_column="image", key_column="id", pool=ds, dataset=ds)
    assert DonorSwap.of(arrow) is not None
    assert pa.types.is_struct(ds.data.table.schema.field("image").type)


def test_a_pool_of_another_binary_type_leaves_the_batch_to_the_engine():
    """Donor bytes that come as large_binary for a binary column cannot be spliced in:
    the swap declines and the row engine copies each donor (the same output)."""
    ds = _dataset([f"b{i}" for i in range(6)])
    large = pa.struct([("bytes", pa.large_binary()), ("path", pa.string())])
    table = pa.table({"id": ds["id"], "image": ds.data.table.column("image").cast(large)})
    pool = Dataset(table)
    handled, asked = _swap_run(ds, pool=pool, seed=9)
    assert handled == [] and asked == []
    pipe = hc.Pipeline([hc.make("random_image")], seed=9)
    binding = pipe.bind(image_column="image", key_column="id", pool=pool, dataset=ds)
    out = BatchKernel(binding)(ds.data.table).to_pylist()
    for i, row in enumerate(ds.data.table.to_pylist()):
        new, record = binding.apply({"image": row["image"]}, row["id"], kind="dict")
        assert out[i]["hallucue"] == hc.records.dumps(record)
        assert out[i]["image"] == new["image"]


def test_only_a_lone_random_image_takes_the_swap():
    ds = _dataset(["a", "b", "c"])

    def swap(*corruptions):
        pipe = hc.Pipeline(list(corruptions))
        return DonorSwap.of(pipe.bind(image_column="image", key_column="id", pool=ds, dataset=ds))

    assert swap(hc.make("random_image")) is not None
    assert swap(hc.make("random_image"), hc.make("gaussian_noise")) is None
    assert swap(hc.make("gaussian_noise")) is None
    assert swap(hc.make("blank_image")) is None
