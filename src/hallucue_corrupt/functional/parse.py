"""The question parser every text corruption uses: one text, cut into spans with roles.

A benchmark question arrives raw, or wrapped in a training template (EasyR1 appends
``You FIRST think ... \\boxed{}.`` with a space, TRL recipes add a line), with answer-format
hints (``Round to one decimal place.``, ``(Unit: cm)``), a choices block in one of several
styles and, in Chinese sources, full-width punctuation. :func:`parse` cuts it into
non-overlapping :class:`Span` s, each with a role:

``placeholder``
    an ``<image>`` token.
``template``
    the templated instruction at the start or end (``Hint: Please answer ...``, ``You FIRST
    think ...``, ``Put your final answer in \\boxed{}.``) and line labels like ``Question:``.
``hint``
    an answer-format hint elsewhere: ``Round to three decimal places.``, ``Give your answer
    as an exact value.``, ``(correct to 1 decimal place)``, ``(Unit: years)``.
``choices``
    the answer options: ``Choices:\\nA:40°``, ``(A) 5.8`` lines, We-Math's inline
    ``A. 16;B. 21``, Chinese ``A、..`` and ``（A）..``, or the strings of a separate options
    list found as lines of the text.
``question``
    what is asked: the last sentence that ends with ``?``, holds a blank (``()``, ``（）``,
    ``____``) or opens with an asking word (Find, What, 求 ...), cut down to its asking
    clause (``..., then angle 3 is equal to ()`` keeps ``then angle 3 is equal to ()``).
``condition``
    everything else: given conditions and the problem description.

LaTeX spans (``$..$``, ``$$..$$``, ``\\(..\\)``, ``\\[..\\]``) and brace groups
(``\\frac{..}{..}``) are masked before any cut, so no cut falls inside them. Sentences end
at ``.``, ``!``, ``?`` (also before a closing bracket or quote, as in ``.)``) followed by
white space, at Chinese ``。？！；``, at a line break, and before a capitalised instruction
sentence even when the sentence before it has no final punctuation (``... equal to () You
FIRST think ...``). The parse depends only on the text, so the body of a question parses
the same whatever template wraps it.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "HINT_PATTERNS",
    "INSTRUCTION_PATTERNS",
    "QUESTION_WORDS",
    "ROLES",
    "Parse",
    "Role",
    "Span",
    "clear_caches",
    "parse",
]

Role = Literal["placeholder", "template", "hint", "choices", "question", "condition"]
ROLES: tuple[Role, ...] = ("placeholder", "template", "hint", "choices", "question", "condition")

#: Patterns (case-insensitive) that mark a sentence as templated instruction.
INSTRUCTION_PATTERNS: tuple[str, ...] = (
    r"step[- ]by[- ]step",
    r"\\boxed",
    r"</?think>|</?answer>",
    r"\bfinal (answer|value)\b",
    r"\breasoning process\b",
    r"\binternal monologue\b",
    r"\b(answer|respond|reply)(ing)? (with|using|in) (the|a|an|one|only|your|just)\b",
    r"\boption(al)? letter\b|\bcorrect (option|choice|letter)\b",
    r"\b(choose|select|pick) the (correct|best|right)\b",
    r"\b(please|you should|you must|you need to) "
    r"(answer|reason|think|provide|output|respond|give|solve|first)\b",
    r"^\s*(hint|instruction|note)s?\s*:",
    r"\b(single|one) (word|phrase|letter)\b",
    r"\b(floating[- ]point|integer) (number|answer|value)\b",
    r"\boutput (the|your|only)\b",
    r"\baccording to the (question|problem|text) (shown|given|in)\b",
    r"\banswer the question\b",
    r"\byou first think\b",
    r"\blet'?s think\b",
    r"\bput your (final )?answer\b",
    r"\bthought process\b",
    r"\b(we require you|you are (asked|required|given a)|your task is)\b",
    r"\b(briefly|directly) (answer|describe|explain)\b",
)

#: Patterns (case-insensitive) that mark a sentence or a parenthesis as an answer-format hint.
HINT_PATTERNS: tuple[str, ...] = (
    r"^\(?\s*(please\s+)?round(ed)?\b.*\bto\b",
    r"^\(?\s*(please\s+)?(give|express|write|leave|enter|state|present) (your|the) "
    r"(answer|result|value)s?\b",
    r"^\(?\s*(please\s+)?enter (an?|the) (exact|decimal|integer|fraction)",
    r"^\(?\s*(give|enter) an exact (value|expression|answer)",
    r"^\(?\s*(answers?|results?) (to|correct to|in|as)\b",
    r"^\(?\s*(correct|accurate) to\b",
    r"^\(?\s*(to|rounded to|round to) the nearest\b",
    r"^\(?\s*units?\s*:",
    r"^\(?\s*(use|take|using|let)\s+\\?(π|pi)\s*(=|≈|\\approx)",
    r"^\(?\s*choose \d+ answers?\b",
    r"^\(?\s*(保留|精确到|结果保留|答案保留)",
)

#: Words that open an asking clause ("Find x.", "then angle 3 is ...", "求...").
QUESTION_WORDS = (
    r"find|what|which|who|whom|whose|where|when|how|why|calculate|compute|determine|solve|"
    r"express|evaluate|estimate|is|are|was|were|does|do|did|can|could|will|would|should|"
    r"name|list|identify|write|state|hence|then|so|use|using|give|prove|show|sketch|"
    r"graph|simplify|factor|describe|explain|select|choose|complete|fill|measure|"
    r"approximate|convert|classify|decide|deduce|predict|count|compare|order|tell"
)
_ASKS = re.compile(
    rf"(?i)^\s*(?:\(?[a-z0-9]\)\s*)?(?:{QUESTION_WORDS})\b|^\s*(?:求|则|那么|问|试求|请问|判断|计算)"
)
_BLANK = re.compile(r"\(\s*\)|（\s*）|\(\s*\\?_*\s*\)|_{2,}|＿{2,}|\\underline\{\s*\}")
_ENDS_ASKING = re.compile(r"(?i)[?？]\s*[)\]）\"'”’]*\s*$|=\s*$|\bequals?( to)?\s*[:：]?\s*$")
_CLAUSE = re.compile(r"[,，;；:：]\s*")
_CLAUSE_LEAD = re.compile(
    r"(?i)^(?:and\s+|but\s+)?(?:then|hence|so|therefore|thus|find|what|which|how|"
    r"calculate|compute|determine|evaluate|express|estimate|write|state|is|are|does|"
    r"can|could)\b|^(?:则|求|那么|问|试求|请问|计算|判断)"
)

PLACEHOLDER_RE = re.compile(r"<image>")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*?\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)
_LABEL = re.compile(r"(?im)^[ \t]*(question|problem|q|answer|solution)\s*[:：][ \t]*")
_CHOICES_HEAD = re.compile(r"(?im)(?:^|(?<=\s))(choices?|options?|answer choices|选项)\s*[:：]")
# one option marker: A: / A. / A) / (A) / A、 / （A） / A．
_MARK = r"(?:[\(（]\s*{L}\s*[\)）]|{L}\s*[.:：、．)）])"
_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "vs",
    "approx",
    "fig",
    "figs",
    "eq",
    "eqs",
    "resp",
    "cf",
    "etc",
    "mr",
    "mrs",
    "dr",
}
_END = re.compile(r"[.!?](?=[)\]）\"'”’]*(?:\s|$))|[。？！；]|．(?!\d)")
_WORD = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")
_CAPITAL = re.compile(r"(?<=\s)(?:[A-Z][A-Za-z']+\b|<)")


def _mark(letter: str) -> str:
    return _MARK.format(L=letter)


_BRACE = re.compile(r"[{}]")
_START = operator.itemgetter(0)  # a span tuple's start: what spans are ordered by


def _masked(text: str) -> str:
    """``text`` with LaTeX spans and brace groups blanked (same length): no cut inside."""
    out = _MATH.sub(lambda m: "\0" * len(m.group()), text) if "$" in text or "\\" in text else text
    if "{" not in out:
        return out
    pieces = []
    depth = 0
    start = done = 0
    for m in _BRACE.finditer(out):  # only the braces, not every character
        i = m.start()
        if m.group() == "{":
            if depth == 0:
                start = i
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                pieces += [out[done:start], "\0" * (i + 1 - start)]
                done = i + 1
    return "".join([*pieces, out[done:]])


@dataclass(frozen=True)
class Span:
    """A piece of the text: ``text[start:end]`` with its role."""

    start: int
    end: int
    role: Role
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "text": self.text, "start": self.start, "end": self.end}


@dataclass
class Parse:
    """The spans of one text, in order; the gaps between them are white space."""

    text: str
    spans: list[Span] = field(default_factory=list)

    def of(self, *roles: Role) -> list[Span]:
        """The spans with one of ``roles``."""
        return [s for s in self.spans if s.role in roles]

    def indices(self, *roles: Role) -> list[int]:
        return [i for i, s in enumerate(self.spans) if s.role in roles]

    def join(self, keep: Iterable[int], replace: dict[int, str] | None = None) -> str:
        """The text rebuilt from the spans numbered in ``keep`` (optionally with new texts).

        Each kept span is preceded by the white space that stood before it; when spans were
        removed in between, the widest of the skipped gaps (most line breaks) is used, so a
        removed line does not glue two lines together.
        """
        replace = replace or {}
        kept = sorted(set(keep))
        out: list[str] = []
        prev = -1
        for i in kept:
            span = self.spans[i]
            if out:
                gaps = [self._gap(j) for j in range(prev + 1, i + 1)]
                sep = max(gaps, key=lambda g: g.count("\n"))
                out.append(sep)
            out.append(replace.get(i, span.text))
            prev = i
        return "".join(out)

    def _gap(self, i: int) -> str:
        start = self.spans[i - 1].end if i > 0 else 0
        return self.text[start : self.spans[i].start]

    def body(self) -> str:
        """The text without placeholders and template: what wrapping must not change."""
        return self.join(self.indices("hint", "choices", "question", "condition"))

    def to_dict(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.spans]


# ---------------------------------------------------------------- choices


#: a line opening with an option marker of one letter (or of any letter A-H)
_LINE_MARK = {L: re.compile(r"^[ \t]*" + _mark(L)) for L in ["[A-Ha-h]", *"ABCDEFGH"]}


def _may_have_choices_head(text: str) -> bool:
    """False when ``_CHOICES_HEAD`` cannot match: it needs one of these words (or one of
    the letters IGNORECASE folds onto ASCII)."""
    low = text.lower()
    return "choice" in low or "option" in low or "选项" in text or not _FOLDS.isdisjoint(text)


#: a line opening with an ``A`` option marker, anywhere in a text
_A_LINE = re.compile(r"(?m)^[ \t]*" + _mark("A"))


def _may_have_choice_lines(masked: str) -> bool:
    """False when :func:`_choice_lines` finds nothing: it needs a choices head or a line
    opening with an ``A`` marker (what ``_A_LINE`` finds, and more: its marker may span a
    line break)."""
    return _may_have_choices_head(masked) or _A_LINE.search(masked) is not None


def _choice_lines(masked: str) -> tuple[int, int] | None:
    """The block of option lines (``A:..``/``(A)..``/``A、..``) or a ``Choices:`` block."""
    lines = []
    pos = 0
    for line in masked.split("\n"):
        lines.append((pos, pos + len(line), line))
        pos += len(line) + 1
    head = _CHOICES_HEAD.search(masked) if _may_have_choices_head(masked) else None
    first_mark = _LINE_MARK["[A-Ha-h]"]
    if head:
        start = head.start()
        # the block runs from the head line through the following option lines
        end = head.end()
        after = [ln for ln in lines if ln[1] >= start]
        end = after[0][1]
        for a, b, _line in after[1:]:
            # judge the part of the line before a glued-on instruction, if any
            pieces = _sentences(masked, a, b)
            cut = next((s for s, e in pieces if _is_instruction(masked[s:e])), b)
            part = masked[a:cut]
            if part.strip() and (first_mark.match(part) or not _looks_sentence(part)):
                end = b
            if cut < b or end != b:
                break
        return start, end
    # consecutive lines opening with A, B, C...
    for k, (a, _b, line) in enumerate(lines):
        if _LINE_MARK["A"].match(line):
            letters = "ABCDEFGH"
            n = 0
            end = a
            for _a2, b2, line2 in lines[k:]:
                if n < len(letters) and _LINE_MARK[letters[n]].match(line2):
                    n += 1
                    end = b2
                else:
                    break
            if n >= 2:
                return a, end
    return None


def _inline_choices(masked: str) -> tuple[int, int] | None:
    """Inline options on one line: ``A. 16;B. 21;C. 32``, ``(A) 1 (B) 2``, ``A、1 B、2``."""
    if "A" not in masked:  # every style opens with a capital A
        return None
    for a, b_mark in _INLINE_MARKS:
        for m in a.finditer(masked):
            line_end = masked.find("\n", m.start())
            line_end = len(masked) if line_end < 0 else line_end
            rest = masked[m.end() : line_end]
            b = b_mark.search(rest)
            if b is None:
                continue
            # the options run to the end of the line, minus a trailing instruction
            return m.start(), line_end
    return None


# Each mark opens with a literal (the bracket or the letter) and looks behind from there:
# ``[(（](?<![A-Za-z0-9][(（])`` is ``(?<![A-Za-z0-9])[(（]``, and ``A(?<![^\s;；,，]A)`` is
# ``(?:^|(?<=[\s;；,，]))A``, but the regex engine then scans for the literal instead of
# trying the look-behind at every position.
_INLINE_MARKS = [
    tuple(re.compile(style.format(L=letter) + r"\s*(?=\S)") for letter in "AB")
    for style in (
        r"[\(（](?<![A-Za-z0-9][\(（])\s*{L}\s*[\)）]",
        r"{L}(?<![^\s;；,，]{L})\s*[.．、:：]",
    )
]


def _listed_choices(text: str, choices: Sequence[str]) -> tuple[int, int] | None:
    """A block of lines that are the strings of a separate options list."""
    wanted = {c.strip() for c in choices if c and c.strip()}
    pos = 0
    block: tuple[int, int] | None = None
    for line in text.split("\n"):
        stripped = re.sub(r"^[ \t]*" + _mark("[A-Ha-h]") + r"\s*", "", line).strip()
        if stripped in wanted:
            block = (block[0] if block else pos, pos + len(line))
        elif block:
            break
        pos += len(line) + 1
    return block


# ---------------------------------------------------------------- sentences


class Patterns:
    """Case-insensitive patterns asked two things: does any match, and where does the first
    match start.

    ``words`` (lower case), when given, are literals of which every match of a ``builtin``
    pattern contains one: a text holding none of them is answered without running the
    patterns (most sentences of a question hold none; ``tests/test_parse_speed.py`` checks
    the words against the patterns). ``gates``, when given, are such words for each builtin
    pattern: only the patterns with one of their words in the text run (``words`` are then
    every gate's words unless given). The four non-ASCII letters that match ASCII letters
    under IGNORECASE (İ ı ſ K) turn the shortcuts off. ``extra`` patterns always run.
    """

    def __init__(
        self,
        builtin: Sequence[str],
        extra: Sequence[str] = (),
        words: Sequence[str] | None = None,
        gates: Sequence[Sequence[str]] | None = None,
    ) -> None:
        self.builtin = [re.compile(p, re.IGNORECASE) for p in builtin]
        self.extra = [re.compile(p, re.IGNORECASE) for p in extra]
        if gates is not None and len(gates) != len(self.builtin):
            raise ValueError(f"{len(gates)} gates for {len(self.builtin)} patterns")
        if words is None and gates is not None:
            words = list(dict.fromkeys(word for gate in gates for word in gate))
        self.words = tuple(words) if words is not None else None
        by_word: dict[str, list[int]] = {}
        for i, gate in enumerate(gates or ()):
            for word in gate:
                by_word.setdefault(word, []).append(i)
        self._gates = None if gates is None else [(w, tuple(ix)) for w, ix in by_word.items()]
        self._extra_only: Patterns | None = None

    def within(self, text: str) -> Patterns:
        """Patterns that answer as these do for ``text`` and every piece of it: these, or
        the extra patterns alone when no builtin one can match anywhere in ``text``.

        A piece of a text holding none of the words (lower-cased) and none of the folding
        letters holds none either (the words are ASCII, and ``str.lower`` maps no other
        character onto ASCII), so one check of a line spares one per sentence.
        """
        if self.words is None or not self.builtin or self._may_match(text):
            return self
        if self._extra_only is None:
            self._extra_only = Patterns((), [rx.pattern for rx in self.extra])
        return self._extra_only

    def _may_match(self, text: str) -> bool:
        if self.words is None:
            return True
        low = text.lower()
        for word in self.words:  # a plain loop: a generator costs more than the checks
            if word in low:
                return True
        return not _FOLDS.isdisjoint(text)

    def _candidates(self, text: str) -> list[re.Pattern[str]]:
        """The builtin patterns that may match ``text`` (by its words and gates)."""
        if self._gates is None or not _FOLDS.isdisjoint(text):
            return self.builtin if self._may_match(text) else []
        low = text.lower()
        hit: set[int] = set()
        for word, indices in self._gates:
            if word in low:
                hit.update(indices)
        return [self.builtin[i] for i in sorted(hit)]

    def any(self, text: str) -> bool:
        if any(rx.search(text) for rx in self._candidates(text)):
            return True
        return any(rx.search(text) for rx in self.extra)

    def first(self, text: str) -> int | None:
        """Where the first match of any pattern starts in ``text``, or None."""
        patterns = [*self._candidates(text), *self.extra]
        hits = [m.start() for rx in patterns if (m := rx.search(text))]
        return min(hits) if hits else None


#: Non-ASCII letters that IGNORECASE matches with ASCII letters (``str.lower`` does not).
_FOLDS = frozenset("\u0130\u0131\u017f\u212a")
#: For each of INSTRUCTION_PATTERNS, words (lower case) of which its every match holds one.
_INSTRUCTION_GATES: tuple[tuple[str, ...], ...] = (
    ("step",), ("\\boxed",), ("think", "answer"), ("final",), ("reasoning",), ("monologue",),
    ("answer", "respond", "reply"), ("letter", "correct"), ("choose", "select", "pick"),
    ("please", "you"), ("hint", "instruction", "note"), ("word", "phrase", "letter"),
    ("floating", "integer"), ("output",), ("according",), ("answer",), ("you",), ("think",),
    ("answer",), ("thought",), ("you",), ("briefly", "directly"),
)  # fmt: skip
#: Every match of an INSTRUCTION_PATTERNS pattern holds one of these (lower case).
_INSTRUCTION_WORDS = tuple(dict.fromkeys(w for gate in _INSTRUCTION_GATES for w in gate))


def _is_instruction(sentence: str, ins: Patterns | None = None) -> bool:
    return _any_of(_INSTRUCTION if ins is None else ins, sentence)


# Both answers depend on the patterns and the text alone, so they are cached: a template
# sentence met on every row (EasyR1 joins its template to the question's last line with a
# space, so the line differs per row but the template's sentences do not) is searched once.
@functools.lru_cache(maxsize=4096)
def _any_of(ins: Patterns, text: str) -> bool:
    return ins.any(text)


@functools.lru_cache(maxsize=4096)
def _first_of(ins: Patterns, text: str) -> int | None:
    return ins.first(text)


def _is_hint(sentence: str) -> bool:
    return _HINT.search(sentence.strip()) is not None


def _first_instruction(text: str, ins: Patterns | None) -> int | None:
    """Where the first instruction pattern matches in ``text``, or None."""
    return _first_of(_INSTRUCTION if ins is None else ins, text)


def _looks_sentence(line: str) -> bool:
    return len(line.split()) > 8


def _sentences(masked: str, a: int, b: int, ins: Patterns | None = None) -> list[tuple[int, int]]:
    """Sentence pieces of ``masked[a:b]`` (no line breaks inside): (start, end) pairs."""
    if a >= b or masked[a:b].isspace():  # an empty line (a cut-out block leaves many)
        return []
    cuts = []
    for m in _END.finditer(masked, a, b):
        if m.group() == "." and _abbreviation_before(masked, a, m.start()):
            continue
        end = m.end()
        while end < b and masked[end] in ")]）\"'”’":
            end += 1
        cuts.append(end)
    # an instruction sentence may follow a sentence with no final punctuation: cut before
    # the capitalised word that opens the sentence of the first instruction match
    bounds = [a, *sorted(c for c in cuts if a < c < b), b]
    for p, nxt in itertools.pairwise(bounds):
        first = _first_instruction(masked[p:nxt], ins)
        if first is None:
            continue
        starts = [m.start() for m in _CAPITAL.finditer(masked, p, nxt) if m.start() <= p + first]
        if starts and masked[p : starts[-1]].strip():
            cuts.append(starts[-1])
    pieces = []
    start = a
    for cut in sorted(set(cuts)):
        if start < cut <= b:
            pieces.append((start, cut))
            start = cut
    pieces.append((start, b))
    out: list[tuple[int, int]] = []
    for s, e in (_trim(masked, s, e) for s, e in pieces):
        if s >= e:
            continue
        if out and not _WORD.search(masked[s:e]):
            out[-1] = (out[-1][0], e)  # "( )°" after "...?" belongs to that sentence
        else:
            out.append((s, e))
    return out


def _abbreviation_before(masked: str, a: int, end: int) -> bool:
    """Whether the last word of ``masked[a:end]`` (opening brackets stripped) is an
    abbreviation such as ``e.g``: then its full stop ends no sentence."""
    window = max(a, end - 16)  # the last word, when white space precedes it in the window
    before = masked[window:end].rsplit(None, 1)
    if window > a and len(before) < 2:  # no white space: the word may start earlier
        before = masked[a:end].rsplit(None, 1)
    word = before[-1].lower().lstrip("(") if before else ""
    return word in _ABBREVIATIONS


def _trim(masked: str, s: int, e: int) -> tuple[int, int]:
    """``(s, e)`` without the white space at either end (``str.strip`` and
    ``str.isspace`` agree on what white space is)."""
    if s < e and masked[s].isspace():
        s = e - len(masked[s:e].lstrip())
    if e > s and masked[e - 1].isspace():
        e = s + len(masked[s:e].rstrip())
    return s, e


_UNITS_PAREN = re.compile(r"[\(（]\s*units?\s*[:：]", re.I)
_HINT_PAREN = re.compile(r"[\(（][^()（）\n]*[\)）]")
_HINT_TAIL = re.compile(
    r"(?i)(?:,\s*|\s+)(?=(?:rounded to|round to|correct to|accurate to|to the nearest|"
    r"give your answer|giving your answer|leaving your answer|express your answer|"
    r"in simplest form|as an exact)\b)"
)


def _split_hints(masked: str, s: int, e: int) -> list[tuple[int, int, bool]]:
    """(start, end, is_hint) pieces of one sentence: hint parentheses and hint tails apart."""
    if _is_hint(masked[s:e]):
        return [(s, e, True)]
    out: list[tuple[int, int, bool]] = []
    pos = s
    for m in _HINT_PAREN.finditer(masked, s, e):
        if _is_hint(m.group()[1:]) or _UNITS_PAREN.match(m.group()):
            if masked[pos : m.start()].strip():
                out.append((*_trim(masked, pos, m.start()), False))
            out.append((m.start(), m.end(), True))
            pos = m.end()
    rest = (pos, e)
    tail = _HINT_TAIL.search(masked, rest[0], rest[1])
    if tail and masked[rest[0] : tail.start()].strip():
        out.append((*_trim(masked, rest[0], tail.start()), False))
        out.append((*_trim(masked, tail.end(), e), True))
    elif masked[rest[0] : rest[1]].strip():
        piece = _trim(masked, rest[0], rest[1])
        # lone closing punctuation after a hint parenthesis belongs to it
        if out and out[-1][2] and not re.search(r"\w", masked[piece[0] : piece[1]]):
            out[-1] = (out[-1][0], piece[1], True)
        else:
            out.append((*piece, False))
    return [p for p in out if p[0] < p[1]]


def _asks(sentence: str) -> bool:
    return bool(_ENDS_ASKING.search(sentence) or _BLANK.search(sentence) or _ASKS.search(sentence))


def _question_clause(masked: str, s: int, e: int) -> int:
    """Where the asking clause of the question sentence ``masked[s:e]`` starts."""
    clauses = [s] + [m.end() for m in _CLAUSE.finditer(masked, s, e) if m.end() < e]
    if len(clauses) == 1 or _ASKS.search(masked[s:e]):
        return s
    for start in clauses[1:]:
        if _CLAUSE_LEAD.search(masked[start:e]) and _asks(masked[start:e]):
            return start
    # no asking word: from the first clause holding a blank or the question mark
    for start in clauses:
        end = next((c for c in clauses if c > start), e)
        if _BLANK.search(masked[start:end]) or _ENDS_ASKING.search(masked[start:e]):
            return start
    return s


# ---------------------------------------------------------------- parse

_INSTRUCTION = Patterns(INSTRUCTION_PATTERNS, gates=_INSTRUCTION_GATES)
#: every hint pattern as one alternation: it matches where one of them does, in one search
#: (the patterns are anchored at the start, so one pass of the engine rejects a sentence)
_HINT = re.compile("|".join(f"(?:{p})" for p in HINT_PATTERNS), re.IGNORECASE)


def parse(
    text: str,
    *,
    choices: Sequence[str] | None = None,
    extra_patterns: Sequence[str] = (),
) -> Parse:
    """Cut ``text`` into role-labelled spans (see the module docstring).

    ``choices`` names the options of a separate list column: lines of the text that are
    those strings (with or without a letter) become the choices block. ``extra_patterns``
    are more regexes (case-insensitive) marking instruction sentences. The last few
    hundred parses are cached (a random corruption parses in ``draw`` and ``transform``);
    treat the result as read-only. The cuts of each line and the instruction searches of
    each sentence are cached too (they depend on that line or sentence alone), so a
    template repeated on every row is parsed once; :func:`clear_caches` empties them all.
    """
    return _cached(text, tuple(choices) if choices else (), tuple(extra_patterns))


@functools.lru_cache(maxsize=512)
def _cached(text: str, choices: tuple[str, ...], extra_patterns: tuple[str, ...]) -> Parse:
    ins = _patterns(extra_patterns) if extra_patterns else _INSTRUCTION
    return _parse(text, choices or None, ins)


def clear_caches() -> None:
    """Empty the parser's caches (the last parses, the cuts of each line, the instruction
    searches of each sentence): what a first pass over a dataset meets, for a benchmark;
    results never depend on them."""
    for cache in (_cached, _line_pieces, _any_of, _first_of):
        cache.cache_clear()


@functools.lru_cache(maxsize=64)
def _patterns(extra_patterns: tuple[str, ...]) -> Patterns:
    return Patterns(INSTRUCTION_PATTERNS, extra_patterns, gates=_INSTRUCTION_GATES)


def _parse(text: str, choices: Sequence[str] | None, ins: Patterns) -> Parse:
    masked = _masked(text)
    # placeholders are masked too, so they never join a sentence
    holes = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
    for a, b in holes:
        masked = masked[:a] + "\n" * (b - a) + masked[b:]
    raw: list[tuple[int, int, str]] = [(a, b, "placeholder") for a, b in holes]

    block = (_choice_lines(masked) if _may_have_choice_lines(masked) else None) or _inline_choices(
        masked
    )
    if block is None and choices:
        block = _listed_choices(text, choices)
    taken = [(a, b) for a, b in holes]
    if block:
        a, b = block
        # an instruction glued to the end of the block's last line stays template
        tail_start = b
        last = max(a, masked.rfind("\n", 0, b) + 1)
        for s, e in _sentences(masked, last, b, ins):
            if s > a and _is_instruction(masked[s:e], ins):
                tail_start = s
                break
        a, b2 = _trim(masked, a, tail_start)
        raw.append((a, b2, "choices"))
        taken.append((a, b2))
        masked_cut = masked[:a] + "\n" * (b2 - a) + masked[b2:]
    else:
        masked_cut = masked
    for m in _LABEL.finditer(masked_cut):
        a, b = _trim(masked_cut, m.start(), m.end())
        raw.append((a, b, "template"))
        masked_cut = masked_cut[:a] + "\n" * (b - a) + masked_cut[b:]

    # the pieces of what is left, line by line
    pieces: list[tuple[int, int, str]] = []
    pos = 0
    for line in masked_cut.split("\n"):
        if line and not line.isspace():  # (a cut-out block leaves many empty lines)
            pieces += [(pos + s, pos + e, kind) for s, e, kind in _line_pieces(line, ins)]
        pos += len(line) + 1
    # instructions at the start or end (through placeholders/labels/hints) are template
    ordered = sorted([*pieces, *[r for r in raw if r[2] != "choices"]], key=_START)
    roles = _template_runs(ordered)
    spans = [(a, b, role) for (a, b, _), role in zip(ordered, roles, strict=True)]
    spans += [r for r in raw if r[2] == "choices"]
    spans.sort(key=_START)
    spans = _mark_question(masked, spans)
    return Parse(text, [Span(a, b, role, text[a:b]) for a, b, role in spans])  # type: ignore[arg-type]


@functools.lru_cache(maxsize=4096)
def _line_pieces(line: str, ins: Patterns) -> tuple[tuple[int, int, str], ...]:
    """(start, end, kind) of the pieces of one masked line, kind ``instruction``, ``hint``
    or ``content``.

    Every check behind it reads inside the line only (sentence ends, abbreviations, the
    capitalised word before an instruction, hint parentheses and tails), so the pieces
    depend on the line's text alone and are cached by it: an instruction template repeated
    on every row of a dataset is cut and classified once. ``tests/test_parse_speed.py``
    checks the pieces against the same cuts made inside whole texts.
    """
    ins = ins.within(line)
    out: list[tuple[int, int, str]] = []
    for s, e in _sentences(line, 0, len(line), ins):
        if _is_instruction(line[s:e], ins):
            out.append((s, e, "instruction"))
            continue
        for a, b, hint in _split_hints(line, s, e):
            out.append((a, b, "hint" if hint else "content"))
    return tuple(out)


def _template_runs(ordered: list[tuple[int, int, str]]) -> list[str]:
    roles = [kind for _, _, kind in ordered]
    neutral = {"placeholder", "template", "hint"}
    n = len(roles)
    for indices in (range(n), range(n - 1, -1, -1)):
        for i in indices:
            if roles[i] == "instruction":
                roles[i] = "template"
            elif roles[i] not in neutral:
                break
    return ["hint" if r == "instruction" else "condition" if r == "content" else r for r in roles]


def _mark_question(masked: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The last asking content sentence becomes the question (its asking clause)."""
    content = [i for i, (_, _, role) in enumerate(spans) if role == "condition"]
    target = next((i for i in reversed(content) if _asks(masked[spans[i][0] : spans[i][1]])), None)
    if target is None:
        # no asking sentence: the last content sentence is what is asked
        if not content:
            return spans
        target = content[-1]
    s, e, _ = spans[target]
    q = _question_clause(masked, s, e)
    out = spans[:target]
    if q > s:
        out.append((*_trim(masked, s, q), "condition"))
    out.append((q, e, "question"))
    out.extend(spans[target + 1 :])
    return out
