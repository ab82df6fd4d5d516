"""The functional layer: plain functions on images and texts, no registry, no records.

Corruption classes in :mod:`hallucue_corrupt.corruptions` are thin wrappers over these.
"""

from . import image, parse, text

__all__ = ["image", "parse", "text"]
