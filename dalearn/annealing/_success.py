"""How often one random start reaches the lowest action level: the success statistics of
precision annealing.

Annealing promises a *candidate* for the lowest minimum, read off where several starts agree.
Whether one random start reaches that level is a Bernoulli trial with an unknown probability
p; k successes in n starts estimate it (p̂ = k/n, with a Clopper-Pearson interval), and the
number of starts for a 99 % chance of at least one success is ln(0.01)/ln(1 - p).  "The lowest
level" is the lowest one *found*: a level no start reached cannot be counted, which is why a
lowest level reached by a single start is worth a warning.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import beta as _beta

__all__ = ["LowestLevel", "lowest_level", "binomial_interval", "starts_needed"]


def binomial_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson (exact) interval for a success probability from k successes in n
    trials: it covers p with probability at least ``confidence`` for every p."""
    k, n = int(k), int(n)
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    a = 1.0 - confidence
    low = 0.0 if k == 0 else float(_beta.ppf(a / 2, k, n - k + 1))
    high = 1.0 if k == n else float(_beta.ppf(1 - a / 2, k + 1, n - k))
    return low, high


def starts_needed(p: float, chance: float = 0.99) -> float:
    """Starts for probability ``chance`` that at least one reaches a level one start reaches
    with probability ``p``: the smallest n with 1 - (1 - p)^n >= chance (inf for p = 0)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p!r}")
    if not 0.0 < chance < 1.0:
        raise ValueError(f"chance must be in (0, 1), got {chance!r}")
    if p == 0.0:
        return math.inf
    if p == 1.0:
        return 1
    return max(1, math.ceil(math.log1p(-chance) / math.log1p(-p) - 1e-12))


@dataclass(frozen=True)
class LowestLevel:
    """The lowest level at one β and how many starts reached it.

    value: the lowest action; starts: indices of the starts within ``rtol`` of it;
    n_total: starts with a finite action; p, p_low, p_high: the estimated probability that one
    random start reaches the level and its 95 % Clopper-Pearson interval; starts_for_99:
    starts for a 99 % chance of at least one success at p; warnings: what a user should know.
    """
    value: float
    starts: tuple
    n_total: int
    p: float
    p_low: float
    p_high: float
    starts_for_99: float
    rtol: float
    warnings: tuple = ()

    @property
    def n_starts(self) -> int:
        return len(self.starts)

    def summary(self) -> str:
        """One line: 'lowest level 0.96 reached by 3 of 40 starts; p ≈ 0.075 [0.016, 0.2];
        ~60 starts for 99 %'."""
        n99 = "∞" if math.isinf(self.starts_for_99) else f"~{int(self.starts_for_99)}"
        return (f"lowest level {self.value:.4g} reached by {self.n_starts} of {self.n_total} "
                f"start{'s' if self.n_total != 1 else ''}; p ≈ {self.p:.2g} "
                f"[{self.p_low:.2g}, {self.p_high:.2g}]; {n99} starts for 99 %")

    def to_json(self) -> dict:
        return {"value": self.value, "starts": list(self.starts), "n_starts": self.n_starts,
                "n_total": self.n_total, "p": self.p, "p_low": self.p_low,
                "p_high": self.p_high,
                "starts_for_99": None if math.isinf(self.starts_for_99)
                else int(self.starts_for_99), "rtol": self.rtol}


def lowest_level(result, *, rtol: float = 1e-3, beta_index: int = -1,
                 band: tuple | None = None) -> LowestLevel:
    """Success statistics of ``result`` (an AnnealResult) at ``beta_index``: the starts whose
    action is within ``rtol`` (relative) of the lowest, p with its interval, the starts for a
    99 % chance, and warnings when the level was reached by a single start, when it sits
    above ``band`` = (low, high) (the expected band of the measurement term), or when a start
    on it is not a verified minimum."""
    if not (isinstance(rtol, (int, float)) and 0.0 <= rtol < 1.0):
        raise ValueError(f"rtol must be a number in [0, 1), got {rtol!r}")
    a = np.asarray(result.action[beta_index], float)
    finite = np.isfinite(a)
    n = int(finite.sum())
    if n == 0:
        raise ValueError("no start has a finite action at this beta")
    low = float(np.min(a[finite]))
    on = np.flatnonzero(finite & (a - low <= rtol * abs(low)))
    k = len(on)
    p = k / n
    p_low, p_high = binomial_interval(k, n)
    warn = []
    if k == 1 and n > 1:
        warn.append(f"the lowest level {low:.4g} was reached by a single start of {n}: it may "
                    f"not be the lowest one; more starts would tell (p ≈ {p:.2g}, at least "
                    f"{p_low:.2g})")
    if band is not None and low > band[1]:
        warn.append(f"the lowest level {low:.4g} sits above the expected band "
                    f"[{band[0]:.4g}, {band[1]:.4g}]: too few starts, a wrong model, or "
                    f"solves that stopped short")
    verified = np.asarray(result.verified[beta_index], bool)
    unverified = [int(i) for i in on if not verified[i]]
    if result.pos_def is not None and np.any(result.pos_def[beta_index] >= 0) and unverified:
        warn.append(f"start{'s' if len(unverified) > 1 else ''} {unverified} on the lowest "
                    f"level {'are' if len(unverified) > 1 else 'is'} not a verified minimum")
    return LowestLevel(value=low, starts=tuple(int(i) for i in on), n_total=n, p=p,
                       p_low=p_low, p_high=p_high, starts_for_99=starts_needed(p),
                       rtol=float(rtol), warnings=tuple(warn))
