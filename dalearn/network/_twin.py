"""A teacher network and its data: the twin experiment of network training."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import as_generator, check_int, check_positive
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
    return NetworkTwin(teacher, theta, U_tr, V_tr, U[K_train:], V[K_train:], sigma,
                       U_train_clean=U[:K_train])
