"""Dataset schema helpers: read image columns as bytes, and restore their decoding after."""

from __future__ import annotations

from typing import Any

from datasets import Features, Image, LargeList, List

__all__ = ["arrow_column", "image_columns", "undecoded", "with_decode"]


def _set_decode(feature: Any, decode: bool) -> Any:
    if isinstance(feature, Image):
        return Image(mode=feature.mode, decode=decode)
    if isinstance(feature, List):
        return List(_set_decode(feature.feature, decode), length=feature.length)
    if isinstance(feature, LargeList):
        return LargeList(_set_decode(feature.feature, decode))
    if isinstance(feature, dict):
        return {k: _set_decode(v, decode) for k, v in feature.items()}
    if isinstance(feature, list) and len(feature) == 1:
        return [_set_decode(feature[0], decode)]
    return feature


def with_decode(features: Features, decode: bool, columns: list[str] | None = None) -> Features:
    """``features`` with ``Image`` decoding of ``columns`` (default all) set to ``decode``."""
    return Features(
        {
            name: _set_decode(f, decode) if columns is None or name in columns else f
            for name, f in features.items()
        }
    )


def _has_image(feature: Any) -> bool:
    if isinstance(feature, Image):
        return True
    if isinstance(feature, (List, LargeList)):
        return _has_image(feature.feature)
    if isinstance(feature, list) and len(feature) == 1:
        return _has_image(feature[0])
    return False


def image_columns(features: Features) -> list[str]:
    """Columns holding an ``Image`` or a list of them."""
    return [name for name, f in features.items() if _has_image(f)]


def undecoded(dataset: Any, column: str) -> Any:
    """``dataset`` with ``column`` read as ``{"bytes", "path"}`` dicts (no pixel decode):
    what blanks and donor copies work on."""
    return dataset.cast_column(column, with_decode(dataset.features, False, [column])[column])


def arrow_column(dataset: Any, column: str) -> Any:
    """One column of a ``datasets.Dataset`` as a pyarrow array, in row order (a shuffled
    or selected dataset's indices applied), without a Python object per value."""
    import pyarrow as pa

    values = dataset.with_format("arrow")[column]
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    return values
