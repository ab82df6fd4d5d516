"""The scale suite: the batch kernel against a copy, selection at scale, Ray Data scaling,
and byte identity across every driver. Ratios are measured side by side in one run.

    python -m benchmarks scale                          # every section
    python -m benchmarks scale --sections map --n 2000
    python -m benchmarks scale --ray-rows 5000,50000 --write docs/scale.md

Sections:
  map       corrupt_dataset time / identity ``ds.map(lambda x: x)`` time on noise-like and
            diagram-like 512 px images (blank_image, random_image, remove_text), and
            remove_text again on questions whose bodies differ on every row (see
            distinct_question)
  select    the exact-ratio threshold over 1M keys (one vectorised pass)
  ray       Ray Data with 1 and 2 workers: rows/s and the peak private memory (RssAnon) of
            each corrupting actor, at each of --ray-rows
  identity  the same bytes per id from num_proc 1 and 2, a stream, Ray with 1 and 2
            workers, several block sizes and shuffled input
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hallucue_corrupt as hc

from .data import build, question
from .run import NOTES_MARKER, machine, round_robin, table, write_report

TARGETS = {"blank_image": 0.5, "random_image": 1.0, "remove_text": 1.0}
COLUMNS = {"image_column": "image", "text_column": "problem", "key_column": "id"}
DISTINCT = "remove_text, distinct bodies"
#: the instruction line every benchmark question ends with
TEMPLATE = question(0).rsplit("\n", 1)[1]


def distinct_question(i: int) -> str:
    """A question whose body differs on every row even with its LaTeX masked (the numbers
    are plain text), ending in the same template line as :func:`benchmarks.data.question`.

    The parser caches its cuts by masked line; the bodies of ``question`` mask to two
    distinct lines (their numbers sit inside ``$..$``), so on them every line is a cache
    hit. Here only the template line is, as on real data."""
    return (
        f"<image>In triangle ABC, AB = {i % 17 + 3} cm and the angle at B is {i % 80 + 10} "
        f"degrees. The point D lies on BC with BD = {i}.5 cm. Find the length of AD.\n" + TEMPLATE
    )


def _first_pass(ds: Any, pipe: hc.Pipeline) -> Any:
    """``corrupt_dataset`` as a first pass over ``ds``: the question parser's caches are
    emptied first (else later rounds would find every line of the earlier ones cached)."""
    from hallucue_corrupt.functional.parse import clear_caches

    clear_caches()
    return hc.corrupt_dataset(ds, pipe, **COLUMNS)


def _distinct(ds: Any, path: Path) -> Any:
    """``ds`` with distinct question bodies, saved beside it and memory-mapped back (as
    ``build`` gives ``ds``); only the id column is read, so no image is decoded."""
    from datasets import load_from_disk

    if not (path / "dataset_info.json").exists():
        ds.map(
            lambda ids, rows: {"problem": [distinct_question(i) for i in rows]},
            batched=True,
            with_indices=True,
            input_columns=["id"],
        ).save_to_disk(str(path))
    return load_from_disk(str(path))


def section_map(n: int, size: int, repeats: int, cache: Path, kind: str) -> list[dict[str, Any]]:
    """Identity and each corruption timed round-robin on the same memory-mapped dataset."""
    import datasets

    datasets.disable_caching()
    ds = build(n, size, cache, kind)
    distinct = _distinct(ds, cache / f"synthetic-{kind}-{n}-{size}-distinct")
    jobs: dict[str, Callable[[], Any]] = {"identity": lambda: ds.map(lambda x: x)}
    for name in TARGETS:
        pipe = hc.Pipeline([hc.make(name)], seed=0)
        jobs[name] = lambda pipe=pipe: _first_pass(ds, pipe)
    remove = hc.Pipeline([hc.make("remove_text")], seed=0)
    jobs["identity, distinct"] = lambda: distinct.map(lambda x: x)
    jobs[DISTINCT] = lambda: _first_pass(distinct, remove)
    cpu: dict[str, list[float]] = {}
    times = round_robin(jobs, repeats, cpu)
    rows = []
    for name, target in [*TARGETS.items(), (DISTINCT, TARGETS["remove_text"])]:
        base = "identity, distinct" if name == DISTINCT else "identity"
        identity = statistics.median(times[base])
        t = statistics.median(times[name])
        # each round's ratio (its run against that round's identity run): the spread
        rounds = [a / b for a, b in zip(times[name], times[base], strict=True)]
        # the same from CPU time (one process does all the work): steadier under load
        cpu_rounds = [a / b for a, b in zip(cpu[name], cpu[base], strict=True)]
        rows.append(
            {
                "images": kind,
                "corruption": name,
                "identity_s": identity,
                "corrupt_s": t,
                "ratio": t / identity,
                "ratio_range": [min(rounds), max(rounds)],
                "cpu_ratio": statistics.median(cpu[name]) / statistics.median(cpu[base]),
                "cpu_range": [min(cpu_rounds), max(cpu_rounds)],
                "target": target,
                "met": t / identity <= target,
            }
        )
        print(
            f"map  {kind:8s} {name:29s} {t:7.3f}s vs identity {identity:6.3f}s  ratio "
            f"{t / identity:5.2f} (rounds {min(rounds):.2f}-{max(rounds):.2f}; "
            f"target <= {target}); CPU time ratio {rows[-1]['cpu_ratio']:.2f} "
            f"(rounds {min(cpu_rounds):.2f}-{max(cpu_rounds):.2f})",
            flush=True,
        )
    return rows


def section_select(n: int) -> dict[str, Any]:
    """The exact threshold over ``n`` string keys, and the per-key loop it replaces."""
    from hallucue_corrupt.seeding import derive_seed, exact_threshold

    keys = [f"row-{i:07d}" for i in range(n)]
    start = time.perf_counter()
    exact_threshold(0, keys, 0.5, "__select__", 0)
    vectorised = time.perf_counter() - start
    sample = keys[: n // 10]
    start = time.perf_counter()
    sorted(derive_seed(0, k, "__select__", 0) for k in sample)
    per_key = (time.perf_counter() - start) * n / len(sample)
    print(f"select {n} keys: {vectorised:.2f}s (per-key loop, extrapolated: {per_key:.2f}s)")
    return {"keys": n, "seconds": vectorised, "per_key_loop_s": per_key}


def _parquet(n: int, size: int, cache: Path, row_group: int = 64) -> Path:
    """``n`` rows of diagram-like images as parquet with small row groups, as docs/scale.md
    advises for donor files (each donor read decodes one row group)."""
    path = cache / f"scale-diagram-{n}-{size}-rg{row_group}.parquet"
    if not path.exists():
        build(n, size, cache, "diagram").to_parquet(str(path), batch_size=row_group)
    return path


class _PeakMemory:
    """Sampled from /proc every 50 ms while a run lasts: the peak RssAnon (private memory)
    of each Ray corrupting actor, and the CPU time (user + system) used during the run by
    this process and every Ray process (raylet, workers, actors; one that exits keeps its
    last sample)."""

    def __init__(self) -> None:
        self.peaks: dict[int, float] = {}
        self._cpu_first: dict[int, float] = {}
        self._cpu_last: dict[int, float] = {}
        self._ticks = os.sysconf("SC_CLK_TCK")
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def cpu_seconds(self) -> float:
        return sum(last - self._cpu_first[pid] for pid, last in self._cpu_last.items())

    def _sample(self, first: bool) -> None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                if int(pid) != os.getpid() and b"ray" not in cmd:
                    continue
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                cpu = (int(fields[11]) + int(fields[12])) / self._ticks
                self._cpu_first.setdefault(int(pid), cpu if first else 0.0)
                self._cpu_last[int(pid)] = cpu
                if b"MapWorker" not in cmd:
                    continue
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("RssAnon:"):
                        mb = int(line.split()[1]) / 1024
                        self.peaks[int(pid)] = max(self.peaks.get(int(pid), 0.0), mb)
            except (OSError, IndexError, ValueError):
                continue

    def _run(self) -> None:
        while not self._done.is_set():
            self._sample(first=False)
            time.sleep(0.05)

    def __enter__(self) -> _PeakMemory:
        self._sample(first=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._done.set()
        self._thread.join()
        self._sample(first=False)


def _ray_init() -> Any:
    import ray

    if not ray.is_initialized():
        ray.init(
            num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING
        )
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    return ray


_OPERATOR = re.compile(
    r"^Operator \d+ (?P<name>[^:]+): .*? produced in (?P<wall>[\d.]+)(?P<unit>us|ms|s)\b"
)
_CPU = re.compile(r"^\* Remote cpu time: .*? (?P<total>[\d.]+)(?P<unit>us|ms|s) total")
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def ray_stages(stats: str) -> dict[str, dict[str, float]]:
    """Per operator of a Ray Data stats report: the wall time in which it produced its
    blocks and the CPU time of its tasks (or actor calls)."""
    out: dict[str, dict[str, float]] = {}
    name = None
    for line in stats.splitlines():
        if m := _OPERATOR.match(line.strip()):
            name = m["name"].strip()
            out[name] = {"wall_s": float(m["wall"]) * _UNITS[m["unit"]], "cpu_s": 0.0}
        elif name is not None and (m := _CPU.match(line.strip())):
            out[name]["cpu_s"] = float(m["total"]) * _UNITS[m["unit"]]
    return out


def _ray_run(path: Path, n: int, workers: int, cache: Path) -> dict[str, Any]:
    """One Ray run, read to write: end-to-end time, the corrupting stage's time, the cores
    busy on average (CPU time of the driver and every Ray process over the run), and the
    actors' peak private memory."""
    from hallucue_corrupt import ray as hray

    pipe = hc.Pipeline([hc.make("random_image"), hc.make("remove_text")], ratio=0.5)
    with tempfile.TemporaryDirectory(dir=cache) as tmp, _PeakMemory() as memory:
        start = time.perf_counter()
        ds = hray.corrupt(str(path), pipe, workers=workers, **COLUMNS)
        summary = hray.write(ds, Path(tmp) / "out")
        seconds = time.perf_counter() - start
    assert summary["rows"] == n
    stages = ray_stages(ds.stats())
    corrupt = next((v for k, v in stages.items() if "_CorruptBatches" in k), {"wall_s": 0.0})
    return {
        "rows": n,
        "workers": workers,
        "seconds": seconds,
        "stage_s": corrupt["wall_s"],
        "cores_used": memory.cpu_seconds / seconds,
        "rows_per_s": n / seconds,
        "peak_anon_mb_per_worker": max(memory.peaks.values(), default=0.0),
    }


def section_ray(sizes: list[int], size: int, cache: Path, repeats: int) -> list[dict[str, Any]]:
    """Ray Data with 1 and 2 workers over each row count, after one untimed warm-up run,
    alternating (1, 2) ``repeats`` times: end-to-end and corrupting-stage times, their
    ratios, cores used, actor memory."""
    _ray_init()
    rows = []
    for n in sizes:
        path = _parquet(n, size, cache)
        # one untimed run first: Ray's worker pool, the imports and the file's pages are
        # then warm for both worker counts (else the first arm pays them alone)
        _ray_run(path, n, 2, cache)
        runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        for _ in range(repeats):
            for workers in (1, 2):
                run = _ray_run(path, n, workers, cache)
                runs[workers].append(run)
                print(
                    f"ray  {n:6d} rows  workers={workers}  {run['seconds']:6.1f}s end to end, "
                    f"corrupting stage {run['stage_s']:6.1f}s, {run['cores_used']:.2f} cores "
                    f"busy (driver + Ray), peak private memory per worker "
                    f"{run['peak_anon_mb_per_worker']:6.1f} MB",
                    flush=True,
                )
        ratios = [a["seconds"] / b["seconds"] for a, b in zip(runs[1], runs[2], strict=True)]
        stage = [
            a["stage_s"] / b["stage_s"] for a, b in zip(runs[1], runs[2], strict=True)
            if b["stage_s"]
        ]  # fmt: skip
        for workers in (1, 2):
            row = {
                key: statistics.median(r[key] for r in runs[workers])
                for key in ("seconds", "stage_s", "cores_used", "rows_per_s",
                            "peak_anon_mb_per_worker")
            }  # fmt: skip
            row.update(rows=n, workers=workers, runs=repeats)
            if workers == 2:
                row.update(
                    speedup=statistics.median(ratios),
                    speedup_range=[min(ratios), max(ratios)],
                    stage_speedup=statistics.median(stage) if stage else None,
                    stage_speedup_range=[min(stage), max(stage)] if stage else None,
                )
            rows.append(row)
        print(
            f"ray  {n:6d} rows  2 vs 1 workers: end to end {statistics.median(ratios):.2f}x "
            f"(range {min(ratios):.2f}-{max(ratios):.2f}, target >= 1.6), corrupting stage "
            + (f"{statistics.median(stage):.2f}x (range {min(stage):.2f}-{max(stage):.2f})"
               if stage else "n/a"),
            flush=True,
        )  # fmt: skip
    return rows


def _digest(rows: list[dict[str, Any]]) -> dict[str, str]:
    """id -> a hash of the row's image bytes, text and record."""
    out = {}
    for row in rows:
        image = row["image"]["bytes"] if isinstance(row["image"], dict) else row["image"]
        h = hashlib.sha256(image or b"")
        h.update(row["problem"].encode())
        h.update(row["hallucue"].encode())
        out[row["id"]] = h.hexdigest()
    return out


def section_identity(n: int, size: int, cache: Path) -> list[dict[str, Any]]:
    """Per-id hashes of every driver's output against ``corrupt_dataset`` (num_proc 1)."""
    from datasets import load_dataset

    from hallucue_corrupt import ray as hray
    from hallucue_corrupt.features import undecoded

    path = _parquet(n, size, cache)
    ds = build(n, size, cache, "diagram")
    pipe = hc.Pipeline([hc.make("random_image"), hc.make("remove_text")], ratio=0.5, seed=7)
    base = _digest(list(undecoded(hc.corrupt_dataset(ds, pipe, **COLUMNS), "image")))
    variants: dict[str, Callable[[], list[dict[str, Any]]]] = {
        "num_proc=2": lambda: list(
            undecoded(hc.corrupt_dataset(ds, pipe, num_proc=2, **COLUMNS), "image")
        ),
        "batch_size=7": lambda: list(
            undecoded(hc.corrupt_dataset(ds, pipe, batch_size=7, **COLUMNS), "image")
        ),
        "shuffled input": lambda: list(
            undecoded(hc.corrupt_dataset(ds.shuffle(seed=1), pipe, **COLUMNS), "image")
        ),
        "streaming": lambda: list(
            undecoded(
                hc.corrupt_dataset(
                    load_dataset("parquet", data_files=str(path), split="train", streaming=True),
                    pipe,
                    pool=str(path),
                    keys=ds["id"],
                    **COLUMNS,
                ),
                "image",
            )
        ),
    }
    _ray_init()
    for workers, block in ((1, 1000), (2, 100), (2, 333)):
        variants[f"ray workers={workers} block={block}"] = lambda w=workers, b=block: hray.corrupt(
            str(path), pipe, workers=w, rows_per_block=b, **COLUMNS
        ).take_all()
    variants["ray shuffled"] = lambda: hray.corrupt(
        hray._ray().data.read_parquet(str(path)).random_shuffle(seed=3), pipe, workers=2, **COLUMNS
    ).take_all()
    rows = []
    for name, run in variants.items():
        got = _digest(run())
        same = got == base
        rows.append({"variant": name, "rows": len(got), "identical": same})
        print(
            f"identity  {name:28s} {len(got)} rows  {'identical' if same else 'DIFFERENT'}",
            flush=True,
        )
    return rows


def _speedup(row: dict[str, Any], key: str) -> str:
    if row.get(key) is None:
        return ""
    low, high = row[f"{key}_range"]
    return f"{row[key]:.2f}x ({low:.2f}-{high:.2f})"


def markdown(results: dict[str, Any], command: str) -> str:
    m = results["machine"]
    lines = [
        "# Scale: the batch kernel, streaming and Ray Data",
        "",
        f"Measured with `{command}` on {m['processor']} ({m['cpus']} CPUs), Python "
        f"{m['python']}, datasets {m['datasets']}, hallucue_corrupt {m['hallucue_corrupt']}. "
        f"Map ratios are medians of {results['repeats']} runs, timed round-robin; the CPU "
        "ratio compares this process's CPU time (one process does each map's work), steadier "
        "than wall time when other jobs share the machine.",
        "",
    ]
    if "map" in results:
        lines += ["## corrupt_dataset vs an identity map", ""]
        lines += table(
            [
                "images",
                "corruption",
                "identity s",
                "corrupt s",
                "ratio",
                "rounds",
                "target",
                "met",
                "CPU ratio",
                "CPU rounds",
            ],
            [
                [
                    r["images"],
                    r["corruption"],
                    f"{r['identity_s']:.3f}",
                    f"{r['corrupt_s']:.3f}",
                    f"{r['ratio']:.2f}",
                    "{:.2f}-{:.2f}".format(*r.get("ratio_range", [r["ratio"]] * 2)),
                    f"<= {r['target']}",
                    "yes" if r["met"] else "no",
                    f"{r['cpu_ratio']:.2f}" if "cpu_ratio" in r else "",
                    "{:.2f}-{:.2f}".format(*r["cpu_range"]) if "cpu_range" in r else "",
                ]
                for r in results["map"]
            ],
        )
        lines.append("")
    if "select" in results:
        s = results["select"]
        lines += [
            "## Selection",
            "",
            f"Exact threshold over {s['keys']:,} keys: {s['seconds']:.2f} s "
            f"(the per-key loop it replaces: {s['per_key_loop_s']:.2f} s).",
            "",
        ]
    if "ray" in results:
        lines += [
            "## Ray Data (random_image + remove_text, ratio 0.5)",
            "",
            "Medians of the runs, after one untimed warm-up run per row count; 1 and 2 "
            "workers alternate. *End to end* is read to written "
            "output (the target: 2 workers >= 1.6x 1 worker at 50k rows); *stage* is the "
            "corrupting actors' operator alone (Ray Data stats); *cores* is the CPU time of "
            "the driver and every Ray process (workers, actors, raylet) over the end-to-end "
            "time: the cores the run kept busy on average.",
            "",
        ]
        lines += table(
            ["rows", "workers", "runs", "end to end s", "stage s", "cores", "rows/s",
             "peak private MB per worker", "2 vs 1: end to end", "2 vs 1: stage"],
            [
                [
                    r["rows"], r["workers"], r.get("runs", 1), f"{r['seconds']:.1f}",
                    f"{r.get('stage_s', 0.0):.1f}", f"{r.get('cores_used', 0.0):.2f}",
                    f"{r['rows_per_s']:.0f}", f"{r['peak_anon_mb_per_worker']:.1f}",
                    _speedup(r, "speedup"), _speedup(r, "stage_speedup"),
                ]
                for r in results["ray"]
            ],
        )  # fmt: skip
        lines.append("")
    if "identity" in results:
        lines += ["## Byte identity per id against corrupt_dataset (num_proc 1)", ""]
        lines += table(
            ["variant", "rows", "identical"],
            [
                [r["variant"], r["rows"], "yes" if r["identical"] else "NO"]
                for r in results["identity"]
            ],
        )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks scale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--n", type=int, default=2000, help="rows for the map section")
    parser.add_argument("--size", type=int, default=512, help="image side for the map section")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--sections", default="map,select,ray,identity")
    parser.add_argument("--kind", default="noise,diagram", help="images for the map section")
    parser.add_argument("--select-keys", type=int, default=1_000_000)
    parser.add_argument("--ray-rows", default="5000,50000", help="row counts for the ray section")
    parser.add_argument("--ray-size", type=int, default=64, help="image side for ray/identity")
    parser.add_argument("--ray-repeats", type=int, default=3, help="(1, 2)-worker pairs run")
    parser.add_argument("--identity-rows", type=int, default=1000)
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "hallucue-bench"))
    parser.add_argument("--json", help="write the results as JSON here")
    parser.add_argument("--write", help="write a markdown report here (docs/scale.md)")
    args = parser.parse_args(argv)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    sections = set(args.sections.split(","))
    results: dict[str, Any] = {
        "machine": machine(),
        "repeats": args.repeats,
    }
    if "map" in sections:
        results["map"] = [
            row
            for kind in args.kind.split(",")
            for row in section_map(args.n, args.size, args.repeats, cache, kind)
        ]
    if "select" in sections:
        results["select"] = section_select(args.select_keys)
    if "ray" in sections:
        sizes = [int(x) for x in args.ray_rows.split(",")]
        results["ray"] = section_ray(sizes, args.ray_size, cache, args.ray_repeats)
    if "identity" in sections:
        results["identity"] = section_identity(args.identity_rows, args.ray_size, cache)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if args.write:
        command = "python -m benchmarks scale " + " ".join(argv or [])
        write_report(Path(args.write), markdown(results, command.strip()))
    return 0


__all__ = ["NOTES_MARKER", "main"]
