"""Handwritten digits (8x8, UCI optdigits, shipped in dalearn) as a network training problem:
principal components of the training images in, one-hot classes out."""
from __future__ import annotations

import numpy as np

from .._checks import check_int
from ..datasets import load_digits, split_stratified
from ._classify import Classification, classifier_problem

__all__ = ["digits_problem"]


def digits_problem(n_components: int = 8, n_train_per_class: int = 20, n_layers: int = 2,
                   seed=0, **kwargs) -> Classification:
    """The digits classifier: a stratified, seeded split (``n_train_per_class`` images per
    digit for training, the rest held out), the images projected on the first
    ``n_components`` principal components of the training images (fitted on them only),
    then :func:`classifier_problem` (width ``n_components`` + 10; ``kwargs`` go to it)."""
    n_components = check_int("n_components", n_components, 1, 64)
    X, y = load_digits()
    train, _ = split_stratified(y, check_int("n_train_per_class", n_train_per_class, 1, 173),
                                seed=seed)
    mu = X[train].mean(axis=0)
    _, _, Vt = np.linalg.svd(X[train] - mu, full_matrices=False)
    Z = (X - mu) @ Vt[:n_components].T
    return classifier_problem(Z, y, n_train_per_class=n_train_per_class, n_layers=n_layers,
                              seed=seed, **kwargs)
