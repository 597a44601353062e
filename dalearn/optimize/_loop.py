"""One second-order loop over the banded Hessian, with a pluggable step rule.

Each iteration: the rule proposes a step δ from the current blocks (one or more banded
Cholesky factors); an undamped Newton step whose decrement ½ gᵀH⁻¹g is at most ftol A stops
at a verified minimum without being taken; otherwise δ is clipped into the bounds, the
action is evaluated at z + δ and the step accepted when the actual decrease is a fair share
(ρ > 1e-4) of the quadratic model's prediction; a rule with ``halvings`` > 0 first halves a
rejected step on the exact Hessian along its direction, that many times at most.  The rule
then adapts its damping (λ) or radius (Δ) and may stop.  Far from a minimum, where the
exact Hessian is indefinite, the rules may ask for Gauss-Newton blocks (positive
semi-definite) until a step lowers the action by less than 10 % (the solver's ``gn_exit``
where it has one).

A step rule (:class:`StepRule`) is a small stateful object made fresh for each solve:
``exact`` says which blocks it works on (the exact Hessian or Gauss-Newton),
``start``/``propose``/``accepted``/``rejected`` are called by :func:`second_order` as
documented there.  :mod:`._damped` and :mod:`._trust` hold the two families.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ._check import checked, free_grad, held, tangent
from ._contract import STATUS, OptResult
from ._sparse import second_blocks, solver_for

__all__ = ["Step", "Trial", "Iterate", "StepRule", "second_order"]


@dataclass
class Step:
    """A proposed step ``dz`` (packed order) with damping ``lam``.  ``undamped``: the plain
    Newton step on the exact Hessian (its decrement may verify a minimum); ``solves_damped``:
    dz solves (H + λS) dz = -g, so the model's decrease needs no Hessian product."""
    dz: np.ndarray
    lam: float
    undamped: bool = False
    solves_damped: bool = False


@dataclass
class Trial:
    """A step as taken (clipped) and judged: predicted and actual decrease, their ratio
    ``rho`` (-1 when the trial action is not finite or nothing was predicted)."""
    dz: np.ndarray
    pred: float
    actual: float
    rho: float
    small: bool
    finite: bool
    #: the trial point z + dz (on a bound exactly where it came within rounding of one)
    z: np.ndarray


class Iterate:
    """The loop's state: point ``z``, blocks ``hb`` there, the ``solver`` holding them, the
    ``mask`` of held variables (``face``: enlarged by :meth:`onto_face` this iteration),
    evaluation count ``nfev`` and whether the Gauss-Newton phase is on (``gn_phase``)."""

    def __init__(self, ev, z0, bounds, exact: bool, ftol: float):
        self.ev, self.exact, self.ftol = ev, exact, ftol
        self.z = np.array(z0, dtype=float)
        self.bounds = None
        if bounds is not None:
            self.bounds = tuple(np.asarray(v, dtype=float) for v in bounds)
            self.z = np.clip(self.z, *self.bounds)
            lo, hi = self.bounds
            with np.errstate(invalid="ignore"):            # infinite bounds
                # within rounding of a bound: a step cut at one may stop an ulp short
                self.near = (lo + 1e-12 * (1.0 + np.abs(lo)), hi - 1e-12 * (1.0 + np.abs(hi)))
        self.hb = self._build(self.z)
        self.solver = solver_for(self.hb)
        self.nfev, self.mask, self.gn_phase, self.face = 1, None, False, False

    def _build(self, z, exact=None):
        return second_blocks(self.ev, z, self.exact if exact is None else exact)

    def finite(self) -> bool:
        return bool(np.isfinite(self.hb.total) and np.all(np.isfinite(self.hb.g)))

    def rebuild(self, gauss_newton: bool = False) -> None:
        """New blocks at ``z`` (Gauss-Newton ones with ``gauss_newton``), prepared."""
        self.hb = self._build(self.z, False if gauss_newton else None)
        self.nfev += 1
        self.solver = solver_for(self.hb, self.solver)
        self.solver.prepare(self.hb)

    def enter_gauss_newton(self) -> None:
        self.gn_phase = True
        self.rebuild(gauss_newton=True)

    def free_grad(self) -> np.ndarray:
        return free_grad(self.hb, self.mask)

    def verifies(self, step: Step):
        """(decrement, True) when ``step`` is an undamped Newton step (outside the
        Gauss-Newton phase) whose decrement ½ gᵀH⁻¹g is at most ftol A, else None."""
        if not step.undamped or self.gn_phase:
            return None
        # an iterative solver's step underestimates the decrement by up to its error bound
        dec = -0.5 * float(self.free_grad() @ step.dz)
        dec += getattr(self.solver, "decrement_error", 0.0)
        return (dec, True) if dec <= self.ftol * max(self.hb.total, 1e-300) else None

    def trial(self, step: Step, xtol: float) -> Trial:
        """Clip ``step`` into the bounds (a variable within rounding of a bound put on it),
        evaluate the action there and judge it."""
        dz = step.dz
        if self.bounds is not None:
            dz = np.clip(self.z + dz, *self.bounds) - self.z
            if self.mask is not None:
                dz[self.mask] = 0.0
        z = self.z + dz
        if self.bounds is not None:
            on_lo, on_hi = z <= self.near[0], z >= self.near[1]
            if on_lo.any() or on_hi.any():
                z = np.where(on_lo, self.bounds[0], np.where(on_hi, self.bounds[1], z))
                dz = z - self.z
        # the quadratic model's decrease for the step actually taken; an unclipped damped
        # solve has δᵀHδ = -gᵀδ - λ δᵀSδ, so it needs no Hessian product
        gdz = float(self.hb.g @ dz)
        if self.bounds is None and step.solves_damped:
            lam = step.lam
            pred = -0.5 * gdz + (0.5 * lam * self.solver.damping_norm(dz) if lam else 0.0)
        else:
            pred = -gdz - 0.5 * float(dz @ self.hb.matvec(dz))
        total = self.ev.terms(z).total
        self.nfev += 1
        actual = self.hb.total - total
        finite = bool(np.isfinite(total))
        rho = actual / pred if pred > 0 and finite else -1.0
        small = np.linalg.norm(dz) <= xtol * (np.linalg.norm(self.z) + xtol)
        return Trial(dz, pred, actual, rho, small, finite, z)

    def backtrack(self, step: Step, trial: Trial, xtol: float, halvings: int) -> Trial:
        """After ``trial`` of a step on the exact Hessian was rejected: the same direction
        stopped at the first bound it crosses, if any, then halved up to ``halvings`` times
        (each one evaluation of the action, no new factor) until a fraction is accepted
        (ρ > 1e-4) or becomes small; the last trial (never ``small``: only a full step
        that is small may stop the loop)."""
        t = 1.0
        if trial.rho <= 1e-4 and not trial.small:
            # a step bent by clipping: first the same direction, stopped at the first bound
            # (when that is rejected too, the halvings start from the whole step)
            t_bound = self._to_bound(step.dz)
            if t_bound < 1.0:
                cut = self.trial(Step(t_bound * step.dz, 0.0), xtol)
                if cut.rho > 1e-4:
                    trial, t = cut, t_bound
        for _ in range(halvings):
            if trial.rho > 1e-4 or trial.small:
                break
            t *= 0.5
            trial = self.trial(Step(t * step.dz, 0.0), xtol)
        if t < 1.0:
            trial.small = False
        return trial

    def _to_bound(self, dz: np.ndarray) -> float:
        """The largest t <= 1 with z + t dz inside the bounds (the held variables, and any
        already on a bound that dz pushes outward, aside)."""
        if self.bounds is None:
            return 1.0
        lo, hi = self.bounds
        room = np.where(dz > 0, hi - self.z, np.where(dz < 0, lo - self.z, np.inf))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(dz != 0, room / dz, np.inf)
        t[t <= 0.0] = np.inf
        if self.mask is not None:
            t[self.mask] = np.inf
        return min(float(t.min(initial=np.inf)), 1.0)

    def onto_face(self, dz: np.ndarray, solve) -> np.ndarray | None:
        """``dz`` unless it pushes a free variable that sits on a bound outward, where
        clipping would bend the step off its direction: then that variable is held too
        (added to ``mask``) and the step made again by ``solve()``, until none is pushed
        out.  None when a solve fails.  "On a bound": within rounding of it (a step cut
        at a bound may stop an ulp short of it)."""
        if self.bounds is None:
            return dz
        while dz is not None:
            out = held(self.z, -dz, self.near)         # a descent step pushing outward
            if self.mask is not None:
                out &= ~self.mask
            if not out.any():
                break
            self.mask = out if self.mask is None else self.mask | out
            self.face = True
            dz = solve()
        return dz

    def converged_at_rounding(self, pred: float) -> bool:
        """Whether the model's predicted decrease is below the tolerance (0 < pred <= ftol A)."""
        return 0 < pred <= self.ftol * self.hb.total


class StepRule(Protocol):
    """The part of a second-order method that differs: how a step is chosen and adapted."""
    #: works on the exact Hessian (True) or the Gauss-Newton matrix (False)
    exact: bool
    #: the message of status -2 (no step could be made)
    failure: str
    #: build the exact Hessian at the end when the loop stopped in the Gauss-Newton phase
    exact_at_end: bool
    #: halve a rejected step on the exact Hessian up to this many times (0: never)
    halvings: int

    def start(self, it: Iterate) -> None:
        """Called once, after the first blocks are prepared."""

    def propose(self, it: Iterate) -> Step | int | None:
        """A step; or an int, a status to stop with; or None: nothing this iteration."""

    def accepted(self, it: Iterate, trial: Trial, old: float, left_gn: bool) -> bool:
        """After z moved and the blocks were rebuilt (``old``: the action before); True
        stops with status 0."""

    def rejected(self, it: Iterate, trial: Trial) -> int | None:
        """After a rejected trial: a status to stop with, or None to go on."""


def second_order(ev, z0, rule: StepRule, maxiter: int, ftol: float, xtol: float,
                 bounds=None, check: bool = True) -> OptResult:
    """Minimise ``ev`` from ``z0`` by steps of ``rule`` (see the module doc), keeping
    ``bounds`` (low, high) by projected steps; then the final point's check (always for a
    rule on the exact Hessian, whose check is free; else when ``check``)."""
    it = Iterate(ev, z0, bounds, rule.exact, ftol)
    if not it.finite():
        hb = it.hb
        return OptResult(it.z, hb.total, hb.meas, hb.model, -1,
                         "non-finite action at the starting point", 0, it.nfev)
    it.solver.prepare(it.hb)
    rule.start(it)
    status, nit, verified = 1, 0, None
    for nit in range(1, maxiter + 1):
        it.mask = held(it.z, it.hb.g, it.bounds) if it.bounds is not None else None
        it.face = False
        if hasattr(it.solver, "enough"):           # an iterative solve may stop there
            it.solver.enough = ftol * max(it.hb.total, 1e-300)
        step = rule.propose(it)
        if step is None or isinstance(step, int):
            if step is None:
                continue
            status = step
            break
        verified = it.verifies(step)
        if verified is not None:
            status = 0
            break
        trial = it.trial(step, xtol)
        if rule.halvings and not it.gn_phase:
            trial = it.backtrack(step, trial, xtol, rule.halvings)
        stop = _judge(it, rule, trial)
        if stop is not None:
            status = stop
            break
    if it.gn_phase and rule.exact_at_end:
        it.rebuild()
    message = rule.failure if status == -2 else STATUS[status]
    hb = it.hb
    if verified is None and it.face:
        # the face step's extra held variables are no test of the final point
        it.mask = held(it.z, hb.g, it.bounds)
    t = None if verified is None else tangent(ev, it.z, hb, it.solver, it.mask)
    res = OptResult(it.z, hb.total, hb.meas, hb.model, status, message, nit, it.nfev)
    return checked(ev, res, ftol, hb, verified, it.mask, t, check=check or rule.exact)


def _judge(it: Iterate, rule: StepRule, trial: Trial) -> int | None:
    """Accept or reject ``trial``; a status when the loop stops, else None."""
    if trial.rho > 1e-4:
        old = it.hb.total
        it.z = trial.z
        left_gn = it.gn_phase and trial.actual < getattr(it.solver, "gn_exit", 0.1) * old
        if left_gn:
            it.gn_phase = False
        it.rebuild(gauss_newton=it.gn_phase)
        return 0 if rule.accepted(it, trial, old, left_gn) or trial.small else None
    return rule.rejected(it, trial)
