"""Per-sample records: one JSON-safe dict saying exactly what was done to a sample.

A row's record (stored in the ``hallucue`` column as a JSON string, so its Arrow type is
the same for every corruption, shard and worker) looks like::

    {"applied": true, "selected": true, "key": "17", "seed": 0, "epoch": 0,
     "version": "0.1.0", "config_hash": "3f2a...",
     "corruptions": [{"name": "random_image", "modality": "image", "where": "image",
                      "applied": true, "params": {...}, "donor_key": "5",
                      "before": {"size": [256, 256], "mode": "RGB"}, "after": {...}}]}

``applied`` is true when at least one corruption changed the sample and its change still
shows: an entry whose output a later corruption replaced (noise, then blank) keeps
``"applied": true`` and gains ``"superseded_by": <name>``, and counts as not effective. A
rule-based text corruption whose rules did not fire has ``"applied": false`` and a
``reason``. What a corruption drew (a donor, a permutation, a noise seed) is in its entry,
named by ``drawn``; :func:`hallucue_corrupt.replay` rebuilds the output from it.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "count_emptied",
    "dumps",
    "effective",
    "label",
    "loads",
    "summarize",
    "warn_emptied",
    "write_jsonl",
]


def dumps(record: Mapping[str, Any]) -> str:
    """Canonical JSON: sorted keys and no spaces, so equal records are equal strings."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def loads(value: str | Mapping[str, Any]) -> dict[str, Any]:
    """A record from its stored JSON string (a dict passes through as a copy)."""
    if isinstance(value, Mapping):
        return dict(value)
    result = json.loads(value)
    if not isinstance(result, dict):
        raise ValueError(f"not a hallucue record: {value!r:.80}")
    return result


def effective(entry: Mapping[str, Any]) -> bool:
    """Whether a record entry's change shows in the output: applied, not superseded."""
    return bool(entry.get("applied")) and "superseded_by" not in entry


def label(record: str | Mapping[str, Any] | None) -> str:
    """``clean`` (no record, or nothing effective) or the effective corruption names joined
    by ``+`` in pipeline order: the group a sample's results are reported under."""
    if record is None or record == "":
        return "clean"
    names = [e["name"] for e in loads(record).get("corruptions", []) if effective(e)]
    return "+".join(dict.fromkeys(names)) or "clean"


def count_emptied(records: Iterable[str | Mapping[str, Any] | None]) -> int:
    """How many records hold a text entry flagged ``emptied`` (nothing but placeholders
    and white space left of a text, e.g. ``remove_text`` on a question without template)."""
    total = 0
    for record in records:
        if record is None or record == "":
            continue
        if isinstance(record, str) and '"emptied"' not in record:
            continue  # the flag is a key of an entry: no key, no flag (no JSON parse)
        entries = loads(record).get("corruptions", [])
        total += any(e.get("emptied") for e in entries)
    return total


def warn_emptied(records: Iterable[str | Mapping[str, Any] | None], where: str = "") -> int:
    """Log one warning with the count of rows whose text was emptied; returns the count.

    ``corrupt_dataset`` and the CLI call it once per run, so an emptied prompt (a model
    asked nothing) never passes silently.
    """
    count = count_emptied(records)
    if count:
        logging.getLogger("hallucue_corrupt").warning(
            "hallucue: %d row(s)%s had their text emptied: only image placeholders and "
            "white space remain (no template to keep; see 'emptied' in the records)",
            count,
            f" of {where}" if where else "",
        )
    return count


def summarize(records: Iterable[str | Mapping[str, Any]]) -> dict[str, Any]:
    """Counts for a report: rows, selected, applied, effective ratio, errors, skipped rows,
    superseded entries, emptied texts and per-corruption counts.

    ``effective_ratio`` is applied / rows: below the requested ratio when a rule-based
    corruption (``remove_text``) did not fire on some selected samples. Per corruption,
    ``applied`` counts effective entries; ``superseded`` those a later corruption replaced.
    """
    rows = selected = applied = errors = skipped = 0
    attempted: Counter[str] = Counter()
    fired: Counter[str] = Counter()
    superseded: Counter[str] = Counter()
    emptied: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for raw in records:
        rec = loads(raw)
        rows += 1
        selected += bool(rec.get("selected"))
        applied += bool(rec.get("applied"))
        errors += "error" in rec
        skipped += bool(rec.get("skipped"))
        for entry in rec.get("corruptions", []):
            attempted[entry["name"]] += 1
            if effective(entry):
                fired[entry["name"]] += 1
            elif entry.get("applied"):
                superseded[entry["name"]] += 1
            elif entry.get("reason"):
                reasons[f"{entry['name']}: {entry['reason']}"] += 1
            if entry.get("emptied"):
                emptied[entry["name"]] += 1
    return {
        "rows": rows,
        "selected": selected,
        "applied": applied,
        "effective_ratio": applied / rows if rows else 0.0,
        "errors": errors,
        "skipped": skipped,
        "superseded": sum(superseded.values()),
        "emptied": sum(emptied.values()),
        "corruptions": {
            name: {
                "attempted": attempted[name],
                "applied": fired[name],
                "superseded": superseded[name],
            }
            for name in sorted(attempted)
        },
        "not_applied_reasons": dict(sorted(reasons.items())),
    }


def write_jsonl(records: Iterable[str | Mapping[str, Any]], path: str | Path) -> Path:
    """Write one canonical JSON record per line (the optional log of a run)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for raw in records:
            fh.write(dumps(loads(raw)) + "\n")
    return path
