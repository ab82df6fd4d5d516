"""PIL modes through the pixel round trip (``to_unit`` then ``from_unit``) that the full
mutation run of functional/image.py found untested (issue 17, lane 17h): the 16-bit
byte-order modes and 32-bit float images keep their mode and values. Public functions of
``hallucue_corrupt.functional.image`` only."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from hallucue_corrupt.functional import image as F
from hallucue_corrupt.media import ImageRef

VALUES16 = np.array([[0, 1, 1000], [40000, 65534, 65535]])


def _sixteen_bit(mode: str) -> Image.Image:
    order = {"I;16B": ">u2", "I;16L": "<u2", "I;16N": "=u2", "I;16": "<u2"}[mode]
    return Image.frombytes(mode, (3, 2), VALUES16.astype(order).tobytes())


@pytest.mark.parametrize("mode", ["I;16", "I;16B", "I;16L", "I;16N"])
def test_sixteen_bit_modes_keep_their_mode_and_values(mode):
    image = _sixteen_bit(mode)
    assert np.asarray(image).astype(np.int64).tolist() == VALUES16.tolist()
    unit, how = F.to_unit(ImageRef(image))
    out = F.from_unit(unit, how)
    assert isinstance(out, Image.Image) and out.mode == mode
    assert np.asarray(out).astype(np.int64).tolist() == VALUES16.tolist()


def test_float_images_keep_fractional_values_in_0_255():
    values = np.array([[0.0, 0.5, 127.25], [200.75, 254.5, 255.0]], np.float32)
    unit, how = F.to_unit(ImageRef(Image.fromarray(values)))
    out = F.from_unit(unit, how)
    assert isinstance(out, Image.Image) and out.mode == "F"
    assert np.allclose(np.asarray(out), values, atol=1e-4)  # not rounded to 8-bit levels


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
def test_a_pil_source_is_rebuilt_as_pil_unless_only_bytes_are_wanted(mode):
    image = Image.new(mode, (4, 3), (10, 20, 30, 40)[: len(mode)] if mode != "L" else 9)
    unit, how = F.to_unit(ImageRef(image))
    out = F.from_unit(unit, how)
    assert isinstance(out, Image.Image) and out.mode == mode
    arr8, how8 = F.to_pixels(ImageRef(image), uint8=True)
    assert isinstance(F.from_uint8(arr8, how8), Image.Image)
    kept = F.from_uint8(arr8, how8, encoded=True)  # an array, PNG-encoded by the caller
    assert isinstance(kept, np.ndarray) and kept.tolist() == np.asarray(image).tolist()


def test_jpeg_writes_4_2_0_sampling_factors_for_gray_images_too():
    import io

    gray = Image.fromarray(np.random.default_rng(0).integers(0, 256, (16, 24), dtype=np.uint8))
    data = F.jpeg(gray, 50)
    # one component, sampled 2x2 as 4:2:0 writes it (Pillow's default would write 1x1:
    # the same pixels, other bytes)
    assert [layer[1:3] for layer in Image.open(io.BytesIO(data)).layer] == [(2, 2)]


def test_a_palette_image_with_transparency_comes_back_rgba_with_its_alpha():
    rgb = Image.new("RGB", (4, 3), (200, 10, 10))
    rgb.paste((0, 0, 255), (0, 0, 2, 3))
    palette = rgb.convert("P")
    palette.info["transparency"] = palette.getpixel((0, 0))  # the blue half is transparent
    alpha = np.asarray(palette.convert("RGBA").getchannel("A"))
    assert sorted(np.unique(alpha).tolist()) == [0, 255]
    for uint8 in (False, True):
        pixels, how = F.to_pixels(ImageRef(palette), uint8=uint8)
        out = F.from_unit(pixels, how) if not uint8 else F.from_uint8(pixels, how)
        assert isinstance(out, Image.Image) and out.mode == "RGBA"
        assert np.asarray(out.getchannel("A")).tolist() == alpha.tolist()


def test_to_pixels_describes_its_source_and_gives_float32_unit_values():
    from hallucue_corrupt.media import encode_png

    rgb = np.random.default_rng(2).integers(0, 256, (3, 4, 3), dtype=np.uint8)
    arr8, how = F.to_pixels(ImageRef(encode_png(rgb, "stored")), uint8=True)  # OpenCV's path
    assert (how.kind, how.mode, how.dtype, how.channels, how.alpha) == (
        "pil",
        "RGB",
        "uint8",
        3,
        None,
    )
    assert arr8.tolist() == rgb.tolist()
    _, how = F.to_pixels(ImageRef(rgb))
    assert (how.kind, how.mode, how.dtype, how.channels) == ("array", "RGB", "|u1", 3)
    for array in (np.full((2, 3), 2**30, np.int32), np.full((2, 3, 3), 0.25, np.float64)):
        unit, _ = F.to_unit(ImageRef(array))
        assert unit.dtype == np.float32 and unit.shape[2] in (1, 3)


@pytest.mark.parametrize("orientation", [1, 2, 6])
def test_a_jpeg_orientation_tag_is_applied_to_the_pixels(orientation):
    import io

    arr = (np.arange(48, dtype=np.uint8) * 5).reshape(4, 4, 3)
    arr = np.concatenate([arr, arr[:, :2]], axis=1)  # 4x6: not square
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", exif=exif, quality=95)
    decoded = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    pixels, _ = F.to_pixels(ImageRef(buf.getvalue()), uint8=True)
    # 1 as stored, 2 mirrored, 6 turned clockwise
    want = {1: decoded, 2: decoded[:, ::-1], 6: np.rot90(decoded, k=-1)}[orientation]
    assert pixels.tolist() == want.tolist()


def test_a_pa_image_comes_back_rgba_with_its_alpha():
    rgba = Image.new("RGBA", (4, 3), (200, 10, 10, 255))
    rgba.putalpha(Image.fromarray(np.array([[0, 50, 100, 255]] * 3, np.uint8)))
    pa = rgba.convert("PA")
    unit, how = F.to_unit(ImageRef(pa))
    out = F.from_unit(unit, how)
    assert isinstance(out, Image.Image) and out.mode == "RGBA"
    assert np.asarray(out.getchannel("A")).tolist() == [[0, 50, 100, 255]] * 3


def test_to_pixels_describes_pil_sources_of_every_depth():
    rgb = Image.new("RGB", (4, 3), (1, 2, 3))
    _, how = F.to_pixels(ImageRef(rgb))
    assert (how.kind, how.mode, how.dtype, how.channels, how.alpha) == (
        "pil",
        "RGB",
        "uint8",
        3,
        None,
    )
    _, how = F.to_pixels(ImageRef(_sixteen_bit("I;16")))
    assert (how.kind, how.mode, how.dtype, how.channels) == ("pil", "I;16", "float32", 1)
    # a mode with no work mode of its own (premultiplied RGBa) is worked on as RGB
    unit, how = F.to_pixels(ImageRef(Image.new("RGBa", (4, 3), (10, 20, 30, 255))))
    assert unit.shape == (3, 4, 3) and how.channels == 3


def test_pil_pixels_as_uint8_when_asked_else_float32_unit_values():
    rgb = Image.new("RGB", (4, 3), (0, 51, 255))
    arr8, _ = F.to_pixels(ImageRef(rgb), uint8=True)
    assert arr8.dtype == np.uint8 and arr8[0, 0].tolist() == [0, 51, 255]
    unit, _ = F.to_pixels(ImageRef(rgb))
    assert unit.dtype == np.float32 and unit[0, 0].tolist() == pytest.approx([0.0, 0.2, 1.0])
    # CMYK is not 8-bit work: float32 even when uint8 is asked for
    cmyk, _ = F.to_pixels(ImageRef(rgb.convert("CMYK")), uint8=True)
    assert cmyk.dtype == np.float32 and cmyk[0, 0].tolist() == pytest.approx([0.0, 0.2, 1.0])
