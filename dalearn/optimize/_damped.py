"""Damped step rules: solve (H + λ S) δ = -g by one banded Cholesky and adapt λ.

λ shrinks after good steps (Nielsen's rule: λ *= max(1/3, 1 - (2ρ - 1)³)) and grows after
bad ones or when H + λ S has no Cholesky factor (an indefinite exact Hessian).

- :class:`LMDamping` (``lm``): H the Gauss-Newton matrix; stops when the action and
  the predicted decrease both fall below ftol A.
- :class:`NewtonDamping` (``newton``): H the exact Hessian.  λ drops to 0 once it is small,
  so near a minimum the steps are Newton's and the undamped decrement verifies the minimum.
  Where the model's predicted decrease is at rounding level the ratio test is noise, so λ = 0
  is tried then rather than growing λ.
"""
from __future__ import annotations

from ._loop import Iterate, Step, Trial

__all__ = ["LMDamping", "NewtonDamping"]

#: the damping a stuck or first damped step starts from
LAM0 = 1e-5
#: beyond this damping no useful step exists
LAM_MAX = 1e16


class _Damping:
    """The λ heuristics both damped rules share."""
    failure = "linear solve failed (damping grew without bound)"
    exact_at_end = False
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

    def _retry_undamped(self, it: Iterate, trial: Trial) -> bool:
        return False

    def accepted(self, it: Iterate, trial: Trial, old: float, left_gn: bool) -> bool:
        self.lam *= max(1.0 / 3.0, 1.0 - (2.0 * trial.rho - 1.0) ** 3)
        self.nu = 2.0
        return False

    def rejected(self, it: Iterate, trial: Trial) -> int | None:
        if trial.small and trial.finite and trial.pred <= it.ftol * it.hb.total:
            return 0
        if self._retry_undamped(it, trial):
            return None
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
    """Newton's method on the exact Hessian, globalised by damping and the ratio test; a
    start where the Hessian is indefinite takes Gauss-Newton steps until they slow."""
    exact = True
    lam0 = 0.0
    #: λ = 0 retries after a rejected step whose predicted decrease is at rounding level
    floor_retries = 2

    def start(self, it: Iterate) -> None:
        super().start(it)
        self.first, self.floor_tries = True, 0

    def _solve(self, it: Iterate):
        dz = it.solver.step(self.lam, it.mask)
        if dz is None and self.first:
            it.enter_gauss_newton()
            self.lam = LAM0
            dz = it.solver.step(self.lam, it.mask)
        self.first = False
        return dz

    def _undamped(self) -> bool:
        return self.lam == 0.0

    def accepted(self, it: Iterate, trial: Trial, old: float, left_gn: bool) -> bool:
        super().accepted(it, trial, old, left_gn)
        # a lightly damped step whose model was exact to rounding: take Newton's next
        if not it.gn_phase and (self.lam < 1e-7 or (self.lam < 1e-4 and trial.pred <= 1e-6 * old)):
            self.lam = 0.0
        return False

    def _retry_undamped(self, it: Iterate, trial: Trial) -> bool:
        if (not it.gn_phase and self.lam > 0.0 and it.converged_at_rounding(trial.pred)
                and self.floor_tries < self.floor_retries):
            self.lam, self.floor_tries = 0.0, self.floor_tries + 1
            return True
        return False
