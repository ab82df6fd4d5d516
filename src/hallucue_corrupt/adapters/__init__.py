"""Adapters for RL frameworks. Each module imports its framework lazily:

- :mod:`hallucue_corrupt.adapters.trl`: TRL's GRPOTrainer (format, online transform, rewards).
- :mod:`hallucue_corrupt.adapters.verl`: verl (parquet, RLHFDataset subclass, compute_score).
- :mod:`hallucue_corrupt.adapters.lmms_eval`: lmms-eval tasks evaluated clean and corrupted,
  and their logs read back for the report.
- :mod:`hallucue_corrupt.adapters.tiny_qwen`: a tiny random Qwen2-VL built offline, for
  smoke tests and examples.
"""
