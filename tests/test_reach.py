"""Reach: the widgets outside JupyterLab (backend picked from the front end, throttled
matplotlib redraws), the site's display hook (the widgets do not know the site), learner
copies and learner-mode exercises without the answer key, grading a class's returned copies,
and one repository named everywhere (README, pyproject, CITATION, the site's launch links)."""
import csv
import json
import re
import subprocess
import sys
try:
    import tomllib
except ModuleNotFoundError:          # Python 3.10: pytest brings tomli
    import tomli as tomllib
from pathlib import Path

import numpy as np
import pytest

from dalearn import plots
from dalearn.course import exercise, exercises

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


# -- the widgets' backend ---------------------------------------------------------------------
def test_backend_follows_the_front_end_and_the_environment_variable():
    from dalearn.widgets import detect_backend
    assert detect_backend({}, {}) == "plotly"
    assert detect_backend({}, {"google.colab": object()}) == "mpl"          # Colab
    assert detect_backend({"VSCODE_PID": "123"}, {}) == "mpl"               # VS Code
    assert detect_backend({"DALEARN_WIDGETS": "plotly"}, {"google.colab": 1}) == "plotly"
    assert detect_backend({"DALEARN_WIDGETS": " MPL "}, {}) == "mpl"
    with pytest.raises(ValueError, match="DALEARN_WIDGETS must be one of"):
        detect_backend({"DALEARN_WIDGETS": "bokeh"}, {})


def test_the_widgets_module_never_mentions_the_site():
    for path in (ROOT / "dalearn" / "widgets").glob("*.py"):
        text = path.read_text()
        assert "DALEARN_SITE" not in text and not re.search(r"\bsite\b", text, re.I), path


def _frames():
    return [[plots.Panel(f"k={k}", "x", "y", [plots.Series(np.arange(4), np.arange(4) * k,
                                                            "line")])] for k in range(3)]


def test_mpl_view_redraws_on_release_and_only_when_a_control_changed(monkeypatch):
    from dalearn import widgets
    from dalearn.widgets import _backend
    fs = widgets.FrameScrubber(_frames(), ["0", "1", "2"])
    calls = []
    real = _backend._png
    monkeypatch.setattr(_backend, "_png", lambda fig: calls.append(1) or real(fig))
    fs.mpl_view()
    assert fs.slider.continuous_update is False          # a drag is one redraw, on release
    assert len(calls) == 1
    fs.slider.value = 2
    assert len(calls) == 2
    fs.slider.value = 2                                   # no change: no event, no redraw
    fs.slider.value = 0
    assert len(calls) == 3


# -- the site's display hook ------------------------------------------------------------------
def test_site_display_hook_adds_the_kernel_free_form_without_the_widgets_knowing(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    from dalearn import course as site, widgets
    shell = InteractiveShell.instance()
    shown = []
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, **kw: shown.append((obj, kw.get("metadata"))))
    fs = widgets.FrameScrubber(_frames(), ["0", "1", "2"])
    shell.display_formatter.format(fs)                    # no hook: the widget alone
    assert [o for o, _ in shown][0] is fs.box      # (then the re-open note, plotly only)
    shown.clear()
    site.install_display_hook(shell)
    try:
        shell.display_formatter.format(fs)
        (box, _), (plotly_out, meta1), (png_out, meta2) = shown
        assert box is fs.box
        assert meta1["dalearn_site"]["kind"] == "kernel-free"
        assert meta1["dalearn_site"]["frames"] == 3
        assert len(plotly_out["application/vnd.plotly.v1+json"]["frames"]) == 3
        assert meta2["dalearn_site"]["kind"] == "first-frame"
        assert "k=0: y against x" in meta2["dalearn_site"]["alt"]
    finally:
        fmt = shell.display_formatter.ipython_display_formatter
        fmt.type_printers.pop(widgets.WidgetPanel, None)
        from matplotlib.figure import Figure
        fmt.type_printers.pop(Figure, None)


def test_describe_figure_names_subplots_axes_and_traces():
    from dalearn.course import describe_figure
    spec = {"data": [{"name": "truth", "xaxis": "x"}, {"name": "estimate", "xaxis": "x2"}],
            "layout": {"title": {"text": "Paths"},
                       "annotations": [{"text": "x_0 (observed)"}, {"text": "x_1"}],
                       "xaxis": {"title": {"text": "time t"}}, "yaxis": {"title": {"text": "x_0"}},
                       "xaxis2": {"title": {"text": "time t"}},
                       "yaxis2": {"title": {"text": "x_1"}}}}
    assert describe_figure(spec) == ("Paths. x_0 (observed): x_0 against time t (truth); "
                                     "x_1: x_1 against time t (estimate).")


# -- answers kept from learners ---------------------------------------------------------------
def _answer_texts(ex) -> list:
    """What must not reach a learner: the worked solution (each paragraph) and a stored
    answer long enough to be told apart from ordinary text."""
    out = [p.strip() for p in ex.solution_text.split("\n\n") if len(p.strip()) > 20]
    if isinstance(ex.answer, str) and len(ex.answer) > 1:
        out.append(ex.answer)
    return out


def test_learner_mode_exercises_carry_no_answer_key():
    for ex in exercises():
        lx = exercise(ex.id, solutions=False)
        assert lx is not ex and lx.id == ex.id
        assert lx.wrong == () and lx.answer is not ex.answer
        assert not isinstance(lx.answer, (str, int, float))
        with pytest.raises(PermissionError, match="instructor holds the answer"):
            lx.correct_answer()
        shown = " ".join([repr(lx.answer), lx.solution_text, str(lx.solution()), str(lx),
                          lx._repr_html_(), repr(lx.wrong)])
        for secret in _answer_texts(ex):
            assert secret not in shown, (ex.id, secret[:40])
    # the learner's copy still checks (01.3 is a choice: no computation)
    ex = exercise("01.3")
    lx = exercise("01.3", solutions=False)
    assert lx.check(ex.answer).passed and not lx.check(ex.wrong[0][0]).passed
    assert exercise("01.3").answer == ex.answer          # the instructor's copy is untouched


def test_student_copy_writes_no_answer_key_into_the_learners_folder(tmp_path):
    from dalearn.course import instructor_path, student_copy
    out = tmp_path / "learners"
    done = student_copy(None, out, compute_answers=False)
    key = Path(done["answers"])
    assert key == instructor_path(out) and key.exists() and not key.is_relative_to(out)
    assert sorted(p.name for p in out.iterdir()) == sorted(done["notebooks"])   # nothing else
    learner_text = "\n".join(p.read_text() for p in out.iterdir())
    for ex in exercises():
        for secret in _answer_texts(ex):
            assert secret not in learner_text, (ex.id, secret[:40])
        assert ex.solution_text.strip() in key.read_text()
    assert "solutions=False)" in learner_text
    with pytest.raises(ValueError, match="answers must be outside the learners' folder"):
        student_copy(None, tmp_path / "l2", answers=tmp_path / "l2" / "key.md",
                     compute_answers=False)
    assert not (tmp_path / "l2").exists()


# -- grading ----------------------------------------------------------------------------------
def _returned(path: Path, answers: dict) -> None:
    """A learner's notebook 01: the course's, with ``answer = ...`` replaced per exercise."""
    nb = json.loads((NOTEBOOKS / "01_data_assimilation.ipynb").read_text())
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        m = re.search(r'exercise\("(\d\d\.\d+)"\)', src)
        if cell["cell_type"] == "code" and m and m.group(1) in answers:
            src = src.replace('exercise("', 'exercise("', 1)
            cell["source"] = re.sub(r"answer = \.\.\.", "answer = " + answers[m.group(1)], src)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))


def test_grading_a_folder_of_fake_submissions_gives_the_expected_table(tmp_path):
    e1, e2, e3 = (exercise(i) for i in ("01.1", "01.2", "01.3"))
    right1, right2 = e1.correct_answer(), e2.correct_answer()
    subs = tmp_path / "class"
    _returned(subs / "alice" / "01_data_assimilation.ipynb",
              {"01.1": repr(right1), "01.2": repr(right2), "01.3": '"b"'})
    _returned(subs / "bob" / "01_data_assimilation.ipynb",
              {"01.1": repr(e1.wrong[0][0]), "01.3": repr(e3.wrong[0][0])})   # 01.2 left ...
    _returned(subs / "dave" / "01_data_assimilation.ipynb",
              {"01.1": f"{right1 * 4!r} / 4", "01.2": "r.levels()[0]", "01.3": '"  B "'})
    (subs / "carol").mkdir()
    (subs / "carol" / "01_data_assimilation.ipynb").write_text('{"cells": [ {"cell_ty')
    (subs / "notes.txt").write_text("not a learner")
    out = tmp_path / "grades.csv"
    r = subprocess.run([sys.executable, "-m", "dalearn", "course", "--grade", str(subs),
                        "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(out.open()))
    n_ex = len(exercises())
    assert len(rows) == 4 * n_ex
    table = {(row["learner"], row["exercise"]): row["status"] for row in rows}
    assert [table[("alice", e)] for e in ("01.1", "01.2", "01.3")] == ["correct"] * 3
    assert [table[("bob", e)] for e in ("01.1", "01.2", "01.3")] == \
        ["incorrect", "unanswered", "incorrect"]
    assert [table[("dave", e)] for e in ("01.1", "01.2", "01.3")] == \
        ["correct", "computed", "correct"]
    assert all(table[("carol", e.id)] == "malformed" for e in exercises("01"))
    # notebooks not returned: every other exercise is missing, for everyone
    assert all(table[(who, e.id)] == "missing" for who in ("alice", "bob", "carol", "dave")
               for e in exercises() if e.notebook != "01")
    points = {(row["learner"], row["exercise"]): int(row["points"]) for row in rows}
    assert sum(v for (who, _), v in points.items() if who == "alice") == 3
    assert sum(v for (who, _), v in points.items() if who == "bob") == 0
    bob1 = next(row for row in rows if row["learner"] == "bob" and row["exercise"] == "01.1")
    assert e1.wrong[0][1] in bob1["message"]             # the same diagnosis the learner saw
    assert "alice: 3 of" in r.stdout and "carol: 0 of" in r.stdout


def test_grading_reads_values_and_never_runs_learner_code():
    from dalearn.course import answer_in_cell
    assert answer_in_cell('ex = exercise("01.1")\nanswer = 0.25\nex.check(answer)') == \
        ("value", 0.25)
    assert answer_in_cell("answer = -2 ** 3 / 4") == ("value", -2.0)
    assert answer_in_cell("answer = ...") == ("value", Ellipsis)
    assert answer_in_cell("answer = __import__('os').system('echo hi')")[0] == "code"
    assert answer_in_cell("answer = 10 ** 100000")[0] == "code"
    assert answer_in_cell("answer = 1 / 0")[0] == "code"
    assert answer_in_cell("x = 1") == ("missing", "")
    assert answer_in_cell("answer = (")[0] == "code"


def test_grade_rejects_a_folder_without_learners(tmp_path):
    r = subprocess.run([sys.executable, "-m", "dalearn", "course", "--grade", str(tmp_path),
                        "--out", str(tmp_path / "g.csv")], capture_output=True, text=True)
    assert r.returncode == 2 and "no learner folders" in r.stderr
    assert not (tmp_path / "g.csv").exists()


# -- one repository, named everywhere; legal files ---------------------------------------------
def test_readme_pyproject_citation_and_site_name_one_repository():
    from dalearn._links import REPOSITORY, binder_url, colab_url, repository_url
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["license"] == "MIT" and "LICENSE" in meta["license-files"]
    assert all(u.startswith(repository_url()) for k, u in meta["urls"].items()
               if k != "Binder"), meta["urls"]
    assert meta["urls"]["Binder"] == binder_url()
    assert not any(c.startswith("License ::") for c in meta["classifiers"])   # PEP 639
    pythons = {c.rsplit(" ", 1)[1] for c in meta["classifiers"]
               if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)}
    floor = meta["requires-python"].removeprefix(">=")
    assert floor in pythons
    readme = (ROOT / "README.md").read_text()
    assert binder_url() in readme
    for nb in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        assert colab_url(nb.name) in readme, nb.name
    assert not re.findall(r"github\.com/(?!%s)[\w-]+/[\w-]+" % re.escape(REPOSITORY), readme)
    cff = (ROOT / "CITATION.cff").read_text()
    assert f"repository-code: \"{repository_url()}\"" in cff
    assert "10.1162/neco_a_01094" in cff and "cff-version: 1.2.0" in cff
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "## [" in (ROOT / "CHANGELOG.md").read_text()
    extras = meta["optional-dependencies"]
    course = " ".join(extras["course"])
    for pkg in ("ipywidgets", "plotly", "anywidget"):
        assert pkg in course
    assert "jupyterlab" not in course            # Colab / VS Code bring their own front end


def test_every_notebook_opens_with_the_colab_setup_cell():
    from dalearn._links import repository_url
    from dalearn.course import COLAB_TAG
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        cell = json.loads(path.read_text())["cells"][1]
        src = "".join(cell["source"])
        assert cell["cell_type"] == "code" and cell["metadata"]["tags"] == [COLAB_TAG], path
        assert 'if "google.colab" in sys.modules:' in src          # a no-op anywhere else
        assert f'%pip install -q "dalearn[course] @ git+{repository_url()}"' in src
        assert "output.enable_custom_widget_manager()" in src


def test_the_hosted_workflow_runs_ci_on_push_pull_requests_and_weekly():
    wf = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    for trigger in ("push:", "pull_request:", "schedule:", r"- cron: \"[^\"]+\""):
        assert re.search(rf"^\s*{trigger}", wf, re.M), trigger
    assert re.search(r"^\s*run: bash \.ci/run\s*$", wf, re.M)
    assert "3.10" in wf and "3.13" in wf
    run = (ROOT / ".ci" / "run").read_text()
    assert "find_python 3.10" in run and "find_python 3.13" in run
    assert "binder_check.py" in run


def test_course_table_names_each_copy_with_one_separator():
    """'learners/' as typed gives 'learners/01_x.ipynb', not 'learners//01_x.ipynb'."""
    from dalearn.cli._course import course_table
    table = course_table({"out": "learners/", "notebooks": ["01_x.ipynb"],
                          "removed": {"01_x.ipynb": 3}, "answers": "a.md"})
    assert table.splitlines()[0] == "learners/01_x.ipynb: 3 solution cells removed"
