"""The nested-dissection order of the action's sparse Hessian (dalearn.optimize._ordering):
a permutation with the parameters last, built from the right coupling graph, with each
separator separating, and less fill than minimum degree where it is used (many states)."""
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from dalearn import lorenz96_twin
from dalearn.optimize._ordering import _split, grid_order, space_graph


def _hessian(D, N=15, estimate=(), seed=0):
    problem, truth = lorenz96_twin(D=D, L=D // 2, N=N, dt=0.025, seed=seed, estimate=estimate)
    z = np.random.default_rng(1).normal(0, 2, problem.n_unknowns)
    hb = problem.evaluator(10.0).sparse_hessian(z, True)
    return hb


def test_lorenz96_couples_each_state_with_three_neighbours_each_side_on_the_ring():
    hb = _hessian(12)
    S = space_graph(hb.H, *hb.grid).toarray()
    i, j = np.indices(S.shape)
    ring = np.minimum(np.abs(i - j), 12 - np.abs(i - j))
    # F_i involves x_{i-2}, x_{i-1}, x_i, x_{i+1}: two residuals share a state for |i-j| <= 3
    assert np.array_equal(S != 0, (ring >= 1) & (ring <= 3))


def test_order_is_a_permutation_with_the_parameters_last():
    hb = _hessian(30, N=40, estimate=("nu",))
    M, D = hb.grid
    q = grid_order(hb.H, M, D, leaf=16)
    n = hb.H.shape[0]
    assert n == M * D + 1
    assert np.array_equal(np.sort(q), np.arange(n))
    assert q[-1] == M * D


def test_couplings_further_than_one_step_in_time_are_refused():
    hb = _hessian(10)
    M, D = hb.grid
    H = hb.H.tolil()
    H[0, 2 * D] = H[2 * D, 0] = 1.0
    assert grid_order(H.tocsr(), M, D) is None


def test_a_space_separator_separates_and_is_as_small_as_the_coupling_allows():
    """On the Lorenz96 ring (coupling reach 3) a cut needs 3 consecutive states, the whole
    ring two such cuts: the separator found has no edge across it, splits evenly, and has
    6 states on the ring and 3 on an arc."""
    hb = _hessian(40)
    S = space_graph(hb.H, *hb.grid)
    for V, size in ((np.arange(40), 6), (np.arange(5, 31), 3)):
        V1, V2, sep = _split(S, V)
        assert np.array_equal(np.sort(np.concatenate([V1, V2, sep])), V)
        assert S[V1][:, V2].nnz == 0
        assert sep.size == size
        assert abs(V1.size - V2.size) <= size


def test_many_states_fill_less_than_minimum_degree():
    """At D = M = 200 (a square grid, the size where the sparse path starts to pay) nested
    dissection's factor has fewer nonzeros than SuperLU's minimum degree on AᵀA + A."""
    hb = _hessian(200, N=200)
    A = (hb.H + sp.diags(np.abs(hb.H.diagonal()))).tocsc()
    q = grid_order(A, *hb.grid)
    opts = dict(diag_pivot_thresh=0.0, options={"SymmetricMode": True})
    nd = splu(A[q][:, q].tocsc(), permc_spec="NATURAL", **opts)
    md = splu(A, permc_spec="MMD_AT_PLUS_A", **opts)
    assert nd.L.nnz + nd.U.nnz < md.L.nnz + md.U.nnz


def test_the_sparse_solver_uses_the_grid_order_from_its_threshold_and_solves_the_same():
    """From GRID_ORDER_MIN_D states the factor is made in the grid order; the damped Newton
    step, the definiteness test and a second right-hand side agree with minimum degree's."""
    from dataclasses import replace

    from dalearn.optimize import SparseSolver
    from dalearn.optimize._ordering import GRID_ORDER_MIN_D
    hb = _hessian(GRID_ORDER_MIN_D, N=12)
    b = np.random.default_rng(2).normal(size=hb.H.shape[0])
    out = {}
    for grid in (hb.grid, None):
        s = SparseSolver()
        s.prepare(replace(hb, grid=grid))
        assert s.factor(50.0)                       # damped: positive definite
        out[grid] = (s.solve_factored(-hb.g), s.solve_factored(b),
                     s._q.copy())
    (x1, y1, q1), (x2, y2, q2) = out[hb.grid], out[None]
    assert np.array_equal(q1, grid_order(hb.H, *hb.grid))
    assert not np.array_equal(q1, q2)
    assert np.allclose(x1, x2, rtol=1e-9, atol=1e-12 * np.abs(x2).max())
    assert np.allclose(y1, y2, rtol=1e-9, atol=1e-12 * np.abs(y2).max())
