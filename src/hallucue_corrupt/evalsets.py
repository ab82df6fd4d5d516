"""Evaluation variants: the clean set and each corrupted view of it, with shared ids.

One inference run per variant, joined on ``id``, feeds :mod:`hallucue_corrupt.report`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .dataset import corrupt_dataset
from .pipeline import Pipeline
from .records import summarize

__all__ = ["eval_variants", "write_eval_variants"]


def eval_variants(pipeline: Pipeline) -> dict[str, Pipeline]:
    """``clean`` (ratio 0: records but no change), one variant per corruption of the
    pipeline at ratio 1, and the whole pipeline when it has more than one corruption."""
    cfg = pipeline.to_config()
    base = {k: v for k, v in cfg.items() if k not in ("corruptions", "schedule")}
    variants = {
        "clean": Pipeline.from_config({**base, "ratio": 0.0, "corruptions": cfg["corruptions"]})
    }
    for c in cfg["corruptions"]:
        variants[c["name"]] = Pipeline.from_config({**base, "ratio": 1.0, "corruptions": [c]})
    if len(cfg["corruptions"]) > 1:
        name = "+".join(c["name"] for c in cfg["corruptions"])
        variants[name] = Pipeline.from_config(
            {**base, "ratio": 1.0, "corruptions": cfg["corruptions"]}
        )
    return variants


def write_eval_variants(
    dataset: Any,
    pipeline: Pipeline,
    out_dir: str | Path,
    *,
    image_column: str | None,
    text_column: str | None,
    key_column: str | None,
    num_proc: int | None = None,
) -> dict[str, Any]:
    """Save every variant under ``out_dir/<name>`` (``save_to_disk``) and a manifest."""
    out = Path(out_dir)
    manifest: dict[str, Any] = {
        "pipeline": pipeline.to_config(),
        "key_column": key_column,
        "variants": {},
    }
    for name, pipe in eval_variants(pipeline).items():
        variant = corrupt_dataset(
            dataset,
            pipe,
            image_column=image_column,
            text_column=text_column,
            key_column=key_column,
            num_proc=num_proc,
            desc=f"hallucue eval: {name}",
        )
        variant.save_to_disk(str(out / name))
        stats = summarize(variant["hallucue"])
        manifest["variants"][name] = {
            "path": name,
            "rows": stats["rows"],
            "applied": stats["applied"],
            "config": pipe.to_config(),
        }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
