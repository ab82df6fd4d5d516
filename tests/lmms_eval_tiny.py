"""An lmms-eval model class around the tiny offline Qwen2-VL, for tests/test_lmms_eval.py.

lmms-eval's stock ``qwen2_vl`` class imports decord and qwen-vl-utils (which imports
torchvision); this one calls the processor and ``generate`` directly, on CPU, and keeps
what each request gave the model (prompt and images) in ``seen`` for the tests to check.
"""

from __future__ import annotations

from typing import Any

import torch
from lmms_eval.api.model import lmms

# The one import of the tiny model builder (moving to hallucue_corrupt.testing).
from hallucue_corrupt.testing import tiny_qwen2_vl

__all__ = ["TinyQwen2VL"]


class TinyQwen2VL(lmms):  # type: ignore[misc]
    """A ~100k-parameter random Qwen2-VL: greedy, ``max_new_tokens`` tokens per request."""

    def __init__(self, max_new_tokens: int = 3, **kwargs: Any) -> None:
        super().__init__()
        self.model, self.processor = tiny_qwen2_vl()
        self.max_new_tokens = int(max_new_tokens)
        self.seen: list[dict[str, Any]] = []

    def generate_until(self, requests: list[Any]) -> list[str]:
        answers = []
        for request in requests:
            prompt, _gen_kwargs, doc_to_visual, doc_id, task, split = request.args
            images = doc_to_visual(self.task_dict[task][split][doc_id])
            content = [{"type": "image"} for _ in images] + [{"type": "text", "text": prompt}]
            text = self.processor.apply_chat_template(
                [{"role": "user", "content": content}], add_generation_prompt=True
            )
            inputs = self.processor(text=[text], images=images or None, return_tensors="pt")
            with torch.no_grad():
                ids = self.model.generate(
                    **inputs, max_new_tokens=self.max_new_tokens, do_sample=False
                )
            new = ids[:, inputs["input_ids"].shape[1] :]
            answers.append(self.processor.batch_decode(new, skip_special_tokens=True)[0])
            self.seen.append({"task": task, "doc_id": doc_id, "prompt": prompt, "images": images})
        return answers

    def loglikelihood(self, requests: list[Any]) -> list[tuple[float, bool]]:
        raise NotImplementedError("TinyQwen2VL only generates")

    def generate_until_multi_round(self, requests: list[Any]) -> list[str]:
        raise NotImplementedError("TinyQwen2VL only generates")
