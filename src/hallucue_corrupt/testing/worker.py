"""A fresh interpreter that runs contract checks for :mod:`hallucue_corrupt.testing.contract`.

Started as ``python -m hallucue_corrupt.testing.worker`` (not through ``multiprocessing``,
which would re-run the caller's ``__main__`` script), it reads length-prefixed pickled
calls on stdin and answers on the stdout it had at start; anything the checked code
prints goes to stderr. One worker serves every check of a session.
"""

from __future__ import annotations

import atexit
import importlib
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

__all__ = ["call"]

_LOCK = threading.Lock()
_PROCESS: subprocess.Popen[bytes] | None = None


def _write(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj)
    stream.write(len(data).to_bytes(8, "little") + data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError("the worker closed its pipe")
    return pickle.loads(stream.read(int.from_bytes(header, "little")))


def _process() -> subprocess.Popen[bytes]:
    global _PROCESS
    if _PROCESS is None or _PROCESS.poll() is not None:
        _PROCESS = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONHASHSEED": "random"},  # never the caller's fixed seed
        )
        atexit.register(_stop, _PROCESS)
    return _PROCESS


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def call(module: str, function: str, *args: Any) -> Any:
    """``module.function(*args)`` in the worker (started on first use, with this process's
    ``sys.path``); its exception comes back as a ``RuntimeError`` naming it."""
    with _LOCK:
        process = _process()
        assert process.stdin is not None and process.stdout is not None
        try:
            _write(process.stdin, (list(sys.path), module, function, args))
            ok, value = _read(process.stdout)
        except (OSError, EOFError) as exc:
            raise RuntimeError(f"the worker process died: {exc}") from exc
    if not ok:
        raise RuntimeError(value)
    return value


def main() -> None:
    """Serve calls until stdin closes."""
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # prints of the checked code must not corrupt the answers
    requests = sys.stdin.buffer
    while True:
        try:
            path, module, function, args = _read(requests)
        except EOFError:
            return
        sys.path[:] = path
        try:
            fn: Callable[..., Any] = getattr(importlib.import_module(module), function)
            _write(answers, (True, fn(*args)))
        except Exception as exc:
            _write(answers, (False, f"{type(exc).__name__}: {exc}"))


if __name__ == "__main__":
    main()
