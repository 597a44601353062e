"""One-step rules: a model and a rule give the residual x(n+1) - f(x(n)) of every step.

- ``RULES``: euler, trapezoid, hermite-simpson, rk4
- :func:`residual` (with its Jacobian blocks), :func:`integrate`, :func:`rk4_step`
- :func:`residual_curvature`: the rule's second derivatives, weighted (for exact Hessians)
"""
from ._curvature import Curvature, residual_curvature
from ._rules import RULES, Residual, check_rule, integrate, residual, rk4_step

__all__ = ["RULES", "Residual", "residual", "check_rule", "integrate", "rk4_step",
           "Curvature", "residual_curvature"]
