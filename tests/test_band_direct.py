"""The banded Newton path's direct assembly: for a model that declares its Jacobian's
pattern (rules euler and trapezoid, no estimated parameter) the action's Hessian is written
straight into band storage, each time block's states reordered to narrow the band.  It must
be the matrix the dense blocks give, solve to the same steps, and anneal the same way."""
import numpy as np
import pytest

import dalearn
from dalearn import lorenz96_twin, twin_experiment
from dalearn.discretize import band_layout
from dalearn.models import Lorenz63, Lorenz96, NeuralField
from dalearn.optimize import BandedSolver, BandHessian, BlockHessian


def _field(D=9, seed=3):
    """A neural field whose W has two nonzeros per row, not cyclic neighbours."""
    rng = np.random.default_rng(seed)
    W = np.zeros((D, D))
    a = np.arange(D)
    W[a, (a + 1) % D] = rng.normal(0, 1.0, D)
    W[a, (3 * a + 2) % D] = rng.normal(0, 1.0, D)
    return NeuralField(W, rng.normal(0, 0.3, D), "tanh")


def _problem(model, rule, estimate=()):
    if isinstance(model, Lorenz96):
        problem, _ = lorenz96_twin(D=model.D, L=model.D // 2, N=15, seed=2, rule=rule,
                                   estimate=estimate)
    else:
        problem, _ = twin_experiment(model, N=15, dt=0.05, sigma=0.1, L=model.D // 2,
                                     seed=2, rule=rule)
    return problem


CASES = [(Lorenz96(7), "trapezoid"), (Lorenz96(20), "trapezoid"), (Lorenz96(9), "euler"),
         (_field(), "trapezoid"), (_field(), "euler")]


@pytest.mark.parametrize("model, rule", CASES, ids=lambda c: getattr(c, "name", c))
def test_direct_band_is_the_matrix_of_the_dense_blocks(model, rule):
    problem = _problem(model, rule)
    ev = problem.evaluator(37.0)
    assert ev.direct_band
    z = np.random.default_rng(5).normal(0, 2, problem.n_unknowns)
    v = np.random.default_rng(6).normal(size=z.size)
    for exact in (True, False):
        hb = ev.gauss_newton(z, exact)
        ev.direct_band = False
        ref = ev.gauss_newton(z, exact)
        ev.direct_band = True
        assert isinstance(hb, BandHessian) and isinstance(ref, BlockHessian)
        dense = ref.to_dense()
        scale = np.abs(dense).max()
        assert np.abs(hb.to_dense() - dense).max() <= 1e-13 * scale
        assert np.abs(hb.g - ref.g).max() <= 1e-13 * np.abs(ref.g).max()
        assert hb.total == pytest.approx(ref.total, rel=1e-14)
        assert np.abs(hb.matvec(v) - dense @ v).max() <= 1e-13 * scale * np.abs(v).max()
        # the factor works on the storage itself: a damped step solves the dense system
        s = BandedSolver()
        s.prepare(hb)
        lam = 10.0
        dz = s.step(lam)
        want = np.linalg.solve(dense + lam * np.diag(np.abs(np.diag(dense))), -ref.g)
        assert np.abs(dz - want).max() <= 1e-9 * np.abs(want).max()


@pytest.mark.parametrize("D", [8, 20, 33])
def test_lorenz96_band_is_narrowed_to_its_coupling_width(D):
    """Lorenz96's Hessian couples states up to three apart around the ring; no order of a
    ring with such couplings has a bandwidth below 6, and the fold reaches it: kd = D + 6
    instead of the 2D - 1 of dense blocks."""
    assert band_layout(Lorenz96(D)).kd == D + 6


def test_direct_band_only_where_it_applies(monkeypatch):
    assert not _problem(Lorenz96(7), "trapezoid", ("nu",)).evaluator(1.0).direct_band
    assert not _problem(Lorenz96(7), "hermite-simpson").evaluator(1.0).direct_band
    problem, _ = twin_experiment(Lorenz63(), N=15, dt=0.05, sigma=0.1, L=1, seed=2)
    assert not problem.evaluator(1.0).direct_band
    monkeypatch.setenv("DALEARN_SPARSE", "always")       # the sparse path takes it
    assert not _problem(Lorenz96(7), "trapezoid").evaluator(1.0).direct_band


def test_annealing_takes_the_same_iterations_with_the_direct_band(monkeypatch):
    problem, _ = lorenz96_twin(D=10, L=5, N=40, seed=1)
    kw = dict(betas=8, Rf0=0.01, alpha=2.0, n_init=2, seed=0)
    direct = dalearn.anneal(problem, **kw)
    monkeypatch.setattr("dalearn.problem._action.band_applies", lambda *a: False)
    assert not problem.evaluator(1.0).direct_band
    dense = dalearn.anneal(problem, **kw)
    assert np.array_equal(direct.nit, dense.nit)
    assert direct.verified.all() and dense.verified.all()
    np.testing.assert_allclose(direct.action, dense.action, rtol=1e-10)
