"""Grade a class's returned learner copies: ``python -m dalearn course --grade DIR``.

``DIR`` holds one folder per learner (its name is the learner's), each with the notebooks
the learner returned (``NN_*.ipynb``, learner copies from ``python -m dalearn course``).  An
exercise's answer is read from its answer cell (the cell that calls ``exercise("NN.k")``):
the value the learner assigned to ``answer`` there, a number or a text, which may be written
as arithmetic (``answer = 3 / 4``).  It is checked by the instructor's own copy of the
exercise (computed references, the same messages the learner saw).  Nothing a learner wrote
is executed, and stored outputs are ignored (they could be typed in).

Each (learner, exercise) gets one row: ``status`` is

- ``correct`` / ``incorrect`` / ``unanswered`` (the exercise's own verdict);
- ``computed``: the answer is code (``answer = r.levels()[0]``), not a value: run the
  notebook, or ask the learner for the number (no point given);
- ``missing``: the notebook, or the exercise's answer cell in it, is not there;
- ``malformed``: the notebook is not a readable notebook (not JSON, not nbformat 4).
"""
from __future__ import annotations

import ast
import csv
import io
import json
import operator
import re
from pathlib import Path

from .._io import atomic_write, check_output_path
from ._exercises import exercises

__all__ = ["COLUMNS", "answer_in_cell", "grade_folder", "grade_notebook", "write_grades"]

COLUMNS = ("learner", "exercise", "status", "points", "answer", "message")
_CALL = re.compile(r'exercise\(\s*["\'](\d\d\.\d+)["\']')
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.Pow: operator.pow}


class _NotAValue(Exception):
    pass


def _value(node):
    """The value of a constant expression (numbers, text, ``...``, + - * / ** of numbers)."""
    if isinstance(node, ast.Constant):
        v = node.value
        if v is Ellipsis or (isinstance(v, (int, float, str)) and not isinstance(v, bool)):
            return v
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _value(node.operand)
        if isinstance(v, (int, float)):
            return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        a, b = _value(node.left), _value(node.right)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            if isinstance(node.op, ast.Pow) and abs(b) > 64:
                raise _NotAValue("an exponent above 64")
            try:
                return _OPS[type(node.op)](a, b)
            except (ZeroDivisionError, OverflowError) as e:
                raise _NotAValue(str(e)) from None
    raise _NotAValue(ast.unparse(node) if hasattr(ast, "unparse") else "code")


def answer_in_cell(source: str):
    """``("value", v)`` for the last top-level ``answer = <constant expression>`` in the
    cell's source; ``("code", text)`` if ``answer`` is computed; ``("missing", "")`` if the
    cell assigns no answer or does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        return "code", f"the cell does not parse ({e.msg}, line {e.lineno})"
    found = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "answer"
                                                for t in node.targets):
            found = node.value
    if found is None:
        return "missing", ""
    try:
        return "value", _value(found)
    except _NotAValue:
        return "code", ast.unparse(found)


def _answer_cells(nb: dict) -> dict:
    """{exercise id: source of its answer cell} of a notebook (the last one per id)."""
    cells = {}
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        m = _CALL.search(src)
        if m and "answer" in src:
            cells[m.group(1)] = src
    return cells


def _read_notebook(path: Path) -> dict:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"not a readable notebook ({type(e).__name__}: {e})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) \
            or nb.get("nbformat") != 4:
        raise ValueError("not an nbformat-4 notebook (no 'cells' list)")
    return nb


def grade_notebook(path, learner: str, notebook: str) -> list:
    """Rows (dicts with :data:`COLUMNS`) for every exercise of ``notebook`` ("02") in the
    returned notebook at ``path`` (None: not returned)."""
    rows = []
    exs = exercises(notebook)
    if path is None:
        return [dict(learner=learner, exercise=e.id, status="missing", points=0, answer="",
                     message=f"notebook {notebook} not returned") for e in exs]
    try:
        nb = _read_notebook(Path(path))
    except ValueError as e:
        return [dict(learner=learner, exercise=x.id, status="malformed", points=0, answer="",
                     message=f"{Path(path).name}: {e}") for x in exs]
    cells = _answer_cells(nb)
    for ex in exs:
        row = dict(learner=learner, exercise=ex.id, points=0, answer="")
        if ex.id not in cells:
            rows.append({**row, "status": "missing",
                         "message": f"no answer cell for exercise {ex.id} in {Path(path).name}"})
            continue
        kind, value = answer_in_cell(cells[ex.id])
        if kind == "missing":
            rows.append({**row, "status": "missing",
                         "message": "the answer cell assigns no `answer`"})
        elif kind == "code":
            rows.append({**row, "status": "computed", "answer": value,
                         "message": "the answer is code, not a value: run the notebook or "
                                    "ask for the number"})
        else:
            check = ex.check(value)
            rows.append({**row, "status": check.status, "points": int(check.passed),
                         "answer": "" if value is Ellipsis else repr(value),
                         "message": check.message})
    return rows


def grade_folder(folder) -> list:
    """Rows for every learner (sub-folder of ``folder``, in name order) and every exercise
    of the course, in course order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"grade: DIR must be a folder of learner folders, got {str(folder)!r}")
    learners = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not learners:
        raise ValueError(f"grade: no learner folders in {str(folder)!r} (one folder per "
                         "learner, holding the returned NN_*.ipynb notebooks)")
    notebooks = sorted({e.notebook for e in exercises()})
    rows = []
    for learner in learners:
        returned = {p.name[:2]: p for p in learner.glob("[0-9][0-9]_*.ipynb")}
        for nb in notebooks:
            rows += grade_notebook(returned.get(nb), learner.name, nb)
    return rows


def write_grades(rows: list, path) -> Path:
    """Write ``rows`` as CSV (header :data:`COLUMNS`) to ``path``, atomically."""
    path = check_output_path("out", path)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    text = buf.getvalue()
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))
    return path
