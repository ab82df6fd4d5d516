"""Image-function edges found untested by the full mutation run of functional/image.py
(issue 17, after the cache fix). Public functions of ``functional.image`` only; each test
names the behaviour a mutant broke. docs/reliability.md counts what is left."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from hallucue_corrupt.functional import image as F
from hallucue_corrupt.media import ImageRef

RGB = (10, 200, 30)


def _noise8(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_psnr_in_decibels_and_infinite_for_equal_arrays():
    a = np.zeros((4, 4, 3), np.float32)
    assert F.psnr(a, a.copy()) == float("inf")
    assert F.psnr(a, np.ones_like(a)) == 0.0  # mse 1: 10 log10(1 / 1)
    assert F.psnr(a, np.full_like(a, 0.1)) == pytest.approx(20.0, abs=1e-5)  # mse 0.01


def test_mode_color_of_float_images_is_the_rounded_gray():
    # F keeps 0-255 as the L value PIL rounds (not PIL's own unrounded RGB->F luma)
    gray = F.mode_color("L", RGB)
    assert F.mode_color("F", RGB) == float(gray) == 124.0


def test_blank_keeps_pil_input_pil_and_palette_images_take_the_colour():
    pil = Image.new("RGB", (5, 3))
    out = F.blank(ImageRef(pil), RGB)
    assert isinstance(out, Image.Image) and out.size == (5, 3)
    assert out.getpixel((4, 2)) == RGB
    # a palette image: one colour, the nearest of the palette PIL builds (not entry 0),
    # never dithered into a checkerboard
    p = Image.new("RGB", (6, 4), (0, 0, 0)).convert("P")
    for ref in (ImageRef(p), ImageRef(ImageRef(p).data)):
        out = F.blank(ref, RGB)
        out = Image.open(io.BytesIO(out)) if isinstance(out, bytes) else out
        assert out.mode == "P" and out.size == (6, 4)
        colours = np.unique(np.asarray(out.convert("RGB")).reshape(-1, 3), axis=0)
        assert colours.tolist() == [[0, 204, 51]]  # the web palette's nearest to RGB


def test_blank_integer_arrays_round_to_the_nearest_value():
    # 2 / 255 of int32's range is 16843008.996: rounded, not truncated
    out = F.blank(ImageRef(np.zeros((2, 3), np.int32)), (2, 2, 2))
    assert out.dtype == np.int32 and (out == 16843009).all()


def test_blur_with_a_scale_is_shrink_blur_enlarge_as_documented():
    import cv2

    unit = _noise8((20, 24, 3))
    for sigma, scale in ((7.0, 2), (1.0, 2), (9.0, 3), (3.0, 4)):
        small = cv2.resize(
            unit, (round(24 / scale), round(20 / scale)), interpolation=cv2.INTER_AREA
        )
        low = float(np.sqrt(max(sigma**2 - (scale**2 - 1) / 6, 0.09))) / scale
        small = cv2.GaussianBlur(small, (0, 0), sigmaX=low, borderType=cv2.BORDER_REFLECT)
        want = cv2.resize(small, (24, 20), interpolation=cv2.INTER_LINEAR_EXACT)
        assert np.array_equal(F.gaussian_blur(unit, sigma, scale), want), (sigma, scale)
    # scale 2 is not the exact kernel, which is the default
    exact = F.gaussian_blur(unit, 7.0)
    assert np.array_equal(exact, F.gaussian_blur(unit, 7.0, 1))
    assert not np.array_equal(F.gaussian_blur(unit, 7.0, 2), exact)
    # the exact kernel takes small sigmas as they are (no 0.3 px floor)
    assert not np.array_equal(F.gaussian_blur(unit, 0.2, 1), F.gaussian_blur(unit, 0.3, 1))


def test_blur_of_tiny_and_one_channel_images_keeps_the_shape():
    one = np.random.default_rng(1).random((9, 8, 1), dtype=np.float32)
    assert F.gaussian_blur(one, 8.0, 2).shape == (9, 8, 1)
    # a 2-pixel-wide image at scale 4 works at 1 pixel wide: every row is one value
    thin = np.random.default_rng(2).random((8, 2, 1), dtype=np.float32)
    out = F.gaussian_blur(thin, 14.0, 4)
    assert out.shape == (8, 2, 1) and np.array_equal(out[:, 0], out[:, 1])
    wide = thin.transpose(1, 0, 2).copy()
    out = F.gaussian_blur(wide, 14.0, 4)
    assert out.shape == (2, 8, 1) and np.array_equal(out[0], out[1])


def test_downsample_shrinks_by_the_factor_and_enlarges_by_nearest():
    unit = np.random.default_rng(3).random((6, 8, 3), dtype=np.float32)
    small = F.downsample(unit, 2.0, restore_size=False)
    assert small.shape == (3, 4, 3)
    assert np.allclose(small[0, 0], unit[:2, :2].mean(axis=(0, 1)), atol=1e-6)  # area mean
    big = F.downsample(unit, 2.0)
    assert big.shape == unit.shape
    for y in range(6):
        for x in range(8):
            assert np.array_equal(big[y, x], small[y // 2, x // 2])  # 2x2 blocks, no blend
    # a factor larger than the image leaves one pixel
    assert F.downsample(unit, 16.0, restore_size=False).shape == (1, 1, 3)


def test_desaturate8_fully_gray_copies_the_luma_to_three_channels():
    arr8 = _noise8((5, 7, 3))
    out = F.desaturate8(arr8, 1.0)
    assert out.shape == arr8.shape and out.dtype == np.uint8
    luma = arr8.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    assert np.abs(out[:, :, 0].astype(np.float64) - luma).max() <= 1.0
    assert (out[:, :, 0] == out[:, :, 1]).all() and (out[:, :, 1] == out[:, :, 2]).all()


def test_shuffle_patches_of_a_one_pixel_wide_image_has_one_column_of_tiles():
    unit = np.arange(8, dtype=np.float32).reshape(8, 1, 1)
    out, order = F.shuffle_patches(unit, 2, np.random.default_rng(0))
    assert sorted(order) == [0, 1]  # 2 rows x 1 column
    assert sorted(out.ravel().tolist()) == list(range(8))


def test_jpeg8_keeps_a_gray_image_one_component():
    gray = np.repeat(np.arange(0, 256, 4, dtype=np.uint8)[None, :], 32, axis=0)[:, :, None]
    _, size_gray = F.jpeg8(gray, 50)
    _, size_colour = F.jpeg8(np.repeat(gray, 3, axis=2), 50)
    assert size_gray < size_colour


def test_jpeg8_reports_opencv_failures(monkeypatch):
    import cv2

    arr8 = _noise8((8, 8, 3))
    with monkeypatch.context() as m:
        m.setattr(cv2, "imencode", lambda *a: (False, None))
        with pytest.raises(ValueError, match=r"^OpenCV could not encode the JPEG$"):
            F.jpeg8(arr8, 50)
    with monkeypatch.context() as m:
        m.setattr(cv2, "imdecode", lambda *a: None)
        with pytest.raises(ValueError, match=r"^OpenCV could not decode its own JPEG$"):
            F.jpeg8(arr8, 50)


def test_jpeg8_on_opencv_before_4_10_decodes_bgr_and_converts(monkeypatch):
    import cv2

    arr8 = _noise8((16, 16, 3), seed=4)
    want = F.jpeg8(arr8, 60)
    monkeypatch.delattr(cv2, "IMREAD_COLOR_RGB", raising=False)
    got = F.jpeg8(arr8, 60)
    assert np.array_equal(got[0], want[0]) and got[1] == want[1]


def test_from_unit_rebuilds_float_bool_and_rgba_arrays():
    f32 = np.random.default_rng(5).random((3, 4, 4), dtype=np.float32)
    unit, how = F.to_unit(ImageRef(f32))
    out = F.from_unit(unit, how)
    assert out.dtype == np.float32 and out.shape == (3, 4, 4)
    assert np.array_equal(out[:, :, 3], f32[:, :, 3])  # alpha kept aside and put back
    assert np.allclose(out, f32, atol=1e-6)
    bools = np.zeros((2, 3), bool)
    _, how = F.to_unit(ImageRef(bools))
    levels = np.array([[0.49, 0.5, 0.6], [0.0, 1.0, 0.2]], np.float32)[:, :, None]
    assert F.from_unit(levels, how).tolist() == [[False, True, True], [False, True, False]]


@pytest.mark.parametrize(("dtype", "mode"), [(np.uint16, "I;16"), (np.int32, "I")])
def test_from_unit_keeps_16_and_32_bit_integer_images(dtype, mode):
    values = np.array([[0, 1000, 40000, 65535]], dtype)
    pil = Image.fromarray(values)
    assert pil.mode == mode
    unit, how = F.to_unit(ImageRef(pil))
    out = F.from_unit(unit, how)
    assert out.mode == mode and np.asarray(out).tolist() == values.tolist()


def test_gaussian_noise_over_several_blocks_is_float32_with_the_asked_std():
    unit = np.full((160, 150, 3), 0.5)  # float64, more values than one block
    out = F.gaussian_noise(unit, 0.1, np.random.default_rng(6))
    assert out.dtype == np.float32 and out.shape == unit.shape
    noise = out.astype(np.float64) - 0.5
    tail = noise.reshape(-1)[-5000:]  # the last, partial block is noise too
    assert abs(noise.std() - 0.1) < 0.002 and abs(tail.std() - 0.1) < 0.01
