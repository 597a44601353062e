"""The R_f slider over a neural ODE trained by its boundary value problem
(dalearn.widgets.ODETrainingScrubber) and its figure (plots.ode_training_panels)."""
import numpy as np
import pytest

from dalearn import plots
from dalearn.continuous import ode_twin, train_ode_bvp
from dalearn.widgets import ODETrainingScrubber


@pytest.fixture(scope="module")
def trained():
    twin = ode_twin(D=2, K_train=4, seed=0)
    th0 = twin.random_weights(3, seed=1)[2]
    return twin, train_ode_bvp(twin, th0, [1e2, 1e4, np.inf], tol=1e-4)


def test_slider_shows_paths_relaxing_onto_the_network_and_pi_onto_minus_lambda(trained):
    twin, bvp = trained
    assert bvp.success
    panel = ODETrainingScrubber(twin, bvp, pair=1, n_t=21)
    assert len(panel.frames) == 3 and panel.slider.description == "R_f"
    assert panel.labels[-1].startswith("R_f = ∞") and f"{bvp.loss[-1]:.4f}" in panel.labels[-1]
    # weak constraint: the paths leave the network's flow; strong: they are its forward pass
    assert panel.path_gap[0] > 100 * panel.path_gap[-1] and panel.path_gap[-1] < 1e-5
    assert panel.momentum_gap[0] > 0.1 and panel.momentum_gap[-1] < 1e-4
    before = [np.asarray(tr.y).copy() for tr in panel.figure.data]
    panel.slider.value = 2
    after = [np.asarray(tr.y) for tr in panel.figure.data]
    assert any(not np.allclose(a, b) for a, b in zip(after, before))
    assert panel.label.value == panel.labels[2]
    # pair 1's momentum is the right panel's first trace
    x, pi = bvp.at(2, np.linspace(0, twin.T, 21))
    assert np.allclose(panel.frames[2][1].series[0].y, pi[1, 0])


def test_bad_input_is_named(trained):
    twin, bvp = trained
    with pytest.raises(ValueError, match="pair"):
        ODETrainingScrubber(twin, bvp, pair=4)
    three = ode_twin(D=3, K_train=2, seed=0)
    with pytest.raises(ValueError, match="2-node"):
        ODETrainingScrubber(three, bvp)
    with pytest.raises(ValueError, match="x and x_forward"):
        plots.ode_training_panels(np.zeros((2, 3, 5)), np.zeros((2, 3, 5)), np.zeros((2, 3)),
                                  np.zeros((2, 3)), np.arange(5), np.zeros((2, 3, 5)),
                                  np.zeros((2, 3, 5)), "t")
