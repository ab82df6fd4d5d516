"""Batch-kernel edges that mutation testing of kernel.py found untested (issue 17).

Each test fails on mutants of :mod:`hallucue_corrupt.kernel` that the rest of the suite let
through; docs/reliability.md lists what they are. They use the kernel's public names
(``BatchKernel``, ``bind_kernel``, ``png_headers``) and compare with the row engine, the
reference semantics, so they hold whatever the kernel's fast paths become.
"""

from __future__ import annotations

import io
import zlib

import numpy as np
import pyarrow as pa
import pytest

import hallucue_corrupt as hc
from hallucue_corrupt.kernel import BatchKernel, bind_kernel, png_headers

from .conftest import png_bytes

IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


def _ihdr(width: int, height: int, colour: int = 2) -> bytes:
    """The first 29 bytes of an 8-bit PNG: signature, IHDR length, tag and fields."""
    fields = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, colour, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4, "big") + b"IHDR" + fields


def _column(values: list[bytes | None], kind: pa.DataType = IMAGE) -> pa.Array:
    return pa.array([None if v is None else {"bytes": v, "path": None} for v in values], kind)


def test_png_headers_read_every_byte_of_width_and_height():
    wide = 0x01020304  # four different bytes
    col = _column([_ihdr(wide, 3), _ihdr(70000, 300), _ihdr(5, 0x01000002)])
    width, height, mode, ok = png_headers(col, np.arange(3))
    assert ok.tolist() == [True, True, True]
    assert width.tolist() == [wide, 70000, 5] and height.tolist() == [3, 300, 0x01000002]
    assert mode.tolist() == [2, 2, 2]  # RGB


def test_png_headers_need_signature_ihdr_and_29_bytes():
    good = _ihdr(4, 4)
    bad_signature = b"\x88" + good[1:]
    bad_tag = good[:12] + b"IHDX" + good[16:]
    col = _column([good, good[:28], bad_signature, bad_tag, None, good + b"\0" * 40])
    _, _, _, ok = png_headers(col, np.arange(6))
    assert ok.tolist() == [True, False, False, False, False, True]
    # a short entry after a long one: judged by its own length, not its offset
    _, _, _, ok = png_headers(_column([png_bytes(0), b"short"]), np.arange(2))
    assert ok.tolist() == [True, False]


def test_png_headers_of_large_binary_and_of_paths_only():
    kind = pa.struct([("bytes", pa.large_binary()), ("path", pa.string())])
    width, height, _, ok = png_headers(_column([_ihdr(7, 9), b"x" * 40], kind), np.arange(2))
    assert ok.tolist() == [True, False] and (width[0], height[0]) == (7, 9)
    paths = pa.array([{"bytes": None, "path": "a.png"}, None], IMAGE)  # no bytes buffer
    _, _, _, ok = png_headers(paths, np.arange(2))
    assert ok.tolist() == [False, False]


def _table(keys: list[str], images: list[bytes]) -> pa.Table:
    return pa.table({"id": pa.array(keys), "image": _column(images)})  # type: ignore[arg-type]


def test_header_path_writes_keys_as_the_row_engine_does():
    keys = ["ключ-1", "clé-2", "键-3", "k4"]
    table = _table(keys, [png_bytes(i) for i in range(4)])
    binding = hc.Pipeline([hc.make("blank_image")]).bind(image_column="image", key_column="id")
    out = BatchKernel(binding)(table)
    for i, key in enumerate(keys):
        row = {"image": table.column("image")[i].as_py()}
        new, record = binding.apply(row, key, kind="dict")
        text = out.column("hallucue")[i].as_py()
        assert text == hc.records.dumps(record) and key in text  # not \\u-escaped
        assert out.column("image")[i].as_py() == new["image"]


def test_bind_kernel_defaults_and_skip_drops_failed_rows():
    table = _table(["a", "b", "c"], [png_bytes(0), b"broken", png_bytes(1)])
    noise = hc.make("gaussian_noise")
    keep = bind_kernel(hc.Pipeline([noise], on_error="keep"), image_column="image", key_column="id")
    assert keep.record_column == "hallucue" and not keep.keep_original
    assert not keep.drop_skipped
    assert keep(table).column_names == ["id", "image", "hallucue"]
    assert keep(table).num_rows == 3
    skip = bind_kernel(hc.Pipeline([noise], on_error="skip"), image_column="image", key_column="id")
    assert skip.drop_skipped
    assert skip(table).column("id").to_pylist() == ["a", "c"]


def test_blank_of_a_png_with_a_broken_body_still_reads_its_header():
    """A PNG whose pixels are broken but whose header is sound is blanked from its header
    (no decode), as the row engine does."""
    good = png_bytes(2)
    start = good.index(b"IDAT") + 4
    broken = good[:start] + bytes(b ^ 0xFF for b in good[start : start + 20]) + good[start + 20 :]
    assert zlib.crc32(broken) != zlib.crc32(good)
    table = _table(["x", "y"], [broken, good])
    binding = hc.Pipeline([hc.make("blank_image")], on_error="keep").bind(
        image_column="image", key_column="id"
    )
    out = BatchKernel(binding)(table)
    for i, key in enumerate(["x", "y"]):
        new, record = binding.apply({"image": table.column("image")[i].as_py()}, key, kind="dict")
        assert out.column("hallucue")[i].as_py() == hc.records.dumps(record)
        assert out.column("image")[i].as_py() == new["image"]


def test_png_headers_modes_and_refused_fields(monkeypatch):
    from PIL import Image

    colours = [0, 2, 3, 4, 6]  # L, RGB, P, LA, RGBA
    values = [_ihdr(3, 2, c) for c in colours]
    sixteen = _ihdr(3, 2)[:24] + bytes([16, 2, 0, 0, 0])  # 16 bits per sample
    values += [sixteen, _ihdr(0, 5), _ihdr(5, 0), _ihdr(1, 1), _ihdr(2**28 - 1, 1)]
    values += [_ihdr(2**28, 1), _ihdr(1, 2**28)]
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    _, _, mode, ok = png_headers(_column(values), np.arange(len(values)))
    assert mode[:5].tolist() == [1, 2, 3, 4, 5] and mode[5] == 0  # 16-bit: not read here
    assert ok.tolist() == [True] * 5 + [False, False, False, True, True, False, False]
    # PIL's decompression-bomb limit, doubled as PIL doubles it for its error
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    sizes = [(20, 10), (10, 20), (21, 10), (10, 21), (1, 200), (1, 201)]
    _, _, _, ok = png_headers(_column([_ihdr(w, h) for w, h in sizes]), np.arange(6))
    assert ok.tolist() == [True, True, False, False, True, False]


def test_to_arrow_falls_back_for_other_buffers():
    from hallucue_corrupt.kernel import to_arrow

    kind = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    values = [{"bytes": memoryview(b"abc"), "path": None}, None, {"bytes": b"de", "path": "p"}]
    out = to_arrow(values, kind)
    assert out.type == kind and out.null_count == 1
    assert out.to_pylist() == [{"bytes": b"abc", "path": None}, None, {"bytes": b"de", "path": "p"}]


def test_header_groups_keep_every_size_and_mode_apart():
    """Rows that share a width, a height or a mode but not all three get blanks of their
    own size and mode (one engine row per distinct header, its image copied to the rest)."""
    sizes = [(5, 3), (6, 3), (5, 4), (6, 4), (5, 3), (300, 3), (5, 300), (6, 3)]
    modes = ["RGB", "RGB", "RGB", "RGB", "L", "RGB", "RGB", "RGBA"]
    images = [png_bytes(i, s, m) for i, (s, m) in enumerate(zip(sizes, modes, strict=True))]
    keys = [f"h{i}" for i in range(len(images))]
    table = _table(keys, images)
    binding = hc.Pipeline([hc.make("blank_image")]).bind(image_column="image", key_column="id")
    out = BatchKernel(binding)(table)
    from PIL import Image

    for i, key in enumerate(keys):
        new, record = binding.apply({"image": table.column("image")[i].as_py()}, key, kind="dict")
        assert out.column("hallucue")[i].as_py() == hc.records.dumps(record), i
        got = out.column("image")[i].as_py()
        assert got == new["image"], i
        with Image.open(io.BytesIO(got["bytes"])) as blank:
            assert (blank.size, blank.mode) == (sizes[i], modes[i]), i


def test_png_headers_read_every_byte_of_the_height_too(monkeypatch):
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # these sizes are over the limit
    values = [_ihdr(3, 0x0A0B0C0D), _ihdr(0x0A0B0C0D, 0x00FF0001), _ihdr(1, 0x00010000)]
    width, height, _, ok = png_headers(_column(values), np.arange(3))
    assert ok.tolist() == [True] * 3
    assert height.tolist() == [0x0A0B0C0D, 0x00FF0001, 0x00010000]
    assert width.tolist() == [3, 0x0A0B0C0D, 1]


def test_to_arrow_falls_back_to_pa_array_for_values_that_are_not_bytes():
    """Text and buffers in a binary field go through ``pa.array`` (which encodes text as
    UTF-8) into the field's own type, large or not."""
    from hallucue_corrupt.kernel import to_arrow

    for data in (pa.binary(), pa.large_binary()):
        kind = pa.struct([("bytes", data), ("path", pa.string())])
        values = [{"bytes": "é-text", "path": None}, {"bytes": memoryview(b"xy"), "path": "p"}]
        out = to_arrow(values, kind)
        assert out.type == kind
        assert out.to_pylist() == [
            {"bytes": "é-text".encode(), "path": None},
            {"bytes": b"xy", "path": "p"},
        ]


def test_to_arrow_builds_large_binary_images_from_their_buffers():
    from hallucue_corrupt.kernel import to_arrow

    kind = pa.struct([("bytes", pa.large_binary()), ("path", pa.string())])
    values = [{"bytes": b"first", "path": None}, None, {"bytes": bytearray(b"3rd"), "path": "c"},
              {"bytes": None, "path": "d"}, {"bytes": b"", "path": None}]  # fmt: skip
    out = to_arrow(values, kind)
    out.validate(full=True)
    assert out.type == kind and out.null_count == 1
    assert out.to_pylist() == [
        {"bytes": b"first", "path": None},
        None,
        {"bytes": b"3rd", "path": "c"},
        {"bytes": None, "path": "d"},
        {"bytes": b"", "path": None},
    ]


def test_a_text_column_whose_corrupted_values_are_all_none():
    """A text column of nulls comes back as nulls of its own type (recorded ``no text``),
    not through the image-struct builder."""
    table = pa.table({"id": ["a", "b"], "problem": pa.array([None, None], pa.string())})
    binding = hc.Pipeline([hc.make("remove_text")]).bind(text_column="problem", key_column="id")
    out = BatchKernel(binding)(table)
    assert out.column("problem").type == pa.string()
    assert out.column("problem").to_pylist() == [None, None]
    for i, key in enumerate(["a", "b"]):
        _, record = binding.apply({"problem": None}, key, kind="dict")
        assert out.column("hallucue")[i].as_py() == hc.records.dumps(record)
        assert hc.records.loads(out.column("hallucue")[i].as_py())["applied"] is False


def _engine_calls(monkeypatch) -> list:
    """Keys of the rows the kernel sends through the row engine (RunBinding.apply)."""
    from hallucue_corrupt.binding import RunBinding

    calls: list = []
    apply = RunBinding.apply

    def counting(self, row, key, kind=None):
        calls.append(key)
        return apply(self, row, key, kind=kind)

    monkeypatch.setattr(RunBinding, "apply", counting)
    return calls


def test_record_batches_schema_metadata_and_a_single_key():
    keys = [f"m{i}" for i in range(5)]
    table = _table(keys, [png_bytes(i) for i in range(5)])
    table = table.replace_schema_metadata({b"input": b"old", b"other": b"kept"})
    pipe = hc.Pipeline([hc.make("gaussian_noise")], ratio=0.6, seed=2)
    binding = pipe.bind(image_column="image", key_column="id", keys=keys)
    plain = BatchKernel(binding)(table)
    assert plain.schema.metadata == {b"input": b"old", b"other": b"kept"}
    tagged = BatchKernel(binding, metadata={b"huggingface": b"{}", b"input": b"new"})
    for batch in (table, table.to_batches()[0]):
        out = tagged(batch)
        assert isinstance(out, pa.Table)  # a RecordBatch comes back as a Table
        assert out.schema.metadata == {b"input": b"new", b"other": b"kept", b"huggingface": b"{}"}
        assert out.drop_columns([]).to_pylist() == plain.to_pylist()
    # no key column: one row keyed by a bare int, as by a list of one
    nokey = hc.Pipeline([hc.make("gaussian_noise")], seed=2).bind(image_column="image")
    one = table.slice(3, 1)
    assert BatchKernel(nokey)(one, 3).to_pylist() == BatchKernel(nokey)(one, [3]).to_pylist()
    with pytest.raises(ValueError, match=r"^rows have no key: give key_column, or pass row"):
        BatchKernel(nokey)(one)
    with pytest.raises(hc.FieldError, match=r"^no key column 'id' in the dataset$"):
        BatchKernel(binding)(table.drop_columns(["id"]))
    with pytest.raises(hc.FieldError, match=r"^no column 'image' in the dataset$"):
        BatchKernel(binding)(table.drop_columns(["image"]))


def test_unselected_rows_with_non_ascii_keys_are_recorded_as_the_engine_does():
    keys = ["ключ-1", "clé-2", "键-3", "k4", "ü5", "日6"]
    table = _table(keys, [png_bytes(i) for i in range(6)])
    pipe = hc.Pipeline([hc.make("gaussian_noise")], ratio=0.5, seed=1)
    binding = pipe.bind(image_column="image", key_column="id", keys=keys)
    out = BatchKernel(binding)(table)
    selected = 0
    for i, key in enumerate(keys):
        _, record = binding.apply({"image": table.column("image")[i].as_py()}, key, kind="dict")
        assert out.column("hallucue")[i].as_py() == hc.records.dumps(record), key
        selected += record["selected"]
    assert 0 < selected < len(keys)


def test_header_path_runs_one_row_per_header_and_only_for_p_1(monkeypatch):
    images = [png_bytes(i, (7, 5)) for i in range(6)]
    table = _table([f"p{i}" for i in range(6)], images)
    calls = _engine_calls(monkeypatch)
    always = hc.Pipeline([hc.make("blank_image")]).bind(image_column="image", key_column="id")
    BatchKernel(always)(table)
    assert len(calls) == 1  # one size and mode: one engine row
    # p < 1: each row's own draw decides, so every selected row runs through the engine
    sometimes = hc.Pipeline([hc.make("blank_image", p=0.5)], seed=3)
    binding = sometimes.bind(image_column="image", key_column="id")
    calls.clear()
    out = BatchKernel(binding)(table)
    assert len(calls) == 6
    applied = []
    for i in range(6):
        row = {"image": table.column("image")[i].as_py()}
        new, record = binding.apply(row, f"p{i}", kind="dict")
        assert out.column("hallucue")[i].as_py() == hc.records.dumps(record)
        assert out.column("image")[i].as_py() == new["image"]
        applied.append(record["applied"])
    assert any(applied) and not all(applied)


def test_default_columns_and_skipped_rows_kept_unless_asked():
    table = _table(["a", "b", "c"], [png_bytes(0), b"broken", png_bytes(1)])
    pipe = hc.Pipeline([hc.make("gaussian_noise")], on_error="skip")
    binding = pipe.bind(image_column="image", key_column="id")
    out = BatchKernel(binding)(table)
    assert out.column_names == ["id", "image", "hallucue"] and out.num_rows == 3
    assert hc.records.loads(out.column("hallucue")[1].as_py())["skipped"] is True
    dropped = BatchKernel(binding, drop_skipped=True)(table)
    assert dropped.column("id").to_pylist() == ["a", "c"]


def _random_image_rows(images: list) -> tuple[pa.Table, object]:
    from datasets import Dataset, Features, Image, Value

    keys = [f"d{i:02d}" for i in range(len(images))]
    values = [None if b is None else {"bytes": b, "path": None} for b in images]
    ds = Dataset.from_dict(
        {"id": keys, "image": values},
        features=Features({"id": Value("string"), "image": Image(decode=False)}),
    )
    return ds.data.table, ds


def test_swapped_rows_scattered_back_among_engine_rows_and_unselected_rows():
    """random_image over a batch where the bulk swap takes every selected row, or all but
    one (a row without an image): each row lands in its own place."""
    clean = [png_bytes(i, (6 + i % 3, 4)) for i in range(10)]
    for images, ratio in ((clean, 0.5), ([*clean[:5], None, *clean[6:]], 1.0)):
        table, ds = _random_image_rows(images)
        pipe = hc.Pipeline([hc.make("random_image")], ratio=ratio, seed=6, on_error="keep")
        pool = ds.filter(lambda row: row["image"] is not None)  # no donor without an image
        binding = pipe.bind(image_column="image", key_column="id", pool=pool, dataset=ds)
        out = BatchKernel(binding)(table)
        for i in range(table.num_rows):
            row = {"image": table.column("image")[i].as_py()}
            new, record = binding.apply(row, f"d{i:02d}", kind="dict")
            assert out.column("hallucue")[i].as_py() == hc.records.dumps(record), (ratio, i)
            assert out.column("image")[i].as_py() == new["image"], (ratio, i)
