"""``hallucue corrupt`` past one in-memory dataset: ``--engine ray``, ``--streaming`` and
``--format parquet``.

Every engine writes ``OUT/dataset`` (parquet files carrying the ``huggingface`` features
in their footers, or a ``save_to_disk`` folder) and ``OUT/summary.json``, atomically.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["corrupt_scaled", "save_output", "scaled", "write_parquet"]

AtomicDir = Callable[[Path], contextlib.AbstractContextManager[Path]]


class EngineError(ValueError):
    """A bad combination of engine flags (shown as one line by the CLI)."""


def scaled(args: argparse.Namespace) -> bool:
    """Whether this ``corrupt`` run goes through an engine here (Ray or a stream)."""
    if args.engine != "ray" and (args.ray_address or args.workers):
        raise EngineError("--ray-address and --workers need --engine ray")
    if args.engine == "ray" and args.streaming:
        raise EngineError("--streaming is for the datasets engine; Ray Data always streams")
    if (args.engine == "ray" or args.streaming) and args.format == "arrow":
        raise EngineError("--engine ray and --streaming write parquet (--format parquet)")
    if (args.engine == "ray" or args.streaming) and (args.limit or args.log):
        raise EngineError("--limit and --log are for the in-memory datasets engine")
    return bool(args.engine == "ray" or args.streaming)


def write_parquet(dataset: Any, folder: Path, batch_size: int = 1000) -> list[Path]:
    """A ``Dataset`` or ``IterableDataset`` as parquet files in ``folder`` whose footers
    carry the ``huggingface`` features (``load_dataset("parquet")`` restores them)."""
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    schema = dataset.features.arrow_schema
    path = folder / "data-00000.parquet"
    with pq.ParquetWriter(str(path), schema) as writer:
        for table in dataset.with_format("arrow").iter(batch_size=batch_size):
            writer.write_table(table.select(schema.names).cast(schema))
    return [path]


def save_output(result: Any, folder: Path, fmt: str | None) -> None:
    """Write a corrupted ``Dataset`` or ``DatasetDict``: ``save_to_disk`` (``arrow``, the
    default) or parquet (one folder per split of a dict)."""
    if fmt != "parquet":
        result.save_to_disk(str(folder))
        return
    if hasattr(result, "keys"):
        for split, ds in result.items():
            write_parquet(ds, folder / split)
    else:
        write_parquet(result, folder)


@contextlib.contextmanager
def _ray_session(address: str | None) -> Iterator[None]:
    import ray

    started = not ray.is_initialized()
    if started:
        ray.init(address=address, log_to_driver=False)
    try:
        yield
    finally:
        if started:
            ray.shutdown()


def corrupt_scaled(args: argparse.Namespace, pipe: Any, atomic_dir: AtomicDir) -> int:
    """The ``corrupt`` command on Ray Data or a ``datasets`` stream."""
    from .binding import find_columns
    from .pool import parquet_files

    if args.demo or not args.input:
        raise EngineError("--engine ray and --streaming read an INPUT of parquet files")
    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not args.overwrite:
        raise EngineError(f"{str(out)!r} exists and is not empty; pass --overwrite")
    files = parquet_files(args.input)
    import pyarrow.parquet as pq

    from .ray import features_of

    features = features_of(files, pq.read_schema(files[0]))
    found = find_columns(
        features,
        pipe.requirements(),
        image_column=args.image_column,
        text_column=args.text_column,
        key_column=args.key_column or ("id" if "id" in features else None),
        wants_text=pipe.edits_placeholders,
    )
    header = {
        "input": str(args.input),
        "engine": args.engine if not args.streaming else "datasets-streaming",
        "pipeline": pipe.to_config(),
        "columns": found,
    }
    print(f"pipeline: {json.dumps(pipe.to_config())}", file=sys.stderr)
    if args.engine == "ray":
        summary = _run_ray(args, pipe, files, found, header)
    else:
        summary = _run_stream(args, pipe, files, found, header, atomic_dir)
    from .cli import _summary_line

    print(_summary_line("data", summary))
    print(f"wrote {out}/dataset (parquet) and {out}/summary.json")
    return 0


def _run_ray(
    args: argparse.Namespace,
    pipe: Any,
    files: list[str],
    found: dict[str, str | None],
    header: dict[str, Any],
) -> dict[str, Any]:
    from . import ray as hray

    if found["key"] is None:
        raise EngineError("--engine ray needs --key-column: Ray rows have no stable index")
    with _ray_session(args.ray_address):
        ds = hray.corrupt(
            files,
            pipe,
            image_column=found["image"],
            text_column=found["text"],
            key_column=found["key"],
            workers=args.workers,
            keep_original=args.keep_original,
        )
        summary = hray.write(ds, args.out, overwrite=args.overwrite, extra_summary=header)
    return summary


def _run_stream(
    args: argparse.Namespace,
    pipe: Any,
    files: list[str],
    found: dict[str, str | None],
    header: dict[str, Any],
    atomic_dir: AtomicDir,
) -> dict[str, Any]:
    import pyarrow.parquet as pq
    from datasets import load_dataset

    from .dataset import corrupt_dataset
    from .pool import ParquetPool
    from .records import summarize

    stream = load_dataset("parquet", data_files=files, split="train", streaming=True)
    keys: Any = None
    if pipe.needs_keys:  # the key set, read once from the files (one column)
        if found["key"] is not None:
            keys = [k for f in files for k in pq.read_table(f, columns=[found["key"]]).column(0)]
            keys = [k.as_py() for k in keys]
        else:
            keys = range(sum(pq.ParquetFile(f).metadata.num_rows for f in files))
    result = corrupt_dataset(
        stream,
        pipe,
        image_column=found["image"],
        text_column=found["text"],
        key_column=found["key"],
        pool=ParquetPool(files, found["image"] or "", found["key"]) if pipe.needs_pool else None,
        keys=keys,
        keep_original=args.keep_original,
    )
    with atomic_dir(Path(args.out)) as tmp:
        written = write_parquet(result, tmp / "dataset")
        records = [r for f in written for r in pq.read_table(f, columns=["hallucue"]).column(0)]
        summary = {**header, **summarize(r.as_py() for r in records)}
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
