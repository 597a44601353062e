"""Benchmark: the banded Newton path (direct band assembly) against the sparse Krylov path as
D grows: where the crossover ``SPARSE_MIN_D_DIRECT_BAND`` lies.

Lorenz96 twin (seed 0, L = D/2 observed, N = 200, dt = 0.025, sigma = 0.4, trapezoid), one
start (``anneal``'s seed 0), R_f = 0.01 * 2^beta, beta = 0..20.  Two modes, each in a fresh
subprocess with one BLAS thread: ``band`` (``DALEARN_SPARSE=never``: the banded Cholesky of
the band written straight from the Jacobian's pattern) and ``krylov``
(``DALEARN_SPARSE=krylov``: the sparse Hessian solved by conjugate gradients preconditioned
by a kept factor, the default from ``SPARSE_MIN_D_DIRECT_BAND`` states on).  CPU seconds of
the anneal (time.process_time), peak RSS of the process, iterations, the final action and
whether every beta was verified.  Writes benchmarks/results/band_crossover.json.
Run: python benchmarks/band_crossover.py [--sizes 80,100,150,200,250]
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "band_crossover.json"
MODES = {"band": "never", "krylov": "krylov"}

CASE = r'''
import json, resource, sys, time
import dalearn
D = int(sys.argv[1])
problem, _ = dalearn.lorenz96_twin(D=D, L=D // 2, N=200, dt=0.025, sigma=0.4, seed=0)
c = time.process_time()
r = dalearn.anneal(problem, betas=21, Rf0=0.01, alpha=2.0, seed=0, n_init=1)
cpu = time.process_time() - c
print(json.dumps({"cpu_s": cpu, "iterations": int(r.nit.sum()),
                  "final_action": float(r.action[-1, 0]), "verified": bool(r.verified.all()),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def run(D: int, mode: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DALEARN_SPARSE": MODES[mode],
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    p = subprocess.run([sys.executable, "-c", CASE, str(D)], env=env, capture_output=True,
                       text=True, cwd="/tmp")
    if p.returncode:
        raise RuntimeError(f"D={D} {mode} failed:\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="80,100,150,200,250")
    sizes = [int(s) for s in ap.parse_args().sizes.split(",")]
    out = {"twin": "lorenz96_twin(D, L=D//2, N=200, dt=0.025, sigma=0.4, seed=0)",
           "schedule": "betas=21, Rf0=0.01, alpha=2.0, n_init=1, seed=0",
           "load_before": os.getloadavg()[0], "runs": {}}
    print(f"{'D':>4} {'mode':8} {'CPU s':>7} {'iter':>5} {'RSS MB':>7}  final action  verified")
    for D in sizes:
        for mode in MODES:
            r = run(D, mode)
            out["runs"][f"D{D}_{mode}"] = r
            print(f"{D:4d} {mode:8} {r['cpu_s']:7.2f} {r['iterations']:5d} "
                  f"{r['peak_rss_mb']:7.0f}  {r['final_action']:.10f}  {r['verified']}")
        b, d = out["runs"][f"D{D}_band"], out["runs"][f"D{D}_krylov"]
        out["runs"][f"D{D}_band_over_krylov"] = b["cpu_s"] / d["cpu_s"]
    out["load_after"] = os.getloadavg()[0]
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print("ratios band/krylov:", {k: round(v, 3) for k, v in out["runs"].items()
                                  if k.endswith("over_krylov")}, f"\nwrote {OUT}")


if __name__ == "__main__":
    main()
