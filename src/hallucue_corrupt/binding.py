"""A run binding: a pipeline bound once to its columns, donor pool, keys and epoch.

Every driver (the ``datasets`` map function, the RL collator, the verl dataset) corrupts
rows through one :class:`RunBinding`, built by :func:`bind`. This is the one home of the
run-level decisions: which columns are read (and found, when not given), which are
required, the donor pool, the exact-ratio key rule and key uniqueness.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .fields import FieldError
from .media import Kind
from .pool import Pool
from .selection import Selection, check_unique_keys

if TYPE_CHECKING:
    from .pipeline import Pipeline

__all__ = ["TEXT_COLUMN_NAMES", "RunBinding", "bind", "find_columns"]

#: Text columns looked for, in order, when a pipeline needs text and none is named.
TEXT_COLUMN_NAMES = ("problem", "question", "prompt", "query", "text")


def find_columns(
    features: Mapping[str, Any] | Sequence[str],
    needs: Mapping[str, Sequence[str]],
    *,
    image_column: str | None = None,
    text_column: str | None = None,
    key_column: str | None = None,
    wants_text: bool = False,
) -> dict[str, str | None]:
    """The ``image``/``text``/``key`` columns of a dataset with these ``features`` (or
    column names), for corruptions that need the field kinds in ``needs`` (kind -> the
    names needing it, as :meth:`Pipeline.requirements` gives). Named columns must exist; a
    needed one that is not named is found: the only ``Image`` column; the first of
    :data:`TEXT_COLUMN_NAMES` (also looked for, not required, with ``wants_text``)."""
    from datasets import Features

    from .features import image_columns

    names = list(features)
    for column in (image_column, text_column, key_column):
        if column is not None and column not in names:
            raise FieldError(f"no column {column!r} in the dataset (columns: {names})")
    if image_column is None and "image" in needs:
        found = image_columns(Features(features)) if isinstance(features, Mapping) else []
        if len(found) != 1:
            why = "no Image column" if not found else f"several Image columns {found}"
            raise FieldError(f"{needs['image'][0]} needs an image column: {why}; name one")
        image_column = found[0]
    if text_column is None and ("text" in needs or wants_text):
        text_column = next((c for c in TEXT_COLUMN_NAMES if c in names), None)
        if text_column is None and "text" in needs:
            raise FieldError(
                f"{needs['text'][0]} needs a text column: none of {list(TEXT_COLUMN_NAMES)}; "
                "name one"
            )
    return {"image": image_column, "text": text_column, "key": key_column}


@dataclasses.dataclass(frozen=True)
class RunBinding:
    """A pipeline bound to its columns, donor pool and selection; picklable, so forked or
    spawned workers rebuild the same state."""

    pipeline: Pipeline
    image_column: str | None
    text_column: str | None
    key_column: str | None
    pool: Pool | None
    selection: Selection

    @property
    def epoch(self) -> int:
        return self.selection.epoch

    @property
    def columns(self) -> dict[str, str | None]:
        """Field kind to column."""
        return {"image": self.image_column, "text": self.text_column}

    @property
    def fields(self) -> list[str]:
        """The columns this run reads and writes (others are neither read nor rewritten)."""
        return self.pipeline.fields_used(self.image_column, self.text_column)

    def key_of(self, row: Mapping[str, Any], index: Any = None) -> Any:
        """A row's sample key: its ``key_column`` value, else its index."""
        if self.key_column is not None:
            if self.key_column not in row:
                raise FieldError(f"row {index!r} has no key column {self.key_column!r}")
            return row[self.key_column]
        if index is None:
            raise ValueError("rows have no key: give key_column, or pass row indices")
        return index

    def apply(
        self, row: Mapping[str, Any], key: Any, kind: Kind | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Corrupt one row: the new row (a copy) and its record."""
        from .engine import run_row

        return run_row(
            self.pipeline,
            row,
            key=key,
            columns=self.columns,
            selection=self.selection,
            pool=self.pool,
            kind=kind,
        )

    def rebind(self, pipeline: Pipeline, epoch: int, keys: Iterable[Any] | None) -> RunBinding:
        """This binding with another pipeline (a schedule step) or epoch: same columns and
        pool, a new selection."""
        return dataclasses.replace(
            self, pipeline=pipeline, selection=pipeline.select(keys, epoch=epoch)
        )


def bind(
    pipeline: Pipeline,
    *,
    image_column: str | None = None,
    text_column: str | None = None,
    key_column: str | None = None,
    pool: Any = None,
    keys: Iterable[Any] | None = None,
    dataset: Any = None,
    num_rows: int | None = None,
    epoch: int | None = None,
) -> RunBinding:
    """Bind ``pipeline`` for one run.

    - ``pool``: donors for ``random_image`` (a Dataset, a :class:`Pool` or a list).
    - The key set for an exact ratio below 1: ``keys``, else ``dataset`` (default:
      ``pool``) read by ``key_column`` (or its row indices), else ``range(num_rows)``.
      Keys must be unique; ``num_rows`` counts row indices, so it cannot go with a
      ``key_column``.
    """
    for kind, names in pipeline.requirements().items():
        given = {"image": image_column, "text": text_column}.get(kind, "")
        if given is None:
            raise ValueError(f"{names[0]} needs the {kind} field: pass {kind}_column")
    if num_rows is not None and key_column is not None:
        raise ValueError(
            "num_rows= counts row indices but key_column= keys rows by id: pass keys= "
            "(every id) or dataset= instead"
        )
    epoch = pipeline.epoch if epoch is None else epoch
    universe = dataset if dataset is not None else pool
    if keys is None and universe is not None and hasattr(universe, "column_names"):
        if key_column is not None:  # read (and checked) whatever the ratio: ids must be unique
            if key_column not in universe.column_names:
                raise FieldError(f"no key column {key_column!r} in the dataset")
            from .features import arrow_column

            keys = arrow_column(universe, key_column)
        elif pipeline.needs_keys:
            keys = range(len(universe))
    if keys is None and num_rows is not None:
        keys = range(num_rows)
    if keys is not None and not isinstance(keys, range):
        if not hasattr(keys, "type"):  # a pyarrow array stays one
            keys = list(keys)
        check_unique_keys(keys, key_column)
    return RunBinding(
        pipeline,
        image_column,
        text_column,
        key_column,
        pipeline.donor_pool(pool, image_column, key_column),
        pipeline.select(keys, epoch=epoch),
    )
