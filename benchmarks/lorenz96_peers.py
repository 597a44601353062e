"""The first- and second-order peers the Lorenz96 benchmarks compare dalearn against.

Helpers for benchmarks/standard_peers.py (and the O(M D) gradient of scale_newton.py), not a
benchmark itself.  All work on dalearn's normalised action of a Lorenz96 problem under the
trapezoid rule, on the packed time-major vector ``z`` (M D,) of ``problem.pack`` (no
estimated parameters):

    A(z) = Σ w_meas (X - Y0)² + Σ_{n<M-1} wf r(n)²,
    r(n) = x(n+1) - x(n) - h/2 (F(x(n)) + F(x(n+1))),

with ``w_meas`` (M, D), ``Y0`` (M, D) and ``wf`` (D,) exactly as ``problem.evaluator(Rf)``
defines them (the same weights, read from it).
"""
import numpy as np


def verify(problem, z, Rf, ftol=1e-8):
    """dalearn's test of a minimum of ``problem``'s action at ``Rf``, by a factorisation
    whatever path the solve took: (positive pivots and Newton decrement ½ gᵀH⁻¹g / A <=
    ``ftol``, that decrement; NaN without a factor)."""
    from dalearn.optimize import SparseSolver
    hb = problem.evaluator(Rf).sparse_hessian(z, True)
    s = SparseSolver()
    s.prepare(hb)
    if not s.factor(0.0):
        return False, float("nan")
    dec = 0.5 * float(hb.g @ s.solve_factored(hb.g)) / hb.total
    return bool(dec <= ftol), dec


def lorenz_fg(problem, ev):
    """``fg(z) -> (A, grad (M D,))``: the action of evaluator ``ev`` and its O(M D) numpy
    gradient (Lorenz96, trapezoid rule)."""
    M, D, h, wm, Y0, wf = problem.M, problem.D, problem.h, ev.w_meas, ev.Y0, ev.wf
    nu = problem.params[0]

    def F(X):
        return (np.roll(X, -1, 1) - np.roll(X, 2, 1)) * np.roll(X, 1, 1) - X + nu

    def vjp(X, w):      # (J(x)ᵀ w) for every row
        xm1, xp1, xm2 = np.roll(X, 1, 1), np.roll(X, -1, 1), np.roll(X, 2, 1)
        return (np.roll(w * xm1, 1, 1) - np.roll(w * xm1, -2, 1)
                + np.roll(w * (xp1 - xm2), -1, 1) - w)

    def fg(z):
        X = z.reshape(M, D)
        Fx = F(X)
        r = X[1:] - X[:-1] - 0.5 * h * (Fx[:-1] + Fx[1:])
        dm = X - Y0
        wr, wdm = wf * r, wm * dm
        lam = 2.0 * wr
        s = np.zeros_like(X)
        s[:-1] += lam
        s[1:] += lam
        g = 2.0 * wdm - 0.5 * h * vjp(X, s)
        g[:-1] -= lam
        g[1:] += lam
        return float(np.sum(wdm * dm) + np.sum(wr * r)), g.ravel()
    return fg


def casadi_action(problem, casadi):
    """The same action as a CasADi SX expression: ``(z, wf, A)`` with ``z`` (M D,) the
    packed path and ``wf`` (D,) the model weights as a parameter (one graph for every R_f);
    w_meas and Y0 are the problem's (constants)."""
    M, D, h = problem.M, problem.D, problem.h
    nu = float(problem.params[0])
    ev = problem.evaluator(1.0)
    z = casadi.SX.sym("z", M * D)
    wf = casadi.SX.sym("wf", D)
    X = casadi.reshape(z, D, M)             # column m = x(t_m): time-major packing

    def roll(X, k):                        # np.roll(x, k) of every column
        return X[[(i - k) % D for i in range(D)], :]

    F = (roll(X, -1) - roll(X, 2)) * roll(X, 1) - X + nu
    r = X[:, 1:] - X[:, :-1] - 0.5 * h * (F[:, :-1] + F[:, 1:])
    wm = casadi.DM(np.ascontiguousarray(ev.w_meas.T))        # (D, M)
    dm = X - casadi.DM(np.ascontiguousarray(ev.Y0.T))
    A = casadi.sum1(casadi.sum2(wm * dm * dm)) + casadi.sum1(casadi.sum2(
        casadi.repmat(wf, 1, M - 1) * r * r))
    return z, wf, A
