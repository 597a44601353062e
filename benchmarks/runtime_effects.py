"""Benchmark: what dalearn's process tuning costs and buys, against an earlier commit.

For the standard problem (Lorenz96 D = 20, L = 12, N = 200, 10 starts x 21 beta, serial) it
runs, each in a fresh Python process as a notebook kernel would:

- ``wall_s``: the serial anneal's wall time;
- ``rss_mb_after``: the process's resident memory after the anneal and after allocating and
  freeing 800 MB of 8 MB arrays (what a learner's kernel keeps afterwards);
- the same with no dalearn import at all (``no_dalearn``), for the RSS floor.

``--baseline REV`` (default: the commit before the tuning moved into a context manager)
is exported with ``git archive`` to a temporary directory and run the same way, so the two
are compared in one run.  Writes benchmarks/results/runtime_effects.json.
Run: python benchmarks/runtime_effects.py [--baseline REV] [--repeat 3]
"""
import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "runtime_effects.json"

PROBE = r"""
import json, sys, time
import numpy as np
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
out = {}
if sys.argv[1] == "dalearn":
    import dalearn
    try:
        from dalearn import lorenz96_twin, anneal            # the front door
        problem, truth = lorenz96_twin(D=20, L=12, sigma=0.4, N=200, seed=0)
    except ImportError:
        from dalearn.problem import lorenz96_twin
        from dalearn.anneal import anneal
        problem, truth = lorenz96_twin(D=20, L=12, sigma=0.4, N=200, seed=0)
    anneal(problem, betas=3, Rf0=0.01, alpha=2.0, n_init=1, seed=0)     # warm imports
    t = time.perf_counter()
    r = anneal(problem, betas=21, Rf0=0.01, alpha=2.0, n_init=10, seed=0)
    out["wall_s"] = time.perf_counter() - t
    out["final_action"] = float(r.final_action.min())
    out["iterations"] = int(r.nit.sum())
out["rss_mb_before_alloc"] = rss_mb()
blocks = [np.ones(1_000_000) for _ in range(100)]     # 100 x 8 MB
del blocks
out["rss_mb_after"] = rss_mb()
print(json.dumps(out))
"""


def run_probe(pythonpath: str | None, kind: str) -> dict:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    out = subprocess.run([sys.executable, "-c", PROBE, kind], env=env, capture_output=True,
                         text=True, check=True, cwd=tempfile.gettempdir())
    return json.loads(out.stdout.strip().splitlines()[-1])


def export(rev: str, where: Path) -> Path:
    data = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True,
                          check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(where, filter="data")
    return where


def best_of(pythonpath, kind, repeat):
    runs = [run_probe(pythonpath, kind) for _ in range(repeat)]
    best = min(runs, key=lambda r: r.get("wall_s", 0.0))
    return {**best, "wall_s_all": [r.get("wall_s") for r in runs],
            "rss_mb_after_all": [r["rss_mb_after"] for r in runs]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="b8ae350",
                    help="git revision to compare with (default: b8ae350, before the refactor)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each (best wall time kept)")
    args = ap.parse_args()
    out = {"python": sys.version.split()[0], "cpus": os.cpu_count(),
           "baseline": args.baseline}
    with tempfile.TemporaryDirectory() as tmp:
        base = export(args.baseline, Path(tmp))
        # interleave the two so a noisy neighbour hits both alike
        out["now"] = best_of(str(ROOT), "dalearn", args.repeat)
        out["baseline_rev"] = best_of(str(base), "dalearn", args.repeat)
    out["no_dalearn"] = best_of(None, "none", 1)
    out["wall_ratio_now_over_baseline"] = out["now"]["wall_s"] / out["baseline_rev"]["wall_s"]
    print(json.dumps({k: v for k, v in out.items()}, indent=1))
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
