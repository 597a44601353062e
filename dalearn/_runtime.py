"""Process settings that make the optimiser's many medium-sized arrays cheap, only while
annealing (why, and the benchmarks that measure it: docs/decisions.md):

- glibc's mmap/trim thresholds are raised, so freed (M, D, D) block arrays stay in the heap
  instead of being paid again in page faults;
- BLAS runs one thread per worker (threads slow the small banded Cholesky).

:func:`tuned_for_annealing` switches both on and undoes them on exit: the BLAS thread
count is restored; the heap is trimmed (``malloc_trim`` hands the kept memory back), so a
notebook kernel that anneals keeps no extra memory afterwards.  glibc cannot go back to its
own *dynamic* thresholds once they have been set, and its fixed defaults (128 KiB) would
leave the kernel slower than before, so on exit the thresholds become what glibc's dynamic
rule would reach for arrays of a few MB: mmap above 4 MiB, trim when 8 MiB lie free at the
heap's top (at most 8 MiB kept).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
from contextlib import contextmanager

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_AFTER_MMAP, _AFTER_TRIM = 4 * 1024 * 1024, 8 * 1024 * 1024   # after annealing (see above)
_depth = 0


_LIBC: list = []                         # [handle or None] once looked up
_CONTROLLER: list = []                   # [threadpoolctl.ThreadpoolController] once made


def _libc():
    # ctypes.util.find_library runs a subprocess: look it up once per process
    if not _LIBC:
        _LIBC.append(_find_libc())
    return _LIBC[0]


def _find_libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt, libc.malloc_trim           # noqa: B018 - both must exist (glibc)
    except (OSError, AttributeError):
        return None
    return libc


def _set_thresholds(libc, mmap: int, trim: int) -> bool:
    return (libc.mallopt(_M_MMAP_THRESHOLD, mmap) == 1) & (libc.mallopt(_M_TRIM_THRESHOLD,
                                                                       trim) == 1)


@contextmanager
def tuned_malloc():
    """Keep freed memory for reuse inside the block (glibc only; a no-op elsewhere);
    on exit set the modest thresholds of the module doc and trim the heap. Re-entrant."""
    global _depth
    libc = _libc() if _depth == 0 else None
    if libc is not None:
        _set_thresholds(libc, 32 * 1024 * 1024, 512 * 1024 * 1024)
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if libc is not None:
            _set_thresholds(libc, _AFTER_MMAP, _AFTER_TRIM)
            libc.malloc_trim(0)


def single_blas_thread():
    """Context manager limiting BLAS/LAPACK to one thread.  The controller (which scans the
    loaded libraries) is made once per process; one made before a BLAS library was loaded
    is remade."""
    from threadpoolctl import ThreadpoolController
    if not _CONTROLLER or not _CONTROLLER[0].select(user_api="blas").lib_controllers:
        _CONTROLLER[:] = [ThreadpoolController()]
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


@contextmanager
def tuned_for_annealing():
    """One BLAS thread and a heap that keeps freed arrays, both restored on exit."""
    with single_blas_thread(), tuned_malloc():
        yield


def watch_parent(interval: float = 0.25) -> None:
    """End this process as soon as its parent has ended, for any reason (SIGTERM, SIGKILL,
    a crash): a daemon thread compares ``os.getppid()`` with the parent seen at start every
    ``interval`` seconds.  Meant for worker processes (a pool's initializer), whose parent
    cannot clean them up when it is killed."""
    import os
    import threading
    import time

    parent = os.getppid()

    def watch():
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="dalearn-watch-parent", daemon=True).start()


def worker_init() -> None:
    """Initializer of the command line's worker processes: Ctrl-C is the parent's to handle
    (the workers ignore SIGINT), and a worker ends when its parent ends."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent()
