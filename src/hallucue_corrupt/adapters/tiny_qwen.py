"""Deprecated: the tiny Qwen2-VL test helper lives in :mod:`hallucue_corrupt.testing.tiny_qwen`."""

import warnings

from ..testing.tiny_qwen import tiny_qwen2_vl as build_tiny_qwen2_vl
from ..testing.tiny_qwen import tiny_qwen2_vl_processor as build_processor

__all__ = ["build_processor", "build_tiny_qwen2_vl"]

warnings.warn(
    "hallucue_corrupt.adapters.tiny_qwen moved to hallucue_corrupt.testing "
    "(tiny_qwen2_vl(), tiny_qwen2_vl_processor())",
    DeprecationWarning,
    stacklevel=2,
)
