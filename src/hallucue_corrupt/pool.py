"""Donor pools for image swaps: fetch one donor by rank, never hold the pool's images.

A pool orders its rows by sample key (sorted canonical keys when an id column is named,
row positions otherwise), so the donor drawn for a key does not depend on row order:
a shuffled dataset with an id column gets the same donors.
"""

from __future__ import annotations

import bisect
import glob
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .media import ImageValue
from .seeding import canonical_key
from .selection import rank_keys

__all__ = ["DatasetPool", "ListPool", "ParquetPool", "Pool", "as_pool", "parquet_files"]


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
        i = bisect.bisect_left(self._sorted, canon)
        return i if i < self._size and self._sorted[i] == canon else None

    def ranks_of(self, keys: Sequence[str]) -> np.ndarray:
        """:meth:`rank_of` of many canonical keys as an ``int64`` array, -1 where a key is
        not in the pool."""
        if self._sorted is None or any(k.endswith("\x00") for k in keys):
            # one by one: numpy strings drop trailing NULs, so those keys would not compare
            return np.array([-1 if (r := self.rank_of(k)) is None else r for k in keys], np.int64)
        wanted = np.array(keys, dtype=str) if len(keys) else np.zeros(0, dtype=str)
        ranks = np.searchsorted(self._sorted, wanted).astype(np.int64)
        inside = ranks < self._size
        found = np.zeros(len(keys), dtype=bool)
        found[inside] = self._sorted[ranks[inside]] == wanted[inside]
        return np.where(found, ranks, -1)

    def keys_at(self, ranks: np.ndarray) -> list[str]:
        """:meth:`key_at` of many ranks."""
        if self._sorted is None:
            return [str(r) for r in ranks.tolist()]
        return [str(k) for k in self._sorted[ranks].tolist()]

    def image_at(self, rank: int) -> ImageValue | list[ImageValue] | None:
        """The image value (or list of them) of the ``rank``-th row."""
        raise NotImplementedError

    def image_bytes_at(self, ranks: np.ndarray) -> Any:
        """The encoded bytes of the images of many ranks as one Arrow binary array (null
        where a row has no bytes), without a Python object per image; None when this pool
        cannot (the batch kernel then reads donors one by one)."""
        return None


class ListPool(Pool):
    """A pool over an in-memory sequence of images (for single-image use and tests)."""

    def __init__(self, images: Sequence[Any], keys: Sequence[Any] | None = None) -> None:
        super().__init__(len(images), keys)
        self._images = images

    def image_at(self, rank: int) -> Any:
        return self._images[self.position(rank)]


class DatasetPool(Pool):
    """A pool over one image column of a ``datasets.Dataset``, read undecoded as Arrow
    values row by row from its (memory-mapped) table, ranked by ``key_column`` or by
    explicit ``keys`` (one per row), else by position. It pickles as the dataset does (a
    memory-mapped one by its files), so workers never receive the images."""

    def __init__(
        self,
        dataset: Any,
        image_column: str,
        key_column: str | None = None,
        keys: Sequence[Any] | None = None,
    ) -> None:
        from .features import arrow_column

        if image_column not in dataset.column_names:
            raise KeyError(f"donor pool has no column {image_column!r}: {dataset.column_names}")
        if key_column is not None:
            if key_column not in dataset.column_names:
                raise KeyError(f"donor pool has no key column {key_column!r}")
            keys = arrow_column(dataset, key_column)
        super().__init__(len(dataset), keys)
        self._dataset = dataset.select_columns([image_column])
        self._column = image_column
        self._values: Any = None
        self._rows: np.ndarray | None = None
        self._last: tuple[int, Any] = (-1, None)

    def _open(self) -> None:
        column = self._dataset.data.column(self._column)
        self._values = column.chunks
        self._starts = np.cumsum([0] + [len(c) for c in column.chunks[:-1]]).tolist()
        indices = getattr(self._dataset, "_indices", None)  # a shuffled or selected view
        if indices is not None:
            self._rows = indices.column(0).to_numpy()

    def image_bytes_at(self, ranks: np.ndarray) -> Any:
        from .binary import gather_binary

        if self._values is None:
            self._open()
        if not self._values or not _is_image_type(self._values[0].type):
            return None
        positions = ranks if self._order is None else self._order[ranks]
        rows = np.asarray(positions if self._rows is None else self._rows[positions], np.int64)
        index = self._values[0].type.get_field_index("bytes")
        chunks = [c.flatten()[index] for c in self._values]
        return gather_binary(chunks, np.asarray(self._starts, np.int64), rows, chunks[0].type)

    def image_at(self, rank: int) -> Any:
        if self._values is None:
            self._open()
        if self._last[0] == rank:  # a donor is read to draw it, then to copy it
            return self._last[1]
        position = self.position(rank)
        row = position if self._rows is None else int(self._rows[position])
        chunk = bisect.bisect_right(self._starts, row) - 1
        value = self._values[chunk][row - self._starts[chunk]].as_py()
        self._last = (rank, value)
        return value

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_values": None, "_rows": None, "_last": (-1, None)}


def _is_image_type(kind: Any) -> bool:
    """Whether an Arrow type is an image struct with a binary ``bytes`` field."""
    import pyarrow as pa

    if not pa.types.is_struct(kind) or kind.get_field_index("bytes") < 0:
        return False
    data = kind.field("bytes").type
    return bool(pa.types.is_binary(data) or pa.types.is_large_binary(data))


def parquet_files(paths: str | Path | Sequence[str | Path]) -> list[str]:
    """The parquet files named by a path, a folder, a glob or a list of them, sorted."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    files: list[str] = []
    for item in items:
        text = str(item)
        if Path(text).is_dir():
            found = sorted(glob.glob(str(Path(text) / "**" / "*.parquet"), recursive=True))
        elif any(ch in text for ch in "*?["):
            found = sorted(glob.glob(text, recursive=True))
        else:
            found = [text] if Path(text).exists() else []
        if not found:
            raise FileNotFoundError(f"no parquet file at {text!r}")
        files += found
    return files


class ParquetPool(Pool):
    """Donors read from parquet files on demand, one row group at a time: the pool holds
    the key column and the row-group layout, never the images. Each donor read decodes
    the image column of its row group, so write donor files with small row groups (for
    example ``row_group_size=64`` for 512 px images); the last few row groups read are
    kept (``cache_row_groups``)."""

    def __init__(
        self,
        paths: str | Path | Sequence[str | Path],
        image_column: str,
        key_column: str | None = None,
        *,
        cache_row_groups: int = 4,
    ) -> None:
        import pyarrow.parquet as pq

        self.files = parquet_files(paths)
        self._column = image_column
        self._cache_size = cache_row_groups
        self._cache: OrderedDict[tuple[int, int], Any] = OrderedDict()
        groups: list[tuple[int, int]] = []
        starts: list[int] = []
        keys: list[Any] = []
        total = 0
        for f, path in enumerate(self.files):
            reader = pq.ParquetFile(path)
            names = reader.schema_arrow.names
            if image_column not in names:
                raise KeyError(f"donor pool {path!r} has no column {image_column!r}: {names}")
            if key_column is not None and key_column not in names:
                raise KeyError(f"donor pool {path!r} has no key column {key_column!r}")
            for g in range(reader.num_row_groups):
                groups.append((f, g))
                starts.append(total)
                total += reader.metadata.row_group(g).num_rows
            if key_column is not None:
                keys += reader.read(columns=[key_column]).column(key_column).to_pylist()
        super().__init__(total, keys if key_column is not None else None)
        self._last: tuple[int, Any] = (-1, None)
        self._readers: dict[int, Any] = {}
        self._groups = groups
        self._starts = np.asarray(starts, dtype=np.int64)

    def image_at(self, rank: int) -> Any:
        position = self.position(rank)
        g = int(np.searchsorted(self._starts, position, side="right")) - 1
        if self._last[0] == rank:  # a donor is read to draw it, then to copy it
            return self._last[1]
        value = self._row_group(g)[position - int(self._starts[g])].as_py()
        self._last = (rank, value)
        return value

    def _row_group(self, g: int) -> Any:
        import pyarrow.parquet as pq

        where = self._groups[g]
        column = self._cache.get(where)
        if column is None:
            reader = self._readers.get(where[0])
            if reader is None:  # opened once: its footer lists every row group
                reader = self._readers[where[0]] = pq.ParquetFile(self.files[where[0]])
            column = reader.read_row_group(where[1], columns=[self._column]).column(0)
            column = column.combine_chunks()
            self._cache[where] = column
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(where)
        return column

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = OrderedDict()  # workers open the files and read row groups
        state["_last"] = (-1, None)
        state["_readers"] = {}
        return state


def as_pool(
    pool: Any, image_column: str | None = None, key_column: str | None = None
) -> Pool | None:
    """A :class:`Pool` from a Pool, a ``datasets.Dataset``, a parquet path or glob
    (:class:`ParquetPool`) or a sequence of images (None: None)."""
    if pool is None or isinstance(pool, Pool):
        return pool
    if isinstance(pool, (str, Path)):
        if image_column is None:
            raise ValueError("a parquet donor pool needs image_column")
        return ParquetPool(pool, image_column, key_column)
    if hasattr(pool, "column_names") and not hasattr(pool, "__len__"):
        raise TypeError(
            "a streaming IterableDataset cannot be a donor pool (donors are read by index): "
            "pass a map-style Dataset, a parquet path or glob, or a Pool"
        )
    if hasattr(pool, "column_names") and hasattr(pool, "features"):
        if image_column is None:
            raise ValueError("a dataset donor pool needs image_column")
        return DatasetPool(pool, image_column, key_column)
    if isinstance(pool, Sequence) and not isinstance(pool, (str, bytes)):
        return ListPool(pool)
    raise TypeError(f"cannot use {type(pool).__name__} as a donor pool")
