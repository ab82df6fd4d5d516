"""Geometry3K-style verl preprocessing: a Blank Image (BI) train set, clean train/val sets.

Writes verl-ready parquet (``prompt`` with ``<image>``, ``images`` as bytes, the record in
``extra_info.hallucue``) and the pipeline file for online corruption, then prints the
verl command lines. ``data_source`` is ``hiyouga/geometry3k`` so that verl's default
scorer (wrapped by ``hallucue_corrupt.adapters.verl.compute_score``) grades the rows.
verl itself is not needed to run this script.

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

    source = "hiyouga/geometry3k"  # the data_source verl scores as Geometry3K
    bi = hc.Pipeline([hc.make("blank_image", fill="white")], seed=0)
    train_path = to_verl_parquet(
        train, out_dir / "train_bi.parquet", pipeline=bi, key_column="id", data_source=source
    )
    clean_path = to_verl_parquet(train, out_dir / "train.parquet", data_source=source)
    val_path = to_verl_parquet(test, out_dir / "test.parquet", split="test", data_source=source)
    pipe_path = out_dir / "pipe.yaml"
    bi.to_config(pipe_path)

    rows = pq.read_table(train_path).to_pylist()
    first = rows[0]
    assert first["prompt"][0]["content"].count("<image>") == len(first["images"]) == 1
    assert (
        hc.records.loads(first["extra_info"]["hallucue"])["corruptions"][0]["name"] == "blank_image"
    )
    assert "hallucue" not in pq.read_table(clean_path).to_pylist()[0]["extra_info"]
    print(f"wrote {train_path} ({len(rows)} rows, BI), {clean_path} and {val_path} (clean)")
    print(
        "offline-corrupted data:\n"
        f"  python -m verl.trainer.main_ppo data.train_files={train_path} "
        f"data.val_files={val_path} data.image_key=images "
        "reward.custom_reward_function.path=pkg://hallucue_corrupt.adapters.verl "
        "reward.custom_reward_function.name=compute_score ..."
    )
    print(
        "or corrupt online from clean files:\n"
        f"  python -m verl.trainer.main_ppo data.train_files={clean_path} "
        f"data.val_files={val_path} data.image_key=images "
        "data.custom_cls.path=pkg://hallucue_corrupt.adapters.verl "
        "data.custom_cls.name=CorruptingRLHFDataset "
        f"+data.hallucue.pipeline={pipe_path} "
        "reward.custom_reward_function.path=pkg://hallucue_corrupt.adapters.verl "
        "reward.custom_reward_function.name=compute_score ..."
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="hallucue-")))
