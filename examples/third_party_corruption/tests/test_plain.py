"""The example package's own tests, written with hallucue_corrupt's test kit."""

from __future__ import annotations

import numpy as np
import third_party_corruption  # noqa: F401 - registers the corruptions
from hypothesis import given, settings
from PIL import Image

import hallucue_corrupt as hc
from hallucue_corrupt.testing import check_corruption, parametrize_corruptions
from hallucue_corrupt.testing import strategies as hst


@parametrize_corruptions("third_party_corruption")
def test_contract_quick(corruption):
    check_corruption(corruption, quick=True)


def test_contract_with_explicit_params():
    check_corruption(hc.make("salt_and_pepper", amount=0.5), quick=True)


@settings(max_examples=30, deadline=None)
@given(image=hst.pil_images(modes=["L", "RGB"], min_side=4), key=hst.keys())
def test_salt_and_pepper_hits_the_expected_fraction(image, key):
    out, record = hc.make("salt_and_pepper", amount=0.5).apply_image(image, key=key)
    assert isinstance(out, Image.Image) and out.size == image.size
    assert record["amount"] == 0.5 and 0 <= record["pixels_hit"] <= image.width * image.height


@settings(max_examples=30, deadline=None)
@given(question=hst.questions())
def test_mask_numbers_keeps_placeholders_and_templates(question):
    out, record = hc.make("mask_numbers", rate=1.0).apply_text(question, key=0)
    assert out.count("<image>") == question.count("<image>")
    assert not any(ch.isdigit() for ch in out)
    assert record["applied"] == any(ch.isdigit() for ch in question)


def test_demo_rows_through_a_pipeline():
    rows = hc.testing.demo_rows(4)
    pipe = hc.Pipeline([hc.make("salt_and_pepper", severity=5), hc.make("mask_numbers")])
    for row in rows:
        out, record = pipe.apply(row, key=row["id"], image_column="image", text_column="problem")
        assert not np.array_equal(np.asarray(out["image"]), np.asarray(row["image"]))
        again = hc.replay(record, row, image_column="image", text_column="problem")
        assert hc.testing.fingerprint(again) == hc.testing.fingerprint(out)
