"""PNG edges of media.py that the full mutation run of issue 17 (lane 17h) found untested:
pixels that live inside another array's rows, the chunk walk that looks for an eXIf
chunk, the ``auto`` encoding's threshold, and PIL ``F`` results read into float arrays.
Public names of ``hallucue_corrupt.media`` (and ``functional.image.to_pixels``) only."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from zlib_ng import zlib_ng

from hallucue_corrupt.functional.image import to_pixels
from hallucue_corrupt.media import (
    ImageRef,
    MediaError,
    donor_problem,
    encode_png,
    incompressible,
    is_image_value,
    png_rows,
)


def _noise(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))


# -- pixels that are a view into some other array's rows ---------------------------------------


def _views() -> list[np.ndarray]:
    """Views whose base is a 2-D uint8 array with a zero first column, which look like the
    scanlines of png_rows in all but one respect each."""
    wide = _noise((4, 10), seed=1)
    wide[:, 0] = 0
    exact = _noise((4, 9), seed=2)
    exact[:, 0] = 0
    tall = _noise((5, 9), seed=3)
    tall[:, 0] = 0
    return [
        wide[:, 2:],  # rows 10 bytes apart: not 1 + row
        exact[:, :8],  # shape (h, 1 + row) and rows 9 apart, but no filter byte before them
        tall[:4, 1:],  # filter byte and row stride fit, but the base has a fifth row
        wide[:, 1:6],  # only the last axis is contiguous
    ]


@pytest.mark.parametrize("encoding", ["stored", "huffman"])
def test_a_view_of_other_rows_is_encoded_as_its_own_pixels(encoding):
    for view in _views():
        data = encode_png(view, encoding)
        assert data == encode_png(np.ascontiguousarray(view), encoding)
        assert ImageRef(data).png8()[:, :, 0].tolist() == view.tolist()  # type: ignore[index]
    # rows laid out as scanlines over the first half of a 2-byte array: not uint8 lines
    lines = np.zeros((3, 5), np.int16)
    view = np.ndarray((3, 4), np.uint8, buffer=lines, offset=1, strides=(5, 1))
    view[...] = _noise((3, 4), seed=8)
    view[0, 0] = view[2, 0] = 0  # the bytes that share lines[:, 0] (zero, as filter bytes)
    assert encode_png(view, encoding) == encode_png(view.copy(), encoding)
    rows = png_rows((4, 8))  # the real thing is written straight from its scanlines
    rows[...] = _noise((4, 8), seed=4)
    assert encode_png(rows, encoding) == encode_png(rows.copy(), encoding)


# -- the chunk walk behind png8's eXIf check ---------------------------------------------------


def _png() -> tuple[np.ndarray, bytes]:
    pixels = _noise((6, 7, 3), seed=5)
    return pixels, encode_png(pixels, "stored")


def test_chunks_after_iend_are_not_part_of_the_png():
    pixels, png = _png()
    # an eXIf chunk after IEND: Pillow never reads it either, so the OpenCV path is right
    tail = _chunk(b"eXIf", b"MM\x00*\x00\x00\x00\x08\x00\x00")
    out = ImageRef(png + tail).png8()
    assert out is not None and out.tolist() == pixels.tolist()
    # one before IEND sends the image to Pillow, which applies its orientation
    inner = png[:-12] + tail + png[-12:]
    assert ImageRef(inner).png8() is None


def test_a_png_without_iend_gives_no_opencv_pixels():
    _, png = _png()
    assert ImageRef(png[:-12]).png8() is None  # the walk stops at the end of the bytes


def test_a_chunk_length_over_2_31_ends_the_walk():
    """PNG chunk lengths are unsigned: a length past 2**31 jumps past the end (read as
    signed, 2**32 - 12 would keep the walk on the same chunk for ever)."""
    _, png = _png()
    ihdr_end = 8 + 25
    bogus = struct.pack(">I", 2**32 - 12) + b"abCd"
    assert ImageRef(png[:ihdr_end] + bogus + png[ihdr_end:]).png8() is None


# -- auto: "stored" only above 85% --------------------------------------------------------------


def test_incompressible_means_strictly_more_than_85_percent():
    # two rows of 19 bytes: the sample is row 1 up-filtered (20 bytes), whose run-length
    # deflate is built here to be 17 bytes, exactly 85%: that is not incompressible
    rng = np.random.default_rng(69)
    pixels = np.zeros((2, 19), np.uint8)
    k = int(rng.integers(1, 20))
    where = rng.choice(19, k, replace=False)
    pixels[1, where] = rng.integers(0, 256, k)
    packer = zlib_ng.compressobj(1, zlib_ng.DEFLATED, 15, 9, zlib_ng.Z_RLE)
    sample = bytes([2]) + pixels[1].tobytes()
    assert len(packer.compress(sample) + packer.flush()) == 17 == 0.85 * len(sample)
    assert not incompressible(pixels)
    pixels[1, :] = _noise((19,), seed=7)  # and noise is
    assert incompressible(pixels)


# -- PIL "F" results read into a float array ---------------------------------------------------


def test_an_f_result_in_a_float64_array_is_read_as_to_pixels_reads_it():
    values = np.array([[0.0, 1.0, 77.7, 254.9]], np.float32)
    f_image = Image.fromarray(values)
    assert f_image.mode == "F"
    out = ImageRef(np.zeros((1, 4), np.float64)).wrap(f_image)
    want = to_pixels(ImageRef(f_image))[0][:, :, 0]  # float32 0-1, as every F image reads
    assert out.dtype == np.float64 and out.tolist() == want.astype(np.float64).tolist()


# -- tensors come back on the device they came from ---------------------------------------------


def test_a_tensor_result_goes_back_to_the_inputs_device():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a second device (CUDA) to tell devices apart")
    tensor = torch.zeros((3, 4, 5), dtype=torch.uint8, device="cuda")
    out = ImageRef(tensor).wrap(np.full((4, 5, 3), 9, np.uint8))
    assert out.device == tensor.device


# -- four-channel CHW arrays, and where a JPEG's end marker is looked for -----------------------


def test_a_four_channel_chw_array_is_detected():
    ref = ImageRef(np.zeros((4, 5, 6), np.uint8))
    assert ref.chw and ref.size == (6, 5) and ref.mode == "RGBA"


def test_donor_problem_looks_for_the_jpeg_end_marker_in_the_last_1024_bytes():
    import io

    buf = io.BytesIO()
    Image.fromarray(_noise((8, 8, 3), seed=9)).save(buf, format="JPEG")
    jpg = buf.getvalue()
    assert donor_problem(jpg + b"\x00" * 1022) is None  # the marker ends 1022 bytes early
    assert donor_problem(jpg + b"\x00" * 1023) == "truncated JPEG (no end marker)"


def test_a_tensor_is_an_image_value_and_a_usable_donor():
    torch = pytest.importorskip("torch")
    tensor = torch.zeros((3, 4, 5), dtype=torch.uint8)
    assert is_image_value(tensor) and donor_problem(tensor) is None


def test_a_pil_result_is_decoded_on_first_use_as_datasets_does():
    """wrap() into PIL form opens encoded bytes without decoding them (the caller may
    only pass the image on): a broken result fails when its pixels are read, not before."""
    _, png = _png()
    out = ImageRef(Image.new("RGB", (2, 2))).wrap(png[: len(png) // 2])
    assert isinstance(out, Image.Image) and out.size == (7, 6)
    with pytest.raises(OSError, match="truncated"):
        out.load()


@pytest.mark.parametrize("value", [{"bytes": None, "path": None}, {"path": ""}, {"bytes": None}])
def test_an_empty_datasets_dict_says_what_it_lacks(value):
    with pytest.raises(MediaError) as caught:
        ImageRef(value)
    assert str(caught.value) == "image dict has neither bytes nor path"


def test_an_in_memory_donor_is_usable_whatever_its_mode():
    # HSV has no lossless file format in Pillow: nothing may try to encode it to check it
    assert donor_problem(Image.new("HSV", (3, 2))) is None


def test_chw_is_false_unless_the_array_was_chw():
    assert ImageRef(Image.new("L", (3, 2))).chw is False
    assert ImageRef(np.zeros((2, 3, 3), np.uint8)).chw is False


def test_png8_reads_datasets_dicts_and_on_opencv_before_4_10(monkeypatch):
    import cv2

    pixels, png = _png()
    for value in (png, {"bytes": png, "path": None}):
        out = ImageRef(value).png8()
        assert out is not None and out.tolist() == pixels.tolist()
    monkeypatch.delattr(cv2, "IMREAD_COLOR_RGB", raising=False)  # BGR decode, then convert
    out = ImageRef(png).png8()
    assert out is not None and out.tolist() == pixels.tolist()
