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


def _anneal(problem, twin, method, n_init, maxiter=None):
    a = anneal(problem, betas=np.arange(0, 29, 2), Rf0=1.0, alpha=2.0, n_init=n_init, seed=1,
               method=method, maxiter=maxiter)
    return {"method": method, "maxiter": maxiter, "wall_s": a.wall_s,
            "iterations": int(a.nit.sum()), "at_iteration_limit": int(np.sum(a.status == 1)),
            "verified_last_beta": int(a.verified[-1].sum()),
            "median_decrement_last_beta": float(np.nanmedian(a.decrement[-1])),
            "final_actions": a.final_action.tolist(),
            "heldout_rms": [twin.heldout_error(problem, th) for th in a.params[-1]]}


def run(problem, twin, n_init=6):
    b = train_backprop(problem, n_init=n_init, seed=1)
    out = {"annealing_" + (m if mi is None else f"{m}_maxiter{mi}"): _anneal(problem, twin, m,
                                                                            n_init, mi)
           for m, mi in (("lbfgsb", None), ("newton", None), ("newton", 40))}
    out["default_method"] = problem.methods[0]
    out["backprop"] = {"wall_s": b.wall_s, "iterations": int(b.nit.sum()),
                       "losses": b.loss.tolist(),
                       "heldout_rms": [twin.heldout_error(problem, th) for th in b.thetas]}
    return out


def main():
    twin = network_twin(width=5, n_layers=40, K_train=40, K_test=200, sigma=0.01, seed=0,
                        shared=False)
    out = {"feedforward_4_layers": run(twin.problem(Network(5, 4, "tanh", shared=False)), twin),
           "recurrent_10_layers": run(twin.problem(Network(5, 10, "tanh", shared=True)), twin)}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2))
    for name, r in out.items():
        b = r["backprop"]
        print(f"{name}: backprop {b['wall_s']:.1f} s, best held-out {min(b['heldout_rms']):.4f}; "
              f"default annealing optimiser {r['default_method']}")
        for key, a in r.items():
            if key.startswith("annealing"):
                print(f"  {key}: {a['wall_s']:.1f} s ({a['wall_s'] / b['wall_s']:.1f}x backprop), "
                      f"{a['iterations']} iterations, {a['at_iteration_limit']} (beta, start) at "
                      f"the limit, {a['verified_last_beta']} of {len(a['final_actions'])} "
                      f"verified at the last beta; final actions "
                      f"{np.round(sorted(a['final_actions']), 4)}, best held-out "
                      f"{min(a['heldout_rms']):.4f}")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
