"""Benchmark: the second-order engine's cost against earlier code, in one run.

Three codes, each unpacked with ``git archive`` to a temporary directory (or this tree):
``issue`` (ISSUE, the commit issue 12 was filed against, whose default for Lorenz96 was
``lm``: the "today's serial wall time" of the issue's target), ``base`` (BASE, the code
before this round of work) and ``new`` (this tree).  Each case runs in a fresh subprocess,
alternating codes round by round, so all see the same machine.  Cases: the standard
Lorenz96 problem (D=20, L=12, 10 starts x 21 beta) by issue/lm, base/newton, new/newton and
new/lm; the same with L=6 by base/newton and new/newton; the group's setting (preset group-lorenz96, 10 starts x 101 beta) by base/newton and
new/newton.

The machine is shared (2 cores, several users): every case reports wall and process CPU
time, the best of ``--rounds`` is kept; compare CPU-time ratios within one run.  Writes
benchmarks/results/speed_newton.json with the load average before and after.
Run: python benchmarks/speed_newton.py [--rounds 3] [--base REV] [--issue REV] [--only CASE]
"""
import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "speed_newton.json"
ISSUE = "e8e7130"        # the code issue 12 was filed against (default method lm)
BASE = "d0b6def"         # before one-sided border solves and the product-free predicted decrease

CASE = r'''
import json, sys, time
import numpy as np
import dalearn
from dalearn import anneal, get_preset, lorenz96_twin
which, method = sys.argv[1], sys.argv[2]
if which in ("standard", "L6"):
    L = 12 if which == "standard" else 6
    problem, truth = lorenz96_twin(D=20, L=L, sigma=0.4, N=200, dt=0.025, seed=0)
    kw = dict(betas=21, Rf0=0.01, alpha=2.0, seed=0, n_init=10)
else:
    g = get_preset("group-lorenz96"); problem, truth = g.make(); kw = g.anneal.kwargs()
c = time.process_time()
r = anneal(problem, **{**kw, "method": method})
cpu = time.process_time() - c
fa = np.asarray(r.final_action)
# the issue's code predates AnnealResult.levels and .verified
levels = r.levels().tolist() if hasattr(r, "levels") else sorted(set(np.round(fa, 6).tolist()))
ver = getattr(r, "verified", None)
print(json.dumps({"code": dalearn.__file__, "wall_s": r.wall_s, "cpu_s": cpu,
                  "iterations": int(r.nit.sum()), "final_actions": fa.tolist(),
                  "levels": levels, "verified_all": None if ver is None else bool(ver.all()),
                  "verified_last_beta": None if ver is None else float(ver[-1].mean())}))
'''


def load():
    return [round(x, 2) for x in os.getloadavg()]


def run(src, which, method, cwd):
    # a neutral working directory: ``python -c`` puts it first on sys.path
    env = {**os.environ, "PYTHONPATH": str(src)}
    p = subprocess.run([sys.executable, "-c", CASE, which, method], env=env, cwd=cwd,
                       capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(p.stderr)
    out = p.stdout
    return json.loads(out.strip().splitlines()[-1])


CASES = {"standard": [("issue", "lm"), ("base", "newton"), ("new", "newton"), ("new", "lm")],
         "L6": [("base", "newton"), ("new", "newton")],
         "group": [("base", "newton"), ("new", "newton")]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds of every case (best kept)")
    ap.add_argument("--base", default=BASE)
    ap.add_argument("--issue", default=ISSUE)
    ap.add_argument("--only", choices=sorted(CASES), help="run one problem (no JSON written)")
    args = ap.parse_args()
    cases = {args.only: CASES[args.only]} if args.only else CASES
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                         capture_output=True).stdout.strip()
    out = {"issue_commit": args.issue, "base_commit": args.base, "new_commit": rev + "+tree",
           "load_average_before": load(), "cpus": os.cpu_count(), "rounds": args.rounds}
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cwd:
        src = {"new": ROOT}
        for code, commit in (("issue", args.issue), ("base", args.base)):
            blob = subprocess.run(["git", "archive", commit, "dalearn"], cwd=ROOT, check=True,
                                  capture_output=True).stdout
            (Path(tmp) / code).mkdir()
            tarfile.open(fileobj=io.BytesIO(blob)).extractall(Path(tmp) / code, filter="data")
            src[code] = Path(tmp) / code
        for _ in range(args.rounds):
            for which, runs in cases.items():
                for code, method in runs:
                    r = run(src[code], which, method, cwd)
                    assert r["code"].startswith(str(src[code])), (r["code"], src[code])
                    key = f"{which}_{code}_{method}"
                    out.setdefault(key, []).append(r)
                    print(f"{key}: wall {r['wall_s']:.2f} s, cpu {r['cpu_s']:.2f} s, "
                          f"{r['iterations']} iterations, "
                          f"levels {[round(v, 3) for v in r['levels']]}", flush=True)
    out["load_average_after"] = load()
    if args.only:
        return

    def best(key, what="cpu_s"):
        return min(r[what] for r in out[key])

    out["ratios"] = {
        "standard_new_newton_over_issue_lm_cpu": best("standard_new_newton")
        / best("standard_issue_lm"),
        "standard_new_newton_over_issue_lm_wall": best("standard_new_newton", "wall_s")
        / best("standard_issue_lm", "wall_s"),
        "standard_new_newton_over_new_lm_cpu": best("standard_new_newton") / best("standard_new_lm"),
        "standard_new_over_base_newton_cpu": best("standard_new_newton")
        / best("standard_base_newton"),
        "L6_new_over_base_newton_cpu": best("L6_new_newton") / best("L6_base_newton"),
        "L6_over_standard_new_newton_cpu": best("L6_new_newton") / best("standard_new_newton"),
        "group_new_over_base_newton_cpu": best("group_new_newton") / best("group_base_newton"),
        "group_new_newton_cpu_s": best("group_new_newton"),
        "group_new_newton_wall_s": best("group_new_newton", "wall_s"),
        "group_base_newton_cpu_s": best("group_base_newton"),
    }
    out["levels_equal_base_new_to_2e-8"] = all(
        np.allclose(out[f"{w}_new_newton"][0]["levels"], out[f"{w}_base_newton"][0]["levels"],
                    rtol=2e-8, atol=0) for w in CASES)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2))
    print(json.dumps(out["ratios"], indent=1), "levels equal base/new (2e-8, the stopping rule):",
          out["levels_equal_base_new_to_2e-8"])
    print(f"load average before {out['load_average_before']}, after {out['load_average_after']}")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
