"""Success statistics of annealing: how many starts reach the lowest level, p with an exact
interval, and the starts a 99 % chance needs."""
import math

import numpy as np
import pytest
from scipy.stats import binom

import dalearn as da
from dalearn.annealing import binomial_interval, lowest_level, starts_needed


@pytest.mark.parametrize("n", [10, 40, 100])
def test_the_interval_covers_p_at_least_95_percent_for_every_p(n):
    # exact coverage: sum of the binomial pmf over the k whose interval holds p
    bounds = [binomial_interval(k, n) for k in range(n + 1)]
    for p in np.linspace(0.005, 0.995, 67):
        cover = sum(binom.pmf(k, n, p) for k, (lo, hi) in enumerate(bounds) if lo <= p <= hi)
        assert cover >= 0.95 - 1e-9, (n, p, cover)


def test_the_interval_is_the_clopper_pearson_one_and_checks_its_input():
    lo, hi = binomial_interval(3, 40)
    # the ends are where 3 or more (3 or fewer) successes have probability 2.5 %
    assert binom.sf(2, 40, lo) == pytest.approx(0.025, rel=1e-6)
    assert binom.cdf(3, 40, hi) == pytest.approx(0.025, rel=1e-6)
    assert binomial_interval(0, 10)[0] == 0.0 and binomial_interval(10, 10)[1] == 1.0
    with pytest.raises(ValueError, match="k <= n"):
        binomial_interval(11, 10)


@pytest.mark.parametrize("p", [0.02, 0.075, 0.3, 0.9, 0.99])
def test_starts_needed_is_the_smallest_count_with_a_99_percent_chance(p):
    n = starts_needed(p)
    assert 1 - (1 - p) ** n >= 0.99
    assert n == 1 or 1 - (1 - p) ** (n - 1) < 0.99
    assert starts_needed(1.0) == 1 and math.isinf(starts_needed(0.0))


def _result(final_action, pos_def=None):
    n = len(final_action)
    a = np.vstack([np.full(n, 50.0), final_action])
    z = np.zeros((2, n))
    return da.AnnealResult(
        betas=np.arange(2.0), Rf=np.ones((2, 3)), Rm=np.ones(3), action=a, meas_term=a,
        model_term=z, params=np.zeros((2, n, 0)), status=np.zeros((2, n), int), nit=z,
        paths=np.zeros((n, 3, 4)), init_paths=np.zeros((n, 3, 4)),
        init_params=np.zeros((n, 0)), t=np.arange(4.0),
        pos_def=None if pos_def is None else np.vstack([np.full(n, -1), pos_def]))


def test_the_lowest_level_counts_its_starts_and_warns_when_one_start_holds_it():
    r = _result(np.array([2.3, 0.9601, 5.0, 0.96, 0.96005, 38.6, 2.3, 0.9612]))
    ll = r.lowest_level(band=(0.9, 1.0))
    assert ll.value == 0.96 and ll.starts == (1, 3, 4) and ll.n_total == 8
    assert ll.p == pytest.approx(3 / 8) and ll.p_low < 3 / 8 < ll.p_high
    assert ll.warnings == ()
    assert "reached by 3 of 8 starts" in ll.summary()
    assert "3 of 8 starts reach the lowest" in da.plots.level_panel(r).title
    single = lowest_level(_result(np.array([2.3, 0.96, 5.0, 3.1])), band=(0.9, 1.0))
    assert single.n_starts == 1 and any("single start" in w for w in single.warnings)
    high = lowest_level(_result(np.array([2.3, 2.3, 5.0])), band=(0.9, 1.0))
    assert high.n_starts == 2 and any("above the expected band" in w for w in high.warnings)


def test_unverified_starts_on_the_lowest_level_are_named_and_nan_starts_not_counted():
    r = _result(np.array([1.0, 1.0, np.nan, 3.0]), pos_def=np.array([1, 0, -1, 1]))
    ll = r.lowest_level()
    assert ll.n_total == 3 and ll.starts == (0, 1)
    assert any("[1]" in w and "not a verified minimum" in w for w in ll.warnings)
    js = ll.to_json()
    assert js["n_starts"] == 2 and js["starts"] == [0, 1] and js["starts_for_99"] == 5


def test_on_a_real_twin_with_few_observations_starts_disagree_and_the_count_says_so():
    # L = 1 of D = 6 observed: several levels persist (the landscape keeps its valleys)
    twin = da.lorenz96_twin(D=6, L=1, N=40, sigma=0.4, seed=3)
    r = da.anneal(twin.problem, betas=12, n_init=8, seed=0)
    ll = r.lowest_level()
    assert ll.n_starts == np.sum(r.final_action <= ll.value * (1 + 1e-3))
    assert ll.n_starts < 8 and len(r.levels()) > 1


def test_the_cli_reports_the_lowest_level_its_statistics_and_warnings(tmp_path, capsys):
    import json

    from dalearn.cli import main
    out = tmp_path / "r.npz"
    assert main(["anneal", "--D", "6", "--L", "2", "--N", "40", "--n-init", "6", "--betas",
                 "12", "--out", str(out), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    ll, fa = s["lowest_level"], np.array(s["final_actions"])
    assert ll["value"] == fa.min() and ll["n_starts"] == len(ll["starts"])
    assert ll["n_starts"] == int(np.sum(fa <= fa.min() * (1 + 1e-3)))
    assert ll["p_low"] <= ll["p"] <= ll["p_high"] and ll["starts_for_99"] >= 1
    assert isinstance(s["warnings"], list)
    assert (ll["n_starts"] == 1) == any("single start" in w for w in s["warnings"])
