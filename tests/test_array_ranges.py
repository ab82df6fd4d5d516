"""One range rule for integer arrays: full white is the dtype's maximum (uint8 255, uint16
65535, int32 2**31 - 1), floats are 0-1, and PIL's 32-bit modes hold 16-bit values. A donor
of another form is rescaled by that rule, never wrapped around."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import hallucue_corrupt as hc

I32 = float(np.iinfo(np.int32).max)


def swap(src: np.ndarray, pool: list) -> tuple[np.ndarray, int]:
    out, rec = hc.make("random_image").apply_image(src, key=0, pool=pool)
    assert isinstance(out, np.ndarray) and out.dtype == src.dtype
    return out, int(rec["donor_key"])


def test_uint8_donor_into_an_int32_array_spans_the_int32_range():
    donors = [np.full((3, 4), v, np.uint8) for v in (0, 3, 128, 255)]
    out, k = swap(np.zeros((3, 4), np.int32), donors)
    expected = np.rint(donors[k].astype(np.float64) * (I32 / 255))
    assert np.array_equal(out, expected.astype(np.int32))


@pytest.mark.parametrize("value", [3, 2**20, 2**31 - 1])
def test_int32_donor_into_a_uint8_array_is_rescaled_not_wrapped(value):
    donors = [np.full((2, 2), value, np.int32)] * 3
    out, _ = swap(np.zeros((2, 2), np.uint8), donors)
    assert np.all(out == round(value / I32 * 255))


def test_white_is_the_same_for_a_blank_and_a_white_donor():
    src = np.zeros((2, 3), np.int32)
    blank, _ = hc.make("blank_image", fill="white").apply_image(src, key=0)
    donor, _ = swap(src, [np.full((2, 3), 255, np.uint8)] * 2)
    assert np.array_equal(blank, donor) and np.all(blank == np.iinfo(np.int32).max)


def test_a_pil_mode_i_donor_is_read_as_16_bit():
    values = np.array([[0, 257, 65535]], np.int32)
    donors = [Image.fromarray(values).convert("I")] * 2
    out, _ = swap(np.zeros((1, 3), np.uint8), donors)
    assert out.tolist() == [[0, 1, 255]]
    out16, _ = swap(np.zeros((1, 3), np.uint16), donors)
    assert out16.tolist() == values.tolist()
