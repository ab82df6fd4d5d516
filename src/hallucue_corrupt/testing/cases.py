"""The inputs the contract runs a corruption on: rows of each field form, by modality,
and the grid of PIL modes and odd sizes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..base import Corruption
from ..media import ImageRef
from .samples import MODES, QUESTIONS, accepted_arrays, messages, textured

__all__ = ["KEYS", "SEED", "Case", "cases", "mode_cases"]

SEED = 1234
KEYS = ("k0", "k1", 17, "k3", "k4", "k5", "k6", "k7")
QUICK_SIZES = ((1, 1), (3, 2), (33, 17))
FULL_SIZES = ((1, 1), (1, 9), (9, 1), (2, 2), (3, 5), (17, 31), (64, 48))


@dataclasses.dataclass(frozen=True)
class Case:
    """One input: a row, the columns the corruption reads, and a label for messages."""

    label: str
    row: dict[str, Any]
    image_column: str | None = None
    text_column: str | None = None

    def columns(self) -> dict[str, Any]:
        return {"image_column": self.image_column, "text_column": self.text_column}

    def fields(self) -> list[str]:
        return [c for c in (self.image_column, self.text_column) if c is not None]


def _image_cases(quick: bool) -> list[Case]:
    pil = textured((40, 32), seed=1)
    png = ImageRef(pil).data
    cases = [
        Case("image: PIL RGB 40x32", {"image": pil}, "image"),
        Case("image: PNG bytes", {"image": png}, "image"),
        Case(
            "image: datasets dict {bytes, path}", {"image": {"bytes": png, "path": None}}, "image"
        ),
        Case("image: uint8 HxWx3 array", {"image": np.asarray(pil).copy()}, "image"),
        Case(
            "images: list of PIL RGBA and L",
            {"images": [textured((20, 16), "RGBA", 2), textured((16, 20), "L", 3)]},
            "images",
        ),
    ]
    if not quick:
        for label, arr in accepted_arrays().items():
            cases.append(Case(f"image: {label} array", {"image": arr}, "image"))
    return cases


def _text_cases() -> list[Case]:
    return [
        *(
            Case(f"text: question {i}", {"problem": q}, None, "problem")
            for i, q in enumerate(QUESTIONS)
        ),
        Case("text: verl messages", {"prompt": messages(QUESTIONS[1])}, None, "prompt"),
        Case("text: TRL messages", {"prompt": messages(QUESTIONS[2], style="trl")}, None, "prompt"),
    ]


def _sample_cases() -> list[Case]:
    one, two = textured((40, 32), seed=4), textured((24, 24), "RGBA", seed=5)
    return [
        Case(
            "sample: PIL image + question",
            {"image": one, "problem": QUESTIONS[0]},
            "image",
            "problem",
        ),
        Case(
            "sample: PNG bytes list + verl messages",
            {"images": [ImageRef(one).data], "prompt": messages(QUESTIONS[1])},
            "images",
            "prompt",
        ),
        Case(
            "sample: two images + TRL messages",
            {"images": [one, two], "prompt": messages(QUESTIONS[2], style="trl")},
            "images",
            "prompt",
        ),
    ]


def cases(corruption: Corruption, quick: bool) -> list[Case]:
    if corruption.modality == "image":
        return _image_cases(quick)
    if corruption.modality == "text":
        return _text_cases()
    return _sample_cases()


def mode_cases(corruption: Corruption, quick: bool) -> Iterator[Case]:
    if corruption.modality == "text":
        return
    sizes = QUICK_SIZES if quick else FULL_SIZES
    for mode in MODES:
        for size in sizes:
            image = textured(size, mode, seed=size[0] * 7 + size[1])
            label = f"PIL {mode} {size[0]}x{size[1]}"
            values: list[tuple[str, Any]] = [(label, image)]
            if not quick:
                values.append((f"{label} as encoded bytes", ImageRef(image).data))
            for name, value in values:
                if corruption.modality == "image":
                    yield Case(f"image: {name}", {"image": value}, "image")
                else:
                    row = {"image": value, "problem": QUESTIONS[0]}
                    yield Case(f"sample: {name} + question", row, "image", "problem")
