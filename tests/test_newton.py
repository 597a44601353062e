"""Newton's method on the exact Hessian, the verified minimum and the continuation predictor."""
import json

import numpy as np
import pytest

import dalearn as da
from dalearn.problem import ActionEvaluator
from dalearn.optimize import minimize


@pytest.fixture(scope="module")
def small():
    tw = da.twin_experiment(da.Lorenz96(D=8), N=60, L=5, sigma=0.4, seed=2)
    return tw.problem, tw.truth


def test_newton_converges_quadratically_near_a_minimum(small):
    problem, truth = small
    ev = ActionEvaluator(problem, 50.0)
    zmin = minimize(ev, problem.pack(truth.x), method="newton", ftol=1e-14).z
    z0 = zmin + 0.02 * np.random.default_rng(0).normal(size=zmin.size)
    # the k-th iterate is the result of k iterations from the same start (deterministic)
    g = [np.linalg.norm(ev.value_grad(z0)[1])] + [
        np.linalg.norm(ev.value_grad(minimize(ev, z0, method="newton", maxiter=k,
                                              ftol=0.0).z)[1]) for k in range(1, 5)]
    e = np.array(g) / g[0]
    assert e[-1] < 1e-9
    steps = [(e[k], e[k + 1]) for k in range(len(e) - 1) if e[k + 1] > 1e-12]
    assert len(steps) >= 2
    for before, after in steps:                 # the error at least squares (up to a constant)
        assert after <= 10.0 * before ** 2, (before, after)
    # Gauss-Newton from the same start is only linear: it is slower to the same accuracy
    e_gn = np.linalg.norm(ev.value_grad(minimize(ev, z0, method="lm", maxiter=3,
                                                 ftol=0.0).z)[1]) / g[0]
    assert e_gn > 100 * max(e[3], 1e-15)


def test_the_check_reports_the_decrement_and_definiteness_of_the_exact_hessian(small):
    problem, truth = small
    ev = ActionEvaluator(problem, 1.0)
    rng = np.random.default_rng(1)
    seen = set()
    for trial in range(6):
        z = problem.pack(truth.x + rng.normal(0, 3.0, truth.x.shape))
        res = minimize(ev, z, method="lm", maxiter=1)      # stops early: a point, not a minimum
        H = ev.hessian(res.z).to_dense()
        g = ev.value_grad(res.z)[1]
        pd = np.linalg.eigvalsh(H).min() > 0
        assert res.pos_def == pd
        seen.add(pd)
        assert res.grad_max == pytest.approx(np.abs(g).max(), rel=1e-12)
        if pd:
            assert res.decrement == pytest.approx(0.5 * g @ np.linalg.solve(H, g) / res.total,
                                                  rel=1e-8)
        assert res.status == 1 and not res.success
    assert seen == {True, False} or seen == {True}


def test_converged_means_a_verified_minimum(small):
    problem, truth = small
    ev = ActionEvaluator(problem, 50.0)
    for method in ("newton", "lm", "lbfgsb"):
        res = minimize(ev, problem.pack(truth.x), method=method)
        H = ev.hessian(res.z).to_dense()
        if res.status == 0:
            assert res.pos_def and res.decrement <= 1e-8
            assert np.linalg.eigvalsh(H).min() > 0
        else:
            assert res.status == 2 and "verified" in res.message


def test_a_model_without_second_derivatives_is_not_checked():
    lz = da.Lorenz96(D=6)
    user = da.CustomModel(lambda x, p: lz.rhs(x, [8.17]), D=6, name="mine")
    tw = da.twin_experiment(user, N=30, L=3, seed=0)
    assert tw.problem.methods == ("lm", "lbfgsb")
    res = minimize(ActionEvaluator(tw.problem, 10.0), tw.problem.pack(tw.truth.x), method="lm")
    assert res.pos_def is None and np.isnan(res.decrement) and res.status == 0
    with pytest.raises(ValueError, match="method must be one of"):
        da.anneal(tw.problem, betas=2, n_init=1, method="newton")


def test_the_tangent_is_the_derivative_of_the_minimiser_along_log_rf(small):
    problem, truth = small
    Rf, eps = 30.0, 1e-4
    z = problem.pack(truth.x)
    r0 = minimize(ActionEvaluator(problem, Rf), z, method="newton", ftol=1e-15)
    assert r0.tangent is not None
    zp = minimize(ActionEvaluator(problem, Rf * np.exp(eps)), r0.z, method="newton",
                  ftol=1e-15).z
    zm = minimize(ActionEvaluator(problem, Rf * np.exp(-eps)), r0.z, method="newton",
                  ftol=1e-15).z
    fd = (zp - zm) / (2 * eps)
    assert np.linalg.norm(r0.tangent - fd) < 1e-5 * np.linalg.norm(fd)


def test_few_measurements_every_start_ends_at_a_verified_minimum():
    """The L = 6 standard problem: Gauss-Newton stalls there; Newton does not."""
    problem, _ = da.lorenz96_twin(D=20, L=6, sigma=0.4, N=200, dt=0.025, seed=0)
    r = da.anneal(problem, betas=21, Rf0=0.01, alpha=2.0, n_init=10, seed=0)
    assert r.settings["method"] == "newton"
    assert not np.any(r.status == 1)                  # no start at the iteration limit
    assert r.verified.all()
    assert np.all(r.pos_def == 1) and np.nanmax(r.decrement) <= 1e-8
    assert len(r.levels()) >= 3                       # several levels, as the science expects
    assert r.levels()[0] > 5                          # all far above the noise-consistent ~1


def test_the_check_survives_saving_and_older_results_still_load(tmp_path, small):
    problem, _ = small
    r = da.anneal(problem, betas=3, n_init=2, seed=0)
    back = da.AnnealResult.load(r.save(tmp_path / "r.npz"))
    for k in ("decrement", "grad_max", "pos_def"):
        np.testing.assert_array_equal(getattr(back, k), getattr(r, k))
    data = dict(np.load(tmp_path / "r.npz"))
    for k in ("decrement", "grad_max", "pos_def"):
        data.pop(k)
    np.savez(tmp_path / "old.npz", **data)
    old = da.AnnealResult.load(tmp_path / "old.npz")
    assert old.pos_def is None and not old.verified.any()


def test_the_cli_json_carries_the_check_per_start_and_beta(capsys, tmp_path):
    from dalearn.cli import main
    assert main(["anneal", "--model", "lorenz96", "--D", "8", "--N", "40", "--L", "5",
                 "--betas", "0:4", "--n-init", "2", "--out", str(tmp_path / "r.npz"),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert np.shape(out["decrement"]) == (2, 4) and np.shape(out["pos_def"]) == (2, 4)
    assert all(v is True for row in out["pos_def"] for v in row)
    assert out["verified_all_beta"] == [True, True]


def test_network_default_optimiser_follows_the_measured_rule():
    from dalearn.network import Network, network_twin
    tw = network_twin(width=5, n_layers=10, K_train=40, K_test=2, seed=0, shared=False)
    ff = tw.problem(Network(5, 4, shared=False))
    assert ff.expected_level > 0 and ff.methods[0] == "hybrid"
    assert tw.problem(Network(5, 40, shared=False)).methods[0] == "lbfgsb"   # over-fitted
    well = tw.problem(Network(5, 10, shared=True))
    assert well.expected_level > 0 and well.methods[0] == "newton"
    small = network_twin(width=3, n_layers=4, K_train=3, K_test=2, seed=0)
    over = small.problem(Network(3, 3, shared=True))
    assert over.expected_level <= 0 and over.methods[0] == "lbfgsb"
    # and on the well-determined recurrent student Newton ends every solve at a verified minimum
    r = da.anneal(well, betas=np.arange(0, 13, 4), Rf0=1.0, alpha=2.0, n_init=2, seed=1)
    assert r.verified.all()


@pytest.fixture(scope="module")
def against_its_gradient():
    """A Lorenz96 point (a minimum at R_f = 1, seen at R_f = 50) where Newton's step moves
    ν the same way as its gradient component: the step goes below ν while the gradient
    says ν should rise.  With a lower bound at ν the variable is free (its gradient points
    inward) but the step pushes it out."""
    from dalearn.optimize._loop import Iterate
    twin, _ = da.lorenz96_twin(D=8, L=4, N=25, seed=2)
    problem = da.Problem(da.Lorenz96(8), twin.data, twin.dt, observed=twin.observed,
                         sigma=0.4, params=[6.5], estimate=("nu",))
    z0 = problem.pack(problem.initial_paths(1, np.random.default_rng(7), -2.0, 2.0)[0], [6.5])
    warm = minimize(problem.evaluator(1.0), z0, method="newton").z
    n = warm.size

    def at(lo_nu):
        lo = np.full(n, -np.inf)
        lo[-1] = lo_nu
        it = Iterate(problem.evaluator(50.0), warm, (lo, np.full(n, np.inf)), True, 1e-8)
        it.solver.prepare(it.hb)
        return it
    return at, warm[-1]


def test_a_step_pushing_a_free_variable_off_its_bound_is_made_on_that_face(against_its_gradient):
    """The variable is held for that step and the rest solved for: the step is the
    quadratic model's minimiser on the face, so its predicted decrease is at least that of
    the clipped full step (which lies on the same face)."""
    from dalearn.optimize._check import held
    at, nu = against_its_gradient
    it = at(nu)
    it.mask = held(it.z, it.hb.g, it.bounds)
    assert not it.mask[-1] and it.hb.g[-1] < 0           # free: its gradient points inward
    dz = it.solver.step(0.0, it.mask)
    assert dz[-1] < 0                                    # ...but the step pushes it out
    face = it.onto_face(dz, lambda: it.solver.step(0.0, it.mask))
    assert it.mask[-1] and face[-1] == 0.0
    r = it.hb.matvec(face) + it.hb.g                     # H_FF δ_F = -g_F
    assert np.abs(r[:-1]).max() <= 1e-8 * np.abs(it.hb.g[:-1]).max()

    def pred(d):
        return -float(it.hb.g @ d) - 0.5 * float(d @ it.hb.matvec(d))
    clipped = np.where(np.arange(dz.size) == dz.size - 1, 0.0, dz)
    assert pred(face) > pred(clipped) > 0
    # an ulp above the bound (where a step cut at the bound may stop) counts as on it
    near = at(np.nextafter(nu, -np.inf))
    near.mask = held(near.z, near.hb.g, near.bounds)
    near_face = near.onto_face(near.solver.step(0.0, near.mask),
                               lambda: near.solver.step(0.0, near.mask))
    assert near.mask[-1] and near_face[-1] == 0.0
    # a step that leaves every bounded variable inside is returned as it is
    inside = at(nu - 10.0)
    inside.mask = held(inside.z, inside.hb.g, inside.bounds)
    dz_in = inside.solver.step(0.0, inside.mask)
    assert inside.onto_face(dz_in, lambda: None) is dz_in


def test_a_rejected_step_is_next_tried_up_to_the_first_bound(against_its_gradient):
    """The fraction of the step that reaches the nearest bound: z + t δ on it, inside
    the others."""
    at, nu = against_its_gradient
    it = at(nu - 0.1)
    dz = it.solver.step(0.0, None)
    t = it._to_bound(dz)
    assert t == pytest.approx(0.1 / -dz[-1], rel=1e-12) and 0 < t < 1
    assert it.z[-1] + t * dz[-1] == pytest.approx(nu - 0.1, abs=1e-12)
    assert it._to_bound(0.5 * t * dz) == 1.0             # a step that stays inside


class _Valley:
    """The narrow valley f = 1 + ½K(u - v)² + ½(u + v)² (minimum (0, 0)) with v >= lo: an
    evaluator with its exact (sparse) Hessian, for the loop alone."""
    has_hessian = sparse = True

    def __init__(self, lo, K=1e4):
        self.H = np.array([[K + 1, 1 - K], [1 - K, K + 1]])
        self.bounds = (np.array([-np.inf, lo]), np.array([np.inf, np.inf]))

    def terms(self, z):
        from types import SimpleNamespace
        v = 1.0 + 0.5 * float(z @ self.H @ z)
        return SimpleNamespace(total=v, meas=v, model=0.0)

    def value(self, z):
        return self.terms(z).total

    def value_grad(self, z):
        return self.value(z), self.H @ z

    def sparse_hessian(self, z, exact):
        import scipy.sparse as sp
        from dalearn.optimize._sparse import SparseHessian
        v = self.value(z)
        return SparseHessian(v, v, 0.0, self.H @ z, sp.csr_matrix(self.H), exact=exact)

    def hessian(self, z):
        return self.sparse_hessian(z, True)

    def gauss_newton(self, z):
        return self.sparse_hessian(z, False)

    def meas_gradient(self, z):
        return self.H @ z


@pytest.mark.parametrize("lo", [0.1, 0.25, 0.3, 0.55, 0.7])
def test_newton_reaches_a_minimum_on_a_bound_across_a_narrow_valley(lo):
    """From (1, 1) Newton's step aims at (0, 0) below the bound; clipped, it would climb the
    valley's wall.  Cut at the bound instead, the next point is on it exactly (not an ulp
    short, where it could never be held), and the constrained minimum (u = (K-1)/(K+1) lo,
    v = lo) is verified with its tangent."""
    ev = _Valley(lo)
    r = minimize(ev, np.array([1.0, 1.0]), method="newton")
    assert r.status == 0 and r.pos_def and r.decrement <= 1e-8
    assert r.z[1] == lo
    assert r.z[0] == pytest.approx((1e4 - 1) / (1e4 + 1) * lo, rel=1e-9)
    assert r.tangent is not None
