"""The contracts of the optimisers: what they ask of a problem, and what they return.

- :class:`Evaluator`: the action at one R_f as functions of the packed vector z (n,);
  ``ActionEvaluator`` (data assimilation) and a network problem's evaluator provide it.
- :class:`HessianBlocks`: the action, its gradient and its second derivatives at one point,
  in a form :class:`~dalearn.optimize.BandedSolver` factors; :class:`BlockHessian` is the
  block-tridiagonal-with-border implementation both problem kinds build.
- :class:`OptResult` with the status codes ``STATUS``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from ._banded import block_band

__all__ = ["Evaluator", "HessianBlocks", "BlockHessian", "OptResult", "STATUS"]

#: status codes shared by OptResult and AnnealResult
STATUS = {0: "converged", 1: "iteration limit reached", -1: "non-finite action",
          -2: "linear solve failed", 2: "stopped, but not at a verified minimum"}


@runtime_checkable
class HessianBlocks(Protocol):
    """Second-order pieces at a point z: the action ``total`` = ``meas`` + ``model``, its
    gradient ``g`` (n,) in packed order, and a symmetric matrix H (n, n): the exact Hessian
    (``exact``) or its Gauss-Newton part.  ``band()`` gives H in banded-and-bordered storage
    (see :mod:`dalearn.optimize._banded`); ``chains``: the band is this many uncoupled equal
    chains (0: not known)."""
    total: float
    meas: float
    model: float
    g: np.ndarray
    exact: bool
    chains: int

    def band(self):
        """(band storage (kd + 1, n_b), border (n_b, Pe), Hpp (Pe, Pe), perm or None)."""

    def matvec(self, v: np.ndarray) -> np.ndarray:
        """H v for a packed vector v (n,)."""

    def to_dense(self) -> np.ndarray:
        """H as a dense (n, n) array in packed order (for tests and small problems)."""


@runtime_checkable
class Evaluator(Protocol):
    """The action at one R_f over the packed vector z (n,).  ``bounds``: (low, high) arrays
    (n,) the optimisers keep, or None; ``has_hessian``: whether :meth:`hessian` exists."""
    bounds: tuple | None
    has_hessian: bool

    def terms(self, z):
        """The action and its two terms (``total``, ``meas``, ``model``)."""

    def value(self, z) -> float:
        """The action."""

    def value_grad(self, z) -> tuple:
        """(action, gradient (n,))."""

    def gauss_newton(self, z) -> HessianBlocks:
        """The gradient and the Gauss-Newton matrix (positive semi-definite)."""

    def hessian(self, z) -> HessianBlocks:
        """The gradient and the exact Hessian."""

    def meas_gradient(self, z) -> np.ndarray:
        """The measurement term's gradient (n,): the continuation tangent needs it."""


@dataclass
class BlockHessian:
    """:class:`HessianBlocks` of a path problem: gradient ``g`` (n,) and the blocks of
    H = 2 Jᵀ W J (``exact=False``) or of the exact Hessian (``exact=True``): diagonal
    ``Hd`` (M, D, D), super-diagonal ``Ho`` (M-1, D, D) with Ho[n] = H[x(n), x(n+1)],
    parameter border ``Hxp`` (M, D, Pe) and ``Hpp`` (Pe, Pe); packed order time-major
    states, then the estimated parameters."""
    total: float
    meas: float
    model: float
    g: np.ndarray
    Hd: np.ndarray
    Ho: np.ndarray
    Hxp: np.ndarray
    Hpp: np.ndarray
    exact: bool = False
    #: the band is this many equal, uncoupled chains (a network's pairs); 0: not known
    chains: int = 0

    def band(self):
        """(band storage, border (M D, Pe), Hpp, None)."""
        M, D, Pe = self.Hxp.shape
        return block_band(self.Hd, self.Ho), self.Hxp.reshape(M * D, Pe), self.Hpp, None

    def matvec(self, v) -> np.ndarray:
        """H v for a packed vector ``v`` (n,), from the blocks."""
        M, D, Pe = self.Hxp.shape
        vx, vp = v[:M * D].reshape(M, D), v[M * D:]
        out = (self.Hd @ vx[:, :, None])[:, :, 0] + self.Hxp @ vp
        out[:-1] += (self.Ho @ vx[1:, :, None])[:, :, 0]
        out[1:] += (vx[:-1, None, :] @ self.Ho)[:, 0]
        op = np.einsum("nap,na->p", self.Hxp, vx) + self.Hpp @ vp
        return np.concatenate([out.ravel(), op])

    def to_dense(self) -> np.ndarray:
        """H as a dense (n, n) array, n = M D + Pe."""
        M, D, Pe = self.Hxp.shape
        n = M * D
        H = np.zeros((n + Pe, n + Pe))
        for k in range(M):
            H[k * D:(k + 1) * D, k * D:(k + 1) * D] = self.Hd[k]
            if k < M - 1:
                H[k * D:(k + 1) * D, (k + 1) * D:(k + 2) * D] = self.Ho[k]
                H[(k + 1) * D:(k + 2) * D, k * D:(k + 1) * D] = self.Ho[k].T
        if Pe:
            H[:n, n:] = self.Hxp.reshape(n, Pe)
            H[n:, :n] = H[:n, n:].T
            H[n:, n:] = self.Hpp
        return H


@dataclass(frozen=True)
class OptResult:
    """Outcome of one minimisation: the packed vector ``z``, the action and its terms,
    ``status`` (see ``STATUS``), a human-readable ``message``, iterations and evaluations.

    The final point's check (NaN / None where it was not made):
    ``decrement`` = ½ gᵀH⁻¹g / A, the gradient's size in the inverse-Hessian metric relative
    to the action (the relative decrease a full Newton step would still give);
    ``grad_max`` = max |∂A/∂z|; ``pos_def``: whether the exact Hessian (reduced to the free
    variables when some sit on a bound) has a Cholesky factor.  ``status == 0`` (converged)
    means both ``decrement <= ftol`` and ``pos_def``, whenever the model has second
    derivatives (``pos_def`` is None when it has not, and the optimiser's own test stands).
    ``tangent``: dz/d log R_f along the minimum (exact second-order methods), the
    continuation predictor."""
    z: np.ndarray
    total: float
    meas: float
    model: float
    status: int
    message: str
    nit: int
    nfev: int
    decrement: float = float("nan")
    grad_max: float = float("nan")
    pos_def: bool | None = None
    tangent: np.ndarray | None = field(default=None, repr=False)

    @property
    def success(self) -> bool:
        return self.status == 0
