"""Laplace error bars of the estimated parameters of an annealing result, for reports."""
from __future__ import annotations

from ._laplace import laplace

__all__ = ["laplace_param_std"]


def laplace_param_std(problem, result, start: int | None = None) -> dict | None:
    """Laplace standard deviation {name: std} of each estimated parameter at ``start``
    (default: the best) of ``result``'s last β; a value is None where the Hessian there is
    not positive definite (no Gaussian to read a bar from).  None if nothing is estimated."""
    if not result.estimate:
        return None
    lap = laplace(problem, result, start=start)
    return {n: (v if lap.status == 0 else None) for n, v in lap.param_std.items()}
