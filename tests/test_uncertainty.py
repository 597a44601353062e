"""The Laplace approximation against the exact posterior of a linear-Gaussian problem, and
its calibration on Lorenz96 twins."""
import numpy as np
import pytest

import dalearn as da
from conftest import fd_hessian
from dalearn.uncertainty import laplace, unnormalised_evaluator

A_LIN = np.array([[-0.3, 1.0], [-1.0, -0.2]])


def _linear_problem(estimate=("c",)):
    # dx/dt = A x + c (c added to the first component): A0 is exactly quadratic in (x, c)
    model = da.CustomModel(lambda x, p: x @ A_LIN.T + np.stack([p[0] + 0 * x[..., 0],
                                                               0 * x[..., 0]], -1),
                           D=2, params={"c": 0.5},
                           jac=lambda x, p: np.broadcast_to(A_LIN, x.shape + (2,)).copy(),
                           jac_p=lambda x, p: np.stack([np.ones(x.shape[:-1]),
                                                        np.zeros(x.shape[:-1])], -1)[..., None],
                           name="linear")
    return da.twin_experiment(model, N=30, dt=0.1, observed=[0], sigma=0.2, seed=3,
                              estimate=list(estimate)).problem


def _dense_hessian(ev, z):
    H = fd_hessian(lambda v: ev.value_grad(v)[1], z, eps=1e-4)
    return 0.5 * (H + H.T)


@pytest.mark.parametrize("estimate", [("c",), ()])
def test_laplace_is_the_exact_posterior_covariance_for_a_linear_gaussian_problem(estimate):
    problem = _linear_problem(estimate)
    result = da.anneal(problem, betas=[0, 5, 10], Rf0=1.0, alpha=2.0, n_init=1, seed=0)
    z = problem.pack(result.paths[0], result.params[-1, 0])
    lap = laplace(problem, result, components=(0, 1))
    assert lap.status == 0
    # the posterior of a linear-Gaussian problem is N(mean, H⁻¹) with H the (constant)
    # Hessian of A0, here from central differences of its gradient, inverted densely
    cov = np.linalg.inv(_dense_hessian(unnormalised_evaluator(problem, result.Rf[-1]), z))
    n = problem.M * problem.D
    state_var = np.diag(cov)[:n].reshape(problem.M, problem.D).T
    assert np.allclose(lap.state_std ** 2, state_var, rtol=1e-5)
    if estimate:
        assert np.allclose(lap.param_cov, cov[n:, n:], rtol=1e-5)
        assert lap.param_std["c"] == pytest.approx(np.sqrt(cov[n, n]), rel=1e-5)


def test_the_unnormalised_action_is_the_plotted_one_scaled_with_relabelled_precision():
    problem = _linear_problem()
    z = problem.pack(*problem.split(problem.initial_vectors(1, np.random.default_rng(0),
                                                            (-1, 1), {})[0][0]))
    Rf = 7.0
    a, a0 = problem.evaluator(Rf).terms(z), unnormalised_evaluator(problem, Rf).terms(z)
    Nm_L, M1_D = problem.n_meas, (problem.M - 1) * problem.D
    # A0 = (R_m/2) Σ (x-y)² + (R_f0/2) Σ r²  with  R_f0 = Rf N_m L / ((M-1) D) ...
    Xt, p = problem.time_major(z)
    r = da.discretize.residual(problem.model, problem.rule, Xt, p, problem.h).r
    by_hand = 0.5 * np.sum(problem.w_meas * problem.n_meas * (Xt - problem.Y0) ** 2) \
        + 0.5 * Rf * Nm_L / M1_D * np.sum(r ** 2)
    assert a0.total == pytest.approx(by_hand, rel=1e-12)
    # ... which is (N_m L / 2) times the plotted action: the same minimiser
    assert a0.meas == pytest.approx(Nm_L / 2 * a.meas, rel=1e-12)
    assert a0.model == pytest.approx(Nm_L / 2 * a.model, rel=1e-12)


@pytest.mark.slow
def test_nu_error_bars_cover_the_truth_at_their_stated_rate():
    # 30 seeded twins: a ±2σ Laplace bar should cover the true forcing ~95 % of the time
    covered, z_scores = 0, []
    for seed in range(30):
        problem, truth = da.lorenz96_twin(D=10, L=6, sigma=0.5, N=60, dt=0.025, seed=seed,
                                          estimate=["nu"])
        r = da.anneal(problem, betas=21, n_init=1, seed=seed, param_range={"nu": (6.0, 10.0)})
        lap = laplace(problem, r)
        assert lap.status == 0
        nu_hat, sd = r.params[-1, 0, 0], lap.param_std["nu"]
        z_scores.append((nu_hat - truth.params[0]) / sd)
        covered += abs(nu_hat - truth.params[0]) <= 2 * sd
    assert 0.85 <= covered / 30 <= 1.0, (covered, np.round(z_scores, 2))


def test_bad_arguments_are_named():
    problem = _linear_problem()
    r = da.anneal(problem, betas=[0, 5], n_init=1, seed=0)
    with pytest.raises(ValueError, match="not both"):
        laplace(problem, r, z=np.zeros(3), Rf=1.0)
    with pytest.raises(ValueError, match="both z and Rf"):
        laplace(problem, z=np.zeros(3))
    with pytest.raises(ValueError, match="components entries"):
        laplace(problem, r, components=(5,))
    with pytest.raises(ValueError, match="start"):
        laplace(problem, r, start=3)


def test_hmc_draws_the_exact_posterior_of_a_linear_gaussian_problem():
    from dalearn.uncertainty import hmc
    problem = _linear_problem()
    result = da.anneal(problem, betas=[0, 5, 10], Rf0=1.0, alpha=2.0, n_init=1, seed=0)
    z_hat = problem.pack(result.paths[0], result.params[-1, 0])
    ev = unnormalised_evaluator(problem, result.Rf[-1])
    H = _dense_hessian(ev, z_hat)
    cov = np.linalg.inv(H)
    # the posterior mean is the exact minimum: one Newton step from the annealed one (a
    # vanishing step when A0's precision is the one the plotted R_f stands for)
    mean = z_hat - cov @ ev.value_grad(z_hat)[1]
    assert np.all(np.abs(mean - z_hat) < 1e-3 * np.sqrt(np.diag(cov)))
    s = hmc(problem, z_hat, result.Rf[-1], n_samples=2000, step=0.5, n_leapfrog=6, seed=1)
    assert 0.7 < s.acceptance <= 1.0          # exact Gaussian, mass = its Hessian
    draws = s.z[100:]
    sd = np.sqrt(np.diag(cov))
    # with the Hessian as mass the draws are nearly independent; allow for an effective
    # sample size of half the draws: 4 standard errors
    n_eff = len(draws) / 2
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 4 * sd / np.sqrt(n_eff))
    ratio = draws.var(axis=0) / sd ** 2
    assert np.all(np.abs(ratio - 1) < 4 * np.sqrt(2 / n_eff)), np.round(ratio, 2)
    with pytest.raises(ValueError, match="step"):
        hmc(problem, z_hat, 1.0, step=-1)
    with pytest.raises(ValueError, match="z0"):
        hmc(problem, z_hat[:-1], 1.0)


def test_laplace_uses_the_exact_hessian_of_a0_for_a_nonlinear_model():
    # Lorenz96 at a low R_f, where the model residuals are large: the exact Hessian's bars are
    # the inverse of A0's Hessian (central differences of its gradient, inverted densely);
    # the Gauss-Newton bars miss the residual-weighted curvature by far more than that.
    problem, _ = da.lorenz96_twin(D=5, L=2, sigma=0.5, N=16, dt=0.05, seed=3, estimate=["nu"])
    result = da.anneal(problem, betas=4, Rf0=0.01, alpha=2.0, n_init=1, seed=0,
                       param_range={"nu": (6.0, 10.0)})
    z = problem.pack(result.paths[0], result.params[-1, 0])
    cov = np.linalg.inv(_dense_hessian(unnormalised_evaluator(problem, result.Rf[-1]), z))
    n = problem.M * problem.D
    exact = laplace(problem, result, components=range(problem.D))
    gn = laplace(problem, result, components=range(problem.D), hessian="gauss-newton")
    assert exact.status == gn.status == 0
    assert (exact.hessian, gn.hessian) == ("exact", "gauss-newton")
    state_var = np.diag(cov)[:n].reshape(problem.M, problem.D).T
    err_exact = np.max(np.abs(exact.state_std ** 2 / state_var - 1))
    err_gn = np.max(np.abs(gn.state_std ** 2 / state_var - 1))
    assert err_exact < 1e-5 < 1e-3 < err_gn
    assert exact.param_cov[0, 0] == pytest.approx(cov[n, n], rel=1e-5)
    with pytest.raises(ValueError, match="hessian"):
        laplace(problem, result, hessian="dense")
