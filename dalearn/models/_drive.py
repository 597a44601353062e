"""Known inputs of driven models F(x, p, u(t)): a stimulus current, a time-varying forcing.

A drive is a callable ``u(t)`` taking times ``(T,)`` and returning ``(T, U)`` (``U`` inputs).
:class:`SampledDrive` makes one from samples by linear interpolation, and refuses times
outside the sampled range (a drive is never extrapolated).

Where the rules need the input: every rule evaluates it on the **half-step model grid**
``t0 + j h/2``, j = 0..2(M-1) (the model times and the midpoints between them), shape
``(2M - 1, U)``: Euler and the trapezoid rule use the model times, Hermite-Simpson's
midpoint and RK4's middle stages the midpoints.  A Problem samples its drive there once;
a drive given on a coarser grid is interpolated linearly, so give it at step h/2 (or
finer) for the exact input.
"""
from __future__ import annotations

import numpy as np

__all__ = ["SampledDrive", "half_grid", "sample_drive"]


class SampledDrive:
    """u(t) by linear interpolation of samples ``values`` ``(T, U)`` at increasing times
    ``t`` ``(T,)``; times outside ``[t[0], t[-1]]`` (beyond a rounding tolerance) raise."""

    def __init__(self, t, values, name: str = "drive"):
        t = np.asarray(t, dtype=float)
        v = np.asarray(values, dtype=float)
        if v.ndim == 1:
            v = v[:, None]
        if t.ndim != 1 or t.size < 2 or v.ndim != 2 or v.shape[0] != t.size:
            raise ValueError(f"{name}: times must be (T,) with T >= 2 and values (T, U), got "
                             f"{t.shape} and {np.shape(values)}")
        if not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
            raise ValueError(f"{name}: times must be finite and increase strictly")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name}: values must be finite (a drive is known at every time)")
        self.t, self.values, self.name = t, v, name

    @property
    def U(self) -> int:
        return self.values.shape[1]

    def __call__(self, t) -> np.ndarray:
        t = np.atleast_1d(np.asarray(t, dtype=float))
        tol = 1e-9 * max(1.0, abs(self.t[-1]) + abs(self.t[0]))
        if t.size and (t.min() < self.t[0] - tol or t.max() > self.t[-1] + tol):
            raise ValueError(f"{self.name} is known on [{self.t[0]:g}, {self.t[-1]:g}], "
                             f"asked for [{t.min():g}, {t.max():g}]")
        return np.stack([np.interp(t, self.t, self.values[:, j]) for j in range(self.U)],
                        axis=-1)


def half_grid(t0: float, h: float, M: int) -> np.ndarray:
    """The half-step model grid ``t0 + j h/2``, j = 0..2(M-1), shape ``(2M - 1,)``."""
    return t0 + 0.5 * h * np.arange(2 * M - 1)


def sample_drive(drive, t, U: int, name: str = "drive") -> np.ndarray:
    """``drive(t)`` checked: a callable returning ``(T, U)`` finite numbers at times ``t``."""
    if not callable(drive):
        raise TypeError(f"{name} must be callable as u(t) -> (T, U) (e.g. a SampledDrive), "
                        f"got {type(drive).__name__}")
    out = np.asarray(drive(np.asarray(t, dtype=float)))
    if out.ndim == 1 and U == 1:
        out = out[:, None]
    if out.dtype.kind not in "iuf" or out.shape != (len(t), U):
        raise ValueError(f"{name}(t) must return real numbers of shape (T={len(t)}, U={U}), "
                         f"got {out.dtype} {out.shape}")
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name}(t) returned non-finite values")
    return out.astype(float)
