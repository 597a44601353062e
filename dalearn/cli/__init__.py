"""The command line: ``python -m dalearn anneal|twin|train|site|course ...``.

One module per command over :mod:`._common` (parser class, β flag, outputs, printing).  Each
command is ``(add_parser, run, to_table)``: ``run(args)`` checks every flag before any work,
does the work and returns a summary dict; ``main`` prints it with ``to_table`` or, given
``--json``, as one strict JSON object.  Errors map to exit codes in one place
(:func:`main`): a bad flag or file is one line on stderr and exit 2; Ctrl-C during a
command whose outputs are written whole is one line and exit 130.
"""
from __future__ import annotations

import sys

from ._anneal import add_anneal_parser, add_twin_parser, anneal_table, run_anneal, run_twin, \
    twin_table
from ._anneal_flags import settings_from_args
from .._io import OutputError
from ._anneal import Interrupted
from ._common import _Parser, render
from ._course import add_course_parser, course_table, run_course
from ._site import add_site_parser, run_site, site_table
from ._train import add_train_parser, run_train, train_table

__all__ = ["main", "build_parser", "settings_from_args", "COMMANDS"]

#: every command: name -> (add its subparser, run it to a summary dict, the summary as text)
COMMANDS = {
    "anneal": (add_anneal_parser, run_anneal, anneal_table),
    "twin": (add_twin_parser, run_twin, twin_table),
    "train": (add_train_parser, run_train, train_table),
    "site": (add_site_parser, run_site, site_table),
    "course": (add_course_parser, run_course, course_table),
}

#: commands whose Ctrl-C leaves every earlier output file as it was (exit 130, one line):
#: every command writes its outputs as one transaction (dalearn._io.write_together)
INTERRUPTIBLE = set(COMMANDS)


def build_parser() -> _Parser:
    """The ``python -m dalearn`` parser with one subparser per command."""
    ap = _Parser(prog="python -m dalearn",
                 description="dalearn: precision annealing from the shell.")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add_parser, _, _ in COMMANDS.values():
        add_parser(sub)
    return ap


def main(argv=None) -> int:
    """Run one command (``argv``: default sys.argv[1:]); 0 on success, else exits with 2
    (bad input, one line naming the flag) or 130 (interrupted)."""
    ap = build_parser()
    args = ap.parse_args(argv)
    _, run, to_table = COMMANDS[args.command]
    try:
        summary = run(args)
    except (ValueError, TypeError) as e:
        ap.exit(2, f"{ap.prog} {args.command}: error: {e}\n")
    except OutputError as e:
        ap.exit(1, f"{ap.prog} {args.command}: error: {e.strerror or e}\n")
    except KeyboardInterrupt as e:
        if args.command not in INTERRUPTIBLE:
            raise
        said = str(e) if isinstance(e, Interrupted) else \
            "interrupted; earlier output files are unchanged"
        ap.exit(130, f"{ap.prog} {args.command}: {said}\n")
    print(render(summary, getattr(args, "json", False), to_table))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
