"""Named settings, so a notebook or the command line can ask for them by name.

A preset is a :class:`TwinSettings` and an :class:`AnnealSettings`.  dalearn's own
settings and the group's (Abarbanel, Rozdeba & Shirman, Neural Computation 30(8), 2018, and
their code) are kept apart: ``OURS`` and ``GROUP``; each group preset names the script it
follows.
"""
from __future__ import annotations

from dataclasses import dataclass

from .neuron import NAKL_PARAMS
from .settings import AnnealSettings, TwinSettings
from .twin import Twin, twin_from_settings

__all__ = ["Preset", "OURS", "GROUP", "PRESETS", "get_preset"]


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
}

GROUP = {
    "varanneal-nu": Preset(
        "varanneal-nu",
        "Lorenz96 D=20, every other component observed (L=10), sigma=0.5, 161 points, "
        "dt=0.025, trapezoid rule, forcing nu estimated from U(6, 10); Rf0/Rm=1e-6, "
        "alpha=1.5, beta=0,2,..,70 (every other beta of the group's schedule, stopped at "
        "beta=70 where the action has plateaued at 0.984 and nu=8.200; the group goes to "
        "beta=100), 5 starts.",
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
        "10 starts.",
        "varanneal's Lorenz96 example (P. Rozdeba), settings as published with the code",
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
        "NaKL_Vdata_dt0p02_N6001_sm1p0.npy), R_f0/alpha/beta as in issue 14; stimulus and "
        "number of starts chosen by dalearn",
        TwinSettings(model="nakl", observed=(0,), sigma=1.0, N=6001, dt=0.02,
                     rule="hermite-simpson", estimate=tuple(NAKL_PARAMS), seed=0,
                     n_future=2500),
        AnnealSettings(betas=401, Rf0=(1e-8, 1e-4, 1e-4, 1e-4), alpha=1.1, n_init=3,
                       seed=0)),
}

PRESETS = {**OURS, **GROUP}


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (see ``PRESETS``)."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {name!r}")
    return PRESETS[name]
