"""GRPO with TRL on Blank Image (BI) demo data: 2 real steps of a tiny offline Qwen2-VL.

The reward is logged per corruption (``hallucue/<label>/reward``). Needs the ``trl`` extra.
Run: python examples/trl_grpo_blank_image.py [OUT_DIR]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import hallucue_corrupt as hc
from hallucue_corrupt.adapters import trl as hc_trl
from hallucue_corrupt.testing import tiny_qwen2_vl


def boxed_match(completions: list[Any], answer: list[str], **kwargs: Any) -> list[float]:
    """1 when the completion's text contains the answer (a tiny random model rarely does)."""
    texts = [c[-1]["content"] if isinstance(c, list) else c for c in completions]
    return [float(a in t) for t, a in zip(texts, answer, strict=True)]


def main(out_dir: Path) -> None:
    from trl import GRPOConfig, GRPOTrainer

    ds = hc_trl.to_trl(hc.load_demo())  # conversational prompt with image parts
    # half blank, half clean: the reward is logged for each group
    pipe = hc.Pipeline([hc.make("blank_image")], ratio=0.5, seed=0)
    ds = hc_trl.corrupt(ds, pipe, key_column="id")

    model, processor = tiny_qwen2_vl()
    args = GRPOConfig(
        output_dir=str(out_dir / "grpo"),
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
    reward = hc_trl.reward_by_corruption(boxed_match, correct_threshold=1.0)
    trainer = GRPOTrainer(
        model=model, reward_funcs=[reward], args=args, train_dataset=ds, processing_class=processor
    )
    trainer.train()
    logged = sorted(
        {k for entry in trainer.state.log_history for k in entry if k.startswith("hallucue/")}
    )
    print("steps:", trainer.state.global_step, "logged:", logged)
    assert trainer.state.global_step == 2 and logged


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="hallucue-")))
