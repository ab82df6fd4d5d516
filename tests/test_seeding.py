import random

import numpy as np
import pytest

from hallucue_corrupt.seeding import (
    canonical_key,
    derive_seed,
    exact_threshold,
    is_selected,
    make_rng,
)


def test_derive_seed_is_a_fixed_function_of_its_inputs():
    # golden value: the same on every machine and Python version (blake2b of the key string)
    assert derive_seed(0, "row-17", "blank_image", 0) == 2225444462753829181
    assert derive_seed(0, 17, "x") == derive_seed(0, "17", "x") == derive_seed(0, np.int64(17), "x")
    assert (
        derive_seed(0, 17, "x") == 2585639753399065615
    )  # blake2b("0\x1f17\x1fx\x1f0"), 8 bytes LE
    assert derive_seed(1, 17, "x") != derive_seed(0, 17, "x")
    assert derive_seed(0, 17, "x", 1) != derive_seed(0, 17, "x", 0)
    assert derive_seed(0, 17, "y") != derive_seed(0, 17, "x")


def test_canonical_key():
    assert canonical_key(3.0) == "3"
    assert canonical_key(b"\x01") == "01"


def test_no_global_rng_state_is_touched():
    np_state = np.random.get_state()[1].copy()
    py_state = random.getstate()
    make_rng(0, "k", "c").random(10)
    exact_threshold(0, range(100), 0.3, "s")
    assert np.array_equal(np.random.get_state()[1], np_state)
    assert random.getstate() == py_state


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 99, 250])
@pytest.mark.parametrize("ratio", [0.0, 0.1, 0.25, 0.5, 0.77, 1.0])
def test_exact_threshold_selects_round_ratio_n(n, ratio):
    keys = [f"id-{i}" for i in range(n)]
    threshold = exact_threshold(5, keys, ratio, "sel")
    chosen = [k for k in keys if is_selected(5, k, "sel", 0, threshold)]
    assert len(chosen) == round(ratio * n)
    shuffled = list(reversed(keys))
    assert exact_threshold(5, shuffled, ratio, "sel") == threshold
