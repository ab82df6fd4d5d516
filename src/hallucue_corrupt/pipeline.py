"""Pipelines: corruptions applied in order to a selected share of samples, with one record.

A :class:`Pipeline` holds the corruptions and the run settings (seed, ratio, selection,
epoch, schedule, on_error). Its configuration lives in :mod:`~hallucue_corrupt.config`,
selection in :mod:`~hallucue_corrupt.selection`, the per-row work in
:mod:`~hallucue_corrupt.engine` and the run binding in :mod:`~hallucue_corrupt.binding`.
Selection and every random draw derive from (seed, sample key, corruption, epoch): a
sample's fate never depends on call order, worker count or row order.
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import records
from .base import Corruption
from .compose import leaves
from .config import (
    OnError,
    config_at_step,
    dump_config,
    load_config,
    validate_config,
)
from .pool import Pool, as_pool
from .registry import make
from .schedule import Schedule
from .selection import Selection, SelectionMode, select

if TYPE_CHECKING:
    from .binding import RunBinding
    from .dataset import MapFunction

__all__ = ["OnError", "Pipeline", "Selection"]


class Pipeline:
    """Corruptions applied in order to ``ratio`` of the samples, seeded by ``seed``.

    A list stacks: ``[gaussian_noise, blank_image]`` noises, then blanks (the noise entry
    is then marked ``superseded_by``); use ``one_of`` to mix corruptions instead.
    ``selection="exact"`` picks exactly ``round(ratio * N)`` samples (the N smallest keyed
    hashes); ``"bernoulli"`` picks each sample with probability ``ratio``.
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
        cfg = validate_config(
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
        _warn_stacking(corruptions)

    # -- config ---------------------------------------------------------------------------
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
            dump_config(cfg, path)
        return cfg

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | str | Path) -> Pipeline:
        """Rebuild a pipeline from :meth:`to_config` output or a YAML/JSON file path."""
        if isinstance(config, (str, Path)):
            config = load_config(config)
        cfg = validate_config(config)
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
        return Pipeline.from_config(config_at_step(self.to_config(), self.schedule, step))

    @functools.cached_property
    def config_hash(self) -> str:
        """A short hash of the config, written into every record to group rows by run."""
        return hashlib.sha256(records.dumps(self.to_config()).encode()).hexdigest()[:12]

    @functools.cached_property
    def streams(self) -> dict[str, str]:
        """The random stream of each leaf corruption, by position path."""
        from .engine import streams

        return streams(self.corruptions)

    # -- what it needs --------------------------------------------------------------------
    @property
    def needs_pool(self) -> bool:
        """Whether a corruption draws donors (``random_image``), so a pool must be given."""
        return any(leaf.needs_pool for c in self.corruptions for leaf in leaves(c))

    @property
    def needs_keys(self) -> bool:
        """Whether selection needs every sample key (an exact ratio below 1)."""
        return self.selection_mode == "exact" and 0.0 < self.ratio < 1.0

    @property
    def edits_placeholders(self) -> bool:
        """Whether a corruption changes the image count and so the text's placeholders."""
        return any(leaf.modality == "multimodal" for c in self.corruptions for leaf in leaves(c))

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

    def fields_used(self, image_column: str | None, text_column: str | None) -> list[str]:
        """The columns this pipeline reads and writes, of those given: images when a
        corruption needs them, text when one needs it or may fix its placeholders."""
        needs = self.requirements()
        used = []
        if image_column is not None and "image" in needs:
            used.append(image_column)
        if text_column is not None and ("text" in needs or self.edits_placeholders):
            used.append(text_column)
        return used

    def __repr__(self) -> str:
        return (
            f"Pipeline({self.corruptions!r}, ratio={self.ratio}, seed={self.seed}, "
            f"selection={self.selection_mode!r}, epoch={self.epoch})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pipeline) and self.to_config() == other.to_config()

    __hash__ = None  # type: ignore[assignment]

    # -- selection and application --------------------------------------------------------
    def select(self, keys: Iterable[Any] | None = None, *, epoch: int | None = None) -> Selection:
        """The :class:`Selection` for ``epoch``; exact ratios below 1 need every key."""
        epoch = self.epoch if epoch is None else epoch
        return select(self.seed, self.ratio, self.selection_mode, epoch, keys)

    def bind(self, **kwargs: Any) -> RunBinding:
        """This pipeline bound for a run; see :func:`hallucue_corrupt.binding.bind`."""
        from .binding import bind

        return bind(self, **kwargs)

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
        (what ``datasets`` stores without re-encoding) whatever form they came in. For
        many rows, bind once (:meth:`bind`) and call ``binding.apply``.
        """
        from .engine import run_row

        epoch = self.epoch if epoch is None else epoch
        if selection is None:
            selection = Selection(self.seed, epoch, self.ratio, self.selection_mode)
        return run_row(
            self,
            row,
            key=key,
            columns={"image": image_column, "text": text_column},
            selection=selection,
            pool=as_pool(pool, image_column),
            kind="dict" if encode_images else None,
        )

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

        binding = self.bind(
            image_column=image_column,
            text_column=text_column,
            key_column=key_column,
            pool=pool,
            dataset=dataset,
            num_rows=num_rows,
            epoch=epoch,
        )
        return MapFunction(binding, record_column=record_column, keep_original=keep_original)


def _warn_stacking(corruptions: Sequence[Corruption]) -> None:
    """Warn when a replacing corruption (blank, swap, drop) follows an image corruption in
    the list: the earlier one's work is thrown away (its entry says ``superseded_by``)."""
    seen_image = False
    for c in corruptions:
        kinds = list(leaves(c))
        if seen_image and any(leaf.replaces for leaf in kinds):
            later = next(leaf.name for leaf in kinds if leaf.replaces)
            warnings.warn(
                f"{later} replaces the image after an earlier image corruption in the list: "
                "lists stack, so the earlier one is superseded (use one_of to mix)",
                UserWarning,
                stacklevel=3,
            )
            return
        seen_image = seen_image or any(leaf.modality == "image" for leaf in kinds)
