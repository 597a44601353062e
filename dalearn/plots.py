"""Figure builders from results: matplotlib for static figures (``*_mpl``).

Every function takes results and returns a figure; nothing here computes science.
"""
from __future__ import annotations

import numpy as np

__all__ = ["action_levels_mpl", "EXPECTED_LEVEL"]

#: With the normalised action the measurement term is ≈ 1 at the true path.
EXPECTED_LEVEL = 1.0


def _fig_ax(ax, figsize=(6.4, 4.2)):
    """A new (Figure, Axes) without pyplot (no global state, no backend needed), or ax's."""
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots()


def _x_axis(result, x: str):
    if x == "beta":
        return result.betas, "β  (R_f = R_f0 α^β)"
    if x == "log_ratio":
        return result.log_ratio, "log10(R_f / R_m)"
    raise ValueError(f"x must be 'beta' or 'log_ratio', got {x!r}")


def action_levels_mpl(result, x: str = "beta", ax=None, title: str | None = None):
    """Action level plot: A (log axis) against β, one line per start; expected level dashed.

    Returns the matplotlib Figure.
    """
    fig, ax = _fig_ax(ax)
    xs, xlabel = _x_axis(result, x)
    for i in range(result.n_init):
        ok = result.converged[:, i]
        ax.plot(xs, result.action[:, i], "-", lw=1, alpha=0.8, color=f"C{i % 10}")
        if not ok.all():
            ax.plot(xs[~ok], result.action[~ok, i], "x", color="k", ms=6)
    ax.axhline(EXPECTED_LEVEL, ls="--", color="0.3", lw=1, label="expected level (≈ 1)")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("action A")
    ax.set_title(title or f"Action levels, {result.n_init} starts")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(True, which="major", alpha=0.3)
    return fig
