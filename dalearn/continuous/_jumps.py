"""Measurements at discrete times in the continuous action: delta functions, momentum jumps.

With K measurements y_k at times τ_k, each of precision R (per measurement, not per unit
time), the measurement density is R_m(t) = Σ_k R δ(t - τ_k) and the action is

    A = Σ_k R/2 |x(τ_k) - y_k|²_obs + ∫ dt Rf/2 |ẋ - F(x)|².

Between measurement times π̇ = -J(x)ᵀ π (no data term) and ẋ = F + π/Rf; integrating
π̇ = ... + R_m(t)(x - y) across τ_k, x stays continuous and the momentum jumps,

    π(τ_k+) - π(τ_k-) = R (x(τ_k) - y_k)   (observed components),

which at a free end becomes π(t0+) = R (x(t0) - y_0) and π(tF-) = -R (x(tF) - y_K), the end
conditions of :func:`solve_euler_lagrange`.  Solved as a multipoint boundary value problem:
one copy of (x, π) per interval between measurement times on s ∈ [0, 1], glued by those
conditions, by ``scipy.integrate.solve_bvp`` with continuation in Rf.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_bvp

from .._checks import check_int, check_real_array
from .._runtime import single_blas_thread
from ..models import Model
from ._continuation import check_Rf_values, check_Rm, continuation, misfit
from ._hamiltonian import Hamiltonian

__all__ = ["JumpResult", "solve_euler_lagrange_jumps"]


@dataclass(frozen=True)
class JumpResult:
    """Continuation in Rf of the Euler-Lagrange problem with data at discrete times.

    ``Rf`` (n,), ``status`` (n,) (0 = converged), ``message`` per step; ``breaks`` (S+1,) the
    interval ends (t0, the measurement times inside, tF); ``tau`` (K,), ``y`` (K, D) and
    ``Rm`` (D,) the measurements; ``sol`` per step a callable s -> (S·2D, len(s)) or None."""
    Rf: np.ndarray
    status: np.ndarray
    message: list
    breaks: np.ndarray
    tau: np.ndarray
    y: np.ndarray
    Rm: np.ndarray
    sol: list
    D: int

    @property
    def success(self) -> np.ndarray:
        return self.status == 0

    def _segments(self, i):
        if self.sol[i] is None:
            raise ValueError(f"continuation step {i} failed: {self.message[i]}")
        return self.sol[i]

    def at(self, i: int, t) -> tuple[np.ndarray, np.ndarray]:
        """(x, π) of step ``i`` at times ``t``, each (D, len(t)); at a measurement time inside
        the interval the value just after it (π is right-continuous)."""
        sol, D, b = self._segments(i), self.D, self.breaks
        t = np.atleast_1d(np.asarray(t, dtype=float))
        if np.any(t < b[0]) or np.any(t > b[-1]):
            raise ValueError(f"t must lie in [{b[0]}, {b[-1]}]")
        j = np.clip(np.searchsorted(b, t, side="right") - 1, 0, len(b) - 2)
        s = (t - b[j]) / (b[j + 1] - b[j])
        Y = sol(s)                                       # (S·2D, len(t)) for every segment
        out = np.stack([Y[jj * 2 * D:(jj + 1) * 2 * D, k] for k, jj in enumerate(j)], axis=1)
        return out[:D], out[D:]

    def sides(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """At every interior break (measurement time): x there, π just before and π just
        after, each (S-1, D)."""
        sol, D = self._segments(i), self.D
        S = len(self.breaks) - 1
        Y0, Y1 = sol(np.array([0.0])), sol(np.array([1.0]))
        seg0 = Y0[:, 0].reshape(S, 2 * D)
        seg1 = Y1[:, 0].reshape(S, 2 * D)
        return seg1[:-1, :D], seg1[:-1, D:], seg0[1:, D:]

    def predicted_jumps(self, i: int) -> np.ndarray:
        """R (x(τ) - y) at every interior break (0 on unmeasured components), (S-1, D)."""
        x, _, _ = self.sides(i)
        return misfit(x, self._y_at(self.breaks[1:-1]), self.Rm)

    def _y_at(self, times):
        idx = np.searchsorted(self.tau, times)
        return self.y[idx]


def _check(model, tau, y, Rm, Rf_values, t0, tF, n_nodes):
    """The checked inputs: (tau, y, Rm (D,), Rf_values, t0, tF, n_nodes)."""
    D = model.D
    tau = check_real_array("tau", tau, 1)
    y = np.asarray(y, dtype=float)
    if y.shape != (tau.size, D):
        raise ValueError(f"y must have shape (K, D) = ({tau.size}, {D}), got {y.shape}")
    if tau.size == 0 or not np.all(np.isfinite(tau)) or np.any(np.diff(tau) <= 0):
        raise ValueError("tau must be finite, strictly increasing measurement times")
    t0 = float(tau[0] if t0 is None else t0)
    tF = float(tau[-1] if tF is None else tF)
    if not (np.isfinite(t0) and np.isfinite(tF) and tF > t0) or tau[0] < t0 or tau[-1] > tF:
        raise ValueError(f"need t0 < tF with every tau inside [t0, tF], got t0={t0}, tF={tF}")
    return (tau, y, check_Rm(Rm, D), check_Rf_values(Rf_values), t0, tF,
            check_int("n_nodes", n_nodes, 3))


class _Segments:
    """The multipoint problem: one copy of (x, π) per interval between ``breaks`` on
    s ∈ [0, 1], stacked as (S·2D, m); the data ``y0``/``yF`` at the ends (or None) and
    ``y_in`` (S-1, D) at the interior breaks."""

    def __init__(self, D, breaks, tau, y, Rm):
        self.D, self.breaks, self.Rm = D, breaks, Rm
        self.S = breaks.size - 1
        self.width = np.diff(breaks)
        y_of = dict(zip(tau.tolist(), y))
        self.y0, self.yF = y_of.get(breaks[0]), y_of.get(breaks[-1])
        self.y_in = np.array([y_of[b] for b in breaks[1:-1]]).reshape(-1, D)

    def bc(self, Ya, Yb):
        """Free or measured ends, x continuous and π jumping by the misfit at every break."""
        S, D, Rm = self.S, self.D, self.Rm
        A, B = Ya.reshape(S, 2, D), Yb.reshape(S, 2, D)      # [segment, x|π, component]
        start = A[0, 1] - (0 if self.y0 is None else misfit(A[0, 0], self.y0, Rm))
        end = B[-1, 1] + (0 if self.yF is None else misfit(B[-1, 0], self.yF, Rm))
        cont = A[1:, 0] - B[:-1, 0]                             # x continuous
        jump = A[1:, 1] - B[:-1, 1] - misfit(B[:-1, 0], self.y_in, Rm)
        return np.concatenate([start, cont.ravel(), jump.ravel(), end])

    def fun(self, ham):
        """Hamilton's equations of every interval in s, (S·2D, m) -> (S·2D, m)."""
        S, D, breaks, width = self.S, self.D, self.breaks, self.width

        def f(s, Yv):
            m = s.size
            Z = Yv.reshape(S, 2, D, m).transpose(0, 3, 1, 2)         # (S, m, 2, D)
            t = breaks[:-1, None] + s[None, :] * width[:, None]     # (S, m)
            xdot, pidot = ham.vector_field(t[..., None], Z[..., 0, :], Z[..., 1, :])
            out = np.stack([xdot, pidot], axis=2) * width[:, None, None, None]
            return out.transpose(0, 2, 3, 1).reshape(S * 2 * D, m)
        return f

    def jac(self, fun):
        """The Jacobian of ``fun`` by differences.  The intervals do not interact inside fun:
        perturbing component i of every interval at once gives column i of every diagonal
        block (2D calls of fun, not S·2D)."""
        S, n2 = self.S, 2 * self.D

        def fun_jac(s, Yv):
            f0 = fun(s, Yv)
            J = np.zeros((S * n2, S * n2, s.size))
            for i in range(n2):
                rows = np.arange(S) * n2 + i
                h = 1e-7 * (1.0 + np.abs(Yv[rows]))                      # (S, m)
                Yp = Yv.copy()
                Yp[rows] += h
                df = (fun(s, Yp) - f0).reshape(S, n2, s.size) / h[:, None, :]
                for j in range(S):
                    J[j * n2:(j + 1) * n2, j * n2 + i] = df[j]
            return J
        return fun_jac

    def first_guess(self, tau, y, n_nodes):
        """(s mesh, (S·2D, n_nodes)): the data interpolated on measured components (0
        elsewhere), π = 0."""
        S, D = self.S, self.D
        s_mesh = np.linspace(0.0, 1.0, n_nodes)
        t_mesh = self.breaks[:-1, None] + s_mesh[None, :] * self.width[:, None]   # (S, m)
        X = np.zeros((S, D, n_nodes))
        for a in range(D):
            ok = np.isfinite(y[:, a])
            if self.Rm[a] > 0 and ok.any():
                X[:, a, :] = np.interp(t_mesh, tau[ok], y[ok, a])
        return s_mesh, np.concatenate([X, np.zeros_like(X)], axis=1).reshape(S * 2 * D, n_nodes)


def solve_euler_lagrange_jumps(model: Model, tau, y, Rm, Rf_values, *, t0=None, tF=None,
                               params=None, n_nodes: int = 6, tol: float = 1e-6,
                               max_nodes: int = 20000) -> JumpResult:
    """Solve the Euler-Lagrange equations with measurements ``y`` (K, D) (NaN: not measured)
    at the times ``tau`` (K,, increasing, inside [t0, tF]; default: the first and last
    measurement times), each of precision ``Rm`` (scalar or (D,), per measurement; 0 =
    unobserved component), for each Rf in ``Rf_values`` (increasing), each from the previous
    solution.  π jumps by Rm (x(τ) - y) at every measurement time; ends without a measurement
    are free (π = 0).  ``n_nodes``: first mesh per interval (s ∈ [0, 1])."""
    D = model.D
    tau, y, Rm_vec, Rf_values, t0, tF, n_nodes = _check(model, tau, y, Rm, Rf_values, t0, tF,
                                                        n_nodes)
    seg = _Segments(D, np.unique(np.concatenate([[t0], tau, [tF]])), tau, y, Rm_vec)
    s_mesh, Y = seg.first_guess(tau, y, n_nodes)

    def solve(Rf, mesh, Y):
        fun = seg.fun(Hamiltonian(model, Rf, 0.0, None, params))   # no data inside an interval
        # solve_bvp multiplies stacks of (S·2D)² blocks: one BLAS thread is the faster here
        with single_blas_thread():
            return solve_bvp(fun, seg.bc, mesh, Y, fun_jac=seg.jac(fun), tol=tol,
                             max_nodes=max_nodes)

    sols = continuation(Rf_values, solve, s_mesh, Y)
    return JumpResult(Rf_values, np.array([s.status for s in sols]), [s.message for s in sols],
                      seg.breaks, tau, y, Rm_vec, [s.sol if s.status == 0 else None
                                                   for s in sols], D)
