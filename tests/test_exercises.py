"""Every exercise of the course, run with its correct answer (must pass) and its typical
wrong answers (must fail with their specific message); the contract an exercise must meet;
and the learner-facing behaviour (placeholders, malformed answers, hints in order)."""
import numpy as np
import pytest

import dalearn as da
from dalearn._exercise import Exercise, Wrong
from dalearn.exercises import exercises

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


@pytest.mark.parametrize("eid", ALL)
def test_placeholder_is_not_answered_and_hints_and_solution_are_there(eid):
    ex = da.exercise(eid)
    for placeholder in (..., None, "  "):
        check = ex.check(placeholder)
        assert check.status == "unanswered" and "Replace `...`" in check.message
    ex._shown = 0
    shown = [ex.hint() for _ in range(len(ex.hints) + 1)]
    assert [s.text for s in shown] == list(ex.hints) + [ex.hints[-1]]
    assert "last" in shown[-1].title and "<details open" in shown[0]._repr_html_()
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
    with pytest.raises(ValueError, match=r"exercise_id must be one of 01\.1, 01\.2"):
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
