"""Error bars from the shape of the action at its minimum: the Laplace approximation.

P(X|Y) ∝ exp(-A0(X)) with the *unnormalised* action
A0 = (R_m/2) Σ (x - y)² + (R̃_f/2) Σ residual² (notebook 01).  The plotted action
A = R_m/(N_m L) Σ (x - y)² + R_f/((M-1) D) Σ residual² has the same minimiser as A0 with the
model precision R̃_f = R_f N_m L / ((M-1) D) (not the schedule's start R_f0): then
A0 = (N_m L / 2) A exactly.  So the
minimum annealing finds at a plotted R_f is the most probable path of A0 at that R̃_f, and
its curvature is (N_m L / 2) times the curvature of A.  (Only the final R_f of a schedule
defines the posterior; the Laplace approximation at an intermediate R_f is that of a model
whose model error has variance 1/R̃_f there.)  Near the minimum X̂,
A0 ≈ A0(X̂) + ½ δᵀ H δ, so X | Y ≈ N(X̂, H⁻¹).  H is the exact Hessian of A0 when the model
has second derivatives (``Model.hess``), else its Gauss-Newton part (which drops the
residual-weighted curvature of F: the two agree when the model residuals are small, and
exactly for a model linear in the states and parameters).  It is block-tridiagonal in time
with a border for the estimated parameters; nothing here forms a dense inverse:

- parameters: the covariance is the inverse of the Schur complement
  S = H_pp - H_xpᵀ H_xx⁻¹ H_xp (one banded Cholesky of H_xx, one solve per parameter);
- states: the variance of x_a(n) is e_iᵀ H_xx⁻¹ e_i + v_iᵀ S⁻¹ v_i with v = H_xx⁻¹ H_xp, from
  one banded solve per requested entry (components you ask for, at every time).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from ..problem import ActionEvaluator, Problem
from .._runtime import single_blas_thread
from .._checks import check_int
from ..optimize import BandedSolver

__all__ = ["Laplace", "laplace", "laplace_along", "unnormalised_evaluator", "Samples", "hmc"]


def unnormalised_evaluator(problem, Rf) -> ActionEvaluator:
    """An evaluator of A0 (value, gradient, Gauss-Newton blocks) for a :class:`Problem` at
    the plotted model precision ``Rf`` (physical R̃_f = Rf N_m L / ((M-1) D)): the same
    minimiser as ``problem.evaluator(Rf)``, (N_m L / 2) times its value."""
    if not isinstance(problem, Problem):
        raise TypeError("problem must be a dalearn Problem (a data assimilation problem); "
                        f"got {type(problem).__name__}")
    # A0's weights, (N_m L / 2) times the plotted action's: R_m/2 per measured number and
    # R_f0/2 per squared residual, R_f0 = R_f N_m L / ((M-1) D)
    factor = problem.n_meas / 2.0
    return ActionEvaluator(problem, w_meas=problem.w_meas * factor,
                           model_weights=problem.model_weights(Rf) * factor)


@dataclass(frozen=True)
class Laplace:
    """Gaussian approximation of P(X|Y) at a minimum.  ``param_std`` {name: std};
    ``param_cov`` (P_e, P_e); ``state_std`` (D, M) with NaN for components not asked for;
    ``status`` 0 when H is positive definite, else 1 and ``message`` says where it failed;
    ``hessian``: "exact" or "gauss-newton", the H used."""
    param_names: tuple
    param_cov: np.ndarray
    state_std: np.ndarray
    status: int
    message: str
    hessian: str = "exact"

    @property
    def param_std(self) -> dict:
        return {n: float(np.sqrt(v)) for n, v in zip(self.param_names, np.diag(self.param_cov))}


def _check_result_fits(problem, result) -> None:
    """``result`` an AnnealResult of this problem: its paths' shape, R_m and parameter names
    the problem's (a result of another problem would give other error bars, silently)."""
    need = ("paths", "params", "Rf", "Rm", "best", "param_names")
    if not all(hasattr(result, a) for a in need):
        raise TypeError(f"result must be an AnnealResult (e.g. da.AnnealResult.load(path)), "
                        f"got {type(result).__name__}")
    Rm = getattr(problem, "Rm", None)
    if tuple(result.param_names) != tuple(getattr(problem, "param_names", ())) or \
            (Rm is not None and (np.shape(result.Rm) != np.shape(Rm)
                                 or not np.allclose(result.Rm, Rm))) or \
            (hasattr(problem, "M") and result.paths.shape[1:] != (problem.D, problem.M)):
        raise ValueError("result was annealed on another problem (its paths, R_m or "
                         "parameters differ from this problem's); give the problem it came "
                         "from")


def laplace(problem, result=None, *, z=None, Rf=None, start: int | None = None,
            components=(), hessian: str = "exact") -> Laplace:
    """Laplace approximation at an annealing ``result``'s final minimum (``start``: default
    the best) or at a packed vector ``z`` with model precision ``Rf``.  ``components``: the
    state components whose marginal standard deviations to compute (each costs M banded
    solves).  ``hessian``: "exact" (the default; Gauss-Newton for a model without second
    derivatives) or "gauss-newton"."""
    if hessian not in ("exact", "gauss-newton"):
        raise ValueError(f"hessian must be 'exact' or 'gauss-newton'; got {hessian!r}")
    if result is not None:
        if z is not None or Rf is not None:
            raise ValueError("give either result or (z, Rf), not both")
        _check_result_fits(problem, result)
        s = result.best if start is None else check_int("start", start, 0, result.n_init - 1)
        z = problem.pack(result.paths[s], result.params[-1, s])
        Rf = result.Rf[-1]
    elif z is None or Rf is None:
        raise ValueError("give result (an AnnealResult) or both z and Rf")
    comps = [check_int("components entries", c, 0, problem.D - 1) for c in components]
    # one BLAS thread: faster for a small banded Cholesky (docs/decisions.md)
    with single_blas_thread():
        return _laplace(problem, np.asarray(z, dtype=float), Rf, comps, hessian)


def _laplace(problem, z, Rf, comps, hessian) -> Laplace:
    ev = unnormalised_evaluator(problem, Rf)
    exact = hessian == "exact" and ev.has_hessian
    kind = "exact" if exact else "gauss-newton"
    gn = ev.gauss_newton(z, exact=exact)
    M, D = problem.M, problem.D
    n, names = M * D, tuple(problem.estimate)
    Pe = len(names)
    nan_std = np.full((D, M), np.nan)
    solver = BandedSolver()
    solver.prepare(gn)
    if not solver.factor(0.0):
        where = (f"the state Hessian is not positive definite (pivot {solver.pivot})"
                 if solver.failure == "band" else
                 "the parameters' Schur complement is not positive definite")
        return Laplace(names, np.full((Pe, Pe), np.nan), nan_std, 1, where, kind)
    # columns of H⁻¹ from the bordered factor: its parameter block is S⁻¹, its diagonal the
    # states' variances (H_xx⁻¹ plus the Schur correction)
    E = np.zeros((n + Pe, Pe))
    E[n + np.arange(Pe), np.arange(Pe)] = 1.0
    cov_p = solver.solve_factored(E)[n:] if Pe else np.zeros((0, 0))
    cov_p = 0.5 * (cov_p + cov_p.T)
    state_std = nan_std.copy()
    for a in comps:
        idx = np.arange(M) * D + a                     # time-major positions of x_a(n)
        E = np.zeros((n + Pe, M))
        E[idx, np.arange(M)] = 1.0
        state_std[a] = np.sqrt(np.einsum("ij,ij->j", E, solver.solve_factored(E)))
    return Laplace(names, cov_p, state_std, 0, "positive definite", kind)


def laplace_along(problem, result, *, start: int | None = None, components=(),
                  hessian: str = "exact") -> list:
    """The Laplace approximation at every β of one start (default: the best) of a result
    annealed with ``keep_all=True``: a list of n_beta :class:`Laplace`, the k-th taken at
    that start's path and parameters at β index k with model precision ``result.Rf[k]``."""
    if getattr(result, "all_paths", None) is None:
        raise ValueError("result: laplace_along needs an AnnealResult annealed with "
                         "keep_all=True (its path at every beta)")
    s = result.best if start is None else check_int("start", start, 0, result.n_init - 1)
    comps = [check_int("components entries", c, 0, problem.D - 1) for c in components]
    return [laplace(problem, z=problem.pack(result.all_paths[b, s], result.params[b, s]),
                    Rf=result.Rf[b], components=comps, hessian=hessian)
            for b in range(result.n_beta)]


@dataclass(frozen=True)
class Samples:
    """Draws of the packed vector from exp(-A0): ``z`` (n_samples, n), the acceptance rate
    and the number of leapfrog steps per draw."""
    z: np.ndarray
    acceptance: float
    n_leapfrog: int


#: the largest problem for which ``hmc`` builds its dense mass matrix
MAX_DENSE = 3000


def hmc(problem, z0, Rf, *, n_samples: int = 500, step: float = 0.5, n_leapfrog: int = 6,
        seed=0) -> Samples:
    """Hamiltonian Monte Carlo draws from P(z) ∝ exp(-A0(z)) at model precision ``Rf``,
    started at ``z0`` (e.g. the annealed minimum), with the exact gradient of A0.

    The mass matrix is the Gauss-Newton Hessian H at ``z0`` (dense; problems up to
    ``MAX_DENSE`` unknowns): for a Gaussian posterior the dynamics are then oscillators of
    unit frequency, and ``step`` × ``n_leapfrog`` ≈ 3 gives nearly independent draws however
    badly scaled the path is.  Each trajectory's length is jittered (1..``n_leapfrog``
    steps).  Seeded."""
    n_samples = check_int("n_samples", n_samples, 1)
    n_leapfrog = check_int("n_leapfrog", n_leapfrog, 1)
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not np.isfinite(step) \
            or step <= 0:
        raise ValueError(f"step must be a positive number, got {step!r}")
    z = np.array(z0, dtype=float)
    if z.shape != (problem.n_unknowns,) or not np.all(np.isfinite(z)):
        raise ValueError(f"z0 must be a finite vector of {problem.n_unknowns} unknowns")
    if z.size > MAX_DENSE:
        raise ValueError(f"z0: hmc builds a dense mass matrix, up to {MAX_DENSE} unknowns; "
                         f"this problem has {z.size} (use a shorter window)")
    ev = unnormalised_evaluator(problem, Rf)
    try:
        factor = cho_factor(ev.gauss_newton(z).to_dense(), lower=True)
    except np.linalg.LinAlgError:
        raise ValueError("z0: the Gauss-Newton Hessian there is not positive definite") from None
    chol = np.tril(factor[0])

    def velocity(p):                                   # H⁻¹ p, two triangular solves
        return cho_solve(factor, p)

    rng = np.random.default_rng(seed)
    f, g = ev.value_grad(z)
    out, accepted = np.empty((n_samples, z.size)), 0
    for k in range(n_samples):
        p = chol @ rng.normal(size=z.size)             # p ~ N(0, H)
        zn, pn, gn_, fn = z.copy(), p - 0.5 * step * g, g, f
        n_steps = int(rng.integers(1, n_leapfrog + 1))
        for i in range(n_steps):
            zn = zn + step * velocity(pn)
            fn, gn_ = ev.value_grad(zn)
            if i < n_steps - 1:
                pn = pn - step * gn_
        pn = pn - 0.5 * step * gn_
        h_old = f + 0.5 * float(p @ velocity(p))
        h_new = fn + 0.5 * float(pn @ velocity(pn))
        if np.isfinite(h_new) and np.log(rng.uniform()) < h_old - h_new:
            z, f, g = zn, fn, gn_
            accepted += 1
        out[k] = z
    return Samples(out, accepted / n_samples, n_leapfrog)
