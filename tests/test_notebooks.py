"""Notebook hygiene: the course is stored clean (no outputs), each notebook opens with what
it shows and how long it takes and ends with what to try next, and opens without a
'Select Kernel' dialog.  nbval (the same test command) executes every notebook."""
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_course_has_its_notebooks_in_order():
    names = [p.name for p in NOTEBOOKS]
    assert names == ["01_data_assimilation.ipynb", "02_precision_annealing.ipynb",
                     "03_ml_as_da.ipynb", "04_deeper_is_finer.ipynb",
                     "05_deepest_learning.ipynb", "07_neuron.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean_and_framed(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, \
                f"{path.name}: stored outputs (clear them: the course is kept clean)"
    first, last = "".join(nb["cells"][0]["source"]), "".join(nb["cells"][-1]["source"])
    assert nb["cells"][0]["cell_type"] == "markdown" and first.startswith("# ")
    assert "What this shows" in first and "Time:" in first
    assert "What to try next" in last
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert any("assert" in "".join(c["source"]) for c in code), "claims must be checked"
