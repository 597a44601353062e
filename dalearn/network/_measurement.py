"""Where a network's data are: at its two ends (inputs and outputs) or at any layer.

Each kind holds its data and computes, for states X (K, n_layers + 1, D) and the weight ``w``
of one squared measurement residual: the measurement term and its gradient, the weight of
every squared residual, the layer-0 states of the forward pass, the measured starting states,
and the measurement part of the strong-constraint loss (see
:func:`dalearn.network.strong_loss_grad`).
"""
from __future__ import annotations

import numpy as np

from .._checks import check_real_array

__all__ = ["EndsMeasurement", "LayerMeasurement", "check_nodes"]


def check_nodes(name: str, nodes, n: int, D: int) -> np.ndarray:
    """``n`` distinct node indices in 0..D-1 (default: the first ``n``)."""
    idx = np.arange(n) if nodes is None else np.asarray(nodes)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integer node indices, got {nodes!r}")
    if idx.ndim != 1 or len(idx) != n or len(np.unique(idx)) != n or \
            np.any(idx < 0) or np.any(idx >= D):
        raise ValueError(f"{name} must be {n} distinct node indices in 0..{D - 1}, got {nodes}")
    return idx.astype(int)


class EndsMeasurement:
    """Inputs ``U`` (K, n_in) measured at the ``in_nodes`` of layer 0, outputs ``V``
    (K, n_out) at the ``out_nodes`` of the last layer."""

    def __init__(self, inputs, outputs, in_nodes, out_nodes, D: int):
        U = check_real_array("inputs", inputs, 2)
        V = check_real_array("outputs", outputs, 2)
        if U.shape[0] != V.shape[0] or U.shape[0] < 1:
            raise ValueError(f"inputs (K, n_in) and outputs (K, n_out) must be 2-D with the same "
                             f"K >= 1, got {U.shape} and {V.shape}")
        if not (np.all(np.isfinite(U)) and np.all(np.isfinite(V))):
            raise ValueError("inputs and outputs must be finite")
        self.in_nodes = check_nodes("in_nodes", in_nodes, U.shape[1], D)
        self.out_nodes = check_nodes("out_nodes", out_nodes, V.shape[1], D)
        self.U, self.V = U, V
        self.K = U.shape[0]
        #: measured numbers over all pairs, K (n_in + n_out)
        self.n_measured = self.K * (len(self.in_nodes) + len(self.out_nodes))
        self.measured_nodes = np.union1d(self.in_nodes, self.out_nodes)

    def term(self, X, w: float, grad: bool):
        """(measurement term, its gradient (K, n_layers + 1, D) or None)."""
        din = X[:, 0, self.in_nodes] - self.U
        dout = X[:, -1, self.out_nodes] - self.V
        meas = w * (np.sum(din ** 2) + np.sum(dout ** 2))
        if not grad:
            return meas, None
        gX = np.zeros_like(X)
        gX[:, 0, self.in_nodes] += 2 * w * din
        gX[:, -1, self.out_nodes] += 2 * w * dout
        return meas, gX

    def precision(self, w: float, shape) -> np.ndarray:
        """Weight of each squared residual, ``shape`` (K, n_layers + 1, D), 0 if unmeasured."""
        out = np.zeros(shape)
        out[:, 0, self.in_nodes] += w
        out[:, -1, self.out_nodes] += w
        return out

    def input_states(self, D: int) -> np.ndarray:
        """Layer-0 states (K, D): the inputs on the input nodes, 0 elsewhere."""
        x0 = np.zeros((self.K, D))
        x0[:, self.in_nodes] = self.U
        return x0

    def fill(self, X0) -> np.ndarray:
        """Starting states (n, K, n_layers + 1, D) with the measured entries on the data."""
        X0[:, :, 0, self.in_nodes] = self.U
        X0[:, :, -1, self.out_nodes] = self.V
        return X0

    def strong_term(self, X, w: float):
        """(loss, λ's measurement part (K, n_layers + 1, D)) with the inputs clamped: the
        outputs' misfit."""
        dout = X[:, -1, self.out_nodes] - self.V
        lam = np.zeros_like(X)
        lam[:, -1, self.out_nodes] = 2 * w * dout
        return w * np.sum(dout ** 2), lam

    def describe(self) -> dict:
        return {"in_nodes": self.in_nodes.tolist(), "out_nodes": self.out_nodes.tolist()}


class LayerMeasurement:
    """Data ``Y`` (K, n_layers + 1, D) measured where ``mask`` (same shape) is True."""

    def __init__(self, data, mask, n_layers: int, D: int):
        Lp1 = n_layers + 1
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
        self.mask, self.Y = m, np.where(m, Y, 0.0)
        self.K = Y.shape[0]
        self.n_measured = int(m.sum())
        self.measured_nodes = np.flatnonzero(m.any(axis=(0, 1)))

    def term(self, X, w: float, grad: bool):
        """(measurement term, its gradient (K, n_layers + 1, D) or None)."""
        dm = np.where(self.mask, X - self.Y, 0.0)
        return w * np.sum(dm * dm), (2 * w * dm if grad else None)

    def precision(self, w: float, shape) -> np.ndarray:
        """Weight of each squared residual (K, n_layers + 1, D), 0 where not measured."""
        return w * self.mask

    def input_states(self, D: int) -> np.ndarray:
        """Layer-0 states (K, D): the data, 0 where not measured."""
        return self.Y[:, 0].copy()

    def fill(self, X0) -> np.ndarray:
        """Starting states (n, K, n_layers + 1, D) with the measured entries on the data."""
        return np.where(self.mask, self.Y, X0)

    def strong_term(self, X, w: float):
        """(loss, λ's measurement part) with layer 0 clamped: every later measured layer."""
        dm = np.where(self.mask[:, 1:], X[:, 1:] - self.Y[:, 1:], 0.0)
        lam = np.zeros_like(X)
        lam[:, 1:] = 2 * w * dm
        return w * np.sum(dm * dm), lam

    def describe(self) -> dict:
        return {"measured_per_layer": self.mask.sum(axis=(0, 2)).tolist()}
