"""Minimisers of the action: second-order methods over the block-banded Hessian, L-BFGS-B.

- :func:`minimize` with ``METHODS`` and the status codes ``STATUS``; :class:`OptResult`
- :class:`BandedSolver`: the banded Cholesky (with a border for parameters) the
  second-order methods share
"""
from ._banded import BandedSolver, block_band
from ._methods import METHODS, STATUS, OptResult, minimize, minimize_lbfgsb, minimize_lm

__all__ = ["minimize", "METHODS", "STATUS", "OptResult", "minimize_lm", "minimize_lbfgsb",
           "BandedSolver", "block_band"]
