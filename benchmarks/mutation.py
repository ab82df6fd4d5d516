"""Mutation testing of the core modules: does the test suite notice when the code is wrong?

    python -m benchmarks mutation                          # every core module (pyproject)
    python -m benchmarks mutation --modules seeding,report  # some of them
    python -m benchmarks mutation --modules kernel --budget 1800  # stop after 30 min
    python -m benchmarks mutation --results                # re-read the last run, no tests
    python -m benchmarks mutation --named                  # issue 17's hand-made mutants

The tool is mutmut (``pip install mutmut``): its configuration is ``[tool.mutmut]`` in
pyproject.toml (the core modules, and the fast tests each mutant runs against: no TRL,
verl, benchmark, docs or cross-process tests). mutmut copies the project to ``mutants/``,
runs the tests once to learn which tests reach which function, then runs only those tests
against each mutant (one at a time by default, ``--max-children``), with a per-mutant
timeout. Modules run one after another at ``nice`` 19; ``--budget`` stops each module's
run after so many seconds (SIGTERM: mutmut has saved what it checked, the rest counts
as not checked). Each module's wall time and command are kept beside mutmut's results.

The table counts, per module: mutants, killed, survived, timeouts, the survivors judged
equivalent (:data:`EQUIVALENT`, each with its reason) and the score, killed (timeouts
included) over the non-equivalent mutants. ``--named`` applies each mutant of
:data:`NAMED` by hand to a copy of ``src/`` and runs tests/test_mutants.py against it:
each must fail there (and pass on the real code).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "hallucue_corrupt"

#: mutmut exit codes, as mutmut's own ``results`` reads them
STATUS = {1: "killed", 3: "killed", 0: "survived", 36: "timeout", 24: "timeout", -24: "timeout"}
STATUS |= {152: "timeout", 255: "timeout", 5: "no tests", 33: "no tests", None: "not checked"}
#: mutmut files -9 and -11 as "segfault". Its wall-clock limit ends a mutant's tests with
#: SIGKILL (-9): a timeout, which on a loaded machine can hit a mutant that would survive,
#: so rerun timeouts on a quiet one. A crash (-11) is not counted as a kill: forked workers
#: on a loaded machine crashed under mutants that change nothing (``pa.array(valid)`` for
#: ``pa.array(valid, pa.bool_())``), whose tests pass when run directly.
STATUS |= {-9: "timeout"}

_UTF8 = (
    "UTF-8 spelled another way, or the locale's default encoding, which is UTF-8 wherever "
    "Python runs in UTF-8 mode or a UTF-8 locale (the explicit name matters elsewhere)"
)
_REPLAY_DRAWS_NOTHING = (
    "a replay never draws (its context raises if asked to), so the seed, epoch and stream "
    "it is given are never read"
)

_BATCHING = (
    "batching, batch size and worker count only group the rows: every draw is keyed on the "
    "sample key, so the output is the same (tests/test_dataset.py compares them)"
)
#: corrupt_dataset's batched=, batch_size= and num_proc= mutants (default, dropped, None)
_BATCH_ARGS = (1, 2, 23, 34, 55, 56, 57, 69, 70, 71, 154, 155, 157, 162, 163, 165)
_DESC = "the progress bar's label only"
_DESC_ARGS = (61, 75, 160, 168, 179, 181)
_SPELLING = (
    "changes how the cache fingerprint is spelled (or hashes the library's own corruption "
    "classes too, which its source hash already covers), not which runs share one"
)

_KINDS = (
    "Pipeline.requirements() has only the image and text kinds, which the dict holds, so the "
    "default of .get is never used"
)
_ARROW_KEYS = (
    "a pyarrow key array listed gives its scalars, which rank as the same keys (the same "
    "selection, tested; keeping the array only saves the copy)"
)

_CAST = "typing.cast does nothing at run time, whatever type it is given"
_RESHAPE = "numpy reads any negative size in reshape as 'the rest', as it reads -1"
_IN_MEMORY = (
    "donor_problem: an in-memory array encodes to a complete PNG (or a TIFF Pillow reads "
    "back), so skipping the early return gives None all the same (only slower)"
)
_ZLIB_NAME = (
    "encode_png: 'zlib' is only reached when asked for, and resolve_encoding returns it as "
    "given, so a misspelt comparison sends it to Pillow all the same"
)

#: Surviving mutants that behave exactly like the real code, by mutmut name, with why.
#: Names follow mutmut's numbering of a function's mutants: review them when it changes.
EQUIVALENT: dict[str, str] = {
    "hallucue_corrupt.seeding.x_derive_seed__mutmut_20": _UTF8,
    "hallucue_corrupt.selection.xǁSelectionǁ__call____mutmut_18": (
        "`<` vs `<=`: a 64-bit hash / 2**64 equals the float ratio with probability below "
        "2**-53 per key"
    ),
    "hallucue_corrupt.selection.x_rank_keys__mutmut_6": (
        "a list of str gives the same str array with or without dtype=object before astype(str)"
    ),
    "hallucue_corrupt.selection.x_rank_keys__mutmut_8": (
        "a list of str gives the same str array with or without dtype=object before astype(str)"
    ),
    "hallucue_corrupt.selection.x_rank_keys__mutmut_16": "numpy reads sort kinds in any case",
    "hallucue_corrupt.engine.x__expand__mutmut_4": (
        "with p = 1 the draw (below 1) never skips: `p <= 1.0` changes nothing"
    ),
    "hallucue_corrupt.engine.x__expand__mutmut_5": (
        "with 1 <= p the draw (below 1) never skips: `p < 2.0` changes nothing (p <= 1)"
    ),
    "hallucue_corrupt.engine.x__record__mutmut_7": (
        "an entry is superseded only by a later applied one that is not, so `applied` is the "
        "same whether or not superseded entries count"
    ),
    "hallucue_corrupt.engine.x__record__mutmut_8": (
        "an entry is superseded only by a later applied one that is not, so `applied` is the "
        "same whether or not superseded entries count"
    ),
    "hallucue_corrupt.engine.x_run_row__mutmut_54": (
        "after an error the fresh state's columns are never read"
    ),
    "hallucue_corrupt.engine.x_run_row__mutmut_55": (
        "after an error the fresh state's seed is never read (the record takes the pipeline's)"
    ),
    "hallucue_corrupt.engine.x_replay_row__mutmut_29": (
        "replay() passes the row's own image form, which is what ImageRef.wrap keeps when "
        "kind is None"
    ),
    "hallucue_corrupt.engine.x_replay_row__mutmut_37": (
        "replay() passes the row's own image form, which is what ImageRef.wrap keeps when "
        "kind is None"
    ),
    "hallucue_corrupt.records.x_dumps__mutmut_4": "ensure_ascii=None is falsy, as False is",
    **{
        f"hallucue_corrupt.engine.x_replay_row__mutmut_{n}": _REPLAY_DRAWS_NOTHING
        for n in (26, 27, 44, 45, 47, 48, 49, 52, 53, 55, 56, 77)
    },
    **{f"hallucue_corrupt.records.x_write_jsonl__mutmut_{n}": _UTF8 for n in (10, 12, 16)},
    **{f"hallucue_corrupt.report.x_load_results__mutmut_{n}": _UTF8 for n in (15, 17, 27, 29, 32)},
    **{f"hallucue_corrupt.dataset.x_corrupt_dataset__mutmut_{n}": _BATCHING for n in _BATCH_ARGS},
    **{f"hallucue_corrupt.dataset.x_corrupt_dataset__mutmut_{n}": _DESC for n in _DESC_ARGS},
    **{
        f"hallucue_corrupt.dataset.x__fingerprint__mutmut_{n}": _SPELLING for n in (4, 8, 9, 11, 23)
    },
    "hallucue_corrupt.functional.text.x__plausible__mutmut_8": (
        "a 101st try changes the output only after 100 draws equal to the number, each at most "
        "1 in 9"
    ),
    **{
        f"hallucue_corrupt.functional.text.x__plausible__mutmut_{n}": (
            "for one digit 10 ** (digits - 1) is 1, the other branch's value"
        )
        for n in (26, 31)
    },
    **{f"hallucue_corrupt.binding.x_bind__mutmut_{n}": _KINDS for n in (3, 5, 10)},
    **{f"hallucue_corrupt.binding.x_bind__mutmut_{n}": _ARROW_KEYS for n in (59, 63, 64)},
    "hallucue_corrupt.binding.x_bind__mutmut_23": (
        "epoch=None reaches Pipeline.select, which reads None as the pipeline's epoch, as bind does"
    ),
    **{
        f"hallucue_corrupt.dataset.x__code_fingerprint__mutmut_{n}": _SPELLING
        for n in (5, 6, 7, 9, 10, 15, 17)
    },
    # media.py
    "hallucue_corrupt.media.xǁImageRefǁrestore__mutmut_2": _CAST,
    "hallucue_corrupt.media.xǁImageRefǁpil__mutmut_5": _CAST,
    "hallucue_corrupt.media.xǁImageRefǁ__init____mutmut_12": _CAST,
    "hallucue_corrupt.media.x__up_filtered__mutmut_8": _RESHAPE,
    "hallucue_corrupt.media.x__write_png__mutmut_27": _RESHAPE,
    **{f"hallucue_corrupt.media.x_donor_problem__mutmut_{n}": _IN_MEMORY for n in (12, 13)},
    "hallucue_corrupt.media.x_donor_problem__mutmut_19": (
        "a PNG whose IHDR parsed is over 24 bytes long, so data[12:] ends as data[-12:] does"
    ),
    **{f"hallucue_corrupt.media.x_encode_png__mutmut_{n}": _ZLIB_NAME for n in (14, 27)},
    "hallucue_corrupt.media.x_encode_png__mutmut_17": "np.asarray of an ndarray is the array",
    "hallucue_corrupt.media.x__chunk__mutmut_16": (
        "'>i' packs a length below 2**31 (the PNG limit) to the same bytes as '>I'"
    ),
    "hallucue_corrupt.media.x__write_png__mutmut_31": (
        "a signed-byte view of the scanlines has the same bytes for zlib, crc32 and adler32"
    ),
    "hallucue_corrupt.media.x__stored_zlib__mutmut_15": (
        "the scanlines are never under 2 bytes (a filter byte and a pixel): max(size, 1) and "
        "max(size, 2) are both size"
    ),
    # issue 17e: kernel.py, donors.py, binary.py, pcg.py (re-judged on main at 939f767)
    "hallucue_corrupt.donors.xǁDonorSwapǁof__mutmut_9": (
        "a lone random_image touches only its image column: fields == [column] whenever "
        "column is set, and a None column is refused either way"
    ),
    "hallucue_corrupt.donors.xǁDonorSwapǁ__call____mutmut_55": (
        "the stand-in bound of rows already refused: their draws are never read"
    ),
    **{
        f"hallucue_corrupt.donors.xǁDonorSwapǁ__call____mutmut_{n}": (
            "the cache of record pieces per (size, mode) missed: the same text, rebuilt"
        )
        for n in (125, 126)
    },
    **{
        f"hallucue_corrupt.donors.xǁDonorSwapǁ__call____mutmut_{n}": (
            "zip(strict=...) of the slots and their donor keys (keys_at of as many ranks)"
        )
        for n in (138, 141, 142)
    },
    "hallucue_corrupt.donors.x__quote__mutmut_1": (
        "json.dumps(text, ensure_ascii=False) of a text _PLAIN matches is '\"' + text + '\"'"
    ),
    "hallucue_corrupt.donors.x__quote__mutmut_9": "ensure_ascii=None is falsy, as False",
    **{
        f"hallucue_corrupt.donors.x__frame__mutmut_{n}": (
            "the frame's row is a PNG whose first donor passed the checks: its engine record "
            "always has a corruptions list of one applied entry and no error, and a record "
            "that differs fails the final records[0] check all the same"
        )
        for n in (3, 5, 8, 9, 17, 18)
    },
    "hallucue_corrupt.donors.x__frame__mutmut_35": (
        "find and rfind agree on a mark the next line requires to occur exactly once"
    ),
    **{
        f"hallucue_corrupt.donors.x__png_donors__mutmut_{n}": (
            "a dead branch: the donors are an Arrow struct of the batch column's own type, "
            "whose headers png_headers has just read, so it never returns None here"
        )
        for n in (9, 10, 11, 12, 13)
    },
    **{
        f"hallucue_corrupt.donors.x__png_donors__mutmut_{n}": (
            "a float64 tail holds and compares the same byte values as a uint8 one"
        )
        for n in (25, 27)
    },
    "hallucue_corrupt.donors.x__png_donors__mutmut_35": (
        "donors already refused keep an all-zero tail, which fails the IEND check: dropping "
        "the earlier mask refuses them all the same"
    ),
    **{
        f"hallucue_corrupt.binary.x_binary_buffers__mutmut_{n}": (
            "a dead branch: pyarrow never gives a binary array without a data buffer (it "
            "refuses to build one: 'Value data buffer is null')"
        )
        for n in (18, 26, 27)
    },
    "hallucue_corrupt.binary.x_binary_buffers__mutmut_29": "zero_copy_only=None is falsy, as False",
    **{
        f"hallucue_corrupt.binary.x_gather_binary__mutmut_{n}": (
            "float64 lengths (integers below 2**53) sum exactly into the integer offsets"
        )
        for n in (17, 19)
    },
    **{
        f"hallucue_corrupt.binary.x_gather_binary__mutmut_{n}": (
            "zip(strict=...) of the rows and their chunks: always the same length"
        )
        for n in (28, 31, 33)
    },
    "hallucue_corrupt.binary.x_pack_binary__mutmut_38": (
        "pyarrow drops a validity bitmap given with null_count=0: the same array"
    ),
    "hallucue_corrupt.binary.x_pack_binary__mutmut_52": (
        "without null_count pyarrow counts the nulls from the validity bitmap"
    ),
    **{
        f"hallucue_corrupt.binary.x_pack_binary__mutmut_{n}": (
            "pa.array infers bool from a numpy bool array"
        )
        for n in (41, 43)
    },
    **{
        f"hallucue_corrupt.pcg.x_{name}__mutmut_{n}": (
            "np.zeros_like(None) / np.full_like(None, x) is a 0-d object array: each element "
            "operation is then numpy uint64 scalar arithmetic, wrapping as the arrays do, "
            "broadcast over the seeds (equal to numpy on every seed the tests draw)"
        )
        for name, n in (("_seed_words", 7), ("_step", 2), ("_first_output", 38))
    },
    "hallucue_corrupt.pcg.x__seed_words__mutmut_40": (
        "a ninth word is computed and never read (PCG64 seeding reads eight)"
    ),
    **{
        f"hallucue_corrupt.pcg.x_{name}__mutmut_{n}": (
            "`<=` for `<` in a carry test: the sum equals the addend only when the other "
            "addend is 0 mod 2**64, which the odd increment never is and the seeded word "
            "is with probability 2**-64"
        )
        for name, n in (("_step", 20), ("_first_output", 54))
    },
    "hallucue_corrupt.pcg.x_first_integers__mutmut_41": (
        "(2**32 + n) % n == (2**32 - n) % n: adding or taking n changes nothing mod n"
    ),
    "hallucue_corrupt.pcg.x_first_integers__mutmut_50": (
        "for n = 1 and n = 2 the threshold (2**32 - n) % n is 0, so every draw is exact "
        "with or without the n == 1 clause"
    ),
    "hallucue_corrupt.pcg.x_first_integers__mutmut_52": (
        "for n = 1, m >> 32 of a 32-bit word times 1 is already 0"
    ),
    **{
        f"hallucue_corrupt.kernel.x_png_headers__mutmut_{n}": (
            "float zeros hold, compare and convert header bytes (0-255) as uint8 zeros do"
        )
        for n in (23, 25, 61, 63)
    },
    "hallucue_corrupt.kernel.x_png_headers__mutmut_70": (
        "rows already refused (null or short) keep an all-zero head, which fails the "
        "signature check: dropping the earlier mask refuses them all the same"
    ),
    **{
        f"hallucue_corrupt.kernel.xǁBatchKernelǁ_by_header__mutmut_{n}": (
            "the sentinel is ASCII but for its NUL bytes, escaped as \\u0000 whatever "
            "ensure_ascii says; ensure_ascii=None is falsy, as False"
        )
        for n in (17, 19, 20, 102)
    },
    **{
        f"hallucue_corrupt.kernel.xǁBatchKernelǁ_by_header__mutmut_{n}": (
            "any sort order within a group: its rows share width, height and mode, so "
            "whichever runs through the engine gives the same image and record"
        )
        for n in (46, 48, 50)
    },
    "hallucue_corrupt.kernel.xǁBatchKernelǁ_by_header__mutmut_58": (
        "one more search bound than groups: the loop never reads it"
    ),
    **{
        f"hallucue_corrupt.kernel.xǁBatchKernelǁ_by_header__mutmut_{n}": (
            "zip(strict=...) of a group's slots and its rows: always the same length"
        )
        for n in (92, 95, 96)
    },
    **{
        f"hallucue_corrupt.kernel.xǁBatchKernelǁ_by_donor__mutmut_{n}": (
            "zip(strict=...) of the swapped rows and their records: always the same length"
        )
        for n in (16, 19, 20)
    },
    **{
        f"hallucue_corrupt.kernel.xǁBatchKernelǁ_by_donor__mutmut_{n}": (
            "a float (or None-holding bool) mask gives the same flatnonzero"
        )
        for n in (25, 27, 28)
    },
    **{
        f"hallucue_corrupt.kernel.x__binary__mutmut_{n}": (
            "the fast binary builder skipped: pa.array builds the same array (only slower, "
            "which benchmarks/scale.py measures)"
        )
        for n in (1, 4, 5, 8)
    },
    **{
        f"hallucue_corrupt.kernel.x_to_arrow__mutmut_{n}": (
            "the fast image-struct builder skipped: pa.array builds the same array (only "
            "slower, which benchmarks/scale.py measures)"
        )
        for n in (2, 10, 11, 12, 13, 16, 17, 20, 21, 22, 23, 24)
    },
    **{
        f"hallucue_corrupt.kernel.x_to_arrow__mutmut_{n}": (
            "the values of an image column are the engine's image dicts or None: a test "
            "that only differs for other values (or skips the fast builder for these) "
            "gives the same array"
        )
        for n in (14, 18)
    },
    "hallucue_corrupt.kernel.x_to_arrow__mutmut_3": (
        "the field names of a type that is not a struct (none, or a list's item) are not "
        "bytes and path either: the same fallback"
    ),
    **{
        f"hallucue_corrupt.kernel.x__binary__mutmut_{n}": (
            "np.fromiter with no dtype (float64) or no count gives the same lengths, summed "
            "exactly into the integer offsets"
        )
        for n in (17, 21)
    },
    "hallucue_corrupt.kernel.x__binary__mutmut_42": (
        "np.fromiter without a count reads the whole generator: the same validity array"
    ),
    **{
        f"hallucue_corrupt.kernel.xǁBatchKernelǁ_by_row__mutmut_{n}": (
            "zip(strict=...) of the rows and their slots: always the same length"
        )
        for n in (16, 19, 20)
    },
    **{
        f"hallucue_corrupt.kernel.xǁBatchKernelǁ_by_row__mutmut_{n}": (
            "pa.array infers int64 from an int64 numpy array"
        )
        for n in (4, 6)
    },
    "hallucue_corrupt.kernel.xǁBatchKernelǁ_by_row__mutmut_33": (
        "None stored in a numpy bool array is False"
    ),
    "hallucue_corrupt.kernel.x__one_array__mutmut_1": (
        "combine_chunks of one chunk is the same array (a copy)"
    ),
    **{
        f"hallucue_corrupt.kernel.xǁBatchKernelǁ_run__mutmut_{n}": (
            "rows read from Arrow hold their images as {bytes, path} dicts: ImageRef.wrap "
            "keeps that form for kind=None and falls back to it for an unknown kind"
        )
        for n in (3, 6, 7, 8)
    },
    **{
        f"hallucue_corrupt.kernel.x__scatter__mutmut_{n}": (
            "a float mask (or None stored in a bool one, False) gives the same flatnonzero"
        )
        for n in (13, 15, 16)
    },
    **{
        f"hallucue_corrupt.kernel.x__scatter__mutmut_{n}": (
            "np.arange(n) is int64 on the 64-bit platforms this runs on"
        )
        for n in (32, 34, 46, 48)
    },
    "hallucue_corrupt.kernel.xǁBatchKernelǁ__call____mutmut_29": (
        "ensure_ascii=None is falsy, as False"
    ),
    **{
        f"hallucue_corrupt.kernel.xǁBatchKernelǁ__init____mutmut_{n}": (
            "the sentinel is ASCII but for its NUL bytes, escaped as \\u0000 whatever "
            "ensure_ascii says; ensure_ascii=None is falsy, as False"
        )
        for n in (31, 33, 34)
    },
    "hallucue_corrupt.kernel.xǁBatchKernelǁ__init____mutmut_18": _CAST,
    "hallucue_corrupt.kernel.xǁBatchKernelǁ__init____mutmut_41": (
        "a selection ratio of 2 selects every row, as 1 does (ratio >= 1)"
    ),
    "hallucue_corrupt.kernel.xǁBatchKernelǁ__init____mutmut_49": (
        "DonorSwap.of is None for a header-only pipeline (blank_image is not random_image), "
        "so asking it changes nothing"
    ),
    **{
        f"hallucue_corrupt.kernel.xǁBatchKernelǁ__call____mutmut_{n}": (
            "pa.array infers string from a list of record strings"
        )
        for n in (140, 142)
    },
    "hallucue_corrupt.kernel.xǁBatchKernelǁ_header_only_column__mutmut_2": (
        "a pipeline of header-only corruptions (blank_image) needs no text and edits no "
        "placeholder, so it touches only the image column: the loop returns the same"
    ),
    **{
        f"hallucue_corrupt.kernel.x__scatter__mutmut_{n}": (
            "zip(strict=...) of the pieces and the rows they go to: always the same length"
        )
        for n in (38, 41, 42)
    },
    # report.py
    **{
        f"hallucue_corrupt.report.x__plots__mutmut_{n}": (
            "matplotlib reads backend names in any case"
        )
        for n in (3, 4)
    },
    **{
        f"hallucue_corrupt.report.x__plots__mutmut_{n}": "zip(strict=...) of [step, value] pairs"
        for n in (99, 101, 102)
    },
    **{
        f"hallucue_corrupt.report.x__plots__mutmut_{n}": (
            "plt.close(None) closes the current figure, which is the one just saved"
        )
        for n in (89, 141)
    },
    # functional/image.py
    "hallucue_corrupt.functional.image.x_mean_rgb__mutmut_16": _RESHAPE,
    **{
        f"hallucue_corrupt.functional.image.x_mean_rgb__mutmut_{n}": (
            "numpy's mean of uint8 pixels accumulates in float64, as of float64 pixels"
        )
        for n in (3, 5)
    },
    **{
        f"hallucue_corrupt.functional.image.x_contrast__mutmut_{n}": (
            "a per-channel mean of shape (C,) broadcasts over HxWxC as one of shape (1, 1, C)"
        )
        for n in (5, 8)
    },
    "hallucue_corrupt.functional.image.x_psnr__mutmut_7": (
        "float32 - float64 is computed in float64 on the same values"
    ),
    "hallucue_corrupt.functional.image.x_channel_means8__mutmut_4": (
        "cv2.mean returns Python floats, which numpy stores as float64 by default"
    ),
    "hallucue_corrupt.functional.image.x_jpeg__mutmut_13": "Pillow reads format names in any case",
    "hallucue_corrupt.functional.image.x_shuffle_patches__mutmut_30": (
        "a 1x1 grid's only order rolled is itself"
    ),
    # functional/parse.py (issue 17d, on main at d72c8bd)
    **{
        f"hallucue_corrupt.functional.parse.xǁParseǁjoin__mutmut_{n}": (
            "prev is read only after the first kept span has set it: its start value is unused"
        )
        for n in (7, 8, 9)
    },
    "hallucue_corrupt.functional.parse.x__choice_lines__mutmut_14": (
        "the head search runs without its shortcut and finds the same head, only slower"
    ),
    "hallucue_corrupt.functional.parse.x__choice_lines__mutmut_22": (
        "a dead store: `end = head.end()` is overwritten on the next line"
    ),
    "hallucue_corrupt.functional.parse.x__choice_lines__mutmut_25": (
        "the head starts at a word, never at a line's end, so no line ends exactly there"
    ),
    "hallucue_corrupt.functional.parse.x__sentences__mutmut_1": (
        "the early return is a shortcut: an empty or blank range trims to no piece anyway"
    ),
    "hallucue_corrupt.functional.parse.x__question_clause__mutmut_8": (
        "clause marks past e are dropped by m.end() < e, and one ending before e is the "
        "same match with or without the search bound"
    ),
    **{
        f"hallucue_corrupt.functional.parse.x__inline_choices__mutmut_{n}": (
            "str.find from a mark's first character (a letter or bracket, never a line "
            "break) returns -1 or a position past it, never 0: < 0, <= 0 and < 1 agree"
        )
        for n in (15, 16)
    },
    "hallucue_corrupt.functional.parse.x__listed_choices__mutmut_5": (
        "an empty string is falsy where None is, and the caller only tests `if block`"
    ),
    # 17g: parse (the full run on main at 3b300bc; stale and wrong parse entries above
    # removed: Patterns.__init__ 11/12, _trim 7 and _parse 35 are other mutants now, killed;
    # _sentences 24/27/72 change the parse, killed by tests/test_mutants_parse_*.py)
    "hallucue_corrupt.functional.parse.x__masked__mutmut_3": (
        "every _MATH match opens with $ or a backslash: without them the substitution "
        "finds nothing and returns the text, only slower"
    ),
    "hallucue_corrupt.functional.parse.x__masked__mutmut_21": (
        "start is set at the first opening brace before it is read, and done=None as a "
        "slice bound reads as 0"
    ),
    "hallucue_corrupt.functional.parse.xǁPatternsǁwithin__mutmut_2": (
        "differs only for a Patterns with words but no builtin patterns, where the "
        "extra-only Patterns it returns runs the same extra patterns as self"
    ),
    "hallucue_corrupt.functional.parse.x__sentences__mutmut_31": (
        "a stop's cut lies after the stop, so no cut equals a: a <= c admits nothing more"
    ),
    "hallucue_corrupt.functional.parse.x__sentences__mutmut_32": (
        "a cut at b adds the empty range (b, b) to the instruction scan: no capital in it "
        "to cut before"
    ),
    "hallucue_corrupt.functional.parse.x__sentences__mutmut_73": (
        "an empty piece only arises last on its line (every earlier piece holds its stop "
        "or the capital it was cut before), so `break` there ends what `continue` would"
    ),
    **{
        f"hallucue_corrupt.functional.parse.x__abbreviation_before__mutmut_{n}": (
            "the word found is the last white-space-separated word of masked[a:end] for any "
            "window in [a, end]: a window with two words or more ends with it, and one with "
            "fewer falls back to the whole range (a wider, empty or always-falling-back "
            "window, or another split limit with the same last part and the same "
            "fewer-than-two test, finds the same word)"
        )
        for n in (6, 7, 11, 13, 14, 15, 16, 17, 21, 23)
    },
    "hallucue_corrupt.functional.parse.x__abbreviation_before__mutmut_32": (
        "the word is lower-cased first: it holds no capital X to strip"
    ),
    "hallucue_corrupt.functional.parse.x__abbreviation_before__mutmut_33": (
        "neither '' nor 'XXXX' is an abbreviation"
    ),
    "hallucue_corrupt.functional.parse.x__parse__mutmut_17": (
        "_choice_lines runs without its guard, which only lets it run where it can find "
        "something (tests/test_parse_speed.py checks the guard): the same block, slower"
    ),
    "hallucue_corrupt.functional.parse.x__parse__mutmut_38": "str.rfind reads start None as 0",
    "hallucue_corrupt.functional.parse.x__parse__mutmut_45": (
        "searching from 1 misses only a line break at 0, which matters only when a == 0, "
        "and a block never starts on a line break: max(a, .) is a either way"
    ),
    "hallucue_corrupt.functional.parse.x__parse__mutmut_73": (
        "`taken` is built and never read (a dead list)"
    ),
    "hallucue_corrupt.functional.parse.x__parse__mutmut_103": (
        "an empty or blank line cuts into no pieces (_sentences returns at once): the "
        "skip only saves the call"
    ),
    **{
        f"hallucue_corrupt.functional.parse.x__parse__mutmut_{n}": (
            "spans do not overlap and none is empty, so no two share a start: sorting by "
            "the whole tuple is sorting by the start"
        )
        for n in (119, 121, 142)
    },
    **{
        f"hallucue_corrupt.functional.parse.x__parse__mutmut_{n}": (
            "zip(strict=...) of the pieces and their roles, made one per piece"
        )
        for n in (131, 134, 135)
    },
    # lane 17f: functional/image.py, functional/parse.py and media.py run after the
    # cache fix (main at 939f767)
    **{
        f"hallucue_corrupt.functional.image.x_mode_color__mutmut_{n}": (
            "a uniform 2x1 or 1x2 image has the colour of the 1x1 one at (0, 0)"
        )
        for n in (12, 13, 36, 37)
    },
    **{
        f"hallucue_corrupt.functional.image.x__blank_array__mutmut_{n}": (
            "for bool arrays white_level is 1.0, and c / 255 * 1.0 equals c / 255 * True"
        )
        for n in (3, 7, 8)
    },
    "hallucue_corrupt.functional.image.x__blank_array__mutmut_36": (
        "'i' and 'u' are still in the string 'XXiuXX' (a membership test on characters)"
    ),
    "hallucue_corrupt.functional.image.x_psnr__mutmut_19": "float() reads 'INF' as 'inf'",
    "hallucue_corrupt.functional.image.x__blank_array__mutmut_46": (
        "assigning into the typed output casts as astype(dtype) does (values already rounded)"
    ),
    "hallucue_corrupt.functional.image.x__blank_array__mutmut_49": (
        "for an HxW array the one-value colour list broadcasts as its one value does"
    ),
    **{
        f"hallucue_corrupt.functional.image.x_from_unit__mutmut_{n}": (
            "np.rint into a new array instead of in place: the same values (only the consumed "
            "array, which its caller drops, keeps the unrounded ones)"
        )
        for n in (38, 40)
    },
    **{
        f"hallucue_corrupt.functional.image.x_psnr__mutmut_{n}": (
            "float32 - float64 is computed in float64 on the same values"
        )
        for n in (9, 11, 13)
    },
    "hallucue_corrupt.functional.image.x_gaussian_noise__mutmut_8": _RESHAPE,
    **{
        f"hallucue_corrupt.functional.image.x_gaussian_noise__mutmut_{n}": (
            "uint16 indices always fall inside the 65,536-entry table: mode='clip' never clips"
        )
        for n in (36, 39)
    },
    **{
        f"hallucue_corrupt.functional.image.x_gaussian_blur__mutmut_{n}": (
            "OpenCV reads ksize None as (0, 0) and a missing or None sigmaY as sigmaX"
        )
        for n in (6, 8, 13, 61, 63, 68)
    },
    "hallucue_corrupt.functional.image.x_channel_means8__mutmut_2": (
        "cv2.mean returns Python floats, which numpy stores as float64 by default"
    ),
    **{
        f"hallucue_corrupt.functional.image.x_{f}__mutmut_{n}": (
            "a float64 colour matrix whose float32 rounding is the float32 matrix (float32 "
            "products, or one float64 value rounded once either way): OpenCV converts it to "
            "float32 for 8-bit pixels (the same pixels on all 16.7M colours at amounts where "
            "a double-precision matrix would round otherwise)"
        )
        for f, ns in (("contrast8", (5, 7, 13, 15)), ("desaturate8", (50, 52)))
        for n in ns
    },
    "hallucue_corrupt.functional.image.x_occlude__mutmut_47": (
        "rng.integers(high) draws exactly as rng.integers(0, high)"
    ),
    "hallucue_corrupt.functional.image.x_occlude__mutmut_57": (
        "rng.integers(high) draws exactly as rng.integers(0, high)"
    ),
    **{
        f"hallucue_corrupt.functional.image.x_occlude__mutmut_{n}": (
            "the fill row is cast to the image's dtype when assigned into it"
        )
        for n in (66, 68, 72, 74)
    },
    "hallucue_corrupt.functional.image.x_jpeg8__mutmut_23": (
        "OpenCV reads the extension in any case"
    ),
    **{
        f"hallucue_corrupt.functional.image.x_jpeg8__mutmut_{n}": (
            "without IMREAD_COLOR_RGB the BGR decode and conversion give the same pixels "
            "(tests/test_mutants_image_ops.py compares both paths)"
        )
        for n in (29, 30, 35, 36)
    },
    "hallucue_corrupt.functional.image.x_jpeg__mutmut_11": (
        "optimize=False is Pillow's default: the same bytes"
    ),
    "hallucue_corrupt.functional.parse.xǁParseǁ_gap__mutmut_3": (
        "join asks for the gap before span i only for i >= 1: i == 0 never comes"
    ),
    **{
        f"hallucue_corrupt.functional.parse.xǁParseǁ_gap__mutmut_{n}": (
            "join asks for the gap before span i only for i >= 1: i == 0 never comes"
        )
        for n in (6, 8)
    },
    "hallucue_corrupt.functional.parse.x__choice_lines__mutmut_63": (
        "the first line matched sets end before it is read: its start value is unused"
    ),
    **{
        f"hallucue_corrupt.functional.parse.x__sentences__mutmut_{n}": (
            "an empty or blank range gives no piece with or without the early return"
        )
        for n in (2,)
    },
    **{
        f"hallucue_corrupt.functional.parse.x__sentences__mutmut_{n}": (
            "every range ends at a line end (or the text's end), so a search or cut past it "
            "adds only cuts that the a < c < b and cut <= b filters drop"
        )
        for n in (9, 47)
    },
    **{
        f"hallucue_corrupt.functional.parse.x__sentences__mutmut_{n}": (
            "a cut at the piece start or at b only adds an empty piece, which the trim drops"
        )
        for n in (60, 61)
    },
    "hallucue_corrupt.functional.parse.x__split_hints__mutmut_90": (
        "no empty piece is ever built (each is trimmed non-blank text or a hint match)"
    ),
    "hallucue_corrupt.functional.parse.x__question_clause__mutmut_9": (
        "a clause starting at e is empty: it holds no asking word, blank or question mark"
    ),
    "hallucue_corrupt.media.x__deflate__mutmut_12": (
        "zlib's Z_RLE and Z_HUFFMAN_ONLY ignore the level above 0 and write level flags 0 "
        "(the golden-bytes test of every encoding holds)"
    ),
    "hallucue_corrupt.media.x__write_png__mutmut_60": (
        "signed formats pack a width and height below 2**31 and bytes below 128 the same"
    ),
    "hallucue_corrupt.media.x_white_level__mutmut_6": (
        "'i' and 'u' are still in the string 'XXiuXX' (a membership test on characters)"
    ),
    "hallucue_corrupt.media.x__like__mutmut_4": "astype(None) is float64",
    "hallucue_corrupt.media.x__like__mutmut_9": (
        "'i' and 'u' are still in the string 'XXiuXX' (a membership test on characters)"
    ),
    "hallucue_corrupt.media.x__pixels_of__mutmut_4": _CAST,
    "hallucue_corrupt.media.xǁImageRefǁarray__mutmut_4": _CAST,
    "hallucue_corrupt.media.x_donor_problem__mutmut_20": (
        "data[-13:] ends with the 8-byte IEND tail exactly when data[-12:] does"
    ),
    "hallucue_corrupt.media.x_encode_png__mutmut_13": _ZLIB_NAME,
    "hallucue_corrupt.media.x__array_mode__mutmut_13": (
        "the channel count is read only for 3-D arrays: 0 or 1 for an HxW array is the same"
    ),
    **{
        f"hallucue_corrupt.media.xǁImageRefǁpng8__mutmut_{n}": (
            "without IMREAD_COLOR_RGB the BGR decode and conversion give the same pixels "
            "(tests/test_mutants_media_forms.py compares both paths)"
        )
        for n in (32, 33, 38, 39)
    },
    # 17h: image, media (re-judged on a full run of both on main at 3b300bc)
    **{f"hallucue_corrupt.media.x_encode_png__mutmut_{n}": _ZLIB_NAME for n in (28,)},
    **{
        f"hallucue_corrupt.media.x_encode_png__mutmut_{n}": "Pillow reads format names in any case"
        for n in (47, 53)
    },
    "hallucue_corrupt.media.x__write_png__mutmut_9": (
        "_scanlines is a shortcut: without it the pixels are copied behind zero filter bytes, "
        "the very scanlines it would have found (only slower)"
    ),
    "hallucue_corrupt.media.x__scanlines__mutmut_38": _RESHAPE,
    **{
        f"hallucue_corrupt.media.x__has_chunk__mutmut_{n}": (
            "the walk ends without a complete IEND chunk (or on an 8-byte chunk header at the "
            "very end) only in bytes libpng refuses, since it reads on to IEND: png8 gives None "
            "whatever _has_chunk answers"
        )
        for n in (4, 5, 26)
    },
    "hallucue_corrupt.media.xǁImageRefǁrestore__mutmut_35": (
        ".to(None) keeps a tensor where it is: the same as .to(its own device) on CPU-only "
        "torch (here and in CI); on a GPU, tests/test_mutants_media_png.py's device test kills it"
    ),
    **{
        f"hallucue_corrupt.functional.image.x_desaturate8__mutmut_{n}": (
            "dst left out: OpenCV returns a new array, which _written copies into out"
        )
        for n in (23, 26)
    },
    "hallucue_corrupt.functional.image.x_mask_patches__mutmut_22": (
        "masks are read as non-zero (OpenCV's masked ops, astype(bool)): 2 marks a cell as 1 does"
    ),
    **{f"hallucue_corrupt.functional.image.x_fill_masked__mutmut_{n}": _RESHAPE for n in (8,)},
    "hallucue_corrupt.functional.image.x_fill_masked__mutmut_13": (
        "4 channels through numpy's masked assignment instead of OpenCV's masked ops: the same "
        "pixels (OpenCV's is the speed path)"
    ),
    "hallucue_corrupt.functional.image.x_fill_masked__mutmut_30": "astype(None) is float64",
    "hallucue_corrupt.functional.image.x_fill_masked__mutmut_38": (
        "cv2.add reads only as many components of a 4-value scalar as the image has channels "
        "(at most 3 here: 4 go the same way either way)"
    ),
    "hallucue_corrupt.functional.image.x_fill_masked__mutmut_50": _CAST,
    "hallucue_corrupt.functional.image.x_from_uint8__mutmut_65": (
        "to_pixels gives the channels of target[:-1] (L for LA, RGB for RGBA and PA), so base "
        "already has that mode and converting it is a copy"
    ),
    "hallucue_corrupt.functional.image.x_to_pixels__mutmut_47": (
        "png8 is a speed path: without it Pillow decodes the same 8-bit L or RGB pixels into "
        "the same Unit (PNG is lossless: every decoder gives the same pixels)"
    ),
    **{
        f"hallucue_corrupt.functional.image.x_to_pixels__mutmut_{n}": (
            "the format test only saves a getexif() call: every format Pillow reads an "
            "orientation from keeps it in info['exif'] (JPEG, WebP, MPO, PNG's eXIf) or applies "
            "it on load (TIFF), and a PNG without one has no orientation"
        )
        for n in (65, 66, 67)
    },
    **{
        f"hallucue_corrupt.functional.image.x_to_pixels__mutmut_{n}": (
            "exif_transpose applies the image's own orientation tag and copies the image when "
            "there is none or it is 1: calling it more often gives the same pixels"
        )
        for n in (71, 73, 74, 75, 76)
    },
    **{
        f"hallucue_corrupt.functional.image.x_to_pixels__mutmut_{n}": (
            "an LA image converted to RGBA has the same alpha channel as its own"
        )
        for n in (100, 105, 106)
    },
    **{
        f"hallucue_corrupt.functional.image.x_to_pixels__mutmut_{n}": (
            "the array of an F image (or of one converted to F) is float32 already"
        )
        for n in (127, 129)
    },
    "hallucue_corrupt.functional.image.x_to_pixels__mutmut_130": (
        "the array of a 16- or 32-bit integer image holds the integers that convert('F') "
        "gives as float32, and asarray(dtype=float32) converts them the same way (exact below "
        "2**24, round-to-nearest above, as Pillow's C cast)"
    ),
    **{
        f"hallucue_corrupt.functional.image.x_to_pixels__mutmut_{n}": (
            "converting an F image to F is a copy"
        )
        for n in (131, 136, 137)
    },
    **{
        f"hallucue_corrupt.functional.image.x_to_pixels__mutmut_{n}": (
            "the work image is 8-bit L or RGB, whose array is uint8 already (173: converting "
            "an image to its own mode is a copy)"
        )
        for n in (170, 172, 173)
    },
    "hallucue_corrupt.functional.image.x_to_pixels__mutmut_101": (
        "convert() without a mode turns a palette image with transparency into RGBA and copies "
        "RGBA and PA images: the same alpha channel"
    ),
    "hallucue_corrupt.functional.image.x_from_unit__mutmut_70": (
        "Image.fromarray of int32 values is mode I already: convert(None) copies it"
    ),
    **{
        f"hallucue_corrupt.functional.image.x_from_unit__mutmut_{n}": (
            "float64 instead of float32 or int32 values: Pillow's F image (float32) of the same "
            "whole numbers up to 65535, or of unit * 255 rounded to float32 as astype does"
        )
        for n in (72, 104)
    },
    **{
        f"hallucue_corrupt.functional.image.x_from_unit__mutmut_{n}": (
            "I;16N is native order, which is '<u2' on the little-endian machines this runs on"
        )
        for n in (84, 85)
    },
    **{
        f"hallucue_corrupt.functional.image.x_from_unit__mutmut_{n}": (
            "np.rint into a new array instead of in place: the same values (only the consumed "
            "array, which its caller drops, keeps the unrounded ones)"
        )
        for n in (117, 119)
    },
    "hallucue_corrupt.functional.image.x_from_uint8__mutmut_81": (
        "converting an image to its own mode is a copy"
    ),
    "hallucue_corrupt.functional.image.x_from_uint8__mutmut_77": (
        "a palette image's pixels come as RGB (to_pixels' work mode for P), so base is RGB "
        "already and converting it is a copy"
    ),
    "hallucue_corrupt.functional.image.x_from_uint8__mutmut_69": (
        "with alpha kept aside, target is RGB only for a palette image (P becomes RGB; LA, RGBA "
        "and PA were handled above): `or` and `and` agree"
    ),
    **{
        f"hallucue_corrupt.functional.image.x_uniform16__mutmut_{n}": (
            "random_raw gives native uint64, which is '<u8' on the little-endian machines this "
            "runs on (x86-64, arm64; a big-endian one would need the explicit order)"
        )
        for n in (9, 11)
    },
    **{
        f"hallucue_corrupt.functional.image.x_gaussian_noise8__mutmut_{n}": _RESHAPE
        for n in (8, 103)
    },
    **{
        f"hallucue_corrupt.functional.image.x_gaussian_noise8__mutmut_{n}": (
            "a float64 stage: _written copies OpenCV's uint8 result into it and _put_flat from "
            "it into out, whole values 0-255 either way"
        )
        for n in (23, 25)
    },
    **{
        f"hallucue_corrupt.functional.image.x_gaussian_noise8__mutmut_{n}": (
            "uint16 indices always fall inside the 65,536-entry table: mode='wrap' never wraps"
        )
        for n in (61, 64)
    },
    **{
        f"hallucue_corrupt.functional.image.x_gaussian_noise8__mutmut_{n}": (
            "dst left out: OpenCV returns a new array, which _written copies into dst"
        )
        for n in (84, 88)
    },
    **{
        f"hallucue_corrupt.functional.image.x__written__mutmut_{n}": (
            "a dead branch: every dst given is a fresh C-contiguous array of the result's type "
            "and shape, which OpenCV writes into and hands back (1 copies dst onto itself)"
        )
        for n in (1, 2, 3)
    },
    # 17i: dataset (a full run of dataset.py on main at 2f78a68)
    **{
        f"hallucue_corrupt.dataset.xǁMapFunctionǁ_row__mutmut_{n}": (
            "an unknown kind string: ImageRef.wrap compares kind only with 'pil', 'array' and "
            "'bytes' and gives the datasets dict otherwise, as for 'dict' (RowState.kind reaches "
            "nothing but wrap)"
        )
        for n in (11, 12)
    },
    "hallucue_corrupt.dataset.x_corrupt_dataset__mutmut_112": (
        "the input not cast undecoded: the map reads it as Arrow (with_format('arrow')), the "
        "donor pool from .data and the keys by arrow_column, where a decoding and a "
        "non-decoding Image column hold the same struct; restore_images casts the output's "
        "image columns to the input's features either way. Only the spelling of the cache "
        "fingerprint (the input's own fingerprint, not the cast's) changes"
    ),
    "hallucue_corrupt.dataset.x_corrupt_dataset__mutmut_138": (
        "dataset= passed although keys= is given: bind reads dataset only when keys is None"
    ),
    **{
        f"hallucue_corrupt.dataset.x_corrupt_dataset__mutmut_{n}": (
            "features= not passed: datasets' writer then starts from the input's features and "
            "keeps each whose Arrow type the output column still has (the kernel returns every "
            "column in its input's Arrow type), infers the rest (the string record column, a "
            "text *_original) as the same features, and restore_images casts the image columns "
            "back to the input's Image features"
        )
        for n in (147, 158, 166)
    },
    "hallucue_corrupt.dataset.x_corrupt_dataset__mutmut_169": (
        "with_format(None) for 'arrow': the map gets Python batches, which MapFunction "
        "corrupts row by row with the same keyed draws and bytes as the batch kernel (the "
        "kernel's contract, test_kernel_equals_the_row_engine_for_every_corruption); the "
        "output's format is set from the input's afterwards either way"
    ),
}


@dataclass(frozen=True)
class Named:
    """One hand-made mutant: ``old`` becomes ``new`` in ``path`` (under src/hallucue_corrupt)."""

    what: str
    path: str
    old: str
    new: str


#: The 15 survivors of issue 17's audit (the placeholder check in two places), as patches.
NAMED = [
    Named(
        "bernoulli selection ignores the epoch",
        "selection.py",
        "uniform(self.seed, key, SELECT_STREAM, self.epoch) < self.ratio",
        "uniform(self.seed, key, SELECT_STREAM, 0) < self.ratio",
    ),
    Named(
        "on_error keeps a partly corrupted row",
        "engine.py",
        "state = RowState(dict(row), key, columns, pipeline.seed, selection.epoch)\n",
        "state = RowState(state.row, key, columns, pipeline.seed, selection.epoch)\n",
    ),
    Named(
        "placeholder check (text only) lets a corruption add <image>",
        "engine.py",
        "elif before[1] is not None and marks != before[1]:",
        "elif before[1] is not None and marks < before[1]:",
    ),
    Named(
        "placeholder check (image and text) lets a corruption add <image>",
        "engine.py",
        "if before[0] == before[1] and images != marks:",
        "if before[0] == before[1] and marks < images:",
    ),
    Named(
        "blank_image(fill='mean') truncates the mean",
        "functional/image.py",
        "r, g, b = (int(np.rint(c)) for c in mean)",
        "r, g, b = (int(c) for c in mean)",
    ),
    Named(
        "shuffle_conditions may return the identity order",
        "corruptions/text.py",
        "if order == list(range(n)):\n            order = order[1:] + order[:1]",
        "if False:\n            order = order[1:] + order[:1]",
    ),
    Named(
        "gaussian noise at half its recorded sigma",
        "functional/image.py",
        "table = _offsets8(float(sigma))",
        "table = _offsets8(float(sigma) / 2)",
    ),
    Named(
        "RGBA PNG bytes read as RGB by the header fast path",
        "media.py",
        '(8, 6): "RGBA"',
        '(8, 6): "RGB"',
    ),
    Named(
        "noisy-PNG fast path drops alpha",
        "media.py",
        '"RGBA": "COLOR_RGBA2BGRA"',
        '"RGBA": "COLOR_RGBA2BGR"',
    ),
    Named(
        "from_unit makes a PIL RGBA image opaque",
        "functional/image.py",
        "base = base.convert(target[:-1])\n"
        "            base.putalpha(alpha)\n"
        "            return base",
        "return base.convert(target)",
    ),
    Named(
        "an HxWx1 array comes back HxW from random_image with encoded donors",
        "media.py",
        "array = array[:, :, None]",
        "array = array",
    ),
    Named(
        "records.summarize: effective_ratio = selected / rows",
        "records.py",
        '"effective_ratio": applied / rows if rows else 0.0',
        '"effective_ratio": selected / rows if rows else 0.0',
    ),
    Named(
        "report: S2 and S3 swapped",
        "report.py",
        '"S2": ("normal", "corrupted", "train"),\n    "S3": ("corrupted", "clean", "train"),',
        '"S2": ("corrupted", "clean", "train"),\n    "S3": ("normal", "corrupted", "train"),',
    ),
    Named(
        "report: S6 and S7 swapped",
        "report.py",
        '"S6": ("normal", "corrupted", "test"),\n    "S7": ("corrupted", "clean", "test"),',
        '"S6": ("corrupted", "clean", "test"),\n    "S7": ("normal", "corrupted", "test"),',
    ),
    Named(
        "report: a 90% interval reported as 95%",
        "report.py",
        "level: float = 0.95",
        "level: float = 0.90",
    ),
    Named(
        "report: random_image missing from 'solvable without the image'",
        "report.py",
        '{"blank_image", "random_image", "drop_image", "text_only"}',
        '{"blank_image", "drop_image", "text_only"}',
    ),
]


def mutmut_config(root: Path = ROOT) -> dict[str, Any]:
    """``[tool.mutmut]`` of pyproject.toml."""
    with (root / "pyproject.toml").open("rb") as fh:
        config: dict[str, Any] = tomllib.load(fh)["tool"]["mutmut"]
    return config


def core_modules(root: Path = ROOT) -> dict[str, str]:
    """Short module name (``functional.image``) -> source path, from ``only_mutate``."""
    out = {}
    for path in mutmut_config(root)["only_mutate"]:
        rel = Path(path).relative_to(f"src/{PACKAGE}")
        out[".".join(rel.with_suffix("").parts)] = path
    return out


def mutant_globs(modules: list[str], root: Path = ROOT) -> list[str]:
    """mutmut name patterns for ``modules`` (an unknown name is an error naming the known)."""
    known = core_modules(root)
    unknown = [m for m in modules if m not in known]
    if unknown:
        raise SystemExit(f"unknown module(s) {unknown}; the core modules are {sorted(known)}")
    return [f"{PACKAGE}.{m}.*" for m in modules]


def read_results(root: Path = ROOT) -> dict[str, Counter[str]]:
    """Per module, the count of each status, from the ``.meta`` files of mutmut's last run."""
    base = root / "mutants" / "src" / PACKAGE
    out: dict[str, Counter[str]] = {}
    for meta in sorted(base.rglob("*.py.meta")):
        module = ".".join(meta.relative_to(base).with_suffix("").with_suffix("").parts)
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        counts: Counter[str] = Counter()
        for name, code in codes.items():
            status = STATUS.get(code, "suspicious")
            if status in ("survived", "timeout", "suspicious") and name in EQUIVALENT:
                # judged equivalent: a timeout or crash of its tests is not a kill either
                status = "equivalent"
            counts[status] += 1
        out[module] = counts
    return out


def survivors(root: Path = ROOT) -> list[str]:
    """Names of surviving mutants not judged equivalent (``mutmut show NAME`` shows each)."""
    base = root / "mutants" / "src" / PACKAGE
    names = []
    for meta in sorted(base.rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if STATUS.get(code) == "survived" and name not in EQUIVALENT:
                names.append(name)
    return names


def table(
    results: dict[str, Counter[str]],
    modules: list[str] | None = None,
    runs: dict[str, dict[str, Any]] | None = None,
) -> str:
    """The per-module table (markdown), with a total row; ``runs`` adds each module's run
    time (minutes; ``*`` when its budget stopped it before every mutant was checked)."""
    cols = ["mutants", "killed", "survived", "equivalent", "timeout", "not checked", "score"]
    cols += ["minutes"] if runs is not None else []
    lines = ["| module | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    total: Counter[str] = Counter()
    minutes = 0.0
    for module, counts in results.items():
        if modules and module not in modules:
            continue
        total.update(counts)
        run = (runs or {}).get(module)
        extra = None if runs is None else "n/a"
        if run:
            minutes += run["seconds"] / 60
            extra = f"{run['seconds'] / 60:.0f}{'*' if run.get('stopped') else ''}"
        lines.append(_row(module, counts, extra))
    lines.append(_row("**total**", total, None if runs is None else f"{minutes:.0f}"))
    return "\n".join(lines)


def _row(name: str, c: Counter[str], extra: str | None = None) -> str:
    n = sum(c.values())
    killed = c["killed"] + c["timeout"]
    checked = killed + c["survived"]
    score = f"{100 * killed / checked:.1f}%" if checked else "n/a"
    other = n - sum(c[k] for k in ("killed", "survived", "equivalent", "timeout"))
    cells = [n, c["killed"], c["survived"], c["equivalent"], c["timeout"], other, score]
    cells += [extra] if extra is not None else []
    return f"| {name} | " + " | ".join(str(x) for x in cells) + " |"


def run_mutmut(
    modules: list[str], max_children: int, *, budget: float | None = None, nice: int = 19
) -> int:
    """Run mutmut on ``modules``, one module at a time, in the project root (it writes
    ``mutants/``) at ``nice`` priority; each module's run is stopped (SIGTERM: mutmut has
    saved what it checked) after ``budget`` seconds. Each run's time and command go to
    :data:`RUNS_FILE`."""
    env = {**os.environ, "HALLUCUE_FUZZ_EXAMPLES": os.environ.get("HALLUCUE_FUZZ_EXAMPLES", "20")}
    worst = 0
    for module, pattern in zip(modules, mutant_globs(modules), strict=True):
        cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children), pattern]
        if nice and shutil.which("nice"):
            cmd = ["nice", "-n", str(nice), *cmd]
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
        try:
            rc = proc.wait(timeout=budget)
            stopped = False
        except subprocess.TimeoutExpired:
            # mutmut 3.8 waits out SIGINT; it saves each result as it comes, so SIGTERM to
            # its process group (the workers too) keeps every mutant already checked
            os.killpg(proc.pid, signal.SIGTERM)
            rc = proc.wait()
            stopped = True
        seconds = time.monotonic() - start
        label = f"python -m benchmarks mutation --modules {module} --max-children {max_children}"
        record_run(module, seconds, label + (f" --budget {budget:g}" if budget else ""), stopped)
        worst = max(worst, rc)
    return worst


#: Wall time and command of each module's last run (written next to mutmut's results).
RUNS_FILE = "hallucue-runs.json"


def record_run(module: str, seconds: float, command: str, stopped: bool, root: Path = ROOT) -> None:
    """Note how long ``module``'s run took, how it was started and whether its budget
    stopped it (then only part of its mutants were checked)."""
    path = root / "mutants" / RUNS_FILE
    runs = read_runs(root)
    runs[module] = {"seconds": round(seconds), "command": command, "stopped": stopped}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(runs, indent=2, sort_keys=True) + "\n")


def read_runs(root: Path = ROOT) -> dict[str, dict[str, Any]]:
    """Per module, the last run's time, command and whether it was stopped early."""
    path = root / "mutants" / RUNS_FILE
    runs: dict[str, dict[str, Any]] = json.loads(path.read_text()) if path.is_file() else {}
    return runs


def run_named(tests: str = "tests/test_mutants.py") -> list[dict[str, Any]]:
    """Apply each :data:`NAMED` mutant to a copy of ``src/`` and run ``tests`` against it."""
    rows = []
    real = _pytest(ROOT / "src", tests)
    rows.append({"mutant": "(real code)", "failed": real, "status": "pass" if not real else "FAIL"})
    for mutant in NAMED:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "src"
            shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("*.egg-info"))
            path = src / PACKAGE / mutant.path
            text = path.read_text()
            if text.count(mutant.old) != 1:
                rows.append({"mutant": mutant.what, "failed": [], "status": "not applicable"})
                continue
            path.write_text(text.replace(mutant.old, mutant.new))
            failed = _pytest(src, tests)
        status = "killed" if failed else "SURVIVED"
        rows.append({"mutant": mutant.what, "failed": failed, "status": status})
    return rows


def _pytest(src: Path, tests: str) -> list[str]:
    """Names of the tests in ``tests`` that fail with the package imported from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", tests]
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True).stdout
    return [
        line.split()[1].split("::")[-1] for line in out.splitlines() if line.startswith("FAILED")
    ]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks mutation", description=__doc__)
    ap.add_argument("--modules", help="comma-separated core modules (default: all of them)")
    ap.add_argument("--max-children", type=int, default=1, help="mutants run in parallel")
    ap.add_argument("--budget", type=float, help="stop each module's run after this many s")
    ap.add_argument("--nice", type=int, default=19, help="run mutmut at this nice level")
    ap.add_argument("--results", action="store_true", help="print the last run's table only")
    ap.add_argument("--named", action="store_true", help="run issue 17's hand-made mutants")
    ap.add_argument("--survivors", action="store_true", help="list surviving mutants")
    ap.add_argument("--json", help="also write the counts to this JSON file")
    args = ap.parse_args(argv)
    if args.named:
        rows = run_named()
        for row in rows:
            print(f"{row['status']:>14}  {row['mutant']}  {' '.join(row['failed'][:3])}")
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
        bad = rows[0]["failed"] or any(r["status"] == "SURVIVED" for r in rows[1:])
        return 1 if bad else 0
    modules = args.modules.split(",") if args.modules else list(core_modules())
    mutant_globs(modules)  # unknown names fail before anything runs
    if not args.results:
        rc = run_mutmut(modules, args.max_children, budget=args.budget, nice=args.nice)
        if rc not in (0, 1):
            print(f"mutmut exited with {rc}", file=sys.stderr)
    results = read_results()
    runs = read_runs()
    print(table(results, modules, runs))
    for module in modules:
        if module in runs:
            print(f"{module}: {runs[module]['command']}")
    if args.survivors:
        prefixes = tuple(f"{PACKAGE}.{m}." for m in modules)
        print("\n".join(name for name in survivors() if name.startswith(prefixes)))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0
