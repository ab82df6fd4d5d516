"""``random_image`` over a whole batch: donors drawn, checked and copied in Arrow.

The row engine spends most of a donor swap building a numpy Generator per row and copying
donor bytes into Python. :class:`DonorSwap` does the same swap for every selected row of
a batch at once, with the same bytes and records as :func:`hallucue_corrupt.engine.run_row`:

- each row's first draw comes from its keyed stream, replayed in bulk by
  :func:`hallucue_corrupt.pcg.first_integers` (the sample itself is skipped by rank, as
  :meth:`RandomImage.draw <hallucue_corrupt.corruptions.image.RandomImage.draw>` does);
- the donors are taken by index from the pool's Arrow column (:meth:`Pool.image_bytes_at`) and
  checked over their bytes as :func:`hallucue_corrupt.media.donor_problem` checks a PNG
  (its IHDR header and the closing IEND chunk);
- the records are one engine record with the row's key, donor key and image sizes
  spliced in.

**The rule**: a batch takes this path when the pipeline is ``random_image`` alone (``p=1``)
on a single-image column of ``{bytes, path}`` structs and the pool reads donors as Arrow
(a ``datasets`` pool). A row takes it when its own image and its first donor are 8-bit PNG
bytes, the donor is complete and numpy would not redraw. Every other row (no image, a
JPEG or other format, a rejected donor, a redraw, a missing donor) goes through the row
engine, which decides, redraws and records exactly as it always does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from .binary import binary_buffers
from .corruptions.image import RandomImage
from .pcg import first_integers
from .pool import Pool
from .records import dumps
from .seeding import derive_seeds

__all__ = ["DonorSwap"]

_IEND = np.frombuffer(b"IEND\xaeB`\x82", dtype=np.uint8)
_PLAIN = re.compile(r'[^"\\\x00-\x1f]*\Z')  # json.dumps(s) == '"' + s + '"'
_SLOTS = ("after", "before", "donor_key", "key")

#: runs one row through the row engine: (row, key) -> (new row, record)
Runner = Callable[[dict[str, Any], Any], tuple[dict[str, Any], dict[str, Any]]]


class DonorSwap:
    """The batch path of a lone ``random_image`` (see the module docstring)."""

    def __init__(self, column: str, pool: Pool, seed: int, epoch: int, stream: str) -> None:
        self.column = column
        self.pool = pool
        self.seed = seed
        self.epoch = epoch
        self.stream = stream

    @classmethod
    def of(cls, binding: Any) -> DonorSwap | None:
        """The swap for a binding whose pipeline the rule covers, else None."""
        from .engine import streams

        pipeline = binding.pipeline
        corruptions = pipeline.corruptions
        column = binding.image_column
        if (
            column is None
            or binding.fields != [column]
            or len(corruptions) != 1
            or type(corruptions[0]) is not RandomImage
            or corruptions[0].params.p < 1.0
            or not isinstance(binding.pool, Pool)
            or type(binding.pool).image_bytes_at is Pool.image_bytes_at
        ):
            return None
        return cls(column, binding.pool, pipeline.seed, binding.epoch, streams(corruptions)["0"])

    def __call__(
        self,
        table: pa.Table,
        chosen: np.ndarray,
        canon: list[str],
        run: Runner,
    ) -> tuple[np.ndarray, pa.Array, list[str]] | None:
        """Swap what it can among the selected rows ``chosen``: ``(slots, images, records)``
        for the positions in ``chosen`` it handled, in order. None: nothing handled."""
        from .kernel import _PNG_MODE_CODES, png_headers
        from .media import _PNG_MODES

        pool = self.pool
        headers = png_headers(table.column(self.column), chosen)
        if headers is None or chosen.size == 0:
            return None
        width, height, mode, ok = headers
        keys = [canon[i] for i in chosen.tolist()]
        self_rank = pool.ranks_of(keys)
        others = len(pool) - (self_rank >= 0)
        ok &= (others >= 1) & (others < 2**32 - 1)
        if not ok.any():
            return None
        seeds = derive_seeds(self.seed, keys, self.stream, self.epoch, 0)
        draws, exact = first_integers(seeds, np.where(ok, others, 1))
        ok &= exact
        ranks = draws + ((self_rank >= 0) & (draws >= self_rank))
        slots = np.flatnonzero(ok)
        column_type = table.schema.field(self.column).type
        data = pool.image_bytes_at(ranks[slots])
        if data is None or data.type != column_type.field("bytes").type:
            return None
        path = pa.nulls(len(data), column_type.field("path").type)
        fields = [column_type.field(i) for i in range(column_type.num_fields)]
        children = {"bytes": data, "path": path}
        images = pa.StructArray.from_arrays([children[f.name] for f in fields], fields=fields)
        d_width, d_height, d_mode, d_ok = _png_donors(images)
        if not d_ok.all():
            slots, images = slots[d_ok], images.filter(pa.array(d_ok))
            d_width, d_height, d_mode = d_width[d_ok], d_height[d_ok], d_mode[d_ok]
        if slots.size == 0:
            return None
        # the first row through the engine gives the record's frame: the others splice in
        first = int(slots[0])
        row = {self.column: table.column(self.column)[int(chosen[first])].as_py()}
        _, record = run(row, keys[first])
        frame = _frame(record)
        if frame is None:
            return None
        donor_keys = pool.keys_at(ranks[slots])
        metas: dict[tuple[int, int, int], str] = {}
        names = {code: _PNG_MODES[(8, colour)] for colour, code in _PNG_MODE_CODES.items()}

        def meta(w: int, h: int, m: int) -> str:
            text = metas.get((w, h, m))
            if text is None:
                text = metas[(w, h, m)] = dumps({"mode": names[m], "size": [w, h]})
            return text

        records = []
        for j, (slot, donor_key) in enumerate(zip(slots.tolist(), donor_keys, strict=True)):
            values = {
                "after": meta(int(d_width[j]), int(d_height[j]), int(d_mode[j])),
                "before": meta(int(width[slot]), int(height[slot]), int(mode[slot])),
                "donor_key": _quote(donor_key),
                "key": _quote(keys[slot]),
            }
            records.append(frame[0] + "".join(values[n] + text for n, text in frame[1]))
        if records[0] != dumps(record):  # the frame must rebuild the engine's own record
            return None
        return slots, images, records


def _quote(text: str) -> str:
    return '"' + text + '"' if _PLAIN.match(text) else json.dumps(text, ensure_ascii=False)


def _frame(record: dict[str, Any]) -> tuple[str, list[tuple[str, str]]] | None:
    """The record's JSON cut around its per-row values: ``(head, [(slot, text after)])``.
    None when the record is not a lone applied swap."""
    entries = record.get("corruptions", [])
    if len(entries) != 1 or not entries[0].get("applied") or "error" in record:
        return None
    marks = {name: f"\x00hallucue-{name}\x00" for name in _SLOTS}
    entry = {**entries[0], **{n: marks[n] for n in _SLOTS[:3]}}
    text = dumps({**record, "corruptions": [entry], "key": marks["key"]})
    found = sorted((text.find(json.dumps(m)), n) for n, m in marks.items())
    if any(text.count(json.dumps(m)) != 1 for m in marks.values()):
        return None  # each slot exactly once
    head = text[: found[0][0]]
    pieces = []
    for k, (at, name) in enumerate(found):
        end = found[k + 1][0] if k + 1 < len(found) else len(text)
        pieces.append((name, text[at + len(json.dumps(marks[name])) : end]))
    return head, pieces


def _png_donors(donors: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(width, height, mode code, ok) of donor images: ok where they are 8-bit PNG bytes
    that end in the IEND chunk (what :func:`~hallucue_corrupt.media.donor_problem` accepts
    without decoding)."""
    from .kernel import png_headers

    rows = np.arange(len(donors))
    headers = png_headers(donors, rows)
    if headers is None:
        empty = np.zeros(len(donors), dtype=bool)
        return rows, rows, rows, empty
    width, height, mode, ok = headers
    offsets, data, _ = binary_buffers(donors.flatten()[donors.type.get_field_index("bytes")])
    end = offsets[1:].astype(np.int64)
    tail = np.zeros((rows.size, 8), dtype=np.uint8)
    tail[ok] = data[end[ok, None] - 8 + np.arange(8)]
    ok &= (tail == _IEND).all(axis=1)
    return width, height, mode, ok
