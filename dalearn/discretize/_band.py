"""The action's Hessian written straight into LAPACK band storage, for a model that declares
its Jacobian's sparsity, under the rules whose stage points are the grid points (``euler``,
``trapezoid``): no dense D × D block is formed.

The residual's blocks A(n) = -I - c₀ h J(x(n)), B(n) = I - c₁ h J(x(n+1)) share one pattern
(the model's Jacobian pattern and the diagonal), so each block of the Hessian

    Hd(n) = 2 A(n)ᵀ W A(n) + 2 B(n-1)ᵀ W B(n-1) + 2 diag(w_meas(n)) [+ curvature(n)],
    Ho(n) = 2 A(n)ᵀ W B(n),

is a sum over pairs of entries in one row a: entries (a, b) and (a, c) add W_a · product
at (b, c).  The curvature Σ_a λ_a ∇² r_a(n) (λ = 2 W r) sits on the grid points' diagonal
blocks, given at the model's Hessian pattern (as in :class:`SparseAction`).

Inside each time block the states are put in the order (of: identity; the fold 0, D-1, 1,
D-2, ... that keeps cyclic neighbours close; reverse Cuthill-McKee) that gives the
narrowest band, kd = D + max over Ho's pattern of (position of c - position of b): for
Lorenz96 at D = 20, kd = 26 instead of 2D - 1 = 39.  Pairs, orders and places in the band
are worked out once per pattern (:func:`band_layout`); each Hessian then costs O(M · pairs)
and one sparse product.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import reverse_cuthill_mckee

from ._sparse import SPARSE_RULES

__all__ = ["band_applies", "band_layout", "BandLayout", "band_hessian"]


def band_applies(model, rule: str, u=None, n_est: int = 0) -> bool:
    """Whether :func:`band_hessian` serves this action: a rule in ``SPARSE_RULES``, no
    input, no estimated parameter, and a model that declares its Jacobian's pattern (and
    its Hessian's, when it has second derivatives)."""
    if rule not in SPARSE_RULES or u is not None or n_est or model.jac_pattern() is None:
        return False
    return not getattr(model, "has_hessian", False) or model.hess_pattern() is not None


@dataclass(frozen=True)
class BandLayout:
    """Where each product lands: ``order`` (D,) the states of a time block in band order,
    ``kd`` the bandwidth; entries ``er, ec`` (q,) of A and B, ``jpos`` the entry of each
    pattern value (``jdup``: the pattern repeats some), ``dpos`` of each diagonal one;
    pairs ``up_e, up_f`` (upper triangle in band order) and ``all_e, all_f``; ``hup`` the
    model Hessian's entries on or above the diagonal; ``ST`` (D (kd + 1), K) sums the K
    products of a time block into its band columns; ``col_table`` (D, k) the entries in
    each column, padded with q."""
    order: np.ndarray
    kd: int
    er: np.ndarray
    ec: np.ndarray
    jpos: np.ndarray
    jdup: bool
    dpos: np.ndarray
    up_e: np.ndarray
    up_f: np.ndarray
    all_e: np.ndarray
    all_f: np.ndarray
    hup: np.ndarray
    ST: sp.csr_matrix
    col_table: np.ndarray


def _fold(D: int) -> np.ndarray:
    """0, D-1, 1, D-2, ...: cyclic neighbours at most two places apart."""
    a = np.arange(D)
    return np.ravel(np.column_stack([a, a[::-1]]))[:D] if D % 2 == 0 else \
        np.concatenate([np.ravel(np.column_stack([a[:D // 2], a[::-1][:D // 2]])), [D // 2]])


def _orders(D: int, rows, cols) -> list:
    """Candidate orders of the D states (identity first: kept on a tie)."""
    G = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(D, D))
    rcm = reverse_cuthill_mckee((G + G.T).tocsr(), symmetric_mode=True)
    return [np.arange(D), _fold(D), np.asarray(rcm, dtype=int)]


@lru_cache(maxsize=16)
def _layout(D: int, jr: bytes, jc: bytes, hr: bytes, hc: bytes) -> BandLayout:
    """The layout of Jacobian pattern (jr, jc) and Hessian pattern (hr, hc) (int64 bytes)."""
    rows, cols = np.frombuffer(jr, dtype=np.int64), np.frombuffer(jc, dtype=np.int64)
    hrow, hcol = np.frombuffer(hr, dtype=np.int64), np.frombuffer(hc, dtype=np.int64)
    keys = rows * D + cols
    key = np.unique(np.concatenate([keys, np.arange(D) * (D + 1)]))
    er, ec = key // D, key % D
    pe, pf = [], []
    for a in range(D):
        e = np.flatnonzero(er == a)
        pe.append(np.repeat(e, e.size))
        pf.append(np.tile(e, e.size))
    pe, pf = np.concatenate(pe), np.concatenate(pf)
    best = None
    for order in _orders(D, np.concatenate([ec[pe], hrow]), np.concatenate([ec[pf], hcol])):
        pos = np.empty(D, dtype=int)
        pos[order] = np.arange(D)
        kd = int(D + max((pos[ec[pf]] - pos[ec[pe]]).max(), 0))
        if best is None or kd < best[1]:
            best = (order, kd, pos)
    order, kd, pos = best
    up = pos[ec[pe]] <= pos[ec[pf]]
    hup = np.flatnonzero(pos[hrow] <= pos[hcol])

    def loc(i, j, shift):
        """Place of H[i, j] (band order i <= j, i in the block ``shift`` before j's) in
        its time block's columns of the storage read as one C-ordered (D, kd + 1) array."""
        return pos[j] * (kd + 1) + kd + pos[i] - pos[j] - shift

    locs = np.concatenate([loc(ec[pe[up]], ec[pf[up]], 0), loc(ec[pe], ec[pf], D),
                           loc(np.arange(D), np.arange(D), 0), loc(hrow[hup], hcol[hup], 0)])
    ST = sp.csr_matrix((np.ones(locs.size), (locs, np.arange(locs.size))),
                       shape=(D * (kd + 1), locs.size))
    ro = lambda x: (x.setflags(write=False), x)[1]     # noqa: E731  (cached: read-only)
    return BandLayout(ro(order), kd, ro(er), ro(ec), ro(np.searchsorted(key, keys)),
                      bool(np.unique(keys).size < keys.size),
                      ro(np.searchsorted(key, np.arange(D) * (D + 1))), ro(pe[up]),
                      ro(pf[up]), ro(pe), ro(pf), ro(hup), ST, ro(_column_table(ec, D)))


def _column_table(ec, D: int) -> np.ndarray:
    """(D, k): the entries of each column c (ec == c), padded with ec.size."""
    cols = [np.flatnonzero(ec == c) for c in range(D)]
    table = np.full((D, max(c.size for c in cols)), ec.size)
    for c, e in enumerate(cols):
        table[c, :e.size] = e
    return table


def band_layout(model) -> BandLayout:
    """The (cached) :class:`BandLayout` of ``model``'s patterns."""
    rows, cols = (np.asarray(v, dtype=np.int64) for v in model.jac_pattern())
    hp = model.hess_pattern() if getattr(model, "has_hessian", False) else None
    hr, hc = ((np.zeros(0, np.int64),) * 2 if hp is None
              else tuple(np.asarray(v, dtype=np.int64) for v in hp))
    return _layout(int(model.D), rows.tobytes(), cols.tobytes(), hr.tobytes(), hc.tobytes())


def _entries(lay: BandLayout, VT, c: float, h: float, diag: float, M: int) -> np.ndarray:
    """Values (q, M) of the entries of -c h J(x(n)) + diag I at every grid point."""
    out = np.zeros((lay.er.size, M))
    if c:
        if lay.jdup:
            np.add.at(out, lay.jpos, (-c * h) * VT)
        else:
            out[lay.jpos] = (-c * h) * VT
    out[lay.dpos] += diag
    return out


def band_hessian(model, rule: str, X, p, h: float, wf, w_meas, exact: bool):
    """(model term, its gradient (M, D), band storage (kd + 1, M D) in Fortran order,
    layout) of the action at path ``X`` (M, D) with full params ``p``, model weights
    ``wf`` (D,) and measurement weights ``w_meas`` (M, D); the storage holds the whole
    exact Hessian (the Gauss-Newton matrix without ``exact``, both with the measurement
    term's 2 diag(w_meas)) in upper band form, each time block's states in
    ``layout.order``."""
    lay = band_layout(model)
    M, D = X.shape
    c0, c1 = SPARSE_RULES[rule]
    F = model.rhs(X, p)
    r = X[1:] - X[:-1] - h * (c0 * F[:-1] + c1 * F[1:])
    wf = np.broadcast_to(np.asarray(wf, dtype=float), (D,))
    wr = wf * r
    mod = float(np.sum(wr * r))
    VT = model.jac_values(X, p).T                                    # (nnz, M)
    a = _entries(lay, VT, c0, h, -1.0, M)[:, :-1]                    # A(n), n < M - 1
    b = _entries(lay, VT, c1, h, 1.0, M)[:, 1:]                      # B(n)
    w2 = (2.0 * wf)[lay.er][:, None]
    # the gradient 2 Jrᵀ W r: entry (a, c) of A(n) (of B(n)) times λ_a(n) goes to x_c(n)
    # (to x_c(n+1)), λ = 2 W r
    lam = (2.0 * wr).T[lay.er]
    G = np.empty((lay.er.size + 1, M))             # its last row zero: the table's padding
    G[:-1, :-1] = a * lam
    G[:, -1] = 0.0
    G[:-1, 1:] += b * lam
    G[-1] = 0.0
    gx = G[lay.col_table].sum(axis=1).T
    wa = w2 * a
    n1, n3 = lay.up_e.size, lay.all_e.size
    n4 = n1 + n3 + D
    # the products in the order of lay.ST's columns: Hd's (A(n)ᵀ W A(n) at n, B(n-1)ᵀ W
    # B(n-1) at n), Ho(n-1)'s (at n: its band columns are block n's), measurements, curvature
    V = np.empty((lay.ST.shape[1], M))
    V[:n1, :-1] = wa[lay.up_e] * a[lay.up_f]
    V[:n1, -1] = 0.0
    V[:n1, 1:] += (w2 * b)[lay.up_e] * b[lay.up_f]
    V[n1:n1 + n3, 1:] = wa[lay.all_e] * b[lay.all_f]
    V[n1:n1 + n3, 0] = 0.0
    V[n1 + n3:n4] = 2.0 * np.broadcast_to(w_meas, (M, D)).T
    if exact:
        w = np.zeros((M, D))
        w[:-1] -= (h * c0) * (2.0 * wr)
        w[1:] -= (h * c1) * (2.0 * wr)
        V[n4:] = model.hess_values(X, p, w).T[lay.hup]
    else:
        V[n4:] = 0.0
    ab = np.empty((lay.kd + 1, M * D), order="F")
    ab.T.reshape(M, D * (lay.kd + 1))[...] = (lay.ST @ V).T
    return mod, gx, ab, lay
