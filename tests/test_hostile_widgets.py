"""Widgets: out-of-range values refused with a message, the panel stays usable."""
import numpy as np
import pytest

import dalearn as da
from dalearn.widgets import AnnealExplorer, BetaScrubber, FrameScrubber, NetworkScrubber

TWIN = da.TwinSettings(D=8, L=4, sigma=0.4, N=40)
FAST = da.AnnealSettings(n_init=1, betas=4, maxiter=50)


@pytest.mark.parametrize("twin,schedule,msg", [
    (TWIN.with_(L=30), FAST, r"L \(explorer slider 1\.\.8\)"),
    (TWIN.with_(N=1000), FAST, r"N \(explorer slider 20\.\.400\)"),
    (TWIN.with_(sigma=5.0), FAST, r"sigma must be in 0\.1\.\.1\.0"),
    (TWIN.with_(sigma=float("nan")), FAST, "sigma must be a finite number"),
    (TWIN, FAST.with_(n_init=50), r"n_init \(explorer slider 1\.\.20\)"),
    (TWIN.with_(rule="leapfrog"), FAST, "rule must be one of"),
])
def test_explorer_refuses_start_values_outside_its_sliders(twin, schedule, msg):
    with pytest.raises((ValueError, TypeError), match=msg):
        AnnealExplorer(twin, schedule)


def test_nan_in_the_sigma_box_is_refused_and_the_panel_stays_usable():
    ex = AnnealExplorer(TWIN, FAST)
    ex.sigma.value = float("nan")
    assert "refused" in ex.status.value and ex.sigma.value == pytest.approx(0.4)
    assert ex.n_solves == 1
    ex.L.value = 6                                       # still responds
    assert ex.n_solves == 2 and "refused" not in ex.status.value
    assert len(ex.scrubber.result.Rm[ex.scrubber.result.Rm > 0]) == 6


def test_scrubbers_refuse_out_of_range_start_components_and_pair():
    problem, truth = da.lorenz96_twin(D=5, L=3, N=12, seed=0)
    r = da.anneal(problem, betas=3, n_init=2, keep_all=True)
    with pytest.raises(ValueError, match=r"components entries must be an integer in 0\.\.4"):
        BetaScrubber(problem, truth, r, components=[0, 7])
    frames = [[da.plots.Panel("a", "x", "y", [da.plots.Series(np.arange(3), np.ones(3), "s")])]] * 3
    for start in (-1, 3, 5):
        with pytest.raises(ValueError, match=r"start must be an integer in 0\.\.2"):
            FrameScrubber(frames, ["a", "b", "c"], start=start)
    assert FrameScrubber(frames, ["a", "b", "c"], start=2).slider.value == 2
    net = da.network_twin(width=3, n_layers=4, K_train=3, K_test=2, seed=0)
    npb = net.problem(da.Network(3, 2))
    nr = da.anneal(npb, betas=2, Rf0=1.0, n_init=1, keep_all=True, maxiter=5)
    with pytest.raises(ValueError, match=r"pair must be an integer in 0\.\.2"):
        NetworkScrubber(npb, nr, pair=3)
    with pytest.raises(ValueError, match=r"start must be an integer in 0\.\.0"):
        NetworkScrubber(npb, nr, start=1)
