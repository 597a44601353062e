"""Gradients of a strong-constraint cost C = |x(T) - target|²/2: discrete backpropagation
through forward Euler, and continuous adjoints (λ = ∂C/∂x; the momentum is π = -λ)."""
from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from .._checks import check_choice, check_int, check_positive
from ..models import Model

__all__ = ["final_state_cost", "euler_backprop_gradient", "adjoint_gradient", "adjoint_path"]


def final_state_cost(x_final, target) -> float:
    """C = |x(T) - target|² / 2."""
    return 0.5 * float(np.sum((np.asarray(x_final) - target) ** 2))


def euler_backprop_gradient(model: Model, x0, params, h: float, n_steps: int, target):
    """Strong-constraint cost C = |x_n - target|²/2 of forward Euler x_{k+1} = x_k + h F(x_k)
    and its exact gradient by backpropagation of λ_k = ∂C/∂x_k:
    λ_n = x_n - target, λ_k = λ_{k+1} + h J(x_k)ᵀ λ_{k+1};  ∂C/∂p = Σ h (∂F/∂p)ᵀ λ_{k+1}.
    Returns (C, ∂C/∂x0 (D,), ∂C/∂p (P,), path (n_steps+1, D), λ (n_steps+1, D))."""
    n_steps = check_int("n_steps", n_steps, 1)
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
                     rtol: float = 1e-10, atol: float = 1e-12, method: str = "RK45"):
    """Gradient of C = |x(T) - target|²/2 for dx/dt = F(x) by the continuous adjoint
    λ̇ = -J(x)ᵀ λ, λ(T) = x(T) - target, integrated backwards (``method``: RK45 or the
    8th-order DOP853, which takes far fewer steps at a tight ``rtol``).

    ``mode='stored'``: λ uses x(t) from the stored (dense) forward solution;
    ``mode='reintegrate'``: x is integrated backwards alongside λ from x(T) — unstable for
    dissipative or chaotic F.  Returns (C, ∂C/∂x0, ∂C/∂p)."""
    check_choice("mode", mode, ("stored", "reintegrate"))
    check_choice("method", method, ("RK45", "DOP853"))
    T = check_positive("T", T)
    pm = np.asarray(params, dtype=float)
    D, P = model.D, model.P
    fwd = solve_ivp(lambda t, x: model.rhs(x, pm), (0.0, T), np.asarray(x0, float),
                    method=method, rtol=rtol, atol=atol, dense_output=True)
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
    bwd = solve_ivp(back, (T, 0.0), s0, method=method, rtol=rtol, atol=atol)
    sF = bwd.y[:, -1]
    return final_state_cost(xT, target), sF[D:2 * D], sF[2 * D:]


def adjoint_path(model: Model, x0, params, T: float, lam_T, t_eval, rtol: float = 1e-10,
                 atol: float = 1e-12):
    """Forward path x(t) from ``x0`` and the adjoint λ̇ = -J(x)ᵀ λ integrated backwards on
    the stored forward path from λ(T) = ``lam_T(x(T))``.  Returns (x, λ), each (D, len(t_eval)).
    In the R_f → ∞ limit of the Euler-Lagrange problem the canonical momentum is π = -λ."""
    T = check_positive("T", T)
    pm = np.asarray(params, dtype=float)
    fwd = solve_ivp(lambda t, x: model.rhs(x, pm), (0.0, T), np.asarray(x0, float),
                    rtol=rtol, atol=atol, dense_output=True)
    lamT = np.asarray(lam_T(fwd.y[:, -1]), dtype=float)
    bwd = solve_ivp(lambda t, lam: -model.vjp(fwd.sol(t), pm, lam), (T, 0.0), lamT,
                    rtol=rtol, atol=atol, dense_output=True)
    t_eval = np.asarray(t_eval, dtype=float)
    return fwd.sol(t_eval), bwd.sol(t_eval)
