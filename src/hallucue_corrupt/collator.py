"""Online corruption for RL rollouts: a collate wrapper keyed by prompt id and epoch.

GRPO repeats each prompt for a group of completions; every copy of a prompt must see the
same corruption. The collator keys every draw on the row's id (``key_column``) and the
epoch, never on call order or batch position, so the copies agree, wherever they land.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .binding import RunBinding
from .pipeline import Pipeline
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
        if keys is None and pool is not None and hasattr(pool, "column_names"):
            keys = pool[key_column] if key_column in pool.column_names else None
        self._keys = list(keys) if keys is not None else None
        self.epoch = 0
        self.step = 0
        self.binding: RunBinding = pipeline.bind(
            image_column=image_column,
            text_column=text_column,
            key_column=key_column,
            pool=pool,
            keys=self._keys,
            epoch=self._epoch(),
        )
        self._state = (self._epoch(), 0)

    def set_epoch(self, epoch: int) -> None:
        """Resample for a new epoch (no effect with ``epoch_seeded=False``)."""
        self.epoch = int(epoch)

    def set_step(self, step: int) -> None:
        """The training step, for the pipeline's ``schedule``."""
        self.step = int(step)

    def _epoch(self) -> int:
        return self.epoch if self.epoch_seeded else self.pipeline.epoch

    def current(self) -> RunBinding:
        """The run binding at the current step (the schedule) and epoch."""
        state = (self._epoch(), self.step)
        if state != self._state:
            pipe = self.pipeline.at_step(self.step)
            self.binding = self.binding.rebind(pipe, state[0], self._keys)
            self._state = state
        return self.binding

    def corrupt_rows(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The corrupted copies of ``rows``, each with its record; ``rows`` are not changed."""
        binding = self.current()
        out = []
        for i, row in enumerate(rows):
            if self.key_column not in row:
                raise KeyError(f"row {i} of the batch has no key column {self.key_column!r}")
            new, record = binding.apply(row, row[self.key_column])
            new[self.record_column] = dumps(record) if self.record_as_json else record
            out.append(new)
        return out

    def __call__(self, rows: Sequence[dict[str, Any]]) -> Any:
        corrupted = self.corrupt_rows(rows)
        collate = self.base_collate or list
        if self.paired:
            return {"clean": collate(list(rows)), "corrupted": collate(corrupted)}
        return collate(corrupted)
