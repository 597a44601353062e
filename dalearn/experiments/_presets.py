"""Named settings, so a notebook or the command line can ask for them by name.

A preset is a :class:`TwinSettings` and an :class:`AnnealSettings`; a network preset
(:class:`NetworkPreset`) is a :class:`NetworkTwinSettings` (teacher and data), a
:class:`StudentSettings` and an :class:`AnnealSettings`.  dalearn's own settings and the
group's (Abarbanel, Rozdeba & Shirman, Neural Computation 30(8), 2018, and their code) are
kept apart: ``OURS`` and ``GROUP``, ``OURS_NETWORK`` and ``GROUP_NETWORK``; each group
preset names the script it follows.  :func:`get_preset` finds either kind by name.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..network import Network, NetworkProblem, NetworkTwin, network_twin
from ..models import NAKL_PARAMS
from .._settings import AnnealSettings, NetworkTwinSettings, StudentSettings, TwinSettings
from ..problem import Twin, twin_from_settings

__all__ = ["Preset", "OURS", "GROUP", "PRESETS", "NetworkPreset", "OURS_NETWORK",
           "GROUP_NETWORK", "NETWORK_PRESETS", "get_preset", "group_network_Rf0"]


@dataclass(frozen=True)
class Preset:
    """A named twin experiment and annealing schedule; ``source``: whose settings, and the
    script they follow."""
    name: str
    doc: str
    source: str
    twin: TwinSettings
    anneal: AnnealSettings

    def make(self, **changes) -> Twin:
        """The twin experiment, with ``changes`` to the twin settings."""
        return twin_from_settings(self.twin, **changes)


_L96 = TwinSettings(model="lorenz96", D=20, sigma=0.4, N=200, dt=0.025, params={"nu": 8.17},
                    seed=0, n_future=200)
_OURS_SCHEDULE = AnnealSettings(betas=21, Rf0=0.01, alpha=2.0, n_init=10, seed=0)
_NAKL = TwinSettings(model="nakl", observed=(0,), sigma=1.0, N=6001, dt=0.02,
                     rule="hermite-simpson", estimate=tuple(NAKL_PARAMS), seed=0, n_future=2500)
_NAKL_RF0 = (1e-8, 1e-4, 1e-4, 1e-4)

OURS = {
    "lorenz96-L12": Preset(
        "lorenz96-L12",
        "dalearn's standard problem: Lorenz96 D=20, L=12 observed, sigma=0.4, N=200, "
        "dt=0.025; Rf0=0.01, alpha=2, beta=0..20, 10 starts. All starts reach one level.",
        "dalearn (ours)", _L96.with_(L=12), _OURS_SCHEDULE),
    "lorenz96-L6": Preset(
        "lorenz96-L6",
        "As lorenz96-L12 but L=6: too few measurements, several action levels persist.",
        "dalearn (ours)", _L96.with_(L=6), _OURS_SCHEDULE),
    "nakl-120ms": Preset(
        "nakl-120ms",
        "NaKL from its voltage over the group's 120 ms (the group-nakl recording: 6001 "
        "points, dt = 0.02 ms, sigma = 1 mV, all 18 parameters within the group's bounds) "
        "with notebook 07's steps, alpha = 2, beta = 0, 5, .., 60: one step past the "
        "group's final R_f (beta = 55: 2^55 = 1.1^400 to 0.3 %), where at 120 ms the action "
        "still rises 3e-4 per step, to its plateau; 2 starts.  The window that determines "
        "gNa to about 5 % (Fisher bars; 40 ms: about 40 %).",
        "dalearn (ours): the group's recording settings (varanneal's NaKL tutorial) with "
        "dalearn's shorter schedule",
        _NAKL, AnnealSettings(betas=tuple(range(0, 61, 5)), Rf0=_NAKL_RF0, alpha=2.0,
                              n_init=2, seed=0)),
}

GROUP = {
    "varanneal-nu": Preset(
        "varanneal-nu",
        "Lorenz96 D=20, every other component observed (L=10), sigma=0.5, 161 points, "
        "dt=0.025, trapezoid rule, forcing nu estimated from U(6, 10); Rf0/Rm=1e-6, "
        "alpha=1.5, beta=0,2,..,70 (every other beta of the group's schedule, stopped at "
        "beta=70 where the action has plateaued; the group goes to beta=100), 5 starts.",
        "the group's older varanneal Lorenz96 script (every other component observed, "
        "R_f0/R_m, alpha, nu range); rule, number of starts and the shortened schedule are "
        "dalearn's",
        _L96.with_(observed=tuple(range(0, 20, 2)), sigma=0.5, N=161, estimate=("nu",)),
        AnnealSettings(betas=tuple(range(0, 71, 2)), Rf0=4e-6, alpha=1.5, n_init=5, seed=0,
                       param_range={"nu": (6.0, 10.0)})),
    "group-lorenz96": Preset(
        "group-lorenz96",
        "Lorenz96 D=20, observed 0,2,4,6,8,10,14,16 (L=8), sigma=0.5, 161 points, dt=0.025, "
        "Hermite-Simpson; Rf0/Rm=1e-6, alpha=1.5, beta=0..100, nu estimated from U(6, 10), "
        "10 starts.  The marginal case: a noise-consistent level exists (annealed from the "
        "truth) but only some random starts reach it; the rest stop on higher flat levels "
        "with a wrong nu (benchmarks/group_lorenz96_why.py).",
        "varanneal's Lorenz96 scripts (P. Rozdeba, N. Kadakia): observed set, sigma, N, dt, "
        "Rf0/Rm, alpha, beta and nu range (their packaged examples/Lorenz96_D20 observes "
        "0,2,4,8,10,12,14,16 instead); the data (dalearn's RK4 twin, seed 0), the "
        "Hermite-Simpson step (one data interval, midpoint eliminated; theirs spans two data "
        "steps with the midpoint free) and the number of starts are dalearn's",
        _L96.with_(observed=(0, 2, 4, 6, 8, 10, 14, 16), sigma=0.5, N=161,
                   rule="hermite-simpson", estimate=("nu",)),
        AnnealSettings(betas=101, Rf0=4e-6, alpha=1.5, n_init=10, seed=0,
                       param_range={"nu": (6.0, 10.0)})),
    "group-nakl": Preset(
        "group-nakl",
        "NaKL neuron from its voltage: V observed (sigma = 1 mV) under a known current, "
        "dt = 0.02 ms, 6001 points, Hermite-Simpson, all 18 parameters estimated within "
        "the group's bounds (random starts inside them); Rf0 = 1e-8 for V and 1e-4 for the "
        "gates (Rm = 1/sigma^2 = 1), alpha = 1.1, beta = 0..400, 3 starts.  The stimulus is "
        "dalearn's seeded chaotic current (the group's tutorial ships a recorded one).",
        "the NaKL section of varanneal's jupyter tutorial "
        "(examples/jupyter-tutorial/VarAnneal_tutorial.ipynb, data "
        "NaKL_Vdata_dt0p02_N6001_sm1p0.npy), R_f0/alpha/beta as the group's; stimulus and "
        "number of starts chosen by dalearn",
        _NAKL, AnnealSettings(betas=401, Rf0=_NAKL_RF0, alpha=1.1, n_init=3, seed=0)),
}

PRESETS = {**OURS, **GROUP}


@dataclass(frozen=True)
class NetworkPreset:
    """A named network twin experiment: ``twin`` (the teacher and its data), ``student``
    (the network trained, its starting weights' scale) and the annealing schedule;
    ``source``: whose settings, and the script they follow."""
    name: str
    doc: str
    source: str
    twin: NetworkTwinSettings
    student: StudentSettings
    anneal: AnnealSettings

    @property
    def weight_scale(self) -> float:
        """Starting weights U(±weight_scale/√width), for annealing and backprop."""
        return self.student.weight_scale

    def network(self, width: int | None = None) -> Network:
        """The student network, ``width`` nodes per layer (default: the twin's)."""
        return Network(**self.student.network_kwargs(width or self.twin.width))

    def make(self, **changes) -> tuple[NetworkProblem, NetworkTwin]:
        """(the student's training problem, the teacher twin), with ``changes`` to the twin
        settings (keyword arguments of :func:`dalearn.network.network_twin`)."""
        settings = self.twin.with_(**changes)
        twin = network_twin(**settings.kwargs())
        return twin.problem(self.network(settings.width),
                            weight_scale=self.student.weight_scale), twin


def group_network_Rf0(student: Network, sigma: float, n_in: int, n_out: int,
                      ratio: float = 1e-8) -> float:
    """The group's starting model precision for a network, in dalearn's normalised action.

    The group asks that, at β = 0, one squared model residual weigh ``ratio`` times one
    squared measurement residual.  In dalearn's action (:class:`NetworkProblem`) a squared
    measurement residual has weight R_m / (K (n_in + n_out)) and a squared model residual
    R_f / (K n_layers D), where n_layers D is the number of nodes beyond the input.  Equal
    ratio means R_f0 = ratio R_m (n_layers D) / (n_in + n_out) — the formula of the group's
    script, whose action (varanneal_neuralnet.py: me_gaussian divides by L_tot M,
    fe_gaussian by (nodes beyond the input) M) is normalised exactly as dalearn's, so the
    script's RF0 carries over unchanged.
    """
    Rm = 1.0 / sigma ** 2
    return ratio * Rm * (student.n_layers * student.width) / (n_in + n_out)


_OURS_NET_SCHEDULE = AnnealSettings(betas=tuple(range(0, 29, 2)), Rf0=1.0, alpha=2.0,
                                    n_init=6, seed=1)

OURS_NETWORK = {
    "network-feedforward": NetworkPreset(
        "network-feedforward",
        "Notebook 03's network: teacher 40 residual tanh layers x 5 nodes (weights N(0, 1.5^2/5), "
        "biases N(0, 0.25)), inputs U(-1, 1), 40 pairs with sigma = 0.01 on inputs and "
        "outputs; student 4 residual tanh layers, weights and biases (120); Rf0 = 1, "
        "alpha = 2, beta = 0, 2, .., 28, 6 starts, 'hybrid' (L-BFGS-B, then at most 40 Newton "
        "iterations per beta to finish and verify).",
        "dalearn (ours): notebook 03, benchmarks/train_network.py and the defaults of "
        "python -m dalearn train",
        NetworkTwinSettings(), StudentSettings(),
        _OURS_NET_SCHEDULE.with_(method="hybrid", maxiter=40)),
    "network-recurrent": NetworkPreset(
        "network-recurrent",
        "As network-feedforward with a recurrent student: one weight set (30 weights) "
        "shared by 10 residual tanh layers.",
        "dalearn (ours): notebook 03 and benchmarks/train_network.py",
        NetworkTwinSettings(), StudentSettings(n_layers=10, shared=True), _OURS_NET_SCHEDULE),
}

# weights U(-1, 1)/10 = U(±weight_scale/sqrt(10))
_GROUP_STUDENT = StudentSettings(n_layers=19, activation="sigmoid", residual=False,
                                 shared=False, biases=False, weight_scale=0.1 * 10 ** 0.5)
_GROUP_SIGMA = 0.005

GROUP_NETWORK = {
    "group-network": NetworkPreset(
        "group-network",
        "The group's network twin: teacher 100 plain sigmoid layers x 10 nodes counting the "
        "input (99 weight layers), weights U(-1, 1)/10, zero biases, inputs N(0, 1) "
        "standardised per pair; 2 training pairs, sigma = 0.005 on inputs and outputs; "
        "student 20 layers (19 weight layers) of 10 sigmoid nodes, weights only (1900); "
        "Rf0 = 1e-8 Rm (190 nodes beyond the input)/(10 + 10) = 3.8e-3, alpha = 1.1, "
        "beta = 0..435, 3 starts: hidden states U(0.4, 0.6), weights U(-1, 1)/10; "
        "L-BFGS-B with ftol = 1e-12 (no solve is a verified minimum: with 1900 weights "
        "for 40 measured numbers the Hessian at a minimum has flat directions).",
        "varanneal's examples/nnet_twin (P. Rozdeba): data/gen_params.py (teacher), "
        "data/gen_io_pairs.py (inputs, noise), nnet_twin_anneal.py (student, RM, RF0, alpha, "
        "beta, starting states and weights, L-BFGS-B ftol); the script at its head trains "
        "on M = 2 pairs (M = 5 only in its first commit) and clips noisy outputs to "
        "(1e-4, 1 - 1e-4) (never active here: the teacher's outputs lie near 0.5); seeds "
        "and 3 starts are dalearn's",
        NetworkTwinSettings(width=10, n_layers=99, activation="sigmoid", shared=False,
                            residual=False, biases=False, weights="uniform", weight_scale=1.0,
                            inputs="standardised", K_train=2, K_test=200, sigma=_GROUP_SIGMA,
                            seed=0),
        _GROUP_STUDENT,
        AnnealSettings(betas=436, Rf0=group_network_Rf0(
            Network(**_GROUP_STUDENT.network_kwargs(10)), _GROUP_SIGMA, 10, 10),
            alpha=1.1, n_init=3, seed=0, init_range=(0.4, 0.6), ftol=1e-12, method="lbfgsb")),
}

NETWORK_PRESETS = {**OURS_NETWORK, **GROUP_NETWORK}


def get_preset(name: str) -> Preset | NetworkPreset:
    """The preset called ``name``: a data assimilation preset (see ``PRESETS``) or a network
    preset (see ``NETWORK_PRESETS``)."""
    import copy                 # a copy: changing it does not change the preset for others
    if name in PRESETS:
        return copy.deepcopy(PRESETS[name])
    if name in NETWORK_PRESETS:
        return copy.deepcopy(NETWORK_PRESETS[name])
    raise ValueError(f"preset must be one of {sorted(PRESETS) + sorted(NETWORK_PRESETS)}, "
                     f"got {name!r}")
