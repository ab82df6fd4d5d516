"""hallucue_corrupt: hallucination-inductive, modality-specific corruptions for multimodal RL.

Blank or swap images, strip the conditions from a question, at a chosen ratio, with a
JSON record per sample and byte-identical output for the same seed on any machine,
worker count or row order. See README.md for the quickstart.
"""

from . import corruptions, functional, records
from ._version import __version__
from .base import (
    Context,
    Corruption,
    ImageCorruption,
    InvalidParams,
    Params,
    SampleCorruption,
    TextCorruption,
)
from .collator import CorruptingCollator
from .compose import OneOf, SomeOf
from .dataset import MapFunction, corrupt_dataset
from .demo import load_demo
from .fields import FieldError
from .media import ImageRef, MediaError
from .pipeline import Pipeline, Selection
from .pool import DatasetPool, ListPool, Pool
from .registry import UnknownCorruption, get, list_corruptions, make, register
from .schedule import Schedule

__all__ = [
    "Context",
    "CorruptingCollator",
    "Corruption",
    "DatasetPool",
    "FieldError",
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
    "SampleCorruption",
    "Schedule",
    "Selection",
    "SomeOf",
    "TextCorruption",
    "UnknownCorruption",
    "__version__",
    "corrupt_dataset",
    "corruptions",
    "functional",
    "get",
    "list_corruptions",
    "load_demo",
    "make",
    "records",
    "register",
]
