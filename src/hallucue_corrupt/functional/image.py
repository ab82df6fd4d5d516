"""Image functions on :class:`~hallucue_corrupt.media.ImageRef` views; no global RNG."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image

from ..media import ImageRef, ImageValue, encode_png

__all__ = ["FILLS", "blank", "mean_rgb", "mode_color", "resolve_fill"]

#: Named fills, as 8-bit RGB.
FILLS: dict[str, tuple[int, int, int]] = {
    "white": (255, 255, 255),
    "black": (0, 0, 0),
    "gray": (128, 128, 128),
}
Fill = str | int | tuple[int, int, int]
_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def mean_rgb(image: ImageRef) -> tuple[int, int, int]:
    """The rounded mean colour of an image (decodes its pixels)."""
    pixels = np.asarray(image.pil().convert("RGB"), dtype=np.float64)
    mean = pixels.reshape(-1, 3).mean(axis=0)
    r, g, b = (int(np.rint(c)) for c in mean)
    return (r, g, b)


def resolve_fill(fill: Fill, image: ImageRef) -> tuple[int, int, int]:
    """An 8-bit RGB colour for ``fill`` ("white", "black", "gray", "mean", int or RGB)."""
    if isinstance(fill, str):
        return mean_rgb(image) if fill == "mean" else FILLS[fill]
    if isinstance(fill, int):
        return (fill, fill, fill)
    return (int(fill[0]), int(fill[1]), int(fill[2]))


def mode_color(mode: str, rgb: tuple[int, int, int]) -> Any:
    """``rgb`` as a pixel value of ``mode``: 16-bit modes scale 0-255 to 0-65535, ``F``
    keeps 0-255, alpha is opaque, ``CMYK`` and ``P`` convert as PIL converts."""
    gray = Image.new("RGB", (1, 1), rgb).convert("L").getpixel((0, 0))
    if mode in _SIXTEEN_BIT:
        return int(gray) * 257  # type: ignore[arg-type]
    if mode == "F":
        return float(gray)  # type: ignore[arg-type]
    return Image.new("RGB", (1, 1), rgb).convert(mode).getpixel((0, 0))


@lru_cache(maxsize=256)
def _blank_png(mode: str, size: tuple[int, int], rgb: tuple[int, int, int]) -> bytes:
    """Encoded blank images are the same bytes every time: encode each once per process."""
    return encode_png(_blank_pil(mode, size, rgb))


def _blank_pil(mode: str, size: tuple[int, int], rgb: tuple[int, int, int]) -> Image.Image:
    if mode == "P":  # a palette image needs the palette PIL builds when converting
        return Image.new("RGB", size, rgb).convert("P")
    return Image.new(mode, size, mode_color(mode, rgb))


def _blank_array(like: np.ndarray, shape: tuple[int, ...], rgb: tuple[int, int, int]) -> np.ndarray:
    """A uniform array of ``like``'s dtype; floats are taken as 0-1, integers as full range."""
    kind = like.dtype.kind
    top = 1.0 if kind == "f" else (True if kind == "b" else np.iinfo(like.dtype).max)
    if like.ndim == 3 and like.shape[2] >= 3:
        color = [c / 255 * top for c in rgb] + [top] * (like.shape[2] - 3)
    else:
        color = [mode_color("L", rgb) / 255 * top]
    if kind in "iu":
        color = [round(c) for c in color]
    out = np.empty(shape, dtype=like.dtype)
    out[...] = np.asarray(color if like.ndim == 3 else color[0]).astype(like.dtype)
    return out


def blank(
    image: ImageRef, rgb: tuple[int, int, int], size: tuple[int, int] | None = None
) -> ImageValue:
    """A uniform image of ``rgb`` with ``image``'s mode and (by default) size.

    Encoded inputs get cached PNG bytes (no decode, no encode); arrays keep dtype and
    channel count; PIL inputs get a new PIL image.
    """
    width, height = size or image.size
    if image.kind == "array":
        like: np.ndarray = image.value
        return _blank_array(like, (height, width, *like.shape[2:]), rgb)
    if image.kind == "pil":
        return _blank_pil(image.mode, (width, height), rgb)
    return _blank_png(image.mode, (width, height), rgb)
