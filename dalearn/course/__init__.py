"""The course around the notebooks: checked exercises, learner copies and their grading,
the static site."""
from ._exercise import Check, Exercise, Shown, Wrong
from ._exercises import exercise, exercises
from ._grading import COLUMNS, answer_in_cell, grade_folder, grade_notebook, write_grades
from ._site import (COLAB_TAG, build_site, describe_figure, execute_notebook, find_notebooks,
                    install_display_hook)
from ._student import (SOLUTION_TAG, course_notebooks, instructor_path, strip_solutions,
                       student_copy)

__all__ = ["exercise", "exercises", "Exercise", "Check", "Shown", "Wrong", "SOLUTION_TAG",
           "course_notebooks", "instructor_path", "student_copy", "strip_solutions", "build_site",
           "execute_notebook", "find_notebooks", "install_display_hook", "describe_figure",
           "COLAB_TAG", "grade_folder", "grade_notebook", "write_grades", "answer_in_cell",
           "COLUMNS"]
