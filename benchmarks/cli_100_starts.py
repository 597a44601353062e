"""Benchmark: 100 starts of the group's Lorenz96 setting through the command line, as a
user runs it: ``python -m dalearn anneal --preset group-lorenz96 --n-init 100 --seed 0``
(dalearn's twin of varanneal's setting: D = 20, observed 0,2,4,6,8,10,14,16, sigma = 0.5,
161 points, Hermite-Simpson, R_f0/R_m = 1e-6, alpha = 1.5, beta = 0..100, nu from U(6, 10);
worker processes by the CLI's default for many starts).  Records the wall time of the whole
command, the workers used, the lowest level with its success statistics (p and its 95 %
interval, starts for 99 %) and the warnings.

Writes benchmarks/results/cli_100_starts.json.  Run alone: python benchmarks/cli_100_starts.py
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "results" / "cli_100_starts.json"


def main():
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "dalearn", "anneal", "--preset", "group-lorenz96",
               "--n-init", "100", "--seed", "0", "--json", "--out", str(Path(tmp) / "r.npz")]
        t = time.perf_counter()
        p = subprocess.run(cmd, check=True, capture_output=True, text=True)
        wall = time.perf_counter() - t
        ru = os.times()
    s = json.loads(p.stdout)
    out = {"command": " ".join(["python"] + cmd[1:-2]), "wall_s": wall,
           "cpu_s_children": ru.children_user + ru.children_system,
           "workers": s.get("workers"), "lowest_level": s["lowest_level"],
           "lowest_level_line": s.get("lowest_level_line"), "warnings": s["warnings"],
           "expected_level": s.get("expected_level"), "levels": s.get("levels"),
           "python": sys.version.split()[0], "cpus": os.cpu_count(),
           "load_average_at_end": os.getloadavg()}
    print(json.dumps({k: v for k, v in out.items() if k != "levels"}, indent=1))
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
