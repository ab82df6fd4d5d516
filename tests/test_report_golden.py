"""The report's text, whole: a small results table whose every section (and every "n/a")
is known, against a reviewed golden copy in tests/data/.

After an intended change of the report's wording, regenerate the copies with
``HALLUCUE_REGOLD=1 pytest tests/test_report_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from hallucue_corrupt import records
from hallucue_corrupt.report import write_report

DATA = Path(__file__).parent / "data"


def _rec(*names: str) -> str:
    return records.dumps(
        {"applied": True, "corruptions": [{"name": n, "applied": True} for n in names]}
    )


def golden_rows() -> list[dict[str, Any]]:
    """Two models; clean, blank_image, blank_image+remove_text and remove_text inputs; a
    remove_text row with no clean twin (its gap is n/a); an empty grid cell (n/a)."""
    rows: list[dict[str, Any]] = []
    for model, right in (("base", {"a", "b", "c"}), ("tuned", {"a", "d"})):
        kind = "normal" if model == "base" else "corrupted"
        for i, id_ in enumerate("abcd"):
            split = "train" if i < 2 else "test"
            common = {"model": model, "model_kind": kind, "split": split}
            common["type"] = "angle" if i % 2 else "length"
            rows.append({"id": id_, "correct": int(id_ in right), **common, "step": 0})
            if kind == "corrupted" and split == "test":
                continue  # S8 (corrupted model, corrupted input, test) stays empty
            blank = _rec("blank_image") if i != 1 else _rec("blank_image", "remove_text")
            rows.append({"id": id_, "correct": int(id_ == "a"), "hallucue": blank, **common})
        rows.append(
            {"id": "z", "correct": 1, "hallucue": _rec("remove_text"), "model": model}
            | {"model_kind": kind, "split": "train", "benchmark": "geo", "step": 10}
        )
    return rows


@pytest.mark.parametrize("name", ["report.md", "report.html"])
def test_report_text_matches_the_golden_copy(tmp_path, name):
    pytest.importorskip("matplotlib")
    write_report(golden_rows(), tmp_path, seed=0, n_boot=200)
    text = (tmp_path / name).read_text(encoding="utf-8")
    golden = DATA / f"golden_{name}"
    if os.environ.get("HALLUCUE_REGOLD"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_report_json_matches_the_golden_copy(tmp_path):
    report = write_report(golden_rows(), tmp_path, seed=0, n_boot=200)
    text = json.dumps(report, indent=2, sort_keys=True, default=str) + "\n"
    golden = DATA / "golden_report.json"
    if os.environ.get("HALLUCUE_REGOLD"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
