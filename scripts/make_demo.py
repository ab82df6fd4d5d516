"""Build the bundled demo dataset: 24 geometry and chart problems with drawn images.

Writes ``src/hallucue_corrupt/data/demo/demo.jsonl`` and ``images/*.png``. Deterministic:
fixed values, a private ``random.Random(0)``, PNGs without metadata, so reruns give the
same bytes. Rerun with ``python scripts/make_demo.py`` after changing it.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parents[1] / "src" / "hallucue_corrupt" / "data" / "demo"
TEMPLATES = (
    "Answer step by step and put the final answer in \\boxed{}.",
    "Please reason step by step, and put your final answer within \\boxed{}.",
    "Think step by step and give the final answer in \\boxed{}.",
)
MC_TEMPLATE = "Answer with the option letter."
SIZE = (256, 256)
Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


def font(size: int = 14) -> Font:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):
        return ImageFont.load_default()


def canvas(size: tuple[int, int] = SIZE) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGB", size, (255, 255, 255))
    return img, ImageDraw.Draw(img)


def label(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int = 14,
    color: tuple[int, int, int] = (0, 0, 0),
) -> None:
    draw.text(xy, text, fill=color, font=font(size), anchor="mm")


def triangle(points: list[tuple[float, float]], names: str, sides: dict[int, str]) -> Image.Image:
    """A triangle with labelled vertices and side labels on sides i -> i+1."""
    img, draw = canvas()
    draw.polygon(points, outline=(20, 40, 160), width=3)
    cx = sum(p[0] for p in points) / 3
    cy = sum(p[1] for p in points) / 3
    for (x, y), name in zip(points, names, strict=True):
        dx, dy = x - cx, y - cy
        norm = math.hypot(dx, dy) or 1
        label(draw, (x + 16 * dx / norm, y + 16 * dy / norm), name, 16)
    for i, text in sides.items():
        (x1, y1), (x2, y2) = points[i], points[(i + 1) % 3]
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        dx, dy = mx - cx, my - cy
        norm = math.hypot(dx, dy) or 1
        label(draw, (mx + 18 * dx / norm, my + 18 * dy / norm), text, 14, (170, 30, 30))
    return img


def circle(radius_label: str, chord: bool = False) -> Image.Image:
    img, draw = canvas()
    c, r = (128, 128), 90
    draw.ellipse((c[0] - r, c[1] - r, c[0] + r, c[1] + r), outline=(20, 40, 160), width=3)
    draw.line((c, (c[0] + r, c[1])), fill=(170, 30, 30), width=2)
    draw.ellipse((c[0] - 3, c[1] - 3, c[0] + 3, c[1] + 3), fill=(0, 0, 0))
    label(draw, (c[0] - 10, c[1] - 12), "O", 16)
    label(draw, (c[0] + r / 2, c[1] - 12), radius_label, 14, (170, 30, 30))
    if chord:
        a, b = (c[0] - 70, c[1] + 56), (c[0] + 70, c[1] + 56)
        draw.line((a, b), fill=(20, 120, 20), width=2)
        label(draw, (a[0] - 10, a[1] + 10), "A", 16)
        label(draw, (b[0] + 10, b[1] + 10), "B", 16)
    return img


def rectangle(w_label: str, h_label: str, size: tuple[int, int] = SIZE) -> Image.Image:
    img, draw = canvas(size)
    x0, y0, x1, y1 = 40, 50, size[0] - 40, size[1] - 50
    draw.rectangle((x0, y0, x1, y1), outline=(20, 40, 160), width=3)
    for (x, y), name in zip([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], "ABCD", strict=True):
        label(draw, (x + (-12 if x == x0 else 12), y + (-12 if y == y0 else 12)), name, 16)
    label(draw, ((x0 + x1) / 2, y1 + 16), w_label, 14, (170, 30, 30))
    label(draw, (x1 + 20, (y0 + y1) / 2), h_label, 14, (170, 30, 30))
    return img


def angle(deg_label: str, unknown: str = "x") -> Image.Image:
    """Two angles on a straight line: one labelled, one unknown."""
    img, draw = canvas()
    o = (128, 170)
    draw.line(((20, 170), (236, 170)), fill=(20, 40, 160), width=3)
    draw.line((o, (70, 50)), fill=(20, 40, 160), width=3)
    draw.arc((98, 140, 158, 200), 180 + 65, 360, fill=(170, 30, 30), width=2)
    draw.arc((108, 150, 148, 190), 180, 180 + 65, fill=(20, 120, 20), width=2)
    label(draw, (172, 150), deg_label, 14, (170, 30, 30))
    label(draw, (96, 156), unknown, 16, (20, 120, 20))
    return img


def bars(
    values: list[int], names: list[str], title: str, size: tuple[int, int] = SIZE
) -> Image.Image:
    img, draw = canvas(size)
    w, h = size
    left, bottom, top = 36, h - 30, 36
    draw.line(((left, top - 10), (left, bottom)), fill=(0, 0, 0), width=2)
    draw.line(((left, bottom), (w - 10, bottom)), fill=(0, 0, 0), width=2)
    label(draw, (w / 2, 14), title, 13)
    step = (w - left - 20) / len(values)
    scale = (bottom - top) / max(values)
    colors = [(66, 133, 244), (219, 68, 55), (244, 180, 0), (15, 157, 88), (171, 71, 188)]
    for i, (v, n) in enumerate(zip(values, names, strict=True)):
        x0 = left + 10 + i * step
        draw.rectangle((x0, bottom - v * scale, x0 + step * 0.6, bottom), fill=colors[i % 5])
        label(draw, (x0 + step * 0.3, bottom - v * scale - 10), str(v), 12)
        label(draw, (x0 + step * 0.3, bottom + 12), n, 12)
    return img


def line_chart(values: list[int], title: str) -> Image.Image:
    img, draw = canvas()
    left, bottom, top, right = 36, 226, 40, 240
    draw.line(((left, top - 10), (left, bottom)), fill=(0, 0, 0), width=2)
    draw.line(((left, bottom), (right, bottom)), fill=(0, 0, 0), width=2)
    label(draw, (128, 14), title, 13)
    scale = (bottom - top) / max(values)
    pts = [
        (left + 15 + i * (right - left - 30) / (len(values) - 1), bottom - v * scale)
        for i, v in enumerate(values)
    ]
    draw.line(pts, fill=(219, 68, 55), width=3)
    for i, ((x, y), v) in enumerate(zip(pts, values, strict=True)):
        draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=(219, 68, 55))
        label(draw, (x, y - 12), str(v), 12)
        label(draw, (x, bottom + 10), str(2019 + i), 11)
    return img


def written(lines: list[str], figure: Image.Image | None = None) -> Image.Image:
    """Vision-only: the question is written inside the image (MathVerse style)."""
    img, draw = canvas((256, 300))
    if figure is not None:
        small = figure.resize((160, 160))
        img.paste(small, (48, 4))
    y = 176 if figure is not None else 40
    for line in lines:
        draw.text((10, y), line, fill=(0, 0, 0), font=font(13))
        y += 20
    return img


def fmt(value: float) -> str:
    """Numbers as answers: integers plain, others to one decimal."""
    return str(round(value)) if abs(value - round(value)) < 1e-9 else f"{value:.1f}"


def build() -> list[tuple[dict[str, str], Image.Image]]:
    rng = random.Random(0)
    items: list[tuple[dict[str, str], Image.Image]] = []

    def add(kind: str, problem: str, answer: str, image: Image.Image) -> None:
        items.append(({"problem": "<image>" + problem, "answer": answer, "type": kind}, image))

    def tpl() -> str:
        return rng.choice(TEMPLATES)

    # right triangles: hypotenuse from two legs
    for a, b in [(3, 4), (5, 12), (8, 15), (6, 8)]:
        pts = [
            (50.0, 200.0),
            (50.0 + b * 150 / max(a, b), 200.0),
            (50.0, 200.0 - a * 150 / max(a, b)),
        ]
        img = triangle(pts, "BCA", {0: str(b), 2: str(a)})
        add(
            "triangle",
            f"In right triangle $ABC$, $\\angle B = 90^\\circ$, $AB = {a}$ and $BC = {b}$. "
            f"Find $AC$.\n{tpl()}",
            fmt(math.hypot(a, b)),
            img,
        )
    # triangle angle sum
    for x, y in [(50, 60), (35, 75)]:
        img = triangle([(40.0, 210.0), (220.0, 210.0), (110.0, 50.0)], "ABC", {})
        d = ImageDraw.Draw(img)
        label(d, (70, 195), f"{x}°", 13, (170, 30, 30))
        label(d, (195, 195), f"{y}°", 13, (170, 30, 30))
        label(d, (112, 80), "?", 14, (20, 120, 20))
        add(
            "angle",
            f"In triangle $ABC$, $\\angle A = {x}^\\circ$ and $\\angle B = {y}^\\circ$. "
            f"Find the measure of $\\angle C$ in degrees. {tpl()}",
            str(180 - x - y),
            img,
        )
    # supplementary angles
    for deg in (115, 128):
        add(
            "angle",
            f"Two angles form a linear pair. One angle measures ${deg}^\\circ$. Find $x$.\n{tpl()}",
            str(180 - deg),
            angle(f"{deg}°"),
        )
    # circles: area and circumference with units and decimals
    for r, what in [(3.5, "circumference"), (4, "area")]:
        value = 2 * math.pi * r if what == "circumference" else math.pi * r * r
        add(
            "circle",
            f"The circle with center $O$ has radius $r = {fmt(r)}$ cm. "
            f"Find the {what} of the circle. Round to the nearest tenth.\n{tpl()}",
            fmt(round(value, 1)),
            circle(f"{fmt(r)} cm"),
        )
    # chord distance (multiple choice)
    add(
        "circle",
        "In $\\odot O$, the radius is $5$ and chord $AB$ is $8$ long. How far is $AB$ from $O$?\n"
        f"Choices: A. 2 B. 3 C. 4 D. 5\n{MC_TEMPLATE}",
        "B",
        circle("5", chord=True),
    )
    # rectangles (one non-square canvas)
    add(
        "rectangle",
        f"Rectangle $ABCD$ has $AB = 9$ cm and $BC = 4$ cm. Find its area in square cm. {tpl()}",
        "36",
        rectangle("9 cm", "4 cm"),
    )
    add(
        "rectangle",
        "Rectangle $ABCD$ has width $12$ and height $5$. Find the length of the diagonal $AC$.\n"
        f"Choices: A. 11 B. 13 C. 15 D. 17\n{MC_TEMPLATE}",
        "B",
        rectangle("12", "5", (320, 200)),
    )
    add(
        "rectangle",
        f"The perimeter of rectangle $ABCD$ is $30$ and $AB = 10$. Find $BC$. {tpl()}",
        "5",
        rectangle("10", "?"),
    )
    # isosceles triangle, multiple choice
    add(
        "triangle",
        "Triangle $ABC$ is isosceles with $AB = AC$ and $\\angle A = 40^\\circ$. "
        f"Find $\\angle B$.\nChoices: A. 40 B. 60 C. 70 D. 80\n{MC_TEMPLATE}",
        "C",
        triangle([(128.0, 40.0), (40.0, 210.0), (216.0, 210.0)], "ABC", {}),
    )
    # bar charts
    q = [12, 18, 9, 15]
    add(
        "bar_chart",
        "The bar chart shows the sales of a shop in each quarter. "
        f"What is the total of Q2 and Q3?\n{tpl()}",
        str(q[1] + q[2]),
        bars(q, ["Q1", "Q2", "Q3", "Q4"], "Sales per quarter"),
    )
    s = [7, 11, 4]
    add(
        "bar_chart",
        "The chart shows how many students chose each club. How many more students chose "
        f"Art than Chess?\nChoices: A. 3 B. 4 C. 7 D. 11\n{MC_TEMPLATE}",
        "A",
        bars(s, ["Art", "Music", "Chess"], "Club choices"),
    )
    # line chart
    v = [20, 26, 23, 31, 35]
    add(
        "line_chart",
        "The line chart shows yearly rainfall in cm. What is the increase from 2019 to 2023? "
        f"{tpl()}",
        str(v[-1] - v[0]),
        line_chart(v, "Rainfall (cm)"),
    )
    # no template at all (the trainer adds it later, as in EasyR1's Geometry3K)
    add(
        "bar_chart",
        "The bar chart shows visitors per day. What is the mean number of visitors?",
        fmt(sum([30, 45, 60]) / 3),
        bars([30, 45, 60], ["Mon", "Tue", "Wed"], "Visitors"),
    )
    add(
        "triangle",
        "In triangle $ABC$, $AB = 7$, $BC = 7$ and $CA = 7$. Find the perimeter.",
        "21",
        triangle([(128.0, 40.0), (40.0, 200.0), (216.0, 200.0)], "ABC", {0: "7", 1: "7", 2: "7"}),
    )
    add(
        "angle",
        "Two angles are complementary and one of them is $35^\\circ$. Find the other angle.",
        "55",
        angle("35°"),
    )
    add("circle", "A circle has diameter $10$. Find its radius.", "5", circle("d = 10"))
    # vision-only: the question is in the image, the text is only the template
    fig = triangle([(50.0, 200.0), (200.0, 200.0), (50.0, 88.0)], "BCA", {0: "8", 2: "6"})
    add(
        "vision_only",
        "According to the question shown in the image, answer step by step and put the "
        "final answer in \\boxed{}.",
        "10",
        written(["Right triangle ABC, angle B = 90 degrees,", "AB = 6, BC = 8. Find AC."], fig),
    )
    add(
        "vision_only",
        "Answer the question shown in the image step by step and put the final answer in "
        "\\boxed{}.",
        "24",
        written(["A rectangle has sides 6 and 4.", "Find its area."]),
    )
    return items


def converted(i: int, image: Image.Image) -> Image.Image:
    """A few images in other modes, as users have them."""
    if i in (3, 9):
        return image.convert("L")
    if i == 5:
        rgba = image.convert("RGBA")
        rgba.putalpha(255)
        return rgba
    if i == 7:
        return image.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return image


def main() -> None:
    images = OUT / "images"
    images.mkdir(parents=True, exist_ok=True)
    for old in images.glob("*.png"):
        old.unlink()
    lines = []
    items = build()
    assert len(items) == 24, len(items)
    for i, (row, image) in enumerate(items):
        sample_id = f"demo-{i:03d}"
        name = f"images/{sample_id}.png"
        converted(i, image).save(OUT / name, format="PNG", optimize=True)
        lines.append(json.dumps({"id": sample_id, "image": name, **row}, ensure_ascii=False))
    (OUT / "demo.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} problems to {OUT}")


if __name__ == "__main__":
    main()
