"""Image corruptions of the Hallucination-as-Cue paper: blank image (BI), random image (RI)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, field_validator

from ..base import Context, ImageCorruption, Params
from ..fields import without_addresses
from ..functional import image as F
from ..media import ImageRef, ImageValue, donor_problem
from ..pool import Pool, as_pool
from ..registry import register

__all__ = ["BlankImage", "RandomImage"]


class BlankParams(Params):
    fill: Literal["white", "black", "gray", "mean"] | int | tuple[int, int, int] = Field(
        "white", description="Named fill, 'mean' (the image's mean colour), a gray level or RGB."
    )
    size: tuple[int, int] | None = Field(
        None, description="(width, height) of the blank; None keeps the source size."
    )

    @field_validator("fill")
    @classmethod
    def _in_range(cls, v: Any) -> Any:
        values = v if isinstance(v, tuple) else ([v] if isinstance(v, int) else [])
        if any(not 0 <= c <= 255 for c in values):
            raise ValueError("fill levels must be 0-255")
        return v

    @field_validator("size")
    @classmethod
    def _positive(cls, v: Any) -> Any:
        if v is not None and min(v) < 1:
            raise ValueError("size must be positive (width, height)")
        return v


@register("blank_image")
class BlankImage(ImageCorruption):
    """Blank Image (BI): the image becomes a uniform fill, same size and mode by default.

    With encoded input (a ``datasets`` column read with ``decode=False``, or bytes) the
    result is cached PNG bytes: no decode, no encode (``fill="mean"`` decodes to average).
    """

    Params = BlankParams
    params: BlankParams
    replaces = True

    def header_only(self) -> bool:
        return self.params.fill != "mean"  # "mean" reads the pixels

    def transform(
        self, image: ImageRef, drawn: Mapping[str, Any], ctx: Context
    ) -> tuple[ImageValue, dict[str, Any]]:
        rgb = F.resolve_fill(self.params.fill, image)
        return F.blank(image, rgb, self.params.size), {"fill_rgb": list(rgb), "intensity": 1.0}


class RandomParams(Params):
    max_tries: int = Field(
        8, ge=1, le=100, description="Draws allowed when donor rows have no usable image."
    )


@register("random_image")
class RandomImage(ImageCorruption):
    """Random Image (RI): the image becomes an image of another sample of the pool.

    The donor is drawn uniformly from the pool minus the sample itself (matched by key),
    from (seed, key, epoch, item) alone, and copied as its encoded bytes when the input is
    encoded. A donor whose bytes are broken (bad header, truncated) is rejected and another
    drawn; the record lists it in ``donor_rejected``. One donor row is read per draw: the
    pool is never loaded whole.
    """

    Params = RandomParams
    params: RandomParams
    needs_pool = True
    replaces = True

    def draw(self, value: ImageRef, ctx: Context) -> dict[str, Any]:
        """The donor: a uniform draw over the pool minus the sample, redrawn (and recorded
        in ``donor_rejected``) while a donor row has no image or a broken one."""
        pool = self._pool(ctx)
        self_rank = pool.rank_of(ctx.key)
        others = len(pool) - (self_rank is not None)
        if others < 1:
            raise ValueError("random_image needs a pool with at least one other sample")
        rng = ctx.rng()
        rejected: list[dict[str, Any]] = []
        for _ in range(self.params.max_tries):
            rank = int(rng.integers(others))
            if self_rank is not None and rank >= self_rank:
                rank += 1
            donor = pool.image_at(rank)
            donor_item = None
            if isinstance(donor, (list, tuple)):
                donor_item = int(rng.integers(len(donor))) if donor else None
                donor = donor[donor_item] if donor_item is not None else None
            problem = donor_problem(donor)
            if problem is None:
                drawn: dict[str, Any] = {"donor_key": pool.key_at(rank), "donor_item": donor_item}
                if rejected:
                    drawn["donor_rejected"] = rejected
                return drawn
            reason = without_addresses(problem)  # the same record in every run
            rejected.append({"key": pool.key_at(rank), "item": donor_item, "reason": reason})
        tried = ", ".join(f"{r['key']!r} ({r['reason']})" for r in rejected)
        raise ValueError(
            f"random_image found no usable donor in {self.params.max_tries} draws: {tried}"
        )

    def transform(
        self, image: ImageRef, drawn: Mapping[str, Any], ctx: Context
    ) -> tuple[ImageValue, dict[str, Any]]:
        pool = self._pool(ctx)
        donor_key = drawn["donor_key"]
        rank = pool.rank_of(donor_key)
        if rank is None:
            raise ValueError(f"donor {donor_key!r} is not in the pool")
        donor: Any = pool.image_at(rank)
        if drawn.get("donor_item") is not None:
            donor = donor[drawn["donor_item"]]
        return donor, {"intensity": 1.0}

    @staticmethod
    def _pool(ctx: Context) -> Pool:
        pool = as_pool(ctx.pool)
        if pool is None:
            raise ValueError("random_image needs a donor pool (pool=dataset or list of images)")
        return pool
