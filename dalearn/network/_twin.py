"""A teacher network and its data: the twin experiment of network training."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import as_generator, check_choice, check_int, check_positive
from ._architecture import Network
from ._problem import NetworkProblem

__all__ = ["NetworkTwin", "network_twin"]


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
