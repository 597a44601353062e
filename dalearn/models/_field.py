"""The neural field: a continuous network layer as a model."""
from __future__ import annotations

import numpy as np

from ._activations import ACTIVATION_D2, ACTIVATIONS
from ._base import Model, _arr

__all__ = ["NeuralField"]


class NeuralField(Model):
    """A continuous network layer: dx/dt = g(W x + b), g = tanh or sigmoid.

    The layer label is time; W (D, D) and b (D,) are fixed here (no estimated parameters).
    A residual layer x + h F(x) is one Euler step of this field.
    """

    name = "neural_field"

    def __init__(self, W, b, activation: str = "tanh"):
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        if W.ndim != 2 or W.shape[0] != W.shape[1] or b.shape != (W.shape[0],):
            raise ValueError(f"W must be (D, D) and b (D,), got {W.shape} and {b.shape}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, "
                             f"got {activation!r}")
        self.W, self.b, self.activation = W, b, activation
        self.D = W.shape[0]
        self.default_params = np.zeros(0)

    def _g(self, x):
        a = _arr(x) @ self.W.T + self.b
        g, dg = ACTIVATIONS[self.activation]
        ga = g(a)
        return ga, dg(a, ga)

    def rhs(self, x, p):
        return self._g(x)[0]

    def jac(self, x, p):
        return self._g(x)[1][..., :, None] * self.W

    def vjp(self, x, p, w):
        return (self._g(x)[1] * w) @ self.W

    def jac_pattern(self):
        """W's nonzeros when W is sparse (at most a quarter of its entries), else None."""
        r, c = np.nonzero(self.W)
        return (r, c) if 4 * r.size <= self.D * self.D else None

    def jac_values(self, x, p, *u):
        r, c = self.jac_pattern()
        return self._g(x)[1][..., r] * self.W[r, c]

    def hess_pattern(self):
        """Every pair (b, c) of W's nonzeros in one row a (Wᵀ diag(w g'') W), repeats
        included; None with :meth:`jac_pattern`."""
        if self.jac_pattern() is None:
            return None
        a, b, c = self._hess_triples()
        return b, c

    def _hess_triples(self):
        rows = [np.nonzero(w)[0] for w in self.W]
        a = np.concatenate([np.full(len(k) ** 2, i) for i, k in enumerate(rows)]).astype(int)
        b = np.concatenate([np.repeat(k, len(k)) for k in rows]).astype(int)
        c = np.concatenate([np.tile(k, len(k)) for k in rows]).astype(int)
        return a, b, c

    def hess_values(self, x, p, w, *u):
        g, dg = self._g(x)
        d2 = _arr(w) * ACTIVATION_D2[self.activation](g, dg)
        a, b, c = self._hess_triples()
        return d2[..., a] * (self.W[a, b] * self.W[a, c])

    has_hessian = True

    def hess(self, x, p, w):
        # Σ_a w_a g''(a_a) W_a· W_a·ᵀ = Wᵀ diag(w g'') W
        g, dg = self._g(x)
        d2 = _arr(w) * ACTIVATION_D2[self.activation](g, dg)
        return self._zero_hess(x, np.einsum("...a,ab,ac->...bc", d2, self.W, self.W))
