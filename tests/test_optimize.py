"""The optimisers' contracts: method objects and names, the default method, the evaluator
check, dense Hessian blocks, many right-hand sides at once, and the continuation start."""
import numpy as np
import pytest

import dalearn as da
from dalearn.optimize import (METHODS, BandedSolver, BlockHessian, Evaluator, HessianBlocks,
                              LevenbergMarquardt, Newton, TrustRegion, continuation_start,
                              minimize)


@pytest.fixture(scope="module")
def small():
    tw = da.twin_experiment(da.Lorenz96(D=6), N=30, L=3, sigma=0.4, seed=1)
    z0 = tw.problem.initial_vectors(1, np.random.default_rng(0))[0][0]
    return tw.problem, z0


def _random_blocks(M=5, D=3, Pe=2, seed=0):
    rng = np.random.default_rng(seed)
    Hd = rng.normal(size=(M, D, D))
    Hd = Hd + Hd.transpose(0, 2, 1) + 20.0 * np.eye(D)
    A = rng.normal(size=(Pe, Pe))
    return BlockHessian(0.0, 0.0, 0.0, rng.normal(size=M * D + Pe), Hd,
                        rng.normal(size=(M - 1, D, D)), rng.normal(size=(M, D, Pe)),
                        A @ A.T + 20.0 * np.eye(Pe), exact=True)


def test_dense_blocks_are_the_matrix_the_products_use():
    hb = _random_blocks()
    H = hb.to_dense()
    assert isinstance(hb, HessianBlocks)
    np.testing.assert_array_equal(H, H.T)
    v = np.random.default_rng(1).normal(size=hb.g.size)
    np.testing.assert_allclose(H @ v, hb.matvec(v), rtol=1e-13, atol=1e-12)


def test_many_right_hand_sides_solve_as_one_at_a_time():
    hb = _random_blocks(M=6, D=2, Pe=3, seed=2)
    s = BandedSolver()
    s.prepare(hb)
    assert s.factor(0.0)
    B = np.random.default_rng(3).normal(size=(hb.g.size, 4))
    X = s.solve_factored(B)
    np.testing.assert_allclose(X, np.column_stack([s.solve_factored(b) for b in B.T]),
                               rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(hb.to_dense() @ X, B, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name,obj", [("newton", Newton), ("lm", LevenbergMarquardt),
                                      ("tr", TrustRegion)])
def test_a_method_object_is_its_name_with_the_same_options(small, name, obj):
    problem, z0 = small
    ev = problem.evaluator(20.0)
    by_name = minimize(ev, z0, method=name, maxiter=7)
    by_obj = minimize(ev, z0, method=obj(maxiter=7))
    assert by_obj.nit == by_name.nit <= 7 and by_obj.status == by_name.status
    np.testing.assert_array_equal(by_obj.z, by_name.z)


def test_the_default_method_is_the_problems_first(small):
    problem, z0 = small
    ev = problem.evaluator(20.0)
    assert isinstance(ev, Evaluator) and problem.methods[0] == "newton"
    r = minimize(ev, z0)
    np.testing.assert_array_equal(r.z, minimize(ev, z0, method="newton").z)
    assert not np.array_equal(r.z, minimize(ev, z0, method="lm").z)     # not the old lm


def test_bad_methods_and_evaluators_are_named(small):
    problem, z0 = small
    ev = problem.evaluator(20.0)
    with pytest.raises(ValueError, match="method must be one of"):
        minimize(ev, z0, method="bfgs")
    with pytest.raises(ValueError, match="not as keywords as well"):
        minimize(ev, z0, method=Newton(), maxiter=3)
    with pytest.raises(ValueError, match="newton maxiter"):
        Newton(maxiter=0)
    with pytest.raises(TypeError, match="ev must be an evaluator"):
        minimize(problem, z0)
    assert set(METHODS) == {"newton", "lm", "lbfgsb", "tr", "hybrid"}


def test_the_continuation_start_is_kept_only_when_it_lowers_the_action(small):
    problem, z0 = small
    r = minimize(problem.evaluator(20.0), z0, method="newton", ftol=1e-12)
    assert r.status == 0 and r.tangent is not None
    ev = problem.evaluator(40.0)
    z = continuation_start(ev, r.z, r.tangent, 20.0, 40.0)
    np.testing.assert_allclose(z, r.z + np.log(2.0) * r.tangent)
    assert ev.value(z) < ev.value(r.z)
    assert continuation_start(ev, r.z, -r.tangent * 1e3, 20.0, 40.0) is r.z
