"""Registered corruptions. Importing this package fills the registry."""

from .image import BlankImage, RandomImage
from .text import RemoveText

__all__ = ["BlankImage", "RandomImage", "RemoveText"]
