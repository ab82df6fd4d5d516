"""Online corruption for RL rollouts: a collate wrapper keyed by prompt id and epoch.

GRPO repeats each prompt for a group of completions; every copy of a prompt must see the
same corruption. The collator keys every draw on the row's id (``key_column``) and the
epoch, never on call order or batch position, so the copies agree, wherever they land.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .pipeline import Pipeline, Selection
from .records import dumps

__all__ = ["CorruptingCollator"]


class CorruptingCollator:
    """Wrap ``base_collate`` (default: return the list of rows) to corrupt each row first.

    - ``key_column``: the prompt id every draw is keyed on (required in each row).
    - ``epoch_seeded``: True resamples with :meth:`set_epoch`; False keeps the pipeline's
      fixed epoch, so a prompt's corruption never changes over training.
    - ``paired``: return ``{"clean": ..., "corrupted": ...}``, both collated, for
      contrastive objectives.
    - ``set_step(step)`` applies the pipeline's schedule (ratio, severity) at that step.
    - ``keys`` (or ``pool``, a dataset with ``key_column``) lists every prompt id; needed
      only for an exact ratio below 1.
    - The record goes into each row as ``record_column`` (a dict, or a JSON string with
      ``record_as_json=True``, e.g. for Arrow-backed batches).
    """

    def __init__(
        self,
        pipeline: Pipeline,
        base_collate: Callable[[list[dict[str, Any]]], Any] | None = None,
        *,
        pool: Any = None,
        image_column: str | None = "image",
        text_column: str | None = None,
        key_column: str = "id",
        keys: Iterable[Any] | None = None,
        epoch_seeded: bool = True,
        paired: bool = False,
        record_column: str = "hallucue",
        record_as_json: bool = False,
    ) -> None:
        self.pipeline = pipeline
        self.base_collate = base_collate
        self.image_column = image_column
        self.text_column = text_column
        self.key_column = key_column
        self.epoch_seeded = epoch_seeded
        self.paired = paired
        self.record_column = record_column
        self.record_as_json = record_as_json
        self.pool = pipeline.donor_pool(pool, image_column, key_column)
        if keys is None and pool is not None and hasattr(pool, "column_names"):
            keys = pool[key_column] if key_column in pool.column_names else None
        self._keys = list(keys) if keys is not None else None
        self.epoch = 0
        self.step = 0
        self._cache: tuple[tuple[int, int], Pipeline, Selection] | None = None

    def set_epoch(self, epoch: int) -> None:
        """Resample for a new epoch (no effect with ``epoch_seeded=False``)."""
        self.epoch = int(epoch)

    def set_step(self, step: int) -> None:
        """The training step, for the pipeline's ``schedule``."""
        self.step = int(step)

    def current(self) -> tuple[Pipeline, Selection]:
        """The pipeline (at the current step) and its selection (at the current epoch)."""
        epoch = self.epoch if self.epoch_seeded else self.pipeline.epoch
        state = (epoch, self.step)
        if self._cache is None or self._cache[0] != state:
            pipe = self.pipeline.at_step(self.step)
            exact = pipe.selection_mode == "exact" and 0 < pipe.ratio < 1
            if exact and self._keys is None:
                raise ValueError(
                    "an exact ratio below 1 needs every prompt id: pass keys= or pool=, "
                    "or use selection='bernoulli'"
                )
            selection = pipe.select(self._keys if exact else None, epoch=epoch)
            self._cache = (state, pipe, selection)
        return self._cache[1], self._cache[2]

    def corrupt_rows(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The corrupted copies of ``rows``, each with its record; ``rows`` are not changed."""
        pipe, selection = self.current()
        out = []
        for i, row in enumerate(rows):
            if self.key_column not in row:
                raise KeyError(f"row {i} of the batch has no key column {self.key_column!r}")
            new, record = pipe.apply(
                row,
                key=row[self.key_column],
                image_column=self.image_column,
                text_column=self.text_column,
                pool=self.pool,
                epoch=selection.epoch,
                selection=selection,
            )
            new[self.record_column] = dumps(record) if self.record_as_json else record
            out.append(new)
        return out

    def __call__(self, rows: Sequence[dict[str, Any]]) -> Any:
        corrupted = self.corrupt_rows(rows)
        collate = self.base_collate or list
        if self.paired:
            return {"clean": collate(list(rows)), "corrupted": collate(corrupted)}
        return collate(corrupted)
