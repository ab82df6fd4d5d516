"""Graded image corruptions: noise, blur, low resolution, JPEG, patch masking, occlusion,
patch shuffle, contrast loss and grayscale, each with an ImageNet-C-style ``severity``.

``severity`` (1-5, fractional values interpolate between levels, so a schedule can anneal
it) maps to the documented parameter in each class's ``LEVELS``; an explicit parameter
(``sigma``, ``quality``, ``rate``...) overrides it. Records carry the resolved value and a
normalized ``intensity`` = severity / 5. See docs/corruptions.md for the tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from ..base import Context, ImageCorruption, Params
from ..functional import image as F
from ..media import ImageRef, PngEncoding, png_rows
from ..registry import register

__all__ = [
    "Contrast",
    "Downsample",
    "GaussianBlur",
    "GaussianNoise",
    "Grayscale",
    "JpegCompression",
    "Occlusion",
    "PatchMask",
    "PatchShuffle",
    "level",
]

FillName = Literal["black", "white", "gray", "mean"]


def level(levels: tuple[float, ...], severity: float) -> float:
    """The parameter at ``severity`` (1-5), linear between the integer levels (NumPy's
    ``interp`` formula in plain floats: the same value, a tenth of the call cost)."""
    if severity <= 1:
        return float(levels[0])
    if severity >= len(levels):
        return float(levels[-1])
    j = int(severity) - 1
    lo, hi = float(levels[j]), float(levels[j + 1])
    if severity == j + 1:
        return lo
    return (hi - lo) * (severity - (j + 1)) + lo


def unit_fill(fill: FillName, unit: np.ndarray) -> np.ndarray:
    """A fill colour for a HxWxC array: unit range for floats, 0-255 for uint8."""
    if unit.dtype == np.uint8:
        if fill == "mean":
            means: np.ndarray = np.rint(F.channel_means8(unit)).astype(np.uint8)
            return means
        named = unit_fill(fill, unit[:1, :1].astype(np.float32))
        return np.asarray(np.rint(named * 255), dtype=np.uint8)
    if fill == "mean":
        mean: np.ndarray = unit.mean(axis=(0, 1)).astype(np.float32)
        return mean
    value = {"black": 0.0, "white": 1.0, "gray": 128 / 255}[fill]
    return np.full(unit.shape[2], value, dtype=np.float32)


def _need(rng: np.random.Generator | None) -> np.random.Generator:
    if rng is None:
        raise TypeError("a random degradation needs a generator (set RANDOM = True)")
    return rng


class SeverityParams(Params):
    severity: float = Field(3.0, ge=1.0, le=5.0, description="ImageNet-C-style strength, 1-5.")
    png: PngEncoding = Field(
        "auto",
        description="PNG compression of encoded outputs: stored, rle, huffman, zlib, or "
        "auto (stored for noise; else stored if a sample of rows barely deflates, else rle).",
    )


class GradedImageCorruption(ImageCorruption):
    """An image corruption on unit-range pixels with a severity; subclasses define
    ``LEVELS``, the name of the parameter it sets (``VALUE``) and :meth:`degrade`, and may
    define :meth:`degrade8`, used instead for 8-bit images (no float conversion)."""

    LEVELS: ClassVar[tuple[float, ...]]
    VALUE: ClassVar[str]
    #: Whether the output is high-entropy (``png="auto"`` then stores it uncompressed).
    NOISY: ClassVar[bool] = False
    #: Whether :meth:`degrade` draws random numbers; it then gets a generator built from
    #: the 64-bit ``rng_seed`` that :meth:`draw` records (a dense field is not worth storing).
    RANDOM: ClassVar[bool] = False
    params: Any

    def value(self) -> float:
        """The parameter in force: the explicit one, or the severity's level."""
        explicit = getattr(self.params, self.VALUE)
        return float(explicit) if explicit is not None else level(self.LEVELS, self.params.severity)

    def degrade(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """The degraded unit-range array (may reuse ``unit``) and extra record fields."""
        raise NotImplementedError

    def degrade8(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """The same degradation on uint8 HxWxC pixels, returning uint8 (optional: skips
        two float conversions). ``unit`` may be the caller's array: never modify it."""
        raise NotImplementedError

    def degrade8_into(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None, out: np.ndarray
    ) -> dict[str, Any]:
        """:meth:`degrade8` writing into ``out`` (optional) and returning the record fields.
        Used for encoded outputs: ``out`` is laid out as the PNG's rows
        (:func:`~hallucue_corrupt.media.png_rows`), so a stored output skips a copy."""
        raise NotImplementedError

    def encoding(self) -> PngEncoding:
        """The PNG compression for encoded outputs: ``png``, with ``auto`` resolved to
        ``stored`` for noisy outputs (measured per image otherwise)."""
        png: PngEncoding = getattr(self.params, "png", "auto")
        return "stored" if png == "auto" and self.NOISY else png

    def _into_rows(self, encoded: bool, how: F.Unit) -> bool:
        """Whether the output goes straight into PNG rows: encoded L or RGB input (no
        alpha), an encoding known to write the rows unfiltered (stored or huffman; ``auto``
        is only known from the output) and a :meth:`degrade8_into`. An rle output would
        gain nothing: its filter pass copies the rows anyway (measured slightly slower)."""
        return (
            encoded
            and how.alpha is None
            and how.mode in ("L", "RGB")
            and self.encoding() in ("stored", "huffman")
            and type(self).degrade8_into is not GradedImageCorruption.degrade8_into
        )

    def draw(self, value: ImageRef, ctx: Context) -> dict[str, Any]:
        return {"rng_seed": ctx.stream_seed()} if self.RANDOM else {}

    def transform(
        self, image: ImageRef, drawn: Mapping[str, Any], ctx: Context
    ) -> tuple[ImageRef, dict[str, Any]]:
        value = self.value()
        rng = np.random.Generator(np.random.PCG64(drawn["rng_seed"])) if self.RANDOM else None
        eight = type(self).degrade8 is not GradedImageCorruption.degrade8
        pixels, how = F.to_pixels(image, uint8=eight)
        result: Any
        encoded = image.kind in ("bytes", "dict")
        if pixels.dtype == np.uint8 and self._into_rows(encoded, how):
            out = png_rows(pixels.shape)
            info = self.degrade8_into(pixels, value, rng, out)
            result = F.from_uint8(out, how, encoded=True)
        elif pixels.dtype == np.uint8:
            out, info = self.degrade8(pixels, value, rng)
            result = F.from_uint8(out, how, encoded=encoded)
        else:
            out, info = self.degrade(pixels, value, rng)
            # ``out`` is this call's own array (to_pixels copies floats): rebuild in place
            result = F.from_unit(out, how, consume=True)
        info = {self.VALUE: value, **info, "intensity": round(self.params.severity / 5, 4)}
        return ImageRef(result, encoding=self.encoding()), info


class NoiseParams(SeverityParams):
    sigma: float | None = Field(None, gt=0, le=2, description="Noise std in unit range.")


@register("gaussian_noise")
class GaussianNoise(GradedImageCorruption):
    """Additive Gaussian noise; sigma (unit range) by severity 0.08, 0.12, 0.18, 0.26, 0.38."""

    RANDOM = True
    Params = NoiseParams
    LEVELS = (0.08, 0.12, 0.18, 0.26, 0.38)
    VALUE = "sigma"
    NOISY = True

    def degrade(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        return F.gaussian_noise(unit, value, _need(rng)), {}

    def degrade8(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        return F.gaussian_noise8(unit, value, _need(rng)), {}

    def degrade8_into(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None, out: np.ndarray
    ) -> dict[str, Any]:
        F.gaussian_noise8(unit, value, _need(rng), out=out)
        return {}


class BlurParams(SeverityParams):
    sigma: float | None = Field(None, gt=0, le=100, description="Blur std in pixels at 224 px.")
    method: Literal["auto", "exact"] = Field(
        "auto",
        description="exact: the full Gaussian kernel; auto: for a std of 6.8 px or more, "
        "blur at a reduced resolution (within 2-3 levels of exact, 4-70x faster).",
    )


@register("gaussian_blur")
class GaussianBlur(GradedImageCorruption):
    """Gaussian blur; sigma 1, 2, 3, 4, 6 px for a 224 px image, scaled with the short side."""

    Params = BlurParams
    LEVELS = (1.0, 2.0, 3.0, 4.0, 6.0)
    VALUE = "sigma"

    def degrade(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        sigma_px = max(0.3, value * min(unit.shape[:2]) / 224)
        scale = F.blur_scale(sigma_px) if self.params.method == "auto" else 1
        out = F.gaussian_blur(unit, sigma_px, scale)
        return out, {"sigma_px": round(sigma_px, 4), "blur_scale": scale}

    degrade8 = degrade  # OpenCV blurs uint8 in fixed point, bit-exact


class DownsampleParams(SeverityParams):
    factor: float | None = Field(None, ge=1, le=256, description="Shrink factor.")
    restore_size: bool = Field(True, description="Scale back up to the source size (nearest).")


@register("downsample")
class Downsample(GradedImageCorruption):
    """Low resolution: shrink by 2, 3, 4, 6, 8 (area), then back to the source size."""

    Params = DownsampleParams
    LEVELS = (2.0, 3.0, 4.0, 6.0, 8.0)
    VALUE = "factor"

    def degrade(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        out = F.downsample(unit, value, self.params.restore_size)
        return out, {
            "low_size": [max(1, round(unit.shape[1] / value)), max(1, round(unit.shape[0] / value))]
        }

    degrade8 = degrade  # OpenCV resizes uint8 directly


class JpegParams(SeverityParams):
    quality: int | None = Field(None, ge=1, le=95, description="JPEG quality.")


@register("jpeg_compression")
class JpegCompression(GradedImageCorruption):
    """JPEG artefacts: quality 25, 18, 15, 10, 7; the result is decoded back (mode kept)."""

    Params = JpegParams
    LEVELS = (25.0, 18.0, 15.0, 10.0, 7.0)
    VALUE = "quality"

    def degrade(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        from PIL import Image

        arr8 = np.rint(np.clip(unit, 0, 1) * 255).astype(np.uint8)
        pil = Image.fromarray(arr8[:, :, 0] if arr8.shape[2] == 1 else arr8)
        data = F.jpeg(pil, round(value))
        back = np.asarray(ImageRef(data).pil(), dtype=np.float32) / np.float32(255)
        return back.reshape(unit.shape), {"jpeg_bytes": len(data)}

    def degrade8(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        back, size = F.jpeg8(unit, round(value))
        return back, {"jpeg_bytes": size}


class PatchMaskParams(SeverityParams):
    rate: float | None = Field(None, ge=0, le=1, description="Share of patches masked.")
    patch_size: int = Field(14, ge=1, le=4096, description="Patch side in pixels (ViT: 14).")
    fill: FillName = Field("black", description="Colour of masked patches.")


@register("patch_mask")
class PatchMask(GradedImageCorruption):
    """Random patch masking (PAPO-style): rate 0.1, 0.25, 0.4, 0.6, 0.8 of the patches."""

    RANDOM = True
    Params = PatchMaskParams
    LEVELS = (0.1, 0.25, 0.4, 0.6, 0.8)
    VALUE = "rate"

    def degrade(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        fill = unit_fill(self.params.fill, unit)
        out, masked, cells = F.mask_patches(unit, value, self.params.patch_size, fill, _need(rng))
        return out, {"masked_patches": masked, "patches": cells}

    degrade8 = degrade  # masks, fills and copies in any dtype


class OcclusionParams(SeverityParams):
    area: float | None = Field(None, gt=0, le=1, description="Share of the image covered.")
    fill: FillName = Field("black", description="Colour of the occluder.")


@register("occlusion")
class Occlusion(GradedImageCorruption):
    """One random rectangle covering 10, 20, 30, 45, 60% of the image."""

    RANDOM = True
    Params = OcclusionParams
    LEVELS = (0.1, 0.2, 0.3, 0.45, 0.6)
    VALUE = "area"

    def degrade(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        out, box = F.occlude(unit, value, unit_fill(self.params.fill, unit), _need(rng))
        return out, {"box_xywh": box}

    degrade8 = degrade


class ShuffleParams(SeverityParams):
    grid: int | None = Field(None, ge=1, le=256, description="Tiles per side.")


@register("patch_shuffle")
class PatchShuffle(GradedImageCorruption):
    """Cut into a grid of 2, 3, 4, 6, 8 tiles per side and permute the tiles."""

    RANDOM = True
    Params = ShuffleParams
    LEVELS = (2.0, 3.0, 4.0, 6.0, 8.0)
    VALUE = "grid"

    def degrade(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        out, order = F.shuffle_patches(unit, round(value), _need(rng))
        return out, {"order": order}

    degrade8 = degrade


class ContrastParams(SeverityParams):
    factor: float | None = Field(None, ge=0, le=1, description="Contrast kept (1 = unchanged).")


@register("contrast")
class Contrast(GradedImageCorruption):
    """Contrast loss around the mean: factor 0.4, 0.3, 0.2, 0.1, 0.05 (ImageNet-C)."""

    Params = ContrastParams
    LEVELS = (0.4, 0.3, 0.2, 0.1, 0.05)
    VALUE = "factor"

    def degrade(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        return F.contrast(unit, value), {}

    def degrade8(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        return F.contrast8(unit, value), {}


class GrayscaleParams(SeverityParams):
    amount: float | None = Field(None, ge=0, le=1, description="1 = fully gray.")


@register("grayscale")
class Grayscale(GradedImageCorruption):
    """Colour loss: blend toward luma by 0.2, 0.4, 0.6, 0.8, 1.0; the mode is kept."""

    Params = GrayscaleParams
    LEVELS = (0.2, 0.4, 0.6, 0.8, 1.0)
    VALUE = "amount"

    def degrade(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        return F.desaturate(unit, value), {}

    def degrade8(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        return F.desaturate8(unit, value), {}
