"""Figures of a neural ODE trained by its boundary value problem: the training paths in
the state plane and the momentum against backprop's adjoint."""
from __future__ import annotations

import numpy as np

from ._spec import _COLORS, Panel, Series

__all__ = ["ode_training_panels"]


def ode_training_panels(x, x_forward, U, V, t, pi, minus_lam, title: str,
                        pair: int = 0) -> list:
    """Two panels for a 2-node neural ODE at one step of a training continuation.

    Left, the state plane (x_0, x_1): every training pair's BVP path ``x`` (K, 2, n)
    (solid), the forward pass ``x_forward`` (K, 2, n) of the same weights (dashed), inputs
    ``U`` (K, 2) (circles) and targets ``V`` (K, 2) (crosses).  Right, the momentum
    ``pi`` (K, 2, n) of pair ``pair`` over ``t`` (n,) (solid) against backprop's
    ``minus_lam`` = -λ (K, 2, n) at those weights (dashed)."""
    x, x_forward, pi, minus_lam = (np.asarray(a, float) for a in (x, x_forward, pi, minus_lam))
    if x.ndim != 3 or x.shape[1] != 2 or x.shape != x_forward.shape:
        raise ValueError(f"x and x_forward must be (K, 2, n) arrays of one shape, got "
                         f"{x.shape} and {x_forward.shape}")
    s = []
    for k in range(x.shape[0]):
        c = _COLORS[k % 10]
        s.append(Series(x[k, 0], x[k, 1], f"pair {k}: BVP path", "line", c, legend=False))
        s.append(Series(x_forward[k, 0], x_forward[k, 1], f"pair {k}: forward pass", "dash",
                        c, legend=False))
    U, V = np.asarray(U, float), np.asarray(V, float)
    s.append(Series(U[:, 0], U[:, 1], "inputs u", "markers", "#222222", symbol="circle-open"))
    s.append(Series(V[:, 0], V[:, 1], "targets v", "crosses", "#d62728"))
    m = []
    for i in range(2):
        c = _COLORS[i % 10]
        m.append(Series(t, pi[pair, i], f"π_{i}", "line", c))
        m.append(Series(t, minus_lam[pair, i], f"-λ_{i} (backprop)", "dash", c, legend=False))
    return [Panel(title, "x_0", "x_1", s),
            Panel(f"π of pair {pair}; -λ dashed", "t (layer)", "π", m)]
