"""Twin experiments: integrate a true path, measure some components with noise, seeded."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .discretize import integrate
from .models import Model, get_model
from .problem import Problem, check_observed, check_positive

__all__ = ["Truth", "twin_experiment", "lorenz96_twin", "rms"]


@dataclass(frozen=True)
class Truth:
    """The true path of a twin experiment.

    ``x`` is ``(D, M)`` on the problem's model grid ``t``; ``x_future`` is ``(D, F + 1)`` at
    data times ``t_future`` from the end of the window on (its first column is the window's
    last point); ``params`` the true parameters ``(P,)``.
    """
    t: np.ndarray
    x: np.ndarray
    params: np.ndarray
    t_future: np.ndarray
    x_future: np.ndarray


def rms(a, b, components=None) -> float:
    """Root-mean-square of ``a - b`` over the given components (rows) and all times."""
    a, b = np.asarray(a), np.asarray(b)
    if components is not None:
        a, b = a[components], b[components]
    return float(np.sqrt(np.mean((a - b) ** 2))) if a.size else float("nan")


def twin_experiment(model: Model, N: int, dt: float, sigma: float, L=None, observed=None,
                    seed=0, params=None, x0=None, k: int = 1, rule: str = "trapezoid",
                    estimate=(), substeps: int = 10, spinup: float = 10.0,
                    n_future: int = 0) -> tuple[Problem, Truth]:
    """Make a twin experiment and the Problem built from its noisy data.

    The truth is integrated by RK4 with ``substeps`` sub-steps per model step (finer than any
    rule the estimate uses), after a spin-up of ``spinup`` time units from a random state so
    it is on the attractor.  ``N`` data times, step ``dt``; ``k`` model steps per data step.
    Noise is Gaussian with std ``sigma``, from ``np.random.default_rng(seed)``.
    """
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 2:
        raise ValueError(f"N (number of data times) must be an integer >= 2, got {N!r}")
    dt = check_positive("dt", dt)
    sigma = check_positive("sigma", sigma)
    obs = check_observed(model.D, observed, L)
    if isinstance(n_future, bool) or not isinstance(n_future, (int, np.integer)) or n_future < 0:
        raise ValueError(f"n_future must be an integer >= 0, got {n_future!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k (model steps per data step) must be an integer >= 1, got {k!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    p_true = model.default_params.copy() if params is None else np.asarray(params, float)
    h = dt / k
    if x0 is None:
        x0 = rng.normal(0.0, 1.0, model.D) + (p_true[0] if model.name == "lorenz96" else 1.0)
        n_spin = int(round(spinup / h))
        x0 = integrate(model, x0, p_true, h, n_spin, substeps)[-1]
    M = (N - 1) * k + 1
    n_total = M - 1 + n_future * k
    path = integrate(model, np.asarray(x0, float), p_true, h, n_total, substeps)  # (., D)
    if not np.all(np.isfinite(path)):
        raise ValueError("the true path blew up (non-finite); check params, dt and x0")
    x_window = path[:M].T
    x_future = path[M - 1::k].T
    data = x_window[obs, ::k] + rng.normal(0.0, sigma, size=(len(obs), N))
    problem = Problem(model, data, dt, observed=obs, sigma=sigma, rule=rule, k=k,
                      params=p_true, estimate=estimate)
    truth = Truth(t=problem.t, x=x_window, params=p_true,
                  t_future=problem.t[-1] + dt * np.arange(n_future + 1), x_future=x_future)
    return problem, truth


def lorenz96_twin(D: int = 20, L=None, observed=None, sigma: float = 0.4, N: int = 200,
                  dt: float = 0.025, nu: float = 8.17, **kwargs) -> tuple[Problem, Truth]:
    """Lorenz96 twin experiment (defaults: D = 20, σ = 0.4, N = 200, dt = 0.025, ν = 8.17)."""
    model = get_model("lorenz96", D=D, nu=nu)
    return twin_experiment(model, N=N, dt=dt, sigma=sigma, L=L, observed=observed, **kwargs)
