"""PyDelt's ``pydelt.integrals``: integrate sampled derivatives back to a signal.

Both functions use the trapezoidal rule, as PyDelt documents. The error estimate of
:func:`integrate_derivative_with_error` is the gap between the trapezoidal and Simpson's rule
(the trapezoid's own error, to leading order); PyDelt's is the gap to the left-rectangle rule,
which measures the rectangle's much larger error instead.

Examples
--------
>>> import numpy as np
>>> t = np.linspace(0, np.pi, 201)
>>> round(float(integrate_derivative(t, np.cos(t), initial_value=1.0)[-1]), 6)  # 1 + sin(pi)
1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.integrate import cumulative_simpson, cumulative_trapezoid

from pydelt_like._validation import as_float_array

__all__ = ["integrate_derivative", "integrate_derivative_with_error"]


def _prepare(
    time: Any, derivative: Any, initial_value: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    t = as_float_array(time, name="time")
    d = as_float_array(derivative, name="derivative")
    if t.ndim != 1 or t.size < 2:
        raise ValueError(f"time must be 1-D with at least 2 points, got shape {t.shape}")
    if d.ndim not in (1, 2) or d.shape[0] != t.size:
        raise ValueError(
            f"derivative must have shape ({t.size},) or ({t.size}, n_out) to match time, got "
            f"{d.shape}"
        )
    for name, values in (("time", t), ("derivative", d)):
        bad = np.flatnonzero(~np.isfinite(values.reshape(values.shape[0], -1)).all(axis=1))
        if bad.size:
            raise ValueError(
                f"{name} has {bad.size} NaN or infinite values (first at index {bad[0]}); "
                "drop or fill them first"
            )
    steps = np.diff(t)
    if (steps < 0).any():
        first = int(np.flatnonzero(steps < 0)[0])
        raise ValueError(
            f"time must be non-decreasing (it falls from index {first} to {first + 1}); sort "
            "time and derivative together first"
        )
    vector = d.ndim == 2
    d2 = d.reshape(t.size, -1)
    init = as_float_array(initial_value, name="initial_value")
    if init.ndim == 0:
        init = np.full(d2.shape[1], float(init))
    elif init.shape != (d2.shape[1],):
        raise ValueError(
            f"initial_value must be a scalar or have shape ({d2.shape[1]},), got {init.shape}"
        )
    if not np.isfinite(init).all():
        raise ValueError(f"initial_value must be finite, got {initial_value!r}")
    return t, d2, init, vector


def _shaped(values: np.ndarray, vector: bool) -> np.ndarray:
    return values if vector else values[:, 0]


def integrate_derivative(time: Any, derivative: Any, initial_value: Any = 0.0) -> np.ndarray:
    """Integrate sampled derivatives with the trapezoidal rule.

    Parameters
    ----------
    time : array-like of shape (n,)
        Non-decreasing sample times.
    derivative : array-like of shape (n,) or (n, n_out)
        Derivative values at those times.
    initial_value : float or array-like of shape (n_out,), default=0.0
        The integral's value at ``time[0]``.

    Returns
    -------
    ndarray of shape (n,) or (n, n_out)
        ``initial_value + integral from time[0] to time[i]``.

    Raises
    ------
    ValueError
        If the shapes disagree, time decreases somewhere, or a value is NaN or infinite.
    """
    t, d, init, vector = _prepare(time, derivative, initial_value)
    return _shaped(init + cumulative_trapezoid(d, t, axis=0, initial=0.0), vector)


def integrate_derivative_with_error(
    time: Any, derivative: Any, initial_value: Any = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Integrate with the trapezoidal rule and estimate the error of the result.

    Parameters
    ----------
    time, derivative, initial_value
        As for :func:`integrate_derivative`.

    Returns
    -------
    integral : ndarray of shape (n,) or (n, n_out)
        The trapezoidal integral.
    error : ndarray, shaped like ``integral``
        ``|trapezoid - Simpson|``, non-negative: the trapezoid's discretisation error to
        leading order (it does not include the error of the derivative values themselves).
        Fewer than three points give zeros.

    Raises
    ------
    ValueError
        As :func:`integrate_derivative`.
    """
    t, d, init, vector = _prepare(time, derivative, initial_value)
    trapezoid = cumulative_trapezoid(d, t, axis=0, initial=0.0)
    if t.size < 3 or (np.diff(t) == 0).any():
        # Simpson's rule needs three points and distinct times (repeated times add nothing).
        simpson = trapezoid
    else:
        simpson = cumulative_simpson(d, x=t, axis=0, initial=0.0)
    return _shaped(init + trapezoid, vector), _shaped(np.abs(trapezoid - simpson), vector)
