"""Second derivatives of a network's action, in the block form the banded solver takes.

Unknowns in packed order: the states of pair k at layer l, block m = k (n_layers + 1) + l
(D nodes each), then the weights θ.  A state couples only to its neighbours in the same pair
(block-tridiagonal in m, no coupling between pairs) and to the weights of its layers, so
the weights are the border: one banded Cholesky over the states and a dense Schur complement
over θ per step, cheap when the weights are few and the pairs many.

With a(l) = W(l) x(l) + V(l) u(l) + b(l) (u the known drive, if any), f = c x(l) + s g(a)
(c = 1, s = h residual; c = 0, s = 1 plain) and r = x(l+1) - f, each residual entry r_i
depends on θ only through row i of W(l), of V(l) and b_i, with ∂r_i/∂a_i = -s g'(a_i) and
∇²r_i = -s [g''(a_i) ∇a_i ∇a_iᵀ + g'(a_i) ∇²a_i]; the only second derivative of a_i is
∂²a_i/∂x_j ∂W_ij = 1 (the drive is data, not an unknown).  Every block below is that
algebra; the tests check it against differences of the gradient.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..optimize import BlockHessian
from ..models import ACTIVATION_D2, ACTIVATIONS

__all__ = ["network_hessian"]


@lru_cache(maxsize=8)
def _theta_positions(net) -> np.ndarray:
    """(n_sets, D, D + n_drive + 1): θ index of W[s, i, 0..D-1], then V[s, i, 0..n_drive-1],
    then b[s, i] (-1: no bias)."""
    D, nd = net.width, net.n_drive
    n_th = net.n_weights
    probe = np.arange(n_th, dtype=float)
    W, b = net.weights(probe)
    pos = np.full((net.n_sets, D, D + nd + 1), -1, dtype=int)
    pos[:, :, :D] = np.asarray(W[:net.n_sets]).astype(int)
    if nd:
        pos[:, :, D:D + nd] = np.asarray(net.drive_weights(probe)[:net.n_sets]).astype(int)
    if net.biases:                      # without biases b is zeros, not θ entries
        pos[:, :, -1] = np.asarray(b[:net.n_sets]).astype(int)
    pos.flags.writeable = False               # cached: shared by every call
    return pos


@lru_cache(maxsize=8)
def _layer_positions(net):
    """(P, nv): θ index of each layer's W row entries, drive weights and bias, (L, D, nv)
    (the set each layer uses), and nv, the length of ∇a_i over θ (no bias column when the
    network has no biases)."""
    pos = _theta_positions(net)
    sets = np.zeros(net.n_layers, dtype=int) if net.shared else np.arange(net.n_layers)
    P = pos[sets]
    nv = P.shape[-1] if P[0, 0, -1] >= 0 else P.shape[-1] - 1
    P = np.ascontiguousarray(P[..., :nv])
    P.flags.writeable = False
    return P, nv


@lru_cache(maxsize=8)
def _border_index(net, K: int):
    """Flat places in the border Hxp (K, n_layers + 1, D, n_weights) of the two blocks
    network_hessian computes: x(l) row j against row i of layer l's weight set,
    (K, L, j, i, nv) raveled, and x(l+1) row j against row j of it, (K, L, j, nv)."""
    D, L, Pe = net.width, net.n_layers, net.n_weights
    P, _ = _layer_positions(net)                           # (L, D, nv)
    k = np.arange(K)[:, None, None, None, None]
    ll = np.arange(L)[None, :, None, None, None]
    j = np.arange(D)[None, None, :, None, None]
    at1 = (((k * (L + 1) + ll) * D + j) * Pe + P[None, :, None, :, :]).ravel()
    at2 = (((k[..., 0] * (L + 1) + ll[..., 0] + 1) * D + j[..., 0]) * Pe
           + P[None, :, :, :]).ravel()
    at1.flags.writeable = False
    at2.flags.writeable = False
    return at1, at2


def _assign(a, index, values):
    a[index] = values


def network_hessian(problem, z, Rf, exact: bool = True) -> BlockHessian:
    """Gradient and the blocks of the exact Hessian (``exact``) or of the Gauss-Newton
    matrix of a :class:`NetworkProblem`'s action at packed ``z`` and ``Rf``: ``Hd``
    (K (n_layers+1), D, D), ``Ho`` (K (n_layers+1) - 1, D, D), ``Hxp`` (K (n_layers+1),
    D, n_weights), ``Hpp`` (n_weights, n_weights); see :class:`dalearn.optimize.BlockHessian`."""
    pb, net = problem, problem.net
    av = pb.action(z, Rf, grad=True)
    X, theta = pb.split(z)
    K, Lp1, D = X.shape
    L = Lp1 - 1
    W, b = net.weights(theta)
    g, dg = ACTIVATIONS[net.activation]
    x = X[:, :-1]                                          # (K, L, D) inputs of each map
    a = np.einsum("klj,lij->kli", x, W) + b[None]
    if pb.drive is not None:
        a = a + net.drive_term(theta, pb.drive)
    ga = g(a)
    gp = dg(a, ga)
    gpp = ACTIVATION_D2[net.activation](ga, gp)
    c = 1.0 if net.residual else 0.0
    s = net.h
    wf = pb.model_weights(Rf)
    r = X[:, 1:] - (c * x + s * ga)
    rho = wf * r                                            # weighted residual
    curv = 1.0 if exact else 0.0
    # ∂r/∂x(l): A[i, j] = -(c δ_ij + s g'_i W_ij)
    A = -(c * np.eye(D) + s * gp[..., :, None] * W[None])  # (K, L, D, D)
    Hd = np.zeros((K, Lp1, D, D))
    Hd[:, :-1] = wf * np.swapaxes(A, -1, -2) @ A
    if exact:
        Hd[:, :-1] -= s * np.einsum("lij,kli,lim->kljm", W, rho * gpp, W)
    Hd[:, 1:] += wf * np.eye(D)
    jj = np.arange(D)
    Hd[:, :, jj, jj] += pb.meas_precision()
    Ho = np.zeros((K, Lp1, D, D))
    Ho[:, :-1] = wf * np.swapaxes(A, -1, -2)
    # the weights: v = (x(l), u(l), 1) is ∇a_i over row i of W, of V and b_i
    drive = [] if pb.drive is None else [pb.drive]
    v = np.concatenate([x, *drive, np.ones((K, L, 1))], axis=-1)   # (K, L, D + n_drive + 1)
    e = wf * s * s * gp * gp - curv * s * rho * gpp        # (K, L, D)
    P, nv = _layer_positions(net)                          # (L, D, nv)
    v = v[..., :nv]
    Pe = net.n_weights
    Hpp = np.zeros((Pe, Pe))
    G = np.einsum("kli,klm,kln->limn", e, v, v)             # (L, D, nv, nv)
    # distinct layers own distinct weights, so plain assignment suffices unless shared
    put = np.add.at if net.shared else _assign
    put(Hpp, (P[..., :, None], P[..., None, :]), G)
    # state x(l) row j against row i of layer l's weights
    coef = wf * s * c * gp[..., :, None] * np.eye(D) + e[..., :, None] * W[None]   # (K,L,i,j)
    val = np.einsum("klij,klm->kljim", coef, v)            # (K, L, j, i, nv)
    if exact:
        val[:, :, jj, :, jj] -= (s * rho * gp)[None]          # (j, K, L, i): the u_j term
    # state x(l+1) row j against row j of layer l's weights: -wf s g'_j v
    val2 = -wf * s * gp[..., None] * v[..., None, :]       # (K, L, j, nv)
    at1, at2 = _border_index(net, K)
    if net.shared:              # shared weights: several entries land on one place, summed
        Hxp = np.bincount(np.concatenate([at1, at2]),
                          weights=np.concatenate([val.ravel(), val2.ravel()]),
                          minlength=K * Lp1 * D * Pe)
    else:                       # distinct layers own distinct weights: no place twice
        Hxp = np.zeros(K * Lp1 * D * Pe)
        Hxp[at1] = val.ravel()
        Hxp[at2] = val2.ravel()
    M = K * Lp1
    return BlockHessian(av.total, av.meas, av.model,
                       np.concatenate([av.grad_x.ravel(), av.grad_p]),
                       2.0 * Hd.reshape(M, D, D), 2.0 * Ho.reshape(M, D, D)[:-1],
                       2.0 * Hxp.reshape(M, D, Pe), 2.0 * Hpp, exact, chains=K)
