"""Training in continuous layers: the weights from the Euler-Lagrange boundary value problem.

A neural ODE dx/dt = F(x, θ) = g(W x + b) (x in R^D, θ = (W row-major, b), P = D² + D
numbers: the continuum limit of a residual network with shared weights) maps an input u^k at
t = 0 to an output x^k(T), compared with v^k.  K training pairs, inputs clamped (as backprop
clamps them), outputs measured with precision Rm = 1/σ².  The action

    A = Σ_k [ Rm/2 |x^k(T) - v^k|² + Rf/2 ∫_0^T |ẋ^k - F(x^k, θ)|² dt ],   x^k(0) = u^k

reported as the training loss 2 A / (K D) in its R_f → ∞ limit:
loss(θ) = Σ_k |x^k(T) - v^k|² / (K D σ²) with ẋ^k = F(x^k, θ) exactly.

Stationarity.  π^k = Rf (ẋ^k - F) (canonical momentum); in x and π Hamilton's equations
ẋ = F + π/Rf, π̇ = -(∂F/∂x)ᵀ π, with x(0) = u and π(T) = -Rm (x(T) - v); in the weights
(constant in t) ∂A/∂θ = -Σ_k ∫ (∂F/∂θ)ᵀ π^k dt = 0.  Carried as the states
G(t) = Σ_k ∫_0^t (∂F/∂θ)ᵀ π^k ds with G(0) = G(T) = 0, the weight condition makes one
two-point boundary value problem for (x, π, G) with θ its unknown parameters
(``scipy.integrate.solve_bvp``: 2KD + P states, P parameters, 2KD + 2P conditions).  At
1/Rf = 0 it is exactly backprop's optimality: π = -λ, λ the adjoint of the loss.

Layer-dependent weights W(t) (``weights="smooth"``) need a regulariser: H = πᵀF(x, W) is
linear in each W(t) through g, so the pointwise condition Σ_k (∂F/∂W)ᵀ π^k = 0 alone does not
determine W(t) (the problem is singular, as for controls entering linearly).  We penalise the
layer-to-layer change, Rw/2 ∫ |Ẇ|² dt (a random-walk prior on the weights across layers):
W(t) becomes a state with momentum ρ = Rw Ẇ, ρ̇ = -Σ_k (∂F/∂W)ᵀ π^k (the pointwise condition,
now an equation of motion), ρ(0) = ρ(T) = 0.  Rw → ∞ recovers the constant weights (ρ(T) -
ρ(0) is then the integral condition); small Rw lets each layer have its own weights.  The
derivative penalty (not weight decay Rw |W|²) keeps W(t) smooth, so finer grids refine one
continuous network instead of adding parameters.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_bvp, solve_ivp
from scipy.optimize import minimize

from .._checks import as_generator, check_choice, check_int, check_positive
from ..models import ACTIVATION_D2, ACTIVATIONS

__all__ = ["NeuralODE", "ODETwin", "ode_twin", "ODETraining", "train_ode_adjoint",
           "BVPTraining", "train_ode_bvp"]


@dataclass(frozen=True)
class NeuralODE:
    """dx/dt = F(x, θ) = g(W x + b); θ = (W (D, D) row-major, b (D,)), P = D² + D."""
    D: int
    activation: str = "tanh"

    def __post_init__(self):
        check_int("D", self.D, 1)
        check_choice("activation", self.activation, tuple(ACTIVATIONS))

    @property
    def P(self) -> int:
        return self.D * self.D + self.D

    def split(self, theta):
        """θ (P,) -> W (D, D), b (D,)."""
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.P,):
            raise ValueError(f"theta must have P = {self.P} entries, got shape {theta.shape}")
        return theta[:self.D * self.D].reshape(self.D, self.D), theta[self.D * self.D:]

    def rhs(self, x, theta):
        """F(x, θ) for states x (..., D)."""
        W, b = self.split(theta)
        return ACTIVATIONS[self.activation][0](x @ W.T + b)

    def _check_io(self, U, name="inputs"):
        U = np.asarray(U, dtype=float)
        if U.ndim != 2 or U.shape[1] != self.D or not np.all(np.isfinite(U)):
            raise ValueError(f"{name} must be a finite (K, D={self.D}) array, got {U.shape}")
        return U

    def flow(self, theta, U, T: float, t_eval=None, rtol: float = 1e-10, atol: float = 1e-12):
        """Integrate every pair from x(0) = U (K, D) to T (RK45 at ``rtol``).  Returns x(T)
        (K, D), or with ``t_eval`` (n,) the states (K, D, n)."""
        U = self._check_io(U)
        K, D = U.shape
        sol = solve_ivp(lambda t, z: self.rhs(z.reshape(K, D), theta).ravel(), (0.0, T),
                        U.ravel(), rtol=rtol, atol=atol, dense_output=t_eval is not None)
        if t_eval is None:
            return sol.y[:, -1].reshape(K, D)
        return sol.sol(np.asarray(t_eval, dtype=float)).reshape(K, D, -1)

    def loss_grad(self, theta, U, V, T: float, sigma: float, rtol: float = 1e-9,
                  atol: float = 1e-11, t_eval=None):
        """Training loss Σ_k |x^k(T) - v^k|² / (K D σ²) and its gradient by the adjoint
        method: integrate forward (dense output), then λ̇ = -(∂F/∂x)ᵀ λ from
        λ(T) = (x(T) - v)/σ² backwards on the stored forward path, with
        ∂loss/∂θ = 2/(K D) ∫ Σ_k (∂F/∂θ)ᵀ λ^k dt.  With ``t_eval`` (n,) also returns the
        path x and the adjoint λ there, each (K, D, n) (the momentum is π = -λ)."""
        U, V = self._check_io(U), self._check_io(V, "outputs")
        K, D = U.shape
        W, b = self.split(theta)
        g, dg = ACTIVATIONS[self.activation]
        fwd = solve_ivp(lambda t, z: self.rhs(z.reshape(K, D), theta).ravel(), (0.0, T),
                        U.ravel(), rtol=rtol, atol=atol, dense_output=True)
        xT = fwd.y[:, -1].reshape(K, D)
        r = xT - V
        Rm = 1.0 / sigma ** 2

        def back(t, s):
            x = fwd.sol(t).reshape(K, D)
            lam = s[:K * D].reshape(K, D)
            a = x @ W.T + b
            q = dg(a, g(a)) * lam                            # (K, D)
            return np.concatenate([-(q @ W).ravel(), -(q.T @ x).ravel(), -q.sum(axis=0)])

        s0 = np.concatenate([(Rm * r).ravel(), np.zeros(self.P)])
        bwd = solve_ivp(back, (T, 0.0), s0, rtol=rtol, atol=atol,
                        dense_output=t_eval is not None)
        scale = 2.0 / (K * D)
        loss = float(np.sum(r * r)) * Rm / (K * D)
        grad = scale * bwd.y[K * D:, -1]
        if t_eval is None:
            return loss, grad
        te = np.asarray(t_eval, dtype=float)
        return (loss, grad, fwd.sol(te).reshape(K, D, -1),
                bwd.sol(te)[:K * D].reshape(K, D, -1))

    def euler_network(self, n_layers: int, T: float):
        """The forward-Euler discretisation on ``n_layers`` steps: a residual network with
        shared weights, x(l+1) = x(l) + (T/n_layers) g(W x(l) + b), same θ layout."""
        from ..network import Network
        return Network(self.D, n_layers, self.activation, residual=True, T=T, shared=True)


@dataclass(frozen=True)
class ODETwin:
    """A teacher neural ODE and its data: clean training inputs ``U_train`` (K, D), outputs
    ``V_train`` with Gaussian noise ``sigma``, clean held-out pairs."""
    model: NeuralODE
    theta: np.ndarray
    T: float
    U_train: np.ndarray
    V_train: np.ndarray
    U_test: np.ndarray
    V_test: np.ndarray
    sigma: float

    @property
    def K(self) -> int:
        return len(self.U_train)

    def loss(self, theta) -> float:
        """Training loss Σ_k |x^k(T) - v^k|² / (K D σ²) (exact forward pass)."""
        xT = self.model.flow(theta, self.U_train, self.T)
        return float(np.sum((xT - self.V_train) ** 2) / (self.V_train.size * self.sigma ** 2))

    def loss_grad(self, theta, rtol: float = 1e-9):
        return self.model.loss_grad(theta, self.U_train, self.V_train, self.T, self.sigma,
                                    rtol=rtol, atol=rtol * 1e-2)

    def heldout_error(self, theta) -> float:
        """RMS of the student's outputs against the teacher's clean held-out outputs."""
        xT = self.model.flow(theta, self.U_test, self.T)
        return float(np.sqrt(np.mean((xT - self.V_test) ** 2)))

    def random_weights(self, n: int, seed=0, scale: float = 1.0) -> np.ndarray:
        """Starting weights (n, P): W, b uniform in ±scale/√D."""
        s = check_positive("scale", scale) / np.sqrt(self.model.D)
        return as_generator(seed).uniform(-s, s, (check_int("n", n, 1), self.model.P))

    def euler_problem(self, n_layers: int):
        """The same data for the forward-Euler network on ``n_layers`` steps: a
        :class:`dalearn.NetworkProblem` whose strong-constraint loss is half of
        :meth:`loss` in the limit (it counts inputs and outputs as measured numbers)."""
        from ..network import NetworkProblem
        return NetworkProblem(self.model.euler_network(n_layers, self.T), self.U_train,
                              self.V_train, sigma=self.sigma)


def ode_twin(D: int = 2, K_train: int = 20, K_test: int = 200, T: float = 2.0,
             sigma: float = 0.05, weight_scale: float = 2.0, seed=0,
             activation: str = "tanh") -> ODETwin:
    """Seeded teacher dx/dt = g(W x + b) with W ~ N(0, weight_scale²/D), b ~ N(0, 0.5²);
    inputs uniform in [-1, 1]^D; Gaussian noise ``sigma`` on the training outputs only."""
    check_int("K_train", K_train, 1)
    check_int("K_test", K_test, 1)
    T = check_positive("T", T)
    sigma = check_positive("sigma", sigma)
    weight_scale = check_positive("weight_scale", weight_scale)
    model = NeuralODE(D, activation)
    rng = as_generator(seed)
    theta = np.concatenate([rng.normal(0, weight_scale / np.sqrt(D), D * D),
                            rng.normal(0, 0.5, D)])
    U = rng.uniform(-1.0, 1.0, (K_train + K_test, D))
    V = model.flow(theta, U, T)
    V_tr = V[:K_train] + rng.normal(0, sigma, (K_train, D))
    return ODETwin(model, theta, T, U[:K_train], V_tr, U[K_train:], V[K_train:], sigma)


@dataclass(frozen=True)
class ODETraining:
    """Backprop through the ODE (adjoint gradients, L-BFGS-B) from one start: weights θ
    (P,), training ``loss``, ``grad_norm`` (max |∂loss/∂θ|) at the end, iterations ``nit``,
    loss evaluations ``nfev``, scipy ``status`` and ``wall_s``."""
    theta: np.ndarray
    loss: float
    grad_norm: float
    nit: int
    nfev: int
    status: int
    wall_s: float


def train_ode_adjoint(twin: ODETwin, theta0, *, rtol: float = 1e-9, maxiter: int = 2000,
                      gtol: float = 1e-8) -> ODETraining:
    """Backprop through the ODE: L-BFGS-B on :meth:`ODETwin.loss` with the adjoint gradient
    (forward pass stored, λ backwards on it) from ``theta0`` (P,)."""
    theta0 = np.asarray(theta0, dtype=float)
    twin.model.split(theta0)
    t0 = time.perf_counter()
    res = minimize(lambda th: twin.loss_grad(th, rtol), theta0, jac=True, method="L-BFGS-B",
                   options={"maxiter": check_int("maxiter", maxiter, 1), "ftol": 1e-15,
                            "gtol": check_positive("gtol", gtol), "maxfun": 4 * maxiter})
    wall = time.perf_counter() - t0
    return ODETraining(res.x, float(res.fun), float(np.max(np.abs(res.jac))), int(res.nit),
                       int(res.nfev), int(res.status), wall)


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
