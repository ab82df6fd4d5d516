"""Image functions on :class:`~hallucue_corrupt.media.ImageRef` views; no global RNG."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import Any, cast

import numpy as np
from PIL import Image, ImageOps

from ..media import ImageRef, ImageValue, encode_png, white_level

__all__ = [
    "FILLS",
    "MODE_AFTER",
    "Unit",
    "blank",
    "blur_scale",
    "channel_means8",
    "contrast",
    "contrast8",
    "desaturate",
    "desaturate8",
    "downsample",
    "from_uint8",
    "from_unit",
    "gaussian_blur",
    "gaussian_noise",
    "gaussian_noise8",
    "jpeg",
    "jpeg8",
    "mask_patches",
    "mean_rgb",
    "mode_color",
    "occlude",
    "patch_grid",
    "psnr",
    "resolve_fill",
    "shuffle_patches",
    "to_pixels",
    "to_unit",
    "uniform16",
]

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
        # no dithering: a uniform colour dithered onto the web palette is a checkerboard
        return Image.new("RGB", size, rgb).convert("P", dither=Image.Dither.NONE)
    return Image.new(mode, size, mode_color(mode, rgb))


def _blank_array(like: np.ndarray, shape: tuple[int, ...], rgb: tuple[int, int, int]) -> np.ndarray:
    """A uniform array of ``like``'s dtype; floats are taken as 0-1, integers as full range."""
    kind = like.dtype.kind
    top = True if kind == "b" else white_level(like.dtype)
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


# -- pixel corruptions -----------------------------------------------------------------------
# They work on float32 HxWxC arrays in [0, 1] (C = 1 or 3); ``to_unit`` / ``from_unit``
# move any supported image there and back, keeping alpha aside and the mode where it can.


@dataclass(frozen=True)
class Unit:
    """How to rebuild an image from a unit-range array: its source kind, mode and alpha."""

    kind: str
    mode: str
    dtype: str
    channels: int
    alpha: np.ndarray | None = None


_ORIENTATION = 0x0112  # the EXIF orientation tag

_WORK_MODES = {
    "1": "L",
    "L": "L",
    "LA": "L",
    "P": "RGB",
    "PA": "RGB",
    "RGB": "RGB",
    "RGBA": "RGB",
    "RGBX": "RGB",
    "CMYK": "RGB",
    "YCbCr": "RGB",
    "LAB": "RGB",
    "HSV": "RGB",
}
#: Modes a pixel corruption cannot hand back: 1-bit becomes L, palette becomes RGB (RGBA
#: with transparency), since noise, blur and resampling leave their value sets.
MODE_AFTER = {"1": "L", "P": "RGB", "PA": "RGBA"}


#: Modes whose pixels are 8-bit and can be worked on as uint8 without loss.
_EIGHT_BIT_WORK = frozenset({"1", "L", "LA", "P", "PA", "RGB", "RGBA", "RGBX"})


def to_pixels(image: ImageRef, *, uint8: bool = False) -> tuple[np.ndarray, Unit]:
    """The pixels as HxWxC (C = 1 or 3, alpha kept aside), and how to rebuild the original
    form. With ``uint8`` an 8-bit image (uint8 array; PIL modes 1, L, LA, P, RGB, RGBA)
    comes as uint8, which the caller must not modify (it may be the caller's own array);
    anything else as a fresh float32 array in [0, 1]."""
    if image.kind == "array":
        arr: np.ndarray = image.value
        data = arr if arr.ndim == 3 else arr[:, :, None]
        alpha = None
        if data.shape[2] == 4:
            data, alpha = data[:, :, :3], data[:, :, 3:]
        how = Unit("array", image.mode, arr.dtype.str, arr.shape[2] if arr.ndim == 3 else 0, alpha)
        if uint8 and arr.dtype == np.uint8:
            return data, how
        unit = np.asarray(data, dtype=np.float32) / np.float32(white_level(arr.dtype))
        return unit, how
    if uint8:
        arr8 = image.png8()  # the common dataset row: 8-bit L or RGB PNG bytes
        if arr8 is not None:
            return arr8, Unit("pil", image.mode, "uint8", arr8.shape[2])
    pil = image.pil()
    # a loaded PNG holds any EXIF in info["exif"]; parsing an absent one costs ~1 ms
    maybe_exif = pil.format != "PNG" or "exif" in pil.info
    if maybe_exif and pil.getexif().get(_ORIENTATION, 1) != 1:
        pil = ImageOps.exif_transpose(pil)  # pixels as they are shown; the tag is not kept
    mode = pil.mode
    alpha_img = None
    if mode in ("LA", "RGBA", "PA") or (mode == "P" and "transparency" in pil.info):
        rgba = pil.convert("RGBA") if mode != "LA" else pil
        alpha_img = np.asarray(rgba.getchannel("A"))
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        raw = np.asarray(pil.convert("F") if mode != "F" else pil, dtype=np.float32)
        scale = 255.0 if mode == "F" else 65535.0
        return (raw / np.float32(scale))[:, :, None], Unit("pil", mode, "float32", 1)
    work = _WORK_MODES.get(mode, "RGB")
    arr8 = np.asarray(pil if pil.mode == work else pil.convert(work), dtype=np.uint8)
    if arr8.ndim == 2:
        arr8 = arr8[:, :, None]
    how = Unit("pil", mode, "uint8", arr8.shape[2], alpha_img)
    if uint8 and mode in _EIGHT_BIT_WORK:
        return arr8, how
    unit = arr8.astype(np.float32)
    unit /= np.float32(255)
    return unit, how


def to_unit(image: ImageRef) -> tuple[np.ndarray, Unit]:
    """The pixels as float32 HxWxC in [0, 1] (always a fresh array), and how to rebuild
    the original form."""
    return to_pixels(image)


def from_unit(unit: np.ndarray, how: Unit, *, consume: bool = False) -> ImageValue:
    """Rebuild an image (PIL, or an array of the source dtype) from a unit-range array.

    The arithmetic runs in place on one clipped copy, or, with ``consume=True``, on
    ``unit`` itself (for a caller that owns the array and drops it): on large images a
    fresh float temporary costs more in page faults than the arithmetic does."""
    unit = np.clip(unit, 0.0, 1.0, out=unit if consume and unit.flags.writeable else None)
    if how.kind == "array":
        dtype = np.dtype(how.dtype)
        if dtype.kind == "f":
            out = unit.astype(dtype)
        elif dtype.kind == "b":
            out = unit >= 0.5
        else:
            unit *= white_level(dtype)
            out = np.rint(unit, out=unit).astype(dtype)
        if how.alpha is not None:
            out = np.concatenate([out, how.alpha], axis=2)
        return out if how.channels else out[:, :, 0]
    if how.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        values = np.rint(unit[:, :, 0] * 65535.0)
        if how.mode == "I":
            return Image.fromarray(values.astype(np.int32)).convert("I")
        # written in the mode's byte order: Pillow converts I;16 to I;16B/L/N through 8 bits
        order = {"I;16B": ">u2", "I;16N": "=u2"}.get(how.mode, "<u2")
        size = (values.shape[1], values.shape[0])
        return Image.frombytes(how.mode, size, values.astype(order).tobytes())
    if how.mode == "F":
        return Image.fromarray((unit[:, :, 0] * 255.0).astype(np.float32))
    unit *= 255.0
    return from_uint8(np.rint(unit, out=unit).astype(np.uint8), how)


def from_uint8(arr8: np.ndarray, how: Unit, *, encoded: bool = False) -> ImageValue:
    """Rebuild an image from 8-bit HxWxC pixels (C = 1 or 3) and the alpha kept aside.

    With ``encoded`` (the source was bytes, so only bytes will be wanted) an L, RGB or RGBA
    result stays an array, which is PNG-encoded without building a PIL image."""
    if how.kind == "array":
        out = arr8 if how.alpha is None else np.concatenate([arr8, how.alpha], axis=2)
        return out if how.channels else out[:, :, 0]
    target = MODE_AFTER.get(how.mode, how.mode)
    if encoded and target in ("L", "RGB", "RGBA") and (how.alpha is None) == (target != "RGBA"):
        if how.alpha is not None:
            return np.concatenate([arr8, how.alpha[:, :, None]], axis=2)
        return arr8[:, :, 0] if arr8.shape[2] == 1 else arr8
    base = Image.fromarray(arr8[:, :, 0] if arr8.shape[2] == 1 else arr8)
    if how.alpha is not None:
        alpha = Image.fromarray(how.alpha)
        if target in ("LA", "RGBA"):
            base = base.convert(target[:-1])
            base.putalpha(alpha)
            return base
        if target == "RGB" and how.mode == "P":
            base = base.convert("RGB")
            base.putalpha(alpha)
            return base
    return base if base.mode == target else base.convert(target)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two unit-range arrays, in dB (inf when equal)."""
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


# -- keyed Gaussian noise ---------------------------------------------------------------------
# A dense field of N(0, 1) values drawn as 16-bit uniforms (four per 64-bit output of the
# per-sample generator, read raw: ~15x faster than ``Generator.bytes`` and ~40x faster than
# the float32 ziggurat at 512 px) mapped through a 65,536-entry inverse-CDF table: the
# mid-point quantiles Phi^-1((i + 0.5) / 65536). The table's std is 0.99998 and it reaches
# 4.17 sigma (a normal exceeds that with probability 3e-5); every 8-bit output is rounded
# anyway. Pure function of the generator's seed, little-endian on every machine.


def uniform16(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` uniform uint16 values from ``rng``'s raw 64-bit stream (4 per output)."""
    raw = rng.bit_generator.random_raw(-(-count // 4))
    return np.asarray(raw, dtype="<u8").view("<u2")[:count]


#: Values per block of the noise loops: the index and offset temporaries stay small and
#: cache-resident instead of megabyte allocations that each cost page faults.
_BLOCK = 1 << 16


@lru_cache(maxsize=1)
def _normal_quantiles() -> np.ndarray:
    inv = NormalDist().inv_cdf
    return np.array([inv((i + 0.5) / 65536) for i in range(65536)], dtype=np.float64)


@lru_cache(maxsize=64)
def _offsets8(sigma: float) -> np.ndarray:
    """Noise of std ``sigma`` (unit range) as int16 offsets in 8-bit steps."""
    return np.rint(_normal_quantiles() * (sigma * 255.0)).astype(np.int16)


@lru_cache(maxsize=1)
def _quantiles32() -> np.ndarray:
    return _normal_quantiles().astype(np.float32)


def gaussian_noise(unit: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Add zero-mean Gaussian noise of std ``sigma`` (unit range) to a float array."""
    out = np.array(unit, dtype=np.float32).reshape(-1)  # a new array: ``unit`` is kept
    table = _quantiles32()
    noise = np.empty(min(_BLOCK, out.size), dtype=np.float32)
    for start in range(0, out.size, _BLOCK):
        stop = min(start + _BLOCK, out.size)
        block = noise[: stop - start]
        table.take(uniform16(rng, stop - start), out=block, mode="clip")
        block *= np.float32(sigma)
        out[start:stop] += block
    return out.reshape(unit.shape)


def gaussian_noise8(
    arr8: np.ndarray, sigma: float, rng: np.random.Generator, out: np.ndarray | None = None
) -> np.ndarray:
    """Add zero-mean Gaussian noise of std ``sigma`` (unit range) to 8-bit pixels: the
    offsets are whole 8-bit steps, so the result equals rounding (pixel + noise).
    ``arr8`` is not modified. The add, the clip to 0-255 and the narrowing to uint8 are
    one OpenCV call per block (saturating, exact on integers). ``out`` (same shape, rows
    contiguous, e.g. :func:`~hallucue_corrupt.media.png_rows`) receives the result; the
    random stream is consumed the same way either way."""
    import cv2

    # columns (N x 1), never 1-D: OpenCV reads a 1-D array of up to 4 values as a scalar
    flat = np.ascontiguousarray(arr8).reshape(-1, 1)
    size = flat.shape[0]
    target = np.empty((size, 1), dtype=np.uint8) if out is None else None
    stage = np.empty((min(_BLOCK, size), 1), dtype=np.uint8)
    table = _offsets8(float(sigma))
    noise = np.empty((min(_BLOCK, size), 1), dtype=np.int16)
    for start in range(0, size, _BLOCK):
        stop = min(start + _BLOCK, size)
        block = noise[: stop - start]
        table.take(uniform16(rng, stop - start), out=block[:, 0], mode="wrap")
        dst = target[start:stop] if target is not None else stage[: stop - start]
        _written(cv2.add(flat[start:stop], block, dst=dst, dtype=cv2.CV_8U), dst)
        if out is not None:
            _put_flat(out.reshape(out.shape[0], -1), start, dst[:, 0])
    return target.reshape(arr8.shape) if target is not None else out  # type: ignore[return-value]


def _put_flat(rows: np.ndarray, start: int, data: np.ndarray) -> None:
    """Write ``data`` at flat position ``start`` of a 2-D array whose rows may be apart in
    memory: a partial first row, whole rows, a partial last row."""
    width = rows.shape[1]
    r, c = divmod(start, width)
    i, n = 0, data.size
    if c:
        i = min(width - c, n)
        rows[r, c : c + i] = data[:i]
        r += 1
    whole = (n - i) // width
    if whole:
        rows[r : r + whole] = data[i : i + whole * width].reshape(whole, width)
        i += whole * width
        r += whole
    if i < n:
        rows[r, : n - i] = data[i:]


#: ``blur_scale`` keeps the blur's std at least this many pixels at the reduced resolution.
_BLUR_SIGMA_LOW = 3.4


def blur_scale(sigma: float) -> int:
    """The integer factor :func:`gaussian_blur` works at for ``sigma`` pixels: 1 (the exact
    kernel) below 6.8 px, else the largest that leaves a std of 3.4 px at the reduced size."""
    return max(1, int(sigma // _BLUR_SIGMA_LOW))


def gaussian_blur(unit: np.ndarray, sigma: float, scale: int = 1) -> np.ndarray:
    """Blur with a Gaussian of std ``sigma`` pixels (OpenCV).

    With ``scale`` k > 1 the image is shrunk k times (area average), blurred with
    ``sqrt(sigma^2 - (k^2 - 1) / 6) / k`` (the shrink and the bilinear enlargement add
    about that much variance) and enlarged back (bit-exact bilinear): the kernel cost falls
    by about k^3, and with k from :func:`blur_scale` the result stays within 2-3 levels of
    the exact Gaussian (0.05-0.3 on average, as the exact 8-bit kernel's own rounding).
    """
    import cv2

    if scale <= 1:
        out = cv2.GaussianBlur(
            unit, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT
        )
        return out.reshape(unit.shape)
    h, w = unit.shape[:2]
    small = cv2.resize(
        unit, (max(1, round(w / scale)), max(1, round(h / scale))), interpolation=cv2.INTER_AREA
    )
    low = float(np.sqrt(max(sigma**2 - (scale**2 - 1) / 6, 0.09))) / scale
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=low, sigmaY=low, borderType=cv2.BORDER_REFLECT)
    # bilinear in fixed point, bit-exact on every machine (plain INTER_LINEAR may not be)
    out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR_EXACT)
    return out.reshape(unit.shape)


def downsample(unit: np.ndarray, factor: float, restore_size: bool = True) -> np.ndarray:
    """Shrink by ``factor`` (area averaging), then scale back up (nearest) if asked."""
    import cv2

    h, w = unit.shape[:2]
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    small = cv2.resize(unit, size, interpolation=cv2.INTER_AREA)
    small = small.reshape(small.shape[0], small.shape[1], unit.shape[2])
    if not restore_size:
        return small
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    return big.reshape(h, w, unit.shape[2])


def contrast(unit: np.ndarray, factor: float) -> np.ndarray:
    """Scale contrast around the per-channel mean by ``factor`` (ImageNet-C style)."""
    mean = unit.mean(axis=(0, 1), keepdims=True)
    out: np.ndarray = (unit - mean) * np.float32(factor) + mean
    return out


def channel_means8(arr8: np.ndarray) -> np.ndarray:
    """Per-channel means of 8-bit HxWxC pixels, in 0-255 (OpenCV: exact integer sums,
    ~20x faster than a strided numpy reduction)."""
    import cv2

    return np.asarray(cv2.mean(arr8)[: arr8.shape[2]], dtype=np.float64)


def contrast8(arr8: np.ndarray, factor: float) -> np.ndarray:
    """:func:`contrast` on 8-bit pixels: per channel ``x * factor + mean * (1 - factor)``
    as one affine colour transform (OpenCV, rounded and saturated once)."""
    import cv2

    channels = arr8.shape[2]
    matrix = np.zeros((channels, channels + 1), dtype=np.float32)
    matrix[:, :channels] = np.eye(channels, dtype=np.float32) * np.float32(factor)
    matrix[:, channels] = channel_means8(arr8) * (1.0 - factor)
    out = cv2.transform(np.ascontiguousarray(arr8), matrix)
    return np.asarray(out).reshape(arr8.shape)


def desaturate(unit: np.ndarray, amount: float) -> np.ndarray:
    """Blend toward the luma (ITU-R 601) gray image; ``amount=1`` is fully gray."""
    if unit.shape[2] == 1:
        return unit
    luma = unit @ np.asarray([0.299, 0.587, 0.114], dtype=np.float32)
    return unit * np.float32(1 - amount) + luma[:, :, None] * np.float32(amount)


def desaturate8(arr8: np.ndarray, amount: float) -> np.ndarray:
    """:func:`desaturate` on 8-bit pixels: one 3x3 colour matrix (OpenCV, rounded and
    saturated once)."""
    import cv2

    if arr8.shape[2] == 1:
        return arr8
    if amount >= 1.0:  # fully gray: OpenCV's fixed-point luma, copied to the three channels
        gray = cv2.cvtColor(np.ascontiguousarray(arr8), cv2.COLOR_RGB2GRAY)
        out = np.empty(arr8.shape, dtype=np.uint8)
        return _written(cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB, dst=out), out)
    luma = np.asarray([0.299, 0.587, 0.114], dtype=np.float32)
    matrix = np.float32(amount) * np.tile(luma, (3, 1)) + np.float32(1 - amount) * np.eye(
        3, dtype=np.float32
    )
    return np.asarray(cv2.transform(np.ascontiguousarray(arr8), matrix))


def _written(result: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """``dst`` holding an OpenCV call's ``result``: OpenCV writes into ``dst`` (any array
    with contiguous rows) when its type and size fit the result, and silently allocates a
    new array when they do not, so check."""
    if result is not dst:  # OpenCV hands back the very array it wrote into
        dst[...] = result.reshape(dst.shape)
    return dst


def patch_grid(height: int, width: int, patch: int) -> tuple[int, int]:
    """Rows and columns of ``patch``-sized cells covering an image (last cells may be cut)."""
    return -(-height // patch), -(-width // patch)


def mask_patches(
    unit: np.ndarray, rate: float, patch: int, fill: float | np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, int, int]:
    """Fill ``round(rate * cells)`` random ``patch``-sized cells; returns (image, masked, cells)."""
    h, w = unit.shape[:2]
    rows, cols = patch_grid(h, w, patch)
    cells = rows * cols
    chosen = rng.permutation(cells)[: round(rate * cells)]
    grid = np.zeros(cells, dtype=np.uint8)
    grid[chosen] = 1
    # the cell grid blown up to a pixel mask (cut edge cells cropped), then masked OpenCV
    # ops in place: several times faster than scattering cells through a strided view
    cell_rows = grid.reshape(rows, cols)
    mask = np.repeat(np.repeat(cell_rows, patch, axis=0), patch, axis=1)[:h, :w]
    mask = np.ascontiguousarray(mask)
    out = unit.copy()
    fill_masked(out, mask, fill)
    return out, int(chosen.size), cells


#: dtypes the masked OpenCV ops of :func:`fill_masked` take (HxWxC, C <= 4).
_CV_DTYPES = frozenset({np.dtype(np.uint8), np.dtype(np.float32)})


def fill_masked(out: np.ndarray, mask: np.ndarray, fill: float | np.ndarray) -> None:
    """Set the pixels of HxWxC ``out`` where the HxW uint8 ``mask`` is non-zero to ``fill``
    (one value or one per channel), in place: zeroed by XOR, then the fill added (exact:
    0 + fill), so no full-size fill image is allocated."""
    import cv2

    value = np.asarray(fill, dtype=out.dtype).reshape(-1)
    if out.dtype not in _CV_DTYPES or out.shape[2] > 4 or not out.flags.c_contiguous:
        out[mask.astype(bool)] = value
        return
    cv2.bitwise_xor(out, out, dst=out, mask=mask)
    if np.any(value != 0):
        channels = np.broadcast_to(value, (out.shape[2],)).astype(np.float64)
        scalar = (*channels.tolist(), *([0.0] * (4 - out.shape[2])))
        cv2.add(out, cast(Any, scalar), dst=out, mask=mask)  # a 4-tuple is a cv::Scalar


def occlude(
    unit: np.ndarray, area: float, fill: float | np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, list[int]]:
    """Fill one random rectangle covering about ``area`` of the image; returns it as x,y,w,h."""
    h, w = unit.shape[:2]
    aspect = float(np.exp(rng.uniform(np.log(0.5), np.log(2.0))))
    rh = min(h, max(1, round(np.sqrt(area * h * w / aspect))))
    rw = min(w, max(1, round(area * h * w / rh)))
    y = int(rng.integers(0, h - rh + 1))
    x = int(rng.integers(0, w - rw + 1))
    out = unit.copy()
    # one filled row broadcast down the rectangle: contiguous copies, not per-pixel ones
    row = np.empty((rw, unit.shape[2]), dtype=unit.dtype)
    row[:] = np.asarray(fill, dtype=unit.dtype)
    out[y : y + rh, x : x + rw] = row
    return out, [x, y, rw, rh]


def shuffle_patches(
    unit: np.ndarray, grid: int, rng: np.random.Generator
) -> tuple[np.ndarray, list[int]]:
    """Cut into a ``grid`` x ``grid`` of tiles (trimmed to fit) and permute them."""
    h, w = unit.shape[:2]
    g_y, g_x = max(1, min(grid, h)), max(1, min(grid, w))
    th, tw = h // g_y, w // g_x
    order = rng.permutation(g_y * g_x)
    if g_y * g_x > 1 and np.all(order == np.arange(order.size)):
        order = np.roll(order, 1)  # a shuffle that changes nothing is no corruption
    out = unit.copy()
    tiles = [
        unit[r * th : (r + 1) * th, c * tw : (c + 1) * tw] for r in range(g_y) for c in range(g_x)
    ]
    for i, src in enumerate(order):
        r, c = divmod(i, g_x)
        out[r * th : (r + 1) * th, c * tw : (c + 1) * tw] = tiles[src]
    return out, [int(i) for i in order]


def jpeg8(arr8: np.ndarray, quality: int) -> tuple[np.ndarray, int]:
    """8-bit HxWxC pixels (C = 1 or 3) through JPEG at ``quality`` and back, with
    OpenCV's libjpeg-turbo (4:2:0, no metadata; 1.5x Pillow's encode and decode);
    returns (pixels, encoded size)."""
    import cv2

    color = arr8.shape[2] == 3
    bgr = cv2.cvtColor(arr8, cv2.COLOR_RGB2BGR) if color else arr8
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality), cv2.IMWRITE_JPEG_OPTIMIZE, 0]
    ok, data = cv2.imencode(".jpg", bgr, params)
    if not ok:
        raise ValueError("OpenCV could not encode the JPEG")
    rgb = getattr(cv2, "IMREAD_COLOR_RGB", None)  # OpenCV >= 4.10 decodes straight to RGB
    flag = (rgb or cv2.IMREAD_COLOR) if color else cv2.IMREAD_GRAYSCALE
    back = cv2.imdecode(data, flag)
    if back is None:
        raise ValueError("OpenCV could not decode its own JPEG")
    if color and rgb is None:
        back = cv2.cvtColor(back, cv2.COLOR_BGR2RGB)
    return back.reshape(arr8.shape), int(data.size)


def jpeg(image: Image.Image, quality: int) -> bytes:
    """JPEG bytes at ``quality`` (4:2:0 subsampling, no metadata); RGB or L only."""
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=int(quality), subsampling=2, optimize=False)
    return buf.getvalue()
