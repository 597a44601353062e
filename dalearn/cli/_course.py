"""``python -m dalearn course``: instructor tools (learner copies of the notebooks, grading)."""
from __future__ import annotations

__all__ = ["add_course_parser", "run_course", "course_table"]


def add_course_parser(sub) -> None:
    c = sub.add_parser("course", help="instructor tools: learner copies, grading",
                       description="Write learner copies of the course (every notebook "
                       "without its solution cells, tagged 'solution', and without outputs; "
                       "the answer key goes to an instructor-only answers.md outside the "
                       "learners' folder), or grade a class's returned copies into a CSV.")
    what = c.add_mutually_exclusive_group(required=True)
    what.add_argument("--student-copy", metavar="OUT",
                      help="folder to write the learner copies into")
    what.add_argument("--grade", metavar="DIR",
                      help="folder of learner folders (each holding returned NN_*.ipynb): "
                      "write one row per learner and exercise to --out")
    c.add_argument("--answers", metavar="PATH", default=None,
                   help="where the answer key goes (default: OUT-instructor/answers.md)")
    c.add_argument("--out", metavar="CSV", default="grades.csv",
                   help="with --grade: the CSV to write (default grades.csv)")
    c.add_argument("--notebooks", default=None,
                   help="folder of NN_name.ipynb notebooks (default: the course's)")
    c.add_argument("--no-answers", action="store_true",
                   help="leave the computed answers out of answers.md (no computation)")


def run_course(args) -> dict:
    """Write the learner copies, or grade returned copies: what was written."""
    if args.grade is not None:
        from .._io import check_output_path
        from ..course import grade_folder, write_grades
        check_output_path("out", args.out)
        rows = grade_folder(args.grade)
        return {"grades": str(write_grades(rows, args.out)), "rows": rows}
    from ..course import student_copy
    done = student_copy(args.notebooks, args.student_copy, answers=args.answers,
                        compute_answers=not args.no_answers,
                        names=("--notebooks", "--student-copy"))
    return {**done, "out": str(args.student_copy)}


def course_table(summary: dict) -> str:
    if "grades" in summary:
        rows = summary["rows"]
        lines = []
        for learner in dict.fromkeys(r["learner"] for r in rows):
            mine = [r for r in rows if r["learner"] == learner]
            lines.append(f"{learner}: {sum(r['points'] for r in mine)} of {len(mine)} correct")
        lines.append(f"grades: {summary['grades']}")
        return "\n".join(lines)
    from pathlib import Path
    lines = [f"{Path(summary['out']) / name}: {summary['removed'][name]} solution cells removed"
             for name in summary["notebooks"]]
    lines.append(f"answers (instructor only): {summary['answers']}")
    return "\n".join(lines)
