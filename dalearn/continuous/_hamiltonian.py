"""ℋ(x, π) of a model with model precision Rf and data y(t); Hamilton's equations."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_positive
from ..models import Model
from ._continuation import misfit

__all__ = ["Hamiltonian"]


@dataclass(frozen=True)
class Hamiltonian:
    """ℋ(x, π) of ``model`` with model precision ``Rf`` and data ``y(t)``.

    ``Rm``: scalar or (D,) measurement precision per unit time (0 = unobserved component);
    ``y``: callable t -> (..., D) data, NaN where nothing is measured (ignored where Rm is
    0), or None for no data; ``params``: the model's parameters (default: its own).
    Arrays carry the state on the last axis; ``t`` broadcasts against the leading axes.
    """
    model: Model
    Rf: float
    Rm: np.ndarray | float = 0.0
    y: object = None
    params: np.ndarray | None = None

    def __post_init__(self):
        check_positive("Rf", self.Rf)
        Rm = np.asarray(self.Rm, dtype=float)
        if Rm.ndim > 1 or (Rm.ndim == 1 and Rm.size != self.model.D) or \
                not np.all(np.isfinite(Rm)) or np.any(Rm < 0):
            raise ValueError(f"Rm must be >= 0, a number or D={self.model.D} numbers, "
                             f"got {self.Rm!r}")
        if self.y is not None and not callable(self.y):
            raise TypeError("y must be a callable t -> (..., D) data, or None")

    @property
    def p_model(self) -> np.ndarray:
        """The model's parameter vector (P,)."""
        return self.model.default_params if self.params is None else np.asarray(self.params)

    def _Rm(self):
        return np.broadcast_to(np.asarray(self.Rm, dtype=float), (self.model.D,))

    def _misfit(self, t, x):
        """Rm (x - y(t)); zero where Rm is 0, where there are no data, or where y is NaN
        (not measured)."""
        Rm = self._Rm()
        if self.y is None or not np.any(Rm):
            return np.zeros_like(x)
        return misfit(x, np.asarray(self.y(t)), Rm)

    def _measurement_term(self, t, x):
        """Rm/2 Σ_l (x_l - y_l)² over measured components."""
        misfit = self._misfit(t, x)
        Rm = self._Rm()
        return 0.5 * np.sum(np.where(Rm > 0, misfit ** 2 / np.where(Rm > 0, Rm, 1), 0), -1)

    def lagrangian(self, t, x, xdot):
        return self._measurement_term(t, x) + \
            0.5 * self.Rf * np.sum((xdot - self.model.rhs(x, self.p_model)) ** 2, -1)

    def momentum(self, x, xdot):
        """π = Rf (ẋ - F(x))."""
        return self.Rf * (xdot - self.model.rhs(x, self.p_model))

    def H(self, t, x, pi):
        """ℋ(x, π) = π·F(x) + |π|²/(2 Rf) - Rm/2 Σ_l (x_l - y_l)²."""
        return np.sum(pi * self.model.rhs(x, self.p_model), -1) + \
            np.sum(pi * pi, -1) / (2 * self.Rf) - self._measurement_term(t, x)

    def vector_field(self, t, x, pi):
        """Hamilton's equations: (ẋ, π̇) = (∂ℋ/∂π, -∂ℋ/∂x)."""
        pm = self.p_model
        xdot = self.model.rhs(x, pm) + pi / self.Rf
        pidot = -self.model.vjp(x, pm, pi) + self._misfit(t, x)
        return xdot, pidot
