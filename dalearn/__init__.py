"""dalearn: deep learning and statistical data assimilation are the same problem.

The front door: ``import dalearn as da`` gives the names a user needs.

    twin = da.lorenz96_twin(L=12, seed=0)                  # a twin experiment
    result = da.anneal(twin.problem, n_init=10, seed=0)     # precision annealing
    da.plots.action_levels(result)                          # the action level plot

Modules, in the order imports flow (each imports only those before it):
``models`` → ``neuron``, ``catalog`` → ``discretize`` → action → ``problem`` → ``twin`` → ``optimize`` → annealing →
``presets``, ``studies`` → ``plots`` → ``widgets``; beside them ``network``, ``continuous``
``exercises`` (the course's checked exercises) and ``cli``.  Symbols: see docs/glossary.md.
"""
from . import continuous, levels, plots
from ._action import action
from ._anneal import Annealable, AnnealResult, anneal
from ._predict import predict, prediction_error
from .catalog import ForcedLorenz96, get_model
from .drive import SampledDrive
from .models import CustomModel, Lorenz63, Lorenz96, Model, NeuralField
from .neuron import NaKL, chaotic_current
from .network import Network, NetworkProblem, driven_twin, network_twin, train_backprop
from .optimize import STATUS
from .levels import expected_level, level_at, log_evidence
from .presets import PRESETS, get_preset
from .problem import Problem
from .settings import AnnealSettings, TwinSettings
from .twin import Truth, Twin, lorenz96_twin, rms, twin_experiment, twin_from_settings
from .exercises import exercise

__version__ = "0.1.0"

__all__ = [
    "Problem", "anneal", "AnnealResult", "Annealable", "action", "predict",
    "prediction_error", "lorenz96_twin", "twin_experiment", "twin_from_settings", "Twin",
    "Truth", "rms", "Model", "Lorenz96", "Lorenz63", "NeuralField", "CustomModel",
    "get_model", "NaKL", "ForcedLorenz96", "SampledDrive", "chaotic_current", "Network", "NetworkProblem", "network_twin", "driven_twin", "train_backprop",
    "AnnealSettings", "TwinSettings", "PRESETS", "get_preset", "STATUS", "plots",
    "continuous", "widgets", "exercise", "levels", "expected_level", "level_at",
    "log_evidence",
]


def __getattr__(name):
    # ipywidgets is a course dependency, not a library one: import the widgets on first use
    if name == "widgets":
        import importlib
        return importlib.import_module(".widgets", __name__)
    raise AttributeError(f"module 'dalearn' has no attribute {name!r}")
