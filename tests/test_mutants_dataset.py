"""``corrupt_dataset`` edges that mutation testing of dataset.py found untested (issue 17).

Each test fails on a surviving mutant of ``corrupt_dataset``, ``_fingerprint`` or
``_code_fingerprint``: the key set of a map-style dataset, the input's format arguments,
the map's cache fingerprint (what shares a cache file and what does not), and the text
column a placeholder-editing pipeline looks for. docs/reliability.md lists them.
"""

from __future__ import annotations

from typing import Any

from datasets import load_from_disk

import hallucue_corrupt as hc
from hallucue_corrupt.features import undecoded

from .conftest import make_dataset
from .test_mutants_drivers import Unreadable, _fingerprint


def _applied(out: Any) -> list[bool]:
    return [hc.records.loads(r)["applied"] for r in out["hallucue"]]


def _on_disk(tmp_path: Any, n: int = 6) -> Any:
    """A dataset backed by an Arrow file, as ``load_dataset`` gives: ``map`` caches there."""
    make_dataset(n).save_to_disk(str(tmp_path / "ds"))
    return load_from_disk(str(tmp_path / "ds"))


def test_keys_decide_the_exact_ratio_of_a_map_style_dataset():
    """``keys=`` is the key set the exact ratio ranks (not the dataset's), and without it
    the dataset's own keys are, even when the donor pool is another dataset."""
    ds = make_dataset(8)
    half = hc.Pipeline([hc.make("blank_image")], ratio=0.5, seed=3)
    ids = list(ds["id"])
    every = ids + [f"extra{i}" for i in range(24)]
    out = hc.corrupt_dataset(ds, half, key_column="id", keys=every)
    chosen = half.select(every)
    assert _applied(out) == [chosen(k) for k in ids]
    assert _applied(out) != _applied(hc.corrupt_dataset(ds, half, key_column="id"))
    assert sum(_applied(hc.corrupt_dataset(ds, half, key_column="id"))) == 4

    swap = hc.Pipeline([hc.make("random_image")], ratio=0.25, seed=5)
    donors = make_dataset(40)
    plain = hc.corrupt_dataset(ds, swap, pool=donors)
    assert _applied(plain) == [swap.select(range(8))(i) for i in range(8)]
    assert sum(_applied(plain)) == 2


def test_the_input_format_arguments_come_back():
    """A dataset with a transform (format ``custom``, the function in ``format_kwargs``)
    is returned with it."""
    ds = make_dataset(3).with_transform(lambda b: {"n": [len(p) for p in b["problem"]]})
    out = hc.corrupt_dataset(ds, hc.Pipeline([hc.make("replace_numbers")]))
    assert out.format["type"] == "custom"
    texts = out.with_format(None)["problem"]
    assert texts != make_dataset(3)["problem"]
    assert out[:3] == {"n": [len(t) for t in texts]}


def test_the_cache_fingerprint_ignores_batching_and_workers():
    """Batching and worker count do not change the bytes, so they share one cache file
    (``datasets`` would hash ``batch_size`` into its own fingerprint)."""
    ds = make_dataset(6)
    pipe = hc.Pipeline([hc.make("blank_image")], ratio=0.5)
    prints = {hc.corrupt_dataset(ds, pipe, batch_size=size)._fingerprint for size in (1, 4, 256)}
    assert len(prints) == 1


def test_a_cached_map_is_reused_only_for_the_same_columns_and_keys(tmp_path):
    """A disk-backed dataset caches each map in its own file, named by the fingerprint:
    a run with another record column, kept originals or key column must not load a
    cache written by a run without them."""
    ds = _on_disk(tmp_path)
    half = hc.Pipeline([hc.make("blank_image")], ratio=0.5, seed=2)
    first = hc.corrupt_dataset(ds, half)
    again = hc.corrupt_dataset(ds, half)
    assert again._fingerprint == first._fingerprint
    assert again.cache_files[0]["filename"] == first.cache_files[0]["filename"]

    kept = hc.corrupt_dataset(ds, half, keep_original=True)
    assert "image_original" in kept.column_names
    renamed = hc.corrupt_dataset(ds, half, record_column="rec")
    assert "rec" in renamed.column_names and "hallucue" not in renamed.column_names

    by_index = _applied(first)
    by_id = _applied(hc.corrupt_dataset(ds, half, key_column="id"))
    ids = list(ds["id"])
    assert by_id == [half.select(ids)(k) for k in ids]
    assert by_id != by_index
    # every row selected: only the draws, keyed on the sample key, tell the runs apart
    numbers = hc.Pipeline([hc.make("replace_numbers")])
    by_index = hc.corrupt_dataset(ds, numbers)["problem"]
    by_id = hc.corrupt_dataset(ds, numbers, key_column="id")["problem"]
    assert by_id == [
        numbers.apply(r, key=k, text_column="problem")[0]["problem"]
        for r, k in zip(ds, ids, strict=True)
    ]
    assert by_id != by_index


def test_code_fingerprint_reads_user_corruptions_inside_a_composite():
    """A composite whose first leaf is the library's and second a user's: the user's
    source is still read (so an unreadable one gives up on the fingerprint)."""
    ds = make_dataset(4)
    mixed = hc.make("one_of", corruptions=[hc.make("remove_text")])
    mixed.children = [hc.make("remove_text"), Unreadable()]
    assert _fingerprint(hc.Pipeline([mixed]), ds, text_column="problem") is None


def test_a_placeholder_editing_pipeline_finds_the_text_column():
    """``drop_image`` needs only the image, but also strips ``<image>`` from the text: the
    text column is found by name when not given."""
    ds = make_dataset(3).map(lambda r: {"problem": "<image>" + r["problem"]})
    out = hc.corrupt_dataset(ds, hc.Pipeline([hc.make("drop_image")]))
    assert all("<image>" not in p for p in out["problem"])
    assert undecoded(out, "image")["image"] == [None] * 3
