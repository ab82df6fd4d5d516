"""The catalogue of issue 3: graded image, text and cross-modal corruptions, composition."""

import io
import itertools

import numpy as np
import pytest
from PIL import Image

import hallucue_corrupt as hc
from hallucue_corrupt.functional import image as F
from hallucue_corrupt.media import ImageRef

from .conftest import make_multi_image_dataset, png_bytes

GRADED = [
    "gaussian_noise",
    "gaussian_blur",
    "downsample",
    "jpeg_compression",
    "patch_mask",
    "occlusion",
    "patch_shuffle",
    "contrast",
    "grayscale",
]
RANDOM = {"gaussian_noise", "patch_mask", "occlusion", "patch_shuffle"}


def textured(size=(96, 72), seed=0) -> Image.Image:
    """A colourful image with edges at every scale (blur, downsampling and JPEG all show)."""
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    return Image.fromarray(arr)


def psnr_to(src: Image.Image, out: Image.Image) -> float:
    return F.psnr(F.to_unit(ImageRef(src))[0], F.to_unit(ImageRef(out))[0])


@pytest.mark.parametrize("name", GRADED)
def test_effect_grows_with_severity(name):
    src = textured()
    curve = [
        np.mean(
            [psnr_to(src, hc.make(name, severity=s).apply_image(src, key=k)[0]) for k in range(6)]
        )
        for s in (1, 2, 3, 4, 5)
    ]
    assert all(a > b for a, b in itertools.pairwise(curve)), curve
    assert curve[0] < 60  # even severity 1 is visible


@pytest.mark.parametrize("name", GRADED)
def test_severity_is_recorded(name):
    """Determinism, keys, JSON records, every mode and size: the contract
    (tests/test_testing_kit.py); here what a graded record says about its severity."""
    src = png_bytes(5, (40, 30))
    c = hc.make(name, severity=4)
    a, rec = c.apply_image(src, seed=1, key="k")
    assert isinstance(a, bytes) and Image.open(io.BytesIO(a)).size == (40, 30)
    assert rec["params"]["severity"] == 4.0 and rec["intensity"] == 0.8
    assert rec[c.VALUE] == pytest.approx(c.LEVELS[3])
    assert ("rng_seed" in rec.get("drawn", [])) == (name in RANDOM)


@pytest.mark.parametrize("name", GRADED)
@pytest.mark.parametrize(
    ("dtype", "channels"),
    [
        ("uint8", 0),
        ("uint8", 1),
        ("uint8", 3),
        ("uint8", 4),
        ("uint16", 0),
        ("uint16", 1),
        ("float32", 0),
        ("float32", 1),
    ],
)
def test_arrays_keep_shape_and_dtype(name, dtype, channels):
    shape = (20, 30) if channels == 0 else (20, 30, channels)
    arr = (np.random.default_rng(0).random(shape) * (255 if dtype == "uint8" else 1000)).astype(
        dtype
    )
    if dtype == "float32":
        arr = arr / 1000
    out, _ = hc.make(name).apply_image(arr, key=1)
    assert out.shape == arr.shape and out.dtype == arr.dtype
    if channels == 4:
        assert np.array_equal(out[:, :, 3], arr[:, :, 3])  # alpha kept


def test_from_unit_works_in_place_only_when_told():
    unit, how = F.to_unit(ImageRef(textured()))
    unit[0, 0] = [1.5, -0.5, 0.25]  # out of range: clipping has something to change
    before = unit.copy()
    out = F.from_unit(unit, how)
    assert np.array_equal(unit, before)  # the caller's array is left alone by default
    assert np.asarray(out)[0, 0].tolist() == [255, 0, 64]
    frozen = before.copy()
    frozen.flags.writeable = False  # a read-only array is copied even when consumed
    assert np.array_equal(np.asarray(F.from_unit(frozen, how, consume=True)), np.asarray(out))
    assert np.array_equal(np.asarray(F.from_unit(unit, how, consume=True)), np.asarray(out))
    assert unit.max() == 255.0  # consumed: the buffer was reused for the result


def test_explicit_parameter_overrides_severity():
    src = textured()
    _, rec = hc.make("gaussian_noise", severity=1, sigma=0.5).apply_image(src)
    assert rec["sigma"] == 0.5
    out, rec = hc.make("patch_mask", rate=0.5, patch_size=8).apply_image(textured((64, 64)))
    assert rec["masked_patches"] == 32 and rec["patches"] == 64
    black = np.all(
        np.asarray(out).reshape(8, 8, 8, 8, 3).transpose(0, 2, 1, 3, 4) == 0, axis=(2, 3, 4)
    )
    assert black.sum() == 32


def test_fractional_severity_interpolates():
    assert hc.make("gaussian_noise", severity=1.5).value() == pytest.approx((0.08 + 0.12) / 2)
    with pytest.raises(hc.InvalidParams, match="severity"):
        hc.make("gaussian_blur", severity=6)


QUESTION = (
    "<image>In triangle $ABC$, $AB = 5$ cm and $\\angle ABC = 30^\\circ$. The figure shows a kite. "
    "Find $AC$.\nChoices: A. 13 B. 12\nAnswer step by step. Round to 1 decimal place."
)


def run(name, text=QUESTION, **params):
    return hc.make(name, **params).apply_text(text, seed=0, key=7)


def test_remove_question_keeps_only_the_template():
    out, rec = run("remove_question")
    assert out == "<image>\nAnswer step by step. Round to 1 decimal place."
    assert "Choices: A. 13 B. 12" in rec["removed"]


def test_remove_numeric_conditions_keeps_question_and_description():
    out, rec = run("remove_numeric_conditions")
    assert rec["removed"] == ["In triangle $ABC$, $AB = 5$ cm and $\\angle ABC = 30^\\circ$."]
    assert "The figure shows a kite. Find $AC$." in out and "Choices: A. 13 B. 12" in out


def test_replace_numbers_is_plausible_consistent_and_recorded():
    text = (
        "<image>Let $AB = 5$ cm, $CD = 5$ cm, $\\angle A = 30^\\circ$ and $x = 12.75$. "
        "Find $x$. Answer step by step."
    )
    out, rec = run("replace_numbers", text)
    mapping = rec["number_map"]
    assert set(mapping) == {"5", "30", "12.75"}
    assert (
        out.count(f"$AB = {mapping['5']}$ cm") == 1 and out.count(f"$CD = {mapping['5']}$ cm") == 1
    )
    assert len(mapping["5"]) == 1 and mapping["5"] != "5"
    assert 0 < int(mapping["30"]) < 180 and f"{mapping['30']}^\\circ$" in out
    assert len(mapping["12.75"].split(".")[1]) == 2
    assert out.endswith("Find $x$. Answer step by step.")
    assert run("replace_numbers", text) == (out, rec)


def test_remove_choices_and_not_fired():
    out, rec = run("remove_choices")
    assert "Choices" not in out and rec["removed"] == ["Choices: A. 13 B. 12"]
    _, rec = run("remove_choices", "<image>Find x. Answer step by step.")
    assert rec["applied"] is False and "no answer choices" in rec["reason"]


def test_shuffle_and_drop_conditions():
    text = "<image>Let $a = 1$. Let $b = 2$. Let $c = 3$. Find $a+b+c$. Answer step by step."
    out, rec = run("shuffle_conditions", text)
    assert sorted(rec["order"]) == [0, 1, 2] and rec["order"] != [0, 1, 2]
    assert out != text and sorted(out.split(". ")) != out.split(". ")
    for part in ("Let $a = 1$.", "Let $b = 2$.", "Let $c = 3$.", "Find $a+b+c$."):
        assert part in out
    out, rec = run("drop_conditions", text, rate=0.6)
    assert len(rec["removed"]) == 2 and "Find $a+b+c$." in out
    _, rec = run("shuffle_conditions", "<image>Let $a = 1$. Find a.")
    assert rec["applied"] is False


def test_drop_image_fixes_placeholders_in_datasets():
    ds = make_multi_image_dataset(6)
    out = hc.corrupt_dataset(
        ds, hc.Pipeline([hc.make("drop_image")]), image_column="images", text_column="prompt"
    )
    for row in out:
        assert row["images"] == []
        assert "<image>" not in row["prompt"][1]["content"]
        assert hc.records.loads(row["hallucue"])["corruptions"][0]["placeholders_removed"] >= 1


def test_drop_image_single_column_and_trl_parts():
    row = {
        "image": png_bytes(1),
        "prompt": [
            {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Find x."}]}
        ],
    }
    out, rec = hc.Pipeline([hc.make("text_only")]).apply(
        row, key=0, image_column="image", text_column="prompt"
    )
    assert out["image"] is None and out["prompt"][0]["content"] == [
        {"type": "text", "text": "Find x."}
    ]
    assert rec["corruptions"][0]["name"] == "text_only" and rec["applied"]


def test_render_text_to_image_moves_the_question_into_the_image():
    img = Image.new("RGB", (200, 150), (200, 220, 255))
    c = hc.make("render_text_to_image")
    images, text, rec = c.apply_sample([img], QUESTION)
    assert text == "<image>\nAnswer step by step. Round to 1 decimal place."
    out = images[0]
    assert out.width >= 200 and out.height > 150
    assert np.array_equal(np.asarray(out)[:150, (out.width - 200) // 2 :][:, :200], np.asarray(img))
    panel = np.asarray(out)[150:]
    assert (panel < 100).any()  # text was drawn
    assert "Find $AC$." in rec["rendered"] and "Choices: A. 13 B. 12" in rec["rendered"]


def test_one_of_is_per_sample_deterministic_and_covers_children():
    one = hc.make("one_of", corruptions=[hc.make("blank_image"), hc.make("gaussian_noise")])
    pipe = hc.Pipeline([one])
    chosen = []
    for k in range(40):
        _, rec = pipe.apply({"i": png_bytes(k % 3)}, key=k, image_column="i")
        _, again = pipe.apply({"i": png_bytes(k % 3)}, key=k, image_column="i")
        assert rec == again
        (entry,) = rec["corruptions"]
        assert entry["via"] == "one_of"
        chosen.append(entry["name"])
    assert set(chosen) == {"blank_image", "gaussian_noise"}


def test_some_of_and_weights():
    some = hc.make(
        "some_of",
        corruptions=[hc.make("contrast"), hc.make("grayscale"), hc.make("remove_text")],
        n=(2, 2),
        weights=[1, 1, 0],
    )
    pipe = hc.Pipeline([some])
    for k in range(10):
        _, rec = pipe.apply(
            {"i": png_bytes(k), "t": "Let $a=1$. Find a."}, key=k, image_column="i", text_column="t"
        )
        assert [e["name"] for e in rec["corruptions"]] == ["contrast", "grayscale"]
    with pytest.raises(hc.InvalidParams, match="n must satisfy"):
        hc.make("some_of", corruptions=[hc.make("contrast")], n=(1, 2))


def test_probability_p_skips_and_records():
    pipe = hc.Pipeline([hc.make("blank_image", p=0.3)])
    recs = [pipe.apply({"i": png_bytes(0)}, key=k, image_column="i")[1] for k in range(300)]
    ran = sum(r["applied"] for r in recs)
    assert 60 < ran < 120
    skipped = [r for r in recs if not r["applied"]]
    assert skipped[0]["corruptions"][0]["reason"] == "skipped by p=0.3"


def test_nested_config_round_trip_and_schedule(tmp_path):
    pipe = hc.Pipeline(
        [
            hc.make(
                "one_of",
                corruptions=[hc.make("gaussian_noise", severity=2), hc.make("blank_image")],
                weights=[3, 1],
            ),
            hc.make("remove_text", p=0.5),
        ],
        ratio=0.5,
        schedule={
            "severity": {"kind": "linear", "start": 5, "end": 1, "steps": 100},
            "ratio": hc.Schedule(kind="cosine", start=0.0, end=1.0, steps=10),
        },
    )
    cfg = pipe.to_config(tmp_path / "p.yaml")
    assert hc.Pipeline.from_config(tmp_path / "p.yaml") == pipe
    assert hc.Pipeline.from_config(cfg).to_config() == cfg
    mid = pipe.at_step(50)
    assert mid.corruptions[0].children[0].params.severity == 3.0
    assert mid.ratio == 1.0 and pipe.at_step(5).ratio == pytest.approx(0.5)
    assert pipe.at_step(0).ratio == 0.0
    assert hc.Schedule(kind="step", start=1.0, milestones=(10, 20), gamma=0.5)(25) == 0.25


def test_catalogue_is_registered():
    names = hc.list_corruptions()
    for name in [
        *GRADED,
        "drop_image",
        "text_only",
        "render_text_to_image",
        "remove_question",
        "remove_numeric_conditions",
        "replace_numbers",
        "remove_choices",
        "shuffle_conditions",
        "drop_conditions",
        "one_of",
        "some_of",
    ]:
        assert name in names
    assert names["render_text_to_image"] == "multimodal" and names["one_of"] == "composite"
