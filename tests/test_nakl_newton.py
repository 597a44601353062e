"""Newton on the NaKL neuron where its Hessian is sloppy: the group's recording, all 18
parameters within the group's bounds, R_f up to 2^40 R_f0 (the smallest eigenvalue of the
exact Hessian relative to its diagonal falls below 1e-9 there; docs/decisions.md, "nakl")."""
import numpy as np

import dalearn as da


def test_newton_verifies_every_beta_on_a_sloppy_nakl_window():
    """A 10 ms window of the group-nakl recording, V observed, alpha = 2, beta = 0..40 in
    steps of 5, two starts: every (beta, start) solve ends at a verified minimum (exact
    Cholesky, decrement <= ftol A) with the parameters inside their bounds.  (Newton whose
    damping alternated between λ = 0 and 1e-5 capped at 200 iterations at beta = 35, 40.)"""
    preset = da.get_preset("group-nakl")
    full, _ = preset.make(N=6001, n_future=0)
    pb = da.Problem(da.NaKL(hessian=True), full.data[:, :500], full.dt, observed=[0],
                    sigma=1.0, rule=full.rule, params=full.params, estimate=full.estimate,
                    bounds=full.param_bounds, drive=full.drive)
    r = da.anneal(pb, betas=np.arange(0, 41, 5), Rf0=preset.anneal.Rf0, alpha=2.0, n_init=2,
                  seed=0, method="newton")
    assert r.verified.all(), (r.status.T.tolist(), r.nit.T.tolist())
    assert np.all(r.decrement <= 1e-8)
    names = pb.model.param_names
    for name, (lo, hi) in pb.param_bounds.items():
        j = names.index(name)
        assert np.all((r.params[:, :, j] >= lo) & (r.params[:, :, j] <= hi)), name
