"""The sparse path of the second-order methods: the action's Hessian assembled as a sparse
matrix from a model's declared Jacobian pattern equals the dense blocks, the O(M D) gradient
equals the block gradient and finite differences, and the sparse and banded Newton solves
reach the same verified minima."""
import numpy as np
import pytest

from dalearn import Problem, lorenz96_twin, twin_experiment
from dalearn.discretize import SPARSE_MIN_D, SPARSE_MIN_D_DIRECT_BAND, sparse_applies
from dalearn.models import ForcedLorenz96, Lorenz96, NeuralField
from dalearn.optimize import BandedSolver, Newton, SparseSolver, minimize


def _field(D=8, seed=3):
    """A neural field whose W has two nonzeros per row (a sparse pattern it declares)."""
    rng = np.random.default_rng(seed)
    W = np.zeros((D, D))
    a = np.arange(D)
    W[a, (a + 1) % D] = rng.normal(0, 1.0, D)
    W[a, (a + 3) % D] = rng.normal(0, 1.0, D)
    return NeuralField(W, rng.normal(0, 0.3, D), "tanh")


def _problem(model, rule, estimate=()):
    if isinstance(model, Lorenz96):
        problem, _ = lorenz96_twin(D=model.D, L=model.D // 2, N=15, seed=2, rule=rule,
                                   estimate=estimate)
        return problem
    problem, _ = twin_experiment(model, N=15, dt=0.05, sigma=0.1, L=model.D // 2, seed=2,
                                 rule=rule)
    return problem


CASES = [(Lorenz96(7), "trapezoid", ()), (Lorenz96(7), "euler", ("nu",)),
         (Lorenz96(6), "trapezoid", ("nu",)), (_field(), "trapezoid", ()),
         (_field(), "euler", ())]


@pytest.mark.parametrize("model, rule, est", CASES, ids=lambda c: getattr(c, "name", c))
def test_sparse_hessian_equals_the_dense_blocks(model, rule, est):
    problem = _problem(model, rule, est)
    ev = problem.evaluator(37.0)
    z = np.random.default_rng(5).normal(0, 2, problem.n_unknowns)
    for exact in (True, False):
        hb = ev.hessian(z) if exact else ev.gauss_newton(z)
        sh = ev.sparse_hessian(z, exact)
        dense = hb.to_dense()
        assert np.abs(sh.to_dense() - dense).max() <= 1e-10 * np.abs(dense).max()
        assert np.allclose(sh.g, hb.g, rtol=1e-12, atol=1e-12 * np.abs(hb.g).max())
        assert sh.total == pytest.approx(hb.total, rel=1e-14)
        v = np.random.default_rng(6).normal(size=z.size)
        assert np.allclose(sh.matvec(v), hb.matvec(v), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("model, rule, est", CASES, ids=lambda c: getattr(c, "name", c))
def test_order_md_gradient_matches_blocks_and_differences(model, rule, est):
    problem = _problem(model, rule, est)
    ev = problem.evaluator(11.0)
    z = np.random.default_rng(7).normal(0, 2, problem.n_unknowns)
    f, g = ev.value_grad(z)
    assert f == pytest.approx(ev.value(z), rel=1e-14)
    assert np.allclose(g, ev.gauss_newton(z).g, rtol=1e-12, atol=1e-12 * np.abs(g).max())
    eps = 1e-6
    idx = np.random.default_rng(8).choice(z.size, 12, replace=False)
    if est:
        idx = np.append(idx, z.size - 1)
    for i in idx:
        e = np.zeros(z.size)
        e[i] = eps
        fd = (ev.value(z + e) - ev.value(z - e)) / (2 * eps)
        assert fd == pytest.approx(g[i], rel=1e-6, abs=1e-6 * np.abs(g).max())


def test_sparse_solver_factor_tells_positive_definite_from_indefinite():
    problem = _problem(Lorenz96(6), "trapezoid")
    ev = problem.evaluator(1e3)
    z = np.random.default_rng(9).normal(0, 4, problem.n_unknowns)
    sh, hb = ev.sparse_hessian(z, True), ev.hessian(z)
    lam_min = np.linalg.eigvalsh(hb.to_dense())[0]
    assert lam_min < 0                          # a far point: the exact Hessian is indefinite
    sparse, banded = SparseSolver(), BandedSolver()
    sparse.prepare(sh)
    banded.prepare(hb)
    for lam in (0.0, 1e-3, 1e-1, 10.0, 1e3):
        ok = sparse.factor(lam)
        assert ok == banded.factor(lam)
        if ok:
            assert np.allclose(sparse.solve_factored(-sh.g), banded.solve_factored(-hb.g),
                               rtol=1e-7, atol=1e-9)
    assert not sparse.factor(0.0) and sparse.factor(1e3)


@pytest.mark.parametrize("model, rule, est", CASES[:4], ids=lambda c: getattr(c, "name", c))
def test_sparse_and_banded_newton_reach_the_same_minimum(model, rule, est, monkeypatch):
    problem = _problem(model, rule, est)
    ev = problem.evaluator(20.0)
    z0 = problem.pack(problem.initial_paths(1, np.random.default_rng(1), -2.0, 2.0)[0])
    res = {}
    for mode in ("never", "always"):
        monkeypatch.setenv("DALEARN_SPARSE", mode)
        ev = problem.evaluator(2.0)
        assert ev.sparse == (mode == "always")
        res[mode] = minimize(ev, z0, method=Newton(maxiter=100))
    a, b = res["never"], res["always"]
    assert a.status == 0 and b.status == 0 and a.pos_def and b.pos_def
    assert b.total == pytest.approx(a.total, rel=1e-9)
    assert np.allclose(b.z, a.z, rtol=1e-6, atol=1e-6)
    assert abs(a.nit - b.nit) <= 2


def test_sparse_is_chosen_by_size_pattern_and_rule(monkeypatch):
    monkeypatch.delenv("DALEARN_SPARSE", raising=False)
    assert not sparse_applies(Lorenz96(20), "trapezoid")
    assert sparse_applies(Lorenz96(400), "trapezoid")
    # the band written directly (no input, no estimated parameter) stays below its own size
    n = SPARSE_MIN_D_DIRECT_BAND
    assert SPARSE_MIN_D < n
    assert not sparse_applies(Lorenz96(n - 1), "trapezoid")
    assert sparse_applies(Lorenz96(n), "trapezoid")
    assert sparse_applies(Lorenz96(SPARSE_MIN_D), "trapezoid", n_est=1)
    assert not sparse_applies(Lorenz96(SPARSE_MIN_D - 1), "trapezoid", n_est=1)
    assert sparse_applies(Lorenz96(SPARSE_MIN_D), "trapezoid", u=np.zeros((3, 1)))
    problem, _ = lorenz96_twin(D=SPARSE_MIN_D, L=4, N=5, seed=0)
    assert not problem.evaluator(1.0).sparse and problem.evaluator(1.0).direct_band
    problem, _ = lorenz96_twin(D=SPARSE_MIN_D, L=4, N=5, seed=0, estimate=("nu",))
    assert problem.evaluator(1.0).sparse
    assert not sparse_applies(Lorenz96(400), "hermite-simpson")
    dense_field = NeuralField(np.ones((4, 4)), np.zeros(4))
    monkeypatch.setenv("DALEARN_SPARSE", "always")
    assert sparse_applies(Lorenz96(20), "euler") and not sparse_applies(dense_field, "euler")
    monkeypatch.setenv("DALEARN_SPARSE", "sometimes")
    with pytest.raises(ValueError, match="DALEARN_SPARSE"):
        sparse_applies(Lorenz96(20), "trapezoid")


def test_driven_lorenz96_sparse_hessian_equals_the_dense_blocks(monkeypatch):
    model = ForcedLorenz96(6, nu=8.0)
    t = np.linspace(0.0, 1.0, 15)
    problem = Problem(model, np.sin(t)[None].repeat(3, 0), 0.05, observed=[0, 2, 4],
                      sigma=0.1, drive=lambda s: 0.5 * np.cos(s))
    ev = problem.evaluator(5.0)
    z = np.random.default_rng(3).normal(0, 2, problem.n_unknowns)
    dense, sparse = ev.hessian(z), ev.sparse_hessian(z, True)
    assert np.abs(sparse.to_dense() - dense.to_dense()).max() <= 1e-10 * np.abs(
        dense.to_dense()).max()
    assert np.allclose(sparse.g, dense.g, rtol=1e-12, atol=1e-12)
