"""Benchmark: NaKL twin, newton (exact Hessian) against lm (Gauss-Newton), same problem, same
starts, same schedule, one run each: CPU seconds, iterations, levels, verified minima,
conductance errors; newton also with 400 iterations per solve.

Windows: 40 ms (2000 points, notebook 07's setting) and 120 ms (6001 points, the group's
length).  Data: the ``group-nakl`` preset's recording (sigma = 1 mV, dt = 0.02 ms, V only,
all 18 parameters estimated within the group's bounds).  Schedule: notebook 07's (ours):
alpha = 2, beta = 0, 5, .., 55, ending at the group's final R_f.  Prints a summary and writes
benchmarks/results/nakl_newton.json.  Run: python benchmarks/nakl_newton.py [--starts N]
[--windows 2000,6001]
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

import dalearn as da

OUT = Path(__file__).parent / "results" / "nakl_newton.json"
#: (method, maxiter): the defaults, and newton with room for the sloppy valley at beta = 40
RUNS = (("newton", None), ("lm", None), ("newton", 400))


def window(full, n):
    """The first n points, with the model's exact second derivatives declared."""
    return da.Problem(da.NaKL(hessian=True), full.data[:, :n], full.dt, observed=[0], sigma=1.0,
                      rule=full.rule, params=full.params, estimate=full.estimate,
                      bounds=full.param_bounds, drive=full.drive)


def run(problem, truth_p, method, n_init, maxiter=None):
    preset = da.get_preset("group-nakl")
    t = time.process_time()
    r = da.anneal(problem, betas=np.arange(0, 56, 5), Rf0=preset.anneal.Rf0, alpha=2.0,
                  n_init=n_init, seed=0, method=method, maxiter=maxiter)
    cpu = time.process_time() - t
    est = r.params[-1]
    return {"method": method, "maxiter": maxiter or 200, "cpu_s": cpu, "wall_s": r.wall_s,
            "iterations": int(r.nit.sum()), "iterations_last_beta": r.nit[-1].tolist(),
            "status_last_beta": r.status[-1].tolist(),
            "iteration_cap_hits": int(np.sum(r.status == 1)),
            "iterations_per_beta": r.nit.T.tolist(), "status_per_beta": r.status.T.tolist(),
            "final_actions": r.final_action.tolist(), "levels": r.levels().tolist(),
            "verified_last_beta": r.verified[-1].tolist(),
            "verified_all": bool(r.verified.all()),
            "rel_error": {n: (est[:, j] / truth_p[j] - 1).tolist()
                          for j, n in enumerate(("gNa", "gK", "gL"))}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--starts", type=int, default=2)
    ap.add_argument("--windows", default="2000,6001")
    a = ap.parse_args()
    full, truth = da.get_preset("group-nakl").make(N=6001, n_future=0)
    out = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "n_init": a.starts,
           "schedule": "alpha=2, beta=0,5,..,55, Rf0=(1e-8,1e-4,1e-4,1e-4) (ours)",
           "windows": {}}
    for n in map(int, a.windows.split(",")):
        pb = window(full, n)
        rows = [run(pb, truth.params, m, a.starts, k) for m, k in RUNS]
        key = f"{(n - 1) * pb.dt:.0f} ms"
        out["windows"][key] = {"N": n, "runs": rows,
                               "cpu_ratio_newton_over_lm": rows[0]["cpu_s"] / rows[1]["cpu_s"]}
        for r in rows:
            print(key, {k: v for k, v in r.items() if k != "rel_error"}, flush=True)
            print("   rel_error", r["rel_error"], flush=True)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
