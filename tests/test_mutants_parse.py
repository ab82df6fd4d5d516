"""Parser edges that mutation testing of functional/parse.py found untested (issue 17).

Each test fails on mutants of :mod:`hallucue_corrupt.functional.parse` that the rest of the
suite let through; docs/reliability.md counts what is left. They call :func:`parse` only.
"""

from __future__ import annotations

from hallucue_corrupt.functional.parse import parse


def _spans(text: str, **kw: object) -> list[tuple[str, str, int, int]]:
    return [(s.role, s.text, s.start, s.end) for s in parse(text, **kw).spans]  # type: ignore[arg-type]


def test_listed_choices_are_the_lines_that_are_options():
    text = (
        "In the figure, AB = 4.\nWhich shape is largest?\ncircle\n square \ntriangle\n"
        "Answer with the option text."
    )
    spans = _spans(text, choices=["circle", "square", "triangle"])
    start = text.index("circle")
    end = text.index("triangle") + len("triangle")
    assert ("choices", "circle\n square \ntriangle", start, end) in spans
    for _, span, a, b in spans:
        assert text[a:b] == span
    # the same text with no options list: those lines are conditions
    assert "choices" not in [s[0] for s in _spans(text)]


def test_listed_choices_with_lowercase_letters_stop_at_the_first_other_line():
    text = "Which shape is largest?\na) circle\nb) square\nThe circle is red.\nsquare"
    spans = _spans(text, choices=["circle", "square"])
    block = "a) circle\nb) square"
    start = text.index(block)
    assert ("choices", block, start, start + len(block)) in spans
    assert [s[1] for s in spans if s[0] == "choices"] == [block]  # the first block only
