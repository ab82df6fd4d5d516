"""The Hallucination-as-Cue reading: accuracy under corruption, from per-sample results.

A results table has one row per (sample, model, input variant): ``id``, ``correct`` (0/1)
and the ``hallucue`` record of the input the model saw (no record, or ``applied: false``,
means clean). Optional columns: ``benchmark`` (or ``split``), ``model``/``checkpoint``,
``step``, ``type`` (question type), and for the paper's grid ``model_kind``
(``normal`` or ``corrupted``: how the model was trained) and ``split`` (``train``/``test``).

All confidence intervals are percentile bootstraps from a private, seeded generator.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import records

__all__ = [
    "GRID",
    "IMAGE_REMOVING",
    "bootstrap_ci",
    "build_report",
    "load_results",
    "write_report",
]

#: Corruptions that remove or replace the image: being right under them means the
#: question was solvable without the image.
IMAGE_REMOVING = frozenset({"blank_image", "random_image", "drop_image", "text_only"})

#: The S1-S8 evaluation grid: {normal, corruption-trained model} x {clean, corrupted
#: input} x {train, test split}. The paper's numbering is not public; this is ours.
GRID = {
    "S1": ("normal", "clean", "train"),
    "S2": ("normal", "corrupted", "train"),
    "S3": ("corrupted", "clean", "train"),
    "S4": ("corrupted", "corrupted", "train"),
    "S5": ("normal", "clean", "test"),
    "S6": ("normal", "corrupted", "test"),
    "S7": ("corrupted", "clean", "test"),
    "S8": ("corrupted", "corrupted", "test"),
}


def load_results(path: str | Path, *, metric: str | None = None) -> list[dict[str, Any]]:
    """Rows of a results file: ``.jsonl``/``.json``, ``.parquet`` or ``.csv``; or lmms-eval
    ``--log_samples`` output (its ``--output_path`` folder or a ``*_samples_<task>.jsonl``),
    read by :func:`hallucue_corrupt.adapters.lmms_eval.load_samples` with ``metric``.

    ``PATH:key=value,key=value`` (when ``PATH:...`` is not itself a file) sets those columns
    on every row of ``PATH``, e.g. ``runs/bi:model_kind=corrupted,split=test`` for the grid.
    """
    spec = str(path)
    extra: dict[str, str] = {}
    head, sep, tail = spec.rpartition(":")
    if sep and "=" in tail and not Path(spec).exists():
        spec = head
        for item in tail.split(","):
            key, eq, value = item.partition("=")
            if not eq or not key.strip():
                raise ValueError(f"results {str(path)!r}: {item!r} is not key=value")
            extra[key.strip()] = value.strip()
    path = Path(spec)
    if not path.exists():
        raise FileNotFoundError(f"results file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if path.is_dir() or "_samples_" in path.name:
        from .adapters.lmms_eval import load_samples

        rows = load_samples(path, metric=metric)
    elif suffix in (".jsonl", ".json"):
        rows = [
            json.loads(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(path).to_pylist()
    elif suffix == ".csv":
        import csv

        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    else:
        raise ValueError(f"unsupported results file {str(path)!r}: use .jsonl, .parquet or .csv")
    for i, row in enumerate(rows):
        for column in ("id", "correct"):
            if column not in row:
                raise KeyError(f"results row {i} has no {column!r} column")
        try:
            row["correct"] = float(row["correct"])
        except (TypeError, ValueError):
            raise ValueError(
                f"results row {i}, field 'correct': {row['correct']!r} is not 0/1"
            ) from None
        if row["correct"] not in (0.0, 1.0):
            raise ValueError(f"results row {i}, field 'correct': {row['correct']!r} is not 0/1")
        row.update(extra)
    return rows


def bootstrap_ci(
    values: Sequence[float], *, n: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean (deterministic for a seed)."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return (math.nan, math.nan)
    rng = np.random.Generator(np.random.PCG64(seed))
    means = data[rng.integers(0, data.size, (n, data.size))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return (float(low), float(high))


def _cell(values: Sequence[float], seed: int, n_boot: int) -> dict[str, Any]:
    low, high = bootstrap_ci(values, n=n_boot, seed=seed)
    return {
        "n": len(values),
        "accuracy": float(np.mean(values)) if values else math.nan,
        "ci": [low, high],
    }


def _group(rows: Iterable[Mapping[str, Any]], *keys: str) -> dict[tuple[Any, ...], list[float]]:
    groups: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    for row in rows:
        groups[tuple(row.get(k) for k in keys)].append(float(row["correct"]))
    return groups


def build_report(
    rows: Sequence[Mapping[str, Any]],
    *,
    seed: int = 0,
    n_boot: int = 1000,
    record_column: str = "hallucue",
) -> dict[str, Any]:
    """Every number of the report, JSON-safe."""
    labelled = [
        {
            **row,
            "_label": records.label(row.get(record_column)),
            "_benchmark": row.get("benchmark", row.get("split", "all")),
            "_model": row.get("model", row.get("checkpoint", "model")),
        }
        for row in rows
    ]
    report: dict[str, Any] = {"rows": len(labelled)}
    by_label = _group(labelled, "_model", "_label")
    report["accuracy"] = {
        f"{m}|{lab}": _cell(v, seed, n_boot) for (m, lab), v in sorted(by_label.items())
    }

    gaps = {}
    for model in sorted({r["_model"] for r in labelled}):
        clean = {
            r["id"]: r["correct"]
            for r in labelled
            if r["_model"] == model and r["_label"] == "clean"
        }
        for label in sorted({r["_label"] for r in labelled if r["_model"] == model} - {"clean"}):
            pairs = [
                (clean[r["id"]], r["correct"])
                for r in labelled
                if r["_model"] == model and r["_label"] == label and r["id"] in clean
            ]
            diffs = [c - x for c, x in pairs]
            cell = _cell(diffs, seed, n_boot)
            gaps[f"{model}|{label}"] = {
                "n_pairs": cell["n"],
                "gap": cell["accuracy"],
                "ci": cell["ci"],
            }
    report["gap_clean_minus_corrupted"] = gaps

    blind = [r for r in labelled if set(r["_label"].split("+")) & IMAGE_REMOVING]
    report["solvable_without_image"] = {
        m: _cell(v, seed, n_boot) for (m,), v in sorted(_group(blind, "_model").items())
    }
    report["by_benchmark"] = {
        f"{m}|{b}|{lab}": _cell(v, seed, n_boot)
        for (m, b, lab), v in sorted(
            _group(labelled, "_model", "_benchmark", "_label").items(), key=str
        )
    }
    if any("type" in r for r in labelled):
        report["by_type"] = {
            f"{m}|{t}|{lab}": _cell(v, seed, n_boot)
            for (m, t, lab), v in sorted(
                _group(labelled, "_model", "type", "_label").items(), key=str
            )
        }
    if all("model_kind" in r and "split" in r for r in labelled) and labelled:
        for r in labelled:
            r["_input"] = "clean" if r["_label"] == "clean" else "corrupted"
        grid = _group(labelled, "model_kind", "_input", "split")
        report["grid"] = {
            name: {
                "model_kind": kind,
                "input": inp,
                "split": split,
                **_cell(grid.get((kind, inp, split), []), seed, n_boot),
            }
            for name, (kind, inp, split) in GRID.items()
        }
    if any("step" in r for r in labelled):
        steps = _group([r for r in labelled if "step" in r], "_model", "_label", "step")
        curves: dict[str, list[list[float]]] = defaultdict(list)
        for (m, lab, step), v in sorted(
            steps.items(), key=lambda kv: (str(kv[0][:2]), float(kv[0][2]))
        ):
            curves[f"{m}|{lab}"].append([float(step), float(np.mean(v))])
        report["accuracy_vs_step"] = dict(curves)
    return report


def _pct(cell: Mapping[str, Any]) -> str:
    low, high = cell["ci"]
    if math.isnan(cell["accuracy"]):
        return "n/a"
    return f"{100 * cell['accuracy']:.1f} [{100 * low:.1f}, {100 * high:.1f}] (n={cell['n']})"


def _markdown(report: Mapping[str, Any], plots: Sequence[str], note: str) -> str:
    lines = [
        "# Hallucination-as-Cue report",
        "",
        f"{report['rows']} result rows. Accuracy in %, 95% bootstrap interval in brackets.",
        "",
    ]
    lines += [
        "## Accuracy per corruption",
        "",
        "| model | input | accuracy |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {k.split('|')[0]} | {k.split('|')[1]} | {_pct(v)} |"
        for k, v in report["accuracy"].items()
    ]
    lines += [
        "",
        "## Clean minus corrupted (paired by id)",
        "",
        "| model | corruption | gap (points) | pairs |",
        "| --- | --- | --- | --- |",
    ]
    for k, v in report["gap_clean_minus_corrupted"].items():
        gap = (
            "n/a"
            if math.isnan(v["gap"])
            else (f"{100 * v['gap']:+.1f} [{100 * v['ci'][0]:+.1f}, {100 * v['ci'][1]:+.1f}]")
        )
        lines.append(f"| {k.split('|')[0]} | {k.split('|')[1]} | {gap} | {v['n_pairs']} |")
    lines += [
        "",
        "## Solvable without the image",
        "",
        f"Accuracy under {', '.join(sorted(IMAGE_REMOVING))}.",
        "",
        "| model | accuracy |",
        "| --- | --- |",
    ]
    lines += [f"| {m} | {_pct(v)} |" for m, v in report["solvable_without_image"].items()]
    for section, title in (("by_benchmark", "benchmark"), ("by_type", "question type")):
        if section in report:
            lines += [
                "",
                f"## By {title}",
                "",
                f"| model | {title} | input | accuracy |",
                "| --- | --- | --- | --- |",
            ]
            lines += [
                f"| {' | '.join(k.split('|'))} | {_pct(v)} |" for k, v in report[section].items()
            ]
    if "grid" in report:
        lines += [
            "",
            "## S1-S8 grid",
            "",
            "| cell | model | input | split | accuracy |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {name} | {c['model_kind']} | {c['input']} | {c['split']} | {_pct(c)} |"
            for name, c in report["grid"].items()
        ]
    if plots:
        lines += ["", "## Plots", ""] + [f"![{p}]({p})" for p in plots]
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


#: Plot styling (colours, font sizes, markers, resolution); figure sizes and layout calls in
#: :func:`_plots` carry ``# pragma: no mutate``: styling is not behaviour a user relies on,
#: so mutation testing leaves it out (docs/reliability.md counts the score both ways).
_STYLE: dict[str, dict[str, Any]] = {
    "bar": {"capsize": 3, "color": "#4a7ab8"},
    "small": {"fontsize": 7},
    "line": {"marker": "o"},
    "png": {"dpi": 100},
}


def _plots(report: Mapping[str, Any], out: Path) -> tuple[list[str], str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return (
            [],
            "Plots skipped: matplotlib is not installed (pip install 'hallucue_corrupt[report]').",
        )
    names = []
    keys = list(report["accuracy"])
    fig, ax = plt.subplots(figsize=(max(4, 0.8 * len(keys) + 2), 3.5))  # pragma: no mutate
    acc = [100 * report["accuracy"][k]["accuracy"] for k in keys]
    err = [
        [100 * (report["accuracy"][k]["accuracy"] - report["accuracy"][k]["ci"][0]) for k in keys],
        [100 * (report["accuracy"][k]["ci"][1] - report["accuracy"][k]["accuracy"]) for k in keys],
    ]
    ax.bar(range(len(keys)), acc, yerr=err, **_STYLE["bar"])
    ax.set_xticks(range(len(keys)), [k.replace("|", "\n") for k in keys], **_STYLE["small"])
    ax.set_ylabel("accuracy (%)")
    ax.set_title("Accuracy per corruption")
    fig.tight_layout()  # pragma: no mutate
    fig.savefig(out / "accuracy.png", **_STYLE["png"], metadata={"Software": None})
    plt.close(fig)
    names.append("accuracy.png")
    if "accuracy_vs_step" in report:
        fig, ax = plt.subplots(figsize=(5, 3.5))  # pragma: no mutate
        for key, points in report["accuracy_vs_step"].items():
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, [100 * y for y in ys], label=key.replace("|", " / "), **_STYLE["line"])
        ax.set_xlabel("step")
        ax.set_ylabel("accuracy (%)")
        ax.legend(**_STYLE["small"])
        fig.tight_layout()  # pragma: no mutate
        fig.savefig(out / "accuracy_vs_step.png", **_STYLE["png"], metadata={"Software": None})
        plt.close(fig)
        names.append("accuracy_vs_step.png")
    return names, ""


def write_report(
    rows: Sequence[Mapping[str, Any]], out_dir: str | Path, *, seed: int = 0, n_boot: int = 1000
) -> dict[str, Any]:
    """Write ``report.md``, ``report.html``, ``report.json`` and PNG plots to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = build_report(rows, seed=seed, n_boot=n_boot)
    plots, note = _plots(report, out)
    markdown = _markdown(report, plots, note)
    (out / "report.md").write_text(markdown, encoding="utf-8")
    (out / "report.json").write_text(
        json.dumps(report, indent=2, default=float) + "\n", encoding="utf-8"
    )
    (out / "report.html").write_text(_html(markdown), encoding="utf-8")
    return report


def _html(markdown: str) -> str:
    """A minimal HTML rendering of the markdown report (tables, headings, images)."""
    import html

    body = []
    table: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            cells = [html.escape(c.strip()) for c in line.strip("|").split("|")]
            if set("".join(cells)) <= {"-", " "}:
                continue
            tag = "th" if not table else "td"
            table.append("<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>")
            continue
        if table:
            body.append("<table>" + "".join(table) + "</table>")
            table = []
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{html.escape(line.lstrip('# '))}</h{level}>")
        elif line.startswith("!["):
            src = line[line.index("(") + 1 : -1]
            body.append(f'<img src="{html.escape(src)}" alt="{html.escape(src)}">')
        elif line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:auto}"
        "td,th{padding:2px 8px;border:1px solid #ccc}"
    )
    head = f"<!doctype html><html><head><meta charset='utf-8'><style>{style}</style></head><body>"
    return head + "\n".join(body) + "</body></html>\n"
