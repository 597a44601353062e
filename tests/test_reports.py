"""What the command line reports comes from the library: the RMS per start, the Laplace
bars, and the network settings that ``train``, the preset and notebook 03 share."""
import numpy as np
import pytest

import dalearn as da
from dalearn.cli import build_parser
from dalearn.cli._train import DEFAULT_PRESET, train_settings
from dalearn.experiments import NETWORK_PRESETS, get_preset
from dalearn.network import Network, network_twin
from dalearn.problem import rms, rms_per_start
from dalearn.uncertainty import laplace, laplace_param_std


@pytest.fixture(scope="module")
def twin_k2():
    """A small twin on a model grid twice as fine as the data (k = 2)."""
    return da.lorenz96_twin(D=6, L=3, N=15, k=2, seed=3, n_future=0)


def test_rms_per_start_on_the_model_grid_and_on_the_data_times(twin_k2):
    problem, truth = twin_k2.problem, twin_k2.truth
    rng = np.random.default_rng(0)
    paths = truth.x[None] + rng.normal(0, [[[0.1]], [[0.3]]], (2, *truth.x.shape))
    e = rms_per_start(problem, paths, truth)
    for i in range(2):
        assert e["observed"][i] == rms(paths[i], truth.x, problem.observed)
        assert e["unobserved"][i] == rms(paths[i], truth.x, problem.unobserved)
    assert e["observed"][0] < e["observed"][1]            # the noisier start is worse
    # a truth file holds the data times only: the paths are compared there
    on_data = da.Truth(t=problem.t_data, x=truth.x[:, ::problem.k], params=truth.params,
                       t_future=truth.t_future, x_future=truth.x_future)
    d = rms_per_start(problem, paths, on_data)
    assert d["observed"][1] == rms(paths[1][:, ::problem.k], on_data.x, problem.observed)
    assert d["observed"][1] != e["observed"][1]
    none = rms_per_start(problem, paths)
    assert np.isnan(none["observed"]).all() and np.isnan(none["unobserved"]).all()


def test_laplace_param_std_is_the_laplace_bar_at_the_best_start():
    problem, _ = da.lorenz96_twin(D=6, L=4, N=30, estimate=("nu",), seed=0)
    r = da.anneal(problem, betas=np.arange(0, 12, 2), n_init=2, param_range={"nu": (6, 10)})
    bars = laplace_param_std(problem, r)
    assert bars == {"nu": pytest.approx(laplace(problem, r).param_std["nu"], rel=1e-12)}
    other = 1 - r.best
    assert laplace_param_std(problem, r, start=other)["nu"] == \
        pytest.approx(laplace(problem, r, start=other).param_std["nu"], rel=1e-12)
    plain, _ = da.lorenz96_twin(D=6, L=4, N=30, seed=0)
    assert laplace_param_std(plain, da.anneal(plain, betas=3, n_init=1)) is None


def test_train_without_flags_is_the_feedforward_preset():
    s = train_settings(build_parser().parse_args(["train"]))
    p = NETWORK_PRESETS[DEFAULT_PRESET]
    assert (s.twin, s.student, s.schedule, s.method) == (p.twin, p.student, p.anneal, "anneal")
    # the drift the one source removed: the twin's seed and the iteration cap
    assert s.twin.seed == 0 and s.schedule.seed == 1 and s.schedule.maxiter == 40


def test_train_flags_change_the_settings_they_name():
    s = train_settings(build_parser().parse_args(
        ["train", "--seed", "4", "--activation", "sigmoid", "--plain", "--width", "3",
         "--optimizer", "newton"]))
    p = NETWORK_PRESETS[DEFAULT_PRESET]
    assert s.twin == p.twin.with_(seed=4, activation="sigmoid", width=3)
    assert s.student == p.student.with_(activation="sigmoid", residual=False)
    assert s.schedule == p.anneal.with_(seed=4, method="newton")


def test_network_settings_defaults_are_notebook_03s_network():
    twin = network_twin(**da.NetworkTwinSettings().kwargs())
    nb = network_twin(width=5, n_layers=40, K_train=40, K_test=200, sigma=0.01, seed=0,
                      shared=False)
    np.testing.assert_array_equal(twin.theta, nb.theta)
    np.testing.assert_array_equal(twin.U_train, nb.U_train)
    student = Network(**da.StudentSettings().network_kwargs(5))
    assert student == Network(5, 4, "tanh", residual=True, shared=False)
    ff = get_preset("network-feedforward")
    assert ff.twin == da.NetworkTwinSettings() and ff.student == da.StudentSettings()
    problem, _ = ff.make(width=3)                # the student follows the twin's width
    assert problem.net.width == 3 and problem.weight_scale == ff.weight_scale == 1.0
