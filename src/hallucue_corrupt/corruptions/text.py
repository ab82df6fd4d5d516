"""Text corruptions of the Hallucination-as-Cue paper: text removal (TR)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from ..base import Context, Params, TextCorruption
from ..functional import text as F
from ..registry import register

__all__ = ["RemoveText"]


class RemoveTextParams(Params):
    keep_choices: bool = Field(
        True, description="Keep answer-choice blocks ('Choices: A. 13 B. 12 ...')."
    )
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


@register("remove_text")
class RemoveText(TextCorruption):
    """Text Removal (TR): drop the conditions and problem description, keep the template.

    Sentences matching an instruction pattern (``step by step``, ``\\boxed``, ``final
    answer``, ``answer with the option letter``...) and every ``<image>`` placeholder are
    kept; all other sentences are removed. When there is nothing to remove, the rule does
    not fire: the text is returned unchanged and the record says ``applied: false``.
    """

    Params = RemoveTextParams
    params: RemoveTextParams

    def corrupt(self, text: str, ctx: Context) -> tuple[str, dict[str, Any]]:
        patterns = (*F.INSTRUCTION_PATTERNS, *self.params.extra_patterns)
        segments = F.classify(F.segment(text), patterns)
        keep_kinds = {"placeholder", "instruction"} | (
            {"choices"} if self.params.keep_choices else set()
        )
        kept = [s for s in segments if s.kind in keep_kinds]
        removed = [s.text for s in segments if s.kind not in keep_kinds]
        if not removed:
            return text, {
                "applied": False,
                "reason": "no rule fired: no condition or description found",
            }
        info = {
            "removed": removed,
            "kept": [s.text for s in kept if s.kind != "placeholder"],
            "template_found": any(s.kind == "instruction" for s in kept),
            "intensity": 1.0,
        }
        return F.join_segments(kept), info
