"""Settings for every test run of this repository (library tests and nbval's notebooks).

The tests run on every core (pytest-xdist, pyproject.toml), so each worker, and each
notebook kernel, Jupyter server and site build it starts, uses one BLAS thread: OpenBLAS's
own threads on a fully loaded machine turn a millisecond banded Cholesky into seconds of
spinning.  (The library limits itself around its banded solves, see dalearn/_runtime.py;
this also covers numpy's matrix products in tests and notebooks.)
"""
import os

BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pytest_configure(config):
    for var in BLAS_THREAD_VARS:
        os.environ.setdefault(var, "1")              # processes started from here on
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=1, user_api="blas")     # this process, already running
