"""A network classifier as a data assimilation problem: features in, one-hot classes out.

The network has one node per feature and one per class (width = n_features + n_classes).
Layer 0 is fully measured: the standardised features on the feature nodes and 0 on the class
nodes (left free, those states would be per-example parameters that memorise the labels).
The class nodes of the last layer are measured against targets ±``target`` (one-hot); the
predicted class is the largest class node.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_int, check_positive
from ._datasets import split_stratified
from ._architecture import Network
from ._problem import NetworkProblem

__all__ = ["Classification", "classifier_problem"]


@dataclass(frozen=True)
class Classification:
    """A training problem and its held-out examples (inputs already standardised)."""
    problem: NetworkProblem
    inputs_test: np.ndarray      # (K_test, width)
    labels_train: np.ndarray     # (K,)
    labels_test: np.ndarray      # (K_test,)

    def accuracy(self, theta, which: str = "test") -> float:
        """Fraction of ``which`` ("test" or "train") examples whose largest class node is
        the true class."""
        if which not in ("test", "train"):
            raise ValueError(f"which must be 'test' or 'train', got {which!r}")
        inputs, labels = ((self.inputs_test, self.labels_test) if which == "test"
                          else (self.problem.U, self.labels_train))
        out = self.problem.predict(theta, inputs)
        return float(np.mean(np.argmax(out, axis=1) == labels))


def classifier_problem(features, labels, *, n_train_per_class: int = 10, n_layers: int = 2,
                       activation: str = "tanh", shared: bool = False, T: float = 2.0,
                       sigma: float = 0.1, target: float = 0.5, seed=0) -> Classification:
    """Split (stratified, seeded), standardise with the training mean and std, and build the
    residual network's training problem.  ``features`` (K, n_features), ``labels`` (K,)
    integers 0..n_classes-1."""
    X = np.asarray(features, dtype=float)
    y = np.asarray(labels)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y) or not np.all(np.isfinite(X)):
        raise ValueError("features must be a finite (K, n_features) array and labels a (K,) "
                         f"array of the same K; got shapes {X.shape} and {y.shape}")
    if y.dtype.kind not in "iu" or y.min() < 0:
        raise ValueError("labels must be integers 0..n_classes-1")
    n_classes = int(y.max()) + 1
    smallest = int(np.bincount(y, minlength=n_classes).min())
    check_int("n_train_per_class", n_train_per_class, 1, smallest - 1)
    target = check_positive("target", target)
    train, test = split_stratified(y, n_train_per_class, seed=seed)
    mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
    Z = (X - mu) / np.where(sd > 0, sd, 1.0)
    width = X.shape[1] + n_classes
    inputs = np.hstack([Z, np.zeros((len(Z), n_classes))])
    onehot = target * (2 * np.eye(n_classes)[y] - 1)
    net = Network(width, n_layers, activation, residual=True, T=T, shared=shared)
    problem = NetworkProblem(net, inputs[train], onehot[train], sigma=sigma,
                             in_nodes=np.arange(width),
                             out_nodes=np.arange(X.shape[1], width))
    return Classification(problem, inputs[test], y[train], y[test])
