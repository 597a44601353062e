import numpy as np
import pytest

from dalearn import anneal
from dalearn.models import Lorenz96
from dalearn import Problem
from dalearn import lorenz96_twin


@pytest.fixture(scope="module")
def small():
    return lorenz96_twin(D=6, L=3, N=10, sigma=0.4, seed=0)


@pytest.mark.parametrize("kwargs,exc,msg", [
    (dict(L=7), ValueError, r"L must be an integer in 1\.\.6"),
    (dict(L=0), ValueError, r"L must be an integer in 1\.\.6"),
    (dict(observed=[0, 0, 2]), ValueError, "must not repeat"),
    (dict(observed=[0, 6]), ValueError, r"indices must be in 0\.\.5"),
    (dict(observed=[0.5, 1]), TypeError, "integers"),
    (dict(L=3, observed=[0, 1]), ValueError, "either observed"),
    (dict(sigma=0.0), ValueError, "sigma must be finite and > 0"),
    (dict(sigma=-1.0), ValueError, "sigma must be finite and > 0"),
    (dict(N=1), ValueError, r"N \(number of data times\) must be an integer >= 2"),
    (dict(dt=np.inf), ValueError, "dt must be finite"),
    (dict(rule="leapfrog"), ValueError, "rule must be one of"),
    (dict(k=0), ValueError, "k .* must be an integer >= 1"),
])
def test_twin_rejects_bad_input(kwargs, exc, msg):
    base = dict(D=6, L=3, N=10, sigma=0.4, seed=0)
    base.update(kwargs)
    if "observed" in kwargs and "L" not in kwargs:
        base.pop("L")
    with pytest.raises(exc, match=msg):
        lorenz96_twin(**base)


def test_problem_rejects_bad_data(small):
    problem, _ = small
    m = Lorenz96(6)
    with pytest.raises(ValueError, match=r"data must have shape \(L=3, N\)"):
        Problem(m, problem.data[:2], 0.025, observed=problem.observed, sigma=0.4)
    with pytest.raises(ValueError, match="all NaN"):
        Problem(m, np.full((3, 10), np.nan), 0.025, observed=[0, 2, 4], sigma=0.4)
    with pytest.raises(ValueError, match="at least 2 times"):
        Problem(m, problem.data[:, :1], 0.025, observed=problem.observed, sigma=0.4)
    with pytest.raises(ValueError, match="give exactly one of sigma"):
        Problem(m, problem.data, 0.025, observed=problem.observed)
    with pytest.raises(ValueError, match="estimate must name parameters"):
        Problem(m, problem.data, 0.025, observed=problem.observed, sigma=0.4, estimate=["F"])
    with pytest.raises(TypeError, match="model must be a dalearn Model"):
        Problem("lorenz96", problem.data, 0.025, observed=problem.observed, sigma=0.4)


@pytest.mark.parametrize("kwargs,exc,msg", [
    (dict(alpha=1.0), ValueError, "alpha must be a finite number > 1"),
    (dict(alpha=0.5), ValueError, "alpha must be a finite number > 1"),
    (dict(Rf0=np.nan), ValueError, "Rf0 must be finite and > 0"),
    (dict(Rf0=np.inf), ValueError, "Rf0 must be finite and > 0"),
    (dict(Rf0=-1.0), ValueError, "Rf0 must be finite and > 0"),
    (dict(Rf0=np.ones(4)), ValueError, "Rf0 as an array must have D=6"),
    (dict(n_init=0), ValueError, "n_init must be an integer >= 1"),
    (dict(betas=[]), ValueError, "betas must be"),
    (dict(betas=[0, np.nan]), ValueError, "betas must be"),
    (dict(method="newtonian"), ValueError, "method must be one of"),
    (dict(init_range=(5, -5)), ValueError, "init_range must be"),
    (dict(executor=object()), TypeError, "executor must be"),
    (dict(progress=3), TypeError, "progress must be callable"),
    (dict(param_range={"nu": (6, 10)}), ValueError, "not estimated"),
])
def test_anneal_rejects_bad_input_before_work(small, kwargs, exc, msg):
    problem, _ = small
    with pytest.raises(exc, match=msg):
        anneal(problem, **kwargs)
