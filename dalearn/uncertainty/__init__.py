"""Beyond the minimum: Laplace error bars from the Hessian of A0, Hamiltonian Monte Carlo, and
the identifiability of parameters and weights (bars, correlations, estimates held by bounds)."""
from ._bars import laplace_param_std
from ._identifiability import ParameterBars, WeightBars, parameter_bars, weight_bars
from ._laplace import Laplace, Samples, hmc, laplace, laplace_along, unnormalised_evaluator

__all__ = ["Laplace", "laplace", "laplace_along", "unnormalised_evaluator", "Samples", "hmc",
           "laplace_param_std", "ParameterBars", "parameter_bars", "WeightBars", "weight_bars"]
