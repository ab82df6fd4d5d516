"""Pipeline configuration: the validated, serialisable form of a pipeline.

:class:`PipelineConfig` is what YAML/JSON configs hold; :func:`load_config` and
:func:`dump_config` read and write it; :func:`config_at_step` applies a schedule (ratio,
severity) at a training step.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .base import InvalidParams, format_validation_error
from .schedule import Schedule
from .selection import SelectionMode

__all__ = [
    "CorruptionConfig",
    "OnError",
    "PipelineConfig",
    "config_at_step",
    "dump_config",
    "load_config",
    "validate_config",
]

#: What a row whose corruption fails (broken image, bad field) becomes: ``raise`` stops with
#: an error naming the sample and field; ``keep`` leaves the row unchanged with the error in
#: its record; ``skip`` does the same and ``corrupt_dataset`` then drops it (counted).
OnError = Literal["raise", "keep", "skip"]


class CorruptionConfig(BaseModel):
    """One corruption: its registered name and its params."""

    model_config = ConfigDict(extra="forbid")
    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class PipelineConfig(BaseModel):
    """The serialised form of a :class:`~hallucue_corrupt.Pipeline` (YAML, JSON or dict)."""

    model_config = ConfigDict(extra="forbid")
    seed: int = 0
    ratio: float = Field(1.0, ge=0.0, le=1.0)
    selection: SelectionMode = "exact"
    epoch: int = Field(0, ge=0)
    corruptions: list[CorruptionConfig] = Field(min_length=1)
    schedule: dict[Literal["ratio", "severity"], Schedule] | None = None
    on_error: OnError = "raise"


_FIELDS = {
    "config": PipelineConfig.model_fields,
    "corruption": CorruptionConfig.model_fields,
}


def validate_config(data: Mapping[str, Any]) -> PipelineConfig:
    """``data`` as a :class:`PipelineConfig`; :class:`InvalidParams` says what is wrong,
    with a did-you-mean for misspelled keys."""
    try:
        return PipelineConfig.model_validate(data)
    except ValidationError as exc:
        in_corruption = any(
            len(e["loc"]) >= 3 and e["loc"][0] == "corruptions" for e in exc.errors()
        )
        known = _FIELDS["corruption" if in_corruption else "config"]
        raise InvalidParams(format_validation_error("pipeline config", exc, known)) from None


def load_config(path: str | Path) -> dict[str, Any]:
    """A config mapping read from a YAML or JSON file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FileNotFoundError(f"cannot read pipeline config {str(path)!r}: {exc}") from None
    if path.suffix.lower() == ".json":
        config = json.loads(text)
    else:
        import yaml

        config = yaml.safe_load(text)
    if not isinstance(config, Mapping):
        raise InvalidParams(f"pipeline config {str(path)!r} must be a mapping")
    return dict(config)


def dump_config(config: Mapping[str, Any], path: str | Path) -> None:
    """Write ``config`` as JSON (``.json``) or YAML (anything else)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        text = json.dumps(config, indent=2) + "\n"
    else:
        import yaml

        text = yaml.safe_dump(dict(config), sort_keys=False)
    path.write_text(text, encoding="utf-8")


def config_at_step(
    config: Mapping[str, Any], schedule: Mapping[str, Schedule], step: int
) -> dict[str, Any]:
    """``config`` with ``ratio`` and every ``severity`` set by ``schedule`` at ``step``."""
    cfg = dict(config)
    if "ratio" in schedule:
        cfg["ratio"] = min(1.0, max(0.0, schedule["ratio"](step)))
    if "severity" in schedule:
        severity = min(5.0, max(1.0, schedule["severity"](step)))
        cfg["corruptions"] = [_with_severity(c, severity) for c in cfg["corruptions"]]
    return cfg


def _with_severity(cfg: dict[str, Any], severity: float) -> dict[str, Any]:
    """A corruption config with ``severity`` set where the corruption has one (recursively)."""
    from .registry import get

    params = dict(cfg.get("params", {}))
    if "corruptions" in params:
        params["corruptions"] = [_with_severity(c, severity) for c in params["corruptions"]]
    elif "severity" in get(cfg["name"]).Params.model_fields:
        params["severity"] = severity
    return {**cfg, "params": params}
