"""``python -m dalearn site``: execute the course and write it as a static HTML site."""
from __future__ import annotations

__all__ = ["add_site_parser", "run_site", "site_table"]


def add_site_parser(sub) -> None:
    s = sub.add_parser("site", help="execute the course and write it as a static HTML site",
                       description="Execute every notebook and write one HTML page each, "
                       "with every figure and a kernel-free version of every widget panel "
                       "(plotly.js and MathJax bundled: the site works offline).")
    s.add_argument("--out", default="build/site", help="output folder (default: build/site)")
    s.add_argument("--notebooks", default=None,
                   help="folder of NN_name.ipynb notebooks (default: the course's)")
    s.add_argument("--jobs", type=int, default=1,
                   help="notebooks executed at once, one kernel each (default: 1)")
    s.add_argument("--timeout", type=int, default=600,
                   help="seconds allowed per cell, >= 1 (default: 600)")


def run_site(args) -> dict:
    """Build the site; its manifest (pages, figures, kernel-free panels) and the folder."""
    import os
    import sys
    from ..course import build_site, find_notebooks
    from ._guard import check_files
    if args.jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
    if args.timeout < 1:
        raise ValueError(f"--timeout must be a number of seconds >= 1 per cell, got "
                         f"{args.timeout}")
    check_files({"--out": args.out}, {"--notebooks": find_notebooks(args.notebooks)[0].parent},
                folders=("--out", "--notebooks"))
    try:
        manifest = build_site(args.out, args.notebooks, jobs=args.jobs, timeout=args.timeout)
    except KeyboardInterrupt:
        # the kernels are killed; do not wait for the executor's threads to notice
        sys.stderr.write(f"python -m dalearn site: interrupted; the running kernels were "
                         f"stopped and nothing was written to {args.out}\n")
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(130)
    return {**manifest, "out": str(args.out)}


def site_table(summary: dict) -> str:
    lines = [f"{page['page']}: {page['figures']} figures, "
             f"{len(page['kernel_free'])} kernel-free panels" for page in summary["pages"]]
    lines.append(f"executed in {summary['execute_s']} s; wrote {summary['out']}/index.html "
                 f"({summary['bytes'] / 1e6:.1f} MB)")
    if summary["needs_network"]:
        lines.append("needs a network to view: " + ", ".join(summary["needs_network"]))
    return "\n".join(lines)
