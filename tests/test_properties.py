"""Property-based tests over every registered corruption (hypothesis).

The number of examples per test comes from HALLUCUE_FUZZ_EXAMPLES (default 60, so the
suite stays fast; a fuzz run sets it to a few thousand).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image

import hallucue_corrupt as hc
from hallucue_corrupt.functional import image as F
from hallucue_corrupt.pool import ListPool
from hallucue_corrupt.seeding import exact_threshold, is_selected

EXAMPLES = int(os.environ.get("HALLUCUE_FUZZ_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

KINDS = hc.list_corruptions()
IMAGE = sorted(n for n, k in KINDS.items() if k == "image" and not n.endswith("_test"))
TEXT = sorted(n for n, k in KINDS.items() if k == "text" and not n.endswith("_test"))
SAMPLE = sorted(n for n, k in KINDS.items() if k == "multimodal")
MODES = ["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F"]
POOL = ListPool(
    [Image.new("RGB", (5, 4), (i * 30, 0, 0)) for i in range(6)], [f"p{i}" for i in range(6)]
)


@st.composite
def images(draw: st.DrawFn) -> Image.Image:
    w, h = draw(st.integers(1, 48)), draw(st.integers(1, 48))
    seed = draw(st.integers(0, 2**16))
    arr = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    return Image.fromarray(arr).convert(draw(st.sampled_from(MODES)))


def json_round_trip(record: dict) -> None:
    assert json.loads(json.dumps(record)) == record


@pytest.mark.parametrize("name", IMAGE)
@SETTINGS
@given(
    image=images(),
    seed=st.integers(0, 2**31),
    key=st.text(max_size=8),
    severity=st.floats(1, 5),
)
def test_image_corruptions(name, image, seed, key, severity):
    cls = hc.get(name)
    params = {"severity": severity} if "severity" in cls.Params.model_fields else {}
    c = hc.make(name, **params)
    out, rec = c.apply_image(image, seed=seed, key=key, pool=POOL)
    again, rec2 = c.apply_image(image, seed=seed, key=key, pool=POOL)
    assert isinstance(out, Image.Image)
    assert np.array_equal(np.asarray(out), np.asarray(again)) and rec == rec2
    json_round_trip(rec)
    assert rec["applied"] is True and rec["name"] == name
    if name == "random_image":
        assert rec["donor_key"] != key
        own = f"p{seed % 6}"  # a key that IS in the pool: the sample is never its own donor
        donor, own_rec = c.apply_image(image, seed=seed, key=own, pool=POOL)
        assert own_rec["donor_key"] != own
        expected = POOL.image_at(POOL.rank_of(own_rec["donor_key"]))
        assert np.array_equal(np.asarray(donor), np.asarray(expected))
    else:  # same size; the mode kept or converted as documented
        assert out.size == image.size
        assert out.mode == F.MODE_AFTER.get(image.mode, image.mode) or name == "blank_image"
        if name == "blank_image":
            assert out.mode == image.mode


@SETTINGS
@given(
    image=images(),
    seed=st.integers(0, 2**31),
    keys=st.tuples(st.text(max_size=6), st.text(max_size=6)),
)
def test_noise_differs_between_keys(image, seed, keys):
    assume(keys[0] != keys[1] and image.width * image.height >= 16 and image.mode not in ("1",))
    c = hc.make("gaussian_noise", severity=5)
    a, _ = c.apply_image(image, seed=seed, key=keys[0])
    b, _ = c.apply_image(image, seed=seed, key=keys[1])
    assert not np.array_equal(np.asarray(a), np.asarray(b))


sentences = st.sampled_from(
    [
        "In triangle $ABC$, $AB = 5$ cm.",
        "Let $x = 3.5$ and $y = 12$.",
        "The figure shows a kite.",
        "$\\angle ABC = 30^\\circ$.",
        "Find $AC$.",
        "What is the area?",
        "Answer step by step.",
        "Put the final answer in \\boxed{}.",
        "Choices: A. 1 B. 2 C. 3",
        "Round to the nearest tenth.",
        "<image>",
        "\n",
        "e.g. 2 units.",
    ]
)


@pytest.mark.parametrize("name", TEXT)
@SETTINGS
@given(
    parts=st.lists(sentences, max_size=10),
    seed=st.integers(0, 2**31),
    key=st.integers(0, 10**6),
    noise=st.text(max_size=12),
)
def test_text_corruptions(name, parts, seed, key, noise):
    text = " ".join(parts) + noise
    c = hc.make(name)
    out, rec = c.apply_text(text, seed=seed, key=key)
    assert isinstance(out, str)
    assert out.count("<image>") == text.count("<image>")
    assert (out, rec) == c.apply_text(text, seed=seed, key=key)
    json_round_trip(rec)
    if not rec["applied"]:
        assert out == text and rec["reason"]


@pytest.mark.parametrize("name", SAMPLE)
@SETTINGS
@given(
    n=st.integers(0, 3),
    parts=st.lists(sentences, max_size=6),
    seed=st.integers(0, 2**31),
)
def test_sample_corruptions_keep_placeholders_consistent(name, n, parts, seed):
    text = "<image>" * n + " ".join(p for p in parts if p != "<image>")
    imgs = [Image.new("RGB", (20, 10), (0, 0, 200)) for _ in range(n)]
    pipe = hc.Pipeline([hc.make(name)], seed=seed)
    out, rec = pipe.apply(
        {"images": imgs, "text": text}, key=seed, image_column="images", text_column="text"
    )
    assert len(out["images"]) == out["text"].count("<image>")
    json_round_trip(rec)


@SETTINGS
@given(n=st.integers(0, 400), ratio=st.floats(0, 1), seed=st.integers(0, 2**31))
def test_exact_ratio_for_any_n(n, ratio, seed):
    keys = [f"k{i}" for i in range(n)]
    threshold = exact_threshold(seed, keys, ratio, "__select__")
    assert sum(is_selected(seed, k, "__select__", 0, threshold) for k in keys) == round(ratio * n)
