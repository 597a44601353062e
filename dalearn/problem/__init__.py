"""Problems and their action: a model, a rule, data and the grids; twin experiments; data files.

- :class:`Problem`: model + rule + data (NaN = not measured) + observed indices + grids
- :func:`action` and :class:`ActionEvaluator`: A(X) = measurement term + model term, value,
  gradient and Hessian blocks in one place
- :func:`twin_experiment`, :func:`lorenz96_twin`, :func:`twin_from_settings`: integrate a
  truth, observe some components, add seeded noise
- :func:`problem_from_files` and the readers of a user's own CSV data
- :func:`predict`, :func:`prediction_error`: integrate beyond the window
"""
from ._action import ActionEvaluator, ActionValue, action
from ._datafiles import (problem_from_files, read_data, read_drive, read_table, read_truth,
                         select_window, write_csv, csv_bytes)
from ._predict import predict, prediction_error
from ._errors import rms_per_start
from ._problem import Problem
from ._starts import START_STRATEGIES, initial_starts, nudged_paths
from ._twin import (Truth, Twin, check_truth_work, lorenz96_twin, path_bytes, resolve_params, rms,
                    twin_experiment, twin_from_settings)

__all__ = ["Problem", "action", "ActionEvaluator", "ActionValue",
           "Truth", "Twin", "twin_experiment", "lorenz96_twin",
           "twin_from_settings", "rms", "predict", "prediction_error", "read_table",
           "read_data", "read_drive", "read_truth", "write_csv", "csv_bytes", "problem_from_files",
           "select_window", "resolve_params", "check_truth_work", "path_bytes", "rms_per_start",
           "START_STRATEGIES", "initial_starts", "nudged_paths"]


def __getattr__(name):
    # GaussNewton moved to dalearn.optimize as BlockHessian (it also holds exact Hessians)
    if name == "GaussNewton":
        import warnings
        from ..optimize import BlockHessian
        warnings.warn("dalearn.problem.GaussNewton is dalearn.optimize.BlockHessian; the old "
                      "name goes in the next release", DeprecationWarning, stacklevel=2)
        return BlockHessian
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
