"""The question parser's shortcuts give the answers of the plain checks they replace.

The parser skips the instruction patterns for a text holding none of their words, masks
braces by scanning the braces only, and reads only the last word before a full stop. Each
shortcut is checked here against the plain version (the parses of the real-question tests
in test_text_parser.py are unchanged as well)."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from hallucue_corrupt.functional import parse as P

WORDS = [
    "Please", "answer", "step", "by", "the", "final", "value", "Hint:", "you", "FIRST",
    "think", "\\boxed{}", "output", "only", "letter", "correct", "option", "Find", "x", "=",
    "3.5", "e.g.", "(", ")", "{", "}", "$a$", "\n", ".", "?", "İ", "K", "ſ", "ı", "reply",
    "with", "a", "single", "word", "integer", "number", "let's", "according", "to",
    "Choices:", "OPTIONS：", "选项:", "Choıce:", "optıons :", "A:", "(B)",
]  # fmt: skip
texts = st.lists(st.sampled_from(WORDS), max_size=25).map(" ".join) | st.text(max_size=60)


def _plain_masked(text: str) -> str:
    """The brace masking as a loop over every character (the reference)."""
    out = P._MATH.sub(lambda m: "\0" * len(m.group()), text)
    chars = list(out)
    depth = start = 0
    for i, ch in enumerate(out):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                chars[start : i + 1] = "\0" * (i + 1 - start)
    return "".join(chars)


@settings(max_examples=150, deadline=None)
@given(texts, st.lists(st.sampled_from(["answer:$", r"\bfigure\b", "(x)\\1"]), max_size=2))
def test_patterns_answer_as_each_pattern_would(text, extra):
    patterns = P.Patterns(P.INSTRUCTION_PATTERNS, extra, P._INSTRUCTION_WORDS)
    plain = [re.compile(p, re.IGNORECASE) for p in [*P.INSTRUCTION_PATTERNS, *extra]]
    hits = [m.start() for rx in plain if (m := rx.search(text))]
    assert patterns.any(text) == bool(hits)
    assert patterns.first(text) == (min(hits) if hits else None)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_every_instruction_match_holds_one_of_the_words(data):
    pattern = data.draw(st.sampled_from(P.INSTRUCTION_PATTERNS))
    rx = re.compile(pattern, re.IGNORECASE)
    text = data.draw(st.from_regex(rx))
    if rx.search(text):
        assert P._INSTRUCTION._may_match(text), (pattern, text)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_masking_equals_the_character_loop(text):
    assert P._masked(text) == _plain_masked(text)


@settings(max_examples=150, deadline=None)
@given(texts, st.integers(0, 5))
def test_abbreviation_check_reads_the_whole_last_word(text, a):
    text = text + " " * 20 + "((((((((((((((((((e.g" if a == 5 else text
    for m in re.finditer(r"\.", text):
        start = min(a, m.start())
        before = text[start : m.start()].rsplit(None, 1)
        word = before[-1].lower().lstrip("(") if before else ""
        assert P._abbreviation_before(text, start, m.start()) == (word in P._ABBREVIATIONS)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_choices_head_shortcut_never_hides_a_head(text):
    if P._CHOICES_HEAD.search(text):
        assert P._may_have_choices_head(text)
