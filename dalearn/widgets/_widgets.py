"""ipywidgets panels that wire sliders to cached results and the figures of :mod:`plots`.

- :class:`BetaScrubber`: a β slider and a start picker over one annealing result; moving them
  only indexes stored paths and updates two ``FigureWidget``s in place.
- :class:`AnnealExplorer`: problem controls (L, σ, N, starts, seed, rule) that recompute on
  release, with a progress bar, from a cache keyed by the settings; a BetaScrubber below.
- :class:`ResultPicker`: a dropdown over a dict of precomputed results (e.g. a sweep over L).
- :class:`FrameScrubber`: a slider over precomputed frames (lists of panels with the same
  traces), e.g. one per R_f of a continuation.
- :class:`LaplaceScrubber`: an R_f slider over the Laplace error bars (a parameter and one
  hidden state, ± 2 sd) at every β of one annealing run.
- :class:`NetworkScrubber`: a β slider over an annealed network: hidden states against the
  forward pass of the same weights, and the model residual per layer.
- :class:`LandscapeScrubber`: an R_f slider over a two-unknown action drawn whole (notebook
  00): the surface, annealing's minima so far, a direct minimisation, the valley floor.
"""
from __future__ import annotations

import html
import io
import os

import ipywidgets as w
import numpy as np

from ..annealing import anneal
from .._checks import check_choice, check_finite, check_int
from ..discretize import RULES
from ..experiments import at_expected_level
from ..plots import (landscape_panels, laplace_panels, level_panel, network_state_panels,
                     path_panels, render, render_frames, shared_xrange, shared_yrange,
                     update_figure)
from .._settings import AnnealSettings, TwinSettings
from ..problem import rms, twin_from_settings
from ..uncertainty import laplace_along

__all__ = ["BetaScrubber", "AnnealExplorer", "ResultPicker", "NetworkScrubber", "FrameScrubber",
           "LaplaceScrubber", "WidgetPanel", "set_backend", "get_backend", "detect_backend",
           "BACKENDS", "LandscapeScrubber"]


#: "plotly": FigureWidgets updated in place (JupyterLab, Notebook 7); "mpl": matplotlib
#: images under the same sliders, redrawn on release (VS Code and Colab, where a plotly
#: FigureWidget may not render)
BACKENDS = ("plotly", "mpl")
#: the environment variable that forces a backend (e.g. ``DALEARN_WIDGETS=mpl jupyter lab``)
BACKEND_ENV = "DALEARN_WIDGETS"


def detect_backend(environ=None, modules=None) -> str:
    """The backend this front end can show: ``$DALEARN_WIDGETS`` if set; "mpl" in Colab
    (``google.colab`` imported) and in VS Code (``VSCODE_PID`` set in the kernel, the test
    plotly's own renderer choice uses); else "plotly"."""
    import sys
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    forced = environ.get(BACKEND_ENV, "").strip().lower()
    if forced:
        if forced not in BACKENDS:
            raise ValueError(f"{BACKEND_ENV} must be one of {BACKENDS}, got {forced!r}")
        return forced
    if "google.colab" in modules or "VSCODE_PID" in environ:
        return "mpl"
    return "plotly"


_backend = detect_backend()


def set_backend(backend: str) -> None:
    """Choose how every panel displays from now on: ``"plotly"`` (FigureWidgets, JupyterLab)
    or ``"mpl"`` (matplotlib images redrawn under the same sliders; VS Code, Colab).  The
    default is :func:`detect_backend`'s choice."""
    global _backend
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    _backend = backend


def get_backend() -> str:
    """The backend panels display with now ("plotly" or "mpl")."""
    return _backend


class _RerunNote:
    """One line under a panel, hidden by CSS while the panel is live: a notebook re-opened
    from disk (autosave stores outputs, not the kernel's widgets) shows JupyterLab's "Error
    displaying widget: model not found" where the panel was, and this line says what to do."""

    def _repr_html_(self) -> str:
        return ("<style>.jp-OutputArea-child:has(.widget-box) + "
                ".jp-OutputArea-child:has(.dalearn-rerun) {display: none}</style>"
                '<div class="dalearn-rerun" style="color:#555">↑ The panel above lives in '
                "the running kernel and is not saved with the notebook: run the cell (or "
                "Run All) to show it again.</div>")

    def __repr__(self) -> str:
        return "(run the cell to show the panel)"


_RERUN_NOTE = _RerunNote()


class _Panel:
    """A panel displays its ``box`` when it is the value of a notebook cell.

    Every panel also knows its figures as :mod:`plots` panels: ``figure_panels()`` (what it
    shows now, one list of panels per figure) and ``frame_set()`` (``(frames, labels, active,
    name)``: every state its main slider can reach), from which come ``kernel_free()`` (a
    plotly figure with its own slider, no kernel needed), ``static_figure()`` (matplotlib)
    and ``mpl_view()`` (the same controls over matplotlib images)."""

    backend: str | None = None          # None: the module's choice (set_backend)

    def show(self, backend: str | None = None):
        """Display the panel with ``backend`` ("plotly" or "mpl"; default: set_backend's)."""
        from IPython.display import display
        backend = backend or self.backend or _backend
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        display(self.mpl_view() if backend == "mpl" else self.box)
        if backend == "plotly":
            display(_RERUN_NOTE)

    def _ipython_display_(self):
        self.show()

    # kernel-free and static forms --------------------------------------------------------
    def kernel_free(self):
        """A plotly ``go.Figure`` with its own slider over every frame of ``frame_set()``."""
        frames, labels, active, name = self.frame_set()
        return render_frames(frames, labels, active=active, name=name)

    def static_figure(self):
        """A matplotlib Figure of what the panel shows now (every figure's panels in a row)."""
        return render([p for group in self.figure_panels() for p in group], backend="mpl")

    # the matplotlib fallback -------------------------------------------------------------
    def mpl_view(self):
        """The panel's controls with its FigureWidgets replaced by one ``Output`` holding a
        matplotlib PNG (an ``interact``-style panel for front ends that cannot show a
        FigureWidget).  A matplotlib redraw takes a good fraction of a second, so sliders
        report on release (``continuous_update=False``) and a redraw whose controls read as
        the last drawn one is skipped."""
        from plotly.graph_objects import FigureWidget
        out = w.Output()
        controls = []

        def strip(widget):
            if isinstance(widget, w.Box):
                kids = [k for k in (strip(c) for c in widget.children) if k is not None]
                return type(widget)(kids, layout=widget.layout)
            if isinstance(widget, FigureWidget):
                return None
            if isinstance(widget, w.ValueWidget) and not isinstance(
                    widget, (w.HTML, w.Label, w.IntProgress)):
                controls.append(widget)
            return widget

        drawn = {}

        def redraw(_change=None):
            from IPython.display import Image
            state = tuple(repr(c.value) for c in controls)
            if drawn.get("state") == state:
                return
            drawn["state"] = state
            out.clear_output(wait=True)
            out.outputs = ()
            out.append_display_data(Image(data=_png(self.static_figure()), format="png"))

        view = strip(self.box)
        for c in controls:
            if hasattr(c, "continuous_update"):
                c.continuous_update = False
            c.observe(redraw, "value")
        redraw()
        view.children = tuple(view.children) + (out,)
        self._mpl_out = out
        return view


#: the base every panel shares
WidgetPanel = _Panel


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
        lp = [level_panel(self.result, self.x, self.beta.value, n_slots=self.max_starts)]
        pp = path_panels(self.problem, self.current_path(), self.truth, self._comps)
        return lp, pp

    def figure_panels(self) -> list:
        return list(self._panels())

    def frame_set(self):
        """Every β of the shown start: (frames, labels, active, "β"); each frame is the
        level plot with its marker and the two path panels."""
        r, s = self.result, self.start_index
        frames = [[level_panel(r, self.x, b)] +
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
        if at_expected_level(self.problem, r)[r.best] and n["rms_unobserved"] > 3 * sigma:
            return ('<br><span style="color:#b00">The best level sits at the expected '
                    f"value ({level:.3g}) while the unobserved components are "
                    f"{n['rms_unobserved'] / sigma:.0f}σ off: with so few measurements the "
                    "path can fit the noise. A level consistent with the noise certifies "
                    "consistency, not accuracy.</span>")
        return ""


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return buf.getvalue()


def _flat(panels):
    return [s for p in panels for s in p.series]


class AnnealExplorer(_Panel):
    """Lorenz96 twin experiment + precision annealing under sliders.

    Problem controls recompute on release (``continuous_update=False``) with a progress bar;
    results are cached by their settings, so going back to a setting is instant.
    ``executor`` is passed on to :func:`anneal`.
    """

    def __init__(self, twin: TwinSettings = TwinSettings(L=12, N=100),
                 schedule: AnnealSettings = AnnealSettings(n_init=5, maxiter=100), *,
                 executor=None):
        self.twin, self.schedule, self.executor = twin, schedule, executor
        D = twin.D or 20
        self.D = D
        _check_start_values(twin, schedule, D)
        cu = dict(continuous_update=False)
        self.L = w.IntSlider(value=twin.L or D, min=1, max=D, description="L observed", **cu)
        self.sigma = w.FloatSlider(value=twin.sigma, min=0.1, max=1.0, step=0.1,
                                   description="σ noise", **cu)
        self.N = w.IntSlider(value=twin.N, min=20, max=400, step=20, description="N times",
                             **cu)
        self.n_init = w.IntSlider(value=schedule.n_init, min=1, max=20, description="starts",
                                  **cu)
        self.seed = w.IntSlider(value=twin.seed, min=0, max=20, description="seed", **cu)
        self.rule = w.Dropdown(options=RULES, value=twin.rule, description="rule")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="annealing",
                                      bar_style="info")
        self.status = w.HTML()
        self.cache: dict = {}
        self.n_solves = 0
        problem, truth, result = self._solve()
        self._good = {c: c.value for c in self._controls()}
        self.scrubber = BetaScrubber(problem, truth, result, max_starts=self.n_init.max)
        controls = w.VBox([w.HBox([self.L, self.sigma, self.N]),
                           w.HBox([self.n_init, self.seed, self.rule]),
                           w.HBox([self.progress, self.status])])
        self.box = w.VBox([controls, self.scrubber.box])
        for c in (self.L, self.sigma, self.N, self.n_init, self.seed, self.rule):
            c.observe(self._on_change, "value")

    def cache_key(self) -> tuple:
        """The cache key: everything that defines the problem and the annealing."""
        return (self.L.value, round(self.sigma.value, 6), self.N.value, self.n_init.value,
                self.seed.value, self.rule.value)

    def _solve(self):
        key = self.cache_key()
        if key not in self.cache:
            problem, truth = twin_from_settings(self.twin, L=self.L.value,
                                                sigma=self.sigma.value, N=self.N.value,
                                                rule=self.rule.value, seed=self.seed.value)
            schedule = self.schedule.with_(n_init=self.n_init.value, seed=self.seed.value)
            self.progress.value, self.progress.bar_style = 0, "info"

            def tick(done, total):
                self.progress.max, self.progress.value = total, done

            result = anneal(problem, **schedule.kwargs(), keep_all=True,
                            executor=self.executor, progress=tick)
            self.n_solves += 1
            self.progress.bar_style = "success" if result.converged.all() else "warning"
            self.cache[key] = (problem, truth, result)
        problem, truth, result = self.cache[key]
        bad = int((~result.converged).sum())
        L, sigma, N, n_init, seed, rule = key
        self.status.value = (f"L = {L}, σ = {sigma:g}, N = {N}, seed {seed}, {rule}: "
                             f"{result.wall_s:.1f} s, {result.n_init} starts × "
                             f"{result.n_beta} β" + (f"; {bad} solves not converged (×)"
                                                      if bad else ""))
        return problem, truth, result

    def _controls(self):
        return (self.L, self.sigma, self.N, self.n_init, self.seed, self.rule)

    def _on_change(self, change=None) -> None:
        """Solve for the new settings; a value that cannot be solved (e.g. NaN typed into a
        box) is refused: the message shows in the panel and the control goes back."""
        try:
            if change is not None and isinstance(change.get("new"), float) \
                    and not np.isfinite(change["new"]):
                raise ValueError(f"{change['owner'].description} must be a finite number")
            self.scrubber.set_result(*self._solve())
            self._good = {c: c.value for c in self._controls()}
        except (ValueError, TypeError) as e:
            self._refuse(str(e))

    def _refuse(self, message: str) -> None:
        for c in self._controls():
            c.unobserve(self._on_change, "value")
            c.value = self._good[c]
            c.observe(self._on_change, "value")
        self.status.value = f'<span style="color:#b00">refused: {html.escape(message)}</span>'

    def figure_panels(self) -> list:
        return self.scrubber.figure_panels()

    def frame_set(self):
        """The β frames of the result shown now (other settings need a kernel to solve)."""
        return self.scrubber.frame_set()


def _check_start_values(twin, schedule, D: int) -> None:
    """The explorer's starting values inside its sliders' ranges (not silently clamped)."""
    for name, v, lo, hi in (("L", twin.L or D, 1, D), ("N", twin.N, 20, 400),
                            ("n_init", schedule.n_init, 1, 20), ("seed", twin.seed, 0, 20)):
        check_int(f"{name} (explorer slider {lo}..{hi})", v, lo, hi)
    sigma = check_finite("sigma", twin.sigma)
    if not 0.1 <= sigma <= 1.0:
        raise ValueError(f"sigma must be in 0.1..1.0 (the explorer's slider), got {sigma}")
    check_choice("rule", twin.rule, RULES)


class ResultPicker(_Panel):
    """A dropdown (or, with ``slider=True``, a selection slider) over
    ``{label: (problem, truth, result)}``; shows the chosen result's level plot."""

    def __init__(self, results: dict, description: str = "pick", slider: bool = False):
        if not results:
            raise ValueError("results must be a non-empty dict {label: (problem, truth, result)}")
        self.results = results
        labels = list(results)
        kind = w.SelectionSlider if slider else w.Dropdown
        self.choice = kind(options=labels, value=labels[-1], description=description)
        # one y and x range over every choice: the expected level and the curves stay put
        # while the picker moves, so the choices compare by eye
        self._frames = {k: [level_panel(results[k][2], title=self._title(k))] for k in labels}
        shared_yrange(list(self._frames.values()))
        shared_xrange(list(self._frames.values()))
        self.figure = render([self._panel()], widget=True, height=360)
        self.choice.observe(self._update, "value")
        self.box = w.VBox([self.choice, self.figure])

    def _title(self, key) -> str:
        """The level plot's title: the distinct final levels, so levels that are still
        climbing at the last β are named as such rather than left to the eye."""
        r = self.results[key][2]
        lv = r.levels()
        shown = ", ".join(f"{v:.3g}" for v in lv[:4]) + (", ..." if len(lv) > 4 else "")
        return f"{key}: {len(lv)} level{'s' if len(lv) > 1 else ''} at the last β ({shown})"

    def _panel(self):
        return self._frames[self.choice.value][0]

    def figure_panels(self) -> list:
        return [[self._panel()]]

    def frame_set(self):
        """One level plot per result: (frames, labels, active, description)."""
        labels = list(self.results)
        frames = [self._frames[k] for k in labels]
        return frames, labels, labels.index(self.choice.value), self.choice.description

    def _update(self, _change=None):
        p = self._panel()
        if len(self.figure.data) == len(p.series):
            update_figure(self.figure, [p])
        else:
            self.figure = render([p], widget=True, height=360)
            self.box.children = (self.choice, self.figure)


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


def _sig(a, digits: int = 4):
    """``a`` rounded to ``digits`` significant digits (elementwise)."""
    a = np.asarray(a, float)
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.where(a == 0, 1.0, np.abs(a)))))
    return np.round(a * scale) / scale
