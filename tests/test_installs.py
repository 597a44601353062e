"""Installs that do not drift: constraints.txt pins everything requirements.txt pulls in, at
versions inside its bounds; Binder installs the pinned kernel-side science set only (its base
environment owns the Jupyter stack), with no local path (so repo2docker caches that layer),
and dalearn itself without re-resolving."""
import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _lines(path: Path) -> list:
    return [l.split("#")[0].strip() for l in path.read_text().splitlines()
            if l.split("#")[0].strip()]


def _pins(path: Path) -> dict:
    out = {}
    for line in _lines(path):
        name, version = line.split("==")
        out[canonicalize_name(name)] = version
    return out


def test_constraints_pin_every_requirement_inside_its_bounds():
    pins = _pins(ROOT / "constraints.txt")
    reqs = [Requirement(l) for l in _lines(ROOT / "requirements.txt") if not l.startswith("-")]
    for r in reqs:
        name = canonicalize_name(r.name)
        assert name in pins, f"{r.name} is not pinned in constraints.txt"
        assert r.specifier.contains(pins[name], prereleases=True), (r, pins[name])
    plotly = next(r for r in reqs if r.name == "plotly")
    assert not plotly.specifier.contains("5.24.1")      # FigureWidget needs anywidget: plotly 6+


def test_binder_is_the_pinned_science_set_only_with_no_local_paths():
    import sys
    sys.path.insert(0, str(ROOT / ".ci"))
    from binder_check import JUPYTER
    binder = ROOT / "binder"
    lines = _lines(binder / "requirements.txt")
    assert not [l for l in lines if l.startswith(("-", ".", "/")) or "==" not in l], lines
    pins, all_pins = _pins(binder / "requirements.txt"), _pins(ROOT / "constraints.txt")
    for name, version in pins.items():
        assert all_pins.get(name) == version, f"{name}: binder {version}, constraints {all_pins.get(name)}"
    # the kernel-side science set, exactly: nothing of the test tools, nothing of the Jupyter
    # stack Binder's base environment already ships (re-pinning it replaced 68 packages and
    # broke Notebook 7's pairing with JupyterLab)
    assert set(pins) == {"numpy", "scipy", "matplotlib", "plotly", "anywidget", "threadpoolctl"}
    assert not set(pins) & (JUPYTER | {"pytest", "nbval", "playwright", "jupyterlab"})
    post = (binder / "postBuild").read_text()
    assert re.search(r"pip install --no-deps -e \.", post)
    runtime = (binder / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", runtime)
    assert "(Python " + runtime.split("-")[1] + ")" in (ROOT / "constraints.txt").read_text()


def test_binder_check_reads_the_python_packages_of_a_conda_lock():
    import sys
    sys.path.insert(0, str(ROOT / ".ci"))
    from binder_check import base_pins
    lock = """@EXPLICIT
https://conda.anaconda.org/conda-forge/linux-64/libgcc-15.2.0-h767d61c_7.conda#x
https://conda.anaconda.org/conda-forge/noarch/jupyterlab-4.4.9-pyhd8ed1ab_0.conda#x
https://conda.anaconda.org/conda-forge/linux-64/pyzmq-27.1.0-py311h2315fbb_0.conda#x
https://conda.anaconda.org/conda-forge/noarch/nbconvert-core-7.16.6-pyh29332c3_0.conda#x
https://conda.anaconda.org/conda-forge/noarch/pip-25.2-pyh8b19718_0.conda#x
https://conda.anaconda.org/conda-forge/linux-64/python-3.11.14-hd63d673_1_cpython.conda#x
"""
    assert base_pins(lock) == {"jupyterlab": "4.4.9", "pyzmq": "27.1.0", "nbconvert": "7.16.6"}
