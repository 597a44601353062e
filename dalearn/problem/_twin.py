"""Twin experiments: integrate a true path, measure some components with noise, seeded."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import as_generator, check_int, check_memory, check_observed, check_positive
from ..discretize import integrate
from ..models import SIZED, get_model
from ..models import Model
from ._problem import Problem
from .._settings import TwinSettings

__all__ = ["Truth", "Twin", "twin_experiment", "lorenz96_twin", "twin_from_settings", "rms",
           "resolve_params", "check_truth_work", "path_bytes"]

_DEF = TwinSettings()


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


@dataclass(frozen=True)
class Twin:
    """A twin experiment: the ``problem`` built from noisy data and the ``truth`` behind it.
    Unpacks as ``problem, truth = twin``."""
    problem: Problem
    truth: Truth

    def __iter__(self):
        return iter((self.problem, self.truth))


def rms(a, b, components=None) -> float:
    """Root-mean-square of ``a - b`` over the given components (rows) and all times."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"rms: a and b must have the same shape, got {a.shape} and {b.shape}")
    if components is not None:
        idx = np.asarray(components)
        if idx.size and (idx.dtype.kind not in "iu" or idx.min() < -len(a)
                         or idx.max() >= len(a)):
            raise ValueError(f"rms: components must be row indices in 0..{len(a) - 1}, got "
                             f"{np.asarray(components).tolist()}")
        a, b = a[components], b[components]
    return float(np.sqrt(np.mean((a - b) ** 2))) if a.size else float("nan")


#: RK4 sub-steps a twin experiment may take to make its true path (a bound on its cost)
MAX_RK4_STEPS = 2_000_000


def path_bytes(D: int, M: int, n_future: int, k: int) -> float:
    """Memory of integrating a true path over the window and the future (a few copies)."""
    return 8.0 * 4 * (M + n_future * k) * D


def check_truth_work(M: int, n_future: int, k: int, h: float, substeps: int = 10,
                     spinup: float = 10.0, what: str = "the twin experiment") -> None:
    """Refuse, before it starts, a true path that would take more than MAX_RK4_STEPS."""
    steps = (M - 1 + n_future * k + spinup / h) * substeps
    if steps > MAX_RK4_STEPS:
        raise ValueError(f"{what} would integrate {steps:.3g} RK4 steps for its true path; "
                         f"the limit is {MAX_RK4_STEPS:.3g} (fewer data times, k or n_future)")


def _true_path(model, p_true, x0, rng, h, n_steps, substeps, spinup, drive=None):
    """RK4 path (n_steps + 1, D) from ``x0`` or, if None, from a random state after spin-up
    (a driven model spins up with its input held at u(0), then is driven from t = 0)."""
    if x0 is None:
        if hasattr(model, "sample_state"):
            x0 = model.sample_state(rng)
        else:
            x0 = rng.normal(0.0, 1.0, model.D) + \
                (p_true[0] if model.name == "lorenz96" else 1.0)
        held = None
        if drive is not None:
            u0 = np.asarray(drive(np.zeros(1)), dtype=float).reshape(1, -1)
            held = lambda t: np.repeat(u0, np.size(t), axis=0)     # noqa: E731
        with np.errstate(over="ignore", invalid="ignore"):  # a blow-up is reported below
            x0 = integrate(model, x0, p_true, h, int(round(spinup / h)), substeps,
                           drive=held)[-1]
    with np.errstate(over="ignore", invalid="ignore"):    # a blow-up is reported below
        path = integrate(model, np.asarray(x0, float), p_true, h, n_steps, substeps,
                         drive=drive)
    with np.errstate(all="ignore"):       # the vector field along it must be finite too
        field_ok = drive is not None or np.all(np.isfinite(model.rhs(path, p_true)))
    if not np.all(np.isfinite(path)) or not field_ok:
        raise ValueError("the true path blew up (non-finite): the parameters, the time step "
                         "dt or the initial state x0 are outside the model's stable range")
    return path


def twin_experiment(model: Model, N: int = _DEF.N, dt: float = _DEF.dt,
                    sigma: float = _DEF.sigma, *, L=_DEF.L, observed=_DEF.observed,
                    seed=_DEF.seed, params=None, x0=None, k: int = _DEF.k,
                    rule: str = _DEF.rule, estimate=_DEF.estimate, substeps: int = 10,
                    spinup: float = 10.0, n_future: int = _DEF.n_future, drive=None,
                    bounds=None) -> Twin:
    """Make a twin experiment and the Problem built from its noisy data.

    The truth is integrated by RK4 with ``substeps`` sub-steps per model step (finer than any
    rule the estimate uses), after a spin-up of ``spinup`` time units from a random state so
    it is on the attractor.  ``N`` data times, step ``dt``; ``k`` model steps per data step.
    ``params``: true parameters, a full vector ``(P,)`` or ``{name: value}`` (default: the
    model's).  Noise is Gaussian with std ``sigma``, from ``np.random.default_rng(seed)``.
    A driven model needs ``drive``, a callable ``u(t) -> (T, U)`` (or an array (T, 1 + U),
    time first) known from t = 0 to the end of the future: the truth reads it at every RK4
    stage, the Problem on its half-step grid.  ``bounds``: see :class:`Problem`.
    """
    if not isinstance(model, Model):
        raise TypeError(f"model must be a dalearn Model (e.g. da.Lorenz96(D=5) or "
                        f"da.get_model('lorenz96')), got {model!r:.60}")
    N = check_int("N (number of data times)", N, 2)
    dt = check_positive("dt", dt)
    substeps = check_int("substeps", substeps, 1)
    if isinstance(spinup, bool) or not isinstance(spinup, (int, float, np.integer, np.floating)) \
            or not np.isfinite(spinup) or spinup < 0:
        raise ValueError(f"spinup must be a finite time >= 0, got {spinup!r}")
    sigma = check_positive("sigma", sigma)
    obs = check_observed(model.D, observed, L)
    n_future = check_int("n_future", n_future, 0)
    k = check_int("k (model steps per data step)", k, 1)
    rng = as_generator(seed)
    p_true = resolve_params(model, params)
    if drive is not None:
        from ._problem import as_drive
        drive = as_drive(drive, model.n_inputs)
    M = (N - 1) * k + 1
    check_memory("the twin experiment's true path", path_bytes(model.D, M, n_future, k))
    check_truth_work(M, n_future, k, dt / k, substeps, spinup if x0 is None else 0.0)
    if model.n_inputs and drive is None:
        raise ValueError(f"model {model.name!r} is driven by {model.inputs}: give drive")
    if x0 is not None:
        x0 = np.asarray(x0, dtype=float)
        if x0.shape != (model.D,) or not np.all(np.isfinite(x0)):
            raise ValueError(f"x0 must be {model.D} finite numbers (one per component), got "
                             f"shape {x0.shape}")
    path = _true_path(model, p_true, x0, rng, dt / k, M - 1 + n_future * k, substeps, spinup,
                      drive)
    x_window = path[:M].T
    data = x_window[obs, ::k] + rng.normal(0.0, sigma, size=(len(obs), N))
    problem = Problem(model, data, dt, observed=obs, sigma=sigma, rule=rule, k=k,
                      params=p_true, estimate=estimate, drive=drive, bounds=bounds)
    truth = Truth(t=problem.t, x=x_window, params=p_true,
                  t_future=problem.t[-1] + dt * np.arange(n_future + 1),
                  x_future=path[M - 1::k].T)
    return Twin(problem, truth)


def resolve_params(model, params) -> np.ndarray:
    """The model's parameter vector (P,): its defaults, changed by ``params`` (a dict by name,
    or a full sequence)."""
    p = model.default_params.astype(float).copy()
    if params is None:
        return p
    if isinstance(params, dict):
        for name, v in params.items():
            if name not in model.param_names:
                raise ValueError(f"params names {name!r}, not one of {model.param_names}")
            p[model.param_names.index(name)] = float(v)
        if not np.all(np.isfinite(p)):
            raise ValueError(f"params must be finite, got {params!r}")
        return p
    try:
        q = np.asarray(params, float)
    except (TypeError, ValueError):
        q = None
    if isinstance(params, str) or q is None or q.shape != (model.P,) or \
            not np.all(np.isfinite(q)):
        raise ValueError(f"params must be {model.P} finite numbers {model.param_names} or a "
                         f"dict by name, got {params!r:.60}")
    return q


def lorenz96_twin(D: int | None = _DEF.D, *, L=_DEF.L, observed=_DEF.observed,
                  sigma: float = _DEF.sigma, N: int = _DEF.N, dt: float = _DEF.dt,
                  nu: float | None = None, **kwargs) -> Twin:
    """Lorenz96 twin experiment (defaults from :class:`TwinSettings`: D = 20, σ = 0.4,
    N = 200, dt = 0.025, every component observed; ν = 8.17 unless given)."""
    model = get_model("lorenz96", **_given(D=D, nu=nu))
    return twin_experiment(model, N=N, dt=dt, sigma=sigma, L=L, observed=observed, **kwargs)


def twin_from_settings(settings: TwinSettings = _DEF, **changes) -> Twin:
    """The twin experiment of ``settings`` (with ``changes`` applied)."""
    s = settings.with_(**changes) if changes else settings
    if not isinstance(s.model, str):
        raise TypeError(f"model must be a model name, got {s.model!r}")
    fixed_D = s.model.lower() not in SIZED
    model = get_model(s.model) if fixed_D else get_model(s.model, **_given(D=s.D))
    if fixed_D and s.D is not None and s.D != model.D:
        raise ValueError(f"D must be {model.D} for {s.model}, got {s.D}")
    if s.stimulus and not model.n_inputs:
        raise ValueError(f"stimulus given, but model {s.model!r} has no inputs")
    drive = stimulus_drive(s) if model.n_inputs else None
    return twin_experiment(model, **s.kwargs(), **({"drive": drive} if drive else {}))


#: a driven twin's default stimulus (dalearn.chaotic_current): a chaotic current that makes
#: NaKL spike irregularly a few times per 15 ms
STIMULUS = {"amplitude": 10.0, "offset": 5.0, "time_scale": 0.2}


def stimulus_drive(s: TwinSettings):
    """The chaotic stimulus of twin settings ``s`` over the window and its future."""
    from ..models import chaotic_current
    kw = {**STIMULUS, "seed": s.seed, **dict(s.stimulus)}
    bad = [k for k in kw if k not in ("amplitude", "offset", "time_scale", "seed", "dt")]
    if bad:
        raise ValueError(f"stimulus names {bad}; allowed: amplitude, offset, time_scale, "
                         f"seed, dt")
    if "seed" in kw:
        kw["seed"] = int(kw["seed"])
    t_end = s.dt * (s.N - 1 + s.n_future) + s.dt
    return chaotic_current(t_end, **kw)


def _given(**kwargs) -> dict:
    """The keyword arguments that are not None."""
    return {k: v for k, v in kwargs.items() if v is not None}
