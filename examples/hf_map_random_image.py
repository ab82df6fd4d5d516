"""Random Image (RI) inside your own ``datasets.map``, with two workers, on the demo data.

Run: python examples/hf_map_random_image.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import hallucue_corrupt as hc


def main(out_dir: Path) -> None:
    ds = hc.load_demo()
    pipe = hc.Pipeline([hc.make("random_image")], seed=0)
    fn = pipe.map_fn(image_column="image", pool=ds, key_column="id")
    out = ds.map(fn, batched=True, num_proc=2)

    summary = hc.records.summarize(out["hallucue"])
    print("summary:", summary)
    assert summary["applied"] == len(ds)
    for row in out.select(range(3)):
        rec = hc.records.loads(row["hallucue"])
        print(row["id"], "-> image of", rec["corruptions"][0]["donor_key"])
        assert rec["corruptions"][0]["donor_key"] != row["id"]  # never its own image
    out.save_to_disk(str(out_dir / "demo_random_image"))
    print("wrote", out_dir / "demo_random_image")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="hallucue-")))
