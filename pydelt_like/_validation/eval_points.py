"""Evaluation points: checked against the fitted range, and results given the user's shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from pydelt_like._validation.arrays import _fmt, _format_index, _plural, as_float_array
from pydelt_like._validation.params import check_extrapolate

__all__ = ["EvalPoints", "check_eval_points", "shape_output"]

# Relative slack at the ends of the fitted range: a linspace recomputed in floating point must not
# be rejected as "outside" because its last point is one rounding error past x_max.
_RANGE_RTOL = 1e-10
# Absolute slack, in units of the spacing of floats near the range ends, for a zero-width range.
_RANGE_ULPS = 4


@dataclass(frozen=True, eq=False)
class EvalPoints:
    """Validated evaluation points.

    Attributes
    ----------
    x_flat : numpy.ndarray of shape (n_points,) or (n_points, n_features)
        The points, flattened (one row per point for a fit on several coordinates), as fresh
        float64. Finite coordinates within the range tolerance of the fitted range's ends are
        clamped onto ``[x_min, x_max]``.
    shape : tuple of int
        The shape of the user's input without its coordinate axis (the batch shape of the
        points); ``()`` for a single point.
    is_scalar : bool
        Whether the user passed a single point: a scalar (0-d) for one coordinate, an array of
        shape ``(n_features,)`` for several.
    outside : numpy.ndarray of bool, shape (n_points,)
        Points with a finite coordinate outside the fitted range (beyond the tolerance).
    nan_mask : numpy.ndarray of bool, shape (n_points,)
        Points with a non-finite coordinate (NaN or inf); their output is NaN.
    """

    x_flat: np.ndarray
    shape: tuple[int, ...]
    is_scalar: bool
    outside: np.ndarray
    nan_mask: np.ndarray

    @property
    def n_points(self) -> int:
        """Number of evaluation points."""
        return int(self.x_flat.shape[0])

    def evaluable(self, *, extrapolate: str, fill: Any) -> np.ndarray:
        """The points an interpolator evaluates: finite, inside the range unless extrapolating.

        Parameters
        ----------
        extrapolate : {'raise', 'nan', 'extrapolate'}
            As given to :func:`check_eval_points`.
        fill : float or numpy.ndarray of shape (n_features,)
            A point inside the fitted range (``x_min``, say).

        Returns
        -------
        numpy.ndarray
            A new array shaped like :attr:`x_flat`, in which every point whose result will be
            NaN anyway (non-finite, or outside the range with ``extrapolate='nan'``) is
            replaced by ``fill``.
        """
        masked = self.nan_mask | self.outside if extrapolate == "nan" else self.nan_mask
        rows = masked.reshape(masked.shape + (1,) * (self.x_flat.ndim - 1))
        return np.where(rows, fill, self.x_flat)


def check_eval_points(
    x: ArrayLike, *, x_min: ArrayLike, x_max: ArrayLike, extrapolate: str
) -> EvalPoints:
    """Validate evaluation points against the fitted range.

    Parameters
    ----------
    x : scalar or array-like of any shape
        Where to evaluate; the same input types as :func:`as_float_array`. For a fit on several
        coordinates (array ``x_min`` and ``x_max``), an array of shape ``(..., n_features)``:
        one point per row.
    x_min, x_max : float, or array-like of shape (n_features,)
        The fitted range: floats for one coordinate, each coordinate's range for several.
    extrapolate : {'raise', 'nan', 'extrapolate'}
        ``'raise'`` rejects finite points outside ``[x_min, x_max]`` (in any coordinate);
        ``'nan'`` marks them for a NaN result; ``'extrapolate'`` lets the fit extend past the
        range. Coordinates within ``1e-10 * (x_max - x_min)`` (a few ulps for a zero-width
        range) of an end count as inside. Points with NaN or inf are never an error: their
        result is NaN.

    Returns
    -------
    EvalPoints
        The flattened points and the masks :func:`shape_output` needs.

    Raises
    ------
    TypeError
        If ``x`` is not numeric.
    ValueError
        If ``extrapolate`` is not an allowed value; if it is ``'raise'`` and some finite point
        lies outside the fitted range; or, for several coordinates, if the last axis of ``x``
        does not hold one value per coordinate.

    Examples
    --------
    >>> points = check_eval_points([0.5, 2.0], x_min=0.0, x_max=1.0, extrapolate="nan")
    >>> points.outside
    array([False,  True])
    >>> check_eval_points(2.0, x_min=0.0, x_max=1.0, extrapolate="raise")
    Traceback (most recent call last):
    ...
    ValueError: 1 evaluation point lies outside the fitted range [0, 1] (first: x=2); pass extrapolate='nan' to get NaN there or extrapolate='extrapolate' to extend the fit

    Several coordinates, each checked against its own range:

    >>> points = check_eval_points(
    ...     [[0.5, 5.0], [0.5, 50.0]], x_min=[0, 0], x_max=[1, 10], extrapolate="nan"
    ... )
    >>> points.shape, points.outside
    ((2,), array([False,  True]))
    """
    check_extrapolate(extrapolate)
    array = as_float_array(x, name="x")
    x_flat: np.ndarray
    lo = np.array(x_min, dtype=np.float64)
    hi = np.array(x_max, dtype=np.float64)
    if lo.ndim == 0:
        shape = tuple(int(s) for s in array.shape)
        x_flat = array.reshape(-1)
        nan_mask = ~np.isfinite(x_flat)
        is_scalar = array.ndim == 0
        coordinates = x_flat[:, None]  # a view: clamping below writes into x_flat
    else:
        d = lo.shape[0]
        if array.ndim == 0 or array.shape[-1] != d:
            raise ValueError(
                f"x must have shape (..., {d}) for a fit on {d} input columns, got shape "
                f"{array.shape}"
            )
        shape = tuple(int(s) for s in array.shape[:-1])
        x_flat = array.reshape(-1, d)
        nan_mask = ~np.isfinite(x_flat).all(axis=1)
        is_scalar = array.ndim == 1
        coordinates = x_flat

    width = np.maximum(np.abs(lo), np.abs(hi))
    with np.errstate(over="ignore"):  # a range spanning more than float64 holds: tol is inf
        tol = np.maximum(_RANGE_RTOL * (hi - lo), _RANGE_ULPS * np.spacing(width))
    # NaN compares False, so only finite coordinates can be outside; points with NaN or inf are
    # in nan_mask instead.
    finite_rows = ~nan_mask[:, None]
    beyond = finite_rows & ((coordinates < lo - tol) | (coordinates > hi + tol))
    near_end = finite_rows & ~beyond
    coordinates[near_end] = np.clip(coordinates, lo, hi)[near_end]
    outside = beyond.any(axis=1)

    if extrapolate == "raise" and outside.any():
        raise _outside_error(coordinates, beyond, lo, hi, shape, several=lo.ndim > 0)
    return EvalPoints(
        x_flat=x_flat, shape=shape, is_scalar=is_scalar, outside=outside, nan_mask=nan_mask
    )


def _outside_error(
    coordinates: np.ndarray,
    beyond: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    shape: tuple[int, ...],
    *,
    several: bool,
) -> ValueError:
    count = int(beyond.any(axis=1).sum())
    verb = "lies" if count == 1 else "lie"
    row = int(np.flatnonzero(beyond.any(axis=1))[0])
    if several:
        axis = int(np.flatnonzero(beyond[row])[0])
        point = ", ".join(_fmt(v) for v in coordinates[row])
        where = (
            f"[{_fmt(lo[axis])}, {_fmt(hi[axis])}] in coordinate {axis} (first: the point "
            f"[{point}] at index {_format_index(row, shape)})"
        )
    else:
        where = f"[{_fmt(float(lo))}, {_fmt(float(hi))}] (first: x={_fmt(coordinates[row, 0])})"
    return ValueError(
        f"{_plural(count, 'evaluation point')} {verb} outside the fitted range {where}; pass "
        "extrapolate='nan' to get NaN there or extrapolate='extrapolate' to extend the fit"
    )


def shape_output(
    values: ArrayLike,
    points: EvalPoints,
    y_trailing_shape: tuple[int, ...],
    *,
    extrapolate: str,
) -> float | np.ndarray:
    """Fill NaN where needed and give evaluated values the user's shape.

    Parameters
    ----------
    values : array-like of shape (n_points, n_outputs)
        Values computed at ``points.x_flat`` (a 1-D array is accepted when ``n_outputs == 1``).
        Not modified.
    points : EvalPoints
        The validated points from :func:`check_eval_points`.
    y_trailing_shape : tuple of int
        The shape of one sample of the fitted ``y`` (``()`` for 1-D ``y``).
    extrapolate : {'raise', 'nan', 'extrapolate'}
        With ``'nan'``, rows of points outside the fitted range become NaN.

    Returns
    -------
    float or numpy.ndarray
        A Python float for a scalar point and 1-D ``y``; otherwise a new array of shape
        ``points.shape + y_trailing_shape``. Rows of non-finite points are NaN.

    Raises
    ------
    ValueError
        If ``values`` does not have one row per point and ``prod(y_trailing_shape)`` columns
        (an error in the calling interpolator, not in user input).

    Examples
    --------
    >>> points = check_eval_points(
    ...     [[0.0, 0.5], [1.0, 9.0]], x_min=0.0, x_max=1.0, extrapolate="nan"
    ... )
    >>> shape_output(np.array([[1.0], [2.0], [3.0], [4.0]]), points, (), extrapolate="nan")
    array([[ 1.,  2.],
           [ 3., nan]])
    """
    n_points = points.n_points
    n_outputs = int(np.prod(y_trailing_shape, dtype=np.int64))
    out = np.array(values, dtype=np.float64, copy=True)
    if out.ndim == 1 and n_outputs == 1:
        out = out.reshape(-1, 1)
    if out.shape != (n_points, n_outputs):
        raise ValueError(
            f"evaluated values must have shape (n_points, n_outputs) = ({n_points}, {n_outputs}), "
            f"got {out.shape}"
        )
    out[points.nan_mask] = np.nan
    if extrapolate == "nan":
        out[points.outside] = np.nan
    if points.is_scalar and not y_trailing_shape:
        return float(out[0, 0])
    return out.reshape(points.shape + tuple(y_trailing_shape))
