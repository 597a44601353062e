"""The final point's check, bounds at a point, and continuation in R_f.

- :func:`held` and :func:`free_grad`: variables a bound keeps where they are, and the
  gradient of the others;
- :func:`checked`: the decrement and a Cholesky of the exact Hessian at an optimiser's final
  point, which decide whether ``status`` 0 stands;
- :func:`tangent` and :func:`continuation_start`: the tangent dz/d log R_f along a minimum,
  and the start it predicts at the next R_f.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._contract import STATUS, OptResult
from ._sparse import second_blocks, solver_for

__all__ = ["held", "free_grad", "checked", "tangent", "continuation_start"]


def held(z, g, bounds):
    """Variables on a bound whose gradient pushes them outward."""
    lo, hi = bounds
    return ((z <= lo) & (g > 0)) | ((z >= hi) & (g < 0))


def free_grad(hb, mask):
    """The gradient of ``hb`` with the ``mask`` (held) entries zeroed."""
    return hb.g if mask is None or not mask.any() else np.where(mask, 0.0, hb.g)


def tangent(ev, z, hb, solver, mask):
    """dz/d log R_f at a minimum: -H⁻¹ ∂g/∂ log R_f, where ∂g/∂ log R_f is the model term's
    gradient (the action's gradient less the measurement term's); one solve with the factor
    of H already made."""
    g_model = hb.g - ev.meas_gradient(z)
    if mask is not None and mask.any():
        g_model = np.where(mask, 0.0, g_model)
    t = -solver.solve_factored(g_model)
    if mask is not None:
        t[mask] = 0.0
    return t


def continuation_start(ev, z, tangent, Rf_from, Rf_to):
    """The start at model precision ``Rf_to`` (``ev`` is the action there) after the
    minimum ``z`` at ``Rf_from``: the prediction z + Δ log R_f · ``tangent`` (Δ log R_f
    averaged over components for a vector R_f), clipped into the bounds, if it lowers the
    action below the plain warm start ``z``'s; else ``z``."""
    log_step = float(np.mean(np.log(np.asarray(Rf_to, dtype=float)
                                    / np.asarray(Rf_from, dtype=float))))
    z_pred = z + log_step * tangent
    bounds = getattr(ev, "bounds", None)
    if bounds is not None:
        z_pred = np.clip(z_pred, *bounds)
    if not np.all(np.isfinite(z_pred)):
        return z
    return z_pred if ev.value(z_pred) < ev.value(z) else z


def _grad_max(ev, z) -> float:
    try:
        return float(np.max(np.abs(ev.value_grad(z)[1])))
    except (AttributeError, ValueError):
        return float("nan")


def _decrement(hb, mask):
    """(½ gᵀH⁻¹g, True) from a fresh Cholesky of ``hb``, or (NaN, False) when it fails."""
    solver = solver_for(hb)
    solver.prepare(hb)
    if not solver.factor(0.0, mask):
        return float("nan"), False
    g = free_grad(hb, mask)
    dec = 0.5 * float(g @ solver.solve_factored(g))
    return dec + getattr(solver, "decrement_error", 0.0), True


def checked(ev, res: OptResult, ftol: float, hb=None, verified=None, mask=None,
            tangent=None, check: bool = True) -> OptResult:
    """``res`` with the final point's check (see :class:`OptResult`): the decrement and a
    Cholesky of the exact Hessian there (built unless ``hb``, the blocks the optimiser has
    at ``res.z``, is already the exact one; Gauss-Newton blocks give only the gradient), or
    taken from ``verified`` = (decrement, True) when the optimiser made it."""
    if not check or not np.isfinite(res.total) or not getattr(ev, "has_hessian", False):
        grad = _grad_max(ev, res.z) if hb is None else float(np.max(np.abs(hb.g), initial=0.0))
        return replace(res, grad_max=grad)
    if hb is None or not hb.exact:
        hb = second_blocks(ev, res.z, True)
    if mask is None and getattr(ev, "bounds", None) is not None:
        mask = held(res.z, hb.g, ev.bounds)
    grad_max = float(np.max(np.abs(free_grad(hb, mask)))) if hb.g.size else 0.0
    dec, pd = _decrement(hb, mask) if verified is None else verified
    dec = dec / max(res.total, 1e-300)
    status, msg = res.status, res.message
    if status == 0 and not pd:
        status, msg = 2, STATUS[2] + " (the Hessian there is not positive definite)"
    elif status == 0 and not dec <= ftol:
        status, msg = 2, STATUS[2] + f" (decrement {dec:.1e} > ftol {ftol:.0e})"
    return replace(res, status=status, message=msg, decrement=dec, grad_max=grad_max,
                   pos_def=pd, tangent=tangent)
