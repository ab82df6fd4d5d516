import copy
import json
from typing import Any

import pytest
from PIL import Image

import hallucue_corrupt as hc

from .conftest import png_bytes


def test_list_corruptions_has_the_paper_three():
    names = hc.list_corruptions()
    assert names["blank_image"] == "image" and names["random_image"] == "image"
    assert names["remove_text"] == "text"


def test_unknown_name_suggests_closest():
    with pytest.raises(hc.UnknownCorruption, match="did you mean 'remove_text'"):
        hc.make("remove_txt")


def test_invalid_params_name_the_field():
    with pytest.raises(hc.InvalidParams, match=r"blank_image: size"):
        hc.make("blank_image", size=(0, 4))
    with pytest.raises(hc.InvalidParams, match="fll"):
        hc.make("blank_image", fll="white")
    with pytest.raises(hc.InvalidParams, match="ratio"):
        hc.Pipeline([hc.make("blank_image")], ratio=1.5)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_config_round_trips(tmp_path, suffix):
    pipe = hc.Pipeline(
        [
            hc.make("random_image", max_tries=3),
            hc.make("remove_text", extra_patterns=["^Q:"]),
            hc.make("blank_image", fill=(1, 2, 3), size=(8, 9)),
        ],
        ratio=0.3,
        seed=42,
        selection="bernoulli",
        epoch=2,
    )
    cfg = pipe.to_config(tmp_path / f"pipe{suffix}")
    assert json.loads(json.dumps(cfg)) == cfg
    assert hc.Pipeline.from_config(cfg) == pipe
    loaded = hc.Pipeline.from_config(tmp_path / f"pipe{suffix}")
    assert loaded == pipe and loaded.to_config() == cfg
    assert loaded.config_hash == pipe.config_hash


def test_config_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.yaml"):
        hc.Pipeline.from_config(tmp_path / "nope.yaml")
    with pytest.raises(hc.InvalidParams, match="corruptions"):
        hc.Pipeline.from_config({"seed": 1, "corruptions": []})
    with pytest.raises(hc.InvalidParams, match="colour"):
        hc.Pipeline.from_config({"colour": 1, "corruptions": [{"name": "blank_image"}]})


def test_third_party_corruption_joins_the_registry():
    @hc.register("invert_test")
    class Invert(hc.ImageCorruption):
        """Invert colours (test)."""

        def transform(
            self, image: hc.ImageRef, drawn: Any, ctx: hc.Context
        ) -> tuple[Any, dict[str, Any]]:
            from PIL import ImageOps

            return ImageOps.invert(image.pil().convert("RGB")), {"intensity": 1.0}

    assert hc.list_corruptions()["invert_test"] == "image"
    pipe = hc.Pipeline.from_config({"corruptions": [{"name": "invert_test"}]})
    out, rec = pipe.apply(
        {"image": Image.new("RGB", (2, 2), (0, 10, 20))}, key=0, image_column="image"
    )
    assert out["image"].getpixel((0, 0)) == (255, 245, 235)
    assert rec["corruptions"][0]["name"] == "invert_test"
    with pytest.raises(ValueError, match="already registered"):
        hc.register("invert_test")(type("Other", (hc.ImageCorruption,), {}))


def test_apply_never_mutates_the_caller():
    row = {
        "images": [png_bytes(1), png_bytes(2)],
        "prompt": [
            {
                "role": "user",
                "content": [
                    {"type": "image"},
                    {"type": "image"},
                    {"type": "text", "text": "Let $x=2$. Find x. Answer step by step."},
                ],
            }
        ],
    }
    before = copy.deepcopy(row)
    pipe = hc.Pipeline([hc.make("random_image"), hc.make("remove_text")])
    out, rec = pipe.apply(
        row,
        key=0,
        image_column="images",
        text_column="prompt",
        pool=[png_bytes(i) for i in range(4)],
    )
    assert row == before
    assert out["prompt"][0]["content"][2]["text"] == "Answer step by step."
    assert json.loads(hc.records.dumps(rec)) == rec


def test_placeholder_mismatch_after_corruption_is_an_error():
    @hc.register("drop_test_text")
    class DropAll(hc.TextCorruption):
        def transform(self, text: str, drawn: Any, ctx: hc.Context) -> tuple[str, dict[str, Any]]:
            return "", {}

    pipe = hc.Pipeline([hc.make("drop_test_text")])
    with pytest.raises(hc.FieldError, match=r"sample 'k1'.*placeholders"):
        pipe.apply(
            {"image": png_bytes(0), "problem": "<image>Find x."},
            key="k1",
            image_column="image",
            text_column="problem",
        )


def test_epoch_changes_the_draws_but_not_per_epoch():
    pool = [png_bytes(i) for i in range(50)]
    pipe = hc.Pipeline([hc.make("random_image")])
    donors = {
        e: [
            pipe.apply({"i": pool[k]}, key=k, image_column="i", pool=pool, epoch=e)[1][
                "corruptions"
            ][0]["donor_key"]
            for k in range(50)
        ]
        for e in (0, 1)
    }
    assert donors[0] != donors[1]
    again = [
        pipe.apply({"i": pool[k]}, key=k, image_column="i", pool=pool, epoch=0)[1]["corruptions"][
            0
        ]["donor_key"]
        for k in range(50)
    ]
    assert again == donors[0]
