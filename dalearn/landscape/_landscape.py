"""A landscape you can see whole: the action of a two-point path of a chaotic map.

The model is the logistic map f(x) = 4x(1 - x) on [0, 1], observed every ``k``-th step, so
one model step is g = f∘...∘f (k times), a function with 2^(k-1) humps.  The path has two
states, x(0) and x(1), both measured with noise σ (``y``, shape (2,)).  Its normalised action
(the course's convention: the data term divided by N_m L = 2, the model term by (M - 1) D = 1) is

    A(x0, x1) = R_m/2 [(x0 - y0)² + (x1 - y1)²] + R_f (x1 - g(x0))²,     R_m = 1/σ².

Two unknowns, so the whole landscape can be drawn: at small R_f one bowl around the data; at
large R_f a narrow valley along the graph x1 = g(x0), with a local minimum wherever the
graph passes near the data.  Minimising over x1 for fixed x0 is exact (the term is quadratic
in x1), which gives the action along the valley floor as a 1-D curve, :meth:`MapTwin.floor`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from .._checks import check_finite, check_int

__all__ = ["MapTwin", "map_twin", "Descent", "schedule", "anneal_path", "direct_path",
           "starts_reaching"]

BOUNDS = ((0.0, 1.0), (0.0, 1.0))


@dataclass(frozen=True)
class MapTwin:
    """A two-point twin experiment of the logistic map observed every ``k`` steps.

    ``truth`` (2,): x(0) and x(1) = g(x(0)); ``y`` (2,): the two measurements; ``sigma``: the
    noise standard deviation (R_m = 1/σ²)."""
    k: int
    sigma: float
    truth: np.ndarray
    y: np.ndarray

    @property
    def Rm(self) -> float:
        return 1.0 / self.sigma ** 2

    def g(self, x):
        """One model step (k logistic steps), elementwise on an array in [0, 1]."""
        x = np.asarray(x, float)
        for _ in range(self.k):
            x = 4.0 * x * (1.0 - x)
        return x

    def dg(self, x):
        """dg/dx by the chain rule, elementwise."""
        x = np.asarray(x, float)
        d = np.ones_like(x)
        for _ in range(self.k):
            d = d * (4.0 - 8.0 * x)
            x = 4.0 * x * (1.0 - x)
        return d

    def d2g(self, x):
        """d²g/dx², elementwise (f'' = -8)."""
        x = np.asarray(x, float)
        d1, d2 = np.ones_like(x), np.zeros_like(x)
        for _ in range(self.k):
            d1, d2 = (4.0 - 8.0 * x) * d1, -8.0 * d1 ** 2 + (4.0 - 8.0 * x) * d2
            x = 4.0 * x * (1.0 - x)
        return d2

    def action(self, z, Rf: float):
        """A at points ``z`` (..., 2) for model precision ``Rf``: array (...)."""
        z = np.asarray(z, float)
        x0, x1 = z[..., 0], z[..., 1]
        return (self.Rm / 2 * ((x0 - self.y[0]) ** 2 + (x1 - self.y[1]) ** 2)
                + Rf * (x1 - self.g(x0)) ** 2)

    def _value_and_grad(self, z, Rf):
        x0, x1 = z
        r = x1 - self.g(x0)
        value = self.Rm / 2 * ((x0 - self.y[0]) ** 2 + (x1 - self.y[1]) ** 2) + Rf * r ** 2
        grad = np.array([self.Rm * (x0 - self.y[0]) - 2 * Rf * r * self.dg(x0),
                         self.Rm * (x1 - self.y[1]) + 2 * Rf * r])
        return float(value), grad

    def _hessian(self, z, Rf):
        x0, x1 = z
        r, d1 = x1 - self.g(x0), self.dg(x0)
        h00 = self.Rm + 2 * Rf * (d1 ** 2 - r * self.d2g(x0))
        return np.array([[h00, -2 * Rf * d1], [-2 * Rf * d1, self.Rm + 2 * Rf]])

    def grid(self, Rf: float, n: int = 81):
        """The landscape on an n × n grid of [0, 1]²: (x0 (n,), x1 (n,), A (n, n)), with
        ``A[i, j]`` at x1[i], x0[j] (rows are x1, as a contour plot wants them)."""
        Rf = _check_Rf(Rf)
        n = check_int("n", n, 3, 2001)
        x = np.linspace(0.0, 1.0, n)
        X0, X1 = np.meshgrid(x, x)
        return x, x, self.action(np.stack([X0, X1], axis=-1), Rf)

    def isolines(self, Rf: float, levels, n: int = 121) -> list:
        """Contour lines of log10 A on an n × n grid: [(level, x0 (k,), x1 (k,)), ...] per
        level of ``levels``, the segments of one level joined with NaN between them
        (contourpy, matplotlib's contour engine)."""
        import contourpy
        x0, x1, a = self.grid(Rf, n)
        gen = contourpy.contour_generator(x0, x1, np.log10(np.maximum(a, 1e-300)))
        out = []
        for lev in np.asarray(levels, float):
            segs = gen.lines(lev)
            if segs:
                xy = np.concatenate([np.vstack([sg, [np.nan, np.nan]]) for sg in segs])[:-1]
            else:
                xy = np.full((1, 2), np.nan)
            out.append((float(lev), xy[:, 0], xy[:, 1]))
        return out

    def floor(self, Rf: float, n: int = 4001):
        """The action along the valley floor: min over x1 of A(x0, x1), exact.

        Returns (x0 (n,), x1 at the floor (n,), A (n,))."""
        Rf = _check_Rf(Rf)
        n = check_int("n", n, 3, 10 ** 6)
        x0 = np.linspace(0.0, 1.0, n)
        gx = self.g(x0)
        x1 = (self.Rm * self.y[1] + 2 * Rf * gx) / (self.Rm + 2 * Rf)
        a = (self.Rm / 2 * (x0 - self.y[0]) ** 2
             + self.Rm * Rf / (self.Rm + 2 * Rf) * (gx - self.y[1]) ** 2)
        return x0, x1, a

    def local_minima(self, Rf: float, n: int = 4001) -> np.ndarray:
        """The landscape's local minima, (n_min, 3) rows (x0, x1, A), lowest first: the
        interior local minima of the valley floor (a point of the floor is a minimum of A
        exactly when it is a minimum of the floor), each polished by a 2-D minimisation."""
        x0, x1, a = self.floor(Rf, n)
        inner = np.nonzero((a[1:-1] < a[:-2]) & (a[1:-1] < a[2:]))[0] + 1
        rows = []
        for i in inner:
            z = _minimise(self, np.array([x0[i], x1[i]]), Rf).x
            if np.all(np.abs(self._value_and_grad(z, Rf)[1]) <= 1e-6 * (self.Rm + Rf)):
                rows.append((z[0], z[1], float(self.action(z, Rf))))
        rows = np.array(sorted(rows, key=lambda r: r[2])) if rows else np.empty((0, 3))
        # two grid neighbours polished into the same minimum count once
        keep = [i for i in range(len(rows))
                if not any(np.hypot(*(rows[i, :2] - rows[j, :2])) < 1e-6 for j in range(i))]
        return rows[keep]


def map_twin(k: int = 3, sigma: float = 0.05, seed: int = 0) -> MapTwin:
    """A seeded two-point twin: x(0) uniform in [0.05, 0.95], x(1) = g(x(0)), both measured
    with N(0, σ²) noise."""
    k = check_int("k", k, 1, 8)
    sigma = check_finite("sigma", sigma)
    if not 0 < sigma <= 1:
        raise ValueError(f"sigma must be in (0, 1] (the map lives on [0, 1]), got {sigma}")
    seed = check_int("seed", seed, 0)
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(0.05, 0.95)
    twin = MapTwin(k, sigma, np.zeros(2), np.zeros(2))
    truth = np.array([x0, float(twin.g(x0))])
    return MapTwin(k, sigma, truth, truth + sigma * rng.normal(size=2))


@dataclass(frozen=True)
class Descent:
    """Where a minimisation went: ``points`` (n, 2) in order (x0, x1), ``Rf`` (n,) the model
    precision at each point, ``action`` (n,) A there."""
    points: np.ndarray
    Rf: np.ndarray
    action: np.ndarray

    @property
    def end(self) -> np.ndarray:
        return self.points[-1]


def _check_Rf(Rf) -> float:
    Rf = check_finite("Rf", Rf)
    if Rf <= 0:
        raise ValueError(f"Rf must be > 0, got {Rf}")
    return Rf


def _check_start(start) -> np.ndarray:
    z = np.asarray(start, float)
    if z.shape != (2,) or not np.all(np.isfinite(z)) or np.any(z < 0) or np.any(z > 1):
        raise ValueError(f"start must be two finite numbers (x0, x1) in [0, 1], got {start!r}")
    return z


def _minimise(twin, z, Rf, callback=None):
    # Newton with the exact 2 x 2 Hessian in a trust region: a few steps even where the
    # valley is a thousand times narrower than it is long; outside [0, 1]² the map's
    # iterates run off to -inf, so the action rises steeply and the steps stay inside
    return minimize(twin._value_and_grad, z, args=(Rf,), jac=True, hess=twin._hessian,
                    method="trust-exact", callback=callback, options=dict(gtol=1e-9))


def schedule(Rf0: float, alpha: float, n_beta: int) -> np.ndarray:
    """R_f = R_f0 α^β for β = 0..n_beta-1."""
    Rf0 = _check_Rf(Rf0)
    alpha = check_finite("alpha", alpha)
    if alpha <= 1:
        raise ValueError(f"alpha must be > 1, got {alpha}")
    n_beta = check_int("n_beta", n_beta, 1, 200)
    return Rf0 * alpha ** np.arange(n_beta)


def anneal_path(twin: MapTwin, start, Rf) -> Descent:
    """Precision annealing from ``start`` (2,) over the model precisions ``Rf`` (n_beta,):
    each minimisation starts from the previous minimum.  The points are the n_beta minima."""
    z = _check_start(start)
    Rf = np.asarray([_check_Rf(r) for r in np.atleast_1d(Rf)])
    pts = []
    for r in Rf:
        z = _minimise(twin, z, r).x
        pts.append(z)
    pts = np.array(pts)
    return Descent(pts, Rf, np.array([twin.action(p, r) for p, r in zip(pts, Rf)]))


def direct_path(twin: MapTwin, start, Rf: float) -> Descent:
    """One minimisation at ``Rf`` from ``start``; the points are its iterates (start first)."""
    z = _check_start(start)
    Rf = _check_Rf(Rf)
    pts = [z.copy()]
    _minimise(twin, z, Rf, callback=lambda xk: pts.append(np.array(xk, float)))
    pts = np.array(pts)
    return Descent(pts, np.full(len(pts), Rf), twin.action(pts, Rf))


def starts_reaching(twin: MapTwin, Rf, n_starts: int = 20, seed: int = 0,
                    tol: float = 1e-3) -> dict:
    """Of ``n_starts`` seeded uniform starts in [0, 1]², how many end at the lowest minimum
    at the last R_f of ``Rf``: {"anneal": int, "direct": int, "n_starts": int}."""
    n_starts = check_int("n_starts", n_starts, 1, 10_000)
    Rf = np.asarray([_check_Rf(r) for r in np.atleast_1d(Rf)])
    lowest = twin.local_minima(Rf[-1])[0, :2]
    starts = np.random.default_rng(check_int("seed", seed, 0)).uniform(0, 1, (n_starts, 2))
    hit = {"anneal": 0, "direct": 0}
    for s in starts:
        hit["anneal"] += bool(np.hypot(*(anneal_path(twin, s, Rf).end - lowest)) < tol)
        hit["direct"] += bool(np.hypot(*(direct_path(twin, s, Rf[-1]).end - lowest)) < tol)
    return {**hit, "n_starts": n_starts}
