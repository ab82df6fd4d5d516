"""Composition: ``one_of`` and ``some_of`` choose among corruptions per sample.

They are corruptions themselves (registered, configurable, nestable); the pipeline asks
them which children run on a sample, with a generator keyed on the sample, and applies
those. Per-corruption probability is the ``p`` parameter every corruption has.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
from pydantic import Field, model_validator

from .base import Corruption, Modality, Params
from .registry import make, register

__all__ = ["Composite", "OneOf", "SomeOf", "leaves"]


class CompositeParams(Params):
    corruptions: tuple[dict[str, Any], ...] = Field(
        min_length=1, description="Children as {name, params} dicts (Corruption.to_dict())."
    )
    weights: tuple[float, ...] | None = Field(None, description="Relative choice weights.")

    @model_validator(mode="after")
    def _weights_match(self) -> CompositeParams:
        if self.weights is not None:
            if len(self.weights) != len(self.corruptions):
                raise ValueError("weights must have one entry per corruption")
            if min(self.weights) < 0 or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative with a positive sum")
        return self


class Composite(Corruption):
    """A corruption that picks children per sample; subclasses implement :meth:`choose`."""

    modality: ClassVar[Modality] = "composite"
    params: Any

    def __init__(self, **params: Any) -> None:
        children = params.get("corruptions")
        if isinstance(children, (list, tuple)):  # accept built corruptions too
            params["corruptions"] = tuple(
                c.to_dict() if isinstance(c, Corruption) else c for c in children
            )
        super().__init__(**params)
        self.children: list[Corruption] = [
            make(c["name"], **c.get("params", {})) for c in self.params.corruptions
        ]

    def probabilities(self) -> np.ndarray:
        w = np.asarray(self.params.weights or [1.0] * len(self.children), dtype=np.float64)
        probs: np.ndarray = w / w.sum()
        return probs

    def choose(self, rng: np.random.Generator) -> list[int]:
        """Indices of the children to run, in order."""
        raise NotImplementedError


@register("one_of")
class OneOf(Composite):
    """Run exactly one child, drawn by ``weights`` (uniform by default)."""

    Params = CompositeParams

    def choose(self, rng: np.random.Generator) -> list[int]:
        return [int(rng.choice(len(self.children), p=self.probabilities()))]


class SomeOfParams(CompositeParams):
    n: tuple[int, int] = Field((1, 2), description="Run between n[0] and n[1] children.")

    @model_validator(mode="after")
    def _n_fits(self) -> SomeOfParams:
        low, high = self.n
        if not 0 <= low <= high <= len(self.corruptions):
            raise ValueError(f"n must satisfy 0 <= n[0] <= n[1] <= {len(self.corruptions)}")
        return self


@register("some_of")
class SomeOf(Composite):
    """Run between ``n[0]`` and ``n[1]`` distinct children, drawn by ``weights``, in the
    order they are listed."""

    Params = SomeOfParams

    def choose(self, rng: np.random.Generator) -> list[int]:
        low, high = self.params.n
        count = int(rng.integers(low, high + 1))
        probs = self.probabilities()
        count = min(count, int(np.count_nonzero(probs)))
        picked = rng.choice(len(self.children), size=count, replace=False, p=probs)
        return sorted(int(i) for i in picked)


def leaves(corruption: Corruption) -> Iterator[Corruption]:
    """The corruptions that do the work: ``corruption`` itself, or a composite's children."""
    if isinstance(corruption, Composite):
        for child in corruption.children:
            yield from leaves(child)
    else:
        yield corruption
