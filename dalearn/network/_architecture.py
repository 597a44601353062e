"""A network of fixed width as a dynamical system: the layer index is time."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._checks import check_int, check_positive
from ..models import ACTIVATIONS

__all__ = ["Network"]


@dataclass(frozen=True)
class Network:
    """Architecture: ``width`` nodes in every layer, ``n_layers`` maps between layers.

    ``biases=False`` (keyword): every bias is zero and not a parameter, so θ holds the
    weight matrices only (the group's network twin estimates weights only)."""
    width: int
    n_layers: int
    activation: str = "tanh"
    residual: bool = True
    T: float = 1.0
    shared: bool = False
    biases: bool = field(default=True, kw_only=True)

    def __post_init__(self):
        for name in ("width", "n_layers"):
            check_int(name, getattr(self, name), 1)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, "
                             f"got {self.activation!r}")
        check_positive("T", self.T)
        for name in ("residual", "shared", "biases"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")

    @property
    def h(self) -> float:
        """Layer step: T / n_layers for a residual network, 1 for a plain one."""
        return self.T / self.n_layers if self.residual else 1.0

    @property
    def n_sets(self) -> int:
        return 1 if self.shared else self.n_layers

    @property
    def set_size(self) -> int:
        """Entries of θ per weight set: D² (+ D biases)."""
        return self.width ** 2 + (self.width if self.biases else 0)

    @property
    def n_weights(self) -> int:
        return self.n_sets * self.set_size

    def weights(self, theta):
        """θ -> W (n_layers, D, D), b (n_layers, D) (views repeated when shared; b is zeros
        without biases)."""
        D = self.width
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.n_weights,):
            raise ValueError(f"theta must have {self.n_weights} entries, got {theta.shape}")
        sets = theta.reshape(self.n_sets, self.set_size)
        W = sets[:, :D * D].reshape(-1, D, D)
        b = sets[:, D * D:] if self.biases else np.zeros((self.n_sets, D))
        if self.shared:
            W = np.broadcast_to(W, (self.n_layers, D, D))
            b = np.broadcast_to(b, (self.n_layers, D))
        return W, b

    def weight_names(self) -> tuple:
        """Names of the entries of θ: per weight set s, ``W{s}[i,j]`` row-major, then
        ``b{s}[i]`` (none without biases)."""
        D = self.width
        return tuple(name for s in range(self.n_sets) for name in
                     [f"W{s}[{i},{j}]" for i in range(D) for j in range(D)]
                     + ([f"b{s}[{i}]" for i in range(D)] if self.biases else []))

    def pack_grad(self, gW, gb) -> np.ndarray:
        """Per-layer gradients (n_layers, D, D), (n_layers, D) -> θ layout (summed if shared;
        ``gb`` dropped without biases)."""
        if self.shared:
            gW, gb = gW.sum(axis=0, keepdims=True), gb.sum(axis=0, keepdims=True)
        parts = [gW.reshape(self.n_sets, -1)] + ([gb] if self.biases else [])
        return np.concatenate(parts, axis=1).ravel()

    def random_weights(self, rng: np.random.Generator, scale: float = 1.0,
                       bias: float = 0.5) -> np.ndarray:
        """W ~ N(0, scale²/D), b ~ N(0, bias²) for every weight set (W only without
        biases; the W drawn from one generator state are the same either way)."""
        D = self.width
        W = rng.normal(0.0, scale / np.sqrt(D), (self.n_sets, D * D))
        if not self.biases:
            return W.ravel()
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
