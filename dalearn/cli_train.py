"""``python -m dalearn train``: a network twin (teacher, noisy pairs, held-out pairs) and a
student trained by precision annealing or by backpropagation, from the shell.

Prints per start the final action (annealing), the training loss (the R_f → ∞ loss of the
student's weights, clamped inputs), the held-out RMS against the teacher's clean outputs and
the optimiser status, plus the wall time; writes the results (.npz) and, for annealing, the
action-level plot (.png) as the ``anneal`` command does.
"""
from __future__ import annotations

import time

import numpy as np

from ._anneal import anneal
from ._checks import check_int, check_positive
from ._io import atomic_write, check_output_path
from .network import Network, network_twin, train_backprop
from .optimize import STATUS
from .models import ACTIVATIONS
from .presets import NETWORK_PRESETS
from .settings import AnnealSettings

__all__ = ["add_train_parser", "run_train"]

#: defaults: notebook 03's feedforward problem
DEFAULTS = dict(width=5, teacher_layers=40, student_layers=4, pairs=40, test_pairs=200,
                sigma=0.01, method="anneal", n_init=6, seed=1, activation="tanh",
                betas="0:29:2", Rf0=1.0, alpha=2.0)


def add_train_parser(sub, betas_type) -> None:
    t = sub.add_parser("train", help="train a network twin's student by annealing or "
                                     "backpropagation",
                       description=__doc__.split("\n\n")[0])
    d = DEFAULTS
    t.add_argument("--preset", default=None, metavar="NAME",
                   help="start from a network preset (one of "
                        f"{', '.join(sorted(NETWORK_PRESETS))}); the flags given override it")
    t.add_argument("--data", choices=("twin", "digits"), default="twin",
                   help="a network twin (default) or the handwritten digits shipped with "
                        "dalearn (UCI optdigits; uses --method, --n-init, --seed, --json)")
    g = t.add_argument_group("the twin (teacher and data)")
    g.add_argument("--width", type=int, default=None,
                   help=f"nodes per layer (default: {d['width']})")
    g.add_argument("--teacher-layers", dest="teacher_layers", type=int,
                   default=None,
                   help=f"layers of the residual teacher (default: {d['teacher_layers']})")
    g.add_argument("--pairs", type=int, default=None,
                   help=f"training pairs (default: {d['pairs']})")
    g.add_argument("--test-pairs", dest="test_pairs", type=int, default=None,
                   help=f"held-out pairs (default: {d['test_pairs']})")
    g.add_argument("--sigma", type=float, default=None,
                   help=f"noise std on training inputs and outputs (default: {d['sigma']})")
    g.add_argument("--seed", type=int, default=None,
                   help=f"seed of the twin and of the starts (default: {d['seed']})")
    s = t.add_argument_group("the student and its training")
    s.add_argument("--student-layers", dest="student_layers", type=int,
                   default=None,
                   help=f"layers of the student (default: {d['student_layers']})")
    s.add_argument("--activation", choices=sorted(ACTIVATIONS), default=None,
                   help=f"activation (default: {d['activation']})")
    s.add_argument("--plain", action="store_true",
                   help="plain layers x' = g(W x + b) (default: residual x' = x + h g(.))")
    s.add_argument("--shared", action="store_true",
                   help="one weight set for every layer (a recurrent student)")
    s.add_argument("--method", choices=("anneal", "backprop"), default=None,
                   help=f"precision annealing or backpropagation (default: {d['method']})")
    s.add_argument("--n-init", dest="n_init", type=int, default=None,
                   help=f"starts (default: {d['n_init']})")
    s.add_argument("--betas", type=betas_type, default=None,
                   metavar="START:STOP[:STEP]|B,B,...",
                   help=f"annealing: beta values (default: {d['betas']})")
    s.add_argument("--Rf0", type=float, default=None,
                   help=f"annealing: R_f at beta = 0 (default: {d['Rf0']})")
    s.add_argument("--alpha", type=float, default=None,
                   help=f"annealing: R_f = Rf0 alpha^beta (default: {d['alpha']})")
    s.add_argument("--optimizer", default=None,
                   help="annealing: optimiser, one of the network problem's methods "
                        "(default: its first: see NetworkProblem.methods)")
    o = t.add_argument_group("output")
    o.add_argument("--out", default="train.npz", help="results file (default: train.npz)")
    o.add_argument("--plot", default=None,
                   help="annealing: action-level plot (.png; default: beside --out)")
    o.add_argument("--json", action="store_true", help="print the summary as one JSON object")


def _resolved(args, betas_type):
    """The flags given over the preset's values (``--preset``) or over :data:`DEFAULTS`:
    (twin keyword arguments, student Network, AnnealSettings, weight_scale); ``args`` gets
    every value filled in, checked with its flag's name.  An unknown preset is a ValueError
    naming the known ones."""
    keys = ("width", "teacher_layers", "pairs", "test_pairs", "sigma", "seed",
            "student_layers", "activation", "method", "n_init", "Rf0", "alpha")
    given = {k: getattr(args, k) for k in keys if getattr(args, k) is not None}
    p = None
    if args.preset is None:
        v = {**{k: DEFAULTS[k] for k in keys}, **given}
    else:
        if args.preset not in NETWORK_PRESETS:
            raise ValueError(f"--preset must be one of {sorted(NETWORK_PRESETS)}, "
                             f"got {args.preset!r}")
        p = NETWORK_PRESETS[args.preset]
        tw, st = p.twin, p.student
        v = {"width": tw["width"], "teacher_layers": tw["n_layers"], "pairs": tw["K_train"],
             "test_pairs": tw["K_test"], "sigma": tw["sigma"], "seed": p.anneal.seed,
             "student_layers": st.n_layers, "activation": st.activation, "method": "anneal",
             "n_init": p.anneal.n_init, "Rf0": p.anneal.Rf0, "alpha": p.anneal.alpha, **given}
    for k, val in v.items():
        setattr(args, k, val)
    for flag, name, low in (("--width", "width", 1), ("--teacher-layers", "teacher_layers", 1),
                            ("--student-layers", "student_layers", 1), ("--pairs", "pairs", 1),
                            ("--test-pairs", "test_pairs", 1), ("--n-init", "n_init", 1),
                            ("--seed", "seed", 0)):
        check_int(flag, getattr(args, name), low)
    check_positive("--sigma", args.sigma)
    check_positive("--Rf0", args.Rf0)
    if not np.isfinite(args.alpha) or args.alpha <= 1:
        raise ValueError(f"--alpha must be a finite number > 1, got {args.alpha}")
    if p is None:
        twin = dict(width=v["width"], n_layers=v["teacher_layers"], activation=v["activation"],
                    shared=False, K_train=v["pairs"], K_test=v["test_pairs"], sigma=v["sigma"],
                    seed=v["seed"])
        student = Network(v["width"], v["student_layers"], v["activation"],
                          residual=not args.plain, shared=args.shared)
        schedule = AnnealSettings(betas=betas_type(DEFAULTS["betas"]), Rf0=v["Rf0"],
                                  alpha=v["alpha"], n_init=v["n_init"], seed=v["seed"])
        weight_scale = 1.0
    else:
        twin = {**tw, "width": v["width"], "n_layers": v["teacher_layers"],
                "K_train": v["pairs"], "K_test": v["test_pairs"], "sigma": v["sigma"]}
        if "seed" in given:                 # --seed: the twin's and the starts' (as without)
            twin["seed"] = v["seed"]
        if "activation" in given:
            twin["activation"] = v["activation"]
        student = Network(v["width"], v["student_layers"], v["activation"],
                          residual=st.residual and not args.plain,
                          shared=st.shared or args.shared, T=st.T, biases=st.biases)
        schedule = p.anneal.with_(Rf0=v["Rf0"], alpha=v["alpha"], n_init=v["n_init"],
                                  seed=v["seed"])
        weight_scale = p.weight_scale
    if args.betas is not None:
        schedule = schedule.with_(betas=args.betas)
    if args.optimizer is not None:
        schedule = schedule.with_(method=args.optimizer)
    return twin, student, schedule, weight_scale


def _checked(args, betas_type):
    """Everything checked before any work; returns (twin, student problem, schedule, out,
    plot)."""
    betas_given = args.betas
    twin_kw, student, schedule, weight_scale = _resolved(args, betas_type)
    if args.method == "backprop":
        for flag, v in (("--betas", betas_given), ("--optimizer", args.optimizer),
                        ("--plot", args.plot)):
            if v is not None:
                raise ValueError(f"{flag} applies to --method anneal only")
    out = check_output_path("--out", args.out)
    plot = None
    if args.method == "anneal":
        plot = args.plot if args.plot is not None else \
            (out.with_suffix(".png") if out.suffix == ".npz" else f"{out}.png")
        plot = check_output_path("--plot", plot)
        if plot.resolve() == out.resolve():
            raise ValueError("--plot and --out must be different files")
    twin = network_twin(**twin_kw)
    problem = twin.problem(student, weight_scale=weight_scale)
    if args.optimizer is not None and args.optimizer not in problem.methods:
        raise ValueError(f"--optimizer must be one of {problem.methods}, got {args.optimizer!r}")
    return twin, problem, schedule, out, plot


def _run_digits(args) -> dict:
    """``--data digits``: :func:`dalearn.network.train_digits` with --method, --n-init and
    --seed (default 1 start, seed 0); prints test accuracy per start and the wall time."""
    from .network._digits import train_digits
    n_init = 1 if args.n_init is None else check_int("--n-init", args.n_init, 1)
    seed = 0 if args.seed is None else check_int("--seed", args.seed, 0)
    method = args.method or "anneal"
    r = train_digits(method, n_init=n_init, seed=seed)
    out = check_output_path("--out", args.out)
    atomic_write(out, lambda f: np.savez_compressed(f, thetas=r["thetas"]))
    return {"data": "digits", "method": method, "test_accuracy": r["test_accuracy"],
            "train_accuracy": r["train_accuracy"], "train_loss": r["train_loss"],
            "wall_s": r["wall_s"], "out": str(out)}


def run_train(args, betas_type) -> dict:
    if getattr(args, "data", "twin") == "digits":
        return _run_digits(args)
    twin, problem, schedule, out, plot = _checked(args, betas_type)
    t0 = time.perf_counter()
    if args.method == "anneal":
        r = anneal(problem, **schedule.kwargs())
        wall = time.perf_counter() - t0
        thetas = r.params[-1]
        status = [STATUS[int(s)] for s in r.status[-1]]
        from .plots import action_levels_mpl
        fig = action_levels_mpl(r, title=f"student {problem.net.n_layers} layers, "
                                         f"width {problem.D}")
        r.save(out)
        atomic_write(plot, lambda f: fig.savefig(f, format="png", dpi=110))
        extra = {"final_actions": r.final_action.tolist(), "levels": r.levels().tolist(),
                 "expected_level": r.expected_level, "optimizer": r.settings["method"],
                 "verified_all_beta": r.verified.all(axis=0).tolist()}
    else:
        b = train_backprop(problem, n_init=args.n_init, seed=args.seed)
        wall = time.perf_counter() - t0
        thetas = b.thetas
        status = [{0: "converged", 1: STATUS[1], -1: STATUS[-1]}[int(s)] for s in b.status]
        atomic_write(out, lambda f: np.savez_compressed(
            f, loss=b.loss, thetas=b.thetas, status=b.status, nit=b.nit))
        extra = {}
    train_loss = [float(problem.strong_loss_grad(th)[0]) for th in thetas]
    heldout = [twin.heldout_error(problem, th) for th in thetas]
    return {"method": args.method, **extra, "train_loss": train_loss, "heldout_rms": heldout,
            "status": status, "best": int(np.nanargmin(heldout)) if np.any(np.isfinite(heldout))
            else None, "wall_s": wall, "out": str(out), "plot": None if plot is None
            else str(plot)}


def table(summary: dict) -> str:
    if summary.get("data") == "digits":
        acc = ", ".join(f"{a:.3f}" for a in summary["test_accuracy"])
        return (f"digits, {summary['method']}: test accuracy per start {acc}; training loss "
                f"{', '.join(f'{v:.4g}' for v in summary['train_loss'])}; wall time "
                f"{summary['wall_s']:.1f} s; wrote {summary['out']}")
    anneal_ = summary["method"] == "anneal"
    head = f"{'start':>5} " + (f"{'action':>12} " if anneal_ else "") + \
        f"{'train loss':>12} {'held-out rms':>12}  status"
    lines = [head, "-" * len(head)]
    for i, (lo, ho, st) in enumerate(zip(summary["train_loss"], summary["heldout_rms"],
                                         summary["status"])):
        a = f"{summary['final_actions'][i]:12.6g} " if anneal_ else ""
        lines.append(f"{i:5d} {a}{lo:12.6g} {ho:12.6g}  {st}")
    if anneal_:
        lines.append(f"levels at the last beta: {', '.join(f'{v:.6g}' for v in summary['levels'])}"
                     f" (expected about {summary['expected_level']:.3g})")
    lines.append(f"wall time {summary['wall_s']:.1f} s; wrote {summary['out']}"
                 + (f" and {summary['plot']}" if summary["plot"] else ""))
    return "\n".join(lines)
