"""``python -m benchmarks text [--data DIR]``: text corruptions on real benchmark questions.

Reads a dev set (format: :mod:`benchmarks.text_data`; default ``../shared/text-dev`` when
it exists) and prints, per source and overall:

- fired: share of questions each corruption changed;
- choices kept: ``remove_text`` (keep_choices on) kept every listed option verbatim;
- question kept: the condition-only corruptions (``remove_numeric_conditions``,
  ``drop_conditions``, ``shuffle_conditions``, ``replace_numbers``) left the question
  sentence as it was;
- wrapping invariance: the edit to the question body is the same raw, EasyR1-wrapped
  (``<image>{q} You FIRST think ... \\boxed{}.``) and TRL-wrapped (``{q}\\nPut your final
  answer in \\boxed{}.``);
- template intact: the wrapped template survives every corruption verbatim;
- LaTeX broken: outputs whose ``$`` / ``\\(\\)`` / ``\\[\\]`` / brace balance broke;
- emptied flagged: outputs with nothing but placeholders left that say ``emptied: true``;
- text_lite Jaccard: token Jaccard of ``text_lite`` against MathVerse's human Text Lite
  (and of the untouched question, for scale).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hallucue_corrupt as hc
from hallucue_corrupt.functional.parse import _cached, parse

from .text_data import load

_uncached_parse = _cached.__wrapped__

EASYR1 = (
    "You FIRST think about the reasoning process as an internal monologue and then provide "
    "the final answer. The reasoning process MUST BE enclosed within <think> </think> tags. "
    "The final answer MUST BE put in \\boxed{}."
)
TRL = "Put your final answer in \\boxed{}."
CONDITION_ONLY = (
    "remove_numeric_conditions",
    "drop_conditions",
    "shuffle_conditions",
    "replace_numbers",
)
CORRUPTIONS = ("remove_text", *CONDITION_ONLY, "remove_choices", "text_lite")

WRAPPINGS: dict[str, tuple[Callable[[str], str], Callable[[str], str]]] = {
    "raw": (lambda q: q, lambda out: out),
    "easyr1": (
        lambda q: f"<image>{q} {EASYR1}",
        lambda out: out.replace("<image>", "").replace(EASYR1, ""),
    ),
    "trl": (lambda q: f"{q}\n{TRL}", lambda out: out.replace(TRL, "")),
}


def _norm(text: str) -> str:
    return " ".join(text.split())


def latex_balanced(text: str) -> bool:
    """Whether ``$``, ``\\( \\)``, ``\\[ \\]`` and braces pair up in ``text``."""
    plain = text.replace("\\$", "")
    if plain.count("$") % 2:
        return False
    if plain.count("\\(") != plain.count("\\)") or plain.count("\\[") != plain.count("\\]"):
        return False
    depth = 0
    for ch in plain.replace("\\{", "").replace("\\}", ""):
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def jaccard(a: str, b: str) -> float:
    ta, tb = _tokens(a), _tokens(b)
    return len(ta & tb) / len(ta | tb) if ta | tb else 1.0


class Tally:
    """Counts of hits over trials for one measure."""

    def __init__(self) -> None:
        self.hits = 0
        self.n = 0

    def add(self, ok: bool) -> None:
        self.hits += bool(ok)
        self.n += 1

    def rate(self) -> float | None:
        return self.hits / self.n if self.n else None


def evaluate(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every measure, per source and ``overall``."""
    makers = {name: hc.make(name) for name in CORRUPTIONS}
    tallies: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    lite: dict[str, list[tuple[float, float]]] = defaultdict(list)
    emptied = defaultdict(int)
    for row in rows:
        groups = (row["source"], "overall")
        q = row["question"]
        question_spans = [s.text for s in parse(q).of("question")]
        for name, corruption in makers.items():
            bodies = {}
            for wrap, (put, take) in WRAPPINGS.items():
                out, rec = corruption.apply_text(put(q), key=row["id"])
                bodies[wrap] = _norm(take(out))
                for g in groups:
                    if wrap == "raw":
                        tallies[g][f"fired {name}"].add(rec["applied"])
                    else:
                        tallies[g]["template intact"].add(
                            (EASYR1 if wrap == "easyr1" else TRL) in out
                        )
                    if latex_balanced(put(q)):
                        tallies[g]["LaTeX broken"].add(not latex_balanced(out))
                    if not out.replace("<image>", "").strip() and put(q).strip():
                        tallies[g]["emptied flagged"].add(bool(rec.get("emptied")))
                        emptied[g] += 1
                if wrap == "raw" and name == "remove_text" and row.get("options"):
                    for g in groups:
                        tallies[g]["choices kept"].add(
                            all(_norm(o) in _norm(out) for o in row["options"])
                        )
                if wrap == "raw" and name in CONDITION_ONLY and rec["applied"]:
                    for g in groups:
                        tallies[g]["question kept"].add(all(s in out for s in question_spans))
            for g in groups:
                tallies[g]["wrapping invariance"].add(
                    bodies["raw"] == bodies["easyr1"] == bodies["trl"]
                )
        if row.get("text_lite"):
            out, _ = makers["text_lite"].apply_text(q, key=row["id"])
            for g in groups:
                lite[g].append((jaccard(out, row["text_lite"]), jaccard(q, row["text_lite"])))
    report: dict[str, dict[str, Any]] = {}
    for g, measures in tallies.items():
        report[g] = {m: {"rate": t.rate(), "n": t.n} for m, t in sorted(measures.items())}
        report[g]["emptied"] = {"rate": None, "n": emptied[g]}
        if lite[g]:
            report[g]["text_lite Jaccard"] = {
                "rate": statistics.mean(j for j, _ in lite[g]),
                "untouched": statistics.mean(u for _, u in lite[g]),
                "n": len(lite[g]),
            }
    return report


ORDER = (
    "choices kept",
    "question kept",
    "wrapping invariance",
    "template intact",
    "LaTeX broken",
    "emptied",
    "emptied flagged",
    "text_lite Jaccard",
)


def table(report: dict[str, dict[str, Any]]) -> str:
    """The report as one markdown table: a row per measure, a column per source."""
    groups = [*sorted(g for g in report if g != "overall"), "overall"]
    measures = [m for m in report["overall"] if m.startswith("fired")] + [
        m for m in ORDER if any(m in report[g] for g in groups)
    ]
    lines = ["| measure | " + " | ".join(groups) + " |", "|---" * (len(groups) + 1) + "|"]
    for m in measures:
        cells = []
        for g in groups:
            cell = report[g].get(m)
            if cell is None or (cell["rate"] is None and m != "emptied"):
                cells.append("–")
            elif m == "emptied":
                cells.append(str(cell["n"]))
            elif m == "text_lite Jaccard":
                cells.append(
                    f"{cell['rate']:.3f} (untouched {cell['untouched']:.3f}, n={cell['n']})"
                )
            else:
                cells.append(f"{100 * cell['rate']:.1f}% (n={cell['n']})")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


_LATEX = re.compile(r"\$\$.*?\$\$|\$[^$]*?\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)


def _ours(text: str) -> list[int]:
    # uncached, so the timing compares like with like
    return [s.start for s in _uncached_parse(text, (), ()).spans]


def _pysbd() -> Callable[[str], list[int]] | None:
    try:
        import pysbd
    except ImportError:
        return None
    seg = pysbd.Segmenter(language="en", clean=False, char_span=True)
    return lambda text: [s.start for s in seg.segment(text)]


def _syntok() -> Callable[[str], list[int]] | None:
    try:
        import syntok.segmenter as syn
    except ImportError:
        return None
    return lambda text: [s[0].offset for p in syn.analyze(text) for s in p if s]


def _blingfire() -> Callable[[str], list[int]] | None:
    try:
        from blingfire import text_to_sentences_and_offsets
    except ImportError:
        return None
    return lambda text: [a for a, _ in text_to_sentences_and_offsets(text)[1]]


def segmenters(rows: list[dict[str, Any]]) -> str:
    """Our boundaries against installed maintained segmenters, on what the parser needs:
    no cut inside LaTeX, a cut where a space-joined template starts (after an unpunctuated
    last sentence), cuts after Chinese 。？！ inside a text. Skips segmenters not installed."""
    import time

    candidates = {
        "hallucue rules": _ours,
        "pysbd": _pysbd(),
        "syntok": _syntok(),
        "blingfire": _blingfire(),
    }
    lines = [
        "| segmenter | LaTeX cut (lower is better) | template start cut | Chinese 。？！． cut "
        "| ms/question |",
        "|---|---|---|---|---|",
    ]
    for name, fn in candidates.items():
        if fn is None:
            lines.append(f"| {name} | not installed | | | |")
            continue
        latex = Tally()
        template = Tally()
        cjk = Tally()
        start = time.perf_counter()
        for row in rows:
            q = row["question"]
            cuts = set(fn(q))
            latex.add(any(m.start() < c < m.end() for m in _LATEX.finditer(q) for c in cuts))
            wrapped = f"{q.rstrip()} {EASYR1}"
            at = len(q.rstrip()) + 1
            template.add(bool(set(fn(wrapped)) & {at - 1, at}))
            for m in re.finditer(r"[。？！．](?=\S)", q):
                cjk.add(m.end() in cuts)
        ms = 1000 * (time.perf_counter() - start) / (2 * len(rows))
        lines.append(
            f"| {name} | {100 * (latex.rate() or 0):.1f}% | {100 * (template.rate() or 0):.1f}% "
            f"| {100 * (cjk.rate() or 0):.1f}% (n={cjk.n}) | {ms:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks text", description=__doc__)
    default = Path("../shared/text-dev")
    parser.add_argument("--data", type=Path, default=default if default.exists() else None)
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument(
        "--segmenters",
        action="store_true",
        help="also compare sentence boundaries with pysbd / syntok / blingfire if installed",
    )
    args = parser.parse_args(argv)
    if args.data is None:
        parser.error("no dev set: pass --data DIR (see benchmarks/text_data.py for the format)")
    rows = load(args.data)
    report = evaluate(rows)
    print(f"{len(rows)} questions from {args.data}\n")
    print(table(report))
    if args.segmenters:
        print("\n" + segmenters(rows))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0
