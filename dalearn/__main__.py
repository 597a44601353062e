"""``python -m dalearn``: see :mod:`dalearn.cli`."""
import sys

from .cli import main

sys.exit(main())
