"""Diagnosis: why Newton does not verify a minimum of the NaKL action at the group's final
R_f (benchmarks/nakl_newton.py's setting: 40 ms, V observed, 18 parameters within the
group's bounds, alpha = 2, beta = 0, 5, .., 55).  One start is annealed with lm to beta = 55;
at its final point (and at beta = 40, 45, 50) this prints and writes
benchmarks/results/nakl_newton_diagnosis.json:

- the decrement ½ gᵀH⁻¹g / A over the free variables (exact Hessian, Cholesky at λ = 0);
- the smallest eigenvalues μ of H relative to S = diag|H| (the damping matrix), by Lanczos
  on S^½ H⁻¹ S^½, and each one's share ½ (gᵀv)²/μ of the decrement;
- the quadratic model against the action along Newton's step z + t δ, unclipped and clipped
  into the bounds;
- the floating-point floor of the decrement: the decrement of a residual of the size
  eps (|H| |δ|)_i that a backward-stable solve leaves, against ftol = 1e-8.
Run: python benchmarks/nakl_newton_diagnosis.py   (about 1-2 min of CPU)
"""
import json
import warnings
from pathlib import Path

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

import dalearn as da
from dalearn.optimize import BandedSolver

OUT = Path(__file__).parent / "results" / "nakl_newton_diagnosis.json"
BETAS = (40, 45, 50, 55)


def setting():
    full, _ = da.get_preset("group-nakl").make(N=6001, n_future=0)
    pb = da.Problem(da.NaKL(hessian=True), full.data[:, :2000], full.dt, observed=[0],
                    sigma=1.0, rule=full.rule, params=full.params, estimate=full.estimate,
                    bounds=full.param_bounds, drive=full.drive)
    return pb, np.asarray(da.get_preset("group-nakl").anneal.Rf0, dtype=float)


def factored(ev, z):
    hb = ev.hessian(z)
    lo, hi = ev.bounds
    mask = ((z <= lo) & (hb.g > 0)) | ((z >= hi) & (hb.g < 0))
    s = BandedSolver()
    s.prepare(hb)
    ok = s.factor(0.0, mask)
    return hb, s, mask, ok


def eigen(s, g, mask, k=4):
    """The k smallest eigenvalues of H relative to S and their shares of the decrement."""
    sc = np.sqrt(s.scale if s.perm is None else s.scale[np.argsort(s.perm)])

    def mv(v):
        x = s.solve_factored(sc * v)
        x[mask] = 0.0
        return sc * x
    n = len(g)
    vals, vecs = eigsh(LinearOperator((n, n), matvec=mv, dtype=float), k=k, which="LA",
                       tol=1e-6)
    out = []
    for i in np.argsort(-vals):
        v = vecs[:, i] / sc
        out.append({"mu": float(1 / vals[i]), "share": float(0.5 * (g @ v) ** 2 * vals[i])})
    return out


def line(ev, z, hb, d):
    lo, hi = ev.bounds
    rows = []
    for t in (1e-4, 1e-3, 1e-2, 1e-1, 1.0):
        row = {"t": t}
        for key, dz in (("unclipped", t * d), ("clipped", np.clip(z + t * d, lo, hi) - z)):
            pred = -float(hb.g @ dz) - 0.5 * float(dz @ hb.matvec(dz))
            row[key] = {"predicted": pred, "actual": hb.total - ev.value(z + dz)}
        rows.append(row)
    return rows


def floor(hb, s, mask, d):
    """Decrement / A of a residual of rounding size eps (|H| |δ|)_i (median of 5 draws)."""
    size = np.finfo(float).eps * np.abs(hb.to_dense()) @ np.abs(d)
    rng = np.random.default_rng(0)
    decs = []
    for _ in range(5):
        e = np.where(mask, 0.0, size * rng.standard_normal(len(d)))
        y = s.solve_factored(e)
        y[mask] = 0.0
        decs.append(0.5 * float(e @ y))
    return float(np.median(decs)) / hb.total


def diagnose(pb, ev, z):
    hb, s, mask, ok = factored(ev, z)
    g = np.where(mask, 0.0, hb.g)
    d = s.solve_factored(-g)
    d[mask] = 0.0
    names = [pb.model.param_names[i] for i in pb.est_idx]
    nx = pb.M * pb.D
    return {"action": hb.total, "cholesky_at_0": bool(ok), "held": int(mask.sum()),
            "decrement_rel": -0.5 * float(g @ d) / hb.total,
            "newton_step_norm": float(np.linalg.norm(d)),
            "newton_step_params": dict(zip(names, d[nx:].round(4).tolist())),
            "smallest_S_relative_eigenvalues": eigen(s, g, mask),
            "line": line(ev, z, hb, d), "decrement_floor_rel": floor(hb, s, mask, d)}


def main():
    warnings.simplefilter("ignore", RuntimeWarning)   # the line's far points overflow
    pb, Rf0 = setting()
    r = da.anneal(pb, betas=np.arange(0, 56, 5), Rf0=Rf0, alpha=2.0, n_init=1, seed=0,
                  method="lm", keep_all=True)
    out = {"setting": "40 ms, lm anneal of one start (seed 0), alpha=2, beta=0,5,..,55",
           "ftol": 1e-8, "betas": {}}
    for b in BETAS:
        i = list(np.arange(0, 56, 5)).index(b)
        z = pb.pack(r.path(i, 0), r.params[i, 0])
        out["betas"][b] = res = diagnose(pb, pb.evaluator(Rf0 * 2.0 ** b), z)
        eig = [(f"{e['mu']:.1e}", f"{e['share'] / res['action']:.1e}")
               for e in res["smallest_S_relative_eigenvalues"]]
        print(f"beta {b}: A {res['action']:.6f} decrement/A {res['decrement_rel']:.2e} "
              f"floor/A {res['decrement_floor_rel']:.1e} |newton step| "
              f"{res['newton_step_norm']:.2f}; (mu, share/A): {eig}", flush=True)
        for row in res["line"]:
            print(f"   t={row['t']:g} unclipped pred {row['unclipped']['predicted']:.2e} "
                  f"actual {row['unclipped']['actual']:.2e} | clipped pred "
                  f"{row['clipped']['predicted']:.2e} actual {row['clipped']['actual']:.2e}")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
