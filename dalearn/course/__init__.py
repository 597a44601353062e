"""The course around the notebooks: checked exercises, learner copies, the static site."""
from ._exercise import Check, Exercise, Shown, Wrong
from ._exercises import exercise, exercises
from ._site import build_site, execute_notebook, find_notebooks
from ._student import SOLUTION_TAG, course_notebooks, strip_solutions, student_copy

__all__ = ["exercise", "exercises", "Exercise", "Check", "Shown", "Wrong", "SOLUTION_TAG",
           "course_notebooks", "student_copy", "strip_solutions", "build_site",
           "execute_notebook", "find_notebooks"]
