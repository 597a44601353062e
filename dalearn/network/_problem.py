"""Training a network as data assimilation: the weak-constraint action over states and
weights, and the annealing contract."""
from __future__ import annotations

import numpy as np

from ..problem import ActionValue
from .._checks import check_positive, check_precision
from ..models import ACTIVATIONS
from ._architecture import Network
from ._backprop import strong_loss_grad
from ._hessian import network_hessian
from ._measurement import EndsMeasurement, LayerMeasurement

__all__ = ["NetworkProblem"]


def _data(name: str, doc: str) -> property:
    """A read-only view of the measurement's ``name`` (None for the other kind of data)."""
    return property(lambda self: getattr(self.measurement, name, None),
                    doc=f"{doc}, or None for the other kind of data.")


class NetworkProblem:
    """Training a :class:`Network` on pairs (inputs (K, n_in), outputs (K, n_out)) as SDA.

    ``in_nodes``/``out_nodes``: which nodes of layer 0 / the last layer are measured
    (default: the first n_in / n_out).  ``sigma`` (noise std) sets R_m = 1/sigma²
    (``Rm_measured``; ``Rm`` is (D,) per node, 0 where unmeasured) unless ``Rm`` is given.
    ``drive`` (K, n_layers, n_drive): the known input sequence of a driven network
    (``Network(..., n_drive=...)``), required exactly when the network has drive inputs.
    Data at every layer (a recurrent network observed at every step, the analogue of data
    at every time): :meth:`from_layers`.  ``measurement`` holds the data of either kind
    (:class:`EndsMeasurement` or :class:`LayerMeasurement`) and computes its terms.
    It is :class:`dalearn.Annealable`, so :func:`dalearn.anneal` trains it by precision
    annealing (optimiser: see :attr:`methods`).
    """

    @property
    def methods(self) -> tuple:
        """Optimisers, the default first: 'newton' for a recurrent (shared-weight) network
        fitted to more numbers than it has free ones (well-conditioned minima); 'hybrid'
        (L-BFGS-B through the nonconvex region, then Newton to finish and verify) for such a
        feedforward one; 'lbfgsb' when the expected level is <= 0 (a singular Hessian at
        the exact fits).  Why, and the benchmark: docs/decisions.md."""
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
        meas = EndsMeasurement(inputs, outputs, in_nodes, out_nodes, network.width)
        self._setup(meas, sigma, Rm, drive, weight_scale)

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
        meas = LayerMeasurement(data, mask, network.n_layers, network.width)
        self._setup(meas, sigma, Rm, drive, weight_scale)
        return self

    def _check_network(self, network):
        if not isinstance(network, Network):
            raise TypeError(f"network must be a dalearn Network, got {type(network).__name__}")
        self.net = network

    def _setup(self, measurement, sigma, Rm, drive, weight_scale):
        _, self.Rm_measured = check_precision(sigma, Rm)
        self.drive = self.net.check_drive(drive, measurement.K)
        #: where the data are: :class:`EndsMeasurement` or :class:`LayerMeasurement`
        self.measurement = measurement
        self.K = measurement.K
        self.weight_scale = check_positive("weight_scale", weight_scale)
        #: measured numbers over all pairs (K (n_in + n_out) for the first/last-layer problem)
        self.n_measured = measurement.n_measured
        self.w_meas = self.Rm_measured / self.n_measured
        Rm_vec = np.zeros(self.net.width)
        Rm_vec[measurement.measured_nodes] = self.Rm_measured
        self.Rm = Rm_vec
        self.nx = self.K * (self.net.n_layers + 1) * self.net.width

    @property
    def layered(self) -> bool:
        """Whether the data were given per layer (:meth:`from_layers`)."""
        return isinstance(self.measurement, LayerMeasurement)

    # the data of each kind, read from the measurement (None for the other kind)
    U = _data("U", "Inputs (K, n_in)")
    V = _data("V", "Outputs (K, n_out)")
    in_nodes = _data("in_nodes", "Measured nodes of layer 0")
    out_nodes = _data("out_nodes", "Measured nodes of the last layer")
    Y = _data("Y", "Data per layer (K, n_layers + 1, D), 0 where not measured")
    mask = _data("mask", "Measured entries per layer (K, n_layers + 1, D)")

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
        """The expected level as R_f → ∞, 1 - (K D + n_W)/(measured numbers): the layer-0
        states and the weights are fitted (:func:`dalearn.levels.expected_level`; at a finite
        R_f: :func:`dalearn.levels.level_at`).  Negative when the free numbers outnumber
        the data."""
        from ..levels import expected_level
        return expected_level(self.n_measured, self.K * self.D + self.net.n_weights).mean

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
        return self.measurement.input_states(self.D)

    # ---------------------------------------------------------------- the action
    def _measurement(self, X, grad: bool):
        """Measurement term of states X and, with ``grad``, its gradient (K, n_layers+1, D)."""
        return self.measurement.term(X, self.w_meas, grad)

    def meas_precision(self) -> np.ndarray:
        """Weight of each squared measurement residual, (K, n_layers + 1, D) (0 where not
        measured): the measurement term's Hessian is twice its diagonal."""
        return self.measurement.precision(self.w_meas, (self.K, self.net.n_layers + 1, self.D))

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
        if not isinstance(self.measurement, EndsMeasurement):
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
        X0 = self.measurement.fill(rng.uniform(lo, hi, (n, self.K, self.net.n_layers + 1,
                                                        self.D)))
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
        return {"network": net, "K": self.K, **self.measurement.describe(),
                "Rm": self.Rm_measured, "expected_level": self.expected_level}

    def result_meta(self) -> dict:
        """What an annealing result records of the problem (see :class:`dalearn.Annealable`)."""
        return {"t": self.t, "Rm": self.Rm.copy(), "param_names": tuple(self.param_names),
                "estimate": tuple(self.estimate), "expected_level": float(self.expected_level),
                "init_range": self.default_init_range, "describe": self.describe()}


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

