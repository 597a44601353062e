"""The Euler-Lagrange two-point boundary value problem, by collocation with continuation in
Rf, and the discrete problem whose action is the continuous one."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_bvp

from .._checks import check_int, check_positive
from ..models import Model
from ..problem import Problem
from ._continuation import check_Rf_values, check_Rm, continuation
from ._hamiltonian import Hamiltonian

__all__ = ["BVPResult", "EndMeasurement", "solve_euler_lagrange", "continuum_problem"]


@dataclass(frozen=True)
class BVPResult:
    """Continuation in Rf of the Euler-Lagrange BVP.

    ``Rf`` (n,), ``status`` (n,) (solve_bvp's: 0 = converged), ``message`` per step,
    ``t``/``x``/``pi``: per step the mesh (m,) and the solution (D, m) on it (``pi`` the
    canonical momentum π), ``sol``: per step the callable solution t -> (2D, len(t)) (None
    where a step failed), ``max_residual`` per step (solve_bvp's relative collocation
    residual).
    """
    Rf: np.ndarray
    status: np.ndarray
    message: list
    t: list
    x: list
    pi: list
    sol: list
    max_residual: np.ndarray
    D: int = 0
    hamiltonians: list = field(default_factory=list)

    @property
    def success(self) -> np.ndarray:
        return self.status == 0

    def at(self, i: int, t) -> tuple[np.ndarray, np.ndarray]:
        """(x, π) of step ``i`` at times ``t``, each (D, len(t))."""
        if self.sol[i] is None:
            raise ValueError(f"continuation step {i} failed: {self.message[i]}")
        Y = self.sol[i](np.asarray(t, dtype=float))
        return Y[:self.D], Y[self.D:]


@dataclass(frozen=True)
class EndMeasurement:
    """A measurement ``value`` of the components ``nodes`` (default: all) at one end of the
    interval, with precision ``Rm``: the end term Rm/2 |x - value|² of the action."""
    value: np.ndarray
    Rm: float
    nodes: np.ndarray | None = None

    @classmethod
    def of(cls, spec, name: str, D: int) -> "EndMeasurement | None":
        """From None, an EndMeasurement or a dict(value=..., Rm=..., nodes=...), checked."""
        if spec is None:
            return None
        if isinstance(spec, dict):
            unknown = set(spec) - {"value", "Rm", "nodes"}
            if unknown or "value" not in spec or "Rm" not in spec:
                raise ValueError(f"{name} must be dict(value=..., Rm=..., nodes=...), got keys "
                                 f"{sorted(spec)}")
            spec = cls(spec["value"], spec["Rm"], spec.get("nodes"))
        nodes = np.arange(D) if spec.nodes is None else np.asarray(spec.nodes)
        if nodes.ndim != 1 or nodes.dtype.kind not in "iu" or np.any(nodes < 0) or \
                np.any(nodes >= D) or len(np.unique(nodes)) != nodes.size:
            raise ValueError(f"{name} nodes must be distinct indices in 0..{D - 1}")
        value = np.asarray(spec.value, dtype=float)
        if value.shape != nodes.shape or not np.all(np.isfinite(value)):
            raise ValueError(f"{name} value must be {nodes.size} finite numbers, one per node")
        return cls(value, float(check_positive(f"{name} Rm", spec.Rm)), nodes.astype(int))


def _boundary_conditions(D, start: EndMeasurement | None, end: EndMeasurement | None):
    """π(t0) = Rm0 (x(t0) - u), π(tF) = -RmF (x(tF) - v) on measured nodes; π = 0 elsewhere."""
    def bc(Ya, Yb):
        xa, pa, xb, pb = Ya[:D], Ya[D:], Yb[:D], Yb[D:]
        ra, rb = pa.copy(), pb.copy()
        if start is not None:
            n = start.nodes
            ra[n] = pa[n] - start.Rm * (xa[n] - start.value)
        if end is not None:
            n = end.nodes
            rb[n] = pb[n] + end.Rm * (xb[n] - end.value)
        return np.concatenate([ra, rb])
    return bc


def _check_inputs(model, t0, tF, Rf_values, Rm, y, max_nodes):
    Rf_values = check_Rf_values(Rf_values)
    if not (np.isfinite(t0) and np.isfinite(tF) and tF > t0):
        raise ValueError(f"tF must be > t0 (both finite), got t0={t0}, tF={tF}")
    check_int("max_nodes", max_nodes, 10000)
    Rm_vec = check_Rm(Rm, model.D)
    if np.any(Rm_vec > 0):
        if y is None:
            raise ValueError("Rm > 0 needs data y(t)")
        probe = np.asarray(y(np.linspace(t0, tF, 101)[:, None]))
        if np.all(np.isnan(probe[:, Rm_vec > 0])):
            raise ValueError("y(t) is NaN (not measured) everywhere on the observed components")
    return Rf_values, Rm_vec


def _first_guess(D, t_mesh, x_guess, y, Rm_vec):
    """(2D, n) first guess: ``x_guess`` or the data on observed components (0 elsewhere and
    where not measured); π = 0."""
    if x_guess is not None:
        X = np.asarray(x_guess(t_mesh), dtype=float)
    elif y is not None and np.any(Rm_vec > 0):
        Yd = np.nan_to_num(np.asarray(y(t_mesh[:, None])), nan=0.0)
        X = np.where(Rm_vec[:, None] > 0, Yd.T, 0.0)
    else:
        X = np.zeros((D, t_mesh.size))
    return np.vstack([X, np.zeros((D, t_mesh.size))])


def solve_euler_lagrange(model: Model, t0: float, tF: float, Rf_values, *, Rm=0.0, y=None,
                         params=None, start=None, end=None, x_guess=None, n_nodes: int = 201,
                         tol: float = 1e-6, max_nodes: int = 20000) -> BVPResult:
    """Solve the Euler-Lagrange two-point BVP by collocation (``scipy.integrate.solve_bvp``)
    for each Rf in ``Rf_values`` (increasing), each from the previous solution.

    ``Rm``: measurement precision per unit time, scalar or (D,); ``y``: callable
    t -> (..., D) data (NaN = not measured).  Ends: free (π = 0) unless ``start``/``end``
    (an :class:`EndMeasurement` or dict(value=..., Rm=..., nodes=...)) give a measurement
    there (the network case: input at t0, output at tF).  ``x_guess``: callable
    t -> (D, len(t)) first guess of the path.  Every step's solver status is kept.
    """
    D = model.D
    Rf_values, Rm_vec = _check_inputs(model, t0, tF, Rf_values, Rm, y, max_nodes)
    bc = _boundary_conditions(D, EndMeasurement.of(start, "start", D),
                              EndMeasurement.of(end, "end", D))
    t_mesh = np.linspace(t0, tF, check_int("n_nodes", n_nodes, 3))
    Y = _first_guess(D, t_mesh, x_guess, y, Rm_vec)
    hams = [Hamiltonian(model, Rf, Rm_vec, y, params) for Rf in Rf_values]

    def solve(ham, mesh, Y):
        def fun(t, Yv):
            xdot, pidot = ham.vector_field(t[:, None], Yv[:D].T, Yv[D:].T)
            return np.vstack([xdot.T, pidot.T])
        return solve_bvp(fun, bc, mesh, Y, tol=tol, max_nodes=max_nodes)

    steps = list(zip(continuation(hams, solve, t_mesh, Y), hams))
    return BVPResult(
        Rf_values, np.array([s.status for s, _ in steps]), [s.message for s, _ in steps],
        [s.x for s, _ in steps], [s.y[:D] for s, _ in steps], [s.y[D:] for s, _ in steps],
        [s.sol if s.status == 0 else None for s, _ in steps],
        np.array([float(np.max(s.rms_residuals)) if s.rms_residuals is not None else np.nan
                  for s, _ in steps]), D, [h for _, h in steps])


class _TrapezoidProblem(Problem):
    """A Problem whose measurement sum is the trapezoid rule of ∫ Rm (x - y)² dt: half
    weight on the two end points, normalised by the M - 1 intervals (not the M points).

    Equal weights at every point (the plain Problem) are a rectangle rule, an O(h) error in
    the measurement term that turns the continuum limit first order."""

    def _build_grid(self) -> None:
        super()._build_grid()
        w = np.ones(self.M)
        w[[0, -1]] = 0.5
        self.w_meas = self.w_meas * self.n_meas / (self.M - 1) * w[:, None] / self.L


def continuum_problem(model: Model, y, observed, t0: float, tF: float, n: int, Rm: float,
                      rule: str = "trapezoid", params=None) -> tuple[Problem, float]:
    """The discrete problem whose action is the continuous one on ``n`` intervals.

    Data y(t_j) at every point for the ``observed`` components, weighted by the trapezoid
    rule (half weight on the two ends), so the measurement term is a second-order
    quadrature of the integral; returns (problem, factor) where the discrete R_f matching a
    continuous Rf_c is ``factor * Rf_c``.  Discrete normalisation: measurement sum
    Σ_j w_j (x - y)² / ((M - 1) L) with w = (1/2, 1, ..., 1, 1/2), model sum / ((M-1) D);
    with r = h (ẋ - F): Rf_d / Rm_d = (Rf_c / Rm_c) D / (L h²).
    """
    n = check_int("n (intervals)", n, 1)
    M = n + 1
    t = np.linspace(t0, tF, M)
    h = (tF - t0) / n
    obs = np.asarray(observed, dtype=int)
    data = np.asarray(y(t[:, None]))[:, obs].T
    problem = _TrapezoidProblem(model, data, h, observed=obs, Rm=Rm, rule=rule, params=params,
                                t0=t0)
    factor = model.D / (len(obs) * h * h)
    return problem, factor
