"""Feedforward and recurrent networks as data assimilation problems: the layer index is time.

A network of fixed width D maps layer l to l+1 by

    residual:  x(l+1) = x(l) + h g(W(l) x(l) + b(l)),   h = T / n_layers   (a ResNet / Euler step)
    plain:     x(l+1) = g(W(l) x(l) + b(l))

Weights W(l), b(l) are the time-dependent parameters (``shared=True``: one W, b for every
layer, a recurrent network, i.e. static parameters).  K training pairs are K repeated
experiments; inputs are measured at layer 0 and outputs at layer n_layers.  The action over
states X (K, n_layers + 1, D) and weights θ is

    A = Rm / (K (n_in + n_out)) Σ_k [ |x^k(0)_in - u^k|² + |x^k(L)_out - v^k|² ]
      + Rf / (K L D)            Σ_k Σ_l |x^k(l+1) - f(x^k(l), W(l))|²

and R_f → ∞ is ordinary training: :meth:`NetworkProblem.strong_loss_grad`, whose gradient is
backpropagation written as the backward recursion of the momentum λ(l) = ∂loss/∂x(l).
θ layout: for each weight set, W (D, D) row-major then b (D,).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from ._action import ActionValue
from ._checks import as_generator, check_int, check_positive

__all__ = ["Network", "NetworkProblem", "NetworkTwin", "network_twin", "TrainResult",
           "train_backprop", "ACTIVATIONS"]


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


#: name -> (g(a), g'(a) from a and g)
ACTIVATIONS = {
    "tanh": (np.tanh, lambda a, g: 1.0 - g * g),
    "sigmoid": (_sigmoid, lambda a, g: g * (1.0 - g)),
}


@dataclass(frozen=True)
class Network:
    """Architecture: ``width`` nodes in every layer, ``n_layers`` maps between layers."""
    width: int
    n_layers: int
    activation: str = "tanh"
    residual: bool = True
    T: float = 1.0
    shared: bool = False

    def __post_init__(self):
        for name in ("width", "n_layers"):
            check_int(name, getattr(self, name), 1)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, "
                             f"got {self.activation!r}")
        check_positive("T", self.T)

    @property
    def h(self) -> float:
        """Layer step: T / n_layers for a residual network, 1 for a plain one."""
        return self.T / self.n_layers if self.residual else 1.0

    @property
    def n_sets(self) -> int:
        return 1 if self.shared else self.n_layers

    @property
    def n_weights(self) -> int:
        return self.n_sets * (self.width ** 2 + self.width)

    def weights(self, theta):
        """θ -> W (n_layers, D, D), b (n_layers, D) (views repeated when shared)."""
        D = self.width
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.n_weights,):
            raise ValueError(f"theta must have {self.n_weights} entries, got {theta.shape}")
        sets = theta.reshape(self.n_sets, D * D + D)
        W, b = sets[:, :D * D].reshape(-1, D, D), sets[:, D * D:]
        if self.shared:
            W = np.broadcast_to(W, (self.n_layers, D, D))
            b = np.broadcast_to(b, (self.n_layers, D))
        return W, b

    def weight_names(self) -> tuple:
        """Names of the entries of θ: per weight set s, ``W{s}[i,j]`` row-major, then
        ``b{s}[i]``."""
        D = self.width
        return tuple(name for s in range(self.n_sets) for name in
                     [f"W{s}[{i},{j}]" for i in range(D) for j in range(D)]
                     + [f"b{s}[{i}]" for i in range(D)])

    def pack_grad(self, gW, gb) -> np.ndarray:
        """Per-layer gradients (n_layers, D, D), (n_layers, D) -> θ layout (summed if shared)."""
        if self.shared:
            gW, gb = gW.sum(axis=0, keepdims=True), gb.sum(axis=0, keepdims=True)
        return np.concatenate([gW.reshape(self.n_sets, -1), gb], axis=1).ravel()

    def random_weights(self, rng: np.random.Generator, scale: float = 1.0,
                       bias: float = 0.5) -> np.ndarray:
        """W ~ N(0, scale²/D), b ~ N(0, bias²) for every weight set."""
        D = self.width
        W = rng.normal(0.0, scale / np.sqrt(D), (self.n_sets, D * D))
        b = rng.normal(0.0, bias, (self.n_sets, D))
        return np.concatenate([W, b], axis=1).ravel()

    def forward(self, theta, x0) -> np.ndarray:
        """States of every layer from inputs ``x0`` (K, D): (K, n_layers + 1, D)."""
        W, b = self.weights(theta)
        g = ACTIVATIONS[self.activation][0]
        x0 = np.asarray(x0, dtype=float)
        X = np.empty((x0.shape[0], self.n_layers + 1, self.width))
        X[:, 0] = x0
        for l in range(self.n_layers):
            a = X[:, l] @ W[l].T + b[l]
            X[:, l + 1] = (X[:, l] + self.h * g(a)) if self.residual else g(a)
        return X


class NetworkProblem:
    """Training a :class:`Network` on pairs (inputs (K, n_in), outputs (K, n_out)) as SDA.

    ``in_nodes``/``out_nodes``: which nodes of layer 0 / the last layer are measured
    (default: the first n_in / n_out).  ``sigma`` (noise std) sets Rm = 1/sigma² unless
    ``Rm`` is given.  Follows the annealing protocol, so :func:`dalearn.anneal.anneal` trains
    it by precision annealing (optimiser: L-BFGS-B with the exact gradient).
    """

    methods = ("lbfgsb",)      # Gauss-Newton (LM) stalls on the weight-state products
    default_init_range = (-1.0, 1.0)

    def __init__(self, network: Network, inputs, outputs, sigma=None, Rm=None,
                 in_nodes=None, out_nodes=None, weight_scale: float = 1.0):
        if not isinstance(network, Network):
            raise TypeError(f"network must be a dalearn Network, got {type(network).__name__}")
        self.net = network
        D = network.width
        U = np.asarray(inputs, dtype=float)
        V = np.asarray(outputs, dtype=float)
        if U.ndim != 2 or V.ndim != 2 or U.shape[0] != V.shape[0] or U.shape[0] < 1:
            raise ValueError(f"inputs (K, n_in) and outputs (K, n_out) must be 2-D with the same "
                             f"K >= 1, got {U.shape} and {V.shape}")
        if not (np.all(np.isfinite(U)) and np.all(np.isfinite(V))):
            raise ValueError("inputs and outputs must be finite")
        self.in_nodes = self._nodes("in_nodes", in_nodes, U.shape[1], D)
        self.out_nodes = self._nodes("out_nodes", out_nodes, V.shape[1], D)
        if Rm is None:
            if sigma is None:
                raise ValueError("give sigma (noise std) or Rm (measurement precision)")
            Rm = 1.0 / check_positive("sigma", sigma) ** 2
        self.Rm_value = float(check_positive("Rm", Rm))
        self.U, self.V = U, V
        self.K = U.shape[0]
        self.weight_scale = float(weight_scale)
        self.w_meas = self.Rm_value / (self.K * (len(self.in_nodes) + len(self.out_nodes)))
        Rm_vec = np.zeros(D)
        Rm_vec[np.union1d(self.in_nodes, self.out_nodes)] = self.Rm_value
        self.Rm = Rm_vec
        self.nx = self.K * (network.n_layers + 1) * D

    @staticmethod
    def _nodes(name, nodes, n, D):
        idx = np.arange(n) if nodes is None else np.asarray(nodes)
        if idx.ndim != 1 or len(idx) != n or len(np.unique(idx)) != n or \
                np.any(idx < 0) or np.any(idx >= D):
            raise ValueError(f"{name} must be {n} distinct node indices in 0..{D - 1}, got {nodes}")
        return idx.astype(int)

    # ---------------------------------------------------------------- shapes
    @property
    def D(self) -> int:
        return self.net.width

    @property
    def t(self) -> np.ndarray:
        """Layer index of each state, (n_layers + 1,)."""
        return np.arange(self.net.n_layers + 1, dtype=float)

    @property
    def params(self) -> np.ndarray:
        return np.zeros(self.net.n_weights)

    @property
    def param_names(self) -> tuple:
        """One name per weight, in θ order: ``W{set}[i,j]`` then ``b{set}[i]``."""
        return self.net.weight_names()

    @property
    def estimate(self) -> tuple:
        """Every weight is estimated."""
        return self.param_names

    @property
    def expected_level(self) -> float:
        """Expected measurement term at a consistent minimum, 1 - (free numbers)/(measured
        numbers): the layer-0 states (K D) and the weights are fitted to the data."""
        n_meas = self.K * (len(self.in_nodes) + len(self.out_nodes))
        return 1.0 - (self.K * self.D + self.net.n_weights) / n_meas

    def model_weight(self, Rf) -> float:
        return float(Rf) / (self.K * self.net.n_layers * self.D)

    def split(self, z):
        """Packed vector -> (states (K, n_layers + 1, D), θ)."""
        z = np.asarray(z, dtype=float)
        return z[:self.nx].reshape(self.K, self.net.n_layers + 1, self.D), z[self.nx:]

    def pack(self, X, theta) -> np.ndarray:
        return np.concatenate([np.asarray(X, float).ravel(), np.asarray(theta, float)])

    def input_states(self) -> np.ndarray:
        """Layer-0 states from the inputs (unmeasured nodes 0), (K, D)."""
        x0 = np.zeros((self.K, self.D))
        x0[:, self.in_nodes] = self.U
        return x0

    # ---------------------------------------------------------------- the action
    def _layer_terms(self, X, theta):
        W, b = self.net.weights(theta)
        g, dg = ACTIVATIONS[self.net.activation]
        a = np.einsum("klj,lij->kli", X[:, :-1], W) + b[None]
        ga = g(a)
        f = X[:, :-1] + self.net.h * ga if self.net.residual else ga
        return W, a, ga, dg(a, ga), X[:, 1:] - f

    def layer_residual(self, X, theta) -> np.ndarray:
        """Model residual x(l+1) - f(x(l)) of states X, (K, n_layers, D)."""
        return self._layer_terms(np.asarray(X, dtype=float), theta)[-1]

    def action_terms(self, z, Rf, grad: bool = False):
        """(A, measurement term, model term[, gradient]) of packed ``z`` at ``Rf``."""
        X, theta = self.split(z)
        W, a, ga, dga, r = self._layer_terms(X, theta)
        wf = self.model_weight(Rf)
        din = X[:, 0, self.in_nodes] - self.U
        dout = X[:, -1, self.out_nodes] - self.V
        meas = self.w_meas * (np.sum(din ** 2) + np.sum(dout ** 2))
        mod = wf * np.sum(r ** 2)
        if not grad:
            return meas + mod, meas, mod
        gX = np.zeros_like(X)
        gX[:, 0, self.in_nodes] += 2 * self.w_meas * din
        gX[:, -1, self.out_nodes] += 2 * self.w_meas * dout
        wr = 2 * wf * r
        gX[:, 1:] += wr
        s = wr * self.net.h * dga                              # ∂/∂a of -f, weighted
        if self.net.residual:
            gX[:, :-1] -= wr
        gX[:, :-1] -= np.einsum("kli,lij->klj", s, W)
        gW = -np.einsum("kli,klj->lij", s, X[:, :-1])
        gb = -s.sum(axis=0)
        return meas + mod, meas, mod, np.concatenate([gX.ravel(), self.net.pack_grad(gW, gb)])

    def evaluator(self, Rf):
        return _NetworkEvaluator(self, Rf)

    # ---------------------------------------------------------------- strong constraint
    def strong_loss_grad(self, theta, return_momentum: bool = False):
        """R_f → ∞ (ordinary training): states slaved to the inputs by the forward pass.

        loss = Rm / (K (n_in + n_out)) Σ_k |x^k(L)_out - v^k|²; its gradient by
        backpropagation: λ(L) = ∂loss/∂x(L), then for l = L-1 .. 0
        λ(l) = λ(l+1) + h Wᵀ(l) [g'(a(l)) ⊙ λ(l+1)] (residual; plain: without the first term),
        ∂loss/∂W(l) = h [g'(a) ⊙ λ(l+1)] x(l)ᵀ.  λ is the canonical momentum of the continuous
        problem up to sign and normalisation.  Returns (loss, grad[, λ (K, L + 1, D)]).
        """
        net = self.net
        W, b = net.weights(theta)
        g, dg = ACTIVATIONS[net.activation]
        X = net.forward(theta, self.input_states())
        dout = X[:, -1, self.out_nodes] - self.V
        loss = self.w_meas * np.sum(dout ** 2)
        lam = np.zeros_like(X)
        lam[:, -1, self.out_nodes] = 2 * self.w_meas * dout
        gW = np.empty((net.n_layers, self.D, self.D))
        gb = np.empty((net.n_layers, self.D))
        for l in range(net.n_layers - 1, -1, -1):
            a = X[:, l] @ W[l].T + b[l]
            s = lam[:, l + 1] * net.h * dg(a, g(a))
            gW[l] = s.T @ X[:, l]
            gb[l] = s.sum(axis=0)
            lam[:, l] = s @ W[l] + (lam[:, l + 1] if net.residual else 0.0)
        grad = net.pack_grad(gW, gb)
        return (loss, grad, lam) if return_momentum else (loss, grad)

    def weak_weight_gradient(self, theta, Rf, maxiter: int = 20000):
        """Gradient of min over states of the weak action, for fixed weights θ.

        Layer-0 states are clamped to the inputs (as in the forward pass); the other states
        minimise A (L-BFGS-B); the result is ∂A/∂θ there.  As R_f → ∞ it tends to the
        strong-constraint (backpropagation) gradient, and R_f times the model residual tends
        to the backpropagated momentum λ.  Returns (gradient (n_weights,), states).
        """
        theta = np.asarray(theta, dtype=float)
        x_fwd = self.net.forward(theta, self.input_states())
        ev = self.evaluator(Rf)
        X0 = x_fwd.copy()

        def fg(xs):
            X0[:, 1:] = xs.reshape(self.K, self.net.n_layers, self.D)
            f, g = ev.value_grad(self.pack(X0, theta))
            return f, g[:self.nx].reshape(X0.shape)[:, 1:].ravel()

        res = minimize(fg, x_fwd[:, 1:].ravel(), jac=True, method="L-BFGS-B",
                       options={"maxiter": maxiter, "ftol": 1e-15, "gtol": 1e-12})
        X0[:, 1:] = res.x.reshape(self.K, self.net.n_layers, self.D)
        return ev.value_grad(self.pack(X0, theta))[1][self.nx:], X0.copy()

    def predict(self, theta, inputs) -> np.ndarray:
        """Network outputs (K', n_out) for inputs (K', n_in)."""
        x0 = np.zeros((len(inputs), self.D))
        x0[:, self.in_nodes] = inputs
        return self.net.forward(theta, x0)[:, -1, self.out_nodes]

    # ---------------------------------------------------------------- annealing protocol
    def initial_vectors(self, n, rng, init_range=None, param_range=None):
        """Starting states U(init_range) with measured nodes on the data, weights
        U(±weight_scale/√D) (or ``param_range={'weights': (lo, hi)}``)."""
        lo, hi = init_range or self.default_init_range
        X0 = rng.uniform(lo, hi, (n, self.K, self.net.n_layers + 1, self.D))
        X0[:, :, 0, self.in_nodes] = self.U
        X0[:, :, -1, self.out_nodes] = self.V
        wl, wh = (param_range or {}).get("weights", (-self.weight_scale / np.sqrt(self.D),
                                                     self.weight_scale / np.sqrt(self.D)))
        P0 = rng.uniform(wl, wh, (n, self.net.n_weights))
        return [self.pack(X0[i], P0[i]) for i in range(n)], X0, P0

    def describe(self) -> dict:
        n = self.net
        return {"network": {"width": n.width, "n_layers": n.n_layers, "activation": n.activation,
                            "residual": n.residual, "T": n.T, "shared": n.shared},
                "K": self.K, "in_nodes": self.in_nodes.tolist(),
                "out_nodes": self.out_nodes.tolist(), "Rm": self.Rm_value}


class _NetworkEvaluator:
    """The evaluator interface of :mod:`dalearn.optimize` for a NetworkProblem."""

    def __init__(self, problem: NetworkProblem, Rf):
        self.pb, self.Rf = problem, float(Rf)

    def terms(self, z):
        total, meas, mod = self.pb.action_terms(z, self.Rf)
        return ActionValue(total, meas, mod)

    def value(self, z):
        return self.pb.action_terms(z, self.Rf)[0]

    def value_grad(self, z):
        total, _, _, g = self.pb.action_terms(z, self.Rf, grad=True)
        return total, g



# -------------------------------------------------------------------- twin data and training
@dataclass(frozen=True)
class NetworkTwin:
    """A teacher network, its weights, noisy training pairs and clean held-out pairs."""
    teacher: Network
    theta: np.ndarray
    U_train: np.ndarray
    V_train: np.ndarray
    U_test: np.ndarray
    V_test: np.ndarray
    sigma: float

    def problem(self, student: Network, **kwargs) -> NetworkProblem:
        """The training problem of ``student`` on the teacher's noisy pairs."""
        return NetworkProblem(student, self.U_train, self.V_train, sigma=self.sigma, **kwargs)

    def heldout_error(self, problem: NetworkProblem, theta) -> float:
        """RMS of the student's outputs against the teacher's clean held-out outputs."""
        return float(np.sqrt(np.mean((problem.predict(theta, self.U_test) - self.V_test) ** 2)))


def network_twin(width: int = 10, n_layers: int = 100, activation: str = "tanh",
                 T: float = 1.0, shared: bool = True, K_train: int = 20, K_test: int = 200,
                 sigma: float = 0.01, weight_scale: float = 1.5, seed=0) -> NetworkTwin:
    """Seeded teacher (a deep residual network) and its data: inputs U(-1, 1)^width, all
    nodes measured at both ends, Gaussian noise ``sigma`` on training inputs and outputs."""
    rng = as_generator(seed)
    sigma = check_positive("sigma", sigma)
    check_int("K_train", K_train, 1)
    check_int("K_test", K_test, 1)
    teacher = Network(width, n_layers, activation, residual=True, T=T, shared=shared)
    theta = teacher.random_weights(rng, weight_scale)
    U = rng.uniform(-1.0, 1.0, (K_train + K_test, width))
    V = teacher.forward(theta, U)[:, -1]
    U_tr = U[:K_train] + rng.normal(0, sigma, (K_train, width))
    V_tr = V[:K_train] + rng.normal(0, sigma, (K_train, width))
    return NetworkTwin(teacher, theta, U_tr, V_tr, U[K_train:], V[K_train:], sigma)


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
    weights U(±weight_scale/√D), the same distribution annealing starts from."""
    check_int("n_init", n_init, 1)
    rng = as_generator(seed)
    s = problem.weight_scale / np.sqrt(problem.D)
    losses, thetas, status, nits = [], [], [], []
    t0 = time.perf_counter()
    for _ in range(n_init):
        th0 = rng.uniform(-s, s, problem.net.n_weights)
        res = minimize(problem.strong_loss_grad, th0, jac=True, method="L-BFGS-B",
                       options={"maxiter": maxiter, "maxfun": 2 * maxiter, "ftol": ftol,
                                "gtol": 1e-10})
        ok = np.isfinite(res.fun)
        losses.append(res.fun if ok else np.nan)
        thetas.append(res.x)
        status.append(-1 if not ok else (1 if res.status == 1 else 0))
        nits.append(res.nit)
    return TrainResult(np.array(losses), np.array(thetas), np.array(status), np.array(nits),
                       time.perf_counter() - t0)
