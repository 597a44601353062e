"""A plotly figure as a widget whose synced state is always the whole figure.

:class:`LiveFigure` is a ``go.FigureWidget`` (same Python API: ``.data``, ``.layout``,
``batch_update``, ``update_layout``) with its own small front end, so a figure draws on a
loaded machine too (why plotly's own front end may not: docs/decisions.md, "Figures that
draw under load").  Here

* the front end module is a few hundred bytes and does nothing in ``initialize``, so it is
  ready at once; plotly.js itself is evaluated once per page (cached), inside ``render``;
* the figure's whole JSON is one synced trait, sent in the widget's opening message and
  replaced after every change (one message per ``batch_update``), and the view draws whatever
  the trait holds when it renders and whenever it changes: no message order to get wrong.
"""
from __future__ import annotations

import functools
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import traitlets

_ESM = r"""
const KEY = Symbol.for("dalearn.plotly.js");
function plotlyFrom(source) {
  // plotly.min.js is a UMD bundle: evaluated with a CommonJS `module`, it exports Plotly.
  if (!globalThis[KEY]) {
    globalThis[KEY] = new Promise((resolve, reject) => setTimeout(() => {
      try {
        const module = { exports: {} };
        new Function("module", "exports", "define", source)(module, module.exports, undefined);
        resolve(module.exports.newPlot ? module.exports : globalThis.Plotly);
      } catch (error) { reject(error); }
    }, 0));
  }
  return globalThis[KEY];
}
function figure(model) {
  const text = model.get("_figure_json");
  return text ? JSON.parse(text) : { data: [], layout: {} };
}
export default {
  initialize() {},
  async render({ model, el }) {
    const Plotly = await plotlyFrom(model.get("_plotly_js"));
    let queued = false;
    const draw = () => {
      queued = false;
      const f = figure(model);
      return Plotly.react(el, f.data || [], f.layout || {}, model.get("_config") || {});
    };
    const redraw = () => { if (!queued) { queued = true; requestAnimationFrame(draw); } };
    model.on("change:_figure_json", redraw);
    const resized = new ResizeObserver(() => { if (el.data) Plotly.Plots.resize(el); });
    resized.observe(el);
    await draw();
    return () => { model.off("change:_figure_json", redraw); resized.disconnect(); Plotly.purge(el); };
  },
};
"""


@functools.lru_cache(maxsize=1)
def _plotly_js() -> str:
    import plotly
    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()


class LiveFigure(go.FigureWidget):
    """A ``go.FigureWidget`` whose front end draws the whole figure from one synced trait.

    ``LiveFigure(fig)`` takes what ``go.FigureWidget`` takes.  Every change made in Python
    (``fig.data[i].y = ...``, ``with fig.batch_update(): ...``, ``fig.update_layout(...)``)
    replaces ``_figure_json`` with the figure's JSON; plotly.js draws it with
    ``Plotly.react``.  Front-end events (zoom, selection) are not sent back to Python."""

    _esm = _ESM
    _figure_json = traitlets.Unicode("").tag(sync=True)
    _plotly_js = traitlets.Unicode("").tag(sync=True)

    def __init__(self, *args, **kwargs):
        self._opening = True              # open the comm once the figure is complete, so the
        super().__init__(*args, **kwargs)   # opening message already holds all of it
        self._widget_data, self._widget_layout = [], {}   # plotly's own copy: not used here
        self._plotly_js = _plotly_js()
        self._sync()
        self._opening = False
        self.open()

    def open(self):
        if not getattr(self, "_opening", False):
            super().open()

    def _sync(self, *_args, **_kwargs) -> None:
        self._figure_json = pio.to_json(self.to_dict(), validate=False)

    # plotly calls these after each change (once per batch_update): send the whole figure
    _send_relayout_msg = _send_restyle_msg = _send_update_msg = _sync
    _send_addTraces_msg = _send_deleteTraces_msg = _send_moveTraces_msg = _sync
    _send_animate_msg = _sync
