"""Does binder/requirements.txt install cleanly over the environment Binder starts from?

    python .ci/binder_check.py [--python python3.11] [--keep DIR]

repo2docker (the tool mybinder.org builds with) creates a conda environment from a lock file
it ships (``repo2docker/buildpacks/conda/environment.py-X.Y-linux-64.lock``: JupyterLab,
Notebook, the server, ipykernel, ipywidgets...), then runs ``pip install -r
binder/requirements.txt`` in it.  This script simulates that without conda or Docker:

1. download the pinned repo2docker wheel from PyPI (``pip download --no-deps``) and read the
   lock for the Python of ``binder/runtime.txt``;
2. keep the lock's Python packages (build strings starting with ``py``: noarch-python and
   CPython builds), map the few conda names that differ from PyPI's (``CONDA_TO_PIP``), and
   install exactly those versions with ``pip install --no-deps`` into a fresh venv: the base;
3. ``pip install -r binder/requirements.txt`` on top, as repo2docker does;
4. ``pip check``, and list what step 3 replaced in the base (the layer Binder would add).

Exit status 0 only when ``pip check`` passes and step 3 replaced none of the base's Jupyter
packages (``JUPYTER``).  Takes a minute or two (about 130 wheels from PyPI).
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the repo2docker release whose base environment is simulated
REPO2DOCKER = "jupyter-repo2docker==2026.4.0"
#: conda-forge names that PyPI spells differently (None: not a PyPI package, skipped)
CONDA_TO_PIP = {"brotli-python": "brotli", "python-fastjsonschema": "fastjsonschema",
                "jupyterhub-base": "jupyterhub", "nbconvert-core": "nbconvert",
                "pip": None, "setuptools": None, "wheel": None, "python": None}
#: the Jupyter stack Binder owns: binder/requirements.txt must not replace any of it
JUPYTER = {"jupyterlab", "notebook", "jupyter-server", "ipykernel", "jupyter-client",
           "jupyter-core", "tornado", "pyzmq", "nbconvert", "nbformat", "ipython",
           "traitlets", "jupyterlab-server", "ipywidgets", "jupyterlab-widgets",
           "widgetsnbextension", "comm"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def base_pins(lock_text: str) -> dict:
    """{pip name: version} of the Python packages in a conda-lock explicit file."""
    pins = {}
    for line in lock_text.splitlines():
        m = re.match(r"https://\S+/(?:noarch|linux-64)/(.+)-([^-]+)-([^-]+)\.(?:conda|tar\.bz2)",
                     line.strip())
        if not m or not m.group(3).startswith("py"):
            continue
        name = CONDA_TO_PIP.get(m.group(1), m.group(1))
        if name is not None:
            pins[canonical(name)] = m.group(2)
    return pins


def run(*cmd, **kw) -> subprocess.CompletedProcess:
    print("+", " ".join(map(str, cmd)), flush=True)
    return subprocess.run(list(map(str, cmd)), text=True, **kw)


def freeze(py: Path) -> dict:
    out = run(py, "-m", "pip", "list", "--format=json", capture_output=True, check=True).stdout
    return {canonical(p["name"]): p["version"] for p in json.loads(out)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python", default=sys.executable,
                    help="the interpreter to build the venv with (binder/runtime.txt's)")
    ap.add_argument("--keep", default=None, help="build the venv here and keep it")
    ap.add_argument("--requirements", default=str(ROOT / "binder" / "requirements.txt"),
                    help="the set to check (default binder/requirements.txt)")
    args = ap.parse_args(argv)
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    version = re.fullmatch(r"python-(3\.\d+)", runtime).group(1)
    work = Path(args.keep or tempfile.mkdtemp(prefix="binder-sim-"))
    work.mkdir(parents=True, exist_ok=True)
    have = run(args.python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])",
               capture_output=True, check=True).stdout.strip()
    if have != version:
        print(f"note: simulating Binder's Python {version} base with Python {have}")

    run(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", REPO2DOCKER,
        "-d", work / "r2d", check=True)
    wheel = next((work / "r2d").glob("*.whl"))
    lock_name = f"repo2docker/buildpacks/conda/environment.py-{version}-linux-64.lock"
    pins = base_pins(zipfile.ZipFile(wheel).read(lock_name).decode())
    (work / "base.txt").write_text("".join(f"{n}=={v}\n" for n, v in sorted(pins.items())))
    print(f"base: {len(pins)} Python packages from {wheel.name}:{lock_name}")

    venv = work / "venv"
    run(args.python, "-m", "venv", venv, check=True)
    py = venv / "bin" / "python"
    run(py, "-m", "pip", "install", "--quiet", "--upgrade", "pip", check=True)
    run(py, "-m", "pip", "install", "--quiet", "--no-deps", "-r", work / "base.txt", check=True)
    before = freeze(py)
    run(py, "-m", "pip", "install", "--quiet", "-r", args.requirements, check=True)
    after = freeze(py)
    replaced = sorted(n for n in before if n in after and after[n] != before[n])
    added = sorted(n for n in after if n not in before)
    check = run(py, "-m", "pip", "check", capture_output=True)
    print(check.stdout.strip() or "(pip check: no output)")
    print(f"added over the base ({len(added)}): {', '.join(added)}")
    print(f"replaced in the base ({len(replaced)}): "
          + ", ".join(f"{n} {before[n]} -> {after[n]}" for n in replaced))
    bad = sorted(set(replaced) & JUPYTER)
    if bad:
        print(f"FAIL: binder/requirements.txt replaces Binder's Jupyter packages: {bad}")
    if check.returncode != 0:
        print("FAIL: pip check found broken requirements")
    ok = check.returncode == 0 and not bad
    print("binder check: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
