"""Property-based tests over every registered corruption (hypothesis), on the kit's
strategies (hallucue_corrupt.testing.strategies). Determinism, keys, JSON records, modes,
mutation and replay are the contract, checked for every corruption in test_testing_kit.py;
these explore random inputs for the documented size/mode/placeholder promises.

The number of examples per test comes from HALLUCUE_FUZZ_EXAMPLES (default 60, so the
suite stays fast; a fuzz run sets it to a few thousand).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import hallucue_corrupt as hc
from hallucue_corrupt.functional import image as F
from hallucue_corrupt.seeding import exact_threshold, is_selected
from hallucue_corrupt.testing import fingerprint
from hallucue_corrupt.testing import strategies as hst

EXAMPLES = int(os.environ.get("HALLUCUE_FUZZ_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

BUILTIN = hc.testing.corruptions_in("hallucue_corrupt")
IMAGE = sorted(n for n, c in BUILTIN.items() if c.modality == "image")
TEXT = sorted(n for n, c in BUILTIN.items() if c.modality == "text")
SAMPLE = sorted(n for n, c in BUILTIN.items() if c.modality == "multimodal")
POOL = hc.testing.donor_pool()


@pytest.mark.parametrize("name", IMAGE)
@SETTINGS
@given(image=hst.pil_images(), seed=hst.seeds(), key=hst.keys(), severity=st.floats(1, 5))
def test_image_corruptions(name, image, seed, key, severity):
    cls = hc.get(name)
    params = {"severity": severity} if "severity" in cls.Params.model_fields else {}
    c = hc.make(name, **params)
    out, rec = c.apply_image(image, seed=seed, key=key, pool=POOL)
    again, rec2 = c.apply_image(image, seed=seed, key=key, pool=POOL)
    assert isinstance(out, Image.Image)
    assert fingerprint(out) == fingerprint(again) and rec == rec2
    assert rec["applied"] is True and rec["name"] == name
    if name == "random_image":
        assert rec["donor_key"] != key
    else:  # same size; the mode kept or converted as documented
        assert out.size == image.size
        assert out.mode == F.MODE_AFTER.get(image.mode, image.mode) or name == "blank_image"
        if name == "blank_image":
            assert out.mode == image.mode


@pytest.mark.parametrize("name", TEXT)
@SETTINGS
@given(question=hst.questions(), seed=hst.seeds(), key=hst.keys(), noise=st.text(max_size=12))
def test_text_corruptions(name, question, seed, key, noise):
    text = question + noise
    c = hc.make(name)
    out, rec = c.apply_text(text, seed=seed, key=key)
    assert isinstance(out, str)
    assert out.count("<image>") == text.count("<image>")
    assert (out, rec) == c.apply_text(text, seed=seed, key=key)
    if not rec["applied"]:
        assert out == text and rec["reason"]


@pytest.mark.parametrize("name", SAMPLE)
@SETTINGS
@given(n=st.integers(0, 3), question=hst.questions(max_images=0), seed=hst.seeds())
def test_sample_corruptions_keep_placeholders_consistent(name, n, question, seed):
    text = "<image>" * n + question
    imgs = [Image.new("RGB", (20, 10), (0, 0, 200)) for _ in range(n)]
    pipe = hc.Pipeline([hc.make(name)], seed=seed)
    out, _ = pipe.apply(
        {"images": imgs, "text": text}, key=seed, image_column="images", text_column="text"
    )
    assert len(out["images"]) == out["text"].count("<image>")


@SETTINGS
@given(n=st.integers(0, 400), ratio=st.floats(0, 1), seed=st.integers(0, 2**31))
def test_exact_ratio_for_any_n(n, ratio, seed):
    keys = [f"k{i}" for i in range(n)]
    threshold = exact_threshold(seed, keys, ratio, "__select__")
    assert sum(is_selected(seed, k, "__select__", 0, threshold) for k in keys) == round(ratio * n)
