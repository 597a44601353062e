""":class:`BandHessian`: the second-order pieces of a path problem held as the band storage
the solver factors (no parameter border), the states of each time block in an ``order``
that narrows the band (see :mod:`dalearn.discretize`).  The blocks ``Hd``, ``Ho`` of
:class:`BlockHessian` are read back from the storage when asked for."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.linalg.blas import dsbmv

from ._contract import BlockHessian

__all__ = ["BandHessian"]


@lru_cache(maxsize=16)
def _block_index(M: int, D: int, kd: int, order: bytes):
    """Flat positions in the storage (read as ``ab.T.ravel()``) of Hd[n, i, j] (M, D, D)
    and Ho[n, i, j] (M-1, D, D), and the mask of Ho's entries inside the band."""
    pos = np.empty(D, dtype=int)
    pos[np.frombuffer(order, dtype=np.int64)] = np.arange(D)
    i, j = pos[:, None], pos[None, :]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    n = np.arange(M)[:, None, None]
    d_idx = (n * D + hi) * (kd + 1) + kd + lo - hi
    gap = D + j - i                                        # column minus row, in the band
    inside = np.broadcast_to(gap <= kd, (M - 1, D, D))
    o_idx = np.where(inside, ((n[:-1] + 1) * D + j) * (kd + 1) + kd - gap, 0)
    return d_idx, o_idx, inside


@lru_cache(maxsize=16)
def _perm(M: int, order: bytes):
    """Packed index of each storage row/column (read-only), or None for the identity."""
    o = np.frombuffer(order, dtype=np.int64)
    if np.array_equal(o, np.arange(o.size)):
        return None
    perm = (np.arange(M)[:, None] * o.size + o[None]).ravel()
    perm.setflags(write=False)
    return perm


@dataclass
class BandHessian:
    """:class:`~dalearn.optimize.HessianBlocks` of a path problem without estimated
    parameters: gradient ``g`` (M D,) in packed (time-major) order and H in upper band
    storage ``ab`` (kd + 1, M D), row/column n D + k of the storage being state
    ``order[k]`` of time n."""
    total: float
    meas: float
    model: float
    g: np.ndarray
    ab: np.ndarray
    order: np.ndarray
    exact: bool = False
    chains: int = 0
    _blocks: BlockHessian | None = field(default=None, repr=False)
    #: packed index of each storage row/column, or None (the identity order)
    perm: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        D = self.order.size
        self.perm = _perm(self.ab.shape[1] // D, np.asarray(self.order, np.int64).tobytes())

    def band(self):
        """(a copy of the band storage, empty border, empty Hpp, perm)."""
        n = self.ab.shape[1]
        return np.array(self.ab, order="F"), np.zeros((n, 0)), np.zeros((0, 0)), self.perm

    def matvec(self, v) -> np.ndarray:
        """H v for a packed vector ``v`` (n,)."""
        perm = self.perm
        x = np.asarray(v, dtype=float)
        if perm is None:
            return dsbmv(self.ab.shape[0] - 1, 1.0, self.ab, x)
        out = np.empty_like(x)
        out[perm] = dsbmv(self.ab.shape[0] - 1, 1.0, self.ab, x[perm])
        return out

    def blocks(self) -> BlockHessian:
        """The same matrix as a :class:`BlockHessian` (blocks in packed order)."""
        if self._blocks is None:
            D = self.order.size
            M = self.ab.shape[1] // D
            d_idx, o_idx, inside = _block_index(M, D, self.ab.shape[0] - 1,
                                                np.asarray(self.order, np.int64).tobytes())
            flat = self.ab.T.ravel()
            Ho = np.where(inside, flat[o_idx], 0.0)
            self._blocks = BlockHessian(self.total, self.meas, self.model, self.g,
                                        flat[d_idx], Ho, np.zeros((M, D, 0)),
                                        np.zeros((0, 0)), self.exact, self.chains)
        return self._blocks

    @property
    def Hd(self) -> np.ndarray:
        return self.blocks().Hd

    @property
    def Ho(self) -> np.ndarray:
        return self.blocks().Ho

    @property
    def Hxp(self) -> np.ndarray:
        return self.blocks().Hxp

    @property
    def Hpp(self) -> np.ndarray:
        return self.blocks().Hpp

    def to_dense(self) -> np.ndarray:
        """H as a dense (n, n) array in packed order."""
        return self.blocks().to_dense()
