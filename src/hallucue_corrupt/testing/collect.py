"""Which corruptions to check: those a module registers, as pytest parameters."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ..base import Corruption
from ..registry import _REGISTRY
from .contract import example_instance

__all__ = ["all_corruptions", "corruptions_in", "parametrize_corruptions", "registered"]

F = TypeVar("F", bound=Callable[..., Any])


def corruptions_in(module: str | None = None) -> dict[str, Corruption]:
    """Registered corruptions by name, as instances to check (:func:`example_instance`):
    all of them, or those whose class is defined in ``module`` or its submodules (the
    module is imported first, which registers them)."""
    if module is not None:
        importlib.import_module(module)
    out = {}
    for name in sorted(_REGISTRY):
        cls = _REGISTRY[name]
        where = cls.__module__
        if module is None or where == module or where.startswith(module + "."):
            out[name] = example_instance(cls)
    if module is not None and not out:
        raise LookupError(f"module {module!r} registers no corruption (@hallucue_corrupt.register)")
    return out


def parametrize_corruptions(module: str | None = None, *, argname: str = "corruption") -> Any:
    """``pytest.mark.parametrize`` over the corruptions :func:`corruptions_in` finds, with
    their names as test ids::

        @parametrize_corruptions("mypkg.corruptions")
        def test_contract(corruption):
            check_corruption(corruption, quick=True)
    """
    import pytest

    found = corruptions_in(module)
    return pytest.mark.parametrize(argname, list(found.values()), ids=list(found))


def all_corruptions(test: F) -> F:
    """Decorator: run ``test(corruption)`` for every corruption registered when the test
    module is imported."""
    marked: F = parametrize_corruptions()(test)
    return marked


@contextmanager
def registered(*classes: type[Corruption]) -> Iterator[None]:
    """Register ``classes`` (each under its ``name`` attribute) for the length of a
    ``with`` block, then restore the registry: for corruptions defined in a test, so they
    do not show in ``hallucue list`` or in other tests."""
    saved = {cls.name: _REGISTRY.get(cls.name) for cls in classes}
    for cls in classes:
        if not cls.name:
            raise ValueError(f"{cls.__name__} needs a name class attribute to be registered")
        _REGISTRY[cls.name] = cls
    try:
        yield
    finally:
        for name, before in saved.items():
            if before is None:
                _REGISTRY.pop(name, None)
            else:
                _REGISTRY[name] = before
