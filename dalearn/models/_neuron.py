"""The NaKL neuron: a Hodgkin-Huxley model with Na, K and leak currents, driven by a current.

State x = (V, m, h, n): membrane voltage (mV) and three gating variables in [0, 1]; time in
ms; input u = I(t), the injected current (μA/cm², with unit capacitance it is mV/ms).

    dV/dt = gNa m³ h (ENa - V) + gK n⁴ (EK - V) + gL (EL - V) + I(t)
    dz/dt = (z∞(V) - z) / τz(V),   z = m, h, n
    z∞(V) = ½ [1 + tanh((V - Vtz)/dVz)],  τz(V) = t1z + t2z [1 - tanh²((V - Vtz)/dVz)]

18 parameters, true values and bounds as in the group's NaKL example (the bounds are the
group's ranges: start ranges, and bounds when a parameter is estimated).
"""
from __future__ import annotations

import math

import numpy as np

from ._drive import SampledDrive
from ._base import Model, _arr
from ._lorenz import Lorenz63
from ._rk4 import rk4

__all__ = ["NaKL", "NAKL_PARAMS", "NAKL_BOUNDS", "chaotic_current"]

#: (name, true value, low, high) of the group's NaKL example
_TABLE = (
    ("gNa", 120.0, 60.0, 180.0), ("gK", 20.0, 10.0, 30.0), ("gL", 0.3, 0.15, 0.45),
    ("ENa", 50.0, 47.5, 52.5), ("EK", -77.0, -80.85, -73.15), ("EL", -54.0, -56.7, -51.3),
    ("Vtm", -40.0, -42.0, -38.0), ("dVm", 15.0, 14.25, 15.75),
    ("t1m", 0.1, 0.095, 0.105), ("t2m", 0.4, 0.38, 0.42),
    ("Vth", -60.0, -63.0, -57.0), ("dVh", -15.0, -15.75, -14.25),
    ("t1h", 1.0, 0.95, 1.05), ("t2h", 7.0, 6.65, 7.35),
    ("Vtn", -55.0, -57.75, -52.25), ("dVn", 30.0, 28.5, 31.5),
    ("t1n", 1.0, 0.95, 1.05), ("t2n", 5.0, 4.75, 5.25),
)
NAKL_PARAMS = {n: v for n, v, _, _ in _TABLE}
NAKL_BOUNDS = {n: (lo, hi) for n, _, lo, hi in _TABLE}


class NaKL(Model):
    """The NaKL neuron (D = 4: V, m, h, n; 18 parameters; one input, the current I).

    ``rhs(x, p, u)``, ``jac(x, p, u)``, ``jac_p(x, p, u)`` and the second derivatives
    ``hess(x, p, w, u)`` are exact (x ``(..., 4)``, u ``(..., 1)``); state bounds V in
    [-100, 100] mV, gates in [0, 1].

    ``hessian=True`` declares the second derivatives (``has_hessian``): 'newton' becomes
    the default method, finals are checked against the exact Hessian and Laplace bars use
    it.  Off by default: at the group's final R_f newton reaches verified minima, lower
    than lm's, but needs several times lm's CPU to crawl the sloppy valley there
    (benchmarks/nakl_newton.py, docs/decisions.md).
    """

    name = "nakl"
    D = 4
    param_names = tuple(NAKL_PARAMS)
    inputs = ("I",)
    state_names = ("V", "m", "h", "n")     # figure labels (plots.path_panels)
    state_units = ("mV", "", "", "")
    time_unit = "ms"
    state_bounds = np.array([[-100.0, 100.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])

    def __init__(self, bounds: dict | None = None, hessian: bool = False):
        if not isinstance(hessian, bool):
            raise TypeError(f"hessian must be True or False, got {hessian!r}")
        self.has_hessian = hessian
        self.default_params = np.array(list(NAKL_PARAMS.values()))
        self.param_bounds = {**NAKL_BOUNDS, **dict(bounds or {})}

    def sample_state(self, rng) -> np.ndarray:
        """A resting-like starting state (D,) for a true path's spin-up."""
        return np.array([-65.0 + rng.normal(0.0, 1.0), 0.05, 0.6, 0.3])

    @staticmethod
    def _gates(V, p):
        """For each gate z (m, h, n): (s, z∞, τ) with s = tanh((V - Vt)/dV)."""
        out = []
        for j in (6, 10, 14):
            Vt, dV, t1, t2 = p[j], p[j + 1], p[j + 2], p[j + 3]
            s = np.tanh((V - Vt) / dV)
            out.append((s, 0.5 * (1.0 + s), t1 + t2 * (1.0 - s * s)))
        return out

    def rhs(self, x, p, u):
        if np.ndim(x) == 1 and not np.iscomplexobj(x) and not np.iscomplexobj(p):
            return self._rhs_one(x, p, u)
        x, u = _arr(x), _arr(u)
        V, m, h, n = x[..., 0], x[..., 1], x[..., 2], x[..., 3]
        gNa, gK, gL, ENa, EK, EL = p[:6]
        dV = gNa * m ** 3 * h * (ENa - V) + gK * n ** 4 * (EK - V) + gL * (EL - V) + u[..., 0]
        out = [dV]
        for z, (s, zinf, tau) in zip((m, h, n), self._gates(V, p)):
            out.append((zinf - z) / tau)
        return np.stack(out, axis=-1)

    @staticmethod
    def _rhs_one(x, p, u):
        """rhs of one state (D,) in plain floats: the truth's RK4 calls it ~10^5 times."""
        V, m, h, n = (float(v) for v in x)
        q = [float(v) for v in p]
        out = [q[0] * m ** 3 * h * (q[3] - V) + q[1] * n ** 4 * (q[4] - V)
               + q[2] * (q[5] - V) + float(np.asarray(u).ravel()[0])]
        for z, j in ((m, 6), (h, 10), (n, 14)):
            s = math.tanh((V - q[j]) / q[j + 1])
            out.append((0.5 * (1.0 + s) - z) / (q[j + 2] + q[j + 3] * (1.0 - s * s)))
        return np.array(out)

    def jac(self, x, p, u):
        x = _arr(x)
        V, m, h, n = x[..., 0], x[..., 1], x[..., 2], x[..., 3]
        gNa, gK, gL, ENa, EK, EL = p[:6]
        J = np.zeros(x.shape + (4,), dtype=x.dtype)
        J[..., 0, 0] = -(gNa * m ** 3 * h + gK * n ** 4 + gL)
        J[..., 0, 1] = 3.0 * gNa * m ** 2 * h * (ENa - V)
        J[..., 0, 2] = gNa * m ** 3 * (ENa - V)
        J[..., 0, 3] = 4.0 * gK * n ** 3 * (EK - V)
        for i, (z, (s, zinf, tau), j) in enumerate(zip((m, h, n), self._gates(V, p),
                                                       (6, 10, 14)), start=1):
            dVz, t2 = p[j + 1], p[j + 3]
            sech2 = 1.0 - s * s
            f = (zinf - z) / tau
            # d/dV through q = (V - Vt)/dV: dz∞/dq = sech²/2, dτ/dq = -2 t2 s sech²
            J[..., i, 0] = (0.5 * sech2 - f * (-2.0 * t2 * s * sech2)) / tau / dVz
            J[..., i, i] = -1.0 / tau
        return J

    def jac_p(self, x, p, u):
        x = _arr(x)
        V, m, h, n = x[..., 0], x[..., 1], x[..., 2], x[..., 3]
        gNa, gK, gL, ENa, EK, EL = p[:6]
        Jp = np.zeros(x.shape + (18,), dtype=x.dtype)
        m3h, n4 = m ** 3 * h, n ** 4
        Jp[..., 0, 0] = m3h * (ENa - V)
        Jp[..., 0, 1] = n4 * (EK - V)
        Jp[..., 0, 2] = EL - V
        Jp[..., 0, 3] = gNa * m3h
        Jp[..., 0, 4] = gK * n4
        Jp[..., 0, 5] = gL
        for i, (z, (s, zinf, tau), j) in enumerate(zip((m, h, n), self._gates(V, p),
                                                       (6, 10, 14)), start=1):
            Vt, dVz, t2 = p[j], p[j + 1], p[j + 3]
            sech2 = 1.0 - s * s
            f = (zinf - z) / tau
            dfdq = (0.5 * sech2 + f * 2.0 * t2 * s * sech2) / tau
            q = (V - Vt) / dVz
            Jp[..., i, j] = -dfdq / dVz                   # ∂/∂Vt
            Jp[..., i, j + 1] = -dfdq * q / dVz           # ∂/∂dV
            Jp[..., i, j + 2] = -f / tau                  # ∂/∂t1
            Jp[..., i, j + 3] = -f / tau * sech2          # ∂/∂t2
        return Jp


    def describe(self) -> dict:
        return {**super().describe(), **({"hessian": True} if self.has_hessian else {})}

    def hess(self, x, p, w, u=None):
        """Weighted second derivatives (Hxx (..., 4, 4), Hxp (..., 4, 18), Hpp (..., 18, 18))
        of F at ``x`` with weights ``w`` (..., 4) (see :meth:`Model.hess`); the input I
        enters linearly, so ``u`` does not change them."""
        x, w, p = _arr(x), _arr(w), np.asarray(p, dtype=float)
        lead = np.broadcast_shapes(x.shape[:-1], w.shape[:-1])
        Hxx, Hxp, Hpp = _voltage_hess(x, p, w[..., 0], lead)
        V = x[..., 0]
        for i, j in ((1, 6), (2, 10), (3, 14)):
            Hy = w[..., i, None, None] * _gate_hess(V, x[..., i], *p[j:j + 4])
            Hxx[..., 0, 0] += Hy[..., 0, 0]
            Hxx[..., 0, i] += Hy[..., 0, 1]
            Hxx[..., i, 0] += Hy[..., 1, 0]
            Hxx[..., i, i] += Hy[..., 1, 1]
            Hxp[..., 0, j:j + 4] += Hy[..., 0, 2:]
            Hxp[..., i, j:j + 4] += Hy[..., 1, 2:]
            Hpp[..., j:j + 4, j:j + 4] += Hy[..., 2:, 2:]
        return Hxx, Hxp, Hpp


def _voltage_hess(x, p, w0, lead):
    """w0 times the second derivatives of dV/dt = gNa m³h (ENa - V) + gK n⁴ (EK - V)
    + gL (EL - V) + I, in (x, x), (x, p) and (p, p); all zero beyond these."""
    V, m, h, n = x[..., 0], x[..., 1], x[..., 2], x[..., 3]
    gNa, gK, _, ENa, EK, _ = p[:6]
    Hxx, Hxp = np.zeros(lead + (4, 4)), np.zeros(lead + (4, 18))
    Hpp = np.zeros(lead + (18, 18))
    m2h, m3, n3 = m * m * h, m ** 3, n ** 3
    for (a, b), v in (((0, 1), -3.0 * gNa * m2h), ((0, 2), -gNa * m3),
                      ((0, 3), -4.0 * gK * n3), ((1, 2), 3.0 * gNa * m * m * (ENa - V))):
        Hxx[..., a, b] = Hxx[..., b, a] = w0 * v
    Hxx[..., 1, 1] = w0 * 6.0 * gNa * m * h * (ENa - V)
    Hxx[..., 3, 3] = w0 * 12.0 * gK * n * n * (EK - V)
    for (a, j), v in (((0, 0), -m3 * h), ((0, 1), -n3 * n), ((0, 2), -1.0),
                      ((1, 0), 3.0 * m2h * (ENa - V)), ((1, 3), 3.0 * gNa * m2h),
                      ((2, 0), m3 * (ENa - V)), ((2, 3), gNa * m3),
                      ((3, 1), 4.0 * n3 * (EK - V)), ((3, 4), 4.0 * gK * n3)):
        Hxp[..., a, j] = w0 * v
    for (i, j), v in (((0, 3), m3 * h), ((1, 4), n3 * n), ((2, 5), 1.0)):
        Hpp[..., i, j] = Hpp[..., j, i] = w0 * v
    return Hxx, Hxp, Hpp


#: y = (V, z, Vt, dV, t1, t2): the u = (q, z, t1, t2) each enters through
_U_OF_Y = np.array([0, 1, 0, 0, 2, 3])


def _gate_hess(V, z, Vt, dV, t1, t2):
    """Second derivatives (..., 6, 6) of one gate's G = (z∞(V) - z)/τ(V) in
    y = (V, z, Vt, dV, t1, t2).  G = a/τ is a function of u = (q, z, t1, t2),
    q = (V - Vt)/dV, a = z∞ - z, τ = t1 + t2 sech²q:
    ∇²_y G = A ∇²_u G Aᵀ + ∂G/∂q ∇²_y q, with A = ∂u/∂y (one nonzero per row, so the first
    term is ∇²_u G gathered at each row's u and scaled), and, with r = 1/τ,
    ∂²G/∂u_k∂u_l = r ∂²a - r²(∂a ∂τ + ∂τ ∂a) + a (2r³ ∂τ ∂τ - r² ∂²τ)."""
    q = (V - Vt) / dV
    s = np.tanh(q)
    c = 1.0 - s * s                                       # sech²q
    tau, a = t1 + t2 * c, 0.5 * (1.0 + s) - z
    r = 1.0 / tau
    r2 = r * r
    lead = np.shape(q)
    # first and second derivatives of a and τ in u (None: zero)
    da = (0.5 * c, -1.0, None, None)
    dt = (-2.0 * t2 * s * c, None, 1.0, c)
    Ha = {(0, 0): -s * c}
    Ht = {(0, 0): -2.0 * t2 * c * (c - 2.0 * s * s), (0, 3): -2.0 * s * c}
    Huu = np.zeros(lead + (4, 4))
    for k in range(4):
        for l in range(k, 4):
            v = np.zeros(lead)
            if (k, l) in Ha:
                v = v + r * Ha[k, l]
            if da[k] is not None and dt[l] is not None:
                v = v - r2 * da[k] * dt[l]
            if dt[k] is not None and da[l] is not None:
                v = v - r2 * dt[k] * da[l]
            if dt[k] is not None and dt[l] is not None:
                v = v + 2.0 * a * r2 * r * dt[k] * dt[l]
            if (k, l) in Ht:
                v = v - a * r2 * Ht[k, l]
            Huu[..., k, l] = Huu[..., l, k] = v
    Gq = 0.5 * c * r - a * r2 * dt[0]                      # ∂G/∂q
    coef = np.ones(lead + (6,))                            # the nonzeros of A
    coef[..., 0], coef[..., 2], coef[..., 3] = 1.0 / dV, -1.0 / dV, -q / dV
    H = Huu[..., _U_OF_Y[:, None], _U_OF_Y[None, :]] * (coef[..., :, None] * coef[..., None, :])
    g = Gq / dV ** 2                                       # Gq ∇²_y q: (V, dV), (Vt, dV), (dV, dV)
    H[..., 0, 3] -= g
    H[..., 3, 0] -= g
    H[..., 2, 3] += g
    H[..., 3, 2] += g
    H[..., 3, 3] += 2.0 * q * g
    return H


def chaotic_current(t_end: float, *, amplitude: float = 1.0, offset: float = 0.0,
                    time_scale: float = 0.5, dt: float = 0.005, seed=0) -> SampledDrive:
    """A seeded chaotic stimulus I(t) on [0, t_end] ms: the x component of Lorenz63,
    time-scaled by ``time_scale`` (Lorenz time per ms), normalised to unit std, times
    ``amplitude`` plus ``offset``; sampled at step ``dt`` ms and interpolated linearly.
    Returns a :class:`dalearn.drive.SampledDrive` (shape (T, 1) values)."""
    from .._checks import as_generator, check_finite, check_memory, check_positive
    t_end = check_positive("t_end", t_end)
    check_positive("time_scale", time_scale)
    check_positive("dt", dt)
    check_finite("amplitude", amplitude)
    check_finite("offset", offset)
    check_memory(f"chaotic_current(t_end={t_end:g}, dt={dt:g})", 8.0 * 4 * (t_end / dt + 1))
    rng = as_generator(seed)
    n = int(np.ceil(t_end / dt)) + 1
    h = dt * time_scale
    x = np.array([1.0, 1.0, 20.0]) + rng.normal(0.0, 1.0, 3)
    lorenz = Lorenz63()
    p = lorenz.default_params

    def step(x):
        return rk4(lambda s, half: lorenz.rhs(s, p), x, h)

    for _ in range(int(20.0 / h)):            # spin up onto the attractor
        x = step(x)
    xs = np.empty(n)
    for i in range(n):
        xs[i] = x[0]
        x = step(x)
    values = offset + amplitude * (xs - xs.mean()) / xs.std()
    return SampledDrive(dt * np.arange(n), values, name="chaotic_current")
