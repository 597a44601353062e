"""Old module paths (before the package layout) keep importing for one release, with a
DeprecationWarning naming the new home: ``import dalearn.presets`` gives
:mod:`dalearn.experiments`."""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

#: old module -> the package that holds its public names now
MOVED = {
    "neuron": "models", "catalog": "models", "drive": "models", "lyapunov": "models",
    "twin": "problem", "datafiles": "problem", "presets": "experiments",
    "studies": "experiments", "site": "course", "exercises": "course", "settings": "_settings",
    "identifiability": "uncertainty",
    "datasets": "network",
}


def moved(old: str):
    """The new home of ``dalearn.<old>``, imported, with a DeprecationWarning."""
    new = MOVED[old]
    where = ("dalearn itself (da.AnnealSettings, ...)" if new.startswith("_")
             else f"dalearn.{new}")
    warnings.warn(f"dalearn.{old} has moved: its names are on {where}; the old path goes "
                  f"in the next release", DeprecationWarning, stacklevel=3)
    return importlib.import_module(f"dalearn.{new}")


class _OldPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        head, _, old = fullname.partition(".")
        if head == "dalearn" and old in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return None  # a fresh module that forwards to the new home

    def exec_module(self, module):
        new = moved(module.__name__.partition(".")[2])
        module.__dict__.update({k: v for k, v in vars(new).items() if not k.startswith("__")})
        module.__getattr__ = lambda name: getattr(new, name)


def install() -> None:
    if not any(isinstance(f, _OldPaths) for f in sys.meta_path):
        sys.meta_path.append(_OldPaths())
