"""Benchmark: which starts reach the noise-consistent level on the group's Lorenz96 setting.

The preset ``group-lorenz96`` (varanneal's Lorenz96 settings: 8 of 20 observed, sigma 0.5,
161 points, Hermite-Simpson, Rf0/Rm = 1e-6, alpha 1.5, beta 0..100, nu from U(6, 10)) on
dalearn's seeded twin.  The target level is the one annealing reaches from the truth (true
path, true nu).  For each start strategy (``dalearn.problem.START_STRATEGIES``: "data" is
varanneal's convention, measured components at their data and the rest U(-10, 10); "nudged"
runs the model forward pulled toward the data on the observed components) the same number
of seeded starts is annealed, and the fraction reaching the target level is reported with its
95 % Clopper-Pearson interval, with the starts a 99 % chance needs and the wall time.

Prints a table and writes benchmarks/results/start_strategies.json.
Run: python benchmarks/start_strategies.py [n_starts] [workers]   (default 100, 2)
"""
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

import dalearn as da
from dalearn.annealing import binomial_interval, starts_needed
from dalearn.problem import initial_starts

OUT = Path(__file__).parent / "results" / "start_strategies.json"
STRATEGIES = {"data (varanneal)": dict(strategy="data"),
              "nudged, gain 5": dict(strategy="nudged", gain=5.0)}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    preset = da.get_preset("group-lorenz96")
    problem, truth = preset.make()
    kw = preset.anneal.kwargs()
    for k in ("n_init", "seed", "param_range", "init_range"):
        kw.pop(k, None)
    rt = da.anneal(problem, **kw, init=(truth.x, truth.params))
    target = float(rt.final_action[0])
    print(f"from the truth: level {target:.4f}, nu {rt.params[-1, 0, 0]:.3f}")
    out = {"preset": "group-lorenz96", "n_starts": n, "workers": workers,
           "cpus": os.cpu_count(), "load_before": os.getloadavg()[0], "target_level": target,
           "expected_level": float(problem.expected_level), "strategies": {}}
    with ProcessPoolExecutor(workers) as pool:
        for name, how in STRATEGIES.items():
            t0 = time.perf_counter()
            X0, P0 = initial_starts(problem, n, seed=1, param_range={"nu": (6.0, 10.0)}, **how)
            r = da.anneal(problem, **kw, init=(X0, P0), executor=pool)
            wall = time.perf_counter() - t0
            fa = r.final_action
            k = int(np.sum(fa <= target * (1 + 1e-3)))
            lo, hi = binomial_interval(k, n)
            ll = r.lowest_level()
            out["strategies"][name] = {
                "reached": k, "p": k / n, "p_low": lo, "p_high": hi,
                "starts_for_99": starts_needed(k / n), "wall_s": wall,
                "lowest_level": ll.to_json(), "levels": r.levels().round(4).tolist()[:12],
                "median_final_action": float(np.median(fa)),
                "nu_hat_reached": [float(v) for v in r.params[-1, fa <= target * 1.001, 0]][:5]}
            print(f"{name:18s} {k:3d}/{n} reach {target:.4f}: p = {k / n:.2f} "
                  f"[{lo:.2f}, {hi:.2f}], {starts_needed(k / n)} starts for 99 %, "
                  f"{wall:.0f} s wall")
    out["load_after"] = os.getloadavg()[0]
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
