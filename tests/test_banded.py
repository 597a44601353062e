"""The banded-and-bordered solver against dense linear algebra."""
import numpy as np
import pytest

from dalearn.optimize import BandedSolver, BlockHessian, block_band


def _blocks(M, D, Pe, rng, shift):
    Hd = rng.normal(size=(M, D, D))
    Hd = Hd + Hd.transpose(0, 2, 1) + shift * np.eye(D)
    Ho = rng.normal(size=(M - 1, D, D))
    Hxp = rng.normal(size=(M, D, Pe))
    A = rng.normal(size=(Pe, Pe))
    Hpp = A @ A.T + shift * np.eye(Pe)
    g = rng.normal(size=M * D + Pe)
    return BlockHessian(0.0, 0.0, 0.0, g, Hd, Ho, Hxp, Hpp, exact=True)


@pytest.mark.parametrize("M,D", [(5, 3), (1, 4), (2, 1), (7, 2), (12, 6)])
def test_block_band_holds_the_upper_band_of_the_block_tridiagonal_matrix(M, D):
    """The strided-view build is exactly the band of the dense matrix (every entry, the
    unused corner zero), in Fortran order so LAPACK needs no copy."""
    rng = np.random.default_rng(0)
    hb = _blocks(M, D, 0, rng, 1.0)
    H = hb.to_dense()
    ab = block_band(hb.Hd, hb.Ho)
    kd = 2 * D - 1
    assert ab.shape == (kd + 1, M * D) and ab.flags.f_contiguous
    expected = np.zeros_like(ab)
    for j in range(M * D):
        for i in range(max(0, j - kd), j + 1):
            expected[kd + i - j, j] = H[i, j]
    np.testing.assert_array_equal(ab, expected)


@pytest.mark.parametrize("Pe", [0, 2])
def test_damped_step_matches_a_dense_solve(Pe):
    rng = np.random.default_rng(1)
    hb = _blocks(6, 3, Pe, rng, 30.0)
    H = hb.to_dense()
    s = BandedSolver()
    s.prepare(hb)
    for lam in (0.0, 0.3):
        dz = s.step(lam)
        S = np.diag(s.scale)
        assert np.allclose(dz, np.linalg.solve(H + lam * S, -hb.g), rtol=1e-10, atol=1e-12)
        assert np.isclose(s.damping_norm(dz), dz @ S @ dz)


def test_factor_fails_on_an_indefinite_matrix_and_damping_repairs_it():
    rng = np.random.default_rng(2)
    hb = _blocks(6, 3, 2, rng, 0.0)
    H = hb.to_dense()
    assert np.linalg.eigvalsh(H).min() < 0
    s = BandedSolver()
    s.prepare(hb)
    assert not s.factor(0.0) and s.step(0.0) is None
    assert s.factor(1e3)


@pytest.mark.parametrize("Pe", [0, 3])
def test_damped_step_predicted_decrease_needs_no_product(Pe):
    """The Newton loop's predicted decrease -gᵀδ - ½δᵀHδ of a damped step (H + λS) δ = -g
    equals -½gᵀδ + ½λ δᵀSδ (what it computes without a Hessian-vector product), and the
    bordered solve (one triangular solve per border column) is that of the dense matrix."""
    rng = np.random.default_rng(3)
    hb = _blocks(8, 4, Pe, rng, 25.0)
    H = hb.to_dense()
    s = BandedSolver()
    s.prepare(hb)
    for lam in (0.0, 1e-3, 2.0):
        dz = s.step(lam)
        S = np.diag(s.scale)
        np.testing.assert_allclose(dz, np.linalg.solve(H + lam * S, -hb.g), rtol=1e-11,
                                   atol=1e-13)
        with_product = -hb.g @ dz - 0.5 * dz @ H @ dz
        without = -0.5 * hb.g @ dz + 0.5 * lam * s.damping_norm(dz)
        assert abs(without - with_product) <= 1e-11 * abs(with_product)
        if lam:                 # and the shortcut is not the undamped formula by accident
            assert abs(-0.5 * hb.g @ dz - with_product) > 1e-6 * abs(with_product)


@pytest.mark.impl
def test_uncoupled_chains_are_solved_per_chain_as_the_dense_matrix_is(monkeypatch):
    """A band of K uncoupled chains (a network's pairs, ``chains = K``) takes the batched
    per-chain border solve; its steps equal the dense solve and the column-by-column banded
    path, and an indefinite matrix still fails the factor."""
    from dalearn.optimize import _banded
    rng = np.random.default_rng(5)
    K, per, D, Pe = 4, 3, 2, 5                      # 4 chains of 3 blocks of 2 states
    hb = _blocks(K * per, D, Pe, rng, 25.0)
    Ho = hb.Ho.copy()
    Ho[per - 1::per] = 0.0                          # no coupling between chains
    hb = BlockHessian(0.0, 0.0, 0.0, hb.g, hb.Hd, Ho, hb.Hxp, hb.Hpp, exact=True, chains=K)
    H = hb.to_dense()
    assert _banded._use_chains(K * per * D, 2 * D - 1, K)
    calls = []
    real = _banded._chain_solve
    monkeypatch.setattr(_banded, "_chain_solve", lambda *a: calls.append(1) or real(*a))
    s = BandedSolver()
    s.prepare(hb)
    plain = BandedSolver()
    plain.prepare(BlockHessian(0.0, 0.0, 0.0, hb.g, hb.Hd, Ho, hb.Hxp, hb.Hpp, exact=True))
    for lam in (0.0, 1e-3, 2.0):
        dz = s.step(lam)
        np.testing.assert_allclose(dz, np.linalg.solve(H + lam * np.diag(s.scale), -hb.g),
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dz, plain.step(lam), rtol=1e-12, atol=1e-14)
    assert len(calls) == 3
    bad = BlockHessian(0.0, 0.0, 0.0, hb.g, hb.Hd - 30.0 * np.eye(D), Ho, hb.Hxp, hb.Hpp,
                      exact=True, chains=K)
    s.prepare(bad)
    assert not s.factor(0.0) and np.linalg.eigvalsh(bad.to_dense()).min() < 0


@pytest.mark.impl
def test_chains_are_used_only_where_they_were_measured_to_win():
    """Per-chain dense solves for chains of at most three bandwidths (a feedforward
    network's 25 states at kd = 9); the column-by-column banded solve otherwise (55 states,
    or the group network's 200) and when nothing is known of chains."""
    from dalearn.optimize._banded import _use_chains
    assert _use_chains(1000, 9, 40)
    assert not _use_chains(2200, 9, 40) and not _use_chains(400, 19, 2)
    assert not _use_chains(1000, 9, 0) and not _use_chains(1000, 9, 1)
    assert not _use_chains(1001, 9, 40)
