"""Newton on the NaKL neuron where its Hessian is sloppy: the group's recording, all 18
parameters within the group's bounds, R_f up to the group's final 2^55 R_f0 (a sloppy,
curved valley: docs/decisions.md, "nakl" and "Newton on NaKL, second attempt")."""
import numpy as np
import pytest

import dalearn as da


def _window(n):
    preset = da.get_preset("group-nakl")
    full, _ = preset.make(N=6001, n_future=0)
    pb = da.Problem(da.NaKL(hessian=True), full.data[:, :n], full.dt, observed=[0],
                    sigma=1.0, rule=full.rule, params=full.params, estimate=full.estimate,
                    bounds=full.param_bounds, drive=full.drive)
    return pb, preset.anneal.Rf0


def _assert_verified_in_bounds(pb, r):
    assert r.verified.all(), (r.status.T.tolist(), r.nit.T.tolist())
    assert np.all(r.decrement <= 1e-8)
    names = pb.model.param_names
    for name, (lo, hi) in pb.param_bounds.items():
        j = names.index(name)
        assert np.all((r.params[:, :, j] >= lo) & (r.params[:, :, j] <= hi)), name


def test_newton_verifies_every_beta_on_a_short_sloppy_window():
    """A 10 ms window, V observed, alpha = 2, beta = 0..40 in steps of 5, two starts: every
    (beta, start) solve ends at a verified minimum (exact Cholesky, decrement <= ftol A)
    with the parameters inside their bounds."""
    pb, Rf0 = _window(500)
    r = da.anneal(pb, betas=np.arange(0, 41, 5), Rf0=Rf0, alpha=2.0, n_init=2, seed=0,
                  method="newton")
    _assert_verified_in_bounds(pb, r)


@pytest.mark.slow
def test_newton_verifies_every_beta_up_to_the_groups_final_rf():
    """Notebook 07's 40 ms window and schedule (alpha = 2, beta = 0..55), one start, 400
    iterations per solve: every solve verified, the last one at an action lower than where
    lm stops (lm's final point there is not a verified minimum)."""
    pb, Rf0 = _window(2000)
    r = da.anneal(pb, betas=np.arange(0, 56, 5), Rf0=Rf0, alpha=2.0, n_init=1, seed=0,
                  method="newton", maxiter=400)
    _assert_verified_in_bounds(pb, r)
    lm = da.anneal(pb, betas=np.arange(0, 56, 5), Rf0=Rf0, alpha=2.0, n_init=1, seed=0,
                   method="lm")
    assert r.final_action[0] < lm.final_action[0] - 1e-4 * lm.final_action[0]
