"""Reading datasets from disk: ``save_to_disk`` folders, parquet, and JSONL with image paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict, Image, LargeList, List, load_from_disk

__all__ = ["load_input", "load_jsonl"]

IMAGE_COLUMN_NAMES = ("image", "images")


def _absolute(value: Any, base: Path, column: str, row: int) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_absolute(v, base, column, row) for v in value]
    if not isinstance(value, str):
        raise ValueError(
            f"row {row}, field {column!r}: image path must be a string, got {value!r:.60}"
        )
    path = Path(value) if Path(value).is_absolute() else base / value
    if not path.is_file():
        raise FileNotFoundError(f"row {row}, field {column!r}: no image file {str(path)!r}")
    return str(path)


def load_jsonl(path: str | Path, image_columns: tuple[str, ...] = IMAGE_COLUMN_NAMES) -> Dataset:
    """A JSONL file as a Dataset; ``image``/``images`` columns of paths (relative to the
    file) become ``Image`` features, read lazily and embedded when saved."""
    path = Path(path)
    ds = Dataset.from_json(str(path))
    for column in image_columns:
        if column not in ds.column_names:
            continue
        ds = ds.map(
            lambda row, i, c=column, b=path.parent: {c: _absolute(row[c], b, c, i)},
            with_indices=True,
            desc=f"resolving {column} paths",
        )
        is_list = isinstance(ds.features[column], (List, LargeList))
        ds = ds.cast_column(column, List(Image()) if is_list else Image())
    return ds


def load_input(path: str | Path) -> Dataset | DatasetDict:
    """Load a ``save_to_disk`` folder, a parquet file or folder, or a JSONL file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"input {str(path)!r} does not exist")
    if path.is_dir():
        if any(
            (path / name).exists()
            for name in ("dataset_info.json", "state.json", "dataset_dict.json")
        ):
            return load_from_disk(str(path))
        parquet = sorted(str(p) for p in path.glob("*.parquet"))
        if parquet:
            return Dataset.from_parquet(parquet)
        raise ValueError(
            f"{str(path)!r} is neither a save_to_disk folder nor a folder of parquet files"
        )
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return Dataset.from_parquet(str(path))
    if suffix in (".jsonl", ".json"):
        return load_jsonl(path)
    raise ValueError(
        f"unsupported input {str(path)!r}: use a save_to_disk folder, .parquet or .jsonl"
    )
