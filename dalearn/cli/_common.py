"""What every command shares: the parser class, the β list flag, the ``--out``/``--plot``
pair, writing the outputs, and printing a summary as a table or as strict JSON."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from .._io import check_output_path
from ..optimize import STATUS
from ._guard import BETAS_HELP, MAX_BETAS, betas_arg, check_files, plot_item, write_together

__all__ = ["BETAS_HELP", "MAX_BETAS"]


class _Parser(argparse.ArgumentParser):
    """Errors in one line (the flag and what is allowed), exit code 2; no usage dump."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


#: --betas: a count N (0..N-1), START:STOP[:STEP] or a comma list (cli._guard.betas_arg)
_betas = betas_arg


BETAS_METAVAR = "N|START:STOP[:STEP]|B,B,..."


def betas_text(betas) -> str:
    """β values as a --betas flag gives them: a count n as '0:n', evenly spaced values as
    'start:stop:step', else a comma list."""
    if isinstance(betas, int):
        return f"0:{betas}"
    b = np.asarray(betas, dtype=float)
    if b.size > 2 and np.allclose(np.diff(b), b[1] - b[0]):
        return f"{b[0]:g}:{b[-1] + (b[1] - b[0]):g}:{b[1] - b[0]:g}"
    return ",".join(f"{v:g}" for v in b)


def check_alpha(alpha) -> None:
    """--alpha, the R_f ratio per β step: finite and > 1."""
    if not (np.isfinite(alpha) and alpha > 1):
        raise ValueError(f"--alpha must be a finite number > 1, got {alpha:g}")


def status_names(codes) -> list:
    """Optimiser status codes (see ``dalearn.optimize.STATUS``) as their names."""
    return [STATUS[int(c)] for c in codes]


def add_outputs(group, out: str, plot_help: str) -> None:
    """The ``--out`` results file (default ``out``) and the ``--plot`` beside it."""
    group.add_argument("--out", default=out, help=f"results file (default: {out})")
    group.add_argument("--plot", default=None, help=plot_help)


def add_json(group) -> None:
    group.add_argument("--json", action="store_true", help="print the summary as one JSON object")


def check_outputs(args, plot: bool = True, inputs: dict | None = None,
                  ) -> tuple[Path, Path | None]:
    """--out and (if ``plot``) --plot checked before any work, against each other and every
    input file of the run (``inputs``: {flag: path}); the plot defaults to --out's name with
    .png and its suffix names its format.  Returns (out, plot or None)."""
    out = check_output_path("--out", args.out)
    p = None
    if plot:
        p = args.plot if args.plot is not None else \
            (out.with_suffix(".png") if out.suffix == ".npz" else Path(f"{out}.png"))
    files = check_files({"--out": out, "--plot": p}, inputs)
    if p is not None:
        plot_item("--plot", p)
    return files["--out"], files.get("--plot")


def level_figure(result, title: str, problem=None):
    """The action-level plot of an annealing result (a matplotlib Figure), with the expected
    band at the final R_f when ``problem`` is given (and its Hessian allows one)."""
    from ..levels import level_band
    from ..plots import action_levels_mpl
    band = None if problem is None else level_band(problem, result)
    return action_levels_mpl(result, title=title, band=band)


def png(fig, path=None):
    """A writer of ``fig`` into an open file, in the format ``path``'s suffix names (PNG by
    default), for :func:`write_outputs`."""
    if path is None:
        return lambda f: fig.savefig(f, format="png", dpi=110)
    return plot_item("--plot", path, fig)[1]


def write_outputs(writers: dict, what: str = "this run's results") -> None:
    """Every file a run writes, in one transaction: ``writers`` maps each output path
    (checked before any work) to ``write(fileobj)``; either every file replaces its old one
    or none does (an OutputError says where the files were saved instead)."""
    write_together(list(writers.items()), what=what)


def _strict(obj):
    """NaN and inf as None, so the JSON is strict."""
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_strict(v) for v in obj]
    return obj


def render(summary: dict, as_json: bool, to_table) -> str:
    """A command's summary as strict JSON (one object) or as its table."""
    if as_json:
        return json.dumps(_strict(summary), allow_nan=False)
    return to_table(summary)
