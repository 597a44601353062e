"""Panels of sliders over precomputed results and the plots (ipywidgets: a course dependency).

The panels wire sliders to cached results and the figures of :mod:`plots`.

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
- :class:`ODETrainingScrubber`: an R_f slider over a neural ODE trained by its boundary
  value problem: the paths relax onto the network's flow, π onto backprop's -λ.
"""
from ._backend import BACKENDS, detect_backend, get_backend, set_backend
from ._explorers import AnnealExplorer, ResultPicker
from ._panel import WidgetPanel
from ._scrubbers import (BetaScrubber, FrameScrubber, LandscapeScrubber, LaplaceScrubber,
                         NetworkScrubber)
from ._training import ODETrainingScrubber

__all__ = ["BetaScrubber", "AnnealExplorer", "ResultPicker", "NetworkScrubber", "FrameScrubber",
           "LaplaceScrubber", "WidgetPanel", "set_backend", "get_backend", "detect_backend",
           "BACKENDS", "LandscapeScrubber", "ODETrainingScrubber"]
