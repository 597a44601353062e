"""Figures from results: a figure is a list of :class:`Panel` s (a spec), rendered by plotly
(interactive) or matplotlib (static) from the same spec, so the two cannot drift apart.

Every public function takes results and returns a figure; ``backend="plotly"`` (default) gives
a ``go.Figure`` (``widget=True``: a :class:`LiveFigure`, a ``go.FigureWidget`` that
:func:`update_figure` changes in place), ``backend="mpl"`` a matplotlib ``Figure`` (no pyplot
state; ``fig.savefig`` to PNG).
A figure is first described as panels of series (plain arrays), then rendered, so the two
backends always show the same thing.  Builders compute only what they draw (a forward pass
for a network's states, a fitted slope for a convergence plot); the science is elsewhere.
"""
from ._figures import (action_levels, action_levels_mpl, action_terms, convergence,
                       landscape_panels, laplace_panels, level_panel, momentum_panels,
                       network_state_panels, param_vs_beta, path_panels, paths, phase_clouds,
                       prediction, sweep, terms_panel)
from ._training import ode_training_panels
from ._spec import (Panel, render, render_frames, Series, shared_xrange, shared_yrange,
                    update_figure)

__all__ = ["action_levels", "action_terms", "paths", "param_vs_beta", "network_state_panels",
           "momentum_panels", "laplace_panels", "shared_yrange", "convergence", "phase_clouds",
           "prediction", "sweep", "update_figure", "action_levels_mpl", "Panel", "Series",
           "render", "render_frames", "level_panel", "terms_panel", "path_panels",
           "shared_xrange", "landscape_panels", "ode_training_panels", "LiveFigure"]


def __getattr__(name):
    # LiveFigure is an ipywidget: importing it imports ipywidgets, so only on first use
    if name == "LiveFigure":
        from ._live import LiveFigure
        return LiveFigure
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
