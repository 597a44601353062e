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

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.linalg.lapack import dpbtrf, dpbtrs
from scipy.optimize import minimize as scipy_minimize

__all__ = ["OptResult", "minimize", "minimize_lm", "minimize_lbfgsb", "METHODS", "STATUS"]

METHODS = ("lm", "lbfgsb")
#: status codes shared by OptResult and AnnealResult
STATUS = {0: "converged", 1: "iteration limit reached", -1: "non-finite action",
          -2: "linear solve failed"}


@dataclass(frozen=True)
class OptResult:
    """Outcome of one minimisation: the packed vector ``z``, the action and its terms,
    ``status`` (see ``STATUS``), a human-readable ``message``, iterations and evaluations."""
    z: np.ndarray
    total: float
    meas: float
    model: float
    status: int
    message: str
    nit: int
    nfev: int

    @property
    def success(self) -> bool:
        return self.status == 0


class _BandedSolver:
    """Solve (H + λ S) δ = -g for the bordered block-tridiagonal H of :class:`GaussNewton`."""

    def __init__(self, M: int, D: int):
        self.M, self.D = M, D
        self.kd = kd = 2 * D - 1
        n = M * D
        # positions in LAPACK upper band storage ab[kd + i - j, j] of each block entry
        a, b = np.meshgrid(np.arange(D), np.arange(D), indexing="ij")
        up = b >= a
        nn = np.arange(M)[:, None]
        i_d = nn * D + a[up][None, :]
        j_d = nn * D + b[up][None, :]
        self.src_d = (nn * D * D + (a[up] * D + b[up])[None, :]).ravel()
        self.pos_d = ((kd + i_d - j_d) * n + j_d).ravel()
        nn = np.arange(M - 1)[:, None]
        i_o = nn * D + a.ravel()[None, :]
        j_o = (nn + 1) * D + b.ravel()[None, :]
        self.src_o = (nn * D * D + np.arange(D * D)[None, :]).ravel()
        self.pos_o = ((kd + i_o - j_o) * n + j_o).ravel()
        self.ab = np.zeros((kd + 1, n))

    def prepare(self, gn):
        """Store the Gauss-Newton pieces; return the diagonal used for damping."""
        self.gn = gn
        ab = self.ab
        ab.fill(0.0)
        flat = ab.reshape(-1)
        flat[self.pos_d] = gn.Hd.reshape(-1)[self.src_d]
        flat[self.pos_o] = gn.Ho.reshape(-1)[self.src_o]
        self.base_diag = ab[self.kd].copy()
        diag = np.concatenate([self.base_diag, np.diag(gn.Hpp)])
        scale = np.maximum(diag, 1e-12 * max(diag.max(), 1e-300))
        self.scale = scale
        return scale

    def solve(self, lam: float, held=None):
        """Return δ, or None when the factorisation fails.  ``held``: a boolean mask of
        variables kept where they are (bounds): huge damping, no gradient."""
        gn, n = self.gn, self.M * self.D
        ab = self.ab
        damp = lam * self.scale
        g = gn.g
        if held is not None and held.any():
            damp = damp + np.where(held, 1e12 * self.scale, 0.0)
            g = np.where(held, 0.0, g)
        ab[self.kd] = self.base_diag + damp[:n]
        c, info = dpbtrf(ab, lower=0, overwrite_ab=0)
        if info != 0:
            return None
        gx, gp = g[:n], g[n:]
        Pe = gp.size
        if Pe == 0:
            dx, info = dpbtrs(c, -gx, lower=0)
            return dx if info == 0 else None
        Hxp = gn.Hxp.reshape(n, Pe)
        rhs = np.column_stack([-gx, Hxp])
        sol, info = dpbtrs(c, rhs, lower=0)
        if info != 0:
            return None
        u, V = sol[:, 0], sol[:, 1:]                   # H⁻¹(-gx), H⁻¹ Hxp
        S = gn.Hpp + np.diag(damp[n:]) - Hxp.T @ V
        try:
            dp = cho_solve(cho_factor(S), -gp - Hxp.T @ u)
        except np.linalg.LinAlgError:
            return None
        return np.concatenate([u - V @ dp, dp])


def _hess_dot(gn, d):
    """The Gauss-Newton matrix times ``d`` (n,), from its blocks."""
    M, D = gn.Hd.shape[:2]
    n = M * D
    dx, dp = d[:n].reshape(M, D), d[n:]
    hx = np.einsum("nab,nb->na", gn.Hd, dx)
    hx[:-1] += np.einsum("nab,nb->na", gn.Ho, dx[1:])
    hx[1:] += np.einsum("nba,nb->na", gn.Ho, dx[:-1])
    if dp.size:
        hx += gn.Hxp @ dp
        hp = np.einsum("naj,na->j", gn.Hxp, dx) + gn.Hpp @ dp
    else:
        hp = dp
    return np.concatenate([hx.ravel(), hp])


def _held(z, g, bounds):
    """Variables on a bound whose gradient pushes them outward."""
    lo, hi = bounds
    return ((z <= lo) & (g > 0)) | ((z >= hi) & (g < 0))


def minimize_lm(ev, z0, maxiter: int = 200, ftol: float = 1e-8,
                xtol: float = 1e-10, bounds=None) -> OptResult:
    """Levenberg-Marquardt on any evaluator with ``terms`` and ``gauss_newton`` (whose
    blocks are block-tridiagonal with a parameter border, see :class:`GaussNewton`);
    ``bounds`` (low, high) over z are kept by projected steps (module doc)."""
    z = np.array(z0, dtype=float)
    if bounds is not None:
        lo, hi = (np.asarray(b, dtype=float) for b in bounds)
        z = np.clip(z, lo, hi)
    gn = ev.gauss_newton(z)
    solver = _BandedSolver(*gn.Hd.shape[:2])
    nfev = 1
    if not np.isfinite(gn.total) or not np.all(np.isfinite(gn.g)):
        return OptResult(z, gn.total, gn.meas, gn.model, -1,
                         "non-finite action at the starting point", 0, nfev)
    scale = solver.prepare(gn)
    lam, nu = 1e-3, 2.0
    status, nit = 1, 0
    for nit in range(1, maxiter + 1):
        held = _held(z, gn.g, (lo, hi)) if bounds is not None else None
        dz = solver.solve(lam, held)
        if dz is None:
            lam *= 10.0
            if lam > 1e16:
                status = -2
                break
            continue
        if bounds is not None:
            dz = np.clip(z + dz, lo, hi) - z
            dz[held] = 0.0
            # the Gauss-Newton model's decrease for the (clipped) step actually taken
            pred = -float(gn.g @ dz) - 0.5 * float(dz @ _hess_dot(gn, dz))
        else:
            pred = -0.5 * float(gn.g @ dz) + 0.5 * lam * float(np.sum(scale * dz * dz))
        trial = ev.terms(z + dz)
        nfev += 1
        actual = gn.total - trial.total
        rho = actual / pred if pred > 0 else -1.0
        small_step = np.linalg.norm(dz) <= xtol * (np.linalg.norm(z) + xtol)
        if np.isfinite(trial.total) and rho > 1e-4:
            z = z + dz
            old = gn.total
            gn = ev.gauss_newton(z)
            nfev += 1
            scale = solver.prepare(gn)
            lam *= max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)
            nu = 2.0
            if (abs(old - gn.total) <= ftol * max(gn.total, 1e-300) and pred <= ftol * old) \
                    or small_step:
                status = 0
                break
        else:
            if small_step and np.isfinite(trial.total) and pred <= ftol * gn.total:
                status = 0
                break
            lam *= nu
            nu *= 2.0
            if lam > 1e16:
                status = 0 if pred <= ftol * gn.total else -2
                break
    msg = STATUS[status]
    if status == -2:
        msg = "linear solve failed (damping grew without bound)"
    return OptResult(z, gn.total, gn.meas, gn.model, status, msg, nit, nfev)


def minimize_lbfgsb(ev, z0, maxiter: int, ftol: float, bounds=None) -> OptResult:
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
    return OptResult(res.x, t.total, t.meas, t.model, status, msg, int(res.nit), nfev[0])


def minimize(ev, z0, *, method: str = "lm", maxiter: int | None = None, ftol: float = 1e-8,
             xtol: float = 1e-10, bounds=None) -> OptResult:
    """Minimise the evaluator ``ev`` (an action at one R_f, from ``problem.evaluator(Rf)``)
    from the packed vector ``z0`` with ``method`` ('lm' needs ``ev.gauss_newton``).
    ``bounds``: (low, high) arrays over z (default: the evaluator's own ``bounds``)."""
    if bounds is None:
        bounds = getattr(ev, "bounds", None)
    if method == "lm":
        return minimize_lm(ev, z0, maxiter or 200, ftol, xtol, bounds)
    if method == "lbfgsb":
        if bounds is not None:
            lo, hi = bounds
            z0 = np.clip(z0, lo, hi)
            bounds = list(zip(np.where(np.isfinite(lo), lo, None),
                              np.where(np.isfinite(hi), hi, None)))
        return minimize_lbfgsb(ev, z0, maxiter or 20000, ftol, bounds)
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")
