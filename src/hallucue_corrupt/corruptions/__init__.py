"""Registered corruptions. Importing this package fills the registry."""

from ..compose import OneOf, SomeOf
from .crossmodal import DropImage, RenderTextToImage, TextOnly
from .degrade import (
    Contrast,
    Downsample,
    GaussianBlur,
    GaussianNoise,
    Grayscale,
    JpegCompression,
    Occlusion,
    PatchMask,
    PatchShuffle,
)
from .image import BlankImage, RandomImage
from .text import (
    DropConditions,
    RemoveChoices,
    RemoveNumericConditions,
    RemoveQuestion,
    RemoveText,
    ReplaceNumbers,
    ShuffleConditions,
)
from .versions import TextLite, VisionDominant

__all__ = [
    "BlankImage",
    "Contrast",
    "Downsample",
    "DropConditions",
    "DropImage",
    "GaussianBlur",
    "GaussianNoise",
    "Grayscale",
    "JpegCompression",
    "Occlusion",
    "OneOf",
    "PatchMask",
    "PatchShuffle",
    "RandomImage",
    "RemoveChoices",
    "RemoveNumericConditions",
    "RemoveQuestion",
    "RemoveText",
    "RenderTextToImage",
    "ReplaceNumbers",
    "ShuffleConditions",
    "SomeOf",
    "TextLite",
    "TextOnly",
    "VisionDominant",
]
