"""The command line: ``python -m dalearn anneal|twin|train|site|course ...``."""
from ._main import build_parser, main, settings_from_args

__all__ = ["main", "build_parser", "settings_from_args"]
