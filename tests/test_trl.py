"""TRL adapter, proven with a real GRPOTrainer on a tiny Qwen2-VL built offline."""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

import pytest

pytest.importorskip("torch")
trl = pytest.importorskip("trl")

import hallucue_corrupt as hc  # noqa: E402
from hallucue_corrupt.adapters import trl as trl_adapter  # noqa: E402
from hallucue_corrupt.testing import tiny_qwen2_vl  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def trainer(
    tmp_path: Any, dataset: Any, reward_funcs: list[Any], callbacks: list[Any] | None = None
) -> Any:
    model, processor = tiny_qwen2_vl()
    args = trl.GRPOConfig(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=4,
        num_generations=2,
        max_completion_length=8,
        max_steps=2,
        use_cpu=True,
        report_to=[],
        logging_steps=1,
        save_strategy="no",
        seed=0,
    )
    return trl.GRPOTrainer(
        model=model,
        reward_funcs=reward_funcs,
        args=args,
        train_dataset=dataset,
        processing_class=processor,
        callbacks=callbacks,
    )


def test_to_trl_builds_image_parts_in_place():
    demo = hc.load_demo().select(range(3))
    ds = trl_adapter.to_trl(demo, system_prompt="Be brief.")
    prompt = ds[0]["prompt"]
    assert prompt[0]["role"] == "system" and prompt[1]["role"] == "user"
    assert prompt[1]["content"][0]["type"] == "image"
    assert prompt[1]["content"][1]["text"].startswith("In right triangle")
    assert ds.column_names == [*demo.column_names, "prompt"]


def test_grpo_trains_on_blank_images_and_rewards_see_the_records(tmp_path):
    demo = hc.load_demo().select(range(8))
    ds = trl_adapter.to_trl(demo)
    pipe = hc.Pipeline([hc.make("blank_image", fill="black"), hc.make("remove_text")])
    ds = trl_adapter.corrupt(ds, pipe, key_column="id")
    seen: list[tuple[Any, Any, Any]] = []

    def accuracy(
        completions: list[Any],
        answer: list[str],
        image: list[Any],
        hallucue: list[str],
        prompts: list[Any],
        **kwargs: Any,
    ) -> list[float]:
        seen.extend(zip(image, hallucue, prompts, strict=True))
        return [1.0 if a in {"5", "13", "B"} else 0.0 for a in answer]

    reward = trl_adapter.reward_by_corruption(accuracy, correct_threshold=1.0)
    assert reward.__name__ == "accuracy"
    t = trainer(tmp_path, ds, [reward])
    t.train()
    assert t.state.global_step == 2 and len(seen) == 2 * t.args.per_device_train_batch_size
    for image, record, prompt in seen:
        assert image.convert("RGB").getextrema() == (
            (0, 0),
            (0, 0),
            (0, 0),
        )  # blank reached the model
        rec = hc.records.loads(record)
        assert [e["name"] for e in rec["corruptions"]] == ["blank_image", "remove_text"]
        user = prompt[-1]["content"]
        assert user[0]["type"] == "image"
        assert "Find" not in " ".join(p.get("text") or "" for p in user)
    logged = {k for entry in t.state.log_history for k in entry}
    assert "hallucue/blank_image+remove_text/reward" in logged
    assert "hallucue/blank_image+remove_text/accuracy" in logged


def test_online_transform_keeps_generation_copies_identical(tmp_path):
    demo = hc.load_demo().select(range(8))
    ds = trl_adapter.to_trl(demo)
    pipe = hc.Pipeline([hc.make("random_image")], ratio=0.5, seed=3)
    online = trl_adapter.OnlineCorruption(pipe, pool=ds, key_column="id")
    copies: dict[str, list[tuple[bytes, str]]] = defaultdict(list)

    def reward(
        completions: list[Any], id: list[str], image: list[Any], hallucue: list[str], **kwargs: Any
    ) -> list[float]:
        for key, img, rec in zip(id, image, hallucue, strict=True):
            copies[key].append((img.convert("RGB").tobytes(), rec))
        return [0.0] * len(completions)

    t = trainer(
        tmp_path,
        ds.with_transform(online),
        [trl_adapter.reward_by_corruption(reward)],
        callbacks=[online.callback()],
    )
    t.train()
    originals = {row["id"]: row["image"].convert("RGB").tobytes() for row in demo}
    assert copies
    for key, views in copies.items():
        assert len(views) >= 2
        assert len(set(views)) == 1  # every copy of a prompt: same pixels, same record
        pixels, record = views[0]
        rec = hc.records.loads(record)
        if rec["applied"]:
            donor = rec["corruptions"][0]["donor_key"]
            assert donor != key and pixels == originals[donor]
        else:
            assert pixels == originals[key]
    selected = [
        hc.records.loads(online.collator.corrupt_rows([{"id": k, "image": None}])[0]["hallucue"])[
            "selected"
        ]
        for k in demo["id"]
    ]
    assert sum(selected) == 4  # exactly round(0.5 * 8), from the pool's id set
