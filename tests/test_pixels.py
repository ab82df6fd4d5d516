"""Pixel corruptions at the floor (issue 14) and image arrays of every accepted form
(issue 11, bug 4): keyed noise statistics, 8-bit paths, PNG encodings, dtypes and layouts."""

from __future__ import annotations

import io
from statistics import NormalDist

import numpy as np
import pytest
from PIL import Image

import hallucue_corrupt as hc
from hallucue_corrupt.functional import image as F
from hallucue_corrupt.media import ImageRef, MediaError, encode_png, incompressible

GRADED = sorted(
    name
    for name in hc.list_corruptions()
    if issubclass(hc.registry.get(name), hc.GradedImageCorruption)
)


def gray(size: int = 512, level: int = 128) -> np.ndarray:
    return np.full((size, size, 3), level, dtype=np.uint8)


def diagram(size: int = 128) -> np.ndarray:
    arr = np.full((size, size, 3), 255, dtype=np.uint8)
    arr[size // 4, :] = 0
    arr[:, size // 3] = 0
    arr[size // 2 : size // 2 + 3, size // 5 : size // 2] = 0
    return arr


# -- keyed Gaussian noise ---------------------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.05, 0.08, 0.12])
def test_noise_on_8_bit_pixels_is_normal_with_the_recorded_sigma(sigma):
    out, rec = hc.make("gaussian_noise", sigma=sigma).apply_image(gray(), key="k")
    noise = out.astype(np.float64) - 128
    scale = rec["sigma"] * 255
    assert rec["sigma"] == sigma
    assert abs(noise.mean()) < 0.02 * scale
    assert noise.std() == pytest.approx(scale, rel=0.01)
    z = noise / scale
    # tails against the normal: P(|Z| > 1), P(|Z| > 2), P(|Z| > 3) within tolerance
    for k, rel in ((1, 0.03), (2, 0.05), (3, 0.2)):
        expected = 2 * (1 - NormalDist().cdf(k))
        assert np.mean(np.abs(z) > k) == pytest.approx(expected, rel=rel)
    kurtosis = np.mean(z**4) / np.mean(z**2) ** 2
    assert kurtosis == pytest.approx(3.0, abs=0.1)


def test_noise_on_float_pixels_follows_the_normal_cdf():
    base = np.full((256, 256, 3), 0.5, dtype=np.float32)
    out, rec = hc.make("gaussian_noise", sigma=0.1).apply_image(base, key=3)
    assert out.dtype == np.float32 and out.shape == base.shape
    z = np.sort(((out - 0.5) / rec["sigma"]).ravel().astype(np.float64))
    cdf = np.array([NormalDist().cdf(v) for v in z[:: z.size // 2000]])
    empirical = (np.arange(z.size)[:: z.size // 2000] + 0.5) / z.size
    assert np.max(np.abs(cdf - empirical)) < 0.01  # Kolmogorov-Smirnov distance
    assert z.std() == pytest.approx(1.0, rel=0.01)


def test_noise_is_keyed_not_global():
    c = hc.make("gaussian_noise")
    np.random.seed(0)
    a, _ = c.apply_image(gray(64), key="a")
    np.random.seed(1)
    a2, _ = c.apply_image(gray(64), key="a")
    b, _ = c.apply_image(gray(64), key="b")
    e, _ = c.apply_image(gray(64), key="a", epoch=1)
    assert np.array_equal(a, a2)
    assert not np.array_equal(a, b) and not np.array_equal(a, e)


def test_uniform16_is_uniform_and_seeded():
    u = F.uniform16(np.random.Generator(np.random.PCG64(5)), 1 << 20)
    again = F.uniform16(np.random.Generator(np.random.PCG64(5)), 1 << 20)
    assert u.dtype == np.uint16 and np.array_equal(u, again)
    counts = np.bincount(u >> 12, minlength=16)  # 16 bins of 4096 values
    assert np.all(np.abs(counts / u.size - 1 / 16) < 0.002)


def test_noise_forms_agree():
    """PIL, bytes and array inputs get the same noise (the same 8-bit path)."""
    arr = diagram(96)
    c = hc.make("gaussian_noise", severity=2)
    from_array, _ = c.apply_image(arr, key=1)
    from_pil, _ = c.apply_image(Image.fromarray(arr), key=1)
    from_bytes, _ = c.apply_image(encode_png(Image.fromarray(arr)), key=1)
    assert np.array_equal(from_array, np.asarray(from_pil))
    assert np.array_equal(from_array, np.asarray(Image.open(io.BytesIO(from_bytes))))


# -- 8-bit paths match the float paths --------------------------------------------------------


@pytest.mark.parametrize("name", GRADED)
def test_uint8_path_matches_the_float_path(name):
    arr = diagram(96)
    arr[60:, 60:] = (200, 40, 90)  # some colour
    c = hc.make(name)
    out8, rec8 = c.apply_image(arr, key=2)
    outf, recf = c.apply_image(arr.astype(np.float32) / 255, key=2)
    assert out8.dtype == np.uint8 and outf.dtype == np.float32
    assert out8.shape == outf.shape == arr.shape
    tolerance = {"gaussian_noise": 2, "jpeg_compression": 12}.get(name, 1)
    diff = np.abs(out8.astype(np.int16) - np.rint(outf * 255).astype(np.int16))
    assert np.percentile(diff, 99) <= tolerance, name
    assert rec8.get("drawn") == recf.get("drawn")


@pytest.mark.parametrize("name", GRADED)
def test_inputs_are_not_modified(name):
    arr = diagram(64)
    before = arr.copy()
    hc.make(name).apply_image(arr, key=0)
    assert np.array_equal(arr, before)


# -- PNG encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["stored", "rle", "huffman", "zlib", "auto"])
@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
def test_png_encodings_are_lossless(encoding, mode):
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 256, (17, 23, len(mode)), np.uint8).squeeze())
    for value in (img, np.asarray(img)):
        data = encode_png(value, encoding)  # type: ignore[arg-type]
        back = Image.open(io.BytesIO(data))
        assert back.format == "PNG" and back.mode == mode
        assert np.array_equal(np.asarray(back), np.asarray(img))
        assert data == encode_png(value, encoding)  # type: ignore[arg-type]


def test_png_parameter_picks_the_encoding():
    src = {"bytes": encode_png(Image.fromarray(diagram(128))), "path": None}
    sizes = {}
    for png in ("stored", "huffman", "rle", "zlib"):
        out, rec = hc.make("gaussian_blur", png=png).apply_image(src, key=0)
        sizes[png] = len(out["bytes"])
        assert rec["params"]["png"] == png
    assert max(sizes["zlib"], sizes["rle"]) < sizes["huffman"] < sizes["stored"]
    assert hc.make("gaussian_noise").encoding() == "stored"
    assert hc.make("gaussian_blur").encoding() == "auto"
    assert hc.make("gaussian_noise", png="huffman").encoding() == "huffman"
    with pytest.raises(hc.InvalidParams):
        hc.make("gaussian_noise", png="lz4")


def test_auto_stores_what_does_not_deflate():
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), np.uint8)
    smooth = np.tile(np.linspace(0, 255, 64).astype(np.uint8)[None, :, None], (64, 1, 3))
    assert incompressible(noise) and not incompressible(smooth)
    assert not incompressible(diagram(64))
    assert encode_png(noise, "auto") == encode_png(noise, "stored")
    assert encode_png(smooth, "auto") == encode_png(smooth, "rle")
    assert len(encode_png(smooth, "rle")) < len(encode_png(smooth, "stored")) / 3
    src = {"bytes": encode_png(Image.fromarray(noise)), "path": None}
    out, _ = hc.make("patch_shuffle").apply_image(src, key=0)  # still noise: stored
    assert len(out["bytes"]) > noise.size


def test_blank_cached_bytes_keep_the_pillow_encoding():
    src = encode_png(Image.fromarray(diagram(32)))
    out, _ = hc.make("blank_image").apply_image(src)
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (255, 255, 255)).save(buf, format="PNG", compress_level=1)
    assert out == buf.getvalue()


# -- arrays of every accepted form (issue 11, bug 4) ------------------------------------------


@pytest.mark.parametrize(
    "name", ["gaussian_noise", "gaussian_blur", "blank_image", "patch_shuffle"]
)
@pytest.mark.parametrize(
    "dtype", [np.uint8, np.uint16, np.float32, np.float64], ids=lambda d: np.dtype(d).name
)
def test_hwc_arrays_of_each_dtype_keep_their_form(name, dtype):
    top = 1.0 if np.dtype(dtype).kind == "f" else np.iinfo(dtype).max
    arr = (np.random.default_rng(0).random((20, 30, 3)) * top).astype(dtype)
    out, rec = hc.make(name).apply_image(arr, key=0)
    assert type(out) is np.ndarray and out.dtype == arr.dtype and out.shape == arr.shape
    if np.dtype(dtype).kind == "f":
        assert out.min() >= 0.0 and out.max() <= 1.0
    assert rec["before"]["size"] == [30, 20]


def test_hxwx1_stays_hxwx1():
    arr = np.random.default_rng(0).random((20, 30, 1)).astype(np.float32)
    out, _ = hc.make("gaussian_noise").apply_image(arr)
    assert out.shape == (20, 30, 1) and out.dtype == np.float32


@pytest.mark.parametrize("name", ["gaussian_noise", "downsample", "blank_image", "occlusion"])
def test_chw_arrays_by_parameter_and_by_rule(name):
    hwc = (np.random.default_rng(1).random((20, 30, 3))).astype(np.float32)
    chw = np.ascontiguousarray(hwc.transpose(2, 0, 1))
    c = hc.make(name)
    ref, _ = c.apply_image(hwc, key=4)
    by_param, rec_p = c.apply_image(chw, key=4, layout="CHW")
    by_rule, _ = c.apply_image(chw, key=4)
    assert by_param.shape == chw.shape and by_param.dtype == np.float32
    assert np.array_equal(by_param, ref.transpose(2, 0, 1))
    assert np.array_equal(by_rule, by_param)
    assert rec_p["before"]["size"] == [30, 20]


def test_ambiguous_shape_follows_the_layout_parameter():
    arr = np.random.default_rng(2).integers(0, 256, (3, 8, 3), np.uint8)
    _, hwc = hc.make("grayscale").apply_image(arr)
    _, chw = hc.make("grayscale").apply_image(arr, layout="CHW")
    assert hwc["before"]["size"] == [8, 3] and chw["before"]["size"] == [3, 8]


def test_float_array_row_through_a_pipeline_and_a_pil_donor():
    arr = np.random.default_rng(3).random((16, 16, 3)).astype(np.float32)
    pipe = hc.Pipeline([hc.make("random_image")], seed=0)
    donors = [Image.fromarray(diagram(16)), Image.fromarray(diagram(16))]
    row, _ = pipe.apply({"image": arr}, key=0, image_column="image", pool=donors)
    out = row["image"]
    assert out.dtype == np.float32 and out.shape == (16, 16, 3)
    assert np.allclose(out, diagram(16) / 255, atol=1e-6)


def test_torch_tensors_round_trip_as_tensors():
    torch = pytest.importorskip("torch")
    t = torch.rand(3, 20, 30)
    out, rec = hc.make("gaussian_noise").apply_image(t, key=0)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    assert tuple(out.shape) == (3, 20, 30) and rec["before"]["size"] == [30, 20]
    t8 = (t * 255).to(torch.uint8)
    out8, _ = hc.make("blank_image").apply_image(t8)
    assert out8.dtype == torch.uint8 and bool((out8 == 255).all())
    gray_t = torch.rand(20, 30)
    assert tuple(hc.make("contrast").apply_image(gray_t)[0].shape) == (20, 30)


def test_torch_is_not_imported_for_other_values():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, hallucue_corrupt as hc;"
        "hc.make('gaussian_noise').apply_image(np.zeros((4, 4, 3), np.uint8));"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((4, 4, 3), np.int32),
        np.zeros((5, 5, 2), np.uint8),
        np.zeros((2, 3, 4, 5), np.uint8),
    ],
)
def test_error_lists_what_is_accepted(array):
    with pytest.raises(MediaError, match=r"accepted: HxW.*uint16.*float.*CHW.*torch"):
        ImageRef(array)


@pytest.mark.parametrize("name", GRADED)
def test_uint8_chw_and_rgba_views_match_contiguous_hwc(name):
    """The 8-bit paths take strided views (a CHW array's HWC view, RGBA without alpha)."""
    chw = np.random.default_rng(0).integers(0, 256, (3, 40, 50), np.uint8)
    out, _ = hc.make(name).apply_image(chw, key=1, layout="CHW")
    ref, _ = hc.make(name).apply_image(np.ascontiguousarray(chw.transpose(1, 2, 0)), key=1)
    assert np.array_equal(out, ref.transpose(2, 0, 1))
    rgba = np.random.default_rng(1).integers(0, 256, (40, 50, 4), np.uint8)
    out4, _ = hc.make(name).apply_image(rgba, key=1)
    ref3, _ = hc.make(name).apply_image(np.ascontiguousarray(rgba[:, :, :3]), key=1)
    assert np.array_equal(out4[:, :, :3], ref3) and np.array_equal(out4[:, :, 3], rgba[:, :, 3])


def test_png_exif_orientation_is_still_applied():
    """The EXIF parse is skipped only for PNGs without an eXIf chunk."""
    img = Image.new("RGB", (40, 20), (10, 200, 10))
    exif = img.getexif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    img.save(buf, format="PNG", exif=exif.tobytes())
    out, _ = hc.make("gaussian_noise").apply_image(buf.getvalue())
    assert Image.open(io.BytesIO(out)).size == (20, 40)
    plain, _ = hc.make("gaussian_noise").apply_image(encode_png(img))
    assert Image.open(io.BytesIO(plain)).size == (40, 20)
