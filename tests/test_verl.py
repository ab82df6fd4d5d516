"""verl adapter, proven with verl's real RLHFDataset (a local tokenizer/processor, no hub)."""

from __future__ import annotations

import os
import re
from pathlib import Path
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
from hallucue_corrupt.testing import tiny_qwen2_vl_processor

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
    processor = tiny_qwen2_vl_processor()
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
    processor = tiny_qwen2_vl_processor()
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


def doc_overrides() -> list[tuple[str, str]]:
    """The Hydra overrides of the verl command line in docs/adapters.md, as written there."""
    doc = (Path(__file__).parents[1] / "docs" / "adapters.md").read_text()
    block = re.search(r"```bash\n(python -m verl\.trainer\.main_ppo.*?)```", doc, re.S)
    assert block, "docs/adapters.md has no verl command line"
    tokens = [t for t in block.group(1).replace("\\\n", " ").split() if "=" in t]
    return [(k, v) for k, v in (t.split("=", 1) for t in tokens)]


def pixels(image: Any) -> bytes:
    return image.convert("RGB").tobytes()


def test_docs_command_line_runs_through_verl_config_datasets_and_reward_manager(tmp_path):
    """The documented overrides, composed into verl's real ppo_trainer config, build the
    corrupting train set (online random_image), a clean val set, and a reward manager whose
    reward extras carry the corruption."""
    pytest.importorskip("mathruler")  # verl's geometry3k scorer (the verl extra installs it)
    import torch
    from hydra import compose, initialize_config_module
    from verl import DataProto
    from verl.trainer.ppo.reward import load_reward_manager
    from verl.utils.dataset.rl_dataset import collate_fn

    demo = hc.load_demo()
    source = "hiyouga/geometry3k"  # verl's default scorer for Geometry3K
    train = verl_adapter.to_verl_parquet(demo, tmp_path / "train.parquet", data_source=source)
    val = verl_adapter.to_verl_parquet(
        demo.select(range(4)), tmp_path / "test.parquet", split="test", data_source=source
    )
    pipe_file = tmp_path / "pipe.yaml"
    hc.Pipeline([hc.make("random_image")], ratio=0.5, seed=1).to_config(pipe_file)
    ours = {
        "data.train_files": str(train),
        "data.val_files": str(val),
        "+data.hallucue.pipeline": str(pipe_file),
    }
    documented = doc_overrides()
    assert set(ours) <= {k for k, _ in documented}
    overrides = [f"{k}={ours.get(k, v)}" for k, v in documented]
    overrides.append(f"+data.cache_dir={tmp_path / 'cache'}")
    with initialize_config_module(config_module="verl.trainer.config", version_base=None):
        cfg = compose(config_name="ppo_trainer", overrides=overrides)

    processor = tiny_qwen2_vl_processor()
    tokenizer = processor.tokenizer
    train_ds = create_rl_dataset(cfg.data.train_files, cfg.data, tokenizer, processor)
    val_ds = create_rl_dataset(cfg.data.val_files, cfg.data, tokenizer, processor, is_train=False)
    assert type(train_ds).__name__ == "CorruptingRLHFDataset" and len(train_ds) == len(demo)
    assert all("hallucue" not in val_ds[i]["extra_info"] for i in range(len(val_ds)))

    originals = [pixels(image) for image in demo["image"]]
    rows = [train_ds[i] for i in range(len(train_ds))]
    applied = 0
    for i, row in enumerate(rows):
        rec = verl_adapter.record_of(row["extra_info"])
        assert rec["key"] == str(i)
        (image,) = image_parts(row["raw_prompt"])
        if rec["applied"]:
            applied += 1
            donor = rec["corruptions"][0]["donor_key"]
            assert donor != str(i) and pixels(image) == originals[int(donor)]
        else:
            assert pixels(image) == originals[i]
    assert applied == round(0.5 * len(demo))

    # verl's reward manager on these rows, with completions standing in for a rollout:
    # even rows answer right, odd rows wrong (geometry3k: 0.9 * accuracy + 0.1 * format)
    batch = collate_fn(rows)
    texts = [
        f"<think>x</think> \\boxed{{{r['reward_model']['ground_truth'] if i % 2 == 0 else 'none'}}}"
        for i, r in enumerate(rows)
    ]
    ids = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    width, prompt_len = max(map(len, ids)), 2
    responses = torch.full((len(rows), width), tokenizer.pad_token_id)
    mask = torch.zeros(len(rows), prompt_len + width, dtype=torch.long)
    for i, seq in enumerate(ids):
        responses[i, : len(seq)] = torch.tensor(seq)
        mask[i, : prompt_len + len(seq)] = 1
    batch.update(
        prompts=torch.zeros(len(rows), prompt_len, dtype=torch.long),
        responses=responses,
        attention_mask=mask,
    )
    data = DataProto.from_single_dict(batch)
    manager = load_reward_manager(cfg, tokenizer)
    results = [  # on the loop the manager runs its scorer from, as verl's reward loop does
        manager.loop.run_until_complete(manager.run_single(data[i : i + 1]))
        for i in range(len(rows))
    ]
    for i, (row, result) in enumerate(zip(rows, results, strict=True)):
        extra = result["reward_extra_info"]
        assert extra["hallucue_corruption"] == hc.records.label(row["extra_info"]["hallucue"])
        assert extra["hallucue_applied"] == float(
            verl_adapter.record_of(row["extra_info"])["applied"]
        )
        assert result["reward_score"] == pytest.approx(1.0 if i % 2 == 0 else 0.1)
    assert {r["reward_extra_info"]["hallucue_corruption"] for r in results} == {
        "clean",
        "random_image",
    }


def custom_config(tmp_path: Any, train: Any, val: Any, **hallucue: Any) -> Any:
    pipe_file = tmp_path / "pipe.yaml"
    hc.Pipeline([hc.make("blank_image")]).to_config(pipe_file)
    return data_config(
        tmp_path,
        train_files=train,
        val_files=val,
        custom_cls={
            "path": "pkg://hallucue_corrupt.adapters.verl",
            "name": "CorruptingRLHFDataset",
        },
        hallucue={"pipeline": str(pipe_file), **hallucue},
    )


def test_custom_cls_split_keeps_the_corruption_of_the_whole(tmp_path):
    demo = hc.load_demo()
    train = str(verl_adapter.to_verl_parquet(demo, tmp_path / "train.parquet"))
    val = str(verl_adapter.to_verl_parquet(demo.select(range(2)), tmp_path / "val.parquet"))
    config = custom_config(tmp_path, train, val)
    pipe_file = tmp_path / "half.yaml"
    hc.Pipeline([hc.make("random_image")], ratio=0.5, seed=3).to_config(pipe_file)
    config.hallucue.pipeline = str(pipe_file)
    processor = tiny_qwen2_vl_processor()
    whole = create_rl_dataset(train, config, processor.tokenizer, processor)
    expected = {
        rec["key"]: rec
        for rec in (verl_adapter.record_of(whole[i]["extra_info"]) for i in range(len(whole)))
    }
    parts = whole.split(2)  # verl's own split builds plain RLHFDatasets; ours keep the class
    assert [len(p) for p in parts] == [12, 12]
    assert all(type(p) is type(whole) for p in parts)
    seen = [verl_adapter.record_of(p[i]["extra_info"]) for p in parts for i in range(len(p))]
    assert {rec["key"]: rec for rec in seen} == expected
    assert sum(rec["applied"] for rec in seen) == 12


def test_custom_cls_tells_validation_from_list_valued_files(tmp_path):
    demo = hc.load_demo()
    a = str(verl_adapter.to_verl_parquet(demo.select(range(3)), tmp_path / "a.parquet"))
    b = str(verl_adapter.to_verl_parquet(demo.select(range(3, 6)), tmp_path / "b.parquet"))
    val = str(verl_adapter.to_verl_parquet(demo.select(range(2)), tmp_path / "val.parquet"))
    config = custom_config(tmp_path, [a], [val])  # Hydra lists arrive as ListConfig
    processor = tiny_qwen2_vl_processor()
    val_ds = create_rl_dataset(config.val_files, config, processor.tokenizer, processor)
    assert all("hallucue" not in val_ds[i]["extra_info"] for i in range(len(val_ds)))
    train_ds = create_rl_dataset(config.train_files, config, processor.tokenizer, processor)
    assert all(is_white(image_parts(train_ds[i]["raw_prompt"])[0]) for i in range(len(train_ds)))

    # two files that both number their rows from 0: the shared ids are an error naming the row
    both = custom_config(tmp_path, [a, b], [val])
    with pytest.raises(hc.FieldError, match=r"row 3: key column 'extra_info.index' repeats"):
        create_rl_dataset(both.train_files, both, processor.tokenizer, processor)


def test_custom_cls_refuses_to_guess_when_train_and_val_are_the_same_files(tmp_path):
    path = str(
        verl_adapter.to_verl_parquet(hc.load_demo().select(range(2)), tmp_path / "t.parquet")
    )
    processor = tiny_qwen2_vl_processor()
    config = custom_config(tmp_path, path, path)
    with pytest.raises(ValueError, match="name the same files"):
        create_rl_dataset(path, config, processor.tokenizer, processor)
    config = custom_config(tmp_path, path, path, corrupt_validation=True)
    ds = create_rl_dataset(path, config, processor.tokenizer, processor)
    assert is_white(image_parts(ds[0]["raw_prompt"])[0])


def test_custom_cls_needs_an_index_in_every_row(tmp_path):
    import pyarrow as pa

    rows = verl_adapter.verl_rows(hc.load_demo().select(range(3)))
    del rows[1]["extra_info"]["index"]
    path = tmp_path / "noindex.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    config = custom_config(tmp_path, str(path), str(tmp_path / "val.parquet"))
    processor = tiny_qwen2_vl_processor()
    with pytest.raises(hc.FieldError, match=r"row 1, field 'extra_info': no 'index'"):
        create_rl_dataset(str(path), config, processor.tokenizer, processor)
