"""Precision annealing: R_f = R_f0 α^β over β, many starting paths, warm starts.

At β = 0 the model barely counts and the minimum puts the observed components on the data;
each later β starts from the previous minimum.  Starting paths are independent, so they can
run through any ``concurrent.futures.Executor`` (a process pool here; a Dask cluster's
``client.get_executor()`` to spread many starts over many machines).
"""
from __future__ import annotations

import time
from concurrent.futures import as_completed
from typing import Protocol, runtime_checkable

import numpy as np

from .. import _runtime
from ._result import AnnealResult
from .._checks import (as_generator, check_finite, check_int, check_memory, check_positive,
                       check_range)
from ..discretize import sparse_applies
from ..optimize import continuation_start, minimize
from .._settings import AnnealSettings

__all__ = ["Annealable", "AnnealResult", "anneal", "check_schedule", "rf_schedule"]

_DEF = AnnealSettings()


@runtime_checkable
class Annealable(Protocol):
    """What :func:`anneal` solves with (a data assimilation ``Problem`` and a
    ``NetworkProblem`` both provide it).

    ``D``: components per time point (layer); ``n_unknowns``: the length of the packed vector
    the optimisers work on; ``methods``: optimiser names it supports, the first the default.
    """
    D: int
    n_unknowns: int
    methods: tuple

    def evaluator(self, Rf):
        """The action at model precision ``Rf`` as an evaluator of :mod:`dalearn.optimize`."""

    def initial_vectors(self, n: int, rng: np.random.Generator, init_range, param_range):
        """(n packed starting vectors, their paths (n, *path), params (n, P)); ``init_range``
        None: the problem's default range."""

    def split(self, z):
        """Packed vector -> (path, full parameter vector (P,))."""

    def pack(self, X, p):
        """Path and full parameter vector (P,) -> packed vector (n_unknowns,)."""

    def result_meta(self) -> dict:
        """What a result records: ``t`` (the time or layer of each path point), ``Rm`` (D,)
        measurement precision per component (0 = unobserved), ``param_names`` and
        ``estimate`` (all and estimated parameter names), ``expected_level`` (where a
        noise-consistent minimum of the action lies), ``init_range`` (the default (low,
        high) of random starting states) and ``describe`` (a plain-data description)."""


def rf_schedule(Rf0, alpha: float, betas) -> np.ndarray:
    """``R_f0 α^β`` for each β; shape ``(n_beta,)`` or ``(n_beta, D)`` for a vector R_f0."""
    Rf0 = np.asarray(Rf0, dtype=float)
    scale = float(alpha) ** np.asarray(betas, dtype=float)
    return scale[:, None] * Rf0[None, :] if Rf0.ndim else scale * Rf0


def _anneal_start(problem, z0: np.ndarray, Rf_table: np.ndarray, method: str,
                  maxiter, ftol: float, keep_all: bool, progress=None) -> dict:
    """Anneal one start through every R_f (warm starts); a worker for any executor.

    After a verified Newton minimum the next start is predicted along the tangent
    dz/d log R_f (one solve with the factor already made), kept only when its action at
    the next R_f is lower than the plain warm start's."""
    n_beta = len(Rf_table)
    out = {k: np.full(n_beta, np.nan) for k in ("action", "meas", "model", "decrement",
                                                "grad_max")}
    out["status"] = np.zeros(n_beta, dtype=int)
    out["nit"] = np.zeros(n_beta, dtype=int)
    out["pos_def"] = np.zeros(n_beta, dtype=np.int8)       # 1 yes, 0 no, -1 not checked
    path0, p0 = problem.split(z0)
    out["params"] = np.empty((n_beta,) + p0.shape)
    out["paths"] = np.empty((n_beta if keep_all else 1,) + path0.shape)
    z = np.array(z0, dtype=float)
    tangent = None
    with _runtime.tuned_for_annealing():
        for i, Rf in enumerate(Rf_table):
            ev = problem.evaluator(Rf)
            if tangent is not None:
                z = continuation_start(ev, z, tangent, Rf_table[i - 1], Rf)
            # Newton's check is free; the others' costs an exact Hessian and a Cholesky, so
            # they are checked at the last beta only (pos_def -1 elsewhere)
            res = minimize(ev, z, method=method, maxiter=maxiter, ftol=ftol,
                           check=(i == n_beta - 1))
            if np.all(np.isfinite(res.z)) and np.isfinite(res.total):
                z = res.z            # warm start; a failed β does not poison the next
                tangent = res.tangent
            else:
                tangent = None
            out["action"][i], out["meas"][i], out["model"][i] = res.total, res.meas, res.model
            out["status"][i], out["nit"][i] = res.status, res.nit
            out["decrement"][i], out["grad_max"][i] = res.decrement, res.grad_max
            out["pos_def"][i] = -1 if res.pos_def is None else int(res.pos_def)
            path, p = problem.split(res.z)
            out["params"][i] = p
            if keep_all or i == n_beta - 1:
                out["paths"][i if keep_all else 0] = path
            if progress is not None:
                progress()
    return out


def _check_betas(betas) -> np.ndarray:
    if isinstance(betas, (int, np.integer)) and not isinstance(betas, bool):
        return np.arange(check_int("betas (a count)", betas, 1), dtype=float)
    if isinstance(betas, (str, bytes)):
        raise TypeError(f"betas must be a count or a 1-D sequence of numbers, got {betas!r}")
    try:
        b = np.asarray(betas, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"betas must be a count or a 1-D sequence of numbers, "
                        f"got {betas!r}") from None
    if b.ndim != 1 or b.size == 0 or not np.all(np.isfinite(b)):
        raise ValueError(f"betas must be a count or a non-empty 1-D sequence of finite numbers, "
                         f"got {betas!r}")
    if np.any(np.diff(b) <= 0):
        raise ValueError(f"betas must increase strictly, got {b.tolist()}")
    return b


def check_schedule(betas, Rf0, alpha, n_init):
    """Check the annealing schedule before any work; return (betas array, Rf0)."""
    betas = _check_betas(betas)
    Rf0 = check_positive("Rf0", Rf0, allow_array=True)
    if not np.isfinite(check_finite("alpha", alpha)) or alpha <= 1:
        raise ValueError(f"alpha must be a finite number > 1, got {alpha!r}")
    check_int("n_init", n_init, 1)
    log_top = np.log10(np.max(Rf0)) + max(betas[-1], 0.0) * np.log10(alpha)
    if log_top > 300:
        raise ValueError(f"the schedule R_f = Rf0 alpha^beta overflows at the last beta "
                         f"({betas[-1]:g}); lower alpha or the largest beta")
    log_bottom = np.log10(np.min(Rf0)) + min(betas[0], 0.0) * np.log10(alpha)
    if log_bottom < -300:
        raise ValueError(f"the schedule R_f = Rf0 alpha^beta underflows to 0 at the first "
                         f"beta ({betas[0]:g}); raise the smallest beta or Rf0")
    return betas, Rf0


def _check_options(problem, meta, Rf0, init_range, param_range, method, executor, progress):
    """Check everything of :func:`anneal` besides the schedule; return (range, params, method)."""
    if np.ndim(Rf0) == 1 and np.size(Rf0) != problem.D:
        raise ValueError(f"Rf0 as an array must have D={problem.D} entries, got {np.size(Rf0)}")
    lo, hi = check_range("init_range", init_range or meta["init_range"])
    method = method or problem.methods[0]
    if method not in problem.methods:
        raise ValueError(f"method must be one of {problem.methods}, got {method!r}")
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise TypeError("executor must be a concurrent.futures.Executor (with .submit)")
    if progress is not None and not callable(progress):
        raise TypeError("progress must be callable as progress(done, total)")
    ranges = {}
    for name, rng_ in dict(param_range or {}).items():
        if name not in meta["estimate"]:
            raise ValueError(f"param_range names {name!r}, which is not estimated "
                             f"(estimate={meta['estimate']})")
        ranges[name] = check_range(f"param_range[{name!r}]", rng_)
    return (lo, hi), ranges, method


def _given_starts(problem, init):
    """Packed vectors, paths (n, *path) and params (n, P) of the given starts ``init``."""
    if not isinstance(init, (tuple, list)) or len(init) != 2:
        raise TypeError("init must be a pair (paths, params)")
    path, p = problem.split(np.zeros(problem.n_unknowns))
    shape, P = np.shape(path), np.size(p)
    X0 = np.asarray(init[0], dtype=float)
    P0 = np.asarray(init[1], dtype=float)
    if X0.shape == shape:
        X0 = X0[None]
    if P0.ndim == 1:
        P0 = P0[None]
    n = len(X0)
    if X0.shape[1:] != shape or n == 0:
        raise ValueError(f"init paths must have shape (n, {', '.join(map(str, shape))}) or "
                         f"{shape} (a path), got {np.shape(init[0])}")
    if P0.shape != (n, P):
        raise ValueError(f"init params must have shape (n={n}, P={P}) or (P,), "
                         f"got {np.shape(init[1])}")
    if not (np.all(np.isfinite(X0)) and np.all(np.isfinite(P0))):
        raise ValueError("init paths and params must be finite")
    return [problem.pack(X0[i], P0[i]) for i in range(n)], X0, P0


#: numbers per unknown a sparse Hessian's solver holds (two factors of <= ~330 entries per
#: unknown with indices, measured on Lorenz96 up to D = 1000; the matrix; the Jacobian)
SPARSE_NUMBERS = 1000


def bytes_needed(n_unknowns: int, D: int, n_init: int, n_beta: int,
                 keep_all: bool = False, sparse: bool = False) -> float:
    """Memory an annealing run plans: the starts' paths (every β with ``keep_all``) and one
    solver's banded matrices (about 12 D numbers per unknown; ``SPARSE_NUMBERS`` with
    ``sparse``, the sparse Hessian's solvers)."""
    n = float(n_unknowns)
    solver = SPARSE_NUMBERS if sparse else 12 * D
    return 8.0 * n * (n_init * (n_beta + 2 if keep_all else 3) + solver)


class AnnealInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`anneal`: ``partial`` is an :class:`AnnealResult` of the starts
    that finished (None if none did); ``done`` and ``total`` count starts."""

    def __init__(self, partial, done: int, total: int):
        super().__init__(f"annealing interrupted after {done} of {total} starts")
        self.partial, self.done, self.total = partial, done, total


def _submit(executor, *args):
    try:
        return executor.submit(_anneal_start, *args)
    except RuntimeError as e:
        raise ValueError(f"executor cannot take work ({e}); give a running executor") from None


def _run_starts(problem, z0s, Rf_table, method, maxiter, ftol, keep_all, executor, progress):
    """Anneal every start, serially here or through ``executor``; outputs in start order
    (None for a start not finished when Ctrl-C came: then KeyboardInterrupt is raised with
    the outputs as its ``outs`` attribute)."""
    total = len(Rf_table) * len(z0s)
    outs: list = [None] * len(z0s)
    if executor is None:
        done = [0]

        def tick():
            done[0] += 1
            progress(done[0], total)

        try:
            for i, z0 in enumerate(z0s):
                outs[i] = _anneal_start(problem, z0, Rf_table, method, maxiter, ftol,
                                        keep_all, tick if progress else None)
        except KeyboardInterrupt as e:
            e.outs = outs
            raise
        return outs
    futs = {_submit(executor, problem, z0, Rf_table, method, maxiter, ftol, keep_all): i
            for i, z0 in enumerate(z0s)}
    done = 0
    try:
        for fut in as_completed(futs):
            outs[futs[fut]] = fut.result()
            done += len(Rf_table)
            if progress:
                progress(done, total)
    except KeyboardInterrupt as e:
        for fut in futs:
            fut.cancel()
        e.outs = outs
        raise
    return outs


def _check_picklable(problem, executor) -> None:
    """A process pool sends the problem to its workers: refuse, before any work, one that
    cannot be pickled (a lambda or a function defined in a notebook cell, say)."""
    from concurrent.futures import ProcessPoolExecutor
    if not isinstance(executor, ProcessPoolExecutor):
        return
    import pickle
    try:
        pickle.dumps(problem)
    except Exception as e:     # noqa: BLE001 - whatever pickle raises
        raise TypeError(f"executor: a process pool must pickle the problem, which fails "
                        f"({type(e).__name__}: {e}); use module-level functions (not "
                        f"lambdas) in the model, or a thread pool / no executor") from None


def anneal(problem: Annealable, *, betas=_DEF.betas, Rf0=_DEF.Rf0, alpha: float = _DEF.alpha,
           n_init: int = _DEF.n_init, seed=_DEF.seed, method: str | None = _DEF.method,
           init_range=_DEF.init_range, param_range: dict | None = None,
           maxiter: int | None = _DEF.maxiter, ftol: float = _DEF.ftol, executor=None,
           progress=None, keep_all: bool = False, init=None) -> AnnealResult:
    """Precision annealing of ``problem`` (defaults: :class:`dalearn.AnnealSettings`).

    Parameters
    ----------
    problem : anything :class:`Annealable`: a :class:`dalearn.Problem` (data assimilation)
        or a :class:`dalearn.NetworkProblem`.
    betas : a count (β = 0..betas-1) or the β values (n_beta,), increasing.
    Rf0, alpha : R_f = Rf0 α^β; Rf0 a positive scalar or (D,), alpha > 1.
    n_init : number of starting paths; ``seed`` (int or Generator) draws them:
        observed components from the data, the rest uniform in ``init_range``
        (default: the problem's, (-10, 10) for a Problem).
    param_range : {name: (low, high)} uniform starting range per estimated parameter
        (default: start each from ``problem.params``).
    method : one of ``problem.methods`` (default: the first; for a Problem 'newton' when
        its model has second derivatives, else 'lm'; for a network see
        :attr:`dalearn.NetworkProblem.methods`).
    maxiter, ftol : iteration cap and tolerance of each (β, start) solve.
    executor : any ``concurrent.futures.Executor`` (default: run serially here).
    progress : callable ``progress(done, total)`` counting (start, β) solves.
    keep_all : keep the path of every (β, start) (memory n_beta n_init D M floats).
    init : ``(paths, params)``, given starts instead of random ones: paths (n, *path) or
        one path ((D, M) for a Problem, (K, n_layers + 1, D) for a network), full parameter
        vectors (n, P) or (P,) (e.g. a twin's truth, to see whether random starts miss a
        lower level); ``n_init``, ``seed``, ``init_range`` and ``param_range`` are then not
        used (the number of starts is n).
    """
    if not isinstance(problem, Annealable):
        raise TypeError(f"problem must be a dalearn Problem or NetworkProblem (Annealable), "
                        f"got {type(problem).__name__}")
    betas, Rf0 = check_schedule(betas, Rf0, alpha, n_init)
    meta = problem.result_meta()
    (lo, hi), ranges, method = _check_options(problem, meta, Rf0, init_range, param_range,
                                              method, executor, progress)
    if maxiter is not None:
        maxiter = check_int("maxiter", maxiter, 1)
    ftol = check_positive("ftol", ftol)
    z0s, X0, P0, n_init = _starts(problem, init, n_init, seed, (lo, hi), ranges, len(betas),
                                  keep_all)
    _check_picklable(problem, executor)
    Rf_table = rf_schedule(Rf0, alpha, betas)
    seed_int = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
    settings = {"problem": meta["describe"], "Rf0": np.asarray(Rf0).tolist(),
                "alpha": float(alpha), "n_init": int(n_init), "method": method,
                "init_range": [lo, hi], "seed": int(seed) if seed_int else None,
                "param_range": {k: list(v) for k, v in ranges.items()},
                "maxiter": maxiter, "ftol": ftol}
    t_start = time.perf_counter()
    try:
        outs = _run_starts(problem, z0s, Rf_table, method, maxiter, ftol, keep_all,
                           executor, progress)
    except KeyboardInterrupt as e:
        raise _interrupted(e, problem, meta, betas, Rf_table, X0, P0, t_start, settings,
                           keep_all) from None
    wall = time.perf_counter() - t_start
    return _collect(problem.D, meta, outs, betas, Rf_table, X0, P0, wall, settings, keep_all)


def _starts(problem, init, n_init: int, seed, init_range: tuple, ranges: dict, n_beta: int,
            keep_all: bool) -> tuple:
    """:func:`anneal`'s starts, given (``init``) or drawn, after the memory check:
    (z0s, X0, P0, n_init)."""
    rng = as_generator(seed)
    if init is not None:
        z0s, X0, P0 = _given_starts(problem, init)
        n_init = len(z0s)
    check_memory(f"annealing {n_init} starts x {n_beta} betas",
                 bytes_needed(problem.n_unknowns, problem.D, n_init, n_beta, keep_all,
                              _sparse(problem)))
    if init is None:
        z0s, X0, P0 = problem.initial_vectors(n_init, rng, init_range, ranges)
    return z0s, X0, P0, n_init


def _sparse(problem) -> bool:
    """Whether ``problem``'s second-order solves use the sparse Hessian."""
    model, rule = getattr(problem, "model", None), getattr(problem, "rule", None)
    return (isinstance(rule, str) and model is not None
            and sparse_applies(model, rule, problem.u, len(problem.est_idx)))


def _interrupted(e, problem, meta, betas, Rf_table, X0, P0, t_start, settings,
                 keep_all) -> AnnealInterrupted:
    """The :class:`AnnealInterrupted` of a Ctrl-C, holding the starts that finished."""
    outs = getattr(e, "outs", [])
    keep = [i for i, o in enumerate(outs) if o is not None]
    partial = None
    if keep:
        partial = _collect(problem.D, meta, [outs[i] for i in keep], betas, Rf_table,
                           X0[keep], P0[keep], time.perf_counter() - t_start,
                           {**settings, "n_init": len(keep),
                            "interrupted": f"{len(keep)} of {len(outs)} starts"},
                           keep_all)
    return AnnealInterrupted(partial, len(keep), len(outs))

def _collect(D, meta, outs, betas, Rf_table, X0, P0, wall, settings, keep_all) -> AnnealResult:
    """Stack the per-start outputs into one :class:`AnnealResult`."""
    n_beta = len(betas)

    def stack(key):
        return np.stack([o[key] for o in outs], axis=1)

    paths = stack("paths")                                   # (n_beta | 1, n_init, *path)
    Rf = np.broadcast_to(np.asarray(Rf_table).reshape(n_beta, -1), (n_beta, D))
    return AnnealResult(
        betas=betas, Rf=Rf.copy(), Rm=meta["Rm"], action=stack("action"),
        meas_term=stack("meas"), model_term=stack("model"), params=stack("params"),
        status=stack("status"), nit=stack("nit"), decrement=stack("decrement"),
        grad_max=stack("grad_max"), pos_def=stack("pos_def"), paths=paths[-1].copy(), init_paths=X0,
        init_params=P0, t=meta["t"], param_names=meta["param_names"],
        estimate=meta["estimate"], wall_s=wall, settings=settings,
        all_paths=paths if keep_all else None, expected_level=meta["expected_level"])
