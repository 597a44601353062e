"""Exercises of the course: ``ex = exercise("02.3")``, then ``ex.check(answer)``,
``ex.hint()`` and ``ex.solution()``.

An exercise's checker compares the learner's answer with a value computed by dalearn (seeded,
cached) and, for a typical wrong answer, says what went wrong.  ``...`` (the placeholder in
the notebooks' answer cells) is "not answered yet", never an error.
"""
from __future__ import annotations

import copy

from ._exercise import Check, Exercise, Shown
from ._bank import BANK

__all__ = ["exercise", "exercises", "Exercise", "Check", "Shown"]


def exercise(exercise_id: str, *, solutions: bool = True) -> Exercise:
    """The exercise ``exercise_id`` ("NN.k": notebook NN, k-th exercise).

    ``solutions=False`` (learner copies made by ``python -m dalearn course``): a learner-mode
    copy that carries no answer key -- no ``answer`` (``correct_answer()`` says the instructor
    holds it), no list of typical wrong answers, no worked solution text -- and whose
    ``solution()`` says the instructor holds the worked solution.  It still checks answers."""
    if not isinstance(exercise_id, str) or exercise_id not in BANK:
        known = ", ".join(BANK)
        raise ValueError(f"exercise_id must be one of {known}; got {exercise_id!r}")
    if not isinstance(solutions, bool):
        raise TypeError(f"solutions must be True or False, got {solutions!r}")
    # a fresh copy each call: attributes a learner changes do not carry over
    ex = copy.copy(BANK[exercise_id])
    return ex if solutions else _learner_mode(ex)


class _HeldBack:
    """A learner-mode exercise's ``answer``: calling it says who holds the answer."""

    def __init__(self, exercise_id: str):
        self.exercise_id = exercise_id

    def __call__(self):
        raise PermissionError(f"exercise {self.exercise_id}: this is a learner copy; your "
                              "instructor holds the answer (check yours with ex.check)")

    def __repr__(self) -> str:
        return "<held by the instructor>"


def _learner_mode(ex: Exercise) -> Exercise:
    # a shallow copy, its answer key replaced (not re-validated: a learner copy has none)
    # (object.__setattr__: works whether or not Exercise is a frozen dataclass)
    lx = copy.copy(ex)
    for name, value in (("show_solution", False), ("answer", _HeldBack(ex.id)), ("wrong", ()),
                        ("solution_text", "Held by your instructor.")):
        object.__setattr__(lx, name, value)
    return lx


def exercises(notebook: str | None = None) -> list[Exercise]:
    """All exercises, or those of ``notebook`` ("02"), in course order."""
    if notebook is not None and notebook not in {e.notebook for e in BANK.values()}:
        have = sorted({e.notebook for e in BANK.values()})
        raise ValueError(f"notebook must be one of {have}, got {notebook!r}")
    return [e for e in BANK.values() if notebook is None or e.notebook == notebook]
