"""Error bars from the shape of the action at its minimum: the Laplace approximation.

P(X|Y) ∝ exp(-A0(X)) with the *unnormalised* action
A0 = (R_m/2) Σ (x - y)² + (R_f/2) Σ residual² (notebook 01; the plotted, normalised A
weights the two terms differently, A0 = (N_m L/2) A_meas + ((M-1) D/2) A_model).  Near a
minimum X̂, A0 ≈ A0(X̂) + ½ δᵀ H δ, so X | Y ≈ N(X̂, H⁻¹).  H is the Gauss-Newton Hessian of A0
(exact for a model linear in the states and parameters).  It is block-tridiagonal in time with
a border for the estimated parameters; nothing here forms a dense inverse:

- parameters: the covariance is the inverse of the Schur complement
  S = H_pp - H_xpᵀ H_xx⁻¹ H_xp (one banded Cholesky of H_xx, one solve per parameter);
- states: the variance of x_a(n) is e_iᵀ H_xx⁻¹ e_i + v_iᵀ S⁻¹ v_i with v = H_xx⁻¹ H_xp, from
  one banded solve per requested entry (components you ask for, at every time).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dpbtrf, dpbtrs

from ._action import ActionEvaluator
from ._checks import check_int
from .optimize import _BandedSolver

__all__ = ["Laplace", "laplace", "unnormalised_evaluator"]


class _Unnormalised:
    """A problem's view with A0's weights: R_m/2 per measured number, R_f/2 per residual."""

    def __init__(self, problem):
        self._pb = problem
        self.w_meas = problem.w_meas * problem.n_meas / 2.0

    def model_weights(self, Rf) -> np.ndarray:
        return np.broadcast_to(np.asarray(Rf, dtype=float), (self._pb.D,)) / 2.0

    def __getattr__(self, name):
        return getattr(self._pb, name)


def unnormalised_evaluator(problem, Rf) -> ActionEvaluator:
    """An evaluator of A0 (value, gradient, Gauss-Newton blocks) for a :class:`Problem`."""
    if not hasattr(problem, "n_meas") or not hasattr(problem, "w_meas"):
        raise TypeError("problem must be a dalearn Problem (a data assimilation problem); "
                        f"got {type(problem).__name__}")
    return ActionEvaluator(_Unnormalised(problem), Rf)


@dataclass(frozen=True)
class Laplace:
    """Gaussian approximation of P(X|Y) at a minimum.  ``param_std`` {name: std};
    ``param_cov`` (P_e, P_e); ``state_std`` (D, M) with NaN for components not asked for;
    ``status`` 0 when H is positive definite, else 1 and ``message`` says where it failed."""
    param_names: tuple
    param_cov: np.ndarray
    state_std: np.ndarray
    status: int
    message: str

    @property
    def param_std(self) -> dict:
        return {n: float(np.sqrt(v)) for n, v in zip(self.param_names, np.diag(self.param_cov))}


def laplace(problem, result=None, *, z=None, Rf=None, start: int | None = None,
            components=()) -> Laplace:
    """Laplace approximation at an annealing ``result``'s final minimum (``start``: default
    the best) or at a packed vector ``z`` with model precision ``Rf``.  ``components``: the
    state components whose marginal standard deviations to compute (each costs M banded
    solves)."""
    if result is not None:
        if z is not None or Rf is not None:
            raise ValueError("give either result or (z, Rf), not both")
        s = result.best if start is None else check_int("start", start, 0, result.n_init - 1)
        z = problem.pack(result.paths[s], result.params[-1, s])
        Rf = result.Rf[-1]
    elif z is None or Rf is None:
        raise ValueError("give result (an AnnealResult) or both z and Rf")
    comps = [check_int("components entries", c, 0, problem.D - 1) for c in components]
    ev = unnormalised_evaluator(problem, Rf)
    gn = ev.gauss_newton(np.asarray(z, dtype=float))
    M, D = problem.M, problem.D
    n, names = M * D, tuple(problem.estimate)
    nan_std = np.full((D, M), np.nan)
    solver = _BandedSolver(M, D)
    solver.prepare(gn)
    solver.ab[solver.kd] = solver.base_diag
    c, info = dpbtrf(solver.ab, lower=0, overwrite_ab=0)
    if info != 0:
        return Laplace(names, np.full((len(names),) * 2, np.nan), nan_std, 1,
                       f"the state Hessian is not positive definite (pivot {info})")
    Pe = len(names)
    Hxp = gn.Hxp.reshape(n, Pe)
    V = dpbtrs(c, Hxp, lower=0)[0] if Pe else np.zeros((n, 0))
    S = gn.Hpp - Hxp.T @ V
    if Pe:
        try:
            L = np.linalg.cholesky(S)
        except np.linalg.LinAlgError:
            return Laplace(names, np.full((Pe, Pe), np.nan), nan_std, 1,
                           "the parameters' Schur complement is not positive definite")
        Linv = np.linalg.inv(L)
        cov_p = Linv.T @ Linv
    else:
        cov_p = np.zeros((0, 0))
    state_std = nan_std.copy()
    for a in comps:
        idx = np.arange(M) * D + a                     # time-major positions of x_a(n)
        E = np.zeros((n, M))
        E[idx, np.arange(M)] = 1.0
        diag = np.einsum("ij,ij->j", E, dpbtrs(c, E, lower=0)[0])
        if Pe:
            Vi = V[idx]
            diag = diag + np.einsum("ij,jk,ik->i", Vi, cov_p, Vi)
        state_std[a] = np.sqrt(diag)
    return Laplace(names, cov_p, state_std, 0, "positive definite")
