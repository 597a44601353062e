"""``python -m dalearn course``: instructor tools (learner copies of the notebooks)."""
from __future__ import annotations

__all__ = ["add_course_parser", "run_course", "course_table"]


def add_course_parser(sub) -> None:
    c = sub.add_parser("course", help="instructor tools: learner copies of the notebooks",
                       description="Write learner copies of the course: every notebook "
                       "without its solution cells (tagged 'solution') and without outputs, "
                       "plus answers.md with every exercise's answer and worked solution.")
    c.add_argument("--student-copy", metavar="OUT", required=True,
                   help="folder to write the learner copies and answers.md into")
    c.add_argument("--notebooks", default=None,
                   help="folder of NN_name.ipynb notebooks (default: the course's)")
    c.add_argument("--no-answers", action="store_true",
                   help="leave the computed answers out of answers.md (no computation)")


def run_course(args) -> dict:
    """Write the learner copies; what was written (notebooks, removed cells, answers)."""
    from ..course import student_copy
    done = student_copy(args.notebooks, args.student_copy,
                        compute_answers=not args.no_answers,
                        names=("--notebooks", "--student-copy"))
    return {**done, "out": str(args.student_copy)}


def course_table(summary: dict) -> str:
    lines = [f"{summary['out']}/{name}: {summary['removed'][name]} solution cells removed"
             for name in summary["notebooks"]]
    lines.append(f"answers: {summary['answers']}")
    return "\n".join(lines)
