"""The house's shape: one front door, imports flowing one way, the annealing contract.

The layer test parses every module of dalearn (imports inside functions included) and fails
on an import of a higher layer or on a cycle; ``test_the_layer_check_catches_a_planted_*``
shows it would.
"""
import ast
from pathlib import Path

import numpy as np
import pytest

import dalearn as da

PKG = Path(da.__file__).resolve().parent

#: the layers, lowest first: the folders of dalearn/ (and the private base modules); a module
#: may import only from its own package or from packages of lower layers
LAYERS = [
    {"_checks", "_io", "_runtime", "_settings", "_compat", "_links"},
    {"optimize", "models", "landscape"},
    {"discretize"},
    {"problem", "levels"},
    {"annealing", "uncertainty"},
    {"network", "continuous"},
    {"experiments"},
    {"plots"},
    {"widgets"},
    {"course"},
    {"cli"},
    {"__init__", "__main__"},
]


def layer_of(module: str) -> int:
    top = module.split(".")[0]
    for i, group in enumerate(LAYERS):
        if top in group:
            return i
    raise AssertionError(f"module {module!r} is in no layer: add its folder to LAYERS")


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def dalearn_imports(source: str, module: str) -> set:
    """Every dalearn module ``module`` imports (relative or absolute, any depth)."""
    found = set()
    package = module.split(".")[:-1] if not module.endswith("__init__") else []
    if (PKG / module.replace(".", "/")).is_dir():
        package = module.split(".")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [a.name for a in node.names]
            elif node.module and node.module.split(".")[0] == "dalearn":
                names = [node.module[len("dalearn."):]] if "." in node.module else \
                    [a.name for a in node.names]
            else:
                continue
            found.update(n for n in names if n)
        elif isinstance(node, ast.Import):
            found.update(a.name[len("dalearn."):] for a in node.names
                         if a.name.startswith("dalearn."))
    return {n for n in found if n.split(".")[0] != module.split(".")[0]}


def import_graph(sources: dict) -> dict:
    return {m: dalearn_imports(src, m) for m, src in sources.items()}


def violations(graph: dict) -> list:
    """Upward imports and cycles between top-level modules."""
    bad = []
    for m, deps in graph.items():
        for d in deps:
            if layer_of(d) > layer_of(m):
                bad.append(f"{m} (layer {layer_of(m)}) imports {d} (layer {layer_of(d)})")
    tops = {}
    for m, deps in graph.items():
        tops.setdefault(m.split(".")[0], set()).update(d.split(".")[0] for d in deps)
    for start in tops:
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in tops.get(node, ()):
                if nxt == start:
                    bad.append("cycle: " + " -> ".join(trail + [start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, trail + [nxt]))
    return bad


def package_sources() -> dict:
    return {module_name(p): p.read_text() for p in PKG.rglob("*.py")}


def test_imports_flow_one_way_with_no_cycle():
    assert violations(import_graph(package_sources())) == []


def test_the_layer_check_catches_a_planted_cycle_and_upward_import():
    sources = package_sources()
    # an import inside a function counts: problem -> annealing is upward
    sources["problem._problem"] += "\n\ndef _f():\n    from ..annealing import anneal\n"
    bad = violations(import_graph(sources))
    assert any(f"problem._problem (layer {layer_of('problem')}) imports annealing" in b
               for b in bad)
    sources = package_sources()
    sources["models._base"] += "\nfrom ..discretize import RULES\n"  # discretize uses models
    bad = violations(import_graph(sources))
    assert any(b.startswith("cycle:") for b in bad)


def test_nothing_below_widgets_imports_ipywidgets_and_below_plots_no_plotting():
    for m, src in package_sources().items():
        tree = ast.parse(src)
        mods = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                for a in n.names}
        mods |= {n.module.split(".")[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and n.module and not n.level}
        if layer_of(m) < layer_of("widgets"):
            assert "ipywidgets" not in mods, m
        if layer_of(m) < layer_of("plots"):
            assert not mods & {"plotly", "matplotlib"}, m


def test_front_door_gives_the_functions_not_modules():
    import inspect
    for name in ("anneal", "action", "predict", "lorenz96_twin", "twin_experiment",
                 "train_backprop", "network_twin", "get_preset", "rms"):
        assert inspect.isfunction(getattr(da, name)), name
    for name in ("Problem", "AnnealResult", "Network", "NetworkProblem", "TwinSettings",
                 "AnnealSettings", "Lorenz96", "CustomModel"):
        assert inspect.isclass(getattr(da, name)), name
    assert set(da.__all__) <= set(dir(da)) | {"widgets"}


def test_the_library_imports_without_ipywidgets_until_widgets_are_used():
    import subprocess
    import sys
    code = ("import sys, dalearn; assert 'ipywidgets' not in sys.modules, 'imported early'; "
            "dalearn.widgets.BetaScrubber; assert 'ipywidgets' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PKG.parent)


def test_both_problem_kinds_satisfy_the_annealing_contract():
    twin = da.lorenz96_twin(D=6, L=3, N=10, seed=0)
    net = da.network_twin(width=3, n_layers=4, K_train=3, K_test=2, seed=0)
    nproblem = net.problem(da.Network(3, 2))
    for problem in (twin.problem, nproblem):
        assert isinstance(problem, da.Annealable)
    assert not isinstance(object(), da.Annealable)
    with pytest.raises(TypeError, match="Annealable"):
        da.anneal(object())
    r = da.anneal(nproblem, betas=2, Rf0=1.0, n_init=1, seed=0, maxiter=5)
    est = r.param_estimates()                          # every weight, by its name
    assert list(est) == list(nproblem.param_names) and len(est) == nproblem.net.n_weights
    np.testing.assert_array_equal(list(est.values()), r.params[-1, 0])


def test_twins_are_one_kind_of_object():
    twin = da.lorenz96_twin(D=6, L=3, N=10, seed=0)
    problem, truth = twin
    assert problem is twin.problem and truth is twin.truth
    assert da.twin_from_settings(da.TwinSettings(D=6, L=3, N=10)).problem.N == 10


def test_one_privacy_rule_implementation_private_api_in_package_inits():
    """Inside a package every module is private (``_name.py``); the public API is the
    package's ``__init__``; no module reaches into another package's private modules."""
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        assert rel.name.startswith("_"), f"{rel}: implementation modules are private"
    for m, deps in import_graph(package_sources()).items():
        for d in deps:
            top, _, rest = d.partition(".")
            assert not rest.startswith("_"), f"{m} imports {d}: use {top}'s public names"
