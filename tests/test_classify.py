"""The iris classifier as a network training problem."""
import numpy as np
import pytest

import dalearn as da
from dalearn.network import load_iris
from dalearn.network import classifier_problem


@pytest.fixture(scope="module")
def iris():
    X, y, _ = load_iris()
    return X, y, classifier_problem(X, y, n_train_per_class=10, seed=0)


def test_layout_features_in_classes_out_and_a_stratified_split(iris):
    X, y, c = iris
    pb = c.problem
    assert pb.D == 7 and list(pb.in_nodes) == list(range(7)) and list(pb.out_nodes) == [4, 5, 6]
    assert np.bincount(c.labels_train).tolist() == [10, 10, 10]
    assert np.bincount(c.labels_test).tolist() == [40, 40, 40]
    # standardised with the training statistics; class nodes enter at 0
    assert np.allclose(pb.U[:, :4].mean(axis=0), 0) and np.allclose(pb.U[:, :4].std(axis=0), 1)
    assert np.all(pb.U[:, 4:] == 0) and np.all(c.inputs_test[:, 4:] == 0)
    assert np.array_equal(np.argmax(pb.V, axis=1), c.labels_train)


def test_backprop_learns_iris_and_zero_weights_do_not(iris):
    _, _, c = iris
    bp = da.train_backprop(c.problem, n_init=2, seed=0, maxiter=300)
    best = bp.thetas[bp.best]
    assert c.accuracy(best, "train") == 1.0 and c.accuracy(best) > 0.9
    # all class nodes equal: argmax picks class 0, a third of the held-out flowers
    assert c.accuracy(np.zeros(c.problem.net.n_weights)) == pytest.approx(1 / 3)


def test_bad_arguments_are_named(iris):
    X, y, c = iris
    with pytest.raises(ValueError, match="n_train_per_class"):
        classifier_problem(X, y, n_train_per_class=50)
    with pytest.raises(ValueError, match="same K"):
        classifier_problem(X, y[:-1])
    with pytest.raises(ValueError, match="labels must be integers"):
        classifier_problem(X, y.astype(float))
    with pytest.raises(ValueError, match="which must be"):
        c.accuracy(np.zeros(c.problem.net.n_weights), "validation")
