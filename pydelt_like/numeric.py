"""Finite differences on callables: central stencils with Richardson extrapolation.

Step rule
---------
The n-th derivative uses the central stencil

    D(h) = sum_j (-1)^j C(n, j) f(x + (n/2 - j) h) / h^n,

whose truncation error is O(h^2). One Richardson step, (4 D(h/2) - D(h)) / 3, cancels
the h^2 term, leaving O(h^4). Round-off contributes about eps |f| / h^n, so the total
error is smallest near h = eps^(1 / (n + 4)) with eps the float64 machine epsilon; the
step is that, times max(1, |x|) so it scales with the point. Without the Richardson step
the error is O(h^2) and the step eps^(1 / (n + 2)) * max(1, |x|). For the first derivative
h is about 7e-4 |x| and the error about eps^(4/5), roughly 1e-13 relative, for smooth
functions; each further order costs accuracy (about 1e-11 for the second).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array, check_order

__all__ = ["numerical_derivative"]

_EPS = np.finfo(float).eps


def _stencil(
    f: Callable[[np.ndarray], Any], x: np.ndarray, h: np.ndarray, order: int
) -> np.ndarray:
    total = np.zeros_like(x)
    for j in range(order + 1):
        weight = (-1) ** j * math.comb(order, j)
        total += weight * np.asarray(f(x + (order / 2 - j) * h), dtype=float)
    return total / h**order


def numerical_derivative(
    f: Callable[[np.ndarray], Any] | Any,
    x: Any,
    order: int = 1,
    *,
    step: float | None = None,
    richardson: bool = True,
) -> float | np.ndarray:
    """Derivative of a function by central differences at float64's accuracy floor.

    Parameters
    ----------
    f : callable or Expr
        A vectorised function of one array argument (a symbolic expression of one
        variable is compiled with :func:`~pydelt_like.symbolic.to_function`).
    x : float or array-like
        Where to differentiate.
    order : int, default=1
        Derivative order (0 returns ``f(x)``). Orders above 4 lose most digits.
    step : float, optional
        The step h; default ``eps ** (1 / (order + 4)) * max(1, |x|)``, or
        ``eps ** (1 / (order + 2)) * max(1, |x|)`` without Richardson (module notes).
    richardson : bool, default=True
        Apply one Richardson extrapolation step (error O(h^4) instead of O(h^2)).

    Returns
    -------
    float or numpy.ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> round(numerical_derivative(np.sin, 0.0), 12)
    1.0
    """
    from pydelt_like.symbolic.nodes import Expr

    if isinstance(f, Expr):
        from pydelt_like.symbolic.evaluate import to_function

        if len(f.free_symbols) > 1:
            raise ValueError(f"f has several variables {sorted(f.free_symbols)}; pass a callable")
        f = to_function(f)
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    order = check_order(order, max_order=None, method_name="numerical_derivative")
    points = as_float_array(x, name="x")
    flat = points.ravel()
    if order == 0:
        out = np.asarray(f(flat), dtype=float)
    else:
        if step is None:
            # Truncation error O(h^4) with Richardson, O(h^2) without; round-off eps / h^n.
            power = order + 4 if richardson else order + 2
            h = _EPS ** (1.0 / power) * np.maximum(1.0, np.abs(flat))
        else:
            if not (np.isfinite(step) and step > 0):
                raise ValueError(f"step must be a positive number, got {step!r}")
            h = np.full_like(flat, float(step))
        with np.errstate(all="ignore"):
            coarse = _stencil(f, flat, h, order)
            out = (4 * _stencil(f, flat, h / 2, order) - coarse) / 3 if richardson else coarse
    out = out.reshape(points.shape)
    return float(out) if out.ndim == 0 else out
