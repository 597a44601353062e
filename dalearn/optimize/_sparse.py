"""The sparse path of the second-order optimisers: a Hessian held as a scipy.sparse matrix
and the damped solves (H + λ S) δ = -g by a sparse direct factorisation.

The factorisation is SuperLU's (``scipy.sparse.linalg.splu``) with a fill-reducing
symmetric ordering (nested dissection of the time × space grid from ``GRID_ORDER_MIN_D``
states, :func:`~dalearn.optimize._ordering.grid_order`; else minimum degree on AᵀA + A,
``MMD_AT_PLUS_A``), symmetric mode and no off-diagonal pivoting (``diag_pivot_thresh =
0``): for a symmetric matrix the factor is then P (L D Lᵀ) Pᵀ with D the diagonal of U, so
by Sylvester's law of inertia H + λ S is positive definite exactly when every pivot is
positive; a failed or non-positive pivot is
the failed Cholesky of the banded path (``factor`` returns False).  The ordering is
computed once per sparsity pattern and reused (the pattern of the action's Hessian does not
change between iterations).

:func:`solver_for` picks :class:`SparseSolver` for a :class:`SparseHessian`, else the banded
:class:`~dalearn.optimize.BandedSolver`; :func:`second_blocks` asks an evaluator for the
sparse Hessian where it offers one (``ev.sparse``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from ._banded import BandedSolver
from ._ordering import GRID_ORDER_MIN_D, grid_order

__all__ = ["SparseHessian", "SparseSolver", "solver_for", "second_blocks", "pattern_key"]


@dataclass
class SparseHessian:
    """:class:`~dalearn.optimize.HessianBlocks` held as one sparse symmetric matrix ``H``
    (CSR, (n, n), packed order) with the action's terms and gradient ``g`` (n,)."""
    total: float
    meas: float
    model: float
    g: np.ndarray
    H: sp.csr_matrix
    exact: bool = False
    chains: int = 0
    #: solve by preconditioned conjugate gradients (:class:`KrylovSolver`) instead of a
    #: factorisation of every matrix
    krylov: bool = False
    #: (M, D) when the first M D unknowns are an M × D time-major grid coupled one step in
    #: time (factors then use its nested-dissection order, :func:`grid_order`)
    grid: tuple | None = None

    def matvec(self, v) -> np.ndarray:
        """H v for a packed vector ``v`` (n,)."""
        return self.H @ v

    def to_dense(self) -> np.ndarray:
        """H as a dense (n, n) array (tests and small problems)."""
        return self.H.toarray()

    def band(self):
        raise TypeError("a SparseHessian has no band storage; use SparseSolver")


def second_blocks(ev, z, exact: bool):
    """The exact Hessian (``exact``) or Gauss-Newton matrix of ``ev`` at ``z``: sparse when
    the evaluator offers it (``ev.sparse``), else its blocks."""
    if getattr(ev, "sparse", False):
        return ev.sparse_hessian(z, exact)
    return ev.hessian(z) if exact else ev.gauss_newton(z)


def solver_for(hb, solver=None):
    """``solver`` when it fits ``hb``'s kind, else a new one of the right kind."""
    if isinstance(hb, SparseHessian):
        if hb.krylov:
            from ._krylov import KrylovSolver
            cls = KrylovSolver
        else:
            cls = SparseSolver
    else:
        cls = BandedSolver
    return solver if type(solver) is cls else cls()


def pattern_key(H) -> tuple:
    """A key of ``H``'s sparsity pattern (shape, nnz and hashes of its index arrays)."""
    return (H.shape, H.nnz, hash(H.indptr.tobytes()), hash(H.indices.tobytes()))


#: fill-reducing orders of recent sparsity patterns (one pattern per problem size)
_ORDERS: dict = {}


def _ordering(H, grid=None):
    """(q, lu): the symmetric fill-reducing order q of ``H``'s pattern (H[q][:, q] is
    factored), computed once per pattern and kept: nested dissection of the time × space
    ``grid`` (M, D) when given with D >= ``GRID_ORDER_MIN_D`` (:func:`grid_order`), else
    SuperLU's minimum degree on AᵀA + A; ``lu`` is the factor of ``H`` itself made on the
    way by the latter when the order is new, else None."""
    key = (pattern_key(H), grid)
    lu = None
    if key not in _ORDERS:
        q = None
        if grid is not None and grid[1] >= GRID_ORDER_MIN_D:
            q = grid_order(H, *grid)
        if q is None:
            lu = splu(H, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                      options={"SymmetricMode": True})
            q = np.argsort(lu.perm_c)
        if len(_ORDERS) >= 8:
            _ORDERS.pop(next(iter(_ORDERS)))
        _ORDERS[key] = q
    return _ORDERS[key], lu


class SparseSolver:
    """Damped solves (H + λ S) δ = -g for one :class:`SparseHessian` at a time; the
    interface of :class:`~dalearn.optimize.BandedSolver` (``perm`` is None: packed order)."""

    perm = None

    def prepare(self, hb) -> None:
        """Take the matrix and gradient of ``hb``; the matrix is put in the factor's order
        (computed once per sparsity pattern) here, so each damped factor only adds λ S."""
        H = hb.H.tocsc()
        H.sort_indices()
        self.g = np.asarray(hb.g, dtype=float)
        diag = H.diagonal()
        self.scale = np.maximum(np.abs(diag), 1e-12 * max(np.abs(diag).max(initial=0.0),
                                                          1e-300))
        self._lu, self.failure, self.pivot, self._packed = None, None, 0, False
        # a new pattern's order comes with a factor of H itself: the first factor(0)
        self._q, self._first = _ordering(H, hb.grid)
        q = self._q
        self.Hq = H[q][:, q].tocsc()
        self.Hq.sort_indices()
        # where each diagonal entry of Hq sits in its data (every diagonal entry is stored:
        # the action's Hessian has a positive diagonal pattern; a missing one is added)
        n = H.shape[0]
        if np.count_nonzero(self.Hq.diagonal() != 0) < n or not self._diag_positions(n):
            self.Hq = (self.Hq + sp.diags(np.full(n, 1e-300))).tocsc()
            self.Hq.sort_indices()
            self._diag_positions(n)
        self._dq = self.scale[q]

    def _diag_positions(self, n) -> bool:
        Hq = self.Hq
        col = np.repeat(np.arange(n), np.diff(Hq.indptr))
        pos = np.flatnonzero(Hq.indices == col)
        self._dpos = pos
        return pos.size == n

    def factor(self, lam: float, held=None) -> bool:
        """LDLᵀ-like factor of H + λ S (``held`` rows damped by 1e12 S); False when H + λ S
        is not positive definite (a pivot <= 0 or a singular matrix)."""
        damp = lam * self._dq
        if held is not None and held.any():
            damp = damp + np.where(held[self._q], 1e12 * self._dq, 0.0)
        first, self._first = self._first, None
        self._lu, self._packed = None, first is not None and not np.any(damp)
        if self._packed:
            lu = first
        else:
            lu = self._splu(damp)
            if lu is None:                         # exactly singular
                self.failure, self.pivot = "band", -1
                return False
        piv = lu.U.diagonal()
        symmetric = np.array_equal(lu.perm_r, lu.perm_c)
        if not symmetric or not np.all(piv > 0) or not np.all(np.isfinite(piv)):
            self.failure, self.pivot = "band", int(np.argmin(piv)) + 1
            return False
        self._lu, self.failure = lu, None
        return True

    def _splu(self, damp):
        """The factor of Hq + diag(damp) in the kept order, or None when it is singular."""
        Hq = self.Hq
        A = Hq
        if np.any(damp):
            data = Hq.data.copy()
            data[self._dpos] += damp
            A = sp.csc_matrix((data, Hq.indices, Hq.indptr), shape=Hq.shape)
        try:
            return splu(A, permc_spec="NATURAL", diag_pivot_thresh=0.0,
                        options={"SymmetricMode": True})
        except RuntimeError:
            return None

    def solve_factored(self, rhs: np.ndarray) -> np.ndarray:
        """(H + λ S)⁻¹ rhs with the last successful :meth:`factor`; ``rhs`` (n,) or (n, k)."""
        lu, q = self._lu, self._q
        if self._packed:                           # the order's own factor of H
            return lu.solve(np.asarray(rhs, dtype=float))
        x = lu.solve(np.asarray(rhs, dtype=float)[q])
        out = np.empty_like(x)
        out[q] = x
        return out

    # the damped step (held variables get no gradient and stay put) and δᵀ S δ, over this
    # factor: the banded solver's, which use only factor/solve_factored/g/scale (perm is None)
    step = BandedSolver.step
    damping_norm = BandedSolver.damping_norm
