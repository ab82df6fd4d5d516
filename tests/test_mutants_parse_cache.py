"""The parser's shortcuts and its extra instruction patterns, found untested by the full
mutation run of functional/parse.py (issue 17g): extra patterns where no builtin word
stands, in a choices block's last line and anchored at a sentence's end; and
:class:`~hallucue_corrupt.functional.parse.Patterns`, whose word gates and ``within``
narrowing decide which regexes run. docs/reliability.md counts what is left."""

from __future__ import annotations

import pytest

from hallucue_corrupt.functional.parse import INSTRUCTION_PATTERNS, Patterns, parse


def _roles(text: str, **kw: object) -> list[tuple[str, str]]:
    spans = parse(text, **kw).spans  # type: ignore[arg-type]
    return [(s.role, s.text) for s in spans]


def test_an_extra_pattern_marks_an_instruction_on_a_line_with_no_builtin_word():
    # the line holds none of the builtin words, so only the extra pattern can match it
    assert _roles("Find x. Mark it.", extra_patterns=["mark it"]) == [
        ("question", "Find x."),
        ("template", "Mark it."),
    ]


def test_an_extra_instruction_glued_to_the_last_option_line_stays_template():
    # the tail of the choices block is cut and judged with the extra patterns too
    assert _roles("Which?\nA. red\nB. blue Mark it", extra_patterns=["mark it"]) == [
        ("question", "Which?"),
        ("choices", "A. red\nB. blue"),
        ("template", "Mark it"),
    ]


def test_an_extra_pattern_anchored_at_the_end_sees_the_sentence_without_trailing_space():
    assert _roles("Find x. Mark it.  ", extra_patterns=[r"it\.$"]) == [
        ("question", "Find x."),
        ("template", "Mark it."),
    ]


def test_gates_run_only_the_patterns_whose_words_the_text_holds():
    # "b" is gated on a word the text lacks: it does not run, so the first match is "a"'s
    patterns = Patterns(["a", "b"], gates=[["a"], ["zzz"]])
    assert patterns.words == ("a", "zzz")  # every gate's words, in order, once each
    assert patterns.first("b a") == 2
    assert Patterns(["a", "b"]).first("b a") == 0  # no gates: every pattern runs


def test_within_keeps_only_the_extra_patterns_where_no_builtin_word_stands():
    gates = [["step"]] * len(INSTRUCTION_PATTERNS)
    patterns = Patterns(INSTRUCTION_PATTERNS, ["mark it"], gates=gates)
    narrowed = patterns.within("Find x. Mark it.")
    assert narrowed.builtin == []
    assert [rx.pattern for rx in narrowed.extra] == ["mark it"]
    assert narrowed.first("Find x. Mark it.") == 8
    assert patterns.within("Think step by step.") is patterns


def test_gates_must_match_the_patterns_one_to_one():
    with pytest.raises(ValueError, match="1 gates for 2 patterns"):
        Patterns(["a", "b"], gates=[["a"]])
