"""Second-order terms of the model residual: Σ_a λ_a ∇² r_a(n) for each time step n.

Every rule computes r(n) from x(n), x(n+1), p through evaluations of F at stage points s_i
that depend on (x(n), x(n+1), p), and otherwise linear algebra.  For such a computation
the Hessian of φ = λᵀ r is a sum over the F evaluations (second-order adjoints):

    ∇²φ = Σ_i  S_iᵀ [μ_i·∇²F](s_i, p) S_i,    S_i = ∂(s_i, p)/∂(x(n), x(n+1), p),

with μ_i = ∂φ/∂F(s_i) the reverse-mode adjoint of that evaluation.  Each rule lists its
nodes (s_i, μ_i, ∂s_i/∂x(n), ∂s_i/∂x(n+1), ∂s_i/∂p); :func:`residual_curvature` contracts
them with the model's weighted second derivatives (:meth:`dalearn.models.Model.hess`).
The blocks have the sparsity of Gauss-Newton: x(n)x(n), x(n)x(n+1), x(n+1)x(n+1), and
the parameter border.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._rules import _Bound

__all__ = ["Curvature", "residual_curvature"]


@dataclass(frozen=True)
class Curvature:
    """Σ_a λ_a ∇² r_a(n) in blocks: ``Hgrid`` (M, D, D) and ``Hgrid_p`` (M, D, P), the
    curvature at the grid points x(n) themselves (the nodes of Euler, the trapezoid and
    Hermite-Simpson's ends: one model call over all M points, added to the diagonal
    blocks); ``H00``, ``H01``, ``H11`` (M-1, D, D) for (x(n), x(n)), (x(n), x(n+1)),
    (x(n+1), x(n+1)) and ``H0p``, ``H1p`` (M-1, D, P) from the other stage points
    (midpoints, RK4 stages); ``Hpp`` (P, P) summed over n (all P model parameters).
    A block no stage point reaches is None."""
    Hgrid: np.ndarray | None
    Hgrid_p: np.ndarray | None
    H00: np.ndarray | None
    H01: np.ndarray | None
    H11: np.ndarray | None
    H0p: np.ndarray | None
    H1p: np.ndarray | None
    Hpp: np.ndarray


def _vjp_rows(mu, J):
    """Jᵀ μ for each row: μ (n, D), J (n, D, D) -> (n, D)."""
    return (mu[:, None, :] @ J)[:, 0]


def _euler_nodes(tape, lam, h):
    X = tape["X"]
    return [(X[:-1], -h * lam, 1.0, None, None, "node")]


def _trapezoid_nodes(tape, lam, h):
    X = tape["X"]
    return [(X[:-1], -0.5 * h * lam, 1.0, None, None, "node"),
            (X[1:], -0.5 * h * lam, None, 1.0, None, "next")]


def _hermite_simpson_nodes(tape, lam, h):
    # r = x1 - x0 - h/6 [F0 + 4 Fm + F1], xm = (x0 + x1)/2 + h/8 (F0 - F1)
    X = tape["X"]
    dxm0, dxm1, dxmp = tape["dxm"]
    mu_m = -2.0 * h / 3.0 * lam
    nu = _vjp_rows(mu_m, tape["Jm"])                      # ∂φ/∂xm
    return [(tape["xm"], mu_m, dxm0, dxm1, dxmp, "mid"),
            (X[:-1], -h / 6.0 * lam + 0.125 * h * nu, 1.0, None, None, "node"),
            (X[1:], -h / 6.0 * lam - 0.125 * h * nu, None, 1.0, None, "next")]


def _rk4_nodes(tape, lam, h):
    # r = x1 - x0 - h/6 (k1 + 2 k2 + 2 k3 + k4); s2 = x0 + h/2 k1, s3 = x0 + h/2 k2,
    # s4 = x0 + h k3: adjoints of k4, k3, k2, k1 in reverse order
    s1, s2, s3, s4 = tape["s"]
    J2, J3, J4 = tape["J"]
    ds2, ds3, ds4 = tape["ds"]
    sp2, sp3, sp4 = tape["dsp"]
    mu4 = -h / 6.0 * lam
    mu3 = -h / 3.0 * lam + h * _vjp_rows(mu4, J4)
    mu2 = -h / 3.0 * lam + 0.5 * h * _vjp_rows(mu3, J3)
    mu1 = -h / 6.0 * lam + 0.5 * h * _vjp_rows(mu2, J2)
    return [(s1, mu1, 1.0, None, None, "node"), (s2, mu2, ds2, None, sp2, "mid"),
            (s3, mu3, ds3, None, sp3, "mid"), (s4, mu4, ds4, None, sp4, "next")]


_NODES = {"euler": _euler_nodes, "trapezoid": _trapezoid_nodes,
          "hermite-simpson": _hermite_simpson_nodes, "rk4": _rk4_nodes}


def _right(H, S):
    """H S for S = None (zero), a number c (c I) or a batch of matrices."""
    if S is None:
        return None
    if np.isscalar(S):
        return H if S == 1.0 else S * H
    return H @ S


def _left(S, G):
    """Sᵀ G with the conventions of :func:`_right` (G may be None)."""
    if S is None or G is None:
        return None
    if np.isscalar(S):
        return G if S == 1.0 else S * G
    return np.swapaxes(S, -1, -2) @ G


def _add(out, key, val):
    """out[key] += val, in place once out[key] is an array of our own (never ``val``
    itself, which may be a model's array or another block)."""
    if val is None:
        return
    cur = out[key]
    if cur is None:
        out[key] = np.array(val, dtype=float)
    elif cur.shape == np.shape(val):
        cur += val
    else:
        out[key] = cur + val


def residual_curvature(model, rule: str, res, p, lam: np.ndarray, h: float,
                       u=None) -> Curvature:
    """Σ_a λ_a(n) ∇² r_a(n) for weights ``lam`` (M-1, D), from a :class:`Residual` computed
    with ``blocks=True`` (its ``tape``); needs ``model.hess``.  ``u``: a driven model's
    input on the half-step grid (2M - 1, U), as given to the residual.

    A stage point that is a grid point itself (s = x(n) or x(n+1), S = I, no parameter
    dependence) contributes only to its own diagonal block: such nodes' adjoints are summed
    per grid point and the model's second derivatives taken once over all M points (the
    trapezoid rule evaluates each x(n) as the end of one step and the start of the next)."""
    n, D = lam.shape
    P = model.P
    bound = _Bound(model, u) if u is not None else None
    X = res.tape["X"]
    grid = None                                     # (M, D) summed adjoints at x(n)
    out = {"H00": None, "H01": None, "H11": None, "H0p": None, "H1p": None}
    Hpp_sum = np.zeros((P, P))
    for s, mu, S0, S1, Sp, where in _NODES[rule](res.tape, lam, h):
        if Sp is None and ((where == "node" and _is_one(S0) and S1 is None)
                           or (where == "next" and S0 is None and _is_one(S1))):
            if grid is None:
                grid = np.zeros((n + 1, D))
            if where == "node":
                grid[:-1] += mu
            else:
                grid[1:] += mu
            continue
        Hxx, Hxp, Hpp = (model.hess(s, p, mu) if bound is None
                         else bound.hess(s, p, mu, where))
        G0, G1 = _right(Hxx, S0), _right(Hxx, S1)
        T = Hxp if Sp is None else Hxx @ Sp + Hxp          # ∂/∂p of (Hxx-weighted) s, + mixed
        _add(out, "H00", _left(S0, G0))
        _add(out, "H01", _left(S0, G1))
        _add(out, "H11", _left(S1, G1))
        _add(out, "H0p", _left(S0, T))
        _add(out, "H1p", _left(S1, T))
        Hpp_n = Hpp if Sp is None else Hpp + _left(Sp, T) + np.swapaxes(Hxp, -1, -2) @ Sp
        Hpp_sum += Hpp_n.sum(axis=0)
    Hgrid = Hgrid_p = None
    if grid is not None:
        Hgrid, Hgrid_p, Hpp = (model.hess(X, p, grid) if bound is None
                               else bound.hess(X, p, grid, "node"))
        Hpp_sum += Hpp.sum(axis=0)
    return Curvature(Hgrid=Hgrid, Hgrid_p=Hgrid_p, Hpp=Hpp_sum, **out)


def _is_one(S) -> bool:
    return S is not None and np.isscalar(S) and S == 1.0
