"""The corruption contract, as scikit-learn's ``check_estimator``: one call runs every
property a corruption must hold and fails with an :class:`AssertionError` naming the
property and the input that broke it.

Properties checked (see docs/extending.md):

- ``runs``: the corruption runs on every input of its modality without error.
- ``form``: the output has the input's form (PIL, array, bytes, datasets dict; text,
  chat messages with the same roles and image parts).
- ``global_rng``: no call touches the global state of ``random``, ``numpy.random`` or torch.
- ``mutation``: the caller's objects (images, arrays, messages) are never changed.
- ``determinism``: the same (seed, key, epoch) gives the same bytes and the same record.
- ``keys``: a random corruption (one whose record lists ``drawn`` values) gives a different
  output for some other key.
- ``record``: the record is JSON (no NaN, no numpy types), round-trips unchanged, names the
  corruption and its params, lists what was drawn, and rebuilds the corruption.
- ``registered``: the class is in the registry under its name (replay and configs need it).
- ``placeholders``: text keeps its ``<image>`` placeholders and instruction templates.
- ``modes``: every PIL mode and odd sizes (1x1, 1xN...) give an image whose record is true to
  it, or fail with :class:`~hallucue_corrupt.MediaError` /
  :class:`~hallucue_corrupt.InvalidParams`.
- ``replay``: :func:`hallucue_corrupt.replay` rebuilds the output byte for byte from the
  record; a replay refuses to draw, so randomness taken in ``transform`` fails here.
- ``spawn``: a fresh interpreter (another hash seed, nothing shared) gives the same bytes
  (one worker, :mod:`hallucue_corrupt.testing.worker`, serves every check of a session).

``quick=True`` skips the spawned process and the exhaustive modes, sizes and array layouts.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import random
import sys
from typing import Any

import numpy as np
from PIL import Image

from ..base import Corruption, InvalidParams, ReplayError
from ..compose import Composite
from ..media import ImageRef, MediaError
from ..pipeline import Pipeline
from ..pool import ListPool
from ..registry import _REGISTRY, get, make, register
from ..replay import replay
from .cases import KEYS, SEED, Case, cases, mode_cases
from .fingerprint import describe, fingerprint
from .samples import TEMPLATES, donor_pool

__all__ = ["ContractError", "check_corruption", "example_instance", "fingerprint"]


class ContractError(AssertionError):
    """A broken contract property; the message names the corruption, the property and the
    input. ``prop`` holds the property name."""

    def __init__(self, message: str, prop: str) -> None:
        super().__init__(message)
        self.prop = prop


# -- running one input ------------------------------------------------------------------------


@dataclasses.dataclass
class Checker:
    """Runs one corruption on inputs and turns a broken property into a ContractError."""

    corruption: Corruption
    pool: ListPool

    @property
    def name(self) -> str:
        return self.corruption.name or type(self.corruption).__name__

    def fail(self, prop: str, case: Case | None, detail: str, key: Any = KEYS[0]) -> ContractError:
        where = f" on {case.label} (seed={SEED}, key={key!r}, epoch=0)" if case else ""
        return ContractError(
            f"{self.name}: contract property {prop!r} failed{where}: {detail}", prop
        )

    def apply(
        self, case: Case, key: Any = KEYS[0], epoch: int = 0, allowed: tuple[type, ...] = ()
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """Run through a one-corruption pipeline, watching global RNG state and mutation.
        Returns None when the corruption rejected the input with an ``allowed`` error."""
        before = fingerprint(case.row)
        state = _global_rng_state()
        try:
            out, record = Pipeline([self.corruption], seed=SEED).apply(
                case.row, key=key, epoch=epoch, pool=self.pool, **case.columns()
            )
        except Exception as exc:
            if allowed and _caused_by(exc, allowed):
                self._after(case, key, before, state)
                return None
            raise self.fail("runs", case, f"raised {type(exc).__name__}: {exc}", key) from exc
        self._after(case, key, before, state)
        return out, record

    def _after(self, case: Case, key: Any, before: str, state: dict[str, Any]) -> None:
        changed = [
            name for name, value in _global_rng_state().items() if not _same(value, state[name])
        ]
        if changed:
            raise self.fail(
                "global_rng",
                case,
                f"changed the global RNG state of {', '.join(changed)}; take every random "
                "decision from ctx.rng() in draw(), never from global generators",
                key,
            )
        if fingerprint(case.row) != before:
            raise self.fail(
                "mutation",
                case,
                "changed the caller's input in place; work on a copy (ImageRef.pil() and "
                ".array() return the caller's own object for PIL and array input)",
                key,
            )


def _caused_by(exc: BaseException, allowed: tuple[type, ...]) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, allowed):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _global_rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"random": random.getstate(), "numpy.random": np.random.get_state()}
    torch = sys.modules.get("torch")
    if torch is not None:
        state["torch"] = torch.random.get_rng_state().numpy().tobytes()
    return state


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    return bool(a == b)


# -- the properties ---------------------------------------------------------------------------


def _check_form(ck: Checker, case: Case, out: dict[str, Any]) -> None:
    for column in case.fields():
        before, after = case.row[column], out[column]
        if before is None or after is None:
            continue
        problem = _form_problem(before, after, ck.corruption.replaces)
        if problem:
            raise ck.fail("form", case, f"field {column!r}: {problem}")


def _form_problem(before: Any, after: Any, replaces: bool = False) -> str | None:
    """What is wrong with the form of ``after``, or None. A replacing corruption (blank,
    swap) may return another array layout or dtype: the donor's."""
    if isinstance(before, str):
        return None if isinstance(after, str) else f"text became {describe(after)}"
    if isinstance(before, list) and before and isinstance(before[0], dict) and "role" in before[0]:
        if not isinstance(after, list) or len(after) != len(before):
            return f"messages became {describe(after)}"
        for old, new in zip(before, after, strict=True):
            if not isinstance(new, dict) or new.get("role") != old["role"]:
                return f"message roles changed: {old!r:.60} -> {new!r:.60}"
            if old["role"] != "user" and new != old:
                return f"a {old['role']} message changed"
            if isinstance(old["content"], list) != isinstance(new.get("content"), list):
                return "message content changed between string and parts"
        return None
    if isinstance(before, list):
        if not isinstance(after, list):
            return f"an image list became {describe(after)}"
        kinds = {ImageRef(v).kind for v in before if v is not None}
        bad = [v for v in after if v is not None and ImageRef(v).kind not in kinds]
        return f"list images came back as {describe(bad[0])}" if bad else None
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray):
            return f"{describe(before)} came back as {describe(after)}"
        if not replaces and (after.dtype != before.dtype or after.ndim != before.ndim):
            return f"{describe(before)} came back as {describe(after)}"
        return None
    if type(after) is not type(before) and not (
        isinstance(before, Image.Image) and isinstance(after, Image.Image)
    ):
        return f"{describe(before)} came back as {describe(after)}"
    if isinstance(before, dict) and not (isinstance(after, dict) and "bytes" in after):
        return "a datasets dict came back without 'bytes'"
    try:
        ImageRef(after).size  # noqa: B018 - the output must be readable
    except MediaError as exc:
        return f"the output image cannot be read: {exc}"
    return None


def _leaves(corruption: Corruption) -> list[Corruption]:
    if isinstance(corruption, Composite):
        return [leaf for child in corruption.children for leaf in _leaves(child)]
    return [corruption]


def _check_record(ck: Checker, case: Case, record: dict[str, Any]) -> None:
    try:
        text = json.dumps(record, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ck.fail("record", case, f"the record is not JSON: {exc}") from exc
    if json.loads(text) != record:
        raise ck.fail(
            "record", case, "the record does not round-trip through JSON (tuples, non-str keys?)"
        )
    leaves = {leaf.name: leaf for leaf in _leaves(ck.corruption)}
    entries = record.get("corruptions", [])
    if not entries:
        raise ck.fail("record", case, "the record has no corruption entries")
    for entry in entries:
        leaf = leaves.get(entry.get("name"))
        if leaf is None:
            raise ck.fail(
                "record", case, f"an entry names {entry.get('name')!r}, not {sorted(leaves)}"
            )
        if entry.get("params") != leaf.to_dict()["params"]:
            raise ck.fail(
                "record", case, f"entry params {entry.get('params')} differ from {leaf.to_dict()}"
            )
        missing = [k for k in entry.get("drawn", []) if k not in entry]
        if missing:
            raise ck.fail("record", case, f"'drawn' names {missing} but the entry lacks them")


def _check_rebuild(ck: Checker) -> None:
    for leaf in [ck.corruption, *_leaves(ck.corruption)]:
        if not leaf.name or _REGISTRY.get(leaf.name) is not type(leaf):
            raise ck.fail(
                "registered",
                None,
                f"{type(leaf).__name__} is not registered under {leaf.name!r}: decorate it "
                "with @hallucue_corrupt.register(name) (replay and configs rebuild by name)",
            )
        spec = leaf.to_dict()
        try:
            json.dumps(spec, allow_nan=False)
            again = make(spec["name"], **json.loads(json.dumps(spec))["params"])
        except Exception as exc:
            raise ck.fail("record", None, f"to_dict() {spec} does not rebuild: {exc}") from exc
        if again != leaf:
            raise ck.fail("record", None, f"to_dict() rebuilds {again!r}, not {leaf!r}")


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    out = []
    for message in value or []:
        content = message.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out.extend(p.get("text") or "" for p in content if p.get("type") == "text")
    return out


def _image_parts(value: Any) -> int:
    if not isinstance(value, list):
        return 0
    return sum(
        1
        for m in value
        if isinstance(m.get("content"), list)
        for p in m["content"]
        if p.get("type") == "image"
    )


def _check_placeholders(ck: Checker, case: Case, before: Any, after: Any) -> None:
    """Placeholders (text corruptions) and templates (any corruption) survive."""
    old, new = "\n".join(_texts(before)), "\n".join(_texts(after))
    for template in TEMPLATES:
        if template in old and template not in new:
            raise ck.fail("placeholders", case, f"the instruction template {template!r} was lost")
    if ck.corruption.modality != "text":
        return
    if old.count("<image>") != new.count("<image>") or _image_parts(before) != _image_parts(after):
        raise ck.fail(
            "placeholders",
            case,
            f"<image> placeholders went from {old.count('<image>')} to {new.count('<image>')} "
            f"(image parts {_image_parts(before)} -> {_image_parts(after)}); a text corruption "
            "must keep them",
        )


def _direct_text(ck: Checker, case: Case) -> None:
    """Text corruptions through ``apply_text`` (no engine check in between)."""
    text = case.row[case.text_column or ""]
    if not isinstance(text, str) or not hasattr(ck.corruption, "apply_text"):
        return
    try:
        new, _ = ck.corruption.apply_text(text, seed=SEED, key=KEYS[0])
    except Exception as exc:
        raise ck.fail("runs", case, f"apply_text raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(new, str):
        raise ck.fail("form", case, f"apply_text returned {describe(new)}")
    _check_placeholders(ck, case, text, new)


def _check_replay(ck: Checker, case: Case, out: dict[str, Any], record: dict[str, Any]) -> None:
    try:
        again = replay(record, case.row, pool=ck.pool, **case.columns())
    except ReplayError as exc:
        raise ck.fail(
            "replay",
            case,
            f"{exc}: the corruption takes randomness outside draw() (ctx.rng() in transform?); "
            "draw every random decision in draw() and return it",
        ) from exc
    except Exception as exc:
        raise ck.fail("replay", case, f"replay raised {type(exc).__name__}: {exc}") from exc
    for column in case.fields():
        if fingerprint(again[column]) != fingerprint(out[column]):
            raise ck.fail(
                "replay",
                case,
                f"replaying the record gives a different {column!r}: what decides the output "
                "must be drawn in draw() and recorded",
            )


def _check_keys(ck: Checker, runs: list[tuple[Case, dict[str, Any], dict[str, Any]]]) -> None:
    """A corruption that drew something must vary with the key on some input (a draw may
    be forced on one input: two conditions have one non-identity order)."""
    random_runs = [
        (case, out) for case, out, rec in runs if any(e.get("drawn") for e in rec["corruptions"])
    ]
    for case, out in random_runs:
        base = fingerprint([out[c] for c in case.fields()])
        for key in KEYS[1:]:
            result = ck.apply(case, key)
            assert result is not None
            if fingerprint([result[0][c] for c in case.fields()]) != base:
                return
    if random_runs:
        raise ck.fail(
            "keys",
            random_runs[0][0],
            f"records list drawn values but keys {list(KEYS)} all give the same output on "
            "every input: draws must come from ctx.rng() (keyed on the sample)",
        )


def _check_modes(ck: Checker, quick: bool) -> None:
    for case in mode_cases(ck.corruption, quick):
        result = ck.apply(case, allowed=(MediaError, InvalidParams))
        if result is None:
            continue
        out, record = result
        column = case.image_column or ""
        _check_form(ck, case, out)
        image = out[column]
        if ck.corruption.modality == "image" and image is not None:
            after = next((e.get("after") for e in record["corruptions"] if e.get("after")), None)
            actual = ImageRef(image).meta()
            if after is not None and after != actual:
                raise ck.fail(
                    "modes", case, f"the record says the output is {after}, it is {actual}"
                )
        _check_record(ck, case, record)


# -- another interpreter --------------------------------------------------------------------


def spawned_run(
    classes: list[tuple[str, str, str]], spec: dict[str, Any], inputs: list[Case], pool: ListPool
) -> list[tuple[str, str]]:
    """In the worker process: import the classes (module, qualname), register each under
    its name as the caller had it, rebuild the corruption from its spec, run every input,
    and return (output fingerprint, record JSON) per input."""
    for module, qualname, name in classes:
        cls: Any = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        if _REGISTRY.get(name) is not cls:
            register(name, replace=True)(cls)
    corruption = make(spec["name"], **spec["params"])
    results = []
    for case in inputs:
        out, record = Pipeline([corruption], seed=SEED).apply(
            case.row, key=KEYS[0], pool=pool, **case.columns()
        )
        results.append((fingerprint([out[c] for c in case.fields()]), json.dumps(record)))
    return results


def _check_spawn(ck: Checker, runs: list[tuple[Case, dict[str, Any], dict[str, Any]]]) -> None:
    leaves = [ck.corruption, *_leaves(ck.corruption)]
    classes = sorted({(type(c).__module__, type(c).__qualname__, c.name) for c in leaves})
    local = [
        f"{module}.{qualname}"
        for module, qualname, _ in classes
        if module == "__main__" or "<locals>" in qualname
    ]
    if local:
        raise ck.fail(
            "spawn",
            None,
            f"{local[0]}: another process cannot import this class; define it at module "
            "level of an importable module (or pass quick=True)",
        )
    from . import worker  # not at import time: ``python -m ...worker`` must find it unloaded

    inputs = [case for case, _, _ in runs]
    try:
        theirs = worker.call(
            __name__, "spawned_run", classes, ck.corruption.to_dict(), inputs, ck.pool
        )
    except Exception as exc:
        raise ck.fail(
            "spawn", None, f"the spawned process failed: {type(exc).__name__}: {exc}"
        ) from exc
    for (case, out, record), (print_, rec) in zip(runs, theirs, strict=True):
        if print_ != fingerprint([out[c] for c in case.fields()]):
            raise ck.fail("spawn", case, "a spawned interpreter gives different output bytes")
        if json.loads(rec) != record:
            raise ck.fail("spawn", case, "a spawned interpreter gives a different record")


# -- entry point -------------------------------------------------------------------------------


def example_instance(corruption: Corruption | type[Corruption] | str) -> Corruption:
    """A corruption to check: an instance as is; a class or registered name with default
    params (composites get two children: ``gaussian_noise`` and ``remove_text``)."""
    if isinstance(corruption, Corruption):
        return corruption
    cls = get(corruption) if isinstance(corruption, str) else corruption
    if not (isinstance(cls, type) and issubclass(cls, Corruption)):
        raise TypeError(f"expected a Corruption, its class or its name, got {corruption!r}")
    if issubclass(cls, Composite):
        return cls(corruptions=[make("gaussian_noise"), make("remove_text")])
    try:
        return cls()
    except InvalidParams as exc:
        raise TypeError(
            f"{cls.__name__} has required params; pass an instance to check: {exc}"
        ) from None


def check_corruption(
    corruption: Corruption | type[Corruption] | str, *, quick: bool = False
) -> None:
    """Run the contract on one corruption (an instance, a class with default params, or a
    registered name); raise :class:`ContractError` (an ``AssertionError``) naming the
    property and the input that broke it. ``quick`` skips the spawned-process check and the
    exhaustive modes, sizes and array layouts (seconds instead of tens of seconds)."""
    instance = example_instance(corruption)
    ck = Checker(instance, donor_pool())
    _check_rebuild(ck)
    runs: list[tuple[Case, dict[str, Any], dict[str, Any]]] = []
    for case in cases(instance, quick):
        if instance.modality == "text":
            _direct_text(ck, case)
        result = ck.apply(case)
        assert result is not None
        out, record = result
        _check_form(ck, case, out)
        _check_record(ck, case, record)
        if case.text_column is not None:
            _check_placeholders(ck, case, case.row[case.text_column], out[case.text_column])
        again = ck.apply(case)
        assert again is not None
        if fingerprint(again[0]) != fingerprint(out) or again[1] != record:
            raise ck.fail(
                "determinism",
                case,
                "the same (seed, key, epoch) gave different output or record (global RNG, "
                "call order, time or a cache?)",
            )
        _check_replay(ck, case, out, record)
        runs.append((case, out, record))
    _check_keys(ck, runs)
    _check_modes(ck, quick)
    if not quick:
        _check_spawn(ck, runs)
