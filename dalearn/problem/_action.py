"""The action A(X) = measurement term + model term, its exact gradient and Gauss-Newton pieces.

    A = Σ_{n,l measured} Rm_l (x_l(n) - y_l(n))² / n_meas
      + Σ_{n<M-1, a}     Rf_a  r_a(n)²            / ((M-1) D)

with r(n) the rule's residual (see :mod:`dalearn.discretize`).  With Rm = 1/σ² the
measurement term is ≈ 1 at the true path, so the consistent minimum levels out near A ≈ 1.

Paths given to :func:`action` are ``(D, M)``; the evaluator used by the optimisers works on
the packed time-major vector ``z`` of ``Problem.pack``.  This module knows nothing of how a
problem is built: it reads the problem's arrays (``model``, ``rule``, ``h``, ``Y0``,
``w_meas``, ``est_idx``, ``time_major``, ``model_weights``), and ``Problem.evaluator`` hands
an :class:`ActionEvaluator` to the optimisers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..optimize import BlockHessian
from ..discretize import residual_curvature
from ..discretize import residual

__all__ = ["ActionValue", "action", "ActionEvaluator", "EXPECTED_LEVEL"]

#: With Rm = 1/σ² the measurement term averages (noise/σ)² ≈ 1 at the true path, so the
#: consistent minimum of the action levels out near this value.
EXPECTED_LEVEL = 1.0


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
    """Action of one problem at one ``Rf``, as functions of the packed vector ``z``."""

    def __init__(self, problem, Rf):
        Rf = np.asarray(Rf, dtype=float)
        if Rf.ndim > 1 or (Rf.ndim == 1 and Rf.size != problem.D):
            raise ValueError(f"Rf must be a scalar or have D={problem.D} entries, got {Rf.shape}")
        if not np.all(np.isfinite(Rf)) or np.any(Rf < 0):
            raise ValueError(f"Rf must be finite and >= 0, got {Rf}")
        self.pb = problem
        self.wf = problem.model_weights(Rf)
        #: a driven model's input on the half-step grid, and the bounds the optimisers keep
        self.u = getattr(problem, "u", None)
        self.bounds = getattr(problem, "bounds", None)
        self.nx = problem.M * problem.D
        self.n_calls = 0

    def _split(self, z):
        return self.pb.time_major(np.asarray(z, dtype=float))

    def terms(self, z) -> ActionValue:
        Xt, p = self._split(z)
        dm = Xt - self.pb.Y0
        meas = float(np.sum(self.pb.w_meas * dm * dm))
        r = residual(self.pb.model, self.pb.rule, Xt, p, self.pb.h, u=self.u).r
        mod = float(np.sum(self.wf * r * r))
        self.n_calls += 1
        return ActionValue(meas + mod, meas, mod)

    def value(self, z) -> float:
        return self.terms(z).total

    def _pieces(self, z):
        Xt, p = self._split(z)
        self._last = (Xt, p)
        dm = Xt - self.pb.Y0
        res = residual(self.pb.model, self.pb.rule, Xt, p, self.pb.h, blocks=True, u=self.u)
        self.n_calls += 1
        return dm, res

    def value_grad_terms(self, z):
        """(A, dA/dz, measurement term, model term)."""
        dm, res = self._pieces(z)
        pb, r = self.pb, res.r
        wdm = pb.w_meas * dm
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
        gp = 2.0 * (wrow @ res.C[:, :, self.pb.est_idx])[:, 0].sum(axis=0)
        return np.concatenate([gx.ravel(), gp])

    def value_grad(self, z):
        """(A, dA/dz): the pair scipy's ``minimize(..., jac=True)`` wants."""
        total, g, _, _ = self.value_grad_terms(z)
        return total, g

    def meas_gradient(self, z) -> np.ndarray:
        """The measurement term's gradient (n,) in packed order (zero on parameters)."""
        Xt, _ = self._split(z)
        g = np.zeros(np.size(z))
        g[:self.nx] = (2.0 * self.pb.w_meas * (Xt - self.pb.Y0)).ravel()
        return g

    @property
    def has_hessian(self) -> bool:
        """Whether :meth:`hessian` is available (the model has second derivatives)."""
        return bool(getattr(self.pb.model, "has_hessian", False))

    def hessian(self, z) -> BlockHessian:
        """Gradient and exact Hessian blocks at ``z`` (a :class:`dalearn.optimize.BlockHessian`)."""
        return self.gauss_newton(z, exact=True)

    def gauss_newton(self, z, exact: bool = False) -> BlockHessian:
        """Gradient and Gauss-Newton blocks at ``z`` (exact Hessian blocks with ``exact``)."""
        dm, res = self._pieces(z)
        pb, r = self.pb, res.r
        A, B, C = res.A, res.B, res.C[:, :, pb.est_idx]
        wdm = pb.w_meas * dm
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
        Hd[:, idx, idx] += 2.0 * pb.w_meas
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
            self._add_curvature(res, 2.0 * wr, Hd, Ho, Hxp, Hpp)
        return BlockHessian(meas + mod, meas, mod, g, Hd, Ho, Hxp, Hpp, exact)

    def _add_curvature(self, res, wr, Hd, Ho, Hxp, Hpp):
        """Add Σ_a λ_a ∇² r_a in place (``wr`` = λ = 2 W r: the action's second-order term)."""
        pb = self.pb
        _, p = self._last
        cv = residual_curvature(pb.model, pb.rule, res, p, wr, pb.h, u=self.u)
        if cv.Hgrid is not None:
            Hd += cv.Hgrid
        if cv.H00 is not None:
            Hd[:-1] += cv.H00
        if cv.H11 is not None:
            Hd[1:] += cv.H11
        if cv.H01 is not None:
            Ho += cv.H01
        e = pb.est_idx
        if e.size:
            if cv.Hgrid_p is not None:
                Hxp += cv.Hgrid_p[:, :, e]
            if cv.H0p is not None:
                Hxp[:-1] += cv.H0p[:, :, e]
            if cv.H1p is not None:
                Hxp[1:] += cv.H1p[:, :, e]
            Hpp += cv.Hpp[np.ix_(e, e)]
