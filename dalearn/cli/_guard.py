"""What every command does around its work: inputs and outputs checked together before any
work, all outputs written as one transaction, progress on long runs, Ctrl-C kept short.

- :func:`check_files`: every input an existing readable regular file (a folder for folder
  flags), every output a regular file or absent, no output an input or another output;
- :func:`write_outputs`: the run's files written together (:func:`dalearn._io.write_together`);
- :func:`plot_item`: a figure written in the format its name says (.png, .pdf, .svg);
- :class:`Progress`: ``progress(done, total)`` printing to stderr at most every few seconds,
  only once a run has lasted that long;
- :func:`save_partial`: the finished starts of an interrupted anneal, beside ``--out``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from .._io import (check_distinct, check_input_path, check_output_dir, check_output_path,
                   write_together)

__all__ = ["betas_arg", "check_files", "plot_item", "write_outputs", "Progress",
           "save_partial", "PLOT_FORMATS", "MAX_BETAS"]

MAX_BETAS = 10_000
#: plot formats by file suffix
PLOT_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}
#: how --betas is described in every command's help
BETAS_HELP = ("beta values: a count N (0..N-1), START:STOP[:STEP] (STOP excluded) or "
              "B,B,... (the values)")


def betas_arg(text: str):
    """``--betas``: 'N' (a count: 0..N-1, as the default 21), 'START:STOP[:STEP]' (STOP
    excluded) or 'B,B,...' (the values themselves); at most MAX_BETAS values."""
    form = f"--betas must be a count N, START:STOP[:STEP] or a comma list, got {text!r}"
    text = text.strip()
    try:
        if text.isascii() and text.isdigit():
            n = int(text)
            if not 1 <= n <= MAX_BETAS:
                raise argparse.ArgumentTypeError(
                    f"--betas {text}: a count must be 1..{MAX_BETAS}")
            return np.arange(n, dtype=float)
        if ":" in text:
            parts = [float(v) for v in text.split(":")]
            if len(parts) not in (2, 3):
                raise ValueError
            start, stop, step = (parts + [1.0])[:3]
            if not all(np.isfinite(parts)) or step <= 0:
                raise argparse.ArgumentTypeError(
                    f"--betas start:stop:step needs finite numbers and a step > 0, got {text!r}")
            n = (stop - start) / step
            if not n <= MAX_BETAS:                  # inf and NaN too
                raise argparse.ArgumentTypeError(
                    f"--betas {text} gives more than {MAX_BETAS} values; at most {MAX_BETAS} "
                    f"are allowed")
            return np.arange(start, stop, step)
        values = np.array([float(v) for v in text.split(",")])
    except ValueError:
        raise argparse.ArgumentTypeError(form) from None
    if values.size > MAX_BETAS:
        raise argparse.ArgumentTypeError(f"--betas has {values.size} values; at most "
                                         f"{MAX_BETAS} are allowed")
    return values


def check_files(outputs: dict, inputs: dict | None = None, *, folders=()) -> dict:
    """Check a run's files before any work: {flag: Path} of the outputs.

    ``outputs``/``inputs``: {flag: path or None}; flags in ``folders`` name folders.  Every
    input must be a readable regular file (folder), every output a regular file or absent
    in a writable folder (a folder that is or can be made), and no output may be an input
    or another output (same path, same file, one folder inside the other)."""
    inputs = {f: p for f, p in (inputs or {}).items() if p is not None}
    outputs = {f: p for f, p in outputs.items() if p is not None}
    for flag, p in inputs.items():
        check_input_path(flag, p, folder=flag in folders)
    checked = {flag: (check_output_dir(flag, p) if flag in folders else
                      check_output_path(flag, p)) for flag, p in outputs.items()}
    check_distinct(checked, inputs, folders=folders)
    return checked


def plot_item(flag: str, path, fig=None, dpi: int = 110):
    """(path, write) of a figure in the format its suffix names; with ``fig`` None only the
    name is checked.  An unknown suffix is refused (a .pdf holding PNG bytes is not one)."""
    fmt = PLOT_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"{flag} must end in {', '.join(PLOT_FORMATS)} (the format), got "
                         f"{str(path)!r}")
    return Path(path), (None if fig is None else
                        (lambda f: fig.savefig(f, format=fmt, dpi=dpi)))


def write_outputs(items, what: str = "this run's results") -> None:
    """Write the run's (path, write) items together; see :func:`dalearn._io.write_together`
    (an OutputError says what stayed and where the files went)."""
    write_together(items, what=what)


class Progress:
    """``progress(done, total)`` for :func:`dalearn.anneal`: one line on stderr at most every
    ``every`` seconds, the first only after ``every`` seconds (short runs print nothing)."""

    def __init__(self, what: str = "annealing", every: float = 5.0, stream=None):
        self.what, self.every = what, every
        self.stream = stream if stream is not None else sys.stderr
        self.t0 = self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            rate = done / max(now - self.t0, 1e-9)
            left = (total - done) / rate if rate > 0 else float("inf")
            print(f"{self.what}: {done} of {total} solves done ({now - self.t0:.0f} s; about "
                  f"{left:.0f} s left; Ctrl-C stops and keeps the finished starts)",
                  file=self.stream, flush=True)


def partial_path(out: Path) -> Path:
    """Where an interrupted run's finished starts go: ``<out>.partial.npz`` beside ``out``."""
    return out.with_name(out.stem + ".partial.npz" if out.suffix == ".npz" else
                         out.name + ".partial.npz")


def save_partial(interrupted, out: Path, inputs: dict | None = None) -> str:
    """Save the finished starts of an :class:`dalearn.annealing.AnnealInterrupted` beside
    ``out`` (never over an input or ``out`` itself); the sentence saying what happened."""
    partial = getattr(interrupted, "partial", None)
    if partial is None:
        return "no start had finished"
    path = partial_path(out)
    try:
        check_files({"partial results": path}, inputs)
        write_together([(path, partial.write)], what="the finished starts")
    except (ValueError, OSError) as e:
        return f"{interrupted.done} of {interrupted.total} starts had finished, but could " \
               f"not be saved ({e})"
    return f"the {interrupted.done} of {interrupted.total} finished starts were saved to {path}"
