"""A recurrent network driven by an input at every step, observed at every layer
(NetworkProblem.from_layers, driven_twin): exact derivatives, the first/last-layer problem
as a special case, argument checks, and recovery of the teacher's shared weights."""
import numpy as np
import pytest
from scipy.stats import chi2

from conftest import central_fd
from dalearn import anneal
from dalearn.network import Network, NetworkProblem, driven_twin


def fd_hessian(ev, z, eps=1e-6):
    n = z.size
    H = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = eps
        H[:, j] = (ev.value_grad(z + e)[1] - ev.value_grad(z - e)[1]) / (2 * eps)
    return H


@pytest.mark.parametrize("residual,shared,activation,biases", [
    (True, True, "tanh", True), (False, False, "sigmoid", True),
    (True, False, "tanh", False), (False, True, "sigmoid", False)])
def test_driven_layered_gradient_hessian_and_backprop_match_finite_differences(
        residual, shared, activation, biases):
    tw = driven_twin(width=3, n_layers=4, n_drive=2, K_train=3, K_test=2, seed=0)
    net = Network(3, 4, activation, residual=residual, shared=shared, biases=biases, n_drive=2)
    rng = np.random.default_rng(1)
    mask = rng.random((3, 5, 3)) < 0.5                  # an irregular (pair, layer, node) mask
    pb = NetworkProblem.from_layers(net, tw.Y_train, mask, sigma=0.1, drive=tw.drive_train)
    z = rng.normal(0, 0.7, pb.n_unknowns)
    a = pb.action(z, 7.0, grad=True)
    g = np.concatenate([a.grad_x.ravel(), a.grad_p])
    g_fd = central_fd(lambda v: pb.action(v, 7.0).total, z)
    assert np.linalg.norm(g - g_fd) / np.linalg.norm(g_fd) < 1e-6
    ev = pb.evaluator(7.0)
    H_fd = fd_hessian(ev, z)
    assert np.abs(ev.hessian(z).to_dense() - H_fd).max() < 1e-6 * np.abs(H_fd).max()
    np.testing.assert_allclose(ev.meas_gradient(z)[:pb.nx],
                               2 * (pb.meas_precision() * (pb.split(z)[0] - pb.Y)).ravel())
    th = net.random_weights(rng)
    _, gs = pb.strong_loss_grad(th)
    gs_fd = central_fd(lambda t: pb.strong_loss_grad(t)[0], th)
    assert np.linalg.norm(gs - gs_fd) / np.linalg.norm(gs_fd) < 1e-6


@pytest.mark.parametrize("n_drive", [0, 2])
def test_first_and_last_layer_mask_is_the_ordinary_problem(n_drive):
    rng = np.random.default_rng(3)
    net = Network(4, 3, "tanh", shared=True, n_drive=n_drive)
    K = 5
    U, V = rng.uniform(-1, 1, (K, 3)), rng.uniform(-1, 1, (K, 2))
    drive = rng.normal(size=(K, 3, n_drive)) if n_drive else None
    old = NetworkProblem(net, U, V, sigma=0.1, out_nodes=[1, 3], drive=drive)
    data = np.full((K, 4, 4), np.nan)                    # unmeasured entries may be NaN
    data[:, 0, :3], data[:, -1, [1, 3]] = U, V
    mask = np.zeros((4, 4), dtype=bool)
    mask[0, :3] = mask[-1, [1, 3]] = True
    new = NetworkProblem.from_layers(net, data, mask, sigma=0.1, drive=drive)
    assert new.expected_level == old.expected_level and new.w_meas == old.w_meas
    for _ in range(3):
        z = old.pack(rng.normal(size=(K, 4, 4)), net.random_weights(rng))
        a, b = old.action(z, 5.0, grad=True), new.action(z, 5.0, grad=True)
        assert abs(a.total - b.total) <= 1e-12 * a.total
        np.testing.assert_allclose(b.grad_x, a.grad_x, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(b.grad_p, a.grad_p, rtol=1e-12, atol=1e-14)
        th = net.random_weights(rng)
        la, ga = old.strong_loss_grad(th)
        lb, gb = new.strong_loss_grad(th)
        assert abs(la - lb) <= 1e-12 * la and np.allclose(ga, gb, rtol=1e-12, atol=1e-14)


def test_driven_and_layered_argument_checks():
    tw = driven_twin(width=3, n_layers=4, n_drive=1, K_train=2, K_test=2, seed=0)
    net = Network(3, 4, shared=True, n_drive=1)
    m = tw.mask("all")
    ok = dict(sigma=0.1, drive=tw.drive_train)
    with pytest.raises(ValueError, match="mask must have shape"):
        NetworkProblem.from_layers(net, tw.Y_train, m[:-1], **ok)
    with pytest.raises(TypeError, match="mask must be a boolean"):
        NetworkProblem.from_layers(net, tw.Y_train, m.astype(int), **ok)
    with pytest.raises(ValueError, match="mask must select"):
        NetworkProblem.from_layers(net, tw.Y_train, np.zeros_like(m), **ok)
    with pytest.raises(ValueError, match="data must have shape"):
        NetworkProblem.from_layers(net, tw.Y_train[:, :-1], m, **ok)
    bad = tw.Y_train.copy()
    bad[0, 2, 1] = np.inf
    with pytest.raises(ValueError, match="data must be finite where mask"):
        NetworkProblem.from_layers(net, bad, m, **ok)
    with pytest.raises(ValueError, match=r"drive must have shape \(K, n_layers, n_drive\)"):
        NetworkProblem.from_layers(net, tw.Y_train, m, sigma=0.1, drive=tw.drive_train[:, :-1])
    with pytest.raises(ValueError, match="drive must be given"):
        NetworkProblem.from_layers(net, tw.Y_train, m, sigma=0.1)
    nan_drive = tw.drive_train.copy()
    nan_drive[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="drive must be finite"):
        NetworkProblem.from_layers(net, tw.Y_train, m, sigma=0.1, drive=nan_drive)
    with pytest.raises(ValueError, match="drive given for a network without"):
        NetworkProblem(Network(3, 4), np.zeros((2, 3)), np.zeros((2, 3)), sigma=0.1,
                       drive=tw.drive_train)
    with pytest.raises(ValueError, match="n_drive must be an integer >= 0"):
        Network(3, 4, n_drive=-1)
    with pytest.raises(ValueError, match="layers must be one of"):
        tw.mask("middle")
    pb = tw.problem(net)
    with pytest.raises(ValueError, match="predict needs input and output nodes"):
        pb.predict(tw.theta, np.zeros((2, 3)))


def test_annealing_a_driven_twin_observed_at_every_layer_recovers_the_teachers_weights():
    """Tolerance from the noise: the Laplace covariance C of the weights (the θ block of
    the inverse Hessian of A0 = (n_meas/2) A at the final minimum) predicts the estimation
    error; the error's χ² = eᵀ C⁻¹ e must lie below the 99.9% point of χ²(n_W)."""
    tw = driven_twin(width=3, n_layers=10, n_drive=1, K_train=8, K_test=50, sigma=0.01, seed=0)
    pb = tw.problem(Network(3, 10, "tanh", shared=True, n_drive=1))
    assert pb.methods[0] == "newton" and 0 < pb.expected_level < 1
    r = anneal(pb, betas=np.arange(0, 29, 2), Rf0=1.0, alpha=2.0, n_init=3, seed=1)
    assert r.verified[-1].all() and len(r.levels()) == 1
    th = r.params[-1, r.best]
    z = pb.pack(r.paths[r.best], th)
    H = pb.evaluator(2.0 ** 28).hessian(z).to_dense() * pb.n_measured / 2
    C = np.linalg.inv(H)[pb.nx:, pb.nx:]
    e = th - tw.theta
    q = e @ np.linalg.solve(C, e)
    assert q < chi2.ppf(0.999, pb.net.n_weights)
    assert tw.heldout_error(pb, th) < tw.sigma          # forward prediction below the noise
