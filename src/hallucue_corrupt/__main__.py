"""``python -m hallucue_corrupt`` runs the ``hallucue`` command."""

import sys

from .cli import main

sys.exit(main())
