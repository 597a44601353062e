"""Panels of sliders over precomputed results and the plots (ipywidgets: a course dependency)."""
from ._widgets import (BACKENDS, BetaScrubber, AnnealExplorer, ResultPicker, NetworkScrubber,
                       FrameScrubber, LaplaceScrubber, set_backend)

__all__ = ["BetaScrubber", "AnnealExplorer", "ResultPicker", "NetworkScrubber", "FrameScrubber",
           "LaplaceScrubber", "set_backend", "BACKENDS"]
