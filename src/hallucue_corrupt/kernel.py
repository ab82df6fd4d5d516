"""The batch kernel: a pyarrow batch in, the same batch corrupted plus its record column out.

Every driver (``datasets.Dataset.map`` over Arrow-formatted batches, a streaming
``IterableDataset``, Ray Data's ``map_batches``) corrupts through one :class:`BatchKernel`,
so their outputs agree byte for byte per sample key. The kernel

- selects in one vectorised pass over the batch's keys (:meth:`Selection.mask`);
- builds the records of unselected rows from one template, without running the engine;
- reads only the corrupted columns of the selected rows out of Arrow, and runs each of
  them through :func:`hallucue_corrupt.engine.run_row`, the reference semantics (an
  encoded image stays encoded: a blank is cached bytes, a donor its bytes);
- passes every other column through untouched (zero-copy), and writes the changed rows
  back with one ``take``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, cast

import numpy as np
import pyarrow as pa

from .binding import RunBinding
from .engine import _record, run_row
from .fields import FieldError
from .records import dumps

__all__ = ["BatchKernel", "original_column"]

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
        template = _record(binding.pipeline, cast(Any, _Unselected(_SENTINEL, binding.epoch)), False)
        head, tail = dumps(template).split(json.dumps(_SENTINEL, ensure_ascii=False))
        self._head, self._tail = head, tail
        self._always = dataclasses.replace(binding.selection, ratio=1.0)

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
        return table.column(key_column).combine_chunks()

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
        from .seeding import canonical_keys

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
            index = pa.array(chosen, type=pa.int64())
            raw_keys = (
                key_values.take(index).to_pylist()
                if isinstance(key_values, pa.Array)
                else [key_values[i] for i in chosen.tolist()]
            )
            values = {c: table.column(c).take(index).to_pylist() for c in self.touched}
            changed: dict[str, list[Any]] = {c: [] for c in self.touched}
            binding = self.binding
            for j, i in enumerate(chosen.tolist()):
                row = {c: values[c][j] for c in self.touched}
                new, record = run_row(
                    binding.pipeline,
                    row,
                    key=raw_keys[j],
                    columns=binding.columns,
                    selection=self._always,
                    pool=binding.pool,
                    kind="dict",
                )
                for c in self.touched:
                    changed[c].append(new[c])
                records[i] = dumps(record)
                if record.get("skipped"):
                    keep[i] = False
            for c in self.touched:
                new_columns[c] = _scatter(table.column(c), chosen, changed[c])
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


@dataclasses.dataclass
class _Unselected:
    """What :func:`hallucue_corrupt.engine._record` reads of an unselected row's state."""

    sample: str
    epoch: int
    entries: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def _scatter(column: pa.ChunkedArray, rows: np.ndarray, values: list[Any]) -> pa.Array:
    """``column`` with ``values`` at positions ``rows``: one ``take`` over the old and new
    values, so unchanged rows are copied as Arrow buffers, never as Python objects."""
    new = pa.array(values, type=column.type)
    if rows.size == len(column):
        return new
    old = column.combine_chunks()
    order = np.arange(len(column), dtype=np.int64)
    order[rows] = len(column) + np.arange(rows.size, dtype=np.int64)
    return pa.concat_arrays([old, new]).take(pa.array(order))
