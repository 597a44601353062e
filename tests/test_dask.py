"""Many starts on a Dask cluster: the README's ``executor=client.get_executor()`` gives the
serial result.  dask[distributed] is a test dependency; without it this module skips."""
import os

import numpy as np
import pytest

from dalearn import anneal, lorenz96_twin

distributed = pytest.importorskip(
    "distributed", reason="dask[distributed] is not installed (pip install 'dask[distributed]')")


def test_dask_local_cluster_of_two_worker_processes_gives_the_serial_result():
    problem, _ = lorenz96_twin(D=8, L=4, N=40, sigma=0.4, seed=3, estimate=("nu",))
    kw = dict(betas=6, n_init=4, seed=5, param_range={"nu": (6.0, 10.0)})
    serial = anneal(problem, **kw)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        pids = set(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids           # real processes
        spread = anneal(problem, executor=client.get_executor(), **kw)
    for name in ("action", "params", "status", "nit", "paths", "init_paths", "init_params"):
        np.testing.assert_array_equal(getattr(spread, name), getattr(serial, name), err_msg=name)
    assert len(np.unique(np.round(serial.init_params[:, 0], 6))) == 4    # four distinct starts
