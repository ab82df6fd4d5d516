"""The text dev set format, and a converter from local clones of the public benchmarks.

The dev set is NOT in this repository (questions of public benchmarks stay where their
owners publish them). ``python -m benchmarks text --data DIR`` reads ``DIR/*.jsonl``, one
question a line::

    {"id": "mathvista-12", "source": "mathvista",
     "question": "Hint: Please answer ...\\nQuestion: Find x.\\nChoices:\\n(A) 5.8\\n(B) 6.5",
     "options": ["5.8", "6.5"],          # option texts that must survive remove_text
     "choices": ["5.8", "6.5"],          # a separate options list column, or null
     "text_lite": null,                  # MathVerse's human Text Lite version, or null
     "provenance": {"repository": "lupantech/MathVista", "commit": "...",
                    "path": "data/testmini.json", "license": "CC BY-SA 4.0"}}

``source`` groups the report. ``options`` are the answer options as the source lists them
(taken from the source's own fields, not from our parser), so "choices kept" is measured
against the data, not against the code under test.

To build such a folder from local clones (``git clone`` of each repository)::

    python -m benchmarks.text_data --mathverse MathVerse --mathvista MathVista \\
        --wemath We-Math --out ../shared/text-dev

Each ``--NAME`` is a clone's root; missing ones are skipped. The converter reads the
repositories' JSON files: MathVerse ``data/testmini_text_only.json``, MathVista
``data/testmini.json`` with ``data/query.json``, We-Math ``data/testmini.json``, InterGPS
(Geometry3K) ``annotation_tool/data_collection/data_examples/*/data.json``, and the
MathVerse project page's ``visualizer/data/mv_data_public.js`` (Text Dominant and the human
Text Lite version, Text Dominant id at most 240).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["Question", "convert", "load", "main"]

Question = dict[str, Any]


def load(folder: str | Path) -> list[Question]:
    """Every question of ``folder/*.jsonl`` (a file path also works), in file order."""
    path = Path(folder)
    files = [path] if path.is_file() else sorted(path.glob("*.jsonl"))
    rows: list[Question] = []
    for file in files:
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                for name in ("id", "source", "question"):
                    if not isinstance(row.get(name), str):
                        raise ValueError(f"{file}:{n}: field {name!r} must be a string")
                rows.append(row)
    return rows


def _provenance(root: Path, path: str, license: str) -> dict[str, str]:
    commit = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    remote = subprocess.run(
        ["git", "-C", str(root), "remote", "get-url", "origin"], capture_output=True, text=True
    ).stdout.strip()
    return {"repository": remote or root.name, "commit": commit, "path": path, "license": license}


def _every(items: list[Any], n: int) -> list[Any]:
    return items[:: max(1, len(items) // n)][:n]


def _row(id: str, source: str, question: str, prov: dict[str, str], **extra: Any) -> Question:
    row = {
        "id": id,
        "source": source,
        "question": question,
        "options": None,
        "choices": None,
        "text_lite": None,
        "provenance": prov,
    }
    row.update(extra)
    return row


def _mathverse(root: Path, n: int) -> Iterator[Question]:
    path = "data/testmini_text_only.json"
    prov = _provenance(root, path, "MIT")
    for x in _every(json.loads((root / path).read_text()), n):
        text = x["question"]
        options = None
        if "Choices:" in text:
            options = [
                re.sub(r"^[A-H][:.]\s*", "", line).strip()
                for line in text.split("Choices:", 1)[1].strip().split("\n")
            ]
        yield _row(f"mathverse-{x['sample_index']}", "mathverse", text, prov, options=options)


def _mathvista(root: Path, n: int) -> Iterator[Question]:
    path = "data/testmini.json"
    prov = _provenance(root, path + " + data/query.json", "CC BY-SA 4.0")
    items = json.loads((root / path).read_text())
    queries = json.loads((root / "data/query.json").read_text())
    for k in _every(sorted(items, key=int), n):
        choices = items[k].get("choices")
        yield _row(
            f"mathvista-{k}", "mathvista", queries[k], prov, options=choices, choices=choices
        )


def _wemath(root: Path, n: int) -> Iterator[Question]:
    path = "data/testmini.json"
    prov = _provenance(root, path, "see the repository")
    for x in _every(json.loads((root / path).read_text()), n):
        yield _row(
            f"wemath-{x['ID']}",
            "wemath",
            f"{x['question']}\n{x['option']}",
            prov,
            options=[x["option"].strip()],
        )


def _intergps(root: Path, n: int) -> Iterator[Question]:
    base = "annotation_tool/data_collection/data_examples"
    for file in sorted((root / base).glob("*/data.json"))[:n]:
        x = json.loads(file.read_text())
        prov = _provenance(root, str(file.relative_to(root)), "MIT")
        yield _row(
            f"geometry3k-{file.parent.name}",
            "geometry3k",
            x["problem_text"],
            prov,
            choices=x.get("choices"),
        )


def _mathverse_lite(root: Path, n: int) -> Iterator[Question]:
    path = "visualizer/data/mv_data_public.js"
    prov = _provenance(root, path, "MIT (MathVerse)")
    text = (root / path).read_text()
    data = json.loads(text[text.index("{") :].rstrip().rstrip(";"))
    dominant = None
    for k in sorted(data, key=int):
        version = data[k]["metadata"]["problem_version"]
        if version == "Text Dominant":
            dominant = (k, data[k])
        elif version == "Text Lite" and dominant and int(dominant[0]) <= 240:
            yield _row(
                f"mathverse-lite-{dominant[0]}",
                "mathverse_lite",
                dominant[1]["question"].strip(),
                prov,
                text_lite=data[k]["question"].strip(),
            )
            dominant = None


CONVERTERS = {
    "mathverse": _mathverse,
    "mathvista": _mathvista,
    "wemath": _wemath,
    "intergps": _intergps,
    "mathverse_page": _mathverse_lite,
}


def convert(roots: dict[str, Path], out: Path, per_source: int = 160) -> dict[str, int]:
    """Write ``out/<name>.jsonl`` for each clone in ``roots``; returns the row counts."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, root in roots.items():
        rows = list(CONVERTERS[name](Path(root), per_source))
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        counts[name] = len(rows)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name in CONVERTERS:
        parser.add_argument(f"--{name.replace('_', '-')}", type=Path, help=f"clone of {name}")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-source", type=int, default=160)
    args = parser.parse_args(argv)
    roots = {n: getattr(args, n) for n in CONVERTERS if getattr(args, n) is not None}
    print(json.dumps(convert(roots, args.out, args.per_source)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
