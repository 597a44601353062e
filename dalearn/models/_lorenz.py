"""The Lorenz models: Lorenz96 (the standard test of data assimilation), its forced
variant, and Lorenz63."""
from __future__ import annotations

import numpy as np

from ._base import Model, _arr

__all__ = ["Lorenz96", "ForcedLorenz96", "Lorenz63"]


class Lorenz96(Model):
    """Lorenz (1996): dx_a/dt = (x_{a+1} - x_{a-2}) x_{a-1} - x_a + ν, cyclic in a.

    Parameter ``nu`` (forcing), default 8.17 (chaotic).  Any D >= 4.
    """

    name = "lorenz96"
    param_names = ("nu",)

    def __init__(self, D: int = 20, nu: float = 8.17):
        if isinstance(D, bool) or not isinstance(D, (int, np.integer)):
            raise TypeError(f"D must be an integer >= 4, got {D!r}")
        if D < 4:
            raise ValueError(f"D must be >= 4 for Lorenz96, got {D}")
        from .._checks import check_memory
        check_memory(f"Lorenz96(D={D})", 8.0 * 4 * D)   # its index arrays, before any
        self.D = int(D)
        self.default_params = np.array([float(nu)])
        a = np.arange(self.D)
        self._ip1, self._im1, self._im2 = (a + 1) % D, (a - 1) % D, (a - 2) % D

    def rhs(self, x, p):
        x = _arr(x)
        return ((x[..., self._ip1] - x[..., self._im2]) * x[..., self._im1]
                - x + p[0])

    def jac(self, x, p):
        x = _arr(x)
        D = self.D
        J = np.zeros(x.shape + (D,), dtype=x.dtype)
        a = np.arange(D)
        J[..., a, self._ip1] = x[..., self._im1]
        J[..., a, self._im2] = -x[..., self._im1]
        J[..., a, self._im1] = x[..., self._ip1] - x[..., self._im2]
        J[..., a, a] = -1.0
        return J

    def jac_p(self, x, p):
        x = _arr(x)
        return np.ones(x.shape + (1,), dtype=x.dtype)

    def jvp(self, x, p, v):
        x = _arr(x)
        return ((v[..., self._ip1] - v[..., self._im2]) * x[..., self._im1]
                + (x[..., self._ip1] - x[..., self._im2]) * v[..., self._im1] - v)

    def vjp(self, x, p, w):
        # (Jᵀw)_b = Σ_a w_a ∂F_a/∂x_b; each of the three couplings shifts w around the ring.
        x = _arr(x)
        out = -_arr(w).copy()
        c_ip1 = w * x[..., self._im1]                          # ∂F_a/∂x_{a+1}
        c_im2 = -w * x[..., self._im1]                         # ∂F_a/∂x_{a-2}
        c_im1 = w * (x[..., self._ip1] - x[..., self._im2])   # ∂F_a/∂x_{a-1}
        out += np.roll(c_ip1, 1, axis=-1) + np.roll(c_im2, -2, axis=-1) \
            + np.roll(c_im1, -1, axis=-1)
        return out

    has_hessian = True

    def hess(self, x, p, w):
        # F_a = (x_{a+1} - x_{a-2}) x_{a-1} - ...: the only second derivatives are
        # ∂²F_a/∂x_{a+1}∂x_{a-1} = 1 and ∂²F_a/∂x_{a-2}∂x_{a-1} = -1; ν enters linearly
        w = _arr(w)
        H = np.zeros(w.shape + (self.D,), dtype=w.dtype)
        H[..., self._ip1, self._im1] += w
        H[..., self._im1, self._ip1] += w
        H[..., self._im2, self._im1] -= w
        H[..., self._im1, self._im2] -= w
        return self._zero_hess(w, H)

    def jac_pattern(self):
        a = np.arange(self.D)
        return np.tile(a, 4), np.concatenate([self._ip1, self._im2, self._im1, a])

    def jac_values(self, x, p, *u):
        x = _arr(x)
        xm1 = x[..., self._im1]
        return np.concatenate([xm1, -xm1, x[..., self._ip1] - x[..., self._im2],
                               np.full_like(xm1, -1.0)], axis=-1)

    def hess_pattern(self):
        return (np.concatenate([self._ip1, self._im1, self._im2, self._im1]),
                np.concatenate([self._im1, self._ip1, self._im1, self._im2]))

    def hess_values(self, x, p, w, *u):
        w = _arr(w)
        return np.concatenate([w, w, -w, -w], axis=-1)

    def hess_params(self, x, p, w, *u):
        lead = np.shape(w)[:-1]
        return np.zeros(lead + (self.D, self.P)), np.zeros(lead + (self.P, self.P))

    def describe(self):
        return {**super().describe(), "D": self.D}


class Lorenz63(Model):
    """Lorenz (1963): ẋ = σ(y - x), ẏ = x(ρ - z) - y, ż = x y - β z.

    Parameters ``sigma, rho, beta``, defaults 10, 28, 8/3.
    """

    name = "lorenz63"
    param_names = ("sigma", "rho", "beta")

    def __init__(self, sigma: float = 10.0, rho: float = 28.0, beta: float = 8.0 / 3.0):
        self.D = 3
        self.default_params = np.array([sigma, rho, beta], dtype=float)

    def rhs(self, x, p):
        x = _arr(x)
        X, Y, Z = x[..., 0], x[..., 1], x[..., 2]
        s, r, b = p
        return np.stack([s * (Y - X), X * (r - Z) - Y, X * Y - b * Z], axis=-1)

    def jac(self, x, p):
        x = _arr(x)
        X, Y, Z = x[..., 0], x[..., 1], x[..., 2]
        s, r, b = p
        J = np.zeros(x.shape + (3,), dtype=x.dtype)
        J[..., 0, 0], J[..., 0, 1] = -s, s
        J[..., 1, 0], J[..., 1, 1], J[..., 1, 2] = r - Z, -1.0, -X
        J[..., 2, 0], J[..., 2, 1], J[..., 2, 2] = Y, X, -b
        return J

    def jac_p(self, x, p):
        x = _arr(x)
        X, Y, Z = x[..., 0], x[..., 1], x[..., 2]
        Jp = np.zeros(x.shape + (3,), dtype=x.dtype)
        Jp[..., 0, 0] = Y - X
        Jp[..., 1, 1] = X
        Jp[..., 2, 2] = -Z
        return Jp

    has_hessian = True

    def hess(self, x, p, w):
        # F0 = s(Y - X), F1 = X(r - Z) - Y, F2 = XY - bZ: bilinear terms only
        w = _arr(w)
        lead = w.shape[:-1]
        Hxx = np.zeros(lead + (3, 3), dtype=w.dtype)
        Hxx[..., 0, 2] = Hxx[..., 2, 0] = -w[..., 1]
        Hxx[..., 0, 1] = Hxx[..., 1, 0] = w[..., 2]
        Hxp = np.zeros(lead + (3, 3), dtype=w.dtype)
        Hxp[..., 0, 0], Hxp[..., 1, 0] = -w[..., 0], w[..., 0]
        Hxp[..., 0, 1] = w[..., 1]
        Hxp[..., 2, 2] = -w[..., 2]
        return Hxx, Hxp, np.zeros(lead + (3, 3), dtype=w.dtype)


class ForcedLorenz96(Lorenz96):
    """Lorenz96 with a time-varying forcing: dx_a/dt = (x_{a+1} - x_{a-2}) x_{a-1} - x_a
    + ν + u(t), the input u (one, the same on every component) known; ν a constant offset
    (default 0, estimable).  The Jacobians are Lorenz96's (u enters additively)."""

    name = "lorenz96-forced"
    inputs = ("forcing",)

    def __init__(self, D: int = 20, nu: float = 0.0):
        super().__init__(D, nu)

    def rhs(self, x, p, u):
        return super().rhs(x, p) + _arr(u)[..., :1]

    def jac(self, x, p, u):
        return super().jac(x, p)

    def jac_p(self, x, p, u):
        return super().jac_p(x, p)

    def hess(self, x, p, w, u=None):
        return super().hess(x, p, w)
