"""The truncated-Newton path: conjugate gradients on exact Hessian-vector products,
preconditioned by a kept sparse factor of an earlier matrix.  PCG solves to its tolerance
whatever the preconditioner, tells an indefinite matrix by its curvature, bounds the
decrement it underestimates, and Newton on it reaches the direct path's verified minima."""
import numpy as np
import pytest

from dalearn import Problem, anneal, lorenz96_twin
from dalearn.discretize import KRYLOV_MIN_D, krylov_applies
from dalearn.models import Lorenz96
from dalearn.optimize import (KrylovSolver, Newton, SparseSolver, clear_preconditioner,
                              minimize)
from dalearn.optimize._krylov import pcg


def _spd(n=40, seed=0, lo=0.5, hi=1e4, stale=False):
    """A symmetric positive definite (n, n) matrix with eigenvalues from lo to hi; with
    ``stale`` also an earlier one: the same eigenvectors, eigenvalues up to 2 times off."""
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.normal(size=(n, n)))[0]
    ev = np.geomspace(lo, hi, n)
    A = (Q * ev) @ Q.T
    if not stale:
        return A
    return A, (Q * (ev / rng.uniform(1.0, 2.0, n))) @ Q.T


def test_pcg_solves_to_tolerance_whatever_the_preconditioner():
    A, old = _spd(stale=True)
    b = np.random.default_rng(1).normal(size=len(A))
    exact = np.linalg.solve(A, b)
    P_good = np.linalg.inv(old)              # an earlier matrix's inverse
    for pre in (lambda r: r, lambda r: P_good @ r):
        x, status, k, ritz, rz = pcg(lambda v: A @ v, pre, b, 1e-10, 500)
        assert status == "converged"
        assert np.linalg.norm(x - exact) <= 1e-6 * np.linalg.norm(exact)
    # the good preconditioner needs far fewer iterations than none
    k_none = pcg(lambda v: A @ v, lambda r: r, b, 1e-8, 500)[2]
    k_good = pcg(lambda v: A @ v, lambda r: P_good @ r, b, 1e-8, 500)[2]
    assert k_good < k_none / 2


def test_pcg_min_ritz_and_decrement_bound():
    A = _spd(30, seed=2, lo=1.0, hi=100.0)
    b = np.random.default_rng(3).normal(size=30)
    # run to the end: the smallest Ritz value is the smallest eigenvalue of A
    x, status, k, ritz, rz = pcg(lambda v: A @ v, lambda r: r, b, 1e-14, 200)
    assert ritz == pytest.approx(np.linalg.eigvalsh(A)[0], rel=1e-4)
    # stopped early: -q(x) = bᵀx - ½ xᵀAx underestimates ½ bᵀA⁻¹b, by at most about
    # ½ rz / min_ritz; the solver's decrement_error raises ½ bᵀx to that upper estimate
    true = 0.5 * b @ np.linalg.solve(A, b)
    for rtol in (1e-1, 1e-2, 1e-3):
        x, status, k, ritz, rz = pcg(lambda v: A @ v, lambda r: r, b, rtol, 200)
        est = b @ x - 0.5 * x @ A @ x
        assert est <= true * (1 + 1e-12)
        upper = 0.5 * b @ x + KrylovSolver._error(b, x, lambda v: A @ v, rz, ritz)
        assert true <= upper * (1 + 1e-12)
        assert upper - true <= 0.5 * rz


def test_pcg_reports_negative_curvature():
    A = _spd(20, seed=4)
    w, V = np.linalg.eigh(A)
    w[0] = -1.0                                         # one negative eigenvalue
    B = (V * w) @ V.T
    b = V @ np.ones(20)
    _, status, _, _, _ = pcg(lambda v: B @ v, lambda r: r, b, 1e-12, 200)
    assert status == "negative"


def _problem(D=8, est=()):
    problem, _ = lorenz96_twin(D=D, L=D // 2, N=20, seed=2, estimate=est)
    return problem


def test_krylov_factor_agrees_with_the_sparse_factor(monkeypatch):
    monkeypatch.setenv("DALEARN_SPARSE", "krylov")
    clear_preconditioner()
    problem = _problem(6)
    ev = problem.evaluator(1e3)
    z = np.random.default_rng(9).normal(0, 4, problem.n_unknowns)
    sh = ev.sparse_hessian(z, True)
    assert sh.krylov
    kry, direct = KrylovSolver(rtol=1e-10), SparseSolver()
    kry.prepare(sh)
    direct.prepare(sh)
    assert np.linalg.eigvalsh(sh.to_dense())[0] < 0     # indefinite here
    for lam in (1e3, 10.0, 1e-1, 1e-3, 0.0):             # the kept factor goes stale
        ok = direct.factor(lam)
        assert kry.factor(lam) == ok
        if ok:
            assert np.allclose(kry.solve_factored(-sh.g), direct.solve_factored(-sh.g),
                               rtol=1e-7, atol=1e-9)
    held = np.zeros(sh.g.size, bool)
    held[::5] = True
    a, b = kry.step(1e3, held), direct.step(1e3, held)
    assert np.all(a[held] == 0) and np.allclose(a, b, rtol=1e-7, atol=1e-9)


def test_a_stale_preconditioner_leaves_the_solution_unchanged(monkeypatch):
    monkeypatch.setenv("DALEARN_SPARSE", "krylov")
    problem = _problem(10)
    rng = np.random.default_rng(0)
    z1 = problem.pack(problem.initial_paths(1, rng, -2.0, 2.0)[0])
    z2 = problem.pack(problem.initial_paths(1, rng, -2.0, 2.0)[0])
    sh = problem.evaluator(500.0).sparse_hessian(z2, False)
    ref = np.linalg.solve(sh.to_dense() + 1e-2 * np.diag(np.abs(sh.H.diagonal())), -sh.g)
    for pre_point, pre_rf in ((z2, 500.0), (z1, 5.0)):  # fresh, then from another matrix
        clear_preconditioner()
        warm = KrylovSolver()
        warm.prepare(problem.evaluator(pre_rf).sparse_hessian(pre_point, False))
        assert warm.factor(1e-2)
        s = KrylovSolver(rtol=1e-10, rtol_damped=1e-10)
        s.prepare(sh)
        assert s.factor(1e-2)
        assert np.allclose(s.solve_factored(-sh.g), ref, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("est", [(), ("nu",)])
def test_krylov_and_direct_newton_reach_the_same_minimum(est, monkeypatch):
    problem = _problem(7, est)
    z0 = problem.pack(problem.initial_paths(1, np.random.default_rng(1), -2.0, 2.0)[0])
    res = {}
    for mode in ("always", "krylov"):
        monkeypatch.setenv("DALEARN_SPARSE", mode)
        clear_preconditioner()
        ev = problem.evaluator(2.0)
        assert ev.sparse and ev.krylov == (mode == "krylov")
        res[mode] = minimize(ev, z0, method=Newton(maxiter=100))
    a, b = res["always"], res["krylov"]
    assert a.status == 0 and b.status == 0 and a.pos_def and b.pos_def
    assert b.decrement <= 1e-8
    # each action exceeds the minimum's by about its decrement (<= 1e-8 A each): they
    # differ by about that at most (rounding along the route depends on earlier factors)
    assert b.total == pytest.approx(a.total, rel=2e-8)
    # both within the decrement tolerance of one minimum: ½ dᵀHd <= 1e-8 A each, so
    # their distance in the Hessian's norm is at most 2 sqrt(2e-8 A)
    d = b.z - a.z
    H = problem.evaluator(2.0).sparse_hessian(a.z, True).H
    assert float(d @ (H @ d)) <= 8e-8 * a.total
    assert b.nit <= 2 * a.nit        # (the Gauss-Newton phase differs on this path)


def test_krylov_annealing_matches_the_direct_levels(monkeypatch):
    """The kept factor carries over from one R_f to the next; the levels do not move."""
    problem = _problem(8)
    out = {}
    for mode in ("always", "krylov"):
        monkeypatch.setenv("DALEARN_SPARSE", mode)
        clear_preconditioner()
        out[mode] = anneal(problem, betas=8, n_init=2, seed=0)
    a, b = out["always"], out["krylov"]
    assert np.all(a.status == 0) and np.all(b.status == 0)
    assert np.allclose(b.action, a.action, rtol=1e-8)


def test_krylov_is_chosen_by_size_and_bad_input_errors(monkeypatch):
    monkeypatch.delenv("DALEARN_SPARSE", raising=False)
    assert not krylov_applies(Lorenz96(KRYLOV_MIN_D - 1))
    assert krylov_applies(Lorenz96(KRYLOV_MIN_D))
    monkeypatch.setenv("DALEARN_SPARSE", "always")
    assert not krylov_applies(Lorenz96(2 * KRYLOV_MIN_D))
    monkeypatch.setenv("DALEARN_SPARSE", "krylov")
    assert krylov_applies(Lorenz96(5))
    with pytest.raises(ValueError, match="rtol"):
        KrylovSolver(rtol=0.0)
    with pytest.raises(ValueError, match="rtol_other"):
        KrylovSolver(rtol_other=1.0)
    with pytest.raises(ValueError, match="refactor_after"):
        KrylovSolver(refactor_after=0)


@pytest.mark.parametrize("mode", ["never", "krylov"])
def test_newton_reaches_the_minimum_on_a_bound_like_lbfgsb(mode, monkeypatch):
    """ν bounded below its true value: the constrained minimum sits on the bound; Newton's
    projected steps (ν held at the bound, the free variables solved for; by PCG on the
    free subspace on the Krylov path) reach it, verified, at L-BFGS-B's level."""
    monkeypatch.setenv("DALEARN_SPARSE", mode)
    clear_preconditioner()
    twin, _ = lorenz96_twin(D=8, L=4, N=25, seed=2)            # true ν = 8.17
    problem = Problem(Lorenz96(8), twin.data, twin.dt, observed=twin.observed, sigma=0.4,
                      params=[6.5], estimate=("nu",), bounds={"nu": (6.0, 7.0)})
    ev = problem.evaluator(50.0)
    z0 = problem.pack(problem.initial_paths(1, np.random.default_rng(1), -2.0, 2.0)[0], [6.5])
    newton = minimize(ev, z0, method=Newton(maxiter=200))
    lb = minimize(ev, z0, method="lbfgsb", ftol=1e-14, maxiter=100000)
    assert newton.status == 0 and newton.pos_def
    assert newton.z[-1] == 7.0                      # held exactly at the bound
    assert lb.z[-1] == pytest.approx(7.0, abs=1e-6)
    assert newton.total <= lb.total * (1 + 1e-7)


@pytest.mark.parametrize("method", ["tr", "lm"])
def test_the_other_second_order_methods_work_on_the_krylov_path(method, monkeypatch):
    """Trust region (inverse iteration and λ search through PCG solves) and
    Levenberg-Marquardt reach verified minima from an indefinite start on both paths (not
    always the same one: the Gauss-Newton phase's inexact solves take other routes), and
    from a warm start (the minimum at half the R_f, as annealing gives) the same minimum:
    both within their decrement tolerance (1e-8 A) of it."""
    problem = _problem(7)
    z0 = problem.pack(problem.initial_paths(1, np.random.default_rng(1), -2.0, 2.0)[0])
    monkeypatch.setenv("DALEARN_SPARSE", "always")
    warm = minimize(problem.evaluator(1.0), z0, method="newton").z
    for start, same in ((z0, False), (warm, True)):
        res = {}
        for mode in ("always", "krylov"):
            monkeypatch.setenv("DALEARN_SPARSE", mode)
            clear_preconditioner()
            res[mode] = minimize(problem.evaluator(2.0), start, method=method)
        a, b = res["always"], res["krylov"]
        assert a.status == 0 and b.status == 0 and a.pos_def and b.pos_def
        assert a.decrement <= 1e-8 and b.decrement <= 1e-8
        if same:
            assert b.total == pytest.approx(a.total, rel=2e-8)
