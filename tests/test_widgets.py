"""Drive the widgets from Python as a reader would, and check what they show."""
import numpy as np
import pytest

from dalearn import AnnealSettings, TwinSettings, anneal
from dalearn import lorenz96_twin
from dalearn.widgets import AnnealExplorer, BetaScrubber, ResultPicker


@pytest.fixture(scope="module")
def scrub_setup():
    problem, truth = lorenz96_twin(D=8, L=4, N=40, sigma=0.4, seed=1)
    result = anneal(problem, betas=8, n_init=3, seed=0, keep_all=True)
    return problem, truth, result


def test_beta_slider_moves_marker_and_paths(scrub_setup):
    problem, truth, result = scrub_setup
    sc = BetaScrubber(problem, truth, result)
    assert sc.beta.max == result.n_beta - 1 and sc.beta.value == result.n_beta - 1
    comp = problem.unobserved[0]
    est = sc.paths.data[-1]                               # estimate of the unobserved component
    np.testing.assert_allclose(est.y, result.paths[result.best][comp])
    sc.beta.value = 2
    marker = sc.levels.data[-1]
    np.testing.assert_allclose(marker.x, np.full(result.n_init, result.betas[2]))
    np.testing.assert_allclose(marker.y, result.action[2])
    np.testing.assert_allclose(sc.paths.data[-1].y, result.all_paths[2, result.best, comp])
    obs_est = sc.paths.data[2]                            # data, truth, estimate of observed comp
    np.testing.assert_allclose(obs_est.y, result.all_paths[2, result.best, problem.observed[0]])
    n = sc.numbers()
    assert n["action"] == result.action[2, result.best]
    assert f"A = {result.action[2, result.best]:.5g}" in sc.info.value
    assert f"β = {result.betas[2]:g}" in sc.info.value


def test_start_picker_shows_that_start(scrub_setup):
    problem, truth, result = scrub_setup
    sc = BetaScrubber(problem, truth, result)
    other = (result.best + 1) % result.n_init
    sc.beta.value = 4
    sc.start.value = other
    comp = problem.unobserved[0]
    np.testing.assert_allclose(sc.paths.data[-1].y, result.all_paths[4, other, comp])
    assert f"start {other} has A = {result.action[4, other]:.5g}" in sc.info.value


def test_scrubber_needs_all_paths(scrub_setup):
    problem, truth, _ = scrub_setup
    r = anneal(problem, betas=2, n_init=1, seed=0)
    with pytest.raises(ValueError, match="keep_all=True"):
        BetaScrubber(problem, truth, r)


def test_changing_L_solves_again_and_the_figures_change():
    ex = AnnealExplorer(TwinSettings(D=8, L=4, sigma=0.4, N=40),
                        AnnealSettings(n_init=2, betas=6, maxiter=100))
    sc = ex.scrubber
    assert ex.n_solves == 1
    levels_before = [np.array(t.y) for t in sc.levels.data[:2]]
    ex.L.value = 6
    assert ex.n_solves == 2
    _, _, r6 = ex.cache[ex.cache_key()]
    assert r6.paths.shape[1] == 8 and len(r6.Rm[r6.Rm > 0]) == 6
    for before, t, i in zip(levels_before, sc.levels.data[:2], range(2)):
        np.testing.assert_allclose(t.y, r6.action[:, i])
        assert not np.allclose(t.y, before)
    assert ex.progress.value == ex.progress.max == 6 * 2
    assert "x_" in sc.paths.layout.annotations[1].text
    ex.L.value = 4                                         # cached: no new solve
    assert ex.n_solves == 2
    ex.n_init.value = 3                                    # more starts: new traces
    assert ex.n_solves == 3
    # the figure keeps one trace per possible start (20, the slider's max): more starts fill
    # hidden ones in place, so the browser never has to re-render a figure
    figure = sc.levels
    assert len(figure.data) == 20 + 4                      # slots + band (2), ×, marker
    r3 = sc.result
    np.testing.assert_allclose(figure.data[2].y, r3.action[:, 2])
    assert figure.data[2].showlegend and len(figure.data[3].x) == 0
    ex.n_init.value = 2
    assert sc.levels is figure and len(figure.data[2].x) == 0   # updated in place, not rebuilt


def test_changing_the_rule_and_seed_recompute():
    ex = AnnealExplorer(TwinSettings(D=8, L=6, sigma=0.4, N=40),
                        AnnealSettings(n_init=1, betas=5, maxiter=100))
    a0 = ex.scrubber.result.final_action.copy()
    ex.rule.value = "euler"
    assert ex.n_solves == 2 and ex.scrubber.problem.rule == "euler"
    ex.seed.value = 3
    assert ex.n_solves == 3
    assert not np.allclose(ex.scrubber.result.final_action, a0)


def test_result_picker_switches_level_plot(scrub_setup):
    problem, truth, result = scrub_setup
    other = anneal(problem, betas=8, n_init=3, seed=7, keep_all=True)
    rp = ResultPicker({"a": (problem, truth, result), "b": (problem, truth, other)})
    np.testing.assert_allclose(rp.figure.data[0].y, other.action[:, 0])
    rp.choice.value = "a"
    np.testing.assert_allclose(rp.figure.data[0].y, result.action[:, 0])
    with pytest.raises(ValueError, match="non-empty dict"):
        ResultPicker({})


def test_frame_scrubber_shows_each_frame():
    from dalearn import plots
    from dalearn.widgets import FrameScrubber
    t = np.linspace(0, 1, 11)
    frames = [plots.momentum_panels(t, np.vstack([t * k, -t]), np.vstack([t, t]), 10.0 ** k)
              for k in range(3)]
    fs = FrameScrubber(frames, ["a", "b", "c"], description="R_f")
    fs.slider.value = 2
    np.testing.assert_allclose(fs.figure.data[0].y, 2 * t)
    assert fs.label.value == "c"
    np.testing.assert_allclose(fs.figure.data[-1].y[1:],                 # [0] is 0: floored for log
                               np.linalg.norm(np.vstack([2 * t, -t]), axis=0)[1:] / 100)
    with pytest.raises(ValueError, match="equal length"):
        FrameScrubber(frames, ["a"])


def test_network_scrubber_states_relax_as_beta_grows():
    from dalearn.network import Network, network_twin
    from dalearn.widgets import NetworkScrubber
    tw = network_twin(width=3, n_layers=10, K_train=4, sigma=0.01, seed=0)
    pb = tw.problem(Network(3, 4, "tanh", shared=True))
    r = anneal(pb, betas=np.arange(0, 25, 4), Rf0=1.0, n_init=1, seed=0, keep_all=True)
    ns = NetworkScrubber(pb, r)
    first = ns.numbers()["max_residual"]
    states0 = np.array(ns.figure.data[1].y)
    ns.beta.value = r.n_beta - 1
    last = ns.numbers()["max_residual"]
    assert last < 1e-2 * first
    np.testing.assert_allclose(ns.figure.data[1].y, r.all_paths[-1, r.best, 0, :, 0])
    assert not np.allclose(ns.figure.data[1].y, states0)
    assert f"A = {r.action[-1, r.best]:.4g}" in ns.info.value


def test_scrubbers_keep_one_axis_range_over_all_frames():
    """The residual panel's axis is fixed over all β (log), so its fall is visible."""
    from dalearn.widgets import NetworkScrubber
    import dalearn as da
    net = da.network_twin(width=3, n_layers=4, K_train=3, K_test=2, seed=0)
    npb = net.problem(da.Network(3, 3, shared=True))
    r = da.anneal(npb, betas=np.arange(0, 12, 3), Rf0=1.0, n_init=1, keep_all=True)
    sc = NetworkScrubber(npb, r)
    axis = sc.figure.layout.yaxis2
    first = tuple(axis.range)
    res = np.array([np.linalg.norm(npb.layer_residual(r.all_paths[b, 0], r.params[b, 0])[0],
                                   axis=1) for b in range(r.n_beta)])      # what is drawn
    assert res.max() > 100 * res.min()                      # orders of magnitude to show
    assert axis.type == "log" and 10 ** first[0] <= res.min() and 10 ** first[1] >= res.max()
    sc.beta.value = r.n_beta - 1
    assert tuple(sc.figure.layout.yaxis2.range) == first
    assert sc.figure.data[-1].line.color == "#222222"      # not a node's colour


def test_laplace_scrubber_shows_the_bars_of_the_beta_it_names():
    from dalearn.uncertainty import laplace, laplace_along
    from dalearn.widgets import LaplaceScrubber
    problem, truth = lorenz96_twin(D=6, L=3, N=30, sigma=0.4, seed=0, estimate=["nu"])
    r = anneal(problem, betas=8, n_init=2, seed=0, param_range={"nu": (6.0, 10.0)},
               keep_all=True)
    a = int(problem.unobserved[0])
    ls = LaplaceScrubber(problem, r, a, truth=truth)
    names = [d.name for d in ls.figure.data]
    bar, band = names.index("bar at this R_f"), names.index("+2 sd")
    assert ls.slider.value == r.n_beta - 1                         # starts at the final R_f
    final = laplace(problem, r, components=[a])                    # the bars at the minimum
    np.testing.assert_allclose(ls.figure.data[bar].y, r.params[-1, r.best, 0]
                               + np.array([-2, 0, 2]) * final.param_std["nu"], rtol=1e-10)
    for b in (0, 3):
        ls.slider.value = b
        one = laplace(problem, z=problem.pack(r.all_paths[b, r.best], r.params[b, r.best]),
                      Rf=r.Rf[b], components=[a])
        assert ls.label.value == f"R_f = {r.Rf[b].mean():.3g}"
        sd = one.param_std["nu"]                  # the title names the bar's half-width
        assert f"± {2 * sd:.2g} (2 sd)" in ls.figure.layout.annotations[0].text
        np.testing.assert_allclose(ls.figure.data[bar].x, [r.Rf[b].mean()] * 3)
        np.testing.assert_allclose(ls.figure.data[bar].y, r.params[b, r.best, 0]
                                   + np.array([-2, 0, 2]) * one.param_std["nu"], rtol=1e-10)
        np.testing.assert_allclose(ls.figure.data[band].y, r.all_paths[b, r.best, a]
                                   + 2 * one.state_std[a], rtol=1e-10)
        lo, hi = ls.figure.layout.yaxis2.range                     # the band is in view
        assert lo < np.min(ls.figure.data[band].y) < np.max(ls.figure.data[band].y) < hi
    # weak model at the first beta: wide bars; the data make them narrow by the last
    assert ls.param_sd[0] > 10 * ls.param_sd[-1]
    assert ls.state_sd[0].mean() > 10 * ls.state_sd[-1].mean()
    # precomputed bars are used as given (no second computation) and checked
    bars = laplace_along(problem, r, components=[a])
    np.testing.assert_allclose(LaplaceScrubber(problem, r, a, bars=bars).param_sd, ls.param_sd)
    with pytest.raises(ValueError, match="one Laplace per beta"):
        LaplaceScrubber(problem, r, a, bars=bars[:-1])
    with pytest.raises(ValueError, match="component"):
        LaplaceScrubber(problem, r, int(problem.unobserved[1]), bars=bars)
    with pytest.raises(ValueError, match="keep_all"):
        laplace_along(problem, anneal(problem, betas=3, n_init=1, seed=0))
    plain, _ = lorenz96_twin(D=6, L=3, N=30, sigma=0.4, seed=0)
    with pytest.raises(ValueError, match="estimates a parameter"):
        LaplaceScrubber(plain, anneal(plain, betas=3, n_init=1, keep_all=True), a)
