"""Benchmarks for hallucue_corrupt: ``python -m benchmarks --help``."""
