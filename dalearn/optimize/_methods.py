"""Minimise the action at one R_f from a starting vector: two exact methods.

- ``lm``: Levenberg-Marquardt on the Gauss-Newton normal matrix, which is block-tridiagonal
  in time (blocks D x D) with a border for the estimated parameters.  Each step is one banded
  Cholesky (LAPACK ``pbtrf``, bandwidth 2D - 1) plus a Schur complement for the border, so a
  step costs O(M D^3) and a minimum takes a handful of steps.
- ``lbfgsb``: scipy's L-BFGS-B with the exact gradient (many cheap steps; allows bounds).

Bounds (``ev.bounds``, a (low, high) pair over the packed vector, from a problem's state and
parameter bounds) are kept by both: L-BFGS-B natively; LM by a projected step: variables at
a bound with the gradient pushing outward are held (a large damping on their diagonal), the
step is clipped into the box and judged by the Gauss-Newton model of the step actually taken.

Both return an :class:`OptResult`; a non-finite action or a failed solve is reported in
``status``/``message``, never hidden.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import minimize as scipy_minimize

from ._banded import BandedSolver

__all__ = ["OptResult", "minimize", "minimize_lm", "minimize_lbfgsb", "METHODS", "STATUS"]

METHODS = ("newton", "lm", "lbfgsb", "tr", "hybrid")
#: status codes shared by OptResult and AnnealResult
STATUS = {0: "converged", 1: "iteration limit reached", -1: "non-finite action",
          -2: "linear solve failed", 2: "stopped, but not at a verified minimum"}


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
    ``tangent``: dz/d log R_f along the minimum (Newton only), the continuation predictor."""
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


def _held(z, g, bounds):
    """Variables on a bound whose gradient pushes them outward."""
    lo, hi = bounds
    return ((z <= lo) & (g > 0)) | ((z >= hi) & (g < 0))


def _free_grad(hb, held):
    return hb.g if held is None or not held.any() else np.where(held, 0.0, hb.g)


def _tangent(ev, z, hb, solver, held):
    """dz/d log R_f at a minimum: -H⁻¹ ∂g/∂ log R_f, where ∂g/∂ log R_f is the model term's
    gradient (the action's gradient less the measurement term's); one solve with the factor
    of H already made."""
    g_model = hb.g - ev.meas_gradient(z)
    if held is not None and held.any():
        g_model = np.where(held, 0.0, g_model)
    t = -solver.solve_factored(g_model)
    if held is not None:
        t[held] = 0.0
    return t


def _damped(ev, z0, build, maxiter: int, ftol: float, xtol: float, bounds,
            newton: bool, check: bool = True) -> OptResult:
    """The damped second-order loop of ``lm`` (``build = ev.gauss_newton``) and ``newton``
    (``build = ev.hessian``): solve (H + λ S) δ = -g by one banded Cholesky, accept δ when
    the action falls by a fair share of the quadratic model's prediction (ratio test),
    shrink λ after good steps (Nielsen's rule) and grow it after bad ones or when H + λ S
    is not positive definite (an indefinite exact Hessian).  Newton drops λ to 0 once it is
    small: the undamped step's predicted decrease ½ gᵀH⁻¹g is the decrement, so a successful
    factor with decrement <= ftol A stops at a verified minimum without another step.
    Newton also tries λ = 0 (one factor, no new build) when a lightly damped step (λ < 1e-4)
    predicted a decrease below 1e-6 A, and, at most twice, when a step predicted to lower A
    by less than ftol A fails the ratio test: both mean the quadratic model is exact to
    rounding, where the ratio test is noise and shrinking λ by thirds wasted 4-6 iterations
    per solve (group-lorenz96: 3692 -> 3495 iterations; the L = 6 problem 1815 -> 1549).
    """
    z = np.array(z0, dtype=float)
    if bounds is not None:
        lo, hi = (np.asarray(v, dtype=float) for v in bounds)
        z = np.clip(z, lo, hi)
    hb = build(z)
    solver = BandedSolver()
    nfev = 1
    if not np.isfinite(hb.total) or not np.all(np.isfinite(hb.g)):
        return OptResult(z, hb.total, hb.meas, hb.model, -1,
                         "non-finite action at the starting point", 0, nfev)
    solver.prepare(hb)
    lam, nu = (0.0 if newton else 1e-5), 2.0
    status, nit, held = 1, 0, None
    verified = None
    gn_phase = False
    floor_tries = 0
    for nit in range(1, maxiter + 1):
        held = _held(z, hb.g, (lo, hi)) if bounds is not None else None
        dz = solver.step(lam, held)
        if dz is None and newton and nit == 1:
            # far from a minimum (indefinite Hessian): Gauss-Newton steps until they slow
            gn_phase, lam = True, 1e-5
            hb = ev.gauss_newton(z)
            nfev += 1
            solver.prepare(hb)
            dz = solver.step(lam, held)
        if dz is None:
            lam = max(lam * 10.0, 1e-5)
            if lam > 1e16:
                status = -2
                break
            continue
        if newton and lam == 0.0 and not gn_phase:
            dec = -0.5 * float(_free_grad(hb, held) @ dz)
            if dec <= ftol * max(hb.total, 1e-300):
                status, verified = 0, (dec, True)
                break
        if bounds is not None:
            dz = np.clip(z + dz, lo, hi) - z
            if held is not None:
                dz[held] = 0.0
        # the quadratic model's decrease for the (clipped) step actually taken; without
        # bounds the step solves (H + λS) δ = -g, so δᵀHδ = -gᵀδ - λ δᵀSδ (no product)
        gdz = float(hb.g @ dz)
        if bounds is None:
            pred = -0.5 * gdz + (0.5 * lam * solver.damping_norm(dz) if lam else 0.0)
        else:
            pred = -gdz - 0.5 * float(dz @ hb.matvec(dz))
        trial = ev.terms(z + dz)
        nfev += 1
        actual = hb.total - trial.total
        rho = actual / pred if pred > 0 else -1.0
        small_step = np.linalg.norm(dz) <= xtol * (np.linalg.norm(z) + xtol)
        if np.isfinite(trial.total) and rho > 1e-4:
            z = z + dz
            old = hb.total
            if gn_phase and actual < 0.1 * old:
                gn_phase = False
            hb = ev.gauss_newton(z) if gn_phase else build(z)
            nfev += 1
            solver.prepare(hb)
            lam *= max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)
            if newton and not gn_phase and (lam < 1e-7 or (lam < 1e-4 and pred <= 1e-6 * old)):
                lam = 0.0
            nu = 2.0
            if not newton and ((abs(old - hb.total) <= ftol * max(hb.total, 1e-300)
                                and pred <= ftol * old) or small_step):
                status = 0
                break
            if newton and small_step:
                status = 0
                break
        else:
            if small_step and np.isfinite(trial.total) and pred <= ftol * hb.total:
                status = 0
                break
            if (newton and not gn_phase and lam > 0.0 and 0.0 < pred <= ftol * hb.total
                    and floor_tries < 2):
                lam, floor_tries = 0.0, floor_tries + 1      # rounding floor: check undamped
                continue
            lam = max(lam * nu, 1e-5)
            nu *= 2.0
            if lam > 1e16:
                status = 0 if 0 < pred <= ftol * hb.total else -2
                break
    msg = STATUS[status]
    if status == -2:
        msg = "linear solve failed (damping grew without bound)"
    tangent = None
    if verified is not None:
        tangent = _tangent(ev, z, hb, solver, held)
    return _checked(ev, OptResult(z, hb.total, hb.meas, hb.model, status, msg, nit, nfev),
                    ftol, hb, verified, held, tangent, check=check or newton)


def _checked(ev, res: OptResult, ftol: float, hb=None, verified=None, held=None,
             tangent=None, check: bool = True) -> OptResult:
    """``res`` with the final point's check (see :class:`OptResult`): the decrement and a
    Cholesky of the exact Hessian there (built unless ``hb``, the blocks the optimiser has
    at ``res.z``, is already the exact one; Gauss-Newton blocks give only the gradient), or
    taken from ``verified`` = (decrement, True) when the optimiser made it."""
    if not check or not np.isfinite(res.total) or not getattr(ev, "has_hessian", False):
        grad = _grad_max(ev, res.z) if hb is None else float(np.max(np.abs(hb.g), initial=0.0))
        return replace(res, grad_max=grad)
    if hb is None or not hb.exact:
        hb = ev.hessian(res.z)
    if held is None and getattr(ev, "bounds", None) is not None:
        held = _held(res.z, hb.g, ev.bounds)
    grad_max = float(np.max(np.abs(_free_grad(hb, held)))) if hb.g.size else 0.0
    if verified is None:
        solver = BandedSolver()
        solver.prepare(hb)
        if solver.factor(0.0, held):
            g = _free_grad(hb, held)
            dec, pd = 0.5 * float(g @ solver.solve_factored(g)), True
        else:
            dec, pd = float("nan"), False
    else:
        dec, pd = verified
    dec = dec / max(res.total, 1e-300)
    status, msg = res.status, res.message
    if status == 0 and not pd:
        status, msg = 2, STATUS[2] + " (the Hessian there is not positive definite)"
    elif status == 0 and not dec <= ftol:
        status, msg = 2, STATUS[2] + f" (decrement {dec:.1e} > ftol {ftol:.0e})"
    return replace(res, status=status, message=msg, decrement=dec, grad_max=grad_max,
                   pos_def=pd, tangent=tangent)


def _grad_max(ev, z) -> float:
    try:
        return float(np.max(np.abs(ev.value_grad(z)[1])))
    except (AttributeError, ValueError):
        return float("nan")


def minimize_lm(ev, z0, maxiter: int = 200, ftol: float = 1e-8,
                xtol: float = 1e-10, bounds=None, check: bool = True) -> OptResult:
    """Levenberg-Marquardt on the Gauss-Newton matrix (any evaluator with ``terms`` and
    ``gauss_newton``); ``bounds`` (low, high) over z are kept by projected steps."""
    return _damped(ev, z0, ev.gauss_newton, maxiter, ftol, xtol, bounds, newton=False,
                   check=check)


def minimize_newton(ev, z0, maxiter: int = 200, ftol: float = 1e-8,
                    xtol: float = 1e-10, bounds=None) -> OptResult:
    """Newton's method on the exact Hessian (``ev.hessian``), globalised by Levenberg-
    Marquardt damping and a ratio test; converges quadratically near a minimum and stops
    at a verified one (decrement <= ftol with a successful Cholesky)."""
    return _damped(ev, z0, ev.hessian, maxiter, ftol, xtol, bounds, newton=True)


def minimize_trust(ev, z0, maxiter: int = 200, ftol: float = 1e-8,
                   xtol: float = 1e-10, bounds=None) -> OptResult:
    """Trust-region Newton on the exact Hessian (:mod:`dalearn._trust`): steps of controlled
    length that follow negative curvature along indefinite valleys; stops, as ``newton``
    does, at a verified minimum."""
    from ._trust import trust_region
    r = trust_region(ev, z0, maxiter, ftol, xtol, bounds)
    hb, status = r["hb"], r["status"]
    msg = {-1: "non-finite action at the starting point",
           -2: "linear solve failed (trust region shrank to nothing)"}.get(status, STATUS[status])
    tangent = None
    if r["verified"] is not None:
        tangent = _tangent(ev, r["z"], hb, r["solver"], r["held"])
    return _checked(ev, OptResult(r["z"], hb.total, hb.meas, hb.model, status, msg, r["nit"],
                                  r["nfev"]), ftol, hb, r["verified"], r["held"], tangent)


def minimize_hybrid(ev, z0, maxiter: int = 200, ftol: float = 1e-8, xtol: float = 1e-10,
                    bounds=None, lbfgsb_ftol: float = 1e-7,
                    lbfgsb_maxiter: int = 20000, finish: str = "newton") -> OptResult:
    """L-BFGS-B to a loose tolerance (``lbfgsb_ftol``, many cheap steps through the
    nonconvex region), then Newton on the exact Hessian (at most ``maxiter`` steps) to
    finish and verify the minimum; iterations and evaluations are the two stages' sums."""
    pairs = None
    if bounds is not None:
        lo, hi = bounds
        z0 = np.clip(z0, lo, hi)
        pairs = list(zip(np.where(np.isfinite(lo), lo, None), np.where(np.isfinite(hi), hi, None)))
    first = minimize_lbfgsb(ev, z0, lbfgsb_maxiter, max(ftol, lbfgsb_ftol), pairs, check=False)
    if first.status == -1:
        return first
    polish = minimize_trust if finish == "tr" else minimize_newton
    res = polish(ev, first.z, maxiter, ftol, xtol, bounds)
    if not res.total <= first.total:        # Newton failed to improve: keep L-BFGS-B's point
        res = _checked(ev, replace(first, status=res.status if res.status != 0 else 2,
                                   message=res.message), ftol)
    return replace(res, nit=first.nit + res.nit, nfev=first.nfev + res.nfev)


def minimize_lbfgsb(ev, z0, maxiter: int, ftol: float, bounds=None,
                    check: bool = True) -> OptResult:
    """L-BFGS-B on any evaluator with ``value``, ``value_grad`` and ``terms``."""
    nfev = [0]

    def fg(z):
        nfev[0] += 1
        f, g = ev.value_grad(z)
        if not np.isfinite(f):
            return np.inf, np.zeros_like(z)
        return f, g

    f0 = ev.value(z0)
    if not np.isfinite(f0):
        t = ev.terms(z0)
        return OptResult(np.array(z0, float), t.total, t.meas, t.model, -1,
                         "non-finite action at the starting point", 0, 1)
    res = scipy_minimize(fg, z0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": maxiter, "maxfun": 4 * maxiter, "ftol": ftol,
                            "gtol": 1e-10, "maxcor": 10})
    t = ev.terms(res.x)
    if not np.isfinite(t.total):
        status, msg = -1, "non-finite action"
    elif res.status == 1:
        status, msg = 1, f"{STATUS[1]} ({res.message})"
    else:
        # 0: converged; 2 (ABNORMAL line search) at a stationary point is also a minimum
        status, msg = 0, str(res.message)
    return _checked(ev, OptResult(res.x, t.total, t.meas, t.model, status, msg, int(res.nit),
                                  nfev[0]), ftol, check=check)


def minimize(ev, z0, *, method: str = "lm", maxiter: int | None = None, ftol: float = 1e-8,
             xtol: float = 1e-10, bounds=None, check: bool = True) -> OptResult:
    """Minimise the evaluator ``ev`` (an action at one R_f, from ``problem.evaluator(Rf)``)
    from the packed vector ``z0`` with ``method`` ('lm' needs ``ev.gauss_newton``).
    ``bounds``: (low, high) arrays over z (default: the evaluator's own ``bounds``).
    ``check=False`` skips the final point's check for 'lm' and 'lbfgsb' (one exact Hessian
    and Cholesky; Newton's is free): ``pos_def`` is then None and ``status`` the
    optimiser's own."""
    if bounds is None:
        bounds = getattr(ev, "bounds", None)
    if method == "lm":
        return minimize_lm(ev, z0, maxiter or 200, ftol, xtol, bounds, check)
    if method == "newton":
        return minimize_newton(ev, z0, maxiter or 200, ftol, xtol, bounds)
    if method == "hybrid":
        return minimize_hybrid(ev, z0, maxiter or 200, ftol, xtol, bounds)
    if method == "tr":
        return minimize_trust(ev, z0, maxiter or 200, ftol, xtol, bounds)
    if method == "lbfgsb":
        if bounds is not None:
            lo, hi = bounds
            z0 = np.clip(z0, lo, hi)
            bounds = list(zip(np.where(np.isfinite(lo), lo, None),
                              np.where(np.isfinite(hi), hi, None)))
        return minimize_lbfgsb(ev, z0, maxiter or 20000, ftol, bounds, check)
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")
