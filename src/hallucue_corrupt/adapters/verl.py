"""verl adapter: verl/EasyR1 parquet, a corrupting ``RLHFDataset``, and a ``compute_score`` wrapper.

verl rows: ``data_source``, ``prompt`` (chat messages whose text holds ``<image>``
placeholders, one per image), ``images`` (``{"bytes", "path": None}`` dicts), ``ability``,
``reward_model`` ``{style, ground_truth}`` and ``extra_info`` (a dict that reaches
``compute_score``). The record of each row travels in ``extra_info["hallucue"]`` as a
JSON string. EasyR1 uses flat columns: ``problem`` (string with ``<image>``), ``answer``,
``images``.

Online corruption: set ``data.custom_cls.path=pkg://hallucue_corrupt.adapters.verl`` and
``data.custom_cls.name=CorruptingRLHFDataset``; the pipeline comes from
``data.hallucue.pipeline`` (a YAML/JSON path or an inline mapping). Rows are corrupted in
``__getitem__`` (all rollouts of a prompt share it), keyed by ``extra_info.index`` (present
and unique in every row); ``random_image`` draws donors from the dataset's own rows.
Validation files (``data.val_files``) stay clean unless ``data.hallucue.corrupt_validation``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..binding import RunBinding
from ..dataset import corrupt_dataset
from ..features import undecoded
from ..fields import FieldError
from ..functional.text import PLACEHOLDER, count_placeholders
from ..media import ImageRef
from ..pipeline import Pipeline
from ..pool import DatasetPool
from ..records import dumps, label, loads
from ..selection import check_unique_keys

__all__ = [  # noqa: F822 - CorruptingRLHFDataset comes from the module __getattr__
    "CorruptingRLHFDataset",
    "compute_score",
    "easyr1_rows",
    "record_of",
    "to_easyr1_parquet",
    "to_verl_parquet",
    "verl_rows",
    "wrap_compute_score",
]


def _image_dicts(value: Any, row: int, column: str) -> list[dict[str, Any]]:
    """A row's images as verl wants them: ``{"bytes": ..., "path": None}``, bytes unchanged."""
    items = value if isinstance(value, list) else ([] if value is None else [value])
    try:
        return [{"bytes": ImageRef(item).data, "path": None} for item in items if item is not None]
    except ValueError as exc:
        raise FieldError(f"row {row}, field {column!r}: {exc}") from exc


def _with_placeholders(text: str, n_images: int, row: int, column: str) -> str:
    """``text`` holding exactly ``n_images`` placeholders (prepended when it has none)."""
    found = count_placeholders(text)
    if found == n_images:
        return text
    if found == 0:
        return PLACEHOLDER * n_images + text
    raise FieldError(
        f"row {row}, field {column!r}: {found} <image> placeholders but {n_images} images"
    )


def _prepared(
    dataset: Any, image_column: str, text_column: str
) -> Iterator[tuple[int, dict[str, Any], list[dict[str, Any]], str]]:
    """(index, raw row, verl image dicts, text with one placeholder per image) per row."""
    raw = undecoded(dataset, image_column)
    for i, row in enumerate(raw):
        images = _image_dicts(row[image_column], i, image_column)
        yield i, row, images, _with_placeholders(row[text_column], len(images), i, text_column)


def verl_rows(
    dataset: Any,
    *,
    image_column: str = "image",
    text_column: str = "problem",
    answer_column: str = "answer",
    data_source: str = "hallucue",
    ability: str = "math",
    split: str = "train",
    record_column: str = "hallucue",
) -> list[dict[str, Any]]:
    """verl rows from a dataset (corrupted or not): one dict per row, in order, with
    ``extra_info.index`` = row position. verl's default scorer dispatches on ``data_source``
    (``"hiyouga/geometry3k"`` for Geometry3K-style data) and rejects names it does not know."""
    rows = []
    for i, row, images, text in _prepared(dataset, image_column, text_column):
        extra = {"index": i, "split": split, "answer": row[answer_column]}
        if record_column in row:
            extra["hallucue"] = row[record_column]
        rows.append(
            {
                "data_source": data_source,
                "prompt": [{"role": "user", "content": text}],
                "images": images,
                "ability": ability,
                "reward_model": {"style": "rule", "ground_truth": row[answer_column]},
                "extra_info": extra,
            }
        )
    return rows


def easyr1_rows(
    dataset: Any,
    *,
    image_column: str = "image",
    text_column: str = "problem",
    answer_column: str = "answer",
    record_column: str = "hallucue",
) -> list[dict[str, Any]]:
    """EasyR1's flat rows: ``problem`` (with ``<image>``), ``answer``, ``images``, and the
    record column (EasyR1's reward does not see it; analysis does)."""
    return [
        {
            "problem": text,
            "answer": row[answer_column],
            "images": images,
            record_column: row.get(record_column),
        }
        for _, row, images, text in _prepared(dataset, image_column, text_column)
    ]


def _write_parquet(
    rows_of: Callable[..., list[dict[str, Any]]],
    dataset: Any,
    path: str | Path,
    pipeline: Pipeline | None,
    key_column: str | None,
    **columns: Any,
) -> Path:
    """Corrupt with ``pipeline`` when given, build the rows, write them as parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if pipeline is not None:
        dataset = corrupt_dataset(
            dataset,
            pipeline,
            image_column=columns.get("image_column", "image"),
            text_column=columns.get("text_column", "problem"),
            key_column=key_column,
            record_column=columns.get("record_column", "hallucue"),
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows_of(dataset, **columns)), path)
    return path


def to_verl_parquet(
    dataset: Any,
    path: str | Path,
    *,
    pipeline: Pipeline | None = None,
    key_column: str | None = None,
    **options: Any,
) -> Path:
    """Write verl-ready parquet (see :func:`verl_rows` for ``options``), corrupting first
    with ``pipeline`` when given."""
    return _write_parquet(verl_rows, dataset, path, pipeline, key_column, **options)


def to_easyr1_parquet(
    dataset: Any,
    path: str | Path,
    *,
    pipeline: Pipeline | None = None,
    key_column: str | None = None,
    **options: Any,
) -> Path:
    """Write EasyR1's flat parquet (see :func:`easyr1_rows` for ``options``), corrupting
    first with ``pipeline`` when given."""
    return _write_parquet(easyr1_rows, dataset, path, pipeline, key_column, **options)


def _plain(value: Any) -> Any:
    """An OmegaConf node (or anything) as plain Python containers."""
    try:
        from omegaconf import OmegaConf

        if OmegaConf.is_config(value):
            return OmegaConf.to_container(value, resolve=True)
    except ImportError:  # pragma: no cover - omegaconf comes with verl
        pass
    return value


def _load_rlhf_dataset() -> type:
    from verl.utils.dataset.rl_dataset import RLHFDataset

    return RLHFDataset  # type: ignore[no-any-return]


def _paths(value: Any) -> list[str]:
    """A verl file setting (a path, a list of them, a ListConfig or None) as sorted strings."""
    value = _plain(value)
    if value is None:
        return []
    return sorted(str(f) for f in (value if isinstance(value, (list, tuple)) else [value]))


class _Corrupting:
    """The corruption half of :class:`CorruptingRLHFDataset` (no verl import needed)."""

    pipeline: Pipeline | None
    prompt_key: str
    image_key: str

    def _setup(self, data_files: Any, config: Any) -> None:
        opts = _plain(config.get("hallucue", {})) or {}
        if not isinstance(opts, Mapping) or "pipeline" not in opts:
            raise ValueError(
                "CorruptingRLHFDataset needs data.hallucue.pipeline (a YAML/JSON path or mapping)"
            )
        files = _paths(data_files)
        corrupt_validation = bool(opts.get("corrupt_validation", False))
        self.is_validation = bool(files) and files == _paths(config.get("val_files"))
        ambiguous = self.is_validation and files == _paths(config.get("train_files"))
        if ambiguous and not corrupt_validation:
            raise ValueError(
                "data.train_files and data.val_files name the same files, so "
                "CorruptingRLHFDataset cannot tell training from validation: give a separate "
                "validation file, or set +data.hallucue.corrupt_validation=true to corrupt both"
            )
        corrupt = not self.is_validation or corrupt_validation
        self.pipeline = Pipeline.from_config(opts["pipeline"]) if corrupt else None
        self.prompt_key = config.get("prompt_key", "prompt")
        self.image_key = config.get("image_key", "images")
        self.binding: RunBinding | None = None  # bound once the rows are loaded

    def _select(self, frame: Any) -> None:
        """Key every row on its ``extra_info.index`` (present and unique, or an error naming
        the row), select over the key set and, for ``random_image``, pool the rows' images."""
        if self.pipeline is None:
            return
        if "extra_info" not in frame.column_names:
            raise FieldError(
                "no 'extra_info' column: CorruptingRLHFDataset keys each row on extra_info.index"
            )
        keys: list[Any] = []
        for i, extra in enumerate(frame["extra_info"]):
            index = (extra or {}).get("index")
            if index is None:
                raise FieldError(
                    f"row {i}, field 'extra_info': no 'index'; CorruptingRLHFDataset keys each "
                    "row's corruption on extra_info.index (to_verl_parquet writes it)"
                )
            keys.append(index)
        check_unique_keys(keys, "extra_info.index")
        pool = DatasetPool(frame, self.image_key, keys=keys) if self.pipeline.needs_pool else None
        self.binding = self.pipeline.bind(
            image_column=self.image_key, text_column=self.prompt_key, keys=keys, pool=pool
        )

    def _corrupt_example(self, example: dict[str, Any]) -> None:
        """Corrupt one row in place (images, prompt) and put the record in extra_info.
        Rows read while the base class filters by length (no selection yet) stay clean."""
        if self.binding is None or "_hallucue_done" in example:
            return
        extra = dict(example.get("extra_info") or {})
        row = {
            self.image_key: example.get(self.image_key) or [],
            self.prompt_key: example[self.prompt_key],
        }
        new, record = self.binding.apply(row, extra["index"])
        example[self.image_key] = new[self.image_key]
        example[self.prompt_key] = new[self.prompt_key]
        extra["hallucue"] = dumps(record)
        example["extra_info"] = extra
        example["_hallucue_done"] = True


@functools.cache
def _dataset_class() -> type:
    base = _load_rlhf_dataset()

    class CorruptingRLHFDataset(_Corrupting, base):  # type: ignore[misc, valid-type]
        """verl's RLHFDataset, corrupting each row in ``__getitem__`` (see module docs)."""

        def __init__(
            self,
            data_files: Any,
            tokenizer: Any,
            config: Any,
            processor: Any = None,
            max_samples: int = -1,
        ) -> None:
            self._setup(data_files, config)  # before the base class reads and filters the rows
            super().__init__(
                data_files, tokenizer, config, processor=processor, max_samples=max_samples
            )
            self._select(self.dataframe)

        def _build_messages(self, example: dict[str, Any], key: str) -> Any:
            self._corrupt_example(example)
            return super()._build_messages(example, key)

        def __getitem__(self, item: int) -> dict[str, Any]:
            row = super().__getitem__(item)
            row.pop("_hallucue_done", None)
            return row  # type: ignore[no-any-return]

        def split(self, num_splits: int) -> list[Any]:
            """verl's split, whose parts (plain RLHFDatasets) keep this dataset's selection
            and pool: each row is corrupted exactly as it is in the whole."""
            parts = []
            for plain in super().split(num_splits):
                part = copy.copy(self)
                part.__dict__.update(plain.__dict__)  # its rows; our pipeline state stays
                parts.append(part)
            return parts

    CorruptingRLHFDataset.__module__ = __name__
    CorruptingRLHFDataset.__qualname__ = "CorruptingRLHFDataset"
    return CorruptingRLHFDataset


def __getattr__(name: str) -> Any:
    """``CorruptingRLHFDataset`` is built on first access, so importing this module does
    not import verl (and torch)."""
    if name == "CorruptingRLHFDataset":
        return _dataset_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def wrap_compute_score(
    compute_score: Callable[..., Any] | None = None,
) -> Callable[..., dict[str, Any]]:
    """A verl ``compute_score`` that adds the corruption to its returned dict:
    ``hallucue_corruption`` (``clean`` or the applied names) and ``hallucue_applied``
    (0/1), read from ``extra_info["hallucue"]``. Without ``compute_score``, verl's
    ``default_compute_score`` is wrapped."""
    if compute_score is None:
        from verl.utils.reward_score import default_compute_score

        compute_score = default_compute_score

    @functools.wraps(compute_score)
    def wrapped(
        data_source: Any,
        solution_str: str,
        ground_truth: Any,
        extra_info: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        result = compute_score(
            data_source, solution_str, ground_truth, extra_info=extra_info, **kwargs
        )
        out = dict(result) if isinstance(result, Mapping) else {"score": float(result)}
        record = (extra_info or {}).get("hallucue")
        name = label(record)
        out["hallucue_corruption"] = name
        out["hallucue_applied"] = 0.0 if name == "clean" else 1.0
        return out

    return wrapped


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Ready for ``reward.custom_reward_function``: verl's default score plus the corruption."""
    return wrap_compute_score()(
        data_source, solution_str, ground_truth, extra_info=extra_info, **kwargs
    )


def record_of(extra_info: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The record carried in a verl row's ``extra_info`` (None for a clean row)."""
    raw = (extra_info or {}).get("hallucue")
    return None if raw is None else loads(raw)
