import numpy as np
import pytest

from dalearn import predict, prediction_error
from dalearn import lorenz96_twin


def test_prediction_from_the_true_end_follows_the_truth():
    problem, truth = lorenz96_twin(D=10, L=5, N=50, sigma=0.4, seed=0, n_future=40)
    t, X = predict(problem, truth.x, truth.params, n_steps=40)
    np.testing.assert_allclose(t, truth.t_future)
    assert prediction_error(X, truth.x_future).max() < 1e-8


def test_estimate_predicts_well_at_first_then_diverges(l96_L12):
    problem, truth, r = l96_L12
    t, X = predict(problem, r.paths[r.best], r.params[-1, r.best], n_steps=100)
    err = prediction_error(X, truth.x_future)
    assert err[0] < 0.2                    # starts near the truth (estimate error << sigma)
    assert err[:20].mean() < 0.4           # good for ~0.5 time units (< noise level)
    assert err[-20:].mean() > err[:20].mean()   # chaos: the error grows


def test_predict_checks_its_arguments():
    problem, truth = lorenz96_twin(D=6, L=3, N=10, sigma=0.4, seed=0)
    with pytest.raises(ValueError, match="path must have shape"):
        predict(problem, truth.x[:, :5])
    with pytest.raises(ValueError, match="n_steps must be an integer >= 1"):
        predict(problem, truth.x, n_steps=0)
