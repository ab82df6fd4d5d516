"""hallucue_corrupt: hallucination-inductive, modality-specific corruptions for multimodal RL.

Blank or swap images, strip the conditions from a question, at a chosen ratio, with a
JSON record per sample and byte-identical output for the same seed on any machine,
worker count or row order. See README.md for the quickstart.

``corrupt_dataset``, ``MapFunction`` and ``load_demo`` are imported on first use: they
need ``datasets`` (about 0.6 s to import), which a Ray actor or a collator never does.
"""

from typing import TYPE_CHECKING, Any

from . import corruptions, functional, records, testing
from ._version import __version__
from .base import (
    Context,
    Corruption,
    ImageCorruption,
    InvalidParams,
    Params,
    ReplayError,
    SampleCorruption,
    TextCorruption,
)
from .binding import RunBinding, bind
from .collator import CorruptingCollator
from .compose import OneOf, SomeOf
from .corruptions.degrade import GradedImageCorruption, SeverityParams
from .fields import FieldError
from .media import ImageRef, MediaError
from .pipeline import Pipeline, Selection
from .pool import DatasetPool, ListPool, Pool
from .registry import UnknownCorruption, get, list_corruptions, make, register
from .replay import replay
from .schedule import Schedule

if TYPE_CHECKING:
    from .dataset import MapFunction, corrupt_dataset
    from .demo import load_demo

#: public names whose modules import ``datasets``: loaded on first access (PEP 562)
_LAZY = {"MapFunction": "dataset", "corrupt_dataset": "dataset", "load_demo": "demo"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Context",
    "CorruptingCollator",
    "Corruption",
    "DatasetPool",
    "FieldError",
    "GradedImageCorruption",
    "ImageCorruption",
    "ImageRef",
    "InvalidParams",
    "ListPool",
    "MapFunction",
    "MediaError",
    "OneOf",
    "Params",
    "Pipeline",
    "Pool",
    "ReplayError",
    "RunBinding",
    "SampleCorruption",
    "Schedule",
    "Selection",
    "SeverityParams",
    "SomeOf",
    "TextCorruption",
    "UnknownCorruption",
    "__version__",
    "bind",
    "corrupt_dataset",
    "corruptions",
    "functional",
    "get",
    "list_corruptions",
    "load_demo",
    "make",
    "records",
    "register",
    "replay",
    "testing",
]
