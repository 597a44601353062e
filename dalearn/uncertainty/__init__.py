"""Beyond the minimum: Laplace error bars from the Hessian of A0, and Hamiltonian Monte Carlo."""
from ._bars import laplace_param_std
from ._laplace import Laplace, Samples, hmc, laplace, laplace_along, unnormalised_evaluator

__all__ = ["Laplace", "laplace", "laplace_along", "unnormalised_evaluator", "Samples", "hmc",
           "laplace_param_std"]
