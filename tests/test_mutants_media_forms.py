"""Media edges found untested by the full mutation run of media.py (issue 17, after the
cache fix): results rescaled into the caller's array form, the array view of array
inputs, and donor_problem's reasons. Public names of ``hallucue_corrupt.media`` only."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from hallucue_corrupt.media import ImageRef, donor_problem


def _encoded(arr: np.ndarray, fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt)
    return buf.getvalue()


def test_wrap_into_an_integer_array_clips_instead_of_wrapping():
    into8 = ImageRef(np.zeros((1, 2), np.uint8))
    out = into8.wrap(np.array([[-0.5, 1.5]], np.float32))
    assert out.dtype == np.uint8 and out.tolist() == [[0, 255]]


def test_wrap_reads_pil_i_and_f_results_in_the_16_bit_and_unit_conventions():
    # PIL "I" holds 16-bit values: outside 0-65535 they clip, never wrap
    i_mode = Image.fromarray(np.array([[-5, 70000, 1000]], np.int32))
    assert i_mode.mode == "I"
    out = ImageRef(np.zeros((1, 3), np.uint16)).wrap(i_mode)
    assert out.dtype == np.uint16 and out.tolist() == [[0, 65535, 1000]]
    # PIL "F" holds 0-255: a float array gets 0-1
    f_mode = Image.fromarray(np.array([[0, 127.5, 255]], np.float32))
    out = ImageRef(np.zeros((1, 3), np.float32)).wrap(f_mode)
    assert out.dtype == np.float32 and out.tolist() == [[0.0, 0.5, 1.0]]
    # an 8-bit PIL result into an 8-bit array: the values as they are
    out = ImageRef(np.zeros((1, 2), np.uint8)).wrap(Image.fromarray(np.array([[3, 250]], np.uint8)))
    assert out.tolist() == [[3, 250]]


def test_array_of_an_array_input_is_the_array_itself():
    a16 = np.arange(12, dtype=np.uint16).reshape(2, 2, 3) * 5000
    assert ImageRef(a16).array() is a16  # not the 8-bit PIL view
    hw1 = np.zeros((2, 3, 1), np.uint8)
    assert ImageRef(hw1).array().shape == (2, 3, 1)


def test_donor_problem_says_why():
    rng = np.random.default_rng(0)
    png = _encoded(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8), "PNG")
    jpg = _encoded(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8), "JPEG")
    assert donor_problem(png) is None and donor_problem(jpg) is None
    assert donor_problem(png[:-20]) == "truncated PNG (no IEND chunk)"
    assert donor_problem(jpg[:-10]) == "truncated JPEG (no end marker)"
    reason = donor_problem(b"not an image at all")
    assert reason is not None and reason.startswith("cannot decode image bytes:")


def test_a_one_channel_chw_array_is_detected():
    ref = ImageRef(np.zeros((1, 5, 6), np.uint8))
    assert ref.chw and ref.size == (6, 5)


def test_png_pixels_on_opencv_before_4_10_decode_bgr_and_convert(monkeypatch):
    import cv2

    from hallucue_corrupt.functional.image import to_pixels

    rng = np.random.default_rng(1)
    colour = _encoded(rng.integers(0, 256, (6, 7, 3), dtype=np.uint8), "PNG")
    gray = _encoded(rng.integers(0, 256, (6, 7), dtype=np.uint8), "PNG")
    want = [to_pixels(ImageRef(d), uint8=True)[0] for d in (colour, gray)]
    monkeypatch.delattr(cv2, "IMREAD_COLOR_RGB", raising=False)
    got = [to_pixels(ImageRef(d), uint8=True)[0] for d in (colour, gray)]
    assert all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))
    assert got[0].shape == (6, 7, 3) and got[1].shape == (6, 7, 1)


def test_a_tensor_input_gets_a_tensor_back():
    torch = __import__("torch")
    tensor = torch.zeros((3, 4, 5), dtype=torch.uint8)
    out = ImageRef(tensor).wrap(np.full((4, 5, 3), 7, np.uint8))
    assert isinstance(out, torch.Tensor) and out.device == tensor.device
    assert tuple(out.shape) == (3, 4, 5) and int(out[0, 0, 0]) == 7
