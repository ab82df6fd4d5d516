"""numpy's first bounded draw, vectorised: ``Generator(PCG64(seed)).integers(n)`` for many
seeds at once, bit for bit, without building a Generator per seed.

The batch kernel draws one donor per row from the same keyed stream the row engine uses
(:func:`hallucue_corrupt.seeding.make_rng`); building a numpy Generator costs about 10 µs a
row, more than the rest of a donor swap. This module replays, over ``uint64`` arrays,
numpy's ``SeedSequence`` (pool of four words), PCG64 seeding (``pcg64_set_seed``), one
XSL-RR output and the buffered 32-bit Lemire bound of ``Generator.integers``. Where Lemire
would reject and draw again (probability below ``n / 2**32``), :func:`first_integers`
says so and the caller asks numpy itself. ``tests/test_kernel_paths.py`` checks it
against numpy; the kernel checks each batch's first record against the row engine's, and
a mismatch (a numpy that draws differently) sends the batch to the engine.
"""

from __future__ import annotations

import numpy as np

__all__ = ["first_integers"]

_M32 = np.uint64(0xFFFFFFFF)
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_MULT_HI = np.uint64(0x2360ED051FC65DA4)
_MULT_LO = np.uint64(0x4385DF649FCCF645)


def _u32(x: np.ndarray) -> np.ndarray:
    return x & _M32


def _hashmix(value: np.ndarray, const: int) -> tuple[np.ndarray, int]:
    value = value ^ np.uint64(const)
    const = (const * _MULT_A) & 0xFFFFFFFF
    value = _u32(value * np.uint64(const))
    return value ^ (value >> np.uint64(16)), const


def _mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    result = _u32(np.uint64(_MIX_L) * x - np.uint64(_MIX_R) * y)
    mixed: np.ndarray = result ^ (result >> np.uint64(16))
    return mixed


def _seed_words(seeds: np.ndarray) -> list[np.ndarray]:
    """``SeedSequence(seed).generate_state(8, np.uint32)`` of 64-bit seeds, as 8 arrays."""
    entropy = [_u32(seeds), seeds >> np.uint64(32)]  # a seed below 2**32 has one word:
    zero = np.zeros_like(seeds)  # hashing a missing word is hashing 0, the same value
    const = _INIT_A
    pool = []
    for i in range(4):
        word, const = _hashmix(entropy[i] if i < 2 else zero, const)
        pool.append(word)
    for src in range(4):
        for dst in range(4):
            if src != dst:
                mixed, const = _hashmix(pool[src], const)
                pool[dst] = _mix(pool[dst], mixed)
    out = []
    const = _INIT_B
    for i in range(8):
        value = pool[i % 4] ^ np.uint64(const)
        const = (const * _MULT_B) & 0xFFFFFFFF
        value = _u32(value * np.uint64(const))
        out.append(value ^ (value >> np.uint64(16)))
    return out


def _mul64(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The full 128-bit product of two uint64 arrays as (high, low)."""
    a0, a1 = _u32(a), a >> np.uint64(32)
    b0, b1 = _u32(b), b >> np.uint64(32)
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p00 >> np.uint64(32)) + _u32(p01) + _u32(p10)
    low = _u32(p00) | (mid << np.uint64(32))
    high = p11 + (p01 >> np.uint64(32)) + (p10 >> np.uint64(32)) + (mid >> np.uint64(32))
    return high, low


def _step(
    hi: np.ndarray, lo: np.ndarray, inc_hi: np.ndarray, inc_lo: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One LCG step of the 128-bit state: ``state * MULT + inc``."""
    mult_lo = np.full_like(lo, _MULT_LO)
    p_hi, p_lo = _mul64(lo, mult_lo)
    p_hi = p_hi + lo * _MULT_HI + hi * _MULT_LO
    new_lo = p_lo + inc_lo
    carry = (new_lo < p_lo).astype(np.uint64)
    return p_hi + inc_hi + carry, new_lo


def _first_output(seeds: np.ndarray) -> np.ndarray:
    """The first ``next64`` of ``PCG64(seed)`` for each seed."""
    w = _seed_words(seeds)
    val = [w[2 * k] | (w[2 * k + 1] << np.uint64(32)) for k in range(4)]
    init_hi, init_lo = val[0], val[1]
    inc_hi = (val[2] << np.uint64(1)) | (val[3] >> np.uint64(63))
    inc_lo = (val[3] << np.uint64(1)) | np.uint64(1)
    zero = np.zeros_like(seeds)
    hi, lo = _step(zero, zero, inc_hi, inc_lo)
    lo2 = lo + init_lo
    hi = hi + init_hi + (lo2 < lo).astype(np.uint64)
    hi, lo = _step(hi, lo2, inc_hi, inc_lo)
    hi, lo = _step(hi, lo, inc_hi, inc_lo)  # the draw: step, then output the new state
    value = hi ^ lo
    rot = hi >> np.uint64(58)
    rotated: np.ndarray = (value >> rot) | (value << ((np.uint64(64) - rot) & np.uint64(63)))
    return rotated


def first_integers(seeds: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(values, exact)``: ``Generator(PCG64(seed)).integers(n)`` for each seed and bound
    (``1 <= n < 2**32``), and where that value is exact. ``exact`` is False where numpy
    would reject the first 32-bit draw and draw again (the caller asks numpy there)."""
    seeds = np.asarray(seeds, dtype=np.uint64)
    bound = np.asarray(n, dtype=np.uint64)
    if seeds.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    if (bound < 1).any() or (bound > np.uint64(0xFFFFFFFE)).any():
        raise ValueError("bounds must be in [1, 2**32 - 1)")
    first = _u32(_first_output(seeds))
    m = first * bound
    leftover = _u32(m)
    threshold = (np.uint64(2**32) - bound) % bound
    exact = (leftover >= threshold) | (bound == 1)
    values = np.where(bound == 1, np.uint64(0), m >> np.uint64(32))
    return values.astype(np.int64), exact
