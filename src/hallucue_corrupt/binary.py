"""Binary Arrow columns read as numpy views of their buffers: values located and gathered
without a Python ``bytes`` object per value and without combining chunks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["binary_buffers", "gather_binary", "pack_binary"]


def binary_buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(offsets, data, valid) of a binary or large binary array as numpy views of its
    buffers (no copy): value ``i`` is ``data[offsets[i]:offsets[i + 1]]``."""
    buffers = array.buffers()
    offset_type = np.int64 if pa.types.is_large_binary(array.type) else np.int32
    start = array.offset
    offsets = np.frombuffer(buffers[1], dtype=offset_type)[start : start + len(array) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.empty(0)
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    return offsets, data, valid


def gather_binary(
    chunks: list[pa.Array], starts: np.ndarray, rows: np.ndarray, kind: pa.DataType
) -> pa.Array:
    """The binary values at ``rows`` of a column cut into ``chunks`` (each starting at
    ``starts``), as one array of type ``kind``: each value's bytes are copied once, and
    no chunk is combined (an Arrow take over a chunked column combines them all first)."""
    chunk_of = np.searchsorted(starts, rows, side="right") - 1
    views = [binary_buffers(c) for c in chunks]
    pieces: list[Any] = []
    lengths = np.zeros(rows.size, dtype=np.int64)
    valid = np.zeros(rows.size, dtype=bool)
    for j, (c, row) in enumerate(zip(chunk_of.tolist(), (rows - starts[chunk_of]).tolist(),
                                     strict=True)):  # fmt: skip
        offsets, data, ok = views[c]
        if ok[row]:
            a, b = int(offsets[row]), int(offsets[row + 1])
            pieces.append(data[a:b])
            lengths[j], valid[j] = b - a, True
    if not pa.types.is_large_binary(kind) and lengths.sum() >= 2**31:
        kind = pa.large_binary()
    return pack_binary(pieces, lengths, valid, kind)


def pack_binary(
    pieces: list[Any], lengths: np.ndarray, valid: np.ndarray, kind: pa.DataType
) -> pa.Array:
    """A binary (or large binary) array of type ``kind``: ``lengths`` and ``valid`` per
    value, ``pieces`` the valid values' bytes in order (any contiguous buffers). The bytes
    are copied once, into a buffer from Arrow's memory pool: the pool reuses its pages from
    batch to batch, where a fresh ``bytes`` join (or numpy concatenation) of a batch of
    images pays a page fault per 4 KB every time (240 values of 790 KB: 31 against 166 ms
    here)."""
    offsets = np.zeros(
        lengths.size + 1, dtype=np.int64 if pa.types.is_large_binary(kind) else np.int32
    )
    np.cumsum(lengths, out=offsets[1:])
    data = pa.allocate_buffer(int(offsets[-1]))
    out = np.frombuffer(data, dtype=np.uint8)
    start = 0
    for piece in pieces:
        chunk = np.frombuffer(piece, dtype=np.uint8)
        out[start : start + chunk.size] = chunk
        start += chunk.size
    validity = None if valid.all() else pa.array(valid, pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(
        kind,
        lengths.size,
        [validity, pa.py_buffer(offsets), data],
        null_count=int((~valid).sum()),
    )
