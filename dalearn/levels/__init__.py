"""The statistics of action levels: the expected level and its band (one formula for data
assimilation and networks), the effective number of fitted numbers p_eff, and the Laplace
evidence of a level.  Beside :mod:`dalearn.problem` (a Problem asks it for its level)."""
from ._levels import (Evidence, ExpectedLevel, effective_dof, expected_level, level_at,
                      level_band, log_evidence, n_measured, summary)
# shared with dalearn.uncertainty's bars (the Hessian at a result's point, factored)
from ._levels import _factor, _hessian, _point, _scalar_for_networks  # noqa: F401

__all__ = ["ExpectedLevel", "expected_level", "effective_dof", "level_at", "level_band",
           "Evidence", "log_evidence", "n_measured", "summary"]
