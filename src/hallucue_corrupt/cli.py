"""The ``hallucue`` command: ``hallucue corrupt``, ``list``, ``report``, ``lmms-eval-tasks``..."""

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

TEXT_COLUMN_NAMES = ("problem", "question", "prompt", "query", "text")


class CLIError(Exception):
    """An error shown as one line, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hallucue", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

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
    run.add_argument("--image-column", help="default: the first Image column")
    run.add_argument("--text-column", help=f"default: the first of {', '.join(TEXT_COLUMN_NAMES)}")
    run.add_argument("--key-column", help="id column used as the sample key (default: row index)")
    run.add_argument("--num-proc", type=int, default=None, help="worker processes")
    run.add_argument("--keep-original", action="store_true", help="keep <column>_original copies")
    run.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")

    sub.add_parser("list", help="print the registered corruptions")

    prev = sub.add_parser("preview", help="draw a gallery of corruptions on the demo data")
    prev.add_argument(
        "--config", help="pipeline whose corruptions to show (default: all image ones)"
    )
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
    ev.add_argument("--image-column", help="default: the first Image column")
    ev.add_argument("--text-column", help=f"default: the first of {', '.join(TEXT_COLUMN_NAMES)}")
    ev.add_argument(
        "--key-column", help="id column shared by all variants (default: id if present)"
    )
    ev.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    return parser


def _pipeline(args: argparse.Namespace) -> Any:
    from .pipeline import Pipeline
    from .registry import make

    if args.config and args.corruption:
        raise CLIError("give --config or --corruption, not both")
    if args.config:
        pipe = Pipeline.from_config(args.config)
    else:
        pipe = Pipeline([make(name) for name in (args.corruption or ["blank_image"])])
    cfg = pipe.to_config()
    for field in ("seed", "ratio", "epoch"):
        if getattr(args, field) is not None:
            cfg[field] = getattr(args, field)
    return Pipeline.from_config(cfg)


def _columns(args: argparse.Namespace, ds: Any, pipe: Any) -> tuple[str | None, str | None]:
    from .features import image_columns

    features = ds.features if hasattr(ds, "features") else next(iter(ds.values())).features
    image = args.image_column
    text = args.text_column
    if image is None and "image" in pipe.requirements():
        found = image_columns(features)
        if not found:
            raise CLIError("no Image column found; pass --image-column")
        image = found[0]
    if text is None and "text" in pipe.requirements():
        text = next((c for c in TEXT_COLUMN_NAMES if c in features), None)
        if text is None:
            raise CLIError(f"no text column among {TEXT_COLUMN_NAMES}; pass --text-column")
    return image, text


def _input(args: argparse.Namespace) -> Any:
    """The dataset named by INPUT or --demo (exactly one), after checking --out is free."""
    from .demo import load_demo
    from .loading import load_input

    if args.demo == bool(args.input):
        raise CLIError("give an INPUT dataset or --demo (one of them)")
    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not args.overwrite:
        raise CLIError(f"{str(out)!r} exists and is not empty; pass --overwrite")
    return load_demo() if args.demo else load_input(args.input)


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
    from .records import summarize

    ds = _input(args)
    pipe = _pipeline(args)
    key_column = args.key_column or ("id" if args.demo else None)
    image_column, text_column = _columns(args, ds, pipe)
    print(f"pipeline: {json.dumps(pipe.to_config())}", file=sys.stderr)
    print(
        f"columns: image={image_column} text={text_column} key={key_column or '<row index>'}",
        file=sys.stderr,
    )
    out = Path(args.out)
    with _atomic_dir(out) as tmp:
        result = corrupt_dataset(
            ds,
            pipe,
            image_column=image_column,
            text_column=text_column,
            key_column=key_column,
            num_proc=args.num_proc,
            keep_original=args.keep_original,
            log_path=tmp / "records.jsonl",
        )
        result.save_to_disk(str(tmp / "dataset"))
        # summaries come from the logs, which keep the rows on_error="skip" dropped
        logs = (
            {"data": tmp / "records.jsonl"}
            if not hasattr(result, "keys")
            else {name: tmp / f"records.{name}.jsonl" for name in result}
        )
        summary = {
            "input": "<demo>" if args.demo else str(args.input),
            "pipeline": pipe.to_config(),
            "columns": {"image": image_column, "text": text_column, "key": key_column},
            "splits": {
                name: summarize(log.read_text(encoding="utf-8").splitlines())
                for name, log in logs.items()
            },
        }
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    for name, stats in summary["splits"].items():
        per = ", ".join(
            f"{k} {v['applied']}/{v['attempted']}" for k, v in stats["corruptions"].items()
        )
        if stats["errors"]:
            per += f"; {stats['errors']} errors, {stats['skipped']} rows skipped"
        print(
            f"{name}: {stats['applied']}/{stats['rows']} rows corrupted "
            f"(effective ratio {stats['effective_ratio']:.3f}; {per})"
        )
    print(f"wrote {out}/dataset, {out}/summary.json and the records log(s) in {out}")
    return 0


def _list() -> int:
    from .registry import get, list_corruptions

    for name, modality in list_corruptions().items():
        doc = (get(name).__doc__ or "").strip().splitlines()[0]
        print(f"{name:<16} {modality:<6} {doc}")
    return 0


def _preview(args: argparse.Namespace) -> int:
    from .demo import load_demo
    from .pipeline import Pipeline
    from .preview import gallery

    corruptions = Pipeline.from_config(args.config).corruptions if args.config else None
    if args.cell < 16:
        raise CLIError("--cell must be >= 16")
    image = gallery(load_demo(), corruptions, cell=args.cell)
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
    from .pipeline import Pipeline

    ds = _input(args)
    pipe = Pipeline.from_config(args.config)
    image_column, text_column = _columns(args, ds, pipe)
    key_column = args.key_column or ("id" if "id" in ds.column_names else None)
    out = Path(args.out)
    with _atomic_dir(out) as tmp:
        manifest = write_eval_variants(
            ds, pipe, tmp, image_column=image_column, text_column=text_column, key_column=key_column
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
