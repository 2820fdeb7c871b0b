"""Converting user input to fresh float64 NumPy arrays, and the small helpers of every message."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np

__all__ = ["as_float_array"]


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
