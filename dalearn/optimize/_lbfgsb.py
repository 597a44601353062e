"""L-BFGS-B (scipy) with the exact gradient, and the hybrid: L-BFGS-B through the
nonconvex region, then Newton to finish and verify the minimum."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.optimize import minimize as scipy_minimize

from ._check import checked
from ._contract import STATUS, OptResult

__all__ = ["lbfgsb_bounds", "lbfgsb", "hybrid"]


def lbfgsb_bounds(z0, bounds):
    """``z0`` clipped into ``bounds`` = (low, high) arrays (±inf: none) and the bounds as
    L-BFGS-B's (low, high) pairs (None: none); (z0, None) without bounds."""
    if bounds is None:
        return z0, None
    lo, hi = bounds
    pairs = list(zip(np.where(np.isfinite(lo), lo, None), np.where(np.isfinite(hi), hi, None)))
    return np.clip(z0, lo, hi), pairs


def lbfgsb(ev, z0, maxiter: int, ftol: float, pairs=None, check: bool = True) -> OptResult:
    """L-BFGS-B on any evaluator with ``value``, ``value_grad`` and ``terms``; ``pairs``:
    bounds as scipy takes them (see :func:`lbfgsb_bounds`)."""
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
    res = scipy_minimize(fg, z0, jac=True, method="L-BFGS-B", bounds=pairs,
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
    return checked(ev, OptResult(res.x, t.total, t.meas, t.model, status, msg, int(res.nit),
                                 nfev[0]), ftol, check=check)


def hybrid(ev, z0, polish, ftol: float, lbfgsb_ftol: float, lbfgsb_maxiter: int,
           bounds=None) -> OptResult:
    """L-BFGS-B to the loose tolerance max(ftol, ``lbfgsb_ftol``), then ``polish(ev, z,
    bounds)`` (a Newton solve) from its point; the L-BFGS-B point is kept when the polish
    does not improve on it.  Iterations and evaluations are the two stages' sums."""
    z0, pairs = lbfgsb_bounds(z0, bounds)
    first = lbfgsb(ev, z0, lbfgsb_maxiter, max(ftol, lbfgsb_ftol), pairs, check=False)
    if first.status == -1:
        return first
    res = polish(ev, first.z, bounds)
    if not res.total <= first.total:
        res = checked(ev, replace(first, status=res.status if res.status != 0 else 2,
                                  message=res.message), ftol)
    return replace(res, nit=first.nit + res.nit, nfev=first.nfev + res.nfev)
