"""Two corruptions for hallucue_corrupt, registered on import.

``import third_party_corruption`` and they can be used by name in pipelines and configs:
``hc.make("salt_and_pepper", severity=2)``, ``hc.make("mask_numbers", rate=0.5)``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import Field

import hallucue_corrupt as hc

__all__ = ["MaskNumbers", "SaltAndPepper"]


class SaltAndPepperParams(hc.SeverityParams):
    amount: float | None = Field(None, gt=0, le=1, description="Fraction of pixels hit.")


@hc.register("salt_and_pepper")
class SaltAndPepper(hc.GradedImageCorruption):
    """Sets a fraction of the pixels to black or white; the fraction by severity 1-5 is
    0.01, 0.02, 0.05, 0.1, 0.2 (or ``amount``)."""

    Params = SaltAndPepperParams
    LEVELS = (0.01, 0.02, 0.05, 0.1, 0.2)
    VALUE = "amount"
    RANDOM = True  # degrade() gets a generator seeded from the recorded rng_seed
    NOISY = True

    def degrade(
        self, unit: np.ndarray, value: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        assert rng is not None
        u = rng.random(unit.shape[:2])
        unit[u < value / 2] = 0.0
        unit[(u >= value / 2) & (u < value)] = 1.0
        return unit, {"pixels_hit": int((u < value).sum())}


NUMBER = re.compile(r"\d+(?:\.\d+)?")


class MaskNumbersParams(hc.Params):
    rate: float = Field(0.5, ge=0, le=1, description="Chance that each number is masked.")


@hc.register("mask_numbers")
class MaskNumbers(hc.TextCorruption):
    """Replaces a random subset of the numbers in the question with ``?``."""

    Params = MaskNumbersParams
    params: MaskNumbersParams

    def draw(self, text: str, ctx: hc.Context) -> dict[str, Any]:
        """Which numbers (by position) to mask: every random decision, made here."""
        n = len(NUMBER.findall(text))
        hit = ctx.rng().random(n) < self.params.rate
        return {"masked": [int(i) for i in np.flatnonzero(hit)]}

    def transform(
        self, text: str, drawn: Mapping[str, Any], ctx: hc.Context
    ) -> tuple[str, dict[str, Any]]:
        """Mask the drawn positions; no randomness here, so a replay gives the same text."""
        masked = set(drawn["masked"])
        if not masked:
            return text, {"applied": False, "reason": "no number drawn"}
        position = itertools.count()
        new = NUMBER.sub(lambda m: "?" if next(position) in masked else m.group(0), text)
        return new, {"masked_count": len(masked)}
