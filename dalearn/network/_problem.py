"""Training a network as data assimilation: the weak-constraint action over states and
weights, and the annealing contract."""
from __future__ import annotations

import numpy as np

from ..problem import ActionValue
from .._checks import check_positive, check_real_array
from ..models import ACTIVATIONS
from ._architecture import Network
from ._backprop import strong_loss_grad
from ._hessian import network_hessian

__all__ = ["NetworkProblem"]


class NetworkProblem:
    """Training a :class:`Network` on pairs (inputs (K, n_in), outputs (K, n_out)) as SDA.

    ``in_nodes``/``out_nodes``: which nodes of layer 0 / the last layer are measured
    (default: the first n_in / n_out).  ``sigma`` (noise std) sets R_m = 1/sigma²
    (``Rm_measured``; ``Rm`` is (D,) per node, 0 where unmeasured) unless ``Rm`` is given.
    ``drive`` (K, n_layers, n_drive): the known input sequence of a driven network
    (``Network(..., n_drive=...)``), required exactly when the network has drive inputs.
    Data at every layer (a recurrent network observed at every step, the analogue of data
    at every time): :meth:`from_layers`.
    It is :class:`dalearn.Annealable`, so :func:`dalearn.anneal` trains it by precision
    annealing (optimiser: see :attr:`methods`).
    """

    @property
    def methods(self) -> tuple:
        """Optimisers, the default first, chosen by measurement (benchmarks/train_network.py):
        Newton on the exact Hessian for a recurrent (shared-weight) network fitted to more
        numbers than it has free ones, whose minima are well conditioned (3x faster than
        L-BFGS-B in notebook 03, every solve verified); for such a feedforward one 'hybrid'
        (L-BFGS-B to a loose tolerance through the nonconvex region, then Newton to finish
        and verify: notebook 03's student in a third of L-BFGS-B's time, every final point
        a verified minimum, where damped Newton alone crawls along indefinite valleys).
        With more free numbers than measured ones (expected level <= 0) the Hessian is
        singular at the exact fits, where Newton steps crawl: L-BFGS-B.  Gauss-Newton (lm)
        drops the weight-state cross terms of W x and is never the best; 'tr' (trust-region
        Newton) is kept by name.  The same rule holds for data per layer (:meth:`from_layers`):
        measured at every layer, Newton converges to verified minima (notebook 03); a long
        residual recurrent network measured only at its two ends from random hidden states
        can have unbounded best weights at small R_f, which Newton's steps follow (measured
        on the driven twin): pass ``method="lbfgsb"`` there."""
        rest = ("newton", "lbfgsb", "lm", "tr", "hybrid")
        if self.expected_level > 0:
            first = "newton" if self.net.shared else "hybrid"
        else:
            first = "lbfgsb"
        return (first,) + tuple(m for m in rest if m != first)
    default_init_range = (-1.0, 1.0)

    def __init__(self, network: Network, inputs, outputs, sigma=None, Rm=None,
                 in_nodes=None, out_nodes=None, weight_scale: float = 1.0, *, drive=None):
        self._check_network(network)
        D = network.width
        U = check_real_array("inputs", inputs, 2)
        V = check_real_array("outputs", outputs, 2)
        if U.shape[0] != V.shape[0] or U.shape[0] < 1:
            raise ValueError(f"inputs (K, n_in) and outputs (K, n_out) must be 2-D with the same "
                             f"K >= 1, got {U.shape} and {V.shape}")
        if not (np.all(np.isfinite(U)) and np.all(np.isfinite(V))):
            raise ValueError("inputs and outputs must be finite")
        self.in_nodes = self._nodes("in_nodes", in_nodes, U.shape[1], D)
        self.out_nodes = self._nodes("out_nodes", out_nodes, V.shape[1], D)
        Rm = self._precision(sigma, Rm)
        self.drive = network.check_drive(drive, U.shape[0])
        self.U, self.V = U, V
        self.mask = self.Y = None
        self._finish(U.shape[0], Rm, weight_scale,
                     U.shape[0] * (len(self.in_nodes) + len(self.out_nodes)),
                     np.union1d(self.in_nodes, self.out_nodes))

    @classmethod
    def from_layers(cls, network: Network, data, mask, *, sigma=None, Rm=None, drive=None,
                    weight_scale: float = 1.0) -> "NetworkProblem":
        """Data at any layer: ``data`` (K, n_layers + 1, D) measured where ``mask`` (bool,
        (K, n_layers + 1, D), or (n_layers + 1, D) for every pair) is True; the entries
        outside the mask are ignored (NaN allowed there).  The measurement term sums over
        every measured (pair, layer, node):

            A = Rm / n_meas Σ_{k,l,i measured} (x^k_i(l) - y^k_i(l))²  + the same model term

        The first/last-layer problem is the mask of layer 0's input nodes and the last
        layer's output nodes.  Ordinary training (:meth:`strong_loss_grad`) clamps the
        measured nodes of layer 0 and fits every later measured layer."""
        self = cls.__new__(cls)
        self._check_network(network)
        D, Lp1 = network.width, network.n_layers + 1
        Y = check_real_array("data", data, 3)
        if Y.shape[0] < 1 or Y.shape[1:] != (Lp1, D):
            raise ValueError(f"data must have shape (K, n_layers + 1, D) = (K, {Lp1}, {D}) "
                             f"with K >= 1, got {Y.shape}")
        m = np.asarray(mask)
        if m.dtype != bool:
            raise TypeError(f"mask must be a boolean array, got dtype {m.dtype}")
        if m.shape not in ((Lp1, D), Y.shape):
            raise ValueError(f"mask must have shape (n_layers + 1, D) = {(Lp1, D)} or that of "
                             f"data {Y.shape}, got {m.shape}")
        m = np.broadcast_to(m, Y.shape).copy()
        if not m.any():
            raise ValueError("mask must select at least one measured value")
        if not np.all(np.isfinite(Y[m])):
            raise ValueError("data must be finite where mask is True")
        Rm = self._precision(sigma, Rm)
        self.drive = network.check_drive(drive, Y.shape[0])
        self.mask, self.Y = m, np.where(m, Y, 0.0)
        self.U = self.V = self.in_nodes = self.out_nodes = None
        self._finish(Y.shape[0], Rm, weight_scale, int(m.sum()),
                     np.flatnonzero(m.any(axis=(0, 1))))
        return self

    def _check_network(self, network):
        if not isinstance(network, Network):
            raise TypeError(f"network must be a dalearn Network, got {type(network).__name__}")
        self.net = network

    @staticmethod
    def _precision(sigma, Rm) -> float:
        if Rm is None:
            if sigma is None:
                raise ValueError("give sigma (noise std) or Rm (measurement precision)")
            Rm = 1.0 / _sigma_in_range(check_positive("sigma", sigma)) ** 2
        return float(check_positive("Rm", Rm))

    def _finish(self, K, Rm, weight_scale, n_measured, measured_nodes):
        self.Rm_measured = Rm
        self.K = K
        self.weight_scale = check_positive("weight_scale", weight_scale)
        #: measured numbers over all pairs (K (n_in + n_out) for the first/last-layer problem)
        self.n_measured = n_measured
        self.w_meas = self.Rm_measured / n_measured
        Rm_vec = np.zeros(self.net.width)
        Rm_vec[measured_nodes] = self.Rm_measured
        self.Rm = Rm_vec
        self.nx = self.K * (self.net.n_layers + 1) * self.net.width

    @property
    def layered(self) -> bool:
        """Whether the data were given per layer (:meth:`from_layers`)."""
        return self.mask is not None

    @staticmethod
    def _nodes(name, nodes, n, D):
        idx = np.arange(n) if nodes is None else np.asarray(nodes)
        if idx.dtype.kind not in "iu":
            raise TypeError(f"{name} must be integer node indices, got {nodes!r}")
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
    def n_unknowns(self) -> int:
        """States of every pair and layer, and the weights."""
        return self.nx + self.net.n_weights

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
        return 1.0 - (self.K * self.D + self.net.n_weights) / self.n_measured

    def model_weights(self, Rf) -> float:
        """Weight of each squared model residual in the normalised action."""
        return float(Rf) / (self.K * self.net.n_layers * self.D)

    def split(self, z):
        """Packed vector -> (states (K, n_layers + 1, D), θ)."""
        z = np.asarray(z, dtype=float)
        return z[:self.nx].reshape(self.K, self.net.n_layers + 1, self.D), z[self.nx:]

    def pack(self, X, theta) -> np.ndarray:
        return np.concatenate([np.asarray(X, float).ravel(), np.asarray(theta, float)])

    def input_states(self) -> np.ndarray:
        """Layer-0 states from the inputs (unmeasured nodes 0), (K, D)."""
        if self.layered:
            return self.Y[:, 0].copy()                  # zero where not measured
        x0 = np.zeros((self.K, self.D))
        x0[:, self.in_nodes] = self.U
        return x0

    # ---------------------------------------------------------------- the action
    def _measurement(self, X, grad: bool):
        """Measurement term of states X and, with ``grad``, its gradient (K, n_layers+1, D)."""
        if self.layered:
            dm = np.where(self.mask, X - self.Y, 0.0)
            return self.w_meas * np.sum(dm * dm), (2 * self.w_meas * dm if grad else None)
        din = X[:, 0, self.in_nodes] - self.U
        dout = X[:, -1, self.out_nodes] - self.V
        meas = self.w_meas * (np.sum(din ** 2) + np.sum(dout ** 2))
        if not grad:
            return meas, None
        gX = np.zeros_like(X)
        gX[:, 0, self.in_nodes] += 2 * self.w_meas * din
        gX[:, -1, self.out_nodes] += 2 * self.w_meas * dout
        return meas, gX

    def meas_precision(self) -> np.ndarray:
        """Weight of each squared measurement residual, (K, n_layers + 1, D) (0 where not
        measured): the measurement term's Hessian is twice its diagonal."""
        if self.layered:
            return self.w_meas * self.mask
        w = np.zeros((self.K, self.net.n_layers + 1, self.D))
        w[:, 0, self.in_nodes] += self.w_meas
        w[:, -1, self.out_nodes] += self.w_meas
        return w

    def _layer_terms(self, X, theta):
        W, b = self.net.weights(theta)
        g, dg = ACTIVATIONS[self.net.activation]
        a = np.einsum("klj,lij->kli", X[:, :-1], W) + b[None]
        if self.drive is not None:
            a = a + self.net.drive_term(theta, self.drive)
        ga = g(a)
        f = X[:, :-1] + self.net.h * ga if self.net.residual else ga
        return W, a, ga, dg(a, ga), X[:, 1:] - f

    def layer_residual(self, X, theta) -> np.ndarray:
        """Model residual x(l+1) - f(x(l)) of states X, (K, n_layers, D)."""
        return self._layer_terms(np.asarray(X, dtype=float), theta)[-1]

    def action(self, z, Rf, grad: bool = False) -> ActionValue:
        """The action of packed ``z`` at ``Rf`` and its two terms; with ``grad`` its exact
        gradient: ``grad_x`` (K, n_layers + 1, D) over states, ``grad_p`` (n_weights,)."""
        X, theta = self.split(z)
        W, a, ga, dga, r = self._layer_terms(X, theta)
        wf = self.model_weights(Rf)
        meas, gX = self._measurement(X, grad)
        mod = wf * np.sum(r ** 2)
        if not grad:
            return ActionValue(meas + mod, meas, mod)
        wr = 2 * wf * r
        gX[:, 1:] += wr
        s = wr * self.net.h * dga                              # ∂/∂a of -f, weighted
        if self.net.residual:
            gX[:, :-1] -= wr
        gX[:, :-1] -= np.einsum("kli,lij->klj", s, W)
        gW = -np.einsum("kli,klj->lij", s, X[:, :-1])
        gb = -s.sum(axis=0)
        gV = None if self.drive is None else -np.einsum("kli,klm->lim", s, self.drive)
        return ActionValue(meas + mod, meas, mod, gX, self.net.pack_grad(gW, gb, gV))

    def evaluator(self, Rf):
        return _NetworkEvaluator(self, Rf)

    # ---------------------------------------------------------------- strong constraint
    def strong_loss_grad(self, theta, return_momentum: bool = False):
        """The R_f → ∞ loss and its gradient by backpropagation: see
        :func:`dalearn.network.strong_loss_grad`."""
        return strong_loss_grad(self, theta, return_momentum)

    def predict(self, theta, inputs, drive=None) -> np.ndarray:
        """Network outputs (K', n_out) for inputs (K', n_in) (and the drive (K', n_layers,
        n_drive) of a driven network).  A problem with data per layer has no input and output
        nodes: run ``problem.net.forward(theta, x0, drive)`` for its states."""
        if self.layered:
            raise ValueError("predict needs input and output nodes; this problem has data per "
                             "layer: use problem.net.forward(theta, x0, drive)")
        x0 = np.zeros((len(inputs), self.D))
        x0[:, self.in_nodes] = inputs
        return self.net.forward(theta, x0, drive)[:, -1, self.out_nodes]

    # ---------------------------------------------------------------- annealing protocol
    def initial_vectors(self, n, rng, init_range=None, param_range=None):
        """Starting states U(init_range) with measured nodes on the data, weights
        U(±weight_scale/√D) (or ``param_range={'weights': (lo, hi)}``)."""
        lo, hi = init_range or self.default_init_range
        X0 = rng.uniform(lo, hi, (n, self.K, self.net.n_layers + 1, self.D))
        if self.layered:
            X0 = np.where(self.mask, self.Y, X0)
        else:
            X0[:, :, 0, self.in_nodes] = self.U
            X0[:, :, -1, self.out_nodes] = self.V
        wl, wh = (param_range or {}).get("weights", (-self.weight_scale / np.sqrt(self.D),
                                                     self.weight_scale / np.sqrt(self.D)))
        P0 = rng.uniform(wl, wh, (n, self.net.n_weights))
        return [self.pack(X0[i], P0[i]) for i in range(n)], X0, P0

    def describe(self) -> dict:
        n = self.net
        net = {"width": n.width, "n_layers": n.n_layers, "activation": n.activation,
               "residual": n.residual, "T": n.T, "shared": n.shared, "biases": n.biases}
        if n.n_drive:
            net["n_drive"] = n.n_drive
        if self.layered:
            where = {"measured_per_layer": self.mask.sum(axis=(0, 2)).tolist()}
        else:
            where = {"in_nodes": self.in_nodes.tolist(), "out_nodes": self.out_nodes.tolist()}
        return {"network": net, "K": self.K, **where, "Rm": self.Rm_measured,
                "expected_level": self.expected_level}


class _NetworkEvaluator:
    """The evaluator interface of :mod:`dalearn.optimize` for a NetworkProblem."""

    def __init__(self, problem: NetworkProblem, Rf):
        self.pb, self.Rf = problem, float(Rf)

    def terms(self, z) -> ActionValue:
        return self.pb.action(z, self.Rf)

    def value(self, z) -> float:
        return self.pb.action(z, self.Rf).total

    def value_grad(self, z):
        a = self.pb.action(z, self.Rf, grad=True)
        return a.total, np.concatenate([a.grad_x.ravel(), a.grad_p])

    #: exact second derivatives are available for every network (see ``_hessian``)
    has_hessian = True
    #: no bounds on states or weights
    bounds = None

    def hessian(self, z):
        """Gradient and exact Hessian blocks (states banded by pair and layer, weights
        the border)."""
        return network_hessian(self.pb, z, self.Rf, exact=True)

    def gauss_newton(self, z, exact: bool = False):
        return network_hessian(self.pb, z, self.Rf, exact=exact)

    def meas_gradient(self, z) -> np.ndarray:
        """The measurement term's gradient in packed order (zero on the weights)."""
        X, _ = self.pb.split(z)
        gX = self.pb._measurement(X, True)[1]
        return np.concatenate([gX.ravel(), np.zeros(np.size(z) - gX.size)])


def _sigma_in_range(sigma: float) -> float:
    """sigma whose R = 1/sigma**2 is a finite, non-zero float."""
    if not 1e-150 < float(sigma) < 1e150:
        raise ValueError(f"sigma must lie between 1e-150 and 1e150 (R = 1/sigma**2 must be a "
                         f"finite non-zero number), got {sigma:g}")
    return float(sigma)
