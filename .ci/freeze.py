"""Write the pinned install sets from the environment that passed the tests.

    python .ci/freeze.py          # in the venv where `python -m pytest` just passed

- ``constraints.txt``: every package ``requirements.txt`` pulls in (its closure, markers
  evaluated for this Python), at the exact installed version.  The README's installs and
  .ci/run's main run use it (``-c constraints.txt``).
- ``binder/requirements.txt``: the kernel-side science packages only (``SCIENCE``), pinned
  the same, with no local paths so repo2docker can install it before it copies the
  repository (and cache that layer between commits).  Binder's base environment owns the
  Jupyter stack (JupyterLab, the server, ipykernel, ipywidgets); re-pinning it would replace
  most of that environment in a second layer and can break its pairs (Notebook 7 against a
  newer JupyterLab).  ``.ci/binder_check.py`` installs this set over a simulation of that
  base environment and runs ``pip check``.
"""
import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
#: what Binder adds to its base environment for the course (kernel-side science packages)
SCIENCE = ["numpy", "scipy", "matplotlib", "plotly", "anywidget", "threadpoolctl"]


def top_level(path: Path) -> list:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.append(Requirement(line))
    return names


def closure(roots) -> dict:
    """{canonical name: installed version} of ``roots`` and everything they require."""
    env = {"extra": ""}
    seen, todo = {}, [Requirement(r) if isinstance(r, str) else r for r in roots]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        extras = set(req.extras)
        key = (name, frozenset(extras))
        if key in seen:
            continue
        dist = metadata.distribution(req.name)
        seen[key] = dist.version
        for text in dist.requires or []:
            sub = Requirement(text)
            if sub.marker is None:
                todo.append(sub)
                continue
            if any(sub.marker.evaluate({"extra": e}) for e in extras | {""}):
                sub.marker = None
                todo.append(sub)
    out = {}
    for (name, _), version in seen.items():
        out[name] = version
    return dict(sorted(out.items()))


def write(path: Path, pins: dict, header: str) -> None:
    path.write_text(header + "".join(f"{n}=={v}\n" for n, v in pins.items()))


def main() -> int:
    reqs = top_level(ROOT / "requirements.txt")
    all_pins = closure(reqs)
    learner = {n: v for n, v in all_pins.items() if n in SCIENCE}
    py = ".".join(map(str, sys.version_info[:2]))
    write(ROOT / "constraints.txt", all_pins,
          f"# Exact versions the full test suite passed with (Python {py}); written by\n"
          "# .ci/freeze.py from that environment.  Install with\n"
          "#   pip install -r requirements.txt -c constraints.txt\n")
    write(ROOT / "binder" / "requirements.txt", learner,
          "# Binder: the kernel-side science packages only, pinned to constraints.txt (written\n"
          f"# by .ci/freeze.py; Python {py}, see runtime.txt).  Binder's base environment owns\n"
          "# the Jupyter stack (JupyterLab, server, ipykernel, ipywidgets): not re-pinned here.\n"
          "# No local paths, so repo2docker installs and caches this layer before it copies\n"
          "# the repository; binder/postBuild then installs dalearn itself (--no-deps).\n"
          "# .ci/binder_check.py: pip check of this set over a simulated Binder base.\n")
    print(f"constraints.txt: {len(all_pins)} packages; binder/requirements.txt: {len(learner)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
