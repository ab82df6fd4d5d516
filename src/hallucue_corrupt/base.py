"""Corruption base classes: validated params, draw-then-transform, one record per call.

A corruption is a small object holding validated parameters (a pydantic model). Applying
one is two steps, as in torchvision's ``make_params``/``transform`` and albumentations'
``get_params``/``apply``: :meth:`draw` takes every random decision from the generator of
its :class:`Context` (keyed on seed, sample key, corruption stream, epoch and item; never
global RNG state) and returns them as a JSON-safe dict; :meth:`transform` applies them
without randomness. The record of the call holds what was drawn, so
:func:`hallucue_corrupt.replay` can reproduce the output from the record alone.

The pipeline reaches a corruption through :meth:`Corruption.apply_row` only; each modality
base class (image, text, sample) implements it for its fields, so a new kind of field is a
new base class, not an edit to the engine.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .fields import image_items, map_texts
from .media import ImageRef, ImageValue, Kind, Layout
from .seeding import derive_seed, make_rng

if TYPE_CHECKING:
    from .engine import RowState

__all__ = [
    "Context",
    "Corruption",
    "ImageCorruption",
    "InvalidParams",
    "Modality",
    "Params",
    "ReplayError",
    "SampleCorruption",
    "TextCorruption",
]

#: ``image`` and ``text`` corruptions change one field; ``multimodal`` ones change the
#: image and text fields together (drop the image and its placeholders, draw the text into
#: the image); ``composite`` ones (``one_of``, ``some_of``) choose among others.
Modality = Literal["image", "text", "multimodal", "composite"]


class InvalidParams(ValueError):
    """Parameters that fail validation; the message names the corruption and the field."""


class ReplayError(RuntimeError):
    """A replay asked for randomness, or a record does not fit the row it is replayed on."""


def format_validation_error(owner: str, exc: ValidationError, fields: Any = ()) -> str:
    """One line per problem, ``owner: field: message``, with a did-you-mean for unknown
    fields (``ratoi`` -> ``ratio``) and no private class names."""
    import difflib

    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "params"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            last = str(err["loc"][-1]) if err["loc"] else ""
            close = difflib.get_close_matches(last, list(fields), n=1, cutoff=0.6)
            msg = "unknown field" + (f"; did you mean {close[0]!r}?" if close else "")
            if fields:
                msg += f" (known: {', '.join(sorted(fields))})"
        problems.append(f"{loc}: {msg}")
    return f"{owner}: {'; '.join(problems)}"


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
    """Where a corruption is applied: the randomness key and, for swaps, the donor pool.

    ``stream`` names the corruption's own random stream: its name, or ``name#k`` for the
    k-th repeat of a name in one pipeline, so two ``gaussian_noise`` entries draw
    independent noise. A replaying context refuses to draw.
    """

    seed: int = 0
    key: Any = 0
    epoch: int = 0
    item: int = 0
    pool: Any = None
    stream: str = ""
    replaying: bool = False

    def rng(self, stream: str | None = None) -> np.random.Generator:
        """The private generator of this corruption (or ``stream``) for this sample and item."""
        return make_rng(*self._args(stream))

    def stream_seed(self, stream: str | None = None) -> int:
        """The 64-bit seed :meth:`rng` is built from: what dense random fields record."""
        return derive_seed(*self._args(stream))

    def _args(self, stream: str | None) -> tuple[Any, ...]:
        if self.replaying:
            raise ReplayError("a replay must not draw: the record holds every random decision")
        return (self.seed, self.key, stream or self.stream, self.epoch, self.item)


def _signature(params: type[Params]) -> inspect.Signature:
    """A keyword-only signature built from a Params model, for ``help()`` and IDEs."""
    parameters = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if field.is_required() else field.default,
            annotation=field.annotation,
        )
        for name, field in params.model_fields.items()
    ]
    return inspect.Signature(parameters)


class Corruption:
    """A named, parameterised corruption of one modality. Subclass and ``@register``."""

    name: ClassVar[str] = ""
    modality: ClassVar[Modality]
    Params: ClassVar[type[Params]] = Params
    #: True for corruptions that draw from a donor pool (``random_image``).
    needs_pool: ClassVar[bool] = False
    #: True when the output replaces the image outright (blank, swap, drop): what an
    #: earlier image corruption did to that image no longer shows (``superseded_by``).
    replaces: ClassVar[bool] = False
    #: The fields a corruption reads and writes: ``{"image"}``, ``{"text"}`` or both.
    requires: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "corrupt" in cls.__dict__ and "transform" not in cls.__dict__:
            raise TypeError(
                f"{cls.__name__}: corruptions implement transform(value, drawn, ctx) and, when "
                "random, draw(value, ctx) (corrupt() is gone since 0.2; see docs/extending.md)"
            )
        cls.__signature__ = _signature(cls.Params)  # type: ignore[attr-defined]

    def __init__(self, **params: Any) -> None:
        try:
            self.params = self.Params(**params)
        except ValidationError as exc:
            owner = self.name or type(self).__name__
            raise InvalidParams(
                format_validation_error(owner, exc, self.Params.model_fields)
            ) from None

    def to_dict(self) -> dict[str, Any]:
        """``{"name", "params"}``, JSON-safe; :func:`hallucue_corrupt.make` rebuilds it."""
        return {"name": self.name, "params": self.params.model_dump(mode="json")}

    def entry(self, applied: bool, **extra: Any) -> dict[str, Any]:
        """The record of one application, with this corruption's name and params."""
        return {
            "name": self.name,
            "modality": self.modality,
            "params": self.params.model_dump(mode="json"),
            "applied": applied,
            **extra,
        }

    def draw(self, value: Any, ctx: Context) -> dict[str, Any]:
        """Every random decision for ``value``, JSON-safe (none by default)."""
        return {}

    def apply_row(self, state: RowState, stream: str) -> None:
        """Apply this corruption to the fields of one row (the engine's only entry point)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.model_dump().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Corruption) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.name, repr(self)))


def _drawn_fields(drawn: Mapping[str, Any]) -> dict[str, Any]:
    """Record fields for what was drawn: the values, and ``drawn`` naming them."""
    return {**drawn, "drawn": sorted(drawn)} if drawn else {}


class ImageCorruption(Corruption):
    """A corruption of one image. Subclasses implement :meth:`transform` (and
    :meth:`draw` when they are random)."""

    modality: ClassVar[Modality] = "image"
    requires: ClassVar[frozenset[str]] = frozenset({"image"})

    def draw(self, value: ImageRef, ctx: Context) -> dict[str, Any]:
        """Every random decision for this image, JSON-safe (none by default)."""
        return {}

    def header_only(self) -> bool:
        """Whether the new image and the record entry depend on the image's header alone
        (size and mode): no pixels, no sample key, no randomness. The batch kernel then
        corrupts one row per (size, mode) and copies its result (``blank_image``)."""
        return False

    def transform(
        self, image: ImageRef, drawn: Mapping[str, Any], ctx: Context
    ) -> tuple[ImageValue | ImageRef, dict[str, Any]]:
        """The new image (any form) and extra record fields, from what was drawn."""
        raise NotImplementedError

    def apply_image(
        self,
        image: ImageValue,
        *,
        seed: int = 0,
        key: Any = 0,
        epoch: int = 0,
        pool: Any = None,
        layout: Layout = "auto",
    ) -> tuple[ImageValue, dict[str, Any]]:
        """Corrupt one image; the result has the input's form (PIL, array, bytes, dict;
        an array keeps its dtype and ``layout``, a torch tensor stays a tensor)."""
        ref = ImageRef(image, layout=layout)
        return self.run(ref, Context(seed, key, epoch, 0, pool, self.name))

    def run(
        self,
        image: ImageValue | ImageRef,
        ctx: Context,
        kind: Kind | None = None,
        drawn: Mapping[str, Any] | None = None,
    ) -> tuple[ImageValue, dict[str, Any]]:
        """Draw (unless ``drawn`` is given, as in a replay), transform, wrap, record."""
        ref = image if isinstance(image, ImageRef) else ImageRef(image)
        drawn = self.draw(ref, ctx) if drawn is None else dict(drawn)
        result, info = self.transform(ref, drawn, ctx)
        out = ref.wrap(result, kind)
        after = result if isinstance(result, ImageRef) else ImageRef(result)
        return out, self.entry(
            True, before=ref.meta(), after=after.meta(), **_drawn_fields(drawn), **info
        )

    def apply_row(self, state: RowState, stream: str) -> None:
        column = state.column("image", self)
        items, is_list = image_items(state.row[column])
        if not items:
            state.add(self.entry(False, reason="no image"), column)
            return
        new_items: list[Any] = []
        for i, image in enumerate(items):
            where = f"{column}[{i}]" if is_list else column
            if image is None:
                state.add(self.entry(False, reason="no image"), where)
                new_items.append(image)
                continue
            try:
                new, entry = self.run(
                    image, state.context(stream, i), state.kind, state.recorded(self, where)
                )
            except (ValueError, TypeError) as exc:
                raise state.error(where, exc) from exc
            if self.replaces:
                state.supersede(self.name, where.__eq__)
            state.add(entry, where)
            new_items.append(new)
        state.row[column] = new_items if is_list else new_items[0]


class TextCorruption(Corruption):
    """A corruption of one text. Subclasses implement :meth:`transform` (and :meth:`draw`
    when they are random).

    Texts may hold ``<image>`` placeholders; a text corruption must keep every one of them
    (the engine checks that placeholder and image counts still agree).
    """

    modality: ClassVar[Modality] = "text"
    requires: ClassVar[frozenset[str]] = frozenset({"text"})

    def draw(self, value: str, ctx: Context) -> dict[str, Any]:
        """Every random decision for this text, JSON-safe (none by default)."""
        return {}

    def transform(
        self, text: str, drawn: Mapping[str, Any], ctx: Context
    ) -> tuple[str, dict[str, Any]]:
        """The new text and extra record fields; ``{"applied": False, "reason": ...}`` in
        the fields says the corruption did not fire on this text."""
        raise NotImplementedError

    def apply_text(
        self, text: str, *, seed: int = 0, key: Any = 0, epoch: int = 0
    ) -> tuple[str, dict[str, Any]]:
        """Corrupt one text."""
        return self.run(text, Context(seed, key, epoch, stream=self.name))

    def run(
        self, text: str, ctx: Context, drawn: Mapping[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Draw (unless ``drawn`` is given), transform, record."""
        if not isinstance(text, str):
            raise TypeError(f"{self.name}: text must be str, got {type(text).__name__}")
        drawn = self.draw(text, ctx) if drawn is None else dict(drawn)
        new, info = self.transform(text, drawn, ctx)
        applied = bool(info.pop("applied", new != text))
        if new == text and applied:  # e.g. two equal conditions swapped: nothing changed
            applied = False
        if not applied:
            info.setdefault("reason", "no change: the result equals the input")
        return new, self.entry(
            applied,
            chars_before=len(text),
            chars_after=len(new),
            **(_drawn_fields(drawn) if applied else {}),
            **info,
        )

    def apply_row(self, state: RowState, stream: str) -> None:
        column = state.column("text", self)
        value = state.row[column]
        if value is None:
            state.add(self.entry(False, reason="no text"), column)
            return

        def one(text: str, where: str, slot: int) -> str:
            try:
                new, entry = self.run(
                    text, state.context(stream, slot), state.recorded(self, where)
                )
            except (ValueError, TypeError) as exc:
                raise state.error(where, exc) from exc
            state.add(entry, where)
            return new

        state.row[column] = state.guard(lambda: map_texts(value, column, one))


class SampleCorruption(Corruption):
    """A corruption of a sample's images and text together. Subclasses implement
    :meth:`transform`; ``requires`` says whether the text field is needed."""

    modality: ClassVar[Modality] = "multimodal"
    requires: ClassVar[frozenset[str]] = frozenset({"image"})

    def draw(self, value: tuple[list[ImageRef], Any], ctx: Context) -> dict[str, Any]:
        """Every random decision for this (images, text) pair, JSON-safe (none by default)."""
        return {}

    def transform(
        self, images: list[ImageRef], text: Any, drawn: Mapping[str, Any], ctx: Context
    ) -> tuple[list[Any], Any, dict[str, Any]]:
        """The new image list (any image forms), the new text field value (string,
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
        return self.run(images, text, Context(seed, key, epoch, stream=self.name))

    def run(
        self,
        images: list[ImageValue],
        text: Any,
        ctx: Context,
        kind: Kind | None = None,
        drawn: Mapping[str, Any] | None = None,
    ) -> tuple[list[ImageValue], Any, dict[str, Any]]:
        """Draw (unless ``drawn`` is given), transform, wrap the images, record."""
        refs = [image if isinstance(image, ImageRef) else ImageRef(image) for image in images]
        drawn = self.draw((refs, text), ctx) if drawn is None else dict(drawn)
        new_images, new_text, info = self.transform(refs, text, drawn, ctx)
        like = refs[0] if refs else None
        out: list[ImageValue] = [like.wrap(img, kind) if like else img for img in new_images]
        applied = bool(info.pop("applied", True))
        return (
            out,
            new_text,
            self.entry(
                applied,
                images_before=len(refs),
                images_after=len(out),
                **_drawn_fields(drawn),
                **info,
            ),
        )

    def apply_row(self, state: RowState, stream: str) -> None:
        image_column = state.column("image", self)
        text_column = state.columns.get("text")
        has_text = text_column is not None and text_column in state.row
        if "text" in self.requires:
            text_column = state.column("text", self)
        items, is_list = image_items(state.row[image_column])
        text = state.row[text_column] if has_text and text_column is not None else None
        images = [image for image in items if image is not None]
        where = image_column if not has_text else f"{image_column}+{text_column}"
        try:
            new_images, new_text, entry = self.run(
                images, text, state.context(stream, 0), state.kind, state.recorded(self, where)
            )
        except (ValueError, TypeError) as exc:
            raise state.error(image_column, exc) from exc
        if self.replaces and entry["applied"]:
            state.supersede(
                self.name, lambda w: w == image_column or w.startswith(f"{image_column}[")
            )
        state.row[image_column] = new_images if is_list else (new_images[0] if new_images else None)
        if has_text and text_column is not None:
            state.row[text_column] = new_text
        state.add(entry, where)
