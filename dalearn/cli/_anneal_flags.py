"""The flags of ``anneal`` and ``twin``: one per field of :class:`TwinSettings` and
:class:`AnnealSettings` (their defaults and help come from there), merged over a preset,
and every value checked with the flag's own name before any work."""
from __future__ import annotations

import argparse
from dataclasses import fields

import numpy as np

from .._checks import (check_choice, check_finite, check_int, check_memory, check_observed,
                       check_positive, check_range)
from .._settings import AnnealSettings, TwinSettings
from ..annealing import bytes_needed, check_schedule
from ..discretize import RULES, sparse_applies
from ..experiments import PRESETS
from ..models import MODELS, SIZED, get_model
from ..problem import Problem, check_truth_work, path_bytes
from ._common import BETAS_HELP, BETAS_METAVAR, _betas, check_alpha


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
    "betas": ("--betas", dict(type=_betas, metavar=BETAS_METAVAR, help=BETAS_HELP)),
    "Rf0": ("--Rf0", dict(type=_Rf0)), "alpha": ("--alpha", dict(type=float)),
    "n_init": ("--n-init", dict(type=int)), "method": ("--method", dict(type=str)),
    "init_range": ("--init-range", dict(type=_low_high, metavar="LOW:HIGH")),
    "param_range": ("--param-range", dict(type=_named("range"), action="append",
                                          metavar="NAME=LOW:HIGH")),
    "maxiter": ("--maxiter", dict(type=int)), "ftol": ("--ftol", dict(type=float)),
}

#: flag of each settings field, for naming the flag the user typed in error messages
FLAG_OF = {name: flag for name, (flag, _) in _FLAGS.items()}


def _default_text(value) -> str:
    if value is None or value == () or value == {}:
        return ""
    return f" (default: {value})"


def add_settings(group, cls, skip=()) -> None:
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


def add_preset(parser) -> None:
    parser.add_argument("--preset", choices=sorted(PRESETS),
                        help="start from named settings (the flags given override them)")


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


def check_twin_flags(args) -> None:
    """The twin experiment's values the user typed, checked with the flag's own name."""
    for name, low in (("D", 1), ("L", 1), ("N", 2), ("k", 1), ("seed", 0), ("n_future", 0),
                      ("n_init", 1), ("maxiter", 1)):
        v = getattr(args, name, None)
        if v is not None:
            check_int(FLAG_OF[name], v, low)
    for name in ("sigma", "dt", "ftol"):
        v = getattr(args, name, None)
        if v is not None:
            check_positive(FLAG_OF[name], v)
    if args.sigma is not None and np.log10(args.sigma) * -2 > 300:
        raise ValueError(f"--sigma {args.sigma:g} is too small: R_m = 1/sigma^2 overflows")
    if args.sigma is not None and np.log10(args.sigma) * 2 > 300:
        raise ValueError(f"--sigma {args.sigma:g} is too large: R_m = 1/sigma^2 underflows "
                         f"to 0")
    for name, v in (args.params or []):
        check_finite(f"--param {name}", v)
    for name, v in (args.stimulus or []):
        check_finite(f"--stimulus {name}", v)


def check_flags(args, twin: TwinSettings, schedule: AnnealSettings) -> None:
    """Every value the user typed, checked with the flag's own name, before any work."""
    check_twin_flags(args)
    if args.alpha is not None:
        check_alpha(args.alpha)
    if args.Rf0 is not None:
        check_positive("--Rf0", args.Rf0, allow_array=True)
    for name, (lo, hi) in (args.param_range or []):
        check_range(f"--param-range {name}", (lo, hi))
    if args.init_range is not None:
        check_range("--init-range", args.init_range)
    try:
        check_schedule(schedule.betas, schedule.Rf0, schedule.alpha, schedule.n_init)
    except ValueError as e:
        raise ValueError(f"--Rf0/--alpha/--betas: {e}") from None
    check_run(twin, schedule, twin_model(twin))


def twin_model(twin: TwinSettings):
    """The model of ``twin``, checked with D and the observed set, without building anything
    large; returns the model."""
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


def check_run(twin: TwinSettings, schedule: AnnealSettings, model,
              annealing: bool = True) -> None:
    """What only the combination of flags decides: estimated ranges, method, memory (the
    annealing's only if ``annealing``: ``twin`` never anneals)."""
    estimated = model.param_names if twin.estimate is True else tuple(twin.estimate)
    for name in schedule.param_range:
        if name not in estimated:
            raise ValueError(f"--param-range names {name!r}, which is not estimated "
                             f"(--estimate {' '.join(estimated) or 'is empty'})")
    if schedule.method is not None:
        check_choice("--method", schedule.method, Problem.methods_of(model))
    if np.size(schedule.Rf0) not in (1, model.D):
        raise ValueError(f"--Rf0 takes one number or D={model.D} (one per component), "
                         f"got {np.size(schedule.Rf0)}")
    M = (twin.N - 1) * twin.k + 1
    n_beta = schedule.betas if isinstance(schedule.betas, int) else len(schedule.betas)
    sizes = "--N/--k/--D/--n-future"
    check_memory(f"{sizes}: the twin experiment", path_bytes(model.D, M, twin.n_future, twin.k))
    check_truth_work(M, twin.n_future, twin.k, twin.dt / twin.k,
                     what="--dt/--N/--k/--n-future: the twin")
    if not annealing:
        return
    check_memory(f"{sizes}/--n-init: annealing",
                 bytes_needed(M * model.D + len(estimated), model.D, schedule.n_init, n_beta,
                              sparse=sparse_applies(model, twin.rule,
                                                    n_est=len(estimated))))
