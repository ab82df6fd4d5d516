"""Ray Data on a real local cluster (``ray.init(num_cpus=2)``), compared per id with
``corrupt_dataset``: worker counts, block sizes, shuffled input, donor pools, errors, the
atomic writer and ``hallucue corrupt --engine ray``."""

import json
import logging

import pyarrow as pa
import pytest
from datasets import Dataset, load_dataset

import hallucue_corrupt as hc
from hallucue_corrupt.cli import main
from hallucue_corrupt.features import undecoded

from .conftest import make_dataset

ray = pytest.importorskip("ray")
from hallucue_corrupt import ray as hray  # noqa: E402

N = 240
PIPE = hc.Pipeline([hc.make("random_image"), hc.make("remove_text")], ratio=0.5, seed=11)
KW = dict(image_column="image", text_column="problem", key_column="id")


@pytest.fixture(scope="module")
def cluster():
    ray.init(
        num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING
    )
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    ds = make_dataset(N)
    folder = tmp_path_factory.mktemp("raypq")
    ds.select(range(150)).to_parquet(str(folder / "a.parquet"), batch_size=32)
    ds.select(range(150, N)).to_parquet(str(folder / "b.parquet"), batch_size=32)
    expected = {r["id"]: r for r in undecoded(hc.corrupt_dataset(ds, PIPE, **KW), "image")}
    return folder, ds, expected


def _check(rows, expected, n=N):
    assert len(rows) == n
    for row in rows:
        assert row == expected[row["id"]], row["id"]


def test_two_workers_small_blocks_write_and_reload(cluster, data, tmp_path):
    folder, ds, expected = data
    out = hray.corrupt(str(folder / "*.parquet"), PIPE, workers=2, rows_per_block=40, **KW)
    summary = hray.write(out, tmp_path / "out")
    assert summary["rows"] == N and summary["selected"] == N // 2  # exact, over all keys
    back = load_dataset("parquet", data_dir=str(tmp_path / "out" / "dataset"), split="train")
    assert back.features == hc.corrupt_dataset(ds.select(range(2)), PIPE, **KW).features
    _check(list(undecoded(back, "image")), expected)
    # a rerun replaces the folder (Ray's write_parquet alone would append a second copy)
    with pytest.raises(FileExistsError, match="overwrite"):
        hray.write(out, tmp_path / "out")
    again = hray.write(out, tmp_path / "out", overwrite=True)
    assert again["rows"] == N
    assert (
        len(load_dataset("parquet", data_dir=str(tmp_path / "out" / "dataset"), split="train")) == N
    )


def test_one_worker_shuffled_ray_dataset_object_store_pool(cluster, data):
    _, ds, expected = data
    table = undecoded(ds, "image").data.table
    shuffled = ray.data.from_arrow(table).random_shuffle(seed=4)
    rows = hray.corrupt(shuffled, PIPE, workers=1, batch_size=50, **KW).take_all()
    _check(rows, expected)


@pytest.mark.parametrize("datasource_v2", [False, True])
def test_either_parquet_reader_gives_the_same_rows(cluster, data, datasource_v2):
    folder, _, expected = data
    context = ray.data.DataContext.get_current()
    before = context.use_datasource_v2
    out = hray.corrupt(
        str(folder / "*.parquet"), PIPE, workers=1, datasource_v2=datasource_v2, **KW
    )
    assert context.use_datasource_v2 == before  # the switch is put back after the read
    _check(out.take_all(), expected)
    # V2 reads a file as one block, cut for the actors; V1 hands out many blocks, uncut
    ops = [line for line in out.stats().splitlines() if line.startswith("Operator")]
    assert any("ReadFiles" in line for line in ops) == datasource_v2, ops
    assert any("Repartition" in line for line in ops) == datasource_v2, ops


def test_errors_raise_our_message_or_skip(cluster, tmp_path):
    rows = undecoded(make_dataset(12), "image").data.table.to_pydict()
    rows["image"][5] = {"bytes": b"not an image", "path": None}
    table = ray.data.from_arrow(pa.table(rows))
    pipe = hc.Pipeline([hc.make("gaussian_noise")], seed=1)
    with pytest.raises(hc.FieldError, match=r"sample 'q005', field 'image': cannot decode") as e:
        hray.write(
            hray.corrupt(table, pipe, image_column="image", key_column="id", workers=1),
            tmp_path / "failed",
        )
    assert "0x" not in str(e.value)
    assert not (tmp_path / "failed").exists() and list(tmp_path.iterdir()) == []
    skip = hc.Pipeline([hc.make("gaussian_noise")], seed=1, on_error="skip")
    kept = hray.corrupt(table, skip, image_column="image", key_column="id", workers=1).take_all()
    assert sorted(r["id"] for r in kept) == [f"q{i:03d}" for i in range(12) if i != 5]


def test_cli_engine_ray(cluster, data, tmp_path, capsys):
    folder, _, expected = data
    out = tmp_path / "cli"
    args = [
        "corrupt",
        str(folder),
        "--engine",
        "ray",
        "--workers",
        "2",
        "-c",
        "random_image",
        "-c",
        "remove_text",
        "--ratio",
        "0.5",
        "--seed",
        "11",
        "--key-column",
        "id",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows"] == N and summary["engine"] == "ray"
    back = Dataset.from_parquet(sorted(str(p) for p in (out / "dataset").glob("*.parquet")))
    _check(list(undecoded(back, "image")), expected)
    assert main([*args[:-2], "--format", "arrow", "--out", str(tmp_path / "x")]) == 2
    assert "write parquet" in capsys.readouterr().err


def test_an_actor_never_imports_datasets(data, tmp_path):
    """What a Ray actor loads (the package, this driver, a pickled kernel with a parquet
    pool) runs without importing ``datasets`` (0.6 s of each actor's start)."""
    import pickle
    import subprocess
    import sys

    from hallucue_corrupt.kernel import bind_kernel
    from hallucue_corrupt.pool import ParquetPool

    folder, _, _ = data
    pool = ParquetPool(str(folder / "*.parquet"), image_column="image", key_column="id")
    kernel = bind_kernel(PIPE, pool=pool, keys=list(data[1]["id"]), **KW)
    (tmp_path / "kernel.pkl").write_bytes(pickle.dumps(kernel))
    code = (
        "import pickle, sys\n"
        "import hallucue_corrupt, hallucue_corrupt.ray\n"
        f"kernel = pickle.loads(open({str(tmp_path / 'kernel.pkl')!r}, 'rb').read())\n"
        "print(type(kernel).__name__, 'datasets' in sys.modules)\n"
        "hallucue_corrupt.corrupt_dataset  # first use loads it\n"
        "print('datasets' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["BatchKernel", "False", "True"]
