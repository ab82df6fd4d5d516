"""Generate docs/catalogue/: one page per registered corruption, with before/after images.

Pages come from the code (class docstring, params schema, a run on a demo sample), so
they stay true to it; tests/test_docs.py checks the committed pages match a fresh run.
Rerun with ``python scripts/make_docs_catalogue.py`` after changing a corruption.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

import hallucue_corrupt as hc
from hallucue_corrupt.compose import Composite

SAMPLE = 1  # demo-001: a right triangle with numeric conditions
THUMB = 200

#: Questions written for these docs in the style of each benchmark (not copied from them).
STYLES = {
    "MathVerse (`Choices:` lines)": (
        "As shown in the figure, line m is parallel to line n, angle 1 = 35.0, then angle 2 is "
        "equal to ()\nChoices:\nA:35°\nB:55°\nC:145°\nD:125°"
    ),
    "MathVista (official query, hint)": (
        "Hint: Please answer the question requiring a floating-point number with one decimal "
        "place and provide the final value, e.g., 1.2, 1.3, 1.4, at the end.\nQuestion: A cart "
        "of mass $m=2.0 \\mathrm{~kg}$ moves at $v=3.0 \\mathrm{~m/s}$. What is its kinetic "
        "energy? (Unit: J)"
    ),
    "We-Math (inline options)": (
        "As shown in the diagram, the side of the square is 8 cm. What is its area in cm²?\n"
        "A. 16;B. 32;C. 64;D. 128; E. No correct answer"
    ),
    "GeoQA (Chinese)": "如图，AB是⊙O的直径，点C在⊙O上，若∠BAC＝30°，则∠B的度数为（）",
    "EasyR1 wrapping (template joined by a space)": (
        "<image>There is a red parabola passing (0,3) and (2,-1). Its axis is x = 1. Find the "
        "vertex of the parabola. You FIRST think about the reasoning process as an internal "
        "monologue and then provide the final answer. The reasoning process MUST BE enclosed "
        "within <think> </think> tags. The final answer MUST BE put in \\boxed{}."
    ),
}


def _cell(image: Any, caption: str) -> Image.Image:
    tile = Image.new("RGB", (THUMB, THUMB + 18), (255, 255, 255))
    if image is not None:
        img = image.convert("RGB")
        img.thumbnail((THUMB - 4, THUMB - 4))
        tile.paste(img, ((THUMB - img.width) // 2, 18 + (THUMB - img.height) // 2))
    else:
        ImageDraw.Draw(tile).text((60, THUMB // 2), "(no image)", fill=(90, 90, 90))
    ImageDraw.Draw(tile).text((4, 3), caption, fill=(0, 0, 0))
    return tile


def _strip(cells: list[Image.Image]) -> Image.Image:
    strip = Image.new("RGB", (THUMB * len(cells), THUMB + 18), (255, 255, 255))
    for i, cell in enumerate(cells):
        strip.paste(cell, (i * THUMB, 0))
    return strip


def _params_table(cls: type[hc.Corruption]) -> list[str]:
    rows = ["| param | default | description |", "| --- | --- | --- |"]
    for name, field in cls.Params.model_fields.items():
        default = field.default if not field.is_required() else "required"
        rows.append(f"| `{name}` | `{default!r}` | {field.description or ''} |")
    return rows


def page(name: str, ds: Any, out: Path) -> str:
    cls = hc.get(name)
    doc = inspect.cleandoc(cls.__doc__ or "")
    lines = [f"# `{name}`", "", f"Modality: **{cls.modality}**.", "", doc, "", "## Parameters", ""]
    lines += _params_table(cls)
    row = ds[SAMPLE]
    pool = hc.DatasetPool(ds, "image", "id")
    if cls.modality == "composite":
        corruption = hc.make(name, corruptions=[hc.make("blank_image"), hc.make("gaussian_noise")])
        lines += ["", "Example: `" + repr(corruption.to_dict()) + "`"]
    else:
        corruption = hc.make(name)
    variants = [corruption]
    if "severity" in cls.Params.model_fields:
        variants = [hc.make(name, severity=s) for s in (1, 3, 5)]
    outputs = []
    for c in variants:
        new, rec = hc.Pipeline([c]).apply(
            row, key=row["id"], image_column="image", text_column="problem", pool=pool
        )
        outputs.append((c, new, rec))
    if isinstance(corruption, Composite) or "image" in (corruption.requires or {"image"}):
        cells = [_cell(row["image"], "original")]
        for c, new, _ in outputs:
            caption = f"severity {c.params.severity:g}" if hasattr(c.params, "severity") else name
            cells.append(_cell(new["image"], caption))
        _strip(cells).save(out / "img" / f"{name}.png", format="PNG", optimize=True)
        lines += ["", "## Before and after", "", f"![{name} on a demo sample](img/{name}.png)"]
    c, new, rec = outputs[-1]
    if new["problem"] != row["problem"] or cls.modality == "text":
        lines += [
            "",
            "## Text before and after",
            "",
            "```text",
            row["problem"],
            "```",
            "",
            "```text",
            new["problem"],
            "```",
        ]
    if cls.modality == "text" or name == "vision_dominant":
        lines += ["", "## On benchmark-style questions", ""]
        lines += [
            "Questions written for these docs in each benchmark's style; the outputs are this "
            "code's, regenerated with the page.",
        ]
        for style, text in STYLES.items():
            if name == "vision_dominant":
                _, after, entry = corruption.apply_sample([Image.new("RGB", (64, 64))], text)
            else:
                after, entry = corruption.apply_text(text, key="docs")
            shown = after if entry["applied"] else f"(not fired: {entry.get('reason')})"
            lines += ["", f"**{style}**", "", "```text", text, "```", "", "```text", shown, "```"]
    lines += [
        "",
        "## Record",
        "",
        "```json",
        hc.records.dumps(rec["corruptions"][-1] if rec["corruptions"] else rec),
        "```",
        "",
    ]
    return "\n".join(lines)


def main(out: Path) -> list[Path]:
    (out / "img").mkdir(parents=True, exist_ok=True)
    ds = hc.load_demo()
    written = []
    names = [n for n in hc.list_corruptions() if not n.endswith("_test")]
    index = [
        "# Catalogue",
        "",
        "One page per registered corruption, generated from the code by "
        "`scripts/make_docs_catalogue.py` on demo sample `demo-001`.",
        "",
        "| name | modality | summary |",
        "| --- | --- | --- |",
    ]
    for name in names:
        (out / f"{name}.md").write_text(page(name, ds, out), encoding="utf-8")
        written.append(out / f"{name}.md")
        summary = inspect.cleandoc(hc.get(name).__doc__ or "").splitlines()[0]
        index.append(f"| [`{name}`]({name}.md) | {hc.get(name).modality} | {summary} |")
    (out / "index.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    return [*written, out / "index.md"]


if __name__ == "__main__":
    target = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[1] / "docs" / "catalogue"
    )
    for path in main(target):
        print("wrote", path)
