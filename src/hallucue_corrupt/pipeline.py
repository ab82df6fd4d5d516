"""Pipelines: corruptions applied in order to a selected share of samples, with one record.

Selection and every random draw derive from (seed, sample key, corruption, epoch): a
sample's fate never depends on call order, worker count or row order.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import records
from ._version import __version__
from .base import (
    Context,
    Corruption,
    ImageCorruption,
    InvalidParams,
    SampleCorruption,
    TextCorruption,
)
from .compose import Composite, leaves
from .fields import FieldError, count_images, count_text_placeholders, image_items, map_texts
from .pool import Pool, as_pool
from .registry import make
from .schedule import Schedule
from .seeding import canonical_key, exact_threshold, is_selected, make_rng, uniform

if TYPE_CHECKING:
    from .dataset import MapFunction

__all__ = ["Pipeline", "Selection"]

SelectionMode = Literal["exact", "bernoulli"]
#: What a row whose corruption fails (broken image, bad field) becomes: ``raise`` stops with
#: an error naming the sample and field; ``keep`` leaves the row unchanged with the error in
#: its record; ``skip`` does the same and ``corrupt_dataset`` then drops it (counted).
OnError = Literal["raise", "keep", "skip"]
_SELECT = "__select__"


class _CorruptionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class PipelineConfig(BaseModel):
    """The serialised form of a :class:`Pipeline` (YAML, JSON or dict)."""

    model_config = ConfigDict(extra="forbid")
    seed: int = 0
    ratio: float = Field(1.0, ge=0.0, le=1.0)
    selection: SelectionMode = "exact"
    epoch: int = Field(0, ge=0)
    corruptions: list[_CorruptionConfig] = Field(min_length=1)
    schedule: dict[Literal["ratio", "severity"], Schedule] | None = None
    on_error: OnError = "raise"


@dataclass(frozen=True)
class Selection:
    """Which samples a pipeline corrupts at one epoch; picklable, O(1) in size."""

    seed: int
    epoch: int
    ratio: float
    mode: SelectionMode
    threshold: int | None = None

    def __call__(self, key: Any) -> bool:
        if self.ratio >= 1.0:
            return True
        if self.ratio <= 0.0:
            return False
        if self.mode == "bernoulli":
            return uniform(self.seed, key, _SELECT, self.epoch) < self.ratio
        if self.threshold is None:
            raise ValueError(
                "an exact ratio below 1 needs the full key set: pass dataset= (or num_rows=) "
                "to map_fn, or use selection='bernoulli'"
            )
        return is_selected(self.seed, key, _SELECT, self.epoch, self.threshold)


class Pipeline:
    """Corruptions applied in order to ``ratio`` of the samples, seeded by ``seed``.

    ``selection="exact"`` picks exactly ``round(ratio * N)`` samples (the N smallest
    keyed hashes); ``"bernoulli"`` picks each sample with probability ``ratio``.
    """

    def __init__(
        self,
        corruptions: Sequence[Corruption],
        *,
        ratio: float = 1.0,
        seed: int = 0,
        selection: SelectionMode = "exact",
        epoch: int = 0,
        schedule: Mapping[str, Any] | None = None,
        on_error: OnError = "raise",
    ) -> None:
        corruptions = list(corruptions)
        if not corruptions:
            raise ValueError("a pipeline needs at least one corruption")
        for c in corruptions:
            if not isinstance(c, Corruption):
                raise TypeError(f"not a corruption: {c!r} (build one with hc.make(name, ...))")
        self.corruptions = corruptions
        cfg = self._validated(
            {
                "seed": seed,
                "ratio": ratio,
                "selection": selection,
                "epoch": epoch,
                "corruptions": [c.to_dict() for c in corruptions],
                "schedule": dict(schedule) if schedule else None,
                "on_error": on_error,
            }
        )
        self.seed, self.ratio, self.selection_mode, self.epoch = (
            cfg.seed,
            cfg.ratio,
            cfg.selection,
            cfg.epoch,
        )
        self.schedule: dict[str, Schedule] = {str(k): v for k, v in (cfg.schedule or {}).items()}
        self.on_error: OnError = cfg.on_error

    # -- config ---------------------------------------------------------------------------
    @staticmethod
    def _validated(data: Mapping[str, Any]) -> PipelineConfig:
        try:
            return PipelineConfig.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}"
                for err in exc.errors()
            )
            raise InvalidParams(f"pipeline config: {problems}") from None

    def to_config(self, path: str | Path | None = None) -> dict[str, Any]:
        """The pipeline as a JSON-safe dict; with ``path`` also written as YAML or JSON."""
        cfg: dict[str, Any] = {
            "seed": self.seed,
            "ratio": self.ratio,
            "selection": self.selection_mode,
            "epoch": self.epoch,
            "corruptions": [c.to_dict() for c in self.corruptions],
        }
        if self.schedule:
            cfg["schedule"] = {k: v.model_dump(mode="json") for k, v in self.schedule.items()}
        if self.on_error != "raise":
            cfg["on_error"] = self.on_error
        if path is not None:
            path = Path(path)
            if path.suffix.lower() == ".json":
                text = json.dumps(cfg, indent=2) + "\n"
            else:
                import yaml

                text = yaml.safe_dump(cfg, sort_keys=False)
            path.write_text(text, encoding="utf-8")
        return cfg

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | str | Path) -> Pipeline:
        """Rebuild a pipeline from :meth:`to_config` output or a YAML/JSON file path."""
        if isinstance(config, (str, Path)):
            path = Path(config)
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise FileNotFoundError(
                    f"cannot read pipeline config {str(path)!r}: {exc}"
                ) from None
            if path.suffix.lower() == ".json":
                config = json.loads(text)
            else:
                import yaml

                config = yaml.safe_load(text)
            if not isinstance(config, Mapping):
                raise InvalidParams(f"pipeline config {str(path)!r} must be a mapping")
        cfg = cls._validated(config)
        return cls(
            [make(c.name, **c.params) for c in cfg.corruptions],
            ratio=cfg.ratio,
            seed=cfg.seed,
            selection=cfg.selection,
            epoch=cfg.epoch,
            schedule={str(k): v for k, v in (cfg.schedule or {}).items()},
            on_error=cfg.on_error,
        )

    def at_step(self, step: int) -> Pipeline:
        """This pipeline with ``ratio`` and every ``severity`` set by its schedule at ``step``
        (itself when it has no schedule)."""
        if not self.schedule:
            return self
        cfg = self.to_config()
        if "ratio" in self.schedule:
            cfg["ratio"] = min(1.0, max(0.0, self.schedule["ratio"](step)))
        if "severity" in self.schedule:
            severity = min(5.0, max(1.0, self.schedule["severity"](step)))
            cfg["corruptions"] = [_with_severity(c, severity) for c in cfg["corruptions"]]
        return Pipeline.from_config(cfg)

    @functools.cached_property
    def config_hash(self) -> str:
        """A short hash of the config, written into every record to group rows by run."""
        return hashlib.sha256(records.dumps(self.to_config()).encode()).hexdigest()[:12]

    @property
    def needs_pool(self) -> bool:
        """Whether a corruption draws donors (``random_image``), so a pool must be given."""
        return any(leaf.needs_pool for c in self.corruptions for leaf in leaves(c))

    def donor_pool(
        self, pool: Any, image_column: str | None, key_column: str | None = None
    ) -> Pool | None:
        """The donor pool this pipeline draws from: ``pool`` as a :class:`Pool` (ranked by
        ``key_column``) when a corruption needs donors, else None; an error if it is missing."""
        if not self.needs_pool:
            return None
        if pool is None:
            raise ValueError("random_image draws donors: pass pool= (usually the dataset itself)")
        return as_pool(pool, image_column, key_column)

    def requirements(self) -> dict[str, list[str]]:
        """Field kind (``image``, ``text``) to the names of the corruptions that need it."""
        out: dict[str, list[str]] = {}
        for c in self.corruptions:
            for leaf in leaves(c):
                for kind in sorted(leaf.requires):
                    out.setdefault(kind, []).append(leaf.name)
        return out

    def __repr__(self) -> str:
        return (
            f"Pipeline({self.corruptions!r}, ratio={self.ratio}, seed={self.seed}, "
            f"selection={self.selection_mode!r}, epoch={self.epoch})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pipeline) and self.to_config() == other.to_config()

    __hash__ = None  # type: ignore[assignment]

    # -- selection ------------------------------------------------------------------------
    def select(self, keys: Iterable[Any] | None = None, *, epoch: int | None = None) -> Selection:
        """The :class:`Selection` for ``epoch``; exact ratios below 1 need every key."""
        epoch = self.epoch if epoch is None else epoch
        threshold = None
        if self.selection_mode == "exact" and 0.0 < self.ratio < 1.0 and keys is not None:
            threshold = exact_threshold(self.seed, keys, self.ratio, _SELECT, epoch)
        return Selection(self.seed, epoch, self.ratio, self.selection_mode, threshold)

    # -- application ----------------------------------------------------------------------
    def apply(
        self,
        row: Mapping[str, Any],
        *,
        key: Any,
        image_column: str | None = None,
        text_column: str | None = None,
        pool: Any = None,
        epoch: int | None = None,
        selection: Selection | None = None,
        encode_images: bool = False,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Corrupt one row (a dict of columns); return the new row and its record.

        Only ``image_column`` and ``text_column`` change; the row is copied, never
        mutated. ``encode_images`` returns new images as ``{"bytes", "path"}`` dicts
        (what ``datasets`` stores without re-encoding) whatever form they came in.
        """
        epoch = self.epoch if epoch is None else epoch
        selection = selection or self.select(epoch=epoch)
        selected = selection(key)
        pool = as_pool(pool, image_column)
        out = dict(row)
        entries: list[dict[str, Any]] = []
        failure: dict[str, Any] = {}
        if selected:
            before = self._placeholder_state(row, image_column, text_column)
            columns = {"image": image_column, "text": text_column}
            try:
                for index, corruption in enumerate(self.corruptions):
                    for leaf, via in self._expand(corruption, str(index), key, epoch, entries):
                        n_before = len(entries)
                        self._apply_leaf(
                            leaf, out, columns, key, epoch, pool, entries, encode_images
                        )
                        if via:
                            for entry in entries[n_before:]:
                                entry["via"] = via
                self._check_placeholders(before, out, image_column, text_column, key)
            except FieldError as exc:
                if self.on_error == "raise":
                    raise
                out, entries = dict(row), []  # the row stays exactly as it came
                failure = {"error": str(exc), "skipped": self.on_error == "skip"}
        record = {
            "applied": any(e["applied"] for e in entries),
            "selected": selected,
            "key": canonical_key(key),
            "seed": self.seed,
            "epoch": epoch,
            "version": __version__,
            "config_hash": self.config_hash,
            "corruptions": entries,
            **failure,
        }
        return out, record

    def _expand(
        self, corruption: Corruption, path: str, key: Any, epoch: int, entries: list[dict[str, Any]]
    ) -> list[tuple[Corruption, str]]:
        """The leaf corruptions that run on this sample: ``p`` and composites decide."""
        p = corruption.params.p
        if p < 1.0 and uniform(self.seed, key, f"{corruption.name}@{path}:p", epoch) >= p:
            entries.append(corruption._entry(False, reason=f"skipped by p={p}"))
            return []
        if not isinstance(corruption, Composite):
            return [(corruption, "")]
        rng = make_rng(self.seed, key, f"{corruption.name}@{path}", epoch)
        chosen: list[tuple[Corruption, str]] = []
        for i in corruption.choose(rng):
            for leaf, via in self._expand(
                corruption.children[i], f"{path}.{i}", key, epoch, entries
            ):
                chosen.append((leaf, via or corruption.name))
        return chosen

    def _apply_leaf(
        self,
        corruption: Corruption,
        out: dict[str, Any],
        columns: Mapping[str, str | None],
        key: Any,
        epoch: int,
        pool: Pool | None,
        entries: list[dict[str, Any]],
        encode: bool,
    ) -> None:
        fields = {
            kind: self._column(corruption, kind, columns[kind], out, key)
            for kind in corruption.requires
        }
        if isinstance(corruption, ImageCorruption):
            column = fields["image"]
            out[column] = self._apply_images(
                corruption, out[column], column, key, epoch, pool, entries, encode
            )
        elif isinstance(corruption, TextCorruption):
            column = fields["text"]
            out[column] = self._apply_texts(corruption, out[column], column, key, epoch, entries)
        elif isinstance(corruption, SampleCorruption):
            self._apply_sample(
                corruption, out, fields["image"], columns["text"], key, epoch, entries, encode
            )
        else:
            raise TypeError(
                f"{corruption.name}: unknown corruption kind {type(corruption).__name__}"
            )

    def _apply_sample(
        self,
        corruption: SampleCorruption,
        out: dict[str, Any],
        image_column: str,
        text_column: str | None,
        key: Any,
        epoch: int,
        entries: list[dict[str, Any]],
        encode: bool,
    ) -> None:
        items, is_list = image_items(out[image_column])
        text = out[text_column] if text_column is not None and text_column in out else None
        images = [image for image in items if image is not None]
        try:
            new_images, new_text, entry = corruption._apply_sample(
                images, text, Context(self.seed, key, epoch), "dict" if encode else None
            )
        except (ValueError, TypeError) as exc:
            raise FieldError(
                f"sample {canonical_key(key)!r}, field {image_column!r}: {exc}"
            ) from exc
        out[image_column] = new_images if is_list else (new_images[0] if new_images else None)
        if text_column is not None and text_column in out:
            out[text_column] = new_text
        where = image_column if text_column is None else f"{image_column}+{text_column}"
        entries.append({**entry, "where": where})

    @staticmethod
    def _column(
        corruption: Corruption, kind: str, column: str | None, row: Mapping[str, Any], key: Any
    ) -> str:
        if column is None:
            raise ValueError(f"{corruption.name} needs the {kind} field: pass {kind}_column")
        if column not in row:
            raise FieldError(f"sample {canonical_key(key)!r}: no column {column!r}")
        return column

    def _apply_images(
        self,
        corruption: ImageCorruption,
        value: Any,
        column: str,
        key: Any,
        epoch: int,
        pool: Pool | None,
        entries: list[dict[str, Any]],
        encode: bool,
    ) -> Any:
        items, is_list = image_items(value)
        if not items:
            entries.append(corruption._entry(False, where=column, reason="no image"))
            return value
        new_items: list[Any] = []
        for i, image in enumerate(items):
            where = f"{column}[{i}]" if is_list else column
            if image is None:
                entries.append(corruption._entry(False, where=where, reason="no image"))
                new_items.append(image)
                continue
            try:
                ctx = Context(self.seed, key, epoch, i, pool)
                new, entry = corruption._apply_image(image, ctx, "dict" if encode else None)
            except (ValueError, TypeError) as exc:
                raise FieldError(f"sample {canonical_key(key)!r}, field {where!r}: {exc}") from exc
            entries.append({**entry, "where": where})
            new_items.append(new)
        return new_items if is_list else new_items[0]

    def _apply_texts(
        self,
        corruption: TextCorruption,
        value: Any,
        column: str,
        key: Any,
        epoch: int,
        entries: list[dict[str, Any]],
    ) -> Any:
        if value is None:
            entries.append(corruption._entry(False, where=column, reason="no text"))
            return value

        def one(text: str, where: str, slot: int) -> str:
            try:
                new, entry = corruption._apply_text(text, Context(self.seed, key, epoch, slot))
            except (ValueError, TypeError) as exc:
                raise FieldError(f"sample {canonical_key(key)!r}, field {where!r}: {exc}") from exc
            entries.append({**entry, "where": where})
            return new

        try:
            return map_texts(value, column, one)
        except FieldError as exc:
            raise FieldError(f"sample {canonical_key(key)!r}: {exc}") from None

    @staticmethod
    def _placeholder_state(
        row: Mapping[str, Any], image_column: str | None, text_column: str | None
    ) -> tuple[int | None, int | None]:
        """(images, placeholders) of a row; None for a field the row does not carry."""
        images = marks = None
        if image_column is not None and image_column in row:
            images = count_images(row[image_column])
        if text_column is not None and text_column in row:
            marks = count_text_placeholders(row[text_column])
        return images, marks

    def _check_placeholders(
        self,
        before: tuple[int | None, int | None],
        out: Mapping[str, Any],
        image_column: str | None,
        text_column: str | None,
        key: Any,
    ) -> None:
        """Rows whose placeholders matched their images must still match after; when only
        the text is at hand, its placeholder count must not change."""
        images, marks = self._placeholder_state(out, image_column, text_column)
        if before[0] is not None and before[1] is not None:
            if before[0] == before[1] > 0 and images != marks:
                raise FieldError(
                    f"sample {canonical_key(key)!r}: {marks} image placeholders in "
                    f"{text_column!r} but {images} images in {image_column!r} after corruption"
                )
        elif before[1] is not None and marks != before[1]:
            raise FieldError(
                f"sample {canonical_key(key)!r}: a text corruption changed the image placeholders "
                f"in {text_column!r} from {before[1]} to {marks}"
            )

    def fields_used(self, image_column: str | None, text_column: str | None) -> list[str]:
        """The columns this pipeline reads and writes, of those given: images when a
        corruption needs them, text when one needs it or may fix its placeholders."""
        needs = self.requirements()
        fixes_text = any(
            isinstance(leaf, SampleCorruption) for c in self.corruptions for leaf in leaves(c)
        )
        used = []
        if image_column is not None and "image" in needs:
            used.append(image_column)
        if text_column is not None and ("text" in needs or fixes_text):
            used.append(text_column)
        return used

    def map_fn(
        self,
        image_column: str | None = None,
        text_column: str | None = None,
        *,
        pool: Any = None,
        key_column: str | None = None,
        dataset: Any = None,
        num_rows: int | None = None,
        epoch: int | None = None,
        record_column: str = "hallucue",
        keep_original: bool = False,
    ) -> MapFunction:
        """A function for ``Dataset.map(fn, with_indices=True, batched=True|False, num_proc=N)``.

        ``pool`` is the donor dataset for image swaps (usually the dataset itself).
        ``dataset`` (default: ``pool``) or ``num_rows`` gives the key set that exact
        ratios below 1 select from. Keys are row indices, or ``key_column`` values.
        """
        from .dataset import MapFunction

        return MapFunction(
            self,
            image_column=image_column,
            text_column=text_column,
            pool=pool,
            key_column=key_column,
            dataset=dataset,
            num_rows=num_rows,
            epoch=epoch,
            record_column=record_column,
            keep_original=keep_original,
        )


def _with_severity(cfg: dict[str, Any], severity: float) -> dict[str, Any]:
    """A corruption config with ``severity`` set where the corruption has one (recursively)."""
    from .registry import get

    params = dict(cfg.get("params", {}))
    if "corruptions" in params:
        params["corruptions"] = [_with_severity(c, severity) for c in params["corruptions"]]
    elif "severity" in get(cfg["name"]).Params.model_fields:
        params["severity"] = severity
    return {**cfg, "params": params}
