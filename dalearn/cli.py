"""Command line: ``python -m dalearn anneal ...`` runs a twin experiment headless.

Writes the results (.npz) and an action-level plot (.png); prints a table or ``--json``.
The flags, their defaults and their help come from :class:`dalearn.settings.TwinSettings`
and :class:`dalearn.settings.AnnealSettings`; ``--preset NAME`` starts from a preset and
the flags given override it.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import fields

import numpy as np

from ._anneal import anneal, check_schedule
from .discretize import RULES
from .models import MODELS
from .optimize import STATUS
from .presets import PRESETS
from .settings import AnnealSettings, TwinSettings
from .twin import rms, twin_from_settings


def _betas(text: str):
    """'0:21' (start:stop[:step], stop excluded) or '0,1,2.5'."""
    try:
        if ":" in text:
            parts = [float(v) for v in text.split(":")]
            if len(parts) not in (2, 3):
                raise ValueError
            return np.arange(*parts)
        return np.array([float(v) for v in text.split(",")])
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--betas must be start:stop[:step] or a comma list, got {text!r}") from None


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
    "betas": ("--betas", dict(type=_betas, metavar="START:STOP[:STEP]|B,B,...")),
    "Rf0": ("--Rf0", dict(type=_Rf0)), "alpha": ("--alpha", dict(type=float)),
    "n_init": ("--n-init", dict(type=int)), "method": ("--method", dict()),
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


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m dalearn",
                                 description="dalearn: precision annealing from the shell.")
    sub = ap.add_subparsers(dest="command", required=True)
    a = sub.add_parser("anneal", help="twin experiment + precision annealing")
    a.add_argument("--preset", choices=sorted(PRESETS),
                   help="start from named settings (the flags given override them)")
    _add_settings(a.add_argument_group("twin experiment"), TwinSettings)
    _add_settings(a.add_argument_group("annealing"), AnnealSettings, skip=("seed",))
    o = a.add_argument_group("running and output")
    o.add_argument("--workers", type=int, default=1,
                   help="processes for the starts (default: 1, serial)")
    o.add_argument("--out", default="run.npz", help="results file (default: run.npz)")
    o.add_argument("--plot", default=None,
                   help="action-level plot (.png; default: beside --out)")
    o.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    _add_site_parser(sub)
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
    if "estimate" in given:
        given["estimate"] = True if given["estimate"] == [] else tuple(given["estimate"])
    if "model" in given and given["model"] != twin.model and "params" not in given:
        given["params"] = {}
    twin = twin.with_(**given)
    changes = {f.name: getattr(args, f.name) for f in fields(AnnealSettings)
               if f.name != "seed" and getattr(args, f.name) is not None}
    if "param_range" in changes:
        changes["param_range"] = dict(changes["param_range"])
    if args.seed is not None:
        changes["seed"] = args.seed
    return twin, schedule.with_(**changes)


def run_anneal(args) -> dict:
    twin_s, schedule = settings_from_args(args)
    check_schedule(schedule.betas, schedule.Rf0, schedule.alpha, schedule.n_init)
    if args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    problem, truth = twin_from_settings(twin_s)
    t0 = time.perf_counter()
    if args.workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(args.workers) as ex:
            result = anneal(problem, **schedule.kwargs(), executor=ex)
    else:
        result = anneal(problem, **schedule.kwargs())
    wall = time.perf_counter() - t0
    result.save(args.out)
    plot = args.plot or (args.out[:-4] if args.out.endswith(".npz") else args.out) + ".png"
    from .plots import action_levels_mpl
    fig = action_levels_mpl(result, title=f"{problem.model.name} D={problem.D} L={problem.L}")
    fig.savefig(plot, dpi=110)
    return _summary(problem, truth, result, wall, args.out, plot)


def _summary(problem, truth, result, wall, out, plot) -> dict:
    paths = result.paths
    return {
        "final_actions": result.final_action.tolist(),
        "levels": result.levels().tolist(),
        "rms_observed": [rms(x, truth.x, problem.observed) for x in paths],
        "rms_unobserved": [rms(x, truth.x, problem.unobserved) for x in paths],
        "params": {n: result.params[-1, :, i].tolist()
                   for i, n in enumerate(result.param_names)},
        "true_params": dict(zip(problem.param_names, truth.params.tolist())),
        "estimated": list(result.estimate),
        "status": [STATUS[int(s)] for s in result.status[-1]],
        "converged_all_beta": result.converged.all(axis=0).tolist(),
        "best": result.best, "wall_s": wall, "out": out, "plot": plot,
    }


def _table(summary: dict) -> str:
    names = summary["estimated"] or list(summary["params"])
    head = f"{'start':>5} {'action':>12} {'rms obs':>9} {'rms unobs':>9} " + \
        " ".join(f"{n:>9}" for n in names) + "  status"
    lines = [head, "-" * len(head)]
    for i, a in enumerate(summary["final_actions"]):
        ps = " ".join(f"{summary['params'][n][i]:9.4f}" for n in names)
        lines.append(f"{i:5d} {a:12.6g} {summary['rms_observed'][i]:9.4f} "
                     f"{summary['rms_unobserved'][i]:9.4f} {ps}  {summary['status'][i]}")
    lines.append(f"levels at the last beta: {', '.join(f'{v:.6g}' for v in summary['levels'])}")
    lines.append(f"wall time: {summary['wall_s']:.2f} s; wrote {summary['out']} and "
                 f"{summary['plot']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.command == "site":
        return run_site(args, ap)
    try:
        summary = run_anneal(args)
    except (ValueError, TypeError) as e:
        ap.exit(2, f"{ap.prog} {args.command}: error: {e}\n")
    print(json.dumps(summary) if args.json else _table(summary))
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
                   help="seconds allowed per cell (default: 600)")


def run_site(args, ap) -> int:
    from .site import build_site
    if args.jobs < 1:
        ap.exit(2, f"{ap.prog} site: error: --jobs must be >= 1, got {args.jobs}\n")
    try:
        manifest = build_site(args.out, args.notebooks, jobs=args.jobs, timeout=args.timeout)
    except ValueError as e:
        ap.exit(2, f"{ap.prog} site: error: {e}\n")
    for page in manifest["pages"]:
        print(f"{page['page']}: {page['figures']} figures, "
              f"{len(page['kernel_free'])} kernel-free panels")
    print(f"executed in {manifest['execute_s']} s; wrote {args.out}/index.html")
    if manifest["needs_network"]:
        print("needs a network to view: " + ", ".join(manifest["needs_network"]))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
