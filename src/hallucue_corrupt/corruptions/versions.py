"""MathVerse's problem versions (Zhang et al., 2024) as corruptions.

MathVerse rewrites each problem in five versions: Text Dominant (the full question), Text
Lite (the descriptive information the diagram shows is removed), Vision Intensive,
Vision Dominant (the numeric conditions move from the text into the diagram) and Vision
Only (the whole question is drawn in the image; ``render_text_to_image`` plays it). Two of
them are here, built on the question parser:

- ``text_lite`` removes the condition sentences and clauses that describe what the diagram
  shows (``As shown in the figure, AB is the diameter of ⊙O``, ``There is a blue rectangle
  with vertices ...``, ``which goes through (0,-2), (1,0)``) and keeps what the diagram does
  not show (a story, a formula, a given value written as text), the question, hints,
  choices and template.
- ``vision_dominant`` moves the numeric conditions out of the text and draws them onto the
  image: a legend box in the corner that holds the least content, or, when no corner is
  empty enough, a band added below. Where it went is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from pydantic import Field

from ..base import Context, SampleCorruption
from ..functional import parse as P
from ..media import ImageRef
from ..registry import register
from .crossmodal import _font, _wrap, move_out, render_panel
from .text import ParsedCorruption, RemoveNumericConditions, TemplateParams

__all__ = ["TextLite", "VisionDominant", "describes_diagram"]

_COLOUR = (
    r"blue|red|green|orange|purple|yellow|pink|gr[ae]y|black|brown|cyan|magenta|violet|"
    r"light ?green|light ?blue|dark ?blue|dashed|dotted"
)
_POINT = r"\(\s*\$?[-−]?[\d.]+(?:\\?[a-z]*\{?\d*\}?)?\$?\s*,\s*\$?[-−]?[\d.]+[^()]{0,12}\)"
#: What the diagram shows: drawing words, colours, plotted points, figure relations.
_SHOWN = re.compile(
    rf"(?i)\bthere (is|are)\b|\b({_COLOUR})\b|{_POINT}|\b(highlighted|plotted|graphed|"
    r"drawn|marked|labell?ed|shaded)\b|\b(pass(es|ing)?|go(es|ing)? through|"
    r"intersect(s|ing|ion)?|crosses|opens? (up|down)(ward)?s?)\b|\b(vertex|vertices|foci|"
    r"asymptotes?|[xy]-intercept|intercepts?|centered|cent(er|re) (is|at|of))\b|"
    r"\b(is|are|be) (parallel|perpendicular|tangent|the diameter|a diameter|the radius|"
    r"the midpoint|the bisector|on|inscribed|circumscribed)\b|\bparallel\b|\bperpendicular\b|"
    r"\bbisects?\b|\bdiameter\b|\bmidpoint\b|\btangent to\b|∥|⊥|"
    r"^\s*(as shown|in the (figure|diagram|graph|picture)|如图)|"
    r"^\s*in (the )?(right[- ]angled? |isosceles |equilateral )?(triangle|rectangle|rhombus|"
    r"parallelogram|trapezoid|quadrilateral|square|kite|circle|pentagon|hexagon|polygon|"
    r"\\odot|⊙|△|\\triangle)|\b(the )?(marked|given) (angle|side|length)\b|"
    r"\b(angle|side|length|radius|height|width|hypotenuse)\b[^.]*\b(is|of|=)\s*\$?\d|"
    r"\b(minimum|maximum|turning|end) points?\b|\bpoints? at\b|\b[xy]-axis\b|"
    r"\bsymmetric(al)? (about|with)\b"
)
#: Descriptive phrases inside an otherwise kept sentence: "passing (0,3)", "in blue".
_PHRASE = re.compile(
    rf"(?i)\s+(passing|going through|passing through|that goes through|which goes through)"
    rf"\s+(\(|{_POINT})[^.?;]*?(?=[.?;,]|$)|\s+in ({_COLOUR})\b(?= )"
)
#: Where a relative clause opens: ", which ...", ", that ...", ", with ...".
_RELATIVE = re.compile(r"(?i),\s+(which|that|with|passing|going)\b")
_REFERENCE = re.compile(
    r"(?i)^\s*(consider|look at|use|refer to|observe|see)\b[^.]*\b(figure|diagram|graph|"
    r"picture|image)s?\b[^.]*[.:]?\s*$|^\s*(below|above) is (the|a) (graph|figure|diagram)"
)


def describes_diagram(sentence: str) -> bool:
    """Whether a condition sentence describes what the diagram shows (Text Lite drops it)."""
    if _REFERENCE.search(sentence) and len(sentence.split()) <= 8:
        return False  # a bare pointer to the figure carries no information to remove
    return bool(_SHOWN.search(sentence))


def _clause_end(text: str, start: int) -> tuple[int, bool]:
    """Where a relative clause opened at ``start`` ends, and whether a comma closes it."""
    for m in re.finditer(r",\s+(?!\(|[-\d])|[.?;!](?=\s|$)", text[start + 1 :]):
        return start + 1 + m.start(), m.group().startswith(",")
    return len(text), False


def _strip_clauses(text: str) -> str:
    """``text`` without the relative clauses and phrases that describe the diagram."""
    out = text
    for m in reversed(list(_RELATIVE.finditer(out))):
        end, comma = _clause_end(out, m.start())
        if _SHOWN.search(out[m.start() : end]):
            out = out[: m.start()] + (" " + out[end + 1 :].lstrip() if comma else out[end:])
    out = _PHRASE.sub("", out)
    return re.sub(r"\s+([.?!,])", r"\1", out) if out != text else text


@register("text_lite")
class TextLite(ParsedCorruption):
    """MathVerse Text Lite: drop the description of what the diagram shows; keep what it
    does not show (stories, formulas, given values in words), the question, hints, choices
    and template. Descriptive clauses inside kept sentences (``which goes through (0,-2)``,
    ``in blue``) go too."""

    Params = TemplateParams
    NOTHING = "no rule fired: no description of the diagram found"

    def edit(
        self, parsed: P.Parse, drawn: Mapping[str, Any]
    ) -> tuple[set[int], dict[int, str], dict[str, Any]] | None:
        drop: set[int] = set()
        replaced = {}
        for i in parsed.indices("condition", "question"):
            text = parsed.spans[i].text
            new = _strip_clauses(text)
            # a condition still describing the diagram once its clauses are gone is dropped
            if parsed.spans[i].role == "condition" and describes_diagram(new):
                drop.add(i)
            elif new != text:
                replaced[i] = new
        if not drop and not replaced:
            return None
        kept = set(range(len(parsed.spans))) - drop
        info = {"clauses_removed": len(replaced)} if replaced else {}
        return kept, replaced, info


class VisionDominantParams(TemplateParams):
    placement: str = Field(
        "auto",
        pattern="^(auto|corner|below)$",
        description="'corner': a legend box in the emptiest corner; 'below': a band under "
        "the image; 'auto': the corner when one is empty enough, else the band.",
    )
    font_size: int | None = Field(None, ge=6, le=200, description="Default: image width / 28.")
    max_corner_share: float = Field(
        0.35, gt=0, le=1, description="Largest share of the image a corner box may take."
    )
    max_corner_std: float = Field(
        12.0, ge=0, description="Largest pixel std (0-255) of a corner counted as empty."
    )


def _legend_size(lines: list[str], font: Any, size: int) -> tuple[int, int]:
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    width = max(int(probe.textlength(line, font=font)) for line in lines) + size
    height = round(size * 1.3) * len(lines) + size
    return width, height


def _emptiest_corner(
    gray: np.ndarray, box: tuple[int, int], max_std: float
) -> tuple[str, int, int] | None:
    """The corner whose box-sized area is most uniform, if its std is at most ``max_std``."""
    h, w = gray.shape
    bw, bh = box
    corners = {
        "top_right": (w - bw, 0),
        "top_left": (0, 0),
        "bottom_right": (w - bw, h - bh),
        "bottom_left": (0, h - bh),
    }
    best: tuple[float, str, int, int] | None = None
    for name, (x, y) in corners.items():
        std = float(gray[y : y + bh, x : x + bw].std())
        if best is None or std < best[0]:
            best = (std, name, x, y)
    if best is None or best[0] > max_std:
        return None
    return best[1], best[2], best[3]


@register("vision_dominant")
class VisionDominant(SampleCorruption):
    """MathVerse Vision Dominant: the numeric conditions leave the text and are drawn onto
    the (first) image, as a legend box in the emptiest corner (it covers no content) or a
    band added below; the record holds what moved and where. No randomness: the placement
    follows from the image. LaTeX is drawn as its source text; the default font has no
    CJK glyphs."""

    Params = VisionDominantParams
    params: VisionDominantParams
    requires = frozenset({"image", "text"})

    def transform(
        self, images: list[ImageRef], text: Any, drawn: Mapping[str, Any], ctx: Context
    ) -> tuple[list[Any], Any, dict[str, Any]]:
        strip = RemoveNumericConditions(extra_patterns=self.params.extra_patterns)
        moved = move_out(strip, images, text, ctx, "no numeric condition found")
        if moved.reason:
            return images, text, {"applied": False, "reason": moved.reason}
        spans: dict[str, dict[str, list[str]]] = {"kept": {}, "removed": {}}
        for entry in moved.infos:
            for side, texts in entry.get("spans", {}).items():
                for role, items in texts.items():
                    spans[side].setdefault(role, []).extend(items)
        rendered, placement = self._draw(images[0].pil(), moved.pieces)
        info: dict[str, Any] = {
            "moved": moved.pieces,
            "spans": spans,
            **placement,
            "size_after": list(rendered.size),
            "intensity": 1.0,
        }
        if any(i.get("emptied") for i in moved.infos):
            info["emptied"] = True
        return [rendered, *images[1:]], moved.text, info

    def _draw(self, image: Image.Image, moved: list[str]) -> tuple[Image.Image, dict[str, Any]]:
        base = image.convert("RGB")
        size = self.params.font_size or max(10, max(base.width, 224) // 28)
        font = _font(size)
        probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
        lines = [line for item in moved for line in _wrap(probe, item, font, base.width - size)]
        box = _legend_size(lines, font, size)
        if self.params.placement != "below":
            fits = (
                box[0] <= base.width
                and box[1] <= base.height
                and box[0] * box[1] <= self.params.max_corner_share * base.width * base.height
            )
            gray = np.asarray(base.convert("L"), dtype=np.float32)
            corner = _emptiest_corner(gray, box, self.params.max_corner_std) if fits else None
            if corner is not None:
                name, x, y = corner
                out = base.copy()
                draw = ImageDraw.Draw(out)
                draw.rectangle(
                    [x, y, x + box[0] - 1, y + box[1] - 1], fill=(255, 255, 255), outline=(0, 0, 0)
                )
                for i, line in enumerate(lines):
                    draw.text(
                        (x + size // 2, y + size // 2 + i * round(size * 1.3)),
                        line,
                        fill=(0, 0, 0),
                        font=font,
                    )
                return out, {
                    "placement": "corner",
                    "corner": name,
                    "box": [x, y, x + box[0], y + box[1]],
                }
        # no empty corner (or placement "below"): a band below never covers content
        out = render_panel(base, "\n".join(moved), self.params.font_size, "below")
        return out, {"placement": "below", "box": [0, base.height, out.width, out.height]}
