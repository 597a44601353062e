"""Annealing against backprop where minima are many: from the same random starting weights
(``--starts``, default 50), the fraction of starts reaching the lowest training loss for
precision annealing (then finished by L-BFGS-B), backprop with L-BFGS-B and backprop with
Adam, with 95 % Clopper-Pearson intervals (dalearn.annealing.binomial_interval) and the wall
time per start, on :func:`dalearn.network.minima_problem` (ours).  Writes benchmarks/results/many_minima.json.

    python benchmarks/many_minima.py [--starts 50] [--workers 2] [--adam-steps 5000]
"""
import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from dalearn.network import compare_starts, minima_problem

ap = argparse.ArgumentParser()
ap.add_argument("--starts", type=int, default=50)
ap.add_argument("--workers", type=int, default=2)
ap.add_argument("--adam-steps", type=int, default=5000)
ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "many_minima.json"))
a = ap.parse_args()
twin, problem = minima_problem(seed=0)
anneal_kw = {"betas": np.arange(0, 31, 2), "Rf0": 1.0, "alpha": 2.0}
adam_kw = {"steps": a.adam_steps, "lr": 0.01}
load_before = os.getloadavg()[0]
t0 = time.perf_counter()
with ProcessPoolExecutor(a.workers) as ex:
    c = compare_starts(problem, a.starts, seed=1, anneal_kw=anneal_kw, adam_kw=adam_kw,
                       executor=ex)
wall = time.perf_counter() - t0
table = c.table()
for m, row in table.items():
    lo, hi = row["interval"]
    print(f"{m:>10}: {row['reached']:3d}/{row['n']} reach the lowest loss "
          f"({row['fraction']:.2f}, 95 % [{lo:.2f}, {hi:.2f}]); median loss "
          f"{row['median_loss']:.4f}; median wall per start {row['median_wall_s']}")
print(f"lowest loss {c.lowest:.6f}; total wall {wall:.1f} s on {a.workers} workers")
for m, v in c.info.items():
    print(f"{m:>10}: {int(np.sum(v['status'] == 0))} converged; max|grad| median "
          f"{np.median(v['max_grad']):.2g}; max|theta| median {np.median(v['max_theta']):.3g}")
out = {"problem": problem.describe(), "starts": a.starts, "seed_starts": 1, "twin_seed": 0,
       "anneal": {k: np.asarray(v).tolist() for k, v in anneal_kw.items()},
       "adam": adam_kw, "lbfgs": {"maxiter": 3000, "ftol": 1e-13, "gtol": 1e-9},
       "reached_rtol": 1e-3, "lowest_loss": c.lowest, "table": table,
       "loss": {k: v.tolist() for k, v in c.loss.items()},
       "wall_s": {k: [None if not np.isfinite(x) else float(x) for x in v]
                  for k, v in c.wall_s.items()},
       "info": {k: {f: x.tolist() for f, x in v.items()} for k, v in c.info.items()},
       "total_wall_s": wall, "workers": a.workers,
       "load_avg_1min": [load_before, os.getloadavg()[0]]}
Path(a.out).write_text(json.dumps(out, indent=1))
print("wrote", a.out)
