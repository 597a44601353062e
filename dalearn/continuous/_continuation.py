"""What the two boundary value solvers share: the input checks, the data misfit R_m (x - y),
and the continuation loop over increasing R_f."""
from __future__ import annotations

import numpy as np

__all__ = ["check_Rf_values", "check_Rm", "misfit", "continuation"]


def check_Rf_values(Rf_values) -> np.ndarray:
    """``Rf_values`` as a 1-D float array of positive, finite, increasing numbers."""
    Rf_values = np.atleast_1d(np.asarray(Rf_values, dtype=float))
    if Rf_values.ndim != 1 or Rf_values.size == 0 or np.any(~np.isfinite(Rf_values)) or \
            np.any(Rf_values <= 0):
        raise ValueError(f"Rf_values must be positive finite numbers, got {Rf_values}")
    if np.any(np.diff(Rf_values) <= 0):
        raise ValueError(f"Rf_values must increase (continuation), got {Rf_values}")
    return Rf_values


def check_Rm(Rm, D: int) -> np.ndarray:
    """``Rm`` (scalar or (D,)) as a (D,) array of finite numbers >= 0."""
    Rm_vec = np.broadcast_to(np.asarray(Rm, dtype=float), (D,)).copy()
    if not np.all(np.isfinite(Rm_vec)) or np.any(Rm_vec < 0):
        raise ValueError(f"Rm must be finite and >= 0, got {Rm}")
    return Rm_vec


def misfit(x, y, Rm):
    """R_m (x - y); zero where R_m is 0 or y is NaN (not measured)."""
    measured = (Rm > 0) & np.isfinite(y)
    return np.where(measured, Rm * (x - np.where(measured, y, 0.0)), 0.0)


def continuation(steps, solve, mesh, Y) -> list:
    """``solve(step, mesh, Y)`` (a ``scipy.integrate.solve_bvp`` result) for each of
    ``steps`` in order, each from the previous converged solution (a failed step keeps the
    last good guess for the next); the results."""
    out = []
    for step in steps:
        sol = solve(step, mesh, Y)
        if sol.status == 0:
            mesh, Y = sol.x, sol.y
        out.append(sol)
    return out
