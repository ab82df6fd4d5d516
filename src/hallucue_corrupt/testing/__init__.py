"""A test kit for corruptions: the contract every corruption must hold, as scikit-learn's
``check_estimator``, plus the inputs and fixtures tests need.

- :func:`check_corruption` runs the contract on one corruption and raises an
  ``AssertionError`` naming the property and the input that broke it.
- :func:`parametrize_corruptions` / :data:`all_corruptions` parametrize a pytest test over
  registered corruptions; ``pytest --hallucue-contract mypkg.corruptions`` checks every
  corruption a module registers (the plugin is :mod:`hallucue_corrupt.testing.plugin`).
- :mod:`hallucue_corrupt.testing.strategies`: hypothesis strategies (images of every mode
  and size, arrays, benchmark-style questions, chat messages); needs ``hypothesis``.
- Fixtures: :func:`demo_rows`, :func:`tiny_dataset`, :func:`tiny_qwen2_vl`.

See docs/extending.md ("Writing and testing your own corruption").
"""

from .collect import all_corruptions, corruptions_in, parametrize_corruptions, registered
from .contract import ContractError, check_corruption, example_instance, fingerprint
from .samples import (
    MODES,
    QUESTIONS,
    TEMPLATES,
    accepted_arrays,
    demo_rows,
    donor_pool,
    messages,
    png_bytes,
    textured,
    tiny_dataset,
)
from .tiny_qwen import tiny_qwen2_vl, tiny_qwen2_vl_processor

__all__ = [
    "MODES",
    "QUESTIONS",
    "TEMPLATES",
    "ContractError",
    "accepted_arrays",
    "all_corruptions",
    "check_corruption",
    "corruptions_in",
    "demo_rows",
    "donor_pool",
    "example_instance",
    "fingerprint",
    "messages",
    "parametrize_corruptions",
    "png_bytes",
    "registered",
    "textured",
    "tiny_dataset",
    "tiny_qwen2_vl",
    "tiny_qwen2_vl_processor",
]
