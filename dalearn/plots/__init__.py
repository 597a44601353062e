"""Figures from results: a figure is a list of :class:`Panel` s (a spec), rendered by plotly
(interactive) or matplotlib (static) from the same spec, so the two cannot drift apart."""
from ._plots import (action_levels, action_levels_mpl, action_terms, convergence,
                     landscape_panels, laplace_panels, level_panel, momentum_panels,
                     network_state_panels, Panel, param_vs_beta, path_panels, paths,
                     phase_clouds, prediction, render, render_frames, Series, shared_xrange,
                     shared_yrange, sweep, terms_panel, update_figure)

__all__ = ["action_levels", "action_terms", "paths", "param_vs_beta", "network_state_panels",
           "momentum_panels", "laplace_panels", "shared_yrange", "convergence", "phase_clouds",
           "prediction", "sweep", "update_figure", "action_levels_mpl", "Panel", "Series",
           "render", "render_frames", "level_panel", "terms_panel", "path_panels",
           "shared_xrange", "landscape_panels"]
