"""Exercises of the course: ``ex = exercise("02.3")``, then ``ex.check(answer)``,
``ex.hint()`` and ``ex.solution()``.

An exercise's checker compares the learner's answer with a value computed by dalearn (seeded,
cached) and, for a typical wrong answer, says what went wrong.  ``...`` (the placeholder in
the notebooks' answer cells) is "not answered yet", never an error.
"""
from __future__ import annotations

from dataclasses import replace

from ._exercise import Check, Exercise, Shown
from ._bank import BANK

__all__ = ["exercise", "exercises", "Exercise", "Check", "Shown"]


def exercise(exercise_id: str, *, solutions: bool = True) -> Exercise:
    """The exercise ``exercise_id`` ("NN.k": notebook NN, k-th exercise).

    ``solutions=False`` (learner copies made by ``python -m dalearn course``): its
    ``solution()`` says the instructor holds the worked solution."""
    if not isinstance(exercise_id, str) or exercise_id not in BANK:
        known = ", ".join(BANK)
        raise ValueError(f"exercise_id must be one of {known}; got {exercise_id!r}")
    if not isinstance(solutions, bool):
        raise TypeError(f"solutions must be True or False, got {solutions!r}")
    # a fresh copy each call: hints shown and attributes changed do not carry over
    return replace(BANK[exercise_id], show_solution=solutions, _shown=0)


def exercises(notebook: str | None = None) -> list[Exercise]:
    """All exercises, or those of ``notebook`` ("02"), in course order."""
    if notebook is not None and notebook not in {e.notebook for e in BANK.values()}:
        have = sorted({e.notebook for e in BANK.values()})
        raise ValueError(f"notebook must be one of {have}, got {notebook!r}")
    return [e for e in BANK.values() if notebook is None or e.notebook == notebook]
