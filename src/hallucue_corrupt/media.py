"""One image in whatever form it arrives: PIL, numpy array, encoded bytes or a datasets dict.

Corruptions see an :class:`ImageRef`, which reads the header (size, mode, format) without
decoding pixels, decodes only when asked, and turns a result back into the caller's form.
Encoded inputs stay encoded: a blank image is cached PNG bytes and a donor image is copied
as its bytes, which is what keeps a ``datasets.map`` over images near the cost of a copy.
"""

from __future__ import annotations

import io
import struct
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
from PIL import Image

__all__ = ["ImageRef", "ImageValue", "MediaError", "donor_problem", "encode_png", "is_image_value"]

#: What an image field may hold: a PIL image, an HxW / HxWxC array, encoded bytes, or the
#: ``{"bytes": ..., "path": ...}`` dict that ``datasets.Image(decode=False)`` yields.
ImageValue = Image.Image | np.ndarray | bytes | dict[str, Any]
Kind = Literal["pil", "array", "bytes", "dict"]

#: PNG zlib level used when a corruption produces new pixels: lossless and deterministic;
#: level 1 costs a fraction of the default 6 for images about 10% larger.
PNG_COMPRESS_LEVEL = 1
#: zlib's Z_HUFFMAN_ONLY strategy: for noisy pixels, where LZ77 finds no matches and PNG
#: row filters gain nothing, it gives the same size in a fraction of the time.
_Z_HUFFMAN_ONLY = 2
#: Modes OpenCV writes as PNG, with the conversion from PIL's channel order.
_CV2_NOISY_MODES = {"L": None, "RGB": "COLOR_RGB2BGR", "RGBA": "COLOR_RGBA2BGRA"}


class MediaError(ValueError):
    """An image value that cannot be read (wrong type, broken bytes, missing file)."""


def is_image_value(value: Any) -> bool:
    """Whether ``value`` is a single image (not a list of images)."""
    if isinstance(value, (Image.Image, np.ndarray, bytes, bytearray)):
        return True
    return isinstance(value, dict) and ("bytes" in value or "path" in value)


#: Modes PNG can hold; others (CMYK, I, F, YCbCr...) are written as TIFF, as ``datasets``
#: itself does when it encodes such images.
PNG_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "I;16"})


def encode_png(image: Image.Image, noisy: bool = False) -> bytes:
    """Lossless bytes with no timestamps or metadata, so equal pixels give equal bytes:
    PNG where the mode allows, TIFF otherwise (CMYK, I, F). ``noisy`` pixels skip the
    LZ77 match search, which finds nothing in them."""
    if noisy and image.mode in _CV2_NOISY_MODES:
        fast = _encode_noisy_png(image)
        if fast is not None:
            return fast
    buf = io.BytesIO()
    if image.mode in PNG_MODES:
        extra = {"compress_type": _Z_HUFFMAN_ONLY} if noisy else {}
        image.save(buf, format="PNG", compress_level=PNG_COMPRESS_LEVEL, **extra)
    else:
        image.save(buf, format="TIFF")
    return buf.getvalue()


def _encode_noisy_png(image: Image.Image) -> bytes | None:
    """PNG via OpenCV with no row filter and Huffman-only deflate (about 2.5x faster than
    Pillow, which always searches row filters); None if this OpenCV lacks the options."""
    import cv2

    if not hasattr(cv2, "IMWRITE_PNG_FILTER"):
        return None
    arr = np.asarray(image)
    conversion = _CV2_NOISY_MODES[image.mode]
    if conversion is not None:
        arr = cv2.cvtColor(arr, getattr(cv2, conversion))
    params = [
        cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESS_LEVEL,
        cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY,
        cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE,
    ]  # fmt: skip
    ok, encoded = cv2.imencode(".png", arr, params)
    return encoded.tobytes() if ok else None


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: (bit depth, colour type) of 8-bit PNGs to the mode PIL opens them in.
_PNG_MODES = {(8, 0): "L", (8, 2): "RGB", (8, 3): "P", (8, 4): "LA", (8, 6): "RGBA"}

_GRAY_MODES = {"b": "1", "u1": "L", "u2": "I;16", "i": "I", "u": "I", "f": "F"}


def _array_mode(array: np.ndarray) -> str:
    """The PIL mode of an HxW, HxWx1, HxWx3 or HxWx4 array."""
    gray = array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 1)
    if gray:
        kind = array.dtype.kind
        mode = _GRAY_MODES.get(f"{kind}{array.dtype.itemsize}" if kind == "u" else kind)
        mode = mode or _GRAY_MODES.get(kind)
        if mode is not None:
            return mode
    elif array.ndim == 3 and array.shape[2] in (3, 4) and array.dtype == np.uint8:
        return "RGB" if array.shape[2] == 3 else "RGBA"
    raise MediaError(f"unsupported image array: shape {array.shape}, dtype {array.dtype}")


def _check_pixels(size: tuple[int, int]) -> None:
    """Refuse decompression bombs: PIL's own limit (``Image.MAX_IMAGE_PIXELS``, doubled as
    PIL does for its error), applied to headers read without PIL too."""
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and size[0] * size[1] > 2 * limit:
        raise MediaError(
            f"image of {size[0]}x{size[1]} pixels exceeds the decompression-bomb limit "
            f"({2 * limit} pixels; raise PIL.Image.MAX_IMAGE_PIXELS to allow it)"
        )


class ImageRef:
    """A read-only view of one image value that keeps track of the form it came in."""

    def __init__(self, value: ImageValue, *, noisy: bool = False) -> None:
        #: Encode with the strategy for high-entropy pixels if bytes are asked for.
        self.noisy = noisy
        if isinstance(value, Image.Image):
            self.kind: Kind = "pil"
        elif isinstance(value, np.ndarray):
            self.kind = "array"
            if value.ndim not in (2, 3) or value.size == 0:
                raise MediaError(
                    f"image array must be HxW or HxWxC and non-empty, got {value.shape}"
                )
            _array_mode(value)
        elif isinstance(value, (bytes, bytearray)):
            self.kind = "bytes"
            value = bytes(value)
        elif isinstance(value, dict) and ("bytes" in value or "path" in value):
            self.kind = "dict"
            if value.get("bytes") is None and not value.get("path"):
                raise MediaError("image dict has neither bytes nor path")
        else:
            raise MediaError(f"not an image: {type(value).__name__}")
        self.value: Any = value

    @cached_property
    def data(self) -> bytes:
        """The encoded bytes (reads the file for a path-only datasets dict)."""
        if self.kind == "bytes":
            return bytes(self.value)
        if self.kind == "dict":
            raw = self.value.get("bytes")
            if raw is not None:
                return bytes(raw)
            path = self.value["path"]
            try:
                return Path(path).read_bytes()
            except OSError as exc:
                raise MediaError(f"cannot read image file {path!r}: {exc}") from exc
        return encode_png(self.pil(), noisy=self.noisy)

    @cached_property
    def _header(self) -> Image.Image:
        """The image opened lazily: size, mode and format, no pixel decode."""
        try:
            return Image.open(io.BytesIO(self.data))
        except Exception as exc:  # PIL raises several types for bad bytes
            raise MediaError(f"cannot decode image bytes: {exc}") from exc

    @cached_property
    def _png_header(self) -> tuple[tuple[int, int], str] | None:
        """Size and mode read straight from an 8-bit PNG's IHDR chunk (no PIL object)."""
        data = self.data
        if len(data) < 29 or data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR":
            return None
        width, height = struct.unpack(">II", data[16:24])
        mode = _PNG_MODES.get((data[24], data[25]))
        return ((width, height), mode) if mode and width and height else None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        if self.kind == "pil":
            return (int(self.value.width), int(self.value.height))
        if self.kind == "array":
            return (int(self.value.shape[1]), int(self.value.shape[0]))
        header = self._png_header
        size = header[0] if header else self._header.size
        _check_pixels(size)
        return size

    @property
    def mode(self) -> str:
        """The PIL mode (for arrays, the mode PIL would give them)."""
        if self.kind == "pil":
            return str(self.value.mode)
        if self.kind == "array":
            return _array_mode(self.value)
        header = self._png_header
        return header[1] if header else str(self._header.mode)

    @property
    def format(self) -> str | None:
        """The encoded format (``PNG``, ``JPEG``...) or None for in-memory images."""
        if self.kind in ("pil", "array"):
            return getattr(self.value, "format", None)
        return "PNG" if self._png_header else self._header.format

    def pil(self, lazy: bool = False) -> Image.Image:
        """The PIL image: the object itself for PIL input, a new image otherwise. With
        ``lazy`` an encoded image is opened but its pixels are decoded on first use, as
        ``datasets`` does."""
        if self.kind == "pil":
            return cast(Image.Image, self.value)
        if self.kind == "array":
            arr = self.value
            if arr.ndim == 3 and arr.shape[2] == 1:
                arr = arr[:, :, 0]
            return Image.fromarray(np.ascontiguousarray(arr))
        try:
            img = Image.open(io.BytesIO(self.data))
            if not lazy:
                img.load()
        except Exception as exc:
            raise MediaError(f"cannot decode image bytes: {exc}") from exc
        return img

    def array(self) -> np.ndarray:
        """The pixels as a numpy array (the array itself for array inputs)."""
        if self.kind == "array":
            return cast(np.ndarray, self.value)
        return np.asarray(self.pil())

    def meta(self) -> dict[str, Any]:
        """Size and mode, JSON-safe, for records."""
        return {"size": list(self.size), "mode": self.mode}

    def wrap(self, result: ImageValue | ImageRef, kind: Kind | None = None) -> ImageValue:
        """``result`` in this input's form (or in ``kind``): PIL in, PIL out; bytes in,
        bytes out; and so on.

        Encoded results pass through as their bytes (a cached blank, a donor's original
        bytes); decoded results are PNG-encoded only when an encoded form is wanted.
        """
        out = result if isinstance(result, ImageRef) else ImageRef(result)
        kind = kind or self.kind
        if kind == "pil":
            return out.pil(lazy=True)
        if kind == "array":
            arr = out.array()
            if self.kind == "array" and self.value.ndim == 3 and arr.ndim == 2:
                arr = arr[:, :, None]
            return arr
        if kind == "bytes":
            return out.data
        return {"bytes": out.data, "path": None}


_PNG_END = b"IEND\xaeB`\x82"
_JPEG_END = b"\xff\xd9"


def donor_problem(value: Any) -> str | None:
    """Why an image value cannot be copied as a donor, or None when it can.

    Cheap where it can be: a PNG needs a readable header and its closing IEND chunk, a
    JPEG its end marker; other formats are decoded. In-memory images are always usable.
    """
    if value is None:
        return "no image"
    if not is_image_value(value):
        return f"not an image: {type(value).__name__}"
    try:
        ref = ImageRef(value)
        if ref.kind in ("pil", "array"):
            return None
        ref.size  # noqa: B018 - the header must parse
        data = ref.data
        if data.startswith(_PNG_SIGNATURE):
            return None if data[-12:].endswith(_PNG_END) else "truncated PNG (no IEND chunk)"
        if data.startswith(b"\xff\xd8"):
            return None if _JPEG_END in data[-1024:] else "truncated JPEG (no end marker)"
        ref.pil()
    except MediaError as exc:
        return str(exc)
    return None
