"""``python -m dalearn train``: a network twin (teacher, noisy pairs, held-out pairs) and a
student trained by precision annealing or by backpropagation, from the shell.

Prints per start the final action (annealing), the training loss (the R_f → ∞ loss of the
student's weights, clamped inputs), the held-out RMS against the teacher's clean outputs and
the optimiser status, plus the wall time; writes the results (.npz) and, for annealing, the
action-level plot (.png) as the ``anneal`` command does.  Without ``--preset`` the settings
are the ``network-feedforward`` preset's (notebook 03's problem); the flags given override
them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._checks import check_int, check_memory, check_positive
from .._settings import AnnealSettings, NetworkTwinSettings, StudentSettings, help_of
from ..annealing import AnnealInterrupted, anneal, bytes_needed, check_schedule
from ..experiments import NETWORK_PRESETS
from ..levels import summary as level_summary
from ..models import ACTIVATIONS
from ..network import Network, check_network_memory, network_twin, train_backprop
from ..optimize import STATUS
from ._common import (BETAS_METAVAR, _betas, add_json, add_outputs, betas_text, check_alpha,
                      check_outputs, level_figure, png, status_names, write_outputs)

__all__ = ["add_train_parser", "run_train", "train_table", "DEFAULT_PRESET"]

#: the settings of ``train`` without ``--preset``: notebook 03's feedforward problem
DEFAULT_PRESET = "network-feedforward"

#: each flag's field: (settings kind, field name); --activation sets teacher and student
_FIELDS = {"width": [("twin", "width")], "teacher_layers": [("twin", "n_layers")],
           "pairs": [("twin", "K_train")], "test_pairs": [("twin", "K_test")],
           "sigma": [("twin", "sigma")], "seed": [("twin", "seed"), ("schedule", "seed")],
           "student_layers": [("student", "n_layers")],
           "activation": [("twin", "activation"), ("student", "activation")],
           "n_init": [("schedule", "n_init")], "betas": [("schedule", "betas")],
           "Rf0": [("schedule", "Rf0")], "alpha": [("schedule", "alpha")],
           "optimizer": [("schedule", "method")]}


def _helped(cls, name: str, value, prefix: str = "") -> str:
    return f"{prefix}{help_of(cls, name)} (default: {value})"


def _add_twin_flags(g, d) -> None:
    T = NetworkTwinSettings
    g.add_argument("--width", type=int, default=None, help=_helped(T, "width", d.twin.width))
    g.add_argument("--teacher-layers", dest="teacher_layers", type=int, default=None,
                   help=_helped(T, "n_layers", d.twin.n_layers))
    g.add_argument("--pairs", type=int, default=None, help=_helped(T, "K_train", d.twin.K_train))
    g.add_argument("--test-pairs", dest="test_pairs", type=int, default=None,
                   help=_helped(T, "K_test", d.twin.K_test))
    g.add_argument("--sigma", type=float, default=None, help=_helped(T, "sigma", d.twin.sigma))
    g.add_argument("--seed", type=int, default=None,
                   help=f"seed of the twin and of the starts (>= 0; default: twin "
                        f"{d.twin.seed}, starts {d.anneal.seed})")


def _add_student_flags(s, d) -> None:
    S = StudentSettings
    s.add_argument("--student-layers", dest="student_layers", type=int, default=None,
                   help=_helped(S, "n_layers", d.student.n_layers))
    s.add_argument("--activation", choices=sorted(ACTIVATIONS), default=None,
                   help=f"activation of the teacher and the student (default: "
                        f"{d.student.activation})")
    s.add_argument("--plain", action="store_true",
                   help="plain layers x' = g(W x + b) (default: residual x' = x + h g(.))")
    s.add_argument("--shared", action="store_true",
                   help="one weight set for every layer (a recurrent student)")
    s.add_argument("--method", choices=("anneal", "backprop"), default=None,
                   help="precision annealing or backpropagation (default: anneal)")
    A = AnnealSettings
    s.add_argument("--n-init", dest="n_init", type=int, default=None,
                   help=_helped(A, "n_init", d.anneal.n_init))
    s.add_argument("--betas", type=_betas, default=None, metavar=BETAS_METAVAR,
                   help=f"annealing: beta values (default: {betas_text(d.anneal.betas)})")
    s.add_argument("--Rf0", type=float, default=None,
                   help=_helped(A, "Rf0", d.anneal.Rf0, "annealing: "))
    s.add_argument("--alpha", type=float, default=None,
                   help=_helped(A, "alpha", d.anneal.alpha, "annealing: "))
    method = d.anneal.method or "its first: see NetworkProblem.methods"
    cap = "" if d.anneal.maxiter is None else f", at most {d.anneal.maxiter} iterations per beta"
    s.add_argument("--optimizer", default=None,
                   help=f"annealing: optimiser, one of the network problem's methods "
                        f"(default: {method}{cap})")


def add_train_parser(sub) -> None:
    t = sub.add_parser("train", help="train a network twin's student by annealing or "
                                     "backpropagation",
                       description=__doc__.split("\n\n")[0])
    d = NETWORK_PRESETS[DEFAULT_PRESET]
    t.add_argument("--preset", default=None, metavar="NAME",
                   help="start from a network preset (one of "
                        f"{', '.join(sorted(NETWORK_PRESETS))}; default: {DEFAULT_PRESET}); "
                        "the flags given override it")
    t.add_argument("--data", choices=("twin", "digits"), default="twin",
                   help="a network twin (default) or the handwritten digits shipped with "
                        "dalearn (UCI optdigits; uses --method, --n-init, --seed, --out)")
    _add_twin_flags(t.add_argument_group("the twin (teacher and data)"), d)
    _add_student_flags(t.add_argument_group("the student and its training"), d)
    o = t.add_argument_group("output")
    add_outputs(o, "train.npz", "annealing: action-level plot (.png; default: beside --out)")
    add_json(o)


@dataclass(frozen=True)
class _Settings:
    """A ``train`` run's settings: the preset's with the flags given applied."""
    twin: NetworkTwinSettings
    student: StudentSettings
    schedule: AnnealSettings
    method: str

    def check(self) -> None:
        """Every value checked with the name of its flag, before any work."""
        tw, st, sc = self.twin, self.student, self.schedule
        for flag, v, low in (("--width", tw.width, 1), ("--teacher-layers", tw.n_layers, 1),
                             ("--student-layers", st.n_layers, 1), ("--pairs", tw.K_train, 1),
                             ("--test-pairs", tw.K_test, 1), ("--n-init", sc.n_init, 1),
                             ("--seed", tw.seed, 0), ("--seed", sc.seed, 0)):
            check_int(flag, v, low)
        check_positive("--sigma", tw.sigma)
        if not 1e-150 < tw.sigma < 1e150:
            raise ValueError(f"--sigma must lie between 1e-150 and 1e150 (R = 1/sigma^2 must "
                             f"be a finite non-zero number), got {tw.sigma:g}")
        check_positive("--Rf0", sc.Rf0)
        check_alpha(sc.alpha)
        if self.method == "anneal":
            try:
                check_schedule(sc.betas, sc.Rf0, sc.alpha, sc.n_init)
            except ValueError as e:
                raise ValueError(f"--betas/--Rf0/--alpha: {e}") from None
        # memory before anything proportional to the sizes is made
        check_network_memory("--width/--teacher-layers/--pairs/--test-pairs: the twin",
                             tw.width, tw.n_layers, tw.K_train + tw.K_test)
        check_network_memory("--width/--student-layers/--pairs: the student", tw.width,
                             st.n_layers, tw.K_train)
        if self.method == "anneal":
            n_beta = sc.betas if isinstance(sc.betas, int) else len(sc.betas)
            n_unknowns = float(tw.K_train) * (st.n_layers + 1) * tw.width + \
                float(st.n_layers) * tw.width * (tw.width + 1)
            check_memory("--width/--student-layers/--pairs/--n-init: annealing",
                         bytes_needed(n_unknowns, tw.width, sc.n_init, n_beta))


def train_settings(args) -> _Settings:
    """The preset's settings (``--preset``, default :data:`DEFAULT_PRESET`) with the flags
    given applied.  An unknown preset is a ValueError naming the known ones."""
    name = DEFAULT_PRESET if args.preset is None else args.preset
    if name not in NETWORK_PRESETS:
        raise ValueError(f"--preset must be one of {sorted(NETWORK_PRESETS)}, got {name!r}")
    p = NETWORK_PRESETS[name]
    changes = {"twin": {}, "student": {}, "schedule": {}}
    for flag, targets in _FIELDS.items():
        if getattr(args, flag) is not None:
            for kind, field in targets:
                changes[kind][field] = getattr(args, flag)
    if args.plain:
        changes["student"]["residual"] = False
    if args.shared:
        changes["student"]["shared"] = True
    s = _Settings(p.twin.with_(**changes["twin"]), p.student.with_(**changes["student"]),
                  p.anneal.with_(**changes["schedule"]), args.method or "anneal")
    s.check()
    return s


def _checked_train(args):
    """Everything checked before any work: (settings, twin, student problem, out, plot)."""
    s = train_settings(args)
    if s.method == "backprop":
        for flag, v in (("--betas", args.betas), ("--optimizer", args.optimizer),
                        ("--plot", args.plot)):
            if v is not None:
                raise ValueError(f"{flag} applies to --method anneal only")
    out, plot = check_outputs(args, plot=s.method == "anneal")
    student = Network(**s.student.network_kwargs(s.twin.width))
    twin = network_twin(**s.twin.kwargs())
    problem = twin.problem(student, weight_scale=s.student.weight_scale)
    if args.optimizer is not None and args.optimizer not in problem.methods:
        raise ValueError(f"--optimizer must be one of {problem.methods}, got {args.optimizer!r}")
    return s, twin, problem, out, plot


def _by_annealing(problem, s: _Settings, out, plot) -> tuple:
    """Anneal, write the result and its level plot: (weights per start, statuses, the
    annealing entries of the summary)."""
    try:
        r = anneal(problem, **s.schedule.kwargs())
    except AnnealInterrupted:
        raise KeyboardInterrupt from None
    fig = level_figure(r, f"student {problem.net.n_layers} layers, width {problem.D}", problem)
    write_outputs({out: r.write, plot: png(fig, plot)})
    return r.params[-1], status_names(r.status[-1]), {
        "final_actions": r.final_action.tolist(), "levels": r.levels().tolist(),
        "expected_level": level_summary(problem, r), "optimizer": r.settings["method"],
        "verified_all_beta": r.verified.all(axis=0).tolist()}


def _by_backprop(problem, s: _Settings, out) -> tuple:
    """Backpropagation from the same starting weights' distribution, its arrays written."""
    b = train_backprop(problem, n_init=s.schedule.n_init, seed=s.schedule.seed)
    write_outputs({out: lambda f: np.savez_compressed(f, loss=b.loss, thetas=b.thetas,
                                                      status=b.status, nit=b.nit)})
    return b.thetas, [{0: "converged", 1: STATUS[1], -1: STATUS[-1]}[int(v)]
                      for v in b.status], {}


def _run_digits(args) -> dict:
    """``--data digits``: :func:`dalearn.network.train_digits` with --method, --n-init and
    --seed (default 1 start, seed 0): test accuracy per start and the wall time."""
    from ..network import train_digits
    n_init = 1 if args.n_init is None else check_int("--n-init", args.n_init, 1)
    seed = 0 if args.seed is None else check_int("--seed", args.seed, 0)
    method = args.method or "anneal"
    out, _ = check_outputs(args, plot=False)
    r = train_digits(method, n_init=n_init, seed=seed)
    write_outputs({out: lambda f: np.savez_compressed(f, thetas=r["thetas"])})
    return {"data": "digits", "method": method, "test_accuracy": r["test_accuracy"],
            "train_accuracy": r["train_accuracy"], "train_loss": r["train_loss"],
            "wall_s": r["wall_s"], "out": str(out)}


def run_train(args) -> dict:
    """``python -m dalearn train``: the summary of the run (see :func:`train_summary`)."""
    if args.data == "digits":
        return _run_digits(args)
    s, twin, problem, out, plot = _checked_train(args)
    t0 = time.perf_counter()
    if s.method == "anneal":
        thetas, status, extra = _by_annealing(problem, s, out, plot)
    else:
        thetas, status, extra = _by_backprop(problem, s, out)
    wall = time.perf_counter() - t0
    return train_summary(twin, problem, s.method, thetas, status, extra, wall, out, plot)


def train_summary(twin, problem, method, thetas, status, extra, wall, out, plot) -> dict:
    """The JSON summary of a ``train`` run: per start (lists of n_init) the training loss,
    the held-out RMS and the status; ``extra``: the annealing entries."""
    train_loss = [float(problem.strong_loss_grad(th)[0]) for th in thetas]
    heldout = [twin.heldout_error(problem, th) for th in thetas]
    return {"method": method, **extra, "train_loss": train_loss, "heldout_rms": heldout,
            "status": status, "best": int(np.nanargmin(heldout)) if np.any(np.isfinite(heldout))
            else None, "wall_s": wall, "out": str(out), "plot": None if plot is None
            else str(plot)}


def _band(e: dict) -> str:
    if e["mean"] is None:
        return " (expected level: none, " + e["note"] + ")"
    return (f" (expected {e['mean']:.3g}, band {e['low']:.3g}..{e['high']:.3g}, "
            f"p_eff {e['p_eff']:.1f})")


def train_table(summary: dict) -> str:
    """The summary of :func:`run_train` as a table, one row per start."""
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
                     + _band(summary["expected_level"]))
    lines.append(f"wall time {summary['wall_s']:.1f} s; wrote {summary['out']}"
                 + (f" and {summary['plot']}" if summary["plot"] else ""))
    return "\n".join(lines)
