"""One image in whatever form it arrives: PIL, numpy array, encoded bytes or a datasets dict.

Corruptions see an :class:`ImageRef`, which reads the header (size, mode, format) without
decoding pixels, decodes only when asked, and turns a result back into the caller's form.
Encoded inputs stay encoded: a blank image is cached PNG bytes and a donor image is copied
as its bytes, which is what keeps a ``datasets.map`` over images near the cost of a copy.
"""

from __future__ import annotations

import io
import struct
import sys
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
from PIL import Image
from zlib_ng import zlib_ng

__all__ = [
    "ACCEPTED_ARRAYS",
    "PNG_ENCODINGS",
    "ImageRef",
    "ImageValue",
    "Layout",
    "MediaError",
    "PngEncoding",
    "donor_problem",
    "encode_png",
    "incompressible",
    "is_image_value",
    "png_rows",
    "resolve_encoding",
]

#: What an image field may hold: a PIL image, an HxW / HxWxC array (or a CHW torch tensor),
#: encoded bytes, or the ``{"bytes": ..., "path": ...}`` dict that
#: ``datasets.Image(decode=False)`` yields.
ImageValue = Image.Image | np.ndarray | bytes | dict[str, Any]
Kind = Literal["pil", "array", "bytes", "dict"]
#: Axis order of a 3-D array: ``HWC`` (numpy, PIL, OpenCV), ``CHW`` (torch, torchvision), or
#: ``auto``: CHW when the first axis is 1, 3 or 4 long and the last is not, HWC otherwise.
Layout = Literal["auto", "HWC", "CHW"]

#: What an image array may be (the error for any other array lists it).
ACCEPTED_ARRAYS = (
    "HxW, HxWx1, HxWx3 or HxWx4 arrays of uint8, uint16 or float (0-1), HxW(x1) of bool "
    "or other integers; CHW arrays with layout='CHW' (or auto-detected: first axis 1, 3 or "
    "4 long, last axis not); torch tensors (CHW or HW, as torchvision)"
)

#: PNG zlib level used by the ``zlib`` encoding: lossless and deterministic; level 1 costs
#: a fraction of the default 6 for images about 10% larger.
PNG_COMPRESS_LEVEL = 1
#: How new pixels are written as PNG (measured in docs/performance.md):
#: ``stored`` no compression (the fastest by far; noise does not compress anyway);
#: ``rle`` the "up" row filter and run-length deflate (a few ms at 512 px: diagrams,
#: smooth images, blurred or masked outputs 3-30x smaller than stored); ``huffman``
#: Huffman-only deflate, no row filter; ``zlib`` Pillow at level 1 with adaptive row
#: filters (often the smallest, 2-15x the time of rle); ``auto`` measures each image:
#: stored when a sample of its rows barely deflates (:func:`incompressible`), rle otherwise.
PngEncoding = Literal["auto", "stored", "rle", "huffman", "zlib"]
PNG_ENCODINGS: tuple[str, ...] = ("auto", "stored", "rle", "huffman", "zlib")
#: PNG colour type of each 8-bit mode the direct writer handles.
_PNG_COLOR_TYPES = {"L": 0, "LA": 4, "RGB": 2, "RGBA": 6}


class MediaError(ValueError):
    """An image value that cannot be read (wrong type, broken bytes, missing file)."""


def _is_tensor(value: Any) -> bool:
    """Whether ``value`` is a torch tensor (torch is never imported here: a tensor can only
    exist once its caller has imported it)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def is_image_value(value: Any) -> bool:
    """Whether ``value`` is a single image (not a list of images)."""
    if isinstance(value, (Image.Image, np.ndarray, bytes, bytearray)) or _is_tensor(value):
        return True
    return isinstance(value, dict) and ("bytes" in value or "path" in value)


#: Modes PNG can hold; others (CMYK, I, F, YCbCr...) are written as TIFF, as ``datasets``
#: itself does when it encodes such images.
PNG_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "I;16"})


def encode_png(image: Image.Image | np.ndarray, encoding: PngEncoding = "zlib") -> bytes:
    """Lossless bytes with no timestamps or metadata, so equal pixels give equal bytes:
    PNG where the mode allows, TIFF otherwise (CMYK, I, F). ``encoding`` picks the PNG
    compression (see :data:`PngEncoding`). 8-bit L, LA, RGB and RGBA pixels are written
    by this module's own PNG writer for every encoding but ``zlib`` (Pillow)."""
    arr = image if isinstance(image, np.ndarray) else None
    mode = _array_mode(arr) if arr is not None else image.mode  # type: ignore[union-attr]
    if encoding != "zlib" and mode in _PNG_COLOR_TYPES:
        pixels = arr if arr is not None else np.asarray(image)
        encoding = resolve_encoding(pixels, encoding)
        if encoding != "zlib":
            return _write_png(pixels, _PNG_COLOR_TYPES[mode], encoding)
    if arr is not None:
        image = ImageRef(arr).pil()
    buf = io.BytesIO()
    if image.mode in PNG_MODES:  # type: ignore[union-attr]
        image.save(buf, format="PNG", compress_level=PNG_COMPRESS_LEVEL)  # type: ignore[union-attr]
    else:
        image.save(buf, format="TIFF")  # type: ignore[union-attr]
    return buf.getvalue()


def resolve_encoding(pixels: np.ndarray, encoding: PngEncoding) -> PngEncoding:
    """``encoding`` with ``auto`` decided for these 8-bit pixels: stored or rle."""
    if encoding != "auto":
        return encoding
    return "stored" if incompressible(pixels) else "rle"


#: ``auto`` stores an image whose sampled rows deflate to more than this share of their size.
_INCOMPRESSIBLE = 0.85


def _up_filtered(pixels: np.ndarray, picks: np.ndarray | None = None) -> np.ndarray:
    """PNG scanlines with the "up" filter (type 2: each byte minus the byte above), for
    all rows or for the rows ``picks`` (each against its own row above)."""
    flat = pixels.reshape(pixels.shape[0], -1)
    if picks is not None:
        rows = np.empty((picks.size, 1 + flat.shape[1]), dtype=np.uint8)
        np.subtract(flat[picks], flat[picks - 1], out=rows[:, 1:])
    else:
        rows = np.empty((flat.shape[0], 1 + flat.shape[1]), dtype=np.uint8)
        rows[0, 1:] = flat[0]
        np.subtract(flat[1:], flat[:-1], out=rows[1:, 1:])
    rows[:, 0] = 2
    return rows


def _deflate(data: Any, strategy: int) -> bytes:
    """A zlib stream of ``data`` at level 1 with ``strategy``, by zlib-ng (a dependency, so
    the bytes do not vary with the system's zlib): its run-length and Huffman-only deflate
    are 2-6x zlib's, and gave the same bytes as zlib 1.2.13 on every image measured."""
    packer = zlib_ng.compressobj(1, zlib_ng.DEFLATED, 15, 9, strategy)
    return packer.compress(data) + packer.flush()


def _rle(data: Any) -> bytes:
    return _deflate(data, zlib_ng.Z_RLE)


@lru_cache(maxsize=64)
def _sample_rows(height: int) -> np.ndarray:
    """The rows :func:`incompressible` samples: 16 spread over the image (not the first)."""
    picks = np.linspace(1, height - 1, num=min(16, height - 1)).astype(np.intp)
    picks.flags.writeable = False
    return picks


def incompressible(pixels: np.ndarray) -> bool:
    """Whether deflate would gain little on these 8-bit pixels: 16 rows spread over the
    image, up-filtered and run-length deflated as ``rle`` would (about 3% of the image)."""
    height = pixels.shape[0]
    if height < 2:
        return False
    sample = _up_filtered(pixels, _sample_rows(height))
    return len(_rle(sample.data)) > _INCOMPRESSIBLE * sample.size


def _chunk(tag: bytes, body: list[Any]) -> list[Any]:
    """A PNG chunk around ``body`` (a list of buffers, joined once by the caller)."""
    crc = zlib_ng.crc32(tag)
    for piece in body:
        crc = zlib_ng.crc32(piece, crc)
    length = sum(memoryview(piece).nbytes for piece in body)
    return [struct.pack(">I", length), tag, *body, struct.pack(">I", crc)]


def _stored_zlib(raw: memoryview) -> list[Any]:
    """A zlib stream of stored (uncompressed) deflate blocks over ``raw``, as pieces that
    point into it: the pixels are copied only once, into the final bytes."""
    pieces: list[Any] = [b"\x78\x01"]
    size = len(raw)
    for start in range(0, max(size, 1), 65535):
        block = raw[start : start + 65535]
        final = start + 65535 >= size
        pieces += [struct.pack("<BHH", final, len(block), len(block) ^ 0xFFFF), block]
    pieces.append(struct.pack(">I", zlib_ng.adler32(raw)))
    return pieces


def _write_png(pixels: np.ndarray, color_type: int, encoding: str) -> bytes:
    """An 8-bit PNG: stored (no filter), rle (up filter, run-length deflate) or huffman
    (no filter, Huffman-only deflate). Pillow and OpenCV take 2-20x longer: they search
    row filters, or run every byte through libpng's deflate even at level 0."""
    height, width = pixels.shape[:2]
    if encoding == "rle":
        idat: list[Any] = [_rle(_up_filtered(pixels).data)]
    else:
        rows = _scanlines(pixels)
        if rows is None:  # copy the pixels behind a filter byte (0 = none) per row
            rows = np.zeros((height, 1 + pixels[0].size), dtype=np.uint8)
            rows[:, 1:] = pixels.reshape(height, -1)
        raw = rows.data.cast("B")
        if encoding == "huffman":
            idat = [_deflate(raw, zlib_ng.Z_HUFFMAN_ONLY)]
        else:
            idat = _stored_zlib(raw)
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"".join(
        [_PNG_SIGNATURE, *_chunk(b"IHDR", [header]), *_chunk(b"IDAT", idat), *_chunk(b"IEND", [])]
    )


def png_rows(shape: tuple[int, ...]) -> np.ndarray:
    """A new uint8 array of ``shape`` (HxW or HxWxC) laid out inside unfiltered PNG
    scanlines: a zero filter byte before each row. A corruption that writes its output
    here saves the stored and huffman writers a copy of the pixels (and, on this kind of
    machine, the page faults of a second image-sized allocation)."""
    height, row = shape[0], int(np.prod(shape[1:]))
    lines = np.empty((height, 1 + row), dtype=np.uint8)
    lines[:, 0] = 0
    return lines[:, 1:].reshape(shape)


def _scanlines(pixels: np.ndarray) -> np.ndarray | None:
    """The unfiltered scanlines ``pixels`` is a view into (see :func:`png_rows`), or None."""
    lines = pixels.base
    height = pixels.shape[0]
    if not isinstance(lines, np.ndarray) or lines.dtype != np.uint8 or lines.ndim != 2:
        return None
    row = pixels[0].size
    fits = (
        lines.shape == (height, 1 + row)
        and lines.flags.c_contiguous
        and pixels.__array_interface__["data"][0] == lines.__array_interface__["data"][0] + 1
        and pixels.strides[0] == 1 + row
        and pixels.reshape(height, -1).strides[1:] == (1,)
    )
    return lines if fits and not lines[:, 0].any() else None


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: ``cv2.IMREAD_IGNORE_ORIENTATION``: never let OpenCV rotate pixels on its own.
_IGNORE_ORIENTATION = 128
#: (bit depth, colour type) of 8-bit PNGs to the mode PIL opens them in.
_PNG_MODES = {(8, 0): "L", (8, 2): "RGB", (8, 3): "P", (8, 4): "LA", (8, 6): "RGBA"}

_GRAY_MODES = {"b": "1", "u1": "L", "u2": "I;16", "i": "I", "u": "I", "f": "F"}
#: dtypes of accepted colour (HxWx3, HxWx4) arrays: uint8, uint16, floats in 0-1.
_COLOR_DTYPES = frozenset({"u1", "u2", "f2", "f4", "f8"})


def _array_mode(array: np.ndarray) -> str:
    """The PIL mode of an HxW, HxWx1, HxWx3 or HxWx4 array (uint16 and float colour arrays
    report the 8-bit mode PIL would hold them in)."""
    mode = _mode_of(array.dtype, array.ndim, array.shape[2] if array.ndim == 3 else 0)
    if mode is None:
        raise MediaError(
            f"unsupported image array: shape {array.shape}, dtype {array.dtype}; "
            f"accepted: {ACCEPTED_ARRAYS}"
        )
    return mode


@lru_cache(maxsize=64)
def _mode_of(dtype: np.dtype[Any], ndim: int, channels: int) -> str | None:
    """The mode of arrays of this dtype, rank and channel count, or None (cached: every
    ImageRef of an array asks)."""
    kind = dtype.kind
    if ndim == 2 or (ndim == 3 and channels == 1):
        mode = _GRAY_MODES.get(f"{kind}{dtype.itemsize}" if kind == "u" else kind)
        return mode or _GRAY_MODES.get(kind)
    if ndim == 3 and channels in (3, 4) and f"{kind}{dtype.itemsize}" in _COLOR_DTYPES:
        return "RGB" if channels == 3 else "RGBA"
    return None


def _to_uint8(array: np.ndarray) -> np.ndarray:
    """A colour array as 8-bit: uint16 scaled by 1/257, floats (0-1) by 255, rounded."""
    if array.dtype == np.uint8:
        return array
    top = 65535.0 if array.dtype == np.uint16 else 1.0
    return np.asarray(np.rint(np.clip(array, 0, top) * (255.0 / top)), dtype=np.uint8)


def white_level(dtype: np.dtype[Any]) -> float:
    """The value of full white in an array of ``dtype``: an integer type's maximum (uint8
    255, uint16 65535, int32 2**31 - 1), 1 for floats and bools; the one range rule that
    ``to_pixels`` and ``blank_image`` use too."""
    return float(np.iinfo(dtype).max) if dtype.kind in "iu" else 1.0


def _like(array: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
    """``array`` in ``dtype``, rescaled between the ranges of :func:`white_level` when the dtypes
    differ (a donor or blank of another form)."""
    if array.dtype == dtype:
        return array
    out = array.astype(np.float64) * (white_level(dtype) / white_level(array.dtype))
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return np.asarray(out, dtype=dtype)


def _pixels_of(image: ImageRef) -> np.ndarray:
    """An image's pixels as an array in the array convention of :func:`white_level`: PIL's 32-bit
    modes hold 16-bit values (``I``: 0-65535, ``F``: 0-255, as ``to_pixels`` reads them),
    so they come as uint16 and as float 0-1."""
    if image.kind == "array":
        return cast(np.ndarray, image.value)
    pil = image.pil()
    pixels: np.ndarray = np.asarray(pil)
    if pil.mode == "I":
        pixels = np.clip(pixels, 0, 65535).astype(np.uint16)
    elif pil.mode == "F":
        pixels = pixels.astype(np.float32) / np.float32(255)
    return pixels


def _check_pixels(size: tuple[int, int]) -> None:
    """Refuse decompression bombs: PIL's own limit (``Image.MAX_IMAGE_PIXELS``, doubled as
    PIL does for its error), applied to headers read without PIL too."""
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and size[0] * size[1] > 2 * limit:
        raise MediaError(
            f"image of {size[0]}x{size[1]} pixels exceeds the decompression-bomb limit "
            f"({2 * limit} pixels; raise PIL.Image.MAX_IMAGE_PIXELS to allow it)"
        )


def _is_chw(shape: tuple[int, ...], layout: Layout) -> bool:
    if layout != "auto":
        return layout == "CHW"
    return shape[0] in (1, 3, 4) and shape[2] not in (1, 3, 4)


def _has_chunk(data: bytes, tag: bytes) -> bool:
    """Whether a PNG holds a chunk ``tag``, found by walking the chunk headers (a few
    dozen reads, where a byte search would scan the whole image)."""
    at, end = 8, len(data)
    while at + 8 <= end:
        length, kind = struct.unpack_from(">I4s", data, at)
        if kind == tag:
            return True
        if kind == b"IEND":
            return False
        at += 12 + length
    return False


class ImageRef:
    """A read-only view of one image value that keeps track of the form it came in."""

    def __init__(
        self, value: ImageValue, *, encoding: PngEncoding = "zlib", layout: Layout = "auto"
    ) -> None:
        #: How new pixels are PNG-encoded if bytes are asked for (see :data:`PngEncoding`).
        self.encoding: PngEncoding = encoding
        #: For arrays: whether the caller's array was CHW, and a torch tensor.
        self.chw = False
        self.tensor: Any = None
        if _is_tensor(value):
            self.tensor = value
            value = cast(Any, value).detach().cpu().numpy()
            layout = "CHW" if layout == "auto" else layout
        if isinstance(value, Image.Image):
            self.kind: Kind = "pil"
        elif isinstance(value, np.ndarray):
            self.kind = "array"
            if value.ndim not in (2, 3) or value.size == 0:
                raise MediaError(
                    f"image array must be non-empty HxW, HxWxC or CxHxW, got shape "
                    f"{value.shape}; accepted: {ACCEPTED_ARRAYS}"
                )
            if value.ndim == 3 and _is_chw(value.shape, layout):
                self.chw = True
                value = value.transpose(1, 2, 0)  # a view; HWC from here on
            self._mode = _array_mode(value)
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
        if self.kind == "array" and self.value.dtype == np.uint8:
            return encode_png(self.value, self.encoding)
        return encode_png(self.pil(), self.encoding)

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

    def png8(self) -> np.ndarray | None:
        """The pixels of an 8-bit L or RGB PNG as HxWx1 or HxWx3 uint8, decoded by OpenCV
        (libpng: 10-25% faster than Pillow, the same pixels), or None for anything else
        (other formats and modes, or an eXIf chunk, whose orientation Pillow's path
        applies)."""
        header = self._png_header if self.kind in ("bytes", "dict") else None
        if header is None or header[1] not in ("L", "RGB") or _has_chunk(self.data, b"eXIf"):
            return None
        import cv2

        _check_pixels(header[0])
        gray = header[1] == "L"
        rgb = getattr(cv2, "IMREAD_COLOR_RGB", None)  # OpenCV >= 4.10 decodes straight to RGB
        flag = cv2.IMREAD_GRAYSCALE if gray else (rgb or cv2.IMREAD_COLOR)
        pixels = cv2.imdecode(np.frombuffer(self.data, np.uint8), flag | _IGNORE_ORIENTATION)
        if pixels is None:
            return None  # broken bytes: Pillow's path raises the error
        if not gray and rgb is None:
            pixels = cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)
        return pixels[:, :, None] if gray else pixels

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
            return self._mode
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
            elif arr.ndim == 3:
                arr = _to_uint8(arr)
            return Image.fromarray(np.ascontiguousarray(arr))
        try:
            img = Image.open(io.BytesIO(self.data))
            if not lazy:
                img.load()
        except Exception as exc:
            raise MediaError(f"cannot decode image bytes: {exc}") from exc
        return img

    def array(self) -> np.ndarray:
        """The pixels as a numpy HxW(xC) array (the array itself, or an HWC view of a CHW
        one, for array inputs)."""
        if self.kind == "array":
            return cast(np.ndarray, self.value)
        return np.asarray(self.pil())

    def restore(self, array: np.ndarray) -> Any:
        """An HxW(xC) result array in this input's array form: its dtype, HxWx1 if it was,
        CHW if it was, a torch tensor if it was one."""
        src = cast(np.ndarray, self.value)
        array = _like(array, src.dtype)
        if src.ndim == 3 and array.ndim == 2:
            array = array[:, :, None]
        if self.chw and array.ndim == 3:
            array = np.ascontiguousarray(array.transpose(2, 0, 1))
        if self.tensor is not None:
            import torch  # already imported: the input was a tensor

            out = torch.from_numpy(np.ascontiguousarray(array))
            return out.to(self.tensor.device)
        return array

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
            return self.restore(_pixels_of(out)) if self.kind == "array" else out.array()
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
