"""dalearn: deep learning and statistical data assimilation are the same problem.

The front door: ``import dalearn as da`` gives the names a user needs.

    twin = da.lorenz96_twin(L=12, seed=0)                  # a twin experiment
    result = da.anneal(twin.problem, n_init=10, seed=0)     # precision annealing
    da.plots.action_levels(result)                          # the action level plot

The packages are the layers, lowest first; each imports only packages of lower layers
(``tests/test_architecture.py`` checks it):

    optimize, models       minimisers over block-banded Hessians; vector fields F(x, p)
    discretize             one-step rules and their derivatives
    problem                Problem, its action, twin experiments, data files, prediction
    annealing, uncertainty precision annealing and its result; Laplace bars, HMC
    network, continuous    networks as SDA problems; deepest learning (continuous layers)
    experiments            the published settings as named presets; studies
    plots → widgets → course → cli    figures, slider panels, exercises and site, command line

Symbols: see docs/glossary.md.
"""
from . import _compat, continuous, plots
from ._settings import AnnealSettings, NetworkTwinSettings, StudentSettings, TwinSettings
from .annealing import Annealable, AnnealResult, anneal
from .course import exercise
from .experiments import PRESETS, get_preset
from .models import (CustomModel, ForcedLorenz96, Lorenz63, Lorenz96, Model, NaKL, NeuralField,
                     SampledDrive, chaotic_current, get_model)
from .network import Network, NetworkProblem, driven_twin, network_twin, train_backprop
from .optimize import STATUS
from .problem import (Problem, Truth, Twin, action, lorenz96_twin, predict, prediction_error,
                      rms, twin_experiment, twin_from_settings)

__version__ = "0.1.0"

__all__ = [
    "Problem", "anneal", "AnnealResult", "Annealable", "action", "predict",
    "prediction_error", "lorenz96_twin", "twin_experiment", "twin_from_settings", "Twin",
    "Truth", "rms", "Model", "Lorenz96", "Lorenz63", "NeuralField", "CustomModel",
    "get_model", "NaKL", "ForcedLorenz96", "SampledDrive", "chaotic_current", "Network",
    "NetworkProblem", "network_twin", "driven_twin", "train_backprop",
    "AnnealSettings", "TwinSettings", "NetworkTwinSettings", "StudentSettings", "PRESETS",
    "get_preset", "STATUS", "plots", "continuous", "widgets", "exercise",
]

_compat.install()


def __getattr__(name):
    import importlib
    # ipywidgets is a course dependency, not a library one: import the widgets on first use
    if name == "widgets":
        return importlib.import_module(".widgets", __name__)
    if name in _compat.MOVED:
        return _compat.moved(name)
    raise AttributeError(f"module 'dalearn' has no attribute {name!r}")
