"""Ray Data driver: the batch kernel over a ``ray.data.Dataset``, lazy, past one machine.

``corrupt(ds, pipe, ...)`` returns a lazy ``ray.data.Dataset`` whose rows are byte-identical
per key to :func:`hallucue_corrupt.corrupt_dataset` with the same config: the selection
threshold is computed once on the driver, each actor holds the same picklable
:class:`~hallucue_corrupt.kernel.BatchKernel`, and batches are pyarrow tables (numpy
batches would turn a batch of nested values into one row). ``write(ds, out)`` writes
parquet to a temporary folder beside ``out`` and renames it (``write_parquet`` appends
to an existing folder: a rerun would duplicate rows), with a ``summary.json`` of the
records. Install with ``pip install 'hallucue_corrupt[ray]'``.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from .kernel import BatchKernel, bind_kernel
from .pipeline import Pipeline
from .pool import ParquetPool, Pool, as_pool, parquet_files

__all__ = ["ObjectStorePool", "corrupt", "features_of", "unwrap_error", "write"]

#: CPUs each corrupting actor asks for. A whole CPU per actor on a 2-CPU cluster leaves
#: none for the read and write tasks, and Ray Data 2.60 then waits without an error.
CPUS_PER_WORKER = 0.5


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - the extra is missing
        raise ImportError(
            "hallucue_corrupt.ray needs Ray Data: pip install 'hallucue_corrupt[ray]'"
        ) from exc
    return ray


class ObjectStorePool(Pool):
    """Donors kept in Ray's object store: the image column (and keys) of a Ray dataset,
    materialised once as Arrow blocks that every worker maps read-only (zero-copy), so no
    worker copies the whole image column. Use it when that column fits in cluster memory;
    :class:`~hallucue_corrupt.pool.ParquetPool` reads donors from shared files instead."""

    def __init__(
        self,
        dataset: Any,
        image_column: str,
        key_column: str | None = None,
        *,
        cache_blocks: int = 4,
    ) -> None:
        ray = _ray()
        columns = [image_column] + ([key_column] if key_column else [])
        self._refs = list(dataset.select_columns(columns).materialize().to_arrow_refs())
        block_keys = ray.remote(num_cpus=CPUS_PER_WORKER)(_keys_of_block)
        heads = ray.get([block_keys.remote(ref, key_column) for ref in self._refs])
        sizes = [n for n, _ in heads]
        keys = [k for _, block in heads for k in block] if key_column else None
        super().__init__(sum(sizes), keys)
        self._column = image_column
        self._starts = [0]
        for n in sizes[:-1]:
            self._starts.append(self._starts[-1] + n)
        self._cache_size = cache_blocks
        self._cache: OrderedDict[int, Any] = OrderedDict()

    def image_at(self, rank: int) -> Any:
        import bisect

        position = self.position(rank)
        b = bisect.bisect_right(self._starts, position) - 1
        column = self._cache.get(b)
        if column is None:
            column = _ray().get(self._refs[b]).column(self._column).combine_chunks()
            self._cache[b] = column
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return column[position - self._starts[b]].as_py()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = OrderedDict()
        return state


def _read_parquet(ray: Any, paths: list[str], datasource_v2: bool) -> Any:
    """``ray.data.read_parquet(paths)`` through the V1 or V2 reader. Ray picks the reader
    from ``DataContext.use_datasource_v2`` when the read is planned; the flag is restored
    right after."""
    context = ray.data.DataContext.get_current()
    before = getattr(context, "use_datasource_v2", None)
    if before is None:  # a Ray without the switch has one reader
        return ray.data.read_parquet(paths)
    context.use_datasource_v2 = datasource_v2
    try:
        return ray.data.read_parquet(paths)
    finally:
        context.use_datasource_v2 = before


def _keys_of_block(block: pa.Table, key_column: str | None) -> tuple[int, list[Any]]:
    keys = block.column(key_column).to_pylist() if key_column else []
    return block.num_rows, keys


def features_of(paths: Sequence[str] | None, schema: pa.Schema) -> Any:
    """The ``datasets`` features of the input: from the ``huggingface`` metadata in the
    first parquet footer when there is one, else inferred from the Arrow schema (then an
    image column is a plain ``{bytes, path}`` struct)."""
    import pyarrow.parquet as pq
    from datasets import Features

    if paths:
        footer = pq.read_schema(paths[0])
        if footer.metadata and b"huggingface" in footer.metadata:
            return Features.from_arrow_schema(footer)
    return Features.from_arrow_schema(schema)


class _CorruptBatches:
    """The per-actor callable: one kernel, built once per actor."""

    def __init__(self, kernel: BatchKernel) -> None:
        self.kernel = kernel

    def __call__(self, batch: pa.Table) -> pa.Table:
        return self.kernel(batch)


def corrupt(
    ds: Any,
    pipe: Pipeline,
    *,
    image_column: str | None,
    text_column: str | None = None,
    key_column: str,
    pool: Any = None,
    keys: Sequence[Any] | None = None,
    epoch: int | None = None,
    workers: int | None = None,
    rows_per_block: int | None = None,
    batch_size: int = 256,
    keep_original: bool = False,
    record_column: str = "hallucue",
    features: Any = None,
    datasource_v2: bool = False,
) -> Any:
    """``ds`` (a ``ray.data.Dataset`` or parquet path(s), a folder or a glob) corrupted with
    ``pipe``: a lazy ``ray.data.Dataset``.

    - ``key_column`` is required: Ray rows have no stable index.
    - An exact ratio below 1 reads the key column once on the driver (or takes ``keys=``).
    - ``pool`` for ``random_image``: default the input itself (parquet input: a
      :class:`~hallucue_corrupt.pool.ParquetPool` over its files; a Ray dataset: an
      :class:`ObjectStorePool`); or a parquet path, a ``datasets.Dataset`` or a ``Pool``.
    - ``workers`` actors (default: one per cluster CPU) of ``CPUS_PER_WORKER`` CPU each;
      a Ray dataset, or parquet read with ``datasource_v2=True`` (a file is one block), is
      cut into blocks of ``rows_per_block`` rows (default ``batch_size``) so that every
      actor gets blocks. Parquet paths read by the default reader already come in many
      blocks and are cut only when ``rows_per_block`` is given (the cut costs a task per
      block: 26-27 s against 12-15 s for 50k rows with 2 workers here).
    - ``features``: the input's ``datasets`` features, written into the output's parquet
      footers; by default read from the input files' footers (else inferred from the Arrow
      schema, where an image column is a plain struct).
    - ``datasource_v2``: read parquet paths with Ray's DataSourceV2 reader (Ray's own
      default). Off by default: in Ray 2.60 it starts footer-reader actors on every read
      (2-3.5 s of a run's start here, even for a 10-row file) and reads a file as one
      block, so no actor starts until the whole file is read. The V1 reader hands a file
      out in many blocks as it reads. Either gives the same rows.
    - Rows whose corruption failed under ``on_error="skip"`` are dropped; under
      ``"raise"`` the first error stops the run (:func:`write` re-raises our error, not
      Ray's wrapper).
    """
    ray = _ray()
    paths: list[str] | None = None
    if not isinstance(ds, ray.data.Dataset):
        paths = parquet_files(ds)
        ds = _read_parquet(ray, paths, datasource_v2)
    if key_column is None:
        raise ValueError("Ray rows have no stable index: pass key_column=")
    schema = ds.schema()
    arrow_schema = schema if isinstance(schema, pa.Schema) else schema.base_schema
    names = list(arrow_schema.names)
    for column in (image_column, text_column, key_column):
        if column is not None and column not in names:
            raise KeyError(f"no column {column!r} in the dataset (columns: {names})")
    if pipe.needs_keys and keys is None:
        keys = _all_keys(ds, paths, key_column)
    donors = _donors(pipe, pool, ds, paths, image_column, key_column)
    kernel = bind_kernel(
        pipe,
        record_column=record_column,
        keep_original=keep_original,
        image_column=image_column,
        text_column=text_column,
        key_column=key_column,
        pool=donors,
        keys=keys,
        epoch=epoch,
    )
    source = features if features is not None else features_of(paths, arrow_schema)
    from .dataset import output_features  # the driver only: actors never import datasets

    out_features = output_features(source, kernel)
    kernel.metadata = dict(out_features.arrow_schema.metadata)
    # blocks of a known size, so that every actor gets work (override_num_blocks on the
    # read can leave a single block in Ray Data 2.60)
    if paths is None or datasource_v2 or rows_per_block is not None:
        ds = ds.repartition(target_num_rows_per_block=rows_per_block or batch_size)
    size = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    out = ds.map_batches(
        _CorruptBatches,
        fn_constructor_args=(kernel,),
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=size),
        num_cpus=CPUS_PER_WORKER,
    )
    # our error itself, not a UserCodeException that loses it on the way to the driver
    out.context.raise_original_map_exception = True
    return out


def _all_keys(ds: Any, paths: list[str] | None, key_column: str) -> Any:
    """Every key of the input, read once on the driver: straight from the parquet files
    when there are files (one column, no Ray job), else through Ray."""
    import pyarrow.parquet as pq

    if paths is not None:
        return pa.chunked_array(
            [c for p in paths for c in pq.read_table(p, columns=[key_column]).column(0).chunks]
        ).combine_chunks()
    chunks = [
        batch.column(key_column)
        for batch in ds.select_columns([key_column]).iter_batches(
            batch_format="pyarrow", batch_size=65536
        )
    ]
    flat = [c for chunk in chunks for c in getattr(chunk, "chunks", [chunk])]
    return pa.chunked_array(flat).combine_chunks() if flat else []


def _donors(
    pipe: Pipeline,
    pool: Any,
    ds: Any,
    paths: list[str] | None,
    image_column: str | None,
    key_column: str,
) -> Pool | None:
    if not pipe.needs_pool:
        return None
    if image_column is None:
        raise ValueError("random_image needs image_column")
    if pool is None:
        if paths is not None:
            return ParquetPool(paths, image_column, key_column)
        return ObjectStorePool(ds, image_column, key_column)
    if isinstance(pool, _ray().data.Dataset):
        return ObjectStorePool(pool, image_column, key_column)
    return as_pool(pool, image_column, key_column)


def unwrap_error(exc: BaseException) -> BaseException:
    """Our own error inside Ray's wrappers (``RayTaskError(FieldError)`` and the like): the
    first exception of the chain raised by hallucue_corrupt, else ``exc``."""
    pending: list[BaseException] = [exc]
    seen: list[BaseException] = []
    while pending:
        current = pending.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        if not isinstance(current, _ray().exceptions.RayError):
            module = type(current).__module__
            if module.startswith("hallucue_corrupt"):
                return current
        for nxt in (getattr(current, "cause", None), current.__cause__):
            if isinstance(nxt, BaseException):
                pending.append(nxt)
    return exc


def write(
    ds: Any,
    out: str | Path,
    *,
    record_column: str = "hallucue",
    overwrite: bool = False,
    extra_summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``ds`` as parquet to ``out/dataset`` with ``out/summary.json``, atomically: into
    a temporary folder beside ``out``, renamed when complete (a failed run leaves nothing,
    a rerun replaces rather than appends). Returns the summary of the records written;
    ``datasets.load_dataset("parquet", data_dir=out/"dataset")`` loads it back with its
    ``Image`` features."""
    import pyarrow.parquet as pq

    from .cli import _atomic_dir
    from .records import summarize

    out = Path(out)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(f"{str(out)!r} exists and is not empty; pass overwrite=True")
    with _atomic_dir(out) as tmp:
        try:
            ds.write_parquet(str(tmp / "dataset"))
        except Exception as exc:
            inner = unwrap_error(exc)
            if inner is exc:
                raise
            raise inner from None
        files = sorted((tmp / "dataset").glob("*.parquet"))
        records: list[str] = []
        for path in files:
            records += pq.read_table(path, columns=[record_column]).column(0).to_pylist()
        summary = {**(extra_summary or {}), "files": len(files), **summarize(records)}
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
