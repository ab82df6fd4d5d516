"""Number replacement edges that mutation testing of functional/text.py found untested
(issue 17): the replacement ranges, the fallback after 100 equal draws, the number map."""

from __future__ import annotations

from typing import Any

import numpy as np

from hallucue_corrupt.functional.text import apply_number_map, replace_numbers


class SameDigits:
    """A generator that always draws the digits of the number being replaced."""

    def __init__(self, whole: int, frac: int = 0) -> None:
        self.whole, self.frac = whole, frac

    def integers(self, low: int, high: int, size: Any = None) -> Any:
        return self.whole if size is None else np.full(size, self.frac)


def _draws(text: str, n: int = 200) -> list[str]:
    return [replace_numbers(text, np.random.default_rng(seed), {}) for seed in range(n)]


def test_fallback_after_equal_draws_adds_one_and_keeps_the_decimals():
    assert replace_numbers("x = 7", SameDigits(7), {}) == "x = 8"
    assert replace_numbers("x = 2.5", SameDigits(2, 5), {}) == "x = 3.5"


def test_replacement_ranges_keep_the_digit_count():
    singles = _draws("7 apples")
    assert {s.split()[0] for s in singles} == {str(d) for d in range(1, 10)} - {"7"}
    assert {len(s.split()[0]) for s in _draws("250 apples")} == {3}
    assert all(s.split(".")[0] in list("123456789") for s in _draws("0.5 kg", 50))
    straight = [int(s.split("^")[0]) for s in _draws("180^\\circ", 50)]
    assert max(straight) >= 180 and min(straight) >= 100  # 180 is no acute angle


def test_number_map_keeps_numbers_it_does_not_name():
    assert apply_number_map("1 and 2 and 1.5", {"1": "5"}) == "5 and 2 and 1.5"
