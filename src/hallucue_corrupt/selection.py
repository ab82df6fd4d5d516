"""Selection: which samples a pipeline corrupts at one epoch, and the rules on sample keys.

Exact selection picks the ``round(ratio * N)`` samples with the smallest keyed hashes, so
it needs every key once (:func:`exact_threshold`); Bernoulli selection needs none. Keys
must be unique: a duplicate would share its twin's draws and break exact ratios.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .fields import FieldError
from .seeding import canonical_keys, derive_seeds, exact_threshold, is_selected, uniform

__all__ = [
    "SELECT_STREAM",
    "Selection",
    "SelectionMode",
    "check_unique_keys",
    "rank_keys",
    "select",
]

SelectionMode = Literal["exact", "bernoulli"]
#: The random stream selection draws from.
SELECT_STREAM = "__select__"

_NEEDS_KEYS = (
    "an exact ratio below 1 needs every sample key: pass the dataset (or keys=) so the "
    "selection can see them all, or use selection='bernoulli'"
)


@dataclass(frozen=True)
class Selection:
    """Which samples a pipeline corrupts at one epoch; picklable, O(1) in size."""

    seed: int
    epoch: int
    ratio: float
    mode: SelectionMode
    threshold: int | None = None

    @property
    def needs_keys(self) -> bool:
        """Whether this selection can only be decided with the full key set."""
        return self.mode == "exact" and 0.0 < self.ratio < 1.0

    def __call__(self, key: Any) -> bool:
        if self.ratio >= 1.0:
            return True
        if self.ratio <= 0.0:
            return False
        if self.mode == "bernoulli":
            return uniform(self.seed, key, SELECT_STREAM, self.epoch) < self.ratio
        if self.threshold is None:
            raise ValueError(_NEEDS_KEYS)
        return is_selected(self.seed, key, SELECT_STREAM, self.epoch, self.threshold)

    def mask(self, keys: Any) -> np.ndarray:
        """:meth:`__call__` of many keys (a list, range or pyarrow array) as a bool array,
        hashing them in one pass: what the batch kernel selects with."""
        n = len(keys)
        if self.ratio >= 1.0:
            return np.ones(n, dtype=bool)
        if self.ratio <= 0.0:
            return np.zeros(n, dtype=bool)
        hashes = derive_seeds(self.seed, keys, SELECT_STREAM, self.epoch)
        if self.mode == "bernoulli":
            return np.asarray(hashes / float(2**64) < self.ratio)
        if self.threshold is None:
            raise ValueError(_NEEDS_KEYS)
        if self.threshold >= 2**64:
            return np.ones(n, dtype=bool)
        return np.asarray(hashes < np.uint64(self.threshold))


def select(
    seed: int, ratio: float, mode: SelectionMode, epoch: int, keys: Iterable[Any] | None
) -> Selection:
    """The selection for ``epoch``; an exact ratio below 1 without ``keys`` is an error now,
    not later inside a worker."""
    selection = Selection(seed, epoch, ratio, mode)
    if not selection.needs_keys:
        return selection
    if keys is None:
        raise ValueError(_NEEDS_KEYS)
    threshold = exact_threshold(seed, keys, ratio, SELECT_STREAM, epoch)
    return Selection(seed, epoch, ratio, mode, threshold)


def rank_keys(keys: Any, label: str = "the keys") -> tuple[np.ndarray, np.ndarray]:
    """The canonical keys sorted, and the row position of each: how pools rank rows.
    ``keys``: a sequence, range, iterable or pyarrow array (canonicalised in bulk). A
    repeated key is a :class:`FieldError` naming its row and ``label`` (where the keys
    come from)."""
    canon = np.array(canonical_keys(keys), dtype=object).astype(str)
    order = np.argsort(canon, kind="stable")
    ranked = canon[order]
    dup = np.flatnonzero(ranked[1:] == ranked[:-1])
    if dup.size:
        row = int(max(order[dup[0]], order[dup[0] + 1]))
        raise FieldError(
            f"row {row}: {label} repeats the id {str(ranked[dup[0]])!r}; ids must be unique"
        )
    return ranked, order


def check_unique_keys(keys: Iterable[Any], column: str | None = None) -> None:
    """Raise :class:`FieldError` naming the first repeated key (and its row)."""
    rank_keys(keys, f"key column {column!r}" if column else "the keys")
