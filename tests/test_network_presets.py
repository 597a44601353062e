"""The group's network twin (varanneal's examples/nnet_twin) and dalearn's own network
settings as named presets, kept apart."""
import numpy as np
import pytest

from dalearn import anneal
from dalearn.network import Network, NetworkProblem, network_twin
from dalearn.experiments import (GROUP, GROUP_NETWORK, NETWORK_PRESETS, OURS, OURS_NETWORK, PRESETS,
                             NetworkPreset, Preset, get_preset, group_network_Rf0)


@pytest.fixture(scope="module")
def group():
    preset = get_preset("group-network")
    problem, twin = preset.make()
    return preset, problem, twin


def test_group_teacher_follows_the_script(group):
    """gen_params.py: 100 layers counting the input (99 weight layers) of 10 plain sigmoid
    nodes, weights U(-1, 1)/10, zero biases; gen_io_pairs.py: inputs N(0, 1) standardised per
    pair, Gaussian noise 0.005 on inputs and outputs."""
    _, _, twin = group
    t = twin.teacher
    assert (t.width, t.n_layers, t.activation, t.residual, t.biases, t.shared) == \
        (10, 99, "sigmoid", False, False, False)
    assert twin.theta.shape == (99 * 100,)
    assert np.abs(twin.theta).max() < 0.1 and np.abs(twin.theta).max() > 0.099
    assert abs(twin.theta.std() - 0.1 / np.sqrt(3)) < 0.002          # U(-0.1, 0.1)
    U = np.vstack([twin.U_train_clean, twin.U_test])
    np.testing.assert_allclose(U.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(U.std(axis=1), 1.0, rtol=1e-12)
    assert twin.U_train.shape == (2, 10) and twin.U_test.shape == (200, 10)
    noise = np.concatenate([(twin.U_train - twin.U_train_clean).ravel(),
                            (twin.V_train - t.forward(twin.theta, twin.U_train_clean)[:, -1])
                            .ravel()])
    assert 0.6 * 0.005 < noise.std() < 1.4 * 0.005 and twin.sigma == 0.005
    np.testing.assert_array_equal(twin.V_test, t.forward(twin.theta, twin.U_test)[:, -1])
    # 99 contracting sigmoid layers forget the input: every held-out output is the same
    assert np.ptp(twin.V_test, axis=0).max() < 1e-12
    assert np.all(np.abs(twin.V_test - 0.5) < 0.1)       # far from the clipping at 0, 1


def test_group_student_and_schedule(group):
    preset, problem, _ = group
    net = problem.net
    assert (net.width, net.n_layers, net.activation, net.residual, net.biases) == \
        (10, 19, "sigmoid", False, False)
    assert net.n_weights == 1900 and problem.K == 2 and problem.Rm_measured == 1 / 0.005 ** 2
    a = preset.anneal
    assert (a.alpha, a.n_init, a.init_range, a.ftol, a.method) == \
        (1.1, 3, (0.4, 0.6), 1e-12, "lbfgsb")
    assert a.betas == 436                                  # beta = 0..435
    # starting weights U(-1, 1)/10, as nnet_twin_anneal.py
    z0s, X0, P0 = problem.initial_vectors(2, np.random.default_rng(0), a.init_range)
    assert np.abs(P0).max() <= 0.1 and np.abs(P0).max() > 0.099
    hidden = X0[:, :, 1:-1]
    assert hidden.min() >= 0.4 and hidden.max() <= 0.6


def test_group_Rf0_gives_the_groups_ratio_of_residual_weights(group):
    """At beta = 0 one squared model residual weighs 1e-8 of one squared measurement residual:
    R_f0 = 1e-8 R_m (19 x 10 nodes beyond the input)/(10 + 10) = 3.8e-3."""
    preset, problem, _ = group
    assert preset.anneal.Rf0 == pytest.approx(1e-8 * 40000 * 190 / 20, rel=1e-14)
    assert problem.model_weights(preset.anneal.Rf0) / problem.w_meas == pytest.approx(1e-8,
                                                                                      rel=1e-12)
    small = Network(3, 4, "sigmoid", residual=False, biases=False)
    Rf0 = group_network_Rf0(small, 0.1, 2, 1, ratio=1e-3)
    rng = np.random.default_rng(0)
    pb = NetworkProblem(small, rng.uniform(-1, 1, (4, 2)), rng.uniform(0, 1, (4, 1)),
                        sigma=0.1)
    assert pb.model_weights(Rf0) / pb.w_meas == pytest.approx(1e-3, rel=1e-12)


def test_group_network_anneals_to_one_level_the_constant_output_level(group):
    """A shortened schedule (every 29th beta), two starts: both reach one level, and it is the
    level of a network whose output is the mean of the two noisy training outputs whatever
    its input -- what a student of a teacher that forgets its input should learn."""
    preset, problem, twin = group
    r = anneal(problem, **preset.anneal.with_(betas=np.arange(0, 436, 29), n_init=2).kwargs())
    # every solve stopped normally; the last (L-BFGS-B's solves are checked there only) is not
    # a verified minimum: 1900 weights for 40 measured numbers leave flat directions, so the
    # Hessian there is not positive definite
    assert np.all(r.status[:-1] == 0) and np.all(r.pos_def[:-1] == -1)
    assert np.all(r.status[-1] == 2) and np.all(r.pos_def[-1] == 0)
    assert len(r.levels()) == 1
    d = problem.V[0] - problem.V[1]
    level = problem.w_meas * np.sum(d ** 2) / 2
    assert r.final_action.min() == pytest.approx(level, rel=1e-3)
    pred = problem.predict(r.params[-1, r.best], twin.U_test)
    np.testing.assert_allclose(pred, problem.V.mean(axis=0)[None].repeat(200, 0), atol=1e-3 * 0.005)


def test_network_presets_are_kept_apart_and_found_by_name():
    assert not set(OURS_NETWORK) & set(GROUP_NETWORK)
    assert not set(NETWORK_PRESETS) & set(PRESETS)
    assert set(NETWORK_PRESETS) == set(OURS_NETWORK) | set(GROUP_NETWORK)
    for name, p in NETWORK_PRESETS.items():
        assert isinstance(p, NetworkPreset) and p.name == name and get_preset(name) == p
        assert p.doc and p.source
    for name, p in PRESETS.items():
        assert isinstance(p, Preset) and get_preset(name) == p
    assert all("varanneal" in p.source for p in GROUP_NETWORK.values())
    assert all(p.source.startswith("dalearn (ours)") for p in OURS_NETWORK.values())
    assert all(p.source.startswith("dalearn (ours)") for p in OURS.values())
    assert not any(p.source.startswith("dalearn (ours)") for p in GROUP.values())
    with pytest.raises(ValueError, match="group-network"):
        get_preset("nope")


def test_our_network_presets_are_notebook_03s_problems():
    problem, twin = get_preset("network-feedforward").make()
    nb = network_twin(width=5, n_layers=40, K_train=40, K_test=200, sigma=0.01, seed=0,
                      shared=False)
    np.testing.assert_array_equal(twin.V_train, nb.V_train)
    assert problem.net == Network(5, 4, "tanh", residual=True, shared=False)
    rproblem, _ = get_preset("network-recurrent").make(seed=1)
    assert rproblem.net.shared and rproblem.net.n_weights == 30
    with pytest.raises(TypeError):
        get_preset("network-recurrent").make(depth=3)


def test_network_twin_option_checks():
    with pytest.raises(ValueError, match="weights must be one of"):
        network_twin(width=3, n_layers=2, weights="gaussian")
    with pytest.raises(ValueError, match="inputs must be one of"):
        network_twin(width=3, n_layers=2, inputs="normal")
    with pytest.raises(ValueError, match="inputs='standardised' needs width >= 2"):
        network_twin(width=1, n_layers=2, inputs="standardised")
    with pytest.raises(ValueError, match="weight_scale"):
        network_twin(width=3, n_layers=2, weight_scale=-1.0)
    with pytest.raises(TypeError, match="biases must be True or False"):
        network_twin(width=3, n_layers=2, biases=None)
    tw = network_twin(width=3, n_layers=2, K_train=2, K_test=1, weights="uniform",
                      weight_scale=2.0, seed=0)             # biases kept, and zero
    W, b = tw.teacher.weights(tw.theta)
    assert np.all(b == 0) and np.abs(W).max() <= 2.0 / 3
