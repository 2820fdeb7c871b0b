"""Every check of user input, written once.

Interpolators never inspect raw user input themselves: ``fit`` goes through :func:`check_xy`,
evaluation goes through :func:`check_eval_points` and :func:`shape_output`, and derivative orders go
through :func:`check_order`. All of them convert at the boundary to fresh float64 NumPy arrays, so
nothing the user passed is ever mutated or aliased, and every error names the parameter, the bad
value, what was expected and how to fix it.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "DUPLICATES_POLICIES",
    "EXTRAPOLATE_OPTIONS",
    "NAN_POLICIES",
    "EvalPoints",
    "FitData",
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

NAN_POLICIES: tuple[str, ...] = ("raise", "omit")
EXTRAPOLATE_OPTIONS: tuple[str, ...] = ("raise", "nan", "extrapolate")
DUPLICATES_POLICIES: tuple[str, ...] = ("average", "raise")

# Relative slack at the ends of the fitted range: a linspace recomputed in floating point must not
# be rejected as "outside" because its last point is one rounding error past x_max.
_RANGE_RTOL = 1e-10
# Absolute slack, in units of the spacing of floats near the range ends, for a zero-width range.
_RANGE_ULPS = 4


# ------------------------------------------------------------------------------------ helpers
def _plural(count: int, singular: str, plural: str | None = None) -> str:
    word = singular if count == 1 else (plural or singular + "s")
    return f"{count} {word}"


def _format_index(flat_index: int, shape: tuple[int, ...]) -> str:
    """Format a flat index as the user would index their array (``17`` or ``(17, 2)``)."""
    if len(shape) <= 1:
        return str(flat_index)
    return str(tuple(int(i) for i in np.unravel_index(flat_index, shape)))


def _fmt(value: float) -> str:
    """Short, readable form of a float for messages (6 significant digits)."""
    return f"{float(value):.6g}"


def _is_torch_like(values: object) -> bool:
    # Duck-typing keeps torch an optional, lazily imported dependency.
    return hasattr(values, "detach") and hasattr(values, "cpu") and hasattr(values, "numpy")


def _torch_to_numpy(values: Any) -> np.ndarray:
    tensor = values.detach().cpu()
    try:
        return np.asarray(tensor.numpy())
    except (TypeError, RuntimeError):
        # dtypes NumPy has no equivalent for (bfloat16) go through float64 inside torch.
        return np.asarray(tensor.double().numpy())


def _pandas_like_to_numpy(values: Any) -> np.ndarray:
    array = np.asarray(values.to_numpy())
    declared_kind = getattr(getattr(values, "dtype", None), "kind", None)
    if array.dtype == object and declared_kind in ("f", "i", "u"):
        # Nullable numeric pandas dtypes (Float64, Int64) give object arrays holding pd.NA; ask
        # pandas for floats with NaN in the missing places instead. Only for numeric dtypes:
        # pandas would happily parse strings or turn datetimes into nanoseconds here.
        try:
            array = np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan))
        except (TypeError, ValueError):
            pass
    return array


def _object_to_float(array: np.ndarray, name: str) -> np.ndarray:
    """Convert an object array to float64, rejecting strings, complex numbers and datetimes."""
    for flat_index, item in enumerate(array.flat):
        where = _format_index(flat_index, array.shape)
        if isinstance(item, (str, bytes)):
            raise TypeError(
                f"{name} contains strings (first: {item!r} at index {where}); pass numbers. If the "
                f"strings hold numbers, convert them first with np.asarray({name}, dtype=float)"
            )
        if isinstance(item, (complex, np.complexfloating)):
            raise TypeError(
                f"{name} contains complex values; pass the real part (np.real) or the magnitude "
                "(np.abs)"
            )
        if isinstance(item, (datetime.date, datetime.timedelta, np.datetime64, np.timedelta64)):
            raise TypeError(
                f"{name} contains dates or times (first: {item!r} at index {where}); convert them "
                "to numbers first, e.g. seconds since the first sample"
            )
        if isinstance(item, (bool, np.bool_)):
            raise TypeError(
                f"{name} contains booleans (first at index {where}); pass numbers, e.g. "
                f"np.asarray({name}, dtype=float) if 0 and 1 are really meant"
            )
        try:
            float(item)
        except OverflowError:  # a Python int beyond float64's range
            raise ValueError(
                f"{name} contains an integer beyond float64's range (about ±1.8e308) at index "
                f"{where}; rescale it"
            ) from None
        except (TypeError, ValueError):
            hint = "; use float('nan') for missing values" if item is None else ""
            raise TypeError(
                f"{name} contains a value that cannot be converted to float (first: {item!r} of "
                f"type {type(item).__name__} at index {where}){hint}"
            ) from None
    return np.array(array, dtype=np.float64, order="C")


# ------------------------------------------------------------------------------------ arrays
def as_float_array(values: Any, *, name: str) -> np.ndarray:
    """Convert user input to a new float64 NumPy array.

    Parameters
    ----------
    values : array-like or scalar
        A list or tuple, a NumPy array (masked entries become NaN), a pandas Series, Index or
        DataFrame (anything with ``to_numpy``), a torch tensor (anything with ``detach``, ``cpu``
        and ``numpy``; moved to the CPU and detached from the autograd graph), or a scalar.
        Neither pandas nor torch is imported.
    name : str
        The parameter name used in error messages, e.g. ``'x'``.

    Returns
    -------
    numpy.ndarray
        A float64 array of the same shape that shares no memory with ``values``: it is always a
        fresh copy, so callers may modify it freely and the user's data is never touched.

    Raises
    ------
    TypeError
        If ``values`` holds strings or bytes, complex numbers, booleans (rejected so that a mask
        is never mistaken for data), dates, times or timedeltas, or objects that cannot be
        converted to float.
    ValueError
        If ``values`` is ragged (nested sequences of different lengths) or holds an integer
        beyond float64's range.

    Examples
    --------
    >>> as_float_array([1, 2, 3], name="x")
    array([1., 2., 3.])
    >>> as_float_array(2, name="x")
    array(2.)
    >>> as_float_array([1 + 2j], name="y")
    Traceback (most recent call last):
    ...
    TypeError: y contains complex values; pass the real part (np.real) or the magnitude (np.abs)
    """
    if isinstance(values, (str, bytes)):
        raise TypeError(
            f"{name} must be numeric, got a {type(values).__name__} {values!r}; pass numbers"
        )
    mask = None
    if np.ma.isMaskedArray(values):
        mask = np.ma.getmaskarray(values)
        values = np.ma.getdata(values)
    elif _is_torch_like(values):
        values = _torch_to_numpy(values)
    elif hasattr(values, "to_numpy"):
        values = _pandas_like_to_numpy(values)

    try:
        array = np.asarray(values)
    except ValueError as exc:
        raise ValueError(f"{name} could not be converted to a numeric array: {exc}") from None

    kind = array.dtype.kind
    if kind in "US":
        raise TypeError(
            f"{name} has string dtype {array.dtype}; pass numbers. If the strings hold numbers, "
            f"convert them first with np.asarray({name}, dtype=float)"
        )
    if kind == "c":
        raise TypeError(
            f"{name} contains complex values; pass the real part (np.real) or the magnitude "
            "(np.abs)"
        )
    if kind in "mM":
        raise TypeError(
            f"{name} has {array.dtype} dtype; convert to numbers first, e.g. seconds since the "
            f"first sample: ({name} - {name}[0]) / np.timedelta64(1, 's')"
        )
    if kind == "b":
        raise TypeError(
            f"{name} has boolean dtype; pass numbers, e.g. np.asarray({name}, dtype=float) if 0 and "
            "1 are really meant"
        )
    if kind == "O":
        result = _object_to_float(array, name)
    elif kind in "iuf":
        result = np.array(array, dtype=np.float64, order="C", copy=True)
    else:
        raise TypeError(f"{name} has dtype {array.dtype}, which cannot be converted to float")

    if mask is not None and mask.any():
        result[mask] = np.nan
    return result


# ------------------------------------------------------------------------------------ options
def check_option(value: Any, *, name: str, allowed: Sequence[Hashable]) -> Any:
    """Check that an option is one of its allowed values.

    Parameters
    ----------
    value : object
        The value the user passed.
    name : str
        The parameter name used in the error message.
    allowed : sequence of hashable
        The accepted values. A value must equal one of them and have a compatible type
        (``True`` is not accepted in place of ``1``).

    Returns
    -------
    object
        ``value``, unchanged.

    Raises
    ------
    ValueError
        If ``value`` is not one of ``allowed``; the message lists the allowed values.

    Examples
    --------
    >>> check_option("omit", name="nan_policy", allowed=("raise", "omit"))
    'omit'
    >>> check_option("drop", name="nan_policy", allowed=("raise", "omit"))
    Traceback (most recent call last):
    ...
    ValueError: nan_policy must be one of 'raise', 'omit'; got 'drop'
    """
    if isinstance(value, Hashable):
        for option in allowed:
            try:
                same = bool(value == option)
            except (TypeError, ValueError):
                same = False
            if same and (isinstance(value, type(option)) or isinstance(option, type(value))):
                if isinstance(value, bool) == isinstance(option, bool):
                    return value
    choices = ", ".join(repr(option) for option in allowed)
    raise ValueError(f"{name} must be one of {choices}; got {value!r}")


@overload
def check_int(
    value: Any,
    *,
    name: str,
    low: int | None = ...,
    high: int | None = ...,
    allow_none: Literal[False] = ...,
    hint: str = ...,
) -> int: ...


@overload
def check_int(
    value: Any,
    *,
    name: str,
    low: int | None = ...,
    high: int | None = ...,
    allow_none: bool,
    hint: str = ...,
) -> int | None: ...


def check_int(
    value: Any,
    *,
    name: str,
    low: int | None = None,
    high: int | None = None,
    allow_none: bool = False,
    hint: str = "",
) -> int | None:
    """Check an integer parameter: Python or NumPy integers only, within ``[low, high]``.

    Every size-like argument goes through here, so the same mistake always raises the same
    exception type: ``TypeError`` for a value that is not an integer (booleans and floats,
    even integral ones such as ``2.0``, included), ``ValueError`` for one out of range.

    Parameters
    ----------
    value : object
        The value the user passed.
    name : str
        The parameter name used in messages.
    low, high : int or None, default=None
        Inclusive bounds; ``None`` leaves that side open. A documented ``high`` is how a
        size-like argument (orders, epochs, members, points) keeps its cost bounded.
    allow_none : bool, default=False
        Whether ``None`` is accepted (and returned unchanged).
    hint : str, default=''
        Appended to the out-of-range message, e.g. how to get what the user wanted.

    Returns
    -------
    int or None
        ``value`` as a Python int (or ``None`` when allowed and given).

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If ``value`` lies outside ``[low, high]``.

    Examples
    --------
    >>> check_int(np.int64(3), name="k", low=1, high=7)
    3
    >>> check_int(2.0, name="k", low=1, high=7)
    Traceback (most recent call last):
    ...
    TypeError: k must be an integer, got 2.0 (float)
    >>> check_int(10**9, name="order", low=0, high=100)
    Traceback (most recent call last):
    ...
    ValueError: order must be at most 100, got 1000000000
    """
    if value is None and allow_none:
        return None
    expected = "an integer or None" if allow_none else "an integer"
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be {expected}, got {value!r} (bool)")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(
            f"{name} must be {expected}, got {value!r} ({type(value).__name__})"
        ) from None
    tail = f"; {hint}" if hint else ""
    if low is not None and number < low:
        raise ValueError(f"{name} must be at least {low}, got {number}{tail}")
    if high is not None and number > high:
        raise ValueError(f"{name} must be at most {high}, got {number}{tail}")
    return int(number)


@overload
def check_real(
    value: Any,
    *,
    name: str,
    low: float | None = ...,
    high: float | None = ...,
    low_inclusive: bool = ...,
    high_inclusive: bool = ...,
    allow_none: Literal[False] = ...,
    hint: str = ...,
) -> float: ...


@overload
def check_real(
    value: Any,
    *,
    name: str,
    low: float | None = ...,
    high: float | None = ...,
    low_inclusive: bool = ...,
    high_inclusive: bool = ...,
    allow_none: bool,
    hint: str = ...,
) -> float | None: ...


def check_real(
    value: Any,
    *,
    name: str,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    allow_none: bool = False,
    hint: str = "",
) -> float | None:
    """Check a real-valued parameter: a finite Python or NumPy number within the bounds.

    ``TypeError`` for a value that is not a real number (booleans, strings, complex numbers
    and arrays included), ``ValueError`` for NaN, infinity or a value out of range.

    Parameters
    ----------
    value : object
        The value the user passed.
    name : str
        The parameter name used in messages.
    low, high : float or None, default=None
        Bounds; ``None`` leaves that side open (the value must still be finite).
    low_inclusive, high_inclusive : bool, default=True
        Whether the bounds themselves are allowed.
    allow_none : bool, default=False
        Whether ``None`` is accepted (and returned unchanged).
    hint : str, default=''
        Appended to the out-of-range message.

    Returns
    -------
    float or None
        ``value`` as a Python float (or ``None`` when allowed and given).

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If ``value`` is NaN, infinite or out of range.

    Examples
    --------
    >>> check_real(np.float32(0.5), name="learning_rate", low=0, low_inclusive=False)
    0.5
    >>> check_real(float("inf"), name="weight_decay", low=0)
    Traceback (most recent call last):
    ...
    ValueError: weight_decay must be a finite number, got inf
    >>> check_real(0.0, name="learning_rate", low=0, low_inclusive=False)
    Traceback (most recent call last):
    ...
    ValueError: learning_rate must be > 0, got 0.0
    """
    if value is None and allow_none:
        return None
    expected = "a real number or None" if allow_none else "a real number"
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be {expected}, got {value!r} ({type(value).__name__})")
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        raise ValueError(f"{name} must be a finite number, got {value!r}") from None
    if not np.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    tail = f"; {hint}" if hint else ""
    if low is not None and (number < low or (number == low and not low_inclusive)):
        sign = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {sign} {low:g}, got {value!r}{tail}")
    if high is not None and (number > high or (number == high and not high_inclusive)):
        sign = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {sign} {high:g}, got {value!r}{tail}")
    return number


def check_nan_policy(nan_policy: Any) -> str:
    """Check the ``nan_policy`` option.

    Parameters
    ----------
    nan_policy : {'raise', 'omit'}
        What to do with samples whose x or y is NaN or infinite.

    Returns
    -------
    str
        ``nan_policy``, unchanged.

    Raises
    ------
    ValueError
        If ``nan_policy`` is not ``'raise'`` or ``'omit'``.

    Examples
    --------
    >>> check_nan_policy("raise")
    'raise'
    """
    return str(check_option(nan_policy, name="nan_policy", allowed=NAN_POLICIES))


def check_extrapolate(extrapolate: Any) -> str:
    """Check the ``extrapolate`` option.

    Parameters
    ----------
    extrapolate : {'raise', 'nan', 'extrapolate'}
        What to do with evaluation points outside the fitted range.

    Returns
    -------
    str
        ``extrapolate``, unchanged.

    Raises
    ------
    ValueError
        If ``extrapolate`` is not one of the allowed values.

    Examples
    --------
    >>> check_extrapolate("nan")
    'nan'
    """
    return str(check_option(extrapolate, name="extrapolate", allowed=EXTRAPOLATE_OPTIONS))


# ------------------------------------------------------------------------------------ fit data
@dataclass(frozen=True, eq=False)
class FitData:
    """Validated training data, ready for an interpolator's ``_fit``.

    Attributes
    ----------
    x : numpy.ndarray of shape (n_samples,)
        Sample positions, float64, finite and strictly increasing.
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
        that were merged, over the merged samples (None when nothing was merged): noise that
        merging hides from a fit. Kept as a root mean square so that it cannot overflow.
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


def check_xy(
    x: ArrayLike,
    y: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    nan_policy: str = "raise",
    min_points: int = 2,
    duplicates: str = "average",
    method_name: str = "this method",
) -> FitData:
    """Validate, clean and sort training data.

    Parameters
    ----------
    x : array-like of shape (n_samples,)
        Sample positions. Need not be sorted.
    y : array-like of shape (n_samples,) or (n_samples, ...)
        Sample values. Every axis after the first is a batch axis; they are flattened into one
        output axis of size ``n_outputs``.
    weights : array-like of shape (n_samples,), default=None
        Finite, non-negative sample weights, not all zero. ``None`` means all ones.
    nan_policy : {'raise', 'omit'}, default='raise'
        ``'raise'`` rejects NaN or inf in ``x`` or ``y``; ``'omit'`` drops every sample whose
        ``x`` or any ``y`` value is NaN or inf.
    min_points : int, default=2
        The fewest distinct samples the method can fit.
    duplicates : {'average', 'raise'}, default='average'
        ``'average'`` merges samples with equal ``x`` into one: ``y`` becomes their weighted mean
        (the plain mean when all their weights are zero) and the weight the sum of their weights.
        ``'raise'`` rejects repeated ``x``.
    method_name : str, default='this method'
        Used in the "needs at least ... samples" message, e.g. the interpolator's class name.

    Returns
    -------
    FitData
        Sorted, finite, duplicate-free data in fresh float64 arrays.

    Raises
    ------
    TypeError
        If ``x``, ``y`` or ``weights`` is not numeric (see :func:`as_float_array`).
    ValueError
        If ``x`` is not 1-D or is empty; if ``y`` or ``weights`` has the wrong length; if weights
        are negative, non-finite or all zero; if there is NaN or inf with ``nan_policy='raise'``;
        if ``x`` repeats with ``duplicates='raise'``; if fewer than ``min_points`` distinct
        samples remain; or if an option is not one of its allowed values. Indices in messages
        refer to the user's original order.

    Examples
    --------
    >>> data = check_xy([2.0, 0.0, 1.0, 1.0], [20.0, 0.0, 9.0, 11.0])
    >>> data.x
    array([0., 1., 2.])
    >>> data.y[:, 0]
    array([ 0., 10., 20.])
    >>> data.weights
    array([1., 2., 1.])
    """
    check_nan_policy(nan_policy)
    check_option(duplicates, name="duplicates", allowed=DUPLICATES_POLICIES)
    try:
        min_points = operator.index(min_points)
    except TypeError:
        raise TypeError(f"min_points must be an integer, got {min_points!r}") from None
    if min_points < 1:
        raise ValueError(f"min_points must be >= 1, got {min_points}")

    x_arr = as_float_array(x, name="x")
    if x_arr.ndim != 1:
        shape_text = "a scalar" if x_arr.ndim == 0 else f"shape {x_arr.shape}"
        raise ValueError(
            f"x must be 1-D with shape (n_samples,), got {shape_text}; pass one position per "
            "sample (np.ravel(x) if it holds one)"
        )
    n = x_arr.shape[0]
    if n == 0:
        raise ValueError(f"x is empty; {method_name} needs at least {min_points} samples")

    y_arr = as_float_array(y, name="y")
    if y_arr.ndim == 0:
        raise ValueError("y must have shape (n_samples,) or (n_samples, ...), got a scalar")
    if y_arr.shape[0] != n:
        hint = ""
        if y_arr.ndim == 2 and y_arr.shape[1] == n:
            hint = "; y looks transposed, pass y.T to put samples on the first axis"
        raise ValueError(
            f"x and y must have the same length along the first axis: x has {n} samples, y has "
            f"{y_arr.shape[0]} (y.shape={y_arr.shape}){hint}"
        )
    trailing = tuple(int(s) for s in y_arr.shape[1:])
    if y_arr.size == 0:
        raise ValueError(f"y has no output values: y.shape={y_arr.shape}")
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
    bad_x = ~np.isfinite(x_arr)
    bad_y = ~np.isfinite(y_arr)
    n_dropped = 0
    if bad_x.any() or bad_y.any():
        if nan_policy == "raise":
            if bad_x.any():
                raise _non_finite_error("x", bad_x, x_arr.shape)
            raise _non_finite_error("y", bad_y, y_arr.shape)
        keep = ~bad_x & ~bad_y.reshape(n, -1).any(axis=1)
        n_dropped = int(n - keep.sum())
        x_arr, y2, w, original_index = x_arr[keep], y2[keep], w[keep], original_index[keep]

    if x_arr.size > 1 and not (x_arr[1:] >= x_arr[:-1]).all():
        order = np.argsort(x_arr, kind="stable")
        x_arr, y2, w, original_index = x_arr[order], y2[order], w[order], original_index[order]

    n_merged = 0
    repeat_rms, repeat_weight, repeat_dof = None, 0.0, 0
    repeated = x_arr[1:] == x_arr[:-1]
    if repeated.any():
        if duplicates == "raise":
            i = int(np.flatnonzero(repeated)[0])
            raise ValueError(
                f"x has repeated values (first: x={float(x_arr[i])!r} at indices "
                f"{int(original_index[i])} and {int(original_index[i + 1])}); an exact "
                "interpolation needs distinct x; use a smoothing fit or average the duplicates"
            )
        starts = np.flatnonzero(np.concatenate(([True], ~repeated)))
        counts = np.diff(np.append(starts, x_arr.size))
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
        mean_square = np.einsum(
            "i,ij->j", w / max(repeat_weight, np.finfo(float).tiny), deviation**2
        )
        repeat_rms = np.ldexp(np.sqrt(mean_square), y_exp)
        n_positive = np.add.reduceat((w > 0).astype(np.intp), starts)
        repeat_dof = int(np.maximum(n_positive - 1, 0).sum())
        # A sample without duplicates keeps its y bit for bit (w * y / w can round).
        y2 = np.where((counts > 1)[:, None], np.ldexp(merged_unit, y_exp), y2[starts])
        n_merged = int(x_arr.size - starts.size)
        x_arr, w = x_arr[starts], w_sum

    n_left = int(x_arr.size)
    if n_left < min_points:
        notes = []
        if n_dropped:
            notes.append(f"dropping {_plural(n_dropped, 'sample')} with NaN or inf")
        if n_merged:
            notes.append(f"merging {_plural(n_merged, 'repeated x value')}")
        detail = f" (after {' and '.join(notes)})" if notes else ""
        raise ValueError(
            f"{method_name} needs at least {min_points} distinct samples, got {n_left}{detail}"
        )
    if not (w > 0).any():
        raise ValueError(
            "weights are all zero on the samples left after dropping NaN or inf; at least one "
            "sample needs a positive weight"
        )

    return FitData(
        x=np.ascontiguousarray(x_arr),
        y=np.ascontiguousarray(y2),
        weights=np.ascontiguousarray(w),
        y_trailing_shape=trailing,
        n_dropped=n_dropped,
        repeat_rms=repeat_rms,
        repeat_weight=repeat_weight,
        repeat_dof=repeat_dof,
        weight_exp=weight_exp,
        weights_given=weights is not None,
    )


# ------------------------------------------------------------------------------------ order
def check_order(order: Any, *, max_order: int | None, method_name: str, hint: str = "") -> int:
    """Check a derivative order.

    Parameters
    ----------
    order : int
        The derivative order; ``0`` is the fit itself. Python and NumPy integers are accepted;
        booleans and floats (even integral ones such as ``2.0``) are not.
    max_order : int or None
        The highest order the method supports; ``None`` means unlimited.
    method_name : str
        Used in the message when ``order`` exceeds ``max_order``.
    hint : str, default=''
        Appended to that message, e.g. how to fit a higher-degree model.

    Returns
    -------
    int
        ``order`` as a Python int.

    Raises
    ------
    TypeError
        If ``order`` is not an integer.
    ValueError
        If ``order`` is negative or larger than ``max_order``.

    Examples
    --------
    >>> check_order(2, max_order=3, method_name="SplineInterpolator")
    2
    >>> check_order(1.5, max_order=3, method_name="SplineInterpolator")
    Traceback (most recent call last):
    ...
    TypeError: order must be a non-negative integer, got 1.5
    """
    if isinstance(order, (bool, np.bool_)):
        raise TypeError(f"order must be a non-negative integer, got {order!r}")
    try:
        value = operator.index(order)
    except TypeError:
        raise TypeError(f"order must be a non-negative integer, got {order!r}") from None
    if value < 0:
        raise ValueError(f"order must be a non-negative integer, got {value}")
    if max_order is not None and value > max_order:
        message = f"{method_name} supports derivatives up to order {max_order}; got order={value}."
        if hint:
            message = f"{message} {hint}"
        raise ValueError(message)
    return int(value)


# ------------------------------------------------------------------------------------ evaluation
@dataclass(frozen=True, eq=False)
class EvalPoints:
    """Validated evaluation points.

    Attributes
    ----------
    x_flat : numpy.ndarray of shape (n_points,)
        The points, flattened, as fresh float64. Finite points within the range tolerance of
        the fitted range's ends are clamped onto ``[x_min, x_max]``.
    shape : tuple of int
        The shape of the user's input; ``()`` for a scalar.
    is_scalar : bool
        Whether the user passed a scalar (a 0-d input).
    outside : numpy.ndarray of bool, shape (n_points,)
        Finite points outside the fitted range (beyond the tolerance).
    nan_mask : numpy.ndarray of bool, shape (n_points,)
        Non-finite points (NaN or inf); their output is NaN.
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


def check_eval_points(x: ArrayLike, *, x_min: float, x_max: float, extrapolate: str) -> EvalPoints:
    """Validate evaluation points against the fitted range.

    Parameters
    ----------
    x : scalar or array-like of any shape
        Where to evaluate; the same input types as :func:`as_float_array`.
    x_min, x_max : float
        The fitted range.
    extrapolate : {'raise', 'nan', 'extrapolate'}
        ``'raise'`` rejects finite points outside ``[x_min, x_max]``; ``'nan'`` marks them for a
        NaN result; ``'extrapolate'`` lets the fit extend past the range. Points within
        ``1e-10 * (x_max - x_min)`` (a few ulps for a zero-width range) of an end count as
        inside. NaN and inf points are never an error: their result is NaN.

    Returns
    -------
    EvalPoints
        The flattened points and the masks :func:`shape_output` needs.

    Raises
    ------
    TypeError
        If ``x`` is not numeric.
    ValueError
        If ``extrapolate`` is not an allowed value, or if it is ``'raise'`` and some finite point
        lies outside the fitted range.

    Examples
    --------
    >>> points = check_eval_points([0.5, 2.0], x_min=0.0, x_max=1.0, extrapolate="nan")
    >>> points.outside
    array([False,  True])
    >>> check_eval_points(2.0, x_min=0.0, x_max=1.0, extrapolate="raise")
    Traceback (most recent call last):
    ...
    ValueError: 1 evaluation point lies outside the fitted range [0, 1] (first: x=2); pass extrapolate='nan' to get NaN there or extrapolate='extrapolate' to extend the fit
    """
    check_extrapolate(extrapolate)
    array = as_float_array(x, name="x")
    shape = tuple(int(s) for s in array.shape)
    x_flat = array.reshape(-1)
    nan_mask = ~np.isfinite(x_flat)

    lo, hi = float(x_min), float(x_max)
    tol = max(_RANGE_RTOL * (hi - lo), _RANGE_ULPS * float(np.spacing(max(abs(lo), abs(hi)))))
    # NaN compares False, so only finite points can be outside; inf is in nan_mask instead.
    outside = ~nan_mask & ((x_flat < lo - tol) | (x_flat > hi + tol))
    near_end = ~nan_mask & ~outside
    x_flat[near_end] = np.clip(x_flat[near_end], lo, hi)

    if extrapolate == "raise" and outside.any():
        count = int(outside.sum())
        first = float(x_flat[np.flatnonzero(outside)[0]])
        verb = "lies" if count == 1 else "lie"
        raise ValueError(
            f"{_plural(count, 'evaluation point')} {verb} outside the fitted range "
            f"[{_fmt(lo)}, {_fmt(hi)}] (first: x={_fmt(first)}); pass extrapolate='nan' to get "
            "NaN there or extrapolate='extrapolate' to extend the fit"
        )
    return EvalPoints(
        x_flat=x_flat, shape=shape, is_scalar=array.ndim == 0, outside=outside, nan_mask=nan_mask
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
