"""Replay: rebuild a corrupted row from its clean row and its record, byte for byte."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .engine import replay_row
from .media import ImageRef, is_image_value
from .pool import as_pool
from .records import loads

__all__ = ["replay"]


def replay(
    record: str | Mapping[str, Any],
    row: Mapping[str, Any],
    *,
    image_column: str | None = None,
    text_column: str | None = None,
    pool: Any = None,
    key_column: str | None = None,
) -> dict[str, Any]:
    """The corrupted row that ``record`` describes, from the clean ``row``.

    Every applied corruption runs again with the parameters its record entry holds and
    what it drew (donor key, number map, permutation, the seed of a noise field); nothing
    is drawn anew, so the record alone decides the output. ``pool`` (ranked by
    ``key_column``, as in the original run) supplies ``random_image`` donors. Images come
    back in the row's form; pass ``{"bytes", "path"}`` dicts to compare bytes with a
    ``corrupt_dataset`` output read with ``decode=False``.
    """
    rec = loads(record)
    kind = None
    if image_column is not None and image_column in row:
        value = row[image_column]
        first = value[0] if isinstance(value, (list, tuple)) and value else value
        if is_image_value(first):
            kind = ImageRef(first).kind
    return replay_row(
        rec,
        row,
        columns={"image": image_column, "text": text_column},
        pool=as_pool(pool, image_column, key_column),
        kind=kind,
    )
