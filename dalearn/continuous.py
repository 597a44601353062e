"""Deepest learning: the layer (time) label taken continuous.

Action  A = ∫ dt [ Rm(t)/2 Σ_l (x_l - y_l(t))² + Rf/2 |ẋ - F(x)|² ]  (+ end-point terms).
Canonical momentum p = ∂L/∂ẋ = Rf (ẋ - F); Hamiltonian
    H(x, p) = p·F(x) + |p|²/(2 Rf) - Rm/2 Σ_l (x_l - y_l)²
and Hamilton's (Euler-Lagrange) equations
    ẋ = F(x) + p / Rf,      ṗ = -J(x)ᵀ p + Rm (x - y)   (observed components).
Boundary conditions from the end terms: p = 0 at a free end; with a measurement
Φ = Rm_end/2 |x - u|² at an end, p(t0) = Rm0 (x(t0) - u) and p(tF) = -RmF (x(tF) - v).
A two-point boundary value problem, solved by collocation with continuation in Rf.

Also: discrete maps of (x, p) (symplectic Euler = forward Euler + backpropagation, implicit
midpoint, explicit Euler as the non-symplectic contrast), their symplecticity error, and
gradients of a strong-constraint cost by discrete backprop and by continuous adjoints.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_bvp, solve_ivp

from .models import Model
from .problem import Problem

__all__ = ["Hamiltonian", "BVPResult", "solve_euler_lagrange", "symplectic_euler_step",
           "implicit_midpoint_step", "explicit_euler_step", "MAPS", "map_jacobian",
           "symplecticity_error", "euler_backprop_gradient", "adjoint_gradient",
           "final_state_cost", "continuum_problem", "adjoint_path", "push_cloud",
           "polygon_area"]


@dataclass(frozen=True)
class Hamiltonian:
    """H(x, p) of ``model`` with model precision ``Rf`` and data ``y(t)``.

    ``Rm``: scalar or (D,) measurement precision per unit time (0 = unobserved component);
    ``y``: callable t -> (..., D) data (ignored where Rm is 0), or None for no data.
    Arrays carry the state on the last axis; ``t`` broadcasts against the leading axes.
    """
    model: Model
    Rf: float
    Rm: np.ndarray | float = 0.0
    y: object = None
    params: np.ndarray | None = None

    @property
    def p_model(self):
        return self.model.default_params if self.params is None else np.asarray(self.params)

    def _Rm(self):
        return np.broadcast_to(np.asarray(self.Rm, dtype=float), (self.model.D,))

    def _misfit(self, t, x):
        """Rm (x - y(t)), zero where Rm is 0 or there are no data."""
        Rm = self._Rm()
        if self.y is None or not np.any(Rm):
            return np.zeros_like(x)
        y = np.asarray(self.y(t))
        return np.where(Rm > 0, Rm * (x - np.nan_to_num(y)), 0.0)

    def lagrangian(self, t, x, xdot):
        misfit = self._misfit(t, x)
        Rm = self._Rm()
        meas = 0.5 * np.sum(np.where(Rm > 0, misfit ** 2 / np.where(Rm > 0, Rm, 1), 0), -1)
        return meas + 0.5 * self.Rf * np.sum((xdot - self.model.rhs(x, self.p_model)) ** 2, -1)

    def momentum(self, x, xdot):
        """p = Rf (ẋ - F(x))."""
        return self.Rf * (xdot - self.model.rhs(x, self.p_model))

    def H(self, t, x, p):
        misfit = self._misfit(t, x)
        Rm = self._Rm()
        meas = 0.5 * np.sum(np.where(Rm > 0, misfit ** 2 / np.where(Rm > 0, Rm, 1), 0), -1)
        return np.sum(p * self.model.rhs(x, self.p_model), -1) + \
            np.sum(p * p, -1) / (2 * self.Rf) - meas

    def vector_field(self, t, x, p):
        """Hamilton's equations: (ẋ, ṗ) = (∂H/∂p, -∂H/∂x)."""
        pm = self.p_model
        xdot = self.model.rhs(x, pm) + p / self.Rf
        pdot = -self.model.vjp(x, pm, p) + self._misfit(t, x)
        return xdot, pdot


# ------------------------------------------------------------------------ the BVP
@dataclass(frozen=True)
class BVPResult:
    """Continuation in Rf of the Euler-Lagrange BVP.

    ``Rf`` (n,), ``status`` (n,) (solve_bvp's: 0 = converged), ``message`` per step,
    ``t``/``x``/``p``: per step the mesh (m,) and the solution (D, m) on it, ``sol``: per step
    the callable solution t -> (2D, len(t)) (None where a step failed), ``max_residual``
    per step (solve_bvp's relative collocation residual).
    """
    Rf: np.ndarray
    status: np.ndarray
    message: list
    t: list
    x: list
    p: list
    sol: list
    max_residual: np.ndarray
    D: int = 0
    hamiltonians: list = field(default_factory=list)

    @property
    def success(self) -> np.ndarray:
        return self.status == 0

    def at(self, i: int, t) -> tuple[np.ndarray, np.ndarray]:
        """(x, p) of step ``i`` at times ``t``, each (D, len(t))."""
        if self.sol[i] is None:
            raise ValueError(f"continuation step {i} failed: {self.message[i]}")
        Y = self.sol[i](np.asarray(t, dtype=float))
        return Y[:self.D], Y[self.D:]


def solve_euler_lagrange(model: Model, t0: float, tF: float, Rf_values, Rm=0.0, y=None,
                         params=None, start=None, end=None, x_guess=None, n_nodes: int = 201,
                         tol: float = 1e-6, max_nodes: int = 20000) -> BVPResult:
    """Solve the Euler-Lagrange two-point BVP by collocation (``scipy.integrate.solve_bvp``)
    for each Rf in ``Rf_values`` (increasing), each from the previous solution.

    Ends: free (p = 0) unless ``start``/``end`` = dict(value=(D,) or (n,), Rm=..., nodes=...)
    give a measurement there (the network case: input at t0, output at tF).
    ``x_guess``: callable t -> (D, len(t)) first guess of the path (default: the data on
    observed components, 0 elsewhere).  Every step's solver status is kept and reported.
    """
    Rf_values = np.atleast_1d(np.asarray(Rf_values, dtype=float))
    if Rf_values.size == 0 or np.any(~np.isfinite(Rf_values)) or np.any(Rf_values <= 0):
        raise ValueError(f"Rf_values must be positive finite numbers, got {Rf_values}")
    if not tF > t0:
        raise ValueError(f"tF must be > t0, got t0={t0}, tF={tF}")
    if max_nodes < 10000:
        raise ValueError(f"max_nodes must be >= 10000 for chaotic problems, got {max_nodes}")
    D = model.D
    Rm_vec = np.broadcast_to(np.asarray(Rm, dtype=float), (D,)).copy()
    if y is None and np.any(Rm_vec > 0):
        raise ValueError("Rm > 0 needs data y(t)")

    def end_terms(spec, name):
        if spec is None:
            return None
        nodes = np.asarray(spec.get("nodes", np.arange(D)), dtype=int)
        val = np.asarray(spec["value"], dtype=float)
        if val.shape != nodes.shape:
            raise ValueError(f"{name}['value'] must have one entry per node {nodes.tolist()}")
        return nodes, val, float(spec["Rm"])

    s_end, e_end = end_terms(start, "start"), end_terms(end, "end")

    def bc_for():
        def bc(Ya, Yb):
            xa, pa, xb, pb = Ya[:D], Ya[D:], Yb[:D], Yb[D:]
            ra, rb = pa.copy(), pb.copy()
            if s_end is not None:
                nodes, u, R0 = s_end
                ra[nodes] = pa[nodes] - R0 * (xa[nodes] - u)
            if e_end is not None:
                nodes, v, RF = e_end
                rb[nodes] = pb[nodes] + RF * (xb[nodes] - v)
            return np.concatenate([ra, rb])
        return bc

    t_mesh = np.linspace(t0, tF, n_nodes)
    if x_guess is not None:
        X = np.asarray(x_guess(t_mesh), dtype=float)
    else:
        X = np.zeros((D, n_nodes))
        if y is not None:
            Yd = np.nan_to_num(np.asarray(y(t_mesh[:, None])))
            X = np.where(Rm_vec[:, None] > 0, Yd.T, 0.0)
    Y = np.vstack([X, np.zeros((D, n_nodes))])
    out = {k: [] for k in ("status", "message", "t", "x", "p", "sol", "res", "ham")}
    for Rf in Rf_values:
        ham = Hamiltonian(model, Rf, Rm_vec, y, params)

        def fun(t, Yv, ham=ham):
            xdot, pdot = ham.vector_field(t[:, None], Yv[:D].T, Yv[D:].T)
            return np.vstack([xdot.T, pdot.T])

        sol = solve_bvp(fun, bc_for(), t_mesh, Y, tol=tol, max_nodes=max_nodes)
        out["status"].append(sol.status)
        out["message"].append(sol.message)
        out["ham"].append(ham)
        out["res"].append(float(np.max(sol.rms_residuals)) if sol.rms_residuals is not None
                          else np.nan)
        if sol.status == 0:
            t_mesh, Y = sol.x, sol.y
            out["t"].append(sol.x)
            out["x"].append(sol.y[:D])
            out["p"].append(sol.y[D:])
            out["sol"].append(sol.sol)
        else:                      # keep the last good solution as the next guess
            out["t"].append(sol.x)
            out["x"].append(sol.y[:D])
            out["p"].append(sol.y[D:])
            out["sol"].append(None)
    return BVPResult(Rf_values, np.array(out["status"]), out["message"], out["t"], out["x"],
                     out["p"], out["sol"], np.array(out["res"]), D, out["ham"])


def continuum_problem(model: Model, y, observed, t0: float, tF: float, n: int, Rm: float,
                      rule: str = "trapezoid", params=None) -> tuple[Problem, float]:
    """The discrete problem whose action is the continuous one on ``n`` intervals.

    Data y(t_j) at every point for the ``observed`` components; returns (problem, factor)
    where the discrete R_f matching a continuous Rf_c is ``factor * Rf_c``.
    With the discrete normalisation (measurement sum / (M L), model sum / ((M-1) D)) and
    r = h (ẋ - F): Rf_d / Rm_d = (Rf_c / Rm_c) (M - 1) D / (M L h²).
    """
    M = n + 1
    t = np.linspace(t0, tF, M)
    h = (tF - t0) / n
    obs = np.asarray(observed, dtype=int)
    data = np.asarray(y(t[:, None]))[:, obs].T
    problem = Problem(model, data, h, observed=obs, Rm=Rm, rule=rule, params=params, t0=t0)
    factor = (M - 1) * model.D / (M * len(obs) * h * h)
    return problem, factor


# ------------------------------------------------------------------------ maps of (x, p)
def explicit_euler_step(ham: Hamiltonian, t, x, p, h):
    """(x, p) <- (x, p) + h X_H(x, p): not symplectic."""
    xdot, pdot = ham.vector_field(t, x, p)
    return x + h * xdot, p + h * pdot


def symplectic_euler_step(ham: Hamiltonian, t, x, p, h):
    """x' = x + h ∂H/∂p(x, p'),  p' = p - h ∂H/∂x(x, p')  (p' solves a linear system).

    With Rf → ∞ and no data this is the forward Euler step x' = x + h F(x) together with
    backpropagation p = (I + h J(x))ᵀ p' read backwards: the pair is symplectic.
    """
    pm = ham.p_model
    J = ham.model.jac(x, pm)
    D = ham.model.D
    A = np.eye(D) + h * np.swapaxes(J, -1, -2)            # (I + h Jᵀ) p' = p + h Rm (x - y)
    rhs = p + h * ham._misfit(t, x)
    p1 = np.linalg.solve(A, rhs[..., None])[..., 0]
    x1 = x + h * (ham.model.rhs(x, pm) + p1 / ham.Rf)
    return x1, p1


def implicit_midpoint_step(ham: Hamiltonian, t, x, p, h, tol: float = 1e-15,
                           maxiter: int = 200):
    """z' = z + h X_H((z + z')/2, t + h/2): symplectic, second order (fixed-point solve)."""
    x1, p1 = explicit_euler_step(ham, t, x, p, h)
    for _ in range(maxiter):
        xdot, pdot = ham.vector_field(t + 0.5 * h, 0.5 * (x + x1), 0.5 * (p + p1))
        xn, pn = x + h * xdot, p + h * pdot
        change = max(np.max(np.abs(xn - x1)), np.max(np.abs(pn - p1)))
        x1, p1 = xn, pn
        if change <= tol * (1 + np.max(np.abs(x1))):
            break
    return x1, p1


MAPS = {"symplectic Euler": symplectic_euler_step, "implicit midpoint": implicit_midpoint_step,
        "explicit Euler": explicit_euler_step}


def map_jacobian(step, ham: Hamiltonian, t, x, p, h, n_steps: int = 1) -> np.ndarray:
    """Exact Jacobian (2D, 2D) of ``n_steps`` of ``step`` at (x, p), by complex steps."""
    D = ham.model.D
    z = np.concatenate([x, p]).astype(complex)
    eps = 1e-30
    cols = []
    for j in range(2 * D):
        zj = z.copy()
        zj[j] += 1j * eps
        xs, ps = zj[:D], zj[D:]
        for k in range(n_steps):
            xs, ps = step(ham, t + k * h, xs, ps, h)
        cols.append(np.concatenate([xs, ps]).imag / eps)
    return np.stack(cols, axis=1)


def symplecticity_error(step, ham: Hamiltonian, t, x, p, h, n_steps: int = 1) -> float:
    """max |Mᵀ J M - J| for the Jacobian M of the map, J = [[0, I], [-I, 0]]."""
    D = ham.model.D
    M = map_jacobian(step, ham, t, x, p, h, n_steps)
    Jc = np.block([[np.zeros((D, D)), np.eye(D)], [-np.eye(D), np.zeros((D, D))]])
    return float(np.max(np.abs(M.T @ Jc @ M - Jc)))


# ------------------------------------------------------------------------ gradients
def final_state_cost(x_final, target) -> float:
    """C = |x(T) - target|² / 2."""
    return 0.5 * float(np.sum((np.asarray(x_final) - target) ** 2))


def euler_backprop_gradient(model: Model, x0, params, h: float, n_steps: int, target):
    """Strong-constraint cost C = |x_n - target|²/2 of forward Euler x_{k+1} = x_k + h F(x_k)
    and its exact gradient by backpropagation of λ_k = ∂C/∂x_k:
    λ_n = x_n - target, λ_k = λ_{k+1} + h J(x_k)ᵀ λ_{k+1};  ∂C/∂p = Σ h (∂F/∂p)ᵀ λ_{k+1}.
    Returns (C, ∂C/∂x0 (D,), ∂C/∂p (P,), path (n_steps+1, D), λ (n_steps+1, D))."""
    pm = np.asarray(params, dtype=float)
    X = np.empty((n_steps + 1, model.D))
    X[0] = x0
    for k in range(n_steps):
        X[k + 1] = X[k] + h * model.rhs(X[k], pm)
    lam = np.empty_like(X)
    lam[-1] = X[-1] - target
    gp = np.zeros(model.P)
    for k in range(n_steps - 1, -1, -1):
        lam[k] = lam[k + 1] + h * model.vjp(X[k], pm, lam[k + 1])
        gp += h * model.jac_p(X[k], pm).T @ lam[k + 1]
    return final_state_cost(X[-1], target), lam[0], gp, X, lam


def adjoint_gradient(model: Model, x0, params, T: float, target, mode: str = "stored",
                     rtol: float = 1e-10, atol: float = 1e-12):
    """Gradient of C = |x(T) - target|²/2 for dx/dt = F(x) by the continuous adjoint
    λ̇ = -J(x)ᵀ λ, λ(T) = x(T) - target, integrated backwards (RK45 at ``rtol``).

    ``mode='stored'``: λ uses x(t) from the stored (dense) forward solution;
    ``mode='reintegrate'``: x is integrated backwards alongside λ from x(T) — unstable for
    dissipative or chaotic F.  Returns (C, ∂C/∂x0, ∂C/∂p)."""
    if mode not in ("stored", "reintegrate"):
        raise ValueError(f"mode must be 'stored' or 'reintegrate', got {mode!r}")
    pm = np.asarray(params, dtype=float)
    D, P = model.D, model.P
    fwd = solve_ivp(lambda t, x: model.rhs(x, pm), (0.0, T), np.asarray(x0, float),
                    method="RK45", rtol=rtol, atol=atol, dense_output=True)
    xT = fwd.y[:, -1]
    lamT = xT - target

    def back(t, s):
        x = fwd.sol(t) if mode == "stored" else s[:D]
        lam = s[D:2 * D]
        dx = model.rhs(x, pm) if mode == "reintegrate" else np.zeros(D)
        dlam = -model.vjp(x, pm, lam)
        dgp = -model.jac_p(x, pm).T @ lam            # ∂C/∂p = ∫ (∂F/∂p)ᵀ λ dt
        return np.concatenate([dx, dlam, dgp])

    s0 = np.concatenate([xT, lamT, np.zeros(P)])
    bwd = solve_ivp(back, (T, 0.0), s0, method="RK45", rtol=rtol, atol=atol)
    sF = bwd.y[:, -1]
    return final_state_cost(xT, target), sF[D:2 * D], sF[2 * D:]


def adjoint_path(model: Model, x0, params, T: float, lam_T, t_eval, rtol: float = 1e-10,
                 atol: float = 1e-12):
    """Forward path x(t) from ``x0`` and the adjoint λ̇ = -J(x)ᵀ λ integrated backwards on
    the stored forward path from λ(T) = ``lam_T(x(T))``.  Returns (x, λ), each (D, len(t_eval)).
    In the R_f → ∞ limit of the Euler-Lagrange problem the canonical momentum is p = -λ."""
    pm = np.asarray(params, dtype=float)
    fwd = solve_ivp(lambda t, x: model.rhs(x, pm), (0.0, T), np.asarray(x0, float),
                    rtol=rtol, atol=atol, dense_output=True)
    lamT = np.asarray(lam_T(fwd.y[:, -1]), dtype=float)
    bwd = solve_ivp(lambda t, lam: -model.vjp(fwd.sol(t), pm, lam), (T, 0.0), lamT,
                    rtol=rtol, atol=atol, dense_output=True)
    t_eval = np.asarray(t_eval, dtype=float)
    return fwd.sol(t_eval), bwd.sol(t_eval)


def push_cloud(step, ham: Hamiltonian, x, p, h: float, n_steps: int) -> np.ndarray:
    """Push points (x, p), each (n,) for a D = 1 model, through ``n_steps`` of a map.
    Returns the clouds (n_steps + 1, n, 2)."""
    if ham.model.D != 1:
        raise ValueError(f"push_cloud draws a plane: the model must have D = 1, got {ham.model.D}")
    X, P = np.asarray(x, float)[:, None], np.asarray(p, float)[:, None]
    out = np.empty((n_steps + 1, X.shape[0], 2))
    out[0] = np.hstack([X, P])
    for k in range(n_steps):
        X, P = step(ham, k * h, X, P, h)
        out[k + 1] = np.hstack([X, P])
    return out


def polygon_area(points) -> float:
    """Area of the closed polygon through ``points`` (n, 2) in order (shoelace formula)."""
    x, y = np.asarray(points, float).T
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
