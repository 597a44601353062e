"""Benchmark: kernel time of widget updates (β scrub vs a problem change, cached or not), and
of one figure update in a :class:`dalearn.plots.LiveFigure` (the whole figure's JSON sent)
against plotly's own ``go.FigureWidget`` (deltas sent), same panels, same run.

Prints and writes benchmarks/results/widgets_scrub.json.  Run: python benchmarks/widgets_scrub.py
"""
import json
import time
from pathlib import Path

import numpy as np

from dalearn import AnnealSettings, TwinSettings
from dalearn.widgets import AnnealExplorer

OUT = Path(__file__).parent / "results" / "widgets_scrub.json"


def main():
    t = time.perf_counter()
    ex = AnnealExplorer(TwinSettings(D=20, L=12, sigma=0.4, N=100), AnnealSettings(n_init=5))
    build = time.perf_counter() - t
    sc = ex.scrubber
    times = []
    for b in list(range(20, -1, -1)) * 3:
        t = time.perf_counter()
        sc.beta.value = b
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    ex.L.value = 10
    solve = time.perf_counter() - t
    t = time.perf_counter()
    ex.L.value = 12
    cached = time.perf_counter() - t
    live, plotly_own = _figure_update_ms(sc)
    out = {"live_figure_update_ms_median": live, "figurewidget_update_ms_median": plotly_own,
           "build_s": build, "scrub_ms_median": 1e3 * float(np.median(times)),
           "scrub_ms_max": 1e3 * float(np.max(times)), "new_solve_s": solve,
           "cached_problem_change_s": cached}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2))
    print(f"explorer build {build:.2f} s; beta scrub median {out['scrub_ms_median']:.1f} ms, "
          f"max {out['scrub_ms_max']:.1f} ms; new solve (L=10) {solve:.2f} s; "
          f"cached change {1e3 * cached:.1f} ms")
    print(f"one paths-figure update: LiveFigure {live:.1f} ms, plotly FigureWidget "
          f"{plotly_own:.1f} ms (ratio {live / plotly_own:.2f})")


def _figure_update_ms(sc):
    """Median ms to put each β's paths into a LiveFigure and into a go.FigureWidget."""
    import plotly.graph_objects as go
    from dalearn.plots import LiveFigure, path_panels, render, update_figure
    frames = []
    for b in range(21):
        sc.beta.value = b
        frames.append(path_panels(sc.problem, sc.current_path(), sc.truth, sc._comps))
    static = render(frames[0])
    times = {}
    for name, fig in (("live", LiveFigure(static)), ("own", go.FigureWidget(static))):
        t = []
        for panels in frames * 3:
            t0 = time.perf_counter()
            update_figure(fig, panels)
            t.append(time.perf_counter() - t0)
        times[name] = 1e3 * float(np.median(t))
    return times["live"], times["own"]


if __name__ == "__main__":
    main()
