"""Text corruptions: the paper's text removal (TR) and finer edits of the given conditions.

All work on one parse of the question (see :mod:`hallucue_corrupt.functional.parse`):
placeholders, the templated instruction, answer-format hints, the choices block, the
question sentence and the conditions. LaTeX spans stay whole and ``<image>`` placeholders
are never touched. The condition edits (``remove_numeric_conditions``, ``drop_conditions``,
``shuffle_conditions``, ``replace_numbers``) never touch the question sentence, the choices,
hints or the template. A corruption that finds nothing to change does not fire: the text is
returned unchanged and the record says ``applied: false`` with a reason. The record carries
the parse: ``spans.kept`` and ``spans.removed`` list the texts by role, and a text left with
nothing but placeholders and white space is flagged ``emptied: true``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator

from ..base import Context, Params, TextCorruption
from ..functional import parse as P
from ..functional import text as F
from ..registry import register

__all__ = [
    "DropConditions",
    "ParsedCorruption",
    "RemoveChoices",
    "RemoveNumericConditions",
    "RemoveQuestion",
    "RemoveText",
    "ReplaceNumbers",
    "ShuffleConditions",
    "span_record",
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


def span_record(parsed: P.Parse, kept: set[int]) -> dict[str, dict[str, list[str]]]:
    """``{"kept": {role: [texts]}, "removed": {role: [texts]}}`` (placeholders left out)."""
    out: dict[str, dict[str, list[str]]] = {"kept": {}, "removed": {}}
    for i, span in enumerate(parsed.spans):
        if span.role != "placeholder":
            out["kept" if i in kept else "removed"].setdefault(span.role, []).append(span.text)
    return out


def is_emptied(before: str, after: str) -> bool:
    """Whether ``after`` holds nothing but placeholders and white space while ``before`` did."""
    left = F.strip_placeholder_tokens(after).strip()
    return not left and bool(F.strip_placeholder_tokens(before).strip())


class ParsedCorruption(TextCorruption):
    """A text corruption that edits the spans of one parse; subclasses implement :meth:`edit`
    (which spans stay, and new texts for some) and, when random, :meth:`draw`."""

    params: Any
    NOTHING = "no rule fired: nothing to change"

    def parse(self, text: str) -> P.Parse:
        return P.parse(text, extra_patterns=self.params.extra_patterns)

    def edit(
        self, parsed: P.Parse, drawn: Mapping[str, Any]
    ) -> tuple[set[int], dict[int, str], dict[str, Any]] | None:
        """Kept span indices, replaced texts and record fields; None when nothing fires."""
        raise NotImplementedError

    def transform(
        self, text: str, drawn: Mapping[str, Any], ctx: Context
    ) -> tuple[str, dict[str, Any]]:
        parsed = self.parse(text)
        result = self.edit(parsed, drawn)
        if result is None:
            return text, {"applied": False, "reason": self.NOTHING}
        kept, replaced, info = result
        new = parsed.join(kept, replaced)
        removed = [parsed.spans[i].text for i in range(len(parsed.spans)) if i not in kept]
        fields: dict[str, Any] = {"removed": removed} if removed else {}
        fields.update(info)
        fields["spans"] = span_record(parsed, kept)
        if is_emptied(text, new):
            fields["emptied"] = True
        return new, {**fields, "intensity": 1.0}


def _all(parsed: P.Parse) -> set[int]:
    return set(range(len(parsed.spans)))


class RemoveTextParams(TemplateParams):
    keep_choices: bool = Field(
        True, description="Keep the answer choices ('Choices:\\nA:40°', '(A) ..', 'A. ..;B. ..')."
    )
    keep_question: bool = Field(
        False, description="Keep the question sentence (what is asked); the paper removes it."
    )


@register("remove_text")
class RemoveText(ParsedCorruption):
    """Text Removal (TR): drop the conditions, the description and the question sentence;
    keep the templated instruction, answer-format hints, the choices and the placeholders.

    ``keep_question=True`` keeps what is asked; ``keep_choices=False`` drops the options.
    When there is nothing to remove the rule does not fire. When nothing but placeholders
    is left (a raw question without a template), the entry says ``emptied: true``.
    """

    Params = RemoveTextParams
    NOTHING = "no rule fired: no condition or description found"

    def edit(
        self, parsed: P.Parse, drawn: Mapping[str, Any]
    ) -> tuple[set[int], dict[int, str], dict[str, Any]] | None:
        keep: set[str] = {"placeholder", "template", "hint"}
        if self.params.keep_choices:
            keep.add("choices")
        if self.params.keep_question:
            keep.add("question")
        kept = {i for i, s in enumerate(parsed.spans) if s.role in keep}
        if kept == _all(parsed):
            return None
        info = {
            "kept": [
                s.text for i, s in enumerate(parsed.spans) if i in kept and s.role != "placeholder"
            ],
            "template_found": bool(parsed.of("template")),
        }
        return kept, {}, info


class RemoveQuestionParams(RemoveTextParams):
    keep_choices: bool = Field(False, description="Keep the answer choices.")


@register("remove_question")
class RemoveQuestion(RemoveText):
    """The whole question goes, choices included; only the instruction template, hints and
    the placeholders stay (``remove_text`` with ``keep_choices=False``)."""

    Params = RemoveQuestionParams


def conditions(parsed: P.Parse) -> list[int]:
    """Indices of the condition spans: given conditions and description, never the question."""
    return parsed.indices("condition")


@register("remove_numeric_conditions")
class RemoveNumericConditions(ParsedCorruption):
    """Drop the condition sentences that hold a number; keep the question sentence, the
    description without numbers, choices, hints and template."""

    Params = TemplateParams
    NOTHING = "no rule fired: no numeric condition found"

    def edit(
        self, parsed: P.Parse, drawn: Mapping[str, Any]
    ) -> tuple[set[int], dict[int, str], dict[str, Any]] | None:
        drop = {i for i in conditions(parsed) if F.has_number(parsed.spans[i].text)}
        if not drop:
            return None
        return _all(parsed) - drop, {}, {}


class ReplaceNumbersParams(TemplateParams):
    include_choices: bool = Field(False, description="Also change the numbers in answer choices.")


@register("replace_numbers")
class ReplaceNumbers(ParsedCorruption):
    """Replace each number of the conditions with another plausible number (same digit
    count and decimals; angles stay below 180), consistently within a text; the question
    sentence keeps its numbers. The record holds the map."""

    Params = ReplaceNumbersParams
    NOTHING = "no rule fired: no number found"

    def _targets(self, parsed: P.Parse) -> list[int]:
        roles: tuple[P.Role, ...] = (
            ("condition", "choices") if self.params.include_choices else ("condition",)
        )
        return parsed.indices(*roles)

    def edit(
        self, parsed: P.Parse, drawn: Mapping[str, Any]
    ) -> tuple[set[int], dict[int, str], dict[str, Any]] | None:
        mapping = drawn.get("number_map") or {}
        if not mapping:
            return None
        replaced = {
            i: F.apply_number_map(parsed.spans[i].text, mapping) for i in self._targets(parsed)
        }
        return _all(parsed), replaced, {}

    def draw(self, value: str, ctx: Context) -> dict[str, Any]:
        parsed = self.parse(value)
        targets = self._targets(parsed)
        if not any(F.has_number(parsed.spans[i].text) for i in targets):
            return {}
        mapping: dict[str, str] = {}
        rng = ctx.rng()
        for i in targets:
            F.replace_numbers(parsed.spans[i].text, rng, mapping)
        return {"number_map": mapping}


@register("remove_choices")
class RemoveChoices(ParsedCorruption):
    """Drop the answer choices (every format the parser knows)."""

    Params = TemplateParams
    NOTHING = "no rule fired: no answer choices found"

    def edit(
        self, parsed: P.Parse, drawn: Mapping[str, Any]
    ) -> tuple[set[int], dict[int, str], dict[str, Any]] | None:
        drop = set(parsed.indices("choices"))
        if not drop:
            return None
        return _all(parsed) - drop, {}, {}


@register("shuffle_conditions")
class ShuffleConditions(ParsedCorruption):
    """Permute the condition sentences among their places (never the identity); the
    question sentence, choices, hints and template stay where they are."""

    Params = TemplateParams
    NOTHING = "no rule fired: fewer than two conditions"

    def edit(
        self, parsed: P.Parse, drawn: Mapping[str, Any]
    ) -> tuple[set[int], dict[int, str], dict[str, Any]] | None:
        places = conditions(parsed)
        order = drawn.get("order")
        if len(places) < 2 or order is None:
            return None
        replaced = {
            place: parsed.spans[places[src]].text for place, src in zip(places, order, strict=True)
        }
        return _all(parsed), replaced, {}

    def draw(self, value: str, ctx: Context) -> dict[str, Any]:
        n = len(conditions(self.parse(value)))
        if n < 2:
            return {}
        order = [int(i) for i in ctx.rng().permutation(n)]
        if order == list(range(n)):
            order = order[1:] + order[:1]
        return {"order": order}


class DropConditionsParams(TemplateParams):
    rate: float = Field(0.5, gt=0, le=1, description="Share of conditions dropped (at least one).")


@register("drop_conditions")
class DropConditions(ParsedCorruption):
    """Drop ``max(1, round(rate * n))`` of the n condition sentences, chosen at random;
    never the question sentence."""

    Params = DropConditionsParams
    NOTHING = "no rule fired: no condition found"

    def edit(
        self, parsed: P.Parse, drawn: Mapping[str, Any]
    ) -> tuple[set[int], dict[int, str], dict[str, Any]] | None:
        places = conditions(parsed)
        drop = {places[i] for i in drawn.get("dropped", []) if i < len(places)}
        if not drop:
            return None
        return _all(parsed) - drop, {}, {}

    def draw(self, value: str, ctx: Context) -> dict[str, Any]:
        n = len(conditions(self.parse(value)))
        if not n:
            return {}
        count = max(1, round(self.params.rate * n))
        return {"dropped": sorted(int(i) for i in ctx.rng().permutation(n)[:count])}
