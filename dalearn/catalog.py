"""Every built-in model by name, autonomous and driven: ``get_model('nakl')``."""
from __future__ import annotations

from .models import MODELS as _AUTONOMOUS, Lorenz96, Model, _arr
from .neuron import NaKL

__all__ = ["ForcedLorenz96", "MODELS", "get_model"]


class ForcedLorenz96(Lorenz96):
    """Lorenz96 with a time-varying forcing: dx_a/dt = (x_{a+1} - x_{a-2}) x_{a-1} - x_a
    + ν + u(t), the input u (one, the same on every component) known; ν a constant offset
    (default 0, estimable).  The Jacobians are Lorenz96's (u enters additively)."""

    name = "lorenz96-forced"
    inputs = ("forcing",)

    def __init__(self, D: int = 20, nu: float = 0.0):
        super().__init__(D, nu)

    def rhs(self, x, p, u):
        return super().rhs(x, p) + _arr(u)[..., :1]

    def jac(self, x, p, u):
        return super().jac(x, p)

    def jac_p(self, x, p, u):
        return super().jac_p(x, p)

    def hess(self, x, p, w, u=None):
        return super().hess(x, p, w)


MODELS = {**_AUTONOMOUS, "nakl": NaKL, "lorenz96-forced": ForcedLorenz96}
#: models whose state dimension can be chosen (``D=``)
SIZED = ("lorenz96", "lorenz96-forced")


def get_model(name: str, **kwargs) -> Model:
    """Build a named model: ``get_model('lorenz96', D=20)``, ``get_model('nakl')``."""
    if not isinstance(name, str) or name.lower() not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, got {name!r}")
    return MODELS[name.lower()](**kwargs)
