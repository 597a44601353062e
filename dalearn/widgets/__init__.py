"""Panels of sliders over precomputed results and the plots (ipywidgets: a course dependency)."""
from ._widgets import (BACKENDS, AnnealExplorer, BetaScrubber, FrameScrubber, LaplaceScrubber,
                       NetworkScrubber, ResultPicker, WidgetPanel, detect_backend, get_backend,
                       set_backend)

__all__ = ["BetaScrubber", "AnnealExplorer", "ResultPicker", "NetworkScrubber", "FrameScrubber",
           "LaplaceScrubber", "WidgetPanel", "set_backend", "get_backend", "detect_backend",
           "BACKENDS"]
