"""The base every panel shares (:class:`WidgetPanel`) and the note shown under a live panel."""
from __future__ import annotations

import ipywidgets as w
import numpy as np

from ..plots import render, render_frames
from ._backend import BACKENDS, get_backend


class _RerunNote:
    """One line under a panel, hidden by CSS while the panel is live: a notebook re-opened
    from disk (autosave stores outputs, not the kernel's widgets) shows JupyterLab's "Error
    displaying widget: model not found" where the panel was; this line takes its place and
    says what to do."""

    def _repr_html_(self) -> str:
        # a live panel (a .widget-box): hide this line; no panel (JupyterLab's "Error
        # displaying widget: model not found" node, no .widget-box): hide that, keep this line
        return ("<style>.jp-OutputArea-child:has(.widget-box) + "
                ".jp-OutputArea-child:has(.dalearn-rerun) {display: none}"
                ".jp-OutputArea-child:has(> .jupyter-widgets):not(:has(.widget-box)):has("
                "+ .jp-OutputArea-child .dalearn-rerun) {display: none}</style>"
                '<div class="dalearn-rerun" style="color:#555">This cell\'s panel lives in '
                "the running kernel and is not saved with the notebook: run the cell (or "
                "Run All) to show it.</div>")

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
        backend = backend or self.backend or get_backend()
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
            from ._backend import _png         # looked up per redraw (tests patch it)
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


def _flat(panels):
    return [s for p in panels for s in p.series]


def _sig(a, digits: int = 4):
    """``a`` rounded to ``digits`` significant digits (elementwise)."""
    a = np.asarray(a, float)
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.where(a == 0, 1.0, np.abs(a)))))
    return np.round(a * scale) / scale
