"""Backpropagation: the R_f → ∞ (strong-constraint) loss of a network problem, its gradient
as the backward recursion of the momentum, the weak-constraint weight gradient that tends to
it, and plain training from many starts."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from .. import _runtime
from .._checks import as_generator, check_int
from ..models import ACTIVATIONS

__all__ = ["strong_loss_grad", "weak_weight_gradient", "TrainResult", "train_backprop"]


def strong_loss_grad(problem, theta, return_momentum: bool = False):
    """Ordinary training: R_f → ∞ and the inputs clamped, x(0) = u (R_m,in → ∞ too); the
    states are slaved to the noisy inputs by the forward pass.

    loss = Rm / (K (n_in + n_out)) Σ_k |x^k(n_layers)_out - v^k|²; its gradient by
    backpropagation: λ(n_layers) = ∂loss/∂x(n_layers), then for l = n_layers-1 .. 0
    λ(l) = λ(l+1) + h Wᵀ(l) [g'(a(l)) ⊙ λ(l+1)] (residual; plain: without the first term),
    ∂loss/∂W(l) = h [g'(a) ⊙ λ(l+1)] x(l)ᵀ (and ∂loss/∂V(l) with u(l) for x(l) when driven).
    With data per layer (:meth:`NetworkProblem.from_layers`) the measured nodes of layer 0
    are clamped, the loss sums every measured later layer, and each adds its measurement
    gradient to λ(l).  The canonical momentum of the continuous problem is π = -λ (up to
    normalisation).  Returns (loss, grad[, λ (K, n_layers + 1, D)]).
    """
    net = problem.net
    W, b = net.weights(theta)
    g, dg = ACTIVATIONS[net.activation]
    X = net.forward(theta, problem.input_states(), problem.drive)
    # the measurement parts of λ; the recursion adds the rest on
    loss, lam = problem.measurement.strong_term(X, problem.w_meas)
    Vu = net.drive_term(theta, problem.drive) if problem.drive is not None else None
    gW = np.empty((net.n_layers, problem.D, problem.D))
    gb = np.empty((net.n_layers, problem.D))
    gV = None if Vu is None else np.empty((net.n_layers, problem.D, net.n_drive))
    for l in range(net.n_layers - 1, -1, -1):
        a = X[:, l] @ W[l].T + b[l]
        if Vu is not None:
            a = a + Vu[:, l]
        s = lam[:, l + 1] * net.h * dg(a, g(a))
        if Vu is not None:
            gV[l] = s.T @ problem.drive[:, l]
        gW[l] = s.T @ X[:, l]
        gb[l] = s.sum(axis=0)
        lam[:, l] += s @ W[l] + (lam[:, l + 1] if net.residual else 0.0)
    grad = net.pack_grad(gW, gb, gV)
    return (loss, grad, lam) if return_momentum else (loss, grad)

def weak_weight_gradient(problem, theta, Rf, maxiter: int = 20000):
    """Gradient of min over states of the weak action, for fixed weights θ.

    Layer-0 states are clamped to the inputs (as in the forward pass); the other states
    minimise A (L-BFGS-B); the result is ∂A/∂θ there.  As R_f → ∞ it tends to the
    strong-constraint (backpropagation) gradient, and -2 w_f r(l) (w_f =
    ``problem.model_weights(Rf)``, r the model residual) tends to the backpropagated λ(l+1):
    the weighted residual is the discrete momentum π = -λ.  Returns (gradient (n_weights,),
    states).
    """
    theta = np.asarray(theta, dtype=float)
    x_fwd = problem.net.forward(theta, problem.input_states())
    ev = problem.evaluator(Rf)
    X0 = x_fwd.copy()

    def fg(xs):
        X0[:, 1:] = xs.reshape(problem.K, problem.net.n_layers, problem.D)
        f, g = ev.value_grad(problem.pack(X0, theta))
        return f, g[:problem.nx].reshape(X0.shape)[:, 1:].ravel()

    res = minimize(fg, x_fwd[:, 1:].ravel(), jac=True, method="L-BFGS-B",
                   options={"maxiter": maxiter, "ftol": 1e-15, "gtol": 1e-12})
    X0[:, 1:] = res.x.reshape(problem.K, problem.net.n_layers, problem.D)
    return ev.value_grad(problem.pack(X0, theta))[1][problem.nx:], X0.copy()


@dataclass(frozen=True)
class TrainResult:
    """Plain training by backpropagation from ``n_init`` random weight vectors.
    loss (n_init,), thetas (n_init, n_weights), status (n_init,) (0 = converged), nit."""
    loss: np.ndarray
    thetas: np.ndarray
    status: np.ndarray
    nit: np.ndarray
    wall_s: float

    @property
    def best(self) -> int:
        return int(np.nanargmin(self.loss))


def train_backprop(problem: NetworkProblem, n_init: int = 10, seed=0, maxiter: int = 5000,
                   ftol: float = 1e-12) -> TrainResult:
    """Minimise the strong-constraint loss with L-BFGS (gradient by backpropagation) from
    weights U(±weight_scale/√D), the same distribution annealing starts from.  Runs with
    one BLAS thread and the kept heap annealing uses (:mod:`dalearn._runtime`), which are
    faster here too (docs/decisions.md)."""
    from ._problem import NetworkProblem
    if not isinstance(problem, NetworkProblem):
        raise TypeError(f"problem must be a NetworkProblem (twin.problem(student)), got "
                        f"{type(problem).__name__}")
    check_int("n_init", n_init, 1)
    check_int("maxiter", maxiter, 1)
    rng = as_generator(seed)
    s = problem.weight_scale / np.sqrt(problem.D)
    losses, thetas, status, nits = [], [], [], []
    t0 = time.perf_counter()
    with _runtime.tuned_for_annealing():
        for _ in range(n_init):
            th0 = rng.uniform(-s, s, problem.net.n_weights)
            res = minimize(lambda th: strong_loss_grad(problem, th), th0, jac=True,
                           method="L-BFGS-B", options={"maxiter": maxiter,
                                                       "maxfun": 2 * maxiter, "ftol": ftol,
                                                       "gtol": 1e-10})
            ok = np.isfinite(res.fun)
            losses.append(res.fun if ok else np.nan)
            thetas.append(res.x)
            status.append(-1 if not ok else (1 if res.status == 1 else 0))
            nits.append(res.nit)
    return TrainResult(np.array(losses), np.array(thetas), np.array(status), np.array(nits),
                       time.perf_counter() - t0)
