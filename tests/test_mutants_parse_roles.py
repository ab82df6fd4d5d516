"""Parser edges found untested by the full mutation run of functional/parse.py (issue 17,
after the cache fix). Each case is a crafted question parsed whole through
:func:`~hallucue_corrupt.functional.parse.parse`, with the roles and span texts written by
hand; docs/reliability.md counts what is left."""

from __future__ import annotations

import pytest

from hallucue_corrupt.functional.parse import parse


def _roles(text: str, **kw: object) -> list[tuple[str, str]]:
    spans = parse(text, **kw).spans  # type: ignore[arg-type]
    for s in spans:
        assert text[s.start : s.end] == s.text
    return [(s.role, s.text) for s in spans]


CASES = {
    # a hint parenthesis after another one: the closing full stop joins the last one only
    "Find x (Unit: cm) (rounded to one decimal place).": [
        ("question", "Find x"),
        ("hint", "(Unit: cm)"),
        ("hint", "(rounded to one decimal place)."),
    ],
    # nothing asks: the last content sentence is the question, whole, even when a blank
    # follows in a hint after it (the clause search stays inside the sentence)
    "AB is 3, CD is 4. (Unit: ____)": [
        ("question", "AB is 3, CD is 4."),
        ("hint", "(Unit: ____)"),
    ],
    # eight lettered lines at most: an "I." line after "H." is not an option
    "Which is it?\nA. 1\nB. 2\nC. 3\nD. 4\nE. 5\nF. 6\nG. 7\nH. 8\nI. 9": [
        ("question", "Which is it?"),
        ("choices", "A. 1\nB. 2\nC. 3\nD. 4\nE. 5\nF. 6\nG. 7\nH. 8"),
        ("condition", "I. 9"),
    ],
    # lettered lines must run A, B, C...: "A." then "C." is no block
    "Which is it?\nA. 1\nC. 3": [
        ("question", "Which is it?"),
        ("condition", "A. 1"),
        ("condition", "C. 3"),
    ],
    # an instruction glued to the last option line after a head stays template
    "Choices:\nA. red\nB. blue Answer with the option letter.\nMore text here.": [
        ("choices", "Choices:\nA. red\nB. blue"),
        ("template", "Answer with the option letter."),
        ("question", "More text here."),
    ],
    # a head line followed by a long sentence: the block is the head line alone
    "Choices: A. 1 B. 2\nThis is a long sentence that explains a lot of other things.": [
        ("choices", "Choices: A. 1 B. 2"),
        ("question", "This is a long sentence that explains a lot of other things."),
    ],
    # a head on the last line: nothing after it to look at
    "Which? Choices: A. 1 B. 2": [("question", "Which?"), ("choices", "Choices: A. 1 B. 2")],
    # closing brackets and quotes after a full stop stay with their sentence
    "(This is given.) Find x.": [("condition", "(This is given.)"), ("question", "Find x.")],
    'He said "Stop." Then find x.': [
        ("condition", 'He said "Stop."'),
        ("question", "Then find x."),
    ],
    # a piece with no word after a question mark belongs to the question
    "What is x? ( )°": [("question", "What is x? ( )°")],
    # issue 17g (the full run on 3b300bc): an instruction after a placeholder, a line label
    # or before a trailing hint still belongs to the template at the start or end
    "<image>Please think step by step.\nFind x.": [
        ("placeholder", "<image>"),
        ("template", "Please think step by step."),
        ("question", "Find x."),
    ],
    "Question: Please think step by step. Find x.": [
        ("template", "Question:"),
        ("template", "Please think step by step."),
        ("question", "Find x."),
    ],
    "Find x.\nPut your final answer in \\boxed{}.\nRound to one decimal place.": [
        ("question", "Find x."),
        ("template", "Put your final answer in \\boxed{}."),
        ("hint", "Round to one decimal place."),
    ],
    # an options line whose first sentence is an instruction is still the choices block
    "Which one?\n(A) think step by step (B) guess": [
        ("question", "Which one?"),
        ("choices", "(A) think step by step (B) guess"),
    ],
    # an abbreviation after an opening bracket ends no sentence, nor does one ending a
    # word longer than the 16 characters read first
    "Some values (e.g. 3 and 4) are given. Find x.": [
        ("condition", "Some values (e.g. 3 and 4) are given."),
        ("question", "Find x."),
    ],
    "Values like ((((((((((((((((e.g. 3)))))))))))))))) are given. Find x.": [
        ("condition", "Values like ((((((((((((((((e.g. 3)))))))))))))))) are given."),
        ("question", "Find x."),
    ],
    # a full-width hint parenthesis opening a sentence, then the asking text
    "（精确到0.1）求x。": [("hint", "（精确到0.1）"), ("question", "求x。")],
    # after a Chinese full stop only closing brackets and quotes join the sentence
    "已知。X是多少？": [("condition", "已知。"), ("question", "X是多少？")],
    "（已知AB=3。）求x。": [("condition", "（已知AB=3。）"), ("question", "求x。")],
    # a brace group nested in another is masked whole: no cut at the inner closing brace
    "Let \\text{if {a} holds. then b} be given. Find x.": [
        ("condition", "Let \\text{if {a} holds. then b} be given."),
        ("question", "Find x."),
    ],
    # letters that IGNORECASE folds onto ASCII (long s, dotless i) turn the word gates off
    "Find x. Solve it ſtep by ſtep.": [
        ("question", "Find x."),
        ("template", "Solve it ſtep by ſtep."),
    ],
    "Find x. Let's thınk.": [("question", "Find x."), ("template", "Let's thınk.")],
}


@pytest.mark.parametrize("text", list(CASES))
def test_crafted_questions_parse_into_their_roles(text):
    assert _roles(text) == CASES[text]


def test_an_instruction_line_ending_a_listed_options_block_stays_template():
    # the options list names the instruction line too; as the block's last line it is
    # still the template (its own line, read from its start)
    text = "Which?\nred\nNote: none"
    assert _roles(text, choices=["red", "Note: none"]) == [
        ("question", "Which?"),
        ("choices", "red"),
        ("template", "Note: none"),
    ]
