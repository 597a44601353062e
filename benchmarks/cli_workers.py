"""Benchmark: where worker processes pay off in ``python -m dalearn anneal`` (2 cores).

The CLI's defaults (Lorenz96 D = 20, L = 12, N = 200, beta = 0..20: about 0.1-0.2 s of
work per start) and the group-lorenz96 twin (beta = 0..100: seconds per start), for
--n-init 2, 4, 8, 16 (the twin: 2, 4), each with --workers 1 and --workers 2, alternating;
wall seconds of the whole command (a fresh interpreter, as a user runs it).  Prints a table
and writes benchmarks/results/cli_workers.json.  Run: python benchmarks/cli_workers.py
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "results" / "cli_workers.json"
CASES = {"default (L96 D=20 L=12, beta 0..20)": [],
         "group-lorenz96 twin (beta 0..100)": ["--preset", "group-lorenz96"]}


def wall(extra, n_init, workers, tmp):
    cmd = [sys.executable, "-m", "dalearn", "anneal", *extra, "--n-init", str(n_init),
           "--workers", str(workers), "--json", "--out", str(Path(tmp) / "r.npz")]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def main():
    out = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "cases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in CASES.items():
            rows = []
            for n in ((2, 4, 8, 16) if not extra else (2, 4)):
                w1, w2 = wall(extra, n, 1, tmp), wall(extra, n, 2, tmp)
                rows.append({"n_init": n, "wall_s_workers_1": w1, "wall_s_workers_2": w2,
                             "speedup": w1 / w2})
                print(name, rows[-1], flush=True)
            out["cases"][name] = rows
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
