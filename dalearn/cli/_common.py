"""What every command shares: the parser class, the β list flag, the ``--out``/``--plot``
pair, writing the outputs, and printing a summary as a table or as strict JSON."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from .._io import atomic_write, check_output_path
from ..optimize import STATUS

#: the most β values a --betas flag may give
MAX_BETAS = 10_000


class _Parser(argparse.ArgumentParser):
    """Errors in one line (the flag and what is allowed), exit code 2; no usage dump."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _betas(text: str):
    """'0:21' (start:stop[:step], stop excluded) or '0,1,2.5'; at most MAX_BETAS values."""
    form = f"--betas must be start:stop[:step] or a comma list, got {text!r}"
    try:
        if ":" in text:
            return _beta_range(text)
        values = np.array([float(v) for v in text.split(",")])
    except ValueError:
        raise argparse.ArgumentTypeError(form) from None
    if values.size > MAX_BETAS:
        raise argparse.ArgumentTypeError(f"--betas has {values.size} values; at most "
                                         f"{MAX_BETAS} are allowed")
    return values


def _beta_range(text: str):
    """'start:stop[:step]' as an array (ValueError: not numbers, or not 2 or 3 of them)."""
    parts = [float(v) for v in text.split(":")]
    if len(parts) not in (2, 3):
        raise ValueError
    start, stop, step = (parts + [1.0])[:3]
    if not all(np.isfinite(parts)) or step <= 0:
        raise argparse.ArgumentTypeError(
            f"--betas start:stop:step needs finite numbers and a step > 0, got {text!r}")
    n = int(np.ceil((stop - start) / step))
    if n > MAX_BETAS:
        raise argparse.ArgumentTypeError(
            f"--betas {text} gives {n} values; at most {MAX_BETAS} are allowed")
    return np.arange(start, stop, step)


BETAS_METAVAR = "START:STOP[:STEP]|B,B,..."


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


def check_outputs(args, plot: bool = True) -> tuple[Path, Path | None]:
    """--out and (if ``plot``) --plot checked before any work; the plot defaults to --out's
    name with .png.  Returns (out, plot or None)."""
    out = check_output_path("--out", args.out)
    if not plot:
        return out, None
    p = args.plot if args.plot is not None else \
        (out.with_suffix(".png") if out.suffix == ".npz" else Path(f"{out}.png"))
    p = check_output_path("--plot", p)
    if p.resolve() == out.resolve():
        raise ValueError("--plot and --out must be different files")
    return out, p


def level_figure(result, title: str):
    """The action-level plot of an annealing result (a matplotlib Figure)."""
    from ..plots import action_levels_mpl
    return action_levels_mpl(result, title=title)


def png(fig):
    """A writer of ``fig`` as a PNG file, for :func:`write_outputs`."""
    return lambda path: atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=110))


def write_outputs(writers: dict) -> None:
    """Every file a run writes, in one place: ``writers`` maps each output path (checked
    before any work) to a function that writes that file whole or not at all."""
    for path, write in writers.items():
        write(path)


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
