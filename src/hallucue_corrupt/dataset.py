"""Hugging Face ``datasets`` integration: a picklable map function and ``corrupt_dataset``.

Image columns are read undecoded (``Image(decode=False)``) so that a blank is cached
bytes and a donor is copied as its bytes; decoding is restored on the output, whose
features equal the input's plus the record column (and ``*_original`` copies on request).
``corrupt_dataset`` maps over Arrow-formatted batches through the batch kernel
(:mod:`hallucue_corrupt.kernel`); a streaming ``IterableDataset`` goes through
:mod:`hallucue_corrupt.streaming`, with the same kernel and the same bytes per key.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict, IterableDataset, IterableDatasetDict, Value

from .binding import RunBinding, find_columns
from .features import undecoded
from .fields import FieldError
from .kernel import BatchKernel, original_column
from .pipeline import Pipeline
from .records import dumps, loads, warn_emptied, write_jsonl
from .seeding import canonical_key

logger = logging.getLogger("hallucue_corrupt")

__all__ = ["MapFunction", "corrupt_dataset", "original_column"]


class MapFunction:
    """The callable behind :meth:`Pipeline.map_fn`; works batched or not, with any num_proc.

    It holds one :class:`~hallucue_corrupt.binding.RunBinding` and is a plain picklable
    object: forked or spawned workers rebuild the same state, and every draw is keyed on
    the sample key, so output bytes do not depend on the workers. Arrow-formatted batches
    (``dataset.with_format("arrow")``) go through the batch kernel and come back as a
    table; Python batches and rows are corrupted row by row.
    """

    def __init__(
        self, binding: RunBinding, *, record_column: str = "hallucue", keep_original: bool = False
    ) -> None:
        self.binding = binding
        self.record_column = record_column
        self.keep_original = keep_original
        self.touched = binding.fields
        self.kernel = BatchKernel(binding, record_column=record_column, keep_original=keep_original)

    @property
    def pipeline(self) -> Pipeline:
        return self.binding.pipeline

    @property
    def columns(self) -> list[str]:
        """The columns this function returns: the fields it corrupts (others are neither read
        nor rewritten), their originals if kept, and the record."""
        return self.kernel.columns

    def __call__(
        self, examples: Mapping[str, Any], indices: Any = None
    ) -> dict[str, list[Any]] | dict[str, Any] | Any:
        import pyarrow as pa

        if isinstance(examples, (pa.Table, pa.RecordBatch)):
            return self.kernel(examples, indices)
        key_column = self.binding.key_column
        if key_column is not None:
            if key_column not in examples:
                raise FieldError(f"no key column {key_column!r} in the dataset")
            keys = examples[key_column]
        elif indices is None:
            raise ValueError("call Dataset.map(fn, with_indices=True), or give key_column")
        else:
            keys = indices
        if not isinstance(keys, list):
            return self._row(examples, keys)
        out: dict[str, list[Any]] = {c: [] for c in self.columns}
        for i, key in enumerate(keys):
            row = {c: examples[c][i] for c in self.touched if c in examples}
            for column, value in self._row(row, key).items():
                out[column].append(value)
        return out

    def _row(self, row: Mapping[str, Any], key: Any) -> dict[str, Any]:
        for column in self.touched:
            if column not in row:
                raise FieldError(f"sample {canonical_key(key)!r}: no column {column!r}")
        new, record = self.binding.apply({c: row[c] for c in self.touched}, key, kind="dict")
        result = {c: new[c] for c in self.touched}
        if self.keep_original:
            result.update({original_column(c): row[c] for c in self.touched})
        result[self.record_column] = dumps(record)
        return result


def corrupt_dataset(
    dataset: Dataset | DatasetDict | IterableDataset | IterableDatasetDict,
    pipeline: Pipeline,
    *,
    image_column: str | None = None,
    text_column: str | None = None,
    key_column: str | None = None,
    pool: Any = None,
    epoch: int | None = None,
    num_proc: int | None = None,
    batched: bool = True,
    batch_size: int = 256,
    keep_original: bool = False,
    record_column: str = "hallucue",
    log_path: str | Path | None = None,
    desc: str | None = None,
    keys: Any = None,
) -> Any:
    """Corrupt a ``Dataset`` (or each split of a ``DatasetDict``) with ``pipeline``.

    Every row keeps its other columns and gets a JSON record in ``record_column``; the
    features are the input's plus that string column. A needed column that is not named
    is found as the CLI finds it (:func:`~hallucue_corrupt.binding.find_columns`).
    ``pool`` (default: the dataset, or each split) supplies donors for ``random_image``.
    ``log_path`` also writes the records as JSONL (one file per split, suffixed with
    the split name).

    A streaming ``IterableDataset`` (or ``IterableDatasetDict``) comes back as one, lazy,
    with ``features`` set; see :func:`hallucue_corrupt.streaming.corrupt_stream` for its
    ``pool`` and ``keys`` (an exact ratio below 1 needs ``keys=``, every key of the
    stream, or ``selection="bernoulli"``).
    """
    if isinstance(dataset, (IterableDataset, IterableDatasetDict)):
        from .streaming import corrupt_stream

        if num_proc not in (None, 1) or log_path is not None:
            raise ValueError(
                "a streaming dataset is corrupted lazily as it is read: num_proc= and "
                "log_path= do not apply (write the output, then summarise its records)"
            )
        return corrupt_stream(
            dataset,
            pipeline,
            image_column=image_column,
            text_column=text_column,
            key_column=key_column,
            pool=pool,
            keys=keys,
            epoch=epoch,
            batch_size=batch_size,
            keep_original=keep_original,
            record_column=record_column,
        )
    if isinstance(dataset, DatasetDict):
        splits = {}
        for split, ds in dataset.items():
            split_log = None
            if log_path is not None:
                base = Path(log_path)
                split_log = base.with_name(f"{base.stem}.{split}{base.suffix or '.jsonl'}")
            splits[split] = corrupt_dataset(
                ds,
                pipeline,
                image_column=image_column,
                text_column=text_column,
                key_column=key_column,
                pool=pool,
                epoch=epoch,
                num_proc=num_proc,
                batched=batched,
                batch_size=batch_size,
                keep_original=keep_original,
                record_column=record_column,
                log_path=split_log,
                desc=desc,
            )
        return DatasetDict(splits)
    if not isinstance(dataset, Dataset):
        raise TypeError(
            f"corrupt_dataset needs a datasets.Dataset or DatasetDict, got {type(dataset).__name__}"
        )

    columns = dataset.column_names
    found = find_columns(
        dataset.features,
        pipeline.requirements(),
        image_column=image_column,
        text_column=text_column,
        key_column=key_column,
        wants_text=pipeline.edits_placeholders,
    )
    image_column, text_column = found["image"], found["text"]
    new_columns = [record_column]
    if keep_original:
        new_columns += [original_column(c) for c in pipeline.fields_used(image_column, text_column)]
    clash = [c for c in new_columns if c in columns]
    if clash:
        raise ValueError(
            f"column {clash[0]!r} already exists; choose another record_column or drop it"
        )

    work = undecoded(dataset, image_column) if image_column is not None else dataset
    binding = pipeline.bind(
        image_column=image_column,
        text_column=text_column,
        key_column=key_column,
        pool=work if pool is None else pool,
        dataset=work if keys is None else None,
        keys=keys,
        epoch=epoch,
    )
    fn = MapFunction(binding, record_column=record_column, keep_original=keep_original)
    features = output_features(work.features, fn.kernel)
    out = work.with_format("arrow").map(
        fn,
        batched=batched,
        batch_size=batch_size,
        with_indices=key_column is None,
        num_proc=num_proc,
        features=features,
        new_fingerprint=_fingerprint(work, binding, fn),
        desc=desc or f"hallucue: {', '.join(c.name for c in pipeline.corruptions)}",
    )
    out = out.with_format(dataset.format["type"], **dataset.format["format_kwargs"])
    out = restore_images(out, dataset.features, image_column)
    # the record strings in one pass over Arrow (a lazy column formats row by row)
    records = out.with_format("arrow")[record_column].to_pylist()
    if log_path is not None:
        write_jsonl(records, log_path)
    warn_emptied(records)
    if pipeline.on_error == "skip":
        out = _drop_skipped(out, record_column, log_path)
    return out


def _fingerprint(work: Dataset, binding: RunBinding, fn: MapFunction) -> str | None:
    """The output's cache fingerprint from what decides its bytes (the input's fingerprint,
    the version, config, selection, columns and donor pool): ``datasets`` would otherwise
    hash the map function, donor images included, on every call. None (let ``datasets``
    hash) for a pool this cannot identify."""
    import hashlib
    import os

    from ._version import __version__
    from .pool import DatasetPool, ParquetPool

    pool = binding.pool
    if pool is None:
        donors = ""
    elif isinstance(pool, DatasetPool):
        donors = f"dataset:{pool._dataset._fingerprint}:{binding.key_column}"
    elif isinstance(pool, ParquetPool):
        donors = "parquet:" + ",".join(f"{f}@{os.stat(f).st_mtime_ns}" for f in pool.files)
    else:
        return None
    code = _code_fingerprint(binding)
    if code is None:
        return None
    parts = [
        work._fingerprint,
        __version__,
        code,
        binding.pipeline.config_hash,
        repr(binding.selection),
        repr(fn.columns),
        repr(binding.columns),
        str(binding.key_column),
        donors,
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def _library_source_hash() -> str:
    """A hash of this library's source: a cached map made by other code (a development
    checkout edited at the same version) is never reused."""
    import hashlib
    from pathlib import Path

    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _code_fingerprint(binding: RunBinding) -> str | None:
    """The library's source hash plus the source of every corruption class defined
    elsewhere (a user's own); None when such a source cannot be read."""
    import hashlib
    import inspect

    from .compose import leaves

    parts = [_library_source_hash()]
    for corruption in binding.pipeline.corruptions:
        for leaf in leaves(corruption):
            cls = type(leaf)
            if cls.__module__.split(".")[0] == "hallucue_corrupt":
                continue
            try:
                parts.append(hashlib.sha256(inspect.getsource(cls).encode()).hexdigest()[:16])
            except (OSError, TypeError):
                return None
    return "+".join(parts)


def output_features(features: Any, kernel: BatchKernel) -> Any:
    """The features of a corrupted dataset: the input's, its kept originals, the record."""
    out = features.copy()
    for column in kernel.columns:
        if column == kernel.record_column:
            out[column] = Value("string")
        elif column not in out:  # an *_original copy
            out[column] = features[column[: -len("_original")]]
    return out


def restore_images(dataset: Any, features: Any, image_column: str | None) -> Any:
    """``dataset`` with its image column (and its kept original) decoding as in ``features``."""
    if image_column is None:
        return dataset
    for column in (image_column, original_column(image_column)):
        if column in dataset.column_names:
            dataset = dataset.cast_column(column, features[image_column])
    return dataset


def _drop_skipped(dataset: Dataset, record_column: str, log_path: Any = None) -> Dataset:
    """Rows whose corruption failed under ``on_error="skip"``, removed and counted."""
    recs = [loads(r) for r in dataset[record_column]]
    keep = [not r.get("skipped") for r in recs]
    dropped = keep.count(False)
    if dropped:
        first = next(r["error"] for r in recs if r.get("skipped"))
        where = f"all are in {str(log_path)!r}" if log_path else "pass log_path= to keep them all"
        logger.warning(
            "hallucue: skipped %d of %d rows whose corruption failed (on_error='skip'); "
            "first error: %s (%s)",
            dropped,
            len(keep),
            first,
            where,
        )
        dataset = dataset.select([i for i, k in enumerate(keep) if k])
    return dataset
