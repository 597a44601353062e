"""Small studies built from twin experiments and annealing: sweeps the course repeats."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..annealing import anneal
from .._checks import check_int
from ..levels import level_at
from .._settings import AnnealSettings, TwinSettings
from ..network import Network, NetworkTwin, train_backprop
from ..problem import rms, twin_from_settings

__all__ = ["ObservationSweep", "sweep_observations", "at_expected_level", "SWEEP_TWIN",
           "SWEEP_SCHEDULE", "ErrorsInVariables", "errors_in_variables"]

#: the sweep's own settings: a shorter window, fewer starts and capped solves, so a sweep
#: over six values of L runs in seconds
SWEEP_TWIN = TwinSettings(N=100)
SWEEP_SCHEDULE = AnnealSettings(n_init=5, maxiter=100)


def at_expected_level(problem, result) -> np.ndarray:
    """Bool per start (n_init,): final action inside the expected level's band (mean ± 3 sd,
    :func:`dalearn.levels.level_at` at the lowest start; all False when the Hessian there is
    not positive definite)."""
    try:
        band = level_at(problem, result)
    except ValueError:
        return np.zeros(result.n_init, dtype=bool)
    return band.contains(result.final_action)


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
        frac.append(at_expected_level(problem, r).mean())
        ru.append(rms(r.paths[r.best], truth.x, problem.unobserved))
        ro.append(rms(r.paths[r.best], truth.x, problem.observed))
        nl.append(len(r.levels()))
        if progress is not None:
            progress(i + 1, len(Ls))
    return ObservationSweep(np.array(Ls), np.array(frac), np.array(ru), np.array(ro),
                            np.array(nl), runs)


@dataclass(frozen=True)
class ErrorsInVariables:
    """Held-out RMS errors (against the teacher's clean held-out outputs) of one student
    trained by precision annealing and by backpropagation on the twin's noisy training
    outputs, with the noisy and with the clean training inputs.  ``heldout[method][inputs]``
    with method "annealing" | "backprop", inputs "noisy" | "clean"; ``thetas`` the same keys
    (the trained weights); ``level`` {inputs: annealing's final action}."""
    n_layers: int
    heldout: dict
    thetas: dict
    level: dict

    def gain(self, method: str) -> float:
        """How much clean inputs lower ``method``'s held-out error (noisy - clean)."""
        return self.heldout[method]["noisy"] - self.heldout[method]["clean"]

    def edge(self, inputs: str) -> float:
        """How much lower annealing's held-out error is than backprop's (backprop - annealing)."""
        return self.heldout["backprop"][inputs] - self.heldout["annealing"][inputs]


def errors_in_variables(twin: NetworkTwin, student: Network, *, betas=np.arange(0, 29, 2),
                        Rf0: float = 1.0, seed=1, n_init: int = 1, method: str | None = None,
                        n_init_backprop: int = 2,
                        noisy: dict | None = None) -> ErrorsInVariables:
    """Train ``student`` by annealing (``n_init`` starts, the lowest final action's weights
    kept; ``betas``, ``Rf0``, ``seed``, ``method``: the problem's default if None) and by
    backpropagation (``n_init_backprop`` starts, ``seed``) on ``twin.problem(student)``
    (noisy inputs, clamped by backprop, measured with R_m = 1/σ² by annealing) and on
    ``twin.clean_input_problem(student)`` (the noise-free inputs; annealing still weights
    them with R_m).  ``noisy``: {"annealing": θ, "backprop": θ} already trained on the noisy
    problem with these settings, to skip retraining them (annealing's noisy level is then
    NaN)."""
    if not isinstance(twin, NetworkTwin):
        raise TypeError(f"twin must be a NetworkTwin, got {type(twin).__name__}")
    if not isinstance(student, Network):
        raise TypeError(f"student must be a dalearn Network, got {type(student).__name__}")
    if twin.U_train_clean is None:
        raise ValueError("twin: made without its clean training inputs")
    n_init = check_int("n_init", n_init, 1)
    n_init_backprop = check_int("n_init_backprop", n_init_backprop, 1)
    if noisy is not None and (not isinstance(noisy, dict) or
                              set(noisy) != {"annealing", "backprop"}):
        raise ValueError("noisy must be None or a dict with keys 'annealing' and 'backprop'")
    heldout = {"annealing": {}, "backprop": {}}
    thetas = {"annealing": {}, "backprop": {}}
    level = {}
    for inputs, problem in (("noisy", twin.problem(student)),
                            ("clean", twin.clean_input_problem(student))):
        if inputs == "noisy" and noisy is not None:
            th = {m: np.asarray(noisy[m], dtype=float) for m in noisy}
            level[inputs] = float("nan")
        else:
            r = anneal(problem, betas=betas, Rf0=Rf0, n_init=n_init, seed=seed, method=method)
            bp = train_backprop(problem, n_init=n_init_backprop, seed=seed)
            th = {"annealing": r.params[-1, r.best], "backprop": bp.thetas[bp.best]}
            level[inputs] = float(r.final_action[r.best])
        for m in th:
            thetas[m][inputs] = th[m]
            heldout[m][inputs] = twin.heldout_error(problem, th[m])
    return ErrorsInVariables(student.n_layers, heldout, thetas, level)
