"""One-step rules that turn a model into a residual r(n) = x(n+1) - f(x(n), p).

A rule sees a path in time-major layout ``X`` of shape ``(M, D)`` (M model points) and returns
``r`` of shape ``(M-1, D)``.  With ``blocks=True`` it also returns the exact Jacobian blocks

- ``A`` = ∂r(n)/∂x(n)     shape ``(M-1, D, D)``
- ``B`` = ∂r(n)/∂x(n+1)   shape ``(M-1, D, D)``
- ``C`` = ∂r(n)/∂p        shape ``(M-1, D, P)``

which is all the action needs for its gradient and for Gauss-Newton; ``tape`` keeps the
stage points and their Jacobians for the second-order terms (:mod:`dalearn._curvature`).
Rules:

- ``euler``            x1 - x0 - h F(x0)                                  (order 1)
- ``trapezoid``        x1 - x0 - h/2 [F(x0) + F(x1)]                      (order 2)
- ``hermite-simpson``  x1 - x0 - h/6 [F(x0) + 4 F(xm) + F(x1)],
                       xm = (x0 + x1)/2 + h/8 [F(x0) - F(x1)]             (order 4)
- ``rk4``              x1 - RK4 step of x0 (explicit forward map)          (order 4)

:func:`integrate` runs the model forward with RK4 (twin data, prediction).

A driven model F(x, p, u) takes its input ``u`` on the half-step model grid, shape
``(2M - 1, U)`` (model times and midpoints, see :mod:`dalearn.drive`): Euler and the
trapezoid rule read the model times ``u[::2]``, Hermite-Simpson's midpoint and RK4's middle
stages the midpoints ``u[1::2]``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models import rk4, rk4_stages, sample_drive

__all__ = ["RULES", "Residual", "residual", "check_rule", "integrate", "rk4_step"]

RULES = ("euler", "trapezoid", "hermite-simpson", "rk4")


def check_rule(rule: str) -> str:
    """Return the canonical rule name or raise ValueError naming the allowed ones."""
    if not isinstance(rule, str):
        raise TypeError(f"rule must be a string, one of {RULES}, got {rule!r}")
    r = rule.lower().replace("_", "-")
    r = {"hs": "hermite-simpson", "simpson": "hermite-simpson", "trap": "trapezoid"}.get(r, r)
    if r not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    return r


@dataclass(frozen=True)
class Residual:
    """Model residual of a path; ``A, B, C`` are None unless blocks were requested."""
    r: np.ndarray
    A: np.ndarray | None = None
    B: np.ndarray | None = None
    C: np.ndarray | None = None
    tape: dict | None = None


def residual(model, rule: str, X: np.ndarray, p: np.ndarray, h: float,
             blocks: bool = False, u=None) -> Residual:
    """Residual of path ``X`` (M, D) under ``rule`` with step ``h``; see module doc.
    ``u``: a driven model's input on the half-step grid ``(2M - 1, U)``."""
    if u is not None:
        model = _Bound(model, u)
    return _RULE_FUNCS[rule](model, X, np.asarray(p, dtype=float), float(h), blocks)


class _Bound:
    """A driven model with its input attached: ``rhs(x, p)`` on a batch of points reads the
    input of those points.  The rules call it on model-time rows ``(M, D)`` or
    ``(M-1, D)`` (nodes), on midpoint rows, or (RK4) on stage rows; ``at`` says which."""

    def __init__(self, model, u):
        self.model, self.u = model, np.asarray(u, dtype=float)
        self.nodes, self.mids = self.u[::2], self.u[1::2]

    def _u(self, x, where):
        n = x.shape[0]
        if where == "mid":
            return self.mids[:n]
        if where == "next":
            return self.nodes[1:n + 1]
        return self.nodes[:n]

    def rhs(self, x, p, where="node"):
        return self.model.rhs(x, p, self._u(x, where))

    def jac(self, x, p, where="node"):
        return self.model.jac(x, p, self._u(x, where))

    def jac_p(self, x, p, where="node"):
        return self.model.jac_p(x, p, self._u(x, where))

    def hess(self, x, p, w, where="node"):
        return self.model.hess(x, p, w, self._u(x, where))


def _eye(D):
    return np.eye(D)[None]


def _euler(model, X, p, h, blocks):
    x0, x1 = X[:-1], X[1:]
    r = x1 - x0 - h * model.rhs(x0, p)
    if not blocks:
        return Residual(r)
    D = X.shape[1]
    A = -_eye(D) - h * model.jac(x0, p)
    B = np.broadcast_to(_eye(D), A.shape)
    C = -h * model.jac_p(x0, p)
    return Residual(r, A, B, C, {"X": X})


def _trapezoid(model, X, p, h, blocks):
    F = model.rhs(X, p)
    r = X[1:] - X[:-1] - 0.5 * h * (F[:-1] + F[1:])
    if not blocks:
        return Residual(r)
    D = X.shape[1]
    # A = -I - h/2 J(x(n)), B = I - h/2 J(x(n+1)): one scaled copy of J, its diagonals shifted
    Jh = -0.5 * h * model.jac(X, p)
    Jp = model.jac_p(X, p)
    a = np.arange(D)
    A = Jh[:-1].copy()
    A[:, a, a] -= 1.0
    B = Jh[1:]
    B[:, a, a] += 1.0
    C = -0.5 * h * (Jp[:-1] + Jp[1:])
    return Residual(r, A, B, C, {"X": X})


def _hermite_simpson(model, X, p, h, blocks):
    F = model.rhs(X, p)
    x0, x1, F0, F1 = X[:-1], X[1:], F[:-1], F[1:]
    xm = 0.5 * (x0 + x1) + 0.125 * h * (F0 - F1)
    Fm = _at(model.rhs, xm, p, "mid")
    r = x1 - x0 - h / 6.0 * (F0 + 4.0 * Fm + F1)
    if not blocks:
        return Residual(r)
    D = X.shape[1]
    I = _eye(D)
    J = model.jac(X, p)
    Jp = model.jac_p(X, p)
    J0, J1, Jm = J[:-1], J[1:], _at(model.jac, xm, p, "mid")
    dxm0 = 0.5 * I + 0.125 * h * J0
    dxm1 = 0.5 * I - 0.125 * h * J1
    A = -I - h / 6.0 * (J0 + 4.0 * Jm @ dxm0)
    B = I - h / 6.0 * (4.0 * Jm @ dxm1 + J1)
    dxmp = 0.125 * h * (Jp[:-1] - Jp[1:])
    C = -h / 6.0 * (Jp[:-1] + 4.0 * (_at(model.jac_p, xm, p, "mid") + Jm @ dxmp) + Jp[1:])
    return Residual(r, A, B, C, {"X": X, "xm": xm, "Jm": Jm, "dxm": (dxm0, dxm1, dxmp)})


#: where each RK4 stage reads a driven model's input: start, midpoint, midpoint, end
_STAGES = ("node", "mid", "mid", "next")
#: the same by the stage's time in half steps (``f(x, half)`` of :func:`dalearn.models.rk4`)
_AT_HALF = ("node", "mid", "next")


def _at(f, x, p, where):
    """``f(x, p)`` of a model, reading a bound input at ``where`` (node/mid/next)."""
    return f(x, p, where) if isinstance(getattr(f, "__self__", None), _Bound) else f(x, p)


def _rk4_stages(model, x0, p, h):
    return rk4_stages(lambda x, half: _at(model.rhs, x, p, _AT_HALF[half]), x0, h)


def rk4_step(model, x, p, h, u=None):
    """One classical RK4 step of ``x`` (..., D); ``u``: a driven model's input at the
    step's start, midpoint and end, shape ``(3, U)`` (then ``x`` is one state (D,))."""
    if u is not None:
        bound = _Bound(model, u)
        return rk4(lambda s, half: bound.rhs(s, p, _AT_HALF[half]), np.asarray(x)[None], h)[0]
    return rk4(lambda s, half: model.rhs(s, p), x, h)


def _rk4(model, X, p, h, blocks):
    x0, x1 = X[:-1], X[1:]
    (k1, k2, k3, k4), (s1, s2, s3, s4) = _rk4_stages(model, x0, p, h)
    r = x1 - x0 - h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    if not blocks:
        return Residual(r)
    D = X.shape[1]
    I = _eye(D)
    J1, J2, J3, J4 = (_at(model.jac, s, p, w) for s, w in zip((s1, s2, s3, s4), _STAGES))
    P1, P2, P3, P4 = (_at(model.jac_p, s, p, w) for s, w in zip((s1, s2, s3, s4), _STAGES))
    # ds_i: total Jacobians of the stage points s2, s3, s4 in x0 and in p
    ds2 = I + 0.5 * h * J1
    dk2 = J2 @ ds2
    ds3 = I + 0.5 * h * dk2
    dk3 = J3 @ ds3
    ds4 = I + h * dk3
    dk4 = J4 @ ds4
    dp1 = P1
    dp2 = P2 + 0.5 * h * J2 @ dp1
    dp3 = P3 + 0.5 * h * J3 @ dp2
    dp4 = P4 + h * J4 @ dp3
    A = -I - h / 6.0 * (J1 + 2 * dk2 + 2 * dk3 + dk4)
    B = np.broadcast_to(I, A.shape)
    C = -h / 6.0 * (dp1 + 2 * dp2 + 2 * dp3 + dp4)
    tape = {"X": X, "s": (s1, s2, s3, s4), "J": (J2, J3, J4), "ds": (ds2, ds3, ds4),
            "dsp": (0.5 * h * dp1, 0.5 * h * dp2, h * dp3)}
    return Residual(r, A, B, C, tape)


_RULE_FUNCS = {"euler": _euler, "trapezoid": _trapezoid,
               "hermite-simpson": _hermite_simpson, "rk4": _rk4}


def integrate(model, x0, p, dt: float, n_steps: int, substeps: int = 1, *, drive=None,
              t0: float = 0.0) -> np.ndarray:
    """Integrate with RK4 from ``x0`` (D,) for ``n_steps`` steps of ``dt``.

    Each step is split into ``substeps`` RK4 sub-steps.  Returns ``(n_steps + 1, D)``
    (time-major), the first row being ``x0``.  Non-finite states are kept (NaN/inf
    propagate), so a blow-up is visible to the caller.  A driven model needs ``drive``, a
    callable ``u(t) -> (T, U)``, read at every sub-step's start, midpoint and end from
    time ``t0`` on.
    """
    x = np.asarray(x0, dtype=float).copy()
    p = np.asarray(p, dtype=float)
    out = np.empty((n_steps + 1,) + x.shape)
    out[0] = x
    h = dt / substeps
    if getattr(model, "inputs", ()) and drive is None:
        raise ValueError(f"model {model.name!r} is driven by {model.inputs}: give drive")
    if drive is not None:
        u = sample_drive(drive, t0 + 0.5 * h * np.arange(2 * n_steps * substeps + 1),
                         model.n_inputs)
    j = 0
    for n in range(n_steps):
        for _ in range(substeps):
            if drive is None:
                x = rk4_step(model, x, p, h)
            else:                       # the input at the sub-step's start, midpoint and end
                x = rk4(lambda s, half: model.rhs(s, p, u[2 * j + half]), x, h)
            j += 1
        out[n + 1] = x
    return out
