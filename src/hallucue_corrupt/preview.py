"""A gallery: original images beside every image corruption at each severity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL import Image, ImageDraw

from .base import Corruption
from .compose import leaves
from .pipeline import Pipeline
from .pool import as_pool
from .registry import get, list_corruptions, make

__all__ = ["gallery", "gallery_columns"]

SEVERITIES = (1, 2, 3, 4, 5)


def gallery_columns(corruptions: Sequence[Corruption] | None = None) -> list[Corruption]:
    """One column per image-touching corruption, and per severity where it has one."""
    if corruptions is None:
        names = [n for n, kind in list_corruptions().items() if kind in ("image", "multimodal")]
        corruptions = [make(n) for n in names]
    columns: list[Corruption] = []
    for c in corruptions:
        for leaf in leaves(c):
            if "image" not in leaf.requires:
                continue
            params = leaf.params.model_dump()
            if "severity" in get(leaf.name).Params.model_fields:
                columns += [make(leaf.name, **{**params, "severity": s}) for s in SEVERITIES]
            else:
                columns.append(leaf)
    return columns


def _fit(image: Image.Image | None, cell: int) -> Image.Image:
    tile = Image.new("RGB", (cell, cell), (235, 235, 235))
    if image is None:
        ImageDraw.Draw(tile).text((cell // 2 - 30, cell // 2), "(no image)", fill=(90, 90, 90))
        return tile
    img = image.convert("RGB")
    img.thumbnail((cell, cell))
    tile.paste(img, ((cell - img.width) // 2, (cell - img.height) // 2))
    return tile


def gallery(
    dataset: Any,
    corruptions: Sequence[Corruption] | None = None,
    *,
    rows: int = 3,
    cell: int = 128,
    image_column: str = "image",
    text_column: str | None = "problem",
    seed: int = 0,
) -> Image.Image:
    """A grid: one row per sample (the first ``rows``), the original then each corruption."""
    columns = gallery_columns(corruptions)
    pool = as_pool(dataset, image_column)
    label_h = 28
    grid = Image.new("RGB", ((len(columns) + 1) * cell, rows * cell + label_h), (255, 255, 255))
    draw = ImageDraw.Draw(grid)
    labels = ["original"] + [
        f"{c.name} s{c.params.severity:g}" if hasattr(c.params, "severity") else c.name
        for c in columns
    ]
    for j, label in enumerate(labels):
        draw.text((j * cell + 3, 3 + (j % 2) * 12), label[:24], fill=(0, 0, 0))
    for i in range(rows):
        row = dataset[i]
        grid.paste(_fit(row[image_column], cell), (0, label_h + i * cell))
        for j, corruption in enumerate(columns, start=1):
            out, _ = Pipeline([corruption], seed=seed).apply(
                row,
                key=i,
                image_column=image_column,
                text_column=text_column if "text" in corruption.requires else None,
                pool=pool,
            )
            grid.paste(_fit(out[image_column], cell), (j * cell, label_h + i * cell))
    return grid
