"""Schedules: change a pipeline's ratio or severity over training steps.

A collator (or your training loop) calls ``pipeline.at_step(step)`` and gets a pipeline
whose ``ratio`` and every ``severity`` parameter follow the schedules given, e.g. the
annealed noise of NoisyRollout::

    anneal = {"kind": "linear", "start": 5, "end": 1, "steps": 1000}
    pipe = hc.Pipeline([hc.make("gaussian_noise")], schedule={"severity": anneal})
    pipe.at_step(500).corruptions[0].params.severity   # 3.0
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Schedule"]


class Schedule(BaseModel):
    """A value over steps: ``constant``, ``linear`` or ``cosine`` from ``start`` to ``end``
    over ``steps`` (then held at ``end``), or ``step``: ``start`` until each milestone
    multiplies it by ``gamma``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["constant", "linear", "cosine", "step"] = "linear"
    start: float
    end: float | None = None
    steps: int = Field(1, ge=1)
    warmup: int = Field(0, ge=0, description="Steps held at start before the schedule begins.")
    milestones: tuple[int, ...] = ()
    gamma: float = 0.5

    def __call__(self, step: int) -> float:
        if step < 0:
            raise ValueError(f"step must be >= 0, got {step}")
        end = self.start if self.end is None else self.end
        if self.kind == "constant":
            return self.start
        if self.kind == "step":
            return self.start * self.gamma ** sum(step >= m for m in self.milestones)
        t = min(1.0, max(0, step - self.warmup) / self.steps)
        if self.kind == "cosine":
            t = (1 - math.cos(math.pi * t)) / 2
        return self.start + (end - self.start) * t
