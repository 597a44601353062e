"""Published settings as small named presets, so a notebook or the CLI can ask by name.

Each preset holds the twin-experiment settings and the annealing settings.  Source:
H. D. I. Abarbanel, P. J. Rozdeba, S. Shirman, "Machine Learning: Deepest Learning as
Statistical Data Assimilation Problems", Neural Computation 30(8):2025-2055 (2018), and the
group's variational annealing code (varanneal, P. Rozdeba) for the parameter-estimation run.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .twin import lorenz96_twin

__all__ = ["Preset", "PRESETS", "get_preset"]


@dataclass(frozen=True)
class Preset:
    """``twin``: keyword arguments of :func:`lorenz96_twin`; ``anneal``: of :func:`anneal`."""
    name: str
    doc: str
    twin: dict = field(default_factory=dict)
    anneal: dict = field(default_factory=dict)

    def make(self, **overrides):
        """(problem, truth) with ``overrides`` applied to the twin settings."""
        return lorenz96_twin(**{**self.twin, **overrides})


PRESETS = {
    "lorenz96-L12": Preset(
        "lorenz96-L12",
        "Lorenz96 D=20, L=12 observed, sigma=0.4, N=200, dt=0.025; Rf0=0.01, alpha=2, "
        "beta=0..20, 10 starts (Abarbanel, Rozdeba & Shirman 2018). All starts reach one level.",
        twin=dict(D=20, L=12, sigma=0.4, N=200, dt=0.025, nu=8.17, seed=0, n_future=200),
        anneal=dict(betas=21, Rf0=0.01, alpha=2.0, n_init=10, seed=0)),
    "lorenz96-L6": Preset(
        "lorenz96-L6",
        "As lorenz96-L12 but L=6: too few measurements, several action levels persist.",
        twin=dict(D=20, L=6, sigma=0.4, N=200, dt=0.025, nu=8.17, seed=0, n_future=200),
        anneal=dict(betas=21, Rf0=0.01, alpha=2.0, n_init=10, seed=0)),
    "varanneal-nu": Preset(
        "varanneal-nu",
        "Lorenz96 D=20, every other component observed (L=10), sigma=0.5, 161 points, "
        "dt=0.025, forcing nu estimated from U(6, 10); Rf0/Rm=1e-6, alpha=1.5 "
        "(the settings of the group's varanneal example).",
        twin=dict(D=20, observed=list(range(0, 20, 2)), sigma=0.5, N=161, dt=0.025,
                  nu=8.17, seed=0, estimate=("nu",), n_future=200),
        anneal=dict(betas=46, Rf0=4e-6, alpha=1.5, n_init=5, seed=0,
                    param_range={"nu": (6.0, 10.0)})),
}


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {name!r}")
    return PRESETS[name]
