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


def _roles(text: str, **kw: object) -> list[tuple[str, str]]:
    out = parse(text, **kw).spans  # type: ignore[arg-type]
    for s in out:
        assert text[s.start : s.end] == s.text
    return [(s.role, s.text) for s in out]


# realistic questions and the whole parse each must give (roles per the module docstring)
CASES = {
    # LLaVA/MMBench style: inline choices on a line, answer instruction after
    "<image>\nWhat is the value of x?\nA. 3 B. 4 C. 5 D. 6\n"
    "Answer with the option's letter from the given choices directly.": [
        ("placeholder", "<image>"),
        ("question", "What is the value of x?"),
        ("choices", "A. 3 B. 4 C. 5 D. 6"),
        ("template", "Answer with the option's letter from the given choices directly."),
    ],
    "Find the area.\n(A) 12\n(B) 16\n(C) 20\n(D) 24": [
        ("question", "Find the area."),
        ("choices", "(A) 12\n(B) 16\n(C) 20\n(D) 24"),
    ],
    "Question: As shown in the figure, AB = 5, find CD.\nChoices:\nA: 4\nB: 5\nC: 6\nD: 7": [
        ("template", "Question:"),
        ("condition", "As shown in the figure, AB = 5,"),
        ("question", "find CD."),
        ("choices", "Choices:\nA: 4\nB: 5\nC: 6\nD: 7"),
    ],
    "Which is larger? A: 2 B: 3": [("question", "Which is larger?"), ("choices", "A: 2 B: 3")],
    "如图，AB=3，则CD的长为（）\nA、1\nB、2\nC、3\nD、4": [
        ("condition", "如图，AB=3，"),
        ("question", "则CD的长为（）"),
        ("choices", "A、1\nB、2\nC、3\nD、4"),
    ],
    "Choices: A. 1 B. 2\nPlease answer directly.": [
        ("choices", "Choices: A. 1 B. 2"),
        ("template", "Please answer directly."),
    ],
    "Options:\nA. red\nB. blue\nThis is a long sentence that explains a lot of other things.\n"
    "What color?": [
        ("choices", "Options:\nA. red\nB. blue"),
        ("condition", "This is a long sentence that explains a lot of other things."),
        ("question", "What color?"),
    ],
    # lower-case option lines with no head and no options list are not a block
    "What is shown? a) cat\nb) dog": [
        ("question", "What is shown?"),
        ("condition", "a) cat"),
        ("condition", "b) dog"),
    ],
    # LaTeX and brace groups: no cut inside them
    "In triangle ABC, $\\angle A = 30^{\\circ}$. Find BC. (Round to one decimal place.)": [
        ("condition", "In triangle ABC, $\\angle A = 30^{\\circ}$."),
        ("question", "Find BC."),
        ("hint", "(Round to one decimal place.)"),
    ],
    "Let $$x. y$$ be given. Find x.": [
        ("condition", "Let $$x. y$$ be given."),
        ("question", "Find x."),
    ],
    "Let \\(a. b\\) hold. Find a.": [
        ("condition", "Let \\(a. b\\) hold."),
        ("question", "Find a."),
    ],
    "Let \\[a. b\\] hold. Find a.": [
        ("condition", "Let \\[a. b\\] hold."),
        ("question", "Find a."),
    ],
    "Let f = \\frac{1. {2. 3}}{4}. Then g = {5. 6}. Find f.": [
        ("condition", "Let f = \\frac{1. {2. 3}}{4}."),
        ("condition", "Then g = {5. 6}."),
        ("question", "Find f."),
    ],
    # an unclosed brace masks nothing; a stray closing brace is ignored
    "Set {a. b. What is c? Find d.": [
        ("condition", "Set {a. b."),
        ("condition", "What is c?"),
        ("question", "Find d."),
    ],
    "Set a. b} c. Find d.": [("condition", "Set a. b} c."), ("question", "Find d.")],
    "Given \\frac{a.b}{c. d} = 2. What is a? Give your answer as an exact value.": [
        ("condition", "Given \\frac{a.b}{c. d} = 2."),
        ("question", "What is a?"),
        ("hint", "Give your answer as an exact value."),
    ],
    # hints: parentheses, units, tails, whole sentences, Chinese
    "Find x (Unit: cm).": [("question", "Find x"), ("hint", "(Unit: cm).")],
    "What is x? (correct to 1 decimal place)": [
        ("question", "What is x?"),
        ("hint", "(correct to 1 decimal place)"),
    ],
    "What is x? Answer in cm.": [("question", "What is x?"), ("hint", "Answer in cm.")],
    "计算面积。（保留两位小数）": [("question", "计算面积。"), ("hint", "（保留两位小数）")],
    "The answer choices are listed. Choose 2 answers. Which ones?": [
        ("condition", "The answer choices are listed."),
        ("hint", "Choose 2 answers."),
        ("question", "Which ones?"),
    ],
    "Find x. Round your answer to the nearest tenth. "
    "You FIRST think about the reasoning process.": [
        ("question", "Find x."),
        ("hint", "Round your answer to the nearest tenth."),
        ("template", "You FIRST think about the reasoning process."),
    ],
    # asking clauses
    "If AB = 3, then angle 3 is equal to ()": [
        ("condition", "If AB = 3,"),
        ("question", "then angle 3 is equal to ()"),
    ],
    "As shown, AB = 3, CD = 4, the length of EF is ____.": [
        ("condition", "As shown, AB = 3, CD = 4,"),
        ("question", "the length of EF is ____."),
    ],
    # abbreviations end no sentence
    "Mr. Smith has 3 apples. How many?": [
        ("condition", "Mr. Smith has 3 apples."),
        ("question", "How many?"),
    ],
    "He has apples (e.g. 3). How many?": [
        ("condition", "He has apples (e.g. 3)."),
        ("question", "How many?"),
    ],
    "Q: What is it?\nA: a cat": [
        ("template", "Q:"),
        ("question", "What is it?"),
        ("condition", "A: a cat"),
    ],
    # the Kelvin sign folds onto k under IGNORECASE: the word shortcut must not skip it
    "\u212a is the kelvin sign. Think step by step. What is it?": [
        ("condition", "\u212a is the kelvin sign."),
        ("hint", "Think step by step."),
        ("question", "What is it?"),
    ],
}


def test_realistic_questions_parse_into_their_roles():
    for text, expected in CASES.items():
        assert _roles(text) == expected, text


def test_parse_object_joins_and_selects_spans():
    text = (
        "<image>\nQuestion: Find x. (Round to one decimal place.)\n\nA bag holds 3.\n"
        "(A) 1\n(B) 2\nThink step by step."
    )
    p = parse(text)
    assert [s.role for s in p.spans] == [
        "placeholder", "template", "question", "hint", "condition", "choices", "template",
    ]  # fmt: skip
    assert p.indices("template") == [1, 6]
    assert [s.text for s in p.of("choices", "question")] == ["Find x.", "(A) 1\n(B) 2"]
    assert p.to_dict()[1] == {"role": "template", "text": "Question:", "start": 8, "end": 17}
    # the body: no placeholder or template; the blank line between two kept spans stays
    assert p.body() == "Find x. (Round to one decimal place.)\n\nA bag holds 3.\n(A) 1\n(B) 2"
    # the widest skipped gap (most line breaks) joins spans that were apart
    assert p.join([0, 6], {6: "X"}) == "<image>\n\nX"
    assert p.join([4, 2, 4]) == "Find x.\n\nA bag holds 3."


def test_extra_patterns_mark_more_instructions():
    text = "Find x. Reply in pirate speak."
    assert _roles(text) == [("question", "Find x."), ("condition", "Reply in pirate speak.")]
    assert _roles(text, extra_patterns=["pirate"]) == [
        ("question", "Find x."),
        ("template", "Reply in pirate speak."),
    ]


def test_listed_choices_skip_empty_options_and_take_the_first_block():
    text = "Which one?\n circle\nsquare\n\ncircle"
    assert _roles(text, choices=["circle", "square", "", "  "]) == [
        ("question", "Which one?"),
        ("choices", "circle\nsquare"),
        ("condition", "circle"),
    ]
    # lettered option lines are found without the list, and the list changes nothing
    text = "Which one?\nA. circle\nB. square\nDone."
    expected = [
        ("question", "Which one?"),
        ("choices", "A. circle\nB. square"),
        ("condition", "Done."),
    ]
    assert _roles(text, choices=["circle", "square"]) == expected == _roles(text)


def test_patterns_fold_case_for_extra_and_builtin_patterns():
    # a run-time pattern set (extra patterns) still folds the case of every pattern
    text = "Find x. Let's Think Step By Step. Reply Like A Pirate."
    assert _roles(text, extra_patterns=["reply like a pirate"]) == [
        ("question", "Find x."),
        ("template", "Let's Think Step By Step."),
        ("template", "Reply Like A Pirate."),
    ]
    # an extra instruction glued to a sentence with no final punctuation is cut off too
    text = "The sea is wide Reply Like A Pirate."
    assert _roles(text) == [("question", text)]
    assert _roles(text, extra_patterns=["reply like a pirate"]) == [
        ("question", "The sea is wide"),
        ("template", "Reply Like A Pirate."),
    ]


def test_patterns_answer_the_same_with_and_without_the_word_shortcut():
    from hallucue_corrupt.functional.parse import INSTRUCTION_PATTERNS, Patterns

    plain = Patterns(["ro+und"])
    assert plain.words is None and plain.any("ROOOUND it") and plain.first("a round") == 2
    assert not plain.any("square") and plain.first("square") is None
    shortcut = Patterns(INSTRUCTION_PATTERNS, ["pirate"], words=["step"])
    assert shortcut.words == ("step",)
    assert shortcut.any("Think STEP by step") and shortcut.any("a Pirate")
    assert not shortcut.any("Answer the question")  # holds no word: builtins skipped
    assert shortcut.first("so, a pirate") == 6


def test_choices_blocks_end_where_the_options_end():
    cases = {
        # inline options take their own line only
        "What is x?\nA. 3 B. 4\nThe figure is not to scale.\nIt is blue.": [
            ("question", "What is x?"),
            ("choices", "A. 3 B. 4"),
            ("condition", "The figure is not to scale."),
            ("condition", "It is blue."),
        ],
        # an "A:" with no "B" after it on its line is no options line: look further
        "In plan A: we wait.\nWhich is larger? A: 2 B: 3": [
            ("condition", "In plan A: we wait."),
            ("question", "Which is larger?"),
            ("choices", "A: 2 B: 3"),
        ],
        # after a head, a line of up to 8 words is an option, a longer one is not
        "Choices:\nA. red\nthe one on the left of the tree": [
            ("choices", "Choices:\nA. red\nthe one on the left of the tree"),
        ],
        "Choices:\nA. red\nthe one on the left of the big tree": [
            ("choices", "Choices:\nA. red"),
            ("question", "the one on the left of the big tree"),
        ],
    }
    for text, expected in cases.items():
        assert _roles(text) == expected, text
    # listed options with capital letters that do not start at A
    text = "Which one?\nC. circle\nD. square"
    assert _roles(text, choices=["circle", "square"]) == [
        ("question", "Which one?"),
        ("choices", "C. circle\nD. square"),
    ]
