"""Benchmark: wall time of each notebook run top to bottom in a fresh kernel, one at a time
(nbclient, as nbval and the site build run them), with the slowest cells.

Prints and writes benchmarks/results/notebook_times.json with the load average before and
after (the machine may be shared: compare notebooks within one run).
Run: python benchmarks/notebook_times.py [NN ...]   (default: every notebook)
"""
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).parent / "results" / "notebook_times.json"


def run(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    cells = []
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            t = time.perf_counter()
            client.execute_cell(cell, i)
            if cell.cell_type == "code":
                cells.append((i, time.perf_counter() - t))
    wall = time.perf_counter() - t0
    slow = sorted(cells, key=lambda c: -c[1])[:3]
    return {"wall_s": round(wall, 2), "slowest_cells": [[i, round(s, 2)] for i, s in slow]}


def main(which):
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if which:
        paths = [p for p in paths if p.name[:2] in which]
    out = {"load_before": os.getloadavg()[0], "notebooks": {}}
    for p in paths:
        out["notebooks"][p.name] = r = run(p)
        print(f"{p.name:34s} {r['wall_s']:6.1f} s   slowest cells (index, s): "
              f"{r['slowest_cells']}", flush=True)
    out["load_after"] = os.getloadavg()[0]
    if not which:
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(json.dumps(out, indent=2))
    print(f"load average {out['load_before']:.2f} before, {out['load_after']:.2f} after")


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)          # not a notebook filter that silently matches nothing
    else:
        main(sys.argv[1:])
