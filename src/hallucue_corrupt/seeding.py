"""Order-free randomness: every draw is keyed on (seed, sample key, corruption, epoch).

Nothing here reads or writes global RNG state (``random``, ``numpy.random``, torch), so
forked ``datasets.map(num_proc=N)`` workers, shuffled inputs and repeated rows of a GRPO
group all see the same randomness for the same sample.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "canonical_key",
    "canonical_keys",
    "derive_seed",
    "derive_seeds",
    "exact_threshold",
    "is_selected",
    "make_rng",
    "uniform",
]

_U64 = 2**64


def canonical_key(key: Any) -> str:
    """The string a sample key is hashed as: ``17``, ``np.int64(17)`` and ``"17"`` agree."""
    if isinstance(key, (bytes, bytearray)):
        return bytes(key).hex()
    if isinstance(key, np.generic):
        key = key.item()
    if isinstance(key, float) and key.is_integer():
        key = int(key)
    return str(key)


def derive_seed(seed: int, key: Any, name: str, epoch: int = 0, *extra: Any) -> int:
    """A 64-bit seed that depends only on its arguments, identical on every machine."""
    parts = [str(int(seed)), canonical_key(key), name, str(int(epoch))]
    parts += [canonical_key(x) for x in extra]
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def canonical_keys(keys: Any) -> list[str]:
    """:func:`canonical_key` of many keys at once; a pyarrow array of integers or strings
    (a key column) is converted in bulk, without a Python object per key."""
    import pyarrow as pa

    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    if isinstance(keys, pa.Array):
        kind = keys.type
        if keys.null_count == 0 and (pa.types.is_integer(kind) or pa.types.is_string(kind)):
            strings: list[str] = keys.cast(pa.string()).to_pylist()
            return strings
        if pa.types.is_large_string(kind) and keys.null_count == 0:
            return list(keys.to_pylist())
        keys = keys.to_pylist()
    if isinstance(keys, range):
        return [str(k) for k in keys]
    items: list[Any] = keys if isinstance(keys, list) else list(keys)
    if all(type(k) is str for k in items):  # already canonical: no call per key
        return items
    return [canonical_key(k) for k in items]


def derive_seeds(seed: int, keys: Any, name: str, epoch: int = 0, *extra: Any) -> np.ndarray:
    """:func:`derive_seed` of many keys (a list, range or pyarrow array) as a ``uint64``
    array: the same values, with the parts shared by every key built once."""
    head = f"{int(seed)}\x1f".encode()
    tail = "\x1f".join(["", name, str(int(epoch)), *(canonical_key(x) for x in extra)]).encode()
    blake = hashlib.blake2b
    digests = b"".join(
        [
            blake(head + canon.encode("utf-8") + tail, digest_size=8).digest()
            for canon in canonical_keys(keys)
        ]
    )
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


def make_rng(seed: int, key: Any, name: str, epoch: int = 0, *extra: Any) -> np.random.Generator:
    """A private ``numpy`` Generator (PCG64) for one (seed, key, corruption, epoch)."""
    return np.random.Generator(np.random.PCG64(derive_seed(seed, key, name, epoch, *extra)))


def uniform(seed: int, key: Any, name: str, epoch: int = 0) -> float:
    """A deterministic number in [0, 1) for one sample, for Bernoulli selection."""
    return derive_seed(seed, key, name, epoch) / _U64


def exact_threshold(seed: int, keys: Iterable[Any], ratio: float, name: str, epoch: int = 0) -> int:
    """The hash threshold that selects exactly ``round(ratio * N)`` of ``keys``.

    A sample is selected when ``derive_seed(seed, key, name, epoch) < threshold``. The
    threshold depends on the set of keys only, never their order, so a shuffled dataset
    selects the same samples, and a worker needs one integer rather than the key list.
    Returns 0 (nothing) or ``2**64`` (everything) at the ends.
    """
    hashes = np.sort(derive_seeds(seed, keys, name, epoch))
    n_select = round(ratio * len(hashes))
    if n_select <= 0:
        return 0
    if n_select >= len(hashes):
        return _U64
    return int(hashes[n_select - 1]) + 1


def is_selected(seed: int, key: Any, name: str, epoch: int, threshold: int) -> bool:
    """Whether a sample falls under a threshold from :func:`exact_threshold`."""
    return derive_seed(seed, key, name, epoch) < threshold
