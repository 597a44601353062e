"""The figure spec (:class:`Series`, :class:`Panel`) and its renderers: plotly (interactive,
with frames and in-place updates) and matplotlib (static), with shared axis ranges.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]


@dataclass
class Series:
    """One line or set of markers. ``hover``: {label: array} shown on hover (plotly)."""
    x: np.ndarray
    y: np.ndarray
    name: str
    kind: str = "line"            # 'line', 'markers', 'dash', 'bigmarkers', 'crosses'
    color: str | None = None
    hover: dict = field(default_factory=dict)
    legend: bool = True
    yname: str = "y"
    symbol: str | None = None     # marker symbol ('circle-open', 'x', ...), else by kind
    z: np.ndarray | None = None   # kind 'contour': values (len(y), len(x)) over the grid x, y
    zrange: tuple | None = None   # kind 'contour': (low, high) of the colour scale


@dataclass
class Panel:
    title: str
    xlabel: str
    ylabel: str
    series: list
    logy: bool = False
    vline: float | None = None
    logx: bool = False
    yrange: tuple | None = None   # (low, high) in data units, e.g. shared over frames
    xrange: tuple | None = None   # (low, high) in data units: the x axis does not jump


# ---------------------------------------------------------------------------- renderers
def render(panels: list, backend: str = "plotly", widget: bool = False, title: str = "",
           height: int = 380):
    """Render panels side by side with the chosen backend."""
    if backend == "plotly":
        return _to_plotly(panels, widget, title, height)
    if backend == "mpl":
        return _to_mpl(panels, title)
    raise ValueError(f"backend must be 'plotly' or 'mpl', got {backend!r}")


def _plotly_traces(panels):
    import plotly.graph_objects as go
    traces, named = [], set()
    for col, p in enumerate(panels, start=1):
        for s in p.series:
            if s.kind == "contour":
                traces.append((col, _plotly_contour(s)))
                named.add(s.name)
                continue
            mode = {"line": "lines", "dash": "lines", "markers": "markers",
                    "bigmarkers": "markers", "crosses": "markers"}[s.kind]
            kw = {}
            if s.hover:
                # Per-point labels as 1-D text; the y value comes from %{y}, so putting a
                # new result into the figure in place usually sends only the new y.
                labels = list(s.hover)
                cols = [np.asarray(s.hover[k], dtype=float) for k in labels]
                kw["text"] = ["<br>".join(f"{k} = {c[j]:.4g}" for k, c in zip(labels, cols))
                              for j in range(len(cols[0]))]
                kw["hovertemplate"] = (f"%{{text}}<br>{s.yname} = %{{y:.5g}}"
                                       f"<extra>{s.name}</extra>")
            line = dict(color=s.color, width=1.6, dash="dash" if s.kind == "dash" else None)
            size = {"bigmarkers": 11, "crosses": 9}.get(s.kind, 5)
            traces.append((col, go.Scatter(
                x=np.asarray(s.x), y=np.asarray(s.y), name=s.name, mode=mode, line=line,
                marker=dict(color=s.color, size=size,
                            symbol=s.symbol or {"bigmarkers": "diamond", "crosses": "x"}.get(
                                s.kind, "circle")),
                showlegend=s.legend and s.name not in named, legendgroup=s.name, **kw)))
            named.add(s.name)
    return traces


def _plotly_contour(s):
    import plotly.graph_objects as go
    kw = {}
    if s.zrange is not None:          # fixed levels, so a slider shows the surface change
        lo, hi = s.zrange
        kw = dict(zmin=lo, zmax=hi, autocontour=False,
                  contours=dict(start=lo, end=hi, size=(hi - lo) / 24))
    # nested lists: a FigureWidget sends a 2-D NumPy array as a typed array that its
    # front end does not draw as a contour
    return go.Contour(x=np.asarray(s.x).tolist(), y=np.asarray(s.y).tolist(),
                      z=np.asarray(s.z).tolist(), name=s.name,
                      colorscale="Viridis", reversescale=True, line=dict(width=0.4),
                      showlegend=False, colorbar=dict(title=dict(text=s.name, side="right"),
                                                      thickness=12, len=0.9), **kw,
                      hovertemplate=f"x = %{{x:.3f}}<br>y = %{{y:.3f}}<br>{s.name} = "
                                    "%{z:.3g}<extra></extra>")


def _to_plotly(panels, widget, title, height):
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    n = len(panels)
    contour = any(s.kind == "contour" for p in panels for s in p.series)
    fig = make_subplots(rows=1, cols=n, subplot_titles=[p.title for p in panels],
                        horizontal_spacing=(0.22 if contour else 0.13) if n > 1 else 0.0)
    for col, tr in _plotly_traces(panels):
        fig.add_trace(tr, row=1, col=col)
    for col, p in enumerate(panels, start=1):
        fig.update_xaxes(title_text=p.xlabel, row=1, col=col,
                         **_axis_style(p.logx, [s.x for s in p.series], p.xrange))
        fig.update_yaxes(title_text=p.ylabel, row=1, col=col,
                         **_axis_style(p.logy, [s.y for s in p.series], p.yrange))
        if p.vline is not None:
            fig.add_vline(x=p.vline, line=dict(color="gray", dash="dot"), row=1, col=col)
    for tr in fig.data:               # a contour's colour bar next to its own panel
        if tr.type == "contour":
            axis = fig.layout["xaxis" + (tr.xaxis or "x")[1:]]
            tr.colorbar.x = axis.domain[1] + 0.005
            tr.colorbar.xanchor = "left"
    fig.update_layout(height=height, margin=dict(l=60, r=20, t=60 if title else 40, b=50),
                      title=title or None, template="plotly_white",
                      legend=dict(font=dict(size=10)))
    if not widget:
        return fig
    from ._live import LiveFigure     # imports ipywidgets: only when a widget is asked for
    return LiveFigure(fig)


def _axis_style(log: bool, arrays, yrange=None) -> dict:
    """Axis type and ticks: on a log axis spanning 1.5 decades or more one labelled tick per
    decade (plotly's default minor labels read as values, docs/decisions.md); on a shorter
    log axis full values ('0.2', '0.5'); ``yrange`` fixed in data units."""
    style = {"type": "log" if log else "linear"}
    if yrange is not None:
        lo, hi = yrange
        style["range"] = [np.log10(lo), np.log10(hi)] if log else [lo, hi]
    if not log:
        return style
    vals = np.concatenate([np.ravel(np.asarray(a, float)) for a in arrays] or [np.ones(1)])
    vals = vals[np.isfinite(vals) & (vals > 0)]
    span = np.log10(vals.max() / vals.min()) if vals.size else 0.0
    if yrange is not None:
        span = np.log10(yrange[1] / yrange[0])
    if span >= 1.5:
        style.update(dtick=1, exponentformat="power")
    elif span >= 0.5:           # 1, 2 and 5 of each decade: every digit crowded (0.9 0.8 ...)
        style.update(tickformat=".2~g", dtick="D2")
    else:
        style.update(tickformat=".2~g")
    return style


def shared_yrange(frames: list) -> list:
    """Give every panel position of ``frames`` (lists of panels with the same layout) one
    y-range over all frames, so a slider over them shows change, not rescaling.  Returns
    the frames (panels changed in place)."""
    for j in range(len(frames[0])):
        ys = [np.ravel(np.asarray(s.y, float)) for f in frames for s in f[j].series]
        ys = np.concatenate(ys) if ys else np.ones(1)
        ys = ys[np.isfinite(ys) & ((ys > 0) if frames[0][j].logy else True)]
        if ys.size == 0:
            continue
        lo, hi = ys.min(), ys.max()
        if frames[0][j].logy:
            lo, hi = lo / 1.5, hi * 1.5
        else:
            pad = 0.05 * (hi - lo or 1.0)
            lo, hi = lo - pad, hi + pad
        for f in frames:
            f[j].yrange = (lo, hi)
    return frames


def shared_xrange(frames: list) -> list:
    """Give every panel position of ``frames`` one x-range over all frames (unless a panel
    fixes its own), so a slider's marker reaching an end does not shift the axis.  Returns
    the frames (panels changed in place)."""
    for j in range(len(frames[0])):
        if frames[0][j].xrange is not None:
            continue
        log = frames[0][j].logx
        r = _axis_range([s.x for f in frames for s in f[j].series
                         if s.kind != "contour"], log)
        if r is None:
            continue
        r = (10 ** r[0], 10 ** r[1]) if log else tuple(r)
        for f in frames:
            f[j].xrange = r
    return frames


def update_figure(fig, panels) -> None:
    """Put new panel data into an existing plotly figure (in place, one batch)."""
    new = [tr for _, tr in _plotly_traces(panels)]
    if len(new) != len(fig.data):
        raise ValueError("update_figure needs the same traces; rebuild the figure instead")
    with fig.batch_update():
        for old, tr in zip(fig.data, new):
            if tr.type == "contour":
                old.z = tr.z
                continue
            old.x, old.y, old.name, old.showlegend = tr.x, tr.y, tr.name, tr.showlegend
            if tr.text is not None:
                old.text = tr.text
        for i, p in enumerate(panels):
            if i < len(fig.layout.annotations):
                fig.layout.annotations[i].text = p.title


def render_frames(frames: list, labels: list, *, active: int = 0, name: str = "frame",
                  title: str = "", height: int = 420):
    """A kernel-free interactive figure: a plotly ``go.Figure`` whose own slider steps
    through precomputed ``frames`` (each a list of :class:`Panel`, the same panels in the
    same order; series counts may differ and are padded with empty traces), labelled by
    ``labels``; ``active`` is the frame shown first.  It needs no Python to move: the page
    holding the figure's JSON and plotly.js is enough."""
    import plotly.graph_objects as go
    if not frames or len(frames) != len(labels):
        raise ValueError("frames and labels must be non-empty and of equal length, got "
                         f"{len(frames)} frames and {len(labels)} labels")
    if not 0 <= active < len(frames):
        raise ValueError(f"active must be in 0..{len(frames) - 1}, got {active}")
    n_panels = {len(f) for f in frames}
    if len(n_panels) != 1:
        raise ValueError(f"every frame must have the same number of panels, got {n_panels}")
    width = [max(len(f[i].series) for f in frames) for i in range(len(frames[0]))]

    def padded(f):
        out = []
        for p, n in zip(f, width):
            blank = [Series(np.array([]), np.array([]), "", "line", legend=False)
                     for _ in range(n - len(p.series))]
            out.append(Panel(p.title, p.xlabel, p.ylabel, list(p.series) + blank, p.logy,
                             p.vline, p.logx, p.yrange, p.xrange))
        return out

    figs = [_to_plotly(padded(f), False, title, height) for f in frames]
    # plotly does not re-autorange axes when it animates to a frame: each frame carries the
    # ranges of its own data (a residual that falls by decades stays in view)
    ranges = [_frame_ranges(f) for f in frames]
    fig = go.Figure(figs[active])
    fig.update_layout(ranges[active])
    n = len(fig.data)
    fig.frames = [go.Frame(data=list(f.data), name=str(i), traces=list(range(n)),
                           layout=dict(annotations=f.layout.annotations, **r))
                  for i, (f, r) in enumerate(zip(figs, ranges))]
    steps = [dict(method="animate", label=str(lab),
                  args=[[str(i)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                       transition=dict(duration=0))])
             for i, lab in enumerate(labels)]
    fig.update_layout(
        height=height + 90, margin=dict(b=130),
        sliders=[dict(active=active, steps=steps, pad=dict(t=60, l=20, r=20),
                      # labels that already name the slider ("R_f = 0.01") get no prefix
                      currentvalue=dict(prefix="" if all(str(lab).startswith(name)
                                                         for lab in labels) else f"{name}: ",
                                        font=dict(size=14)))])
    return fig


def _axis_range(arrays, log: bool):
    v = np.concatenate([np.asarray(a, float).ravel() for a in arrays]) if arrays else np.array([])
    v = v[np.isfinite(v) & (v > 0)] if log else v[np.isfinite(v)]
    if v.size == 0:
        return None
    lo, hi = (np.log10(v.min()), np.log10(v.max())) if log else (v.min(), v.max())
    pad = 0.05 * (hi - lo) if hi > lo else (0.5 if log else max(abs(hi), 1.0) * 0.05)
    return [float(lo - pad), float(hi + pad)]


def _frame_ranges(panels) -> dict:
    """{'xaxis': {'range': ...}, 'yaxis2': ...} of one frame (log axes in decades)."""
    out = {}
    for i, p in enumerate(panels, start=1):
        suffix = "" if i == 1 else str(i)
        for ax, key, log in (("x", "x", p.logx), ("y", "y", p.logy)):
            r = _axis_range([getattr(s, key) for s in p.series], log)
            fixed = p.yrange if ax == "y" else p.xrange
            if fixed is not None:                            # a fixed range stays fixed
                lo, hi = fixed
                r = [float(np.log10(lo)), float(np.log10(hi))] if log else [lo, hi]
            if r is not None:
                out[f"{ax}axis{suffix}"] = dict(range=r, autorange=False)
    return out


def _to_mpl(panels, title):
    from matplotlib.figure import Figure
    n = len(panels)
    fig = Figure(figsize=(5.6 * n, 3.9), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, n))
    for ax, p in zip(axes, panels):
        for s in p.series:
            if s.kind == "contour":
                lo, hi = s.zrange if s.zrange is not None else (np.nanmin(s.z), np.nanmax(s.z))
                cs = ax.contourf(s.x, s.y, s.z, levels=np.linspace(lo, hi, 25),
                                 cmap="viridis_r", extend="both")
                fig.colorbar(cs, ax=ax, label=s.name)
                continue
            style = {"line": "-", "dash": "--", "markers": "o", "bigmarkers": "D",
                     "crosses": "x"}[s.kind]
            ax.plot(s.x, s.y, style, color=s.color, ms=9 if s.kind in ("bigmarkers", "crosses")
                    else 3,
                    lw=1.3, label=s.name if s.legend else None, alpha=0.9)
        if p.vline is not None:
            ax.axvline(p.vline, color="gray", ls=":")
        ax.set(title=p.title, xlabel=p.xlabel, ylabel=p.ylabel)
        if p.logy:
            ax.set_yscale("log")
        if p.logx:
            ax.set_xscale("log")
        if p.yrange is not None:
            ax.set_ylim(*p.yrange)
        if p.xrange is not None:
            ax.set_xlim(*p.xrange)
        ax.grid(alpha=0.3)
        if any(s.legend for s in p.series):
            ax.legend(fontsize=7, loc="best")
    if title:
        fig.suptitle(title)
    return fig
