"""Donor pools for image swaps: fetch one donor by rank, never hold the pool's images.

A pool orders its rows by sample key (sorted canonical keys when an id column is named,
row positions otherwise), so the donor drawn for a key does not depend on row order:
a shuffled dataset with an id column gets the same donors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .media import ImageValue
from .seeding import canonical_key
from .selection import rank_keys

__all__ = ["DatasetPool", "ListPool", "Pool", "as_pool"]


class Pool:
    """Rows ranked by key; subclasses say how to read one row's image(s)."""

    def __init__(self, size: int, keys: Sequence[Any] | None = None) -> None:
        self._size = size
        self._sorted: np.ndarray | None = None
        self._order: np.ndarray | None = None
        if keys is not None:
            self._sorted, self._order = rank_keys(keys, "the donor pool")

    def __len__(self) -> int:
        return self._size

    def position(self, rank: int) -> int:
        """The row position of the ``rank``-th key."""
        return rank if self._order is None else int(self._order[rank])

    def key_at(self, rank: int) -> str:
        """The canonical key of the ``rank``-th row."""
        return str(rank) if self._sorted is None else str(self._sorted[rank])

    def rank_of(self, key: Any) -> int | None:
        """The rank of ``key`` in this pool, or None when the key is not in it."""
        canon = canonical_key(key)
        if self._sorted is None:
            try:
                rank = int(canon)
            except ValueError:
                return None
            return rank if 0 <= rank < self._size else None
        i = int(np.searchsorted(self._sorted, canon))
        return i if i < self._size and self._sorted[i] == canon else None

    def image_at(self, rank: int) -> ImageValue | list[ImageValue] | None:
        """The image value (or list of them) of the ``rank``-th row."""
        raise NotImplementedError


class ListPool(Pool):
    """A pool over an in-memory sequence of images (for single-image use and tests)."""

    def __init__(self, images: Sequence[Any], keys: Sequence[Any] | None = None) -> None:
        super().__init__(len(images), keys)
        self._images = images

    def image_at(self, rank: int) -> Any:
        return self._images[self.position(rank)]


class DatasetPool(Pool):
    """A pool over one image column of a ``datasets.Dataset``, read undecoded, row by row,
    ranked by ``key_column`` or by explicit ``keys`` (one per row), else by position."""

    def __init__(
        self,
        dataset: Any,
        image_column: str,
        key_column: str | None = None,
        keys: Sequence[Any] | None = None,
    ) -> None:
        from .features import undecoded

        if image_column not in dataset.column_names:
            raise KeyError(f"donor pool has no column {image_column!r}: {dataset.column_names}")
        if key_column is not None:
            if key_column not in dataset.column_names:
                raise KeyError(f"donor pool has no key column {key_column!r}")
            keys = dataset[key_column]
        super().__init__(len(dataset), keys)
        self._images = undecoded(dataset.select_columns([image_column]), image_column)
        self._column = image_column

    def image_at(self, rank: int) -> Any:
        return self._images[self.position(rank)][self._column]


def as_pool(
    pool: Any, image_column: str | None = None, key_column: str | None = None
) -> Pool | None:
    """A :class:`Pool` from a Pool, a ``datasets.Dataset`` or a sequence of images (None: None)."""
    if pool is None or isinstance(pool, Pool):
        return pool
    if hasattr(pool, "column_names") and hasattr(pool, "features"):
        if image_column is None:
            raise ValueError("a dataset donor pool needs image_column")
        return DatasetPool(pool, image_column, key_column)
    if isinstance(pool, Sequence) and not isinstance(pool, (str, bytes)):
        return ListPool(pool)
    raise TypeError(f"cannot use {type(pool).__name__} as a donor pool")
