"""Prediction beyond the observation window: integrate the model from the estimate's end."""
from __future__ import annotations

import numpy as np

from .._checks import check_int, check_memory
from ..discretize import integrate

__all__ = ["predict", "prediction_error"]


def predict(problem, path, params=None, *, n_steps: int = 100, substeps: int = 10,
            drive=None):
    """Forecast from the last point of ``path`` (D, M) for ``n_steps`` data steps.

    Uses RK4 with ``substeps`` sub-steps per data step ``problem.dt`` and ``params`` (full
    vector, default ``problem.params``).  Returns ``(t, X)``: times (n_steps+1,) from the
    window's end and the forecast (D, n_steps+1); its first column is the estimate's end.
    A driven model reads ``drive`` (a callable u(t) -> (T, U) in the problem's time;
    default the problem's own, which must then extend beyond the window).
    """
    path = np.asarray(path, dtype=float)
    if path.shape != (problem.D, problem.M):
        raise ValueError(f"path must have shape (D={problem.D}, M={problem.M}), got {path.shape}")
    n_steps = check_int("n_steps", n_steps, 1)
    substeps = check_int("substeps", substeps, 1)
    check_memory(f"predict(n_steps={n_steps})", 8.0 * 3 * (n_steps + 1) * problem.D)
    p = problem.params if params is None else np.asarray(params, dtype=float)
    if p.shape != (len(problem.params),) or not np.all(np.isfinite(p)):
        raise ValueError(f"params must be {len(problem.params)} finite numbers "
                         f"{tuple(problem.param_names)}, got {np.asarray(params).tolist()}")
    drive = drive if drive is not None else getattr(problem, "drive", None)
    X = integrate(problem.model, path[:, -1], p, problem.dt, int(n_steps), substeps,
                  drive=drive, t0=float(problem.t[-1])).T
    t = problem.t[-1] + problem.dt * np.arange(n_steps + 1)
    return t, X


def prediction_error(forecast, truth_future, components=None) -> np.ndarray:
    """RMS over components of forecast - truth at each time, shape (n_times,).

    ``forecast`` and ``truth_future`` are (D, n) on the same times (the shorter length wins).
    """
    f, tr = np.asarray(forecast), np.asarray(truth_future)
    n = min(f.shape[1], tr.shape[1])
    f, tr = f[:, :n], tr[:, :n]
    if components is not None:
        f, tr = f[components], tr[components]
    return np.sqrt(np.mean((f - tr) ** 2, axis=0))
