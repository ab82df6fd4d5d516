"""The benchmark suite runs end to end on a tiny dataset (timings are not asserted here:
targets live in the benchmark's own report, see docs/performance.md)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_runs_and_reports(tmp_path):
    from benchmarks.run import NOTES_MARKER

    out = tmp_path / "bench.json"
    md = tmp_path / "perf.md"
    md.write_text(f"# old tables\n\n{NOTES_MARKER}\n## Reading the numbers\nby hand\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--n",
            "24",
            "--size",
            "32",
            "--repeats",
            "1",
            "--sections",
            "map,collate,peers",
            "--kind",
            "smooth",
            "--cache",
            str(tmp_path / "c"),
            "--json",
            str(out),
            "--write",
            str(md),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    results = json.loads(out.read_text())
    assert {r["corruption"] for r in results["map"]} == {
        "blank_image",
        "random_image",
        "remove_text",
        "gaussian_noise",
    }
    assert all(r["identity_s"] > 0 and r["corrupt_s"] > 0 for r in results["map"])
    assert {r["corruption"] for r in results["collate"]} == {"blank_image", "random_image"}
    assert results["peers"][0]["images_per_s"]["hallucue_corrupt"] > 0
    text = md.read_text()
    assert "corrupt_dataset vs identity map" in text and "python -m benchmarks" in text
    # the tables are replaced, the hand-written notes after the marker are kept
    assert "# old tables" not in text
    assert text.endswith(f"{NOTES_MARKER}\n## Reading the numbers\nby hand\n")
