"""Synthetic image datasets for the benchmarks, built locally and cached on disk."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import cv2
import numpy as np
from datasets import Dataset, Features, Image, Value, load_from_disk
from PIL import Image as PILImage

UNIQUE = 200  # distinct images; rows beyond reuse their bytes (same sizes, same work)


def smooth_png(seed: int, size: int) -> bytes:
    """A smooth random colour field (bicubic 8x8 upsampled): PNG ~160 KB at 512 px."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    arr = cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)
    buf = io.BytesIO()
    PILImage.fromarray(arr).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def noise_png(seed: int, size: int) -> bytes:
    """Uniform random pixels, incompressible: PNG ~770 KB at 512 px (the MISSION setup)."""
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    PILImage.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(
        buf, format="PNG", compress_level=1
    )
    return buf.getvalue()


def diagram_array(seed: int, size: int) -> np.ndarray:
    """A geometry-style figure: white background, thin black lines and a few labels, as in
    Geometry3K."""
    rng = np.random.default_rng(seed)
    arr = np.full((size, size, 3), 255, dtype=np.uint8)
    points = rng.integers(size // 10, size - size // 10, (6, 2))
    for i in range(len(points)):
        a, b = points[i], points[(i + 1) % len(points)]
        cv2.line(arr, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), (0, 0, 0), 2, cv2.LINE_AA)
    for i, (x, y) in enumerate(points):
        cv2.putText(
            arr,
            "ABCDEF"[i],
            (int(x) + 4, int(y) - 4),
            cv2.FONT_HERSHEY_SIMPLEX,
            size / 800,
            (0, 0, 0),
            1,
            cv2.LINE_AA,
        )
    return arr


def diagram_png(seed: int, size: int) -> bytes:
    """:func:`diagram_array` as PNG: about 10-30 KB at 512 px."""
    buf = io.BytesIO()
    PILImage.fromarray(diagram_array(seed, size)).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


KINDS = {"noise": noise_png, "smooth": smooth_png, "diagram": diagram_png}


def question(i: int) -> str:
    return (
        f"<image>In triangle $ABC$, $AB = {i % 17 + 3}$ cm and "
        f"$\\angle ABC = {i % 80 + 10}^\\circ$. "
        f"The point $D$ lies on $BC$ with $BD = {i % 5 + 1}.5$. Find $AD$.\n"
        "Please reason step by step, and put your final answer within \\boxed{}."
    )


def build(n: int, size: int, cache: Path, kind: str = "noise") -> Dataset:
    """``n`` rows (id, image, problem, answer) saved under ``cache`` and memory-mapped back,
    as a user's dataset loaded from disk would be."""
    path = cache / f"synthetic-{kind}-{n}-{size}"
    if (path / "dataset_info.json").exists():
        return load_from_disk(str(path))
    pngs = [KINDS[kind](i, size) for i in range(min(n, UNIQUE))]

    def rows():  # type: ignore[no-untyped-def]
        for i in range(n):
            yield {
                "id": f"row-{i:06d}",
                "image": {"bytes": pngs[i % len(pngs)], "path": None},
                "problem": question(i),
                "answer": str(i % 97),
            }

    features = Features(
        {
            "id": Value("string"),
            "image": Image(),
            "problem": Value("string"),
            "answer": Value("string"),
        }
    )
    with tempfile.TemporaryDirectory(dir=cache) as tmp:  # the generator's copy is not kept
        Dataset.from_generator(rows, features=features, cache_dir=tmp).save_to_disk(str(path))
    return load_from_disk(str(path))
