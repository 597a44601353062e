"""A network of fixed width as a dynamical system: the layer index is time."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._checks import check_int, check_positive, check_real_array
from ..models import ACTIVATIONS

__all__ = ["Network"]


@dataclass(frozen=True)
class Network:
    """Architecture: ``width`` nodes in every layer, ``n_layers`` maps between layers.

    ``biases=False`` (keyword): every bias is zero and not a parameter, so θ holds the
    weight matrices only (the group's network twin estimates weights only).
    ``n_drive`` (keyword, default 0): channels of a known input sequence u(l) (K, n_layers,
    n_drive) that enters every layer map through input weights V(l) (D, n_drive), a driven
    (for ``shared=True``: a classic recurrent) network, a(l) = W x(l) + V u(l) + b."""
    width: int
    n_layers: int
    activation: str = "tanh"
    residual: bool = True
    T: float = 1.0
    shared: bool = False
    biases: bool = field(default=True, kw_only=True)
    n_drive: int = field(default=0, kw_only=True)

    def __post_init__(self):
        for name in ("width", "n_layers"):
            check_int(name, getattr(self, name), 1)
        check_int("n_drive", self.n_drive, 0)
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
        """Entries of θ per weight set: D² (+ D n_drive input weights) (+ D biases)."""
        return self.width ** 2 + self.width * self.n_drive + (self.width if self.biases else 0)

    @property
    def n_weights(self) -> int:
        return self.n_sets * self.set_size

    def _sets(self, theta):
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.n_weights,):
            raise ValueError(f"theta must have {self.n_weights} entries, got {theta.shape}")
        return theta.reshape(self.n_sets, self.set_size)

    def weights(self, theta):
        """θ -> W (n_layers, D, D), b (n_layers, D) (views repeated when shared; b is zeros
        without biases).  Per weight set θ holds W row-major, then V (:meth:`drive_weights`),
        then b."""
        D = self.width
        sets = self._sets(theta)
        W = sets[:, :D * D].reshape(-1, D, D)
        b = sets[:, D * (D + self.n_drive):] if self.biases else np.zeros((self.n_sets, D))
        if self.shared:
            W = np.broadcast_to(W, (self.n_layers, D, D))
            b = np.broadcast_to(b, (self.n_layers, D))
        return W, b

    def drive_weights(self, theta) -> np.ndarray:
        """θ -> input weights V (n_layers, D, n_drive) (repeated views when shared)."""
        D, nd = self.width, self.n_drive
        V = self._sets(theta)[:, D * D:D * (D + nd)].reshape(-1, D, nd)
        return np.broadcast_to(V, (self.n_layers, D, nd)) if self.shared else V

    def check_drive(self, drive, K: int, name: str = "drive"):
        """The input sequence for K pairs as (K, n_layers, n_drive), or None for an undriven
        network; ValueError naming ``name`` if it is missing, extra, mis-shaped or not finite."""
        if self.n_drive == 0:
            if drive is not None:
                raise ValueError(f"{name} given for a network without drive inputs (n_drive=0)")
            return None
        if drive is None:
            raise ValueError(f"{name} must be given: this network has n_drive={self.n_drive} "
                             f"input channels, shape (K, n_layers, n_drive)")
        u = check_real_array(name, drive)
        want = (K, self.n_layers, self.n_drive)
        if u.shape != want:
            raise ValueError(f"{name} must have shape (K, n_layers, n_drive) = {want}, "
                             f"got {u.shape}")
        if not np.all(np.isfinite(u)):
            raise ValueError(f"{name} must be finite (a drive is known at every layer)")
        return u

    def drive_term(self, theta, drive) -> np.ndarray | float:
        """V(l) u^k(l) for every pair and layer, (K, n_layers, D); 0.0 without drive."""
        if drive is None:
            return 0.0
        return np.einsum("klm,lim->kli", drive, self.drive_weights(theta))

    def weight_names(self) -> tuple:
        """Names of the entries of θ: per weight set s, ``W{s}[i,j]`` row-major, then
        ``V{s}[i,m]`` (input weights, if driven), then ``b{s}[i]`` (none without biases)."""
        D = self.width
        return tuple(name for s in range(self.n_sets) for name in
                     [f"W{s}[{i},{j}]" for i in range(D) for j in range(D)]
                     + [f"V{s}[{i},{m}]" for i in range(D) for m in range(self.n_drive)]
                     + ([f"b{s}[{i}]" for i in range(D)] if self.biases else []))

    def pack_grad(self, gW, gb, gV=None) -> np.ndarray:
        """Per-layer gradients (n_layers, D, D), (n_layers, D) [and (n_layers, D, n_drive)]
        -> θ layout (summed if shared; ``gb`` dropped without biases)."""
        if self.shared:
            gW, gb = gW.sum(axis=0, keepdims=True), gb.sum(axis=0, keepdims=True)
            if gV is not None:
                gV = gV.sum(axis=0, keepdims=True)
        parts = [gW.reshape(self.n_sets, -1)]
        if self.n_drive:
            parts.append(gV.reshape(self.n_sets, -1))
        parts += [gb] if self.biases else []
        return np.concatenate(parts, axis=1).ravel()

    def random_weights(self, rng: np.random.Generator, scale: float = 1.0,
                       bias: float = 0.5, drive_scale: float = 1.0) -> np.ndarray:
        """W ~ N(0, scale²/D), b ~ N(0, bias²), V ~ N(0, drive_scale²/n_drive) for every
        weight set (W only without biases; the W and b drawn from one generator state are
        the same with or without drive, V is drawn last)."""
        D = self.width
        W = rng.normal(0.0, scale / np.sqrt(D), (self.n_sets, D * D))
        if not self.biases and not self.n_drive:
            return W.ravel()
        parts = [W]
        if self.biases:
            b = rng.normal(0.0, bias, (self.n_sets, D))
        if self.n_drive:
            parts.append(rng.normal(0.0, drive_scale / np.sqrt(self.n_drive),
                                    (self.n_sets, D * self.n_drive)))
        if self.biases:
            parts.append(b)
        return np.concatenate(parts, axis=1).ravel()

    def forward(self, theta, x0, drive=None) -> np.ndarray:
        """States of every layer from inputs ``x0`` (K, D) (and the ``drive`` (K, n_layers,
        n_drive) of a driven network): (K, n_layers + 1, D)."""
        W, b = self.weights(theta)
        g = ACTIVATIONS[self.activation][0]
        x0 = np.asarray(x0, dtype=float)
        if x0.ndim != 2 or x0.shape[1] != self.width:
            raise ValueError(f"x0 must be inputs of shape (K, width={self.width}), got "
                             f"{x0.shape}")
        u = self.check_drive(drive, x0.shape[0])
        Vu = self.drive_term(theta, u) if u is not None else None
        X = np.empty((x0.shape[0], self.n_layers + 1, self.width))
        X[:, 0] = x0
        for l in range(self.n_layers):
            a = X[:, l] @ W[l].T + b[l]
            if Vu is not None:
                a = a + Vu[:, l]
            X[:, l + 1] = (X[:, l] + self.h * g(a)) if self.residual else g(a)
        return X
