"""Issue 14d: the pixel fast paths give the same pixels and bytes as the plain ones
(masked patch fills, noise written into PNG rows, the writer taking rows as they are)."""

from __future__ import annotations

import numpy as np
import pytest

import hallucue_corrupt as hc
from hallucue_corrupt import media
from hallucue_corrupt.functional import image as F


def _scatter(unit: np.ndarray, mask: np.ndarray, fill: np.ndarray) -> np.ndarray:
    out = unit.copy()
    out[mask.astype(bool)] = np.asarray(fill, dtype=unit.dtype).reshape(-1)
    return out


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.uint16, np.float64])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("fill", ["zero", "gray", "per_channel"])
def test_fill_masked_equals_a_boolean_scatter(dtype, channels, fill):
    rng = np.random.default_rng(channels)
    unit = (rng.random((23, 31, channels)) * 200 + 10).astype(dtype)
    mask = (rng.random((23, 31)) < 0.4).astype(np.uint8)
    value = {
        "zero": np.zeros(channels),
        "gray": np.full(channels, 128),
        "per_channel": np.arange(1, channels + 1) * 60,
    }[fill].astype(dtype)
    out = unit.copy()
    F.fill_masked(out, mask, value)
    assert out.dtype == unit.dtype
    assert np.array_equal(out, _scatter(unit, mask, value))
    assert np.array_equal(out[mask == 0], unit[mask == 0])  # the rest untouched


@pytest.mark.parametrize("shape", [(37, 29, 3), (14, 14, 1), (5, 300, 3), (1, 1, 3)])
@pytest.mark.parametrize("patch", [1, 7, 14, 50])
def test_mask_patches_masks_whole_cells_and_counts_them(shape, patch):
    unit = np.full(shape, 200, dtype=np.uint8)
    fill = np.full(shape[2], 3, dtype=np.uint8)
    out, masked, cells = F.mask_patches(unit, 0.5, patch, fill, np.random.default_rng(4))
    rows, cols = F.patch_grid(shape[0], shape[1], patch)
    assert cells == rows * cols and masked == round(0.5 * cells)
    hit = np.zeros((rows, cols), dtype=int)
    for r in range(rows):
        for c in range(cols):
            cell = out[r * patch : (r + 1) * patch, c * patch : (c + 1) * patch]
            hit[r, c] = int(np.all(cell == 3))
            assert np.all(cell == 3) or np.all(cell == 200)  # a cell is all or nothing
    assert hit.sum() == masked
    assert np.all(unit == 200)  # the input is not modified


@pytest.mark.parametrize("shape", [(40, 33, 3), (40, 33), (40, 33, 1), (3, 2, 3)])
@pytest.mark.parametrize("encoding", ["stored", "huffman", "rle", "auto"])
def test_writer_takes_png_rows_as_they_are(shape, encoding):
    pixels = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    view = media.png_rows(shape)
    view[...] = pixels
    assert media._scanlines(view) is not None
    assert not view.flags.c_contiguous  # a view with a filter byte before each row
    assert media.encode_png(view, encoding) == media.encode_png(pixels, encoding)
    decoded = np.asarray(media.ImageRef(media.encode_png(view, encoding)).pil())
    assert np.array_equal(decoded, pixels.reshape(decoded.shape))


def test_writer_copies_rows_it_cannot_take():
    pixels = np.random.default_rng(2).integers(0, 256, (20, 10, 3), dtype=np.uint8)
    assert media._scanlines(pixels) is None  # an ordinary array
    assert media._scanlines(pixels[:, 1:]) is None  # a view, but not of scanlines
    view = media.png_rows(pixels.shape)
    view[...] = pixels
    view.base[3, 0] = 1  # a non-zero filter byte: these are not unfiltered rows
    assert media._scanlines(view) is None
    assert media.encode_png(view, "stored") == media.encode_png(pixels, "stored")


@pytest.mark.parametrize("shape", [(300, 301, 3), (7, 5, 1), (256, 256, 3)])
@pytest.mark.parametrize("sigma", [0.08, 0.38])
def test_noise_into_rows_draws_the_same_stream(shape, sigma):
    arr = np.random.default_rng(3).integers(0, 256, shape, dtype=np.uint8)
    plain = F.gaussian_noise8(arr, sigma, np.random.default_rng(9))
    out = media.png_rows(shape)
    assert F.gaussian_noise8(arr, sigma, np.random.default_rng(9), out=out) is out
    assert np.array_equal(out, plain)


@pytest.mark.parametrize(
    "name, params",
    [
        ("gaussian_noise", {}),
        ("gaussian_noise", {"png": "huffman"}),
        ("gaussian_noise", {"png": "rle"}),
        ("grayscale", {"severity": 5, "png": "stored"}),
        ("patch_shuffle", {}),
    ],
)
@pytest.mark.parametrize("gray", [False, True])
def test_encoded_outputs_match_the_array_path(name, params, gray):
    """Encoded noise takes the into-rows path when stored or huffman; the bytes equal the
    array path's output encoded with the same encoding, and the record is the same."""
    rng = np.random.default_rng(5)
    arr = rng.integers(0, 256, (48, 40) if gray else (48, 40, 3), dtype=np.uint8)
    corruption = hc.make(name, **params)
    encoded, rec_b = corruption.apply_image(media.encode_png(arr, "zlib"), key=11)
    array_out, rec_a = corruption.apply_image(arr, key=11)
    assert array_out.flags.c_contiguous  # arrays never see the row layout
    encoding = media.resolve_encoding(array_out, corruption.encoding())
    assert encoded == media.encode_png(array_out, encoding)
    assert {k: v for k, v in rec_b.items() if k != "before"} == {
        k: v for k, v in rec_a.items() if k != "before"
    }


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 65536 + 3])
def test_noise_on_tiny_and_ragged_blocks_is_deterministic(size):
    """OpenCV takes a 1-D array of up to 4 values for a scalar: blocks of 1-4 values (a
    tiny image, or the last block of a large one) must still be added element-wise."""
    arr = np.full((1, size, 1), 100, dtype=np.uint8)
    first = F.gaussian_noise8(arr, 0.2, np.random.default_rng(1))
    again = F.gaussian_noise8(arr, 0.2, np.random.default_rng(1))
    offsets = F._offsets8(0.2).take(F.uniform16(np.random.default_rng(1), size))
    assert np.array_equal(first, again)
    assert np.array_equal(first.reshape(-1), np.clip(100 + offsets.astype(int), 0, 255))
    out = media.png_rows(arr.shape)
    F.gaussian_noise8(arr, 0.2, np.random.default_rng(1), out=out)
    assert np.array_equal(out, first)


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 2, 3), (2, 1, 3), (1, 1, 1), (1, 3, 1)])
def test_masked_fills_and_full_desaturation_on_tiny_images(shape):
    arr = np.arange(int(np.prod(shape)), dtype=np.uint8).reshape(shape) * 40 + 5
    mask = np.ones(shape[:2], dtype=np.uint8)
    for fill in (np.zeros(shape[2]), np.arange(1, shape[2] + 1) * 50):
        out = arr.copy()
        F.fill_masked(out, mask, fill.astype(np.uint8))
        assert np.array_equal(out, _scatter(arr, mask, fill.astype(np.uint8)))
    if shape[2] == 3:
        luma = arr.astype(float) @ [0.299, 0.587, 0.114]
        gray = F.desaturate8(arr, 1.0)
        assert np.all(gray == gray[:, :, :1]) and np.all(abs(gray[:, :, 0] - luma) <= 0.5 + 1e-9)
