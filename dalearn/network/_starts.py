"""Many minima, measured: from the same random starting weights, which optimiser reaches the
lowest training loss, and how often (95 % Clopper-Pearson intervals over the starts,
:func:`dalearn.annealing.binomial_interval`, as for annealing's own success statistics).

Methods compared per start θ0 (weights U(±weight_scale/√D), as :func:`train_backprop`):

- ``"lbfgs"``: backprop with L-BFGS-B on the training loss (:func:`strong_loss_grad`);
- ``"adam"``: backprop with full-batch Adam (numpy, :func:`train_adam`);
- ``"anneal"``: precision annealing (:func:`dalearn.anneal`) of the action from the same θ0,
  the states starting on θ0's forward pass; its final weights are then finished by L-BFGS-B
  on the training loss (``"anneal"``: where at most ``maxiter`` L-BFGS-B iterations from the
  annealed weights end; ``"anneal_raw"``: the training loss of the annealed weights as they
  are, at the last R_f and with the inputs estimated rather than clamped).

Per start and method :attr:`StartsComparison.info` records how each run ended: ``status``
(scipy's L-BFGS-B status, 0 converged, 1 iteration limit; -1 for Adam, which has none),
``max_grad`` = max |∂loss/∂θ|, ``max_theta`` = max |θ| and ``saturated`` (the fraction of
pre-activations with |a| > 3, where tanh' < 0.01, on the forward pass from the clamped
inputs) at the end; for ``"anneal_raw"``
also annealing's own final ``action`` and its optimiser ``status`` at the last R_f.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from .. import _runtime
from .._checks import as_generator, check_int, check_positive
from ..annealing import binomial_interval
from ._architecture import Network
from ._backprop import strong_loss_grad
from ._twin import network_twin

__all__ = ["train_adam", "starting_weights", "StartsComparison",
           "compare_starts", "minima_problem", "load_comparison", "METHODS"]

METHODS = ("anneal", "lbfgs", "adam")


def starting_weights(problem, n: int, seed=0) -> np.ndarray:
    """(n, n_weights) starting weights U(±weight_scale/√D), drawn as :func:`train_backprop`
    draws them (the same generator sequence)."""
    rng = as_generator(seed)
    s = problem.weight_scale / np.sqrt(problem.D)
    return np.array([rng.uniform(-s, s, problem.net.n_weights)
                     for _ in range(check_int("n", n, 1))])


def train_adam(problem, theta0, steps: int = 10000, lr: float = 0.01, beta1: float = 0.9,
               beta2: float = 0.999, eps: float = 1e-8):
    """Full-batch Adam on the training loss (backprop gradients) from ``theta0``.
    Returns (θ, loss at θ)."""
    steps = check_int("steps", steps, 1)
    lr = check_positive("lr", lr)
    th = np.array(theta0, dtype=float)
    m = np.zeros_like(th)
    v = np.zeros_like(th)
    for i in range(1, steps + 1):
        _, g = strong_loss_grad(problem, th)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        th -= lr * (m / (1 - beta1 ** i)) / (np.sqrt(v / (1 - beta2 ** i)) + eps)
    return th, float(strong_loss_grad(problem, th)[0])


def _lbfgs(problem, theta0, maxiter):
    res = minimize(lambda th: strong_loss_grad(problem, th), theta0, jac=True,
                   method="L-BFGS-B", options={"maxiter": maxiter, "maxfun": 2 * maxiter,
                                               "ftol": 1e-13, "gtol": 1e-9})
    return res.x, float(res.fun), int(res.status)


def _end_info(problem, th, status):
    """How a run ended: optimiser status, max |∂loss/∂θ|, max |θ| at weights ``th`` and the
    fraction of saturated units (pre-activations |a| > 3 on the clamped forward pass)."""
    g = strong_loss_grad(problem, th)[1]
    X = problem.net.forward(th, problem.input_states(), problem.drive)
    a = problem._layer_terms(X, th)[1]
    return {"status": float(status), "max_grad": float(np.max(np.abs(g))),
            "max_theta": float(np.max(np.abs(th))), "saturated": float(np.mean(np.abs(a) > 3))}


def _anneal_from(problem, theta0, anneal_kw):
    """Annealing of ``problem`` from weights ``theta0`` with the states on its forward pass."""
    from ..annealing import anneal
    pb = copy.copy(problem)
    X0 = problem.net.forward(theta0, problem.input_states(), problem.drive)

    def given(n, rng, init_range=None, param_range=None):
        return [problem.pack(X0, theta0)], X0[None], np.asarray(theta0)[None]

    pb.initial_vectors = given
    r = anneal(pb, n_init=1, seed=0, **anneal_kw)
    return r.params[-1][0], float(r.final_action[0]), int(r.status[-1][0])


def _one_start(problem, theta0, methods, anneal_kw, adam_kw, maxiter):
    """Every method from one start: {method: (loss, wall_s, info)} (and 'anneal_raw')."""
    out = {}
    with _runtime.tuned_for_annealing():
        for m in methods:
            t0 = time.perf_counter()
            if m == "lbfgs":
                th, loss, status = _lbfgs(problem, theta0, maxiter)
            elif m == "adam":
                (th, loss), status = train_adam(problem, theta0, **adam_kw), -1
            else:
                tha, action, st_a = _anneal_from(problem, theta0, anneal_kw)
                info = {**_end_info(problem, tha, st_a), "action": action}
                out["anneal_raw"] = (float(strong_loss_grad(problem, tha)[0]), np.nan, info)
                th, loss, status = _lbfgs(problem, tha, maxiter)
            wall = time.perf_counter() - t0
            out[m] = (loss, wall, _end_info(problem, th, status))
    return out


@dataclass(frozen=True)
class StartsComparison:
    """Final training losses ``loss[method]`` (n,) and wall times ``wall_s[method]`` (n,)
    per start, the starts ``theta0`` (n, n_weights); ``info[method][key]`` (n,): how each
    run ended (module docstring; empty when the record predates it)."""
    loss: dict
    wall_s: dict
    theta0: np.ndarray
    info: dict = None

    @property
    def n(self) -> int:
        return len(self.theta0)

    @property
    def lowest(self) -> float:
        """The lowest training loss any method reached from any start."""
        return float(min(np.nanmin(v) for v in self.loss.values()))

    def reached(self, method: str, rtol: float = 1e-3) -> np.ndarray:
        """Which starts ended within ``rtol`` (relative) of :attr:`lowest`, (n,) bool."""
        return np.asarray(self.loss[method]) <= self.lowest * (1 + rtol)

    def table(self, rtol: float = 1e-3, confidence: float = 0.95) -> dict:
        """Per method: starts that reached the lowest loss, the fraction, its Clopper-Pearson
        interval (:func:`dalearn.annealing.binomial_interval`), the median loss and the median wall time per start."""
        out = {}
        for m, v in self.loss.items():
            k = int(self.reached(m, rtol).sum())
            lo, hi = binomial_interval(k, self.n, confidence)
            out[m] = {"reached": k, "n": self.n, "fraction": k / self.n,
                      "interval": [lo, hi], "median_loss": float(np.nanmedian(v)),
                      "median_wall_s": float(np.nanmedian(self.wall_s[m]))
                      if np.any(np.isfinite(self.wall_s[m])) else None}
        return out


def compare_starts(problem, n_starts: int = 50, seed=0, methods=METHODS, *,
                   anneal_kw=None, adam_kw=None, maxiter: int = 3000,
                   executor=None) -> StartsComparison:
    """Run every method in ``methods`` (a subset of :data:`METHODS`) from the same
    ``n_starts`` starting weights (:func:`starting_weights` with ``seed``).  ``anneal_kw``:
    keyword arguments of :func:`dalearn.anneal` (default: betas 0..30 step 2, Rf0 = 1,
    alpha = 2); ``adam_kw``: of :func:`train_adam`; ``executor``: a
    ``concurrent.futures`` executor to spread the starts (default: serial)."""
    methods = tuple(methods)
    if not methods or any(m not in METHODS for m in methods):
        raise ValueError(f"methods must be a non-empty subset of {METHODS}, got {methods}")
    maxiter = check_int("maxiter", maxiter, 1)
    anneal_kw = {"betas": np.arange(0, 31, 2), "Rf0": 1.0, "alpha": 2.0, **(anneal_kw or {})}
    adam_kw = dict(adam_kw or {})
    th0 = starting_weights(problem, n_starts, seed)
    if executor is None:
        outs = [_one_start(problem, t, methods, anneal_kw, adam_kw, maxiter) for t in th0]
    else:
        futs = [executor.submit(_one_start, problem, t, methods, anneal_kw, adam_kw, maxiter)
                for t in th0]
        outs = [f.result() for f in futs]
    keys = list(outs[0])
    info = {k: {f: np.array([o[k][2][f] for o in outs]) for f in outs[0][k][2]}
            for k in keys}
    return StartsComparison({k: np.array([o[k][0] for o in outs]) for k in keys},
                            {k: np.array([o[k][1] for o in outs]) for k in keys}, th0, info)


def minima_problem(seed: int = 0, K: int = 20, sigma: float = 0.05):
    """Our many-minima teacher-student problem: a plain (x' = tanh(W x + b)) teacher of
    width 3 and 4 layers with W ~ N(0, 3²/3), and a plain student of 2 layers (24 weights)
    fitted to ``K`` pairs (clean inputs, outputs with noise ``sigma``); all nodes measured
    at both ends.  Returns (twin, problem)."""
    twin = network_twin(width=3, n_layers=4, K_train=K, K_test=200, sigma=sigma,
                        weight_scale=3.0, seed=seed, residual=False, shared=False)
    student = Network(3, 2, "tanh", residual=False, shared=False)
    return twin, twin.clean_input_problem(student)


def load_comparison(path=None):
    """The many-minima benchmark's stored result (``benchmarks/results/many_minima.json``
    of the source checkout, or ``path``) as ``(StartsComparison, record)``: every start's
    loss and wall time per method, the starts redrawn from the recorded seeds, and the
    JSON record itself (settings, load, the table as written)."""
    import json
    from pathlib import Path
    if path is None:
        path = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / \
            "many_minima.json"
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no benchmark result at {str(path)!r} (it ships with "
                                "the repository, not the package: run "
                                "benchmarks/many_minima.py or pass its JSON)")
    rec = json.loads(path.read_text())
    _, problem = minima_problem(seed=rec["twin_seed"])
    theta0 = starting_weights(problem, rec["starts"], rec["seed_starts"])
    loss = {k: np.asarray(v, float) for k, v in rec["loss"].items()}
    wall = {k: np.array([np.nan if x is None else x for x in v], float)
            for k, v in rec["wall_s"].items()}
    info = {k: {f: np.asarray(x, float) for f, x in v.items()}
            for k, v in rec.get("info", {}).items()}
    return StartsComparison(loss, wall, theta0, info), rec
