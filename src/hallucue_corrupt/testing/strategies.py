"""Hypothesis strategies for property tests of corruptions (needs ``hypothesis``).

- :func:`pil_images`: every PIL mode, sizes from 1x1.
- :func:`image_arrays`: each dtype/layout this version of :class:`~hallucue_corrupt.ImageRef`
  accepts (found at run time, so newer layouts appear when the library supports them).
- :func:`image_values`: any image form (PIL, array, encoded bytes, datasets dict).
- :func:`questions`: questions assembled from real benchmark formats (LaTeX conditions,
  figure descriptions, choices blocks, instruction templates, ``<image>`` placeholders).
- :func:`chat_messages`: verl (string content) or TRL (content parts) messages.
- :func:`keys`, :func:`seeds`: sample keys and seeds.

Example::

    from hypothesis import given
    from hallucue_corrupt.testing import strategies as hst

    @given(image=hst.pil_images(), key=hst.keys())
    def test_my_corruption(image, key): ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from PIL import Image

from ..media import ImageRef
from .samples import MODES, TEMPLATES, accepted_arrays, messages

__all__ = [
    "chat_messages",
    "image_arrays",
    "image_values",
    "keys",
    "pil_images",
    "questions",
    "seeds",
]


@st.composite
def pil_images(
    draw: st.DrawFn, modes: Sequence[str] = MODES, min_side: int = 1, max_side: int = 48
) -> Image.Image:
    """A noisy PIL image in one of ``modes``, each side in [min_side, max_side]."""
    width = draw(st.integers(min_side, max_side))
    height = draw(st.integers(min_side, max_side))
    seed = draw(st.integers(0, 2**32 - 1))
    arr = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(arr).convert(draw(st.sampled_from(list(modes))))


@st.composite
def image_arrays(draw: st.DrawFn, max_side: int = 48) -> np.ndarray:
    """An array in one of the dtypes and layouts :class:`~hallucue_corrupt.ImageRef`
    accepts (uint8/uint16 HxW, HxWxC; float in [0, 1] and CHW where supported)."""
    layouts = accepted_arrays()
    label = draw(st.sampled_from(sorted(layouts)))
    example = layouts[label]
    height, width = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    chw = "xHxW" in label
    shape = list(example.shape)
    if chw:
        shape[1:3] = [height, width]
    else:
        shape[0:2] = [height, width]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if example.dtype.kind == "f":
        return rng.random(shape).astype(example.dtype)
    top = int(np.iinfo(example.dtype).max) + 1
    return rng.integers(0, top, shape, dtype=example.dtype)


def image_values() -> st.SearchStrategy[Any]:
    """Any image form: PIL, array, PNG/TIFF bytes or a ``{"bytes", "path"}`` dict."""
    encoded = pil_images().map(lambda img: ImageRef(img).data)
    return st.one_of(
        pil_images(),
        image_arrays(),
        encoded,
        encoded.map(lambda data: {"bytes": data, "path": None}),
    )


_NAMES = st.sampled_from(["ABC", "PQR", "XYZ", "DEF"])
_NUMBERS = st.one_of(
    st.integers(1, 360).map(str),
    st.floats(0.1, 99, allow_nan=False).map(lambda x: f"{x:.1f}"),
    st.sampled_from(["\\frac{1}{2}", "\\sqrt{3}", "2\\pi"]),
)


@st.composite
def _condition(draw: st.DrawFn) -> str:
    name = draw(_NAMES)
    value = draw(_NUMBERS)
    form = draw(st.integers(0, 3))
    if form == 0:
        return f"In triangle ${name}$, ${name[:2]} = {value}$ cm."
    if form == 1:
        return f"$\\angle {name} = {value}^\\circ$."
    if form == 2:
        return f"Let $x = {value}$ and $y = {draw(_NUMBERS)}$."
    return f"The radius of circle $O$ is {value} units."


_DESCRIPTIONS = st.sampled_from(
    [
        "As shown in the figure, $AB$ is the diameter of circle $O$.",
        "The figure shows a kite.",
        "The bar chart shows sales per year.",
        "",
    ]
)
_ASKS = st.sampled_from(
    ["Find $AC$.", "What is the area?", "Find $x$.", "Which bar is the tallest?"]
)


@st.composite
def _choices(draw: st.DrawFn) -> str:
    values = draw(st.lists(_NUMBERS, min_size=2, max_size=4, unique=True))
    letters = "ABCD"[: len(values)]
    style = draw(st.integers(0, 2))
    if style == 0:
        return "Choices: " + " ".join(f"{k}. {v}" for k, v in zip(letters, values, strict=True))
    if style == 1:
        return "Choices:\n" + "\n".join(f"({k}) {v}" for k, v in zip(letters, values, strict=True))
    return "\n".join(f"{k}: {v}" for k, v in zip(letters, values, strict=True))


@st.composite
def questions(draw: st.DrawFn, max_images: int = 2) -> str:
    """A question as benchmarks write them: placeholders, conditions, a description, the
    ask, maybe choices, and an instruction template from :data:`TEMPLATES`."""
    n_images = draw(st.integers(0, max_images))
    parts = [draw(_condition()) for _ in range(draw(st.integers(0, 3)))]
    parts.insert(draw(st.integers(0, len(parts))), draw(_DESCRIPTIONS))
    body = " ".join(p for p in parts if p) + " " + draw(_ASKS)
    if n_images and draw(st.booleans()):  # placeholders inline, as some sets write them
        words = body.split(" ")
        for _ in range(n_images):
            words.insert(draw(st.integers(0, len(words))), "<image>")
        body = " ".join(words)
    else:
        body = "<image>" * n_images + body.strip()
    if draw(st.booleans()):
        body += "\n" + draw(_choices())
    return body + "\n" + draw(st.sampled_from(TEMPLATES))


@st.composite
def chat_messages(draw: st.DrawFn, max_images: int = 2) -> list[dict[str, Any]]:
    """A :func:`questions` question as verl or TRL chat messages, with or without a system
    prompt."""
    question = draw(questions(max_images))
    system = draw(st.sampled_from([None, "You are a helpful assistant.", "Be brief."]))
    return messages(question, style=draw(st.sampled_from(["verl", "trl"])), system=system)


def keys() -> st.SearchStrategy[Any]:
    """Sample keys as datasets hold them: strings and integers."""
    return st.one_of(st.text(max_size=12), st.integers(0, 2**63 - 1))


def seeds() -> st.SearchStrategy[int]:
    """Run seeds (non-negative 32-bit)."""
    return st.integers(0, 2**32 - 1)
