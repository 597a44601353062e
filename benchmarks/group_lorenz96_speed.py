"""Benchmark: newton (the default) against lm on a twin of the group's own Lorenz96 data
setting (varanneal's shipped file: D = 20, observed 0,2,4,6,8,10,14,16, sigma = 0.5,
161 points, dt = 0.025, trapezoid, R_f0/R_m = 1e-6, alpha = 1.5, beta = 0..100, nu from
U(6, 10), 10 starts; the data here are dalearn's seeded twin, the group-lorenz96 preset
with the trapezoid rule).  Same problem, starts and schedule for both, one run: CPU seconds,
iterations per beta and where they go (solves at the iteration cap, status), final levels.

Prints a summary and writes benchmarks/results/group_lorenz96_speed.json.
Run: python benchmarks/group_lorenz96_speed.py [--methods newton,lm] [--starts 10]
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

import dalearn as da

OUT = Path(__file__).parent / "results" / "group_lorenz96_speed.json"


def run(problem, schedule, method):
    t = time.process_time()
    r = da.anneal(problem, **{**schedule, "method": method})
    cpu = time.process_time() - t
    nit = r.nit
    return r, {"method": method, "cpu_s": cpu, "wall_s": r.wall_s,
               "iterations": int(nit.sum()),
               "iterations_per_start": nit.sum(axis=0).tolist(),
               "iterations_per_beta": nit.sum(axis=1).tolist(),
               "solves_at_cap": int(np.sum(r.status == 1)),
               "iterations_in_capped_solves": int(nit[r.status == 1].sum()),
               "status_counts": {str(k): int(v) for k, v in
                                 zip(*np.unique(r.status, return_counts=True))},
               "final_actions": r.final_action.tolist(), "levels": r.levels().tolist(),
               "verified_last_beta": int(r.verified[-1].sum())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--methods", default="newton,lm")
    ap.add_argument("--starts", type=int, default=10)
    ap.add_argument("--maxiter", type=int, default=None)
    a = ap.parse_args()
    preset = da.get_preset("group-lorenz96")
    problem, _ = preset.make(rule="trapezoid")
    schedule = {**preset.anneal.kwargs(), "n_init": a.starts, "maxiter": a.maxiter}
    out = {"python": sys.version.split()[0], "cpus": os.cpu_count(),
           "setting": "group-lorenz96 preset, rule=trapezoid (a twin of varanneal's shipped "
                      "file's setting)", "n_init": a.starts, "maxiter": a.maxiter, "runs": []}
    for m in a.methods.split(","):
        _, row = run(problem, schedule, m)
        out["runs"].append(row)
        print({k: v for k, v in row.items() if k not in ("iterations_per_beta",)}, flush=True)
    lv = [np.array(r["final_actions"]) for r in out["runs"]]
    if len(lv) == 2:
        out["same_final_actions_rtol_1e-6"] = bool(np.allclose(lv[0], lv[1], rtol=1e-6))
        out["cpu_ratio_first_over_second"] = out["runs"][0]["cpu_s"] / out["runs"][1]["cpu_s"]
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
