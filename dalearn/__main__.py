"""``python -m dalearn``: see :mod:`dalearn.cli`."""
import multiprocessing
import os
import sys

from .cli import main

try:
    code = main()
except SystemExit as e:
    # after Ctrl-C with worker processes, Python 3.10's exit can wait forever on the pool's
    # queue feeder: the one line is printed and nothing is left to write, so leave at once
    if e.code == 130 and sys.version_info < (3, 11) and multiprocessing.active_children():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    raise
sys.exit(code)
