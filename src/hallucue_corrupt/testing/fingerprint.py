"""Fingerprints: one comparable string for any field value, and short descriptions of
values for messages."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
from PIL import Image

__all__ = ["describe", "fingerprint"]


def _canonical(value: Any) -> Any:
    if isinstance(value, Image.Image):
        digest = hashlib.sha256(value.tobytes()).hexdigest()
        return {"PIL": [value.mode, list(value.size), digest]}
    if isinstance(value, np.ndarray):
        raw = np.ascontiguousarray(value).tobytes()
        return {"array": [str(value.dtype), list(value.shape), hashlib.sha256(raw).hexdigest()]}
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": hashlib.sha256(bytes(value)).hexdigest()}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return {type(value).__name__: repr(value)}


def fingerprint(value: Any) -> str:
    """A string equal for two values exactly when their pixels/bytes/text are equal (PIL by
    mode, size and pixels; arrays by dtype, shape and bytes; dicts, lists and text as is)."""
    return json.dumps(_canonical(value), sort_keys=True)


def describe(value: Any) -> str:
    if isinstance(value, Image.Image):
        return f"PIL {value.mode} {value.width}x{value.height}"
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array {value.shape}"
    if isinstance(value, (bytes, bytearray)):
        return f"{len(value)} bytes"
    if isinstance(value, dict):
        return "datasets dict {bytes, path}" if "bytes" in value else "dict"
    if isinstance(value, list):
        return f"list of {len(value)}"
    return type(value).__name__
