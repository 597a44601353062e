import numpy as np
import pytest

from conftest import central_fd
from dalearn import action
from dalearn.problem import ActionEvaluator
from dalearn.discretize import RULES, integrate, residual
from dalearn.models import Lorenz63, Lorenz96
from dalearn import lorenz96_twin, twin_experiment


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("model", [Lorenz96(5), Lorenz63()], ids=["lorenz96", "lorenz63"])
def test_gradient_matches_central_differences(model, rule):
    problem, truth = twin_experiment(model, N=6, dt=0.02, sigma=0.5, L=2, seed=3, k=2,
                                     rule=rule, estimate=True)
    rng = np.random.default_rng(0)
    X = truth.x + rng.normal(0, 0.5, truth.x.shape)
    p = truth.params * 1.05
    Rf = rng.uniform(1, 50, model.D)          # per-component model precision
    ev = ActionEvaluator(problem, Rf)
    z = problem.pack(X, p)
    f, g = ev.value_grad(z)
    g_fd = central_fd(ev.value, z)
    assert np.linalg.norm(g - g_fd) / np.linalg.norm(g_fd) < 1e-6
    # the Gauss-Newton evaluation returns the same gradient
    np.testing.assert_allclose(ev.gauss_newton(z).g, g, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("rule", RULES)
def test_gauss_newton_blocks_equal_JtWJ(rule):
    problem, truth = lorenz96_twin(D=4, L=2, N=4, sigma=0.5, seed=1, rule=rule, estimate=True)
    Rf = 7.0
    ev = ActionEvaluator(problem, Rf)
    z = problem.pack(truth.x + 0.3, truth.params + 0.2)

    def weighted_residuals(z):
        Xt, p = problem.time_major(z)
        rm = np.sqrt(problem.w_meas) * (Xt - problem.Y0)
        rf = np.sqrt(problem.model_weights(Rf)) * residual(problem.model, rule, Xt, p, problem.h).r
        return np.concatenate([rm.ravel(), rf.ravel()])

    J = np.stack([(weighted_residuals(z + 1e-6 * e) - weighted_residuals(z - 1e-6 * e)) / 2e-6
                  for e in np.eye(z.size)], -1)
    H = 2 * J.T @ J
    gn = ev.gauss_newton(z)
    M, D = problem.M, problem.D
    nx = M * D
    for n in range(M):
        np.testing.assert_allclose(gn.Hd[n], H[n * D:(n + 1) * D, n * D:(n + 1) * D], atol=1e-7)
    for n in range(M - 1):
        np.testing.assert_allclose(gn.Ho[n], H[n * D:(n + 1) * D, (n + 1) * D:(n + 2) * D],
                                   atol=1e-7)
    np.testing.assert_allclose(gn.Hxp.reshape(nx, -1), H[:nx, nx:], atol=1e-7)
    np.testing.assert_allclose(gn.Hpp, H[nx:, nx:], atol=1e-7)


def test_measurement_term_is_about_one_at_the_true_path():
    problem, truth = lorenz96_twin(D=20, L=12, N=200, sigma=0.4, seed=0, rule="rk4")
    a = action(problem, truth.x, Rf=1.0)
    n = problem.n_meas
    assert abs(a.meas - 1.0) < 4 * np.sqrt(2.0 / n)   # chi-square / n: mean 1, std sqrt(2/n)
    assert a.total == pytest.approx(a.meas + a.model)


def test_missing_data_drop_out_of_the_measurement_term():
    problem, truth = lorenz96_twin(D=6, L=3, N=10, sigma=0.5, seed=0)
    data = problem.data.copy()
    data[1, 4] = np.nan
    from dalearn import Problem
    p2 = Problem(problem.model, data, problem.dt, observed=problem.observed, sigma=0.5)
    X = truth.x.copy()
    a_before = action(p2, X, Rf=1.0).meas
    X[problem.observed[1], 4] += 100.0                # no measurement there: no effect
    assert action(p2, X, Rf=1.0).meas == pytest.approx(a_before, rel=1e-12)
    assert p2.n_meas == problem.n_meas - 1


@pytest.mark.parametrize("rule,order", [("euler", 1), ("trapezoid", 2), ("hermite-simpson", 4),
                                        ("rk4", 4)])
def test_rule_residual_of_true_path_shrinks_with_its_order(rule, order):
    m = Lorenz96(6)
    p = m.default_params
    x0 = integrate(m, np.linspace(-2, 5, 6), p, 0.01, 300, 4)[-1]
    errs = []
    for h in (0.02, 0.01):
        X = integrate(m, x0, p, h, int(round(0.2 / h)), substeps=20)
        errs.append(np.abs(residual(m, rule, X, p, h).r).max())
    slope = np.log2(errs[0] / errs[1])          # local error ~ h^(order+1)
    assert slope == pytest.approx(order + 1, abs=0.35)


def test_fine_model_grid_measures_only_at_data_times():
    problem, truth = lorenz96_twin(D=5, L=5, N=4, sigma=0.5, seed=0, k=3)
    assert problem.M == 10
    assert np.array_equal(np.where(problem.mask.any(axis=1))[0], [0, 3, 6, 9])
    np.testing.assert_allclose(problem.t[::3], problem.t_data)
