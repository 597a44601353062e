"""Benchmark: the Newton engine's cost before and after the speed work of issue 12, in one
run.  The code of a base commit (default: the one this branch started from) is unpacked to
a temporary directory and each case runs in a fresh subprocess, alternating old and new, so
both see the same machine.  Cases: the standard Lorenz96 problem (D=20, L=12, 10 starts x
21 beta) by newton (old, new) and lm (old, the reference the target is stated against);
the group's setting (preset group-lorenz96, 10 starts x 101 beta) by newton (old, new).

The machine is shared (2 cores, several users): every case reports wall and process CPU
time; compare CPU-time ratios within one run.  Writes benchmarks/results/speed_newton.json
with the load average before and after.  Run: python benchmarks/speed_newton.py [BASE]
"""
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "speed_newton.json"
BASE = "f735cbc"

CASE = r'''
import json, sys, time
import numpy as np
import dalearn
from dalearn import anneal, get_preset, lorenz96_twin
which, method = sys.argv[1], sys.argv[2]
if which == "standard":
    problem, truth = lorenz96_twin(D=20, L=12, sigma=0.4, N=200, dt=0.025, seed=0)
    kw = dict(betas=21, Rf0=0.01, alpha=2.0, seed=0, n_init=10)
else:
    g = get_preset("group-lorenz96"); problem, truth = g.make(); kw = g.anneal.kwargs()
c = time.process_time()
r = anneal(problem, **{**kw, "method": method})
print(json.dumps({"code": dalearn.__file__, "wall_s": r.wall_s, "cpu_s": time.process_time() - c,
                  "iterations": int(r.nit.sum()), "final_actions": r.final_action.tolist(),
                  "levels": r.levels().tolist(), "verified_all": bool(r.verified.all()),
                  "verified_last_beta": float(r.verified[-1].mean())}))
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


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else BASE
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                         capture_output=True).stdout.strip()
    out = {"base_commit": base, "new_commit": rev, "load_average_before": load(),
           "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cwd:
        blob = subprocess.run(["git", "archive", base, "dalearn"], cwd=ROOT, check=True,
                              capture_output=True).stdout
        tarfile.open(fileobj=io.BytesIO(blob)).extractall(tmp)
        for which, cases in (("standard", [("old", "newton"), ("new", "newton"),
                                           ("old", "lm"), ("old", "newton"),
                                           ("new", "newton")]),
                             ("group", [("old", "newton"), ("new", "newton")])):
            for code, method in cases:
                src = tmp if code == "old" else ROOT
                r = run(src, which, method, cwd)
                assert r["code"].startswith(str(src)), (r["code"], src)
                key = f"{which}_{method}_{code}"
                out.setdefault(key, []).append(r)
                print(f"{key}: wall {r['wall_s']:.2f} s, cpu {r['cpu_s']:.2f} s, "
                      f"{r['iterations']} iterations, levels {[round(v, 3) for v in r['levels']]}",
                      flush=True)
    out["load_average_after"] = load()

    def best(key, what="cpu_s"):
        return min(r[what] for r in out[key])

    out["ratios"] = {
        "standard_newton_new_over_old_cpu": best("standard_newton_new") / best("standard_newton_old"),
        "standard_newton_new_over_lm_cpu": best("standard_newton_new") / best("standard_lm_old"),
        "standard_newton_old_over_lm_cpu": best("standard_newton_old") / best("standard_lm_old"),
        "standard_newton_new_over_old_wall": best("standard_newton_new", "wall_s")
        / best("standard_newton_old", "wall_s"),
        "group_newton_new_over_old_cpu": best("group_newton_new") / best("group_newton_old"),
        "group_newton_new_cpu_s": best("group_newton_new"),
        "group_newton_new_wall_s": best("group_newton_new", "wall_s"),
    }
    same = all(out[f"{w}_newton_new"][0]["levels"] == out[f"{w}_newton_old"][0]["levels"]
               for w in ("standard", "group"))
    out["levels_identical_old_new"] = same
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2))
    print(json.dumps(out["ratios"], indent=1), "levels identical:", same)
    print(f"load average before {out['load_average_before']}, after {out['load_average_after']}")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
