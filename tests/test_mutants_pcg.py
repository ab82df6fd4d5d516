""":func:`hallucue_corrupt.pcg.first_integers` against numpy itself, where mutation testing
asked for more than tests/test_kernel_paths.py checks: which draws it flags as not exact
(numpy's Lemire bound would redraw there), the edges of the bound and empty input."""

from __future__ import annotations

import numpy as np
import pytest

from hallucue_corrupt.pcg import first_integers


def _first_word(seed: int) -> int:
    """The 32 bits numpy's bounded ``integers`` reads first: the low half of next64."""
    raw = np.random.Generator(np.random.PCG64(seed)).bit_generator.random_raw()
    return int(raw) & 0xFFFFFFFF


@pytest.mark.parametrize("bound", [2**31 + 5, 3 * 2**30 + 1, 2**31 + 2**29])
def test_not_exact_exactly_where_numpy_would_draw_again(bound):
    seeds = np.arange(2**40, 2**40 + 200, dtype=np.uint64)
    values, exact = first_integers(seeds, np.full(seeds.size, bound, dtype=np.uint64))
    threshold = (2**32 - bound) % bound
    expected_exact = [(_first_word(int(s)) * bound) % 2**32 >= threshold for s in seeds]
    assert exact.tolist() == expected_exact
    assert 0 < exact.sum() < seeds.size  # both kinds occur at these bounds
    numpy = [np.random.Generator(np.random.PCG64(int(s))).integers(bound) for s in seeds]
    assert values[exact].tolist() == np.array(numpy)[exact].tolist()
    assert values.dtype == np.int64 and (values >= 0).all() and (values < bound).all()


def test_mixed_bounds_per_seed_and_the_edges():
    seeds = np.array([0, 1, 2**63, 2**64 - 1, 12345], dtype=np.uint64)
    bounds = np.array([1, 2, 10, 2**32 - 2, 1], dtype=np.uint64)
    values, exact = first_integers(seeds, bounds)
    assert values[[0, 4]].tolist() == [0, 0] and exact[[0, 4]].all()  # a bound of 1 draws 0
    for s, n, v, ok in zip(seeds, bounds, values, exact, strict=True):
        if ok:
            assert v == np.random.Generator(np.random.PCG64(int(s))).integers(int(n))
    empty_values, empty_exact = first_integers(np.zeros(0, np.uint64), np.zeros(0, np.uint64))
    assert empty_values.dtype == np.int64 and empty_values.size == 0
    assert empty_exact.dtype == bool and empty_exact.size == 0
    for bad in (0, 2**32 - 1, 2**32):
        with pytest.raises(ValueError, match=r"\[1, 2\*\*32 - 1\)"):
            first_integers(seeds[:1], np.array([bad], dtype=np.uint64))
    # the largest bound allowed is accepted
    first_integers(seeds[:1], np.array([2**32 - 2], dtype=np.uint64))


def test_seeds_and_bounds_given_as_python_ints():
    """Seeds as a list of Python ints (above 2**63 too) are read as uint64, as numpy's
    PCG64 reads them; the error names the allowed bounds."""
    seeds = [0, 7, 2**40 + 3, 2**63 + 11, 2**64 - 1]
    values, exact = first_integers(seeds, [5, 1000, 3, 2**31, 77])  # type: ignore[arg-type]
    numpy = [
        np.random.Generator(np.random.PCG64(s)).integers(n)
        for s, n in zip(seeds, [5, 1000, 3, 2**31, 77], strict=True)
    ]
    assert values[exact].tolist() == np.array(numpy)[exact].tolist() and exact.sum() >= 4
    with pytest.raises(ValueError, match=r"^bounds must be in \[1, 2\*\*32 - 1\)$"):
        first_integers([1], [0])  # type: ignore[arg-type]
