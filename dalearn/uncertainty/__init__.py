"""Beyond the minimum: Laplace error bars from the Hessian of A0, and Hamiltonian Monte Carlo."""
from ._laplace import Laplace, Samples, hmc, laplace, laplace_along, unnormalised_evaluator

__all__ = ["Laplace", "laplace", "laplace_along", "unnormalised_evaluator", "Samples", "hmc"]
