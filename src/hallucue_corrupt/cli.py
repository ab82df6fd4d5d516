"""The ``hallucue`` command.

Commands: ``corrupt`` (corrupt a dataset, write it with its records and a summary),
``list`` (the registered corruptions), ``preview`` (a gallery of image corruptions),
``make-eval`` (the clean and each corrupted variant of an eval set), ``lmms-eval-tasks``
(lmms-eval task folders, clean and corrupted) and ``report`` (accuracy under corruption
from per-sample results or lmms-eval logs). ``hallucue COMMAND --help`` for each.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]


class CLIError(Exception):
    """An error shown as one line, exit code 2."""


def _add_columns(parser: argparse.ArgumentParser) -> None:
    """The column flags; unnamed ones are found by ``binding.find_columns``."""
    from .binding import TEXT_COLUMN_NAMES

    parser.add_argument("--image-column", help="default: the only Image column")
    parser.add_argument(
        "--text-column", help=f"default: the first of {', '.join(TEXT_COLUMN_NAMES)}"
    )
    parser.add_argument(
        "--key-column",
        help="id column used as the sample key (default: id if present, else the row index)",
    )


def _parser() -> argparse.ArgumentParser:
    from ._version import __version__

    parser = argparse.ArgumentParser(
        prog="hallucue", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"hallucue_corrupt {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("corrupt", help="corrupt a dataset and write it with a summary")
    run.add_argument("input", nargs="?", help="save_to_disk folder, .parquet or .jsonl")
    run.add_argument("--demo", action="store_true", help="use the bundled demo dataset")
    run.add_argument("--out", required=True, help="output folder (written atomically)")
    run.add_argument("--config", help="pipeline YAML/JSON (see Pipeline.to_config)")
    run.add_argument(
        "-c",
        "--corruption",
        action="append",
        default=[],
        help="corruption name, repeatable (instead of --config)",
    )
    run.add_argument("--seed", type=int, help="override the config's seed")
    run.add_argument("--ratio", type=float, help="override the config's ratio")
    run.add_argument("--epoch", type=int, help="override the config's epoch")
    run.add_argument(
        "--selection", choices=["exact", "bernoulli"], help="override the config's selection"
    )
    run.add_argument(
        "--on-error",
        choices=["raise", "keep", "skip"],
        help="a row whose corruption fails: stop (raise), keep it unchanged, or drop it (skip)",
    )
    _add_columns(run)
    run.add_argument("--limit", type=int, help="only the first N rows (of each split)")
    run.add_argument(
        "--log", help="also write the records log here (JSONL; default: only inside --out)"
    )
    run.add_argument("--num-proc", type=int, default=None, help="worker processes")
    run.add_argument("--keep-original", action="store_true", help="keep <column>_original copies")
    run.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    # engines and output formats (issue 12); handled in hallucue_corrupt.engines
    run.add_argument(
        "--engine",
        choices=["datasets", "ray"],
        default="datasets",
        help="datasets (one machine) or ray (Ray Data; pip install '.[ray]')",
    )
    run.add_argument("--ray-address", help="Ray cluster to join (auto: the running one)")
    run.add_argument("--workers", type=int, help="Ray actors (default: one per cluster CPU)")
    run.add_argument(
        "--format",
        choices=["arrow", "parquet"],
        help="output: arrow (save_to_disk) or parquet; ray and --streaming: parquet",
    )
    run.add_argument(
        "--streaming",
        action="store_true",
        help="read INPUT as a stream (datasets engine), write parquet",
    )

    sub.add_parser("list", help="print the registered corruptions")

    prev = sub.add_parser("preview", help="draw a gallery of image corruptions")
    prev.add_argument("input", nargs="?", help="dataset to draw from (default: the demo)")
    prev.add_argument(
        "--config", help="pipeline whose corruptions to show (default: all image ones)"
    )
    prev.add_argument("--image-column", help="default: the only Image column")
    prev.add_argument("--text-column", help="text column (for corruptions that move text)")
    prev.add_argument("--out", required=True, help="PNG file to write")
    prev.add_argument("--cell", type=int, default=128, help="cell size in pixels")

    rep = sub.add_parser("report", help="accuracy under corruption from per-sample results")
    rep.add_argument(
        "results",
        nargs="+",
        help="results .jsonl/.parquet/.csv (id, correct, hallucue...) or lmms-eval --log_samples "
        "output; PATH:key=value,... sets columns (model_kind=corrupted,split=test)",
    )
    rep.add_argument("--metric", help="lmms-eval logs: the per-sample metric holding the score")
    rep.add_argument("--out", required=True, help="folder for report.md/.html/.json and plots")
    rep.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    rep.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples")

    lm = sub.add_parser(
        "lmms-eval-tasks", help="write lmms-eval tasks: clean plus one per corruption"
    )
    lm.add_argument("--tasks", required=True, help="comma-separated lmms-eval tasks/groups/YAMLs")
    lm.add_argument("--config", required=True, help="pipeline YAML/JSON")
    lm.add_argument("--out", required=True, help="folder to pass to lmms-eval --include_path")
    lm.add_argument("--image-column", help="default: known per benchmark (MathVista...)")
    lm.add_argument("--text-column", help="default: known per benchmark (MathVista...)")
    lm.add_argument("--key-column", help="doc field used as the sample key (default: doc_id)")
    lm.add_argument("--dataset-path", help="local copy of the data (save_to_disk or hub layout)")
    lm.add_argument(
        "--include-path", action="append", help="folder of your own task YAMLs (repeatable)"
    )
    lm.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")

    ev = sub.add_parser(
        "make-eval", help="write the clean and every corrupted variant of an eval set"
    )
    ev.add_argument("input", nargs="?", help="save_to_disk folder, .parquet or .jsonl")
    ev.add_argument("--demo", action="store_true", help="use the bundled demo dataset")
    ev.add_argument("--config", required=True, help="pipeline YAML/JSON")
    ev.add_argument("--out", required=True, help="output folder (written atomically)")
    ev.add_argument("--seed", type=int, help="override the config's seed")
    _add_columns(ev)
    ev.add_argument("--num-proc", type=int, default=None, help="worker processes")
    ev.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    return parser


def _pipeline(args: argparse.Namespace) -> Any:
    from .pipeline import Pipeline
    from .registry import make

    named = getattr(args, "corruption", None)
    if args.config and named:
        raise CLIError("give --config or --corruption, not both")
    if args.config:
        pipe = Pipeline.from_config(args.config)
    else:
        pipe = Pipeline([make(name) for name in (named or ["blank_image"])])
    cfg = pipe.to_config()
    for field in ("seed", "ratio", "epoch", "selection", "on_error"):
        if getattr(args, field, None) is not None:
            cfg[field] = getattr(args, field)
    return Pipeline.from_config(cfg)


def _columns(args: argparse.Namespace, ds: Any, pipe: Any) -> dict[str, str | None]:
    """The image/text/key columns: the one rule :func:`find_columns` applies (the key
    defaults to ``id`` when the dataset has one)."""
    from .binding import find_columns

    features = ds.features if hasattr(ds, "features") else next(iter(ds.values())).features
    key = args.key_column or ("id" if "id" in features else None)
    return find_columns(
        features,
        pipe.requirements(),
        image_column=args.image_column,
        text_column=args.text_column,
        key_column=key,
        wants_text=pipe.edits_placeholders,
    )


def _input(args: argparse.Namespace) -> Any:
    """The dataset named by INPUT or --demo (exactly one), after checking --out is free."""
    from .demo import load_demo
    from .loading import load_input

    if args.demo == bool(args.input):
        raise CLIError("give an INPUT dataset or --demo (one of them)")
    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not args.overwrite:
        raise CLIError(f"{str(out)!r} exists and is not empty; pass --overwrite")
    ds = load_demo() if args.demo else load_input(args.input)
    limit = getattr(args, "limit", None)
    if limit is not None:
        if limit < 1:
            raise CLIError("--limit must be >= 1")
        if hasattr(ds, "column_names") and isinstance(ds.column_names, list):
            ds = ds.select(range(min(limit, len(ds))))
        else:
            ds = type(ds)({k: v.select(range(min(limit, len(v)))) for k, v in ds.items()})
    return ds


@contextlib.contextmanager
def _atomic_dir(out: Path) -> Iterator[Path]:
    """A temporary folder beside ``out`` that replaces it only if the block succeeds:
    an interrupted or failed run leaves no partial output."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _corrupt(args: argparse.Namespace) -> int:
    from .dataset import corrupt_dataset
    from .engines import corrupt_scaled, save_output, scaled
    from .records import summarize

    if scaled(args):
        return corrupt_scaled(args, _pipeline(args), _atomic_dir)
    ds = _input(args)
    pipe = _pipeline(args)
    columns = _columns(args, ds, pipe)
    print(f"pipeline: {json.dumps(pipe.to_config())}", file=sys.stderr)
    print(
        f"columns: image={columns['image']} text={columns['text']} "
        f"key={columns['key'] or '<row index>'}",
        file=sys.stderr,
    )
    out = Path(args.out)
    with _atomic_dir(out) as tmp:
        result = corrupt_dataset(
            ds,
            pipe,
            image_column=columns["image"],
            text_column=columns["text"],
            key_column=columns["key"],
            num_proc=args.num_proc,
            keep_original=args.keep_original,
            log_path=tmp / "records.jsonl",
        )
        save_output(result, tmp / "dataset", args.format)
        # summaries come from the logs, which keep the rows on_error="skip" dropped
        logs = (
            {"data": tmp / "records.jsonl"}
            if not hasattr(result, "keys")
            else {name: tmp / f"records.{name}.jsonl" for name in result}
        )
        summary = {
            "input": "<demo>" if args.demo else str(args.input),
            "pipeline": pipe.to_config(),
            "columns": columns,
            "splits": {
                name: summarize(log.read_text(encoding="utf-8").splitlines())
                for name, log in logs.items()
            },
        }
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if args.log:
        _copy_logs(out, Path(args.log), list(logs))
    for name, stats in summary["splits"].items():
        print(_summary_line(name, stats))
    print(f"wrote {out}/dataset, {out}/summary.json and the records log(s) in {out}")
    return 0


def _copy_logs(out: Path, log: Path, splits: list[str]) -> None:
    """Copy the records log(s) from ``out`` to ``--log`` (one file per split)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    if splits == ["data"]:
        shutil.copyfile(out / "records.jsonl", log)
        return
    for split in splits:
        shutil.copyfile(
            out / f"records.{split}.jsonl", log.with_name(f"{log.stem}.{split}{log.suffix}")
        )


def _summary_line(name: str, stats: dict[str, Any]) -> str:
    """One split's last line: rows corrupted, the effective ratio, per-corruption counts,
    and errors, skipped rows, superseded entries and emptied texts, always."""
    per = ", ".join(f"{k} {v['applied']}/{v['attempted']}" for k, v in stats["corruptions"].items())
    return (
        f"{name}: {stats['applied']}/{stats['rows']} rows corrupted "
        f"(effective ratio {stats['effective_ratio']:.3f}; {per}); "
        f"errors={stats['errors']} skipped={stats['skipped']} "
        f"superseded={stats['superseded']} emptied={stats['emptied']}"
    )


def _list() -> int:
    import textwrap

    from .registry import get, list_corruptions

    names = list_corruptions()
    width = max(map(len, names))
    kind_width = max(map(len, names.values()))
    indent = " " * (width + kind_width + 4)
    for name, modality in names.items():
        doc = " ".join((get(name).__doc__ or "").split())
        first = doc.split(". ")[0].rstrip(".") + "." if doc else ""
        lines = textwrap.wrap(first, 100 - len(indent)) or [""]
        print(f"{name:<{width}}  {modality:<{kind_width}}  {lines[0]}")
        for line in lines[1:]:
            print(f"{indent}{line}")
    return 0


def _preview(args: argparse.Namespace) -> int:
    from .binding import find_columns
    from .demo import load_demo
    from .loading import load_input
    from .pipeline import Pipeline
    from .preview import gallery, gallery_rows

    corruptions = Pipeline.from_config(args.config).corruptions if args.config else None
    if args.cell < 16:
        raise CLIError("--cell must be >= 16")
    if not gallery_rows(corruptions):
        print("nothing to draw: the pipeline has no image corruption; no file written")
        return 0
    ds = load_input(args.input) if args.input else load_demo()
    if not hasattr(ds, "features"):
        ds = next(iter(ds.values()))
    found = find_columns(
        ds.features,
        {"image": ["preview"]},
        image_column=args.image_column,
        text_column=args.text_column,
        wants_text=True,
    )
    image = gallery(
        ds,
        corruptions,
        cell=args.cell,
        image_column=str(found["image"]),
        text_column=found["text"],
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, format="PNG", optimize=True)
    print(f"wrote {out} ({image.width}x{image.height})")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report import load_results, write_report

    rows = [row for path in args.results for row in load_results(path, metric=args.metric)]
    report = write_report(rows, args.out, seed=args.seed, n_boot=args.bootstrap)
    for key, cell in report["accuracy"].items():
        print(f"{key:40s} {100 * cell['accuracy']:6.1f}%  (n={cell['n']})")
    print(f"wrote {args.out}/report.md, report.html, report.json")
    return 0


def _make_eval(args: argparse.Namespace) -> int:
    from .evalsets import write_eval_variants

    ds = _input(args)
    pipe = _pipeline(args)
    columns = _columns(args, ds, pipe)
    out = Path(args.out)
    with _atomic_dir(out) as tmp:
        manifest = write_eval_variants(
            ds,
            pipe,
            tmp,
            image_column=columns["image"],
            text_column=columns["text"],
            key_column=columns["key"],
            num_proc=args.num_proc,
        )
    for name, info in manifest["variants"].items():
        print(f"{name:30s} {info['rows']} rows, {info['applied']} corrupted")
    print(f"wrote {len(manifest['variants'])} variants and manifest.json to {out}")
    return 0


def _lmms_eval_tasks(args: argparse.Namespace) -> int:
    from .adapters.lmms_eval import write_task_dir
    from .pipeline import Pipeline

    try:
        import lmms_eval  # noqa: F401
    except ImportError:
        raise CLIError(
            "lmms-eval is not installed: pip install 'hallucue_corrupt[lmms_eval]' "
            "(then pip uninstall torchvision; see docs/adapters.md)"
        ) from None
    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        if not args.overwrite:
            raise CLIError(f"{str(out)!r} exists and is not empty; pass --overwrite")
        shutil.rmtree(out)
    manifest = write_task_dir(
        [t.strip() for t in args.tasks.split(",") if t.strip()],
        Pipeline.from_config(args.config),
        out,
        image_column=args.image_column,
        text_column=args.text_column,
        key_column=args.key_column,
        dataset_path=args.dataset_path,
        include_path=args.include_path,
    )
    for name in manifest["tasks"]:
        print(name)
    print(
        f"wrote {len(manifest['tasks'])} tasks to {out}; run lmms-eval with "
        f"--include_path {out} --tasks {','.join(manifest['tags'])} --log_samples"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hallucue`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        import hallucue_corrupt  # noqa: F401  (fills the registry)

        if args.command == "list":
            return _list()
        if args.command == "preview":
            return _preview(args)
        if args.command == "report":
            return _report(args)
        if args.command == "make-eval":
            return _make_eval(args)
        if args.command == "lmms-eval-tasks":
            return _lmms_eval_tasks(args)
        return _corrupt(args)
    except KeyboardInterrupt:
        print("hallucue: interrupted", file=sys.stderr)
        return 130
    except (CLIError, ValueError, KeyError, TypeError, OSError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"hallucue: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
