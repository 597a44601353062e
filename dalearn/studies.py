"""Small studies built from twin experiments and annealing: sweeps the course repeats."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._action import EXPECTED_LEVEL
from ._anneal import anneal
from ._checks import check_int
from .settings import AnnealSettings, TwinSettings
from .twin import rms, twin_from_settings

__all__ = ["ObservationSweep", "sweep_observations", "at_expected_level", "SWEEP_TWIN",
           "SWEEP_SCHEDULE"]

#: the sweep's own settings: a shorter window, fewer starts and capped solves, so a sweep
#: over six values of L runs in seconds
SWEEP_TWIN = TwinSettings(N=100)
SWEEP_SCHEDULE = AnnealSettings(n_init=5, maxiter=100)


def at_expected_level(actions, tol: float = 0.5) -> np.ndarray:
    """Bool per start: final action within ``tol`` of the expected level (≈ 1)."""
    return np.abs(np.asarray(actions) - EXPECTED_LEVEL) < tol


@dataclass(frozen=True)
class ObservationSweep:
    """Per L (n_L,): fraction of starts at the expected level, RMS error of the best start's
    unobserved (and observed) components against the truth, number of distinct levels;
    ``runs`` maps L to (problem, truth, result)."""
    Ls: np.ndarray
    fraction_expected: np.ndarray
    rms_unobserved: np.ndarray
    rms_observed: np.ndarray
    n_levels: np.ndarray
    runs: dict


def sweep_observations(Ls, *, twin: TwinSettings = SWEEP_TWIN,
                       schedule: AnnealSettings = SWEEP_SCHEDULE, executor=None,
                       progress=None, keep_all: bool = False) -> ObservationSweep:
    """Anneal one twin experiment of ``twin`` per number of observed components L."""
    D = twin.D or 20
    Ls = [check_int("Ls entries", L, 1, D) for L in Ls]
    if not Ls:
        raise ValueError(f"Ls must be a non-empty list of integers in 1..D={D}")
    runs, frac, ru, ro, nl = {}, [], [], [], []
    for i, L in enumerate(Ls):
        problem, truth = twin_from_settings(twin, L=L)
        r = anneal(problem, **schedule.kwargs(), executor=executor, keep_all=keep_all)
        runs[L] = (problem, truth, r)
        frac.append(at_expected_level(r.final_action).mean())
        ru.append(rms(r.paths[r.best], truth.x, problem.unobserved))
        ro.append(rms(r.paths[r.best], truth.x, problem.observed))
        nl.append(len(r.levels()))
        if progress is not None:
            progress(i + 1, len(Ls))
    return ObservationSweep(np.array(Ls), np.array(frac), np.array(ru), np.array(ro),
                            np.array(nl), runs)
