"""The action's Hessian as a sparse matrix, for models that declare their Jacobian's sparsity.

For the one-step rules whose stage points are the grid points themselves (``euler``,
``trapezoid``) the residual's Jacobian blocks are A(n) = -I - c₀ J(x(n)), B(n) = I - c₁
J(x(n+1)) (trapezoid c₀ = c₁ = h/2; Euler c₀ = h, c₁ = 0), so with a model's Jacobian
given at its pattern (:meth:`dalearn.models.Model.jac_values`, nnz per state instead of D²)
the whole residual Jacobian Jr ((M-1) D, M D + Pe) is a sparse matrix of O(M nnz) entries,
and the action's Hessian

    H = 2 Jrᵀ W Jr + 2 diag(w_meas) + Σ_n [Σ_a λ_a ∇² r_a(n)],   λ = 2 W r,

is assembled as one: the second-order term sits on the grid points only (block diagonal,
:meth:`~dalearn.models.Model.hess_values` at the model's Hessian pattern).  Memory and work
are O(M nnz), never O(M D²).  :func:`residual_vjp` gives the gradient's Jrᵀ λ in O(M D)
through the model's ``vjp`` (no Jacobian at all).

``DALEARN_SPARSE`` (environment): ``auto`` (default: sparse from ``SPARSE_MIN_D`` states
on, solved by preconditioned conjugate gradients from ``KRYLOV_MIN_D`` on: the measured
crossovers, see docs/decisions.md), ``always`` (sparse, a factorisation per solve, at any
size), ``krylov`` (sparse with conjugate gradients at any size) or ``never``.
"""
from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp

__all__ = ["SPARSE_RULES", "SPARSE_MIN_D", "KRYLOV_MIN_D", "SPARSE_MIN_D_DIRECT_BAND",
           "sparse_applies", "krylov_applies", "SparseAction", "residual_vjp"]

#: rules whose stage points are grid points (A, B are ±I minus a multiple of J)
SPARSE_RULES = {"euler": (1.0, 0.0), "trapezoid": (0.5, 0.5)}
#: from this many states on the sparse Hessian is the default (the measured crossover)
SPARSE_MIN_D = 80
#: from this many states on the sparse solves are by conjugate gradients (measured)
KRYLOV_MIN_D = 80
#: where the band is written straight from the Jacobian's pattern (no input, no estimated
#: parameter: dalearn.discretize.band_applies) it stays faster up to here (measured)
SPARSE_MIN_D_DIRECT_BAND = 200
_MODES = ("auto", "always", "never", "krylov")


def _mode() -> str:
    mode = os.environ.get("DALEARN_SPARSE", "auto").lower()
    if mode not in _MODES:
        raise ValueError(f"DALEARN_SPARSE must be one of {', '.join(_MODES)}, got {mode!r}")
    return mode


def sparse_applies(model, rule: str, u=None, n_est: int = 0) -> bool:
    """Whether the action of ``model`` under ``rule`` (input ``u``, ``n_est`` estimated
    parameters) gets the sparse Hessian: the model declares its Jacobian and Hessian
    patterns, the rule is in ``SPARSE_RULES``, and D is at least ``SPARSE_MIN_D`` (at least
    ``SPARSE_MIN_D_DIRECT_BAND`` where the band is written directly: no input, no
    estimated parameter); ``DALEARN_SPARSE=always``/``krylov``/``never`` overrides the size."""
    mode = _mode()
    if mode == "never" or rule not in SPARSE_RULES or model.jac_pattern() is None:
        return False
    if getattr(model, "has_hessian", False) and model.hess_pattern() is None:
        return False
    direct = u is None and not n_est
    return mode in ("always", "krylov") or model.D >= (SPARSE_MIN_D_DIRECT_BAND if direct
                                                       else SPARSE_MIN_D)


def krylov_applies(model) -> bool:
    """Whether a sparse action of ``model`` is solved by conjugate gradients (see
    :class:`dalearn.optimize.KrylovSolver`): from ``KRYLOV_MIN_D`` states on, or always with
    ``DALEARN_SPARSE=krylov`` (never with ``always``)."""
    mode = _mode()
    return mode == "krylov" or (mode == "auto" and model.D >= KRYLOV_MIN_D)


def _extra(model, u):
    """The input argument tuple of a driven model at the grid points, else ()."""
    return (np.asarray(u, dtype=float)[::2],) if u is not None and model.n_inputs else ()


def residual_vjp(model, rule: str, X, p, h: float, lam, est_idx, u=None):
    """Jrᵀ λ for weights ``lam`` (M-1, D) in O(M D): (gx (M, D), gp (Pe,)), or None when
    the rule is not in ``SPARSE_RULES`` or the model is driven."""
    if rule not in SPARSE_RULES or u is not None:
        return None
    c0, c1 = SPARSE_RULES[rule]
    s = np.zeros_like(X)
    s[:-1] += c0 * lam
    s[1:] += c1 * lam
    gx = -h * model.vjp(X, p, s)
    gx[:-1] -= lam
    gx[1:] += lam
    gp = np.zeros(len(est_idx))
    if len(est_idx):
        Jp = model.jac_p(X, p)[:, :, est_idx]
        gp = -h * np.einsum("na,naj->j", s, Jp)
    return gx, gp


class SparseAction:
    """The sparse pieces of one action at a path: residual ``r`` (M-1, D) and its Jacobian
    ``Jr`` (CSR, ((M-1) D, M D + Pe)); :meth:`hessian` the (Gauss-Newton or exact) Hessian.

    ``X`` (M, D) time-major path, ``p`` (P,) full parameters, ``est_idx`` the estimated
    ones, ``u`` a driven model's input on the half-step grid."""

    def __init__(self, model, rule: str, X, p, h: float, est_idx, u=None):
        self.model, self.rule, self.X, self.p, self.h = model, rule, X, p, float(h)
        self.e = np.asarray(est_idx, dtype=int)
        self.extra = _extra(model, u)
        M, D = X.shape
        self.M, self.D, self.nx = M, D, M * D
        self.n = self.nx + self.e.size
        F = model.rhs(X, p, *self.extra)
        c0, c1 = SPARSE_RULES[rule]
        self.r = X[1:] - X[:-1] - h * (c0 * F[:-1] + c1 * F[1:])
        self.Jr = self._jacobian(c0, c1)

    def _jacobian(self, c0: float, c1: float):
        model, X, h, M, D = self.model, self.X, self.h, self.M, self.D
        rows, cols = model.jac_pattern()
        V = model.jac_values(X, self.p, *self.extra)                # (M, nnz)
        base = (np.arange(M - 1) * D)[:, None]
        R, C, Vs = [], [], []
        for c, shift, vals in ((c0, 0, V[:-1]), (c1, D, V[1:])):
            if c:
                R.append((base + rows).ravel())
                C.append((base + shift + cols).ravel())
                Vs.append((-h * c * vals).ravel())
        ident = np.arange((M - 1) * D)
        R += [ident, ident]
        C += [ident, ident + D]
        Vs += [np.full(ident.size, -1.0), np.ones(ident.size)]
        if self.e.size:
            Jp = self.model.jac_p(X, self.p, *self.extra)[:, :, self.e]      # (M, D, Pe)
            Cp = -h * (c0 * Jp[:-1] + c1 * Jp[1:])
            R.append(np.repeat(ident, self.e.size))
            C.append(np.tile(self.nx + np.arange(self.e.size), ident.size))
            Vs.append(Cp.ravel())
        return sp.csr_matrix((np.concatenate(Vs), (np.concatenate(R), np.concatenate(C))),
                             shape=((M - 1) * D, self.n))

    def gradient(self, wr, wdm) -> np.ndarray:
        """2 Jrᵀ (W r) + the measurement term's gradient (2 ``wdm`` = 2 w_meas (x - y))."""
        g = 2.0 * (self.Jr.T @ wr.ravel())
        g[:self.nx] += 2.0 * wdm.ravel()
        return g

    def hessian(self, wf, w_meas, exact: bool):
        """H (CSR, (n, n)) = 2 Jrᵀ W Jr + 2 diag(w_meas) (+ the second-order term with
        ``exact``), ``wf`` (D,) the model weights, ``w_meas`` (M, D)."""
        w2 = np.tile(2.0 * np.asarray(wf, dtype=float) * np.ones(self.D), self.M - 1)
        H = (self.Jr.T @ sp.diags(w2) @ self.Jr).tocsr()
        diag = np.zeros(self.n)
        diag[:self.nx] = 2.0 * np.broadcast_to(w_meas, (self.M, self.D)).ravel()
        H = H + sp.diags(diag)
        if exact:
            H = H + self._curvature(2.0 * wf * self.r)
        return H.tocsr()

    def _curvature(self, lam):
        """Σ_a λ_a ∇² r_a(n) as a sparse (n, n) matrix: on the grid points' diagonal blocks
        (and the parameter border)."""
        model, M, D, h = self.model, self.M, self.D, self.h
        c0, c1 = SPARSE_RULES[self.rule]
        w = np.zeros((M, D))
        w[:-1] -= h * c0 * lam
        w[1:] -= h * c1 * lam
        rows, cols = model.hess_pattern()
        V = model.hess_values(self.X, self.p, w, *self.extra)         # (M, nnz_h)
        base = (np.arange(M) * D)[:, None]
        R, C, Vs = [(base + rows).ravel()], [(base + cols).ravel()], [V.ravel()]
        if self.e.size:
            Hxp, Hpp = model.hess_params(self.X, self.p, w, *self.extra)
            Hxp = np.asarray(Hxp)[:, :, self.e].reshape(self.nx, -1)
            Pe = self.e.size
            pc = self.nx + np.arange(Pe)
            R += [np.repeat(np.arange(self.nx), Pe), np.tile(pc, self.nx),
                  np.repeat(pc, Pe)]
            C += [np.tile(pc, self.nx), np.repeat(np.arange(self.nx), Pe), np.tile(pc, Pe)]
            Vs += [Hxp.ravel(), Hxp.ravel(),
                   np.asarray(Hpp).sum(axis=0)[np.ix_(self.e, self.e)].ravel()]
        return sp.csr_matrix((np.concatenate(Vs), (np.concatenate(R), np.concatenate(C))),
                             shape=(self.n, self.n))
