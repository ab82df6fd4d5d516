"""Small inputs for tests of corruptions, built locally: images of every mode, questions in
the formats of real benchmarks, chat messages, demo rows and tiny datasets (some broken).

The contract of :func:`hallucue_corrupt.testing.check_corruption` runs on these; they are
exported so a user's own tests need not rebuild them by hand.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

from ..media import ImageRef, MediaError
from ..pool import ListPool

__all__ = [
    "MODES",
    "QUESTIONS",
    "TEMPLATES",
    "accepted_arrays",
    "demo_rows",
    "donor_pool",
    "messages",
    "png_bytes",
    "textured",
    "tiny_dataset",
]

#: Every PIL mode users meet (1-bit, gray, gray+alpha, palette, RGB(A), CMYK, 16/32-bit, float).
MODES: tuple[str, ...] = ("1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F")

#: Instruction templates from real benchmarks; a text corruption must keep them.
TEMPLATES: tuple[str, ...] = (
    "Answer step by step and put the final answer in \\boxed{}.",
    "Please answer the question and provide the correct option letter, e.g., A, B, C, D, "
    "at the end.",
    "You FIRST think about the reasoning process as an internal monologue and then provide "
    "the final answer.",
)

#: Questions in the shapes of Geometry3K, MathVerse, MathVista and WeMath: LaTeX conditions,
#: a figure description, answer choices, a template line and ``<image>`` placeholders.
QUESTIONS: tuple[str, ...] = (
    "<image>In triangle $ABC$, $AB = 5$ cm and $\\angle ABC = 30^\\circ$. The figure shows a "
    "kite. Find $AC$.\n" + TEMPLATES[0],
    "<image>\nAs shown in the figure, $AB$ is the diameter of circle $O$ and $\\angle BOC = "
    "50^\\circ$. Let $x = 3.5$ and $y = 12$. What is $\\angle A$?\nChoices:\nA. 25\nB. 30\n"
    "C. 40\nD. 50\n" + TEMPLATES[1],
    "Given $a = 2$, $b = 7$ and $c = 11$. Compare the bars <image> and <image>. Which is "
    "taller?\n" + TEMPLATES[2],
)


def textured(size: tuple[int, int] = (40, 32), mode: str = "RGB", seed: int = 0) -> Image.Image:
    """A noisy image of ``size`` (width, height) in ``mode``: every pixel differs, so any
    change to it shows."""
    width, height = size
    arr = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(arr).convert(mode)


def png_bytes(size: tuple[int, int] = (40, 32), mode: str = "RGB", seed: int = 0) -> bytes:
    """A :func:`textured` image encoded losslessly (PNG, or TIFF for modes PNG cannot hold)."""
    buf = io.BytesIO()
    img = textured(size, mode, seed)
    img.save(buf, format="PNG" if mode not in ("CMYK", "I", "F") else "TIFF")
    return buf.getvalue()


def donor_pool(n: int = 6) -> ListPool:
    """A donor pool of ``n`` small RGB images keyed ``donor0``... (for ``random_image``)."""
    images = [textured((24, 20), seed=100 + i) for i in range(n)]
    return ListPool(images, [f"donor{i}" for i in range(n)])


def messages(question: str, *, style: str = "verl", system: str | None = "Be brief.") -> list[Any]:
    """``question`` as chat messages: ``verl`` (string content with ``<image>``) or ``trl``
    (content parts, one ``{"type": "image"}`` part per placeholder, placeholders removed)."""
    out: list[dict[str, Any]] = []
    if system is not None:
        out.append({"role": "system", "content": system})
    if style == "verl":
        out.append({"role": "user", "content": question})
    elif style == "trl":
        n = question.count("<image>")
        parts: list[dict[str, Any]] = [{"type": "image"} for _ in range(n)]
        parts.append({"type": "text", "text": question.replace("<image>", "").strip()})
        out.append({"role": "user", "content": parts})
    else:
        raise ValueError(f"style must be 'verl' or 'trl', got {style!r}")
    return out


def _array_candidates() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)
    return {
        "uint8 HxW": u8[:, :, 0].copy(),
        "uint8 HxWx1": u8[:, :, :1].copy(),
        "uint8 HxWx3": u8,
        "uint8 HxWx4": np.concatenate([u8, u8[:, :, :1]], axis=2),
        "uint16 HxW": (u8[:, :, 0].astype(np.uint16) * 257),
        "float32 HxW [0,1]": u8[:, :, 0].astype(np.float32) / 255,
        "float32 HxWx3 [0,1]": u8.astype(np.float32) / 255,
        "uint8 3xHxW": np.ascontiguousarray(u8.transpose(2, 0, 1)),
        "float32 3xHxW [0,1]": np.ascontiguousarray(u8.transpose(2, 0, 1)).astype(np.float32) / 255,
    }


def accepted_arrays() -> dict[str, np.ndarray]:
    """The array dtypes and layouts this version of :class:`~hallucue_corrupt.ImageRef`
    accepts, found at run time (one small example of each), by label."""
    out = {}
    for label, arr in _array_candidates().items():
        try:
            ImageRef(arr).size  # noqa: B018 - construction and the header decide
        except MediaError:
            continue
        out[label] = arr
    return out


def demo_rows(n: int = 4) -> list[dict[str, Any]]:
    """The first ``n`` rows of the bundled demo set as dicts (``id``, ``image`` as PIL,
    ``problem`` with ``<image>``, ``answer``, ``type``)."""
    from ..demo import load_demo

    ds = load_demo()
    if not 0 <= n <= len(ds):
        raise ValueError(f"demo_rows: n must be 0..{len(ds)}, got {n}")
    return [dict(row) for row in ds.select(range(n))]


def tiny_dataset(n: int = 8, *, with_broken: int | bool = 0) -> Any:
    """A ``datasets.Dataset`` of ``n`` rows (``id``, ``image``, ``problem``, ``answer``),
    built locally. ``with_broken`` rows at the end (``True`` means one) hold truncated PNG
    bytes, for tests of ``on_error`` and donor validation."""
    from datasets import Dataset, Features, Value
    from datasets import Image as ImageFeature

    broken = int(with_broken)
    if not 0 <= broken <= n:
        raise ValueError(f"tiny_dataset: with_broken must be 0..{n}, got {with_broken}")
    images = [png_bytes((24, 16), seed=i) for i in range(n)]
    for i in range(n - broken, n):
        images[i] = images[i][: len(images[i]) // 2]
    return Dataset.from_dict(
        {
            "id": [f"q{i:03d}" for i in range(n)],
            "image": [{"bytes": b, "path": None} for b in images],
            "problem": [QUESTIONS[i % 2] for i in range(n)],
            "answer": [str(i) for i in range(n)],
        },
        features=Features(
            {
                "id": Value("string"),
                "image": ImageFeature(),
                "problem": Value("string"),
                "answer": Value("string"),
            }
        ),
    )
