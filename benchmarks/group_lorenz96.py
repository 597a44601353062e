"""Benchmark: the group's Lorenz96 example in full (varanneal: D = 20, observed 0, 2, 4, 6,
8, 10, 14, 16, sigma = 0.5, 161 points, Hermite-Simpson, R_f0/R_m = 1e-6, alpha = 1.5,
beta = 0..100, nu from U(6, 10), 10 starts), beside its older every-other-component variant
(`varanneal-nu`), with levels, the estimate of nu with its Laplace bar at the lowest level,
and wall times.  What the level plot shows that a single run cannot: whether any start found
the level the noise predicts, and how many did.

Prints a summary and writes benchmarks/results/group_lorenz96.json.
Run: python benchmarks/group_lorenz96.py
"""
import json
import os
import sys
from pathlib import Path

import numpy as np

import dalearn as da
from dalearn.uncertainty import laplace

OUT = Path(__file__).parent / "results" / "group_lorenz96.json"


def run(name: str) -> dict:
    preset = da.get_preset(name)
    problem, truth = preset.make()
    r = da.anneal(problem, **preset.anneal.kwargs())
    lap = laplace(problem, r)
    best = r.best
    levels = r.levels()
    return {
        "preset": name, "source": preset.source, "L": len(problem.observed),
        "rule": problem.rule, "n_beta": int(r.n_beta), "n_init": int(r.n_init),
        "wall_s": r.wall_s, "wall_s_per_start": r.wall_s / r.n_init,
        "iterations_per_start": r.nit.sum(axis=0).tolist(),
        "final_actions": r.final_action.tolist(), "levels": levels.tolist(),
        "starts_at_lowest_level": int(np.sum(r.final_action < levels[0] * (1 + 1e-3))),
        "all_converged": bool(r.converged[-1].all()),
        "nu_hat_best": float(r.params[-1, best, 0]), "nu_std_laplace": lap.param_std["nu"],
        "nu_true": float(truth.params[0]),
        "nu_hat_per_start": r.params[-1, :, 0].tolist(),
        "rms_unobserved_best": da.rms(r.paths[best], truth.x, problem.unobserved),
    }


def main():
    out = {"python": sys.version.split()[0], "cpus": os.cpu_count(),
           "runs": [run("group-lorenz96"), run("varanneal-nu")]}
    for r in out["runs"]:
        print(f"{r['preset']} (L = {r['L']}, {r['rule']}, {r['n_init']} starts x "
              f"{r['n_beta']} betas): {r['wall_s']:.1f} s; levels {np.round(r['levels'], 3)}; "
              f"{r['starts_at_lowest_level']} start(s) at the lowest; nu = "
              f"{r['nu_hat_best']:.3f} ± {r['nu_std_laplace']:.3f} (true {r['nu_true']})")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
