"""hallucue_corrupt: hallucination-inductive, modality-specific corruptions for multimodal RL.

Blank or swap images, strip the conditions from a question, at a chosen ratio, with a
JSON record per sample and byte-identical output for the same seed on any machine,
worker count or row order. See README.md for the quickstart.
"""

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
from .dataset import MapFunction, corrupt_dataset
from .demo import load_demo
from .fields import FieldError
from .media import ImageRef, MediaError
from .pipeline import Pipeline, Selection
from .pool import DatasetPool, ListPool, Pool
from .registry import UnknownCorruption, get, list_corruptions, make, register
from .replay import replay
from .schedule import Schedule

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
