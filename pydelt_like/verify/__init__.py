"""Checking a hand-derived derivative: proved symbolically, tested at random points, from data.

:func:`check_derivative` never passes an answer on the points you chose alone: it always
draws random points of its own (reproducibly) where ``f`` is defined, compares your answer
with the derivative by the rules there (each value with a bound on its float64 rounding
error), and tries to prove the two equal by canonical simplification. The verdict says which:
*proved equal*, or *agrees at N random points*. Points where ``f`` (or your answer) is not
defined are reported as such, never as wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pydelt_like._validation import check_int, check_real
from pydelt_like.verify._inputs import (
    MAX_POINTS,
    Problem,
    call,
    f_defined,
    given_points,
    numeric_column,
    problem,
    random_points,
)
from pydelt_like.verify._result import (
    AGREES,
    DIFFERS,
    OFF_CURVE,
    UNDEFINED_DERIVATIVE,
    UNDEFINED_F,
    UNDEFINED_YOURS,
    DerivativeCheck,
)

__all__ = ["MAX_POINTS", "MAX_SAMPLES", "DerivativeCheck", "check_derivative"]

# Samples for the spline column: 400 resolve smooth functions; more only cost time (a fit
# of 100,000 samples takes about a second).
MAX_SAMPLES = 100_000
_MIN_SAMPLES = 10  # the spline needs at least 7 distinct samples to fit a derivative
# A spline through 400 exact samples of a smooth function is good to about 1e-5 (relative);
# a hundred times worse means the samples do not resolve f: say so.
_SPLINE_RTOL = 1e-3
_SPLINE_MAX_ORDER = 2  # a quintic spline's third derivative from samples is rough
# Central differences are good to about 1e-10 relative at order 1 and lose about a digit an
# order (pydelt_like.numeric); a callable's derivative is checked to this, times 10^(order-1).
_NUMERIC_RTOL = 1e-7


def check_derivative(
    f: Any,
    df_hand: Any,
    *,
    wrt: Any = None,
    order: int = 1,
    at: Any = None,
    domain: Any = None,
    dependent: Any = None,
    n_points: int = 16,
    random_state: int = 0,
    rtol: float = 1e-9,
    atol: float = 0.0,
    spline: bool = True,
    n_samples: int = 400,
) -> DerivativeCheck:
    """Check a hand-derived derivative: by proof where possible, always at random points.

    Parameters
    ----------
    f : Expr, str, Equation or callable
        The function: an expression or its text (any number of variables), an equation
        such as ``"x^2 + y^2 = 25"`` (then ``df_hand`` is your ``dy/dx``, or a higher
        derivative, in terms of x and y: implicit differentiation), or a Python function
        of one variable.
    df_hand : Expr, str, number or callable
        Your derivative (a callable only for ``f`` of one variable).
    wrt : str or sequence of str, optional
        The variable to differentiate by; a list such as ``['x', 'y']`` for the mixed
        partial d/dy d/dx. Needed when ``f`` has several variables; for an equation, the
        independent variable (default ``'x'``).
    order : int, default=1
        The order of the derivative (with one variable in ``wrt``): up to 1000 for
        expressions, 12 for equations, 4 for callables.
    at : float, array-like or dict, optional
        Points of your own to check as well: numbers for a function of one variable, else a
        dict giving each variable a value or an array (broadcast together); at most
        ``MAX_POINTS`` (10,000). For an equation, give x and y on the curve.
    domain : (float, float) or dict, optional
        Where the random points are drawn: a pair for every variable, or a dict mapping a
        variable to ``(low, high)`` or to a fixed value (``{'w2': -1.3}``). By default
        uniform in [-3, 3], widening (up to [-1000, 1000]) until enough points are found
        where ``f`` and its derivative are defined; on a curve, random points projected
        onto it.
    dependent : str, optional
        For an equation, the variable that depends on ``wrt`` (default ``'y'``, or the other
        variable when there are two).
    n_points : int, default=16
        Random points, 1 to ``MAX_POINTS`` (10,000). They are always drawn: a check never
        rests on points chosen by hand (where a wrong answer may agree by chance).
    random_state : int, default=0
        Seed of the random points.
    rtol, atol : float, default 1e-9 and 0
        Tolerance beyond the float64 rounding-error bounds of both sides (non-negative):
        a point agrees when ``|hand - reference| <= 16 * (bounds) + rtol * max(|hand|,
        |reference|) + atol``. A callable ``f`` is checked against central differences,
        to at least 1e-7 relative (times 10 per order above the first).
    spline : bool, default=True
        For a function of one variable (derivative order 1 or 2), also fit a
        :class:`~pydelt_like.SplineInterpolator` to ``n_samples`` samples of ``f`` and report
        its derivative: what data would give.
    n_samples : int, default=400
        Samples for the spline: 10 to ``MAX_SAMPLES`` (100,000).

    Returns
    -------
    DerivativeCheck
        ``ok``, the verdict and how strong it is (``proved``), every point used; prints as
        a table.

    Raises
    ------
    TypeError
        If ``f`` or ``df_hand`` is not an expression, text or a callable, a callable returns
        something other than real numbers, or an option has the wrong type.
    ValueError
        If ``f`` has several variables and no ``wrt``; if your answer has a variable ``f``
        has not (with a hint for ``sinx``-like names); if the points are not finite, empty
        or too many, or ``at`` misses a variable; if ``domain`` is not ``(a, b)`` with
        finite ``a < b``; if an option is out of range; or if text does not parse.

    Examples
    --------
    >>> check_derivative("sin(x^2)", "cos(x^2)", at=0.5, spline=False).verdict
    'wrong'
    >>> result = check_derivative("sin(x^2)", "2x cos(x^2)", spline=False)
    >>> result.ok, result.proved
    (True, True)
    >>> check_derivative("x^2 + y^2 = 25", "-x/y").ok
    True
    """
    from pydelt_like.base import _check_flag
    from pydelt_like.symbolic.canonical import proves_equal
    from pydelt_like.symbolic.equivalence import read_domain

    named = [
        *(at if isinstance(at, Mapping) else ()),
        *(domain if isinstance(domain, Mapping) else ()),
    ]
    task = problem(f, df_hand, wrt, order, dependent, [str(n) for n in named])
    n_points = check_int(n_points, name="n_points", low=1, high=MAX_POINTS)
    random_state = check_int(random_state, name="random_state", low=0)
    n_samples = check_int(n_samples, name="n_samples", low=_MIN_SAMPLES, high=MAX_SAMPLES)
    rtol = check_real(rtol, name="rtol", low=0)
    atol = check_real(atol, name="atol", low=0)
    spline = _check_flag(spline, "spline")
    limits = read_domain(domain, task.variables)
    mine = given_points(at, task.variables)
    random = random_points(task, limits, n_points, np.random.default_rng(random_state))
    points = {v: np.concatenate([mine[v], random[v]]) for v in task.variables}
    n_given, size = mine[task.variables[0]].size, points[task.variables[0]].size
    given = np.arange(size) < n_given
    notes: list[str] = []
    f_ok = f_defined(task, points)
    numeric = numeric_column(task, points, f_ok, notes)
    hand, reference, errors, status = _compare(task, points, f_ok, numeric, rtol, atol)
    proved = False
    if task.hand_expr is not None and task.truth is not None:
        proved = proves_equal(task.hand_expr, task.truth, modulo=task.curve) is True
    if numeric is not None and task.truth is not None:
        with np.errstate(all="ignore"):
            gap = np.abs(numeric - reference) > 1e-6 * (1 + np.abs(reference))
        if np.any(gap & f_ok & np.isfinite(numeric)):
            notes.append("the symbolic and numerical derivatives disagree somewhere (a kink?)")
    spline_values = None
    one_variable = len(task.variables) == 1 and task.curve is None
    if spline and one_variable and f_ok.any() and task.order <= _SPLINE_MAX_ORDER:
        x = points[task.variables[0]]
        spline_values = _spline_derivative(task, x, n_samples, reference, notes)
    randoms = [s for s, g in zip(status, given, strict=True) if not g]
    wrong = DIFFERS in status or UNDEFINED_YOURS in randoms
    compared = any(s in (AGREES, DIFFERS) for s in status)
    verdict = "wrong" if wrong else ("correct" if compared else "undefined")
    if proved and wrong:
        notes.append("simplification found one form, yet the numbers differ at some points")
    if size - n_given < n_points:
        notes.append(
            f"only {size - n_given} of {n_points} random points were found where f and its "
            "derivative are defined"
        )
    return DerivativeCheck(
        verdict=verdict,
        ok=verdict == "correct",
        proved=proved and not wrong,
        variables=tuple(task.variables),
        points=points,
        given=given,
        hand=hand,
        reference=reference,
        reference_kind="symbolic" if task.truth is not None else "numeric",
        numeric=numeric if task.truth is not None else None,
        spline=spline_values,
        errors=errors,
        status=status,
        derivative=task.truth,
        rtol=rtol,
        atol=atol,
        notes=tuple(notes),
        description=task.label,
    )


def _compare(
    task: Problem,
    points: dict[str, np.ndarray],
    f_ok: np.ndarray,
    numeric: np.ndarray | None,
    rtol: float,
    atol: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """(your values, the reference's, |difference|, a status per point)."""
    from pydelt_like.symbolic.sampling import SAFETY, agree, evaluate_with_error

    x = points[task.variables[0]]
    if task.truth is not None:
        reference, reference_error = evaluate_with_error(task.truth, points)
    else:  # central differences, good to about _NUMERIC_RTOL of the scale of f and f'
        assert numeric is not None and task.f_call is not None
        reference = numeric
        with np.errstate(all="ignore"):
            scale = np.abs(task.f_call(x)) / np.maximum(1.0, np.abs(x)) ** task.order
            loose = max(rtol, _NUMERIC_RTOL * 10.0 ** (task.order - 1))
            reference_error = loose * (np.abs(reference) + scale) / SAFETY
    if task.hand_expr is not None:
        hand, hand_error = evaluate_with_error(task.hand_expr, points)
    else:
        assert task.hand_call is not None
        with np.errstate(all="ignore"):
            hand = np.broadcast_to(np.asarray(task.hand_call(x), dtype=float), x.shape).copy()
        hand_error = np.zeros_like(hand)
    with np.errstate(all="ignore"):
        errors = np.abs(hand - reference)
        same = agree(hand, hand_error, reference, reference_error, rtol) | (errors <= atol)
    status = np.where(same, AGREES, DIFFERS).astype(object)
    status[~np.isfinite(hand)] = UNDEFINED_YOURS
    status[~np.isfinite(reference)] = UNDEFINED_DERIVATIVE
    status[~f_ok] = OFF_CURVE if task.curve is not None else UNDEFINED_F
    return hand, reference, errors, tuple(str(s) for s in status)


def _spline_derivative(
    task: Problem,
    points: np.ndarray,
    n_samples: int,
    reference: np.ndarray,
    notes: list[str],
) -> np.ndarray | None:
    """The derivative of splines fitted to samples of f around the points (NaN outside them).

    Samples span the points; where f is undefined on part of that span (log(sin(x)) on
    [-3, 3]), each stretch where it is defined gets its own spline. Splines are fitted in
    standardised coordinates (u in [-1, 1], values in [-1, 1]), so that points near 1e308 or
    values near 1e-300 fit as well as any others.
    """
    from pydelt_like import SplineInterpolator

    def f(t: np.ndarray) -> np.ndarray:
        if task.f_call is not None:
            return np.asarray(task.f_call(t), dtype=float)
        return call(task, task.f_expr, {task.variables[0]: t})

    lo, hi = float(points.min()), float(points.max())
    center = lo / 2 + hi / 2  # halves first: lo + hi may overflow
    half = 1.05 * (hi / 2 - lo / 2) if hi > lo else 0.05 * max(1.0, abs(center))
    u = np.linspace(-1.0, 1.0, n_samples)
    with np.errstate(all="ignore"):
        grid = center + half * u
    if not (np.all(np.isfinite(grid)) and np.all(np.diff(grid) > 0)):
        notes.append(
            f"spline skipped: {n_samples} distinct finite samples do not fit around the points"
        )
        return None
    with np.errstate(all="ignore"):
        values = f(grid)
    finite = np.isfinite(values)
    out = np.full(points.shape, np.nan)
    where = (points - center) / half
    edges = np.flatnonzero(np.diff(np.r_[0, finite.astype(int), 0]))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if stop - start < _MIN_SAMPLES:
            continue
        piece_u, piece = u[start:stop], values[start:stop]
        inside = (where >= piece_u[0]) & (where <= piece_u[-1])
        top, bottom = float(piece.max()), float(piece.min())
        middle, scale = top / 2 + bottom / 2, (top / 2 - bottom / 2) or 1.0
        fitted = SplineInterpolator().fit(piece_u, (piece - middle) / scale)
        with np.errstate(all="ignore"):
            slope = np.asarray(fitted.differentiate(task.order)(where[inside]), dtype=float)
            out[inside] = slope * (scale / half**task.order)
    if not finite.all():
        notes.append(
            f"f is undefined on part of [{grid[0]:.4g}, {grid[-1]:.4g}]: the spline is fitted "
            "where it is defined"
        )
    with np.errstate(all="ignore"):
        off = np.abs(out - reference) > _SPLINE_RTOL * (np.abs(reference) + 1e-300)
    off &= np.isfinite(reference) & np.isfinite(out)
    if off.any():
        shown = ", ".join(f"{p:.6g}" for p in points[off][:8])
        notes.append(
            f"the spline's derivative is off by more than {_SPLINE_RTOL:g} (relative) at x = {shown}: {n_samples} samples do not resolve f there"
        )
    return out
