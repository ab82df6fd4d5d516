"""The benchmark suite: ratios measured side by side in one run, medians of repeats.

    python -m benchmarks                      # 2,000 images of 512x512, every section
    python -m benchmarks --n 20000            # a larger dataset for section 1
    python -m benchmarks --sections peers     # one section
    python -m benchmarks --write docs/performance.md

Sections:
  map      corrupt_dataset time / identity ``ds.map(lambda x: x)`` time, num_proc 1 and 2
  rss      peak RSS of random_image over 2,000 and 20,000 rows (fresh processes)
  collate  per-image latency of corrupting a rollout batch of 16 (p50 / p99)
  peers    gaussian noise and blur images/s against albumentationsx and AugLy
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import hallucue_corrupt as hc

from .data import build, smooth_png

#: corrupt_dataset time / identity-map time. Pixel corruptions have no target here: an
#: identity map never decodes or encodes, so their target is against a decode+encode floor
#: (``python -m benchmarks pixels``).
TARGETS = {"blank_image": 0.5, "random_image": 0.5, "remove_text": 1.05}


def free_map_outputs() -> None:
    """Delete the outputs of finished maps: with caching disabled, ``datasets`` keeps every
    result in one temporary folder until the process exits (GBs over a benchmark run)."""
    import gc
    import shutil

    from datasets.fingerprint import get_temporary_cache_files_directory

    gc.collect()
    folder = Path(get_temporary_cache_files_directory())
    for entry in folder.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def median_time(fn: Callable[[], Any], repeats: int) -> float:
    """The median wall time of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def round_robin(
    jobs: dict[str, Callable[[], Any]],
    repeats: int,
    cpu: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """Wall times of ``repeats`` rounds of every job in turn (same conditions for each),
    after one warm-up run of the first (the dataset's pages are then in memory). ``cpu``,
    when given, receives each run's CPU time of this process (steadier than wall time
    when other jobs share the machine; it misses work done in other processes)."""
    next(iter(jobs.values()))()
    free_map_outputs()
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(repeats):
        for name, job in jobs.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            job()
            times[name].append(time.perf_counter() - start)
            if cpu is not None:
                cpu.setdefault(name, []).append(time.process_time() - start_cpu)
            free_map_outputs()
    return times


def section_map(n: int, size: int, repeats: int, cache: Path, kind: str) -> list[dict[str, Any]]:
    """Identity and each corruption timed round-robin (warm page cache, same conditions)."""
    import datasets

    datasets.disable_caching()  # every run computes; nothing is read back from a cache
    ds = build(n, size, cache, kind)
    columns = {"image_column": "image", "text_column": "problem", "key_column": "id"}
    rows = []
    for num_proc in (1, 2):
        procs = None if num_proc == 1 else num_proc
        jobs: dict[str, Callable[[], Any]] = {
            "identity": lambda procs=procs: ds.map(lambda x: x, num_proc=procs)
        }
        for name in TARGETS:
            pipe = hc.Pipeline([hc.make(name)], seed=0)
            jobs[name] = lambda pipe=pipe, procs=procs: hc.corrupt_dataset(
                ds, pipe, num_proc=procs, **columns
            )
        times = round_robin(jobs, repeats)
        identity = statistics.median(times["identity"])
        for name in TARGETS:
            t = statistics.median(times[name])
            rows.append(
                {
                    "images": kind,
                    "corruption": name,
                    "num_proc": num_proc,
                    "identity_s": identity,
                    "corrupt_s": t,
                    "ratio": t / identity,
                    "target": TARGETS[name],
                    "met": t / identity <= TARGETS[name],
                    "ms_per_row": 1000 * t / n,
                }
            )
            print(
                f"map  {name:15s} num_proc={num_proc}  {t:7.2f}s vs identity {identity:6.2f}s"
                f"  ratio {t / identity:5.2f} (target <= {TARGETS[name]})",
                flush=True,
            )
    return rows


RSS_CHILD = """
import json, sys, threading, time
from pathlib import Path
import datasets
import hallucue_corrupt as hc
from benchmarks.data import build

def status_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0

datasets.disable_caching()
ds = build(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), "smooth")
peak = [status_mb("RssAnon")]
done = threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], status_mb("RssAnon"))
        time.sleep(0.01)
thread = threading.Thread(target=sample, daemon=True)
thread.start()
if sys.argv[4] == "identity":
    ds.map(lambda x: x)
else:
    pipe = hc.Pipeline([hc.make("random_image")])
    hc.corrupt_dataset(ds, pipe, image_column="image", key_column="id")
done.set()
thread.join()
print(json.dumps({"peak_anon_mb": peak[0], "peak_rss_mb": status_mb("VmHWM")}))
"""


def section_rss(size: int, cache: Path) -> list[dict[str, Any]]:
    """Peak memory in a fresh process per (job, rows). ``peak_anon_mb`` (sampled RssAnon)
    is the process's own memory; ``peak_rss_mb`` (VmHWM, this process only: ru_maxrss would
    inherit the parent's peak across fork+exec) also counts the pages of the
    memory-mapped dataset files it has read, which grow with N for any job, identity too."""
    rows = []
    root = Path(__file__).resolve().parents[1]
    for job in ("identity", "random_image"):
        for n in (2000, 20000):
            build(n, size, cache, "smooth")  # built outside the measured process
            out = subprocess.run(
                [sys.executable, "-c", RSS_CHILD, str(n), str(size), str(cache), job],
                capture_output=True,
                text=True,
                check=True,
                cwd=root,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append({"job": job, "rows": n, **result})
            print(
                f"rss  {job:12s} n={n:6d}  peak anon {result['peak_anon_mb']:7.1f} MB, "
                f"peak rss incl. mapped files {result['peak_rss_mb']:7.1f} MB",
                flush=True,
            )
    mine = [r for r in rows if r["job"] == "random_image"]
    ratio = mine[1]["peak_anon_mb"] / mine[0]["peak_anon_mb"]
    rows.append({"anon_ratio_20000_to_2000": ratio, "target": 1.5})
    print(f"rss  random_image anon ratio 20000/2000: {ratio:.2f} (target < 1.5)")
    return rows


def section_collate(size: int, repeats: int, cache: Path) -> list[dict[str, Any]]:
    """What a rollout collator does per batch: Pipeline.apply on 16 rows of PIL images."""
    ds = build(256, size, cache, "smooth")
    pool = hc.DatasetPool(ds, "image", "id")
    batch = [ds[i] for i in range(16)]
    rows = []
    for name in ("blank_image", "random_image"):
        pipe = hc.Pipeline([hc.make(name)])
        per_image = []
        for step in range(max(20, repeats * 10)):
            start = time.perf_counter()
            for row in batch:
                pipe.apply(row, key=row["id"], image_column="image", pool=pool, epoch=step)
            per_image.append((time.perf_counter() - start) / len(batch) * 1000)
        p50, p99 = np.percentile(per_image, [50, 99])
        rows.append(
            {"corruption": name, "p50_ms": float(p50), "p99_ms": float(p99), "target_ms": 1.0}
        )
        print(f"collate {name:12s} per image p50 {p50:.3f} ms  p99 {p99:.3f} ms (target < 1 ms)")
    return rows


def _peer_ops(size: int) -> dict[str, dict[str, Callable[[np.ndarray], Any]]]:
    """Each library's gaussian noise (std 0.08 of the range, per channel) and blur (sigma
    2 px) on uint8 RGB arrays; each returns an image of the same kind it was given."""
    ops: dict[str, dict[str, Callable[[np.ndarray], Any]]] = {}
    noise = hc.make("gaussian_noise", sigma=0.08)
    blur = hc.make("gaussian_blur", sigma=2.0 * 224 / size)  # sigma is given at 224 px
    ops["hallucue_corrupt"] = {
        "gaussian_noise": lambda a: noise.apply_image(a, key=0),
        "gaussian_blur": lambda a: blur.apply_image(a, key=0),
    }
    try:
        import albumentations as A

        gn = A.GaussNoise(std_range=(0.08, 0.08), per_channel=True, p=1.0)
        gb = A.GaussianBlur(sigma_range=(2.0, 2.0), blur_range=(0, 0), p=1.0)
        ops["albumentationsx"] = {
            "gaussian_noise": lambda a: gn(image=a)["image"],
            "gaussian_blur": lambda a: gb(image=a)["image"],
        }
    except Exception as exc:
        print(f"peers  albumentationsx skipped: {type(exc).__name__}: {exc}")
    try:
        import augly.image as imaugs
        from PIL import Image

        ops["augly"] = {
            "gaussian_noise": lambda a: imaugs.random_noise(Image.fromarray(a), var=0.0064, seed=0),
            "gaussian_blur": lambda a: imaugs.blur(Image.fromarray(a), radius=2.0),
        }
    except Exception as exc:
        print(f"peers  augly skipped: {type(exc).__name__}: {exc}")
    return ops


def section_peers(size: int, repeats: int) -> list[dict[str, Any]]:
    import io

    from PIL import Image

    arrays = [
        np.asarray(Image.open(io.BytesIO(smooth_png(i, size))).convert("RGB")) for i in range(16)
    ]
    ops = _peer_ops(size)
    rows = []
    for op in ("gaussian_noise", "gaussian_blur"):
        fns = {lib: lib_ops[op] for lib, lib_ops in ops.items()}
        for fn in fns.values():
            fn(arrays[0])  # warm up
        # round-robin, every library once per round: a burst of load hits all alike
        times: dict[str, list[float]] = {lib: [] for lib in fns}
        for _ in range(repeats):
            for lib, fn in fns.items():
                times[lib].append(median_time(lambda fn=fn: [fn(a) for a in arrays], 1))
        speeds = {lib: len(arrays) / statistics.median(t) for lib, t in times.items()}
        peers = {k: v for k, v in speeds.items() if k != "hallucue_corrupt"}
        best = max(peers.values()) if peers else None
        ratio = speeds["hallucue_corrupt"] / best if best else None
        rows.append(
            {"op": op, "images_per_s": speeds, "ratio_to_fastest_peer": ratio, "target": 1.0}
        )
        shown = ", ".join(f"{k} {v:.0f}/s" for k, v in speeds.items())
        print(f"peers {op:15s} {shown}" + (f"  ratio {ratio:.2f} (target >= 1.0)" if ratio else ""))
    return rows


def machine() -> dict[str, Any]:
    import datasets
    import PIL

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "numpy": np.__version__,
        "pillow": PIL.__version__,
        "datasets": datasets.__version__,
        "hallucue_corrupt": hc.__version__,
    }


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows] + [""]


def markdown(results: dict[str, Any], command: str) -> str:
    """The report written to docs/performance.md."""
    info = ", ".join(f"{k} {v}" for k, v in results["machine"].items())
    lines = [
        "# Performance",
        "",
        "Measured by the benchmark suite; rerun it with:",
        "",
        f"```bash\n{command}\n```",
        "",
        f"Machine: {info}.",
        "",
    ]
    if "map" in results:
        lines += [
            "## corrupt_dataset vs identity map",
            "",
            f"{results['n']} rows of {results['size']}x{results['size']} PNG, median of "
            f"{results['repeats']} runs taken round-robin; ratio = `corrupt_dataset` time / "
            "`ds.map(lambda x: x)` time.",
            "",
        ]
        lines += table(
            [
                "images",
                "corruption",
                "num_proc",
                "identity s",
                "corrupt s",
                "ms/row",
                "ratio",
                "target",
                "met",
            ],
            [
                [
                    r["images"],
                    r["corruption"],
                    r["num_proc"],
                    f"{r['identity_s']:.2f}",
                    f"{r['corrupt_s']:.2f}",
                    f"{r['ms_per_row']:.2f}",
                    f"{r['ratio']:.2f}",
                    f"<= {r['target']}",
                    "yes" if r["met"] else "no",
                ]
                for r in results["map"]
            ],
        )
    if "rss" in results:
        rss = results["rss"]
        lines += [
            "## Peak memory",
            "",
            f"{results['rss_size']} px PNG rows, a fresh process per cell. Anon = the "
            "process's own memory (RssAnon, sampled every 10 ms); RSS = its high-water mark "
            "(VmHWM), which also counts the pages of the memory-mapped Arrow files read so far.",
            "",
        ]
        lines += table(
            ["job", "rows", "peak anon MB", "peak RSS MB"],
            [
                [r["job"], r["rows"], f"{r['peak_anon_mb']:.1f}", f"{r['peak_rss_mb']:.1f}"]
                for r in rss[:-1]
            ],
        )
        lines += [
            f"random_image anon ratio 20,000 / 2,000: "
            f"**{rss[-1]['anon_ratio_20000_to_2000']:.2f}** (target < 1.5).",
            "",
        ]
    if "collate" in results:
        lines += ["## Rollout batch of 16, per image", ""]
        lines += table(
            ["corruption", "p50 ms", "p99 ms", "target"],
            [
                [r["corruption"], f"{r['p50_ms']:.3f}", f"{r['p99_ms']:.3f}", "< 1 ms"]
                for r in results["collate"]
            ],
        )
    if "peers" in results:
        libs = list(results["peers"][0]["images_per_s"])
        lines += ["## Against peers (images/s on the same uint8 arrays)", ""]
        lines += table(
            ["op", *libs, "ratio to fastest peer"],
            [
                [
                    r["op"],
                    *(f"{r['images_per_s'][lib]:.0f}" for lib in libs),
                    f"{r['ratio_to_fastest_peer']:.2f}" if r["ratio_to_fastest_peer"] else "n/a",
                ]
                for r in results["peers"]
            ],
        )
    return "\n".join(lines)


#: Everything from this line on in the report is hand-written and survives a rerun.
NOTES_MARKER = "<!-- hand-written notes below: kept when the tables are regenerated -->"


def _block(suite: str) -> tuple[str, str]:
    return f"<!-- tables:{suite} -->", f"<!-- /tables:{suite} -->"


def write_report(path: Path, tables: str, suite: str = "core") -> None:
    """Write one suite's measured tables, keeping the hand-written notes of an existing
    report and the other suites' tables. The core suite's tables head the page; every
    other suite's sit in a ``<!-- tables:NAME -->`` block before the notes."""
    old = path.read_text() if path.exists() else ""
    notes = old[old.index(NOTES_MARKER) :] if NOTES_MARKER in old else NOTES_MARKER + "\n"
    head = old[: old.index(NOTES_MARKER)] if NOTES_MARKER in old else ""
    core, blocks = head, {}
    while "<!-- tables:" in core:
        start = core.index("<!-- tables:")
        name = core[start + len("<!-- tables:") : core.index(" -->", start)]
        end = core.index(_block(name)[1]) + len(_block(name)[1])
        blocks[name] = core[start:end]
        core = core[:start] + core[end:]
    if suite == "core":
        core = tables
    else:
        begin, finish = _block(suite)
        blocks[suite] = f"{begin}\n{tables.rstrip()}\n{finish}"
    parts = [core.rstrip("\n"), *(blocks[name] for name in sorted(blocks))]
    path.write_text("\n\n".join(part for part in parts if part) + "\n\n" + notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--n", type=int, default=2000, help="rows for the map section")
    parser.add_argument("--size", type=int, default=512, help="image side in pixels")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--sections", default="map,rss,collate,peers")
    parser.add_argument("--rss-size", type=int, default=256, help="image side for the rss section")
    parser.add_argument(
        "--kind",
        default="noise,smooth",
        help="image content for the map section: noise (incompressible, the "
        "MISSION setup), smooth, or both",
    )
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "hallucue-bench"))
    parser.add_argument("--json", help="write the results as JSON here")
    parser.add_argument("--write", help="write a markdown report here (docs/performance.md)")
    args = parser.parse_args(argv)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    sections = set(args.sections.split(","))
    results: dict[str, Any] = {
        "machine": machine(),
        "n": args.n,
        "size": args.size,
        "repeats": args.repeats,
        "rss_size": args.rss_size,
    }
    if "map" in sections:
        results["map"] = [
            row
            for kind in args.kind.split(",")
            for row in section_map(args.n, args.size, args.repeats, cache, kind)
        ]
    if "rss" in sections:
        results["rss"] = section_rss(args.rss_size, cache)
    if "collate" in sections:
        results["collate"] = section_collate(args.size, args.repeats, cache)
    if "peers" in sections:
        results["peers"] = section_peers(args.size, args.repeats)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if args.write:
        command = "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:])
        write_report(Path(args.write), markdown(results, command.strip()))
    return 0
