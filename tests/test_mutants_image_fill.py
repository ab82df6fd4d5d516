"""Image-function edges that the full mutation run of functional/image.py found untested
after issue 14's speed work (issue 17, lane 17h): the masked fill behind ``mask_patches``,
the 8-bit desaturation's colour matrix and fully-gray path, and the blur's scale factor.
Public functions of ``hallucue_corrupt.functional.image`` only."""

from __future__ import annotations

import numpy as np
import pytest

from hallucue_corrupt.functional import image as F


def _noise8(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _mask(height: int, width: int, seed: int = 1) -> np.ndarray:
    return (np.random.default_rng(seed).random((height, width)) < 0.4).astype(np.uint8)


def _filled(out: np.ndarray, mask: np.ndarray, fill: object) -> np.ndarray:
    """What fill_masked must give: the masked pixels set to ``fill`` as numpy casts it."""
    want = out.copy()
    want[mask.astype(bool)] = np.asarray(fill, dtype=out.dtype).reshape(-1)
    return want


# -- fill_masked: every dtype, channel count and memory layout ---------------------------------


@pytest.mark.parametrize(
    ("dtype", "channels", "fill"),
    [
        (np.float32, 3, 1.0),  # white in unit range: a fill of exactly 1 is still added
        (np.float32, 1, 0.0),
        (np.uint8, 3, [10, 20, 30]),
        (np.uint8, 5, [1, 2, 3, 4, 5]),  # more channels than an OpenCV scalar holds
        (np.uint8, 4, 7),
        (np.int64, 3, 9),  # dtypes OpenCV's masked ops do not take
        (np.bool_, 1, True),
        (np.float64, 3, 0.25),
        (np.uint16, 3, 40000),
    ],
)
def test_fill_masked_sets_exactly_the_masked_pixels(dtype, channels, fill):
    out = _noise8((6, 7, channels)) % 2 if dtype is np.bool_ else _noise8((6, 7, channels))
    out = out.astype(dtype)
    mask = _mask(6, 7)
    want = _filled(out, mask, fill)
    F.fill_masked(out, mask, fill)
    assert out.dtype == np.dtype(dtype) and np.array_equal(out, want)


@pytest.mark.parametrize(
    "cut",
    [
        (slice(None), slice(2, 9)),  # rows apart in memory
        (slice(None), slice(0, 14, 2)),  # every other pixel: OpenCV cannot write there
        (slice(None), slice(2, 9), slice(None, None, -1)),  # channels reversed
    ],
)
def test_fill_masked_writes_into_a_view_that_is_not_contiguous(cut):
    base = _noise8((6, 14, 3))
    view = base[cut]
    mask = _mask(6, 7)
    want = _filled(view, mask, [5, 6, 7])
    F.fill_masked(view, mask, np.array([5, 6, 7]))
    assert np.array_equal(base[cut], want)
    untouched = np.ones(base.shape, bool)
    untouched[cut] = False
    assert np.array_equal(base[untouched], _noise8((6, 14, 3))[untouched])  # nothing else


def test_fill_masked_casts_a_fill_as_numpy_does_on_either_path():
    # a fractional fill for uint8 pixels truncates (numpy's cast), whether the pixels go
    # through OpenCV (contiguous) or numpy (a view): the two paths must agree
    mask = _mask(5, 6)
    contiguous = np.zeros((5, 6, 3), np.uint8)
    F.fill_masked(contiguous, mask, 100.6)
    wide = np.zeros((5, 8, 3), np.uint8)
    F.fill_masked(wide[:, 1:7], mask, 100.6)
    assert np.array_equal(contiguous, wide[:, 1:7])
    assert set(np.unique(contiguous).tolist()) == {0, 100}


def test_fill_masked_takes_a_fill_shaped_like_a_pixel():
    out = _noise8((4, 5, 3))
    mask = _mask(4, 5)
    pixel = np.array([[[1, 2, 3]]], np.uint8)  # e.g. a mean taken with keepdims
    want = _filled(out, mask, pixel)
    F.fill_masked(out, mask, pixel)
    assert np.array_equal(out, want)


# -- desaturate8 ---------------------------------------------------------------------------------


def test_desaturate8_fully_gray_is_opencvs_fixed_point_luma():
    import cv2

    arr8 = _noise8((64, 64, 3))
    gray = cv2.cvtColor(arr8, cv2.COLOR_RGB2GRAY)
    # the colour-matrix path rounds 80 of these pixels otherwise
    assert np.array_equal(F.desaturate8(arr8, 1.0), np.repeat(gray[:, :, None], 3, axis=2))


def test_desaturate8_rounds_the_float32_blend():
    # an amount whose colour matrix, built from a float64 luma, rounds this pixel's blue
    # (35.5257) down: the float32 matrix gives the rounded blend of desaturate()
    amount = 0.8043746982192933
    pixel = np.array([[[0, 1, 122]]], np.uint8)
    blend = F.desaturate(pixel.astype(np.float32) / np.float32(255), amount) * 255
    assert np.abs(blend - np.rint(blend)).max() > 0.02  # no tie to break either way
    assert F.desaturate8(pixel, amount).tolist() == np.rint(blend).astype(int).tolist()
    assert F.desaturate8(pixel, amount).tolist() == [[[12, 12, 36]]]


# -- blur_scale ----------------------------------------------------------------------------------


def test_blur_scale_is_the_floor_of_sigma_over_3_4():
    # 10.2 is stored just below 3 x 3.4: floor division gives 2, where rounding the
    # quotient first would give 3 (the recorded blur_scale, and so the pixels, depend on it)
    assert [F.blur_scale(s) for s in (0.5, 6.79, 6.8, 10.2, 10.21, 34.0)] == [1, 1, 2, 2, 3, 10]
