"""Every exercise of the course, run with its correct answer (must pass) and its typical
wrong answers (must fail with their specific message); the contract an exercise must meet;
and the learner-facing behaviour (placeholders, malformed answers, hints in order)."""
import numpy as np
import pytest

import dalearn as da
from dalearn.course import Exercise, Wrong
from dalearn.course import exercises

ALL = [e.id for e in exercises()]


def _value(v):
    return v() if callable(v) else v


def test_every_notebook_has_two_to_four_exercises():
    per = {}
    for e in exercises():
        per.setdefault(e.notebook, []).append(e.id)
    assert set(per) >= {"01", "02", "03", "04", "05"}
    assert all(2 <= len(ids) <= 4 for ids in per.values()), per


@pytest.mark.parametrize("eid", ALL)
def test_the_correct_answer_passes(eid):
    ex = da.exercise(eid)
    check = ex.check(_value(ex.answer))
    assert check.passed and check.status == "correct", str(check)


@pytest.mark.parametrize("eid", [e.id for e in exercises() if e.kind == "choice"])
def test_a_right_choice_is_told_why_it_is_right_not_its_option_again(eid):
    import re
    ex = da.exercise(eid)
    option = re.search(rf"^- \({ex.answer}\) (.+)$", ex.question, re.M).group(1)
    said = str(ex.check(ex.answer))
    assert option[:40] not in said and len(said) > len(f"Yes, ({ex.answer}).") + 40, said


@pytest.mark.parametrize("eid", ALL)
def test_each_typical_wrong_answer_fails_with_its_specific_message(eid):
    ex = da.exercise(eid)
    right = _value(ex.answer)
    for wrong, fragment in ex.wrong:
        answer = _value(wrong)
        assert answer != right
        check = ex.check(answer)
        assert not check and check.status == "incorrect"
        assert fragment in check.message, (answer, check.message)


@pytest.mark.impl
@pytest.mark.parametrize("eid", ALL)
def test_placeholder_is_not_answered_and_hints_and_solution_are_there(eid):
    ex = da.exercise(eid)
    for placeholder in (..., None, "  "):
        check = ex.check(placeholder)
        assert check.status == "unanswered" and "Replace `...`" in check.message
    shown = [ex.hint(n) for n in range(1, len(ex.hints) + 1)]
    assert [s.text for s in shown] == list(ex.hints)
    assert "<details open" in shown[0]._repr_html_()
    # without n: all hints folded, each inside the previous one; asking twice (Run All,
    # then the learner) gives the same thing: no hint is used up by running the cell
    folded = ex.hint()._repr_html_()
    assert folded == ex.hint()._repr_html_() and "<details open" not in folded
    assert folded.count("<details") == len(ex.hints)
    positions = [folded.index(f"Hint {i} of {len(ex.hints)}") for i in
                 range(1, len(ex.hints) + 1)]
    assert positions == sorted(positions)
    assert str(ex.hint()).startswith(f"Hint 1 of {len(ex.hints)}")
    if len(ex.hints) > 1:
        assert "the last one" in folded
    # a single hint must not be the answer's code (a learner opens it before trying)
    if len(ex.hints) == 1:
        assert "answer =" not in ex.hints[0]
    sol = ex.solution()
    assert sol.text.strip() and "<details" in sol._repr_html_()
    assert ex._repr_html_().count(ex.id) == 1


def test_malformed_answers_get_a_message_not_an_exception():
    num, choice, count = da.exercise("01.1"), da.exercise("01.3"), da.exercise("02.1")
    assert "Expected a number, got the text 'abc'" in num.check("abc").message
    assert "boolean" in num.check(True).message
    assert "got nan" in num.check(float("nan")).message
    assert "one of \"a\", \"b\", \"c\", \"d\"" in choice.check("z").message
    assert choice.check(" (B) ").passed                    # forgiving about case and brackets
    assert "whole number" in count.check(2.5).message
    assert num.check(np.array([_value(num.answer)])).passed    # a one-element array is fine


def test_a_wrong_number_far_from_every_mistake_gets_the_generic_direction():
    ex = da.exercise("01.1")
    assert "too high" in ex.check(100.0).message and "ex.hint()" in ex.check(100.0).message
    assert "too low" in ex.check(-5.0).message


def test_unknown_exercise_names_the_known_ones():
    with pytest.raises(ValueError, match=r"exercise_id must be one of 00\.1, 00\.2, 01\.1"):
        da.exercise("09.9")
    with pytest.raises(ValueError, match="notebook must be one of"):
        exercises("99")


def _ok(answer):
    return None


def test_the_contract_is_checked_when_an_exercise_is_defined():
    good = dict(id="01.9", kind="compute", title="t", question="q?", checker=_ok,
                hints=("h",), solution_text="s", answer=1.0, wrong=((2.0, "no"),))
    Exercise(**good)
    for change, match in ((dict(id="1.9"), "look like '02.3'"), (dict(kind="quiz"), "kind"),
                          (dict(hints=()), "at least one hint"),
                          (dict(solution_text=" "), "solution_text"),
                          (dict(answer=...), "correct answer"), (dict(wrong=()), "wrong must")):
        with pytest.raises(ValueError, match=match):
            Exercise(**{**good, **change})


def test_a_checker_that_raises_wrong_reports_it():
    def checker(a):
        raise Wrong("specific reason")
    ex = Exercise(id="01.9", kind="compute", title="t", question="q", checker=checker,
                  hints=("h",), solution_text="s", answer=1.0, wrong=((2.0, "specific"),))
    assert ex.check(1).message == "specific reason"


@pytest.mark.parametrize("eid, by_hand", [("01.1", 0.16 / 0.64), ("03.1", 1 - 230 / 400),
                                          ("03.3", 1 - 440 / 400), ("04.1", 2.0)])
def test_the_numbers_the_solutions_work_out_by_hand_agree_with_dalearn(eid, by_hand):
    # theory (σ²-scaling, counting fitted numbers, Euler's first order) against computation
    ex = da.exercise(eid)
    assert f"{by_hand:g}"[:4].rstrip("0").rstrip(".") in ex.solution_text.replace("−", "-")
    assert ex.check(by_hand).passed, str(ex.check(by_hand))


# ------------------------------------------------------------- the notebooks and copies
import json                                                      # noqa: E402
import os                                                        # noqa: E402
import subprocess                                                # noqa: E402
import sys                                                       # noqa: E402
from pathlib import Path                                         # noqa: E402

from dalearn.course import SOLUTION_TAG, strip_solutions, student_copy   # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _src(cell):
    return "".join(cell["source"])


def test_every_exercise_sits_in_its_notebook_once_with_question_answer_hint_and_solution():
    seen = {}
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        cells = _cells(path)
        for i, c in enumerate(cells):
            if c["cell_type"] == "markdown" and _src(c).startswith("### Exercise "):
                eid = _src(c).split()[2].rstrip(":")
                ex = da.exercise(eid)
                assert path.name.startswith(ex.notebook), (eid, path.name)
                # the question is the bank's, word for word
                assert _src(c) == f"### Exercise {ex.id}: {ex.title}\n\n{ex.question.strip()}"
                answer, hint, sol = (_src(x) for x in cells[i + 1:i + 4])
                assert f'exercise("{eid}")' in answer and "answer = ...   #" in answer
                assert "ex.check(answer)" in answer and hint.startswith("ex.hint()")
                assert sol == "ex.solution()"
                assert cells[i + 3]["metadata"].get("tags") == [SOLUTION_TAG]
                seen[eid] = seen.get(eid, 0) + 1
    assert seen == {e.id: 1 for e in exercises()}


def test_strip_solutions_removes_tagged_cells_and_outputs_and_rejects_non_notebooks():
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["solution"]}, "source": "x",
                     "outputs": [], "execution_count": None},
                    {"cell_type": "code", "metadata": {}, "source": "y",
                     "outputs": [{"output_type": "stream", "text": "secret"}],
                     "execution_count": 3}], "metadata": {}}
    copy, removed = strip_solutions(nb)
    assert removed == 1 and [c["source"] for c in copy["cells"]] == ["y"]
    assert copy["cells"][0]["outputs"] == [] and nb["cells"][1]["outputs"]   # input untouched
    with pytest.raises(ValueError, match="nb must be a notebook"):
        strip_solutions({"cells": "no"})


@pytest.mark.slow
def test_student_copy_has_no_solution_text_and_runs_in_a_fresh_kernel(tmp_path):
    out = tmp_path / "learners"
    r = subprocess.run([sys.executable, "-m", "dalearn", "course", "--student-copy", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert sorted(p.name for p in out.glob("*.ipynb")) == names
    solutions = [e.solution_text.strip() for e in exercises()]
    for name in names:
        text = (out / name).read_text()
        cells = json.loads(text)["cells"]
        assert not any(SOLUTION_TAG in c["metadata"].get("tags", []) for c in cells)
        assert not any(_src(c).strip() == "ex.solution()" for c in cells)
        assert "`ex.solution()` opens the worked solution" not in text
        assert all('solutions=False)' in _src(c) for c in cells if "exercise(\"" in _src(c))
        assert not any(s[:60] in _src(c) for c in cells for s in solutions)
        assert all(c.get("outputs", []) == [] for c in cells)
        assert f"{name}: " in r.stdout
    assert not (out / "answers.md").exists()   # the answer key stays with the instructor
    answers = (tmp_path / "learners-instructor" / "answers.md").read_text()
    for e in exercises():                      # the instructor keeps what was taken out
        assert f"## {e.id} {e.title}" in answers and e.solution_text.strip() in answers
    # a learner copy runs top to bottom, every check saying "not answered yet"
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(out / "01_data_assimilation.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    checks = [o for c in nb.cells if "ex.check(answer)" in c.source for o in c.outputs]
    assert len(checks) == len(exercises("01"))
    assert all("Not answered yet" in o["data"]["text/plain"] for o in checks)
    held = da.exercise("01.1", solutions=False).solution()
    assert "ask your instructor" in str(held) and da.exercise("01.1").solution_text not in str(held)
    with pytest.raises(TypeError, match="solutions must be True or False"):
        da.exercise("01.1", solutions="no")


def test_course_command_rejects_bad_folders_before_writing(tmp_path):
    bad = tmp_path / "a_file"
    bad.write_text("x")
    for args, message in ((["--student-copy", str(bad)], "is a file, not a folder"),
                          (["--student-copy", str(tmp_path / "o"), "--notebooks",
                            str(tmp_path / "none")], "--notebooks must be a directory")):
        r = subprocess.run([sys.executable, "-m", "dalearn", "course", *args],
                           capture_output=True, text=True, env={**os.environ})
        assert r.returncode == 2 and message in r.stderr, r.stderr
    assert not (tmp_path / "o").exists()


def test_every_section_opens_with_the_question_it_answers():
    framing = ("## Exercises", "## More to try", "## What we found", "## What you need")
    missing = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for c in _cells(path):
            lines = _src(c).split("\n") if c["cell_type"] == "markdown" else []
            for i, line in enumerate(lines):
                if line.startswith("## ") and not line.startswith(framing):
                    after = [x for x in lines[i + 1:] if x.strip()][:1]
                    if not (after and after[0].startswith("*Question:") and
                            after[0].rstrip().endswith("?*")):
                        missing.append(f"{path.name}: {line}")
    assert not missing, missing
