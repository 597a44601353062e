"""The statistics of action levels: where a noise-consistent minimum lies, and how probable a
level is.  One formula for data assimilation problems and networks alike.

**The expected level.**  With R_m = 1/σ² the plotted action at a minimum is
A = (measurement term) + (model term), the measurement term a sum of N = N_m L squared
normalised residuals divided by N.  Near a minimum the fit is linear in the data y:
dx̂/dy = H⁻¹ 2W, with H the Hessian of A and W the measurement weights (R_m/N on the
measured entries).  The influence (hat) matrix S dx̂/dy has the trace

    p_eff = Σ_i 2 w_i (H⁻¹)_ii = R_m tr(S H0⁻¹ Sᵀ)     (H0 = (N/2) H, the Hessian of A0),

the effective number of fitted numbers.  For a truth that obeys the model and Gaussian
noise, the action at the minimum is then εᵀ(I - hat)ε/(σ² N) to second order, with

    mean 1 - p_eff / N,   standard deviation ≤ sqrt(2 (N - p_eff)) / N,

the band used everywhere being mean ± 3 sd.  As R_f → ∞ the model term vanishes, the hat
matrix becomes a projection and p_eff the number of free numbers the data pin down:
D + (estimated parameters) for a data assimilation problem (the initial state), K D + n_W for
a network (the input states and the weights).  At a finite R_f p_eff is larger (the model
term lets the path bend towards the data): 55.9 instead of 20 for the course's standard
Lorenz96 problem at its final R_f.

**Levels as probabilities.**  P(X|Y) ∝ exp(-A0) (Gaussian noise, Gaussian model error of
variance 1/R_f0 per residual, flat priors on the initial state and the parameters; only the
final R_f defines a posterior).  Two minima's *densities* differ by exp(-ΔA0); their Laplace
*masses* also carry det(H0)^(-1/2).  :func:`log_evidence` is the Laplace log evidence
log ∫ exp(-A0) dX with the Gaussian likelihoods normalised: it compares levels, models, depths
and discretisation rules of the same data by one number (up to the flat prior's constant,
common to problems with the same initial states and parameters).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_int
from .._runtime import single_blas_thread

__all__ = ["ExpectedLevel", "expected_level", "effective_dof", "level_at", "level_band",
           "Evidence", "log_evidence", "n_measured", "summary"]


@dataclass(frozen=True)
class ExpectedLevel:
    """The expected action level at a noise-consistent minimum and its band.
    ``mean`` = 1 - p_eff/n_meas, ``sd`` = sqrt(2 (n_meas - p_eff))/n_meas,
    ``low``/``high`` = mean ∓ width·sd; ``p_eff`` the trace of the influence matrix (the
    fitted numbers), ``n_meas`` the measured numbers."""
    mean: float
    sd: float
    low: float
    high: float
    p_eff: float
    n_meas: int
    width: float = 3.0

    def contains(self, level):
        """Bool (array like ``level``): whether the level lies inside the band."""
        a = np.asarray(level, dtype=float)
        out = (a >= self.low) & (a <= self.high)
        return bool(out) if out.ndim == 0 else out

    def z(self, level):
        """How many standard deviations ``level`` lies from the mean."""
        return (np.asarray(level, dtype=float) - self.mean) / self.sd

    def as_dict(self) -> dict:
        """{"mean", "low", "high", "p_eff"}: the summary the command line reports."""
        return {"mean": float(self.mean), "low": float(self.low), "high": float(self.high),
                "p_eff": float(self.p_eff)}

    def __str__(self):
        return (f"{self.mean:.4g} ± {self.width:g}·{self.sd:.2g} "
                f"(p_eff = {self.p_eff:.1f} of {self.n_meas} measured)")


def expected_level(n_meas, p_eff=0.0, width: float = 3.0) -> ExpectedLevel:
    """The one formula: mean 1 - p_eff/n_meas, band ± width·sqrt(2 (n_meas - p_eff))/n_meas.
    ``n_meas``: measured numbers (N_m L); ``p_eff``: fitted numbers (see
    :func:`effective_dof`; a count such as D + P for the R_f → ∞ limit)."""
    n = check_int("n_meas", n_meas, 1)
    p = float(p_eff)
    if not np.isfinite(p) or p < 0:
        raise ValueError(f"p_eff must be a finite number >= 0, got {p_eff!r}")
    if not (isinstance(width, (int, float)) and not isinstance(width, bool)
            and np.isfinite(width) and width > 0):
        raise ValueError(f"width must be a positive number, got {width!r}")
    mean = 1.0 - p / n
    sd = np.sqrt(2.0 * max(n - p, 0.0)) / n
    return ExpectedLevel(mean, sd, mean - width * sd, mean + width * sd, p, n, float(width))


def n_measured(problem) -> int:
    """The number of measured numbers N (N_m L; K (n_in + n_out) for a network)."""
    for name in ("n_meas", "n_measured"):
        if hasattr(problem, name):
            return int(getattr(problem, name))
    raise TypeError("problem must be a dalearn Problem or NetworkProblem; "
                    f"got {type(problem).__name__}")


def _meas_weights(problem) -> np.ndarray:
    """Weight of each squared measurement residual in the plotted action, per packed state."""
    if hasattr(problem, "meas_precision"):
        return np.asarray(problem.meas_precision(), dtype=float).ravel()
    return np.broadcast_to(problem.w_meas, (problem.M, problem.D)).ravel()


class _BlockTridiagonal:
    """A symmetric positive definite block-tridiagonal matrix (diagonal blocks ``Hd`` (M, D, D),
    super-diagonal ``Ho`` (M-1, D, D)) factored block by block: its log determinant, solves,
    and the diagonal blocks of its inverse (selected inversion), without a dense inverse."""

    def __init__(self, Hd, Ho):
        M, D = Hd.shape[:2]
        self.M, self.D, self.Ho = M, D, Ho
        S = np.empty_like(Hd)
        self.Sinv = np.empty_like(Hd)
        logdet = 0.0
        for n in range(M):
            S[n] = Hd[n] if n == 0 else Hd[n] - Ho[n - 1].T @ self.Sinv[n - 1] @ Ho[n - 1]
            L = np.linalg.cholesky(S[n])                 # raises if not positive definite
            logdet += 2.0 * np.sum(np.log(np.diag(L)))
            Li = np.linalg.inv(L)
            self.Sinv[n] = Li.T @ Li
        self.logdet = logdet

    def solve(self, B) -> np.ndarray:
        """H⁻¹ B for B (M, D, k)."""
        y = np.array(B, dtype=float)
        for n in range(1, self.M):                       # L y = b, L[n, n-1] = Hoᵀ S⁻¹
            y[n] -= self.Ho[n - 1].T @ (self.Sinv[n - 1] @ y[n - 1])
        x = self.Sinv @ y
        for n in range(self.M - 2, -1, -1):              # Lᵀ x = D⁻¹ y
            x[n] -= self.Sinv[n] @ (self.Ho[n] @ x[n + 1])
        return x

    def inverse_diagonal_blocks(self) -> np.ndarray:
        """(H⁻¹)_nn for every n, (M, D, D)."""
        out = np.empty_like(self.Sinv)
        out[-1] = self.Sinv[-1]
        for n in range(self.M - 2, -1, -1):
            G = self.Sinv[n] @ self.Ho[n]
            out[n] = self.Sinv[n] + G @ out[n + 1] @ G.T
        return out


def _hessian(problem, z, Rf, hessian):
    if hessian not in ("exact", "gauss-newton"):
        raise ValueError(f"hessian must be 'exact' or 'gauss-newton'; got {hessian!r}")
    z = np.asarray(z, dtype=float)
    if z.shape != (problem.n_unknowns,) or not np.all(np.isfinite(z)):
        raise ValueError(f"z must be a finite vector of {problem.n_unknowns} unknowns")
    ev = problem.evaluator(_scalar_for_networks(problem, Rf))
    exact = hessian == "exact" and getattr(ev, "has_hessian", False)
    return ev.gauss_newton(z, exact=exact)


def _scalar_for_networks(problem, Rf):
    """A network's model precision is one number (a result stores it once per node)."""
    if hasattr(problem, "net"):
        r = np.unique(np.asarray(Rf, dtype=float))
        if r.size != 1:
            raise ValueError(f"Rf: a network has one model precision, got {Rf!r}")
        return float(r[0])
    return Rf


def _point(problem, result, z, Rf, start):
    if result is not None:
        if z is not None or Rf is not None:
            raise ValueError("give either result or (z, Rf), not both")
        s = result.best if start is None else check_int("start", start, 0, result.n_init - 1)
        return problem.pack(result.paths[s], result.params[-1, s]), result.Rf[-1]
    if z is None or Rf is None:
        raise ValueError("give result (an AnnealResult) or both z and Rf")
    return z, Rf


def _factor(gn):
    """(block factor of the states, V = Hxx⁻¹ Hxp (M, D, Pe), Schur complement S) of H."""
    bt = _BlockTridiagonal(gn.Hd, gn.Ho)
    Pe = gn.Hpp.shape[0]
    if not Pe:
        return bt, None, np.zeros((0, 0))
    V = bt.solve(gn.Hxp)
    S = gn.Hpp - np.einsum("nap,naq->pq", gn.Hxp, V)
    return bt, V, S


def effective_dof(problem, z, Rf, *, hessian: str = "exact") -> float:
    """p_eff = Σ_i 2 w_i (H⁻¹)_ii over the measured entries: the trace of the influence matrix
    ∂ŷ/∂y at the minimum ``z`` (packed) of ``problem`` (a Problem or a NetworkProblem) at
    model precision ``Rf``.  H is the exact Hessian (Gauss-Newton for a model without second
    derivatives, or with ``hessian="gauss-newton"``).  Raises ValueError when H is not
    positive definite there (not a minimum, or directions the data and model leave free)."""
    with single_blas_thread():
        gn = _hessian(problem, z, Rf, hessian)
        try:
            bt, V, S = _factor(gn)
            w2 = 2.0 * _meas_weights(problem).reshape(bt.M, bt.D)
            Sig = bt.inverse_diagonal_blocks()
            p = float(np.einsum("na,naa->", w2, Sig))
            if V is not None:
                Sinv = np.linalg.inv(np.linalg.cholesky(S))
                VS = V @ Sinv.T                            # (M, D, Pe): V L⁻ᵀ
                p += float(np.einsum("na,nap,nap->", w2, VS, VS))
        except np.linalg.LinAlgError:
            raise ValueError("z: the Hessian is not positive definite there (not an isolated "
                             "minimum), so the influence matrix is not defined") from None
    return p


def level_at(problem, result=None, *, z=None, Rf=None, start: int | None = None,
             hessian: str = "exact", width: float = 3.0) -> ExpectedLevel:
    """The expected level and its band at an annealing ``result``'s final minimum (``start``:
    default the best) or at a packed minimum ``z`` with model precision ``Rf``:
    :func:`expected_level` with p_eff from :func:`effective_dof`."""
    z, Rf = _point(problem, result, z, Rf, start)
    return expected_level(n_measured(problem), effective_dof(problem, z, Rf, hessian=hessian),
                          width)


@dataclass(frozen=True)
class Evidence:
    """The Laplace log evidence log ∫ exp(-A0) dX (natural log; Gaussian likelihoods
    normalised, flat priors on the initial states and parameters): ``log_z`` =
    -``a0`` - ½ ``log_det`` + (n/2) log 2π + ``log_norm``; ``a0`` the unnormalised action
    at the minimum, ``log_det`` log det H0, ``n`` the unknowns, ``log_norm`` the Gaussian
    normalisations ½ Σ log(R/2π) over measured numbers and model residuals."""
    log_z: float
    a0: float
    log_det: float
    n: int
    log_norm: float

    @property
    def log10_z(self) -> float:
        return self.log_z / np.log(10.0)


def _residual_weights(problem, Rf) -> np.ndarray:
    """A0's weight R_f0/2 of each squared model residual, flattened."""
    if hasattr(problem, "net"):
        n = problem.K * problem.net.n_layers * problem.D
        return np.full(n, problem.model_weights(_scalar_for_networks(problem, Rf)))
    return np.broadcast_to(problem.model_weights(Rf), (problem.M - 1, problem.D)).ravel()


def log_evidence(problem, result=None, *, z=None, Rf=None, start: int | None = None,
                 hessian: str = "exact") -> Evidence:
    """The Laplace log evidence of the minimum (a result's final minimum, ``start`` default
    the best, or packed ``z`` at ``Rf``): log of the probability mass of its level.  The
    difference of two minima's ``log_z`` is the log of their Laplace mass ratio."""
    z, Rf = _point(problem, result, z, Rf, start)
    N = n_measured(problem)
    half = N / 2.0                                          # A0 = (N/2) A
    with single_blas_thread():
        gn = _hessian(problem, z, Rf, hessian)
        try:
            bt, V, S = _factor(gn)
            log_det_s = 2.0 * np.sum(np.log(np.diag(np.linalg.cholesky(S)))) if S.size else 0.0
        except np.linalg.LinAlgError:
            raise ValueError("z: the Hessian is not positive definite there (not an isolated "
                             "minimum): no Laplace evidence") from None
    n = int(problem.n_unknowns)
    log_det = bt.logdet + log_det_s + n * np.log(half)      # H0 = (N/2) H
    w0 = np.concatenate([_meas_weights(problem) * half, _residual_weights(problem, Rf) * half])
    w0 = w0[w0 > 0]
    log_norm = 0.5 * float(np.sum(np.log(w0 / np.pi)))     # exp(-w r²) normalised: sqrt(w/π)
    a0 = gn.total * half
    return Evidence(-a0 - 0.5 * log_det + 0.5 * n * np.log(2 * np.pi) + log_norm, a0, log_det,
                    n, log_norm)


def level_band(problem, result, *, start: int | None = None) -> ExpectedLevel | None:
    """:func:`level_at` at a result's lowest start (or ``start``), or None where the Hessian
    there is not positive definite (e.g. a network with more free numbers than data): the
    band a level plot draws."""
    try:
        return level_at(problem, result, start=start)
    except ValueError:
        return None


def summary(problem, result, *, start: int | None = None) -> dict:
    """The command line's ``expected_level`` entry for a result's lowest start (or
    ``start``): {"mean", "low", "high", "p_eff"}, all None with a "note" when the Hessian
    there is not positive definite (e.g. a network with more free numbers than data)."""
    try:
        return level_at(problem, result, start=start).as_dict()
    except ValueError as err:
        return {"mean": None, "low": None, "high": None, "p_eff": None, "note": str(err)}
