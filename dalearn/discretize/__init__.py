"""One-step rules: a model and a rule give the residual x(n+1) - f(x(n)) of every step.

- ``RULES``: euler, trapezoid, hermite-simpson, rk4
- :func:`residual` (with its Jacobian blocks), :func:`integrate`, :func:`rk4_step`
- :func:`residual_curvature`: the rule's second derivatives, weighted (for exact Hessians)
- :class:`SparseAction`, :func:`sparse_applies`, :func:`residual_vjp`: the action's Hessian
  as a sparse matrix for models that declare their Jacobian's sparsity, and the O(M D)
  gradient (``SPARSE_RULES``, ``SPARSE_MIN_D``, ``SPARSE_MIN_D_DIRECT_BAND``);
  :func:`krylov_applies` (``KRYLOV_MIN_D``):
  whether its solves are by preconditioned conjugate gradients
- :func:`band_hessian`, :func:`band_applies`, :func:`band_layout`: the same Hessian (no
  parameters) written straight into band storage, states reordered to narrow the band
"""
from ._band import BandLayout, band_applies, band_hessian, band_layout
from ._curvature import Curvature, residual_curvature
from ._rules import RULES, Residual, check_rule, integrate, residual, rk4_step
from ._sparse import (KRYLOV_MIN_D, SPARSE_MIN_D, SPARSE_MIN_D_DIRECT_BAND, SPARSE_RULES,
                      SparseAction, krylov_applies, residual_vjp, sparse_applies)

__all__ = ["RULES", "Residual", "residual", "check_rule", "integrate", "rk4_step",
           "Curvature", "residual_curvature", "SparseAction", "sparse_applies",
           "residual_vjp", "SPARSE_RULES", "SPARSE_MIN_D", "KRYLOV_MIN_D",
           "SPARSE_MIN_D_DIRECT_BAND", "krylov_applies",
           "BandLayout", "band_applies", "band_hessian", "band_layout"]
