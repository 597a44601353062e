"""The figure builders: results in, panels of series (a spec) out, rendered by :func:`render`."""
from __future__ import annotations

import numpy as np

from ._spec import _COLORS, Panel, render, Series


def _x_axis(result, x: str):
    if x == "beta":
        return np.asarray(result.betas, float), "β   (R_f = R_f0 α^β)"
    if x == "log_ratio":
        return result.log_ratio, "log10(R_f / R_m)"
    raise ValueError(f"x must be 'beta' or 'log_ratio', got {x!r}")


def level_panel(result, x: str = "beta", beta_index: int | None = None,
                title: str | None = None, n_slots: int | None = None, band=None) -> Panel:
    """The level plot's panel: one trace per start (``n_slots`` >= n_init traces, the extra
    ones empty, so a figure can show results with fewer starts without adding or removing
    traces), the expected band dashed, × on every solve that did not converge, and (with
    ``beta_index``) a marker on every start at that β, last.  ``band``: the
    :class:`dalearn.levels.ExpectedLevel` at the final R_f (``da.level_at(problem,
    result)``, p_eff from the Hessian), drawn as its low and high edges; without it one
    dashed line at ``result.expected_level``, the R_f → ∞ count, labelled so."""
    xs, xlabel = _x_axis(result, x)
    Rf = result.Rf.mean(axis=1)
    n = result.n_init
    series = []
    for i in range(max(n_slots or 0, n)):
        if i >= n:
            series.append(Series(np.empty(0), np.empty(0), f"start {i}", legend=False,
                                 color=_COLORS[i % 10]))
            continue
        series.append(Series(xs, result.action[:, i], f"start {i}", color=_COLORS[i % 10],
                             legend=n <= 6, yname="A",
                             hover={"β": result.betas, "R_f": Rf, "start": np.full(len(xs), i)}))
    series += _band_series(xs[[0, -1]], band, result.expected_level)
    bad_b, bad_s = np.nonzero(result.status != 0)
    series.append(Series(xs[bad_b], result.action[bad_b, bad_s], "not converged (×)",
                         "crosses", "#d62728", legend=bad_b.size > 0,
                         hover={"start": bad_s.astype(float)}, yname="A"))
    if beta_index is not None:
        series.append(Series(np.full(n, xs[beta_index]), result.action[beta_index],
                             f"β = {result.betas[beta_index]:g}", "bigmarkers", "black",
                             hover={"start": np.arange(n)}, yname="A"))
    pad = 0.03 * (float(np.max(xs)) - float(np.min(xs)) or 1.0)
    return Panel(title or _level_title(result, beta_index),
                 xlabel, "action A", series, logy=True,
                 xrange=(float(np.min(xs)) - pad, float(np.max(xs)) + pad))


def _band_series(x2, band, level: float) -> list:
    """Two dashed series: the band's low and high edges (one legend entry), or, without a
    band, the R_f → ∞ level and an empty second series (the same trace count either way)."""
    grey = "#444444"
    if band is None:
        return [Series(x2, [level] * 2, f"expected level (R_f → ∞) ≈ {level:.2g}", "dash",
                       grey),
                Series(np.empty(0), np.empty(0), "", "dash", grey, legend=False)]
    if not all(hasattr(band, a) for a in ("low", "high", "p_eff")):
        raise TypeError("band must be a dalearn.levels.ExpectedLevel (da.level_at(problem, "
                        f"result)) or None; got {type(band).__name__}")
    name = f"expected band {band.low:.3g}–{band.high:.3g} (p_eff = {band.p_eff:.3g})"
    return [Series(x2, [band.low] * 2, name, "dash", grey),
            Series(x2, [band.high] * 2, "", "dash", grey, legend=False)]


def _level_title(result, beta_index) -> str:
    """'Action levels: 3 of 8 starts reach the lowest (p ≈ 0.38 [0.085, 0.76])'."""
    n = result.n_init
    a = result.action[-1 if beta_index is None else beta_index]
    if n == 1 or not np.isfinite(a).any():
        return f"Action levels, {n} start{'s' if n > 1 else ''}"
    ll = result.lowest_level(beta_index=-1 if beta_index is None else beta_index)
    return (f"Action levels: {ll.n_starts} of {ll.n_total} starts reach the lowest "
            f"(p ≈ {ll.p:.2g} [{ll.p_low:.2g}, {ll.p_high:.2g}])")


def action_levels(result, x: str = "beta", beta_index: int | None = None,
                  backend: str = "plotly", widget: bool = False, title: str | None = None,
                  band=None):
    """Action level plot: A (log) against β or log10(R_f/R_m), one trace per start, the
    expected band dashed (``band`` = ``da.level_at(problem, result)``; see
    :func:`level_panel`), and (with ``beta_index``) a marker on every start at that β."""
    return render([level_panel(result, x, beta_index, title, band=band)], backend, widget)


def action_levels_mpl(result, x: str = "beta", title: str | None = None, band=None):
    """Static action level plot (matplotlib Figure)."""
    return action_levels(result, x, backend="mpl", title=title, band=band)


def terms_panel(result, start: int | None = None) -> Panel:
    start = result.best if start is None else start
    b = np.asarray(result.betas, float)
    Rf = result.Rf.mean(axis=1)
    return Panel(f"The two terms (start {start})", "β", "term", [
        Series(b, result.meas_term[:, start], "measurement term", color=_COLORS[0]),
        Series(b, result.model_term[:, start] / Rf, "model term / R_f", color=_COLORS[1]),
        Series(b, result.action[:, start], "action A", "dash", "#444444")], logy=True)


def action_terms(result, start: int | None = None, backend: str = "plotly"):
    """Measurement term and model term / R_f against β for one start (default: best)."""
    return render([terms_panel(result, start)], backend)


def path_panels(problem, path, truth=None, components=None, t_window=None) -> list:
    """Two panels: an observed and an unobserved component (estimate, truth, data);
    ``path`` (D, M) may be None to show only data and truth."""
    obs, unobs = problem.observed, problem.unobserved
    if components is None:
        components = (int(obs[0]), int(unobs[0]) if unobs.size else int(obs[-1]))
    t = problem.t
    # a model may name its components and units (the neuron: V in mV, m, h, n; time in ms)
    names = getattr(problem.model, "state_names", None)
    units = getattr(problem.model, "state_units", None)
    t_unit = getattr(problem.model, "time_unit", None)
    tlabel = f"time t ({t_unit})" if t_unit else "time t"
    panels = []
    for a in components:
        a = int(a)
        measured = a in obs
        s = []
        if measured:
            i = int(np.where(obs == a)[0][0])
            s.append(Series(problem.t_data, problem.data[i], "data", "markers", "#999999"))
        if truth is not None:
            s.append(Series(t, truth.x[a], "truth", "line", "#222222"))
        if path is not None:
            s.append(Series(t, path[a], "estimate", "dash" if truth is not None else "line",
                            _COLORS[3]))
        kind = "observed" if measured else "unobserved"
        name = names[a] if names else f"x_{a}"
        ylabel = f"{name} ({units[a]})" if units and units[a] else name
        panels.append(Panel(f"{name} ({kind})", tlabel, ylabel, s))
    return panels


def paths(problem, path, truth=None, components=None, backend: str = "plotly",
          widget: bool = False, title: str = ""):
    """Estimated path against truth and data: an observed and an unobserved component."""
    return render(path_panels(problem, path, truth, components), backend, widget, title)


def param_vs_beta(result, name: str, true_value: float | None = None, backend: str = "plotly"):
    """Estimate of parameter ``name`` against β, one trace per start."""
    j = result.param_names.index(name)
    b = np.asarray(result.betas, float)
    init = getattr(result, "init_params", None)
    xlabel = "β"
    if init is not None:        # each start's initial value one step left of the first β:
        # the first solve already moves every start, often onto one line (shown, not hidden)
        step = float(b[1] - b[0]) if b.size > 1 else 1.0
        b = np.concatenate([[b[0] - step], b])
        ys = [np.concatenate([[init[i, j]], result.params[:, i, j]])
              for i in range(result.n_init)]
        xlabel = f"β   (at {b[0]:g}: the starting values)"
    else:
        ys = [result.params[:, i, j] for i in range(result.n_init)]
    s = [Series(b, ys[i], f"start {i}", "line", _COLORS[i % 10],
                legend=result.n_init <= 10) for i in range(result.n_init)]
    if true_value is not None:
        s.append(Series(b[[0, -1]], [true_value] * 2, f"true {name} = {true_value:g}", "dash",
                        "#444444"))
    return render([Panel(f"Estimate of {name}", xlabel, name, s)], backend)


def prediction(problem, path, t_future, forecast, truth=None, component: int | None = None,
               backend: str = "plotly"):
    """Estimate in the window and forecast beyond it, against the truth, one component."""
    a = int(problem.unobserved[0] if component is None and problem.unobserved.size
            else (component or 0))
    s = []
    if truth is not None:
        s.append(Series(np.concatenate([problem.t, truth.t_future[1:]]),
                        np.concatenate([truth.x[a], truth.x_future[a, 1:]]), "truth", "line",
                        "#222222"))
    s.append(Series(problem.t, path[a], "estimate (window)", "dash", _COLORS[3]))
    s.append(Series(t_future, forecast[a], "prediction", "dash", _COLORS[2]))
    return render([Panel(f"Prediction of x_{a}", "time t", f"x_{a}", s,
                         vline=float(problem.t[-1]))], backend)


def sweep(x, panels: dict, xlabel: str, backend: str = "plotly", title: str = ""):
    """Summary curves of a parameter sweep: ``panels`` = {title: {label: y}}, side by side.
    Labels starting with '--' are drawn dashed (reference lines); a label of dashes only
    ('--') has no legend entry (e.g. a band's second edge).  Colours follow the label across
    panels (the panels share one legend, so two labels never share a colour)."""
    ps = []
    colour = {}
    for curves in panels.values():
        for lab in curves:
            if not lab.startswith("--"):
                colour.setdefault(lab, _COLORS[len(colour) % 10])
    for t, curves in panels.items():
        s = [Series(np.asarray(x), np.asarray(y), lab.lstrip("-"),
                    "dash" if lab.startswith("--") else "line",
                    "#444444" if lab.startswith("--") else colour[lab],
                    legend=bool(lab.lstrip("-")))
             for lab, y in curves.items()]
        ps.append(Panel(t, xlabel, t, s, logy=t.lower().startswith("rms")))
    return render(ps, backend, title=title)


def network_state_panels(problem, X, theta, pair: int = 0) -> list:
    """Two panels for one training pair of a network problem: the states x_i(l) against
    layer l (estimate dashed, forward pass of the same weights from the same x(0) solid),
    and the size of the model residual |x(l+1) - f(x(l))| per layer (log)."""
    Xf = problem.net.forward(theta, X[:, 0])
    layers = problem.t
    s = []
    for i in range(problem.D):
        c = _COLORS[i % 10]
        s.append(Series(layers, Xf[pair, :, i], f"node {i}: forward pass", "line", c,
                        legend=False))
        s.append(Series(layers, X[pair, :, i], f"node {i}: states", "dash", c, legend=False))
    r = problem.layer_residual(X, theta)[pair]
    res = Series(layers[:-1] + 0.5, np.maximum(np.linalg.norm(r, axis=1), 1e-16),
                 "|x(l+1) - f(x(l))|", "line", "#222222")
    return [Panel(f"Pair {pair}: states (dashed) and forward pass (solid)", "layer l",
                  "x_i(l)", s),
            Panel("Model residual per layer", "layer l", "|residual|", [res], logy=True)]



def momentum_panels(t, pi, minus_lam, Rf: float) -> list:
    """Two panels: the canonical momentum π_i(t) (solid) against the backpropagated adjoint
    -λ_i(t) (dashed); and |ẋ - F| = |π| / R_f over t (log)."""
    s = []
    for i in range(pi.shape[0]):
        c = _COLORS[i % 10]
        s.append(Series(t, pi[i], f"π_{i}", "line", c))
        s.append(Series(t, minus_lam[i], f"-λ_{i} (backprop)", "dash", c, legend=False))
    resid = Series(t, np.maximum(np.linalg.norm(pi, axis=0) / Rf, 1e-300), "|ẋ - F| = |π|/R_f",
                   "line", "#222222")
    return [Panel(f"R_f = {Rf:.3g}: momentum π (solid), -λ (dashed)", "t (layer)", "π", s),
            Panel("Model residual", "t (layer)", "|ẋ - F|", [resid], logy=True)]


def laplace_panels(Rf, nu_hat, nu_sd, b: int, t, x_hat, x_sd, *, nu_true=None, x_true=None,
                   component: int = 0, nu_range=None, x_range=None, name: str = "ν") -> list:
    """Two panels of Laplace error bars along an annealing, at β index ``b``: ``name``'s
    estimate ± 2 sd against R_f (all β as lines, the bar at ``b`` drawn thick) and one state
    component ± 2 sd over time at ``b``.  Arrays: ``Rf``, ``nu_hat``, ``nu_sd`` (n_beta,);
    ``t`` (M,); ``x_hat``, ``x_sd`` (n_beta, M); ``x_true`` (M,).  ``nu_range``/``x_range``:
    fixed y-ranges, so a slider over ``b`` shows the bars narrow rather than the axes."""
    Rf, nu_hat, nu_sd = (np.asarray(a, float) for a in (Rf, nu_hat, nu_sd))
    grey, red = "#999999", "#d62728"
    s1 = [Series(Rf, nu_hat, f"{name} estimate", "line", grey),
          Series(Rf, nu_hat + 2 * nu_sd, "±2 sd", "dash", grey),
          Series(Rf, nu_hat - 2 * nu_sd, "", "dash", grey, legend=False)]
    if nu_true is not None:
        s1.append(Series(Rf, np.full(Rf.shape, float(nu_true)), f"true {name}", "line",
                         "#222222"))
    s1 += [Series(np.array([Rf[b]] * 3), nu_hat[b] + np.array([-2, 0, 2]) * nu_sd[b],
                  "bar at this R_f", "line", red),
           Series(np.array([Rf[b]]), np.array([nu_hat[b]]), "", "bigmarkers", red,
                  legend=False)]
    s2 = [] if x_true is None else [Series(t, x_true, "truth", "line", "#222222")]
    s2 += [Series(t, x_hat[b], "estimate", "line", red),
           Series(t, x_hat[b] + 2 * x_sd[b], "+2 sd", "dash", red),
           Series(t, x_hat[b] - 2 * x_sd[b], "-2 sd", "dash", red)]
    # the title gives the bar's half-width, 2 sd, like every bar and band drawn; R_f is the
    # slider's label, which keeps the title short enough for its panel
    return [Panel(f"{name} = {nu_hat[b]:.3f} ± {2 * nu_sd[b]:.2g} (2 sd)", "R_f",
                  name, s1, logx=True, yrange=nu_range),
            Panel(f"x{component} (never measured) ± 2 sd; mean sd {np.mean(x_sd[b]):.3g}",
                  "t", f"x{component}", s2, yrange=x_range)]


def convergence(n, err, xlabel: str = "n (intervals)", ylabel: str = "max error",
                backend: str = "plotly"):
    """Error against resolution on log-log axes, with the fitted slope in the title."""
    n, err = np.asarray(n, float), np.asarray(err, float)
    slope = float(np.polyfit(np.log(n), np.log(err), 1)[0])
    ref = err[0] * (n / n[0]) ** round(slope)
    return render([Panel(f"Convergence: slope {slope:.2f}", xlabel, ylabel,
                         [Series(n, err, "error", "line", _COLORS[0]),
                          Series(n, ref, f"n^{round(slope)}", "dash", "#444444")],
                         logy=True, logx=True)], backend)


def phase_clouds(clouds: dict, areas: dict, steps, backend: str = "plotly"):
    """Left: final (x, π) clouds of each map (and the initial ring); right: area over steps.
    ``clouds``: {name: (n_points, 2)}, ``areas``: {name: (n_steps,)}."""
    # open circles, filled dots and crosses, so clouds that coincide all stay visible
    symbols = ["circle", "circle-open", "x-thin-open", "diamond-open"]
    s = [Series(c[:, 0], c[:, 1], name, "markers", _COLORS[i % 10],
                symbol=symbols[i % len(symbols)]) for i, (name, c) in enumerate(clouds.items())]
    a = [Series(np.asarray(steps), v, name, "line", _COLORS[(i + 1) % 10])
         for i, (name, v) in enumerate(areas.items())]
    return render([Panel("Phase-space cloud after the last step", "x", "π", s),
                   Panel("Area enclosed by the cloud", "step", "area", a)], backend)


#: twelve colours from dark (low) to light (high), viridis
_LEVEL_COLORS = ["#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
                 "#22a884", "#44bf70", "#7ad151", "#bddf26", "#dfe318", "#fde725"]


def landscape_panels(isolines, curve, data, floor, minima, annealed, direct,
                     Rf: float, now_action: float) -> list:
    """Two panels of a two-unknown action at one R_f.  Left: contour lines of log10 A,
    ``isolines`` = [(level, x (n,), y (n,)), ...] (segments separated by NaN, levels in
    increasing order, drawn dark to light), the model's graph ``curve`` = (x, g(x)), the
    ``data`` point (2,), the annealing's minima so far ``annealed`` (b, 2) (the last one
    marked) and a direct minimisation's iterates ``direct`` (m, 2) (its end marked).
    Right: the action along the valley floor ``floor`` = (x0 (n,), A (n,)) (log) with its
    local minima ``minima`` (k, 3) rows (x0, x1, A) and the annealing's point now (action
    ``now_action``).  Contour *lines* (scatter traces), not a filled contour: a slider
    changes them in place like any other line."""
    annealed, direct = np.atleast_2d(annealed), np.atleast_2d(direct)
    red, blue, grey = _COLORS[3], _COLORS[0], "#777777"
    now = annealed[-1]
    n_lev = len(isolines)
    left = [Series(np.asarray(x), np.asarray(y), f"log10 A = {lev:.2g}", "line",
                   _LEVEL_COLORS[int(round(i * (len(_LEVEL_COLORS) - 1) / max(n_lev - 1, 1)))],
                   legend=i in (0, n_lev - 1))
            for i, (lev, x, y) in enumerate(isolines)]
    left += [Series(curve[0], curve[1], "model: x(1) = g(x(0))", "line", grey),
             Series(np.array([data[0]]), np.array([data[1]]), "data y", "bigmarkers", "black",
                    symbol="circle-open"),
             Series(direct[:, 0], direct[:, 1], "direct minimisation (final R_f)", "dash",
                    blue),
             Series(direct[-1:, 0], direct[-1:, 1], "", "crosses", blue, legend=False),
             Series(annealed[:, 0], annealed[:, 1], "annealing, minima so far", "line", red),
             Series(now[:1], now[1:], "annealing at this R_f", "bigmarkers", red)]
    right = [Series(np.asarray(floor[0]), np.asarray(floor[1]), "A along the valley floor",
                    "line", "#222222"),
             Series(minima[:, 0], minima[:, 2], f"local minima ({len(minima)})", "markers",
                    grey, symbol="circle-open"),
             Series(now[:1], np.array([now_action]), "", "bigmarkers", red, legend=False)]
    n_min = len(minima)
    return [Panel(f"The landscape at R_f = {Rf:.3g}", "x(0)", "x(1)", left,
                  xrange=(0.0, 1.0), yrange=(0.0, 1.0)),
            Panel(f"Along the valley: {n_min} minim{'um' if n_min == 1 else 'a'}", "x(0)",
                  "A (min over x(1))", right, logy=True)]
