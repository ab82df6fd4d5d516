"""Streaming ``IterableDataset`` read from real parquet files, compared per id with
``corrupt_dataset``; parquet donor pools; parquet output from the CLI."""

import json

import pyarrow.parquet as pq
import pytest
from datasets import Features, IterableDataset, Value, load_dataset

import hallucue_corrupt as hc
from hallucue_corrupt.cli import main
from hallucue_corrupt.features import undecoded
from hallucue_corrupt.pool import DatasetPool, ParquetPool

from .conftest import make_dataset, make_multi_image_dataset

PAPER = [hc.make("random_image"), hc.make("remove_text")]


@pytest.fixture(scope="module")
def parquet_dir(tmp_path_factory):
    """60 rows in two parquet files with small row groups, and the same rows in memory."""
    ds = make_dataset(60)
    folder = tmp_path_factory.mktemp("pq")
    for i, part in enumerate((ds.select(range(35)), ds.select(range(35, 60)))):
        part.to_parquet(str(folder / f"part-{i}.parquet"), batch_size=8)
    return folder, ds


def _stream(folder):
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    return load_dataset("parquet", data_files=files, split="train", streaming=True)


def _by_id(ds, image_column="image"):
    return {r["id"]: r for r in undecoded(ds, image_column)}


@pytest.mark.parametrize("selection", ["exact", "bernoulli"])
def test_stream_equals_corrupt_dataset_per_id(parquet_dir, selection):
    folder, ds = parquet_dir
    pipe = hc.Pipeline(PAPER, ratio=0.5, seed=3, selection=selection)
    kw = dict(image_column="image", text_column="problem", key_column="id")
    keys = ds["id"] if selection == "exact" else None
    out = hc.corrupt_dataset(
        _stream(folder), pipe, pool=str(folder / "*.parquet"), keys=keys, batch_size=16, **kw
    )
    assert isinstance(out, IterableDataset)
    assert out.features == Features({**ds.features, "hallucue": Value("string")})
    assert list(out.features) == [*ds.column_names, "hallucue"]
    first = next(iter(out))
    assert first["image"].size == (24, 16)  # decoded as the input's Image feature
    expected = _by_id(hc.corrupt_dataset(ds, pipe, **kw))
    rows = list(undecoded(out, "image"))
    assert len(rows) == 60 and all(r == expected[r["id"]] for r in rows)
    if selection == "exact":
        assert sum(hc.records.loads(r["hallucue"])["selected"] for r in rows) == 30


def test_stream_without_key_column_keys_rows_by_position(parquet_dir):
    folder, ds = parquet_dir
    pipe = hc.Pipeline([hc.make("random_image")], ratio=0.25, seed=1)
    out = hc.corrupt_dataset(
        _stream(folder), pipe, image_column="image", pool=ds, keys=range(60), batch_size=7
    )
    expected = list(undecoded(hc.corrupt_dataset(ds, pipe, image_column="image"), "image"))
    assert list(undecoded(out, "image")) == expected


def test_stream_multi_image_messages(tmp_path):
    ds = make_multi_image_dataset(9)
    ds.to_parquet(str(tmp_path / "m.parquet"))
    stream = load_dataset(
        "parquet", data_files=str(tmp_path / "m.parquet"), split="train", streaming=True
    )
    pipe = hc.Pipeline([hc.make("text_only")], seed=2)
    out = hc.corrupt_dataset(stream, pipe, image_column="images", text_column="prompt")
    expected = list(
        undecoded(
            hc.corrupt_dataset(ds, pipe, image_column="images", text_column="prompt"), "images"
        )
    )
    assert list(undecoded(out, "images")) == expected
    assert all(r["images"] == [] for r in expected)


def test_stream_errors_say_what_to_pass(parquet_dir):
    folder, _ = parquet_dir
    stream = _stream(folder)
    with pytest.raises(ValueError, match=r"keys=.*selection='bernoulli'"):
        hc.corrupt_dataset(
            stream, hc.Pipeline([hc.make("blank_image")], ratio=0.5), image_column="image"
        )
    with pytest.raises(ValueError, match="needs pool=: a map-style Dataset, a parquet path"):
        hc.corrupt_dataset(stream, hc.Pipeline([hc.make("random_image")]), image_column="image")
    with pytest.raises(TypeError, match="cannot be a donor pool"):
        hc.corrupt_dataset(
            stream, hc.Pipeline([hc.make("random_image")]), image_column="image", pool=stream
        )


def test_parquet_pool_reads_the_same_donors_as_the_dataset(parquet_dir):
    folder, ds = parquet_dir
    by_key = ParquetPool(str(folder), "image", "id", cache_row_groups=1)
    in_memory = DatasetPool(ds, "image", "id")
    assert len(by_key) == 60 and by_key.rank_of("q040") == in_memory.rank_of("q040")
    for rank in (0, 7, 8, 33, 35, 59, 12):
        assert by_key.image_at(rank) == in_memory.image_at(rank)
        assert by_key.key_at(rank) == in_memory.key_at(rank)
    assert len(by_key._cache) == 1  # row groups are read on demand, never all at once
    with pytest.raises(FileNotFoundError, match="no parquet file"):
        ParquetPool(str(folder / "nothing-*.parquet"), "image")


def test_cli_streaming_and_parquet_output(parquet_dir, tmp_path, capsys):
    folder, ds = parquet_dir
    out = tmp_path / "s"
    args = [
        "corrupt",
        str(folder),
        "--streaming",
        "-c",
        "random_image",
        "--ratio",
        "0.5",
        "--key-column",
        "id",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows"] == 60 and summary["selected"] == 30
    back = load_dataset("parquet", data_dir=str(out / "dataset"), split="train")
    assert back.features["image"] == ds.features["image"]
    expected = _by_id(
        hc.corrupt_dataset(
            ds,
            hc.Pipeline([hc.make("random_image")], ratio=0.5),
            image_column="image",
            key_column="id",
        )
    )
    assert all(r == expected[r["id"]] for r in undecoded(back, "image"))
    assert main(args) == 2  # no silent append on a rerun
    assert "--overwrite" in capsys.readouterr().err
    plain = tmp_path / "p"
    assert (
        main(
            [
                "corrupt",
                str(folder),
                "-c",
                "blank_image",
                "--format",
                "parquet",
                "--out",
                str(plain),
            ]
        )
        == 0
    )
    files = sorted((plain / "dataset").glob("*.parquet"))
    assert b"huggingface" in pq.read_schema(files[0]).metadata
    reloaded = load_dataset("parquet", data_dir=str(plain / "dataset"), split="train")
    assert len(reloaded) == 60 and reloaded[0]["image"].size == (24, 16)


def test_cli_engine_flags_that_do_not_fit(parquet_dir, tmp_path, capsys):
    folder, _ = parquet_dir
    base = ["corrupt", str(folder), "--out", str(tmp_path / "o")]
    assert main([*base, "--workers", "2"]) == 2
    assert "--workers need --engine ray" in capsys.readouterr().err
    assert main([*base, "--streaming", "--format", "arrow"]) == 2
    assert "write parquet" in capsys.readouterr().err
    assert main(["corrupt", "--demo", "--streaming", "--out", str(tmp_path / "d")]) == 2
    assert "INPUT of parquet files" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
