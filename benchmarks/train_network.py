"""Benchmark: training notebook 03's networks by precision annealing and by backpropagation.

Prints and writes benchmarks/results/train_network.json.  Run: python benchmarks/train_network.py
"""
import json
import time
from pathlib import Path

import numpy as np

from dalearn import anneal
from dalearn.network import Network, network_twin, train_backprop

OUT = Path(__file__).parent / "results" / "train_network.json"


def run(problem, twin, n_init=6):
    t = time.perf_counter()
    a = anneal(problem, betas=np.arange(0, 29, 2), Rf0=1.0, alpha=2.0, n_init=n_init, seed=1)
    wall_a = time.perf_counter() - t
    b = train_backprop(problem, n_init=n_init, seed=1)
    return {
        "annealing": {"wall_s": wall_a, "iterations": int(a.nit.sum()),
                      "final_actions": a.final_action.tolist(),
                      "heldout_rms": [twin.heldout_error(problem, th) for th in a.params[-1]]},
        "backprop": {"wall_s": b.wall_s, "iterations": int(b.nit.sum()),
                     "losses": b.loss.tolist(),
                     "heldout_rms": [twin.heldout_error(problem, th) for th in b.thetas]},
    }


def main():
    twin = network_twin(width=5, n_layers=40, K_train=40, K_test=200, sigma=0.01, seed=0,
                        shared=False)
    out = {"feedforward_4_layers": run(twin.problem(Network(5, 4, "tanh", shared=False)), twin),
           "recurrent_10_layers": run(twin.problem(Network(5, 10, "tanh", shared=True)), twin)}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2))
    for name, r in out.items():
        a, b = r["annealing"], r["backprop"]
        print(f"{name}: annealing {a['wall_s']:.1f} s ({a['iterations']} L-BFGS-B iterations), "
              f"best held-out {min(a['heldout_rms']):.4f}; backprop {b['wall_s']:.1f} s "
              f"({b['iterations']} iterations), best held-out {min(b['heldout_rms']):.4f}; "
              f"ratio {a['wall_s'] / b['wall_s']:.0f}x")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
