"""The scale benchmark suite runs end to end on tiny data (its targets are read in its own
report, docs/scale.md; nothing is timed here)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_scale_suite_runs_and_reports(tmp_path):
    out = tmp_path / "scale.json"
    md = tmp_path / "scale.md"
    subprocess.run(
        [sys.executable, "-m", "benchmarks", "scale", "--sections", "map,select",
         "--n", "12", "--size", "32", "--repeats", "1", "--kind", "diagram",
         "--select-keys", "500", "--cache", str(tmp_path / "c"), "--json", str(out),
         "--write", str(md)],
        cwd=ROOT, check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    results = json.loads(out.read_text())
    assert [r["corruption"] for r in results["map"]] == [
        "blank_image", "random_image", "remove_text", "remove_text, distinct bodies"
    ]  # fmt: skip
    assert all(r["identity_s"] > 0 and r["corrupt_s"] > 0 for r in results["map"])
    assert results["select"]["keys"] == 500 and results["select"]["seconds"] > 0
    assert "corrupt_dataset vs an identity map" in md.read_text()
