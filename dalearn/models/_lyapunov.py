"""Conditional Lyapunov exponents: why the number of measurements matters.

When the observed components of a model are driven by data (set to the true path), the
unobserved ones evolve as a subsystem driven by them.  A small error δu in the unobserved
components obeys δu' = J_uu(x(t)) δu along the true path x(t) (the observed components'
error is held at zero).  Its largest growth rate, the *largest conditional Lyapunov
exponent* λ_c, decides whether the data determine the hidden state: λ_c < 0 and every
estimate consistent with the data converges onto the true path (the subsystem synchronises
to the data); λ_c > 0 and errors in the unobserved components grow, so the action has many
minima that fit the data.  With nothing observed λ_c is the model's largest Lyapunov
exponent.  Units: 1 / (model time unit).
"""
from __future__ import annotations

import numpy as np

from .._checks import as_generator, check_finite, check_int, check_observed, check_positive
from ._base import Model
from ._rk4 import rk4

__all__ = ["conditional_lyapunov"]


def _tangent(model: Model, x, p, v):
    """J(x) v for a batch of tangent vectors v (n, D) at one state x (D,)."""
    if hasattr(model, "jvp"):
        return model.jvp(x, p, v)
    return v @ model.jac(x, p).T


def _unobserved_masks(model, observed_sets) -> np.ndarray:
    """(n_sets, D): 1 on each set's unobserved components, 0 on its observed ones."""
    if not isinstance(model, Model):
        raise TypeError(f"model must be a dalearn Model, got {type(model).__name__}")
    if getattr(model, "inputs", 0):
        raise ValueError("model: conditional_lyapunov needs an autonomous model (no drive)")
    if isinstance(observed_sets, (str, bytes)) or not hasattr(observed_sets, "__len__") \
            or len(observed_sets) == 0:
        raise ValueError("observed_sets must be a non-empty list of index sequences, e.g. "
                         "[[0, 2, 4], []]")
    D = model.D
    masks = np.ones((len(observed_sets), D))
    for i, obs in enumerate(observed_sets):
        if isinstance(obs, (int, np.integer)) and not isinstance(obs, bool):
            masks[i, check_observed(D, L=int(obs))] = 0.0     # a count, spread evenly
        elif len(obs):
            masks[i, check_observed(D, observed=list(obs))] = 0.0
    return masks


def _start(model, p, x0, rng) -> np.ndarray:
    """The true path's first state (D,): ``x0``, or seeded random near the attractor."""
    D = model.D
    if x0 is not None:
        x = np.asarray(x0, dtype=float).copy()
    elif hasattr(model, "sample_state"):
        x = np.asarray(model.sample_state(rng), dtype=float)
    else:                                   # as twin experiments start (dalearn.twin)
        x = rng.normal(0.0, 1.0, D) + (p[0] if model.name == "lorenz96" else 1.0)
    if x.shape != (D,) or not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be a finite state of shape ({D},), got {x0!r}")
    return x


def conditional_lyapunov(model: Model, observed_sets, *, params=None, x0=None,
                         dt: float = 0.01, t_spinup: float = 20.0, t_total: float = 100.0,
                         seed=0) -> np.ndarray:
    """Largest conditional Lyapunov exponent for each set of observed components.

    ``observed_sets``: a list whose entries are index sequences (an empty one: nothing
    observed, the model's largest exponent) or counts L (spread evenly, as twins do).  One
    true path is integrated (RK4, step ``dt``) from ``x0`` (default: seeded random near the
    attractor) for ``t_spinup`` then ``t_total`` time units; along
    it, one tangent vector per set, restricted to that set's unobserved components, is
    propagated by the linearised RK4 step and renormalised every step.  Returns the growth
    rates (n_sets,); ``-inf`` for a set that observes every component (nothing left to grow).
    """
    masks = _unobserved_masks(model, observed_sets)
    dt = check_positive("dt", dt)
    t_spinup, t_total = check_finite("t_spinup", t_spinup), check_positive("t_total", t_total)
    if t_spinup < 0:
        raise ValueError(f"t_spinup must be >= 0, got {t_spinup}")
    n_spin, n_steps = int(round(t_spinup / dt)), check_int("t_total / dt",
                                                          int(round(t_total / dt)), 1)
    p = model.default_params if params is None else np.asarray(params, dtype=float)
    rng = as_generator(seed)
    x = _start(model, p, x0, rng)
    for _ in range(n_spin):
        x = rk4(lambda s, half: model.rhs(s, p), x, dt)
    v = rng.normal(size=masks.shape) * masks
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-300)
    log_growth = np.zeros(len(masks))

    def joint(y, half):
        # the path (row 0) and its tangents (rows 1:), the observed rows of J zeroed (their
        # error stays zero): one RK4 step of both is the linearised RK4 step
        return np.vstack([model.rhs(y[0], p)[None], masks * _tangent(model, y[0], p, y[1:])])

    for _ in range(n_steps):
        y = rk4(joint, np.vstack([x[None], v]), dt)
        x, v = y[0], y[1:]
        norm = np.linalg.norm(v, axis=1)
        with np.errstate(divide="ignore"):
            log_growth += np.log(norm)
        v /= np.where(norm > 0, norm, 1.0)[:, None]
    if not np.all(np.isfinite(x)):
        raise ValueError("the true path diverged: choose a smaller dt")
    out = log_growth / (n_steps * dt)
    out[masks.sum(axis=1) == 0] = -np.inf
    return out

