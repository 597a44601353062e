"""Minimisers of the action: second-order methods over the block-banded Hessian, L-BFGS-B.

- :func:`minimize`, ``METHODS`` and the method objects :class:`Newton`,
  :class:`LevenbergMarquardt`, :class:`TrustRegion`, :class:`LBFGSB`, :class:`Hybrid`
  (each carries its options); :class:`OptResult` and the status codes ``STATUS``
- the contracts: :class:`Evaluator` (what a problem hands the optimisers) and
  :class:`HessianBlocks` (second derivatives in banded form; :class:`BlockHessian` is the
  block-tridiagonal implementation, :class:`BandHessian` the same held as band storage)
- :class:`BandedSolver`: the banded Cholesky (with a border for parameters) the
  second-order methods share
- :class:`SparseHessian` and :class:`SparseSolver`: the same for a Hessian held as a
  scipy.sparse matrix (sparse direct factorisation with a fill-reducing ordering)
- :class:`KrylovSolver`: the same by conjugate gradients preconditioned by an earlier
  factor (truncated Newton for large problems); ``clear_preconditioner`` frees that factor
- :func:`continuation_start`: the start at the next R_f predicted along a minimum's tangent
"""
from ._banded import BandedSolver, block_band
from ._check import continuation_start
from ._contract import STATUS, BlockHessian, Evaluator, HessianBlocks, OptResult
from ._bandhess import BandHessian
from ._sparse import SparseHessian, SparseSolver
from ._krylov import KRYLOV_COUNTS, KrylovSolver, clear_preconditioner
from ._methods import (LBFGSB, METHODS, Hybrid, LevenbergMarquardt, Newton, TrustRegion,
                       minimize, minimize_lbfgsb, minimize_lm)

__all__ = ["minimize", "METHODS", "STATUS", "OptResult", "Newton", "LevenbergMarquardt",
           "TrustRegion", "LBFGSB", "Hybrid", "Evaluator", "HessianBlocks", "BlockHessian",
           "BandHessian", "BandedSolver", "block_band", "continuation_start", "minimize_lm",
           "minimize_lbfgsb", "SparseHessian", "SparseSolver", "KrylovSolver",
           "clear_preconditioner", "KRYLOV_COUNTS"]
