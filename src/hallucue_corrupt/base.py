"""Corruption base classes: validated params, keyed randomness, one record per call.

A corruption is a small object holding validated parameters (a pydantic model). Applying
it never touches global RNG state: randomness comes from :class:`Context`, keyed on
(seed, sample key, corruption name, epoch, item). Each call returns the new value and a
JSON-safe record of what was done (AugLy-style), which the pipeline gathers per row.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .media import ImageRef, ImageValue, Kind
from .seeding import make_rng

__all__ = [
    "Context",
    "Corruption",
    "ImageCorruption",
    "InvalidParams",
    "Modality",
    "Params",
    "SampleCorruption",
    "TextCorruption",
]

#: ``image`` and ``text`` corruptions change one field; ``multimodal`` ones change the
#: image and text fields together (drop the image and its placeholders, draw the text into
#: the image); ``composite`` ones (``one_of``, ``some_of``) choose among others.
Modality = Literal["image", "text", "multimodal", "composite"]


class InvalidParams(ValueError):
    """Parameters that fail validation; the message names the corruption and the field."""


class Params(BaseModel):
    """Base for corruption parameters: unknown fields are errors, values are frozen.

    ``p`` is the probability that the corruption runs on a selected sample (drawn from the
    sample key, like everything else); a skipped corruption is recorded with a reason.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    p: float = Field(
        1.0, ge=0.0, le=1.0, description="Probability of running on a selected sample."
    )


@dataclasses.dataclass(frozen=True)
class Context:
    """Where a corruption is applied: the randomness key and, for swaps, the donor pool."""

    seed: int = 0
    key: Any = 0
    epoch: int = 0
    item: int = 0
    pool: Any = None

    def rng(self, name: str) -> np.random.Generator:
        """The private generator of corruption ``name`` for this sample and item."""
        return make_rng(self.seed, self.key, name, self.epoch, self.item)


class Corruption:
    """A named, parameterised corruption of one modality. Subclass and ``@register``."""

    name: ClassVar[str] = ""
    modality: ClassVar[Modality]
    Params: ClassVar[type[Params]] = Params
    #: True for corruptions that draw from a donor pool (``random_image``).
    needs_pool: ClassVar[bool] = False
    #: The fields a corruption reads and writes: ``{"image"}``, ``{"text"}`` or both.
    requires: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, **params: Any) -> None:
        try:
            self.params = self.Params(**params)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'params'}: {err['msg']}"
                for err in exc.errors()
            )
            raise InvalidParams(f"{self.name or type(self).__name__}: {problems}") from None

    def to_dict(self) -> dict[str, Any]:
        """``{"name", "params"}``, JSON-safe; :func:`hallucue_corrupt.make` rebuilds it."""
        return {"name": self.name, "params": self.params.model_dump(mode="json")}

    def _entry(self, applied: bool, **extra: Any) -> dict[str, Any]:
        """The record of one application, with this corruption's name and params."""
        return {
            "name": self.name,
            "modality": self.modality,
            "params": self.params.model_dump(mode="json"),
            "applied": applied,
            **extra,
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.model_dump().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Corruption) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.name, repr(self)))


class ImageCorruption(Corruption):
    """A corruption of one image. Subclasses implement :meth:`corrupt`."""

    modality: ClassVar[Modality] = "image"
    requires: ClassVar[frozenset[str]] = frozenset({"image"})

    def corrupt(
        self, image: ImageRef, ctx: Context
    ) -> tuple[ImageValue | ImageRef, dict[str, Any]]:
        """Return the new image (any form) and extra record fields."""
        raise NotImplementedError

    def apply_image(
        self, image: ImageValue, *, seed: int = 0, key: Any = 0, epoch: int = 0, pool: Any = None
    ) -> tuple[ImageValue, dict[str, Any]]:
        """Corrupt one image; the result has the input's form (PIL, array, bytes, dict)."""
        return self._apply_image(image, Context(seed, key, epoch, 0, pool))

    def _apply_image(
        self, image: ImageValue | ImageRef, ctx: Context, kind: Kind | None = None
    ) -> tuple[ImageValue, dict[str, Any]]:
        ref = image if isinstance(image, ImageRef) else ImageRef(image)
        result, info = self.corrupt(ref, ctx)
        out = ref.wrap(result, kind)
        after = result if isinstance(result, ImageRef) else ImageRef(result)
        return out, self._entry(True, before=ref.meta(), after=after.meta(), **info)


class TextCorruption(Corruption):
    """A corruption of one text. Subclasses implement :meth:`corrupt`.

    Texts may hold ``<image>`` placeholders; a text corruption must keep every one of them
    (the pipeline checks that placeholder and image counts still agree).
    """

    modality: ClassVar[Modality] = "text"
    requires: ClassVar[frozenset[str]] = frozenset({"text"})

    def corrupt(self, text: str, ctx: Context) -> tuple[str, dict[str, Any]]:
        """Return the new text and extra record fields; ``{"applied": False, "reason": ...}``
        in the fields says the corruption did not fire on this text."""
        raise NotImplementedError

    def apply_text(
        self, text: str, *, seed: int = 0, key: Any = 0, epoch: int = 0
    ) -> tuple[str, dict[str, Any]]:
        """Corrupt one text."""
        return self._apply_text(text, Context(seed, key, epoch))

    def _apply_text(self, text: str, ctx: Context) -> tuple[str, dict[str, Any]]:
        if not isinstance(text, str):
            raise TypeError(f"{self.name}: text must be str, got {type(text).__name__}")
        new, info = self.corrupt(text, ctx)
        applied = bool(info.pop("applied", new != text))
        if new == text and applied:  # e.g. two equal conditions swapped: nothing changed
            applied = False
        if not applied:
            info.setdefault("reason", "no change: the result equals the input")
        return new, self._entry(applied, chars_before=len(text), chars_after=len(new), **info)


class SampleCorruption(Corruption):
    """A corruption of a sample's images and text together. Subclasses implement
    :meth:`corrupt`; ``requires`` says whether the text field is needed."""

    modality: ClassVar[Modality] = "multimodal"
    requires: ClassVar[frozenset[str]] = frozenset({"image"})

    def corrupt(
        self, images: list[ImageRef], text: Any, ctx: Context
    ) -> tuple[list[Any], Any, dict[str, Any]]:
        """Return the new image list (any image forms), the new text field value (string,
        messages, or None without a text field) and extra record fields."""
        raise NotImplementedError

    def apply_sample(
        self,
        images: list[ImageValue],
        text: Any = None,
        *,
        seed: int = 0,
        key: Any = 0,
        epoch: int = 0,
    ) -> tuple[list[ImageValue], Any, dict[str, Any]]:
        """Corrupt one sample given as a list of images and a text (string or messages)."""
        return self._apply_sample(images, text, Context(seed, key, epoch))

    def _apply_sample(
        self, images: list[ImageValue], text: Any, ctx: Context, kind: Kind | None = None
    ) -> tuple[list[ImageValue], Any, dict[str, Any]]:
        refs = [image if isinstance(image, ImageRef) else ImageRef(image) for image in images]
        new_images, new_text, info = self.corrupt(refs, text, ctx)
        like = refs[0] if refs else None
        out: list[ImageValue] = [like.wrap(img, kind) if like else img for img in new_images]
        applied = bool(info.pop("applied", True))
        return (
            out,
            new_text,
            self._entry(applied, images_before=len(refs), images_after=len(out), **info),
        )
