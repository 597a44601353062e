"""Fill-reducing orders for the action's sparse Hessian: nested dissection of its time × space
grid.

The unknowns of a path are a grid: M times × D states (time-major, ``t D + i``), then any
parameters.  For the one-step rules the Hessian couples time t only with t - 1, t and t + 1,
and state i only with its neighbours in the model's coupling graph S (D × D, read off the
Hessian's own pattern).  So a set of grid points that cuts the grid in two is either one time
row ({t} × V) or a separator Σ of S over a run of times (T × Σ), and nested dissection
eliminates each half before the cut: the fill stays within the separators.  For a strip
M × D with D >> M (many states, a fixed window) the space cuts are M |Σ| points each and the
factor's cost grows about linearly in D, where a minimum-degree order grows faster.
Parameters (coupled to every time) come last.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, shortest_path

__all__ = ["grid_order", "GRID_ORDER_MIN_D"]

#: from this many states on, factors use the grid order (below it minimum degree fills as
#: little or less: measured at M = 200, docs/decisions.md)
GRID_ORDER_MIN_D = 200
#: boxes of at most this many grid points are not cut further (kept in time-major order)
LEAF = 64


def space_graph(H, M: int, D: int):
    """The coupling graph of the states, S (D, D) CSR, symmetric, no diagonal, from the
    pattern of ``H`` (n, n) over the first M D unknowns; None when some entry couples times
    more than one step apart (the grid order does not apply)."""
    C = sp.coo_matrix(H)
    keep = (C.row < M * D) & (C.col < M * D)
    r, c = C.row[keep], C.col[keep]
    if np.any(np.abs(r // D - c // D) > 1):
        return None
    S = sp.csr_matrix((np.ones(r.size), (r % D, c % D)), shape=(D, D))
    S = ((S + S.T) != 0).astype(np.int8).tocsr()
    S.setdiag(0)
    S.eliminate_zeros()
    return S


def _split(S, V):
    """A vertex separator of S restricted to the states ``V``: (V1, V2, Σ) with no edge from
    V1 to V2; Σ empty when S[V] is disconnected; None when V cannot be cut."""
    sub = S[V][:, V]
    n_comp, label = connected_components(sub, directed=False)
    if n_comp > 1:
        first = label == label[0]
        return V[first], V[~first], V[:0]
    start = 0
    for _ in range(2):                       # a pseudo-peripheral start
        d = shortest_path(sub, method="D", unweighted=True, indices=start, directed=False)
        start = int(np.argmax(d))
    d = shortest_path(sub, method="D", unweighted=True, indices=start, directed=False)
    d = d.astype(int)
    counts = np.cumsum(np.bincount(d))
    if counts.size < 3:
        return None
    k = int(np.clip(np.searchsorted(counts, V.size / 2), 1, counts.size - 2))
    return V[d < k], V[d > k], V[d == k]


def grid_order(H, M: int, D: int, leaf: int = LEAF):
    """An elimination order q (n,) of ``H`` ((n, n), unknowns time-major over an M × D grid
    first, then n - M D parameters): H[q][:, q] factors with little fill.  None when the
    Hessian couples times more than one step apart."""
    n = H.shape[0]
    S = space_graph(H, M, D)
    if S is None:
        return None
    out, splits = [], {}

    def box(t0, t1, V):
        return (np.arange(t0, t1)[:, None] * D + V[None, :]).ravel()

    def cut(t0, t1, V):
        if (t1 - t0) * V.size <= leaf:
            out.append(box(t0, t1, V))
            return
        key = V.tobytes()
        if key not in splits:
            splits[key] = _split(S, V) if V.size > 2 else None
        part = splits[key]
        if part is not None and ((t1 - t0) * part[2].size < V.size or t1 - t0 < 3):
            V1, V2, sep = part
            cut(t0, t1, V1)
            cut(t0, t1, V2)
            out.append(box(t0, t1, sep))
        elif t1 - t0 >= 3:
            mid = (t0 + t1) // 2
            cut(t0, mid, V)
            cut(mid + 1, t1, V)
            out.append(box(mid, mid + 1, V))
        else:
            out.append(box(t0, t1, V))

    cut(0, M, np.arange(D))
    out.append(np.arange(M * D, n))
    return np.concatenate(out)
