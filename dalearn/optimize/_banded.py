"""The linear algebra of the second-order optimisers: a symmetric matrix that is banded
(LAPACK upper band storage, bandwidth ``kd``) with a dense border for static parameters,

    H = [[Hb, Hbp], [Hbpᵀ, Hpp]],   Hb (n, n) banded, Hbp (n, Pe), Hpp (Pe, Pe),

damped as H + λ S (S its positive diagonal) and solved by one banded Cholesky (``pbtrf``)
and a Schur complement for the border.  A problem hands the optimiser an object with the
action (``total``, ``meas``, ``model``), its gradient ``g`` in the problem's packed order
and ``band()`` -> (ab, Hbp, Hpp, perm): the band storage, the border, and ``perm`` (or None),
the packed indices in the solver's order.  A failed Cholesky at λ = 0 means the matrix is
not positive definite.

An object may also say ``chains = K``: the band is K equal chains that do not couple (a
network's training pairs), so the banded factor is block diagonal and the border's
triangular solve U⁻ᵀ Hbp splits into K small dense ones, done batched (see
:func:`_chain_solve`).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.linalg.lapack import dpbtrf, dpbtrs, dtbtrs

__all__ = ["BandedSolver", "block_band"]


def block_band(Hd: np.ndarray, Ho: np.ndarray) -> np.ndarray:
    """Upper band storage (2D, M D), in Fortran order (what LAPACK takes without a copy),
    of the block-tridiagonal matrix with diagonal blocks ``Hd`` (M, D, D) and
    super-diagonal blocks ``Ho`` (M-1, D, D).

    Column j = n D + b of the storage holds H[i, j] at row 2D - 1 + i - j.  Seen as one
    (M, 2D²) array (row n = the columns of block n), H[(n-1) D + a, n D + b] = Ho[n-1, a, b]
    sits at b (2D - 1) + D - 1 + a and H[n D + a, n D + b] (a <= b) = Hd[n, a, b] at
    b (2D - 1) + 2D - 1 + a: two strided views, written without index arrays.  Hd's lower
    triangle (a > b, zeroed) lands on storage that is either zero in H (coupling to block
    n - 2) or Ho's place for a = D - 1, which is written afterwards."""
    M, D = Hd.shape[:2]
    ab = np.zeros((2 * D, M * D), order="F")
    flat = ab.T.reshape(M, 2 * D * D)           # a view: ab.T is C-contiguous
    st = flat.strides
    view = np.lib.stride_tricks.as_strided
    diag = view(flat[:, 2 * D - 1:], (M, D, D), (st[0], (2 * D - 1) * st[1], st[1]))
    diag[...] = np.swapaxes(np.triu(Hd), 1, 2)  # diag[n, b, a] = Hd[n, a, b], a <= b
    if M > 1:
        off = view(flat[1:, D - 1:], (M - 1, D, D), (st[0], (2 * D - 1) * st[1], st[1]))
        off[...] = np.swapaxes(Ho, 1, 2)        # off[n-1, b, a] = Ho[n-1, a, b]
    return ab


@lru_cache(maxsize=16)
def _chain_index(n: int, kd: int, chains: int):
    """Flat positions in the band storage (read as ``ab.T.ravel()``) of each chain's dense
    upper-triangular block U_k[a, b] = U[k m + a, k m + b], and the mask of its band."""
    m = n // chains
    a, b = np.arange(m)[:, None], np.arange(m)[None, :]
    valid = (b >= a) & (b - a <= kd)
    col = np.arange(chains)[:, None, None] * m + b[None]
    flat = np.where(valid[None], col * (kd + 1) + np.where(valid, kd + a - b, 0)[None], 0)
    flat.flags.writeable = False
    valid.flags.writeable = False
    return flat, valid


def _use_chains(n: int, kd: int, chains: int) -> bool:
    """Whether the batched per-chain solve is used: for chains of at most three bandwidths,
    where one batched dense inverse beats LAPACK's column-by-column banded solve (see
    docs/decisions.md)."""
    return chains > 1 and n % chains == 0 and n // chains <= 3 * (kd + 1)


def _chain_solve(c: np.ndarray, B: np.ndarray, chains: int) -> np.ndarray:
    """U⁻ᵀ B (n, P) for the upper band factor ``c`` of a matrix that is ``chains`` uncoupled
    equal chains: each chain's dense U_k inverted at once (batched) and applied by one
    batched product."""
    kd1, n = c.shape
    flat, valid = _chain_index(n, kd1 - 1, chains)
    U = np.where(valid, c.T.reshape(-1)[flat], 0.0)          # (chains, m, m)
    Ui = np.linalg.inv(U)
    return (np.swapaxes(Ui, 1, 2) @ B.reshape(chains, n // chains, -1)).reshape(n, -1)


class BandedSolver:
    """Damped solves (H + λ S) δ = -g for one banded-and-bordered H at a time."""

    def prepare(self, hb) -> None:
        """Take the matrix and gradient of ``hb`` (see the module doc)."""
        self._hb = hb
        self.ab, self.Hbp, self.Hpp, self.perm = hb.band()
        self.chains = int(getattr(hb, "chains", 0) or 0)
        self._fresh = True              # self.ab may be factored in place once
        self.g = np.asarray(hb.g, dtype=float)
        self.kd = self.ab.shape[0] - 1
        self.n = self.ab.shape[1]
        self.base_diag = self.ab[self.kd].copy()
        diag = np.concatenate([self.base_diag, np.diag(self.Hpp)])
        self.scale = np.maximum(np.abs(diag), 1e-12 * max(np.abs(diag).max(), 1e-300))
        self._factor = None

    def factor(self, lam: float, held=None) -> bool:
        """Cholesky of H + λ S; False when it fails (H + λ S not positive definite):
        ``failure`` then says where, "band" (at LAPACK's ``pivot``) or "border" (the Schur
        complement).
        ``held``: a boolean mask (packed order) of variables kept where they are (a bound):
        their rows get a damping 1e12 S, so the factor is that of the reduced matrix."""
        n = self.n
        damp = lam * self.scale
        if held is not None and held.any():
            h = held if self.perm is None else held[self.perm]
            damp = damp + np.where(h, 1e12 * self.scale, 0.0)
        # pbtrf factors in place: the first factor after prepare() takes the storage
        # hb.band() just made (no copy: most Newton steps factor each matrix once); a later
        # one of the same matrix makes the storage again
        if self._fresh:
            ab, self._fresh = self.ab, False
        else:
            ab = self._hb.band()[0]
        ab[self.kd] = self.base_diag + damp[:n]
        c, info = dpbtrf(ab, lower=0, overwrite_ab=1)
        self._factor = None
        self.failure, self.pivot = None, int(info)
        if info != 0:
            self.failure = "band"
            return False
        S = self.Hpp + np.diag(damp[n:])
        W = None
        if self.Hpp.shape[0]:
            # with Hb = UᵀU: S = Hpp - (U⁻ᵀ Hbp)ᵀ (U⁻ᵀ Hbp), one triangular solve per
            # border column (pbtrs would make two) and a symmetric product
            if _use_chains(n, self.kd, self.chains):
                W = _chain_solve(c, self.Hbp, self.chains)
            else:
                W, info = dtbtrs(c, self.Hbp, uplo="U", trans="T")
            S = S - W.T @ W
            try:
                Sc = cho_factor(S)
            except np.linalg.LinAlgError:
                self.failure = "border"
                return False
        else:
            Sc = None
        self._factor = (c, W, Sc, lam)
        return True

    def solve_factored(self, rhs: np.ndarray) -> np.ndarray:
        """(H + λ S)⁻¹ rhs with the last successful :meth:`factor`; ``rhs`` (n,) or
        (n, k) and the result in the problem's packed order."""
        c, W, Sc, _ = self._factor
        r = rhs if self.perm is None else rhs[self.perm]
        n = self.n
        if Sc is None:
            x, _ = dpbtrs(c, r[:n], lower=0)
        elif r.ndim == 2:
            y, _ = dtbtrs(c, r[:n], uplo="U", trans="T")
            dp = cho_solve(Sc, r[n:] - W.T @ y)
            xb, _ = dtbtrs(c, y - W @ dp, uplo="U", trans="N")
            x = np.concatenate([xb, dp])
        else:
            y, _ = dtbtrs(c, r[:n, None], uplo="U", trans="T")       # U⁻ᵀ r_b
            dp = cho_solve(Sc, r[n:] - W.T @ y[:, 0])
            xb, _ = dtbtrs(c, y - W @ dp[:, None], uplo="U", trans="N")
            x = np.concatenate([xb[:, 0], dp])
        if self.perm is None:
            return x
        out = np.empty_like(x)
        out[self.perm] = x
        return out

    def step(self, lam: float, held=None):
        """δ = -(H + λ S)⁻¹ g in packed order, or None when the factorisation fails;
        ``held`` variables (see :meth:`factor`) get no gradient and stay put."""
        if not self.factor(lam, held):
            return None
        if held is None or not held.any():
            return self.solve_factored(-self.g)
        dz = self.solve_factored(-np.where(held, 0.0, self.g))
        dz[held] = 0.0
        return dz

    def damping_norm(self, dz: np.ndarray) -> float:
        """δᵀ S δ (S in packed order)."""
        d = dz if self.perm is None else dz[self.perm]
        return float(np.sum(self.scale * d * d))
