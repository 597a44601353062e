"""Errors of estimated paths against a twin experiment's truth."""
from __future__ import annotations

import numpy as np

from ._twin import rms

__all__ = ["rms_per_start"]


def rms_per_start(problem, paths, truth=None) -> dict:
    """RMS error of each start's path against the truth, over the observed and over the
    unobserved components: ``{"observed": (n_init,), "unobserved": (n_init,)}``.

    ``paths`` (n_init, D, M) on the problem's model grid; ``truth`` a :class:`Truth` whose
    ``x`` is on the model grid (D, M) or, as read from a truth file, on the data times
    (D, N).  NaN everywhere without a truth, and for a start set without components (e.g.
    nothing unobserved)."""
    paths = np.asarray(paths)
    if truth is None:
        nan = np.full(len(paths), np.nan)
        return {"observed": nan, "unobserved": nan.copy()}
    on_grid = paths if truth.x.shape[1] == problem.M else paths[:, :, ::problem.k]
    return {"observed": np.array([rms(x, truth.x, problem.observed) for x in on_grid]),
            "unobserved": np.array([rms(x, truth.x, problem.unobserved) for x in on_grid])}
