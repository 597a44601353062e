"""Benchmark: dalearn's default second-order solve against a tuned L-BFGS-B as D grows.

Lorenz96 twin (seed 0, L = D/2 observed, N = 200, dt = 0.025, trapezoid), one start (the
start dalearn's ``anneal`` draws with seed 0), R_f = 0.01 * 2^beta for beta = 0..20 with
warm starts.  Modes, each in a fresh subprocess (CPU seconds by time.process_time, peak
RSS by getrusage of that process, which includes the Python interpreter and imports):

- ``default``: ``dalearn.anneal`` with its default method (Newton; the banded Hessian below
  ``SPARSE_MIN_D`` states, from there the sparse one solved by conjugate gradients
  preconditioned by a kept factor, ``KRYLOV_MIN_D``);
- ``dense`` / ``sparse`` / ``krylov``: the same with ``DALEARN_SPARSE=never`` / ``always`` /
  ``krylov`` (banded Cholesky / a sparse factorisation per solve / conjugate gradients
  preconditioned by a kept factor: the crossovers);
- ``lbfgsb``: scipy's L-BFGS-B at tight tolerances (ftol = gtol = 1e-12, maxiter = maxfun =
  10^7) on the same action, with its own O(M D) numpy gradient (``lorenz_fg`` of
  benchmarks/lorenz96_peers.py), the same schedule and start;
- ``dalearn_lbfgsb``: dalearn's own ``method="lbfgsb"`` (its O(M D) gradient).

Every final point (last beta) is checked with dalearn's own test, outside the timing and
by a factorisation whatever the mode: the exact Hessian there (sparse) has positive pivots
and the Newton decrement ½ gᵀH⁻¹g / A is at most 1e-8 (dalearn's ftol).  Prints a table, fits CPU ∝ D^k, writes
benchmarks/results/scale_newton.json (merging sizes already there).
Run: python benchmarks/scale_newton.py [--sizes 20,50,100,200] [--modes default,lbfgsb]
(``--sizes ""`` runs nothing and refits the runs already in the JSON.)
(D = 500 and 1000 take minutes: run them alone on a quiet machine.)
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "scale_newton.json"

CASE = r'''
import json, resource, sys, time
import numpy as np
from scipy.optimize import minimize
import dalearn
from dalearn.optimize import KRYLOV_COUNTS
from lorenz96_peers import lorenz_fg, verify
D, mode = int(sys.argv[1]), sys.argv[2]
problem, truth = dalearn.lorenz96_twin(D=D, L=D // 2, N=200, dt=0.025, seed=0)
kw = dict(betas=21, Rf0=0.01, alpha=2.0, seed=0, n_init=1)
Rfs = 0.01 * 2.0 ** np.arange(21)
z0 = problem.pack(dalearn.anneal(problem, **{**kw, "betas": 1, "method": "lbfgsb"}).init_paths[0])


c = time.process_time()
if mode == "lbfgsb":
    z, actions, nit = z0.copy(), [], 0
    for Rf in Rfs:
        r = minimize(lorenz_fg(problem, problem.evaluator(Rf)), z, jac=True, method="L-BFGS-B",
                     options={"ftol": 1e-12, "gtol": 1e-12, "maxiter": 10**7, "maxfun": 10**7,
                              "maxcor": 10})
        z, nit = r.x, nit + r.nit
        nfev = locals().get("nfev", 0) + r.nfev
        actions.append(float(r.fun))
else:
    r = dalearn.anneal(problem, **kw, **({"method": "lbfgsb"} if mode == "dalearn_lbfgsb" else {}))
    z = problem.pack(r.paths[0], r.params[-1, 0])
    actions, nit = r.action[:, 0].tolist(), int(r.nit.sum())
cpu = time.process_time() - c
krylov = dict(KRYLOV_COUNTS)
ok, dec = verify(problem, z, Rfs[-1])
print(json.dumps({"D": D, "mode": mode, "cpu_s": cpu, "iterations": nit, "nfev": locals().get("nfev"), "actions": actions,
                  "final_action": actions[-1], "verified": ok, "decrement": dec, "krylov": krylov,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''

ENV = {"default": {}, "dense": {"DALEARN_SPARSE": "never"}, "sparse": {"DALEARN_SPARSE": "always"},
       "krylov": {"DALEARN_SPARSE": "krylov"}, "lbfgsb": {}, "dalearn_lbfgsb": {}}


#: one BLAS thread in every mode (dalearn's annealing sets it anyway; idle BLAS threads
#: spinning in L-BFGS-B's small vector products would count as CPU time)
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run(D: int, mode: str) -> dict:
    path = os.pathsep.join([str(ROOT), str(ROOT / "benchmarks")])    # + lorenz96_peers
    env = {**os.environ, "PYTHONPATH": path, **ENV[mode], **ONE_THREAD}
    p = subprocess.run([sys.executable, "-c", CASE, str(D), mode], env=env, cwd="/",
                       capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def exponent(rows, mode, from_D=50, per_iteration=False):
    """k of CPU ∝ D^k (least squares in log-log) over the sizes of ``mode`` from ``from_D``
    (None with fewer than three); of the CPU per iteration with ``per_iteration``."""
    pts = sorted((r["D"], r["cpu_s"] / (r["iterations"] if per_iteration else 1))
                 for r in rows.values() if r["mode"] == mode and r["D"] >= from_D)
    if len(pts) < 3:                # (rows of other runs may cover a size or two)
        return None
    d, t = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(d, t, 1)[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20,50,100,200,500,1000")
    ap.add_argument("--modes", default="default,lbfgsb")
    args = ap.parse_args()
    old = json.loads(OUT.read_text()) if OUT.exists() else {}
    rows = old.get("runs", {})
    for D in (int(s) for s in args.sizes.split(",") if s):
        for mode in args.modes.split(","):
            before = [round(x, 2) for x in os.getloadavg()]
            r = run(D, mode)
            r["load_before"] = before
            rows[f"{D}_{mode}"] = r
            print(f"D={D:5d} {mode:15s} cpu {r['cpu_s']:8.2f} s  iterations {r['iterations']:7d}"
                  f"  final {r['final_action']:.8f}  verified {r['verified']}"
                  f"  peak RSS {r['peak_rss_mb']:7.0f} MB", flush=True)
            write(rows)
    write(rows, report=True)


def write(rows, report=False):
    """Write the runs so far with the fitted exponents and ratios (and print them)."""
    fits = {m: exponent(rows, m) for m in ENV}
    # from D = 200 the default is on the sparse path throughout; per iteration separates the
    # solver's cost from the number of iterations (which minimum the start reaches)
    fits200 = {m: exponent(rows, m, 200) for m in ENV}
    per_it = {m: exponent(rows, m, 200, per_iteration=True) for m in ("default", "lbfgsb")}
    out = {"runs": rows, "cpu_exponent_from_D50": fits, "cpu_exponent_from_D200": fits200,
           "cpu_per_iteration_exponent_from_D200": per_it, "cpus": os.cpu_count()}
    ratios = {}
    for key, r in rows.items():
        if r["mode"] == "default" and f"{r['D']}_lbfgsb" in rows:
            lb = rows[f"{r['D']}_lbfgsb"]
            ratios[r["D"]] = {"default_over_lbfgsb_cpu": r["cpu_s"] / lb["cpu_s"],
                              "final_action_difference": r["final_action"] - lb["final_action"]}
    out["ratios"] = dict(sorted(ratios.items()))
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1))
    if not report:
        return
    for label, k in (("D >= 50", fits), ("D >= 200", fits200),
                     ("per iteration, D >= 200", per_it)):
        print(f"cost exponent k (CPU ∝ D^k, {label}):",
              {m: round(v, 2) for m, v in k.items() if v is not None})
    print(json.dumps(out["ratios"], indent=1))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
