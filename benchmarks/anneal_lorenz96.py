"""Benchmark: precision annealing on Lorenz96 (D=20, L=12, sigma=0.4, N=200, 10 starts x 21 beta),
the same with L=6 (few measurements), and the group's Lorenz96 setting (preset
group-lorenz96: L=8, Hermite-Simpson, 10 starts x 101 beta), each by Newton's method on the
exact Hessian (the default) and by Gauss-Newton Levenberg-Marquardt (``lm``, the method
before it), in one run.

Prints a summary and writes benchmarks/results/anneal_lorenz96.json.  Compare numbers as
ratios within one run; the machine is shared.  Run: python benchmarks/anneal_lorenz96.py
"""
import json
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from dalearn import _runtime
from dalearn.problem import ActionEvaluator
from dalearn import anneal
from dalearn.annealing import rf_schedule
from dalearn import get_preset, lorenz96_twin, rms

OUT = Path(__file__).parent / "results" / "anneal_lorenz96.json"
STD = dict(betas=21, Rf0=0.01, alpha=2.0, seed=0)


def per_call_us(f, n=200):
    f()
    t = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t) / n * 1e6


def summary(r, problem, truth):
    return {"method": r.settings["method"], "wall_s": r.wall_s, "iterations": int(r.nit.sum()),
            "max_iterations_one_beta": int(r.nit.max()),
            "at_iteration_limit": int(np.sum(r.status == 1)),
            "verified_fraction": float(r.verified.mean()),          # newton: every beta
            "verified_last_beta": float(r.verified[-1].mean()),   # lm checks only the last
            "final_actions": r.final_action.tolist(), "levels": r.levels().tolist(),
            "all_converged": bool(r.converged.all()),
            "rms_unobserved_best": rms(r.paths[r.best], truth.x, problem.unobserved)}


def naive_fd_start(problem, z0, betas):
    """One start annealed by L-BFGS-B with scipy's own finite-difference gradient."""
    nit = 0
    z = z0
    t = time.perf_counter()
    for Rf in rf_schedule(0.01, 2.0, betas):
        ev = ActionEvaluator(problem, Rf)
        res = minimize(ev.value, z, method="L-BFGS-B", options={"maxiter": 20000, "maxfun": 10**7})
        z, nit = res.x, nit + res.nit
    return time.perf_counter() - t, nit, ev.value(z)


def main():
    out = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    problem, truth = lorenz96_twin(D=20, L=12, sigma=0.4, N=200, dt=0.025, seed=0)
    z = problem.pack(truth.x)
    ev = ActionEvaluator(problem, 100.0)
    out["us_per_action"] = per_call_us(lambda: ev.value(z))
    # before and after dalearn._runtime.tuned_for_annealing (which every annealing worker enters)
    out["us_per_action_gradient_untuned"] = per_call_us(lambda: ev.value_grad(z))
    out["us_per_gauss_newton_build_untuned"] = per_call_us(lambda: ev.gauss_newton(z), 100)
    with _runtime.tuned_for_annealing():
        out["us_per_action_gradient"] = per_call_us(lambda: ev.value_grad(z))
        out["us_per_gauss_newton_build"] = per_call_us(lambda: ev.gauss_newton(z), 100)
        out["us_per_exact_hessian_build"] = per_call_us(lambda: ev.hessian(z), 100)

    r = anneal(problem, n_init=10, method="lm", **STD)
    out["lm_serial_10_starts"] = summary(r, problem, truth)
    r = anneal(problem, n_init=10, method="newton", **STD)
    out["newton_serial_10_starts"] = summary(r, problem, truth)
    p6, t6 = lorenz96_twin(D=20, L=6, sigma=0.4, N=200, dt=0.025, seed=0)
    for m in ("newton", "lm"):
        out[f"L6_{m}_serial_10_starts"] = summary(anneal(p6, n_init=10, method=m, **STD), p6, t6)
    group = get_preset("group-lorenz96")
    pg, tg = group.make()
    for m in ("newton", "lm"):
        rg = anneal(pg, **{**group.anneal.kwargs(), "method": m})
        out[f"group_lorenz96_{m}"] = {**summary(rg, pg, tg),
                                      "nu_hat_best": float(rg.params[-1, rg.best, 0])}
    with ProcessPoolExecutor(2) as ex:
        t = time.perf_counter()
        r = anneal(problem, n_init=10, executor=ex, **STD)
        pool_total = time.perf_counter() - t
    out["pool2_10_starts"] = {**summary(r, problem, truth), "wall_s_with_pool_start": pool_total}
    out["peak_rss_mb_main"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["peak_rss_mb_workers"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    r = anneal(problem, n_init=1, method="lbfgsb", **STD)
    out["lbfgsb_exact_gradient_1_start"] = summary(r, problem, truth)
    r1 = anneal(problem, n_init=1, **STD)
    out["newton_1_start"] = summary(r1, problem, truth)

    for N in (400, 1600):
        pN, tN = lorenz96_twin(D=20, L=12, sigma=0.4, N=N, dt=0.025, seed=0)
        out[f"newton_1_start_N{N}"] = summary(anneal(pN, n_init=1, **STD), pN, tN)

    # the naive baseline: scipy's finite-difference gradient on a small problem
    small, tsmall = lorenz96_twin(D=5, L=3, sigma=0.4, N=100, dt=0.025, seed=0)
    rs = anneal(small, n_init=1, **STD)
    z0 = small.pack(rs.init_paths[0])
    naive_s, naive_it, naive_a = naive_fd_start(small, z0, np.arange(21))
    out["small_D5_N100"] = {"dalearn_wall_s": rs.wall_s, "dalearn_iterations": int(rs.nit.sum()),
                            "dalearn_final_action": float(rs.final_action[0]),
                            "naive_fd_lbfgsb_wall_s": naive_s, "naive_iterations": int(naive_it),
                            "naive_final_action": float(naive_a),
                            "ratio_naive_over_dalearn": naive_s / rs.wall_s}

    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2))
    nw, lm = out["newton_serial_10_starts"], out["lm_serial_10_starts"]
    print(f"L=12, 10 starts x 21 beta, serial: newton {nw['wall_s']:.2f} s ({nw['iterations']} "
          f"iterations), lm {lm['wall_s']:.2f} s ({lm['iterations']}): newton/lm "
          f"{nw['wall_s'] / lm['wall_s']:.2f}")
    for m in ("newton", "lm"):
        r6, rg = out[f"L6_{m}_serial_10_starts"], out[f"group_lorenz96_{m}"]
        print(f"L=6 {m}: {r6['wall_s']:.2f} s = {r6['wall_s'] / nw['wall_s']:.1f}x newton L=12, "
              f"{r6['iterations']} iterations, {r6['at_iteration_limit']} (beta, start) at the "
              f"limit, verified {r6['verified_fraction']:.2f} (last beta {r6['verified_last_beta']:.2f}), levels {np.round(r6['levels'], 2)}")
        print(f"group-lorenz96 {m}: {rg['wall_s']:.1f} s, {rg['iterations']} iterations, "
              f"verified {rg['verified_fraction']:.2f} (last beta {rg['verified_last_beta']:.2f}), levels {np.round(rg['levels'], 3)}, "
              f"nu {rg['nu_hat_best']:.3f}")
    s, p = out["newton_serial_10_starts"], out["pool2_10_starts"]
    print(f"action {out['us_per_action']:.0f} us; action+gradient {out['us_per_action_gradient']:.0f} us"
          f" (untuned malloc {out['us_per_action_gradient_untuned']:.0f}); Gauss-Newton build "
          f"{out['us_per_gauss_newton_build']:.0f} us (untuned {out['us_per_gauss_newton_build_untuned']:.0f})")
    print(f"default (newton), 10 starts x 21 beta: serial {s['wall_s']:.2f} s, 2 processes {p['wall_s']:.2f} s "
          f"({s['iterations']} iterations, levels {s['levels']}, rms unobserved "
          f"{s['rms_unobserved_best']:.3f})")
    lb, n1 = out["lbfgsb_exact_gradient_1_start"], out["newton_1_start"]
    print(f"one start: newton {n1['wall_s']:.2f} s / {n1['iterations']} it; L-BFGS-B "
          f"{lb['wall_s']:.2f} s / {lb['iterations']} it (ratio {lb['wall_s'] / n1['wall_s']:.1f})")
    print("cost growth, one start: " + ", ".join(
        f"N={N}: {out[f'newton_1_start_N{N}']['wall_s']:.2f} s" for N in (400, 1600)))
    sm = out["small_D5_N100"]
    print(f"naive (finite-difference L-BFGS-B) on D=5, N=100: {sm['naive_fd_lbfgsb_wall_s']:.1f} s vs "
          f"dalearn (newton) {sm['dalearn_wall_s']:.2f} s: ratio {sm['ratio_naive_over_dalearn']:.0f}")
    print(f"peak RSS: main {out['peak_rss_mb_main']:.0f} MB, workers {out['peak_rss_mb_workers']:.0f} MB")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
