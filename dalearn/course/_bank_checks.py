"""The exercise bank's tools: checker builders and the references, computed with dalearn
(seeded, cached for the session)."""
from __future__ import annotations

import functools

import numpy as np

from ._exercise import Wrong, as_choice, as_number


# ------------------------------------------------------------------ checker builders
def _number(reference, *, rtol=0.0, atol=0.0, mistakes=(), what="a number", unit=""):
    """A checker for a number: right within ``atol + rtol·|ref|`` of ``reference()``.

    ``mistakes``: (value, tolerance, message) for typical wrong answers, tried in order
    before the generic too-high/too-low message; value and tolerance may be functions
    (computed only when a wrong answer needs them)."""
    def check(answer):
        x = as_number(answer, what)
        ref = reference()
        if abs(x - ref) <= atol + rtol * abs(ref):
            return f"Your {x:g}{unit} agrees with dalearn's {ref:.4g}{unit}."
        for value, tol, message in mistakes:
            v = value() if callable(value) else value
            if abs(x - v) <= (tol() if callable(tol) else tol):
                raise Wrong(message)
        side = "high" if x > ref else "low"
        raise Wrong(f"Your {x:g}{unit} is too {side}. Check the settings in the question, "
                    "then try `ex.hint()`.")
    return check


def _integer(reference, *, mistakes=None):
    """A checker for a count: equal to ``reference()``; ``mistakes`` {value: message} (or a
    function returning it, computed only when a wrong answer needs it)."""
    def check(answer):
        x = as_number(answer, "a whole number")
        if x != round(x):
            raise Wrong(f"A count is a whole number; got {x:g}.")
        ref = reference()
        if int(x) == ref:
            return f"Yes: {ref}."
        known = mistakes() if callable(mistakes) else (mistakes or {})
        if int(x) in known:
            raise Wrong(known[int(x)])
        raise Wrong(f"Not {int(x)}: count again with the question's settings (`ex.hint()`).")
    return check


def _choice(correct: str, options: dict, why: dict, because: str = ""):
    """A multiple-choice checker: ``why`` gives, for every wrong letter, what is wrong;
    ``because``, said with a right answer, why it is right (not the option again)."""
    assert correct in options and set(why) == set(options) - {correct}

    def check(answer):
        c = as_choice(answer, options)
        if c != correct:
            raise Wrong(f"Not ({c}): {why[c]}")
        return f"Yes, ({correct}). {because}" if because else \
            f"Yes, ({correct}): {options[correct]}"
    return check


def _options(options: dict) -> str:
    return "\n".join(f"- ({k}) {v}" for k, v in options.items())


# ------------------------------------------------------------- references (computed)
@functools.lru_cache(maxsize=None)
def _nb01_twin(L: int = 12):
    from ..problem import lorenz96_twin
    return lorenz96_twin(D=20, L=L, sigma=0.4, N=200, dt=0.025, seed=0)


@functools.lru_cache(maxsize=None)
def _meas_term_declared_sigma(declared: float) -> float:
    from ..problem import action
    from ..problem import Problem
    problem, truth = _nb01_twin()
    told = Problem(problem.model, problem.data, problem.dt, observed=problem.observed,
                   sigma=declared)
    return float(action(told, truth.x, Rf=1.0).meas)


@functools.lru_cache(maxsize=None)
def _nb01_anneal(L: int):
    from ..annealing import anneal
    problem, truth = _nb01_twin(L)
    return anneal(problem, betas=21, Rf0=0.01, alpha=2.0, n_init=1, seed=1)


def _nb01_error(L: int, which: str) -> float:
    from ..problem import rms
    problem, truth = _nb01_twin(L)
    r = _nb01_anneal(L)
    if which == "data":
        return rms(r.paths[0][problem.observed], problem.data)
    comps = problem.unobserved if which == "unobserved" else problem.observed
    return rms(r.paths[0], truth.x, comps)


@functools.lru_cache(maxsize=None)
def _nb02_sweep_L8():
    from .._settings import AnnealSettings, TwinSettings
    from ..experiments import sweep_observations
    return sweep_observations([8], twin=TwinSettings(D=20, sigma=0.4, N=100, seed=0),
                              schedule=AnnealSettings(n_init=5, seed=0, maxiter=100))


def _nb02_at_level_L8() -> int:
    return int(round(_nb02_sweep_L8().fraction_expected[0] * 5))


@functools.lru_cache(maxsize=None)
def _nb02_nu():
    from ..annealing import anneal
    from ..experiments import get_preset
    preset = get_preset("varanneal-nu")
    problem, _ = preset.make()
    return anneal(problem, **preset.anneal.kwargs())


@functools.lru_cache(maxsize=None)
def _nb02_level_sigma(sigma: float) -> float:
    from ..annealing import anneal
    from ..problem import lorenz96_twin
    problem, _ = lorenz96_twin(D=20, L=12, sigma=sigma, N=100, seed=0)
    return float(anneal(problem, betas=21, n_init=5, seed=0, maxiter=100).final_action.min())


@functools.lru_cache(maxsize=None)
def _nb03_problem(n_layers: int, shared: bool):
    from ..network import Network, network_twin
    twin = network_twin(width=5, n_layers=40, K_train=40, K_test=200, sigma=0.01, seed=0,
                        shared=False)
    return twin.problem(Network(width=5, n_layers=n_layers, activation="tanh", residual=True,
                                shared=shared))


@functools.lru_cache(maxsize=None)
def _euler_error_ratio() -> float:
    """Error of forward Euler at t = 0.5 for Lorenz96 (D = 20) with h = 0.01 over the error
    with h = 0.005, both against RK4 with h = 1e-4."""
    from ..models import Lorenz96
    m = Lorenz96(20)
    p = m.default_params
    x0 = 8.17 + np.sin(np.arange(20.0))

    def euler(h):
        x = x0.copy()
        for _ in range(int(round(0.5 / h))):
            x = x + h * m.rhs(x, p)
        return x

    def rk4(h):
        x = x0.copy()
        for _ in range(int(round(0.5 / h))):
            k1 = m.rhs(x, p)
            k2 = m.rhs(x + h / 2 * k1, p)
            k3 = m.rhs(x + h / 2 * k2, p)
            k4 = m.rhs(x + h * k3, p)
            x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return x
    ref = rk4(1e-4)
    return float(np.abs(euler(0.01) - ref).max() / np.abs(euler(0.005) - ref).max())


@functools.lru_cache(maxsize=None)
def _nb04_level(rule: str) -> float:
    from ..annealing import anneal
    from ..problem import lorenz96_twin
    problem, _ = lorenz96_twin(D=20, L=12, sigma=0.4, N=80, dt=0.05, k=1, rule=rule, seed=0)
    return float(anneal(problem, betas=21, n_init=2, seed=0, maxiter=100).final_action.min())


@functools.lru_cache(maxsize=None)
def _nakl_spikes(amplitude: float | None) -> int:
    """Upward zero crossings of the true V in notebook 07's 40 ms window (2000 points)."""
    from ..experiments import get_preset
    changes = {} if amplitude is None else {"stimulus": {"amplitude": amplitude}}
    _, truth = get_preset("group-nakl").make(N=2000, n_future=0, **changes)
    V = truth.x[0]
    return int(np.sum((V[1:] > 0) & (V[:-1] <= 0)))


@functools.lru_cache(maxsize=None)
def _sine_area_change(map_name: str) -> float:
    """Percent change of the area of the notebook-05 cloud after 100 steps of h = 0.1."""
    from ..continuous import Hamiltonian, MAPS, polygon_area, push_cloud
    from ..models import CustomModel
    model = CustomModel(lambda x, p: np.sin(x), D=1, jac=lambda x, p: np.cos(x)[..., None],
                        name="sine")
    ham = Hamiltonian(model, Rf=1.0)
    angle = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    cloud = push_cloud(MAPS[map_name], ham, 1.0 + 0.3 * np.cos(angle),
                       0.5 + 0.3 * np.sin(angle), 0.1, 100)
    return 100.0 * (polygon_area(cloud[-1]) / polygon_area(cloud[0]) - 1.0)


# the landscape of notebook 00 (its settings, once)
@functools.lru_cache(maxsize=None)
def _nb00():
    from .. import landscape as ls
    twin = ls.map_twin(k=3, sigma=0.05, seed=0)
    Rf = ls.schedule(1e-3 * twin.Rm, 2.0, 21)
    start = np.array([0.2, 0.2])
    return twin, Rf, ls.anneal_path(twin, start, Rf), ls.direct_path(twin, start, Rf[-1])


def _nb00_minima(k: int = 3) -> int:
    from .. import landscape as ls
    twin = ls.map_twin(k=k, sigma=0.05, seed=0)
    return len(twin.local_minima(ls.schedule(1e-3 * twin.Rm, 2.0, 21)[-1]))


def _nb00_ratio() -> float:
    _, _, ann, direct = _nb00()
    return float(direct.action[-1] / ann.action[-1])
