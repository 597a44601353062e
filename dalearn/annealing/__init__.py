"""Precision annealing: R_f = R_f0 α^β, warm starts, many initial paths, and its result.

- :func:`anneal` over any :class:`Annealable` problem (a DA :class:`~dalearn.Problem` or a
  network), with an ``executor`` for many starts
- :class:`AnnealResult`: actions, terms and paths per (β, start), saved to ``.npz`` without
  pickle
- :func:`lowest_level`: how many starts reached the lowest level, p with its interval, and
  how many starts a 99 % chance needs
"""
from ._anneal import (AnnealInterrupted, Annealable, anneal, bytes_needed, check_schedule,
                      rf_schedule)
from ._result import AnnealResult
from ._success import LowestLevel, binomial_interval, lowest_level, starts_needed

__all__ = ["anneal", "AnnealInterrupted", "Annealable", "AnnealResult", "rf_schedule",
           "check_schedule", "bytes_needed", "LowestLevel", "lowest_level",
           "binomial_interval", "starts_needed"]
