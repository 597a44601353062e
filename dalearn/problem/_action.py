"""The action A(X) = measurement term + model term, its exact gradient and Gauss-Newton pieces.

    A = Σ_{n,l measured} Rm_l (x_l(n) - y_l(n))² / n_meas
      + Σ_{n<M-1, a}     Rf_a  r_a(n)²            / ((M-1) D)

with r(n) the rule's residual (see :mod:`dalearn.discretize`).  With Rm = 1/σ² the
measurement term is ≈ 1 at the true path; where a consistent minimum lies, and its band, is
:mod:`dalearn.levels`.

Paths given to :func:`action` are ``(D, M)``; the evaluator used by the optimisers works on
the packed time-major vector ``z`` of ``Problem.pack``.  The evaluator takes the problem's
grid and data (model, rule, step, data, packing) and its two weights explicitly: ``w_meas``
per measured entry and ``model_weights`` per squared residual (the normalised action's by
default; :func:`dalearn.uncertainty.unnormalised_evaluator` passes A0's).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..optimize import BandHessian, BlockHessian, SparseHessian
from ..discretize import (SparseAction, band_applies, band_hessian, krylov_applies,
                          residual_curvature, residual_vjp, sparse_applies)
from ..discretize import residual

__all__ = ["ActionValue", "action", "ActionEvaluator"]


@dataclass(frozen=True)
class ActionValue:
    """Action value and its two terms; gradients when asked for.

    ``grad_x`` is ``(D, M)``; ``grad_p`` is ``(P_est,)`` for the estimated parameters.
    """
    total: float
    meas: float
    model: float
    grad_x: np.ndarray | None = None
    grad_p: np.ndarray | None = None


def action(problem, X, p=None, Rf=1.0, grad: bool = False) -> ActionValue:
    """Action of path ``X`` (D, M) with full params ``p`` (P,) at model precision ``Rf``
    (scalar or (D,)).  With ``grad=True`` the exact gradient is included."""
    ev = ActionEvaluator(problem, Rf)
    z = problem.pack(X, p)
    if not grad:
        return ev.terms(z)
    total, g, meas, mod = ev.value_grad_terms(z)
    nx = problem.M * problem.D
    return ActionValue(total, meas, mod, g[:nx].reshape(problem.M, problem.D).T.copy(),
                       g[nx:].copy())


class ActionEvaluator:
    """The action of one :class:`dalearn.Problem` at one weighting, as functions of the
    packed vector ``z``.

    ``Rf`` (scalar or (D,)) gives the normalised action's weights: ``problem.w_meas`` and
    ``problem.model_weights(Rf)``; or give both weights explicitly, ``w_meas`` (M, D) per
    squared measurement residual and ``model_weights`` (D,) per squared model residual.
    """

    def __init__(self, problem, Rf=None, *, w_meas=None, model_weights=None):
        if (Rf is None) == (model_weights is None):
            raise ValueError("give Rf (the normalised action) or model_weights, not both")
        self.wf = problem.model_weights(Rf) if model_weights is None else \
            np.asarray(model_weights, dtype=float)
        self.w_meas = problem.w_meas if w_meas is None else np.asarray(w_meas, dtype=float)
        self.model, self.rule, self.h = problem.model, problem.rule, problem.h
        self.Y0, self.est_idx = problem.Y0, problem.est_idx
        self._split = problem.time_major
        #: a driven model's input on the half-step grid, and the bounds the optimisers keep
        self.u = problem.u
        self.bounds = problem.bounds
        self.nx = problem.M * problem.D
        self.n_calls = 0
        #: the optimisers ask for :meth:`sparse_hessian` (see dalearn.discretize.sparse_applies)
        self.sparse = sparse_applies(self.model, self.rule, self.u, self.est_idx.size)
        self.krylov = self.sparse and krylov_applies(self.model)
        #: :meth:`gauss_newton` writes the band directly (dalearn.discretize.band_hessian)
        self.direct_band = not self.sparse and band_applies(self.model, self.rule, self.u,
                                                            self.est_idx.size)

    def terms(self, z) -> ActionValue:
        """The action at ``z`` and its two terms."""
        Xt, p = self._split(np.asarray(z, dtype=float))
        dm = Xt - self.Y0
        meas = float(np.sum(self.w_meas * dm * dm))
        r = residual(self.model, self.rule, Xt, p, self.h, u=self.u).r
        mod = float(np.sum(self.wf * r * r))
        self.n_calls += 1
        return ActionValue(meas + mod, meas, mod)

    def value(self, z) -> float:
        """The action at ``z``."""
        return self.terms(z).total

    def _pieces(self, z):
        """(data misfit (M, D), the rule's residual with its blocks, full params (P,))."""
        Xt, p = self._split(np.asarray(z, dtype=float))
        dm = Xt - self.Y0
        res = residual(self.model, self.rule, Xt, p, self.h, blocks=True, u=self.u)
        self.n_calls += 1
        return dm, res, p

    def value_grad_terms(self, z):
        """(A, dA/dz, measurement term, model term); O(M D) through the model's ``vjp``
        where the rule allows (:func:`dalearn.discretize.residual_vjp`)."""
        Xt, p = self._split(np.asarray(z, dtype=float))
        if self.rule in ("euler", "trapezoid") and self.u is None:
            r = residual(self.model, self.rule, Xt, p, self.h).r
            dm = Xt - self.Y0
            wdm, wr = self.w_meas * dm, self.wf * r
            gx, gp = residual_vjp(self.model, self.rule, Xt, p, self.h, 2.0 * wr, self.est_idx)
            self.n_calls += 1
            meas, mod = float(np.sum(wdm * dm)), float(np.sum(wr * r))
            return meas + mod, np.concatenate([(gx + 2.0 * wdm).ravel(), gp]), meas, mod
        dm, res, _ = self._pieces(z)
        r = res.r
        wdm = self.w_meas * dm
        wr = self.wf * r
        meas = float(np.sum(wdm * dm))
        mod = float(np.sum(wr * r))
        return meas + mod, self._gradient(wdm, wr, res), meas, mod

    def _gradient(self, wdm, wr, res):
        # Jᵀ(W r) one time point at a time, as batched row-vector products (matmul beats
        # einsum several-fold at these sizes)
        wrow = wr[:, None, :]
        gx = 2.0 * wdm
        gx[:-1] += 2.0 * (wrow @ res.A)[:, 0]
        gx[1:] += 2.0 * (wrow @ res.B)[:, 0]
        gp = 2.0 * (wrow @ res.C[:, :, self.est_idx])[:, 0].sum(axis=0)
        return np.concatenate([gx.ravel(), gp])

    def value_grad(self, z):
        """(A, dA/dz): the pair scipy's ``minimize(..., jac=True)`` wants."""
        total, g, _, _ = self.value_grad_terms(z)
        return total, g

    def meas_gradient(self, z) -> np.ndarray:
        """The measurement term's gradient (n,) in packed order (zero on parameters)."""
        Xt, _ = self._split(np.asarray(z, dtype=float))
        g = np.zeros(np.size(z))
        g[:self.nx] = (2.0 * self.w_meas * (Xt - self.Y0)).ravel()
        return g

    @property
    def has_hessian(self) -> bool:
        """Whether :meth:`hessian` is available (the model has second derivatives)."""
        return bool(getattr(self.model, "has_hessian", False))

    def hessian(self, z) -> BlockHessian:
        """Gradient and exact Hessian blocks at ``z`` (a :class:`dalearn.optimize.BlockHessian`)."""
        return self.gauss_newton(z, exact=True)

    def sparse_hessian(self, z, exact: bool = True) -> SparseHessian:
        """Gradient and exact Hessian (Gauss-Newton matrix without ``exact``) at ``z`` as
        one sparse matrix (a :class:`dalearn.optimize.SparseHessian`); needs a model that
        declares its Jacobian's sparsity (see :class:`dalearn.discretize.SparseAction`)."""
        Xt, p = self._split(np.asarray(z, dtype=float))
        sa = SparseAction(self.model, self.rule, Xt, p, self.h, self.est_idx, self.u)
        self.n_calls += 1
        dm = Xt - self.Y0
        wdm, wr = self.w_meas * dm, self.wf * sa.r
        meas, mod = float(np.sum(wdm * dm)), float(np.sum(wr * sa.r))
        return SparseHessian(meas + mod, meas, mod, sa.gradient(wr, wdm),
                             sa.hessian(self.wf, self.w_meas, exact), exact,
                             krylov=self.krylov, grid=(sa.M, sa.D))

    def gauss_newton(self, z, exact: bool = False) -> BlockHessian | BandHessian:
        """Gradient and Gauss-Newton blocks at ``z`` (exact Hessian blocks with ``exact``);
        a :class:`dalearn.optimize.BandHessian` where ``direct_band``."""
        if self.direct_band:
            return self._band_hessian(z, exact)
        dm, res, p = self._pieces(z)
        r = res.r
        A, B, C = res.A, res.B, res.C[:, :, self.est_idx]
        wdm = self.w_meas * dm
        wr = self.wf * r
        meas = float(np.sum(wdm * dm))
        mod = float(np.sum(wr * r))
        g = self._gradient(wdm, wr, res)
        # 2 W A, 2 W B, 2 W C (row scaling): the factor 2 of the blocks folded in here (a
        # power of two scales every product and sum exactly: the same bits as doubling after)
        w2 = 2.0 * self.wf
        WA = w2[None, :, None] * A
        WB = w2[None, :, None] * B
        At, Bt = np.swapaxes(A, 1, 2), np.swapaxes(B, 1, 2)
        M, D = dm.shape
        Hd = np.empty((M, D, D))
        np.matmul(At, WA, out=Hd[:-1])
        Hd[-1] = 0.0
        Hd[1:] += Bt @ WB
        idx = np.arange(D)
        Hd[:, idx, idx] += 2.0 * self.w_meas
        Ho = At @ WB
        Pe = C.shape[2]
        Hxp = np.zeros((M, D, Pe))
        Hpp = np.zeros((Pe, Pe))
        if Pe:
            WC = w2[None, :, None] * C
            Hxp[:-1] += At @ WC
            Hxp[1:] += Bt @ WC
            Hpp = np.einsum("naj,nak->jk", C, WC)
        if exact:
            self._add_curvature(res, p, 2.0 * wr, Hd, Ho, Hxp, Hpp)
        return BlockHessian(meas + mod, meas, mod, g, Hd, Ho, Hxp, Hpp, exact)

    def _band_hessian(self, z, exact: bool) -> BandHessian:
        """The whole matrix in band storage, no dense block (dalearn.discretize.band_hessian)."""
        Xt, p = self._split(np.asarray(z, dtype=float))
        mod, gx, ab, lay = band_hessian(self.model, self.rule, Xt, p, self.h, self.wf,
                                        self.w_meas, exact)
        self.n_calls += 1
        dm = Xt - self.Y0
        wdm = self.w_meas * dm
        meas = float(np.sum(wdm * dm))
        g = (gx + 2.0 * wdm).ravel()
        return BandHessian(meas + mod, meas, mod, g, ab, lay.order, exact)

    def _add_curvature(self, res, p, wr, Hd, Ho, Hxp, Hpp):
        """Add Σ_a λ_a ∇² r_a at params ``p`` in place (``wr`` = λ = 2 W r: the action's
        second-order term)."""
        cv = residual_curvature(self.model, self.rule, res, p, wr, self.h, u=self.u)
        if cv.Hgrid is not None:
            Hd += cv.Hgrid
        if cv.H00 is not None:
            Hd[:-1] += cv.H00
        if cv.H11 is not None:
            Hd[1:] += cv.H11
        if cv.H01 is not None:
            Ho += cv.H01
        e = self.est_idx
        if e.size:
            if cv.Hgrid_p is not None:
                Hxp += cv.Hgrid_p[:, :, e]
            if cv.H0p is not None:
                Hxp[:-1] += cv.H0p[:, :, e]
            if cv.H1p is not None:
                Hxp[1:] += cv.H1p[:, :, e]
            Hpp += cv.Hpp[np.ix_(e, e)]
