"""Command line: ``python -m dalearn anneal ...`` runs a twin experiment headless, or
anneals your own measurements (``--data FILE [--drive FILE] [--truth FILE]``);
``python -m dalearn twin ... --out-data FILE`` writes a twin experiment's files.

Writes the results (.npz) and an action-level plot (.png); prints a table or ``--json``.
The flags, their defaults and their help come from :class:`dalearn.settings.TwinSettings`
and :class:`dalearn.settings.AnnealSettings`; ``--preset NAME`` starts from a preset and
the flags given override it.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import fields
from pathlib import Path

import numpy as np

from ..annealing import anneal, bytes_needed, check_schedule
from .._checks import (check_choice, check_finite, check_int, check_memory, check_observed,
                       check_positive, check_range)
from .._io import OutputError, check_output_path
from .._runtime import worker_init
from ..annealing import AnnealInterrupted
from ..problem import csv_bytes
from ._guard import (BETAS_HELP, MAX_BETAS, Progress, betas_arg, check_files, plot_item,
                     save_partial, write_outputs)
from ..discretize import RULES
from ..models import MODELS, SIZED, get_model
from ._train import add_train_parser, run_train, table as train_table
from ..optimize import STATUS
from ..experiments import PRESETS
from .._settings import AnnealSettings, TwinSettings
from ..problem import Problem
from ..problem import problem_from_files, read_truth, write_csv
from ..models import half_grid
from ..problem import (Truth, check_truth_work, path_bytes, resolve_params, rms,
                       twin_from_settings)


#: --betas: a count N, START:STOP[:STEP] or a comma list (see cli._guard.betas_arg)
_betas = betas_arg


def _indices(text: str):
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--observed must be comma-separated integers, got {text!r}") from None


def _named(kind: str):
    """Parser of NAME=VALUE (kind 'value') or NAME=LOW:HIGH (kind 'range')."""
    def parse(text: str):
        try:
            name, rest = text.split("=")
            if kind == "value":
                return name, float(rest)
            lo, hi = (float(v) for v in rest.split(":"))
            return name, (lo, hi)
        except ValueError:
            form = "NAME=VALUE" if kind == "value" else "NAME=LOW:HIGH"
            raise argparse.ArgumentTypeError(f"expected {form}, got {text!r}") from None
    return parse


def _low_high(text: str):
    try:
        lo, hi = (float(v) for v in text.split(":"))
        return lo, hi
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW:HIGH, got {text!r}") from None


def _Rf0(text: str):
    try:
        v = [float(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--Rf0 must be a number or one per component (comma list), got {text!r}") from None
    return v[0] if len(v) == 1 else tuple(v)


#: how each settings field is given on the command line: (flag, argparse keywords)
_FLAGS = {
    "model": ("--model", dict(choices=sorted(MODELS))),
    "D": ("--D", dict(type=int)), "L": ("--L", dict(type=int)),
    "observed": ("--observed", dict(type=_indices, metavar="I,J,...")),
    "sigma": ("--sigma", dict(type=float)), "N": ("--N", dict(type=int)),
    "dt": ("--dt", dict(type=float)), "k": ("--k", dict(type=int)),
    "rule": ("--rule", dict(choices=RULES)),
    "params": ("--param", dict(type=_named("value"), action="append", metavar="NAME=VALUE")),
    "estimate": ("--estimate", dict(nargs="*", metavar="PARAM")),
    "seed": ("--seed", dict(type=int, help="seed of the twin experiment (true path, noise) "
                                           "and of the starting paths (>= 0)")),
    "n_future": ("--n-future", dict(type=int)),
    "stimulus": ("--stimulus", dict(type=_named("value"), action="append",
                                    metavar="NAME=VALUE")),
    "betas": ("--betas", dict(type=_betas, metavar="N|START:STOP[:STEP]|B,B,...",
                              help=BETAS_HELP)),
    "Rf0": ("--Rf0", dict(type=_Rf0)), "alpha": ("--alpha", dict(type=float)),
    "n_init": ("--n-init", dict(type=int)), "method": ("--method", dict(type=str)),
    "init_range": ("--init-range", dict(type=_low_high, metavar="LOW:HIGH")),
    "param_range": ("--param-range", dict(type=_named("range"), action="append",
                                          metavar="NAME=LOW:HIGH")),
    "maxiter": ("--maxiter", dict(type=int)), "ftol": ("--ftol", dict(type=float)),
}


def _default_text(value) -> str:
    if value is None or value == () or value == {}:
        return ""
    return f" (default: {value})"


def _add_settings(group, cls, skip=()):
    """One flag per field of a settings class, its default stated once in the help."""
    default = cls()
    for f in fields(cls):
        if f.name in skip:
            continue
        flag, kw = _FLAGS[f.name]
        kw = dict(kw)
        text = kw.pop("help", f.metadata["help"])
        group.add_argument(flag, dest=f.name, default=None,
                           help=text + _default_text(getattr(default, f.name)), **kw)


class _Parser(argparse.ArgumentParser):
    """Errors in one line (the flag and what is allowed), exit code 2; no usage dump."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="python -m dalearn",
                 description="dalearn: precision annealing from the shell.")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)
    a = sub.add_parser("anneal", help="twin experiment (or your data) + precision annealing")
    a.add_argument("--preset", choices=sorted(PRESETS),
                   help="start from named settings (the flags given override them)")
    _add_settings(a.add_argument_group("twin experiment"), TwinSettings)
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
    _add_settings(a.add_argument_group("annealing"), AnnealSettings, skip=("seed",))
    o = a.add_argument_group("running and output")
    o.add_argument("--workers", type=int, default=1,
                   help="processes for the starts (default: 1, serial)")
    o.add_argument("--out", default="run.npz", help="results file (default: run.npz)")
    o.add_argument("--plot", default=None,
                   help="action-level plot (.png; default: beside --out)")
    o.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    tw = sub.add_parser("twin", help="make a twin experiment and write its files")
    tw.add_argument("--preset", choices=sorted(PRESETS),
                    help="start from named settings (the flags given override them)")
    _add_settings(tw.add_argument_group("twin experiment"), TwinSettings)
    w = tw.add_argument_group("output")
    w.add_argument("--out-data", dest="out_data", help="data file to write (CSV)")
    w.add_argument("--out-drive", dest="out_drive", help="drive file to write (CSV; the input "
                                                         "on the half-step model grid)")
    w.add_argument("--out-truth", dest="out_truth", help="true path file to write (CSV, "
                                                         "data times)")
    w.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    add_train_parser(sub, _betas)
    _add_site_parser(sub)
    _add_course_parser(sub)
    return ap


def settings_from_args(args) -> tuple[TwinSettings, AnnealSettings]:
    """Preset (or defaults) with the flags given applied: (twin, annealing) settings."""
    preset = PRESETS[args.preset] if args.preset else None
    twin = preset.twin if preset else TwinSettings()
    schedule = preset.anneal if preset else AnnealSettings()
    if args.L is not None and args.observed is not None:
        raise ValueError("give either --L (a count) or --observed (indices), not both")
    given = {f.name: getattr(args, f.name) for f in fields(TwinSettings)
             if getattr(args, f.name) is not None}
    if "params" in given:
        given["params"] = {**twin.params, **dict(given["params"])}
    if "stimulus" in given:
        given["stimulus"] = {**twin.stimulus, **dict(given["stimulus"])}
    if "estimate" in given:
        given["estimate"] = True if given["estimate"] in ([], ["all"]) else \
            tuple(given["estimate"])
    if "model" in given and given["model"] != twin.model and "params" not in given:
        given["params"] = {}
    twin = twin.with_(**given)
    changes = {f.name: getattr(args, f.name) for f in fields(AnnealSettings)
               if f.name != "seed" and getattr(args, f.name, None) is not None}
    if "param_range" in changes:
        changes["param_range"] = dict(changes["param_range"])
    if args.seed is not None:
        changes["seed"] = args.seed
    return twin, schedule.with_(**changes)


#: flag of each settings field, for naming the flag the user typed in error messages
_FLAG_OF = {name: flag for name, (flag, _) in _FLAGS.items()}


def _check_twin_flags(args) -> None:
    """The twin experiment's values the user typed, checked with the flag's own name."""
    for name, low in (("D", 1), ("L", 1), ("N", 2), ("k", 1), ("seed", 0), ("n_future", 0),
                      ("n_init", 1), ("maxiter", 1)):
        v = getattr(args, name, None)
        if v is not None:
            check_int(_FLAG_OF[name], v, low)
    for name in ("sigma", "dt", "ftol"):
        v = getattr(args, name, None)
        if v is not None:
            check_positive(_FLAG_OF[name], v)
    if args.sigma is not None and np.log10(args.sigma) * -2 > 300:
        raise ValueError(f"--sigma {args.sigma:g} is too small: R_m = 1/sigma^2 overflows")
    if args.sigma is not None and np.log10(args.sigma) * 2 > 300:
        raise ValueError(f"--sigma {args.sigma:g} is too large: R_m = 1/sigma^2 underflows "
                         f"to 0")
    for name, v in (args.params or []):
        check_finite(f"--param {name}", v)
    for name, v in (args.stimulus or []):
        check_finite(f"--stimulus {name}", v)


def _check_flags(args, twin: TwinSettings, schedule: AnnealSettings) -> None:
    """Every value the user typed, checked with the flag's own name, before any work."""
    _check_twin_flags(args)
    if args.alpha is not None and not (np.isfinite(args.alpha) and args.alpha > 1):
        raise ValueError(f"--alpha must be a finite number > 1, got {args.alpha:g}")
    if args.Rf0 is not None:
        check_positive("--Rf0", args.Rf0, allow_array=True)
    for name, (lo, hi) in (args.param_range or []):
        check_range(f"--param-range {name}", (lo, hi))
    if args.init_range is not None:
        check_range("--init-range", args.init_range)
    for name, v in (args.params or []):
        check_finite(f"--param {name}", v)
    try:
        check_schedule(schedule.betas, schedule.Rf0, schedule.alpha, schedule.n_init)
    except ValueError as e:
        raise ValueError(f"--Rf0/--alpha/--betas: {e}") from None
    _check_run(twin, schedule, _check_twin_shape(twin))


def _check_twin_shape(twin: TwinSettings) -> None:
    """The model, D and the observed set, without building anything large."""
    fixed_D = twin.model not in SIZED
    try:
        model = get_model(twin.model) if fixed_D or twin.D is None else \
            get_model(twin.model, D=twin.D)
    except (ValueError, TypeError) as e:
        raise ValueError(f"--D: {e}") from None
    if fixed_D and twin.D is not None and twin.D != model.D:
        raise ValueError(f"--D must be {model.D} for {twin.model}, got {twin.D}")
    flag = "--observed" if twin.observed is not None else "--L"
    try:
        check_observed(model.D, twin.observed, twin.L)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{flag}: {e}") from None
    bad = [n for n in (twin.estimate if twin.estimate is not True else ())
           if n not in model.param_names]
    bad += [n for n in twin.params if n not in model.param_names]
    if bad:
        raise ValueError(f"--estimate/--param: {bad} are not parameters of {twin.model} "
                         f"{model.param_names}")
    return model


def _check_run(twin: TwinSettings, schedule: AnnealSettings, model,
               annealing: bool = True) -> None:
    """What only the combination of flags decides: estimated ranges, method, memory (the
    annealing's only if ``annealing``: ``twin`` never anneals)."""
    estimated = model.param_names if twin.estimate is True else tuple(twin.estimate)
    for name in schedule.param_range:
        if name not in estimated:
            raise ValueError(f"--param-range names {name!r}, which is not estimated "
                             f"(--estimate {' '.join(estimated) or 'is empty'})")
    if schedule.method is not None:
        check_choice("--method", schedule.method, ("newton", "lm", "lbfgsb") if model.has_hessian else ("lm", "lbfgsb"))
    if np.size(schedule.Rf0) not in (1, model.D):
        raise ValueError(f"--Rf0 takes one number or D={model.D} (one per component), "
                         f"got {np.size(schedule.Rf0)}")
    M = (twin.N - 1) * twin.k + 1
    n_beta = schedule.betas if isinstance(schedule.betas, int) else len(schedule.betas)
    sizes = "--N/--k/--D/--n-future"
    check_memory(f"{sizes}: the twin experiment", path_bytes(model.D, M, twin.n_future, twin.k))
    check_truth_work(M, twin.n_future, twin.k, twin.dt / twin.k,
                     what=f"--dt/--N/--k/--n-future: the twin")
    if not annealing:
        return
    check_memory(f"{sizes}/--n-init: annealing",
                 bytes_needed(M * model.D + len(estimated), model.D, schedule.n_init, n_beta))


def _workers(args, n_init: int) -> int:
    """--workers, capped at the number of starts and of CPUs (with a note on stderr)."""
    asked = check_int("--workers", args.workers, 1)
    cap = max(1, min(n_init, os.cpu_count() or 1))
    if asked > cap:
        print(f"note: --workers {asked} capped at {cap} ({n_init} starts, "
              f"{os.cpu_count()} CPUs)", file=sys.stderr)
    return min(asked, cap)


def _inputs(args) -> dict:
    return {"--data": args.data, "--drive": args.drive, "--truth": args.truth}


def _outputs(args) -> tuple[Path, Path]:
    """--out and --plot checked before any work (the plot defaults to --out's name, .png),
    against each other and every input file."""
    out = check_output_path("--out", args.out)
    plot = args.plot if args.plot is not None else \
        (out.with_suffix(".png") if out.suffix == ".npz" else Path(f"{out}.png"))
    files = check_files({"--out": out, "--plot": plot}, _inputs(args))
    plot_item("--plot", plot)
    return files["--out"], files["--plot"]


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


def _file_problem(args, twin_s: TwinSettings):
    """The Problem of --data/--drive and the truth of --truth (or None)."""
    given = [_FLAG_OF[n] for n in _TWIN_ONLY if getattr(args, n) is not None]
    if given:
        raise ValueError(f"{', '.join(given)}: twin-experiment flags; with --data the data "
                         f"file sets the times (use --t-max or --first for a window)")
    if args.first is not None:
        check_int("--first", args.first, 2)
    if args.t_max is not None:
        check_finite("--t-max", args.t_max)
    model = _check_twin_shape(twin_s)
    if args.drive is not None and not model.n_inputs:
        raise ValueError(f"--drive given, but model {model.name!r} has no inputs")
    if model.n_inputs and args.drive is None:
        raise ValueError(f"--drive: model {model.name!r} is driven by {model.inputs}; "
                         f"give its input file")
    observed = check_observed(model.D, twin_s.observed, twin_s.L)
    problem = problem_from_files(
        model, args.data, observed, sigma=twin_s.sigma, drive=args.drive, t_max=args.t_max,
        first=args.first, rule=twin_s.rule, k=twin_s.k,
        params=resolve_params(model, twin_s.params or None), estimate=twin_s.estimate)
    truth = None
    if args.truth is not None:
        t, x = read_truth(args.truth, model.D, t_max=args.t_max, first=args.first)
        if len(t) != problem.N or not np.allclose(t, problem.t_data, rtol=0,
                                                   atol=1e-6 * problem.dt):
            raise ValueError(f"--truth {args.truth}: its times ({len(t)} rows from {t[0]:g}) "
                             f"are not the data's ({problem.N} rows from {problem.t0:g})")
        truth = Truth(t=problem.t_data, x=x, params=problem.params.copy(),
                      t_future=problem.t_data[-1:], x_future=x[:, -1:])
    return problem, truth


def run_anneal(args) -> dict:
    twin_s, schedule = settings_from_args(args)
    if args.data is None:
        for flag, v in (("--drive", args.drive), ("--truth", args.truth),
                        ("--t-max", args.t_max), ("--first", args.first)):
            if v is not None:
                raise ValueError(f"{flag} needs --data (a twin experiment makes its own)")
    _check_flags(args, twin_s, schedule)
    out, plot = _outputs(args)
    workers = _workers(args, schedule.n_init)
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
    from ..plots import action_levels_mpl
    fig = action_levels_mpl(result, title=f"{problem.model.name} D={problem.D} L={problem.L}")
    write_outputs([(out, result.write), plot_item("--plot", plot, fig)])
    return _summary(problem, truth, result, wall, str(out), str(plot))


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with the one line to print (what was kept)."""


def _twin(twin_s: TwinSettings):
    """The twin experiment of the flags; a true path that blows up names the flags that
    decide it."""
    try:
        return twin_from_settings(twin_s)
    except ValueError as e:
        if "blew up" in str(e) or "below 1e150" in str(e):
            raise ValueError(f"--dt/--param: the twin experiment failed: {e}") from None
        raise


def run_twin(args) -> dict:
    """``python -m dalearn twin``: a twin experiment's data, drive and truth as CSV files."""
    twin_s, _ = settings_from_args(args)
    _check_twin_flags(args)
    outs = {"data": args.out_data, "drive": args.out_drive, "truth": args.out_truth}
    if not any(outs.values()):
        raise ValueError("give at least one of --out-data, --out-drive, --out-truth")
    files = check_files({f"--out-{k}": v for k, v in outs.items() if v})
    paths = {k: files[f"--out-{k}"] for k, v in outs.items() if v}
    _check_run(twin_s, AnnealSettings(), _check_twin_shape(twin_s), annealing=False)
    problem, truth = _twin(twin_s)
    if "drive" in paths and problem.drive is None:
        raise ValueError(f"--out-drive: model {problem.model.name!r} has no inputs")
    k = problem.k
    names = [f"x{a}" for a in range(problem.D)]
    items = []
    if "data" in paths:
        items.append((paths["data"], csv_bytes(problem.t_data, problem.data,
                                               ["t"] + [names[a] for a in problem.observed])))
    if "truth" in paths:
        items.append((paths["truth"], csv_bytes(problem.t_data, truth.x[:, ::k],
                                                ["t"] + names)))
    if "drive" in paths:
        t_half = half_grid(problem.t0, problem.h, problem.M)
        items.append((paths["drive"], csv_bytes(t_half, problem.u.T,
                                                ["t"] + list(problem.model.inputs))))
    write_outputs([(p, lambda f, b=b: f.write(b)) for p, b in items],
                  what="this twin's files")
    return {"model": problem.model.name, "N": problem.N, "dt": problem.dt,
            "observed": problem.observed.tolist(), "sigma": twin_s.sigma,
            "rule": problem.rule, "k": k, **{f"out_{k_}": str(v) for k_, v in paths.items()}}


def _summary(problem, truth, result, wall, out, plot) -> dict:
    paths = result.paths
    if truth is None:
        ro = ru = [float("nan")] * len(paths)
        true_params = None
    else:
        if truth.x.shape[1] == problem.M:
            on_grid = paths
        else:                                    # a truth file: data times only
            on_grid = paths[:, :, ::problem.k]
        ro = [rms(x, truth.x, problem.observed) for x in on_grid]
        ru = [rms(x, truth.x, problem.unobserved) for x in on_grid]
        true_params = dict(zip(problem.param_names, truth.params.tolist()))
    return {
        "final_actions": result.final_action.tolist(),
        "levels": result.levels().tolist(),
        "rms_observed": ro,
        "rms_unobserved": ru,
        "params": {n: result.params[-1, :, i].tolist()
                   for i, n in enumerate(result.param_names)},
        "true_params": true_params,
        "estimated": list(result.estimate),
        "status": [STATUS[int(s)] for s in result.status[-1]],
        "converged_all_beta": result.converged.all(axis=0).tolist(),
        # the final point's check per start (rows) and beta (columns); see AnnealResult
        "decrement": None if result.decrement is None else result.decrement.T.tolist(),
        "pos_def": None if result.pos_def is None else
        [[None if v < 0 else bool(v) for v in row] for row in result.pos_def.T],
        "verified_all_beta": result.verified.all(axis=0).tolist(),
        "param_std": _param_std(problem, result),
        "best": result.best, "wall_s": wall, "out": out, "plot": plot,
    }


def _param_std(problem, result) -> dict | None:
    """Laplace standard deviation of each estimated parameter at the best start (None
    for a parameter where the Hessian there is not positive definite); None if nothing
    is estimated."""
    if not result.estimate:
        return None
    from ..uncertainty import laplace
    lap = laplace(problem, result)
    return {n: (v if lap.status == 0 else None) for n, v in lap.param_std.items()}


def _num(v) -> str:
    """A table entry: 9 characters, '-' where undefined (e.g. no unobserved component)."""
    return f"{v:9.4f}" if np.isfinite(v) else f"{'-':>9}"


def _table(summary: dict) -> str:
    names = summary["estimated"] or list(summary["params"])
    head = f"{'start':>5} {'action':>12} {'rms obs':>9} {'rms unobs':>9} " + \
        " ".join(f"{n:>9}" for n in names) + "  status"
    lines = [head, "-" * len(head)]
    for i, a in enumerate(summary["final_actions"]):
        ps = " ".join(f"{summary['params'][n][i]:9.4f}" for n in names)
        ro, ru = (_num(summary[k][i]) for k in ("rms_observed", "rms_unobserved"))
        lines.append(f"{i:5d} {a:12.6g} {ro} {ru} {ps}  {summary['status'][i]}")
    lines.append(f"levels at the last beta: {', '.join(f'{v:.6g}' for v in summary['levels'])}")
    if summary.get("param_std"):
        b = summary["best"]
        lines.append("best start (Laplace, 1 sigma): " + ", ".join(
            f"{n} = {summary['params'][n][b]:.4f}" + (f" ± {sd:.4f}" if sd is not None
                                                     else " (no bar: Hessian not positive)")
            for n, sd in summary["param_std"].items()))
    lines.append(f"wall time: {summary['wall_s']:.2f} s; wrote {summary['out']} and "
                 f"{summary['plot']}")
    return "\n".join(lines)


def _strict(obj):
    """NaN and inf as None, so the JSON is strict."""
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_strict(v) for v in obj]
    return obj


def main(argv=None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        if args.command == "site":
            return run_site(args, ap)
        if args.command == "course":
            return run_course(args, ap)
        if args.command == "train":
            summary = run_train(args, _betas)
            print(json.dumps(_strict(summary), allow_nan=False) if args.json else
                  train_table(summary))
            return 0
        summary = run_anneal(args) if args.command == "anneal" else run_twin(args)
    except (ValueError, TypeError) as e:
        ap.exit(2, f"{ap.prog} {args.command}: error: {e}\n")
    except OutputError as e:
        ap.exit(1, f"{ap.prog} {args.command}: error: {e.strerror or e}\n")
    except KeyboardInterrupt as e:
        said = str(e) if isinstance(e, Interrupted) else \
            "interrupted; earlier output files are unchanged"
        ap.exit(130, f"{ap.prog} {args.command}: {said}\n")
    if args.command == "twin":
        print(json.dumps(_strict(summary), allow_nan=False) if args.json else
              "\n".join(f"{k}: {v}" for k, v in summary.items()))
        return 0
    print(json.dumps(_strict(summary), allow_nan=False) if args.json else _table(summary))
    return 0


# ---------------------------------------------------------------------------- site
def _add_site_parser(sub) -> None:
    s = sub.add_parser("site", help="execute the course and write it as a static HTML site",
                       description="Execute every notebook and write one HTML page each, "
                       "with every figure and a kernel-free version of every widget panel "
                       "(plotly.js and MathJax bundled: the site works offline).")
    s.add_argument("--out", default="build/site", help="output folder (default: build/site)")
    s.add_argument("--notebooks", default=None,
                   help="folder of NN_name.ipynb notebooks (default: the course's)")
    s.add_argument("--jobs", type=int, default=1,
                   help="notebooks executed at once, one kernel each (default: 1)")
    s.add_argument("--timeout", type=int, default=600,
                   help="seconds allowed per cell, >= 1 (default: 600)")


def run_site(args, ap) -> int:
    from ..course import build_site, find_notebooks
    if args.jobs < 1:
        ap.exit(2, f"{ap.prog} site: error: --jobs must be >= 1, got {args.jobs}\n")
    if args.timeout < 1:
        ap.exit(2, f"{ap.prog} site: error: --timeout must be a number of seconds >= 1 per "
                   f"cell, got {args.timeout}\n")
    try:
        check_files({"--out": args.out}, {"--notebooks": find_notebooks(args.notebooks)[0].parent},
                    folders=("--out", "--notebooks"))
        manifest = build_site(args.out, args.notebooks, jobs=args.jobs, timeout=args.timeout)
    except ValueError as e:
        ap.exit(2, f"{ap.prog} site: error: {e}\n")
    except KeyboardInterrupt:
        # the kernels are killed; do not wait for the executor's threads to notice
        sys.stderr.write(f"{ap.prog} site: interrupted; the running kernels were stopped and "
                         f"nothing was written to {args.out}\n")
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(130)
    for page in manifest["pages"]:
        print(f"{page['page']}: {page['figures']} figures, "
              f"{len(page['kernel_free'])} kernel-free panels")
    print(f"executed in {manifest['execute_s']} s; wrote {args.out}/index.html")
    if manifest["needs_network"]:
        print("needs a network to view: " + ", ".join(manifest["needs_network"]))
    return 0


# -------------------------------------------------------------------------- course
def _add_course_parser(sub) -> None:
    c = sub.add_parser("course", help="instructor tools: learner copies of the notebooks",
                       description="Write learner copies of the course: every notebook "
                       "without its solution cells (tagged 'solution') and without outputs, "
                       "plus answers.md with every exercise's answer and worked solution.")
    c.add_argument("--student-copy", metavar="OUT", required=True,
                   help="folder to write the learner copies and answers.md into")
    c.add_argument("--notebooks", default=None,
                   help="folder of NN_name.ipynb notebooks (default: the course's)")
    c.add_argument("--no-answers", action="store_true",
                   help="leave the computed answers out of answers.md (no computation)")


def run_course(args, ap) -> int:
    from ..course import student_copy
    try:
        done = student_copy(args.notebooks, args.student_copy,
                            compute_answers=not args.no_answers,
                            names=("--notebooks", "--student-copy"))
    except ValueError as e:
        ap.exit(2, f"{ap.prog} course: error: {e}\n")
    for name in done["notebooks"]:
        print(f"{args.student_copy}/{name}: {done['removed'][name]} solution cells removed")
    print(f"answers: {done['answers']}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
