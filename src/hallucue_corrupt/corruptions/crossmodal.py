"""Cross-modal corruptions: drop the image (text-only / blind), or move the question into
the image (MathVerse vision-only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from PIL import Image, ImageDraw, ImageFont
from pydantic import Field

from ..base import Context, Params, SampleCorruption, TextCorruption
from ..fields import map_texts, strip_placeholders
from ..media import ImageRef
from ..registry import register
from .text import RemoveText

__all__ = ["DropImage", "RenderTextToImage", "TextOnly"]


@register("drop_image")
class DropImage(SampleCorruption):
    """Remove every image of the sample and its placeholders (``<image>`` tokens, image
    parts): a blind, text-only view. A single-image field becomes None, a list becomes [].

    TRL cannot mix rows with and without images in one batch: use ``blank_image`` for a
    per-row blind option there, or make whole batches blind (see docs/corruptions.md).
    """

    replaces = True

    def transform(
        self, images: list[ImageRef], text: Any, drawn: Mapping[str, Any], ctx: Context
    ) -> tuple[list[Any], Any, dict[str, Any]]:
        if not images:
            return [], text, {"applied": False, "reason": "no image"}
        new_text, removed = strip_placeholders(text, "text")
        return (
            [],
            new_text,
            {"dropped": len(images), "placeholders_removed": removed, "intensity": 1.0},
        )


@register("text_only")
class TextOnly(DropImage):
    """MathVerse text-only view: the question text stays whole and the image goes
    (the same operation as ``drop_image``, named for eval sets)."""


class RenderParams(Params):
    font_size: int | None = Field(None, ge=6, le=200, description="Default: image width / 28.")
    position: str = Field(
        "below", pattern="^(below|above)$", description="Where the text panel goes."
    )
    keep_choices_in_text: bool = Field(
        False, description="Keep answer choices in the text instead of drawing them."
    )


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}".strip()
            if draw.textlength(trial, font=font) <= width or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def render_panel(
    image: Image.Image, text: str, font_size: int | None, position: str
) -> Image.Image:
    """``image`` (as RGB) with ``text`` drawn in a white panel below or above it."""
    base = image.convert("RGB")
    width = max(base.width, 224)
    size = font_size or max(10, width // 28)
    font = _font(size)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    lines = _wrap(probe, text, font, width - size)
    line_height = round(size * 1.3)
    panel_height = line_height * len(lines) + size
    canvas = Image.new("RGB", (width, base.height + panel_height), (255, 255, 255))
    image_y = 0 if position == "below" else panel_height
    text_y = base.height if position == "below" else 0
    canvas.paste(base, ((width - base.width) // 2, image_y))
    draw = ImageDraw.Draw(canvas)
    for i, line in enumerate(lines):
        draw.text(
            (size // 2, text_y + size // 2 + i * line_height), line, fill=(0, 0, 0), font=font
        )
    return canvas


class Moved(NamedTuple):
    """What a text corruption takes out of a sample's text to draw into its image."""

    reason: str | None  #: why nothing can move (no image, no text, nothing removed), or None
    text: Any  #: the text (a string or messages) after the corruption
    infos: list[dict[str, Any]]  #: the record fields of each text it edited
    pieces: list[str]  #: the removed pieces, in order


def move_out(
    corruption: TextCorruption, images: list[ImageRef], text: Any, ctx: Context, nothing: str
) -> Moved:
    """Apply ``corruption`` to each text of the sample and collect what it removed, the
    shared first step of drawing text into the image; ``nothing`` is the reason given
    when it removes nothing."""
    if not images:
        return Moved("no image to draw into", text, [], [])
    if text is None:
        return Moved("no text", text, [], [])
    infos: list[dict[str, Any]] = []

    def one(value: str, where: str, slot: int) -> str:
        new, info = corruption.transform(value, {}, ctx)
        infos.append(info)
        return new

    new_text = map_texts(text, "text", one)
    pieces = [r for info in infos for r in info.get("removed", [])]
    return Moved(None if pieces else nothing, new_text, infos, pieces)


@register("render_text_to_image")
class RenderTextToImage(SampleCorruption):
    """MathVerse vision-only: the question's conditions, description and choices are drawn
    into a panel under the (first) image, and the text keeps only the instruction template
    and placeholders. LaTeX is drawn as its source text. The image becomes RGB."""

    Params = RenderParams
    params: RenderParams
    requires = frozenset({"image", "text"})

    def transform(
        self, images: list[ImageRef], text: Any, drawn: Mapping[str, Any], ctx: Context
    ) -> tuple[list[Any], Any, dict[str, Any]]:
        strip = RemoveText(keep_choices=self.params.keep_choices_in_text)
        moved = move_out(strip, images, text, ctx, "no question text to draw")
        if moved.reason:
            return images, text, {"applied": False, "reason": moved.reason}
        rendered = render_panel(
            images[0].pil(), " ".join(moved.pieces), self.params.font_size, self.params.position
        )
        info = {"rendered": moved.pieces, "size_after": list(rendered.size), "intensity": 1.0}
        return [rendered, *images[1:]], moved.text, info
