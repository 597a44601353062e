"""The defaults, in one place: frozen settings of a twin experiment, of annealing, and of
a network twin experiment and its student.

Every entry point takes its defaults from here: :func:`dalearn.anneal`,
:func:`dalearn.lorenz96_twin`, the presets (which are instances of these classes), the
widgets, the studies and the command line (whose flags, defaults and help are derived from
the fields below).  The defaults are dalearn's own standard problems, not the group's:
Lorenz96, D = 20, L = 12, σ = 0.4, N = 200 (R_f0 = 0.01, α = 2, β = 0..20, 10 starts), and
notebook 03's network (a teacher of 40 residual tanh layers of 5 nodes, 40 noisy pairs; a
student of 4 such layers).  The group's settings are presets in :mod:`dalearn.presets`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

__all__ = ["TwinSettings", "AnnealSettings", "NetworkTwinSettings", "StudentSettings",
           "help_of"]


def _f(default, help: str, **kw):
    """A field with its command-line help text."""
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help},
                     **kw)
    return field(default=default, metadata={"help": help}, **kw)


@dataclass(frozen=True)
class TwinSettings:
    """A twin experiment: a true path of ``model``, noisy measurements of some components."""
    model: str = _f("lorenz96", "model name")
    D: int | None = _f(None, "state dimension (default: the model's own; lorenz96: any "
                             ">= 4, default 20; lorenz63: 3)")
    L: int | None = _f(None, "number of observed components, spread evenly around the state "
                             "(default: all)")
    observed: tuple | None = _f(None, "explicit observed component indices (instead of L)")
    sigma: float = _f(0.4, "measurement noise standard deviation (> 0); R_m = 1/sigma^2")
    N: int = _f(200, "number of data times (>= 2)")
    dt: float = _f(0.025, "data time step (> 0)")
    k: int = _f(1, "model steps per data step (a model grid k times finer than the data)")
    rule: str = _f("trapezoid", "discretisation rule of the model term")
    params: dict = _f({}, "true parameter values by name (default: the model's own)")
    estimate: tuple = _f((), "names of parameters estimated with the states")
    seed: int = _f(0, "seed of the true path's start and of the measurement noise (>= 0)")
    n_future: int = _f(100, "data steps of truth kept beyond the window, for prediction")
    stimulus: dict = _f({}, "a driven model's input: settings of dalearn.chaotic_current "
                            "(amplitude, offset, time_scale, seed)")

    def kwargs(self) -> dict:
        """Keyword arguments of :func:`dalearn.twin_experiment` (besides the model and a
        driven model's drive, which :func:`dalearn.twin_from_settings` makes)."""
        d = asdict(self)
        d.pop("model"), d.pop("D"), d.pop("stimulus")
        if d["observed"] is not None:
            d["L"] = None
        d["params"] = dict(d["params"]) or None
        return d

    def with_(self, **changes) -> "TwinSettings":
        """A copy with ``changes``; giving ``L`` clears ``observed`` and vice versa."""
        if changes.get("L") is not None:
            changes.setdefault("observed", None)
        if changes.get("observed") is not None:
            changes.setdefault("L", None)
        return replace(self, **changes)


@dataclass(frozen=True)
class AnnealSettings:
    """Precision annealing: R_f = R_f0 α^β for each β, from ``n_init`` starts."""
    betas: object = _f(21, "beta values: a count (0..betas-1) or the values themselves")
    Rf0: object = _f(0.01, "initial model precision R_f0 (> 0; a number or one per component)")
    alpha: float = _f(2.0, "R_f ratio per beta step (> 1)")
    n_init: int = _f(10, "number of starting paths (>= 1)")
    seed: int = _f(0, "seed of the starting paths (>= 0)")
    method: str | None = _f(None, "optimiser (default: the problem's first method)")
    init_range: tuple | None = _f(None, "(low, high) of the uniform starting values of "
                                        "unobserved states (default: the problem's)")
    param_range: dict = _f({}, "starting range (low, high) of each estimated parameter")
    maxiter: int | None = _f(None, "iteration cap per (beta, start) solve (default: the "
                                   "method's)")
    ftol: float = _f(1e-8, "relative tolerance on the action for convergence")

    def kwargs(self) -> dict:
        """Keyword arguments of :func:`dalearn.anneal`."""
        d = asdict(self)
        d["param_range"] = dict(d["param_range"])
        return d

    def with_(self, **changes) -> "AnnealSettings":
        return replace(self, **changes)


@dataclass(frozen=True)
class NetworkTwinSettings:
    """A network twin experiment: a seeded teacher network, noisy training pairs (all
    ``width`` nodes measured at the input and output layers) and clean held-out pairs; the
    keyword arguments of :func:`dalearn.network.network_twin`."""
    width: int = _f(5, "nodes per layer, of the teacher and of the student (>= 1)")
    n_layers: int = _f(40, "layers of the teacher (>= 1)")
    activation: str = _f("tanh", "the teacher's activation")
    residual: bool = _f(True, "residual teacher layers x' = x + h g(W x + b), h = T/n_layers "
                              "(False: plain x' = g(W x + b))")
    biases: bool = _f(True, "the teacher has biases")
    shared: bool = _f(False, "one weight set for every teacher layer (a recurrent teacher)")
    T: float = _f(1.0, "depth of a residual teacher (> 0)")
    weights: str = _f("normal", "teacher weights: 'normal' W ~ N(0, weight_scale^2/width), "
                                "b ~ N(0, 0.5^2); 'uniform' W ~ U(-1, 1) weight_scale/width, "
                                "b = 0")
    weight_scale: float = _f(1.5, "scale of the teacher's weights (> 0)")
    inputs: str = _f("uniform", "inputs: 'uniform' U(-1, 1)^width, or 'standardised' "
                                "(N(0, 1)^width, then mean 0 and std 1 over the nodes)")
    K_train: int = _f(40, "training pairs (>= 1)")
    K_test: int = _f(200, "held-out pairs (>= 1)")
    sigma: float = _f(0.01, "noise std on the training inputs and outputs (> 0)")
    seed: int = _f(0, "seed of the teacher's weights, the inputs and the noise (>= 0)")

    def kwargs(self) -> dict:
        """Keyword arguments of :func:`dalearn.network.network_twin`."""
        return asdict(self)

    def with_(self, **changes) -> "NetworkTwinSettings":
        return replace(self, **changes)


@dataclass(frozen=True)
class StudentSettings:
    """The network trained on a network twin's pairs; its width is the twin's (the data's).
    ``weight_scale``: starting weights U(±weight_scale/√width), for annealing and
    backpropagation alike."""
    n_layers: int = _f(4, "layers of the student (>= 1)")
    activation: str = _f("tanh", "the student's activation")
    residual: bool = _f(True, "residual layers x' = x + h g(W x + b), h = T/n_layers (False: "
                              "plain x' = g(W x + b))")
    biases: bool = _f(True, "the student has biases (False: weights only)")
    shared: bool = _f(False, "one weight set for every layer (a recurrent student)")
    T: float = _f(1.0, "depth of a residual student (> 0)")
    weight_scale: float = _f(1.0, "starting weights U(±weight_scale/sqrt(width)) (> 0)")

    def network_kwargs(self, width: int) -> dict:
        """Keyword arguments of :class:`dalearn.network.Network` for ``width`` nodes."""
        return dict(width=width, n_layers=self.n_layers, activation=self.activation,
                    residual=self.residual, T=self.T, shared=self.shared, biases=self.biases)

    def with_(self, **changes) -> "StudentSettings":
        return replace(self, **changes)


def help_of(cls, name: str) -> str:
    """The help text of field ``name`` of a settings class."""
    return next(f.metadata["help"] for f in fields(cls) if f.name == name)
