"""The question parser's shortcuts give the answers of the plain checks they replace.

The parser skips the instruction patterns for a text holding none of their words (and runs
only the patterns whose own words it holds), masks braces by scanning the braces only,
reads only the last word before a full stop, caches the cuts of each line by its masked
text and the instruction searches of each sentence, and checks cheap necessary conditions
before the choices searches. Each shortcut is
checked here against the plain version (the parses of the real-question tests in
test_text_parser.py are unchanged as well)."""

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
    plain = [re.compile(p, re.IGNORECASE) for p in [*P.INSTRUCTION_PATTERNS, *extra]]
    hits = [m.start() for rx in plain if (m := rx.search(text))]
    for patterns in (
        P.Patterns(P.INSTRUCTION_PATTERNS, extra, P._INSTRUCTION_WORDS),
        P.Patterns(P.INSTRUCTION_PATTERNS, extra, gates=P._INSTRUCTION_GATES),
    ):
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
    text = text + " " * 20 + "((((((((((((((((((e.g." if a == 5 else text
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


# ---------------------------------------------------------------- line cache and gates

LINES = [
    "Please reason step by step, and put your final answer within \\boxed{}.",
    "You FIRST think about the reasoning process and then answer. Find x.",
    "In triangle ABC, AB = 5 cm and $\\angle B = 30^\\circ$. Find AD (correct to 1 decimal).",
    "Hint: Please answer the question and provide the final answer at the end.",
    "Choices:", "A:40°", "B. 16;C. 21", "(A) 5 (B) 6", "Question: what is e.g. the value?",
    "Round to two decimal places.", "  ", "", "<image>", "则∠3等于（　）。求x。",
]  # fmt: skip
lines = st.lists(st.sampled_from(LINES) | texts.map(lambda t: t.replace("\n", " ")), max_size=5)


def _line_pieces_in_context(masked: str, pos: int, end: int, ins: P.Patterns) -> list:
    """The cuts of one line made inside the whole text, as the parser made them before it
    cached lines: sentences, then instruction or hint pieces."""
    out = []
    for s, e in P._sentences(masked, pos, end, ins):
        if P._is_instruction(masked[s:e], ins):
            out.append((s - pos, e - pos, "instruction"))
            continue
        for a, b, hint in P._split_hints(masked, s, e):
            out.append((a - pos, b - pos, "hint" if hint else "content"))
    return out


@settings(max_examples=150, deadline=None)
@given(lines, lines, lines.map("\n".join), st.sampled_from([(), ("^given",), ("area",)]))
def test_a_line_cuts_the_same_alone_and_inside_any_text(before, after, line, extra):
    line = line.replace("\n", " ")
    text = "\n".join([*before, line, *after])
    masked = P._masked(text)
    pos = len("\n".join(before)) + (1 if before else 0)
    own = masked[pos : pos + len(line)]
    if "\n" in own or not own.strip():
        return  # masking spanned lines (a formula across them): another line is cut
    ins = P._patterns(extra) if extra else P._INSTRUCTION
    P._line_pieces.cache_clear()
    assert list(P._line_pieces(own, ins)) == _line_pieces_in_context(
        masked, pos, pos + len(own), ins
    )


@settings(max_examples=100, deadline=None)
@given(lines, lines, lines)
def test_a_text_parses_the_same_whatever_question_filled_the_caches(first, shared, second):
    a, b = "\n".join([*first, *shared]), "\n".join([*shared, *second])
    # joined with a space too: the shared sentences then sit in lines that differ
    c, d = " ".join([*first, *shared]), " ".join([*shared, *second])
    P.clear_caches()
    cold = [P.parse(b).to_dict(), P.parse(d).to_dict()]
    P.clear_caches()
    P.parse(a)  # warms the caches with the shared lines and sentences, in other questions
    P.parse(c)
    P._cached.cache_clear()
    assert [P.parse(b).to_dict(), P.parse(d).to_dict()] == cold


@settings(max_examples=150, deadline=None)
@given(texts, st.integers(0, 60), st.integers(0, 60), st.sampled_from([(), ("answer:$",)]))
def test_patterns_within_a_text_answer_for_every_piece(text, i, j, extra):
    patterns = P.Patterns(P.INSTRUCTION_PATTERNS, extra, gates=P._INSTRUCTION_GATES)
    piece = text[min(i, j) : max(i, j)]
    narrowed = patterns.within(text)
    assert narrowed.any(piece) == patterns.any(piece)
    assert narrowed.first(piece) == patterns.first(piece)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_every_instruction_match_holds_a_word_of_its_gate(data):
    index = data.draw(st.integers(0, len(P.INSTRUCTION_PATTERNS) - 1))
    rx = re.compile(P.INSTRUCTION_PATTERNS[index], re.IGNORECASE)
    text = data.draw(st.from_regex(rx))
    if (m := rx.search(text)) and P._FOLDS.isdisjoint(m.group()):
        low = m.group().lower()
        assert any(word in low for word in P._INSTRUCTION_GATES[index]), (index, text)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_hint_alternation_matches_where_a_hint_pattern_does(text):
    plain = any(re.search(p, text.strip(), re.IGNORECASE) for p in P.HINT_PATTERNS)
    assert P._is_hint(text) == plain


_OLD_INLINE_MARKS = [
    tuple(re.compile(before + style.format(L=letter) + r"\s*(?=\S)") for letter in "AB")
    for style, before in (
        (r"[\(（]\s*{L}\s*[\)）]", r"(?<![A-Za-z0-9])"),
        (r"{L}\s*[.．、:：]", r"(?:^|(?<=[\s;；,，]))"),
    )
]
MARKS = st.lists(st.sampled_from(list("AB()（）.、: ;x1\n，")), max_size=20).map("".join)


@settings(max_examples=200, deadline=None)
@given(MARKS | texts)
def test_inline_marks_find_what_the_look_behind_first_marks_found(text):
    for new, old in zip(P._INLINE_MARKS, _OLD_INLINE_MARKS, strict=True):
        for a, b in zip(new, old, strict=True):
            assert [m.span() for m in a.finditer(text)] == [m.span() for m in b.finditer(text)]


@settings(max_examples=200, deadline=None)
@given(MARKS | texts)
def test_choice_lines_are_found_only_where_the_guard_lets_them(text):
    masked = P._masked(text)
    if P._choice_lines(masked) is not None:
        assert P._may_have_choice_lines(masked)


@settings(max_examples=150, deadline=None)
@given(st.text(" \t\n\u3000\u00a0ab\0", max_size=12), st.integers(0, 12), st.integers(0, 12))
def test_trim_equals_the_character_loop(text, s, e):
    s, e = min(s, len(text)), min(e, len(text))
    a, b = s, e
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    assert P._trim(text, s, e) == (a, b)
