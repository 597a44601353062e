"""Discrete maps of (x, π): symplectic Euler, implicit midpoint, and explicit Euler as the
non-symplectic contrast; their exact Jacobians and symplecticity error; phase-space clouds."""
from __future__ import annotations

import numpy as np

from ._hamiltonian import Hamiltonian

__all__ = ["explicit_euler_step", "symplectic_euler_step", "implicit_midpoint_step", "MAPS",
           "map_jacobian", "symplecticity_error", "push_cloud", "polygon_area"]


def explicit_euler_step(ham: Hamiltonian, t, x, pi, h):
    """(x, π) <- (x, π) + h X_H(x, π): not symplectic."""
    xdot, pidot = ham.vector_field(t, x, pi)
    return x + h * xdot, pi + h * pidot


def symplectic_euler_step(ham: Hamiltonian, t, x, pi, h):
    """x' = x + h ∂ℋ/∂π(x, π'),  π' = π - h ∂ℋ/∂x(x, π')  (π' solves a linear system).

    At finite Rf the update is x' = x + h (F(x) + π'/Rf).  Only for ℋ = π·F (Rf → ∞, no data
    inside the interval) is it the forward Euler step x' = x + h F(x) together with
    backpropagation π = (I + h J(x))ᵀ π' read backwards; either way the pair is symplectic.
    """
    pm = ham.p_model
    J = ham.model.jac(x, pm)
    D = ham.model.D
    A = np.eye(D) + h * np.swapaxes(J, -1, -2)            # (I + h Jᵀ) π' = π + h Rm (x - y)
    rhs = pi + h * ham._misfit(t, x)
    pi1 = np.linalg.solve(A, rhs[..., None])[..., 0]
    x1 = x + h * (ham.model.rhs(x, pm) + pi1 / ham.Rf)
    return x1, pi1


def implicit_midpoint_step(ham: Hamiltonian, t, x, pi, h, tol: float = 1e-15,
                           maxiter: int = 200):
    """z' = z + h X_H((z + z')/2, t + h/2): symplectic, second order (fixed-point solve)."""
    x1, pi1 = explicit_euler_step(ham, t, x, pi, h)
    for _ in range(maxiter):
        xdot, pidot = ham.vector_field(t + 0.5 * h, 0.5 * (x + x1), 0.5 * (pi + pi1))
        xn, pin = x + h * xdot, pi + h * pidot
        change = max(np.max(np.abs(xn - x1)), np.max(np.abs(pin - pi1)))
        x1, pi1 = xn, pin
        if change <= tol * (1 + np.max(np.abs(x1))):
            break
    return x1, pi1


MAPS = {"symplectic Euler": symplectic_euler_step, "implicit midpoint": implicit_midpoint_step,
        "explicit Euler": explicit_euler_step}


def map_jacobian(step, ham: Hamiltonian, t, x, pi, h, n_steps: int = 1) -> np.ndarray:
    """Exact Jacobian (2D, 2D) of ``n_steps`` of ``step`` at (x, π), by complex steps."""
    D = ham.model.D
    z = np.concatenate([x, pi]).astype(complex)
    eps = 1e-30
    cols = []
    for j in range(2 * D):
        zj = z.copy()
        zj[j] += 1j * eps
        xs, pis = zj[:D], zj[D:]
        for k in range(n_steps):
            xs, pis = step(ham, t + k * h, xs, pis, h)
        cols.append(np.concatenate([xs, pis]).imag / eps)
    return np.stack(cols, axis=1)


def symplecticity_error(step, ham: Hamiltonian, t, x, pi, h, n_steps: int = 1) -> float:
    """max |Mᵀ J M - J| for the Jacobian M of the map, J = [[0, I], [-I, 0]]."""
    D = ham.model.D
    M = map_jacobian(step, ham, t, x, pi, h, n_steps)
    Jc = np.block([[np.zeros((D, D)), np.eye(D)], [-np.eye(D), np.zeros((D, D))]])
    return float(np.max(np.abs(M.T @ Jc @ M - Jc)))


def push_cloud(step, ham: Hamiltonian, x, pi, h: float, n_steps: int) -> np.ndarray:
    """Push points (x, π), each (n,) for a D = 1 model, through ``n_steps`` of a map.
    Returns the clouds (n_steps + 1, n, 2)."""
    if ham.model.D != 1:
        raise ValueError(f"push_cloud draws a plane: the model must have D = 1, got {ham.model.D}")
    X, P = np.asarray(x, float)[:, None], np.asarray(pi, float)[:, None]
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
