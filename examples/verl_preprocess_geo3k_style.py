"""Geometry3K-style verl preprocessing: a Blank Image (BI) train set and a clean val set.

Writes verl-ready parquet (``prompt`` with ``<image>``, ``images`` as bytes, the record in
``extra_info.hallucue``) and the pipeline file for online corruption, then prints the
verl command line. verl itself is not needed to run this script.

Run: python examples/verl_preprocess_geo3k_style.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

import hallucue_corrupt as hc
from hallucue_corrupt.adapters.verl import to_verl_parquet

INSTRUCTION = (
    " You FIRST think about the reasoning process as an internal monologue and then provide the "
    "final answer. The reasoning process MUST BE enclosed within <think> </think> tags. The final "
    "answer MUST BE put in \\boxed{}."
)


def main(out_dir: Path) -> None:
    ds = hc.load_demo()
    ds = ds.map(lambda row: {"problem": row["problem"] + INSTRUCTION})  # EasyR1's geo3k format
    train, test = ds.select(range(18)), ds.select(range(18, 24))

    bi = hc.Pipeline([hc.make("blank_image", fill="white")], seed=0)
    train_path = to_verl_parquet(
        train,
        out_dir / "train.parquet",
        pipeline=bi,
        key_column="id",
        data_source="hallucue/geo3k-style",
    )
    val_path = to_verl_parquet(
        test, out_dir / "test.parquet", split="test", data_source="hallucue/geo3k-style"
    )
    pipe_path = out_dir / "pipe.yaml"
    bi.to_config(pipe_path)

    rows = pq.read_table(train_path).to_pylist()
    first = rows[0]
    assert first["prompt"][0]["content"].count("<image>") == len(first["images"]) == 1
    assert (
        hc.records.loads(first["extra_info"]["hallucue"])["corruptions"][0]["name"] == "blank_image"
    )
    print(f"wrote {train_path} ({len(rows)} rows, BI) and {val_path} (clean)")
    print(
        "offline-corrupted data:\n"
        f"  python -m verl.trainer.main_ppo data.train_files={train_path} "
        f"data.val_files={val_path} data.image_key=images ..."
    )
    print(
        "or corrupt online from clean files:\n"
        "  data.custom_cls.path=pkg://hallucue_corrupt.adapters.verl "
        "data.custom_cls.name=CorruptingRLHFDataset "
        f"+data.hallucue.pipeline={pipe_path} "
        "reward.custom_reward_function.path=pkg://hallucue_corrupt.adapters.verl "
        "reward.custom_reward_function.name=compute_score"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="hallucue-")))
