"""Text functions: split a question into segments and drop segments by rule.

A question is cut into segments: ``<image>`` placeholders, sentences and answer-choice
blocks. LaTeX spans (``$...$``, ``\\(...\\)``, ``\\[...\\]``) are never cut, so
``$\\angle ABC = 30^\\circ$`` stays one piece, and decimals like ``3.5`` do not end a
sentence. Each segment gets a class: ``placeholder``, ``instruction`` (the templated
instruction and answer-format lines), ``choices`` or ``content`` (conditions and the
problem description).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "INSTRUCTION_PATTERNS",
    "PLACEHOLDER",
    "Segment",
    "apply_number_map",
    "classify",
    "count_placeholders",
    "has_number",
    "is_question",
    "join_segments",
    "replace_numbers",
    "segment",
]

PLACEHOLDER = "<image>"

#: Patterns (case-insensitive) that mark a sentence as templated instruction or answer
#: format rather than problem content. Extend per call with ``extra_patterns``.
INSTRUCTION_PATTERNS: tuple[str, ...] = (
    r"step[- ]by[- ]step",
    r"\\boxed",
    r"</?think>|</?answer>",
    r"\bfinal answer\b",
    r"\breasoning process\b",
    r"\b(answer|respond|reply)(ing)? (with|using|in) (the|a|an|one|only|your|just)\b",
    r"\boption(al)? letter\b|\bcorrect (option|choice|letter)\b",
    r"\b(choose|select|pick) the (correct|best|right)\b",
    r"\bround(ed)? (your answer |the answer |it )?to\b",
    r"\b(please|you should|you must|you need to) "
    r"(answer|reason|think|provide|output|respond|give)\b",
    r"^\s*(hint|instruction|note)s?\s*:",
    r"\b(single|one) (word|phrase|number|letter)\b",
    r"\b(floating[- ]point|integer) (number|answer|value)\b",
    r"\boutput (the|your|only)\b",
    r"\baccording to the (question|problem|text) (shown|given|in)\b",
    r"\banswer the question\b",
)

_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)
_CHOICES_START = re.compile(r"(?i)\b(choices|options)\s*:|^\s*\(?[A-H][.)]\s")
_BOUNDARY = re.compile(r"[.!?。？！](?=\s)")
_ABBREVIATIONS = {"e.g", "i.e", "vs", "approx", "fig", "figs", "no", "eq", "resp", "cf"}

Kind = Literal["placeholder", "instruction", "choices", "content"]


@dataclass(frozen=True)
class Segment:
    """A piece of a text: ``lead`` is the white space before it, kept when joining."""

    text: str
    lead: str
    line: int
    kind: Kind = "content"


def count_placeholders(text: str) -> int:
    """How many ``<image>`` placeholders a text holds."""
    return text.count(PLACEHOLDER)


def _mask_math(line: str) -> str:
    """``line`` with LaTeX spans blanked out, same length, so cuts never fall inside them."""
    return _MATH.sub(lambda m: "\0" * len(m.group()), line)


def _sentence_cuts(masked: str) -> list[int]:
    cuts = []
    for m in _BOUNDARY.finditer(masked):
        word = (
            masked[: m.start()].rsplit(None, 1)[-1].lower() if masked[: m.start()].strip() else ""
        )
        if word in _ABBREVIATIONS:
            continue  # "e.g. ", "Fig. 2"
        cuts.append(m.end())
    return cuts


def _split_line(line: str, number: int) -> list[Segment]:
    segments: list[Segment] = []
    masked = _mask_math(line)
    choices = _CHOICES_START.search(masked)
    body_end = choices.start() if choices else len(line)
    pieces: list[tuple[int, int, Kind]] = []
    start = 0
    for cut in [*_sentence_cuts(masked[:body_end]), body_end]:
        pieces.append((start, cut, "content"))
        start = cut
    if choices:
        pieces.append((body_end, len(line), "choices"))
    for a, b, kind in pieces:
        chunk = line[a:b]
        # placeholders become segments of their own, wherever they stand
        for i, part in enumerate(chunk.split(PLACEHOLDER)):
            if i:
                segments.append(Segment(PLACEHOLDER, "", number, "placeholder"))
            stripped = part.strip()
            if stripped:
                lead = part[: len(part) - len(part.lstrip())]
                segments.append(Segment(stripped, lead, number, kind))
    return segments


def segment(text: str) -> list[Segment]:
    """Cut ``text`` into placeholder, sentence and choice segments, line by line."""
    out: list[Segment] = []
    for number, line in enumerate(text.split("\n")):
        out.extend(_split_line(line, number))
    return out


def classify(
    segments: Iterable[Segment], patterns: Sequence[str] = INSTRUCTION_PATTERNS
) -> list[Segment]:
    """Mark content segments that match an instruction pattern as ``instruction``."""
    compiled = [re.compile(p, re.IGNORECASE) for p in patterns]
    result = []
    for seg in segments:
        if seg.kind == "content" and any(rx.search(seg.text) for rx in compiled):
            seg = Segment(seg.text, seg.lead, seg.line, "instruction")
        result.append(seg)
    return result


def join_segments(segments: Sequence[Segment]) -> str:
    """Rebuild a text from kept segments: lines keep their order, empty lines go away."""
    lines: dict[int, str] = {}
    for seg in segments:
        if seg.line in lines:
            lines[seg.line] += seg.lead + seg.text
        else:
            lines[seg.line] = seg.text
    return "\n".join(lines[n] for n in sorted(lines))


_QUESTION = re.compile(
    r"\?\s*$|^(find|what|which|how|why|calculate|compute|determine|solve|express|give|estimate|"
    r"evaluate|is|are|does|do|can|name|list|identify|write)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![A-Za-z_\d.])\d+(?:\.\d+)?(?!\d)")
_DEGREE_AFTER = re.compile(r"^\s*(\^\s*\{?\s*\\circ|°|degrees?\b)")


def is_question(seg: Segment) -> bool:
    """Whether a content segment asks the question (ends with ? or starts with Find/What...)."""
    return seg.kind == "content" and bool(_QUESTION.search(seg.text))


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
