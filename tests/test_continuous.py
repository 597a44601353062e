import numpy as np
import pytest
from scipy.interpolate import CubicSpline

from dalearn import anneal
from dalearn.continuous import (MAPS, Hamiltonian, adjoint_gradient, adjoint_path,
                                continuum_problem, euler_backprop_gradient, map_jacobian,
                                solve_euler_lagrange, symplecticity_error)
from dalearn.models import Lorenz96, NeuralField
from dalearn import lorenz96_twin


def const_data(t):
    t = np.asarray(t, float)
    return np.full(t.shape[:-1] + (5,) if t.ndim else (5,), 1.0)


@pytest.mark.parametrize("h", [0.01, 0.1])
def test_symplectic_maps_preserve_J_and_explicit_euler_does_not(h):
    m = Lorenz96(5)
    rng = np.random.default_rng(0)
    ham = Hamiltonian(m, Rf=2.0, Rm=np.array([1.0, 0, 1, 0, 0]), y=const_data)
    for _ in range(3):
        x, p = rng.normal(0, 3, 5), rng.normal(0, 1, 5)
        for name in ("symplectic Euler", "implicit midpoint"):
            assert symplecticity_error(MAPS[name], ham, 0.0, x, p, h, n_steps=5) < 1e-10, name
            assert np.linalg.det(map_jacobian(MAPS[name], ham, 0.0, x, p, h)) == \
                pytest.approx(1.0, abs=1e-10)
        assert symplecticity_error(MAPS["explicit Euler"], ham, 0.0, x, p, h) > 1e-5


def test_map_jacobian_is_exact():
    m = Lorenz96(4)
    ham = Hamiltonian(m, Rf=3.0)
    x, p = np.array([1.0, 2, 3, 4]), np.array([0.5, -1, 0.2, 0.1])
    step = MAPS["symplectic Euler"]
    M = map_jacobian(step, ham, 0.0, x, p, 0.05)
    z = np.concatenate([x, p])
    f = lambda zz: np.concatenate(step(ham, 0.0, zz[:4], zz[4:], 0.05))  # noqa: E731
    M_fd = np.stack([(f(z + 1e-6 * e) - f(z - 1e-6 * e)) / 2e-6 for e in np.eye(8)], 1)
    np.testing.assert_allclose(M, M_fd, atol=1e-7)


def test_discrete_backprop_matches_finite_differences():
    m = Lorenz96(5)
    x0, target = np.array([8.0, 8.5, 7.0, 9.0, 8.2]), np.zeros(5)
    C, gx, gp, _, _ = euler_backprop_gradient(m, x0, m.default_params, 0.01, 100, target)
    cost = lambda xx, pp: euler_backprop_gradient(m, xx, pp, 0.01, 100, target)[0]  # noqa
    fd = np.array([(cost(x0 + 1e-6 * e, m.default_params) - cost(x0 - 1e-6 * e,
                                                                   m.default_params)) / 2e-6
                   for e in np.eye(5)])
    fdp = (cost(x0, m.default_params + 1e-6) - cost(x0, m.default_params - 1e-6)) / 2e-6
    assert np.linalg.norm(gx - fd) / np.linalg.norm(fd) < 1e-6
    assert abs(gp[0] - fdp) / abs(fdp) < 1e-6


def test_stored_adjoint_is_accurate_and_reintegration_fails_on_chaos():
    m = Lorenz96(5)
    x0, target = np.array([8.0, 8.5, 7.0, 9.0, 8.2]), np.zeros(5)
    _, g_short, _ = adjoint_gradient(m, x0, m.default_params, 1.0, target, "stored")
    _, g_fd_ref, _ = adjoint_gradient(m, x0, m.default_params, 1.0, target, "stored",
                                      rtol=1e-12, atol=1e-14)
    assert np.linalg.norm(g_short - g_fd_ref) / np.linalg.norm(g_fd_ref) < 1e-6
    _, g_stored, _ = adjoint_gradient(m, x0, m.default_params, 10.0, target, "stored")
    _, g_ref, _ = adjoint_gradient(m, x0, m.default_params, 10.0, target, "stored",
                                   rtol=1e-12, atol=1e-14)
    with np.errstate(all="ignore"):
        _, g_re, _ = adjoint_gradient(m, x0, m.default_params, 10.0, target, "reintegrate")
    assert np.linalg.norm(g_stored - g_ref) / np.linalg.norm(g_ref) < 1e-4
    err_re = np.linalg.norm(g_re - g_ref) / np.linalg.norm(g_ref)
    assert not np.isfinite(err_re) or err_re > 1.0
    # the 8th-order method: the same gradients, the same failure of re-integration
    _, g_st8, _ = adjoint_gradient(m, x0, m.default_params, 10.0, target, "stored",
                                   method="DOP853")
    assert np.linalg.norm(g_st8 - g_ref) / np.linalg.norm(g_ref) < 1e-4
    with np.errstate(all="ignore"):
        _, g_re8, _ = adjoint_gradient(m, x0, m.default_params, 10.0, target, "reintegrate",
                                       method="DOP853")
    err_re8 = np.linalg.norm(g_re8 - g_ref) / np.linalg.norm(g_ref)
    assert not np.isfinite(err_re8) or err_re8 > 1.0


@pytest.fixture(scope="module")
def l96_bvp():
    pb, tr = lorenz96_twin(D=5, L=3, sigma=0.1, N=41, dt=0.025, seed=0)   # T = 1
    cs = CubicSpline(pb.t_data, pb.data.T)
    obs = pb.observed

    def y(t):
        t = np.asarray(t, float)
        out = np.full(t.shape[:-1] + (5,), np.nan)
        out[..., obs] = cs(t[..., 0])
        return out

    Rm = np.zeros(5)
    Rm[obs] = 100.0
    Rfs = 10.0 * np.sqrt(10.0) ** np.arange(7)
    res = solve_euler_lagrange(pb.model, 0.0, 1.0, Rfs, Rm=Rm, y=y)
    return pb, tr, y, Rm, Rfs, res


def test_bvp_satisfies_boundary_conditions_and_hamiltons_equations(l96_bvp):
    pb, tr, y, Rm, Rfs, res = l96_bvp
    assert res.success.all(), res.message
    assert np.all(res.max_residual < 1e-6 * 1.01)
    t = np.linspace(0, 1, 401)
    for i in (0, len(Rfs) - 1):
        x, p = res.at(i, t)
        np.testing.assert_allclose(p[:, [0, -1]], 0.0, atol=1e-8)            # free ends
        ham = res.hamiltonians[i]
        xdot, pdot = ham.vector_field(t[:, None], x.T, p.T)
        dx = np.gradient(x, t, axis=1, edge_order=2)
        scale = np.abs(xdot).max()
        assert np.abs(dx[:, 5:-5] - xdot.T[:, 5:-5]).max() < 1e-2 * scale
    x, _ = res.at(len(Rfs) - 1, pb.t)
    assert np.sqrt(np.mean((x - tr.x) ** 2)) < 0.1           # near the truth (sigma = 0.1)


def test_discrete_annealing_converges_to_the_bvp(l96_bvp):
    pb, tr, y, Rm, Rfs, res = l96_bvp
    errs = []
    for n in (40, 80, 160):
        dp, factor = continuum_problem(pb.model, y, pb.observed, 0.0, 1.0, n, Rm=100.0)
        r = anneal(dp, betas=len(Rfs), Rf0=Rfs[0] * factor, alpha=np.sqrt(10.0), n_init=1,
                   seed=0)
        xb, _ = res.at(len(Rfs) - 1, dp.t)
        errs.append(np.abs(r.paths[0] - xb).max())
    slopes = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert errs[-1] < 0.02 and np.all(slopes > 1.5), (errs, slopes)


def test_network_bvp_momentum_becomes_the_backprop_adjoint():
    rng = np.random.default_rng(0)
    D = 4
    model = NeuralField(rng.normal(0, 1.5 / np.sqrt(D), (D, D)), rng.normal(0, 0.5, D))
    u, v = rng.uniform(-1, 1, D), rng.uniform(-1, 1, D)
    Rfs = 10.0 ** np.arange(0, 5.5, 0.5)
    res = solve_euler_lagrange(model, 0.0, 1.0, Rfs, start=dict(value=u, Rm=100.0),
                               end=dict(value=v, Rm=100.0))
    assert res.success.all()
    t = np.linspace(0, 1, 51)
    errs = []
    for i in range(len(Rfs)):
        x, p = res.at(i, t)
        np.testing.assert_allclose(p[:, 0], 100.0 * (x[:, 0] - u), atol=1e-8)
        np.testing.assert_allclose(p[:, -1], -100.0 * (x[:, -1] - v), atol=1e-8)
        _, lam = adjoint_path(model, x[:, 0], model.default_params, 1.0,
                              lambda xT: 100.0 * (xT - v), t)
        errs.append(np.abs(p + lam).max() / np.abs(p).max())
    assert errs[-1] < 5e-3 and errs[-1] < errs[0] / 100


def test_bvp_input_checks():
    m = Lorenz96(4)
    with pytest.raises(ValueError, match="Rf_values must be positive"):
        solve_euler_lagrange(m, 0, 1, [0.0, 1.0])
    with pytest.raises(ValueError, match="max_nodes must be an integer >= 10000"):
        solve_euler_lagrange(m, 0, 1, [1.0], max_nodes=500)
    with pytest.raises(ValueError, match="tF must be > t0"):
        solve_euler_lagrange(m, 1, 1, [1.0])
    with pytest.raises(ValueError, match="needs data"):
        solve_euler_lagrange(m, 0, 1, [1.0], Rm=1.0)
    with pytest.raises(ValueError, match="mode must be"):
        adjoint_gradient(m, np.ones(4), m.default_params, 1.0, np.zeros(4), mode="guess")
    with pytest.raises(ValueError, match="method must be"):
        adjoint_gradient(m, np.ones(4), m.default_params, 1.0, np.zeros(4), method="euler")


def test_hamiltonian_is_conserved_and_momentum_matches_along_the_bvp():
    rng = np.random.default_rng(1)
    D = 3
    model = NeuralField(rng.normal(0, 1.0, (D, D)), rng.normal(0, 0.5, D))
    res = solve_euler_lagrange(model, 0.0, 1.0, [1.0, 10.0],
                               start=dict(value=rng.uniform(-1, 1, D), Rm=50.0),
                               end=dict(value=rng.uniform(-1, 1, D), Rm=50.0), tol=1e-8)
    assert res.success.all()
    ham = res.hamiltonians[-1]
    t = np.linspace(0.05, 0.95, 200)
    x, p = res.at(1, t)
    H = ham.H(t[:, None], x.T, p.T)                   # no explicit t: H is a constant
    assert np.ptp(H) < 1e-5 * max(1.0, np.abs(H).max())
    xdot = res.sol[1](t, 1)[:D]                       # derivative of the collocation solution
    np.testing.assert_allclose(ham.momentum(x.T, xdot.T).T, p, atol=1e-4 * np.abs(p).max())


@pytest.fixture(scope="module")
def jump_run():
    from dalearn import lorenz96_twin
    from dalearn.continuous import solve_euler_lagrange_jumps
    problem, _ = lorenz96_twin(D=5, L=3, sigma=0.1, N=6, dt=0.1, seed=0)
    y = np.full((problem.t_data.size, 5), np.nan)
    y[:, problem.observed] = problem.data.T
    Rm = np.zeros(5)
    Rm[problem.observed] = 100.0
    r = solve_euler_lagrange_jumps(problem.model, problem.t_data, y, Rm, [10.0, 100.0],
                                   tol=1e-8)
    assert r.success.all()
    return problem, y, Rm, r


def test_momentum_jumps_by_the_misfit_at_each_measurement_and_is_smooth_between(jump_run):
    """Data at discrete times: π(τ+) - π(τ-) = Rm (x(τ) - y) with x continuous; between
    measurement times (x, π) follow Hamilton's equations without data (π̇ = -Jᵀπ)."""
    from scipy.integrate import solve_ivp
    problem, y, Rm, r = jump_run
    x, before, after = r.sides(1)
    jump, want = after - before, r.predicted_jumps(1)
    assert np.abs(want).max() > 1.0                       # real jumps, not a flat momentum
    np.testing.assert_allclose(jump, want, atol=1e-9 * np.abs(want).max())
    assert np.abs(jump[:, Rm == 0]).max() < 1e-9 * np.abs(want).max()   # unobserved: none
    ham = Hamiltonian(problem.model, 100.0)
    b = r.breaks
    for k in range(len(b) - 1):
        x0, pi0 = r.at(1, [b[k]])
        run = solve_ivp(lambda t, s: np.concatenate(ham.vector_field(t, s[:5], s[5:])),
                        (b[k], b[k + 1]), np.concatenate([x0[:, 0], pi0[:, 0]]),
                        rtol=1e-11, atol=1e-11)
        end = run.y[:, -1]
        x1, pi1 = (x[k], before[k]) if k < len(b) - 2 else (e[:, 0] for e in r.at(1, [b[-1]]))
        np.testing.assert_allclose(end[:5], x1, atol=1e-5)
        np.testing.assert_allclose(end[5:], pi1, atol=1e-5 * np.abs(pi1).max() + 1e-6)


def test_the_jump_solution_is_a_stationary_point_of_the_action_with_delta_measurements(
        jump_run):
    """A = Σ_k Rm/2 |x(τ_k) - y_k|² + ∫ Rf/2 |ẋ - F|² dt has zero first variation at the
    solution (a wrong sign or factor of the jump would leave a first-order change)."""
    problem, y, Rm, r = jump_run
    Rf, b, model = 100.0, r.breaks, problem.model
    rng = np.random.default_rng(0)
    amp, freq, phase = rng.normal(size=(3, 5))

    def delta(t):
        return amp[:, None] * np.sin(3 * freq[:, None] * t + phase[:, None])

    def ddelta(t):
        return amp[:, None] * 3 * freq[:, None] * np.cos(3 * freq[:, None] * t + phase[:, None])

    def action(eps):
        model_term = 0.0
        for k in range(len(b) - 1):
            t = np.linspace(b[k], b[k + 1], 401)
            xs, pis = r.at(1, t[:-1])                   # right-continuous inside: interval k
            xe, pe = r.at(1, t[-1:])
            # the value at the interval's right end taken from the left (before the jump)
            xl, bl, _ = r.sides(1)
            if k < len(b) - 2:
                xe, pe = xl[k][:, None], bl[k][:, None]
            xs, pis = np.hstack([xs, xe]), np.hstack([pis, pe])
            xdot = model.rhs(xs.T, model.default_params).T + pis / Rf
            res = xdot + eps * ddelta(t) - model.rhs((xs + eps * delta(t)).T,
                                                      model.default_params).T
            f = 0.5 * Rf * np.sum(res ** 2, axis=0)
            model_term += np.sum((f[:-1] + f[1:]) / 2 * np.diff(t))   # trapezoid, fine grid
        xk, _ = r.at(1, r.tau)
        mis = np.where(Rm[:, None] > 0, xk + eps * delta(r.tau) - np.nan_to_num(y.T), 0.0)
        meas = 0.5 * np.sum(Rm[:, None] * mis ** 2)
        return model_term + meas, model_term, meas

    eps = 1e-4
    (ap, mp, dp), (am, mm, dm) = action(eps), action(-eps)
    first = (ap - am) / (2 * eps)
    scale = abs(mp - mm) / (2 * eps) + abs(dp - dm) / (2 * eps)   # each term's own change
    assert scale > 1.0 and abs(first) < 1e-3 * scale
