"""Text functions: placeholders, numbers, and the question parser's entry points.

The question parser lives in :mod:`hallucue_corrupt.functional.parse`; this module holds
the small helpers the text corruptions share: ``<image>`` placeholders, finding numerals,
and drawing plausible replacement numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .parse import INSTRUCTION_PATTERNS, Parse, Span, parse

__all__ = [
    "INSTRUCTION_PATTERNS",
    "PLACEHOLDER",
    "Parse",
    "Span",
    "apply_number_map",
    "count_placeholders",
    "has_number",
    "parse",
    "replace_numbers",
    "strip_placeholder_tokens",
]

PLACEHOLDER = "<image>"


def count_placeholders(text: str) -> int:
    """How many ``<image>`` placeholders a text holds."""
    return text.count(PLACEHOLDER)


def strip_placeholder_tokens(text: str) -> str:
    """``text`` without its ``<image>`` placeholders."""
    return text.replace(PLACEHOLDER, "")


_NUMBER = re.compile(r"(?<![A-Za-z_\d.])\d+(?:\.\d+)?(?!\d)")
_DEGREE_AFTER = re.compile(r"^\s*(\^\s*\{?\s*\\circ|°|degrees?\b)")


def has_number(text: str) -> bool:
    """Whether ``text`` holds a numeral (LaTeX spans included)."""
    return bool(_NUMBER.search(text))


def _plausible(number: str, is_angle: bool, rng: Any) -> str:
    """Another number of the same shape: digits, decimals, and angle range kept."""
    whole, _, frac = number.partition(".")
    value = float(number)
    for _ in range(100):
        if is_angle and value < 180:
            new_whole = str(int(rng.integers(5, 180)))
        else:
            digits = len(whole.lstrip("0")) or 1
            low = 10 ** (digits - 1) if digits > 1 else 1
            new_whole = str(int(rng.integers(low, 10**digits)))
        new_frac = "".join(str(int(d)) for d in rng.integers(0, 10, len(frac)))
        candidate = new_whole + ("." + new_frac if frac else "")
        if float(candidate) != value:
            return candidate
    return str(int(value) + 1) + ("." + frac if frac else "")


def replace_numbers(text: str, rng: Any, mapping: dict[str, str]) -> str:
    """Replace each numeral with a plausible other one, consistently via ``mapping``."""

    def sub(m: re.Match[str]) -> str:
        number = m.group()
        if number not in mapping:
            angle = bool(_DEGREE_AFTER.match(text[m.end() :]))
            mapping[number] = _plausible(number, angle, rng)
        return mapping[number]

    return _NUMBER.sub(sub, text)


def apply_number_map(text: str, mapping: Mapping[str, str]) -> str:
    """``text`` with each numeral that ``mapping`` names replaced (a drawn number map)."""
    return _NUMBER.sub(lambda m: mapping.get(m.group(), m.group()), text)
