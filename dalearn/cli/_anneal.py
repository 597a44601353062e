"""``python -m dalearn anneal ...`` runs a twin experiment headless, or anneals your own
measurements (``--data FILE [--drive FILE] [--truth FILE]``); ``python -m dalearn twin ...
--out-data FILE`` writes a twin experiment's files.

``anneal`` writes the results (.npz) and an action-level plot (.png) and prints a table or
``--json``.  The flags, their defaults and their help come from
:class:`dalearn.settings.TwinSettings` and :class:`dalearn.settings.AnnealSettings`;
``--preset NAME`` starts from a preset and the flags given override it.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from .._checks import check_finite, check_int, check_observed
from .._io import check_output_path
from .._settings import AnnealSettings, TwinSettings
from .._runtime import worker_init
from ..annealing import AnnealInterrupted, anneal
from ..models import half_grid
from ..problem import (Truth, problem_from_files, read_truth, resolve_params, rms_per_start,
                       twin_from_settings, csv_bytes)
from ..levels import summary as level_summary
from ..uncertainty import laplace_param_std
from ._anneal_flags import (FLAG_OF, add_preset, add_settings, check_flags, check_run,
                            check_twin_flags, settings_from_args, twin_model)
from ._common import (add_json, add_outputs, check_outputs, level_figure, png, status_names,
                      write_outputs)
from ._guard import Progress, check_files, save_partial

__all__ = ["add_anneal_parser", "run_anneal", "anneal_table", "add_twin_parser", "run_twin",
           "twin_table"]


def add_anneal_parser(sub) -> None:
    a = sub.add_parser("anneal", help="twin experiment (or your data) + precision annealing")
    add_preset(a)
    add_settings(a.add_argument_group("twin experiment"), TwinSettings)
    f = a.add_argument_group("your own data (instead of a twin experiment)")
    f.add_argument("--data", help="data file (CSV with an optional header, or .npy): time, "
                                  "then one column per --observed component; NaN or empty = "
                                  "not measured")
    f.add_argument("--drive", help="a driven model's input file: time, then one column per "
                                   "input (on the data times or finer)")
    f.add_argument("--truth", help="true path file (the data layout, all D components): "
                                   "the summary then reports errors against it")
    f.add_argument("--t-max", dest="t_max", type=float,
                   help="use the data up to this time")
    f.add_argument("--first", type=int, help="use the first N data rows")
    add_settings(a.add_argument_group("annealing"), AnnealSettings, skip=("seed",))
    o = a.add_argument_group("running and output")
    o.add_argument("--workers", type=int, default=None,
                   help=f"processes for the starts (default: one per CPU when --n-init >= "
                        f"{AUTO_WORKERS_FROM}, else 1, serial)")
    add_outputs(o, "run.npz", "action-level plot (.png; default: beside --out)")
    add_json(o)


def add_twin_parser(sub) -> None:
    tw = sub.add_parser("twin", help="make a twin experiment and write its files")
    add_preset(tw)
    add_settings(tw.add_argument_group("twin experiment"), TwinSettings)
    w = tw.add_argument_group("output")
    w.add_argument("--out-data", dest="out_data", help="data file to write (CSV)")
    w.add_argument("--out-drive", dest="out_drive", help="drive file to write (CSV; the input "
                                                         "on the half-step model grid)")
    w.add_argument("--out-truth", dest="out_truth", help="true path file to write (CSV, "
                                                         "data times)")
    add_json(w)


# --------------------------------------------------------------------------- anneal
#: without --workers, this many starts or more run in one process per CPU (measured:
#: benchmarks/cli_workers.py, docs/decisions.md)
AUTO_WORKERS_FROM = 16


def _workers(args, n_init: int) -> int:
    """--workers, capped at the number of starts and of CPUs (with a note on stderr);
    without it, one per CPU from ``AUTO_WORKERS_FROM`` starts on, else 1."""
    cap = max(1, min(n_init, os.cpu_count() or 1))
    if args.workers is None:
        return cap if n_init >= AUTO_WORKERS_FROM else 1
    asked = check_int("--workers", args.workers, 1)
    if asked > cap:
        print(f"note: --workers {asked} capped at {cap} ({n_init} starts, "
              f"{os.cpu_count()} CPUs)", file=sys.stderr)
    return min(asked, cap)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with the one line to print (what was kept)."""


def _anneal_with_workers(problem, schedule, workers: int):
    if workers == 1:
        return anneal(problem, **schedule.kwargs(), progress=Progress())
    # workers ignore Ctrl-C (the parent's to handle) and end when the parent ends
    ex = ProcessPoolExecutor(workers, initializer=worker_init)
    try:
        result = anneal(problem, **schedule.kwargs(), executor=ex, progress=Progress())
    except BaseException:
        ex.shutdown(wait=False, cancel_futures=True)
        for child in multiprocessing.active_children():
            child.terminate()
        raise
    ex.shutdown()
    return result


#: twin-only flags: with --data they do not apply
_TWIN_ONLY = ("L", "N", "dt", "n_future", "stimulus")


def _check_file_flags(args, twin_s: TwinSettings):
    """The --data run's flags, before any file is read; returns the model."""
    given = [FLAG_OF[n] for n in _TWIN_ONLY if getattr(args, n) is not None]
    if given:
        raise ValueError(f"{', '.join(given)}: twin-experiment flags; with --data the data "
                         f"file sets the times (use --t-max or --first for a window)")
    if args.first is not None:
        check_int("--first", args.first, 2)
    if args.t_max is not None:
        check_finite("--t-max", args.t_max)
    model = twin_model(twin_s)
    if args.drive is not None and not model.n_inputs:
        raise ValueError(f"--drive given, but model {model.name!r} has no inputs")
    if model.n_inputs and args.drive is None:
        raise ValueError(f"--drive: model {model.name!r} is driven by {model.inputs}; "
                         f"give its input file")
    return model


def _file_problem(args, twin_s: TwinSettings):
    """The Problem of --data/--drive and the truth of --truth (or None)."""
    model = _check_file_flags(args, twin_s)
    observed = check_observed(model.D, twin_s.observed, twin_s.L)
    problem = problem_from_files(
        model, args.data, observed, sigma=twin_s.sigma, drive=args.drive, t_max=args.t_max,
        first=args.first, rule=twin_s.rule, k=twin_s.k,
        params=resolve_params(model, twin_s.params or None), estimate=twin_s.estimate)
    if args.truth is None:
        return problem, None
    t, x = read_truth(args.truth, model.D, t_max=args.t_max, first=args.first)
    if len(t) != problem.N or not np.allclose(t, problem.t_data, rtol=0,
                                               atol=1e-6 * problem.dt):
        raise ValueError(f"--truth {args.truth}: its times ({len(t)} rows from {t[0]:g}) "
                         f"are not the data's ({problem.N} rows from {problem.t0:g})")
    return problem, Truth(t=problem.t_data, x=x, params=problem.params.copy(),
                          t_future=problem.t_data[-1:], x_future=x[:, -1:])


def _checked_anneal(args):
    """Every flag of ``anneal`` checked before any work: (twin settings, schedule, out,
    plot, workers)."""
    twin_s, schedule = settings_from_args(args)
    if args.data is None:
        for flag, v in (("--drive", args.drive), ("--truth", args.truth),
                        ("--t-max", args.t_max), ("--first", args.first)):
            if v is not None:
                raise ValueError(f"{flag} needs --data (a twin experiment makes its own)")
    check_flags(args, twin_s, schedule)
    out, plot = check_outputs(args, inputs=_inputs(args))
    return twin_s, schedule, out, plot, _workers(args, schedule.n_init)


def run_anneal(args) -> dict:
    """``python -m dalearn anneal``: the summary of the run (see :func:`anneal_summary`)."""
    twin_s, schedule, out, plot, workers = _checked_anneal(args)
    if args.data is not None:
        problem, truth = _file_problem(args, twin_s)
    else:
        problem, truth = _twin(twin_s)
    t0 = time.perf_counter()
    try:
        result = _anneal_with_workers(problem, schedule, workers)
    except AnnealInterrupted as e:
        raise Interrupted(f"interrupted; earlier output files are unchanged; "
                          f"{save_partial(e, out, _inputs(args))}") from None
    wall = time.perf_counter() - t0
    fig = level_figure(result, f"{problem.model.name} D={problem.D} L={problem.L}", problem)
    write_outputs({out: result.write, plot: png(fig, plot)})
    return {**anneal_summary(problem, truth, result, wall, str(out), str(plot)),
            "workers": workers}


def _inputs(args) -> dict:
    return {"--data": args.data, "--drive": args.drive, "--truth": args.truth}


def _twin(twin_s: TwinSettings):
    """The twin experiment of the flags; a true path that blows up names the flags that
    decide it."""
    try:
        return twin_from_settings(twin_s)
    except ValueError as e:
        if "blew up" in str(e) or "below 1e150" in str(e):
            raise ValueError(f"--dt/--param: the twin experiment failed: {e}") from None
        raise


def anneal_summary(problem, truth, result, wall, out, plot) -> dict:
    """The JSON summary of an ``anneal`` run: per start (lists of n_init) the final action,
    the RMS errors against the truth (NaN without one), the parameters and the status."""
    errors = rms_per_start(problem, result.paths, truth)
    level = level_summary(problem, result)
    return {
        "final_actions": result.final_action.tolist(),
        "levels": result.levels().tolist(),
        "rms_observed": errors["observed"].tolist(),
        "rms_unobserved": errors["unobserved"].tolist(),
        "params": {n: result.params[-1, :, i].tolist()
                   for i, n in enumerate(result.param_names)},
        "true_params": None if truth is None else
        dict(zip(problem.param_names, truth.params.tolist())),
        "estimated": list(result.estimate),
        "status": status_names(result.status[-1]),
        "converged_all_beta": result.converged.all(axis=0).tolist(),
        # the final point's check per start (rows) and beta (columns); see AnnealResult
        "decrement": None if result.decrement is None else result.decrement.T.tolist(),
        "pos_def": None if result.pos_def is None else
        [[None if v < 0 else bool(v) for v in row] for row in result.pos_def.T],
        "verified_all_beta": result.verified.all(axis=0).tolist(),
        "param_std": laplace_param_std(problem, result),
        "expected_level": level,
        **_lowest(result, level),
        "best": result.best, "wall_s": wall, "out": out, "plot": plot,
    }


def _lowest(result, level: dict) -> dict:
    """The lowest level's success statistics and the run's warnings: a lowest level held by
    one start, or above the expected band, may not be the lowest."""
    band = None if level.get("mean") is None else (level["low"], level["high"])
    ll = result.lowest_level(band=band)
    return {"lowest_level": ll.to_json(), "lowest_level_line": ll.summary(),
            "warnings": list(ll.warnings)}


def _num(v) -> str:
    """A table entry: 9 characters, '-' where undefined (e.g. no unobserved component)."""
    return f"{v:9.4f}" if np.isfinite(v) else f"{'-':>9}"


def anneal_table(summary: dict) -> str:
    """The summary of :func:`run_anneal` as a table, one row per start."""
    names = summary["estimated"] or list(summary["params"])
    head = f"{'start':>5} {'action':>12} {'rms obs':>9} {'rms unobs':>9} " + \
        " ".join(f"{n:>9}" for n in names) + "  status"
    lines = [head, "-" * len(head)]
    for i, a in enumerate(summary["final_actions"]):
        ps = " ".join(f"{summary['params'][n][i]:9.4f}" for n in names)
        ro, ru = (_num(summary[k][i]) for k in ("rms_observed", "rms_unobserved"))
        lines.append(f"{i:5d} {a:12.6g} {ro} {ru} {ps}  {summary['status'][i]}")
    lines.append(f"levels at the last beta: {', '.join(f'{v:.6g}' for v in summary['levels'])}")
    e = summary.get("expected_level")
    if e and e["mean"] is not None:
        lines.append(f"expected level {e['mean']:.4g}, band {e['low']:.4g}..{e['high']:.4g} "
                     f"(p_eff = {e['p_eff']:.1f} fitted numbers)")
    if summary.get("lowest_level_line"):
        lines.append(summary["lowest_level_line"])
    lines.extend(f"warning: {w}" for w in summary.get("warnings", ()))
    if summary.get("param_std"):
        b = summary["best"]
        lines.append("best start (Laplace, 1 sigma): " + ", ".join(
            f"{n} = {summary['params'][n][b]:.4f}" + (f" ± {sd:.4f}" if sd is not None
                                                     else " (no bar: Hessian not positive)")
            for n, sd in summary["param_std"].items()))
    lines.append(f"wall time: {summary['wall_s']:.2f} s; wrote {summary['out']} and "
                 f"{summary['plot']}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- twin
def _checked_twin(args):
    """Every flag of ``twin`` checked before any work: (twin settings, {kind: path})."""
    twin_s, _ = settings_from_args(args)
    check_twin_flags(args)
    outs = {"data": args.out_data, "drive": args.out_drive, "truth": args.out_truth}
    if not any(outs.values()):
        raise ValueError("give at least one of --out-data, --out-drive, --out-truth")
    files = check_files({f"--out-{k}": v for k, v in outs.items() if v})
    paths = {k: files[f"--out-{k}"] for k, v in outs.items() if v}
    check_run(twin_s, AnnealSettings(), twin_model(twin_s), annealing=False)
    return twin_s, paths


def run_twin(args) -> dict:
    """``python -m dalearn twin``: a twin experiment's data, drive and truth as CSV files."""
    twin_s, paths = _checked_twin(args)
    problem, truth = _twin(twin_s)
    if "drive" in paths and problem.drive is None:
        raise ValueError(f"--out-drive: model {problem.model.name!r} has no inputs")
    k = problem.k
    names = [f"x{a}" for a in range(problem.D)]
    table = {
        "data": lambda: csv_bytes(problem.t_data, problem.data,
                                  ["t"] + [names[a] for a in problem.observed]),
        "truth": lambda: csv_bytes(problem.t_data, truth.x[:, ::k], ["t"] + names),
        "drive": lambda: csv_bytes(half_grid(problem.t0, problem.h, problem.M),
                                   problem.u.T, ["t"] + list(problem.model.inputs))}
    data = {path: table[kind]() for kind, path in paths.items()}
    write_outputs({path: (lambda f, b=b: f.write(b)) for path, b in data.items()},
                  what="this twin's files")
    return {"model": problem.model.name, "N": problem.N, "dt": problem.dt,
            "observed": problem.observed.tolist(), "sigma": twin_s.sigma,
            "rule": problem.rule, "k": k, **{f"out_{k_}": str(v) for k_, v in paths.items()}}


def twin_table(summary: dict) -> str:
    return "\n".join(f"{k}: {v}" for k, v in summary.items())
