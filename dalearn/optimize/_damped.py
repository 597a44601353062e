"""Damped step rules: solve (H + λ S) δ = -g by one banded Cholesky and adapt λ.

λ shrinks after good steps (Nielsen's rule: λ *= max(1/3, 1 - (2ρ - 1)³)) and grows after
bad ones or when H + λ S has no Cholesky factor (an indefinite exact Hessian).

- :class:`LMDamping` (``lm``): H the Gauss-Newton matrix; stops when the action and
  the predicted decrease both fall below ftol A.
- :class:`NewtonDamping` (``newton``): H the exact Hessian.  Outside its Gauss-Newton phase
  λ is the smallest damping (0, or 1e-10 times a power of 10) that factors and keeps steps
  acceptable, a rejected step is first shortened (to the first bound it crosses, then by
  halving), a variable on a bound that the step pushes outward is held for that step; the
  undamped decrement verifies the minimum.  In a sloppy, curved valley (NaKL at the
  group's final R_f) large damping stalls, while short steps along the nearly undamped
  direction follow it down.
"""
from __future__ import annotations

from ._loop import Iterate, Step, Trial

__all__ = ["LMDamping", "NewtonDamping"]

#: the damping a stuck or first damped step starts from
LAM0 = 1e-5
#: beyond this damping no useful step exists
LAM_MAX = 1e16
#: the smallest damping newton's exact phase adds when H has no Cholesky factor
LAM_SHIFT = 1e-10


class _Damping:
    """The λ heuristics both damped rules share."""
    failure = "linear solve failed (damping grew without bound)"
    exact_at_end = False
    halvings = 0
    exact: bool
    lam0: float

    def start(self, it: Iterate) -> None:
        self.lam, self.nu = self.lam0, 2.0

    def _solve(self, it: Iterate):
        return it.solver.step(self.lam, it.mask)

    def propose(self, it: Iterate) -> Step | int | None:
        dz = self._solve(it)
        if dz is None:
            self.lam = max(self.lam * 10.0, LAM0)
            return -2 if self.lam > LAM_MAX else None
        return Step(dz, self.lam, undamped=self._undamped(), solves_damped=True)

    def _undamped(self) -> bool:
        return False

    def accepted(self, it: Iterate, trial: Trial, old: float, left_gn: bool) -> bool:
        self.lam *= max(1.0 / 3.0, 1.0 - (2.0 * trial.rho - 1.0) ** 3)
        self.nu = 2.0
        return False

    def rejected(self, it: Iterate, trial: Trial) -> int | None:
        if trial.small and trial.finite and trial.pred <= it.ftol * it.hb.total:
            return 0
        return self._grow(it, trial)

    def _grow(self, it: Iterate, trial: Trial) -> int | None:
        """Raise λ after a rejected step; a status when no useful step is left."""
        self.lam = max(self.lam * self.nu, LAM0)
        self.nu *= 2.0
        if self.lam > LAM_MAX:
            return 0 if it.converged_at_rounding(trial.pred) else -2
        return None


class LMDamping(_Damping):
    """Levenberg-Marquardt on the Gauss-Newton matrix."""
    exact = False
    lam0 = LAM0

    def accepted(self, it: Iterate, trial: Trial, old: float, left_gn: bool) -> bool:
        super().accepted(it, trial, old, left_gn)
        total = it.hb.total
        return abs(old - total) <= it.ftol * max(total, 1e-300) and trial.pred <= it.ftol * old


class NewtonDamping(_Damping):
    """Newton's method on the exact Hessian, globalised by the smallest damping that gives
    a Cholesky factor and a backtracking search along the step; a start where the Hessian
    is indefinite takes Gauss-Newton steps (damped as in ``lm``) until they slow.

    In the exact phase: λ starts at 0; a failed factor or a step rejected after
    ``halvings`` halvings multiplies λ by 10 (from ``LAM_SHIFT``); an accepted step divides
    it by 3, back to 0 below ``LAM_SHIFT``.  A damped step whose decrement is within the
    tolerance is checked undamped too, so a minimum is verified however λ stands.  A step
    that pushes a free variable sitting on its bound outward is made on that face instead
    (:meth:`Iterate.onto_face`), so that clipping does not bend it out of a narrow valley."""
    exact = True
    lam0 = 0.0
    #: a rejected step of the exact phase is halved up to this many times before λ grows
    halvings = 30

    def start(self, it: Iterate) -> None:
        super().start(it)
        self.first = True

    def _solve(self, it: Iterate):
        if it.gn_phase:
            return it.solver.step(self.lam, it.mask)
        dz = it.solver.step(self.lam, it.mask)
        if dz is None and self.first:
            self.first = False
            it.enter_gauss_newton()
            self.lam = LAM0
            return it.solver.step(self.lam, it.mask)
        self.first = False
        while dz is None and self.lam <= LAM_MAX:
            self.lam = max(self.lam * 10.0, LAM_SHIFT)
            dz = it.solver.step(self.lam, it.mask)
        return dz

    def propose(self, it: Iterate) -> Step | int | None:
        step = super().propose(it)
        # where H is positive definite, the damped decrement ½ gᵀ(H + λS)⁻¹g is at most the
        # undamped one: only a damped step this small can hide a verifiable minimum
        if (isinstance(step, Step) and self.lam > 0.0 and not it.gn_phase
                and it.verifies(Step(step.dz, 0.0, undamped=True)) is not None):
            dz0 = it.solver.step(0.0, it.mask)
            if dz0 is not None and it.verifies(Step(dz0, 0.0, undamped=True)) is not None:
                return Step(dz0, 0.0, undamped=True, solves_damped=True)
        if (isinstance(step, Step) and not it.gn_phase and it.bounds is not None
                and it.verifies(step) is None):
            # a variable on a bound that the step pushes outward is held for this step (a
            # Newton step on that face), so that clipping does not bend the step; the
            # extra held variables rule out verifying with it
            dz = it.onto_face(step.dz, lambda: self._solve(it))
            if dz is None:
                return -2
            if dz is not step.dz:
                return Step(dz, self.lam, solves_damped=True)
        return step

    def _undamped(self) -> bool:
        return self.lam == 0.0

    def accepted(self, it: Iterate, trial: Trial, old: float, left_gn: bool) -> bool:
        if it.gn_phase:
            return super().accepted(it, trial, old, left_gn)
        self.lam = self.lam / 3.0 if self.lam > LAM_SHIFT and not left_gn else 0.0
        return False

    def _grow(self, it: Iterate, trial: Trial) -> int | None:
        if it.gn_phase:
            return super()._grow(it, trial)
        self.lam = max(self.lam * 10.0, LAM_SHIFT)
        return -2 if self.lam > LAM_MAX else None
