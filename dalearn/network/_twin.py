"""A teacher network and its data: the twin experiment of network training (data at the two
ends of a feedforward or recurrent teacher, or at every layer of a driven recurrent one)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import as_generator, check_choice, check_int, check_memory, check_positive
from ._architecture import Network
from ._measurement import check_nodes
from ._problem import NetworkProblem

__all__ = ["NetworkTwin", "network_twin", "DrivenTwin", "driven_twin"]


@dataclass(frozen=True)
class NetworkTwin:
    """A teacher network, its weights, noisy training pairs and clean held-out pairs;
    ``U_train_clean`` holds the training inputs before the noise was added."""
    teacher: Network
    theta: np.ndarray
    U_train: np.ndarray
    V_train: np.ndarray
    U_test: np.ndarray
    V_test: np.ndarray
    sigma: float
    U_train_clean: np.ndarray | None = None

    def problem(self, student: Network, **kwargs) -> NetworkProblem:
        """The training problem of ``student`` on the teacher's noisy pairs."""
        return NetworkProblem(student, self.U_train, self.V_train, sigma=self.sigma, **kwargs)

    def clean_input_problem(self, student: Network, **kwargs) -> NetworkProblem:
        """The same training problem with the noise-free inputs (noisy outputs kept): what
        training would see without errors in the variables."""
        if self.U_train_clean is None:
            raise ValueError("this twin was made without its clean training inputs")
        return NetworkProblem(student, self.U_train_clean, self.V_train, sigma=self.sigma,
                              **kwargs)

    def heldout_error(self, problem: NetworkProblem, theta) -> float:
        """RMS of the student's outputs against the teacher's clean held-out outputs."""
        return float(np.sqrt(np.mean((problem.predict(theta, self.U_test) - self.V_test) ** 2)))


#: teacher weight distributions and input distributions of :func:`network_twin`
TEACHER_WEIGHTS = ("normal", "uniform")
TEACHER_INPUTS = ("uniform", "standardised")


def check_network_memory(what: str, width, n_layers, K: int) -> None:
    """Refuse, before any allocation, a network whose layer states (K, n_layers + 1, width),
    weights and banded annealing matrices would not fit (see :func:`dalearn._checks.check_memory`)."""
    width = check_int("width", width, 1)
    n_layers = check_int("n_layers", n_layers, 1)
    states = float(K) * (n_layers + 1) * width
    weights = float(n_layers) * width * (width + 1)
    check_memory(f"{what} (width {width}, {n_layers} layers, {K} pairs)",
                 8.0 * (8 * states + 4 * weights + 12 * width * (states + weights)))


def network_twin(width: int = 10, n_layers: int = 100, activation: str = "tanh",
                 T: float = 1.0, shared: bool = True, K_train: int = 20, K_test: int = 200,
                 sigma: float = 0.01, weight_scale: float = 1.5, seed=0, *,
                 residual: bool = True, biases: bool = True, weights: str = "normal",
                 inputs: str = "uniform") -> NetworkTwin:
    """Seeded teacher network and its data: all ``width`` nodes measured at both ends,
    Gaussian noise ``sigma`` on the training inputs and outputs, clean held-out pairs.

    Defaults: dalearn's teacher, a deep residual network (``residual``, ``biases``) with
    ``weights="normal"``: W ~ N(0, weight_scale²/width), b ~ N(0, 0.5²); inputs
    ``"uniform"`` in [-1, 1]^width.  The group's teacher (varanneal's examples/nnet_twin,
    data/gen_params.py and gen_io_pairs.py): ``residual=False, biases=False,
    weights="uniform"`` — W ~ U(-1, 1) weight_scale/width (biases, if any, zero) — and
    ``inputs="standardised"``: each input vector drawn N(0, 1)^width and then shifted and
    scaled to mean 0 and standard deviation 1 over its nodes.
    """
    check_int("K_train", K_train, 1)
    check_int("K_test", K_test, 1)
    sigma = check_positive("sigma", sigma)
    weight_scale = check_positive("weight_scale", weight_scale)
    check_choice("weights", weights, TEACHER_WEIGHTS)
    check_choice("inputs", inputs, TEACHER_INPUTS)
    check_network_memory("network_twin", width, n_layers, K_train + K_test)
    teacher = Network(width, n_layers, activation, residual=residual, T=T, shared=shared,
                      biases=biases)
    rng = as_generator(seed)
    if weights == "normal":
        theta = teacher.random_weights(rng, weight_scale)
    else:
        theta = np.zeros((teacher.n_sets, teacher.set_size))
        theta[:, :width * width] = rng.uniform(-1.0, 1.0, (teacher.n_sets, width * width)) \
            * (weight_scale / width)
        theta = theta.ravel()
    K = K_train + K_test
    if inputs == "uniform":
        U = rng.uniform(-1.0, 1.0, (K, width))
    else:
        if width < 2:
            raise ValueError(f"inputs='standardised' needs width >= 2, got {width}")
        U = rng.normal(0.0, 1.0, (K, width))
        U = (U - U.mean(axis=1, keepdims=True)) / U.std(axis=1, keepdims=True)
    V = teacher.forward(theta, U)[:, -1]
    U_tr = U[:K_train] + rng.normal(0, sigma, (K_train, width))
    V_tr = V[:K_train] + rng.normal(0, sigma, (K_train, width))
    return NetworkTwin(teacher, theta, U_tr, V_tr, U[K_train:], V[K_train:], sigma,
                       U_train_clean=U[:K_train])


#: input sequences of :func:`driven_twin`
DRIVE_SIGNALS = ("smooth", "white")


@dataclass(frozen=True)
class DrivenTwin:
    """A driven recurrent teacher and its data at every layer.

    ``drive_train`` (K, n_layers, n_drive) and ``drive_test``: the known input sequences;
    ``X_train``/``X_test`` (K, n_layers + 1, D): the teacher's clean states (layer 0 the
    initial state, the pair's input); ``Y_train``: ``X_train`` plus Gaussian noise ``sigma``
    on every node of every layer (a problem's mask chooses which of them are measured)."""
    teacher: Network
    theta: np.ndarray
    drive_train: np.ndarray
    X_train: np.ndarray
    Y_train: np.ndarray
    drive_test: np.ndarray
    X_test: np.ndarray
    sigma: float

    def mask(self, layers: str = "all", nodes=None) -> np.ndarray:
        """Measured (layer, node), (n_layers + 1, D): every node of layer 0 (the pair's input)
        and ``nodes`` (default all) of every later layer (``layers="all"``) or of the last
        one only (``"ends"``: the first/last-layer problem of a feedforward network)."""
        check_choice("layers", layers, ("all", "ends"))
        D, L = self.teacher.width, self.teacher.n_layers
        idx = check_nodes("nodes", nodes, D if nodes is None else len(nodes), D)
        m = np.zeros((L + 1, D), dtype=bool)
        m[0] = True
        m[1 if layers == "all" else L:, idx] = True
        return m

    def problem(self, student: Network, layers: str = "all", nodes=None,
                **kwargs) -> NetworkProblem:
        """The training problem of ``student`` (same n_layers and n_drive as the teacher) on
        the noisy states measured where :meth:`mask` says."""
        return NetworkProblem.from_layers(student, self.Y_train, self.mask(layers, nodes),
                                          sigma=self.sigma, drive=self.drive_train, **kwargs)

    def heldout_error(self, problem: NetworkProblem, theta, nodes=None) -> float:
        """RMS over held-out pairs, layers 1..n_layers and ``nodes`` (default all) of the
        student run forward from the clean initial states with the held-out drive, against
        the teacher's clean states."""
        idx = slice(None) if nodes is None else np.asarray(nodes)
        X = problem.net.forward(theta, self.X_test[:, 0], self.drive_test)
        return float(np.sqrt(np.mean((X[:, 1:, idx] - self.X_test[:, 1:, idx]) ** 2)))

    def weight_error(self, theta) -> float:
        """RMS of θ - the teacher's θ (a student of the teacher's architecture)."""
        theta = np.asarray(theta, dtype=float)
        if theta.shape != self.theta.shape:
            raise ValueError(f"theta must have the teacher's {self.theta.size} entries, got "
                             f"{theta.shape}")
        return float(np.sqrt(np.mean((theta - self.theta) ** 2)))


def driven_twin(width: int = 4, n_layers: int = 20, n_drive: int = 1, K_train: int = 10,
                K_test: int = 100, sigma: float = 0.05, weight_scale: float = 1.5,
                drive_scale: float = 1.0, seed=0, *, activation: str = "tanh",
                residual: bool = True, T: float = 1.0, biases: bool = True,
                signal: str = "smooth") -> DrivenTwin:
    """Seeded recurrent teacher driven by an input sequence, x(l+1) = f(W x(l) + V u(l) + b)
    (shared weights; W ~ N(0, weight_scale²/width), V ~ N(0, drive_scale²/n_drive),
    b ~ N(0, 0.5²)), its states at every layer with Gaussian noise ``sigma``, and clean
    held-out pairs.  Initial states uniform in [-1, 1]^width.  ``signal="smooth"``: each
    channel a sum of three sines (1, 2 and 3 periods over the sequence, random amplitudes and
    phases) scaled to unit RMS; ``"white"``: independent N(0, 1) per layer."""
    check_int("n_drive", n_drive, 1)
    check_int("K_train", K_train, 1)
    check_int("K_test", K_test, 1)
    sigma = check_positive("sigma", sigma)
    weight_scale = check_positive("weight_scale", weight_scale)
    drive_scale = check_positive("drive_scale", drive_scale)
    check_choice("signal", signal, DRIVE_SIGNALS)
    teacher = Network(width, n_layers, activation, residual=residual, T=T, shared=True,
                      biases=biases, n_drive=n_drive)
    rng = as_generator(seed)
    theta = teacher.random_weights(rng, weight_scale, drive_scale=drive_scale)
    K = K_train + K_test
    if signal == "smooth":
        s = np.arange(n_layers) / n_layers
        amp = rng.normal(size=(K, n_drive, 3))
        phase = rng.uniform(0, 2 * np.pi, (K, n_drive, 3))
        u = np.einsum("kcj,kcjl->klc", amp,
                      np.sin(2 * np.pi * np.arange(1, 4)[None, None, :, None] * s
                             + phase[..., None]))
        u /= np.sqrt(np.mean(u ** 2, axis=1, keepdims=True))
    else:
        u = rng.normal(size=(K, n_layers, n_drive))
    X = teacher.forward(theta, rng.uniform(-1.0, 1.0, (K, width)), u)
    Y = X[:K_train] + rng.normal(0.0, sigma, X[:K_train].shape)
    return DrivenTwin(teacher, theta, u[:K_train], X[:K_train], Y, u[K_train:], X[K_train:],
                      sigma)
