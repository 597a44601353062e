"""The trust-region Newton method ('tr', dalearn/optimize/_trust.py) and the L-BFGS-B-then-Newton
hybrid ('hybrid') on network problems: verified minima from starts with negative curvature,
the negative-curvature direction against a dense eigen-decomposition, and the same minima
as the other methods."""
import numpy as np
import pytest

from dalearn.optimize import BandedSolver
from dalearn.optimize._trust import _packed_scale, _subproblem, negative_curvature
from dalearn.network import Network, network_twin
from dalearn.optimize import METHODS, minimize


@pytest.fixture(scope="module")
def net():
    """A recurrent student (12 shared weights) fitted to more numbers than it has free ones
    (expected level 0.3 > 0), so its minima are isolated; 4 random starts."""
    tw = network_twin(width=3, n_layers=4, K_train=10, K_test=2, seed=0)
    pb = tw.problem(Network(3, 3, shared=True))
    assert pb.expected_level > 0
    z0s, _, _ = pb.initial_vectors(4, np.random.default_rng(0))
    return pb, z0s




def test_new_methods_are_available_by_name_beside_the_old(net):
    assert {"newton", "lm", "lbfgsb", "tr", "hybrid"} <= set(METHODS)
    pb, _ = net
    assert {"newton", "lm", "lbfgsb", "tr", "hybrid"} <= set(pb.methods)


@pytest.mark.parametrize("method", ["tr", "hybrid"])
def test_a_start_with_negative_curvature_ends_at_a_verified_minimum(net, method):
    pb, z0s = net
    ev = pb.evaluator(100.0)
    for z0 in z0s:
        assert np.linalg.eigvalsh(ev.hessian(z0).to_dense())[0] < -1.0     # indefinite start
        r = minimize(ev, z0, method=method, maxiter=200)
        assert r.status == 0 and r.pos_def is True and r.decrement <= 1e-8, r.message
        # the check is honest: the dense Hessian there is positive definite, the gradient ~0
        hb = ev.hessian(r.z)
        assert np.linalg.eigvalsh(hb.to_dense())[0] > 0
        assert r.grad_max == pytest.approx(np.max(np.abs(hb.g)))
        assert r.grad_max < 1e-6 * np.max(np.abs(ev.value_grad(z0)[1]))


def test_trust_region_needs_fewer_steps_than_damped_newton_where_it_is_indefinite(net):
    pb, z0s = net
    ev = pb.evaluator(100.0)
    nit = {m: sum(minimize(ev, z0, method=m, maxiter=200).nit for z0 in z0s)
           for m in ("tr", "newton")}
    assert nit["tr"] < nit["newton"], nit


def _indefinite_start(net):
    """The Hessian at an indefinite start, its prepared solver, the scale S, S^-1/2 and the
    eigen-pairs of S^-1/2 H S^-1/2 (the curvature relative to S)."""
    pb, z0s = net
    hb = pb.evaluator(100.0).hessian(z0s[1])
    solver = BandedSolver()
    solver.prepare(hb)
    s = _packed_scale(solver)
    r = 1.0 / np.sqrt(s)
    mu, U = np.linalg.eigh(r[:, None] * hb.to_dense() * r[None, :])
    return hb, solver, s, r, mu, U


@pytest.mark.impl
def test_negative_curvature_direction_matches_the_dense_eigenvector(net):
    hb, solver, s, r, mu, U = _indefinite_start(net)
    assert mu[0] < 0 and mu[1] - mu[0] > 0.05 * abs(mu[0])     # a separated lowest pair
    assert not solver.factor(0.0)                              # the Cholesky of H fails
    lam = -1.05 * mu[0]                                        # just above -mu_min
    v = negative_curvature(solver, lam, s, n_iter=40)
    assert np.sum(s * v * v) == pytest.approx(1.0)
    assert float(v @ hb.matvec(v)) == pytest.approx(mu[0], rel=1e-6)   # Rayleigh quotient
    u = r * U[:, 0]                                            # the eigenvector in z
    assert abs(np.sum(s * u * v)) == pytest.approx(1.0, abs=1e-6)
    # below -mu_min no factor exists, so no direction is returned
    assert negative_curvature(solver, -0.95 * mu[0], s) is None


@pytest.mark.impl
def test_a_subproblem_step_uses_the_negative_curvature_and_lowers_the_model(net):
    hb, solver, s, r, mu, U = _indefinite_start(net)
    for delta in (0.1, 1.0, 10.0):
        p, lam, newton = _subproblem(solver, hb.g, s, delta, 0.0, None)
        assert not newton and lam >= -mu[0]                   # H + λS positive semi-definite
        assert np.sqrt(np.sum(s * p * p)) <= 1.2 * delta
        model = hb.g @ p + 0.5 * p @ hb.matvec(p)
        # at least the decrease of the best step along -g (the Cauchy point) in the region
        gs = hb.g / s
        t = delta / np.sqrt(np.sum(s * gs * gs))
        cauchy = min(-tt * hb.g @ gs + 0.5 * tt * tt * gs @ hb.matvec(gs)
                     for tt in np.linspace(0, t, 201))
        assert model <= cauchy + 1e-12
    # a large region: the step has a sizeable part along the most negative eigen-direction
    p, lam, _ = _subproblem(solver, hb.g, s, 10.0, 0.0, None)
    along = np.sum(s * (r * U[:, 0]) * p) / np.sqrt(np.sum(s * p * p))
    assert abs(along) > 0.5


@pytest.mark.parametrize("Rf", [10.0, 100.0])
def test_the_new_methods_reach_the_other_methods_minima(net, Rf):
    pb, z0s = net
    ev = pb.evaluator(Rf)
    for z0 in z0s[:2]:
        ref = minimize(ev, z0, method="newton", maxiter=200)
        assert ref.status == 0
        for m in ("tr", "hybrid"):
            r = minimize(ev, z0, method=m, maxiter=200)
            assert r.status == 0
            # each stop has decrement (≈ A - A_min) <= ftol A, ftol = 1e-8
            assert r.total == pytest.approx(ref.total, rel=2e-8)
            np.testing.assert_allclose(r.z, ref.z, atol=1e-5 * np.abs(ref.z).max())
        # L-BFGS-B stops short of the minimum, never below it
        lb = minimize(ev, z0, method="lbfgsb")
        assert lb.total >= ref.total * (1 - 1e-12)
        assert lb.total == pytest.approx(ref.total, rel=0.1)
