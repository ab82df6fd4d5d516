"""Quickstart: single transforms, a pipeline, and a datasets map on the bundled demo data.

Run: python examples/quickstart.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import hallucue_corrupt as hc


def main(out_dir: Path) -> None:
    ds = hc.load_demo()
    print("registry:", hc.list_corruptions())

    # 1. one transform on one image (PIL in, PIL out) with its record
    blank, rec = hc.make("blank_image", fill="gray").apply_image(
        ds[0]["image"], seed=0, key=ds[0]["id"]
    )
    print("blank:", blank.size, blank.mode, rec["fill_rgb"])

    # 2. one transform on one text
    text, rec = hc.make("remove_text").apply_text(ds[0]["problem"])
    print("remove_text:", repr(text), "removed:", rec.get("removed"))

    # 3. the paper's RI + TR on half of the rows, keyed by the id column
    pipe = hc.Pipeline([hc.make("random_image"), hc.make("remove_text")], ratio=0.5, seed=0)
    out = hc.corrupt_dataset(
        ds,
        pipe,
        image_column="image",
        text_column="problem",
        key_column="id",
        log_path=out_dir / "records.jsonl",
    )
    print("summary:", hc.records.summarize(out["hallucue"]))

    # 4. the same pipeline inside your own map
    fn = pipe.map_fn(image_column="image", text_column="problem", pool=ds, key_column="id")
    mine = ds.map(fn, batched=True, num_proc=2)
    assert mine["hallucue"] == out["hallucue"]

    pipe.to_config(out_dir / "pipe.yaml")
    assert hc.Pipeline.from_config(out_dir / "pipe.yaml") == pipe
    out.save_to_disk(str(out_dir / "dataset"))
    print("wrote", out_dir)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="hallucue-")))
