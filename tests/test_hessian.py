"""Exact second derivatives: model contractions, rule curvature, banded Hessian blocks and
Hessian-vector products against finite differences of the exact gradient."""
import numpy as np
import pytest

from dalearn import twin_experiment
from dalearn.problem import ActionEvaluator
from dalearn.discretize import RULES
from dalearn.models import CustomModel, Lorenz63, Lorenz96, NeuralField


def fd_hessian_columns(grad, z, V, eps=1e-6):
    """Columns H v for each column v of V by central differences of the exact gradient."""
    return np.stack([(grad(z + eps * v) - grad(z - eps * v)) / (2 * eps) for v in V.T], -1)


def _neural_field():
    rng = np.random.default_rng(4)
    return NeuralField(rng.normal(0, 0.8, (4, 4)), rng.normal(0, 0.3, 4), "sigmoid")


def _custom_l63():
    m = Lorenz63()
    return CustomModel(m.rhs, 3, {"sigma": 10.0, "rho": 28.0, "beta": 8 / 3}, jac=m.jac,
                       jac_p=m.jac_p, hess=m.hess, name="l63-custom")


MODELS = {"lorenz96": lambda: Lorenz96(5), "lorenz63": Lorenz63,
          "neural_field": _neural_field, "custom": _custom_l63}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_hess_matches_differences_of_the_jacobian(name):
    model = MODELS[name]()
    rng = np.random.default_rng(1)
    x = rng.normal(0, 2, (3, model.D))
    p = model.default_params * 1.1
    w = rng.normal(0, 1, (3, model.D))
    Hxx, Hxp, Hpp = model.hess(x, p, w)
    eps = 1e-6
    for b in range(model.D):
        e = np.zeros(model.D)
        e[b] = eps
        dJ = (model.vjp(x + e, p, w) - model.vjp(x - e, p, w)) / (2 * eps)
        np.testing.assert_allclose(Hxx[:, :, b], dJ, atol=1e-7)
    for j in range(model.P):
        e = np.zeros(model.P)
        e[j] = eps
        dJ = (model.vjp(x, p + e, w) - model.vjp(x, p - e, w)) / (2 * eps)
        np.testing.assert_allclose(Hxp[:, :, j], dJ, atol=1e-7)
        dJp = (np.einsum("nap,na->np", model.jac_p(x, p + e), w)
               - np.einsum("nap,na->np", model.jac_p(x, p - e), w)) / (2 * eps)
        np.testing.assert_allclose(Hpp[:, :, j], dJp, atol=1e-7)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("name", sorted(MODELS))
def test_hessian_blocks_and_products_match_differences_of_the_gradient(name, rule):
    model = MODELS[name]()
    estimate = True if model.P else ()
    problem, truth = twin_experiment(model, N=5, dt=0.02, sigma=0.5, L=2, seed=3, k=2,
                                     rule=rule, estimate=estimate)
    rng = np.random.default_rng(0)
    X = truth.x + rng.normal(0, 0.7, truth.x.shape)      # far from the data: large residuals
    ev = ActionEvaluator(problem, rng.uniform(1e2, 1e3, model.D))
    z = problem.pack(X, truth.params * 1.05)
    grad = lambda v: ev.value_grad(v)[1]                 # noqa: E731
    hb = ev.hessian(z)
    assert hb.exact and ev.has_hessian
    n = z.size
    H_fd = fd_hessian_columns(grad, z, np.eye(n))
    H = hb.to_dense()
    # banded blocks (and border) against columns of differences of the gradient
    assert np.linalg.norm(H - H_fd) / np.linalg.norm(H_fd) < 1e-6
    # Hessian-vector products in random directions
    V = rng.normal(0, 1, (n, 3))
    Hv_fd = fd_hessian_columns(grad, z, V)
    Hv = np.stack([hb.matvec(v) for v in V.T], -1)
    assert np.linalg.norm(Hv - Hv_fd) / np.linalg.norm(Hv_fd) < 1e-6
    # the second-order terms matter here: Gauss-Newton alone is measurably different
    H_gn = ev.gauss_newton(z).to_dense()
    assert np.linalg.norm(H_gn - H_fd) / np.linalg.norm(H_fd) > 1e-4


def test_custom_model_without_hess_falls_back_to_gauss_newton():
    m = Lorenz63()
    cm = CustomModel(m.rhs, 3, {"sigma": 10.0, "rho": 28.0, "beta": 8 / 3}, jac=m.jac,
                     jac_p=m.jac_p)
    assert not cm.has_hessian
    with pytest.raises(NotImplementedError):
        cm.hess(np.zeros(3), cm.default_params, np.ones(3))
    with pytest.raises(TypeError, match="hess must be callable"):
        CustomModel(m.rhs, 3, jac=m.jac, hess="no")


_L96 = Lorenz96(6)


# a driven model whose curvature depends on the input: F = L96(x) + u + 0.5 u sin(x)
def _dr_rhs(x, p, u):
    return _L96.rhs(x, p) + u[..., :1] + 0.5 * u[..., :1] * np.sin(x)


def _dr_jac(x, p, u):
    return _L96.jac(x, p) + np.eye(6) * (0.5 * u[..., :1] * np.cos(x))[..., None, :]


def _dr_jac_p(x, p, u):
    return _L96.jac_p(x, p)


def _dr_hess(x, p, w, u):
    Hxx, Hxp, Hpp = _L96.hess(x, p, w)
    return Hxx - np.eye(6) * (0.5 * u[..., :1] * w * np.sin(x))[..., None, :], Hxp, Hpp


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("which", ["forced", "custom"])
def test_driven_hessian_blocks_match_differences_of_the_gradient(which, rule):
    """The curvature reads a driven model's input at the stage where F is evaluated."""
    from dalearn.models import ForcedLorenz96

    def forcing(t):
        t = np.asarray(t, dtype=float)
        return (8.0 + 3.0 * np.sin(2.0 * np.pi * t / 0.3))[:, None]

    f96 = ForcedLorenz96(D=6)
    if which == "forced":
        model = f96
    else:
        model = CustomModel(_dr_rhs, 6, {"nu": 0.0}, jac=_dr_jac, jac_p=_dr_jac_p,
                            inputs=("forcing",), hess=_dr_hess)
    problem, truth = twin_experiment(model, N=5, dt=0.05, sigma=0.5, L=3, seed=3, k=2,
                                     rule=rule, estimate=True, drive=forcing)
    rng = np.random.default_rng(0)
    X = truth.x + rng.normal(0, 0.7, truth.x.shape)
    ev = ActionEvaluator(problem, rng.uniform(1e2, 1e3, model.D))
    z = problem.pack(X, truth.params + 0.3)
    grad = lambda v: ev.value_grad(v)[1]                 # noqa: E731
    hb = ev.hessian(z)
    n = z.size
    H_fd = fd_hessian_columns(grad, z, np.eye(n))
    assert np.linalg.norm(hb.to_dense() - H_fd) / np.linalg.norm(H_fd) < 1e-6


@pytest.mark.parametrize("residual,shared,activation", [
    (True, False, "tanh"), (False, False, "sigmoid"), (True, True, "tanh"),
    (False, True, "sigmoid")])
def test_network_hessian_blocks_match_differences_of_the_gradient(residual, shared, activation):
    from dalearn.network import Network, network_twin
    tw = network_twin(width=3, n_layers=3, K_train=2, K_test=2, seed=0, shared=shared)
    pb = tw.problem(Network(3, 3, activation, residual=residual, shared=shared))
    ev = pb.evaluator(3.0)
    z = np.random.default_rng(5).normal(0, 0.7, pb.n_unknowns)
    n = z.size
    H_fd = fd_hessian_columns(lambda v: ev.value_grad(v)[1], z, np.eye(n))
    hb = ev.hessian(z)
    np.testing.assert_allclose(hb.g, ev.value_grad(z)[1], rtol=0, atol=0)
    H = hb.to_dense()
    assert np.abs(H - H_fd).max() < 1e-6 * np.abs(H_fd).max()
    # without the residual curvature it is the Gauss-Newton matrix: symmetric, semi-definite,
    # and different from the exact Hessian away from a zero residual
    G = ev.gauss_newton(z).to_dense()
    assert np.linalg.eigvalsh(G).min() > -1e-10 * np.abs(G).max()
    assert np.abs(G - H).max() > 1e-2                  # the curvature of r is O(1) here


@pytest.mark.parametrize("residual,shared", [(False, False), (True, False), (True, True)])
def test_bias_free_network_hessian_matches_differences_of_the_gradient(residual, shared):
    """Weights only (biases=False): the border holds W alone; exact and Gauss-Newton blocks."""
    from dalearn.network import Network, NetworkProblem
    rng = np.random.default_rng(7)
    net = Network(3, 3, "sigmoid", residual=residual, shared=shared, biases=False)
    pb = NetworkProblem(net, rng.uniform(-1, 1, (2, 3)), rng.uniform(0, 1, (2, 3)), sigma=0.1)
    ev = pb.evaluator(3.0)
    z = rng.normal(0, 0.7, pb.n_unknowns)
    n = z.size
    H_fd = fd_hessian_columns(lambda v: ev.value_grad(v)[1], z, np.eye(n))
    hb = ev.hessian(z)
    assert hb.Hpp.shape == (net.n_weights, net.n_weights) == (9 * net.n_sets,) * 2
    assert np.abs(hb.to_dense() - H_fd).max() < 1e-6 * np.abs(H_fd).max()


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("name", sorted(MODELS))
def test_in_place_curvature_equals_the_out_of_place_sum(name, rule, monkeypatch):
    """The curvature blocks accumulate in place and skip products with the identity; they
    equal the plain out-of-place sum bit for bit, and building twice gives the same blocks
    (no model array or earlier block was written into)."""
    from dalearn.discretize import _curvature
    model = MODELS[name]()
    problem, truth = twin_experiment(model, N=5, dt=0.02, sigma=0.5, L=2, seed=3, k=2,
                                     rule=rule, estimate=True if model.P else ())
    X = truth.x + np.random.default_rng(0).normal(0, 0.7, truth.x.shape)
    ev = ActionEvaluator(problem, 300.0)
    z = problem.pack(X, truth.params * 1.05)
    first, second = ev.hessian(z), ev.hessian(z)

    def add(out, key, val):
        if val is not None:
            out[key] = val if out[key] is None else out[key] + val

    monkeypatch.setattr(_curvature, "_add", add)
    monkeypatch.setattr(_curvature, "_right", lambda H, S: None if S is None else (
        S * H if np.isscalar(S) else H @ S))
    monkeypatch.setattr(_curvature, "_left", lambda S, G: None if S is None or G is None else (
        S * G if np.isscalar(S) else np.swapaxes(S, -1, -2) @ G))
    ref = ev.hessian(z)
    for k in ("g", "Hd", "Ho", "Hxp", "Hpp"):
        np.testing.assert_array_equal(getattr(first, k), getattr(ref, k))
        np.testing.assert_array_equal(getattr(second, k), getattr(ref, k))


@pytest.mark.parametrize("rule", RULES)
def test_gauss_newton_blocks_are_twice_jt_w_j_with_the_factor_folded_into_the_weights(rule):
    """The factor 2 is folded into the weights before the products (exact in floating
    point); the blocks still equal 2 (Jᵀ W J + W_meas) from the residual's own A, B, C."""
    from dalearn.discretize import residual
    model = Lorenz63()
    problem, truth = twin_experiment(model, N=6, dt=0.02, sigma=0.5, L=2, seed=3, rule=rule,
                                     estimate=True)
    Rf = np.array([30.0, 40.0, 50.0])
    ev = ActionEvaluator(problem, Rf)
    z = problem.pack(truth.x + np.random.default_rng(1).normal(0, 0.5, truth.x.shape),
                     truth.params * 1.05)
    gn = ev.gauss_newton(z)
    Xt, p = problem.time_major(z)
    res = residual(model, problem.rule, Xt, p, problem.h, blocks=True)
    W = np.diag(ev.wf)
    M, D = Xt.shape
    C = res.C[:, :, problem.est_idx]
    for n in range(M):
        ref = np.diag(problem.w_meas[n]).copy()
        if n < M - 1:
            ref += res.A[n].T @ W @ res.A[n]
            np.testing.assert_allclose(gn.Ho[n], 2 * res.A[n].T @ W @ res.B[n], rtol=1e-13,
                                       atol=1e-13 * np.abs(gn.Ho[n]).max())
        if n > 0:
            ref += res.B[n - 1].T @ W @ res.B[n - 1]
        np.testing.assert_allclose(gn.Hd[n], 2 * ref, rtol=1e-13, atol=1e-13 * np.abs(ref).max())
    np.testing.assert_allclose(gn.Hpp, 2 * sum(c.T @ W @ c for c in C), rtol=1e-13)


@pytest.mark.parametrize("rule, calls", [("euler", [5]), ("trapezoid", [5]),
                                         ("hermite-simpson", [4, 5]), ("rk4", [4, 4, 4, 5])])
def test_curvature_takes_the_grid_points_second_derivatives_once(rule, calls):
    """Stage points that are grid points themselves (x(n) as the end of one step and the
    start of the next) share one model call over all M points; only the other stage points
    (midpoints, RK4's inner stages) get calls of their own.  Fails if the trapezoid goes back
    to evaluating every x(n) twice."""
    seen = []

    class Counting(Lorenz63):
        def hess(self, x, p, w):
            seen.append(np.shape(x)[0])
            return super().hess(x, p, w)

    problem, truth = twin_experiment(Counting(), N=5, dt=0.02, sigma=0.5, L=2, seed=3,
                                     rule=rule, estimate=True)
    assert problem.M == 5
    ev = ActionEvaluator(problem, 50.0)
    ev.hessian(problem.pack(truth.x, truth.params))
    assert sorted(seen) == calls
