"""Media edges that mutation testing of media.py found untested (issue 17).

Each test fails on mutants of :mod:`hallucue_corrupt.media` that the rest of the suite let
through; docs/reliability.md lists what they are. They go through the module's public
functions (``ImageRef``, ``encode_png``, ``incompressible``, ``donor_problem``), so they
hold whatever the private helpers behind them are called.
"""

from __future__ import annotations

import hashlib
import io
import zlib

import numpy as np
import pytest
from PIL import Image

from hallucue_corrupt.media import (
    ImageRef,
    MediaError,
    donor_problem,
    encode_png,
    incompressible,
    is_image_value,
    resolve_encoding,
)


def _noise(shape: tuple[int, ...], seed: int = 0, top: int = 256) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, top, shape, dtype=np.uint8)


def _decoded(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


# -- 16-bit and float colour arrays as 8-bit -----------------------------------------------


def test_uint16_colour_array_reads_as_8_bit_divided_by_257():
    arr = np.array([[[0, 257, 65535], [32896, 128, 65407]]], dtype=np.uint16)
    pil = ImageRef(arr).pil()
    assert pil.mode == "RGB"
    # 65407 / 257 = 254.502 rounds up (65407 * 255 / 65536 = 254.498 would not)
    assert np.asarray(pil).tolist() == [[[0, 1, 255], [128, 0, 255]]]


def test_float_colour_array_reads_as_8_bit_clipped_and_rounded():
    arr = np.array([[[-0.5, 0.5, 1.5], [0.2, 1.0, 0.0]]], dtype=np.float32)
    arr4 = np.concatenate([arr, np.full((1, 2, 1), 0.6, np.float32)], axis=2)
    assert np.asarray(ImageRef(arr).pil()).tolist() == [[[0, 128, 255], [51, 255, 0]]]
    assert np.asarray(ImageRef(arr4).pil()).tolist() == [[[0, 128, 255, 153], [51, 255, 0, 153]]]
    # the bytes of such an array are its 8-bit pixels, losslessly
    assert _decoded(ImageRef(arr).data).tolist() == [[[0, 128, 255], [51, 255, 0]]]


# -- when ``auto`` stores rows instead of deflating them -------------------------------------


def _picks(height: int) -> np.ndarray:
    """The 16 rows (each against the row above) the docstring says are sampled."""
    return np.linspace(1, height - 1, num=min(16, height - 1)).astype(np.intp)


def test_incompressible_judges_the_sampled_rows_against_the_row_above():
    height = 64
    # noise everywhere, but each sampled row repeats the row above it: its up-filtered
    # scanline is all zeros, so the sample deflates to nothing
    img = _noise((height, 96, 3), seed=1)
    for p in _picks(height):
        img[p] = img[p - 1]
    assert not incompressible(img)
    # the same rows made fresh noise (the row above unchanged): nothing repeats
    img2 = img.copy()
    img2[_picks(height)] = _noise((16, 96, 3), seed=2)
    assert incompressible(img2)


def test_incompressible_reads_only_the_sampled_rows():
    height = 64
    # flat except the sampled rows, which are noise over a flat row above: incompressible
    # although 75% of the image is one colour
    img = np.zeros((height, 96, 3), np.uint8)
    img[_picks(height)] = _noise((16, 96, 3), seed=3)
    assert incompressible(img)
    # the other way round: noise except the sampled rows and the rows above them
    img = _noise((height, 96, 3), seed=4)
    img[_picks(height)] = 0
    img[_picks(height) - 1] = 0
    assert not incompressible(img)


def test_incompressible_edges():
    assert not incompressible(_noise((1, 512, 3)))  # one row: nothing to sample
    assert incompressible(_noise((2, 512, 3)))  # two rows: the second against the first
    assert incompressible(_noise((3, 512, 3)))
    assert not incompressible(np.zeros((2, 512, 3), np.uint8))
    # a few grey levels per pixel: deflate gains enough, so auto keeps rle
    low = _noise((64, 128, 3), seed=5, top=16)
    assert not incompressible(low) and resolve_encoding(low, "auto") == "rle"
    assert resolve_encoding(_noise((64, 128, 3)), "auto") == "stored"


# -- the bytes of each encoding are stable ---------------------------------------------------


#: sha256 of encode_png(_golden_image(), encoding): the output bytes are part of the
#: seed -> bytes promise (review and update only after an intended encoder change)
GOLDEN_PNG = {
    "stored": "7b645e69543509edb1a195f02b05d639affc3b6de0f925cdd11c19dd7d150cea",
    "rle": "be3de3ee709dace467b662fd78b58d3b24d82adb84962740712c0f0413245862",
    "huffman": "75984962665806533c5f8b21baf75ca192e0e6a66ca0d7e79c7ed9bb95c60ad6",
}


def _golden_image() -> np.ndarray:
    y, x = np.mgrid[0:40, 0:56]
    img = np.stack([(x * 4) % 256, (y * 6) % 256, (x * y) % 256], axis=2).astype(np.uint8)
    img[10:20, 5:30] = _noise((10, 25, 3), seed=6)
    return img


@pytest.mark.parametrize("encoding", sorted(GOLDEN_PNG))
def test_png_encodings_give_golden_bytes(encoding):
    data = encode_png(_golden_image(), encoding)  # type: ignore[arg-type]
    assert _decoded(data).tolist() == _golden_image().tolist()
    assert hashlib.sha256(data).hexdigest() == GOLDEN_PNG[encoding]


def test_rle_is_run_length_deflate_of_up_filtered_rows():
    """The rle IDAT is exactly zlib's Z_RLE stream of the up-filtered scanlines."""
    img = _golden_image()
    data = encode_png(img, "rle")
    start = data.index(b"IDAT") + 4
    length = int.from_bytes(data[start - 8 : start - 4], "big")
    idat = data[start : start + length]
    raw = zlib.decompress(idat)
    rows = np.frombuffer(raw, np.uint8).reshape(img.shape[0], -1)
    assert (rows[:, 0] == 2).all()  # every scanline uses the "up" filter
    flat = img.reshape(img.shape[0], -1)
    assert rows[0, 1:].tolist() == flat[0].tolist()
    assert rows[1:, 1:].tolist() == (flat[1:] - flat[:-1]).tolist()  # uint8 wrap-around


# -- donors -----------------------------------------------------------------------------------


def test_donor_problem_names_the_type_it_refuses():
    assert donor_problem(42) == "not an image: int"
    assert donor_problem([b"x"]) == "not an image: list"
    assert donor_problem(None) == "no image"
    assert not is_image_value({"other": 1})
    with pytest.raises(MediaError, match="not an image: str"):
        ImageRef("picture.png")  # type: ignore[arg-type]


# -- a result of another dtype in the caller's array form ------------------------------------


@pytest.mark.parametrize(
    ("target", "result", "want"),
    [
        (np.uint16, np.array([[0, 1, 255]], np.uint8), [[0, 257, 65535]]),
        (np.uint8, np.array([[0, 1000, 65535]], np.uint16), [[0, 4, 255]]),  # 3.89 rounds up
        (np.uint8, np.array([[0.0, 0.5, 1.0]], np.float32), [[0, 128, 255]]),
        (np.float32, np.array([[0, 51, 255]], np.uint8), [[0.0, 0.2, 1.0]]),
        (np.uint8, np.array([[False, True, True]]), [[0, 255, 255]]),  # bool reads as 0-1
        (np.bool_, np.array([[0, 1, 255]], np.uint8), [[False, True, True]]),
    ],
)
def test_wrap_rescales_a_result_into_the_callers_dtype(target, result, want):
    out = ImageRef(np.zeros((1, 3), target)).wrap(result)
    assert out.dtype == np.dtype(target)
    assert np.allclose(out, np.asarray(want, dtype=np.float64)) and out.shape == (1, 3)


# -- stored PNGs longer than one deflate block -----------------------------------------------


@pytest.mark.parametrize(
    "size",
    [
        (255, 256),  # 65536 scanline bytes: one full block and one of a single byte
        (513, 255),  # 131070 bytes: exactly two full blocks (the last one is final)
        (300, 300),  # several blocks, the last one short
    ],
)
def test_stored_png_splits_rows_into_deflate_blocks(size):
    img = _noise((size[1], size[0]), seed=sum(size))
    data = encode_png(img, "stored")
    assert _decoded(data).tolist() == img.tolist()
    start = data.index(b"IDAT") + 4
    length = int.from_bytes(data[start - 8 : start - 4], "big")
    stream = zlib.decompressobj()
    assert stream.decompress(data[start : start + length]) == b"".join(
        b"\x00" + row.tobytes() for row in img
    )
    assert stream.eof and stream.unused_data == b""  # the last block, and only it, is final


def test_encode_png_defaults_to_pillow_zlib():
    img = _golden_image()
    pillow = io.BytesIO()
    Image.fromarray(img).save(pillow, format="PNG", compress_level=1)
    assert encode_png(img) == encode_png(img, "zlib") == pillow.getvalue()
    assert encode_png(Image.fromarray(img)) == pillow.getvalue()
    assert encode_png(img) != encode_png(img, "stored")


def test_image_values_are_images_or_datasets_dicts():
    assert is_image_value({"bytes": b"\x89PNG"}) and is_image_value({"path": "a.png"})
    assert is_image_value({"bytes": None, "path": "a.png"})
    assert not is_image_value({"other": 1}) and not is_image_value({})
    assert not is_image_value("bytes/path.png")  # a path string is not an image value
    assert not is_image_value(["bytes"])


@pytest.mark.parametrize(
    ("dtype", "mode", "values"),
    [
        (np.uint8, "L", [[3, 250]]),
        (np.uint16, "I;16", [[3, 60000]]),
        (np.float32, "F", [[0.25, 0.75]]),
    ],
)
def test_hxwx1_array_reads_as_a_one_channel_image_of_its_depth(dtype, mode, values):
    arr = np.asarray(values, dtype=dtype)[:, :, None]
    pil = ImageRef(arr).pil()
    assert pil.mode == mode and pil.size == (2, 1)
    assert np.asarray(pil).tolist() == np.asarray(values, dtype=dtype).tolist()


def _png_header_only(width: int, height: int) -> bytes:
    """The signature and IHDR chunk of an 8-bit RGB PNG (enough for its size and mode)."""
    body = b"IHDR" + width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\0\0\0"
    crc = zlib.crc32(body).to_bytes(4, "big")
    return b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4, "big") + body + crc


def test_decompression_bomb_limit_is_twice_pils_on_width_times_height(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    assert ImageRef(_png_header_only(20, 10)).size == (20, 10)  # 200 pixels: at the limit
    assert ImageRef(_png_header_only(10, 20)).size == (10, 20)
    with pytest.raises(MediaError) as err:
        ImageRef(_png_header_only(21, 10)).size  # noqa: B018
    assert str(err.value) == (
        "image of 21x10 pixels exceeds the decompression-bomb limit (200 pixels; raise "
        "PIL.Image.MAX_IMAGE_PIXELS to allow it)"
    )
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    assert ImageRef(_png_header_only(3000, 3000)).size == (3000, 3000)


def test_wrap_gives_the_asked_form_whatever_the_input_form():
    img = _golden_image()
    data = encode_png(img, "stored")
    out = ImageRef(data).wrap(data, "array")
    assert isinstance(out, np.ndarray) and out.tolist() == img.tolist()
    pil = ImageRef(data).wrap(img, "pil")
    assert isinstance(pil, Image.Image) and np.asarray(pil).tolist() == img.tolist()
    assert ImageRef(img).wrap(data, "dict") == {"bytes": data, "path": None}


def test_array_layout_auto_detects_chw_and_tensors_are_chw_unless_told():
    assert ImageRef(np.zeros((3, 8, 10), np.uint8)).size == (10, 8)  # auto: CHW
    torch = pytest.importorskip("torch")
    ambiguous = torch.zeros((3, 5, 3), dtype=torch.uint8)  # HWC for a numpy array
    assert ImageRef(ambiguous.numpy()).size == (5, 3)
    assert ImageRef(ambiguous).size == (3, 5)  # a tensor is CHW, as torchvision's
    assert ImageRef(torch.zeros((4, 6, 3), dtype=torch.uint8), layout="HWC").size == (6, 4)


def test_datasets_dicts_with_bytes_only_or_path_only(tmp_path):
    data = encode_png(_golden_image(), "stored")
    assert ImageRef({"bytes": data}).size == (56, 40)
    (tmp_path / "a.png").write_bytes(data)
    assert ImageRef({"path": str(tmp_path / "a.png")}).size == (56, 40)
    with pytest.raises(MediaError, match="not an image: str"):
        ImageRef("images/bytes.png")  # type: ignore[arg-type]


def test_broken_bytes_fail_to_decode_with_the_reason():
    with pytest.raises(MediaError, match=r"^cannot decode image bytes: cannot identify"):
        ImageRef(b"not an image").pil()
    truncated = encode_png(_golden_image(), "stored")[:200]
    with pytest.raises(MediaError, match=r"^cannot decode image bytes: "):
        ImageRef({"bytes": truncated, "path": None}).pil()
