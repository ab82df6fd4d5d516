"""``python -m benchmarks [SUITE] [options]``: run a benchmark suite.

Suites are modules of this package with a ``main(argv) -> int``; without a suite name
the core suite (benchmarks/run.py: map ratios, memory, collator, peers) runs.
"""

import importlib
import sys

#: suite name -> module of this package
SUITES = {
    "core": "run",
    "text": "text",
    "scale": "scale",
    "pixels": "pixels",
    "mutation": "mutation",
}


def _main(argv: list[str]) -> int:
    if argv and argv[0] in SUITES:
        module = importlib.import_module(f"benchmarks.{SUITES[argv[0]]}")
        return int(module.main(argv[1:]))
    from .run import main

    return int(main(argv))


sys.exit(_main(sys.argv[1:]))
