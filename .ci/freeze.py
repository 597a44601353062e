"""Write the pinned install sets from the environment that passed the tests.

    python .ci/freeze.py          # in the venv where `python -m pytest` just passed

- ``constraints.txt``: every package ``requirements.txt`` pulls in (its closure, markers
  evaluated for this Python), at the exact installed version.  The README's installs and
  .ci/run's main run use it (``-c constraints.txt``).
- ``binder/requirements.txt``: the learner's closure only (what opening the course needs:
  no pytest, nbval, playwright), pinned the same, with no local paths so repo2docker can
  install it before it copies the repository (and cache that layer between commits).
"""
import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
#: what a learner needs to open and run the course (the rest of requirements.txt is for tests)
LEARNER = ["numpy", "scipy", "matplotlib", "plotly", "anywidget", "ipywidgets", "jupyterlab",
           "ipykernel", "threadpoolctl"]


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
    learner = closure([r for r in reqs if canonicalize_name(r.name) in LEARNER])
    py = ".".join(map(str, sys.version_info[:2]))
    write(ROOT / "constraints.txt", all_pins,
          f"# Exact versions the full test suite passed with (Python {py}); written by\n"
          "# .ci/freeze.py from that environment.  Install with\n"
          "#   pip install -r requirements.txt -c constraints.txt\n")
    write(ROOT / "binder" / "requirements.txt", learner,
          f"# Binder's learner set: the course's dependencies only (no test tools), pinned to\n"
          f"# constraints.txt (written by .ci/freeze.py; Python {py}, see runtime.txt).  No local\n"
          "# paths here, so repo2docker installs and caches this layer before it copies the\n"
          "# repository; binder/postBuild then installs dalearn itself without re-resolving.\n")
    print(f"constraints.txt: {len(all_pins)} packages; binder/requirements.txt: {len(learner)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
