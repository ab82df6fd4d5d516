"""Text-only pipelines over a batch: each selected text through the corruptions' own
:meth:`~hallucue_corrupt.base.TextCorruption.run`, without the row engine's setup per row.

For a pipeline of text corruptions alone, the row engine's work on a row whose text is a
string is: each corruption's ``run`` (draw, transform, record entry) in the context of
item 0 of its stream, a check that the ``<image>`` placeholders kept their count, and the
record. :class:`TextRows` does exactly that for a whole batch and builds the records with
the engine's own record function.

**The rule**: a batch takes this path when the pipeline is text corruptions only (each
``p=1``, no composite, none with its own ``apply_row``) on one text column. A row takes it
when its text is a string, no corruption raises on it and its placeholder count is
unchanged. Every other row (no text, chat messages, an error, a changed placeholder count)
goes through the row engine, which decides and records exactly as it always does. The first
row of each batch also runs through the engine: if its text or record differ, the whole
batch goes to the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import pyarrow as pa

from .base import Context, TextCorruption
from .functional.text import count_placeholders
from .records import dumps

__all__ = ["TextRows"]

#: runs one row through the row engine: (row, key) -> (new row, record)
Runner = Callable[[dict[str, Any], Any], tuple[dict[str, Any], dict[str, Any]]]


class TextRows:
    """The batch path of a text-only pipeline (see the module docstring)."""

    def __init__(self, binding: Any, leaves: list[tuple[TextCorruption, str]]) -> None:
        self.column: str = binding.text_column
        self.pipeline = binding.pipeline
        self.pool = binding.pool
        self.epoch: int = binding.epoch
        self.leaves = leaves

    @classmethod
    def of(cls, binding: Any) -> TextRows | None:
        """The path for a binding whose pipeline the rule covers, else None."""
        from .engine import streams

        column = binding.text_column
        corruptions = binding.pipeline.corruptions
        if column is None or binding.fields != [column] or not corruptions:
            return None
        for corruption in corruptions:
            if (
                not isinstance(corruption, TextCorruption)
                or type(corruption).apply_row is not TextCorruption.apply_row
                or corruption.params.p < 1.0
            ):
                return None
        stream = streams(corruptions)
        return cls(binding, [(c, stream[str(i)]) for i, c in enumerate(corruptions)])

    def __call__(
        self,
        table: pa.Table,
        chosen: np.ndarray,
        canon: list[str],
        changed: dict[str, list[Any]],
        records: list[str | None],
        run: Runner,
    ) -> np.ndarray:
        """Corrupt the selected rows ``chosen`` it can: their new texts go to
        ``changed[column]`` (by position in ``chosen``) and their records to ``records``
        (by row). Returns the positions in ``chosen`` left to the row engine."""
        from .engine import _record
        from .kernel import _RecordState

        texts = table.column(self.column).take(pa.array(chosen, pa.int64())).to_pylist()
        target = changed[self.column]
        rest: list[int] = []
        checked = False
        for slot, (i, text) in enumerate(zip(chosen.tolist(), texts, strict=True)):
            done = self._one(text, canon[i]) if isinstance(text, str) else None
            if done is None:
                rest.append(slot)
                continue
            new, entries = done
            state = cast(Any, _RecordState(canon[i], self.epoch, entries))
            record = dumps(_record(self.pipeline, state, True))
            if not checked:  # the engine on the first row: the same text and record?
                checked = True
                row, expected = run({self.column: text}, canon[i])
                if row[self.column] != new or dumps(expected) != record:
                    return np.arange(chosen.size)
            target[slot] = new
            records[i] = record
        return np.asarray(rest, dtype=np.int64)

    def _one(self, text: str, key: str) -> tuple[str, list[dict[str, Any]]] | None:
        """The new text and record entries, or None for the row engine."""
        seed, epoch, pool, where = self.pipeline.seed, self.epoch, self.pool, self.column
        entries = []
        new = text
        try:
            for corruption, stream in self.leaves:
                new, entry = corruption.run(new, Context(seed, key, epoch, 0, pool, stream))
                entry["where"] = where
                entries.append(entry)
        except Exception:  # the engine raises or records it, as on_error says
            return None
        if count_placeholders(new) != count_placeholders(text):
            return None
        return new, entries
