"""The question parser and the text corruptions on questions written by hand in the style
of each benchmark (MathVerse, MathVista, We-Math, Geometry3K, GeoQA/UniGeo Chinese). The
questions are ours, not copied from the benchmarks; each expected output is written by
hand. Properties: the edit is the same whatever the wrapping, placeholders survive."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hallucue_corrupt as hc
from hallucue_corrupt.functional.parse import parse

EASYR1 = (
    "You FIRST think about the reasoning process as an internal monologue and then provide "
    "the final answer. The reasoning process MUST BE enclosed within <think> </think> tags. "
    "The final answer MUST BE put in \\boxed{}."
)
TRL = "Put your final answer in \\boxed{}."

# (question, what is asked, choices block or None, remove_text output)
MATHVERSE = [
    (
        "As shown in the figure, points A, B and C are on circle O, angle AOB = 80.0, then the "
        "degree of angle ACB is ()\nChoices:\nA:40°\nB:50°\nC:80°\nD:160°",
        "then the degree of angle ACB is ()",
        "Choices:\nA:40°\nB:50°\nC:80°\nD:160°",
        "Choices:\nA:40°\nB:50°\nC:80°\nD:160°",
    ),
    (
        "The function f is graphed in blue and passes (0,1). Determine whether f is even.\n"
        "Choices:\nA.Even\nB.Odd\nC.Neither",
        "Determine whether f is even.",
        "Choices:\nA.Even\nB.Odd\nC.Neither",
        "Choices:\nA.Even\nB.Odd\nC.Neither",
    ),
    (
        "Use the graph to estimate the solution of $2^x = 5$. Round to two decimal places.",
        "Use the graph to estimate the solution of $2^x = 5$.",
        None,
        "Round to two decimal places.",
    ),
    (
        "As shown in the figure, line m is parallel to line n, angle 1 = 35.0, then angle 2 is "
        "equal to ()\nChoices:\nA:35°\nB:55°\nC:145°\nD:125°",
        "then angle 2 is equal to ()",
        "Choices:\nA:35°\nB:55°\nC:145°\nD:125°",
        "Choices:\nA:35°\nB:55°\nC:145°\nD:125°",
    ),
    (
        "In circle O, AB is a chord and OC is perpendicular to AB at C. If OA = 5.0 and OC = 3.0, "
        "what is the length of AB?\nChoices:\nA:4\nB:6\nC:8\nD:10",
        "what is the length of AB?",
        "Choices:\nA:4\nB:6\nC:8\nD:10",
        "Choices:\nA:4\nB:6\nC:8\nD:10",
    ),
    (
        "There is a red parabola passing (0,3) and (2,-1). Find the vertex of the parabola.",
        "Find the vertex of the parabola.",
        None,
        "",
    ),
    (
        "A ladder of length 6 m leans on a wall. Find the height it reaches, correct to one "
        "decimal place.",
        "Find the height it reaches",
        None,
        "correct to one decimal place.",
    ),
    (
        "Quadrilateral P Q R S is a rectangle. Q S = 4 x + 2 and P R = 6 x - 8. Find x.\n"
        "Choices:\nA:2\nB:5\nC:7\nD:10",
        "Find x.",
        "Choices:\nA:2\nB:5\nC:7\nD:10",
        "Choices:\nA:2\nB:5\nC:7\nD:10",
    ),
    (
        "The graph of $y=\\frac{1}{2}x+1$ is shown. Is the function increasing?\nChoice:\n"
        "A. Yes\nB. No",
        "Is the function increasing?",
        "Choice:\nA. Yes\nB. No",
        "Choice:\nA. Yes\nB. No",
    ),
    (
        "A tank holds 40 litres. Give your answer as an exact value.\n\nHow long does it take to "
        "empty?",
        "How long does it take to empty?",
        None,
        "Give your answer as an exact value.",
    ),
]

MATHVISTA = [
    (
        "Hint: Please answer the question and provide the correct option letter, e.g., A, B, "
        "C, D, at the end.\nQuestion: Is the blue line above the red line at x = 4?\n"
        "Choices:\n(A) yes\n(B) no",
        "Is the blue line above the red line at x = 4?",
        "Choices:\n(A) yes\n(B) no",
        "Hint: Please answer the question and provide the correct option letter, e.g., A, B, "
        "C, D, at the end.\nQuestion:\nChoices:\n(A) yes\n(B) no",
    ),
    (
        "Hint: Please answer the question requiring an integer answer and provide the final "
        "value, e.g., 1, 2, 3, at the end.\nQuestion: Subtract all red balls. Subtract all "
        "tiny cylinders. How many objects are left?",
        "How many objects are left?",
        None,
        "Hint: Please answer the question requiring an integer answer and provide the final "
        "value, e.g., 1, 2, 3, at the end.\nQuestion:",
    ),
    (
        "Hint: Please answer the question and provide the correct option letter, e.g., A, B, "
        "C, D, at the end.\nQuestion: Which bar is the tallest?\nChoices:\n(A) red\n(B) blue\n"
        "(C) green",
        "Which bar is the tallest?",
        "Choices:\n(A) red\n(B) blue\n(C) green",
        "Hint: Please answer the question and provide the correct option letter, e.g., A, B, "
        "C, D, at the end.\nQuestion:\nChoices:\n(A) red\n(B) blue\n(C) green",
    ),
    (
        "Hint: Please answer the question requiring an integer answer and provide the final "
        "value, e.g., 1, 2, 3, at the end.\nQuestion: How many cubes are left after removing "
        "two spheres?",
        "How many cubes are left after removing two spheres?",
        None,
        "Hint: Please answer the question requiring an integer answer and provide the final "
        "value, e.g., 1, 2, 3, at the end.\nQuestion:",
    ),
    (
        "Hint: Please answer the question requiring a floating-point number with one decimal "
        "place and provide the final value, e.g., 1.2, 1.3, 1.4, at the end.\nQuestion: A "
        "cart of mass $m=2.0 \\mathrm{~kg}$ moves at $v=3.0 \\mathrm{~m/s}$. What is its "
        "kinetic energy? (Unit: J)",
        "What is its kinetic energy?",
        None,
        "Hint: Please answer the question requiring a floating-point number with one decimal "
        "place and provide the final value, e.g., 1.2, 1.3, 1.4, at the end.\nQuestion: "
        "(Unit: J)",
    ),
    (
        "Hint: Please answer the question and provide the correct option letter, e.g., A, B, "
        "C, D, at the end.\nQuestion: Find y. Round to the nearest tenth.\nChoices:\n(A) 3.1\n"
        "(B) 4.7\n(C) 9.0\n(D) 12.5",
        "Find y.",
        "Choices:\n(A) 3.1\n(B) 4.7\n(C) 9.0\n(D) 12.5",
        "Hint: Please answer the question and provide the correct option letter, e.g., A, B, "
        "C, D, at the end.\nQuestion: Round to the nearest tenth.\nChoices:\n(A) 3.1\n(B) 4.7\n"
        "(C) 9.0\n(D) 12.5",
    ),
    (
        "Hint: Please answer the question requiring an integer answer and provide the final "
        "value, e.g., 1, 2, 3, at the end.\nQuestion: What is the age gap between the two "
        "people in the photo? (Unit: years)",
        "What is the age gap between the two people in the photo?",
        None,
        "Hint: Please answer the question requiring an integer answer and provide the final "
        "value, e.g., 1, 2, 3, at the end.\nQuestion: (Unit: years)",
    ),
]

WEMATH = [
    (
        "The rectangle in the figure is 6 cm long and 4 cm wide. What is its perimeter (cm)?\n"
        "A. 10;B. 20;C. 24; D. No correct answer",
        "What is its perimeter (cm)?",
        "A. 10;B. 20;C. 24; D. No correct answer",
        "A. 10;B. 20;C. 24; D. No correct answer",
    ),
    (
        "Which of the shapes in the diagram is a parallelogram?\nA. ①;B. ②;C. ③; D. No "
        "correct answer",
        "Which of the shapes in the diagram is a parallelogram?",
        "A. ①;B. ②;C. ③; D. No correct answer",
        "A. ①;B. ②;C. ③; D. No correct answer",
    ),
    (
        "As shown in the diagram, the side of the square is 8 cm. What is its area in cm²?\n"
        "A. 16;B. 32;C. 64;D. 128; E. No correct answer",
        "What is its area in cm²?",
        "A. 16;B. 32;C. 64;D. 128; E. No correct answer",
        "A. 16;B. 32;C. 64;D. 128; E. No correct answer",
    ),
    (
        "As shown in the figure, what is the measure of ∠2 read from the protractor? ( )°\n"
        "A. 30; B. 60; C. 90; D. No correct answer",
        "what is the measure of ∠2 read from the protractor? ( )°",
        "A. 30; B. 60; C. 90; D. No correct answer",
        "A. 30; B. 60; C. 90; D. No correct answer",
    ),
    (
        "A cylinder (as shown) has radius 2 cm and height 5 cm. What is its volume in cm³? "
        "(Use π = 3.14)\nA. 31.4;B. 62.8;C. 125.6; D. No correct answer",
        "What is its volume in cm³?",
        "A. 31.4;B. 62.8;C. 125.6; D. No correct answer",
        "(Use π = 3.14)\nA. 31.4;B. 62.8;C. 125.6; D. No correct answer",
    ),
    (
        "According to the diagram: AB = ( ) m, BC = ( ) m\nA. 20, 30;B. 30, 20;C. 200, 300; "
        "D. No correct answer",
        "AB = ( ) m, BC = ( ) m",
        "A. 20, 30;B. 30, 20;C. 200, 300; D. No correct answer",
        "A. 20, 30;B. 30, 20;C. 200, 300; D. No correct answer",
    ),
]

GEOMETRY3K = [
    ("Find m \\angle 2.", "Find m \\angle 2.", None, ""),
    (
        "Find the perimeter of the parallelogram. Round to the nearest tenth if necessary.",
        "Find the perimeter of the parallelogram.",
        None,
        "Round to the nearest tenth if necessary.",
    ),
    (
        "Quadrilateral A B C D is a rhombus. If m \\angle B C D = 64, find m \\angle B A C.",
        "find m \\angle B A C.",
        None,
        "",
    ),
    ("Find x.", "Find x.", None, ""),
    (
        "Find the area of the shaded sector. Round to the nearest tenth.",
        "Find the area of the shaded sector.",
        None,
        "Round to the nearest tenth.",
    ),
    (
        "If P Q = 12 and Q R = 9, find P R.",
        "find P R.",
        None,
        "",
    ),
    (
        "In \\odot K, M N = 16 and m \\widehat M N = 98. Find the measure of L N.",
        "Find the measure of L N.",
        None,
        "",
    ),
]

GEOQA = [
    (
        "如图，在Rt△ABC中，∠C＝90°，AB＝10，AC＝8，则sinA等于（）",
        "则sinA等于（）",
        None,
        "",
    ),
    (
        "如图，PA、PB是⊙O的切线，切点分别为A、B，若∠P＝60°，PA＝3，求AB的长．",
        "求AB的长．",
        None,
        "",
    ),
    (
        "如图所示，已知AB∥CD，∠1＝110°，∠2的度数为（）\nA．70°\nB．80°\nC．110°",
        "∠2的度数为（）",
        "A．70°\nB．80°\nC．110°",
        "A．70°\nB．80°\nC．110°",
    ),
    (
        "如图，AB是⊙O的直径，点C在⊙O上，若∠BAC＝30°，则∠B的度数为（）",
        "则∠B的度数为（）",
        None,
        "",
    ),
    (
        "如图,直线a∥b,∠1=50°,则∠2的度数是()",
        "则∠2的度数是()",
        None,
        "",
    ),
    (
        "如图，在△ABC中，D、E分别是AB、AC的中点．若BC＝8，求DE的长（）",
        "求DE的长（）",
        None,
        "",
    ),
    (
        "如图，∠AOB＝100°，点C在⊙O上，则∠ACB等于（）\nA、40°\nB、50°\nC、60°\nD、80°",
        "则∠ACB等于（）",
        "A、40°\nB、50°\nC、60°\nD、80°",
        "A、40°\nB、50°\nC、60°\nD、80°",
    ),
    (
        "如图，AB∥CD，∠A＝45°，∠C＝30°，则∠E的度数为（）（A）15°（B）75°（C）105°",
        "则∠E的度数为（）",
        "（A）15°（B）75°（C）105°",
        "（A）15°（B）75°（C）105°",
    ),
    (
        "已知圆锥的底面半径为3，母线长为5。求它的侧面积。",
        "求它的侧面积。",
        None,
        "",
    ),
]

ALL = [
    pytest.param(*case, id=f"{name}-{i}")
    for name, cases in {
        "mathverse": MATHVERSE,
        "mathvista": MATHVISTA,
        "wemath": WEMATH,
        "geometry3k": GEOMETRY3K,
        "geoqa": GEOQA,
    }.items()
    for i, case in enumerate(cases)
]


@pytest.mark.parametrize(("question", "asked", "choices", "removed"), ALL)
def test_parse_finds_question_and_choices(question, asked, choices, removed):
    p = parse(question)
    assert [s.text for s in p.of("question")] == [asked]
    assert [s.text for s in p.of("choices")] == ([choices] if choices else [])


@pytest.mark.parametrize(("question", "asked", "choices", "removed"), ALL)
def test_remove_text_on_benchmark_styles(question, asked, choices, removed):
    out, rec = hc.make("remove_text").apply_text(question)
    assert out == removed
    assert rec["spans"]["removed"]["question"] == [asked]
    assert rec.get("emptied", False) is (removed == "")


@pytest.mark.parametrize(("question", "asked", "choices", "removed"), ALL)
def test_condition_edits_keep_the_question_and_choices(question, asked, choices, removed):
    for name in (
        "remove_numeric_conditions",
        "drop_conditions",
        "shuffle_conditions",
        "replace_numbers",
    ):
        out, _rec = hc.make(name).apply_text(question, key="k")
        assert asked in out, name
        if choices:
            assert choices in out, name


@pytest.mark.parametrize(("question", "asked", "choices", "removed"), ALL)
def test_wrapping_does_not_change_the_edit(question, asked, choices, removed):
    for name in (
        "remove_text",
        "remove_numeric_conditions",
        "drop_conditions",
        "shuffle_conditions",
        "replace_numbers",
        "text_lite",
    ):
        raw, _ = hc.make(name).apply_text(question, key="k")
        easy, _ = hc.make(name).apply_text(f"<image>{question} {EASYR1}", key="k")
        trl, _ = hc.make(name).apply_text(f"{question}\n{TRL}", key="k")
        assert EASYR1 in easy and TRL in trl
        body = " ".join(raw.split())
        assert " ".join(easy.replace("<image>", "").replace(EASYR1, "").split()) == body, name
        assert " ".join(trl.replace(TRL, "").split()) == body, name


def test_remove_text_keep_question_and_easyr1_template():
    q = next(case[0] for case in MATHVERSE if "line m is parallel" in case[0])
    out, rec = hc.make("remove_text", keep_question=True).apply_text(f"<image>{q} {EASYR1}")
    assert out == (
        "<image>then angle 2 is equal to ()\nChoices:\nA:35°\nB:55°\nC:145°\nD:125° " + EASYR1
    )
    assert rec["spans"]["removed"] == {
        "condition": ["As shown in the figure, line m is parallel to line n, angle 1 = 35.0,"]
    }
    assert rec["template_found"] is True and "emptied" not in rec


def test_hints_are_kept_and_rounded_to_does_not_keep_conditions():
    q = "Let $a = 4$ and $b = 3$. Find $c$, rounded to the nearest hundredth."
    out, _ = hc.make("remove_numeric_conditions").apply_text(q)
    assert out == "Find $c$, rounded to the nearest hundredth."
    out, _ = hc.make("remove_text").apply_text(q)
    assert out == "rounded to the nearest hundredth."


def test_sentences_end_at_closing_bracket_and_chinese_marks():
    p = parse("The side is 4 (in cm.) The area is 16! 求周长。它是多少？")
    assert [s.text for s in p.spans] == [
        "The side is 4 (in cm.)",
        "The area is 16!",
        "求周长。",
        "它是多少？",
    ]
    assert p.spans[-1].role == "question"


def test_latex_is_never_split():
    q = "Let $x = 2. 5$ and \\(y = 1. 5\\) and \\frac{a. b}{c}. Find $x+y$."
    assert [s.text for s in parse(q).spans] == [
        "Let $x = 2. 5$ and \\(y = 1. 5\\) and \\frac{a. b}{c}.",
        "Find $x+y$.",
    ]


def test_options_from_a_list_column():
    p = parse("Which is larger?\n7\n9", choices=["7", "9"])
    assert [s.text for s in p.of("choices")] == ["7\n9"]


def test_text_lite_removes_what_the_diagram_shows():
    q = (
        "There is a blue circle centered at (1,2) with radius 3. Alice walks 5 km each day. "
        "Find the domain of f, which goes through (0,1) and (2,5)."
    )
    out, rec = hc.make("text_lite").apply_text(q)
    assert out == "Alice walks 5 km each day. Find the domain of f."
    assert rec["spans"]["removed"]["condition"] == [
        "There is a blue circle centered at (1,2) with radius 3."
    ]


def test_emptied_is_flagged_and_counted():
    out, rec = hc.make("remove_text").apply_text("<image>Find x.")
    assert out == "<image>" and rec["emptied"] is True
    full = {"corruptions": [rec]}
    assert hc.records.count_emptied([full, {"corruptions": []}, None]) == 1


def test_warn_emptied_logs_once(caplog):
    rec = {"corruptions": [{"name": "remove_text", "emptied": True}]}
    with caplog.at_level("WARNING", logger="hallucue_corrupt"):
        assert hc.records.warn_emptied([rec, rec]) == 2
    assert len(caplog.records) == 1 and "2 row(s)" in caplog.text


sentences = st.sampled_from(
    [
        "Let $AB = 5$.",
        "As shown in the figure, angle 1 = 40°,",
        "then angle 2 is ()",
        "What is the area?",
        "Find x.",
        "Choices:\nA:1\nB:2",
        "A. 3;B. 4",
        "如图，∠1=50°，则∠2的度数是（）",
        "Round to one decimal place.",
        "<image>",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    parts=st.lists(sentences, min_size=1, max_size=6),
    name=st.sampled_from(
        [
            "remove_text",
            "remove_numeric_conditions",
            "drop_conditions",
            "shuffle_conditions",
            "replace_numbers",
            "text_lite",
            "remove_choices",
        ]
    ),
)
def test_properties_placeholders_and_wrapping(parts, name):
    q = " ".join(parts)
    raw, rec = hc.make(name).apply_text(q, key=1)
    assert raw.count("<image>") == q.count("<image>")
    easy, _ = hc.make(name).apply_text(f"<image>{q} {EASYR1}", key=1)
    assert easy.count("<image>") == q.count("<image>") + 1 and EASYR1 in easy
    body = " ".join(raw.replace("<image>", "").split())
    assert " ".join(easy.replace("<image>", "").replace(EASYR1, "").split()) == body
    if not raw.replace("<image>", "").strip() and q.replace("<image>", "").strip():
        assert rec.get("emptied") is True


@pytest.mark.parametrize(
    "name",
    [
        "remove_text",
        "remove_numeric_conditions",
        "drop_conditions",
        "shuffle_conditions",
        "replace_numbers",
        "text_lite",
        "vision_dominant",
    ],
)
def test_replay_reproduces_text_corruptions_from_the_record(name):
    from PIL import Image

    row = {
        "image": Image.new("RGB", (96, 64), "white"),
        "problem": "<image>Let $a = 3$. Let $b = 4$. The line passes (1,2). Find $a+b$.\n" + TRL,
    }
    pipe = hc.Pipeline([hc.make(name)])
    new, rec = pipe.apply(row, key="q1", image_column="image", text_column="problem")
    assert rec["corruptions"][0]["applied"] is True
    again = hc.replay(rec, row, image_column="image", text_column="problem")
    assert again["problem"] == new["problem"]
    assert again["image"].tobytes() == new["image"].tobytes()


def test_vision_dominant_moves_numbers_into_an_empty_corner_or_a_band():
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), "white")
    ImageDraw.Draw(img).polygon([(60, 200), (260, 200), (60, 60)], outline="black", width=3)
    q = "<image>In triangle ABC, AB = 5 and BC = 12. Angle B is a right angle. Find AC."
    images, text, rec = hc.make("vision_dominant").apply_sample([img], q)
    assert text == "<image>Angle B is a right angle. Find AC."
    assert rec["moved"] == ["In triangle ABC, AB = 5 and BC = 12."]
    assert rec["placement"] == "corner" and images[0].size == img.size
    x0, y0, x1, y1 = rec["box"]
    # the legend covers no drawn pixel of the original
    assert img.crop((x0, y0, x1, y1)).convert("L").getextrema() == (255, 255)
    assert images[0].crop((x0, y0, x1, y1)).convert("L").getextrema()[0] < 128
    busy = Image.effect_noise((320, 240), 80).convert("RGB")
    images, _, rec = hc.make("vision_dominant").apply_sample([busy], q)
    assert rec["placement"] == "below" and images[0].size[1] > 240
    assert images[0].crop((0, 0, 320, 240)).tobytes() == busy.tobytes()


def test_text_benchmark_runs_on_a_small_dev_set(tmp_path, capsys):
    import json

    from benchmarks import text as bench

    rows = [
        {
            "id": f"mv-{i}",
            "source": "mathverse",
            "question": q,
            "options": [line[2:] for line in c.split("\n")[1:]] if c else None,
        }
        for i, (q, _, c, _) in enumerate(MATHVERSE)
    ] + [
        {
            "id": "lite-1",
            "source": "mathverse_lite",
            "question": "There is a blue line passing (0,1) and (2,5). Find its slope.",
            "text_lite": "Find its slope.",
        },
    ]
    (tmp_path / "dev.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert bench.main(["--data", str(tmp_path), "--json", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())["overall"]
    assert report["choices kept"]["rate"] == 1.0 and report["choices kept"]["n"] == sum(
        1 for c in MATHVERSE if c[2]
    )
    assert report["wrapping invariance"]["rate"] == 1.0
    assert report["LaTeX broken"]["rate"] == 0.0
    assert report["text_lite Jaccard"]["rate"] == 1.0
    assert "| choices kept |" in capsys.readouterr().out
    (tmp_path / "bad.jsonl").write_text('{"id": 1, "source": "x", "question": "q"}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:1: field 'id'"):
        bench.load(tmp_path / "bad.jsonl")


def test_trl_content_parts_get_the_same_edit_as_the_raw_question():
    from PIL import Image

    q = next(case[0] for case in WEMATH if "side of the square" in case[0])
    prompt = [
        {"role": "system", "content": "You are a helpful assistant. Show your work."},
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": f"{q}\n{TRL}"}]},
    ]
    row = {"image": Image.new("RGB", (8, 8)), "prompt": prompt}
    for name in ("remove_text", "remove_numeric_conditions", "text_lite"):
        new, _ = hc.Pipeline([hc.make(name)]).apply(
            row, key=3, image_column="image", text_column="prompt"
        )
        raw, _ = hc.make(name).apply_text(q)
        assert new["prompt"][0] == prompt[0]  # the system prompt is not a question
        assert new["prompt"][1]["content"][0] == {"type": "image"}
        assert new["prompt"][1]["content"][1]["text"] == f"{raw}\n{TRL}", name
