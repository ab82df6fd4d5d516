"""The row engine: one row through a pipeline's corruptions, with one record.

:func:`run_row` decides which corruptions run on a row (selection, ``p``, composites, all
keyed on the sample), hands each one a :class:`RowState` through its public
:meth:`~hallucue_corrupt.base.Corruption.apply_row`, checks that image placeholders still
agree with the images, and builds the record. :func:`replay_row` runs the same steps from
a record, with every random decision taken from it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ._version import __version__
from .base import Context, Corruption, ReplayError
from .compose import Composite
from .fields import FieldError, count_images, count_text_placeholders, without_addresses
from .media import Kind
from .pool import Pool
from .seeding import canonical_key, make_rng, uniform

if TYPE_CHECKING:
    from .pipeline import Pipeline
    from .selection import Selection

__all__ = ["RowState", "replay_row", "run_row", "streams"]

T = TypeVar("T")

#: `` at 0x7f...`` in an object's repr: it differs between runs, so error texts drop it.


@dataclasses.dataclass
class RowState:
    """What a corruption sees of the row it is applied to: the fields (a copy of the row),
    where each field kind lives, the randomness key, the donor pool and the record so far."""

    row: dict[str, Any]
    key: Any
    columns: Mapping[str, str | None]
    seed: int
    epoch: int
    pool: Pool | None = None
    #: ``"dict"`` to return new images as ``{"bytes", "path"}`` (what datasets stores).
    kind: Kind | None = None
    entries: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    #: In a replay: the recorded entries still to be replayed, in order.
    replay: list[dict[str, Any]] | None = None

    @property
    def sample(self) -> str:
        return canonical_key(self.key)

    def column(self, kind: str, corruption: Corruption) -> str:
        """The column holding field ``kind``; an error naming the sample if it is missing."""
        column = self.columns.get(kind)
        if column is None:
            raise ValueError(f"{corruption.name} needs the {kind} field: pass {kind}_column")
        if column not in self.row:
            raise FieldError(f"sample {self.sample!r}: no column {column!r}")
        return column

    def context(self, stream: str, item: int) -> Context:
        """The context of one item (an image of a list, a text slot of messages)."""
        return Context(
            self.seed, self.key, self.epoch, item, self.pool, stream, self.replay is not None
        )

    def error(self, where: str, exc: Exception) -> FieldError:
        """``exc`` as a :class:`FieldError` naming the sample and the field (without memory
        addresses, so a record's error text is the same in every run)."""
        return FieldError(f"sample {self.sample!r}, field {where!r}: {without_addresses(str(exc))}")

    def guard(self, fn: Callable[[], T]) -> T:
        """Run ``fn``; a structural :class:`FieldError` gains the sample key."""
        try:
            return fn()
        except FieldError as exc:
            if str(exc).startswith("sample "):
                raise
            raise FieldError(f"sample {self.sample!r}: {exc}") from None

    def add(self, entry: dict[str, Any], where: str) -> None:
        """Append one record entry, at field path ``where``."""
        self.entries.append({**entry, "where": where})

    def supersede(self, by: str, at: Callable[[str], bool]) -> None:
        """Mark earlier applied image entries at paths ``at`` accepts as replaced by ``by``."""
        for entry in self.entries:
            if entry.get("applied") and entry.get("modality") == "image" and at(entry["where"]):
                entry.setdefault("superseded_by", by)

    def recorded(self, corruption: Corruption, where: str) -> dict[str, Any] | None:
        """In a replay, what the record says was drawn for ``corruption`` at ``where``."""
        if self.replay is None:
            return None
        for i, entry in enumerate(self.replay):
            if entry.get("name") == corruption.name and entry.get("where") == where:
                del self.replay[i]
                return {k: entry[k] for k in entry.get("drawn", [])}
        return {}  # not applied there: nothing was drawn, the transform does not fire


def streams(corruptions: Sequence[Corruption]) -> dict[str, str]:
    """Random stream of every leaf, by its position path (``"1"``, ``"0.2"``): its name,
    or ``name#k`` for the k-th repeat, so pipelines without repeats keep their draws."""
    seen: dict[str, int] = {}
    out: dict[str, str] = {}

    def walk(corruption: Corruption, path: str) -> None:
        if isinstance(corruption, Composite):
            for i, child in enumerate(corruption.children):
                walk(child, f"{path}.{i}")
            return
        k = seen.get(corruption.name, 0)
        seen[corruption.name] = k + 1
        out[path] = corruption.name if k == 0 else f"{corruption.name}#{k}"

    for index, corruption in enumerate(corruptions):
        walk(corruption, str(index))
    return out


def _expand(
    pipeline: Pipeline, corruption: Corruption, path: str, state: RowState
) -> Iterator[tuple[Corruption, str, str]]:
    """(leaf, path, via) of the leaves that run on this sample: ``p`` and composites decide."""
    p = corruption.params.p
    seed, key, epoch = pipeline.seed, state.key, state.epoch
    if p < 1.0 and uniform(seed, key, f"{corruption.name}@{path}:p", epoch) >= p:
        state.entries.append(corruption.entry(False, reason=f"skipped by p={p}"))
        return
    if not isinstance(corruption, Composite):
        yield corruption, path, ""
        return
    rng = make_rng(seed, key, f"{corruption.name}@{path}", epoch)
    for i in corruption.choose(rng):
        for leaf, leaf_path, via in _expand(pipeline, corruption.children[i], f"{path}.{i}", state):
            yield leaf, leaf_path, via or corruption.name


def _placeholders(
    row: Mapping[str, Any], columns: Mapping[str, str | None]
) -> tuple[int | None, int | None]:
    """(images, placeholders) of a row; None for a field the row does not carry."""
    image_column, text_column = columns.get("image"), columns.get("text")
    images = marks = None
    if image_column is not None and image_column in row:
        images = count_images(row[image_column])
    if text_column is not None and text_column in row:
        marks = count_text_placeholders(row[text_column])
    return images, marks


def _check_placeholders(before: tuple[int | None, int | None], state: RowState) -> None:
    """Rows whose placeholders matched their images must still match after; when only the
    text is at hand, its placeholder count must not change."""
    images, marks = _placeholders(state.row, state.columns)
    text_column, image_column = state.columns.get("text"), state.columns.get("image")
    if before[0] is not None and before[1] is not None:
        if before[0] == before[1] and images != marks:
            raise FieldError(
                f"sample {state.sample!r}: {marks} image placeholders in {text_column!r} "
                f"but {images} images in {image_column!r} after corruption"
            )
    elif before[1] is not None and marks != before[1]:
        raise FieldError(
            f"sample {state.sample!r}: a text corruption changed the image placeholders "
            f"in {text_column!r} from {before[1]} to {marks}"
        )


def _record(pipeline: Pipeline, state: RowState, selected: bool) -> dict[str, Any]:
    return {
        "applied": any(e["applied"] and "superseded_by" not in e for e in state.entries),
        "selected": selected,
        "key": state.sample,
        "seed": pipeline.seed,
        "epoch": state.epoch,
        "version": __version__,
        "config_hash": pipeline.config_hash,
        "corruptions": state.entries,
    }


def run_row(
    pipeline: Pipeline,
    row: Mapping[str, Any],
    *,
    key: Any,
    columns: Mapping[str, str | None],
    selection: Selection,
    pool: Pool | None = None,
    kind: Kind | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Corrupt one row (a dict of columns): the new row (a copy) and its record.

    With ``pipeline.on_error`` ``keep`` or ``skip``, a row whose corruption fails comes
    back exactly as it was, with the error in its record.
    """
    selected = selection(key)
    state = RowState(dict(row), key, columns, pipeline.seed, selection.epoch, pool, kind)
    failure: dict[str, Any] = {}
    if selected:
        before = _placeholders(row, columns)
        stream_of = pipeline.streams
        try:
            for index, corruption in enumerate(pipeline.corruptions):
                for leaf, path, via in _expand(pipeline, corruption, str(index), state):
                    n_before = len(state.entries)
                    leaf.apply_row(state, stream_of[path])
                    if via:
                        for entry in state.entries[n_before:]:
                            entry["via"] = via
            _check_placeholders(before, state)
        except FieldError as exc:
            if pipeline.on_error == "raise":
                raise
            state = RowState(dict(row), key, columns, pipeline.seed, selection.epoch)
            failure = {"error": str(exc), "skipped": pipeline.on_error == "skip"}
    return state.row, {**_record(pipeline, state, selected), **failure}


def replay_row(
    record: Mapping[str, Any],
    row: Mapping[str, Any],
    *,
    columns: Mapping[str, str | None],
    pool: Pool | None = None,
    kind: Kind | None = None,
) -> dict[str, Any]:
    """The row a record describes, rebuilt from the clean ``row`` and the record alone:
    each applied corruption runs again with what the record says it drew."""
    from .registry import make

    if record.get("error") or not record.get("selected"):
        return dict(row)
    entries = [e for e in record.get("corruptions", []) if e.get("applied")]
    pending = list(entries)
    state = RowState(
        dict(row),
        record.get("key"),
        columns,
        int(record.get("seed", 0)),
        int(record.get("epoch", 0)),
        pool,
        kind,
        replay=pending,
    )
    for entry in entries:
        if not any(e is entry for e in pending):
            continue
        corruption = make(entry["name"], **entry.get("params", {}))
        remaining = len(pending)
        corruption.apply_row(state, entry["name"])
        if len(pending) == remaining:
            raise ReplayError(f"sample {state.sample!r}: {entry['name']} did not replay")
    return state.row
