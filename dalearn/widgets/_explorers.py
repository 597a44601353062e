"""Panels that recompute (:class:`AnnealExplorer`) or pick among results (ResultPicker)."""
from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from ..annealing import anneal
from .._checks import check_choice, check_finite, check_int
from ..discretize import RULES
from ..levels import level_band
from ..plots import level_panel, render, shared_xrange, shared_yrange, update_figure
from .._settings import AnnealSettings, TwinSettings
from ..problem import twin_from_settings
from ._panel import _Panel
from ._scrubbers import BetaScrubber


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
        self._frames = {k: [level_panel(results[k][2], title=self._title(k),
                                        band=level_band(results[k][0], results[k][2]))]
                        for k in labels}
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


