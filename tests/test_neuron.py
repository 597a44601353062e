"""The NaKL neuron: exact derivatives, the group's bounds kept by every optimiser, and a
twin from the voltage alone recovering the conductances and the hidden gates."""
import numpy as np
import pytest

import dalearn as da
from dalearn.models import NAKL_BOUNDS, NAKL_PARAMS


def _states(rng, n):
    return np.column_stack([rng.uniform(-95, 45, n), rng.uniform(0.0, 1.0, (n, 3))])


def test_nakl_has_the_groups_parameters_and_bounds_in_order():
    m = da.NaKL()
    assert m.D == 4 and m.P == 18 and m.inputs == ("I",)
    assert m.param_names[:6] == ("gNa", "gK", "gL", "ENa", "EK", "EL")
    assert m.param_names[-4:] == ("Vtn", "dVn", "t1n", "t2n")
    for name, v in NAKL_PARAMS.items():
        lo, hi = NAKL_BOUNDS[name]
        assert lo < v < hi
    assert NAKL_BOUNDS["gNa"] == (60.0, 180.0) and NAKL_BOUNDS["dVh"] == (-15.75, -14.25)


def test_nakl_vector_field_is_the_stated_equations():
    m = da.NaKL()
    p = m.default_params
    x = np.array([-50.0, 0.2, 0.6, 0.4])
    I = 3.0
    V, mm, h, n = x
    dV = 120 * mm ** 3 * h * (50 - V) + 20 * n ** 4 * (-77 - V) + 0.3 * (-54 - V) + I
    s = np.tanh((V + 40) / 15)
    dm = (0.5 * (1 + s) - mm) / (0.1 + 0.4 * (1 - s * s))
    out = m.rhs(x[None], p, np.array([[I]]))[0]
    np.testing.assert_allclose(out[:2], [dV, dm], rtol=1e-12)
    np.testing.assert_allclose(m.rhs(x, p, np.array([I])), out, rtol=1e-12)   # fast path


def test_nakl_jacobians_match_finite_differences():
    m = da.NaKL()
    rng = np.random.default_rng(0)
    x = _states(rng, 20)
    u = rng.normal(0, 5, (20, 1))
    p = m.default_params * rng.uniform(0.97, 1.03, 18)
    J, Jp = m.jac(x, p, u), m.jac_p(x, p, u)
    for b in range(4):
        e = np.zeros(4)
        e[b] = 1e-6
        fd = (m.rhs(x + e, p, u) - m.rhs(x - e, p, u)) / 2e-6
        np.testing.assert_allclose(J[..., b], fd, rtol=1e-6, atol=1e-6)
    for j in range(18):
        e = np.zeros(18)
        e[j] = 1e-6 * abs(p[j])
        fd = (m.rhs(x, p + e, u) - m.rhs(x, p - e, u)) / (2 * e[j])
        np.testing.assert_allclose(Jp[..., j], fd, rtol=1e-5, atol=1e-6)
    # the input enters dV/dt with unit weight
    np.testing.assert_allclose(m.rhs(x, p, u + 1.0) - m.rhs(x, p, u),
                               np.tile([1.0, 0, 0, 0], (20, 1)), atol=1e-9)



def test_nakl_second_derivatives_match_differences_of_the_jacobians():
    """hess(x, p, w, u): Σ_a w_a ∂²F_a against central differences of wᵀJ and wᵀJ_p, at
    states across the voltage range (firing and resting) and perturbed parameters."""
    m = da.NaKL(hessian=True)
    assert m.has_hessian and da.Problem.methods_of(m)[0] == "newton"
    assert da.Problem.methods_of(da.NaKL())[0] == "lm"
    with pytest.raises(TypeError, match="hessian must be True or False"):
        da.NaKL(hessian=1)
    rng = np.random.default_rng(1)
    x = _states(rng, 20)
    u = rng.normal(0, 5, (20, 1))
    p = m.default_params * rng.uniform(0.97, 1.03, 18)
    w = rng.normal(0, 1, (20, 4))
    Hxx, Hxp, Hpp = m.hess(x, p, w, u)
    assert Hxx.shape == (20, 4, 4) and Hxp.shape == (20, 4, 18) and Hpp.shape == (20, 18, 18)

    def wJ(x_, p_):
        return np.einsum("na,nab->nb", w, m.jac(x_, p_, u))

    def wJp(x_, p_):
        return np.einsum("na,naj->nj", w, m.jac_p(x_, p_, u))

    def close(H, fd):                  # central differences: ~1e-8 relative, worse at 1e-7
        return np.abs(H - fd).max() <= 1e-5 * max(1.0, np.abs(fd).max())

    for b in range(4):
        e = np.zeros(4)
        e[b] = 1e-6
        assert close(Hxx[..., b], (wJ(x + e, p) - wJ(x - e, p)) / 2e-6), b
    for j in range(18):
        e = np.zeros(18)
        e[j] = 1e-6 * abs(p[j])
        assert close(Hxp[..., j], (wJ(x, p + e) - wJ(x, p - e)) / (2 * e[j])), j
        assert close(Hpp[..., j], (wJp(x, p + e) - wJp(x, p - e)) / (2 * e[j])), j
    np.testing.assert_allclose(Hpp, np.swapaxes(Hpp, -1, -2), atol=1e-12)
    # the gate kinetics and the voltage equation both contribute curvature in V
    assert np.abs(Hxx[:, 0, 0]).max() > 1e-3 and np.abs(Hxx[:, 1, 1]).max() > 1.0


@pytest.mark.parametrize("rule", ["euler", "trapezoid", "hermite-simpson", "rk4"])
def test_nakl_action_hessian_matches_differences_of_the_gradient(rule):
    """The exact Hessian of the action (all 18 parameters estimated, driven) against
    central differences of its exact gradient; Gauss-Newton alone is measurably off."""
    from conftest import fd_hessian
    from dalearn.problem import ActionEvaluator
    drive = da.chaotic_current(3.0, amplitude=10, offset=5, time_scale=0.2, seed=0)
    tw = da.twin_experiment(da.NaKL(hessian=True), N=6, dt=0.02, sigma=1.0, observed=[0],
                            seed=0, k=2, drive=drive, rule=rule, estimate=True, n_future=0,
                            substeps=5)
    rng = np.random.default_rng(0)
    X = tw.truth.x.copy()
    X[0] += rng.normal(0, 3, X.shape[1])
    X[1:] = np.clip(X[1:] + rng.normal(0, 0.05, X[1:].shape), 0.01, 0.99)
    ev = ActionEvaluator(tw.problem, np.array([1e2, 1e4, 1e4, 1e4]))
    z = tw.problem.pack(X, tw.truth.params * 1.02)
    H_fd = fd_hessian(lambda v: ev.value_grad(v)[1], z)
    hb = ev.hessian(z)
    assert hb.exact
    scale = np.linalg.norm(H_fd)
    assert np.linalg.norm(hb.to_dense() - H_fd) / scale < 1e-8
    assert np.linalg.norm(ev.gauss_newton(z).to_dense() - H_fd) / scale > 1e-2

def _small_nakl(N=150, estimate=True, **kw):
    drive = da.chaotic_current(N * 0.02 + 1.0, amplitude=10, offset=5, time_scale=0.2, seed=0)
    return da.twin_experiment(da.NaKL(), N=N, dt=0.02, sigma=1.0, observed=[0], seed=0,
                              drive=drive, rule="hermite-simpson", estimate=estimate,
                              n_future=0, substeps=5, **kw)


@pytest.mark.parametrize("method", ["lm", "lbfgsb"])
def test_every_optimiser_keeps_the_bounds(method):
    tw = _small_nakl(bounds={"gNa": (60.0, 100.0)}, params={"gNa": 90.0})
    res = da.anneal(tw.problem, betas=[0, 10, 20], Rf0=[1e-8, 1e-4, 1e-4, 1e-4], alpha=2.0,
                    n_init=2, seed=0, method=method, maxiter=300)
    names = tw.problem.param_names
    for i, name in enumerate(names):
        lo, hi = (60.0, 100.0) if name == "gNa" else NAKL_BOUNDS[name]
        assert np.all(res.params[:, :, i] >= lo) and np.all(res.params[:, :, i] <= hi), name
    gates = res.paths[:, 1:, :]
    assert gates.min() >= 0.0 and gates.max() <= 1.0
    assert np.all(np.abs(res.paths[:, 0, :]) <= 100.0)
    # starts were drawn within the bounds, and the run did move them
    assert np.all(res.init_params[:, 0] <= 100.0)
    assert not np.allclose(res.params[-1], res.init_params)


def test_a_bound_that_excludes_the_truth_is_reached_not_crossed():
    tw = da.lorenz96_twin(D=10, L=10, N=60, seed=0, estimate=("nu",), sigma=0.1)
    pb = da.Problem(tw.problem.model, tw.problem.data, tw.problem.dt, sigma=0.1,
                    estimate=("nu",), params=[7.0], bounds={"nu": (6.0, 7.5)})
    for method in ("lm", "lbfgsb"):
        r = da.anneal(pb, betas=8, n_init=1, seed=0, method=method)
        assert r.params[-1, 0, 0] == pytest.approx(7.5, abs=1e-9), method
        assert np.all(r.params[:, 0, 0] <= 7.5)
    free = da.anneal(da.Problem(tw.problem.model, tw.problem.data, tw.problem.dt, sigma=0.1,
                                estimate=("nu",), params=[7.0]), betas=8, n_init=1, seed=0)
    assert free.params[-1, 0, 0] > 8.0                    # without the bound it goes past


def test_bounds_are_validated_up_front():
    tw = _small_nakl(N=20, estimate=("gNa",))
    pb = tw.problem
    with pytest.raises(ValueError, match="outside its bounds"):
        da.Problem(pb.model, pb.data, 0.02, observed=[0], sigma=1.0, drive=pb.drive,
                   estimate=("gNa",), params=np.r_[200.0, pb.params[1:]])
    with pytest.raises(ValueError, match=r"bounds\['gK'\]"):
        da.Problem(pb.model, pb.data, 0.02, observed=[0], sigma=1.0, drive=pb.drive,
                   estimate=("gK",), bounds={"gK": (30.0, 10.0)})
    with pytest.raises(ValueError, match="not parameters"):
        da.Problem(pb.model, pb.data, 0.02, observed=[0], sigma=1.0, drive=pb.drive,
                   bounds={"gX": (1.0, 2.0)})
    with pytest.raises(ValueError, match="reaches outside its bounds"):
        da.anneal(pb, betas=2, n_init=1, param_range={"gNa": (50.0, 150.0)})


def test_nakl_twin_from_the_voltage_recovers_conductances_and_gates():
    """V only, sigma = 1 mV, dt = 0.02 ms, 4000 points, all 18 parameters estimated within
    the group's bounds (random starts inside them)."""
    N = 4000
    drive = da.chaotic_current(N * 0.02 + 1.0, amplitude=10, offset=5, time_scale=0.2, seed=0)
    tw = da.twin_experiment(da.NaKL(), N=N, dt=0.02, sigma=1.0, observed=[0], seed=0,
                            drive=drive, rule="hermite-simpson", estimate=True, n_future=0,
                            substeps=5)
    res = da.anneal(tw.problem, betas=np.arange(0, 41, 4), Rf0=[1e-8, 1e-4, 1e-4, 1e-4],
                    alpha=2.0, n_init=1, seed=0)
    p = res.params[-1, 0]
    assert not np.allclose(res.init_params[0, :3], p[:3])   # started elsewhere
    for j, name in enumerate(("gNa", "gK", "gL")):
        assert abs(p[j] / NAKL_PARAMS[name] - 1) < 0.10, (name, p[j])
    assert da.rms(res.paths[0], tw.truth.x, [1, 2, 3]) < 0.05
    assert da.rms(res.paths[0], tw.truth.x, [0]) < 1.0          # V inside the noise
    assert abs(res.final_action[0] - 1.0) < 0.1


def test_newton_on_the_neuron_reaches_verified_minima_at_lms_level():
    """method='newton' on NaKL(hessian=True): every β a verified minimum (exact Hessian
    factored, Newton decrement <= ftol A), at the level lm reaches from the same start."""
    N = 300
    drive = da.chaotic_current(N * 0.02 + 1.0, amplitude=10, offset=5, time_scale=0.2, seed=0)
    tw = da.twin_experiment(da.NaKL(hessian=True), N=N, dt=0.02, sigma=1.0, observed=[0],
                            seed=0, drive=drive, rule="hermite-simpson", n_future=0,
                            substeps=5, estimate=("gNa", "gK", "gL"))
    kw = dict(betas=[0, 10, 20, 30], Rf0=[1e-8, 1e-4, 1e-4, 1e-4], alpha=2.0, n_init=2,
              seed=0)
    newton = da.anneal(tw.problem, **kw)
    assert newton.settings["method"] == "newton"
    assert newton.verified.all()
    assert np.all(newton.decrement <= 1e-8)
    lm = da.anneal(tw.problem, method="lm", **kw)
    np.testing.assert_allclose(newton.final_action, lm.final_action, rtol=1e-5)
    np.testing.assert_allclose(newton.params[-1], lm.params[-1], rtol=1e-3)
