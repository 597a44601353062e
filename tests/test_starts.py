"""Starting paths: the group's convention and nudged (synchronising) forward runs."""
import numpy as np
import pytest

import dalearn as da
from dalearn.problem import initial_starts


def test_nudged_starts_synchronise_the_hidden_components_where_the_observed_ones_drive_them():
    # L = 12 of 20 evenly observed: the conditional Lyapunov exponent is negative, so a run
    # pulled toward the data forgets its random initial state
    twin = da.lorenz96_twin(D=20, L=12, N=120, sigma=0.4, seed=0)
    pb, tr = twin
    X, _ = initial_starts(pb, 4, strategy="nudged", seed=0, gain=10.0)
    Xd, _ = initial_starts(pb, 4, strategy="data", seed=0)
    late = slice(pb.M // 2, None)
    err = np.sqrt(np.mean((X[:, pb.unobserved, late] - tr.x[None, pb.unobserved, late]) ** 2))
    err_d = np.sqrt(np.mean((Xd[:, pb.unobserved] - tr.x[None, pb.unobserved]) ** 2))
    assert err < 1.0 < 5.0 < err_d            # noise sigma 0.4 on the pulled components
    meas = pb.mask.T
    np.testing.assert_array_equal(X[:, meas], np.broadcast_to(pb.Y.T[meas], (4, meas.sum())))


def test_starts_are_seeded_and_checked():
    pb = da.lorenz96_twin(D=6, L=3, N=20, seed=0).problem
    a = initial_starts(pb, 2, strategy="nudged", seed=5)[0]
    np.testing.assert_array_equal(a, initial_starts(pb, 2, strategy="nudged", seed=5)[0])
    with pytest.raises(ValueError, match="strategy must be one of"):
        initial_starts(pb, 2, strategy="smoother")
    with pytest.raises(ValueError, match="gain"):
        initial_starts(pb, 2, strategy="nudged", gain=-1.0)
    r = da.anneal(pb, betas=3, init=initial_starts(pb, 2, strategy="nudged", seed=0))
    assert r.n_init == 2 and np.all(np.isfinite(r.final_action))
