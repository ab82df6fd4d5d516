"""Shared fixtures: small datasets built locally (no hub)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from datasets import Dataset, Features, Image, List, Value
from PIL import Image as PILImage


def png_bytes(seed: int, size: tuple[int, int] = (24, 16), mode: str = "RGB") -> bytes:
    """A small noisy PNG, different for each seed."""
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "RGBA": 4}.get(mode)
    shape = (size[1], size[0], channels) if channels else (size[1], size[0])
    img = PILImage.fromarray(rng.integers(0, 256, shape, dtype=np.uint8))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


QUESTION = (
    "<image>In triangle $ABC$, $AB = {a}$ cm and $\\angle ABC = {b}^\\circ$. Find $AC$.\n"
    "Answer step by step and put the final answer in \\boxed{{}}."
)


def make_dataset(n: int = 12) -> Dataset:
    return Dataset.from_dict(
        {
            "id": [f"q{i:03d}" for i in range(n)],
            "image": [{"bytes": png_bytes(i), "path": None} for i in range(n)],
            "problem": [QUESTION.format(a=i + 2, b=30 + i) for i in range(n)],
            "answer": [str(i) for i in range(n)],
            "score": [float(i) / 2 for i in range(n)],
        },
        features=Features(
            {
                "id": Value("string"),
                "image": Image(),
                "problem": Value("string"),
                "answer": Value("string"),
                "score": Value("float32"),
            }
        ),
    )


def make_multi_image_dataset(n: int = 8) -> Dataset:
    """verl-style rows: a list of images and chat messages with one <image> per image."""
    rows: dict[str, list[Any]] = {"images": [], "prompt": []}
    for i in range(n):
        k = 1 + i % 3
        rows["images"].append([{"bytes": png_bytes(100 * i + j), "path": None} for j in range(k)])
        text = "<image>" * k + f"Given $x = {i}.5$ and $y = {i}$. Find $x + y$. Think step by step."
        rows["prompt"].append(
            [
                {"role": "system", "content": "You are helpful. Be brief."},
                {"role": "user", "content": text},
            ]
        )
    return Dataset.from_dict(
        rows,
        features=Features(
            {
                "images": List(Image()),
                "prompt": List({"role": Value("string"), "content": Value("string")}),
            }
        ),
    )


def dataset_hash(ds: Dataset) -> str:
    """A hash over every value of every row, images as their stored bytes."""
    from hallucue_corrupt.features import with_decode

    raw = ds.cast(with_decode(ds.features, False)) if ds.features else ds
    digest = hashlib.sha256()
    for row in raw:
        digest.update(json.dumps(row, sort_keys=True, default=lambda b: b.hex()).encode())
    return digest.hexdigest()


@pytest.fixture
def small_ds() -> Dataset:
    return make_dataset()


@pytest.fixture
def multi_ds() -> Dataset:
    return make_multi_image_dataset()


@pytest.fixture(autouse=True)
def _registry_restored():
    """Corruptions a test registers leave with it, so the suite can run twice in one
    process (mutmut's clean run does) and tests do not see each other's classes."""
    from hallucue_corrupt import registry

    saved = dict(registry._REGISTRY)
    yield
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)


@pytest.fixture(autouse=True)
def _caches_cleared_under_mutmut():
    """Under mutmut, each test starts with the library's caches empty. mutmut runs the
    clean suite in its parent process and forks one child per mutant: a child would
    otherwise answer from what the clean run cached (the parse cache, PNG tables) and never
    run the mutated function, so its mutants would survive whatever the tests assert."""
    if "MUTANT_UNDER_TEST" in os.environ:
        for name, module in list(sys.modules.items()):
            if name.startswith("hallucue_corrupt"):
                for value in list(vars(module).values()):
                    if callable(getattr(value, "cache_clear", None)):
                        value.cache_clear()
        _own_datasets_cache()
    yield


def _own_datasets_cache() -> None:
    """A ``datasets`` cache folder for this process alone. With filelock 3.32 (what the
    ``lmms_eval`` extra's ``filelock<4`` resolves to), a forked mutant's
    ``Dataset.from_json`` failed on ``FileLock ... was inherited across fork`` for the
    lock file the parent's clean run had used: every mutant whose tests build a dataset
    from a file counted as killed, whatever the mutation. Another folder is another
    lock file."""
    import datasets

    own = Path(tempfile.gettempdir()) / f"hallucue-mutmut-{os.getpid()}"
    datasets.config.HF_DATASETS_CACHE = own
