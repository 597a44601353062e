"""Training in continuous layers by the full boundary value problem (states, momenta and
weights; see :mod:`._train`'s docstring), against the adjoint's training there."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_bvp, solve_ivp

from .._checks import check_choice, check_int, check_positive
from ..models import ACTIVATIONS
from ._train import NeuralODE, ODETwin

__all__ = ["BVPTraining", "train_ode_bvp", "layer_weights_flow", "layer_weights_heldout_error"]


@dataclass(frozen=True)
class BVPTraining:
    """Continuation in Rf of the training BVP (states, momenta and weights together).

    ``Rf`` (n,) (the last may be inf: the backprop limit), ``status`` (n,) (solve_bvp's,
    0 = converged), ``theta`` (n, P) (layer-averaged weights for ``weights="smooth"``),
    ``loss`` (n,): the training loss of those weights (exact forward pass, constant weights
    only; NaN for smooth), ``nodes`` (n,) mesh sizes, ``sol``: per step t -> (n_y, len(t)),
    ``wall_s`` the total time; ``K``, ``D`` and ``weights`` to read the solution."""
    Rf: np.ndarray
    status: np.ndarray
    theta: np.ndarray
    loss: np.ndarray
    nodes: np.ndarray
    sol: list
    message: list
    wall_s: float
    K: int
    D: int
    weights: str = "constant"

    @property
    def success(self) -> bool:
        return bool(np.all(self.status == 0))

    def at(self, i: int, t):
        """States x, momenta π (each (K, D, len(t))) of step ``i`` at times ``t``; for
        ``weights="smooth"`` also W(t) (D, D, len(t)) and b(t) (D, len(t))."""
        if self.sol[i] is None:
            raise ValueError(f"continuation step {i} failed: {self.message[i]}")
        Y = self.sol[i](np.atleast_1d(np.asarray(t, dtype=float)))
        K, D = self.K, self.D
        x = Y[:K * D].reshape(K, D, -1)
        pi = Y[K * D:2 * K * D].reshape(K, D, -1)
        if self.weights == "constant":
            return x, pi
        th = Y[2 * K * D:2 * K * D + D * D + D]
        return x, pi, th[:D * D].reshape(D, D, -1), th[D * D:]


def _bvp_parts(model: NeuralODE, twin: ODETwin, weights: str, Rw: float):
    """solve_bvp's fun and bc for one 1/Rf, in the layout
    constant: y = [x (K D), π (K D), G (P)], p = θ;   smooth: y = [x, π, θ(t) (P), ρ (P)]."""
    K, D, P = twin.K, model.D, model.P
    g, dg = ACTIVATIONS[model.activation]
    n = K * D
    Rm = 1.0 / twin.sigma ** 2

    def core(x, pi, W, b, eps):
        # x, π (K, D, m); W (D, D, m) or (D, D); b (D, m) or (D,)
        if W.ndim == 2:
            a = np.einsum("il,klm->kim", W, x) + b[None, :, None]
        else:
            a = np.einsum("ilm,klm->kim", W, x) + b[None]
        ga = g(a)
        q = dg(a, ga) * pi                                   # (K, D, m)
        xdot = ga + eps * pi
        if W.ndim == 2:
            pidot = -np.einsum("il,kim->klm", W, q)
        else:
            pidot = -np.einsum("ilm,kim->klm", W, q)
        gW = np.einsum("kim,klm->ilm", q, x).reshape(D * D, -1)
        gb = q.sum(axis=0)
        return xdot.reshape(n, -1), pidot.reshape(n, -1), np.vstack([gW, gb])

    def fun_for(eps):
        if weights == "constant":
            def fun(t, y, p):
                W, b = model.split(p)
                xd, pd, gth = core(y[:n].reshape(K, D, -1), y[n:2 * n].reshape(K, D, -1), W,
                                   b, eps)
                return np.vstack([xd, pd, gth])
        else:
            def fun(t, y):
                th = y[2 * n:2 * n + P]
                W, b = th[:D * D].reshape(D, D, -1), th[D * D:]
                xd, pd, gth = core(y[:n].reshape(K, D, -1), y[n:2 * n].reshape(K, D, -1), W,
                                   b, eps)
                return np.vstack([xd, pd, y[2 * n + P:] / Rw, -gth])
        return fun

    u, v = twin.U_train.ravel(), twin.V_train.ravel()
    if weights == "constant":
        def bc(ya, yb, p):
            return np.concatenate([ya[:n] - u, yb[n:2 * n] + Rm * (yb[:n] - v), ya[2 * n:],
                                   yb[2 * n:]])
    else:
        def bc(ya, yb):
            return np.concatenate([ya[:n] - u, yb[n:2 * n] + Rm * (yb[:n] - v),
                                   ya[2 * n + P:], yb[2 * n + P:]])
    return fun_for, bc


def train_ode_bvp(twin: ODETwin, theta0, Rf_values=(np.inf,), *, weights: str = "constant",
                  Rw: float = 1.0, n_nodes: int = 21, tol: float = 1e-6,
                  max_nodes: int = 5000, homotopy_steps: int = 10,
                  max_halvings: int = 4) -> BVPTraining:
    """Train by solving the full boundary value problem for states, momenta and weights.

    Two continuations, each step from the previous solution: first in the data, at the
    first Rf, from the targets the start itself produces (v^k(0) = x^k(T) of ``theta0``,
    where x = its forward pass, π = 0 and θ = ``theta0`` solve the BVP exactly) to the
    measured ones, v(s) = (1 - s) v(0) + s v in ``homotopy_steps`` equal steps (a failed
    step is halved, at most ``max_halvings`` times); then in Rf through the rest of
    ``Rf_values`` (increasing; ``inf`` allowed last: the R_f → ∞ problem, whose solution
    is a stationary point of backprop's loss).  A solution branch can end at a fold
    (the loss's Hessian singular along the path); the step then fails and is reported.

    ``theta0`` (P,): starting weights (for ``weights="smooth"`` the same at every t).
    ``n_nodes``: first mesh (uniform); solve_bvp refines it to ``tol`` (its relative
    collocation residual) up to ``max_nodes``.  ``Rw``: precision of the weights' change
    across layers (``weights="smooth"``, see the module docstring).  Result: one entry per
    Rf (the first holds the end of the data continuation)."""
    (theta0, Rf_values, Rw, n_nodes, tol, homotopy_steps,
     max_halvings) = _check_bvp_args(twin, theta0, Rf_values, weights, Rw, n_nodes, tol,
                                     max_nodes, homotopy_steps, max_halvings)
    model = twin.model
    K, D, P = twin.K, model.D, model.P
    n = K * D
    t = np.linspace(0.0, twin.T, n_nodes)
    X = model.flow(theta0, twin.U_train, twin.T, t_eval=t).reshape(n, -1)
    V0 = model.flow(theta0, twin.U_train, twin.T)
    if weights == "constant":
        Y = np.vstack([X, np.zeros((n + P, n_nodes))])
        p = theta0.copy()
    else:
        Y = np.vstack([X, np.zeros((n, n_nodes)), np.repeat(theta0[:, None], n_nodes, 1),
                       np.zeros((P, n_nodes))])
        p = None

    def solve(tw, Rf, t, Y, p):
        fun_for, bc = _bvp_parts(model, tw, weights, Rw)
        fun = fun_for(0.0 if np.isinf(Rf) else 1.0 / Rf)
        kw = dict(tol=tol, max_nodes=max_nodes)
        return solve_bvp(fun, bc, t, Y, p=p, **kw) if weights == "constant" else \
            solve_bvp(fun, bc, t, Y, **kw)

    start = time.perf_counter()
    steps = _bvp_continuations(solve, twin, V0, Rf_values, t, Y, p, weights, homotopy_steps,
                               max_halvings)
    wall = time.perf_counter() - start
    return _bvp_training(twin, steps, Rf_values, weights, wall)


def _check_bvp_args(twin, theta0, Rf_values, weights, Rw, n_nodes, tol, max_nodes,
                    homotopy_steps, max_halvings) -> tuple:
    """:func:`train_ode_bvp`'s arguments checked (before any work), as it uses them."""
    check_choice("weights", weights, ("constant", "smooth"))
    model = twin.model
    theta0 = np.asarray(theta0, dtype=float)
    model.split(theta0)
    Rf_values = np.atleast_1d(np.asarray(Rf_values, dtype=float))
    if Rf_values.ndim != 1 or Rf_values.size == 0 or np.any(np.isnan(Rf_values)) or \
            np.any(Rf_values <= 0) or np.any(np.diff(Rf_values) <= 0):
        raise ValueError(f"Rf_values must be positive and increasing (inf allowed last), got "
                         f"{Rf_values}")
    Rw = check_positive("Rw", Rw)
    n_nodes = check_int("n_nodes", n_nodes, 3)
    tol = check_positive("tol", tol)
    check_int("max_nodes", max_nodes, n_nodes)
    homotopy_steps = check_int("homotopy_steps", homotopy_steps, 1)
    max_halvings = check_int("max_halvings", max_halvings, 0)
    return theta0, Rf_values, Rw, n_nodes, tol, homotopy_steps, max_halvings


def _bvp_continuations(solve, twin, V0, Rf_values, t, Y, p, weights: str,
                       homotopy_steps: int, max_halvings: int) -> list:
    """:func:`train_ode_bvp`'s two continuations (in the data, then in Rf): one solve_bvp
    result per Rf (a failed step is repeated for every later Rf)."""
    import dataclasses

    steps = []
    # 1. continuation in the data at the first Rf
    s, ds, halvings, sol = 0.0, 1.0 / homotopy_steps, 0, None
    while s < 1.0 - 1e-12:
        s_new = min(1.0, s + ds)
        tw_s = dataclasses.replace(twin, V_train=(1 - s_new) * V0 + s_new * twin.V_train)
        sol = solve(tw_s, Rf_values[0], t, Y, p)
        if sol.status == 0:
            s, t, Y = s_new, sol.x, sol.y
            p = sol.p if weights == "constant" else None
        elif halvings < max_halvings:
            ds, halvings = ds / 2, halvings + 1
        else:
            break
    steps.append(sol)
    # 2. continuation in Rf
    for Rf in Rf_values[1:]:
        if steps[-1].status != 0:
            steps.append(steps[-1])
            continue
        sol = solve(twin, Rf, t, Y, p)
        if sol.status == 0:
            t, Y = sol.x, sol.y
            p = sol.p if weights == "constant" else None
        steps.append(sol)
    return steps


def _bvp_training(twin, steps: list, Rf_values, weights: str, wall: float) -> BVPTraining:
    """The :class:`BVPTraining` of the solve_bvp results ``steps`` (one per Rf)."""
    K, D, P = twin.K, twin.model.D, twin.model.P
    n = K * D
    thetas, losses = [], []
    for sol in steps:
        if weights == "constant":
            th = sol.p
            losses.append(twin.loss(th) if sol.status == 0 else np.nan)
        else:
            from scipy.integrate import trapezoid
            th = trapezoid(sol.y[2 * n:2 * n + P], sol.x, axis=1) / twin.T
            losses.append(np.nan)
        thetas.append(th)
    return BVPTraining(Rf_values, np.array([s.status for s in steps]), np.array(thetas),
                       np.array(losses), np.array([s.x.size for s in steps]),
                       [s.sol if s.status == 0 else None for s in steps],
                       [s.message for s in steps], wall, K, D, weights)


def layer_weights_flow(twin: ODETwin, training: BVPTraining, U, i: int = -1,
                       rtol: float = 1e-10) -> np.ndarray:
    """x(T) (K, D) of the layer-dependent network dx/dt = g(W(t) x + b(t)) from x(0) = ``U``
    (K, D), with W(t), b(t) of continuation step ``i`` of a ``weights="smooth"`` training
    (solve_bvp's interpolant), integrated by RK45 at ``rtol``."""
    if training.weights != "smooth":
        raise ValueError("training must come from train_ode_bvp(..., weights='smooth'), got "
                         f"weights={training.weights!r}")
    U = twin.model._check_io(U)
    K, D = U.shape
    g = ACTIVATIONS[twin.model.activation][0]

    def rhs(t, z):
        _, _, W, b = training.at(i, [t])
        return g(z.reshape(K, D) @ W[..., 0].T + b[:, 0]).ravel()

    sol = solve_ivp(rhs, (0.0, twin.T), U.ravel(), rtol=rtol, atol=rtol * 1e-2)
    return sol.y[:, -1].reshape(K, D)


def layer_weights_heldout_error(twin: ODETwin, training: BVPTraining, i: int = -1) -> float:
    """RMS of the layer-dependent network's outputs (:func:`layer_weights_flow`) against the
    teacher's clean held-out outputs, as :meth:`ODETwin.heldout_error` for constant weights."""
    xT = layer_weights_flow(twin, training, twin.U_test, i)
    return float(np.sqrt(np.mean((xT - twin.V_test) ** 2)))
