"""Text corruptions: the paper's text removal (TR) and finer edits of the given conditions.

All work on segments (see :mod:`hallucue_corrupt.functional.text`): LaTeX spans and units
stay whole, ``<image>`` placeholders and instruction/answer-format sentences are never
touched. A corruption that finds nothing to change does not fire: the text is returned
unchanged and the record says ``applied: false`` with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator

from ..base import Context, Params, TextCorruption
from ..functional import text as F
from ..registry import register

__all__ = [
    "DropConditions",
    "RemoveChoices",
    "RemoveNumericConditions",
    "RemoveQuestion",
    "RemoveText",
    "ReplaceNumbers",
    "ShuffleConditions",
]


class TemplateParams(Params):
    extra_patterns: tuple[str, ...] = Field(
        (), description="More regexes (case-insensitive) marking instruction sentences to keep."
    )

    @field_validator("extra_patterns")
    @classmethod
    def _compiles(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regex {pattern!r}: {exc}") from None
        return v


class SegmentCorruption(TextCorruption):
    """A text corruption that rewrites classified segments; subclasses implement :meth:`edit`."""

    params: Any
    NOTHING = "no rule fired: nothing to change"

    def segments(self, text: str) -> list[F.Segment]:
        return F.classify(F.segment(text), (*F.INSTRUCTION_PATTERNS, *self.params.extra_patterns))

    def edit(
        self, segments: list[F.Segment], drawn: Mapping[str, Any]
    ) -> tuple[list[F.Segment], dict[str, Any]] | None:
        """The new segments and record fields, or None when the rule does not fire."""
        raise NotImplementedError

    def transform(
        self, text: str, drawn: Mapping[str, Any], ctx: Context
    ) -> tuple[str, dict[str, Any]]:
        result = self.edit(self.segments(text), drawn)
        if result is None:
            return text, {"applied": False, "reason": self.NOTHING}
        segments, info = result
        return F.join_segments(segments), {**info, "intensity": 1.0}


def _conditions(segments: list[F.Segment]) -> list[int]:
    """Indices of given-condition segments: content that does not ask the question."""
    return [i for i, s in enumerate(segments) if s.kind == "content" and not F.is_question(s)]


class RemoveTextParams(TemplateParams):
    keep_choices: bool = Field(
        True, description="Keep answer-choice blocks ('Choices: A. 13 ...')."
    )


@register("remove_text")
class RemoveText(SegmentCorruption):
    """Text Removal (TR): drop the conditions and problem description, keep the template.

    Sentences matching an instruction pattern (``step by step``, ``\\boxed``, ``final
    answer``, ``answer with the option letter``...) and every ``<image>`` placeholder are
    kept; all other sentences are removed. When there is nothing to remove the rule does
    not fire.
    """

    Params = RemoveTextParams
    NOTHING = "no rule fired: no condition or description found"

    def edit(
        self, segments: list[F.Segment], drawn: Mapping[str, Any]
    ) -> tuple[list[F.Segment], dict[str, Any]] | None:
        keep = {"placeholder", "instruction"} | ({"choices"} if self.params.keep_choices else set())
        kept = [s for s in segments if s.kind in keep]
        removed = [s.text for s in segments if s.kind not in keep]
        if not removed:
            return None
        info = {
            "removed": removed,
            "kept": [s.text for s in kept if s.kind != "placeholder"],
            "template_found": any(s.kind == "instruction" for s in kept),
        }
        return kept, info


class RemoveQuestionParams(RemoveTextParams):
    keep_choices: bool = Field(False, description="Keep answer-choice blocks.")


@register("remove_question")
class RemoveQuestion(RemoveText):
    """The whole question goes, choices included; only the instruction template and the
    placeholders stay (``remove_text`` with ``keep_choices=False``)."""

    Params = RemoveQuestionParams


@register("remove_numeric_conditions")
class RemoveNumericConditions(SegmentCorruption):
    """Drop the given-condition sentences that hold a number; keep the question sentence,
    the description without numbers, choices and template."""

    Params = TemplateParams
    NOTHING = "no rule fired: no numeric condition found"

    def edit(
        self, segments: list[F.Segment], drawn: Mapping[str, Any]
    ) -> tuple[list[F.Segment], dict[str, Any]] | None:
        drop = {i for i in _conditions(segments) if F.has_number(segments[i].text)}
        if not drop:
            return None
        kept = [s for i, s in enumerate(segments) if i not in drop]
        return kept, {"removed": [segments[i].text for i in sorted(drop)]}


class ReplaceNumbersParams(TemplateParams):
    include_choices: bool = Field(False, description="Also change the numbers in answer choices.")


@register("replace_numbers")
class ReplaceNumbers(SegmentCorruption):
    """Replace each number of the conditions and question with another plausible number
    (same digit count and decimals; angles stay below 180), consistently within a text;
    the record holds the map."""

    Params = ReplaceNumbersParams
    NOTHING = "no rule fired: no number found"

    def edit(
        self, segments: list[F.Segment], drawn: Mapping[str, Any]
    ) -> tuple[list[F.Segment], dict[str, Any]] | None:
        mapping = drawn.get("number_map") or {}
        kinds = self._kinds()
        out = [
            F.Segment(F.apply_number_map(s.text, mapping), s.lead, s.line, s.kind)
            if s.kind in kinds
            else s
            for s in segments
        ]
        if not mapping:
            return None
        return out, {}

    def _kinds(self) -> set[str]:
        return {"content", "choices"} if self.params.include_choices else {"content"}

    def draw(self, value: str, ctx: Context) -> dict[str, Any]:
        mapping: dict[str, str] = {}
        rng = ctx.rng()
        for s in self.segments(value):
            if s.kind in self._kinds():
                F.replace_numbers(s.text, rng, mapping)
        return {"number_map": mapping} if mapping else {}


@register("remove_choices")
class RemoveChoices(SegmentCorruption):
    """Drop the answer-choice block ('Choices: A. 12 B. 13 ...' or lines 'A. 12')."""

    Params = TemplateParams
    NOTHING = "no rule fired: no answer choices found"

    def edit(
        self, segments: list[F.Segment], drawn: Mapping[str, Any]
    ) -> tuple[list[F.Segment], dict[str, Any]] | None:
        removed = [s.text for s in segments if s.kind == "choices"]
        if not removed:
            return None
        return [s for s in segments if s.kind != "choices"], {"removed": removed}


@register("shuffle_conditions")
class ShuffleConditions(SegmentCorruption):
    """Permute the given-condition sentences among their places (never the identity)."""

    Params = TemplateParams
    NOTHING = "no rule fired: fewer than two conditions"

    def edit(
        self, segments: list[F.Segment], drawn: Mapping[str, Any]
    ) -> tuple[list[F.Segment], dict[str, Any]] | None:
        places = _conditions(segments)
        order = drawn.get("order")
        if len(places) < 2 or order is None:
            return None
        out = list(segments)
        for place, src in zip(places, order, strict=True):
            s = segments[places[src]]
            out[place] = F.Segment(s.text, segments[place].lead, segments[place].line, s.kind)
        return out, {}

    def draw(self, value: str, ctx: Context) -> dict[str, Any]:
        n = len(_conditions(self.segments(value)))
        if n < 2:
            return {}
        order = [int(i) for i in ctx.rng().permutation(n)]
        if order == list(range(n)):
            order = order[1:] + order[:1]
        return {"order": order}


class DropConditionsParams(TemplateParams):
    rate: float = Field(0.5, gt=0, le=1, description="Share of conditions dropped (at least one).")


@register("drop_conditions")
class DropConditions(SegmentCorruption):
    """Drop ``max(1, round(rate * n))`` of the n given-condition sentences, chosen at random."""

    Params = DropConditionsParams
    NOTHING = "no rule fired: no condition found"

    def edit(
        self, segments: list[F.Segment], drawn: Mapping[str, Any]
    ) -> tuple[list[F.Segment], dict[str, Any]] | None:
        places = _conditions(segments)
        drop = {places[i] for i in drawn.get("dropped", [])}
        if not drop:
            return None
        kept = [s for i, s in enumerate(segments) if i not in drop]
        return kept, {"removed": [segments[i].text for i in sorted(drop)]}

    def draw(self, value: str, ctx: Context) -> dict[str, Any]:
        n = len(_conditions(self.segments(value)))
        if not n:
            return {}
        count = max(1, round(self.params.rate * n))
        return {"dropped": sorted(int(i) for i in ctx.rng().permutation(n)[:count])}
