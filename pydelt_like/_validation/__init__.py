"""Every check of user input, written once.

Interpolators never inspect raw user input themselves: ``fit`` goes through :func:`check_xy`,
evaluation goes through :func:`check_eval_points` and :func:`shape_output`, and derivative orders go
through :func:`check_order`. All of them convert at the boundary to fresh float64 NumPy arrays, so
nothing the user passed is ever mutated or aliased, and every error names the parameter, the bad
value, what was expected and how to fix it. The same rules hold for one input coordinate (``x`` of
shape ``(n_samples,)``) and for several (``x`` of shape ``(n_samples, n_features)``).

The package keeps one job per module: ``arrays`` (conversion of user input to float64),
``params`` (options, integers, reals, derivative orders), ``fit_data`` (training data) and
``eval_points`` (evaluation points and output shapes).
"""

from pydelt_like._validation.arrays import _is_torch_like, as_float_array
from pydelt_like._validation.eval_points import EvalPoints, check_eval_points, shape_output
from pydelt_like._validation.fit_data import DUPLICATES_POLICIES, FitData, check_xy
from pydelt_like._validation.params import (
    EXTRAPOLATE_OPTIONS,
    NAN_POLICIES,
    check_extrapolate,
    check_int,
    check_nan_policy,
    check_option,
    check_order,
    check_real,
)

__all__ = [
    "DUPLICATES_POLICIES",
    "EXTRAPOLATE_OPTIONS",
    "NAN_POLICIES",
    "EvalPoints",
    "FitData",
    "_is_torch_like",
    "as_float_array",
    "check_eval_points",
    "check_extrapolate",
    "check_int",
    "check_nan_policy",
    "check_option",
    "check_order",
    "check_real",
    "check_xy",
    "shape_output",
]
