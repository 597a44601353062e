"""Conditional Lyapunov exponents against exact values and published ones."""
import numpy as np
import pytest

from dalearn import Lorenz63, Lorenz96
from dalearn._checks import check_observed
from dalearn.models import conditional_lyapunov


def test_lorenz63_driven_by_y_decays_at_exactly_minus_beta():
    # with y given, the (x, z) subsystem's Jacobian is [[-σ, 0], [y, -β]]: triangular with a
    # constant diagonal, so its exponents are -σ and -β exactly; the largest is -β = -8/3
    lam = conditional_lyapunov(Lorenz63(), [[1]], t_total=100.0)[0]
    assert abs(lam - (-8.0 / 3.0)) < 0.02


def test_lorenz63_largest_exponent_matches_the_literature():
    # σ=10, ρ=28, β=8/3: λ1 ≈ 0.906 (e.g. Sprott, Chaos and Time-Series Analysis, 2003)
    lam, lam_x = conditional_lyapunov(Lorenz63(), [[], [0]], t_total=200.0)
    assert abs(lam - 0.906) < 0.05
    assert lam_x < -1.0          # driven by x, (y, z) synchronise (Pecora and Carroll 1990)


@pytest.mark.slow
def test_lorenz96_largest_exponent_matches_the_literature():
    # D=36, F=8: λ1 = 1.66 per time unit (Carrassi et al. 2008, as reproduced by DAPPER)
    lam = conditional_lyapunov(Lorenz96(36, nu=8.0), [[]], t_total=500.0, seed=1)[0]
    assert abs(lam - 1.66) < 0.06


def test_isolated_unobserved_components_decay_at_exactly_minus_one_and_all_observed_is_minus_inf():
    # L=14 of 20: no unobserved component is coupled to another (its a-2, a-1, a+1 are all
    # observed), so δu' = -δu: the exponent is exactly -1
    obs14 = check_observed(20, L=14)
    un = sorted(set(range(20)) - set(obs14))
    assert all({(a - 2) % 20, (a - 1) % 20, (a + 1) % 20}.isdisjoint(un) for a in un)
    lam14, lam_all, lam4 = conditional_lyapunov(Lorenz96(20), [obs14, list(range(20)),
                                                                check_observed(20, L=4)],
                                                t_total=20.0)
    assert abs(lam14 + 1.0) < 1e-9 and lam_all == -np.inf and lam4 > 0.5
    # a count L means the evenly spread components, as in twin experiments
    assert np.array_equal(conditional_lyapunov(Lorenz96(20), [14, 4], t_total=20.0),
                          conditional_lyapunov(Lorenz96(20), [obs14, check_observed(20, L=4)],
                                               t_total=20.0))


def test_bad_arguments_are_named():
    m = Lorenz96(8)
    for kwargs, match in (({"observed_sets": []}, "observed_sets"),
                          ({"observed_sets": [[9]]}, "observed"),
                          ({"observed_sets": [[0]], "dt": -1.0}, "dt"),
                          ({"observed_sets": [[0]], "t_spinup": -1.0}, "t_spinup"),
                          ({"observed_sets": [[0]], "x0": np.zeros(3)}, "x0")):
        with pytest.raises((ValueError, TypeError), match=match):
            conditional_lyapunov(m, **kwargs)
    with pytest.raises(TypeError, match="model"):
        conditional_lyapunov("lorenz96", [[0]])
