"""The batch kernel: a pyarrow batch in, the same batch corrupted plus its record column out.

Every driver (``datasets.Dataset.map`` over Arrow-formatted batches, a streaming
``IterableDataset``, Ray Data's ``map_batches``) corrupts through one :class:`BatchKernel`,
so their outputs agree byte for byte per sample key. The kernel

- selects in one vectorised pass over the batch's keys (:meth:`Selection.mask`);
- builds the records of unselected rows from one template, without running the engine;
- has two byte-level paths: a pipeline of header-only corruptions (``blank_image``) runs
  one row per (size, mode) read from the PNG headers and copies its result; a lone
  ``random_image`` draws, checks and copies every donor of the batch in Arrow
  (:class:`hallucue_corrupt.donors.DonorSwap`, whose docstring gives the rule for which
  batches and rows take it);
- runs a text-only pipeline through each corruption's own ``run`` per text, without the
  row engine's setup per row (:class:`hallucue_corrupt.text_rows.TextRows`, same rule
  format);
- runs every other selected row (and every row those paths leave) through
  :func:`hallucue_corrupt.engine.run_row`, the reference semantics, reading only the
  corrupted columns out of Arrow (an encoded image stays encoded: a blank is cached bytes,
  a donor its bytes); both paths give the bytes and records this engine gives;
- passes every other column through untouched (zero-copy: a text-only pipeline never
  reads the image column), and writes the changed rows back with one ``take``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, cast

import numpy as np
import pyarrow as pa

from .binary import binary_buffers, pack_binary
from .binding import RunBinding
from .donors import DonorSwap
from .engine import _record
from .fields import FieldError
from .records import dumps
from .seeding import canonical_keys
from .text_rows import TextRows

__all__ = ["BatchKernel", "bind_kernel", "original_column", "png_headers"]

_SENTINEL = "\x00hallucue-key\x00"


def original_column(column: str) -> str:
    """Where ``keep_original=True`` keeps the uncorrupted value of ``column``."""
    return f"{column}_original"


class BatchKernel:
    """Corrupt pyarrow batches with one :class:`~hallucue_corrupt.binding.RunBinding`.

    Picklable (a binding and a few settings), so forked, spawned and Ray workers rebuild
    the same state. ``drop_skipped`` removes the rows whose corruption failed under
    ``on_error="skip"`` from the batch itself (what Ray uses); ``metadata`` is schema
    metadata put on every output batch (the ``huggingface`` features, which Ray batches
    do not carry).
    """

    def __init__(
        self,
        binding: RunBinding,
        *,
        record_column: str = "hallucue",
        keep_original: bool = False,
        drop_skipped: bool = False,
        metadata: dict[bytes, bytes] | None = None,
    ) -> None:
        self.binding = binding
        self.record_column = record_column
        self.keep_original = keep_original
        self.drop_skipped = drop_skipped
        self.metadata = metadata
        self.touched = binding.fields
        # the record of an unselected row is this template with its key filled in
        template = _record(
            binding.pipeline, cast(Any, _RecordState(_SENTINEL, binding.epoch)), False
        )
        head, tail = dumps(template).split(json.dumps(_SENTINEL, ensure_ascii=False))
        self._head, self._tail = head, tail
        always = dataclasses.replace(binding.selection, ratio=1.0)
        self._selected = dataclasses.replace(binding, selection=always)
        self._header_column = self._header_only_column()
        self._swap = None if self._header_column is not None else DonorSwap.of(binding)
        self._texts = TextRows.of(binding)

    @property
    def columns(self) -> list[str]:
        """The columns this kernel rewrites or adds: the corrupted fields, their originals
        if kept, and the record."""
        originals = [original_column(c) for c in self.touched] if self.keep_original else []
        return [*self.touched, *originals, self.record_column]

    def keys_of(self, table: pa.Table, keys: Any = None) -> Any:
        """The batch's sample keys: ``keys`` (row indices) or its key column."""
        key_column = self.binding.key_column
        if key_column is None:
            if keys is None:
                raise ValueError("rows have no key: give key_column, or pass row indices")
            return keys
        if key_column not in table.column_names:
            raise FieldError(f"no key column {key_column!r} in the dataset")
        return _one_array(table.column(key_column))

    def __call__(self, batch: pa.Table | pa.RecordBatch, keys: Any = None) -> pa.Table:
        """``batch`` with its corrupted fields rewritten and the record column added;
        ``keys`` are the rows' indices when the binding has no key column."""
        table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        n = table.num_rows
        for column in self.touched:
            if column not in table.column_names:
                raise FieldError(f"no column {column!r} in the dataset")
        key_values = self.keys_of(table, keys)
        if isinstance(key_values, int):
            key_values = [key_values]
        canon = canonical_keys(key_values)
        mask = self.binding.selection.mask(canon)
        chosen = np.flatnonzero(mask)
        records: list[str | None] = [None] * n
        head, tail = self._head, self._tail
        for i in np.flatnonzero(~mask).tolist():
            records[i] = head + json.dumps(canon[i], ensure_ascii=False) + tail
        keep = np.ones(n, dtype=bool)
        new_columns: dict[str, pa.Array] = {}
        if chosen.size:
            changed: dict[str, list[Any]] = {c: [None] * chosen.size for c in self.touched}
            rest = np.arange(chosen.size)
            fast: dict[str, tuple[np.ndarray, pa.Array]] = {}
            if self._header_column is not None:
                rest = self._by_header(table, chosen, canon, changed, records)
            elif self._swap is not None:
                rest = self._by_donor(table, chosen, canon, records, fast)
            elif self._texts is not None:
                rest = self._texts(table, chosen, canon, changed, records, self._run)
            if rest.size:
                self._by_row(table, chosen, rest, key_values, changed, records, keep)
            for c in self.touched:
                new_columns[c] = _scatter(table.column(c), chosen, changed[c], fast.get(c))
        out = table
        for c, array in new_columns.items():
            out = out.set_column(out.column_names.index(c), out.schema.field(c), array)
        if self.keep_original:
            for c in self.touched:
                out = out.append_column(
                    pa.field(original_column(c), table.schema.field(c).type), table.column(c)
                )
        out = out.append_column(
            pa.field(self.record_column, pa.string()), pa.array(records, pa.string())
        )
        if self.drop_skipped and not keep.all():
            out = out.filter(pa.array(keep))
        if self.metadata is not None:
            out = out.replace_schema_metadata({**(out.schema.metadata or {}), **self.metadata})
        return out

    def _run(self, row: dict[str, Any], key: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """One selected row through the row engine (already selected: not hashed again)."""
        return self._selected.apply(row, key, kind="dict")

    def _by_row(
        self,
        table: pa.Table,
        chosen: np.ndarray,
        rest: np.ndarray,
        key_values: Any,
        changed: dict[str, list[Any]],
        records: list[str | None],
        keep: np.ndarray,
    ) -> None:
        """Selected rows ``chosen[rest]`` through the row engine, one by one."""
        rows = chosen[rest]
        index = pa.array(rows, type=pa.int64())
        raw_keys = (
            key_values.take(index).to_pylist()
            if isinstance(key_values, pa.Array)
            else [key_values[i] for i in rows.tolist()]
        )
        # read row by row: a take (or combining chunks) would copy every image first
        columns = {c: table.column(c) for c in self.touched}
        for j, (slot, i) in enumerate(zip(rest.tolist(), rows.tolist(), strict=True)):
            row = {c: columns[c][i].as_py() for c in self.touched}
            new, record = self._run(row, raw_keys[j])
            for c in self.touched:
                changed[c][slot] = new[c]
            records[i] = dumps(record)
            if record.get("skipped"):
                keep[i] = False

    def _by_donor(
        self,
        table: pa.Table,
        chosen: np.ndarray,
        canon: list[str],
        records: list[str | None],
        fast: dict[str, tuple[np.ndarray, pa.Array]],
    ) -> np.ndarray:
        """A lone ``random_image``: the rows :class:`~hallucue_corrupt.donors.DonorSwap`
        swaps in bulk (their new images kept as Arrow in ``fast``); returns the positions
        in ``chosen`` left to the row engine."""
        assert self._swap is not None
        done = self._swap(table, chosen, canon, self._run)
        if done is None:
            return np.arange(chosen.size)
        slots, images, texts = done
        for i, text in zip(chosen[slots].tolist(), texts, strict=True):
            records[i] = text
        fast[self._swap.column] = (slots, images)
        rest = np.ones(chosen.size, dtype=bool)
        rest[slots] = False
        return np.flatnonzero(rest)

    def _by_header(
        self,
        table: pa.Table,
        chosen: np.ndarray,
        canon: list[str],
        changed: dict[str, list[Any]],
        records: list[str | None],
    ) -> np.ndarray:
        """Header-only pipelines (``blank_image``): one row through the engine per
        (width, height, mode) read from the PNG headers over the Arrow buffer; its image
        and record (with each row's key) are copied to the others. Returns the positions
        in ``chosen`` left to the row engine (no PNG bytes, other formats)."""
        column = self._header_column
        assert column is not None
        headers = png_headers(table.column(column), chosen)
        if headers is None:
            return np.arange(chosen.size)
        width, height, mode, ok = headers
        rest = [np.flatnonzero(~ok)]  # not 8-bit PNG bytes: the row engine
        quote = json.dumps(_SENTINEL, ensure_ascii=False)
        codes = (width << np.uint64(36)) | (height << np.uint64(8)) | mode
        found, inverse = np.unique(np.where(ok, codes, np.uint64(0)), return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(found.size + 1))
        for g, code in enumerate(found.tolist()):
            if code == 0:  # rows left to the engine
                continue
            group = order[bounds[g] : bounds[g + 1]]
            first = int(chosen[group[0]])
            new, record = self._run({column: table.column(column)[first].as_py()}, _SENTINEL)
            text = dumps(record)
            if "error" in record or text.count(quote) != 1:
                rest.append(group)
                continue
            head, tail = text.split(quote)
            image, target = new[column], changed[column]
            dump = json.dumps
            for slot, i in zip(group.tolist(), chosen[group].tolist(), strict=True):
                target[slot] = image
                records[i] = head + dump(canon[i], ensure_ascii=False) + tail
        return np.sort(np.concatenate(rest))

    def _header_only_column(self) -> str | None:
        """The image column when every corruption depends on image headers alone."""
        from .base import ImageCorruption

        binding = self.binding
        if binding.image_column is None or self.touched != [binding.image_column]:
            return None
        for corruption in binding.pipeline.corruptions:
            if not (
                isinstance(corruption, ImageCorruption)
                and corruption.header_only()
                and corruption.params.p >= 1.0
            ):
                return None
        return binding.image_column


#: PNG colour types of 8-bit images, as :mod:`hallucue_corrupt.media` reads them.
_PNG_MODE_CODES = {0: 1, 2: 2, 3: 3, 4: 4, 6: 5}
_PNG_HEAD = np.frombuffer(b"\x89PNG\r\n\x1a\n", dtype=np.uint8)
_IHDR = np.frombuffer(b"IHDR", dtype=np.uint8)


def png_headers(
    column: pa.ChunkedArray | pa.Array, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(width, height, mode code, ok) of the 8-bit PNGs at ``rows`` of an image column
    (``{bytes, path}`` structs), read from the IHDR chunk over the binary buffers, chunk by
    chunk, without copying any image out of Arrow; ``ok`` is False where the bytes are
    missing, not such a PNG, or over PIL's decompression-bomb limit (the row engine
    handles those). None when the column is not a struct of bytes."""
    from PIL import Image

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    kind = column.type
    if not pa.types.is_struct(kind) or kind.get_field_index("bytes") < 0:
        return None
    data_type = kind.field("bytes").type
    if not (pa.types.is_binary(data_type) or pa.types.is_large_binary(data_type)):
        return None
    head = np.zeros((rows.size, 26), dtype=np.uint8)
    ok = np.zeros(rows.size, dtype=bool)
    where = 0
    for chunk in chunks:
        inside = np.flatnonzero((rows >= where) & (rows < where + len(chunk)))
        where += len(chunk)
        if inside.size:
            offsets, data, valid = binary_buffers(chunk.flatten()[kind.get_field_index("bytes")])
            local = rows[inside] - (where - len(chunk))
            begin = offsets[local].astype(np.int64)
            good = valid[local] & (offsets[local + 1] - begin >= 29)
            part = np.zeros((inside.size, 26), dtype=np.uint8)
            part[good] = data[begin[good, None] + np.arange(26)]
            head[inside], ok[inside] = part, good
    ok &= (head[:, :8] == _PNG_HEAD).all(axis=1) & (head[:, 12:16] == _IHDR).all(axis=1)
    be = head.astype(np.uint64)
    width = (be[:, 16] << 24) | (be[:, 17] << 16) | (be[:, 18] << 8) | be[:, 19]
    height = (be[:, 20] << 24) | (be[:, 21] << 16) | (be[:, 22] << 8) | be[:, 23]
    mode = np.zeros(rows.size, dtype=np.uint64)
    for colour, code in _PNG_MODE_CODES.items():
        mode[(head[:, 24] == 8) & (head[:, 25] == colour)] = code
    ok &= (mode > 0) & (width > 0) & (height > 0) & (width < 2**28) & (height < 2**28)
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None:
        ok &= width * height <= 2 * limit
    return width, height, mode, ok


def _one_array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A column as one array: its only chunk as is (no copy), several chunks combined."""
    if isinstance(column, pa.ChunkedArray):
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return column


def bind_kernel(
    pipeline: Any, *, record_column: str = "hallucue", keep_original: bool = False, **bind: Any
) -> BatchKernel:
    """A kernel for ``pipeline`` bound with ``bind`` (see :func:`~hallucue_corrupt.binding.bind`)
    for a driver that passes rows on as they are corrupted (a stream, Ray): rows whose
    corruption failed under ``on_error="skip"`` are dropped in the batch."""
    return BatchKernel(
        pipeline.bind(**bind),
        record_column=record_column,
        keep_original=keep_original,
        drop_skipped=pipeline.on_error == "skip",
    )


def to_arrow(values: list[Any], kind: pa.DataType) -> pa.Array:
    """``values`` as an array of type ``kind``. Image structs (``{bytes, path}``) are built
    from their buffers: ``pa.array`` grows its buffer while copying large binaries, several
    times slower than one join."""
    names = [kind.field(i).name for i in range(kind.num_fields)] if pa.types.is_struct(kind) else []
    if sorted(names) != ["bytes", "path"] or not all(
        v is None or (isinstance(v, dict) and set(v) <= {"bytes", "path"}) for v in values
    ):
        return pa.array(values, type=kind)
    children = {
        "bytes": _binary([None if v is None else v.get("bytes") for v in values],
                         kind.field("bytes").type),
        "path": pa.array([None if v is None else v.get("path") for v in values],
                         kind.field("path").type),
    }  # fmt: skip
    mask = pa.array([v is None for v in values]) if None in values else None
    return pa.StructArray.from_arrays(
        [children[name] for name in names], fields=list(kind), mask=mask
    )


def _binary(values: list[Any], kind: pa.DataType) -> pa.Array:
    """A binary array from a list of bytes (or None), copied once."""
    large = pa.types.is_large_binary(kind)
    if not (large or pa.types.is_binary(kind)) or any(
        v is not None and not isinstance(v, (bytes, bytearray)) for v in values
    ):
        return pa.array(values, type=kind)
    lengths = np.fromiter((0 if v is None else len(v) for v in values), np.int64, len(values))
    if not large and lengths.sum() >= 2**31:
        return pa.array(values, type=kind)
    valid = np.fromiter((v is not None for v in values), bool, len(values))
    return pack_binary([v for v in values if v is not None], lengths, valid, kind)


@dataclasses.dataclass
class _RecordState:
    """What :func:`hallucue_corrupt.engine._record` reads of a row's state: enough to build
    the record of an unselected row, or of a row corrupted outside the engine."""

    sample: str
    epoch: int
    entries: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def _scatter(
    column: pa.ChunkedArray,
    rows: np.ndarray,
    values: list[Any],
    fast: tuple[np.ndarray, pa.Array] | None = None,
) -> pa.Array:
    """``column`` with ``values`` at positions ``rows``: one ``take`` over the old and new
    values, so unchanged rows are copied as Arrow buffers, never as Python objects.
    ``fast`` = (slots, array): the values at ``rows[slots]`` given as Arrow already (their
    entries in ``values`` are ignored)."""
    n = len(column)
    if fast is None:
        new = to_arrow(values, column.type)
        if rows.size == n:
            return new
        pieces, order_rows = [new], [rows]
    else:
        slots, arrow = fast
        others = np.ones(rows.size, dtype=bool)
        others[slots] = False
        rest = np.flatnonzero(others)
        if rest.size == 0 and rows.size == n:
            return arrow
        pieces = [arrow, to_arrow([values[s] for s in rest.tolist()], column.type)]
        order_rows = [rows[slots], rows[rest]]
    order = np.arange(n, dtype=np.int64)
    start = n
    for where, piece in zip(order_rows, pieces, strict=True):
        order[where] = start + np.arange(len(piece), dtype=np.int64)
        start += len(piece)
    return pa.concat_arrays([_one_array(column), *pieces]).take(pa.array(order))
