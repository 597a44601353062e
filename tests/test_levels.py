"""The expected action level and the Laplace evidence against brute force: the influence
matrix by re-minimising with each datum perturbed, the level's mean by Monte Carlo over the
noise, log det H against a dense determinant, and the R_f → ∞ count of fitted numbers."""
import copy

import numpy as np
import pytest

import dalearn as da
from dalearn import levels
from dalearn.optimize import minimize



@pytest.fixture(scope="module")
def small():
    """Lorenz96 D=5, L=2, σ=0.5, 20 times, ν estimated: annealed to its final R_f."""
    p, t = da.lorenz96_twin(D=5, L=2, sigma=0.5, N=20, dt=0.025, seed=0, estimate=["nu"])
    r = da.anneal(p, betas=15, n_init=2, seed=0)
    return p, t, r, p.pack(r.paths[r.best], r.params[-1, r.best]), r.Rf[-1]


def _with_data(p, Y0):
    q = copy.copy(p)
    q.Y0 = Y0
    return q


def _refit(p, Y0, z0, Rf):
    res = minimize(_with_data(p, Y0).evaluator(Rf), z0, method="newton", ftol=1e-14)
    assert res.status == 0
    return res


def test_expected_level_is_the_chi_square_formula_and_rejects_bad_input():
    e = levels.expected_level(2400, 55.9)
    assert e.mean == pytest.approx(1 - 55.9 / 2400)
    assert e.sd == pytest.approx(np.sqrt(2 * (2400 - 55.9)) / 2400)
    assert (e.low, e.high) == pytest.approx((e.mean - 3 * e.sd, e.mean + 3 * e.sd))
    assert e.contains(e.mean) and not e.contains(e.high + 1e-9)
    assert list(e.contains([e.low - 1e-9, 1.0])) == [False, True]
    assert set(e.as_dict()) == {"mean", "low", "high", "p_eff"}
    with pytest.raises(ValueError, match="p_eff"):
        levels.expected_level(100, -1.0)
    with pytest.raises(ValueError, match="n_meas"):
        levels.expected_level(0, 1.0)
    with pytest.raises(ValueError, match="width"):
        levels.expected_level(10, 1.0, width=0)


def test_effective_dof_is_the_trace_of_the_brute_force_influence_matrix(small):
    """p_eff = Σ_i ∂x̂_i/∂y_i: perturb each measured datum, re-minimise, difference."""
    p, _, _, z, Rf = small
    measured = np.argwhere(p.w_meas > 0)                   # (time, component) pairs
    eps, trace = 1e-4, 0.0
    for n, a in measured:
        fit = []
        for s in (+1, -1):
            Y0 = p.Y0.copy()
            Y0[n, a] += s * eps
            fit.append(_refit(p, Y0, z, Rf).z[n * p.D + a])
        trace += (fit[0] - fit[1]) / (2 * eps)
    p_eff = levels.effective_dof(p, z, Rf)
    # and the dense inverse of the exact Hessian
    H = p.evaluator(Rf).gauss_newton(z, exact=True).to_dense()
    w = np.concatenate([p.w_meas.ravel(), np.zeros(1)])
    assert p_eff == pytest.approx(np.sum(2 * w * np.diag(np.linalg.inv(H))), rel=1e-9)
    assert p_eff == pytest.approx(trace, rel=1e-5)
    assert p.D + 1 < p_eff < len(measured)                 # finite R_f: more than D + P


def test_the_level_of_noisy_refits_averages_to_the_expected_level(small):
    """Monte Carlo over the noise: A_min(y0 + ε) - A_min(y0) averages 1 - p_eff/N (to second
    order in σ), with y0 the data of the noise-free fit."""
    p, _, _, z, Rf = small
    x0 = _refit(p, p.Y0, z, Rf)                            # the fit of the noisy data ...
    y0 = np.where(p.w_meas > 0, p.time_major(x0.z)[0], 0.0)  # ... fitted exactly: noise-free
    base = _refit(p, y0, x0.z, Rf)
    e = levels.level_at(p, z=base.z, Rf=Rf)
    rng = np.random.default_rng(1)
    sigma = 0.5
    gaps = []
    for _ in range(300):
        Y = np.where(p.w_meas > 0, y0 + sigma * rng.normal(size=y0.shape), 0.0)
        gaps.append(_refit(p, Y, base.z, Rf).total - base.total)
    gaps = np.array(gaps)
    se = gaps.std() / np.sqrt(len(gaps))
    assert abs(gaps.mean() - e.mean) < 4 * se
    assert abs(gaps.mean() - 1.0) > 4 * se                 # the p_eff correction is seen
    assert gaps.std() < 1.2 * e.sd                         # the band's sd is an upper bound


def test_log_evidence_has_the_dense_determinant_and_orders_two_levels():
    p, _ = da.lorenz96_twin(D=10, L=3, sigma=0.5, N=60, dt=0.025, seed=0)
    r = da.anneal(p, betas=21, n_init=6, seed=0)
    z = p.pack(r.paths[r.best], r.params[-1, r.best])
    ev = levels.log_evidence(p, r)
    H = p.evaluator(r.Rf[-1]).gauss_newton(z, exact=True).to_dense()
    sign, logdet = np.linalg.slogdet(H * p.n_meas / 2)
    assert sign > 0 and ev.log_det == pytest.approx(logdet, rel=1e-10)
    assert ev.a0 == pytest.approx(r.final_action[r.best] * p.n_meas / 2)
    assert ev.n == p.n_unknowns
    # the second level is less probable, by its action gap up to the determinants
    other = int(np.argmax(r.final_action))
    ev2 = levels.log_evidence(p, r, start=other)
    assert ev2.log_z < ev.log_z
    gap = -(ev2.a0 - ev.a0)
    assert ev2.log_z - ev.log_z == pytest.approx(gap - 0.5 * (ev2.log_det - ev.log_det))


def test_network_p_eff_is_the_dense_trace_and_tends_to_the_count_as_rf_grows():
    twin = da.network_twin(width=3, n_layers=8, K_train=10, sigma=0.05, seed=0)
    pb = twin.problem(da.Network(3, 4, "tanh", residual=True, shared=True))
    r = da.anneal(pb, betas=np.arange(0, 31, 3), Rf0=1.0, n_init=1, seed=0)
    z = pb.pack(r.paths[0], r.params[-1, 0])
    p_eff = levels.effective_dof(pb, z, r.Rf[-1])
    H = pb.evaluator(r.Rf[-1, 0]).gauss_newton(z, exact=True).to_dense()
    w = np.concatenate([pb.meas_precision().ravel(), np.zeros(pb.net.n_weights)])
    assert p_eff == pytest.approx(np.sum(2 * w * np.diag(np.linalg.inv(H))), rel=1e-8)
    count = pb.K * pb.D + pb.net.n_weights               # input states and weights
    assert count < p_eff < pb.n_measured
    assert abs(p_eff - count) / count < 0.05              # R_f = 2^30: nearly the count
    e = levels.level_at(pb, r)
    assert e.p_eff == p_eff and e.n_meas == pb.n_measured


def test_bad_input_is_named():
    p, _ = da.lorenz96_twin(D=5, L=2, sigma=0.5, N=20, dt=0.025, seed=0)
    with pytest.raises(ValueError, match="z must be"):
        levels.effective_dof(p, np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="hessian"):
        levels.effective_dof(p, np.zeros(p.n_unknowns), 1.0, hessian="dense")
    with pytest.raises(ValueError, match="give result"):
        levels.level_at(p, z=np.zeros(p.n_unknowns))
    with pytest.raises(TypeError, match="problem"):
        levels.n_measured(object())


def test_the_command_line_reports_the_band_of_the_lowest_start(tmp_path):
    import json
    import os
    import subprocess
    import sys
    env = {**os.environ, "PYTHONPATH": str(__import__("pathlib").Path(da.__file__).parents[1])}
    out = subprocess.run([sys.executable, "-m", "dalearn", "anneal", "--D", "10", "--L", "6",
                          "--N", "40", "--betas", "0:16", "--n-init", "2", "--json",
                          "--out", str(tmp_path / "r.npz"), "--plot", str(tmp_path / "r.png")],
                         capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    summary = json.loads(out.stdout)
    e = summary["expected_level"]
    assert set(e) == {"mean", "low", "high", "p_eff"}
    r = da.AnnealResult.load(tmp_path / "r.npz")
    p, _ = da.lorenz96_twin(D=10, L=6, N=40, seed=0)
    assert e["low"] < e["mean"] < e["high"] and 10 < e["p_eff"] < p.n_meas
    assert e["mean"] == pytest.approx(1 - e["p_eff"] / p.n_meas)
    assert r.final_action.min() == pytest.approx(min(summary["final_actions"]))


def test_level_band_is_level_at_or_none_where_there_is_no_band():
    """The plot's band: level_at at the lowest start; None (not an error) for a network with
    more weights than measured numbers, whose Hessian has flat directions."""
    p, _ = da.lorenz96_twin(D=6, L=3, sigma=0.4, N=30, seed=0)
    r = da.anneal(p, betas=12, n_init=2, seed=0)
    assert levels.level_band(p, r) == levels.level_at(p, r)
    twin = da.network_twin(width=3, n_layers=8, K_train=2, sigma=0.05, seed=0)
    pb = twin.problem(da.Network(3, 4, "tanh", residual=True, shared=False))
    assert pb.net.n_weights > pb.n_measured                  # 48 weights, 12 data
    rb = da.anneal(pb, betas=np.arange(0, 16, 3), Rf0=1.0, n_init=1, seed=0)
    assert levels.level_band(pb, rb) is None
    with pytest.raises(ValueError, match="not positive definite"):
        levels.level_at(pb, rb)
