"""Panels of sliders over precomputed results and the plots (ipywidgets: a course dependency)."""
from ._widgets import (AnnealExplorer, BACKENDS, BetaScrubber, detect_backend, FrameScrubber,
                       get_backend, LandscapeScrubber, LaplaceScrubber, NetworkScrubber,
                       ResultPicker, set_backend, WidgetPanel)

__all__ = ["BetaScrubber", "AnnealExplorer", "ResultPicker", "NetworkScrubber", "FrameScrubber",
           "LaplaceScrubber", "WidgetPanel", "set_backend", "get_backend", "detect_backend",
           "BACKENDS", "LandscapeScrubber"]
