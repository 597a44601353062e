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
1/Rf = 0 it is exactly backprop's optimality: π = -λ, λ̇ = -(∂F/∂x)ᵀ λ with
λ(T) = Rm (x(T) - v) = ∂A/∂x(T) on the forward pass (the adjoint of A; the loss's is 2λ/(KD)).

Layer-dependent weights W(t) (``weights="smooth"``) need a regulariser: a whole function W(t)
can generally fit the K outputs exactly; then π(T) = 0, hence π ≡ 0, and the pointwise
condition Σ_k (∂F/∂W)ᵀ π^k = 0 holds for every W(t) that interpolates the data (a continuum
of stationary points: the Hessian of H = πᵀF in W, proportional to π, vanishes there, a
singular problem), each one reproducing the noise.  We penalise the
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
from scipy.integrate import solve_ivp
from scipy.optimize import minimize

from .._checks import as_generator, check_choice, check_int, check_positive
from ..models import ACTIVATIONS

__all__ = ["NeuralODE", "ODETwin", "ode_twin", "ODETraining", "train_ode_adjoint"]


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
