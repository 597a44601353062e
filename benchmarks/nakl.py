"""Benchmark: the group's NaKL preset in full (6001 points, all 18 parameters, beta = 0..400,
alpha = 1.1, 3 starts), with wall time, iterations, levels and the estimates' errors.

Prints a summary and writes benchmarks/results/nakl.json.  Run: python benchmarks/nakl.py
[--quick] (--quick: 1 start and beta = 0..400 step 10, to see that it runs).
"""
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

import dalearn as da
from dalearn.models import NAKL_PARAMS

OUT = Path(__file__).parent / "results" / "nakl.json"


def main(quick: bool = False):
    preset = da.get_preset("group-nakl")
    t = time.perf_counter()
    problem, truth = preset.make()
    twin_s = time.perf_counter() - t
    schedule = preset.anneal.kwargs()
    if quick:
        schedule.update(betas=np.arange(0, 401, 10), n_init=1)
    r = da.anneal(problem, **schedule)
    names = list(NAKL_PARAMS)
    est = r.params[-1]                                  # (n_init, 18)
    true = np.array(list(NAKL_PARAMS.values()))
    V = truth.x[0]
    out = {
        "preset": preset.name, "source": preset.source, "quick": quick,
        "python": sys.version.split()[0], "cpus": os.cpu_count(),
        "N": problem.N, "n_unknowns": problem.n_unknowns, "n_beta": int(r.n_beta),
        "n_init": int(r.action.shape[1]), "spikes_in_window": int(np.sum((V[1:] > 0) &
                                                                       (V[:-1] <= 0))),
        "twin_s": twin_s, "anneal_wall_s": r.wall_s,
        "wall_s_per_start": r.wall_s / r.action.shape[1],
        "iterations_per_start": r.nit.sum(axis=0).tolist(),
        "final_actions": r.final_action.tolist(), "levels": r.levels().tolist(),
        "all_converged": bool(r.converged.all()),
        "relative_error": {n: (est[:, j] / true[j] - 1).tolist() for j, n in enumerate(names)},
        "rms_gates": [da.rms(x, truth.x, [1, 2, 3]) for x in r.paths],
        "rms_V": [da.rms(x, truth.x, [0]) for x in r.paths],
    }
    best = r.best
    t_f, X_f = da.predict(problem, r.paths[best], r.params[-1, best], n_steps=2500)
    out["prediction_rms_V_first_10ms"] = float(np.sqrt(np.mean(
        (X_f[0, :500] - truth.x_future[0, :500]) ** 2)))
    for k, v in out.items():
        print(f"{k}: {v}")
    OUT.parent.mkdir(exist_ok=True)
    if not quick:
        OUT.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main("--quick" in sys.argv)
