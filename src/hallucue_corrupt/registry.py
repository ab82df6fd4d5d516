"""The registry: corruption names to classes, so pipelines can be rebuilt from config."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, TypeVar

from .base import Corruption

__all__ = ["UnknownCorruption", "get", "list_corruptions", "make", "register"]

_REGISTRY: dict[str, type[Corruption]] = {}
C = TypeVar("C", bound=type[Corruption])


class UnknownCorruption(KeyError):
    """A name that is not registered; the message suggests the closest names."""

    def __str__(self) -> str:
        return str(self.args[0])


def register(name: str, *, replace: bool = False) -> Callable[[C], C]:
    """Class decorator adding a :class:`Corruption` subclass to the registry as ``name``."""

    def decorator(cls: C) -> C:
        if not (isinstance(cls, type) and issubclass(cls, Corruption)):
            raise TypeError(f"@register({name!r}) needs a Corruption subclass, got {cls!r}")
        if name in _REGISTRY and _REGISTRY[name] is not cls and not replace:
            raise ValueError(f"corruption {name!r} is already registered; pass replace=True")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorator


def get(name: str) -> type[Corruption]:
    """The class registered as ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownCorruption(f"unknown corruption {name!r}{hint} (known: {known})") from None


def make(name: str, **params: Any) -> Corruption:
    """A registered corruption with validated params: ``make("blank_image", fill="black")``."""
    return get(name)(**params)


def list_corruptions() -> dict[str, str]:
    """Registered names mapped to their modality (``"image"`` or ``"text"``), sorted."""
    return {name: _REGISTRY[name].modality for name in sorted(_REGISTRY)}
