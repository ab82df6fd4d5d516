"""Image-function edges that mutation testing of functional/image.py found untested (issue 17).

Each test fails on mutants of :mod:`hallucue_corrupt.functional.image` that the rest of the
suite let through; docs/reliability.md lists what they are. They call the module's public
functions only, so they hold whatever the helpers behind them are called.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin

from hallucue_corrupt.functional import image as F
from hallucue_corrupt.media import ImageRef

RGB = (10, 200, 30)


@pytest.mark.parametrize(
    ("dtype", "want"),
    [
        (np.uint8, [10, 200, 30]),
        (np.uint16, [2570, 51400, 7710]),  # x 257
        (np.float32, [10 / 255, 200 / 255, 30 / 255]),
    ],
)
def test_blank_colour_array_fills_each_channel(dtype, want):
    out = F.blank(ImageRef(np.zeros((2, 3, 3), dtype)), RGB)
    assert out.dtype == np.dtype(dtype) and out.shape == (2, 3, 3)
    assert np.allclose(out.reshape(-1, 3), np.asarray(want, np.float64), atol=1e-6)
    rgba = F.blank(ImageRef(np.zeros((2, 3, 4), dtype)), RGB)
    top = {np.uint8: 255, np.uint16: 65535, np.float32: 1.0}[dtype]
    assert np.allclose(rgba.reshape(-1, 4), np.asarray([*want, top], np.float64), atol=1e-6)


def test_blank_gray_and_bool_arrays():
    gray = F.blank(ImageRef(np.zeros((2, 3), np.uint8)), RGB)
    luma = Image.new("RGB", (1, 1), RGB).convert("L").getpixel((0, 0))
    assert gray.shape == (2, 3) and (gray == luma).all()
    one = F.blank(ImageRef(np.zeros((2, 3, 1), np.uint16)), (255, 255, 255))
    assert one.shape == (2, 3, 1) and (one == 65535).all()
    white = F.blank(ImageRef(np.zeros((2, 3), bool)), (255, 255, 255))
    black = F.blank(ImageRef(np.ones((2, 3), bool)), (0, 0, 0))
    assert white.dtype == bool and white.all() and not black.any()


def test_blank_float_array_is_not_rounded_and_integer_ones_are():
    half = F.blank(ImageRef(np.zeros((1, 2), np.float32)), (128, 128, 128))
    assert np.allclose(half, 128 / 255)
    # every 8-bit level survives the 0-1 scaling and back exactly (rounded, not truncated)
    for level in range(256):
        out = F.blank(ImageRef(np.zeros((1, 1, 3), np.uint8)), (level, level, level))
        assert out.reshape(-1).tolist() == [level] * 3


def test_mean_rgb_of_gray_and_rgba_images():
    gray = Image.fromarray(np.array([[100, 101], [103, 104]], np.uint8))
    assert F.mean_rgb(ImageRef(gray)) == (102, 102, 102)
    rgba = Image.new("RGBA", (2, 2), (10, 20, 30, 0))
    assert F.mean_rgb(ImageRef(rgba)) == (10, 20, 30)


def test_desaturate_keeps_float32():
    unit = np.random.default_rng(0).random((4, 5, 3), dtype=np.float32)
    out = F.desaturate(unit, 0.5)
    assert out.dtype == np.float32
    gray = F.desaturate(unit, 1.0)
    assert np.allclose(gray[:, :, 0], unit @ np.array([0.299, 0.587, 0.114]), atol=1e-6)


def test_jpeg_is_baseline_420_without_metadata():
    rng = np.random.default_rng(1)
    img = Image.fromarray(rng.integers(0, 256, (32, 48, 3), dtype=np.uint8))
    data = F.jpeg(img, 25)
    with Image.open(io.BytesIO(data)) as back:
        assert back.format == "JPEG" and back.size == (48, 32)
        assert JpegImagePlugin.get_sampling(back) == 2  # 4:2:0
        assert "exif" not in back.info and "icc_profile" not in back.info
    optimized = io.BytesIO()
    img.save(optimized, format="JPEG", quality=25, subsampling=2, optimize=True)
    # the recorded size is the plain encoder's: Huffman tables not optimised
    assert len(data) > len(optimized.getvalue())


def test_jpeg8_gray_and_colour_round_trip_at_the_plain_encoders_size():
    import cv2

    rng = np.random.default_rng(2)
    smooth = np.repeat(np.arange(0, 256, 8, dtype=np.uint8)[None, :], 16, axis=0)
    gray = smooth[:, :, None]
    back, size = F.jpeg8(gray, 90)
    assert back.shape == gray.shape and back.dtype == np.uint8
    assert np.abs(back.astype(int) - gray).max() <= 8
    colour = rng.integers(0, 256, (16, 32, 3), dtype=np.uint8)
    back, size = F.jpeg8(colour, 25)
    assert back.shape == colour.shape
    ok, optimized = cv2.imencode(
        ".jpg",
        cv2.cvtColor(colour, cv2.COLOR_RGB2BGR),
        [cv2.IMWRITE_JPEG_QUALITY, 25, cv2.IMWRITE_JPEG_OPTIMIZE, 1],
    )
    assert ok and size > optimized.size  # the recorded size is the plain encoder's


def _identity_seed(n: int) -> int:
    """A seed whose first permutation of ``n`` items is the identity."""
    return next(
        s for s in range(10_000) if (np.random.default_rng(s).permutation(n) == np.arange(n)).all()
    )


@pytest.mark.parametrize(("shape", "grid", "cells"), [((8, 8, 1), 2, 4), ((1, 8, 1), 2, 2)])
def test_shuffle_patches_never_keeps_the_identity_order(shape, grid, cells):
    unit = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    seed = _identity_seed(cells)
    out, order = F.shuffle_patches(unit, grid, np.random.default_rng(seed))
    assert order == [cells - 1, *range(cells - 1)]  # rolled by one
    assert not np.array_equal(out, unit)


def test_occlude_smallest_rectangle_is_one_pixel():
    unit = np.zeros((10, 10, 1), np.float32)
    for seed in range(20):
        out, (x, y, w, h) = F.occlude(unit, 0.01, 1.0, np.random.default_rng(seed))
        assert (w, h) == (1, 1) and out.sum() == 1.0 and out[y, x, 0] == 1.0
