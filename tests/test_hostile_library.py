"""Hostile library calls: Problem, models, schedules, networks and the continuous module.
Each bad argument raises ValueError/TypeError naming it, before any work."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dalearn as da
from dalearn import continuous as ct


@pytest.fixture(scope="module")
def small():
    return da.lorenz96_twin(D=6, L=3, N=10, seed=0)


# ------------------------------------------------------------------------- Problem
@pytest.mark.parametrize("kwargs,exc,msg", [
    (dict(params=[np.nan]), ValueError, "params must be finite"),
    (dict(params=[np.inf]), ValueError, "params must be finite"),
    (dict(params=["8"]), ValueError, "params must be 1 real numbers"),
    (dict(t0=np.nan), ValueError, "t0 must be a finite number"),
    (dict(sigma=0.4, Rm=2.0), ValueError, "exactly one of sigma"),
    (dict(sigma=None), ValueError, "exactly one of sigma"),
    (dict(sigma=1e-300), ValueError, "sigma .* is too small"),
    (dict(sigma=[0.4, 0.4]), ValueError, "L=3 entries"),
    (dict(k=2.5), TypeError, "k .* must be an integer"),
    (dict(rule=3), TypeError, "rule must be a string"),
])
def test_problem_refuses(small, kwargs, exc, msg):
    problem, _ = small
    base = dict(observed=problem.observed, sigma=0.4)
    base.update(kwargs)
    with pytest.raises(exc, match=msg):
        da.Problem(problem.model, problem.data, 0.025, **base)


@pytest.mark.parametrize("data,exc,msg", [
    (lambda d: d.astype(complex), TypeError, "data must be real numbers"),
    (lambda d: d > 0, TypeError, "data must be real numbers"),
    (lambda d: d.astype(str), TypeError, "data must be real numbers"),
    (lambda d: [[1.0, 2.0], [1.0], [3.0]], TypeError, "ragged"),
    (lambda d: np.full_like(d, np.nan), ValueError, "all NaN"),
    (lambda d: np.where(d > 0, np.inf, d), ValueError, "found inf"),
])
def test_problem_refuses_bad_data(small, data, exc, msg):
    problem, _ = small
    with pytest.raises(exc, match=msg):
        da.Problem(problem.model, data(problem.data), 0.025, observed=problem.observed,
                   sigma=0.4)


def good_rhs(x, p):
    return -x


@pytest.mark.parametrize("rhs,jac,exc,msg", [
    (lambda x, p: x[..., :3], None, ValueError, r"rhs\(x, p\) returned shape \(2, 3\).*\(2, 5\)"),
    (lambda x, p: None, None, TypeError, r"rhs\(x, p\) must return an array of numbers, got NoneType"),
    (lambda x, p: np.full(x.shape, "a"), None, TypeError, "rhs.*dtype <U1"),
    (lambda x, p: 1 / 0, None, TypeError, "ZeroDivisionError"),
    (good_rhs, lambda x, p: np.zeros(x.shape + (4,)), ValueError, r"jac\(x, p\) returned shape"),
])
def test_user_models_are_checked_when_the_problem_is_built(rhs, jac, exc, msg):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = da.CustomModel(rhs, D=5, jac=jac, name="mine")
    with pytest.raises(exc, match=msg):
        da.Problem(model, np.zeros((5, 4)), 0.1, sigma=1.0)


# ------------------------------------------------------------------------- schedules
@pytest.mark.parametrize("kwargs,exc,msg", [
    (dict(betas=[0, 2, 1]), ValueError, "increase strictly"),
    (dict(betas=[0, 0]), ValueError, "increase strictly"),
    (dict(betas="0:5"), TypeError, "betas must be a count or a 1-D sequence"),
    (dict(betas=0), ValueError, "betas .* >= 1"),
    (dict(alpha=1e308, betas=5), ValueError, "overflows"),
    (dict(alpha=np.array(2.0)), None, None),                     # a 0-d array is a number
    (dict(maxiter=0), ValueError, "maxiter must be an integer >= 1"),
    (dict(maxiter=-5), ValueError, "maxiter must be an integer >= 1"),
    (dict(maxiter=2.5), TypeError, "maxiter must be an integer"),
    (dict(ftol=-1.0), ValueError, "ftol must be finite and > 0"),
    (dict(ftol=np.nan), ValueError, "ftol must be finite and > 0"),
    (dict(seed="abc"), TypeError, "seed must be an integer"),
    (dict(seed=1.5), TypeError, "seed must be an integer"),
    (dict(seed=-1), ValueError, "seed must be an integer >= 0"),
    (dict(init_range=(1, 2, 3)), TypeError, "init_range must be"),
    (dict(init_range=(-np.inf, 1)), ValueError, r"init_range\[0\] must be a finite"),
    (dict(n_init=10**9), ValueError, "GiB"),
])
def test_anneal_refuses_before_work(small, kwargs, exc, msg):
    problem, _ = small
    if exc is None:
        assert da.anneal(problem, betas=2, n_init=1, **kwargs).n_beta == 2
        return
    with pytest.raises(exc, match=msg):
        da.anneal(problem, **kwargs)


@settings(max_examples=40, deadline=None)
@given(betas=st.one_of(st.integers(-2, 4), st.lists(st.floats(allow_nan=True), max_size=4),
                       st.text(max_size=3)),
       alpha=st.one_of(st.floats(allow_nan=True), st.integers(-3, 5), st.none()),
       Rf0=st.one_of(st.floats(allow_nan=True), st.lists(st.floats(0.1, 2), max_size=7)),
       seed=st.one_of(st.integers(-2, 3), st.floats(), st.text(max_size=2)),
       n_init=st.one_of(st.integers(-1, 2), st.floats(0, 2)))
def test_random_anneal_arguments_give_a_result_or_a_clear_error(betas, alpha, Rf0, seed,
                                                                n_init):
    problem, _ = da.lorenz96_twin(D=6, L=3, N=8, seed=0)
    try:
        r = da.anneal(problem, betas=betas, alpha=alpha, Rf0=Rf0, seed=seed, n_init=n_init,
                      maxiter=3)
    except (ValueError, TypeError) as e:
        assert str(e)
    else:
        assert r.action.shape == (r.n_beta, n_init)


@settings(max_examples=40, deadline=None)
@given(L=st.one_of(st.integers(-1, 8), st.none(), st.floats()),
       sigma=st.one_of(st.floats(allow_nan=True), st.integers(-1, 2)),
       N=st.one_of(st.integers(-1, 12), st.floats()), dt=st.floats(allow_nan=True))
def test_random_twin_arguments_give_a_problem_or_a_clear_error(L, sigma, N, dt):
    try:
        problem, _ = da.lorenz96_twin(D=6, L=L, sigma=sigma, N=N, dt=dt, n_future=0)
    except (ValueError, TypeError) as e:
        assert str(e)
    else:
        assert problem.data.shape == (problem.L, N)


# ------------------------------------------------------------------------- networks
def test_network_problem_refuses():
    net = da.Network(3, 2)
    U = np.zeros((4, 3))
    with pytest.raises(TypeError, match="in_nodes must be integer"):
        da.NetworkProblem(net, U[:, :2], U, sigma=0.1, in_nodes=[0.0, 1.5])
    with pytest.raises(ValueError, match="weight_scale must be finite and > 0"):
        da.NetworkProblem(net, U, U, sigma=0.1, weight_scale=np.nan)
    with pytest.raises(TypeError, match="inputs must be real numbers"):
        da.NetworkProblem(net, U.astype(complex), U, sigma=0.1)
    with pytest.raises(ValueError, match="width must be an integer >= 1"):
        da.Network(0, 2)


# ------------------------------------------------------------------------- continuous
def nan_data(t):
    return np.full(np.shape(t)[:-1] + (3,), np.nan)


def test_continuous_refuses_and_treats_nan_as_not_measured():
    m = da.Lorenz96(4) if False else da.CustomModel(lambda x, p: -x, D=3,
                                                     jac=lambda x, p: -np.broadcast_to(
                                                         np.eye(3), x.shape + (3,)))
    with pytest.raises(ValueError, match="NaN .* everywhere"):
        ct.solve_euler_lagrange(m, 0, 1, [1.0], Rm=1.0, y=nan_data)
    with pytest.raises(ValueError, match="Rf_values must increase"):
        ct.solve_euler_lagrange(m, 0, 1, [2.0, 1.0])
    with pytest.raises(ValueError, match="Rm must be finite and >= 0"):
        ct.solve_euler_lagrange(m, 0, 1, [1.0], Rm=-1.0)
    with pytest.raises(ValueError, match="T must be finite and > 0"):
        ct.adjoint_gradient(m, np.ones(3), [], -1.0, np.zeros(3))
    with pytest.raises(ValueError, match="Rf must be finite and > 0"):
        ct.Hamiltonian(m, Rf=-1.0)
    # half the data missing: the misfit is zero there, not a pull towards 0
    def half(t):
        y = np.full(np.shape(t)[:-1] + (3,), 5.0)
        y[..., 1] = np.nan
        return y
    ham = ct.Hamiltonian(m, Rf=1.0, Rm=1.0, y=half)
    mis = ham._misfit(np.zeros((1, 1)), np.zeros((1, 3)))
    np.testing.assert_array_equal(mis, [[-5.0, 0.0, -5.0]])
