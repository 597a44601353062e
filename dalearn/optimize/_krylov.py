"""Truncated-Newton solves for large sparse Hessians: preconditioned conjugate gradients on
exact Hessian-vector products, preconditioned by a sparse factor of an EARLIER matrix.

Along an annealing the Hessian changes slowly: between Newton iterations at one R_f, and
from one R_f to the next (R_f doubles, so H_new ≈ A + 2 R_f B against H_old ≈ A + R_f B: the
eigenvalues of H_old⁻¹ H_new lie near [1, 2]).  So a factor made once is an excellent
preconditioner for many later solves, and each solve costs a few sparse products and
triangular solves instead of a new factorisation.  :class:`KrylovSolver` has the interface
of :class:`~dalearn.optimize.SparseSolver`:

- ``factor(λ, held)`` solves (H + λS) x = -g (g with held entries zeroed, on the free
  variables only) by PCG with the kept factor, to a relative preconditioned residual
  ``rtol`` (``rtol_damped`` for a damped Gauss-Newton matrix: far from a minimum, where
  the step is a rough one anyway; an inexact Newton step).  A direction of non-positive
  curvature proves H + λS is not positive definite (False, as a failed Cholesky).
  H + λS itself is factored (:class:`SparseSolver`, exact definiteness test by the
  pivots) and becomes the kept preconditioner when the CPU time PCG has spent with the
  kept factor reaches what that factor cost (the rent-or-buy rule: never more than twice
  the best choice in hindsight), or when PCG has not converged after ``refactor_after``
  iterations.
- ``decrement_error``: after a solve of A x = b, what ½ bᵀx must be raised by to bound
  ½ bᵀA⁻¹b from above (see :meth:`KrylovSolver._error`; the bound's λ_min(P⁻¹A) is the
  smallest Ritz value, an estimate); the Newton loop adds it to the decrement before it
  calls a point a minimum.
- Positive definiteness after a converged PCG is an ESTIMATE (Lanczos): every curvature
  pᵀ(H + λS)p met was positive, i.e. the smallest Ritz value of the preconditioned matrix
  is positive; ``min_ritz`` holds it.  An exact test is one :class:`SparseSolver` factor.

The kept factor lives in a one-entry cache per process, keyed by the matrix's shape, so it
carries over from one R_f to the next (each R_f is a separate minimisation).
"""
from __future__ import annotations

import time

import numpy as np

from ._banded import BandedSolver
from ._sparse import SparseSolver

__all__ = ["KrylovSolver", "pcg", "clear_preconditioner", "KRYLOV_COUNTS"]

#: the last factor (matrix shape -> SparseSolver holding a successful factor)
_KEPT: dict = {}
#: process-wide counts (for benchmarks): PCG solves and iterations, factorisations made
KRYLOV_COUNTS = {"solves": 0, "iterations": 0, "factorizations": 0}


def clear_preconditioner() -> None:
    """Forget the kept factor (its memory is released)."""
    _KEPT.clear()


def pcg(matvec, precond, b, rtol: float, maxiter: int, enough: float | None = None):
    """Conjugate gradients for A x = b, A given by ``matvec``, the symmetric positive
    definite preconditioner by ``precond`` (r -> P⁻¹ r); from x = 0.  ``enough``: also stop
    (after at least 3 iterations) once the upper estimate of ½ bᵀA⁻¹b, -q(x) + ½ rz /
    min_ritz, is at most half of it (a Newton decrement already small enough to stop on).

    Returns (x, status, iterations, min_ritz, rz): status "converged" (rᵀP⁻¹r <= rtol²
    bᵀP⁻¹b), "negative" (a direction p with pᵀAp <= 0 was met: A is not positive definite; x
    is the last iterate) or "maxiter"; min_ritz the smallest eigenvalue of the Lanczos matrix
    of P⁻¹A built from the iterations (nan when none); rz = rᵀP⁻¹r at the end.  The energy
    error is then (x* - x)ᵀA(x* - x) = rᵀA⁻¹r <= rz / λ_min(P⁻¹A), about rz / min_ritz."""
    x = np.zeros_like(b)
    r = b.copy()
    zr = precond(r)
    rz = float(r @ zr)
    if not rz > 0.0:
        return x, "converged", 0, float("nan"), 0.0
    stop = rtol * rtol * rz
    p = np.array(zr, copy=True)                 # precond may hand back r itself
    alphas, betas, lower = [], [], 0.0
    for k in range(1, maxiter + 1):
        Ap = matvec(p)
        pAp = float(p @ Ap)
        if not pAp > 0.0:
            return x, "negative", k, _min_ritz(alphas + [np.inf], betas), rz
        alpha = rz / pAp
        x += alpha * p
        r -= alpha * Ap
        zr = precond(r)
        rz_new = float(r @ zr)
        alphas.append(alpha)
        lower += 0.5 * alpha * rz                  # -q(x) grows by ½ α rᵀP⁻¹r each step
        if rz_new <= stop:
            return x, "converged", k, _min_ritz(alphas, betas), rz_new
        if enough is not None and k >= 3:
            ritz = _min_ritz(alphas, betas)
            if ritz > 0 and lower + 0.5 * rz_new / ritz <= 0.5 * enough:
                return x, "converged", k, ritz, rz_new
        beta = rz_new / rz
        betas.append(beta)
        p = zr + beta * p
        rz = rz_new
    return x, "maxiter", maxiter, _min_ritz(alphas, betas), rz


def _min_ritz(alphas, betas) -> float:
    """The smallest eigenvalue of the Lanczos tridiagonal matrix of CG's coefficients."""
    k = len(alphas)
    if k == 0:
        return float("nan")
    a = np.asarray(alphas, dtype=float)
    b = np.asarray(betas[:k - 1], dtype=float)
    diag = 1.0 / a
    diag[1:] += b / a[:-1]
    off = np.sqrt(b) / a[:-1]
    T = np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)
    return float(np.linalg.eigvalsh(T)[0])


class KrylovSolver:
    """Damped solves (H + λ S) δ = -g for one :class:`~dalearn.optimize.SparseHessian` by
    PCG with a kept sparse factor (see the module doc); the interface of
    :class:`~dalearn.optimize.SparseSolver`."""

    perm = None

    #: a decrement this small is enough to stop on (set by the Newton loop: ftol A)
    enough = None
    #: the Newton loop's Gauss-Newton phase (from an indefinite start) lasts until a step
    #: lowers the action by less than this fraction (0.1 on the direct paths): Gauss-Newton
    #: solves are positive definite, exact ones there fail and refactor (docs/decisions.md)
    gn_exit = 1e-3

    def __init__(self, rtol: float = 1e-4, refactor_after: int = 40, rtol_other: float = 1e-2,
                 rtol_damped: float = 1e-2):
        for name, v in (("rtol", rtol), ("rtol_other", rtol_other), ("rtol_damped", rtol_damped)):
            if not 0.0 < v < 1.0:
                raise ValueError(f"{name} must be in (0, 1), got {v!r}")
        self.rtol_other, self.rtol_damped = float(rtol_other), float(rtol_damped)
        if int(refactor_after) < 1:
            raise ValueError(f"refactor_after must be >= 1, got {refactor_after!r}")
        self.rtol, self.refactor_after = float(rtol), int(refactor_after)
        #: counters over this solver's life: PCG iterations, factorisations, solves
        self.iterations, self.factorizations, self.solves = 0, 0, 0

    def prepare(self, hb) -> None:
        """Take the matrix and gradient of ``hb`` (a SparseHessian)."""
        self.hb, self.H = hb, hb.H
        self.g = np.asarray(hb.g, dtype=float)
        diag = self.H.diagonal()
        self.scale = np.maximum(np.abs(diag), 1e-12 * max(np.abs(diag).max(initial=0.0),
                                                          1e-300))
        self.key = self.H.shape          # any earlier factor of this size preconditions
        self._ok, self._cache, self.failure, self.pivot = False, None, None, 0
        self.min_ritz, self.decrement_error = float("nan"), 0.0

    def _kept(self):
        s = _KEPT.get(self.key)
        return s if s is not None and s._lu is not None else None

    def _refactor(self) -> bool:
        """Factor H + λS (held rows damped) exactly; on success it becomes the kept
        preconditioner, with its cost (CPU s) and the PCG time spent on it since (0).
        False: H + λS is not positive definite (exact)."""
        t = time.process_time()
        s = SparseSolver()
        s.prepare(self.hb)
        self.factorizations += 1
        KRYLOV_COUNTS["factorizations"] += 1
        ok = s.factor(self.lam, self.held)
        s.cost, s.spent = time.process_time() - t, 0.0
        if not ok:
            self.failure, self.pivot = s.failure, s.pivot
            kept = self._kept()
            if kept is not None:                   # rent again before buying again
                kept.spent = 0.0
            return False
        _KEPT.clear()
        _KEPT[self.key] = s
        return True

    def _operators(self):
        """(A v, P⁻¹ r) on the free variables (held entries zero)."""
        damp, free = self.lam * self.scale, self.free
        H, pre = self.H, self._kept()

        def matvec(v):
            out = H @ v + damp * v
            return out if free is None else out * free

        def precond(r):
            out = pre.solve_factored(r)
            return out if free is None else out * free
        return matvec, precond

    def _solve(self, rhs, rtol=None, enough=None):
        """PCG for (H + λS) x = rhs; (x, status).  A new factor is made first when the PCG
        time spent on the kept one has reached what that factor cost (rent or buy), and
        when PCG has not converged after ``refactor_after`` iterations."""
        if self.free is not None:
            rhs = rhs * self.free
        for attempt in range(2):
            kept = self._kept()
            if (kept is None or kept.spent >= kept.cost) and not self._refactor():
                return None, "negative"
            kept = self._kept()
            matvec, precond = self._operators()
            cap = self.refactor_after if attempt == 0 else 10 * self.refactor_after
            t = time.process_time()
            x, status, k, ritz, rz = pcg(matvec, precond, rhs, rtol or self.rtol, cap, enough)
            kept.spent += time.process_time() - t
            self.iterations += k
            self.solves += 1
            KRYLOV_COUNTS["iterations"] += k
            KRYLOV_COUNTS["solves"] += 1
            if status == "converged":
                self.min_ritz = ritz
                self.decrement_error = self._error(rhs, x, matvec, rz, ritz) if k else 0.0
                return x, status
            if status == "negative":
                self.failure, self.pivot = "band", -1
                return None, status
            if not self._refactor():
                return None, "negative"
        return None, "maxiter"

    @staticmethod
    def _error(b, x, matvec, rz, ritz) -> float:
        """What to add to ½ bᵀx for an upper estimate of ½ bᵀA⁻¹b: with q(x) = ½ xᵀAx - bᵀx,
        ½ bᵀA⁻¹b = -q(x) + ½ (x* - x)ᵀA(x* - x) <= -q(x) + ½ rᵀP⁻¹r / λ_min(P⁻¹A), the
        last estimated by the smallest Ritz value (no reliance on CG's orthogonality)."""
        return 0.5 * float(b @ x) - 0.5 * float(x @ matvec(x)) + 0.5 * rz / ritz

    def factor(self, lam: float, held=None) -> bool:
        """Solve (H + λS) δ = -g (free part) by PCG; False when H + λS is shown not to be
        positive definite (or PCG fails even with a fresh factor)."""
        self.lam = float(lam)
        self.held = held if held is not None and held.any() else None
        self.free = None if self.held is None else (~self.held).astype(float)
        self.failure, self.pivot = None, 0
        rhs = -np.where(self.held, 0.0, self.g) if self.held is not None else -self.g
        loose = self.lam > 0.0 and not self.hb.exact
        x, status = self._solve(rhs, self.rtol_damped if loose else self.rtol,
                                self.enough if self.lam == 0.0 else None)
        self._ok = x is not None
        if self._ok:
            self._cache = (rhs, x, self.decrement_error)
        elif self.failure is None:
            self.failure, self.pivot = "band", -1
        return self._ok

    def solve_factored(self, rhs: np.ndarray) -> np.ndarray:
        """(H + λ S)⁻¹ rhs (free part) for the λ of the last successful :meth:`factor`;
        ``rhs`` (n,) or (n, k).  The step's right-hand side ±(-g) is answered from the
        factor() solve; any other (the continuation tangent, a trust-region iteration) is
        solved to ``rtol_other``."""
        rhs = np.asarray(rhs, dtype=float)
        if rhs.ndim == 2:
            return np.column_stack([self.solve_factored(c) for c in rhs.T])
        c = self._cache
        if c is not None and (np.array_equal(c[0], rhs) or np.array_equal(c[0], -rhs)):
            self.decrement_error = c[2]
            return c[1].copy() if np.array_equal(c[0], rhs) else -c[1]
        x, status = self._solve(rhs, self.rtol_other)
        if x is None:
            raise np.linalg.LinAlgError("PCG failed on a matrix it had solved before")
        return x

    step = BandedSolver.step
    damping_norm = BandedSolver.damping_norm
