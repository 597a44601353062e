"""Training in continuous layers: the full boundary value problem (states, momenta and
weights by collocation, scipy's solve_bvp) against backprop through the ODE (adjoint on the
stored forward path, L-BFGS-B), from the same starting weights, on our neural-ODE twin
(:func:`dalearn.continuous.ode_twin`).  Reports per start: training loss, held-out RMS,
wall time, whether both reach the same weights; the BVP's loss along its Rf continuation;
and how each scales with the number of grid points (the BVP's first mesh, which solve_bvp
refines to its tolerance, against backprop through the forward-Euler network of N layers,
the discrete version).  Writes benchmarks/results/train_bvp.json.

    python benchmarks/train_bvp.py [--pairs 5] [--starts 3]
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from dalearn.continuous import ode_twin, train_ode_adjoint, train_ode_bvp

ap = argparse.ArgumentParser()
ap.add_argument("--pairs", type=int, default=5)
ap.add_argument("--starts", type=int, default=3)
ap.add_argument("--grids", default="11,21,41,81,161")
ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "train_bvp.json"))
a = ap.parse_args()
tw = ode_twin(K_train=a.pairs, seed=0)
Rf_values = [1e2, 1e3, 1e4, 1e5, np.inf]
starts = tw.random_weights(a.starts, seed=1)
rows = []
for i, th0 in enumerate(starts):
    ad = train_ode_adjoint(tw, th0)
    bv = train_ode_bvp(tw, th0, Rf_values)
    ok = bool(bv.status[-1] == 0)
    row = {"start": i, "loss_start": tw.loss(th0),
           "adjoint": {"loss": ad.loss, "heldout_rms": tw.heldout_error(ad.theta),
                       "wall_s": ad.wall_s, "nit": ad.nit, "nfev": ad.nfev,
                       "grad_max": ad.grad_norm},
           "bvp": {"converged": ok, "status": bv.status.tolist(), "Rf": [str(r) for r in Rf_values],
                   "loss_per_Rf": [None if not np.isfinite(x) else float(x) for x in bv.loss],
                   "nodes_per_Rf": bv.nodes.tolist(), "wall_s": bv.wall_s}}
    if ok:
        th = bv.theta[-1]
        g = tw.loss_grad(th, rtol=1e-11)[1]
        row["bvp"].update({"loss": bv.loss[-1], "heldout_rms": tw.heldout_error(th),
                           "adjoint_grad_max_at_bvp_weights": float(np.max(np.abs(g))),
                           "max_weight_diff_to_adjoint": float(np.max(np.abs(th - ad.theta))),
                           "loss_rel_diff_to_adjoint": float(bv.loss[-1] / ad.loss - 1)})
    rows.append(row)
    print(f"start {i}: adjoint loss {ad.loss:.6f} held-out {row['adjoint']['heldout_rms']:.4f} "
          f"{ad.wall_s:.2f} s | BVP {'ok' if ok else 'FAILED ' + str(bv.status)} "
          + (f"loss {bv.loss[-1]:.6f} held-out {row['bvp']['heldout_rms']:.4f} "
             f"{bv.wall_s:.2f} s, |grad| at its weights {row['bvp']['adjoint_grad_max_at_bvp_weights']:.1e}"
             if ok else f"{bv.wall_s:.2f} s"), flush=True)
# scaling with the number of grid points, from the first start that the BVP solved
good = [r["start"] for r in rows if r["bvp"]["converged"]]
scaling = []
if good:
    th0 = starts[good[0]]
    for N in [int(s) for s in a.grids.split(",")]:
        bv = train_ode_bvp(tw, th0, [np.inf], n_nodes=N)
        pb = tw.euler_problem(N - 1)
        t0 = time.perf_counter()
        res = minimize(lambda th: pb.strong_loss_grad(th), th0, jac=True, method="L-BFGS-B",
                       options={"maxiter": 3000, "ftol": 1e-15, "gtol": 1e-9})
        we = time.perf_counter() - t0
        scaling.append({"grid_points": N, "bvp_wall_s": bv.wall_s,
                        "bvp_final_nodes": int(bv.nodes[-1]), "bvp_loss": float(bv.loss[-1]),
                        "euler_backprop_layers": N - 1, "euler_backprop_wall_s": we,
                        "euler_backprop_loss": tw.loss(res.x),
                        "euler_backprop_discrete_loss": 2 * float(res.fun)})
        s = scaling[-1]
        print(f"N {N}: BVP {s['bvp_wall_s']:.2f} s ({s['bvp_final_nodes']} nodes, loss "
              f"{s['bvp_loss']:.6f}); Euler backprop {we:.2f} s (loss of its weights in the "
              f"ODE {s['euler_backprop_loss']:.6f})", flush=True)
out = {"twin": {"D": 2, "K_train": a.pairs, "K_test": 200, "T": tw.T, "sigma": tw.sigma,
                "seed": 0}, "starts_seed": 1, "Rf_values": [str(r) for r in Rf_values],
       "runs": rows, "scaling": scaling}
Path(a.out).write_text(json.dumps(out, indent=1))
print("wrote", a.out)
