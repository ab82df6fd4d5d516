"""Binary Arrow columns read as numpy views (:mod:`hallucue_corrupt.binary`), against
pyarrow's own answers: what mutation testing of binary.py asked for (issue 17). Chunked,
sliced, null-holding, large and empty columns; the gathered array's type, nulls and bytes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from hallucue_corrupt.binary import binary_buffers, gather_binary, pack_binary

VALUES = [b"alpha", None, b"", b"\x00\x01\x02", b"longer value " * 3, None, b"z"]


@pytest.mark.parametrize("kind", [pa.binary(), pa.large_binary()])
def test_binary_buffers_of_a_sliced_array_locate_every_value(kind):
    whole = pa.array(VALUES, kind)
    for start in range(len(VALUES)):
        for stop in range(start, len(VALUES) + 1):
            array = whole.slice(start, stop - start)
            offsets, data, valid = binary_buffers(array)
            assert offsets.dtype == (np.int64 if kind == pa.large_binary() else np.int32)
            assert offsets.size == len(array) + 1 and valid.dtype == bool
            assert valid.tolist() == [v is not None for v in VALUES[start:stop]]
            got = [bytes(data[offsets[i] : offsets[i + 1]]) if valid[i] else None
                   for i in range(len(array))]  # fmt: skip
            assert got == VALUES[start:stop]


def test_binary_buffers_of_values_without_data():
    for array in (pa.array([None, None], pa.binary()), pa.array([b"", b""], pa.binary())):
        offsets, data, valid = binary_buffers(array)
        assert data.size == 0 and offsets.tolist() == [0, 0, 0]
        assert valid.tolist() == [v is not None for v in array.to_pylist()]


def _chunks(kind: pa.DataType) -> list[pa.Array]:
    """Three chunks, one of them a slice (its buffers start mid-way), with nulls."""
    first = pa.array(VALUES[:3], kind)
    second = pa.array([b"drop me", *VALUES[3:], b"tail"], kind).slice(1)
    third = pa.array([b"q" * 40, b"r"], kind)
    return [first, second, third]


@pytest.mark.parametrize("kind", [pa.binary(), pa.large_binary()])
def test_gather_binary_equals_an_arrow_take(kind):
    chunks = _chunks(kind)
    starts = np.cumsum([0] + [len(c) for c in chunks[:-1]]).astype(np.int64)
    total = sum(len(c) for c in chunks)
    column = pa.chunked_array(chunks)
    # every row, the chunk edges first and last, repeats, reversed
    for rows in ([*range(total)], [2, 3, 7, 8, 9, 0], [9, 9, 3, 3], [*range(total)][::-1], [1]):
        index = np.array(rows, dtype=np.int64)
        got = gather_binary(chunks, starts, index, kind)
        expected = column.take(pa.array(index)).combine_chunks()
        assert got.type == kind and len(got) == index.size
        assert got.to_pylist() == expected.to_pylist(), rows
        assert got.null_count == expected.null_count
        got.validate(full=True)


def test_gather_binary_without_nulls_or_rows():
    chunks = [pa.array([b"a", b"bc"]), pa.array([b"def"])]
    starts = np.array([0, 2], dtype=np.int64)
    got = gather_binary(chunks, starts, np.array([2, 0], dtype=np.int64), pa.binary())
    assert got.to_pylist() == [b"def", b"a"] and got.null_count == 0
    got.validate(full=True)
    nothing = gather_binary(chunks, starts, np.zeros(0, dtype=np.int64), pa.large_binary())
    assert nothing.type == pa.large_binary() and len(nothing) == 0
    nothing.validate(full=True)
    # only nulls: no bytes at all
    nulls = gather_binary([pa.array([None, None], pa.binary())], starts[:1], np.array([1, 0]),
                          pa.binary())  # fmt: skip
    assert nulls.to_pylist() == [None, None] and nulls.null_count == 2
    nulls.validate(full=True)


@pytest.mark.parametrize("kind", [pa.binary(), pa.large_binary()])
def test_pack_binary_from_bytes_and_views(kind):
    """Pieces as bytes, bytearrays and numpy views (what the kernel and the donor gather
    pass), with nulls and empty values: the bytes land at their offsets in a pool buffer."""
    pieces = [b"alpha", bytearray(b""), np.frombuffer(b"xyz0123", np.uint8)[3:], b"\xff" * 70]
    valid = np.array([True, False, True, True, False, True])
    lengths = np.array([5, 0, 0, 4, 0, 70], dtype=np.int64)
    got = pack_binary(pieces, lengths, valid, kind)
    got.validate(full=True)
    assert got.type == kind and got.null_count == 2
    assert got.to_pylist() == [b"alpha", None, b"", b"0123", None, b"\xff" * 70]
    assert got.buffers()[2].size >= 79 and got.buffers()[0] is not None
    every = pack_binary([b"a", b"bc"], np.array([1, 2]), np.array([True, True]), kind)
    assert every.buffers()[0] is None and every.to_pylist() == [b"a", b"bc"]
    empty = pack_binary([], np.zeros(0, np.int64), np.zeros(0, bool), kind)
    assert len(empty) == 0 and empty.type == kind
    empty.validate(full=True)
