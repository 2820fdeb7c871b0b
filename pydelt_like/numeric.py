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
by 4 until they agree to 1e-7 (relative) or their difference is no larger than their
round-off (eps times the stencil's sum of |weight * f| / h^n, which grows as the step
shrinks), at most 16 times. A point where they never settle (f not finite around it, not
differentiable there, or varying faster than the smallest step) gets NaN and a
RuntimeWarning that names it: never a number that no step supports. For the first derivative
h is about 7e-4 |x| and the error about eps^(4/5), roughly 1e-13 relative, for smooth
functions; each further order costs accuracy (about 1e-11 for the second).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array, check_order, check_real

__all__ = ["MAX_ORDER", "numerical_derivative"]

_EPS = np.finfo(float).eps
# Round-off of a function value in units of eps * |f|: generous, because f's own arguments
# round too (sin(a*x + c) near a zero of f); fewer let the step search run into round-off.
_ULPS = 16
# At most this many step reductions by 4 (a factor 4e9: sin(x) at x = 1e9 still resolved).
_SHRINKS = 16
_AGREE = 1e-7  # relative agreement of estimates at h and h/4 that ends the reductions
# Central differences in float64 keep at least 3 digits up to order 4 (measured worst cases:
# 1e-7, 3e-7, 1e-5, 2e-4 relative at orders 1-4); at order 5 some points lose every digit.
MAX_ORDER = 4


def _values(f: Callable[[np.ndarray], Any], points: np.ndarray, name: str) -> np.ndarray:
    """``f(points)`` as float64 of the points' shape, or an error that names f's output."""
    out = as_float_array(f(points), name=f"the output of {name}")
    if out.shape == points.shape:
        return out
    if out.size == 1 and out.ndim <= points.ndim:  # a constant function's single value
        return np.broadcast_to(out, points.shape)
    raise ValueError(
        f"{name} returned an array of shape {out.shape} for input of shape {points.shape}; "
        "it must return one value per point (an array of its input's shape) or a single value"
    )


def _stencil(
    f: Callable[[np.ndarray], Any], x: np.ndarray, h: np.ndarray, order: int, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """(the central difference, an estimate of its round-off).

    Each value carries round-off from f itself (_ULPS ulps of |f|) and from its argument
    (the spacing of floats at x, times |f'| estimated from the stencil's differences).
    """
    total = np.zeros_like(x)
    magnitude = np.zeros_like(x)
    slope = np.zeros_like(x)
    previous = None
    for j in range(order + 1):
        weight = (-1) ** j * math.comb(order, j)
        values = _values(f, x + (order / 2 - j) * h, name)
        total += weight * values
        magnitude += abs(weight) * np.abs(values)
        if previous is not None:
            slope = np.fmax(slope, np.abs(values - previous) / h)
        previous = values
    weights = 2.0**order  # the sum of |weight|
    noise = _ULPS * _EPS * magnitude + weights * np.spacing(np.abs(x)) * slope
    for _ in range(order):  # divide by h^n one factor at a time: h^n alone may overflow
        total /= h
        noise /= h
    return total, noise


def _estimate(
    f: Callable[[np.ndarray], Any],
    x: np.ndarray,
    h: np.ndarray,
    order: int,
    richardson: bool,
    name: str,
) -> tuple[np.ndarray, np.ndarray]:
    coarse, coarse_noise = _stencil(f, x, h, order, name)
    if not richardson:
        return coarse, coarse_noise
    fine, fine_noise = _stencil(f, x, h / 2, order, name)
    return (4 * fine - coarse) / 3, (4 * fine_noise + coarse_noise) / 3


def _check_stencil(x: np.ndarray, h: np.ndarray, order: int, richardson: bool) -> None:
    """The stencil's points around each finite x must be distinct floats, all finite."""
    nearest = (h / 2 if order % 2 else h) / (2 if richardson else 1)
    farthest = order / 2 * h
    finite = np.isfinite(x)
    with np.errstate(over="ignore", invalid="ignore"):
        collapsed = finite & ((x + nearest == x) | (x - nearest == x))
        overflow = finite & (~np.isfinite(x + farthest) | ~np.isfinite(x - farthest))
    if collapsed.any():
        i = int(np.flatnonzero(collapsed)[0])
        raise ValueError(
            f"step {float(h[i]):.3g} is below the spacing of floats at x={float(x[i]):.6g} "
            f"(index {i}): the difference stencil's points coincide; pass a larger step, or "
            "step=None for the automatic one"
        )
    if overflow.any():
        i = int(np.flatnonzero(overflow)[0])
        raise ValueError(
            f"x={float(x[i]):.6g} (index {i}) is so close to the largest float that the "
            f"difference stencil (step {float(h[i]):.3g}) leaves float64's range; rescale x, "
            "or pass a smaller step"
        )


def _adaptive(
    f: Callable[[np.ndarray], Any], x: np.ndarray, h: np.ndarray, order: int, richardson: bool
) -> np.ndarray:
    """The estimate at step h, or at h / 4^k where the function varies faster than h allows.

    Where the function varies on a scale shorter than h (fast oscillation far from 0, a
    nearby singularity), estimates at h and h/4 disagree: shrink the step. Stop where they
    agree, or where their gap is within their round-off (as it soon is for higher orders): a
    smaller step then only adds noise. While the step is still too long the estimates are
    unrelated and their gap grows as the step shrinks, so growth alone does not stop the
    search. A point that never settles gets NaN, with a RuntimeWarning that names it.
    """
    out, noise = _estimate(f, x, h, order, richardson, "f")
    previous_gap = np.full(x.shape, np.inf)
    active = np.flatnonzero(np.isfinite(x))
    for _ in range(_SHRINKS):
        if active.size == 0:
            break
        h[active] /= 4
        finer, finer_noise = _estimate(f, x[active], h[active], order, richardson, "f")
        gap = np.abs(finer - out[active])
        settled = (gap <= _AGREE * np.abs(finer)) | (gap <= noise[active] + finer_noise)
        moving = ~settled
        out[active[moving]] = finer[moving]
        noise[active[moving]] = finer_noise[moving]
        previous_gap[active[moving]] = gap[moving]
        active = active[moving]
    if active.size:
        out[active] = np.nan
        undefined = ~np.isfinite(previous_gap[active])
        i = int(active[0])
        reason = (
            "f is not finite (NaN or inf) around it"
            if undefined[0]
            else f"f varies faster than the smallest step tried ({h[i]:.3g}) or is not "
            "differentiable there"
        )
        warnings.warn(
            f"numerical_derivative: no step resolves f at {active.size} point(s), first "
            f"x={x[i]:.6g} (index {i}): {reason}; the result is NaN there",
            RuntimeWarning,
            stacklevel=3,
        )
    return out


def _vectorised(f: Callable[..., Any], name: str = "f") -> Callable[[np.ndarray], Any]:
    """f itself if it takes arrays, else f applied element by element (e.g. math.sin)."""

    def call(points: np.ndarray) -> Any:
        try:
            return f(points)
        except TypeError:
            values = [
                as_float_array(f(float(p)), name=f"the output of {name}") for p in points.ravel()
            ]
            wrong = next((v for v in values if v.size != 1), None)
            if wrong is not None:
                raise ValueError(
                    f"{name} returned an array of shape {wrong.shape} for a single point; it "
                    "must return one value per point"
                ) from None
            return np.array([float(v.reshape(())) for v in values]).reshape(points.shape)

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
        A vectorised function of one array argument, returning an array of the same
        shape (or a single value); a function of floats only, such as ``math.sin``, is
        applied point by point. A symbolic expression of one variable is compiled with
        :func:`~pydelt_like.symbolic.to_function`.
    x : float or array-like
        Where to differentiate.
    order : int, default=1
        Derivative order, at most ``MAX_ORDER`` (4); 0 returns ``f(x)``. Each order costs
        digits: for smooth functions typically 13 correct digits at order 1, 10 at order 2
        and 7 at order 4; at worst (fast oscillation far from 0, points near zeros of f)
        7, 6 and 3.
    step : float, optional
        The step h (positive, finite, and large enough for the stencil's points to be
        distinct floats); default ``eps ** (1 / (order + 4)) * max(1, |x|)``, or
        ``eps ** (1 / (order + 2)) * max(1, |x|)`` without Richardson (module notes).
    richardson : bool, default=True
        Apply one Richardson extrapolation step (error O(h^4) instead of O(h^2)).

    Returns
    -------
    float or numpy.ndarray
        Same shape as ``x``. NaN where ``x`` is NaN or infinite, and where no step resolves
        the derivative (see Warns).

    Warns
    -----
    RuntimeWarning
        Where the estimates never settle as the step shrinks: ``f`` is not finite around
        the point, not differentiable there, or varies faster than the smallest step. The
        result is NaN there. With a given ``step``, where the result is not finite at a
        finite point.

    Raises
    ------
    TypeError
        If ``f`` is not callable, ``order`` is not an integer, ``step`` is not a number,
        ``richardson`` is not a bool, or ``x`` or ``f``'s output is not real numbers.
    ValueError
        If ``order`` is negative or above ``MAX_ORDER``; if ``step`` is not positive and
        finite, or too small for the stencil at some point; if a point lies so close to
        the largest float that the stencil leaves float64's range; if ``f`` returns an
        array of another shape than its input; or if an expression has several variables.

    Examples
    --------
    >>> import numpy as np
    >>> round(numerical_derivative(np.sin, 0.0), 12)
    1.0
    """
    from pydelt_like.base import _check_flag
    from pydelt_like.symbolic.nodes import Expr

    if isinstance(f, Expr):
        from pydelt_like.symbolic.evaluate import to_function

        if len(f.free_symbols) > 1:
            raise ValueError(f"f has several variables {sorted(f.free_symbols)}; pass a callable")
        f = to_function(f, sorted(f.free_symbols) or ["x"])
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    f = _vectorised(f)
    order = check_order(
        order,
        max_order=MAX_ORDER,
        method_name="numerical_derivative",
        hint="Finite differences in float64 keep no correct digits beyond it; differentiate "
        "symbolically (pydelt_like.symbolic.differentiate) or with autograd instead.",
    )
    step = check_real(step, name="step", low=0, low_inclusive=False, allow_none=True)
    richardson = _check_flag(richardson, "richardson")
    points = as_float_array(x, name="x")
    flat = points.ravel()
    if order == 0:
        out = np.array(_values(f, flat, "f"))
    elif step is not None:
        h = np.full_like(flat, step)
        _check_stencil(flat, h, order, richardson)
        with np.errstate(all="ignore"):
            out = _estimate(f, flat, h, order, richardson, "f")[0]
        lost = np.isfinite(flat) & ~np.isfinite(out)
        if lost.any():
            i = int(np.flatnonzero(lost)[0])
            warnings.warn(
                f"numerical_derivative: the result is not finite at {int(lost.sum())} point(s), "
                f"first x={flat[i]:.6g} (index {i}): f is not finite within step {step:g} of "
                "it, or the differences overflow; try a smaller step or step=None",
                RuntimeWarning,
                stacklevel=2,
            )
    else:
        # Truncation error O(h^4) with Richardson, O(h^2) without; round-off eps / h^n.
        power = order + 4 if richardson else order + 2
        h = _EPS ** (1.0 / power) * np.maximum(1.0, np.abs(flat))
        _check_stencil(flat, h, order, richardson)
        with np.errstate(all="ignore"):
            out = _adaptive(f, flat, h, order, richardson)
    out = out.reshape(points.shape)
    return float(out) if out.ndim == 0 else out
