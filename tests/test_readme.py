"""The README's Python snippets run as written (not the executor ones: a Dask cluster is not
here, and functions defined through exec do not pickle; test_anneal covers the process pool)."""
import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
BLOCKS = [b for b in re.findall(r"```python\n(.*?)```", README, flags=re.S)
          if "Executor" not in b and "dask" not in b]   # executors: tested in test_anneal


def test_readme_snippets_run_in_order(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)                      # the snippets write run.npz
    ns = {}
    for block in BLOCKS:
        exec(compile(block, "README.md", "exec"), ns)
    out = capsys.readouterr().out
    assert "[0.984" in out                           # the level the README promises
    est = ns["result"].param_estimates()["omega2"]
    assert est == pytest.approx(4.0, abs=0.1)
    assert (tmp_path / "run.npz").exists()
