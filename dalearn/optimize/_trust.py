"""The trust-region step rule on the banded-and-bordered exact Hessian (method ``tr``).

Damped Newton crawls where the Hessian is indefinite along a long valley: λ must exceed the
most negative curvature, and every step is then short along the very direction that lowers
the action most.  Here the step length is the controlled quantity instead (Moré and
Sorensen 1983, in the metric S of :class:`BandedSolver`, the Hessian's absolute diagonal):

    minimise  gᵀp + ½ pᵀHp  subject to  ‖p‖_S <= Δ,

solved by p(λ) = -(H + λS)⁻¹ g with λ >= 0, H + λS positive definite, and λ = 0 or
‖p(λ)‖_S ≈ Δ (a safeguarded Newton iteration on 1/Δ - 1/‖p(λ)‖_S, each trial one banded
Cholesky).  When the Hessian is indefinite and the step stays inside the region (g nearly
orthogonal to the negative curvature: the "hard case") a direction of negative curvature v
from inverse iteration with the factor of H + λS is added to reach the boundary.  Δ doubles
after good full-length steps, so along an indefinite valley the steps grow geometrically
instead of crawling.  The stop is the one of ``newton``: a successful Cholesky at λ = 0
with decrement ½ gᵀH⁻¹g <= ftol A is a verified minimum.  The loop itself is
:func:`dalearn.optimize._loop.second_order`; the step ``p`` of the subproblem is its δ.
"""
from __future__ import annotations

import numpy as np

from ._banded import BandedSolver
from ._loop import Iterate, Step, Trial

__all__ = ["TrustRadius", "negative_curvature"]


def _packed_scale(solver: BandedSolver) -> np.ndarray:
    """S's diagonal in the problem's packed order."""
    if solver.perm is None:
        return solver.scale
    s = np.empty_like(solver.scale)
    s[solver.perm] = solver.scale
    return s


def negative_curvature(solver: BandedSolver, lam: float, s: np.ndarray, held=None,
                       n_iter: int = 4, seed: int = 0):
    """A direction v (‖v‖_S = 1) of the most negative curvature of H relative to S, by
    inverse iteration v <- (H + λS)⁻¹ S v with the factor of H + λS (positive definite,
    λ just above -μ_min), and its Rayleigh quotient vᵀHv; None when the factor fails."""
    if not solver.factor(lam, held):
        return None
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(len(s))
    if held is not None:
        v[held] = 0.0
    for _ in range(n_iter):
        v = solver.solve_factored(s * v)
        if held is not None:
            v[held] = 0.0
        v /= np.sqrt(float(np.sum(s * v * v)))
    return v


def _boundary_tau(p, v, s, delta):
    """Both roots τ of ‖p + τ v‖_S = Δ (‖v‖_S = 1, ‖p‖_S <= Δ)."""
    b = float(np.sum(s * p * v))
    c = float(np.sum(s * p * p)) - delta * delta
    r = np.sqrt(max(b * b - c, 0.0))
    return -b + r, -b - r


def _subproblem(solver, g, s, delta, lam0, held, max_factor: int = 16):
    """The step of the trust-region subproblem and its λ; (None, λ) when no factor is found.
    Returns (p, λ, newton) where ``newton`` says λ = 0 gave a step inside the region."""
    if solver.factor(0.0, held):
        p = solver.solve_factored(-g)
        if held is not None:
            p[held] = 0.0
        if float(np.sum(s * p * p)) <= delta * delta:
            return p, 0.0, True
        lam_lo = 0.0
    else:
        lam_lo = None                      # H is indefinite: the lower bound is unknown
    lam_hi = np.inf
    lam = lam0 if lam0 > 0 else 1e-4
    p_best, lam_best = None, None
    indefinite = lam_lo is None
    lam_lo = 0.0 if lam_lo is None else lam_lo
    for _ in range(max_factor):
        if not solver.factor(lam, held):
            lam_lo = lam
            lam = 10.0 * lam if not np.isfinite(lam_hi) else np.sqrt(lam * lam_hi)
            continue
        p = solver.solve_factored(-g)
        if held is not None:
            p[held] = 0.0
        norm = np.sqrt(float(np.sum(s * p * p)))
        p_best, lam_best = p, lam
        if abs(norm - delta) <= 0.2 * delta:
            return p, lam, False
        if norm > delta:
            lam_lo = lam
        else:
            lam_hi = lam
        # Newton on 1/Δ - 1/‖p‖: λ += (‖p‖/‖q‖)² (‖p‖ - Δ)/Δ, ‖q‖² = (Sp)ᵀ(H + λS)⁻¹(Sp)
        w = solver.solve_factored(s * p)
        q2 = float(np.sum(s * p * w))
        nxt = lam + (norm * norm / max(q2, 1e-300)) * (norm - delta) / delta
        if not (lam_lo < nxt < lam_hi):
            nxt = np.sqrt(lam_lo * lam_hi) if np.isfinite(lam_hi) and lam_lo > 0 else \
                (0.5 * (lam_lo + lam_hi) if np.isfinite(lam_hi) else 10.0 * lam)
        lam = nxt
        if np.isfinite(lam_hi) and lam_hi - lam_lo <= 1e-3 * lam_hi:
            break
    if p_best is None:
        return None, lam, False
    p = p_best
    norm = np.sqrt(float(np.sum(s * p * p)))
    if indefinite and norm < 0.8 * delta:
        # hard case: add negative curvature up to the boundary (the root lowering the model)
        v = negative_curvature(solver, lam_best, s, held)
        if v is not None:
            t1, t2 = _boundary_tau(p, v, s, delta)
            p = min((p + t1 * v, p + t2 * v), key=lambda d: float(g @ d))
        solver.factor(lam_best, held)
    return p, lam_best, False


def _first_radius(solver, g, s, mask) -> float:
    """The Newton step's length when H is positive definite, else the Cauchy-like length
    ‖g‖²/(gᵀ|diag H| g) in the S metric."""
    if solver.factor(0.0, mask):
        p0 = solver.solve_factored(-g)
        delta = np.sqrt(float(np.sum(s * p0 * p0)))
    else:
        gs = g / s
        delta = float(g @ gs) / np.sqrt(float(np.sum(s * gs * gs)))
    return max(delta, 1e-12)


class TrustRadius:
    """The trust-region step rule on the exact Hessian (see the module doc).  A start where
    the Hessian is indefinite takes Gauss-Newton steps until they slow (as ``newton``)."""
    exact = True
    exact_at_end = True
    failure = "linear solve failed (trust region shrank to nothing)"
    halvings = 0

    def start(self, it: Iterate) -> None:
        self.delta, self.lam = None, 0.0
        if not it.solver.factor(0.0):
            it.enter_gauss_newton()

    def propose(self, it: Iterate) -> Step | int:
        self.s = _packed_scale(it.solver)
        g = it.free_grad()
        if self.delta is None:
            self.delta = _first_radius(it.solver, g, self.s, it.mask)
        p, self.lam, newton = _subproblem(it.solver, g, self.s, self.delta, self.lam, it.mask)
        if p is None:
            return -2
        return Step(p, self.lam, undamped=newton)

    def _resize(self, trial: Trial) -> None:
        """Δ shrinks to a quarter of a poor step, doubles after a good full-length one."""
        norm = np.sqrt(float(np.sum(self.s * trial.dz * trial.dz)))
        if trial.rho < 0.25:
            self.delta = 0.25 * norm
        elif trial.rho > 0.75 and norm >= 0.79 * self.delta:
            self.delta = 2.0 * self.delta

    def accepted(self, it: Iterate, trial: Trial, old: float, left_gn: bool) -> bool:
        self._resize(trial)
        if left_gn:
            self.delta = None
        self.lam = self.lam / 10.0 if self.lam > 0 else 0.0
        return False

    def rejected(self, it: Iterate, trial: Trial) -> int | None:
        self._resize(trial)
        z = it.z
        if trial.small or self.delta <= 1e-14 * (np.sqrt(float(np.sum(self.s * z * z))) + 1e-300):
            return 0 if it.converged_at_rounding(trial.pred) else -2
        self.lam = self.lam / 10.0 if self.lam > 0 else 0.0
        return None
