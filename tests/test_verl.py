"""verl adapter, proven with verl's real RLHFDataset (a local tokenizer/processor, no hub)."""

from __future__ import annotations

import os
from typing import Any

import pyarrow.parquet as pq
import pytest

pytest.importorskip("torch")
pytest.importorskip("verl")

from omegaconf import OmegaConf
from verl.trainer.ppo.utils import create_rl_dataset
from verl.utils.dataset.rl_dataset import RLHFDataset, get_dataset_class

import hallucue_corrupt as hc
from hallucue_corrupt.adapters import verl as verl_adapter
from hallucue_corrupt.adapters.tiny_qwen import build_processor

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def data_config(tmp_path: Any, **extra: Any) -> Any:
    # filter_overlong_prompts=False: verl's length filter decodes pixels through
    # qwen-vl-utils, which needs torchvision (see docs/adapters.md)
    return OmegaConf.create(
        {
            "prompt_key": "prompt",
            "image_key": "images",
            "max_prompt_length": 4096,
            "filter_overlong_prompts": False,
            "cache_dir": str(tmp_path / "cache"),
            **extra,
        }
    )


def image_parts(messages: list[dict[str, Any]]) -> list[Any]:
    return [
        p["image"]
        for m in messages
        if isinstance(m["content"], list)
        for p in m["content"]
        if p["type"] == "image"
    ]


def is_white(image: Any) -> bool:
    return image.convert("RGB").getextrema() == ((255, 255), (255, 255), (255, 255))


def test_written_parquet_loads_in_verl_with_images_placeholders_and_records(tmp_path):
    demo = hc.load_demo()
    pipe = hc.Pipeline([hc.make("blank_image"), hc.make("remove_text")])
    path = verl_adapter.to_verl_parquet(
        demo,
        tmp_path / "train.parquet",
        pipeline=pipe,
        key_column="id",
        data_source="hallucue/demo",
    )
    table = pq.read_table(path)
    assert set(table.column_names) == {
        "data_source",
        "prompt",
        "images",
        "ability",
        "reward_model",
        "extra_info",
    }
    processor = build_processor()
    ds = RLHFDataset(str(path), processor.tokenizer, data_config(tmp_path), processor=processor)
    assert len(ds) == len(demo)
    for i in range(len(ds)):
        row = ds[i]
        images = image_parts(row["raw_prompt"])
        assert len(images) == 1 and is_white(images[0])
        text = " ".join(
            p["text"] for m in row["raw_prompt"] for p in m["content"] if p["type"] == "text"
        )
        assert "<image>" not in text and "$" not in text  # conditions removed, placeholder consumed
        rec = verl_adapter.record_of(row["extra_info"])
        assert rec["key"] == demo[i]["id"] and rec["corruptions"][0]["name"] == "blank_image"
        assert row["reward_model"]["ground_truth"] == demo[i]["answer"]
        assert row["index"] == i


def test_placeholder_mismatch_is_an_error(tmp_path):
    ds = hc.load_demo().select(range(2)).map(lambda r: {"problem": "<image><image>" + r["problem"]})
    with pytest.raises(
        hc.FieldError, match=r"row 0, field 'problem': 3 <image> placeholders but 1 images"
    ):
        verl_adapter.to_verl_parquet(ds, tmp_path / "bad.parquet")


def test_custom_cls_corrupts_in_getitem_and_leaves_validation_clean(tmp_path):
    demo = hc.load_demo()
    train = verl_adapter.to_verl_parquet(demo, tmp_path / "train.parquet")
    val = verl_adapter.to_verl_parquet(
        demo.select(range(4)), tmp_path / "val.parquet", split="test"
    )
    pipe_file = tmp_path / "pipe.yaml"
    hc.Pipeline([hc.make("blank_image"), hc.make("remove_text")], ratio=0.5, seed=1).to_config(
        pipe_file
    )
    config = data_config(
        tmp_path,
        train_files=str(train),
        val_files=str(val),
        custom_cls={
            "path": "pkg://hallucue_corrupt.adapters.verl",
            "name": "CorruptingRLHFDataset",
        },
        hallucue={"pipeline": str(pipe_file)},
    )
    cls = get_dataset_class(config)
    assert issubclass(cls, RLHFDataset)
    processor = build_processor()
    train_ds = create_rl_dataset(str(train), config, processor.tokenizer, processor, is_train=True)
    assert isinstance(train_ds, cls) and len(train_ds) == len(demo)
    applied = 0
    for i in range(len(train_ds)):
        row = train_ds[i]
        again = train_ds[i]
        rec = verl_adapter.record_of(row["extra_info"])
        assert rec == verl_adapter.record_of(again["extra_info"])  # same row, same corruption
        assert rec["key"] == str(i)  # keyed by extra_info.index
        images = image_parts(row["raw_prompt"])
        assert len(images) == 1
        if rec["applied"]:
            applied += 1
            assert is_white(images[0])
        else:
            assert not is_white(images[0])
    assert applied == 12  # exactly round(0.5 * 24) rows selected; blank_image always applies
    val_ds = create_rl_dataset(str(val), config, processor.tokenizer, processor, is_train=False)
    assert all("hallucue" not in val_ds[i]["extra_info"] for i in range(len(val_ds)))
    config.hallucue.corrupt_validation = True
    val_corrupt = create_rl_dataset(
        str(val), config, processor.tokenizer, processor, is_train=False
    )
    assert any("hallucue" in val_corrupt[i]["extra_info"] for i in range(len(val_corrupt)))


def test_compute_score_wrapper_adds_the_corruption():
    def score(data_source, solution_str, ground_truth, extra_info=None):
        return float(ground_truth in solution_str)

    wrapped = verl_adapter.wrap_compute_score(score)
    rec = hc.records.dumps(
        {"applied": True, "corruptions": [{"name": "blank_image", "applied": True}]}
    )
    out = wrapped("hallucue/demo", "the answer is 5", "5", extra_info={"hallucue": rec})
    assert out == {"score": 1.0, "hallucue_corruption": "blank_image", "hallucue_applied": 1.0}
    clean = wrapped("hallucue/demo", "no", "5", extra_info={"index": 0})
    assert clean == {"score": 0.0, "hallucue_corruption": "clean", "hallucue_applied": 0.0}
    default = verl_adapter.compute_score(
        "openai/gsm8k", "#### 5", "5", extra_info={"hallucue": rec}
    )
    assert default["hallucue_corruption"] == "blank_image" and "score" in default


def test_easyr1_parquet(tmp_path):
    demo = hc.load_demo()
    path = verl_adapter.to_easyr1_parquet(
        demo, tmp_path / "e.parquet", pipeline=hc.Pipeline([hc.make("drop_image")])
    )
    table = pq.read_table(path).to_pylist()
    assert all(row["images"] == [] and "<image>" not in row["problem"] for row in table)
    assert [row["answer"] for row in table] == demo["answer"]
