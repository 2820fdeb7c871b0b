"""Query points and result shapes of the multivariate API (PyDelt's conventions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pydelt_like._validation import as_float_array, check_eval_points

__all__ = ["Query", "check_query", "finish"]


@dataclass(frozen=True)
class Query:
    """Validated query points.

    Attributes
    ----------
    rows : ndarray of shape (k, d)
        The points; rows with NaN or inf (and, with ``extrapolate='nan'``, rows outside the
        range) are replaced by a point inside it and marked in ``blank``.
    blank : ndarray of bool, shape (k,)
        Rows whose results are NaN.
    """

    rows: np.ndarray
    blank: np.ndarray


def check_query(points: object, *, lo: np.ndarray, hi: np.ndarray, extrapolate: str) -> Query:
    """Points of shape ``(k, d)``, ``(d,)`` (one point) or, for ``d == 1``, ``(k,)``.

    Raises
    ------
    ValueError
        If the points do not have ``d`` coordinates, or (with ``extrapolate='raise'``) one lies
        outside the fitted range; the message names the coordinate.
    TypeError
        If the points are not numeric.
    """
    d = lo.size
    array = given = as_float_array(points, name="query points")
    if array.ndim == 0 or (array.ndim == 1 and d == 1):
        array = array.reshape(-1, 1)
    elif array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2 or array.shape[1] != d:
        raise ValueError(
            f"query points must have shape (n_points, {d}) (or ({d},) for one point), got "
            f"shape {given.shape}"
        )
    checked = check_eval_points(array, x_min=lo, x_max=hi, extrapolate=extrapolate)
    blank = checked.nan_mask | (checked.outside if extrapolate == "nan" else False)
    rows = checked.evaluable(extrapolate=extrapolate, fill=lo)
    return Query(rows=np.asarray(rows).reshape(-1, d), blank=np.asarray(blank, dtype=bool))


def finish(
    query: Query, compute: Callable[[np.ndarray], np.ndarray], squeeze: bool = True
) -> np.ndarray | float:
    """Evaluate ``compute`` on the rows, blank the marked ones, squeeze a single point.

    PyDelt returns one point's result without the leading axis (a float for a Laplacian).
    """
    values = np.array(compute(query.rows), dtype=np.float64)
    values[query.blank] = np.nan
    if squeeze and values.shape[0] == 1:
        first = values[0]
        return float(first) if first.ndim == 0 else first
    return values
