"""Checks of scalar parameters: options, integers, reals, derivative orders."""

from __future__ import annotations

import operator
from collections.abc import Hashable, Sequence
from typing import Any, Literal, overload

import numpy as np

__all__ = [
    "EXTRAPOLATE_OPTIONS",
    "NAN_POLICIES",
    "check_extrapolate",
    "check_int",
    "check_nan_policy",
    "check_option",
    "check_order",
    "check_real",
]

NAN_POLICIES: tuple[str, ...] = ("raise", "omit")
EXTRAPOLATE_OPTIONS: tuple[str, ...] = ("raise", "nan", "extrapolate")


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
