"""Finite differences on callables: central stencils with Richardson extrapolation.

Step rule
---------
The n-th derivative uses the central stencil

    D(h) = sum_j (-1)^j C(n, j) f(x + (n/2 - j) h) / h^n,

whose truncation error is O(h^2). One Richardson step, (4 D(h/2) - D(h)) / 3, cancels
the h^2 term, leaving O(h^4). Round-off contributes about eps |f| / h^n, so the total
error is smallest near h = eps^(1 / (n + 4)) with eps the float64 machine epsilon; the
step is that, times max(1, |x|) so it scales with the point. Without the Richardson step
the error is O(h^2) and the step eps^(1 / (n + 2)) * max(1, |x|).

That step assumes the function varies on the scale of max(1, |x|). Where it varies faster
(sin far from 0, 1/x near 0), the estimates at h and h/4 disagree; the step is then divided
by 4 until they agree to 1e-7 (relative) or their difference stops shrinking (round-off),
at most 8 times. For the first derivative
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
_SHRINKS = 8  # at most this many step reductions by 4
_AGREE = 1e-7  # relative agreement of estimates at h and h/4 that ends the reductions


def _estimate(
    f: Callable[[np.ndarray], Any], x: np.ndarray, h: np.ndarray, order: int, richardson: bool
) -> np.ndarray:
    coarse = _stencil(f, x, h, order)
    return (4 * _stencil(f, x, h / 2, order) - coarse) / 3 if richardson else coarse


def _stencil(
    f: Callable[[np.ndarray], Any], x: np.ndarray, h: np.ndarray, order: int
) -> np.ndarray:
    total = np.zeros_like(x)
    for j in range(order + 1):
        weight = (-1) ** j * math.comb(order, j)
        values = np.broadcast_to(np.asarray(f(x + (order / 2 - j) * h), dtype=float), x.shape)
        total += weight * values
    return total / h**order


def _vectorised(f: Callable[..., Any]) -> Callable[[np.ndarray], Any]:
    """f itself if it takes arrays, else f applied element by element (e.g. math.sin)."""

    def call(points: np.ndarray) -> Any:
        try:
            return f(points)
        except TypeError:
            return np.array([f(float(p)) for p in points.ravel()]).reshape(points.shape)

    return call


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
        f = to_function(f, sorted(f.free_symbols) or ["x"])
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    f = _vectorised(f)
    order = check_order(order, max_order=None, method_name="numerical_derivative")
    points = as_float_array(x, name="x")
    flat = points.ravel()
    if order == 0:
        out = np.broadcast_to(np.asarray(f(flat), dtype=float), flat.shape).copy()
    elif step is not None:
        if not (np.ndim(step) == 0 and np.isfinite(step) and step > 0):
            raise ValueError(f"step must be a positive number, got {step!r}")
        with np.errstate(all="ignore"):
            out = _estimate(f, flat, np.full_like(flat, float(step)), order, richardson)
    else:
        # Truncation error O(h^4) with Richardson, O(h^2) without; round-off eps / h^n.
        power = order + 4 if richardson else order + 2
        h = _EPS ** (1.0 / power) * np.maximum(1.0, np.abs(flat))
        with np.errstate(all="ignore"):
            out = _estimate(f, flat, h, order, richardson)
            # Where the function varies on a scale shorter than that step (fast oscillation
            # far from 0, a nearby singularity), estimates at h and h/4 disagree: shrink.
            # Stop where they agree, or where the gap stops shrinking (round-off has taken
            # over, as it does quickly for higher orders).
            active = np.ones(flat.shape, dtype=bool)
            previous_gap = np.full(flat.shape, np.inf)
            for _ in range(_SHRINKS):
                finer = _estimate(f, flat, h / 4, order, richardson)
                gap = np.abs(finer - out)
                agree = gap <= _AGREE * np.maximum(np.abs(finer), _EPS)
                take = active & ~agree & ~(gap >= previous_gap)
                out = np.where(take, finer, out)
                h = np.where(take, h / 4, h)
                previous_gap = np.where(take, gap, previous_gap)
                active = take
                if not active.any():
                    break
    out = out.reshape(points.shape)
    return float(out) if out.ndim == 0 else out
