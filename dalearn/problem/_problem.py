"""A data assimilation problem: model + rule + data on a data grid + a (finer) model grid.

Shapes: ``N`` data times ``t0 + j dt``; the model grid has ``k`` steps per data step, so
``M = (N - 1) k + 1`` model points with step ``h = dt / k``.  A path is ``(D, M)``.
Data are ``(L, N)`` for the ``L`` observed components (NaN = not measured at that time).
A driven model's known input is sampled once on the half-step model grid (see
:mod:`dalearn.drive`); bounds on states and estimated parameters are kept by every optimiser.
"""
from __future__ import annotations

import numpy as np

from ._action import ActionEvaluator
from .._checks import (check_finite, check_int, check_observed, check_positive,
                       check_precision, check_range, check_real_array)
from ..discretize import check_rule
from ..models import SampledDrive, half_grid, sample_drive
from ..models import Model

__all__ = ["Problem"]


def _check_data(data, L: int) -> np.ndarray:
    """Data ``(L, N)`` as floats, checked: real numbers, N >= 2, not all NaN, no inf."""
    arr = check_real_array("data", data)
    if arr.ndim != 2 or arr.shape[0] != L:
        raise ValueError(f"data must have shape (L={L}, N) for the observed components, "
                         f"got {arr.shape}")
    if arr.shape[1] < 2:
        raise ValueError(f"data must have at least 2 times (N >= 2), got N={arr.shape[1]}")
    if np.all(np.isnan(arr)):
        raise ValueError("data are all NaN: nothing is measured")
    if np.any(np.isinf(arr)):
        raise ValueError("data must be finite or NaN (missing), found inf")
    if np.nanmax(np.abs(arr)) > 1e150:
        raise ValueError(f"data must be below 1e150 in magnitude (the action squares them), "
                         f"found {np.nanmax(np.abs(arr)):.3g}")
    return arr


def _check_params(model, params) -> np.ndarray:
    """The full parameter vector (P,): finite reals, the model's defaults if None."""
    if params is None:
        return model.default_params.astype(float).copy()
    p = np.asarray(params)
    if p.dtype.kind not in "iuf" or p.shape != (model.P,):
        raise ValueError(f"params must be {model.P} real numbers {model.param_names}, "
                         f"got {params!r}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"params must be finite, got {p.tolist()}")
    return p.astype(float).copy()


def _check_model(model, params) -> None:
    """Evaluate the model once on sample states (2, D): a user's vector field or Jacobian of
    the wrong shape or kind fails here, with its name, not deep inside annealing."""
    D, P = model.D, model.P
    from .._checks import check_memory
    check_memory(f"model {model.name!r} with D={D}: evaluating it on sample states",
                 8.0 * 8 * (D + 1) * (D + P + 1))
    x = np.linspace(-1.0, 1.0, 2 * D).reshape(2, D)
    extra = (np.zeros((2, model.n_inputs)),) if model.n_inputs else ()
    for name, call, shape in (("rhs", model.rhs, (2, D)), ("jac", model.jac, (2, D, D)),
                              ("jac_p", model.jac_p, (2, D, P))):
        try:
            out = call(x, params, *extra)
        except Exception as e:      # a user's function: report whatever it raised
            raise TypeError(f"model {model.name!r}: {name}(x, p) failed on a sample state "
                            f"x of shape (2, {D}): {type(e).__name__}: {e}") from e
        arr = np.asarray(out) if out is not None else None
        if arr is None or arr.dtype.kind not in "iufc":
            raise TypeError(f"model {model.name!r}: {name}(x, p) must return an array of "
                            f"numbers, got {type(out).__name__}"
                            + (f" of dtype {arr.dtype}" if arr is not None else ""))
        if arr.shape != shape:
            raise ValueError(f"model {model.name!r}: {name}(x, p) returned shape {arr.shape} "
                             f"for x of shape (2, {D}), expected {shape} (the state is on the "
                             f"last axis)")
    verify = getattr(model, "verify", None)
    if callable(verify):                  # a user's functions: values checked too
        verify(params)


def _check_estimate(model, estimate) -> tuple:
    """Names of estimated parameters, in the model's order."""
    names = model.param_names
    if estimate is True:
        estimate = names
    elif estimate is False or estimate is None:
        estimate = ()
    if isinstance(estimate, str):
        estimate = (estimate,)
    if not hasattr(estimate, "__iter__"):
        raise TypeError(f"estimate must be True, a parameter name or a list of names from "
                        f"{names}, got {estimate!r}")
    bad = [e for e in estimate if e not in names]
    if bad:
        raise ValueError(f"estimate must name parameters from {names}, got {bad}")
    return tuple(n for n in names if n in estimate)


def as_drive(drive, U: int, name: str = "drive"):
    """A drive as a callable u(t): a callable as it is, or an array ``(T, 1 + U)`` whose
    first column is time (the layout of a drive file) as a :class:`SampledDrive`."""
    if callable(drive):
        return drive
    arr = check_real_array(name, drive, ndim=2)
    if arr.shape[1] != 1 + U:
        raise ValueError(f"{name} as an array must be (T, 1 + U={1 + U}): time, then one "
                         f"column per input; got {arr.shape}")
    return SampledDrive(arr[:, 0], arr[:, 1:], name=name)


def _check_bounds(model, estimate, params, bounds) -> dict:
    """{name: (low, high)} of each estimated parameter: the model's ranges, updated by
    ``bounds`` (a range, or None to leave that parameter unbounded); ``params`` inside."""
    if bounds is not None and not isinstance(bounds, dict):
        raise TypeError(f"bounds must be a dict {{name: (low, high) or None}}, got {bounds!r}")
    given = dict(bounds or {})
    bad = [n for n in given if n not in model.param_names]
    if bad:
        raise ValueError(f"bounds name {bad}, not parameters of {model.name} "
                         f"{model.param_names}")
    out = {}
    for name in estimate:
        rng_ = given[name] if name in given else model.param_bounds.get(name)
        if rng_ is None:
            continue
        lo, hi = check_range(f"bounds[{name!r}]", rng_)
        v = params[model.param_names.index(name)]
        if not lo <= v <= hi:
            raise ValueError(f"params: {name} = {v:g} (the starting guess) is outside its "
                             f"bounds ({lo:g}, {hi:g})")
        out[name] = (lo, hi)
    return out


class Problem:
    """Data assimilation problem.

    Parameters
    ----------
    model : a :class:`dalearn.models.Model`.
    data : ``(L, N)`` measurements of the components ``observed`` at times ``t0 + j dt``;
        NaN marks a missing measurement.
    dt : data time step (> 0).
    observed : indices of the measured components (default: all ``D``).
    sigma : measurement noise std, scalar or ``(L,)``; sets ``R_m = 1/sigma**2``.
    Rm : measurement precision instead of ``sigma`` (scalar or ``(L,)``); not both.
    rule : 'euler', 'trapezoid', 'hermite-simpson' or 'rk4'.
    k : model steps per data step (model grid finer than the data grid).
    params : full parameter vector (``model.default_params`` if None); for estimated
        parameters this is only a fallback starting guess.
    estimate : names of parameters estimated with the states (``True`` = all).
    t0 : time of the first data point.
    drive : the known input of a driven model (``model.inputs``): a callable
        ``u(t) -> (T, U)`` or an array ``(T, 1 + U)`` (time, then the inputs), covering the
        window; sampled once on the half-step model grid (linear interpolation between the
        samples, so give it at step h/2 or finer for the exact input).
    bounds : ``{name: (low, high) or None}`` for estimated parameters, over the model's own
        ``param_bounds``; the model's ``state_bounds`` bound the path.  Every optimiser keeps
        them; the starting guess must lie inside.

    Attributes: ``N`` data times, ``M = (N - 1) k + 1`` model times, step ``h = dt / k``,
    ``Rm`` ``(D,)`` precision per component (0 = unobserved).
    """

    #: the default start range
    default_init_range = (-10.0, 10.0)

    @property
    def methods(self) -> tuple:
        """Optimisers this problem supports, the default first: 'newton' needs the model's
        second derivatives (``model.has_hessian``)."""
        return Problem.methods_of(self.model)

    @staticmethod
    def methods_of(model: Model) -> tuple:
        """:attr:`methods` of a Problem of ``model``, before one is built."""
        if model.has_hessian:
            return ("newton", "lm", "lbfgsb")
        return ("lm", "lbfgsb")

    def __init__(self, model: Model, data, dt: float, *, observed=None, sigma=None, Rm=None,
                 rule: str = "trapezoid", k: int = 1, params=None, estimate=(),
                 t0: float = 0.0, drive=None, bounds=None):
        if not isinstance(model, Model):
            raise TypeError(f"model must be a dalearn Model, got {type(model).__name__}")
        self.model = model
        self.rule = check_rule(rule)
        self.dt = float(check_positive("dt", dt))
        self.k = check_int("k (model steps per data step)", k, 1)
        self.t0 = check_finite("t0", t0)
        self.observed = check_observed(model.D, observed)
        self.data = _check_data(data, len(self.observed))
        self.N = self.data.shape[1]
        from .._checks import check_memory
        check_memory(f"the model grid (N={self.N}, k={self.k}, D={model.D})",
                     8.0 * 4 * ((self.N - 1) * self.k + 1) * model.D)
        h = self.dt / self.k
        end = self.t0 + h * ((self.N - 1) * self.k)
        if not np.isfinite(end) or (end - self.t0) < 0.5 * h * ((self.N - 1) * self.k) or \
                np.spacing(max(abs(self.t0), abs(end))) > 1e-3 * h:
            raise ValueError(f"t0 = {self.t0:g} is too large for the model step {h:g}: its "
                             f"times would not be distinct in floating point")
        self.sigma, self.Rm_observed = check_precision(sigma, Rm, len(self.observed))
        self.params = _check_params(model, params)
        _check_model(model, self.params)
        self.estimate = _check_estimate(model, estimate)
        self.est_idx = np.array([model.param_names.index(n) for n in self.estimate], dtype=int)
        self.param_bounds = _check_bounds(model, self.estimate, self.params, bounds)
        if drive is not None and not model.n_inputs:
            raise ValueError(f"drive given, but model {model.name!r} has no inputs")
        if drive is None and model.n_inputs:
            raise ValueError(f"model {model.name!r} is driven by {model.inputs}: give drive")
        self.drive = as_drive(drive, model.n_inputs) if drive is not None else None
        self._build_grid()
        #: the input on the half-step model grid (2M - 1, U), or None (autonomous)
        self.u = None if self.drive is None else \
            sample_drive(self.drive, half_grid(self.t0, self.h, self.M), model.n_inputs)

    def _build_grid(self) -> None:
        """Model grid and time-major measurement arrays ``(M, D)``."""
        D = self.D
        self.M = (self.N - 1) * self.k + 1
        self.h = self.dt / self.k
        self.Y = np.full((self.M, D), np.nan)
        self.Y[:: self.k, self.observed] = self.data.T
        self.mask = np.isfinite(self.Y)
        self.n_meas = int(self.mask.sum())
        self.Rm = np.zeros(D)
        self.Rm[self.observed] = self.Rm_observed
        # weights of the normalised action: the measurement term averages over measurements
        self.w_meas = np.where(self.mask, self.Rm[None, :], 0.0) / self.n_meas
        self.Y0 = np.where(self.mask, self.Y, 0.0)

    # ------------------------------------------------------------------ grids
    @property
    def D(self) -> int:
        return self.model.D

    @property
    def L(self) -> int:
        return len(self.observed)

    @property
    def unobserved(self) -> np.ndarray:
        return np.setdiff1d(np.arange(self.D), self.observed)

    @property
    def t(self) -> np.ndarray:
        """Model-grid times, shape (M,)."""
        return self.t0 + self.h * np.arange(self.M)

    @property
    def t_data(self) -> np.ndarray:
        """Data times, shape (N,)."""
        return self.t0 + self.dt * np.arange(self.N)

    @property
    def n_unknowns(self) -> int:
        return self.M * self.D + len(self.est_idx)

    @property
    def param_names(self) -> tuple:
        return self.model.param_names

    @property
    def expected_level(self) -> float:
        """The expected level as R_f → ∞, 1 - (D + P_e)/N_m L: the initial state and the
        estimated parameters are fitted (:func:`dalearn.levels.expected_level`; at a finite
        R_f the fitted numbers are more: :func:`dalearn.levels.level_at`)."""
        from ..levels import expected_level
        return expected_level(self.n_meas, self.D + len(self.est_idx)).mean

    @property
    def bounds(self):
        """(low, high) arrays over the packed vector (n_unknowns,), or None if unbounded."""
        sb = getattr(self.model, "state_bounds", None)
        if sb is None and not self.param_bounds:
            return None
        lo = np.full(self.n_unknowns, -np.inf)
        hi = np.full(self.n_unknowns, np.inf)
        nx = self.M * self.D
        if sb is not None:
            lo[:nx] = np.tile(np.asarray(sb)[:, 0], self.M)
            hi[:nx] = np.tile(np.asarray(sb)[:, 1], self.M)
        for j, name in enumerate(self.estimate):
            if name in self.param_bounds:
                lo[nx + j], hi[nx + j] = self.param_bounds[name]
        return lo, hi

    def model_weights(self, Rf) -> np.ndarray:
        """Per-component weight of the squared model residuals at ``Rf`` (scalar or (D,)),
        shape (D,)."""
        Rf = np.asarray(Rf, dtype=float)
        if Rf.ndim > 1 or (Rf.ndim == 1 and Rf.size != self.D):
            raise ValueError(f"Rf must be a scalar or have D={self.D} entries, got {Rf.shape}")
        if not np.all(np.isfinite(Rf)) or np.any(Rf < 0):
            raise ValueError(f"Rf must be finite and >= 0, got {Rf}")
        return np.broadcast_to(Rf, (self.D,)) / ((self.M - 1) * self.D)

    # ------------------------------------------------------------------ packing
    def pack(self, X, p=None) -> np.ndarray:
        """Path ``(D, M)`` and full params ``(P,)`` -> optimisation vector (time-major)."""
        X = np.asarray(X, dtype=float)
        if X.shape != (self.D, self.M):
            raise ValueError(f"path must have shape (D={self.D}, M={self.M}), got {X.shape}")
        p = self.params if p is None else np.asarray(p, dtype=float)
        return np.concatenate([X.T.ravel(), p[self.est_idx]])

    def time_major(self, z) -> tuple[np.ndarray, np.ndarray]:
        """Optimisation vector -> (path in time-major layout ``(M, D)``, full params ``(P,)``);
        the layout the rules and the action compute in."""
        nx = self.M * self.D
        Xt = z[:nx].reshape(self.M, self.D)
        p = self.params.copy()
        p[self.est_idx] = z[nx:]
        return Xt, p

    def split(self, z) -> tuple[np.ndarray, np.ndarray]:
        """Optimisation vector -> (path ``(D, M)``, full params ``(P,)``)."""
        Xt, p = self.time_major(z)
        return Xt.T, p

    # ---------------------------------------------------------- the annealing contract
    def initial_paths(self, n: int, rng: np.random.Generator, low: float = -10.0,
                      high: float = 10.0) -> np.ndarray:
        """``n`` starting paths ``(n, D, M)``: data on measured entries (linearly
        interpolated between data times on a fine model grid), U(low, high) elsewhere
        (within the model's state bounds, if it has them)."""
        lows, highs = np.full(self.D, float(low)), np.full(self.D, float(high))
        sb = getattr(self.model, "state_bounds", None)
        if sb is not None:
            sb = np.asarray(sb, dtype=float)
            lows, highs = np.maximum(lows, sb[:, 0]), np.minimum(highs, sb[:, 1])
            swap = lows >= highs                      # no overlap: the state's own range
            lows[swap], highs[swap] = sb[swap, 0], sb[swap, 1]
        X = rng.uniform(lows[None, :, None], highs[None, :, None], size=(n, self.D, self.M))
        tm = self.t
        for i, a in enumerate(self.observed):
            ok = np.isfinite(self.data[i])
            if ok.sum() >= 2:
                td = self.t_data[ok]
                inside = (tm >= td[0]) & (tm <= td[-1])
                X[:, a, inside] = np.interp(tm[inside], td, self.data[i, ok])
            elif ok.sum() == 1:
                X[:, a, np.argmin(np.abs(tm - self.t_data[ok][0]))] = self.data[i, ok][0]
        return X

    def initial_vectors(self, n: int, rng: np.random.Generator, init_range=None,
                        param_range: dict | None = None):
        """``n`` packed starting vectors, their paths (n, D, M) and params (n, P)."""
        lo, hi = init_range or self.default_init_range
        X0 = self.initial_paths(n, rng, lo, hi)
        P0 = np.tile(self.params, (n, 1))
        for name, (a, b) in (param_range or {}).items():
            if name in self.param_bounds:
                lo, hi = self.param_bounds[name]
                if a < lo or b > hi:
                    raise ValueError(f"param_range[{name!r}] = ({a:g}, {b:g}) reaches outside "
                                     f"its bounds ({lo:g}, {hi:g})")
        # a bounded parameter without a starting range starts uniform within its bounds
        ranges = {**{k: v for k, v in self.param_bounds.items()
                     if k not in (param_range or {})}, **dict(param_range or {})}
        for name, (a, b) in ranges.items():
            P0[:, self.model.param_names.index(name)] = rng.uniform(a, b, n)
        return [self.pack(X0[i], P0[i]) for i in range(n)], X0, P0

    def evaluator(self, Rf) -> ActionEvaluator:
        """The action at model precision ``Rf`` (scalar or (D,)) as a function of the
        optimisation vector: what the optimisers minimise."""
        return ActionEvaluator(self, Rf)

    def result_meta(self) -> dict:
        """What an annealing result records of the problem (see :class:`dalearn.Annealable`)."""
        return {"t": self.t, "Rm": self.Rm.copy(), "param_names": tuple(self.param_names),
                "estimate": tuple(self.estimate), "expected_level": float(self.expected_level),
                "init_range": self.default_init_range, "describe": self.describe()}

    def describe(self) -> dict:
        """Plain-data description (saved with results)."""
        return {"model": self.model.describe(), "rule": self.rule, "dt": self.dt,
                "k": self.k, "N": self.N, "M": self.M, "observed": self.observed.tolist(),
                "Rm": self.Rm_observed.tolist(), "params": self.params.tolist(),
                "estimate": list(self.estimate), "t0": self.t0,
                **({"bounds": {k: list(v) for k, v in self.param_bounds.items()}}
                   if self.param_bounds else {}),
                **({"inputs": list(self.model.inputs)} if self.drive is not None else {})}

    def __repr__(self):
        return (f"Problem({self.model.name}, D={self.D}, L={self.L}, N={self.N}, k={self.k}, "
                f"rule={self.rule!r}, estimate={self.estimate})")
