"""A trust-region Newton iteration on the banded-and-bordered exact Hessian (method ``tr``).

Damped Newton (``newton``: Levenberg-Marquardt damping λ set by a heuristic) crawls where
the Hessian is indefinite along a long valley: λ must exceed the most negative curvature,
each failed Cholesky multiplies it by 10, and every step is then short along the very
direction that lowers the action most.  Here the step length is the controlled quantity
instead (Moré and Sorensen 1983, in the metric S of :class:`BandedSolver`, the Hessian's
absolute diagonal):

    minimise  gᵀp + ½ pᵀHp  subject to  ‖p‖_S <= Δ,

solved by p(λ) = -(H + λS)⁻¹ g with λ >= 0, H + λS positive definite, and λ = 0 or
‖p(λ)‖_S ≈ Δ (a safeguarded Newton iteration on 1/Δ - 1/‖p(λ)‖_S, each trial one banded
Cholesky).  When the Hessian is indefinite and the step stays inside the region (g nearly
orthogonal to the negative curvature: the "hard case") a direction of negative curvature v
from inverse iteration with the factor of H + λS is added to reach the boundary.  Δ doubles
after good full-length steps, so along an indefinite valley the steps grow geometrically
instead of crawling.  The stop is the one of ``newton``: a successful Cholesky at λ = 0
with decrement ½ gᵀH⁻¹g <= ftol A is a verified minimum.
"""
from __future__ import annotations

import numpy as np

from ._banded import BandedSolver

__all__ = ["trust_region", "negative_curvature"]


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


def trust_region(ev, z0, maxiter: int, ftol: float, xtol: float, bounds=None) -> dict:
    """Minimise ``ev`` (``terms``, ``hessian``) from ``z0`` by trust-region Newton steps (see
    the module doc).  Returns a dict with the final ``z``, ``hb`` (the exact blocks there),
    ``status`` (codes of :data:`dalearn.optimize.STATUS`), ``nit``, ``nfev``, ``verified``
    ((decrement, True) when the stop verified the minimum, else None), ``held`` and the
    ``solver`` holding the last factor (that of H at λ = 0 when verified)."""
    z = np.array(z0, dtype=float)
    lo = hi = None
    if bounds is not None:
        lo, hi = (np.asarray(v, dtype=float) for v in bounds)
        z = np.clip(z, lo, hi)
    hb = ev.hessian(z)
    solver = BandedSolver()
    nfev = 1
    out = {"z": z, "hb": hb, "nit": 0, "nfev": nfev, "verified": None, "held": None,
           "solver": solver}
    if not np.isfinite(hb.total) or not np.all(np.isfinite(hb.g)):
        out["status"] = -1
        return out
    solver.prepare(hb)
    s = _packed_scale(solver)
    delta = None
    lam = 0.0
    # far from a minimum (indefinite Hessian at the start) Gauss-Newton blocks, always
    # semi-definite, until a step lowers the action by less than 10 % (as ``newton`` does)
    gn_phase = False
    if not solver.factor(0.0) and hasattr(ev, "gauss_newton"):
        gn_phase = True
        hb = ev.gauss_newton(z)
        nfev += 1
        solver.prepare(hb)
        s = _packed_scale(solver)
    status, nit, held = 1, 0, None
    for nit in range(1, maxiter + 1):
        held = ((z <= lo) & (hb.g > 0)) | ((z >= hi) & (hb.g < 0)) if bounds is not None \
            else None
        g = hb.g if held is None or not held.any() else np.where(held, 0.0, hb.g)
        if delta is None:
            # first radius: the Newton step's length when H is positive definite, else the
            # Cauchy-like length ‖g‖²/(gᵀ|diag H| g) in the S metric
            if solver.factor(0.0, held):
                p0 = solver.solve_factored(-g)
                delta = np.sqrt(float(np.sum(s * p0 * p0)))
            else:
                gs = g / s
                delta = float(g @ gs) / np.sqrt(float(np.sum(s * gs * gs)))
            delta = max(delta, 1e-12)
        p, lam, is_newton = _subproblem(solver, g, s, delta, lam, held)
        if p is None:
            status = -2
            break
        if is_newton and not gn_phase:
            dec = -0.5 * float(g @ p)
            if dec <= ftol * max(hb.total, 1e-300):
                status = 0
                out["verified"] = (dec, True)
                break
        if bounds is not None:
            p = np.clip(z + p, lo, hi) - z
            if held is not None:
                p[held] = 0.0
        pred = -float(hb.g @ p) - 0.5 * float(p @ hb.matvec(p))
        trial = ev.terms(z + p)
        nfev += 1
        actual = hb.total - trial.total
        rho = actual / pred if pred > 0 and np.isfinite(trial.total) else -1.0
        pnorm = np.sqrt(float(np.sum(s * p * p)))
        small_step = np.linalg.norm(p) <= xtol * (np.linalg.norm(z) + xtol)
        if rho < 0.25:
            delta = 0.25 * pnorm
        elif rho > 0.75 and pnorm >= 0.79 * delta:
            delta = 2.0 * delta
        if rho > 1e-4:
            z = z + p
            if gn_phase and actual < 0.1 * hb.total:
                gn_phase, delta = False, None
            hb = ev.gauss_newton(z) if gn_phase else ev.hessian(z)
            nfev += 1
            solver.prepare(hb)
            s = _packed_scale(solver)
            if small_step:
                status = 0
                break
        elif small_step or delta <= 1e-14 * (np.sqrt(float(np.sum(s * z * z))) + 1e-300):
            status = 0 if 0 < pred <= ftol * hb.total else -2
            break
        lam = lam / 10.0 if lam > 0 else 0.0
    if gn_phase:
        hb = ev.hessian(z)
        nfev += 1
        solver.prepare(hb)
    out.update(z=z, hb=hb, status=status, nit=nit, nfev=nfev, held=held, solver=solver)
    return out
