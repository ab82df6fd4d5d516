"""Adapters for RL frameworks. Each module imports its framework lazily:

- :mod:`hallucue_corrupt.adapters.trl`: TRL's GRPOTrainer (format, online transform, rewards).
- :mod:`hallucue_corrupt.adapters.verl`: verl (parquet, RLHFDataset subclass, compute_score).
- :mod:`hallucue_corrupt.adapters.lmms_eval`: lmms-eval tasks evaluated clean and corrupted,
  and their logs read back for the report.

The tiny offline Qwen2-VL for smoke tests is :func:`hallucue_corrupt.testing.tiny_qwen2_vl`.
"""
