"""Benchmark: training notebook 03's networks by precision annealing and by backpropagation,
and the group's network twin (preset ``group-network``) annealed in full.

Prints and writes benchmarks/results/train_network.json.  Run:
python benchmarks/train_network.py [ENTRY ...]  (entries: feedforward_4_layers,
recurrent_10_layers, group_network; default all; the JSON keeps the entries not run).
"""
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from dalearn import anneal
from dalearn.network import Network, network_twin, train_backprop
from dalearn.experiments import get_preset

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
           for m, mi in (("lbfgsb", None), ("newton", None), ("newton", 40), ("tr", None),
                         ("tr", 40), ("hybrid", None), ("hybrid", 40))}
    ref = out["annealing_lbfgsb"]["final_actions"]
    for key, a in out.items():
        # the target: every start's final action no higher than L-BFGS-B's
        a["starts_above_lbfgsb"] = int(np.sum(np.array(a["final_actions"])
                                              > np.array(ref) * (1 + 1e-9)))
        a["max_above_lbfgsb_max"] = bool(max(a["final_actions"]) > max(ref))
    out["default_method"] = problem.methods[0]
    for a in out.values():
        if isinstance(a, dict):
            a["ratio_to_backprop"] = a["wall_s"] / b.wall_s
    out["backprop"] = {"wall_s": b.wall_s, "iterations": int(b.nit.sum()),
                       "losses": b.loss.tolist(),
                       "heldout_rms": [twin.heldout_error(problem, th) for th in b.thetas]}
    return out


def group_network():
    """The group's network twin (varanneal's examples/nnet_twin) with its full schedule:
    beta = 0..435, alpha = 1.1, 3 starts, L-BFGS-B; serial."""
    preset = get_preset("group-network")
    problem, twin = preset.make()
    r = anneal(problem, **preset.anneal.kwargs())
    d = problem.V[0] - problem.V[1]
    ev = problem.evaluator(r.Rf[-1, 0])
    grad_norms = [float(np.linalg.norm(ev.value_grad(problem.pack(r.paths[i],
                                                               r.params[-1, i]))[1]))
                  for i in range(r.n_init)]
    return {
        "preset": preset.name, "source": preset.source, "method": r.settings["method"],
        "final_point_check": "last beta only (pos_def -1 before)",
        "verified_last_beta": int(r.verified[-1].sum()),
        "pos_def_last_beta": None if r.pos_def is None else r.pos_def[-1].tolist(),
        "schedule": {"n_beta": int(r.n_beta), "Rf0": preset.anneal.Rf0,
                     "alpha": preset.anneal.alpha, "n_init": r.n_init,
                     "ftol": preset.anneal.ftol},
        "n_weights": problem.net.n_weights, "n_unknowns": problem.n_unknowns,
        "wall_s": r.wall_s, "iterations": int(r.nit.sum()),
        "iterations_per_start": r.nit.sum(axis=0).tolist(),
        "not_converged_solves": int((r.status != 0).sum()),
        "final_actions": r.final_action.tolist(),
        "levels": r.levels().tolist(),
        # the level of a network that outputs the mean of the two noisy training outputs
        # whatever its input (the teacher's output does not depend on its input)
        "constant_output_level": float(problem.w_meas * np.sum(d ** 2) / 2),
        "teacher_output_spread": float(np.ptp(twin.V_test, axis=0).max()),
        "heldout_rms": [twin.heldout_error(problem, th) for th in r.params[-1]],
        # a start whose solves stall keeps its model residuals while R_f grows: its model
        # term then grows by alpha per beta (1.1^10 = 2.6 over the last ten betas)
        "final_model_terms": r.model_term[-1].tolist(),
        "model_term_growth_last_10_betas": (r.model_term[-1] / r.model_term[-11]).tolist(),
        "iterations_last_10_betas": r.nit[-10:].sum(axis=0).tolist(),
        "final_gradient_norms": grad_norms,
    }


ENTRIES = {
    "feedforward_4_layers": lambda twin: run(twin.problem(Network(5, 4, "tanh", shared=False)),
                                             twin),
    "recurrent_10_layers": lambda twin: run(twin.problem(Network(5, 10, "tanh", shared=True)),
                                            twin),
    "group_network": lambda twin: group_network(),
}


def main(names=None):
    names = names or list(ENTRIES)
    unknown = set(names) - set(ENTRIES)
    if unknown:
        raise SystemExit(f"unknown entries {sorted(unknown)}; choose from {list(ENTRIES)}")
    twin = network_twin(width=5, n_layers=40, K_train=40, K_test=200, sigma=0.01, seed=0,
                        shared=False)
    out = json.loads(OUT.read_text()) if OUT.exists() else {}
    for name in names:
        load = os.getloadavg()
        out[name] = ENTRIES[name](twin)
        out[name]["load_average_1_5_15_at_start"] = list(load)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2))
    for name in names:
        r = out[name]
        if name == "group_network":
            print(f"{name}: annealing {r['wall_s']:.1f} s ({r['iterations']} L-BFGS-B "
                  f"iterations, {r['schedule']['n_beta']} betas x {r['schedule']['n_init']} "
                  f"starts), final actions {np.round(r['final_actions'], 6).tolist()}, "
                  f"levels {np.round(r['levels'], 6).tolist()} (constant-output level "
                  f"{r['constant_output_level']:.6f}), held-out rms "
                  f"{np.round(r['heldout_rms'], 5).tolist()}")
            continue
        b = r["backprop"]
        print(f"{name}: backprop {b['wall_s']:.1f} s, best held-out {min(b['heldout_rms']):.4f}; "
              f"default annealing optimiser {r['default_method']}")
        for key, a in r.items():
            if key.startswith("annealing") and isinstance(a, dict):
                print(f"  {key}: {a['wall_s']:.1f} s ({a['wall_s'] / b['wall_s']:.1f}x backprop), "
                      f"{a['iterations']} iterations, {a['at_iteration_limit']} (beta, start) at "
                      f"the limit, {a['verified_last_beta']} of {len(a['final_actions'])} "
                      f"verified at the last beta; final actions "
                      f"{np.round(sorted(a['final_actions']), 4)}, best held-out "
                      f"{min(a['heldout_rms']):.4f}; starts above L-BFGS-B's "
                      f"{a['starts_above_lbfgsb']}")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
