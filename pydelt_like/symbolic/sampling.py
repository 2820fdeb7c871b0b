"""Numbers for checking: values with rounding-error bounds, random points, points on curves.

Two forms of one function evaluate to slightly different floats; how different depends on
the forms (``1 - cos(x)`` near 0 loses every digit ``2*sin(x/2)^2`` keeps). A fixed
tolerance either passes wrong answers that happen to be small or fails right ones computed
with cancellation. :func:`evaluate_with_error` therefore carries, beside each value, a
first-order bound on its float64 rounding error (the classic running error analysis: a sum
adds its terms' errors and eps times the size of its terms, a function multiplies its
argument's error by its derivative), and two values agree when they differ by less than
their bounds (times a safety factor) plus a small relative tolerance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from pydelt_like.symbolic.nodes import (
    Add,
    Const,
    Expr,
    Func,
    Mul,
    Pow,
    Var,
    postorder,
    real_power,
)

__all__ = [
    "DEFAULT_SCALES",
    "agree",
    "draw_points",
    "evaluate_with_error",
    "points_on_curve",
]

_EPS = np.finfo(float).eps / 2  # the unit roundoff of float64
_FUNCTION_ULPS = 4  # library functions (sin, exp, erf, ...) are good to a few ulps
# First-order bounds miss second-order terms and the odd library function a few ulps worse
# than stated; a factor of 16 covers both while staying far below any real mistake.
SAFETY = 16.0
# Default random points: uniform in [-s, s] for s in turn, until enough points are found
# where the function is defined (log(x - 10) needs the third box).
DEFAULT_SCALES = (3.0, 3.0, 10.0, 30.0, 100.0, 1000.0)
_CANDIDATES_PER_POINT = 8  # candidates drawn per point wanted, in each round
_NEWTON_STEPS = 60  # projections onto a curve: Newton converges in a few steps or never


@lru_cache(maxsize=256)
def _derivative_function(name: str, param: float | None) -> Callable[..., Any]:
    from pydelt_like.symbolic.evaluate import to_function
    from pydelt_like.symbolic.nodes import FUNCTIONS

    u = Var("u")
    return to_function(FUNCTIONS[name].derivative(u, param), ["u"])


def _products_without_each(values: list[np.ndarray]) -> list[np.ndarray]:
    """For each i, the product of |values[j]| over j != i (no division, so zeros are fine)."""
    n = len(values)
    prefix = [np.ones_like(values[0])]
    for v in values[:-1]:
        prefix.append(prefix[-1] * np.abs(v))
    suffix = np.ones_like(values[0])
    out: list[np.ndarray] = [np.ones_like(values[0])] * n
    for i in range(n - 1, -1, -1):
        out[i] = prefix[i] * suffix
        suffix = suffix * np.abs(values[i])
    return out


def evaluate_with_error(expr: Expr, values: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(values, bounds on their float64 rounding errors) of ``expr`` at the points.

    The inputs count as rounded to float64 (half an ulp each). NaN or inf where the expression is undefined; a bound of
    inf where the value is too ill-conditioned to bound (1/x at x = 0).
    """
    arrays = {name: np.asarray(v, dtype=float) for name, v in values.items()}
    shape = np.broadcast_shapes(*(a.shape for a in arrays.values())) if arrays else ()
    done: dict[Expr, tuple[np.ndarray, np.ndarray]] = {}
    with np.errstate(all="ignore"):
        for node in postorder(expr):
            if isinstance(node, Const):
                c = node.data
                exact = c == int(c) and abs(c) < 2**53
                done[node] = (np.full(shape, c), np.full(shape, 0.0 if exact else _EPS * abs(c)))
            elif isinstance(node, Var):
                # A point typed in decimals (pi/2 as 1.5707963267948966) is itself rounded:
                # half an ulp of input uncertainty lets cot(x) and -cot(x) agree there.
                point = np.broadcast_to(arrays[node.data], shape)
                done[node] = (point, _EPS * np.abs(point))
            elif isinstance(node, Add):
                parts = [done[a] for a in node.args]
                total = np.sum([p[0] for p in parts], axis=0)
                size = np.sum([np.abs(p[0]) for p in parts], axis=0)
                done[node] = (total, np.sum([p[1] for p in parts], axis=0) + _EPS * size)
            elif isinstance(node, Mul):
                parts = [done[a] for a in node.args]
                value = np.prod([p[0] for p in parts], axis=0)
                others = _products_without_each([p[0] for p in parts])
                error = sum(p[1] * o for p, o in zip(parts, others, strict=True))
                done[node] = (value, error + (len(parts) - 1) * _EPS * np.abs(value))
            elif isinstance(node, Pow):
                (b, eb), (c, ec) = done[node.base], done[node.exponent]
                if not node.exponent.free_symbols:  # a number: real odd roots (real_power)
                    e = float(np.ravel(c)[0]) if np.size(c) else 0.0
                    value = real_power(b, e)
                    slope = np.abs(e * np.abs(b) ** (e - 1))
                    error = np.where(eb == 0, 0.0, slope * eb)  # an exact base stays exact
                else:
                    value = np.power(b, c)
                    error = np.abs(value) * (np.abs(np.log(np.abs(b))) * ec + np.abs(c / b) * eb)
                done[node] = (value, error + 2 * _EPS * np.abs(value))
            elif isinstance(node, Func):
                u, eu = done[node.arg]
                value = np.asarray(node.spec.numpy(u, node.param), dtype=float)
                slope = np.abs(np.asarray(_derivative_function(node.name, node.param)(u)))
                error = np.where(eu == 0, 0.0, slope * eu)
                done[node] = (value, error + _FUNCTION_ULPS * _EPS * np.abs(value))
    value, error = done[expr]
    value = np.broadcast_to(value, shape).astype(float)
    error = np.broadcast_to(np.nan_to_num(error, nan=np.inf), shape).astype(float)
    return value, error


def agree(
    a: np.ndarray, error_a: np.ndarray, b: np.ndarray, error_b: np.ndarray, rtol: float
) -> np.ndarray:
    """Where two values are equal to within their rounding bounds plus ``rtol`` (relative)."""
    with np.errstate(all="ignore"):
        scale = np.maximum(np.abs(a), np.abs(b))
        tolerance = SAFETY * (error_a + error_b) + rtol * scale
        return np.isfinite(a) & np.isfinite(b) & (np.abs(a - b) <= tolerance)


def _candidates(
    variables: list[str], domain: Mapping[str, Any], count: int, scale: float, rng: Any
) -> dict[str, np.ndarray]:
    out = {}
    for name in variables:
        spec = domain.get(name)
        if spec is None:
            out[name] = rng.uniform(-scale, scale, count)
        elif isinstance(spec, tuple):  # low (1 - t) + high t: no overflow for +-1e308
            t = rng.random(count)
            out[name] = spec[0] * (1 - t) + spec[1] * t
        else:
            out[name] = np.full(count, float(spec))
    return out


def draw_points(
    variables: list[str],
    domain: Mapping[str, Any],
    n: int,
    rng: Any,
    accept: Callable[[dict[str, np.ndarray]], np.ndarray],
) -> dict[str, np.ndarray]:
    """Up to ``n`` random points where ``accept`` holds.

    ``domain`` maps a variable to ``(low, high)`` (uniform) or a number (fixed); the others
    are drawn from the boxes of :data:`DEFAULT_SCALES` in turn, until ``n`` are accepted.
    """
    found: dict[str, list[np.ndarray]] = {name: [] for name in variables}
    have = 0
    for scale in DEFAULT_SCALES:
        points = _candidates(variables, domain, _CANDIDATES_PER_POINT * n, scale, rng)
        keep = np.flatnonzero(accept(points))[: n - have]
        for name in variables:
            found[name].append(points[name][keep])
        have += keep.size
        if have >= n:
            break
    return {name: np.concatenate(parts) for name, parts in found.items()}


def points_on_curve(
    curve: Expr,
    variables: list[str],
    domain: Mapping[str, Any],
    n: int,
    rng: Any,
    accept: Callable[[dict[str, np.ndarray]], np.ndarray],
) -> dict[str, np.ndarray]:
    """Up to ``n`` random points where ``curve = 0`` (and ``accept`` holds).

    Random starting points are projected onto the curve by Newton's method along the
    gradient, moving the variables that ``domain`` does not fix; a point is kept once the
    curve's value there is within its rounding bound.
    """
    from pydelt_like.symbolic.evaluate import to_function
    from pydelt_like.symbolic.rules import differentiate

    moving = [v for v in variables if not _is_fixed(domain.get(v))]
    value = to_function(curve, variables)
    gradient = [to_function(differentiate(curve, v), variables) for v in moving]
    found: dict[str, list[np.ndarray]] = {name: [] for name in variables}
    have = 0
    for scale in DEFAULT_SCALES:
        points = _candidates(variables, domain, _CANDIDATES_PER_POINT * n, scale, rng)
        with np.errstate(all="ignore"):
            for _ in range(_NEWTON_STEPS):
                args = [points[v] for v in variables]
                f = np.broadcast_to(value(*args), points[variables[0]].shape)
                g = [np.broadcast_to(d(*args), f.shape) for d in gradient]
                norm = sum(gi**2 for gi in g)
                step = np.where(norm > 0, f / norm, np.nan)
                for name, gi in zip(moving, g, strict=True):
                    points[name] = points[name] - step * gi
            residual, bound = evaluate_with_error(curve, points)
        on = np.isfinite(residual) & (np.abs(residual) <= SAFETY * bound + 1e-300)
        for name in variables:  # projected points stay finite and inside the ranges given
            spec = domain.get(name)
            on &= np.isfinite(points[name])
            if isinstance(spec, tuple):
                on &= (points[name] >= spec[0]) & (points[name] <= spec[1])
        keep = np.flatnonzero(on & accept(points))[: n - have]
        for name in variables:
            found[name].append(points[name][keep])
        have += keep.size
        if have >= n:
            break
    return {name: np.concatenate(parts) for name, parts in found.items()}


def _is_fixed(spec: Any) -> bool:
    return spec is not None and not isinstance(spec, tuple)
