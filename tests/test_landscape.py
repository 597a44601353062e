"""The landscape of notebook 00: a two-point path of the logistic map, drawn whole."""
import numpy as np
import pytest

from dalearn import landscape as ls
from dalearn.plots import landscape_panels, render


@pytest.fixture(scope="module")
def twin():
    return ls.map_twin(k=3, sigma=0.05, seed=0)


def test_the_twin_obeys_the_map_and_its_data_carry_the_noise(twin):
    assert twin.truth[1] == pytest.approx(4 * (lambda a: a * (1 - a))(
        4 * (lambda a: a * (1 - a))(4 * twin.truth[0] * (1 - twin.truth[0]))))
    assert np.all(np.abs(twin.y - twin.truth) < 4 * twin.sigma)
    assert twin.Rm == pytest.approx(400.0)


def test_derivatives_match_finite_differences(twin):
    x, h = np.linspace(0.05, 0.95, 7), 1e-6
    assert np.allclose(twin.dg(x), (twin.g(x + h) - twin.g(x - h)) / (2 * h), rtol=1e-5)
    assert np.allclose(twin.d2g(x), (twin.dg(x + h) - twin.dg(x - h)) / (2 * h), rtol=1e-4,
                       atol=1e-3)
    z, Rf = np.array([0.3, 0.6]), 50.0
    grad = twin._value_and_grad(z, Rf)[1]
    fd = [(twin.action(z + e, Rf) - twin.action(z - e, Rf)) / (2 * h)
          for e in np.eye(2) * h]
    assert np.allclose(grad, fd, rtol=1e-5)
    hess = twin._hessian(z, Rf)
    fdh = np.array([(twin._value_and_grad(z + e, Rf)[1] - twin._value_and_grad(z - e, Rf)[1])
                    / (2 * h) for e in np.eye(2) * h])
    assert np.allclose(hess, fdh, rtol=1e-4)


def test_the_valley_floor_is_the_minimum_over_x1(twin):
    Rf = 1e3
    x0, x1, a = twin.floor(Rf, 11)
    grid = np.linspace(0, 1, 20001)
    for i in range(11):
        brute = twin.action(np.stack([np.full_like(grid, x0[i]), grid], -1), Rf)
        assert a[i] == pytest.approx(brute.min(), rel=1e-6, abs=1e-9)
        assert x1[i] == pytest.approx(grid[np.argmin(brute)], abs=1e-4)


def test_smooth_at_small_rf_rugged_at_large_rf(twin):
    Rf = ls.schedule(1e-3 * twin.Rm, 2.0, 21)
    assert len(twin.local_minima(Rf[0])) == 1
    big = twin.local_minima(Rf[-1])
    assert len(big) >= 6
    assert np.all(np.diff(big[:, 2]) >= 0)                       # lowest first
    for x0, x1, a in big:                                        # each is a true minimum
        g = twin._value_and_grad(np.array([x0, x1]), Rf[-1])[1]
        assert np.all(np.abs(g) < 1e-4 * Rf[-1])
        assert np.all(np.linalg.eigvalsh(twin._hessian(np.array([x0, x1]), Rf[-1])) > 0)


def test_annealing_follows_the_lowest_valley_and_direct_falls_elsewhere(twin):
    Rf = ls.schedule(1e-3 * twin.Rm, 2.0, 21)
    start = np.array([0.2, 0.2])
    ann, direct = ls.anneal_path(twin, start, Rf), ls.direct_path(twin, start, Rf[-1])
    lowest = twin.local_minima(Rf[-1])[0]
    assert np.hypot(*(ann.end - lowest[:2])) < 1e-4
    assert direct.action[-1] > 100 * ann.action[-1]
    assert np.allclose(direct.points[0], start) and len(direct.points) > 2
    assert np.all(np.diff(direct.action) <= 1e-9 * direct.action[0])   # a descent
    assert ann.points.shape == (21, 2) and np.allclose(ann.Rf, Rf)


def test_starts_reaching_counts_and_one_step_annealing_is_the_direct_minimisation(twin):
    Rf = ls.schedule(1e-3 * twin.Rm, 2.0, 21)
    c = ls.starts_reaching(twin, Rf, n_starts=6, seed=1)
    assert c["n_starts"] == 6 and c["anneal"] == 6 and c["direct"] < 6
    # one "annealing" step at the final R_f is the direct minimisation
    one = ls.starts_reaching(twin, Rf[-1:], n_starts=6, seed=1)
    assert one["anneal"] == one["direct"] == c["direct"]


@pytest.mark.parametrize("call, message", [
    (lambda: ls.map_twin(k=0), "k must be"),
    (lambda: ls.map_twin(sigma=-1.0), "sigma must be"),
    (lambda: ls.map_twin(seed=1.5), "seed must be"),
    (lambda: ls.schedule(1.0, 1.0, 3), "alpha must be > 1"),
    (lambda: ls.schedule(-1.0, 2.0, 3), "Rf must be > 0"),
    (lambda: ls.anneal_path(ls.map_twin(), [0.5, 1.5], [1.0]), "start must be"),
    (lambda: ls.direct_path(ls.map_twin(), [0.5, 0.5], float("nan")), "Rf must be"),
    (lambda: ls.map_twin().grid(1.0, n=1), "n must be"),
])
def test_bad_input_is_refused_naming_the_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_isolines_lie_on_their_level(twin):
    for lev, x, y in twin.isolines(1e3, [0.0, 1.0, 2.0], n=201):
        ok = np.isfinite(x)
        assert ok.sum() > 10
        vals = np.log10(twin.action(np.stack([x[ok], y[ok]], -1), 1e3))
        assert np.median(np.abs(vals - lev)) < 0.05


def test_the_panels_render_with_both_backends_and_the_widget_scrubs(twin):
    Rf = ls.schedule(1e-3 * twin.Rm, 2.0, 6)
    start = np.array([0.2, 0.2])
    ann, direct = ls.anneal_path(twin, start, Rf), ls.direct_path(twin, start, Rf[-1])
    fx, _, fa = twin.floor(Rf[-1], 101)
    panels = landscape_panels(twin.isolines(Rf[-1], [0.0, 1.0], 41), (fx, twin.g(fx)), twin.y,
                              (fx, fa), twin.local_minima(Rf[-1]), ann.points, direct.points,
                              Rf[-1], float(ann.action[-1]))
    fig = render(panels)
    assert fig.data[0].name == "log10 A = 0" and list(fig.layout.xaxis.range) == [0.0, 1.0]
    render(panels, backend="mpl")
    from dalearn.widgets import LandscapeScrubber
    w = LandscapeScrubber(twin, ann, direct, n=41)
    lines0, path0 = [np.array(t.x) for t in w.figure.data[:12]], w.figure.data[16].x
    assert w.figure.data[16].name == "annealing, minima so far"
    w.slider.value = 5
    assert any(len(a) != len(b) or not np.allclose(a, b, equal_nan=True)
               for a, b in zip(lines0, [np.array(t.x) for t in w.figure.data[:12]]))
    assert len(w.figure.data[16].x) == len(path0) + 5                # the path grew
    assert "R_f = " in w.label.value and list(w.figure.layout.yaxis.range) == [0.0, 1.0]
    assert len(w.kernel_free().frames) == 6
