"""Streaming ``datasets.IterableDataset`` support: lazy corruption with the batch kernel.

A stream cannot be indexed or counted, so two run-level inputs come from elsewhere: the
donor pool (a map-style ``Dataset``, parquet files read on demand, or any
:class:`~hallucue_corrupt.pool.Pool`) and, for an exact ratio below 1, every sample key
(``keys=``), unless the selection is Bernoulli. The output stream has ``features`` set
(the input's plus the record column) and its images are ``Image`` values as in the input.
"""

from __future__ import annotations

from typing import Any

from datasets import IterableDataset, IterableDatasetDict

from .binding import find_columns
from .dataset import output_features, restore_images
from .features import undecoded
from .kernel import bind_kernel
from .pipeline import Pipeline
from .pool import as_pool

__all__ = ["corrupt_stream"]

STREAM_KEYS = (
    "an exact ratio below 1 on a streaming dataset needs every sample key up front: pass "
    "keys= (every id of the full dataset, or range(num_rows) without key_column), or use "
    "selection='bernoulli'"
)


def corrupt_stream(
    dataset: IterableDataset | IterableDatasetDict,
    pipeline: Pipeline,
    *,
    image_column: str | None = None,
    text_column: str | None = None,
    key_column: str | None = None,
    pool: Any = None,
    keys: Any = None,
    epoch: int | None = None,
    batch_size: int = 256,
    keep_original: bool = False,
    record_column: str = "hallucue",
) -> Any:
    """``dataset`` corrupted lazily, as it is iterated; each split of a dict on its own.

    ``pool`` (needed by ``random_image``): a map-style ``Dataset``, a parquet path, folder
    or glob, or a ``Pool``. Rows are keyed by ``key_column``, else by their position in
    the stream, as ``corrupt_dataset`` keys them by row index.
    """
    kwargs = dict(
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
    if isinstance(dataset, IterableDatasetDict):
        return IterableDatasetDict(
            {name: corrupt_stream(split, pipeline, **kwargs) for name, split in dataset.items()}
        )
    features = dataset.features
    if features is None:
        raise ValueError(
            "this streaming dataset has no features: load it from files that carry them "
            "(parquet, or pass features= to load_dataset), or cast its columns first"
        )
    found = find_columns(
        features,
        pipeline.requirements(),
        image_column=image_column,
        text_column=text_column,
        key_column=key_column,
        wants_text=pipeline.edits_placeholders,
    )
    image_column, text_column = found["image"], found["text"]
    clash = record_column if record_column in features else None
    if clash:
        raise ValueError(f"column {clash!r} already exists; choose another record_column")
    if pipeline.needs_keys and keys is None:
        raise ValueError(STREAM_KEYS)
    if pipeline.needs_pool and pool is None:
        raise ValueError(
            "random_image on a streaming dataset needs pool=: a map-style Dataset, a parquet "
            "path or glob, or a Pool (a stream cannot be read by index)"
        )
    donors = as_pool(pool, image_column, key_column) if pipeline.needs_pool else None
    kernel = bind_kernel(
        pipeline,
        record_column=record_column,
        keep_original=keep_original,
        image_column=image_column,
        text_column=text_column,
        key_column=key_column,
        pool=donors,
        keys=keys,
        epoch=epoch,
    )
    work = undecoded(dataset, image_column) if image_column is not None else dataset
    out = work.with_format("arrow").map(
        kernel,
        batched=True,
        batch_size=batch_size,
        with_indices=key_column is None,
        features=output_features(work.features, kernel),
    )
    return restore_images(out.with_format(None), features, image_column)
