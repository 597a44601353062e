"""Learner copies of the course for an instructor: the notebooks without their solution
cells, and an answer key that keeps what was taken out, outside the learners' folder.

A solution cell is a notebook cell tagged ``solution`` (``ex.solution()`` under each
exercise).  ``student_copy("notebooks", "out")`` writes ``out/NN_*.ipynb`` without those
cells and without outputs, their exercises made in learner mode (``solutions=False``: no
answer, no wrong-answer list, no worked solution on the object), and the instructor's
``answers.md`` (every exercise's question, correct answer computed by dalearn, and worked
solution) to ``answers`` -- by default ``out-instructor/answers.md`` beside ``out``, never
inside it.  Grading a class's returned copies: :func:`dalearn.course.grade_folder`.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .._io import atomic_write, check_output_path
from ._exercises import exercises

__all__ = ["SOLUTION_TAG", "course_notebooks", "instructor_path", "student_copy",
           "strip_solutions"]

SOLUTION_TAG = "solution"
#: the course's sentence about solutions, and what a learner copy says instead
SOLUTION_SENTENCE = "`ex.solution()` opens the worked solution."
HELD_BACK = "Your instructor holds the worked solutions."


def _rewrite(source, pattern: str, replacement: str):
    """Apply a regex substitution to a cell's source (a string or a list of lines)."""
    text = "".join(source) if isinstance(source, list) else source
    new = re.sub(pattern, replacement, text)
    return new.splitlines(keepends=True) if isinstance(source, list) else new


def strip_solutions(nb: dict) -> tuple[dict, int]:
    """A copy of the notebook (nbformat 4 JSON as a dict) without cells tagged ``solution``
    and without outputs, its exercises made with ``solutions=False`` (their
    ``ex.solution()`` then points to the instructor); returns (notebook, cells removed)."""
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("nb must be a notebook: a dict with a 'cells' list")
    cells, removed = [], 0
    for cell in nb["cells"]:
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            removed += 1
            continue
        cell = dict(cell)
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
            # the learner's exercises hold their solutions back too
            cell["source"] = _rewrite(cell.get("source", ""), r'exercise\("(\d\d\.\d+)"\)',
                                      r'exercise("\1", solutions=False)')
        elif cell.get("cell_type") == "markdown":
            cell["source"] = _rewrite(cell.get("source", ""), re.escape(SOLUTION_SENTENCE),
                                      HELD_BACK)
        cells.append(cell)
    return {**nb, "cells": cells}, removed


def _answers_markdown(compute: bool) -> str:
    lines = ["# Answers to the exercises (instructor's copy)", ""]
    for ex in exercises():
        lines += [f"## {ex.id} {ex.title}", "", ex.question.strip(), ""]
        if compute:
            answer = ex.answer() if callable(ex.answer) else ex.answer
            lines += [f"**Answer:** `{answer:.6g}`" if isinstance(answer, float)
                      else f"**Answer:** `{answer}`", ""]
        lines += ["**Solution.**", "", ex.solution_text.strip(), ""]
    return "\n".join(lines)


def course_notebooks() -> Path:
    """The course's notebooks folder: ``notebooks/`` beside the package (a source checkout),
    else ``./notebooks``."""
    here = Path(__file__).resolve().parent.parent / "notebooks"
    return here if here.is_dir() else Path("notebooks")


def instructor_path(out) -> Path:
    """Where the answer key goes by default: ``<out>-instructor/answers.md`` beside ``out``."""
    out = Path(out)
    return out.parent / f"{out.name}-instructor" / "answers.md"


def student_copy(notebooks, out, *, answers=None, compute_answers: bool = True) -> dict:
    """Write learner copies of every ``NN_*.ipynb`` in ``notebooks`` to the directory ``out``
    (created; existing files of the same names are replaced) and the answer key to
    ``answers`` (default :func:`instructor_path`; refused inside ``out``).

    ``compute_answers``: put each exercise's computed answer in the answer key (runs every
    exercise's reference computation).  Returns {"notebooks": [names], "removed": {name: n cells},
    "answers": path}."""
    src = course_notebooks() if notebooks is None else Path(notebooks)
    if not src.is_dir():
        raise ValueError(f"notebooks must be a directory holding the course's NN_*.ipynb "
                         f"files; {str(src)!r} is not a directory")
    paths = sorted(src.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise ValueError(f"notebooks: no NN_*.ipynb files in {str(src)!r}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out must be a directory; {str(out)!r} is a file")
    key = instructor_path(out) if answers is None else Path(answers)
    if key.resolve().is_relative_to(out.resolve()):
        raise ValueError(f"answers must be outside the learners' folder {str(out)!r}; "
                         f"got {str(key)!r}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ValueError(f"out: cannot create directory {str(out)!r} ({e.strerror})") from None
    try:
        key.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ValueError(f"answers: cannot create {str(key.parent)!r} ({e.strerror})") from None
    check_output_path("answers", key)
    removed = {}
    for p in paths:
        try:
            nb = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise ValueError(f"{p}: not a readable notebook ({e})") from None
        copy, removed[p.name] = strip_solutions(nb)
        text = json.dumps(copy, indent=1, ensure_ascii=False) + "\n"
        atomic_write(out / p.name, lambda f, t=text: f.write(t.encode("utf-8")))
    text = _answers_markdown(compute_answers)
    atomic_write(key, lambda f: f.write(text.encode("utf-8")))
    return {"notebooks": [p.name for p in paths], "removed": removed, "answers": str(key)}
