"""The classical fourth-order Runge-Kutta step, written once for every user: the twin's truth
and prediction (:func:`dalearn.discretize.integrate`), the RK4 rule's stages, the conditional
Lyapunov exponents and the chaotic stimulus."""
from __future__ import annotations

__all__ = ["rk4", "rk4_stages"]


def rk4_stages(f, x, h):
    """The four slopes and the points they are taken at, ``((k1, k2, k3, k4), (x, s2, s3,
    s4))``, of one step ``h`` from ``x``.  ``f(x, half)`` is the vector field at the stage's
    time ``t + half h/2`` (``half`` = 0, 1, 1, 2), which an autonomous ``f`` ignores."""
    k1 = f(x, 0)
    s2 = x + 0.5 * h * k1
    k2 = f(s2, 1)
    s3 = x + 0.5 * h * k2
    k3 = f(s3, 1)
    s4 = x + h * k3
    k4 = f(s4, 2)
    return (k1, k2, k3, k4), (x, s2, s3, s4)


def rk4(f, x, h):
    """One classical RK4 step of size ``h`` from ``x`` (any array shape); ``f(x, half)`` as
    in :func:`rk4_stages`."""
    (k1, k2, k3, k4), _ = rk4_stages(f, x, h)
    return x + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
