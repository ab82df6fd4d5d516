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
    }
    assert all(r["identity_s"] > 0 and r["corrupt_s"] > 0 for r in results["map"])
    assert {r["corruption"] for r in results["collate"]} == {"blank_image", "random_image"}
    assert results["peers"][0]["images_per_s"]["hallucue_corrupt"] > 0
    text = md.read_text()
    assert "corrupt_dataset vs identity map" in text and "python -m benchmarks" in text
    # the tables are replaced, the hand-written notes after the marker are kept
    assert "# old tables" not in text
    assert text.endswith(f"{NOTES_MARKER}\n## Reading the numbers\nby hand\n")


def test_pixel_suite_runs_and_keeps_the_other_tables(tmp_path):
    from benchmarks.run import NOTES_MARKER

    out = tmp_path / "pixels.json"
    md = tmp_path / "perf.md"
    md.write_text(f"# Performance\n\ncore tables\n\n{NOTES_MARKER}\nby hand\n")
    command = [sys.executable, "-m", "benchmarks", "pixels", "--sizes", "32", "--count", "1"]
    command += ["--n", "6", "--size", "32", "--repeats", "1", "--cache", str(tmp_path / "c")]
    for _ in range(2):  # a rerun replaces the pixel block, not appends another
        subprocess.run(
            [*command, "--json", str(out), "--write", str(md)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            timeout=900,
        )
    results = json.loads(out.read_text())
    ops = {(r["images"], r["corruption"]) for r in results["ops"]}
    assert ("diagram", "gaussian_noise") in ops and ("noise", "grayscale") in ops
    noise = next(r for r in results["ops"] if r["corruption"] == "gaussian_noise")
    assert {"hallucue_corrupt", "albumentationsx", "augly"} <= set(noise["images_per_s"])
    rows = {(r["images"], r["corruption"]): r for r in results["dataset"]}
    assert rows["noise", "gaussian_noise"]["encoding"] == "stored"
    assert rows["diagram", "patch_mask"]["alb_s"] is None  # no peer has the op
    assert all(r["floor_s"] > 0 and r["corrupt_s"] > 0 for r in rows.values())
    text = md.read_text()
    assert text.startswith("# Performance\n\ncore tables\n")
    assert text.count("<!-- tables:pixels -->") == 1 and "## Pixel corruptions" in text
    assert text.endswith(f"{NOTES_MARKER}\nby hand\n")
