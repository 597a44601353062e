"""A data assimilation problem: model + rule + data on a data grid + a (finer) model grid.

Shapes: ``T`` data times ``t0 + j dt``; the model grid has ``k`` steps per data step, so
``M = (T - 1) k + 1`` model points with step ``h = dt / k``.  A path is ``(D, M)``.
Data are ``(L, T)`` for the ``L`` observed components (NaN = not measured at that time).
"""
from __future__ import annotations

import numpy as np

from .discretize import check_rule
from .models import Model

__all__ = ["Problem", "check_positive", "check_observed"]


def check_positive(name: str, value, allow_array: bool = False) -> np.ndarray | float:
    """Return ``value`` as float (or float array) after checking it is finite and > 0."""
    arr = np.asarray(value, dtype=float) if not isinstance(value, str) else None
    if arr is None or (arr.ndim > 0 and not allow_array) or arr.ndim > 1 or arr.size == 0:
        kind = "a positive number" + (" or 1-D array of them" if allow_array else "")
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return arr if arr.ndim else float(arr)


def check_observed(D: int, observed=None, L=None) -> np.ndarray:
    """Observed component indices from explicit ``observed`` or a count ``L``.

    With ``L``, the indices are spread evenly around the state:
    ``round(linspace(0, D, L, endpoint=False))``.
    """
    if observed is not None and L is not None:
        raise ValueError("give either observed (indices) or L (a count), not both")
    if observed is None:
        if L is None:
            return np.arange(D)
        if isinstance(L, bool) or not isinstance(L, (int, np.integer)):
            raise TypeError(f"L must be an integer in 1..D={D}, got {L!r}")
        if not 1 <= L <= D:
            raise ValueError(f"L must be in 1..D={D}, got {L}")
        return np.round(np.linspace(0, D, int(L), endpoint=False)).astype(int)
    obs = np.asarray(observed)
    if obs.ndim != 1 or obs.size == 0 or not np.issubdtype(obs.dtype, np.integer):
        raise TypeError(f"observed must be a non-empty 1-D sequence of integers, got {observed!r}")
    if np.any(obs < 0) or np.any(obs >= D):
        raise ValueError(f"observed indices must be in 0..{D - 1}, got {obs.tolist()}")
    if len(np.unique(obs)) != len(obs):
        raise ValueError(f"observed indices must not repeat, got {obs.tolist()}")
    return obs.astype(int)


class Problem:
    """Data assimilation problem.

    Parameters
    ----------
    model : a :class:`dalearn.models.Model`.
    data : ``(L, T)`` measurements of the components ``observed`` at times ``t0 + j dt``;
        NaN marks a missing measurement.
    dt : data time step (> 0).
    observed : indices of the measured components (default: all ``D``).
    sigma : measurement noise std; sets ``Rm = 1/sigma**2`` unless ``Rm`` is given.
    Rm : measurement precision, scalar or ``(L,)`` per observed component.
    rule : 'euler', 'trapezoid', 'hermite-simpson' or 'rk4'.
    k : model steps per data step (model grid finer than the data grid).
    params : full parameter vector (``model.default_params`` if None); for estimated
        parameters this is only a fallback starting guess.
    estimate : names of parameters estimated with the states (``True`` = all).
    """

    def __init__(self, model: Model, data, dt: float, observed=None, sigma=None, Rm=None,
                 rule: str = "trapezoid", k: int = 1, params=None, estimate=(),
                 t0: float = 0.0):
        if not isinstance(model, Model):
            raise TypeError(f"model must be a dalearn Model, got {type(model).__name__}")
        self.model = model
        D = model.D
        self.rule = check_rule(rule)
        self.dt = float(check_positive("dt", dt))
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k (model steps per data step) must be an integer >= 1, got {k!r}")
        self.k = int(k)
        self.observed = check_observed(D, observed)
        data = np.asarray(data, dtype=float)
        L = len(self.observed)
        if data.ndim != 2 or data.shape[0] != L:
            raise ValueError(f"data must have shape (L={L}, T) for the observed components, "
                             f"got {data.shape}")
        if data.shape[1] < 2:
            raise ValueError(f"data must have at least 2 times (N >= 2), got T={data.shape[1]}")
        if np.all(np.isnan(data)):
            raise ValueError("data are all NaN: nothing is measured")
        if np.any(np.isinf(data)):
            raise ValueError("data must be finite or NaN (missing), found inf")
        self.data = data
        self.T = data.shape[1]
        self.t0 = float(t0)
        if Rm is None:
            if sigma is None:
                raise ValueError("give sigma (noise std) or Rm (measurement precision)")
            self.sigma = check_positive("sigma", sigma, allow_array=True)
            Rm = 1.0 / np.asarray(self.sigma) ** 2
        else:
            self.sigma = None if sigma is None else check_positive("sigma", sigma, True)
        Rm = np.asarray(check_positive("Rm", Rm, allow_array=True), dtype=float)
        if Rm.ndim == 1 and Rm.size != L:
            raise ValueError(f"Rm (or sigma) per component must have L={L} entries, got {Rm.size}")
        self.Rm_obs = np.broadcast_to(Rm, (L,)).astype(float)

        P = model.P
        self.params = (model.default_params.astype(float).copy() if params is None
                       else np.asarray(params, dtype=float).copy())
        if self.params.shape != (P,):
            raise ValueError(f"params must have {P} entries {model.param_names}, "
                             f"got shape {self.params.shape}")
        if estimate is True:
            estimate = model.param_names
        elif estimate is False or estimate is None:
            estimate = ()
        if isinstance(estimate, str):
            estimate = (estimate,)
        bad = [e for e in estimate if e not in model.param_names]
        if bad:
            raise ValueError(f"estimate must name parameters from {model.param_names}, got {bad}")
        self.estimate = tuple(n for n in model.param_names if n in estimate)
        self.est_idx = np.array([model.param_names.index(n) for n in self.estimate], dtype=int)

        # model grid, time-major measurement arrays
        self.M = (self.T - 1) * self.k + 1
        self.h = self.dt / self.k
        self.Y = np.full((self.M, D), np.nan)
        self.Y[:: self.k, self.observed] = data.T
        self.mask = np.isfinite(self.Y)
        self.n_meas = int(self.mask.sum())
        Rm_full = np.zeros(D)
        Rm_full[self.observed] = self.Rm_obs
        self.Rm = Rm_full
        # weights of the normalised action: measurement term averages over measurements
        self.w_meas = np.where(self.mask, Rm_full[None, :], 0.0) / self.n_meas
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
        """Data times, shape (T,)."""
        return self.t0 + self.dt * np.arange(self.T)

    @property
    def n_unknowns(self) -> int:
        return self.M * self.D + len(self.est_idx)

    def model_weights(self, Rf) -> np.ndarray:
        """Per-component weight of the squared model residuals, shape (D,)."""
        Rf = np.broadcast_to(np.asarray(Rf, dtype=float), (self.D,))
        return Rf / ((self.M - 1) * self.D)

    # ------------------------------------------------------------------ packing
    def pack(self, X, p=None) -> np.ndarray:
        """Path ``(D, M)`` and full params ``(P,)`` -> optimisation vector (time-major)."""
        X = np.asarray(X, dtype=float)
        if X.shape != (self.D, self.M):
            raise ValueError(f"path must have shape (D={self.D}, M={self.M}), got {X.shape}")
        p = self.params if p is None else np.asarray(p, dtype=float)
        return np.concatenate([X.T.ravel(), p[self.est_idx]])

    def unpack(self, z) -> tuple[np.ndarray, np.ndarray]:
        """Optimisation vector -> (time-major path ``(M, D)``, full params ``(P,)``)."""
        nx = self.M * self.D
        Xt = z[:nx].reshape(self.M, self.D)
        p = self.params.copy()
        p[self.est_idx] = z[nx:]
        return Xt, p

    def initial_paths(self, n: int, rng: np.random.Generator, low: float = -10.0,
                      high: float = 10.0) -> np.ndarray:
        """``n`` starting paths ``(n, D, M)``: data on measured entries (linearly
        interpolated between data times on a fine model grid), U(low, high) elsewhere."""
        X = rng.uniform(low, high, size=(n, self.D, self.M))
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

    # ---------------------------------------------------------- the annealing protocol
    #: optimisers this problem supports (first = default) and its default start range
    methods = ("lm", "lbfgsb")
    default_init_range = (-10.0, 10.0)

    @property
    def param_names(self) -> tuple:
        return self.model.param_names

    def initial_vectors(self, n: int, rng: np.random.Generator, init_range=None,
                        param_range: dict | None = None):
        """``n`` packed starting vectors, their paths (n, D, M) and params (n, P)."""
        lo, hi = init_range or self.default_init_range
        X0 = self.initial_paths(n, rng, lo, hi)
        P0 = np.tile(self.params, (n, 1))
        for name, (a, b) in (param_range or {}).items():
            P0[:, self.model.param_names.index(name)] = rng.uniform(a, b, n)
        return [self.pack(X0[i], P0[i]) for i in range(n)], X0, P0

    def minimize(self, z, Rf, method: str = "lm", maxiter=None, ftol: float = 1e-8):
        """Minimise the action at ``Rf`` from packed ``z``; an OptResult."""
        from .optimize import minimize_action
        return minimize_action(self, z, Rf, method=method, maxiter=maxiter, ftol=ftol)

    def split(self, z) -> tuple[np.ndarray, np.ndarray]:
        """Packed vector -> (path (D, M), full params (P,))."""
        Xt, p = self.unpack(z)
        return Xt.T, p

    def describe(self) -> dict:
        """Plain-data description (saved with results)."""
        return {"model": self.model.describe(), "rule": self.rule, "dt": self.dt,
                "k": self.k, "T": self.T, "M": self.M, "observed": self.observed.tolist(),
                "Rm": self.Rm_obs.tolist(), "params": self.params.tolist(),
                "estimate": list(self.estimate), "t0": self.t0}

    def __repr__(self):
        return (f"Problem({self.model.name}, D={self.D}, L={self.L}, T={self.T}, k={self.k}, "
                f"rule={self.rule!r}, estimate={self.estimate})")
