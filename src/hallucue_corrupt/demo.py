"""The bundled demo dataset: 24 geometry and chart problems with locally drawn images."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from datasets import Dataset

from .loading import load_jsonl

__all__ = ["demo_path", "load_demo"]


def demo_path() -> Path:
    """The folder holding ``demo.jsonl`` and ``images/``."""
    return Path(str(resources.files("hallucue_corrupt") / "data" / "demo"))


def load_demo() -> Dataset:
    """The demo set: ``id``, ``image``, ``problem`` (with ``<image>``), ``answer``, ``type``."""
    return load_jsonl(demo_path() / "demo.jsonl")
