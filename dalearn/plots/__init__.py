"""Figures from results: a figure is a list of :class:`Panel` s (a spec), rendered by plotly
(interactive) or matplotlib (static) from the same spec, so the two cannot drift apart."""
from ._plots import (action_levels, action_terms, paths, param_vs_beta, network_state_panels,
                     momentum_panels, laplace_panels, shared_yrange, convergence, phase_clouds,
                     prediction, sweep, update_figure, action_levels_mpl, Panel, Series, render,
                     render_frames, level_panel, terms_panel, path_panels)

__all__ = ["action_levels", "action_terms", "paths", "param_vs_beta", "network_state_panels",
           "momentum_panels", "laplace_panels", "shared_yrange", "convergence", "phase_clouds",
           "prediction", "sweep", "update_figure", "action_levels_mpl", "Panel", "Series",
           "render", "render_frames", "level_panel", "terms_panel", "path_panels"]
