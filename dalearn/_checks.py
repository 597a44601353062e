"""Argument checks shared by every entry point: each names the argument and what is allowed.

All raise before any work starts: ``TypeError`` for the wrong kind of value, ``ValueError``
for a value out of range.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_int", "check_positive", "check_finite", "check_choice", "check_observed",
           "as_generator", "check_range", "check_memory", "memory_limit", "check_real_array",
           "check_precision"]


def check_int(name: str, value, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int in ``low..high`` (either bound may be None)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer{_bounds(low, high)}, got {value!r}")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        raise ValueError(f"{name} must be an integer{_bounds(low, high)}, got {v}")
    return v


def _bounds(low, high) -> str:
    if low is not None and high is not None:
        return f" in {low}..{high}"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""


def check_positive(name: str, value, allow_array: bool = False) -> np.ndarray | float:
    """``value`` as a float (or 1-D float array) after checking it is finite and > 0."""
    arr = _real_array(name, value, "a positive number"
                      + (" or a 1-D array of them" if allow_array else ""))
    if (arr.ndim > 0 and not allow_array) or arr.ndim > 1 or arr.size == 0:
        kind = "a positive number" + (" or a 1-D array of them" if allow_array else "")
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return arr if arr.ndim else float(arr)


def check_finite(name: str, value) -> float:
    """``value`` as a finite float."""
    arr = _real_array(name, value, "a finite number")
    if arr.ndim != 0:
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    if not np.isfinite(arr):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(arr)


def _real_array(name: str, value, kind: str) -> np.ndarray:
    if isinstance(value, (str, bytes, bool, np.bool_)) or value is None:
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be {kind}, got {value!r}") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    return arr.astype(float)


def check_real_array(name: str, value, ndim: int | None = None) -> np.ndarray:
    """``value`` as a float array (of ``ndim`` dimensions if given): real numbers (NaN
    allowed here), not strings, booleans, complex numbers or ragged lists."""
    try:
        arr = np.asarray(value)
    except ValueError:
        raise TypeError(f"{name} must be an array of numbers (ragged lists are not)") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be real numbers, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    return arr.astype(float)


def check_range(name: str, value) -> tuple[float, float]:
    """``(low, high)`` of two finite numbers with low < high."""
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be (low, high), got {value!r}") from None
    lo, hi = check_finite(f"{name}[0]", lo), check_finite(f"{name}[1]", hi)
    if not lo < hi or not np.isfinite(hi - lo):
        raise ValueError(f"{name} must be (low, high) with low < high (and a finite width), "
                         f"got {value!r}")
    return lo, hi


def check_choice(name: str, value, choices) -> str:
    """``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_observed(D: int, observed=None, L=None) -> np.ndarray:
    """Observed component indices from explicit ``observed`` or a count ``L``.

    With ``L`` the indices are spread evenly around the state:
    ``round(linspace(0, D, L, endpoint=False))``; with neither, every component.
    """
    if observed is not None and L is not None:
        raise ValueError("give either observed (indices) or L (a count), not both")
    if observed is None:
        if L is None:
            return np.arange(D)
        L = check_int("L", L, 1, D)
        return np.round(np.linspace(0, D, L, endpoint=False)).astype(int)
    obs = np.asarray(observed)
    if obs.ndim != 1 or obs.size == 0 or obs.dtype.kind not in "iu":
        raise TypeError(f"observed must be a non-empty 1-D sequence of integers, got {observed!r}")
    if np.any(obs < 0) or np.any(obs >= D):
        raise ValueError(f"observed indices must be in 0..{D - 1}, got {obs.tolist()}")
    if len(np.unique(obs)) != len(obs):
        raise ValueError(f"observed indices must not repeat, got {obs.tolist()}")
    return obs.astype(int)


def as_generator(seed, name: str = "seed") -> np.random.Generator:
    """A ``np.random.Generator`` from an int >= 0 or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_int(name, seed, 0))


def memory_limit() -> int:
    """Bytes a single run may plan to use: half the memory available now (4 GiB if unknown)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024 // 2
    except OSError:
        pass
    return 4 * 2 ** 30


def check_memory(what: str, n_bytes: float) -> None:
    """Refuse, before the work, a run whose arrays would need more than :func:`memory_limit`."""
    limit = memory_limit()
    if not n_bytes <= limit:
        raise ValueError(f"{what} would need about {n_bytes / 2 ** 30:.3g} GiB of memory; "
                         f"the limit is {limit / 2 ** 30:.3g} GiB (half of what is available)")


def check_precision(sigma, Rm, n: int | None = None):
    """``(sigma, R_m)`` from exactly one of the noise std ``sigma`` or the precision ``Rm``
    (= 1/sigma**2): scalars, or with ``n`` a scalar or ``n`` entries each, R_m then
    broadcast to ``(n,)``."""
    if (sigma is None) == (Rm is None):
        raise ValueError("give exactly one of sigma (noise std) or Rm (measurement "
                         "precision = 1/sigma**2)")
    per = n is not None
    if Rm is None:
        sigma = check_positive("sigma", sigma, allow_array=per)
        if np.any(np.log10(sigma) * -2 > 300):
            raise ValueError(f"sigma {sigma!r} is too small: R_m = 1/sigma**2 overflows")
        if np.any(np.log10(sigma) * 2 > 300):
            raise ValueError(f"sigma {sigma!r} is too large: R_m = 1/sigma**2 underflows to 0")
        Rm = 1.0 / np.asarray(sigma) ** 2
    if not per:
        return sigma, float(check_positive("Rm", Rm))
    Rm = np.asarray(check_positive("Rm", Rm, allow_array=True), dtype=float)
    if Rm.ndim == 1 and Rm.size != n:
        raise ValueError(f"sigma or Rm per component must have L={n} entries, got {Rm.size}")
    return sigma, np.broadcast_to(Rm, (n,)).astype(float)
