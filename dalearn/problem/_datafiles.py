"""Your own measurements from files: CSV (optional header line) or ``.npy``.

Layout (one row per time): the first column is time, then one column per component.

- data file: time on a uniform step (checked), then one column per observed component in
  the order of ``observed``; NaN, ``nan`` or an empty field means not measured;
- drive file: time (increasing, on the data times or finer), then one column per input;
- truth file: the data file's layout with all D components (for twin checks only).

Every error is one line naming the file, the line (1-based, as an editor shows it) and what
is wrong.  :func:`problem_from_files` builds a :class:`dalearn.Problem` from them;
:func:`write_csv` writes the same layout (full precision, so a round trip is exact).
"""
from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np

from .._checks import check_int, check_positive
from .._io import atomic_write
from ..models import SampledDrive
from ._problem import Problem

__all__ = ["read_table", "read_data", "read_drive", "read_truth", "write_csv", "csv_bytes",
           "problem_from_files", "select_window"]

#: relative tolerance of a uniform time step
STEP_RTOL = 1e-6


def _fail(path, line, what) -> ValueError:
    where = f"{path}: line {line}: " if line is not None else f"{path}: "
    return ValueError(where + what)


def read_table(path, *, columns: int | None = None, what: str = "file",
               allow_missing: bool = True):
    """Rows of a CSV or .npy file: (times (T,), values (T, C), line numbers (T,)).

    ``columns``: the number of columns besides time that every row must have.  Empty fields
    and 'nan' are NaN (allowed only if ``allow_missing``); times must be finite.
    """
    if path is None or str(path).strip() == "":
        raise ValueError(f"the {what} file name is empty")
    p = Path(path)
    if not p.is_file():
        raise _fail(p, None, f"no such {what} file" if not p.exists() else f"not a file")
    if p.suffix == ".npy":
        arr = _load_npy(p, what)
        if arr.ndim != 2 or arr.dtype.kind not in "iuf":
            raise _fail(p, None, f"a .npy {what} must be a 2-D array of numbers (rows = "
                                 f"times), got {arr.dtype} {arr.shape}")
        lines = np.arange(1, arr.shape[0] + 1)        # row numbers stand for lines
        rows = arr.astype(float)
        if columns is not None and rows.shape[1] != columns + 1:
            raise _fail(p, None, f"expected {columns + 1} columns (time + {columns}), got "
                                 f"{rows.shape[1]}")
    else:
        rows, lines = _read_csv(p, columns, what)
    if rows.shape[0] < 2:
        raise _fail(p, None, f"a {what} needs at least 2 rows of numbers, got {rows.shape[0]}")
    t, values = rows[:, 0], rows[:, 1:]
    bad = np.flatnonzero(~np.isfinite(t))
    if bad.size:
        raise _fail(p, lines[bad[0]], "the time (first column) must be a finite number")
    bad = np.flatnonzero(np.isinf(values).any(axis=1))
    if bad.size:
        raise _fail(p, lines[bad[0]], "inf is not a measurement (use NaN or an empty field "
                                      "for not measured)")
    if not allow_missing:
        bad = np.flatnonzero(np.isnan(values).any(axis=1))
        if bad.size:
            raise _fail(p, lines[bad[0]], f"a {what} must have every value (found NaN or an "
                                          f"empty field)")
    return t, values, lines


#: a number as a data file writes it: ASCII decimal or exponent form, nan or inf (no digit
#: underscores, no non-ASCII digits: ``float()`` would read '4_0.83' as 40.83)
_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|nan|inf|infinity)",
                     re.IGNORECASE | re.ASCII)


def _number(f: str) -> float:
    if not _NUMBER.fullmatch(f):
        raise ValueError(f)
    return float(f)


def _read_csv(p: Path, columns, what):
    try:
        text = p.read_bytes().decode("utf-8-sig")       # a UTF-8 BOM (Excel) is not data
    except UnicodeDecodeError:
        raise _fail(p, None, f"not a text CSV {what}") from None
    except OSError as e:
        raise _fail(p, None, f"cannot read ({e.strerror or e})") from None
    rows, lines = [], []
    header_seen = False
    for i, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",")]
        try:
            vals = [_number(f) if f else math.nan for f in fields]
        except ValueError:
            # the optional header: the first line, and names only (no field is a number);
            # a first line with numbers and a typo is a data row that does not parse
            if not rows and not header_seen and not any(_is_float(f) for f in fields if f):
                header_seen = True
                n_head = len(fields)
                continue
            bad = next(f for f in fields if f and not _NUMBER.fullmatch(f))
            raise _fail(p, i, f"{bad!r} is not a number") from None
        if columns is not None and len(vals) != columns + 1:
            raise _fail(p, i, f"expected {columns + 1} columns (time + {columns}), got "
                              f"{len(vals)}")
        if rows and len(vals) != len(rows[0]):
            raise _fail(p, i, f"expected {len(rows[0])} columns like line {lines[0]}, got "
                              f"{len(vals)}")
        if header_seen and not rows and len(vals) != n_head:
            raise _fail(p, i, f"expected {n_head} columns like the header, got {len(vals)}")
        rows.append(vals)
        lines.append(i)
    if not rows:
        raise _fail(p, None, f"no rows of numbers in this {what}")
    return np.array(rows, dtype=float), np.array(lines)


def _is_float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _load_npy(p: Path, what: str):
    """A 2-D numeric .npy array, its header checked against the file's size first."""
    try:
        with open(p, "rb") as f:
            version = np.lib.format.read_magic(f)
            reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, _, dtype = reader(f)
            head = f.tell()
        n = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if head + n > p.stat().st_size:
            raise _fail(p, None, f"its header declares {n} bytes of data, the file holds "
                                 f"{p.stat().st_size - head}")
        return np.load(p, allow_pickle=False)
    except OSError as e:
        raise _fail(p, None, f"cannot read ({e.strerror or e})") from None
    except ValueError as e:
        if str(e).startswith(str(p)):
            raise
        raise _fail(p, None, f"not a readable .npy array ({e})") from None


def _uniform_step(p, t, lines) -> float:
    steps = np.diff(t)
    if steps[0] <= 0:
        raise _fail(p, lines[1], f"times must increase, got {t[0]:g} then {t[1]:g}")
    first = steps[0]                          # the step the first two rows set
    bad = np.flatnonzero(np.abs(steps - first) > STEP_RTOL * first)
    if bad.size:
        j = bad[0] + 1
        raise _fail(p, lines[j], f"times must have a uniform step ({first:g} from the first "
                                 f"two rows); here {t[j - 1]:g} -> {t[j]:g} "
                                 f"(step {steps[j - 1]:g})")
    return float((t[-1] - t[0]) / (len(t) - 1))


def select_window(t, values, lines, *, t_max=None, first=None):
    """The rows with time <= ``t_max`` and/or the first ``first`` rows."""
    keep = np.ones(len(t), dtype=bool)
    if t_max is not None:
        keep &= t <= float(t_max) + STEP_RTOL * max(1.0, abs(float(t_max)))
    if first is not None:
        first = check_int("first", first, 2)
        keep &= np.arange(len(t)) < first
    return t[keep], values[keep], lines[keep]


def read_data(path, n_observed: int | None = None, *, t_max=None, first=None):
    """Measurements: (t0, dt, data (L, N)) from a data file; NaN = not measured."""
    t, y, lines = read_table(path, columns=n_observed, what="data")
    t, y, lines = select_window(t, y, lines, t_max=t_max, first=first)
    if len(t) < 2:
        raise _fail(Path(path), None, f"the window (--t-max/--first) keeps {len(t)} rows; "
                                      f"at least 2 are needed")
    dt = _uniform_step(Path(path), t, lines)
    if np.all(np.isnan(y)):
        raise _fail(Path(path), None, "every measurement is missing (NaN or empty)")
    return float(t[0]), dt, y.T.copy()


def read_truth(path, D: int, *, t_max=None, first=None):
    """A true path on the data times: (t (N,), x (D, N)); every value present."""
    t, x, lines = read_table(path, columns=D, what="truth", allow_missing=False)
    t, x, lines = select_window(t, x, lines, t_max=t_max, first=first)
    _uniform_step(Path(path), t, lines)
    return t, x.T.copy()


def read_drive(path, U: int) -> SampledDrive:
    """A drive file as a :class:`SampledDrive` (linear interpolation between its rows)."""
    p = Path(path)
    t, u, lines = read_table(p, columns=U, what="drive", allow_missing=False)
    bad = np.flatnonzero(np.diff(t) <= 0)
    if bad.size:
        raise _fail(p, lines[bad[0] + 1], f"drive times must increase, got {t[bad[0]]:g} "
                                          f"then {t[bad[0] + 1]:g}")
    return SampledDrive(t, u, name=f"drive file {p}")


def write_csv(path, t, columns, header) -> Path:
    """Write time ``t`` (T,) and ``columns`` (C, T) as CSV with a header line; full
    precision (17 significant digits), NaN written as an empty field; atomic."""
    data = csv_bytes(t, columns, header)
    return atomic_write(path, lambda f: f.write(data))


def csv_bytes(t, columns, header) -> bytes:
    """The bytes :func:`write_csv` writes (for writing several files as one transaction)."""
    t = np.asarray(t, dtype=float)
    cols = np.atleast_2d(np.asarray(columns, dtype=float))
    if cols.shape[1] != t.size or len(header) != cols.shape[0] + 1:
        raise ValueError(f"write_csv: {cols.shape[0]} columns of {cols.shape[1]} rows, "
                         f"{t.size} times and {len(header)} header names do not match")
    buf = io.StringIO()
    buf.write(",".join(header) + "\n")
    for j in range(t.size):
        buf.write(",".join(["%.17g" % t[j]] + ["" if np.isnan(v) else "%.17g" % v
                                                for v in cols[:, j]]) + "\n")
    return buf.getvalue().encode()


def problem_from_files(model, data, observed, *, sigma=None, Rm=None, drive=None,
                       t_max=None, first=None, **problem_kwargs) -> Problem:
    """A :class:`dalearn.Problem` from a data file (and a drive file for a driven model).

    ``observed``: the components the data columns hold, in column order; ``sigma`` (or
    ``Rm``) the measurement noise; ``t_max``/``first`` select a window; the remaining
    keywords go to :class:`Problem` (rule, k, params, estimate, bounds).
    """
    obs = np.atleast_1d(np.asarray(observed))
    if t_max is not None:
        check_positive("t_max", abs(float(t_max)) + 1e-300)
    t0, dt, y = read_data(data, len(obs), t_max=t_max, first=first)
    if model.n_inputs and drive is None:
        raise ValueError(f"model {model.name!r} is driven by {model.inputs}: give a drive "
                         f"file")
    u = read_drive(drive, model.n_inputs) if drive is not None else None
    return Problem(model, y, dt, observed=obs, sigma=sigma, Rm=Rm, t0=t0, drive=u,
                   **problem_kwargs)
