"""The exercise machinery: an :class:`Exercise`, the :class:`Check` it returns, and the
:class:`Shown` text of a hint or a solution.

Everything here is plain Python (no IPython, no ipywidgets): a notebook shows the objects
through their ``_repr_html_`` (a collapsible ``<details>`` block, readable in a static render
too), a terminal through their plain ``repr``.  The exercises themselves are data in
:mod:`dalearn._exercise_bank`; the front door is :func:`dalearn.exercise`.
"""
from __future__ import annotations

import html
import numbers
import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["Exercise", "Check", "Shown", "Hints", "Wrong", "is_placeholder", "as_number",
           "as_choice",
           "KINDS"]

#: what kind of task an exercise is (shown in its title)
KINDS = {"predict": "predict, then check", "compute": "compute with dalearn",
         "choice": "change one setting and explain", "investigate": "investigate"}


class Wrong(Exception):
    """Raised inside a checker: the answer is wrong (or malformed); the text says why."""


def is_placeholder(answer) -> bool:
    """``...`` (Ellipsis), ``None`` or an empty string: the learner has not answered yet."""
    return answer is Ellipsis or answer is None or (isinstance(answer, str) and not answer.strip())


def as_number(answer, what: str = "a number") -> float:
    """The learner's answer as a finite float, or :class:`Wrong` naming what was expected."""
    if isinstance(answer, (bool, np.bool_)):
        raise Wrong(f"Expected {what}, got the boolean {answer!r}.")
    if isinstance(answer, np.ndarray) and answer.size == 1:
        answer = answer.reshape(()).item()
    if isinstance(answer, str):
        try:
            answer = float(answer)
        except ValueError:
            raise Wrong(f"Expected {what}, got the text {answer!r}.") from None
    if not isinstance(answer, numbers.Real):
        raise Wrong(f"Expected {what}, got {type(answer).__name__} {_safe_repr(answer)}.")
    try:
        value = float(answer)
    except OverflowError:
        raise Wrong(f"Expected {what}, got a number too large for a float "
                    f"({_safe_repr(answer, 20)}).") from None
    if not np.isfinite(value):
        raise Wrong(f"Expected {what}, got {value}.")
    return value


def _safe_repr(obj, width: int = 60) -> str:
    """``repr(obj)`` cut to ``width`` characters, or its type where repr fails."""
    try:
        text = repr(obj)
    except Exception:      # noqa: BLE001 - a learner's object may raise anything
        return f"<{type(obj).__name__} object>"
    return text if len(text) <= width else text[:width - 3] + "..."


def as_choice(answer, options) -> str:
    """The learner's choice as one lower-case letter of ``options``, or :class:`Wrong`."""
    letters = ", ".join(f'"{k}"' for k in options)
    if not isinstance(answer, str) or answer.strip().lower().strip("()") not in options:
        raise Wrong(f"Answer with one letter in quotes: one of {letters}; got "
                    f"{_safe_repr(answer)}.")
    return answer.strip().lower().strip("()")


_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def to_html(text: str) -> str:
    """The small Markdown the exercise texts use (paragraphs, ``- `` lists, ```` ``` ````
    code blocks, `code` and **bold**) as HTML, everything else escaped."""
    out, para, items, code = [], [], [], None

    def inline(s):
        s = html.escape(s, quote=False)
        return _BOLD.sub(r"<b>\1</b>", _CODE.sub(r"<code>\1</code>", s))

    def flush():
        if para:
            out.append("<p>" + inline(" ".join(para)) + "</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.strip("\n").splitlines():
        if line.strip().startswith("```"):
            if code is None:
                flush()
                code = []
            else:
                out.append("<pre>" + html.escape("\n".join(code), quote=False) + "</pre>")
                code = None
        elif code is not None:
            code.append(line)
        elif not line.strip():
            flush()
        elif line.lstrip().startswith("- "):
            if para:
                flush()
            items.append(line.lstrip()[2:])
        elif items and line.startswith("  "):
            items[-1] += " " + line.strip()
        else:
            if items:
                flush()
            para.append(line.strip())
    flush()
    return "\n".join(out)


def _plain(text: str) -> str:
    return text.strip("\n").replace("```\n", "").replace("\n```", "")


#: the "(click to open)" of a folded block disappears once it is open
_FOLD_CSS = ("<style>details.dalearn-exercise[open] > summary .dalearn-fold "
             "{display:none}</style>")


class _Printed:
    """Shown as its text (``__str__``) wherever a notebook shows no HTML."""

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True, repr=False)
class Shown(_Printed):
    """A hint or a solution: collapsible HTML in a notebook, plain text elsewhere."""
    title: str
    text: str
    open: bool = True

    def _repr_html_(self) -> str:
        opened = " open" if self.open else ""
        fold = "" if self.open else ' <span class="dalearn-fold">(click to open)</span>'
        return (f'{_FOLD_CSS}<details{opened} class="dalearn-exercise">'
                f"<summary><b>{html.escape(self.title)}</b>{fold}</summary>"
                f'<div style="margin-left:1.5em">{to_html(self.text)}</div></details>')

    def __str__(self) -> str:
        return f"{self.title}\n{_plain(self.text)}"



@dataclass(frozen=True)
class Hints:
    """Every hint of an exercise, folded, each inside the one before: nothing is shown
    until the learner opens hint 1, and hint 2 appears only inside hint 1.  Running the
    cell (Run All) reveals nothing and uses nothing up.  Plain text (a terminal, where
    asking is running the line) gives hint 1 and says how to get the next."""
    exercise_id: str
    hints: tuple

    def _repr_html_(self) -> str:
        n, inner = len(self.hints), ""
        for i in range(n, 0, -1):
            last = " (the last one)" if i == n and n > 1 else ""
            inner = (f'<details class="dalearn-exercise dalearn-hint"><summary><b>Hint {i} '
                     f'of {n}{last}</b> <span class="dalearn-fold">(click to open)</span>'
                     f'</summary><div style="margin-left:1.5em">{to_html(self.hints[i - 1])}'
                     f"{inner}</div></details>")
        return _FOLD_CSS + inner

    def __str__(self) -> str:
        n = len(self.hints)
        more = f"\n(ex.hint(2) for the next of {n})" if n > 1 else ""
        return f"Hint 1 of {n}\n{_plain(self.hints[0])}{more}"

    __repr__ = __str__


@dataclass(frozen=True, repr=False)
class Check(_Printed):
    """The outcome of :meth:`Exercise.check`: ``status`` is "correct", "incorrect" or
    "unanswered"; ``message`` says why.  True only when correct, so ``assert ex.check(a)``
    states that ``a`` is right."""
    exercise_id: str
    status: str
    message: str

    @property
    def passed(self) -> bool:
        return self.status == "correct"

    def __bool__(self) -> bool:
        return self.passed

    _LOOK = {"correct": ("✓ Correct", "#1b7e2b", "#e9f6ec"),
             "incorrect": ("✗ Not yet", "#b3261e", "#fbeaea"),
             "unanswered": ("… Not answered yet", "#555555", "#f2f2f2")}

    def _repr_html_(self) -> str:
        head, colour, bg = self._LOOK[self.status]
        return (f'<div class="dalearn-check" style="border-left:4px solid {colour};'
                f'background:{bg};padding:0.4em 0.8em"><b style="color:{colour}">{head}'
                f" ({html.escape(self.exercise_id)}).</b> {to_html(self.message)}</div>")

    def __str__(self) -> str:
        return f"{self._LOOK[self.status][0]} ({self.exercise_id}). {self.message}"


@dataclass
class Exercise:
    """One exercise of the course.

    ``checker(answer)`` returns ``None`` (or a short text) when the answer is right and raises
    :class:`Wrong` with a specific, helpful message when it is not.  ``answer`` is a correct
    answer (or a function computing it), ``wrong`` typical wrong answers, each with a fragment
    of the message it must produce: the tests run both.  Hints are revealed in order by
    :meth:`hint`; :meth:`solution` gives the worked solution.
    """
    id: str
    kind: str
    title: str
    question: str
    checker: Callable[[Any], Any]
    hints: tuple
    solution_text: str
    answer: Any
    wrong: tuple = ()
    show_solution: bool = True

    def __post_init__(self):
        if not re.fullmatch(r"\d\d\.\d+", self.id):
            raise ValueError(f"exercise id must look like '02.3', got {self.id!r}")
        if self.kind not in KINDS:
            raise ValueError(f"exercise kind must be one of {sorted(KINDS)}, got {self.kind!r}")
        # the contract every exercise meets, checked when it is defined: something to
        # reveal, something to compare with, and a typical wrong answer the tests can try
        for name in ("title", "question", "solution_text"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ValueError(f"exercise {self.id}: {name} must be non-empty text")
        if not self.hints or not all(isinstance(h, str) and h.strip() for h in self.hints):
            raise ValueError(f"exercise {self.id}: needs at least one hint, each non-empty text")
        if self.answer is None or is_placeholder(self.answer):
            raise ValueError(f"exercise {self.id}: needs a correct answer (or a function)")
        if not self.wrong or not all(len(w) == 2 and isinstance(w[1], str) and w[1]
                                     for w in self.wrong):
            raise ValueError(f"exercise {self.id}: wrong must hold (answer, message fragment) "
                             "pairs, at least one")

    @property
    def notebook(self) -> str:
        """The two-digit number of the notebook it belongs to."""
        return self.id.split(".")[0]

    def correct_answer(self):
        """The stored correct answer (computed with dalearn where it is a number)."""
        return self.answer() if callable(self.answer) else self.answer

    def check(self, answer) -> Check:
        """Check ``answer``: a :class:`Check` (placeholders ``...``/None are "unanswered")."""
        if is_placeholder(answer):
            return Check(self.id, "unanswered",
                         "Replace `...` with your answer and run the cell again "
                         "(`ex.hint()` gives a hint).")
        try:
            note = self.checker(answer)
        except Wrong as w:
            return Check(self.id, "incorrect", str(w))
        except Exception as e:      # noqa: BLE001 - an answer the checker cannot read
            return Check(self.id, "incorrect", f"This answer could not be read "
                         f"({type(e).__name__}: {str(e)[:80]}); see the question for the "
                         f"kind of answer expected.")
        return Check(self.id, "correct", note or "Well done.")

    def hint(self, n: int | None = None) -> Hints | Shown:
        """Without ``n``: every hint folded, each inside the one before (a notebook shows
        nothing until the learner clicks; running the cell uses no hint up).  With ``n``
        (counted from 1): hint ``n``, open."""
        if not self.hints:
            raise ValueError(f"exercise {self.id} has no hints")
        if n is None:
            return Hints(self.id, tuple(self.hints))
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) \
                or not 1 <= n <= len(self.hints):
            raise ValueError(f"n must be an integer in 1..{len(self.hints)}, got {n!r}")
        more = "" if n < len(self.hints) else " (the last one)"
        return Shown(f"Hint {n} of {len(self.hints)}{more}", self.hints[n - 1], open=True)

    def solution(self) -> Shown:
        """The worked solution, folded (click to open) in a notebook."""
        if not self.show_solution:
            return Shown(f"Solution to exercise {self.id}", "This copy of the course holds "
                         "the solutions back: ask your instructor, or compare with the "
                         "hints (`ex.hint()`).", open=True)
        return Shown(f"Solution to exercise {self.id}", self.solution_text, open=False)

    def _heading(self) -> str:
        return f"Exercise {self.id} ({KINDS[self.kind]}): {self.title}"

    def _repr_html_(self) -> str:
        return (f'<div class="dalearn-exercise" style="border:1px solid #9bb;padding:0.5em 1em;'
                f'border-radius:4px"><b>{html.escape(self._heading())}</b>'
                f"{to_html(self.question)}</div>")

    def __str__(self) -> str:
        return f"{self._heading()}\n{_plain(self.question)}"

    def __repr__(self) -> str:
        return f"<Exercise {self.id}: {self.title}>"
