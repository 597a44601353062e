"""Models: vector fields F(x, p) of the dynamics, with exact Jacobians (and second derivatives).

The lowest layer: models know nothing of data, rules or annealing.  The contract every model
keeps (shapes, the driven-model convention, bounds) is in :class:`Model`'s module docstring.

- :class:`Model`, :class:`CustomModel` (your own vector field from plain functions)
- :class:`Lorenz96`, :class:`ForcedLorenz96`, :class:`Lorenz63`, :class:`NeuralField`,
  :class:`NaKL` (the neuron) and :func:`chaotic_current` (its stimulus)
- :class:`SampledDrive`: a known input sampled on a grid
- :func:`get_model` and ``MODELS``: every built-in model by name
- :func:`conditional_lyapunov`: how strongly observed components synchronise the rest
- ``ACTIVATIONS``: g(a) and g'(a) of the network layers and the neural field
- :func:`rk4`, :func:`rk4_stages`: the one classical Runge-Kutta step
"""
from ._activations import ACTIVATION_D2, ACTIVATIONS
from ._base import CustomModel, Model
from ._catalog import MODELS, SIZED, get_model
from ._drive import SampledDrive, half_grid, sample_drive
from ._field import NeuralField
from ._lorenz import ForcedLorenz96, Lorenz63, Lorenz96
from ._lyapunov import conditional_lyapunov
from ._neuron import NAKL_BOUNDS, NAKL_PARAMS, NaKL, chaotic_current
from ._rk4 import rk4, rk4_stages

__all__ = ["Model", "CustomModel", "Lorenz96", "ForcedLorenz96", "Lorenz63", "NeuralField",
           "NaKL", "NAKL_PARAMS", "NAKL_BOUNDS", "chaotic_current", "SampledDrive",
           "half_grid", "sample_drive", "MODELS", "SIZED", "get_model",
           "conditional_lyapunov", "ACTIVATIONS", "ACTIVATION_D2", "rk4", "rk4_stages"]
