"""Starting paths for annealing: the group's convention and a nudged (synchronising) one.

- ``"data"`` (varanneal's Lorenz96 example, ``Xinit[:, l] = data``): measured components at
  their data, every other entry uniform in ``init_range``; this is what ``anneal`` draws.
- ``"nudged"``: from a random initial state, integrate the model forward across the window
  pulled toward the data on the observed components, dx/dt = F(x, p) + g (y(t) - x) on them
  (nudging, or a synchronising observer): where the observed components drive the rest, the
  unobserved ones then start near a trajectory consistent with the data.  Measured
  components are then set to their data, as in the group's convention.
"""
from __future__ import annotations

import numpy as np

from .._checks import as_generator, check_int, check_positive

__all__ = ["START_STRATEGIES", "nudged_paths", "initial_starts"]

START_STRATEGIES = ("data", "nudged")


def _data_on_grid(problem) -> np.ndarray:
    """Observed data linearly interpolated onto the model grid, (L, M) (NaN outside)."""
    tm, out = problem.t, np.full((problem.L, problem.M), np.nan)
    for i in range(problem.L):
        ok = np.isfinite(problem.data[i])
        if ok.sum() >= 2:
            td = problem.t_data[ok]
            inside = (tm >= td[0]) & (tm <= td[-1])
            out[i, inside] = np.interp(tm[inside], td, problem.data[i, ok])
    return out


def nudged_paths(problem, X0: np.ndarray, P0: np.ndarray, *, gain: float = 20.0,
                 substeps: int = 2) -> np.ndarray:
    """Nudged forward runs from the initial states ``X0[:, :, 0]`` with parameters ``P0``.

    X0 (n, D, M) starting paths (their first column is the initial state), P0 (n, P);
    ``gain`` g (1/time unit) pulls the observed components toward the data; RK4 with
    ``substeps`` steps per model interval.  Returns paths (n, D, M): the nudged run, with
    measured entries set to their data.  Autonomous models only."""
    if problem.model.n_inputs:
        raise ValueError("nudged starts need an autonomous model (no drive)")
    check_positive("gain", gain)
    substeps = check_int("substeps", substeps, 1)
    Yg = _data_on_grid(problem)
    # where the data are missing (outside the data times), no pull
    pull = np.where(np.isfinite(Yg), gain, 0.0)
    Yg = np.nan_to_num(Yg)
    obs, h = problem.observed, problem.h / substeps
    n, D, M = X0.shape
    X = np.empty_like(X0)
    x = X0[:, :, 0].copy()
    rhs = problem.model.rhs

    def f(x, m, w):
        # the model per start (each has its own p); the pull at model time t_m + w h_model
        dx = np.stack([rhs(x[i], P0[i]) for i in range(n)])
        y = Yg[:, m] if w == 0 else (1 - w) * Yg[:, m] + w * Yg[:, min(m + 1, M - 1)]
        g = pull[:, m]
        dx[:, obs] += g * (y - x[:, obs])
        return dx

    X[:, :, 0] = x
    for m in range(M - 1):
        for s in range(substeps):
            w0, w1 = s / substeps, (s + 0.5) / substeps
            k1 = f(x, m, w0)
            k2 = f(x + 0.5 * h * k1, m, w1)
            k3 = f(x + 0.5 * h * k2, m, w1)
            k4 = f(x + h * k3, m, (s + 1) / substeps)
            x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        X[:, :, m + 1] = x
    if not np.all(np.isfinite(X)):
        raise ValueError(f"a nudged run blew up (gain {gain:g}, h {h:g}): lower the gain or "
                         f"raise substeps")
    meas = problem.mask.T                                  # (D, M) measured entries
    X[:, meas] = problem.Y.T[meas][None, :]
    return X


def initial_starts(problem, n: int, *, strategy: str = "data", seed=0, init_range=None,
                   param_range: dict | None = None, gain: float = 20.0):
    """``n`` starts ``(paths (n, D, M), params (n, P))`` drawn by ``strategy`` (one of
    ``START_STRATEGIES``), ready for ``anneal(problem, init=...)``."""
    if strategy not in START_STRATEGIES:
        raise ValueError(f"strategy must be one of {START_STRATEGIES}, got {strategy!r}")
    n = check_int("n", n, 1)
    rng = as_generator(seed)
    _, X0, P0 = problem.initial_vectors(n, rng, init_range, param_range)
    if strategy == "nudged":
        X0 = nudged_paths(problem, X0, P0, gain=gain)
    return X0, P0
