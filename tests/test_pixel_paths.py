"""The fast pixel paths of issue 14c: reduced-resolution blur against the exact Gaussian,
OpenCV's PNG decode against Pillow's, the plain-float severity levels, the cached array
modes, and the zlib-ng deflate behind the ``rle`` and ``huffman`` encodings."""

from __future__ import annotations

import io
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image, PngImagePlugin

import hallucue_corrupt as hc
from hallucue_corrupt.corruptions import degrade
from hallucue_corrupt.functional import image as F
from hallucue_corrupt.media import ImageRef, MediaError, encode_png


def diagram(size: int) -> np.ndarray:
    arr = np.full((size, size, 3), 255, np.uint8)
    cv2.line(arr, (size // 8, size // 5), (size - 9, size // 2), (0, 0, 0), 2, cv2.LINE_AA)
    cv2.putText(arr, "ABC", (size // 3, size // 3), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 0, 0), 1)
    cv2.circle(arr, (size // 2, 2 * size // 3), size // 6, (200, 30, 30), 3)
    return arr


def images(size: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(size)
    small = rng.integers(0, 256, (12, 12, 3), np.uint8)
    return {
        "diagram": diagram(size),
        "photo": cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC),
        "noise": rng.integers(0, 256, (size, size // 2 + 3, 3), np.uint8),
    }


def exact_blur(arr: np.ndarray, sigma: float) -> np.ndarray:
    ref = cv2.GaussianBlur(arr.astype(np.float64), (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    return ref.reshape(arr.shape)


@pytest.mark.parametrize("size", [256, 512])
@pytest.mark.parametrize("severity", [1, 3, 4, 5])
def test_blur_stays_near_the_exact_gaussian(size, severity):
    blur = hc.make("gaussian_blur", severity=severity)
    for kind, arr in images(size).items():
        out, rec = blur.apply_image(arr, key=0)
        sigma = rec["sigma_px"]
        assert rec["blur_scale"] == F.blur_scale(sigma)
        diff = np.abs(out.astype(np.float64) - exact_blur(arr, sigma))
        # the exact 8-bit kernel itself is off by up to 1.6 levels (fixed-point rounding)
        assert diff.max() <= 3.0, (kind, sigma, diff.max())
        assert diff.mean() <= 0.5, (kind, sigma, diff.mean())


def test_blur_scale_grows_with_sigma_and_exact_opts_out():
    assert [F.blur_scale(s) for s in (0.3, 2.3, 4.6, 6.7, 6.9, 9.1, 13.7, 27.4)] == [
        1,
        1,
        1,
        1,
        2,
        2,
        4,
        8,
    ]
    arr = images(512)["photo"]
    auto, rec = hc.make("gaussian_blur", severity=5).apply_image(arr, key=0)
    exact, rec_exact = hc.make("gaussian_blur", severity=5, method="exact").apply_image(arr, key=0)
    assert rec["blur_scale"] == 4 and rec_exact["blur_scale"] == 1
    assert rec_exact["params"]["method"] == "exact"
    assert not np.array_equal(auto, exact)
    assert np.abs(auto.astype(int) - exact.astype(int)).max() <= 3


def test_reduced_blur_on_floats_matches_the_8bit_path():
    arr = images(256)["diagram"]
    eight, _ = hc.make("gaussian_blur", severity=5).apply_image(arr, key=0)
    unit, rec = hc.make("gaussian_blur", severity=5).apply_image(
        arr.astype(np.float32) / 255, key=0
    )
    assert rec["blur_scale"] == 2 and unit.dtype == np.float32
    assert np.abs(unit * 255 - eight).max() <= 1.5  # the 8-bit path rounds twice more


def test_reduced_blur_replays_exactly():
    arr = images(512)["diagram"]
    png = encode_png(arr, "rle")
    pipe = hc.Pipeline([hc.make("gaussian_blur", severity=4)], seed=3)
    row = {"image": {"bytes": png, "path": None}, "id": 7}
    out, record = pipe.apply(row, key=7, image_column="image")
    again = hc.replay(record, row, image_column="image")
    assert again["image"]["bytes"] == out["image"]["bytes"]


def png_bytes(img: Image.Image, **save: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", **save)
    return buf.getvalue()


def png_chunk(tag: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + tag + body + zlib.crc32(tag + body).to_bytes(4, "big")


def test_opencv_png_decode_gives_pillows_pixels():
    rgb = Image.fromarray(images(64)["photo"])
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "a text chunk")
    plain = png_bytes(rgb)
    # colour chunks that a decoder could act on (gamma, sRGB, significant bits): neither does
    gamma = png_chunk(b"gAMA", (45455).to_bytes(4, "big")) + png_chunk(b"sBIT", b"\x05\x06\x05")
    cases = {
        "rgb": plain,
        "rgb-interlaced": png_bytes(rgb, optimize=False, interlace=1),
        "rgb-text": png_bytes(rgb, pnginfo=text),
        "rgb-gamma-sbit": plain[:33] + gamma + plain[33:],
        "rgb-level0": png_bytes(rgb, compress_level=0),
        "l": png_bytes(rgb.convert("L")),
        "rgb-transparency-key": png_bytes(rgb, transparency=(1, 2, 3)),
    }
    for name, data in cases.items():
        ref = ImageRef(data)
        fast = ref.png8()
        assert fast is not None, name
        slow = np.asarray(Image.open(io.BytesIO(data)))
        assert np.array_equal(fast.reshape(slow.shape), slow), name
        pixels, how = F.to_pixels(ImageRef({"bytes": data, "path": None}), uint8=True)
        assert np.array_equal(pixels.reshape(slow.shape), slow) and how.mode == ref.mode, name


def test_png8_leaves_other_images_to_pillow():
    rgb = Image.fromarray(images(32)["photo"])
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: Pillow's path applies it
    others = [
        png_bytes(rgb.convert("RGBA")),
        png_bytes(rgb.convert("P")),
        png_bytes(rgb.convert("I;16")),
        png_bytes(rgb, exif=exif),
    ]
    buf = io.BytesIO()
    rgb.save(buf, format="JPEG")
    others.append(buf.getvalue())
    for data in others:
        assert ImageRef(data).png8() is None
    assert ImageRef(np.zeros((4, 4, 3), np.uint8)).png8() is None
    rotated, _ = F.to_pixels(ImageRef(others[3]), uint8=True)
    assert rotated.shape[:2] == (rgb.height, rgb.width)[::-1]


def test_png8_finds_an_exif_chunk_after_the_pixels():
    data = png_bytes(Image.fromarray(images(32)["photo"]))
    body = b"Exif\x00\x00"
    chunk = (
        len(body).to_bytes(4, "big")
        + b"eXIf"
        + body
        + zlib.crc32(b"eXIf" + body).to_bytes(4, "big")
    )
    late = data[:-12] + chunk + data[-12:]  # before IEND, after IDAT
    assert ImageRef(data).png8() is not None
    assert ImageRef(late).png8() is None


def test_broken_png_still_raises_a_media_error():
    data = png_bytes(Image.fromarray(images(32)["noise"]))
    broken = data[:40] + b"\x00" * 50 + data[90:]
    with pytest.raises(MediaError):
        F.to_pixels(ImageRef(broken), uint8=True)


def test_level_is_numpy_interp():
    for cls in (degrade.GaussianNoise, degrade.JpegCompression, degrade.Contrast):
        for severity in np.linspace(1, 5, 97):
            expected = float(np.interp(severity, np.arange(1, 6), cls.LEVELS))
            assert degrade.level(cls.LEVELS, float(severity)) == expected


def test_array_modes_cached_and_still_checked():
    assert ImageRef(np.zeros((4, 4, 3), np.uint8)).mode == "RGB"
    assert ImageRef(np.zeros((4, 4), np.uint16)).mode == "I;16"
    for bad in (np.zeros((5, 5, 2), np.uint8), np.zeros((4, 4, 3), np.int32)):
        for _ in range(2):  # the second call goes through the cache
            with pytest.raises(MediaError, match="unsupported image array"):
                ImageRef(bad)


@pytest.mark.parametrize("encoding", ["rle", "huffman", "stored"])
def test_deflated_pngs_are_lossless_and_valid_zlib(encoding):
    for arr in images(96).values():
        data = encode_png(arr, encoding)
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), arr)
        idat_start = data.index(b"IDAT") + 4
        length = int.from_bytes(data[idat_start - 8 : idat_start - 4], "big")
        raw = zlib.decompress(data[idat_start : idat_start + length])  # stdlib inflates it
        assert len(raw) == arr.shape[0] * (1 + arr.shape[1] * 3)


def test_pixel_suite_times_the_png_writers(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "enc.json"
    command = [sys.executable, "-m", "benchmarks", "pixels", "--sections", "encodings"]
    command += ["--size", "128", "--repeats", "1", "--json", str(out)]
    root = Path(__file__).resolve().parents[1]
    subprocess.run(command, cwd=root, check=True, capture_output=True, timeout=300)
    rows = {r["output"]: r["writers"] for r in json.loads(out.read_text())["encodings"]}
    assert set(rows) == {"noise(noise)", "noise(diagram)", "blur(diagram)", "contrast(diagram)",
                         "blur(noise)"}  # fmt: skip
    for writers in rows.values():
        assert {"stored (own)", "rle (own)", "Pillow 6 (datasets)"} <= set(writers)
        assert all(cell["ms"] > 0 and cell["kb"] > 0 for cell in writers.values())
    stored = rows["blur(diagram)"]["stored (own)"]["kb"]
    assert rows["blur(diagram)"]["rle (own)"]["kb"] < stored / 2  # smooth output deflates
