"""Handwritten digits (8x8, UCI optdigits, shipped in dalearn) as a network training problem:
principal components of the training images in, one-hot classes out."""
from __future__ import annotations

import numpy as np

from .._checks import check_int
from ._datasets import load_digits, split_stratified
from ._classify import Classification, classifier_problem

__all__ = ["digits_problem", "train_digits", "DIGITS_DEFAULTS", "DIGITS_ANNEAL"]


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


#: the digits defaults of ``python -m dalearn train --data digits`` (ours): 16 principal
#: components, 50 training images per digit, one residual layer (26 nodes, 702 weights)
DIGITS_DEFAULTS = dict(n_components=16, n_train_per_class=50, n_layers=1)
#: annealing schedule for the digits (ours; L-BFGS-B: the hybrid's Newton border of 702
#: weights over 500 pairs took minutes on a loaded machine)
DIGITS_ANNEAL = dict(betas=np.arange(0, 15, 2), Rf0=1.0, alpha=2.0, method="lbfgsb",
                     maxiter=300)


def train_digits(method: str = "anneal", n_init: int = 1, seed: int = 0) -> dict:
    """Train the digits classifier (:data:`DIGITS_DEFAULTS`) by precision annealing
    (:data:`DIGITS_ANNEAL`) or by backprop (L-BFGS-B, 300 iterations) from ``n_init`` seeded
    starts.  Returns per start the held-out ``test_accuracy``, the training accuracy and the
    training loss (R_f → ∞, clamped inputs), the weights, and ``wall_s`` (training only)."""
    import time

    from ..annealing import anneal
    from ._backprop import train_backprop
    if method not in ("anneal", "backprop"):
        raise ValueError(f"method must be 'anneal' or 'backprop', got {method!r}")
    n_init = check_int("n_init", n_init, 1)
    c = digits_problem(seed=seed, **DIGITS_DEFAULTS)
    t0 = time.perf_counter()
    if method == "anneal":
        r = anneal(c.problem, n_init=n_init, seed=seed, **DIGITS_ANNEAL)
        thetas, extra = r.params[-1], {"final_actions": r.final_action.tolist(),
                                       "levels": r.levels().tolist(), "result": r}
    else:
        b = train_backprop(c.problem, n_init=n_init, seed=seed, maxiter=300)
        thetas, extra = b.thetas, {}
    wall = time.perf_counter() - t0
    return {"method": method, "test_accuracy": [c.accuracy(th) for th in thetas],
            "train_accuracy": [c.accuracy(th, "train") for th in thetas],
            "train_loss": [float(c.problem.strong_loss_grad(th)[0]) for th in thetas],
            "thetas": np.asarray(thetas), "wall_s": wall, **extra}
