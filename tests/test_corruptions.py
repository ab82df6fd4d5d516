import io
import json

import numpy as np
import pytest
from PIL import Image

import hallucue_corrupt as hc
from hallucue_corrupt.pool import ListPool

from .conftest import png_bytes

MODES = ["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [(1, 1), (7, 3), (300, 200)])
def test_blank_keeps_size_and_mode(mode, size):
    src = Image.new("RGB", size, (10, 200, 30)).convert(mode)
    out, rec = hc.make("blank_image").apply_image(src, key=1)
    assert isinstance(out, Image.Image)
    assert out.size == size and out.mode == mode
    assert np.unique(np.asarray(out).reshape(-1, len(out.getbands())), axis=0).shape[0] == 1
    assert rec["before"] == {"size": list(size), "mode": mode} == rec["after"]
    json.dumps(rec)


@pytest.mark.parametrize(
    ("fill", "expected"),
    [
        ("white", (255, 255, 255)),
        ("black", (0, 0, 0)),
        ("gray", (128, 128, 128)),
        ((1, 2, 3), (1, 2, 3)),
        (7, (7, 7, 7)),
    ],
)
def test_blank_fills(fill, expected):
    out, rec = hc.make("blank_image", fill=fill).apply_image(Image.new("RGB", (4, 4), (9, 9, 9)))
    assert out.getpixel((0, 0)) == expected
    assert rec["fill_rgb"] == list(expected)


def test_blank_mean_fill_is_the_mean_colour():
    arr = np.zeros((2, 2, 3), np.uint8)
    arr[0] = 200
    out, _ = hc.make("blank_image", fill="mean").apply_image(Image.fromarray(arr))
    assert out.getpixel((1, 1)) == (100, 100, 100)


def test_blank_sixteen_bit_white_is_full_range():
    out, _ = hc.make("blank_image").apply_image(Image.new("I;16", (3, 3)))
    assert out.getpixel((0, 0)) == 65535


@pytest.mark.parametrize(
    "arr",
    [
        np.zeros((5, 6), np.uint8),
        np.zeros((5, 6, 1), np.uint8),
        np.zeros((5, 6, 3), np.uint8),
        np.zeros((5, 6, 4), np.uint8),
        np.zeros((5, 6), np.uint16),
        np.zeros((5, 6), np.float32),
    ],
)
def test_blank_arrays_keep_shape_and_dtype(arr):
    out, _ = hc.make("blank_image").apply_image(arr)
    assert out.shape == arr.shape and out.dtype == arr.dtype
    top = 1.0 if arr.dtype.kind == "f" else np.iinfo(arr.dtype).max
    assert np.all(out == top)


def test_blank_on_bytes_is_cached_and_needs_no_decode():
    src = png_bytes(3, (64, 48))
    out1, _ = hc.make("blank_image").apply_image(src)
    out2, _ = hc.make("blank_image").apply_image(png_bytes(4, (64, 48)))
    assert isinstance(out1, bytes) and out1 == out2
    assert Image.open(io.BytesIO(out1)).size == (64, 48)
    d, _ = hc.make("blank_image").apply_image({"bytes": src, "path": None})
    assert d == {"bytes": out1, "path": None}


def test_blank_explicit_size():
    out, rec = hc.make("blank_image", size=(10, 5)).apply_image(Image.new("RGB", (3, 3)))
    assert out.size == (10, 5) and rec["after"]["size"] == [10, 5]


def test_random_image_never_picks_itself_and_is_deterministic():
    pool = [png_bytes(i, (4, 4)) for i in range(6)]
    ri = hc.make("random_image")
    for key in range(6):
        for seed in range(30):
            out, rec = ri.apply_image(pool[key], seed=seed, key=key, pool=pool)
            assert rec["donor_key"] != str(key)
            assert out == pool[int(rec["donor_key"])]
            again, rec2 = ri.apply_image(pool[key], seed=seed, key=key, pool=pool)
            assert again == out and rec2 == rec


def test_random_image_donors_cover_the_pool():
    pool = [png_bytes(i, (4, 4)) for i in range(5)]
    donors = {
        hc.make("random_image").apply_image(pool[0], seed=s, key=0, pool=pool)[1]["donor_key"]
        for s in range(60)
    }
    assert donors == {"1", "2", "3", "4"}


def test_random_image_with_keyed_pool_is_order_free():
    images = [png_bytes(i, (4, 4)) for i in range(8)]
    keys = [f"k{i}" for i in range(8)]
    pool = ListPool(images, keys)
    perm = [3, 7, 0, 5, 1, 6, 2, 4]
    shuffled = ListPool([images[i] for i in perm], [keys[i] for i in perm])
    ri = hc.make("random_image")
    for i in range(8):
        a, ra = ri.apply_image(images[i], key=keys[i], pool=pool)
        b, rb = ri.apply_image(images[i], key=keys[i], pool=shuffled)
        assert a == b and ra["donor_key"] == rb["donor_key"] != keys[i]


def test_random_image_needs_another_image():
    with pytest.raises(ValueError, match="at least one other"):
        hc.make("random_image").apply_image(png_bytes(0), key=0, pool=[png_bytes(0)])
    with pytest.raises(ValueError, match="pool"):
        hc.make("random_image").apply_image(png_bytes(0), key=0)


def test_random_image_returns_the_input_form():
    pool = [Image.new("RGB", (3, 3), (i, i, i)) for i in range(3)]
    out, _ = hc.make("random_image").apply_image(pool[0], key=0, pool=pool)
    assert isinstance(out, Image.Image)


TR = hc.make("remove_text")


def test_remove_text_keeps_template_and_placeholder():
    text = (
        "<image>In triangle $ABC$, $AB = 5$ and $\\angle ABC = 30^\\circ$. Find $AC$.\n"
        "Please reason step by step, and put your final answer within \\boxed{}."
    )
    out, rec = TR.apply_text(text)
    assert out == "<image>\nPlease reason step by step, and put your final answer within \\boxed{}."
    assert rec["applied"] is True and rec["template_found"] is True
    assert rec["removed"] == [
        "In triangle $ABC$, $AB = 5$ and $\\angle ABC = 30^\\circ$.",
        "Find $AC$.",
    ]


def test_remove_text_latex_is_one_piece():
    text = "Given $x = 3.5$ and $\\frac{a}{b} = 2. 5$ here. Find x. Answer step by step."
    out, rec = TR.apply_text(text)
    assert rec["removed"] == ["Given $x = 3.5$ and $\\frac{a}{b} = 2. 5$ here.", "Find x."]
    assert out == "Answer step by step."


def test_remove_text_choices_kept_or_removed():
    text = "<image>Find the area. Choices: A. 12 B. 13 C. 14 D. 15\nAnswer with the option letter."
    out, _ = TR.apply_text(text)
    assert out == "<image>Choices: A. 12 B. 13 C. 14 D. 15\nAnswer with the option letter."
    out2, _ = hc.make("remove_text", keep_choices=False).apply_text(text)
    assert out2 == "<image>\nAnswer with the option letter."


def test_remove_text_no_rule_fired():
    out, rec = TR.apply_text("<image>Please answer the question step by step.")
    assert out == "<image>Please answer the question step by step."
    assert rec["applied"] is False and "no rule fired" in rec["reason"]


def test_remove_text_without_template_leaves_placeholder_only():
    out, rec = TR.apply_text("<image>The chart shows sales. What is the total?")
    assert out == "<image>" and rec["template_found"] is False


def test_remove_text_extra_patterns():
    out, _ = hc.make("remove_text", extra_patterns=[r"^Show your work"]).apply_text(
        "Ratio 3:4. What is x? Show your work."
    )
    assert out == "Show your work."
    with pytest.raises(hc.InvalidParams, match="extra_patterns"):
        hc.make("remove_text", extra_patterns=["("])
