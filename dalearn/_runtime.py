"""Process settings that make the optimiser's many medium-sized arrays cheap.

Two measured effects on the 2-core machine (benchmarks/anneal_lorenz96.py):

- glibc returns freed arrays above its mmap/trim thresholds to the OS, so every new
  (M, D, D) block array is paid again in page faults; raising the thresholds keeps them in
  the heap (Gauss-Newton build at D = 20, M = 200: 3.4 ms -> 0.75 ms).
- OpenBLAS threads slow the small banded Cholesky ~5-10x; one thread per worker is faster.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_done = False


def tune_malloc() -> bool:
    """Keep freed memory for reuse (glibc only; a no-op elsewhere). Returns True if set."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = libc.mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1
        ok &= libc.mallopt(_M_TRIM_THRESHOLD, 512 * 1024 * 1024) == 1
    except (OSError, AttributeError):
        return False
    _done = bool(ok)
    return _done


def single_blas_thread():
    """Context manager limiting BLAS/LAPACK to one thread."""
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=1, user_api="blas")
