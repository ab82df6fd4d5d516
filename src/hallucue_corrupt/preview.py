"""A gallery: one row per image corruption, the original then severities 1 to 5."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL import Image, ImageDraw

from .base import Corruption
from .compose import leaves
from .pipeline import Pipeline
from .pool import as_pool
from .registry import get, list_corruptions, make

__all__ = ["gallery", "gallery_rows"]

SEVERITIES = (1, 2, 3, 4, 5)


def gallery_rows(corruptions: Sequence[Corruption] | None = None) -> list[list[Corruption]]:
    """One row per image-touching corruption: its five severities, or itself alone."""
    if corruptions is None:
        names = [n for n, kind in list_corruptions().items() if kind in ("image", "multimodal")]
        corruptions = [make(n) for n in names]
    rows: list[list[Corruption]] = []
    for c in corruptions:
        for leaf in leaves(c):
            if "image" not in leaf.requires:
                continue
            params = leaf.params.model_dump()
            if "severity" in get(leaf.name).Params.model_fields:
                rows.append([make(leaf.name, **{**params, "severity": s}) for s in SEVERITIES])
            else:
                rows.append([leaf])
    return rows


def _fit(image: Image.Image | None, cell: int) -> Image.Image:
    tile = Image.new("RGB", (cell, cell), (235, 235, 235))
    if image is None:
        ImageDraw.Draw(tile).text((8, cell // 2 - 6), "(no image)", fill=(90, 90, 90))
        return tile
    img = image.convert("RGB")
    img.thumbnail((cell - 4, cell - 4))
    x, y = (cell - img.width) // 2, (cell - img.height) // 2
    tile.paste(img, (x, y))
    ImageDraw.Draw(tile).rectangle(
        (x - 1, y - 1, x + img.width, y + img.height), outline=(160, 160, 160)
    )
    return tile


def gallery(
    dataset: Any,
    corruptions: Sequence[Corruption] | None = None,
    *,
    cell: int = 128,
    image_column: str = "image",
    text_column: str | None = "problem",
    seed: int = 0,
) -> Image.Image:
    """Rows of corruptions over the demo-style ``dataset`` (row r shows sample r mod N):
    the original, then each severity. Labels sit in a left margin and a header."""
    rows = gallery_rows(corruptions)
    pool = as_pool(dataset, image_column)
    margin, header = 150, 20
    width = margin + (len(SEVERITIES) + 1) * cell
    grid = Image.new("RGB", (width, header + len(rows) * cell), (255, 255, 255))
    draw = ImageDraw.Draw(grid)
    for j, title in enumerate(["original", *(f"severity {s}" for s in SEVERITIES)]):
        draw.text((margin + j * cell + 4, 4), title, fill=(0, 0, 0))
    for r, variants in enumerate(rows):
        index = r % len(dataset)
        sample = dataset[index]
        y = header + r * cell
        draw.text((6, y + cell // 2 - 6), variants[0].name, fill=(0, 0, 0))
        grid.paste(_fit(sample[image_column], cell), (margin, y))
        for j, corruption in enumerate(variants, start=1):
            out, _ = Pipeline([corruption], seed=seed).apply(
                sample,
                key=index,
                image_column=image_column,
                text_column=text_column if "text" in corruption.requires else None,
                pool=pool,
            )
            grid.paste(_fit(out[image_column], cell), (margin + j * cell, y))
    return grid
