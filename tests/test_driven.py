"""Driven models F(x, p, u(t)): every rule, the truth's integration, twins, prediction and
the exact derivatives read the known input where they should."""
import numpy as np
import pytest

import dalearn as da
from dalearn.discretize import RULES, integrate, residual
from dalearn.models import SampledDrive


def forcing(t):
    t = np.asarray(t, dtype=float)
    return (8.17 + 2.0 * np.sin(2.0 * np.pi * t / 1.5))[:, None]


def _fd_blocks(model, rule, X, p, h, u, eps=1e-6):
    """Blocks A, B, C of the residual by central differences (time-major X (M, D))."""
    M, D = X.shape
    A = np.zeros((M - 1, D, D))
    B = np.zeros((M - 1, D, D))
    for b in range(D):
        E = np.zeros_like(X)
        E[:, b] = eps
        # perturbing every x(n)_b at once: r(n) depends on x(n) and x(n+1) only, so perturb
        # the even and odd times apart to tell A from B
        for parity in (0, 1):
            Ep = E.copy()
            Ep[(np.arange(M) % 2) != parity] = 0.0
            d = (residual(model, rule, X + Ep, p, h, u=u).r
                 - residual(model, rule, X - Ep, p, h, u=u).r) / (2 * eps)
            n = np.arange(M - 1)
            own = (n % 2) == parity                      # x(n) perturbed -> A
            A[own, :, b] = d[own]
            B[~own, :, b] = d[~own]
    P = len(p)
    C = np.zeros((M - 1, D, P))
    for j in range(P):
        e = np.zeros(P)
        e[j] = eps * max(1.0, abs(p[j]))
        C[:, :, j] = (residual(model, rule, X, p + e, h, u=u).r
                      - residual(model, rule, X, p - e, h, u=u).r) / (2 * e[j])
    return A, B, C


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("which", ["lorenz96-forced", "nakl"])
def test_driven_residual_blocks_match_finite_differences(rule, which):
    rng = np.random.default_rng(1)
    if which == "nakl":
        model = da.NaKL()
        M, h = 7, 0.02
        X = np.column_stack([rng.uniform(-80, 30, M), rng.uniform(0.05, 0.95, (M, 3))])
        u = rng.normal(0.0, 5.0, (2 * M - 1, 1))
    else:
        model = da.ForcedLorenz96(D=6)
        M, h = 7, 0.025
        X = rng.normal(0.0, 3.0, (M, 6))
        u = rng.normal(8.0, 2.0, (2 * M - 1, 1))
    p = model.default_params + (0.3 if which != "nakl" else 0.0)
    res = residual(model, rule, X, p, h, blocks=True, u=u)
    A, B, C = _fd_blocks(model, rule, X, p, h, u)
    scale = max(1.0, np.abs(res.A).max())
    np.testing.assert_allclose(res.A, A, atol=2e-6 * scale)
    np.testing.assert_allclose(res.B, B, atol=2e-6 * scale)
    np.testing.assert_allclose(res.C, C, atol=2e-6 * max(1.0, np.abs(res.C).max()))


def test_midpoint_rules_read_the_input_at_the_midpoints():
    """dx/dt = u(t) = cos(t): the residual of the exact path x = sin t is the rule's own
    error; fourth-order rules are fourth order only if u is read at the midpoints."""
    model = da.CustomModel(lambda x, p, u: u + 0.0 * x, D=1, jac=lambda x, p, u: 0.0 * x[..., None],
                           name="integrator", inputs=("u",))
    errs = {}
    for h in (0.1, 0.05):
        t = np.arange(0.0, 2.0 + 1e-12, h)
        X = np.sin(t)[:, None]
        u = np.cos(np.arange(0.0, 2.0 + 1e-12, h / 2))[:, None]
        for rule in RULES:
            errs[rule, h] = np.abs(residual(model, rule, X, np.zeros(0), h, u=u).r).max()
    for rule, order in (("euler", 2), ("trapezoid", 3), ("hermite-simpson", 5), ("rk4", 5)):
        slope = np.log2(errs[rule, 0.1] / errs[rule, 0.05])     # local error order
        assert abs(slope - order) < 0.3, (rule, slope)


def test_integrate_with_a_drive_is_fourth_order():
    model = da.CustomModel(lambda x, p, u: -x + u, D=1, jac=lambda x, p, u: -np.ones(x.shape + (1,)),
                           name="lowpass", inputs=("u",))

    def u(t):
        return np.sin(3 * np.asarray(t))[:, None]
    exact = lambda t: (np.sin(3 * t) - 3 * np.cos(3 * t) + 3 * np.exp(-t)) / 10.0  # x(0) = 0
    errs = [abs(integrate(model, [0.0], [], 1.0, 1, substeps=s, drive=u)[-1, 0] - exact(1.0))
            for s in (10, 20)]
    assert 14 < errs[0] / errs[1] < 18                            # 2^4 = 16


def test_driven_lorenz96_recovers_the_unobserved_components_as_the_autonomous_one():
    tw = da.twin_experiment(da.ForcedLorenz96(D=20), N=200, dt=0.025, sigma=0.4, L=12,
                            seed=0, drive=forcing)
    res = da.anneal(tw.problem, n_init=2, seed=0)
    driven = [da.rms(x, tw.truth.x, tw.problem.unobserved) for x in res.paths]
    auto = da.lorenz96_twin(L=12, seed=0)
    ra = da.anneal(auto.problem, n_init=2, seed=0)
    autonomous = [da.rms(x, auto.truth.x, auto.problem.unobserved) for x in ra.paths]
    assert max(driven) < 0.1 and max(autonomous) < 0.1        # far below sigma = 0.4
    assert abs(np.mean(driven) - np.mean(autonomous)) < 0.03
    assert np.all(np.abs(res.final_action - 1.0) < 0.05)
    # the same run with the input dropped (a constant forcing of its mean) does worse
    wrong = da.Problem(da.ForcedLorenz96(D=20), tw.problem.data, 0.025,
                       observed=tw.problem.observed, sigma=0.4,
                       drive=lambda t: np.full((np.size(t), 1), 8.17))
    rw = da.anneal(wrong, n_init=1, seed=0)
    assert rw.final_action[0] > 2 * res.final_action.max()


def test_a_user_model_declares_inputs_and_matches_the_builtin():
    D = 8
    L96 = da.Lorenz96(D=D, nu=0.0)

    def rhs(x, p, u):
        return L96.rhs(x, [0.0]) + u[..., :1]

    def jac(x, p, u):
        return L96.jac(x, [0.0])
    user = da.CustomModel(rhs, D=D, jac=jac, name="mine", inputs=("forcing",))
    a = da.twin_experiment(user, N=40, L=4, seed=3, drive=forcing)
    b = da.twin_experiment(da.ForcedLorenz96(D=D), N=40, L=4, seed=3, drive=forcing)
    np.testing.assert_allclose(a.problem.data, b.problem.data, rtol=1e-12)
    # the same optimiser for both: the user model has no second derivatives, so no Newton
    ra, rb = (da.anneal(t.problem, betas=6, n_init=1, seed=0, method="lm") for t in (a, b))
    np.testing.assert_allclose(ra.paths, rb.paths, rtol=1e-8, atol=1e-8)


def test_prediction_reads_the_drive_beyond_the_window():
    tw = da.twin_experiment(da.ForcedLorenz96(D=8), N=60, L=8, seed=2, drive=forcing,
                            n_future=40, sigma=0.01)
    t, X = da.predict(tw.problem, tw.truth.x, tw.truth.params, n_steps=40)
    np.testing.assert_allclose(t, tw.truth.t_future)
    assert np.abs(X - tw.truth.x_future).max() < 1e-6
    # a different input beyond the window gives a different forecast
    _, Y = da.predict(tw.problem, tw.truth.x, n_steps=40,
                      drive=lambda t: forcing(t) + 1.0)
    assert np.abs(Y - tw.truth.x_future).max() > 0.1


def test_drive_errors_are_named_before_any_work():
    m = da.ForcedLorenz96(D=6)
    with pytest.raises(ValueError, match="give drive"):
        da.twin_experiment(m, N=10, seed=0)
    with pytest.raises(ValueError, match="has no inputs"):
        da.Problem(da.Lorenz96(D=6), np.zeros((6, 5)), 0.1, sigma=1.0, drive=forcing)
    short = SampledDrive([0.0, 0.1], [[1.0], [1.0]])
    with pytest.raises(ValueError, match=r"known on \[0, 0.1\]"):
        da.Problem(m, np.zeros((6, 5)), 0.1, sigma=1.0, drive=short)
    with pytest.raises(TypeError, match="drive"):
        da.Problem(m, np.zeros((6, 5)), 0.1, sigma=1.0, drive="cos")
    with pytest.raises(ValueError, match=r"\(T, 1 \+ U=2\)"):
        da.Problem(m, np.zeros((6, 5)), 0.1, sigma=1.0, drive=np.zeros((10, 3)))
    with pytest.raises(ValueError, match="increase strictly"):
        SampledDrive([0.0, 0.0, 1.0], [1.0, 2.0, 3.0])
