"""Command line: ``python -m dalearn anneal ...`` runs a twin experiment headless.

Writes the results (.npz) and an action-level plot (.png); prints a table or ``--json``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from .anneal import anneal, check_schedule
from .discretize import RULES
from .models import MODELS, get_model
from .optimize import METHODS, STATUS
from .presets import PRESETS
from .twin import rms, twin_experiment


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
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--observed must be comma-separated integers, got {text!r}") from None


def _param_range(text: str):
    try:
        name, rng = text.split("=")
        lo, hi = (float(v) for v in rng.split(":"))
        return name, (lo, hi)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--param-range must be NAME=LOW:HIGH, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m dalearn",
                                 description="dalearn: precision annealing from the shell.")
    sub = ap.add_subparsers(dest="command", required=True)
    a = sub.add_parser("anneal", help="twin experiment + precision annealing",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    a.add_argument("--preset", choices=sorted(PRESETS),
                   help="start from a published setting (flags given override it)")
    g = a.add_argument_group("twin experiment")
    g.add_argument("--model", default="lorenz96", choices=sorted(MODELS), help="model name")
    g.add_argument("--D", type=int, default=None, help="state dimension (lorenz96: >= 4; default 20)")
    g.add_argument("--L", type=int, default=None,
                   help="number of observed components, spread evenly (default: all)")
    g.add_argument("--observed", type=_indices, default=None,
                   help="explicit observed indices, e.g. 0,2,4 (instead of --L)")
    g.add_argument("--sigma", type=float, default=None, help="measurement noise std (> 0; default 0.4)")
    g.add_argument("--N", type=int, default=None, help="number of data times (>= 2; default 200)")
    g.add_argument("--dt", type=float, default=None, help="data time step (default 0.025)")
    g.add_argument("--k", type=int, default=None, help="model steps per data step (default 1)")
    g.add_argument("--rule", default=None, choices=RULES, help="discretisation rule (default trapezoid)")
    g.add_argument("--estimate", nargs="*", default=None, metavar="PARAM",
                   help="parameters to estimate (bare --estimate: all of the model's)")
    g.add_argument("--param-range", type=_param_range, action="append", default=None,
                   metavar="NAME=LOW:HIGH", help="starting range of an estimated parameter")
    g.add_argument("--n-future", type=int, default=100,
                   help="data steps of truth kept beyond the window for prediction")
    s = a.add_argument_group("annealing")
    s.add_argument("--Rf0", type=float, default=None, help="initial model precision (default 0.01)")
    s.add_argument("--alpha", type=float, default=None, help="R_f ratio per beta step (> 1; default 2)")
    s.add_argument("--betas", type=_betas, default=None,
                   help="beta values: start:stop[:step] (stop excluded) or a comma list (default 0:21)")
    s.add_argument("--n-init", type=int, default=None, help="number of starting paths (default 10)")
    s.add_argument("--seed", type=int, default=None, help="seed of data noise and starts (default 0)")
    s.add_argument("--method", default="lm", choices=METHODS,
                   help="optimiser: banded Levenberg-Marquardt or L-BFGS-B")
    s.add_argument("--workers", type=int, default=1,
                   help="processes for the starts (1 = serial)")
    o = a.add_argument_group("output")
    o.add_argument("--out", default="run.npz", help="results file (.npz)")
    o.add_argument("--plot", default=None, help="action-level plot (.png; default: beside --out)")
    o.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    return ap


def _settings(args):
    """Merge preset, defaults and flags into (twin kwargs, anneal kwargs)."""
    twin = dict(D=20, sigma=0.4, N=200, dt=0.025, seed=0, k=1, rule="trapezoid")
    ann = dict(betas=21, Rf0=0.01, alpha=2.0, n_init=10, seed=0)
    if args.preset:
        p = PRESETS[args.preset]
        twin.update({k: v for k, v in p.twin.items() if k != "nu"})
        ann.update(p.anneal)
    for key in ("D", "L", "observed", "sigma", "N", "dt", "k", "rule"):
        v = getattr(args, key)
        if v is not None:
            twin[key] = v
    if args.L is not None:
        twin.pop("observed", None)
    if args.observed is not None:
        twin.pop("L", None)
    if args.seed is not None:
        twin["seed"] = ann["seed"] = args.seed
    if args.estimate is not None:
        twin["estimate"] = True if args.estimate == [] else tuple(args.estimate)
    if args.param_range:
        ann["param_range"] = dict(args.param_range)
    for key, flag in (("Rf0", "Rf0"), ("alpha", "alpha"), ("betas", "betas"),
                      ("n_init", "n_init")):
        v = getattr(args, flag)
        if v is not None:
            ann[key] = v
    ann["method"] = args.method
    twin["n_future"] = args.n_future
    return twin, ann


def run_anneal(args) -> dict:
    twin, ann = _settings(args)
    check_schedule(ann["betas"], ann["Rf0"], ann["alpha"], ann["n_init"])
    if args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    if args.model == "lorenz96":
        model = get_model("lorenz96", D=twin.pop("D"))
    else:
        D = twin.pop("D")
        if args.D is not None and D != 3:
            raise ValueError(f"--D must be 3 for lorenz63, got {D}")
        model = get_model(args.model)
    problem, truth = twin_experiment(model, **twin)
    t0 = time.perf_counter()
    if args.workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(args.workers) as ex:
            result = anneal(problem, executor=ex, **ann)
    else:
        result = anneal(problem, **ann)
    wall = time.perf_counter() - t0
    result.save(args.out)
    plot = args.plot or (args.out[:-4] if args.out.endswith(".npz") else args.out) + ".png"
    from .plots import action_levels_mpl
    fig = action_levels_mpl(result, title=f"{model.name} D={problem.D} L={problem.L}")
    fig.savefig(plot, dpi=110)
    paths = result.paths
    return {
        "final_actions": result.final_action.tolist(),
        "levels": result.levels().tolist(),
        "rms_observed": [rms(x, truth.x, problem.observed) for x in paths],
        "rms_unobserved": [rms(x, truth.x, problem.unobserved) for x in paths],
        "params": {n: result.params[-1, :, i].tolist()
                   for i, n in enumerate(result.param_names)},
        "estimated": list(result.estimate),
        "status": [STATUS[int(s)] for s in result.status[-1]],
        "converged_all_beta": result.converged.all(axis=0).tolist(),
        "best": result.best, "wall_s": wall, "out": args.out, "plot": plot,
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
    try:
        summary = run_anneal(args)
    except (ValueError, TypeError) as e:
        ap.exit(2, f"{ap.prog} {args.command}: error: {e}\n")
    print(json.dumps(summary) if args.json else _table(summary))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
