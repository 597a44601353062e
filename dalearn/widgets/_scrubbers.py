"""Slider panels over stored results: β, R_f frames, Laplace bars, networks, landscapes."""
from __future__ import annotations

import ipywidgets as w
import numpy as np

from .._checks import check_choice, check_int
from ..levels import level_band
from ..plots import (landscape_panels, laplace_panels, level_panel, network_state_panels,
                     path_panels, render, shared_xrange, shared_yrange, update_figure)
from ..problem import rms
from ..uncertainty import laplace_along
from ._panel import _Panel, _flat, _sig


class BetaScrubber(_Panel):
    """Scrub β and the start over ``result`` (which needs ``keep_all=True``).

    Attributes: ``beta`` (IntSlider over β indices), ``start`` (Dropdown), ``levels`` and
    ``paths`` (FigureWidgets), ``info`` (HTML with the numbers shown), ``box`` (the panel).
    ``max_starts``: the level figure keeps that many start traces (empty ones hidden), so a
    new result with up to that many starts updates it in place.

    A figure is replaced only when a new result needs a different number of traces, and
    then only inside its own container: re-setting a box's children re-renders every figure
    in it, and a re-rendered view no longer takes updates (docs/decisions.md).
    """

    def __init__(self, problem, truth, result, components=None, x: str = "beta",
                 max_starts: int | None = None):
        self.x = x
        self.components = components
        self.max_starts = max_starts
        self._quiet = False
        self.beta = w.IntSlider(description="β", min=0, max=1, continuous_update=True,
                                layout=w.Layout(width="420px"))
        self.start = w.Dropdown(description="start", layout=w.Layout(width="200px"))
        self.info = w.HTML()
        self.levels = self.paths = None
        self._levels_box, self._paths_box = w.Box(), w.Box()
        self.box = w.VBox([w.HBox([self.beta, self.start]), self.info, self._levels_box,
                           self._paths_box])
        self.set_result(problem, truth, result)
        self.beta.observe(self._scrub, "value")
        self.start.observe(self._scrub, "value")

    # the data behind the panel ------------------------------------------------------
    def set_result(self, problem, truth, result) -> None:
        """Show a new result (figures rebuilt only if their trace count changes)."""
        if result.all_paths is None:
            raise ValueError("BetaScrubber needs a result annealed with keep_all=True")
        self.problem, self.truth, self.result = problem, truth, result
        self.band = level_band(problem, result)       # the expected band at the final R_f
        self._quiet = True                 # one redraw below, not one per control change
        self.beta.max = result.n_beta - 1
        self.beta.value = result.n_beta - 1
        self.start.options = [("best", -1)] + [(f"start {i}", i) for i in range(result.n_init)]
        self.start.value = -1
        self.start.layout.display = "none" if result.n_init == 1 else None   # nothing to pick
        self._quiet = False
        comps = self.components
        if comps is not None:
            comps = [check_int("components entries", a, 0, problem.D - 1) for a in comps]
        self._comps = comps
        lp, pp = self._panels()
        if self.levels is None or len(self.levels.data) != len(_flat(lp)):
            self.levels = render(lp, widget=True, height=360)
            self._levels_box.children = (self.levels,)
        else:
            update_figure(self.levels, lp)
        if self.paths is None or len(self.paths.data) != len(_flat(pp)):
            self.paths = render(pp, widget=True, height=330)
            self._paths_box.children = (self.paths,)
        else:
            update_figure(self.paths, pp)
        self._show_info()

    @property
    def start_index(self) -> int:
        return self.result.best if self.start.value == -1 else int(self.start.value)

    def current_path(self) -> np.ndarray:
        """Path (D, M) shown now."""
        return self.result.all_paths[self.beta.value, self.start_index]

    def _panels(self):
        lp = [level_panel(self.result, self.x, self.beta.value, n_slots=self.max_starts,
                          band=self.band)]
        pp = path_panels(self.problem, self.current_path(), self.truth, self._comps)
        return lp, pp

    def figure_panels(self) -> list:
        return list(self._panels())

    def frame_set(self):
        """Every β of the shown start: (frames, labels, active, "β"); each frame is the
        level plot with its marker and the two path panels."""
        r, s = self.result, self.start_index
        frames = [[level_panel(r, self.x, b, band=self.band)] +
                  path_panels(self.problem, r.all_paths[b, s], self.truth, self._comps)
                  for b in range(r.n_beta)]
        return frames, [f"{v:g}" for v in r.betas], self.beta.value, "β"

    def _scrub(self, _change=None) -> None:
        if self._quiet:
            return
        r, b = self.result, self.beta.value
        marker = self.levels.data[-1]
        xs = r.betas if self.x == "beta" else r.log_ratio
        with self.levels.batch_update():
            marker.x = np.full(r.n_init, xs[b])
            marker.y = r.action[b]
            marker.name = f"β = {r.betas[b]:g}"
        update_figure(self.paths, path_panels(self.problem, self.current_path(), self.truth,
                                              self._comps))
        self._show_info()

    def numbers(self) -> dict:
        """The numbers the info line shows, for the current β and start."""
        r, b, s = self.result, self.beta.value, self.start_index
        out = {"beta": float(r.betas[b]), "Rf": float(r.Rf[b].mean()),
               "action": float(r.action[b, s]), "meas": float(r.meas_term[b, s]),
               "model": float(r.model_term[b, s]), "start": s,
               "n_levels": len(r.levels(beta_index=b))}
        if self.truth is not None:
            out["rms_observed"] = rms(self.current_path(), self.truth.x, self.problem.observed)
            if self.problem.unobserved.size:
                out["rms_unobserved"] = rms(self.current_path(), self.truth.x,
                                            self.problem.unobserved)
        return out

    def _show_info(self) -> None:
        n = self.numbers()
        txt = (f"β = {n['beta']:g}, R<sub>f</sub> = {n['Rf']:.4g}: start {n['start']} has "
               f"A = {n['action']:.5g} (measurement {n['meas']:.4g}, model {n['model']:.4g}); "
               f"{n['n_levels']} distinct level(s) over all starts")
        if "rms_observed" in n:
            txt += (f"; RMS error against the truth: observed components "
                    f"{n['rms_observed']:.3g}")
        if "rms_unobserved" in n:
            txt += f", unobserved components {n['rms_unobserved']:.3g}"
        warn = self._warning(n)
        self.info.value = txt + warn

    def _warning(self, n) -> str:
        """A red note when the best start's level is in the expected band but the hidden
        components are far from the truth (more than 3σ RMS): a level consistent with the
        noise certifies consistency, not accuracy."""
        r = self.result
        if "rms_unobserved" not in n or self.start.value != -1 \
                or self.beta.value != r.n_beta - 1:
            return ""
        level = float(r.action[-1, r.best])
        sigma = float(np.mean(np.atleast_1d(self.problem.sigma)))
        # the course's one test of "at the expected level" (the band of dalearn.levels)
        in_band = self.band is not None and self.band.contains(level)
        if in_band and n["rms_unobserved"] > 3 * sigma:
            return ('<br><span style="color:#b00">The best level sits at the expected '
                    f"value ({level:.3g}) while the unobserved components are "
                    f"{n['rms_unobserved'] / sigma:.0f}σ off: with so few measurements the "
                    "path can fit the noise. A level consistent with the noise certifies "
                    "consistency, not accuracy.</span>")
        return ""


class NetworkScrubber(_Panel):
    """β slider over a network annealing result (``keep_all=True``), one training pair."""

    def __init__(self, problem, result, start: int | None = None, pair: int = 0):
        if result.all_paths is None:
            raise ValueError("NetworkScrubber needs a result annealed with keep_all=True")
        self.problem, self.result = problem, result
        self.start = result.best if start is None else check_int("start", start, 0,
                                                                 result.n_init - 1)
        self.pair = check_int("pair", pair, 0, problem.K - 1)
        self.beta = w.IntSlider(value=0, min=0, max=result.n_beta - 1, description="β index",
                                continuous_update=True, layout=w.Layout(width="420px"))
        self.info = w.HTML()
        # every β's panels up front, with one axis range each over all β: the residual's
        # fall by orders of magnitude shows as a fall, not as a rescaled axis
        self.frames = shared_yrange([network_state_panels(
            problem, result.all_paths[b, self.start], result.params[b, self.start], self.pair)
            for b in range(result.n_beta)])
        self.figure = render(self._panels(), widget=True, height=360)
        self.beta.observe(self._scrub, "value")
        self.box = w.VBox([self.beta, self.info, self.figure])
        self._show_info()

    def _state(self):
        b = self.beta.value
        return self.result.all_paths[b, self.start], self.result.params[b, self.start]

    def _panels(self):
        return self.frames[self.beta.value]

    def figure_panels(self) -> list:
        return [self._panels()]

    def frame_set(self):
        """Every β: (frames, labels, active, "β")."""
        return self.frames, [f"{v:g}" for v in self.result.betas], self.beta.value, "β"

    def numbers(self) -> dict:
        X, theta = self._state()
        b = self.beta.value
        r = self.problem.layer_residual(X, theta)
        return {"beta": float(self.result.betas[b]), "Rf": float(self.result.Rf[b].mean()),
                "action": float(self.result.action[b, self.start]),
                "max_residual": float(np.abs(r).max())}

    def _show_info(self):
        n = self.numbers()
        self.info.value = (f"β = {n['beta']:g}, R<sub>f</sub> = {n['Rf']:.3g}: A = "
                           f"{n['action']:.4g}; largest model residual {n['max_residual']:.2e}")

    def _scrub(self, _change=None):
        update_figure(self.figure, self._panels())
        self._show_info()


class FrameScrubber(_Panel):
    """A slider over precomputed ``frames`` (each a list of :class:`plots.Panel` with the
    same traces) labelled by ``labels``; moving it puts that frame into one FigureWidget."""

    def __init__(self, frames: list, labels: list, description: str = "frame",
                 start: int = 0, share_y: bool = True):
        if not frames or len(frames) != len(labels):
            raise ValueError("frames and labels must be non-empty and of equal length")
        start = check_int("start", start, 0, len(frames) - 1)
        if share_y:                         # one axis range over all frames: see the change
            shared_yrange(frames)           # (else the panels' own yrange is kept)
        shared_xrange(frames)               # the x axis never jumps between frames
        self.frames, self.labels = frames, list(labels)
        self.slider = w.IntSlider(value=start, min=0, max=len(frames) - 1,
                                  description=description, continuous_update=True,
                                  readout=False, layout=w.Layout(width="420px"))
        self.label = w.Label(self.labels[start])
        self.figure = render(frames[start], widget=True, height=360)
        self.slider.observe(self._show, "value")
        self.box = w.VBox([w.HBox([self.slider, self.label]), self.figure])

    def _show(self, _change=None):
        update_figure(self.figure, self.frames[self.slider.value])
        self.label.value = self.labels[self.slider.value]

    def figure_panels(self) -> list:
        return [self.frames[self.slider.value]]

    def frame_set(self):
        return self.frames, self.labels, self.slider.value, self.slider.description


class LaplaceScrubber(FrameScrubber):
    """An R_f slider over the Laplace error bars of one annealing run (``keep_all=True``):
    at each β, the estimated parameter ``param`` ± 2 sd against R_f and the never-measured
    state ``component`` ± 2 sd over time.  The bars (``bars``: a list of n_beta
    :class:`~dalearn.uncertainty.Laplace` from ``laplace_along``, computed here if None, with
    ``component`` among their components) and the frames are computed once; the slider only
    scrubs.  Attributes beyond FrameScrubber's: ``Rf``, ``param_hat``, ``param_sd`` (n_beta,),
    ``state_sd`` (n_beta, M) of ``component``.  The parameter's axis is fixed at the final
    bar's scale (an early, wide bar runs off it, drawn through the estimate); the state's
    axis is fixed too, zooming out only for a band that does not fit."""

    def __init__(self, problem, result, component: int, *, truth=None, bars=None,
                 start: int | None = None, param: str | None = None):
        if not problem.estimate:
            raise ValueError("problem: LaplaceScrubber needs a problem that estimates a "
                             "parameter (estimate=[...])")
        param = problem.estimate[0] if param is None else check_choice(
            "param", param, tuple(problem.estimate))
        component = check_int("component", component, 0, problem.D - 1)
        if result.all_paths is None:
            raise ValueError("result: LaplaceScrubber needs a result annealed with keep_all=True")
        s = result.best if start is None else check_int("start", start, 0, result.n_init - 1)
        if bars is None:
            bars = laplace_along(problem, result, start=s, components=[component])
        if len(bars) != result.n_beta:
            raise ValueError(f"bars: need one Laplace per beta ({result.n_beta}), "
                             f"got {len(bars)}")
        sd = np.array([b.state_std[component] for b in bars])
        if not np.all(np.isfinite(sd)):
            raise ValueError(f"bars: no finite state sd for component {component} (give it "
                             "in laplace_along's components)")
        k = list(problem.estimate).index(param)
        self.Rf = np.asarray(result.Rf).reshape(result.n_beta, -1).mean(axis=1)
        self.param_hat = result.params[:, s, k]
        self.param_sd = np.array([b.param_std[param] for b in bars])
        self.state_sd = sd
        x_hat = result.all_paths[:, s, component]
        p_true = None if truth is None else float(truth.params[k])
        x_true = None if truth is None else truth.x[component]
        lo = min(self.param_hat.min(), self.param_hat[-1] - 6 * self.param_sd[-1],
                 self.param_hat[-1] if p_true is None else p_true)
        hi = max(self.param_hat.max(), self.param_hat[-1] + 6 * self.param_sd[-1],
                 self.param_hat[-1] if p_true is None else p_true)
        ref = x_hat[-1] if x_true is None else x_true
        pad = 0.3 * (ref.max() - ref.min() or 1.0)
        x_lo, x_hi = ref.min() - pad, ref.max() + pad
        # the state axis zooms out only while a band does not fit (every line stays in view)
        frames = [laplace_panels(self.Rf, self.param_hat, self.param_sd, b, problem.t, x_hat,
                                 sd, nu_true=p_true, x_true=x_true, component=component,
                                 nu_range=(lo, hi), name=param,
                                 x_range=(min(x_lo, (x_hat[b] - 2.2 * sd[b]).min()),
                                          max(x_hi, (x_hat[b] + 2.2 * sd[b]).max())))
                  for b in range(result.n_beta)]
        super().__init__(frames, [f"R_f = {v:.3g}" for v in self.Rf], description="R_f",
                         start=result.n_beta - 1, share_y=False)

    def _show(self, _change=None):
        super()._show()
        self.figure.layout.yaxis2.range = list(self.frames[self.slider.value][1].yrange)


class LandscapeScrubber(FrameScrubber):
    """An R_f slider over the landscape of a :class:`dalearn.landscape.MapTwin`: at each
    β of ``annealed`` (a :class:`~dalearn.landscape.Descent` from ``anneal_path``), log10 A
    on an ``n`` × ``n`` grid with annealing's minima up to that β and the iterates of
    ``direct`` (``direct_path`` at the last R_f, from the same start), and the action along
    the valley floor with its local minima.  Every frame is computed once; the slider only
    scrubs.  The colour scale and both axes stay fixed over the frames."""

    def __init__(self, twin, annealed, direct, n: int = 81):
        n = check_int("n", n, 11, 301)
        Rf = np.asarray(annealed.Rf, float)
        # twelve levels of log10 A, the same in every frame, from the lowest value on the
        # first grid to the 90th percentile of the last: the contours move, not the scale
        lo = float(np.log10(twin.grid(Rf[0], n)[2].min()))
        hi = float(np.percentile(np.log10(twin.grid(Rf[-1], n)[2]), 90))
        levels = np.linspace(lo + 0.1 * (hi - lo), hi, 12)
        cx = np.linspace(0.0, 1.0, 401)
        curve = (cx, _sig(twin.g(cx)))
        start = direct.points[:1]
        frames = []
        self.n_minima = []
        for b, r in enumerate(Rf):
            fx, _, fa = twin.floor(r, 601)
            minima = twin.local_minima(r)
            self.n_minima.append(len(minima))
            lines = [(lev, _sig(x), _sig(y)) for lev, x, y in twin.isolines(r, levels, n)]
            frames.append(landscape_panels(
                lines, curve, twin.y, (fx, _sig(fa)), minima,
                np.vstack([start, annealed.points[:b + 1]]), direct.points, r,
                float(annealed.action[b])))
        self.Rf = Rf
        super().__init__(frames, [f"R_f = {r:.3g} (R_f/R_m = {r / twin.Rm:.2g})" for r in Rf],
                         description="β", start=0, share_y=True)
        for f in self.frames:                       # the landscape's own axes: the square
            f[0].yrange = (0.0, 1.0)
        self.figure.layout.yaxis.range = [0.0, 1.0]
        # the legend below, the panels apart: the valley floor's axis title stays clear of
        # the landscape
        self.figure.update_layout(height=560, legend=dict(orientation="h", y=-0.2),
                                  xaxis=dict(domain=[0.0, 0.42]),
                                  xaxis2=dict(domain=[0.58, 1.0]))


