import numpy as np
import pytest

from dalearn import plots
from dalearn import anneal
from dalearn import predict
from dalearn import lorenz96_twin


@pytest.fixture(scope="module")
def run():
    problem, truth = lorenz96_twin(D=6, L=3, N=30, sigma=0.4, seed=0, n_future=20,
                                   estimate="nu")
    r = anneal(problem, betas=5, n_init=2, seed=0, param_range={"nu": (7, 9)})
    return problem, truth, r


def test_level_plot_traces_hover_and_expected_level(run):
    problem, truth, r = run
    fig = plots.action_levels(r, beta_index=2)
    assert fig.layout.yaxis.type == "log"
    assert len(fig.data) == r.n_init + 4           # starts, expected level (2), ×, marker
    np.testing.assert_allclose(fig.data[1].y, r.action[:, 1])
    assert "R_f = " in fig.data[0].text[0] and "start = 0" in fig.data[0].text[0]
    level = problem.expected_level                  # 1 - (D + P_e)/(N_m L), the R_f → ∞ count
    assert level == 1 - (problem.D + len(problem.est_idx)) / problem.n_meas
    np.testing.assert_allclose(fig.data[r.n_init].y, [level, level])      # expected level
    assert fig.data[r.n_init].name == f"expected level (R_f → ∞) ≈ {level:.2g}"
    assert len(fig.data[r.n_init + 1].x) == 0 and not fig.data[r.n_init + 1].showlegend
    np.testing.assert_allclose(fig.data[-1].y, r.action[2])               # marker at beta 2
    fig2 = plots.action_levels(r, x="log_ratio")
    np.testing.assert_allclose(fig2.data[0].x, r.log_ratio)
    with pytest.raises(ValueError, match="x must be"):
        plots.action_levels(r, x="time")


@pytest.mark.parametrize("backend", ["plotly", "mpl"])
def test_every_figure_builds_in_both_backends(run, backend):
    problem, truth, r = run
    t, X = predict(problem, r.paths[0], r.params[-1, 0], n_steps=20)
    figs = [plots.action_levels(r, backend=backend), plots.action_terms(r, backend=backend),
            plots.paths(problem, r.paths[0], truth, backend=backend),
            plots.param_vs_beta(r, "nu", 8.17, backend=backend),
            plots.prediction(problem, r.paths[0], t, X, truth, backend=backend),
            plots.sweep([1, 2], {"a": {"x": [1, 2]}}, "n", backend=backend)]
    for f in figs:
        if backend == "mpl":
            assert f.axes and all(ax.get_xlabel() for ax in f.axes)
        else:
            assert len(f.data) > 0


def test_mpl_figure_saves_png(run, tmp_path):
    _, _, r = run
    fig = plots.action_levels_mpl(r)
    fig.savefig(tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"


def test_update_figure_in_place_and_mismatch(run):
    problem, truth, r = run
    fig = plots.paths(problem, r.paths[0], truth, widget=True)
    plots.update_figure(fig, plots.path_panels(problem, r.paths[1], truth))
    np.testing.assert_allclose(fig.data[-1].y, r.paths[1][problem.unobserved[0]])
    with pytest.raises(ValueError, match="same traces"):
        plots.update_figure(fig, plots.path_panels(problem, None, truth))
    with pytest.raises(ValueError, match="backend must be"):
        plots.render([], backend="bokeh")


def test_level_plot_marks_every_unconverged_solve_and_keeps_slots(run):
    """× on each (β, start) whose solve did not converge; empty slots keep the trace count."""
    import dataclasses
    problem, truth, r = run
    status = r.status.copy()
    status[1, 0] = status[3, 1] = 1
    bad = dataclasses.replace(r, status=status, expected_level=0.43)
    fig = plots.action_levels(bad)
    cross = next(t for t in fig.data if t.name == "not converged (×)")
    assert cross.marker.symbol == "x" and cross.showlegend
    np.testing.assert_allclose(cross.y, [r.action[1, 0], r.action[3, 1]])
    assert any(t.name == "expected level (R_f → ∞) ≈ 0.43" for t in fig.data)
    np.testing.assert_allclose(next(t for t in fig.data if t.name.startswith("expected")).y,
                               [0.43, 0.43])
    slots = plots.render([plots.level_panel(r, n_slots=6)])
    assert len(slots.data) == 6 + 3 and len(slots.data[5].x) == 0 and not slots.data[5].showlegend
    ok = next(t for t in plots.action_levels(r).data if t.name == "not converged (×)")
    assert len(ok.x) == 0 and not ok.showlegend


def test_level_plot_draws_the_p_eff_band_at_the_final_rf():
    """With the band of dalearn.levels the dashed lines are its edges (not the R_f → ∞
    count), one legend entry naming p_eff; the same spec in both backends; a wrong band
    type is refused."""
    from dalearn import levels
    problem, truth, r = run_standard()
    band = levels.level_at(problem, r)
    assert band.p_eff > problem.D + 5                # finite R_f: more fitted than D
    fig = plots.action_levels(r, band=band)
    edges = [t for t in fig.data if t.line.dash == "dash" and len(t.x)]
    assert len(edges) == 2 and len(fig.data) == r.n_init + 3
    np.testing.assert_allclose([edges[0].y[0], edges[1].y[0]], [band.low, band.high])
    np.testing.assert_allclose(edges[0].x, [r.betas[0], r.betas[-1]])
    assert edges[0].showlegend and not edges[1].showlegend
    assert edges[0].name == (f"expected band {band.low:.3g}–{band.high:.3g} "
                             f"(p_eff = {band.p_eff:.3g})")
    assert band.contains(r.final_action).all()       # the levels lie inside what is drawn
    assert band.mean < problem.expected_level         # not the R_f → ∞ line
    mpl = plots.action_levels_mpl(r, band=band)
    ys = sorted(tuple(np.round(l.get_ydata(), 12)) for l in mpl.axes[0].lines
                if l.get_linestyle() == "--")
    assert ys == sorted([(round(band.low, 12),) * 2, (round(band.high, 12),) * 2])
    with pytest.raises(TypeError, match="band must be"):
        plots.action_levels(r, band=0.9)


def test_sweep_band_edges_share_one_legend_entry():
    fig = plots.sweep([1, 2], {"level": {"a": [1.0, 0.9], "--expected band": [0.8, 0.8],
                                         "--": [1.1, 1.1]}}, xlabel="β")
    edges = [t for t in fig.data if t.line.dash == "dash"]
    assert [t.showlegend for t in edges] == [True, False]
    np.testing.assert_allclose([edges[0].y[0], edges[1].y[0]], [0.8, 1.1])


def run_standard():
    """A small Lorenz96 twin annealed to a clear plateau (every start on one level)."""
    problem, truth = lorenz96_twin(D=8, L=5, N=60, sigma=0.4, seed=1)
    return problem, truth, anneal(problem, betas=15, n_init=3, seed=0)


def test_log_axes_label_full_values_or_one_tick_per_decade():
    """Plotly's default log ticks label the 2s and 5s with bare digits ('5', '2', '5', ...);
    a long axis gets one labelled tick per decade, a short one full values ('0.2', '0.5')."""
    long = plots.render([plots.Panel("t", "x", "y", [plots.Series(np.arange(3),
                                                                  [1e-4, 1e-1, 10.0], "a")],
                                     logy=True)])
    assert long.layout.yaxis.dtick == 1 and long.layout.yaxis.tickformat is None
    short = plots.sweep([1, 2, 4, 8], {"rms error": {"e": [2.3, 0.86, 0.29, 0.14],
                                                     "--sigma": [0.4] * 4}}, xlabel="k")
    # 1.2 decades: full values on the 1s, 2s and 5s only ("1 0.9 0.8 0.7 ..." crowded
    # notebook 04's rms panel)
    assert short.layout.yaxis.tickformat == ".2~g" and short.layout.yaxis.dtick == "D2"
    tiny = plots.sweep([1, 2], {"rms error": {"e": [0.5, 0.7]}}, xlabel="k")
    assert tiny.layout.yaxis.tickformat == ".2~g" and tiny.layout.yaxis.dtick is None
    # notebook 02's unobserved-error panel spans 1.98 decades: full values on every minor
    # tick overlapped there
    near_two = plots.sweep([4, 8, 12], {"rms": {"e": [5.98, 0.9, 0.062]}}, xlabel="L")
    assert near_two.layout.yaxis.dtick == 1 and near_two.layout.yaxis.tickformat is None


def test_phase_clouds_that_coincide_stay_distinguishable():
    ring = np.c_[np.cos(np.linspace(0, 6, 20)), np.sin(np.linspace(0, 6, 20))]
    fig = plots.phase_clouds({"start": ring, "symplectic Euler": ring, "implicit midpoint": ring},
                             {"symplectic Euler": np.ones(3)}, np.arange(3))
    symbols = [t.marker.symbol for t in fig.data[:3]]
    assert len(set(symbols)) == 3, symbols


def test_sweep_gives_each_label_its_own_colour_across_panels():
    """The panels of a sweep share one legend: notebook 02 drew 'fraction' and 'best start'
    (two panels) both in the first colour."""
    fig = plots.sweep([4, 8, 12], {"fraction at the lowest level": {"fraction": [0.1, 0.5, 1]},
                                   "rms error, unobserved": {"best start": [5.0, 1.0, 0.06],
                                                             "--sigma": [0.4] * 3}},
                      xlabel="L")
    colours = {t.name: t.line.color for t in fig.data}
    assert colours["fraction"] != colours["best start"]
    assert colours["sigma"] not in (colours["fraction"], colours["best start"])
