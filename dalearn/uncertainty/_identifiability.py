"""How well the data determine each estimated parameter: Laplace (or, at the truth, Fisher
information) standard deviations, their correlations, and which estimates sit on a bound.

A plateau of the action at the expected level certifies that model and data are consistent,
not that every parameter is determined: a parameter whose Laplace standard deviation is wider
than its bounds' half-width is held by the bounds (the prior), not by the data.  The bars
come from the curvature of A0 at a minimum (:func:`dalearn.uncertainty.laplace`, which
ignores the bounds); with ``hessian="gauss-newton"`` at the true path and parameters they are
the Cramér-Rao bounds of the Fisher information of the weak-constraint model.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_int
from ._laplace import laplace

__all__ = ["ParameterBars", "parameter_bars", "WeightBars", "weight_bars"]


@dataclass(frozen=True)
class ParameterBars:
    """Per estimated parameter (P_e,), in ``names`` order: ``value`` the estimate, ``sd`` the
    Laplace standard deviation, ``rel_sd`` = sd/|value|; ``corr`` (P_e, P_e) the correlation
    matrix; ``box`` the bounds' half-width relative to |value| (inf where unbounded);
    ``on_bound`` "low", "high" or "" per parameter; ``status`` 0 when the Hessian is
    positive definite."""
    names: tuple
    value: np.ndarray
    sd: np.ndarray
    corr: np.ndarray
    box: np.ndarray
    on_bound: tuple
    status: int

    @property
    def rel_sd(self) -> np.ndarray:
        return self.sd / np.abs(self.value)

    @property
    def bound_driven(self) -> np.ndarray:
        """Bool per parameter: the data determine it worse than its bounds do (rel_sd > box)."""
        return self.rel_sd > self.box

    def strongest_correlation(self, name: str) -> tuple:
        """(other parameter, correlation) with the largest |correlation| with ``name``."""
        i = self.names.index(name)
        c = np.where(np.arange(len(self.names)) == i, 0.0, self.corr[i])
        j = int(np.argmax(np.abs(c)))
        return self.names[j], float(c[j])

    def table(self, truth=None) -> str:
        """One line per parameter: estimate, ± sd (%), the box (%), on a bound, and the error
        against ``truth`` (P_e,) if given."""
        lines = []
        for k, n in enumerate(self.names):
            err = "" if truth is None else f"  error {100 * (self.value[k] / truth[k] - 1):+6.1f} %"
            box = "   none" if not np.isfinite(self.box[k]) else f"{100 * self.box[k]:6.1f} %"
            flag = f"  on its {self.on_bound[k]} bound" if self.on_bound[k] else ""
            held = "  held by the bounds" if self.bound_driven[k] else ""
            lines.append(f"{n:>5} {self.value[k]:10.4g} ± {100 * self.rel_sd[k]:5.1f} %  "
                         f"(box ± {box}){err}{flag}{held}")
        return "\n".join(lines)


def parameter_bars(problem, result=None, *, z=None, Rf=None, start: int | None = None,
                   hessian: str = "exact", tol: float = 1e-3) -> ParameterBars:
    """Bars, correlations and bound flags of the estimated parameters at an annealing
    ``result``'s final minimum (``start``: default the best) or at a packed ``z`` with model
    precision ``Rf`` (e.g. the truth, with ``hessian="gauss-newton"``: the Fisher bars).
    ``tol``: an estimate within ``tol`` × (high - low) of a bound counts as on it."""
    if not getattr(problem, "estimate", ()):
        raise ValueError("problem: no parameter is estimated (give estimate=[...])")
    if not (isinstance(tol, float) and 0 < tol < 0.5):
        raise ValueError(f"tol must be a float in (0, 0.5), got {tol!r}")
    if result is not None:
        s = result.best if start is None else check_int("start", start, 0, result.n_init - 1)
        lap = laplace(problem, result, start=s, hessian=hessian)
        value = np.asarray(result.params[-1, s])[problem.est_idx]
    else:
        lap = laplace(problem, z=z, Rf=Rf, hessian=hessian)
        value = np.asarray(z, dtype=float)[problem.M * problem.D:]
    names = tuple(problem.estimate)
    sd = np.sqrt(np.diag(lap.param_cov))
    corr = lap.param_cov / np.outer(sd, sd)
    box, flags = np.full(len(names), np.inf), []
    for k, n in enumerate(names):
        lo, hi = problem.param_bounds.get(n, (-np.inf, np.inf))
        if np.isfinite(lo) and np.isfinite(hi):
            box[k] = (hi - lo) / 2 / abs(value[k])
            w = tol * (hi - lo)
            flags.append("low" if value[k] - lo <= w else "high" if hi - value[k] <= w else "")
        else:
            flags.append("")
    return ParameterBars(names, value, sd, corr, box, tuple(flags), lap.status)


@dataclass(frozen=True)
class WeightBars:
    """Laplace standard deviations ``sd`` (n_W,) and correlations ``corr`` (n_W, n_W) of a
    network's weights at a minimum, in ``names`` (θ) order, with the estimates ``value``."""
    names: tuple
    value: np.ndarray
    sd: np.ndarray
    corr: np.ndarray

    @property
    def rel_sd(self) -> np.ndarray:
        return self.sd / np.abs(self.value)


def weight_bars(problem, result=None, *, z=None, Rf=None, start: int | None = None,
                hessian: str = "exact") -> WeightBars:
    """The Laplace bars of a :class:`dalearn.NetworkProblem`'s weights at an annealing
    ``result``'s final minimum (``start``: default the best) or at packed ``z`` and ``Rf``:
    the weights' covariance is the inverse Schur complement of the Hessian of A0 (the states
    eliminated by the banded solve of :mod:`dalearn.levels`).  Raises ValueError where the
    Hessian is not positive definite (e.g. more free numbers than data)."""
    from ..levels import _factor, _hessian, _point, _scalar_for_networks, n_measured
    if not hasattr(problem, "net"):
        raise TypeError("problem must be a dalearn NetworkProblem (for a data assimilation "
                        f"problem use parameter_bars); got {type(problem).__name__}")
    z, Rf = _point(problem, result, z, Rf, start)
    Rf = _scalar_for_networks(problem, Rf)
    gn = _hessian(problem, z, Rf, hessian)
    try:
        _, _, S = _factor(gn)
        Linv = np.linalg.inv(np.linalg.cholesky(S))
    except np.linalg.LinAlgError:
        raise ValueError("z: the Hessian is not positive definite there: no Laplace bars "
                         "for the weights") from None
    cov = (Linv.T @ Linv) * 2.0 / n_measured(problem)       # H0 = (N/2) H
    sd = np.sqrt(np.diag(cov))
    value = np.asarray(z, dtype=float)[problem.nx:]
    return WeightBars(tuple(problem.param_names), value, sd, cov / np.outer(sd, sd))
