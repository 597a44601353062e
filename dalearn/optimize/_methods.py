"""Minimise the action at one R_f: the methods as option objects, and :func:`minimize`.

Each method is a small frozen dataclass carrying its own options (``Newton(maxiter=40)``);
:func:`minimize` takes one, or its name (``method="newton"``) with ``maxiter``, ``ftol`` and
``xtol`` keywords.  Bounds (``ev.bounds``, a (low, high) pair over the packed vector) are kept
by every method: L-BFGS-B natively, the second-order methods by projected steps (variables
at a bound with the gradient pushing outward are held, the step is clipped into the box and
judged by the quadratic model of the step actually taken).  A non-finite action or a failed
solve is reported in ``status``/``message``, never hidden.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

from .._checks import check_finite, check_int
from ._contract import Evaluator, OptResult
from ._damped import LMDamping, NewtonDamping
from ._lbfgsb import hybrid, lbfgsb, lbfgsb_bounds
from ._loop import second_order
from ._trust import TrustRadius

__all__ = ["Newton", "LevenbergMarquardt", "TrustRegion", "LBFGSB", "Hybrid", "METHODS",
           "minimize", "minimize_lm", "minimize_lbfgsb"]


@dataclass(frozen=True)
class _Method:
    """Options every method has: an iteration cap and the relative tolerance on the action."""
    maxiter: int = 200
    ftol: float = 1e-8
    name: ClassVar[str] = ""

    def __post_init__(self):
        check_int(f"{self.name} maxiter", self.maxiter, 1)
        if check_finite(f"{self.name} ftol", self.ftol) < 0:
            raise ValueError(f"{self.name} ftol must be >= 0, got {self.ftol!r}")

    def solve(self, ev, z0, bounds=None, check: bool = True) -> OptResult:
        """Minimise ``ev`` from ``z0`` keeping ``bounds`` (low, high) or None; ``check``
        (methods whose final check is not free): check the final point."""
        raise NotImplementedError


@dataclass(frozen=True)
class _SecondOrder(_Method):
    """A method of the second-order loop; ``xtol``: a step this small relative to z stops."""
    xtol: float = 1e-10

    def rule(self):
        raise NotImplementedError

    def solve(self, ev, z0, bounds=None, check: bool = True) -> OptResult:
        return second_order(ev, z0, self.rule(), self.maxiter, self.ftol, self.xtol, bounds,
                            check)


@dataclass(frozen=True)
class Newton(_SecondOrder):
    """Newton's method on the exact Hessian, damped (``newton``); stops at a verified minimum
    (decrement <= ftol with a successful Cholesky)."""
    name: ClassVar[str] = "newton"

    def rule(self):
        return NewtonDamping()


@dataclass(frozen=True)
class LevenbergMarquardt(_SecondOrder):
    """Levenberg-Marquardt on the Gauss-Newton matrix (``lm``)."""
    name: ClassVar[str] = "lm"

    def rule(self):
        return LMDamping()


@dataclass(frozen=True)
class TrustRegion(_SecondOrder):
    """Trust-region Newton on the exact Hessian (``tr``): steps of controlled length that
    follow negative curvature along indefinite valleys; stops as ``newton`` does."""
    name: ClassVar[str] = "tr"

    def rule(self):
        return TrustRadius()


@dataclass(frozen=True)
class LBFGSB(_Method):
    """scipy's L-BFGS-B with the exact gradient (``lbfgsb``): many cheap steps."""
    maxiter: int = 20000
    name: ClassVar[str] = "lbfgsb"

    def solve(self, ev, z0, bounds=None, check: bool = True) -> OptResult:
        z0, pairs = lbfgsb_bounds(z0, bounds)
        return lbfgsb(ev, z0, self.maxiter, self.ftol, pairs, check)


@dataclass(frozen=True)
class Hybrid(_SecondOrder):
    """L-BFGS-B to a loose tolerance (``lbfgsb_ftol``, at most ``lbfgsb_maxiter``
    iterations) through the nonconvex region, then ``finish`` ("newton" or "tr", at most
    ``maxiter`` steps) to finish and verify the minimum (``hybrid``)."""
    lbfgsb_ftol: float = 1e-7
    lbfgsb_maxiter: int = 20000
    finish: str = "newton"
    name: ClassVar[str] = "hybrid"

    def __post_init__(self):
        super().__post_init__()
        if self.finish not in ("newton", "tr"):
            raise ValueError(f"hybrid finish must be 'newton' or 'tr', got {self.finish!r}")

    def solve(self, ev, z0, bounds=None, check: bool = True) -> OptResult:
        polish = (TrustRegion if self.finish == "tr" else Newton)(self.maxiter, self.ftol,
                                                                   self.xtol)
        return hybrid(ev, z0, lambda e, z, b: polish.solve(e, z, b), self.ftol,
                      self.lbfgsb_ftol, self.lbfgsb_maxiter, bounds)


_BY_NAME = {m.name: m for m in (Newton, LevenbergMarquardt, LBFGSB, TrustRegion, Hybrid)}
METHODS = tuple(_BY_NAME)


def _method(ev, method, given: dict) -> _Method:
    """The option object of ``method`` (a name, an option object, or None: Newton where
    the evaluator has exact second derivatives, else Levenberg-Marquardt)."""
    given = {k: v for k, v in given.items() if v is not None}
    if isinstance(method, _Method):
        if given:
            raise ValueError(f"give {sorted(given)} on the method object {method!r}, "
                             "not as keywords as well")
        return method
    if method is None:
        method = "newton" if getattr(ev, "has_hessian", False) else "lm"
    if not isinstance(method, str) or method not in _BY_NAME:
        raise ValueError(f"method must be one of {METHODS} or a method object "
                         f"(e.g. Newton(maxiter=40)), got {method!r}")
    cls = _BY_NAME[method]
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in given.items() if k in names})


def minimize(ev, z0, *, method=None, maxiter: int | None = None, ftol: float | None = None,
             xtol: float | None = None, bounds=None, check: bool = True) -> OptResult:
    """Minimise the evaluator ``ev`` (an action at one R_f, from ``problem.evaluator(Rf)``)
    from the packed vector ``z0``.

    ``method``: a name of ``METHODS`` or an option object (:class:`Newton`, ...); default
    'newton' when ``ev.has_hessian``, else 'lm' (a Problem's default).  ``maxiter``,
    ``ftol``, ``xtol``: with a name, the method's options (None: its default).
    ``bounds``: (low, high) arrays over z (default: the evaluator's own ``bounds``).
    ``check=False`` skips the final point's check for 'lm' and 'lbfgsb' (one exact Hessian
    and Cholesky; Newton's is free): ``pos_def`` is then None and ``status`` the
    optimiser's own."""
    if not isinstance(ev, Evaluator):
        raise TypeError(f"ev must be an evaluator (dalearn.optimize.Evaluator: terms, value, "
                        f"value_grad, gauss_newton, hessian, ...), got {type(ev).__name__}")
    opts = _method(ev, method, {"maxiter": maxiter, "ftol": ftol, "xtol": xtol})
    if bounds is None:
        bounds = getattr(ev, "bounds", None)
    return opts.solve(ev, z0, bounds, check)


def minimize_lm(ev, z0, maxiter: int = 200, ftol: float = 1e-8,
                xtol: float = 1e-10, bounds=None, check: bool = True) -> OptResult:
    """Levenberg-Marquardt on the Gauss-Newton matrix (any evaluator with ``terms`` and
    ``gauss_newton``); ``bounds`` (low, high) over z are kept by projected steps."""
    return LevenbergMarquardt(maxiter, ftol, xtol).solve(ev, z0, bounds, check)


def minimize_lbfgsb(ev, z0, maxiter: int, ftol: float, bounds=None,
                    check: bool = True) -> OptResult:
    """L-BFGS-B on any evaluator with ``value``, ``value_grad`` and ``terms``; ``bounds``
    as L-BFGS-B's (low, high) pairs (None: none)."""
    return lbfgsb(ev, z0, maxiter, ftol, bounds, check)
