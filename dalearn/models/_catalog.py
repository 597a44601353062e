"""Every built-in model by name, autonomous and driven: ``get_model('nakl')``."""
from __future__ import annotations

from ._base import Model
from ._lorenz import ForcedLorenz96, Lorenz63, Lorenz96
from ._neuron import NaKL

__all__ = ["MODELS", "SIZED", "get_model"]


MODELS = {"lorenz96": Lorenz96, "lorenz63": Lorenz63, "nakl": NaKL,
          "lorenz96-forced": ForcedLorenz96}
#: models whose state dimension can be chosen (``D=``)
SIZED = ("lorenz96", "lorenz96-forced")


def get_model(name: str, **kwargs) -> Model:
    """Build a named model: ``get_model('lorenz96', D=20)``, ``get_model('nakl')``."""
    if not isinstance(name, str) or name.lower() not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, got {name!r}")
    return MODELS[name.lower()](**kwargs)
