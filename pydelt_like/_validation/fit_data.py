"""Training data: validated, cleaned, sorted (1-D x) or merged (rows of (n, d) x)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from pydelt_like._validation.arrays import _fmt, _format_index, _plural, as_float_array
from pydelt_like._validation.params import check_int, check_nan_policy, check_option

__all__ = ["DUPLICATES_POLICIES", "FitData", "check_xy"]

DUPLICATES_POLICIES: tuple[str, ...] = ("average", "raise")


@dataclass(frozen=True, eq=False)
class FitData:
    """Validated training data, ready for an interpolator's ``_fit``.

    Two shapes of ``x`` arrive here. With one input coordinate, ``x`` has shape
    ``(n_samples,)``: finite, sorted and strictly increasing (repeated values merged). With
    several (``check_xy(..., multivariate=True)`` and ``x`` of shape ``(n_samples, n_features)``,
    ``n_features >= 2``), ``x`` holds one row per sample: finite rows, pairwise distinct
    (repeated rows merged), in the order of their first occurrence in the user's data; rows
    have no natural order, so they are never sorted.

    Attributes
    ----------
    x : numpy.ndarray of shape (n_samples,) or (n_samples, n_features)
        Sample positions, float64 and finite: strictly increasing for one coordinate; distinct
        rows in the user's order for several.
    y : numpy.ndarray of shape (n_samples, n_outputs)
        Sample values, float64 and finite; every non-sample axis of the user's ``y`` flattened
        into one output axis (``n_outputs == 1`` for 1-D ``y``).
    weights : numpy.ndarray of shape (n_samples,)
        Finite, non-negative sample weights (ones when none were given); merged duplicates carry
        the sum of their weights. Weights are relative: when the user's largest weight lies
        outside [2**-64, 2**64] they are all multiplied by one power of two (exactly, see
        ``weight_exp``) so that sums of them neither overflow nor underflow.
    y_trailing_shape : tuple of int
        The shape of one sample of the user's ``y``: ``()`` for 1-D ``y``, else ``y.shape[1:]``.
    n_dropped : int
        How many samples ``nan_policy='omit'`` dropped.
    repeat_rms : numpy.ndarray of shape (n_outputs,) or None
        Weighted root-mean-square deviation of ``y`` about the means of repeated ``x`` values
        (or rows) that were merged, over the merged samples (None when nothing was merged):
        noise that merging hides from a fit. Kept as a root mean square so that it cannot
        overflow.
    repeat_weight : float
        The total weight of the merged samples: ``repeat_rms**2 * repeat_weight`` is their
        weighted sum of squares.
    repeat_dof : int
        Its degrees of freedom: merged samples with positive weight, less one per group.
    weight_exp : int
        The user's weights are ``numpy.ldexp(weights, weight_exp)`` (0 unless rescaled).
    weights_given : bool
        Whether the user passed weights (``False``: all ones).

    Notes
    -----
    The arrays are fresh copies owned by this object; they share no memory with the user's data.
    """

    x: np.ndarray
    y: np.ndarray
    weights: np.ndarray
    y_trailing_shape: tuple[int, ...]
    n_dropped: int
    repeat_rms: np.ndarray | None = None
    repeat_weight: float = 0.0
    repeat_dof: int = 0
    weight_exp: int = 0
    weights_given: bool = False

    @property
    def n_samples(self) -> int:
        """Number of distinct samples after dropping and merging."""
        return int(self.x.shape[0])

    @property
    def n_outputs(self) -> int:
        """Number of output columns ``m`` of :attr:`y`."""
        return int(self.y.shape[1])

    @property
    def n_features(self) -> int:
        """Number of input coordinates: 1 for 1-D :attr:`x`, else ``x.shape[1]``."""
        return 1 if self.x.ndim == 1 else int(self.x.shape[1])

    @property
    def x_range(self) -> tuple[Any, Any]:
        """The fitted range ``(x_min, x_max)``: floats for 1-D :attr:`x`, else arrays of shape
        ``(n_features,)`` holding each coordinate's range."""
        if self.x.ndim == 1:
            return float(self.x[0]), float(self.x[-1])
        return self.x.min(axis=0), self.x.max(axis=0)


def _power_of_two_above(magnitudes: np.ndarray) -> np.ndarray:
    """Integer exponents e with ``2**(e-1) <= m < 2**e`` (0 where m is 0): exact scalings."""
    return np.where(magnitudes > 0, np.frexp(magnitudes)[1], 0).astype(np.int64)


def _non_finite_error(name: str, bad: np.ndarray, shape: tuple[int, ...]) -> ValueError:
    count = int(bad.sum())
    first = _format_index(int(np.flatnonzero(bad.ravel())[0]), shape)
    return ValueError(
        f"{name} has {_plural(count, 'non-finite value')} (NaN or inf), first at index {first}; "
        "pass nan_policy='omit' to drop those samples"
    )


def _non_finite_rows_error(bad_rows: np.ndarray) -> ValueError:
    count = int(bad_rows.sum())
    return ValueError(
        f"x has {_plural(count, 'row')} with NaN or inf, first at row "
        f"{int(np.flatnonzero(bad_rows)[0])}; pass nan_policy='omit' to drop those samples"
    )


def _check_weights(weights: Any, n: int) -> np.ndarray:
    w = as_float_array(weights, name="weights")
    if w.shape != (n,):
        raise ValueError(
            f"weights must have shape (n_samples,) = ({n},), the same length as x; got shape "
            f"{w.shape}"
        )
    bad = ~np.isfinite(w)
    if bad.any():
        raise ValueError(
            f"weights has {_plural(int(bad.sum()), 'non-finite value')} (NaN or inf), first at "
            f"index {int(np.flatnonzero(bad)[0])}; weights must be finite and >= 0"
        )
    negative = w < 0
    if negative.any():
        first = int(np.flatnonzero(negative)[0])
        raise ValueError(
            f"weights has {_plural(int(negative.sum()), 'negative value')} (first: "
            f"{_fmt(w[first])} at index {first}); weights must be >= 0"
        )
    if not (w > 0).any():
        raise ValueError("weights are all zero; at least one sample needs a positive weight")
    return w


def _check_x(x: ArrayLike, *, multivariate: bool) -> np.ndarray:
    """``x`` as float64 of shape (n,) or, when ``multivariate``, (n, d) with d >= 2."""
    x_arr = as_float_array(x, name="x")
    if multivariate:
        if x_arr.ndim == 2 and x_arr.shape[1] == 1:
            return x_arr[:, 0]  # one input column is the 1-D case (sorted, scalar range)
        if x_arr.ndim not in (1, 2):
            shape_text = "a scalar" if x_arr.ndim == 0 else f"shape {x_arr.shape}"
            raise ValueError(
                f"x must have shape (n_samples,) or (n_samples, n_features), got {shape_text}"
            )
        if x_arr.ndim == 2 and x_arr.shape[0] and not x_arr.shape[1]:
            raise ValueError(f"x has shape {x_arr.shape}; it needs at least one column")
    elif x_arr.ndim != 1:
        shape_text = "a scalar" if x_arr.ndim == 0 else f"shape {x_arr.shape}"
        raise ValueError(
            f"x must be 1-D with shape (n_samples,), got {shape_text}; pass one position per "
            "sample (np.ravel(x) if it holds one)"
        )
    return x_arr


def _check_y(y: ArrayLike, x_shape: tuple[int, ...]) -> np.ndarray:
    """``y`` as float64 with one sample per row of ``x`` (any trailing shape)."""
    n = x_shape[0]
    y_arr = as_float_array(y, name="y")
    if y_arr.ndim == 0:
        raise ValueError("y must have shape (n_samples,) or (n_samples, ...), got a scalar")
    if y_arr.shape[0] != n:
        hint = ""
        if y_arr.ndim == 2 and y_arr.shape[1] == n:
            hint = "; y looks transposed, pass y.T to put samples on the first axis"
        elif len(x_shape) == 2 and x_shape[1] == y_arr.shape[0]:
            hint = "; x looks transposed, pass x.T to put samples on the first axis"
        raise ValueError(
            f"x and y must have the same length along the first axis: x has {n} samples, y has "
            f"{y_arr.shape[0]} (y.shape={y_arr.shape}){hint}"
        )
    if y_arr.size == 0:
        raise ValueError(f"y has no output values: y.shape={y_arr.shape}")
    return y_arr


def _row_groups(x_arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows of (n, d) ``x``: an order that brings equal rows together, first occurrences
    first (the identity when every row is distinct), and ``repeated`` (n - 1,): whether each
    row in that order equals the one before."""
    n = x_arr.shape[0]
    by_value = np.lexsort(x_arr.T[::-1])
    ordered = x_arr[by_value]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    if new_group.all():
        return np.arange(n), np.zeros(max(n - 1, 0), dtype=bool)
    group = np.empty(n, dtype=np.intp)
    group[by_value] = np.cumsum(new_group) - 1
    first = np.full(int(new_group.sum()), n, dtype=np.intp)
    np.minimum.at(first, group, np.arange(n))
    order = np.argsort(first[group], kind="stable")
    return order, group[order][1:] == group[order][:-1]


def _repeated_error(x_arr: np.ndarray, original_index: np.ndarray, i: int) -> ValueError:
    where = f"indices {int(original_index[i])} and {int(original_index[i + 1])}"
    if x_arr.ndim == 1:
        first = f"x={float(x_arr[i])!r} at {where}"
        what = "values"
    else:
        first = f"rows {where}, both {[float(v) for v in x_arr[i]]}"
        what = "rows"
    return ValueError(
        f"x has repeated {what} (first: {first}); an exact interpolation needs distinct x; use "
        "a smoothing fit or average the duplicates"
    )


def check_xy(
    x: ArrayLike,
    y: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    nan_policy: str = "raise",
    min_points: int = 2,
    duplicates: str = "average",
    method_name: str = "this method",
    min_points_hint: str = "",
    multivariate: bool = False,
) -> FitData:
    """Validate, clean and sort training data.

    Parameters
    ----------
    x : array-like of shape (n_samples,), or (n_samples, n_features) when ``multivariate``
        Sample positions. Need not be sorted. A single column, shape ``(n_samples, 1)``, is the
        one-dimensional case.
    y : array-like of shape (n_samples,) or (n_samples, ...)
        Sample values. Every axis after the first is a batch axis; they are flattened into one
        output axis of size ``n_outputs``.
    weights : array-like of shape (n_samples,), default=None
        Finite, non-negative sample weights, not all zero. ``None`` means all ones.
    nan_policy : {'raise', 'omit'}, default='raise'
        ``'raise'`` rejects NaN or inf in ``x`` or ``y``; ``'omit'`` drops every sample whose
        ``x`` (any coordinate) or any ``y`` value is NaN or inf.
    min_points : int, default=2
        The fewest distinct samples the method can fit.
    duplicates : {'average', 'raise'}, default='average'
        ``'average'`` merges samples with equal ``x`` (equal rows, for several coordinates)
        into one: ``y`` becomes their weighted mean (the plain mean when all their weights are
        zero) and the weight the sum of their weights. ``'raise'`` rejects repeated ``x``.
    method_name : str, default='this method'
        Used in the "needs at least ... samples" message, e.g. the interpolator's class name.
    min_points_hint : str, default=''
        Appended to that message: how to fit fewer samples (e.g. a lower degree).
    multivariate : bool, default=False
        Whether ``x`` may have several columns (the interpolator fits functions of several
        variables). Rows of such an ``x`` are checked, dropped and merged like single values,
        but keep the user's order (see :class:`FitData`).

    Returns
    -------
    FitData
        Finite, duplicate-free data in fresh float64 arrays; 1-D ``x`` sorted.

    Raises
    ------
    TypeError
        If ``x``, ``y`` or ``weights`` is not numeric (see :func:`as_float_array`), or
        ``min_points`` is not an integer.
    ValueError
        If ``x`` has the wrong number of axes or is empty; if ``y`` or ``weights`` has the wrong
        length; if weights are negative, non-finite or all zero; if there is NaN or inf with
        ``nan_policy='raise'``; if ``x`` repeats with ``duplicates='raise'``; if fewer than
        ``min_points`` distinct samples remain; or if an option is not one of its allowed
        values. Indices in messages refer to the user's original order.

    Examples
    --------
    >>> data = check_xy([2.0, 0.0, 1.0, 1.0], [20.0, 0.0, 9.0, 11.0])
    >>> data.x
    array([0., 1., 2.])
    >>> data.y[:, 0]
    array([ 0., 10., 20.])
    >>> data.weights
    array([1., 2., 1.])

    Rows of several coordinates keep their order; a repeated row is merged into its first:

    >>> data = check_xy([[1, 0], [0, 0], [1, 0]], [1.0, 2.0, 5.0], multivariate=True)
    >>> data.x
    array([[1., 0.],
           [0., 0.]])
    >>> data.y[:, 0], data.weights
    (array([3., 2.]), array([2., 1.]))
    """
    check_nan_policy(nan_policy)
    check_option(duplicates, name="duplicates", allowed=DUPLICATES_POLICIES)
    check_option(multivariate, name="multivariate", allowed=(False, True))
    min_points = check_int(min_points, name="min_points", low=1)

    x_arr = _check_x(x, multivariate=multivariate)
    n = x_arr.shape[0]
    if n == 0:
        raise ValueError(f"x is empty; {method_name} needs at least {min_points} samples")
    y_arr = _check_y(y, x_arr.shape)
    trailing = tuple(int(s) for s in y_arr.shape[1:])
    y2 = y_arr.reshape(n, -1)

    w = np.ones(n) if weights is None else _check_weights(weights, n)
    # Weights are relative: bring extreme ones near 1 by an exact power of two, so that sums
    # of many of them (merged repeats, normal equations) stay finite and normal.
    weight_exp = 0
    w_top = float(w.max())
    if not 2.0**-64 <= w_top <= 2.0**64:
        weight_exp = int(_power_of_two_above(np.array([w_top]))[0])
        w = np.ldexp(w, -weight_exp)

    # Positions in the user's original order, so that messages after sorting still point there.
    original_index = np.arange(n)
    bad_x = ~np.isfinite(x_arr).reshape(n, -1).all(axis=1)
    bad_y = ~np.isfinite(y_arr)
    n_dropped = 0
    if bad_x.any() or bad_y.any():
        if nan_policy == "raise":
            if bad_x.any():
                if x_arr.ndim == 2:
                    raise _non_finite_rows_error(bad_x)
                raise _non_finite_error("x", bad_x, x_arr.shape)
            raise _non_finite_error("y", bad_y, y_arr.shape)
        keep = ~bad_x & ~bad_y.reshape(n, -1).any(axis=1)
        n_dropped = int(n - keep.sum())
        x_arr, y2, w, original_index = x_arr[keep], y2[keep], w[keep], original_index[keep]

    if x_arr.ndim == 2:
        order, repeated = _row_groups(x_arr)
        if repeated.any():
            x_arr, y2, w, original_index = x_arr[order], y2[order], w[order], original_index[order]
    else:
        if x_arr.size > 1 and not (x_arr[1:] >= x_arr[:-1]).all():
            order = np.argsort(x_arr, kind="stable")
            x_arr, y2, w, original_index = x_arr[order], y2[order], w[order], original_index[order]
        repeated = x_arr[1:] == x_arr[:-1]

    merged = _Merged(y2, w, 0, None, 0.0, 0)
    if repeated.any():
        if duplicates == "raise":
            raise _repeated_error(x_arr, original_index, int(np.flatnonzero(repeated)[0]))
        merged = _merge_repeats(y2, w, repeated)
        x_arr = x_arr[np.flatnonzero(np.concatenate(([True], ~repeated)))]

    n_left = int(x_arr.shape[0])
    if n_left < min_points:
        notes = []
        if n_dropped:
            notes.append(f"dropping {_plural(n_dropped, 'sample')} with NaN or inf")
        if merged.n_merged:
            what = "repeated x value" if x_arr.ndim == 1 else "repeated row of x"
            plural = None if x_arr.ndim == 1 else "repeated rows of x"
            notes.append(f"merging {_plural(merged.n_merged, what, plural)}")
        detail = f" (after {' and '.join(notes)})" if notes else ""
        raise ValueError(
            f"{method_name} needs at least {min_points} distinct samples, got {n_left}{detail}"
            + (f"; {min_points_hint}" if min_points_hint else "")
        )
    if not (merged.w > 0).any():
        raise ValueError(
            "weights are all zero on the samples left after dropping NaN or inf; at least one "
            "sample needs a positive weight"
        )

    return FitData(
        x=np.ascontiguousarray(x_arr),
        y=np.ascontiguousarray(merged.y),
        weights=np.ascontiguousarray(merged.w),
        y_trailing_shape=trailing,
        n_dropped=n_dropped,
        repeat_rms=merged.repeat_rms,
        repeat_weight=merged.repeat_weight,
        repeat_dof=merged.repeat_dof,
        weight_exp=weight_exp,
        weights_given=weights is not None,
    )


@dataclass(frozen=True, eq=False)
class _Merged:
    """Samples after merging repeats: one row per group, and the scatter merging hid."""

    y: np.ndarray
    w: np.ndarray
    n_merged: int
    repeat_rms: np.ndarray | None
    repeat_weight: float
    repeat_dof: int


def _merge_repeats(y2: np.ndarray, w: np.ndarray, repeated: np.ndarray) -> _Merged:
    """Merge runs of equal x (``repeated[i]``: sample i + 1 repeats sample i) into one sample."""
    starts = np.flatnonzero(np.concatenate(([True], ~repeated)))
    counts = np.diff(np.append(starts, y2.shape[0]))
    w_sum = np.add.reduceat(w, starts)
    # Weights relative to the largest in their group, and y relative to a power of two at
    # least its largest magnitude (exact scaling): sums of w * y and of squares then
    # neither underflow nor overflow, whatever the magnitudes.
    w_max = np.maximum.reduceat(w, starts)
    positive = w_max > 0
    w_rel = w / np.repeat(np.where(positive, w_max, 1.0), counts)
    y_exp = _power_of_two_above(np.abs(y2).max(axis=0))
    y_unit = np.ldexp(y2, -y_exp)
    weighted = np.add.reduceat(w_rel[:, None] * y_unit, starts, axis=0)
    w_rel_sum = np.where(positive, np.add.reduceat(w_rel, starts), 1.0)
    plain = np.add.reduceat(y_unit, starts, axis=0) / counts[:, None]
    merged_unit = np.where(positive[:, None], weighted / w_rel_sum[:, None], plain)
    deviation = y_unit - np.repeat(merged_unit, counts, axis=0)
    in_group = np.repeat(counts > 1, counts)
    repeat_weight = float(w[in_group].sum())
    # Shares of the merged samples' weight: at most 1 each, so nothing overflows even where the
    # merged samples weigh nothing next to the others (0 / tiny is 0: no scatter to count).
    share = np.where(in_group, w, 0.0) / max(repeat_weight, np.finfo(float).tiny)
    mean_square = np.einsum("i,ij->j", share, deviation**2)
    n_positive = np.add.reduceat((w > 0).astype(np.intp), starts)
    return _Merged(
        # A sample without duplicates keeps its y bit for bit (w * y / w can round).
        y=np.where((counts > 1)[:, None], np.ldexp(merged_unit, y_exp), y2[starts]),
        w=w_sum,
        n_merged=int(y2.shape[0] - starts.size),
        repeat_rms=np.ldexp(np.sqrt(mean_square), y_exp),
        repeat_weight=repeat_weight,
        repeat_dof=int(np.maximum(n_positive - 1, 0).sum()),
    )
