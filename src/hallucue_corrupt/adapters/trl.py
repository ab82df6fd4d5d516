"""TRL (GRPOTrainer) adapter: dataset format, online corruption, rewards split by corruption.

TRL's GRPOTrainer takes rows with a conversational ``prompt`` and an ``image`` (one) or
``images`` (list) column; explicit ``{"type": "image"}`` parts are filled in order and
must match the image count. Every other column reaches each reward function as a keyword
list with one entry per completion. The trainer has no custom collator, so online
corruption goes through ``dataset.with_transform``; rows are repeated
``num_generations`` times and every copy gets the same corruption (keyed by id + epoch).
TRL cannot mix rows with and without images in one batch: use ``blank_image`` rather than
``drop_image`` for a per-row blind view.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from ..collator import CorruptingCollator
from ..dataset import corrupt_dataset
from ..functional.text import PLACEHOLDER
from ..pipeline import Pipeline
from ..records import label as label_of

__all__ = [
    "OnlineCorruption",
    "corrupt",
    "reward_by_corruption",
    "to_trl",
]

_SPLIT = re.compile(f"({re.escape(PLACEHOLDER)})")


def prompt_from_text(text: str, system_prompt: str | None = None) -> list[dict[str, Any]]:
    """Chat messages for TRL from a string with ``<image>`` placeholders: each placeholder
    becomes an image part where it stood (none at all: one image part first)."""
    parts: list[dict[str, Any]] = []
    for piece in _SPLIT.split(text):
        if piece == PLACEHOLDER:
            parts.append({"type": "image", "text": None})
        elif piece.strip():
            parts.append({"type": "text", "text": piece.strip()})
    messages = (
        [{"role": "system", "content": [{"type": "text", "text": system_prompt}]}]
        if system_prompt
        else []
    )
    return [*messages, {"role": "user", "content": parts}]


def to_trl(
    dataset: Any,
    *,
    text_column: str = "problem",
    prompt_column: str = "prompt",
    system_prompt: str | None = None,
) -> Any:
    """Add TRL's conversational ``prompt`` column, built from a string column with inline
    ``<image>`` placeholders (EasyR1/verl style). Other columns stay."""
    if text_column not in dataset.column_names:
        raise KeyError(f"no column {text_column!r} in the dataset: {dataset.column_names}")

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        return {prompt_column: prompt_from_text(row[text_column], system_prompt)}

    return dataset.map(convert, desc="hallucue: TRL prompts")


def _image_column(columns: list[str], image_column: str | None) -> str:
    if image_column is not None:
        return image_column
    for name in ("images", "image"):
        if name in columns:
            return name
    raise KeyError(f"no image or images column among {columns}; pass image_column")


def corrupt(
    dataset: Any,
    pipeline: Pipeline,
    *,
    prompt_column: str = "prompt",
    image_column: str | None = None,
    **kwargs: Any,
) -> Any:
    """:func:`~hallucue_corrupt.corrupt_dataset` on a TRL-format dataset: the image column
    (``images`` or ``image``) and the ``prompt`` messages, image parts kept consistent."""
    column = _image_column(dataset.column_names, image_column)
    return corrupt_dataset(
        dataset, pipeline, image_column=column, text_column=prompt_column, **kwargs
    )


class OnlineCorruption:
    """A ``dataset.with_transform`` function that corrupts rows as GRPOTrainer reads them.

    ``pool`` is the dataset donors come from (and, with ``key_column``, the id set an
    exact ratio selects from). Records are JSON strings in ``record_column``. Pass
    :meth:`callback` to the trainer so epochs and steps reach the transform (with
    ``dataloader_num_workers=0``, TRL's default). The dataloader reads ahead, so a
    schedule sees a step that can lag the global step by a couple of steps.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        pool: Any = None,
        key_column: str = "id",
        image_column: str = "image",
        prompt_column: str = "prompt",
        record_column: str = "hallucue",
        epoch_seeded: bool = True,
    ) -> None:
        self.collator = CorruptingCollator(
            pipeline,
            pool=pool,
            image_column=image_column,
            text_column=prompt_column,
            key_column=key_column,
            epoch_seeded=epoch_seeded,
            record_column=record_column,
            record_as_json=True,
        )

    def set_epoch(self, epoch: int) -> None:
        self.collator.set_epoch(epoch)

    def set_step(self, step: int) -> None:
        self.collator.set_step(step)

    def __call__(self, batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        columns = list(batch)
        n = len(batch[columns[0]]) if columns else 0
        rows = [{c: batch[c][i] for c in columns} for i in range(n)]
        out = self.collator.corrupt_rows(rows)
        names = columns + [c for c in out[0] if c not in columns] if out else columns
        return {c: [row[c] for row in out] for c in names}

    def callback(self) -> Any:
        """A ``transformers.TrainerCallback`` feeding epoch and global step to this transform."""
        from transformers import TrainerCallback

        transform = self

        class _HallucueCallback(TrainerCallback):  # type: ignore[misc]
            def on_epoch_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                transform.set_epoch(int(state.epoch or 0))

            def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                transform.set_step(int(state.global_step))

        return _HallucueCallback()


def reward_by_corruption(
    reward_fn: Callable[..., list[float | None]],
    *,
    record_column: str = "hallucue",
    correct_threshold: float | None = None,
    prefix: str = "hallucue",
    log_labels: bool = True,
) -> Callable[..., list[float | None]]:
    """Wrap a TRL reward function to log its mean reward per corruption label via
    ``log_metric`` (``hallucue/<label>/reward``, and ``.../accuracy`` = share of rewards
    >= ``correct_threshold`` when given) and each completion's label via ``log_extra``.
    Rewards are returned unchanged; the wrapper keeps the function's name."""

    @functools.wraps(reward_fn)
    def wrapped(*args: Any, **kwargs: Any) -> list[float | None]:
        rewards = reward_fn(*args, **kwargs)
        records = kwargs.get(record_column)
        if records is None:
            raise KeyError(
                f"reward_by_corruption: no {record_column!r} column reached the reward function"
            )
        labels = [label_of(r) for r in records]
        log_metric = kwargs.get("log_metric")
        if log_metric is not None:
            for group in sorted(set(labels)):
                values = [
                    r
                    for r, lab in zip(rewards, labels, strict=True)
                    if lab == group and r is not None
                ]
                if not values:
                    continue
                log_metric(f"{prefix}/{group}/reward", sum(values) / len(values))
                if correct_threshold is not None:
                    hits = sum(v >= correct_threshold for v in values)
                    log_metric(f"{prefix}/{group}/accuracy", hits / len(values))
        log_extra = kwargs.get("log_extra")
        if log_labels and log_extra is not None:
            log_extra(f"{prefix}_corruption", labels)
        return rewards

    return wrapped
