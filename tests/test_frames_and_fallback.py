"""One spec, three forms: a panel's FigureWidget, its kernel-free plotly figure with its own
slider over precomputed frames (plots.render_frames, used by the static site), and the
matplotlib fallback for front ends that cannot show a FigureWidget (VS Code, Colab)."""
import base64

import numpy as np
import pytest

import dalearn as da
from dalearn import plots
from dalearn.widgets import (BetaScrubber, FrameScrubber, NetworkScrubber, ResultPicker,
                             set_backend)


@pytest.fixture(scope="module")
def run():
    # one observed component of six: the two starts end on different paths
    twin = da.lorenz96_twin(D=6, L=1, N=30, sigma=0.4, seed=0)
    r = da.anneal(twin.problem, betas=5, n_init=2, seed=0, keep_all=True)
    return twin.problem, twin.truth, r


def test_render_frames_steps_through_every_frame(run):
    problem, truth, r = run
    frames = [[plots.level_panel(r, beta_index=b)] for b in range(r.n_beta)]
    fig = plots.render_frames(frames, [f"{b:g}" for b in r.betas], active=2, name="β")
    assert len(fig.frames) == r.n_beta == len(fig.layout.sliders[0].steps)
    assert fig.layout.sliders[0].active == 2
    assert fig.layout.sliders[0].currentvalue.prefix == "β: "
    for b, frame in enumerate(fig.frames):
        np.testing.assert_allclose(frame.data[-1].y, r.action[b])          # the marker
        assert list(fig.layout.sliders[0].steps[b].args[0]) == [frame.name]
    np.testing.assert_allclose(fig.data[-1].y, r.action[2])               # shown first
    # plotly keeps axis ranges when it animates: each frame's own range holds its data
    for b, frame in enumerate(fig.frames):
        lo, hi = frame.layout.yaxis.range
        assert lo <= np.log10(r.action[b].min()) and np.log10(r.action[b].max()) <= hi


def test_render_frames_pads_frames_with_fewer_traces_and_rejects_bad_input():
    a = plots.Panel("a", "x", "y", [plots.Series(np.arange(3), np.arange(3), "one")])
    b = plots.Panel("b", "x", "y", [plots.Series(np.arange(3), np.ones(3), "one"),
                                    plots.Series(np.arange(3), np.zeros(3), "two")])
    fig = plots.render_frames([[a], [b]], ["a", "b"])
    assert len(fig.data) == 2 and all(len(f.data) == 2 for f in fig.frames)
    assert len(fig.frames[0].data[1].x) == 0                          # padded, empty
    assert fig.frames[1].layout.annotations[0].text == "b"            # titles follow frames
    assert fig.frames[0].layout.yaxis.range[1] >= 2 and fig.frames[1].layout.yaxis.range[1] < 2
    with pytest.raises(ValueError, match="equal length"):
        plots.render_frames([[a]], ["a", "b"])
    with pytest.raises(ValueError, match="active"):
        plots.render_frames([[a]], ["a"], active=1)
    with pytest.raises(ValueError, match="same number of panels"):
        plots.render_frames([[a], [a, b]], ["a", "b"])


def test_kernel_free_form_of_a_panel_matches_its_widget(run):
    problem, truth, r = run
    s = BetaScrubber(problem, truth, r)
    fig = s.kernel_free()
    assert len(fig.frames) == r.n_beta and fig.layout.sliders[0].active == r.n_beta - 1
    # the frame at the widget's beta holds what the widget's figures hold
    last = fig.frames[r.n_beta - 1]
    widget_traces = list(s.levels.data) + list(s.paths.data)
    assert len(last.data) == len(widget_traces)
    for a, b in zip(last.data, widget_traces):
        np.testing.assert_allclose(np.asarray(a.y, float), np.asarray(b.y, float))
    s.beta.value = 1
    assert s.frame_set()[2] == 1
    picker = ResultPicker({"one": (problem, truth, r), "two": (problem, truth, r)})
    frames, labels, active, name = picker.frame_set()
    assert labels == ["one", "two"] and active == 1 and len(frames) == 2


def _png_of(view_out) -> bytes:
    (o,) = view_out.outputs
    return base64.b64decode(o["data"]["image/png"]) if isinstance(o["data"]["image/png"], str) \
        else o["data"]["image/png"]


@pytest.mark.impl
def test_mpl_fallback_redraws_under_the_same_sliders(run):
    problem, truth, r = run
    s = BetaScrubber(problem, truth, r)
    view = s.mpl_view()
    out = s._mpl_out
    assert "FigureWidget" not in repr(view)
    first = _png_of(out)
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    s.beta.value = 0                                  # the same slider object the widget uses
    after_beta = _png_of(out)
    assert after_beta != first
    assert np.abs(r.all_paths[0, 0] - r.all_paths[0, 1]).max() > 1.0
    s.start.value = 0
    assert _png_of(out) != after_beta
    assert "β = 0," in s.info.value                   # the info line still follows


@pytest.mark.impl
def test_mpl_fallback_for_the_other_panels_and_the_backend_switch(run, monkeypatch):
    problem, truth, r = run
    frames = [[plots.Panel(f"k={k}", "x", "y", [plots.Series(np.arange(4), np.arange(4) * k,
                                                              "line")])] for k in range(3)]
    fs = FrameScrubber(frames, ["0", "1", "2"])
    fs.mpl_view()
    before = _png_of(fs._mpl_out)
    fs.slider.value = 2
    assert _png_of(fs._mpl_out) != before
    net = da.network_twin(width=3, n_layers=4, K_train=2, K_test=1, seed=0)
    nproblem = net.problem(da.Network(3, 2))
    nr = da.anneal(nproblem, betas=3, Rf0=1.0, n_init=1, seed=0, maxiter=10, keep_all=True)
    ns = NetworkScrubber(nproblem, nr)
    ns.mpl_view()
    before = _png_of(ns._mpl_out)
    ns.beta.value = 2
    assert _png_of(ns._mpl_out) != before
    assert len(ns.kernel_free().frames) == 3

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append(obj))
    set_backend("mpl")
    try:
        fs._ipython_display_()
        assert "Output" in repr(shown[-1]) and "FigureWidget" not in repr(shown[-1])
        fs.show("plotly")
        # the panel, then the line that only a re-opened notebook (no live panel) shows
        assert shown[-2] is fs.box and "run the cell" in shown[-1]._repr_html_()
    finally:
        set_backend("plotly")
    with pytest.raises(ValueError, match="backend"):
        set_backend("bokeh")
    with pytest.raises(ValueError, match="backend"):
        fs.show("svg")
