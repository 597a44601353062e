"""Small studies built from twin experiments and annealing: sweeps the course repeats."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .action import EXPECTED_LEVEL
from .anneal import anneal
from .twin import lorenz96_twin, rms

__all__ = ["ObservationSweep", "sweep_observations", "at_expected_level"]


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


def sweep_observations(Ls, D: int = 20, sigma: float = 0.4, N: int = 100, n_init: int = 5,
                       seed: int = 0, betas=21, Rf0: float = 0.01, alpha: float = 2.0,
                       maxiter: int | None = 100, executor=None, progress=None,
                       keep_all: bool = False) -> ObservationSweep:
    """Anneal one Lorenz96 twin experiment per number of observed components L."""
    Ls = np.asarray(list(Ls), dtype=int)
    if Ls.ndim != 1 or Ls.size == 0 or np.any(Ls < 1) or np.any(Ls > D):
        raise ValueError(f"Ls must be a non-empty list of integers in 1..D={D}, got {Ls}")
    runs, frac, ru, ro, nl = {}, [], [], [], []
    for i, L in enumerate(Ls):
        problem, truth = lorenz96_twin(D=D, L=int(L), sigma=sigma, N=N, seed=seed)
        r = anneal(problem, betas=betas, Rf0=Rf0, alpha=alpha, n_init=n_init, seed=seed,
                   maxiter=maxiter, executor=executor, keep_all=keep_all)
        runs[int(L)] = (problem, truth, r)
        frac.append(at_expected_level(r.final_action).mean())
        ru.append(rms(r.paths[r.best], truth.x, problem.unobserved))
        ro.append(rms(r.paths[r.best], truth.x, problem.observed))
        nl.append(len(r.levels()))
        if progress is not None:
            progress(i + 1, len(Ls))
    return ObservationSweep(Ls, np.array(frac), np.array(ru), np.array(ro), np.array(nl), runs)
