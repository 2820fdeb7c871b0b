"""Checking a hand-derived derivative: symbolically, numerically and from sampled data."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array, check_int, check_real

__all__ = ["MAX_POINTS", "MAX_SAMPLES", "DerivativeCheck", "check_derivative"]

# The report is a table with one row per point; for bulk comparisons call
# numerical_derivative or evaluate directly.
MAX_POINTS = 10_000
# Samples for the spline column: 400 resolve smooth functions; more only cost time (a fit
# of 100,000 samples takes about a second).
MAX_SAMPLES = 100_000
_MIN_SAMPLES = 10  # the spline needs at least 7 distinct samples to fit a derivative
# A spline through 400 exact samples of a smooth function is good to about 1e-5 (relative);
# a hundred times worse means the samples do not resolve f: say so.
_SPLINE_RTOL = 1e-3


@dataclass
class DerivativeCheck:
    """The outcome of :func:`check_derivative`.

    Attributes
    ----------
    points : numpy.ndarray
        Where the derivatives were compared.
    hand : numpy.ndarray
        The hand-derived derivative there.
    symbolic, numeric, spline : numpy.ndarray or None
        The derivative by the rules (when ``f`` is an expression), by central
        differences, and of a spline fitted to samples of ``f`` (None where skipped).
    reference : str
        Which column the verdict compares against: ``'symbolic'`` or ``'numeric'``.
    errors : numpy.ndarray
        ``|hand - reference|`` at each point.
    max_error : float
        The largest of ``errors``.
    rtol, atol : float
        The tolerance: a point passes when ``error <= atol + rtol * |reference|``.
    ok : bool
        True when every point passes.
    failures : numpy.ndarray
        The points that do not pass.
    notes : list of str
        Anything worth knowing (columns skipped, disagreements between references).
    """

    points: np.ndarray
    hand: np.ndarray
    symbolic: np.ndarray | None
    numeric: np.ndarray
    spline: np.ndarray | None
    reference: str
    errors: np.ndarray
    max_error: float
    rtol: float
    atol: float
    ok: bool
    failures: np.ndarray
    notes: list[str] = field(default_factory=list)
    description: str = ""

    def __str__(self) -> str:
        columns = [("x", self.points), ("hand", self.hand)]
        if self.symbolic is not None:
            columns.append(("symbolic", self.symbolic))
        columns.append(("numeric", self.numeric))
        if self.spline is not None:
            columns.append(("spline", self.spline))
        columns.append((f"|hand - {self.reference}|", self.errors))
        header = "  ".join(f"{name:>16s}" for name, _ in columns) + "   ok"
        lines = [self.description, header] if self.description else [header]
        limit = self.atol + self.rtol * np.abs(self._reference())
        for i in range(self.points.size):
            cells = "  ".join(f"{values[i]:16.10g}" for _, values in columns)
            lines.append(f"{cells}   {'yes' if self.errors[i] <= limit[i] else 'NO'}")
        verdict = "CORRECT" if self.ok else "WRONG"
        lines.append(
            f"verdict: {verdict} (max error {self.max_error:.3g} against the {self.reference} "
            f"derivative; tolerance atol={self.atol:g} + rtol={self.rtol:g} * |reference|)"
        )
        if not self.ok:
            shown = ", ".join(f"{p:.6g}" for p in self.failures[:8])
            lines.append(f"fails at x = {shown}")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def _reference(self) -> np.ndarray:
        return (
            self.symbolic
            if self.reference == "symbolic" and self.symbolic is not None
            else (self.numeric)
        )


def _as_callable(value: Any, name: str) -> tuple[Callable[[np.ndarray], np.ndarray], Any]:
    """(callable of one array returning float64 of its shape, the expression or None).

    A user's callable is checked at every call: its output must be real numbers with one
    value per point (or a single value), else a TypeError/ValueError names ``name``.
    """
    from pydelt_like.numeric import _values, _vectorised
    from pydelt_like.symbolic import Expr, parse, to_function

    if isinstance(value, str):
        value = parse(value)
    if isinstance(value, Expr):
        free = sorted(value.free_symbols)
        if len(free) > 1:
            raise ValueError(f"{name} must have one variable, got {', '.join(free)}")
        compiled = to_function(value)
        if not free:
            return (lambda x: np.full(np.shape(x), compiled())), value
        return (lambda x: np.asarray(compiled(x), dtype=float)), value
    if callable(value):
        function = _vectorised(value, name)
        return (lambda x: np.array(_values(function, x, name))), None
    raise TypeError(f"{name} must be an expression, its text or a callable, got {value!r}")


def _domain_points(domain: Any, n_points: int) -> np.ndarray:
    """``n_points`` evenly spaced interior points of ``domain``, distinct and finite."""
    if isinstance(domain, (str, bytes)) or not hasattr(domain, "__len__") or len(domain) != 2:
        raise TypeError(f"domain must be a pair (a, b) of numbers with a < b, got {domain!r}")
    # check_real returns None only with allow_none=True.
    a = check_real(domain[0], name="domain[0]")
    b = check_real(domain[1], name="domain[1]")
    if not a < b:
        raise ValueError(f"domain must be (a, b) with a < b, got {domain!r}")
    t = np.arange(1, n_points + 1) / (n_points + 1)
    with np.errstate(over="ignore"):
        width = b - a
    # a + (b - a) t, or a (1 - t) + b t where b - a overflows (a domain of +-1e308).
    points = a + width * t if np.isfinite(width) else a * (1 - t) + b * t
    if n_points > 1 and not np.all(np.diff(points) > 0):
        raise ValueError(
            f"domain {domain!r} is too narrow for n_points={n_points} distinct points in "
            "float64; widen it or ask for fewer points"
        )
    return points


def check_derivative(
    f: Any,
    df_hand: Any,
    *,
    at: Any = None,
    domain: tuple[float, float] | None = None,
    n_points: int = 7,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    spline: bool = True,
    n_samples: int = 400,
) -> DerivativeCheck:
    """Check a hand-derived derivative against the rules, finite differences and data.

    Parameters
    ----------
    f : Expr, str or callable
        The function (one variable).
    df_hand : Expr, str or callable
        Your derivative of ``f``.
    at : float or array-like, optional
        Points to check at: finite, at most ``MAX_POINTS`` (10,000).
    domain : (float, float), optional
        Check at ``n_points`` evenly spaced interior points of this interval instead
        (finite ends, ``a < b``).
    n_points : int, default=7
        How many points when ``domain`` is given: 1 to ``MAX_POINTS`` (10,000).
    rtol, atol : float
        Tolerance against the reference derivative (non-negative): symbolic when ``f`` is
        an expression or text, else numeric (central differences with Richardson
        extrapolation, accurate to about 1e-10 for smooth functions).
    spline : bool, default=True
        Also fit a :class:`~pydelt_like.SplineInterpolator` to ``n_samples`` samples of
        ``f`` around the points and report its derivative: what you would get from data.
    n_samples : int, default=400
        Samples for the spline: 10 to ``MAX_SAMPLES`` (100,000).

    Returns
    -------
    DerivativeCheck
        Prints as a table with a verdict.

    Raises
    ------
    TypeError
        If ``f`` or ``df_hand`` is not an expression, text or a callable, a callable
        returns something other than real numbers, or an option has the wrong type.
    ValueError
        If not exactly one of ``at`` and ``domain`` is given; if the points are empty,
        not finite or too many; if ``domain`` is not ``(a, b)`` with finite ``a < b``
        holding ``n_points`` distinct points; if an option is out of range; if a callable
        returns an array of another shape than its input; or if an expression has
        several variables.

    Examples
    --------
    >>> result = check_derivative("sin(x^2)", "cos(x^2)", at=[0.5, 1.0, 1.7], spline=False)
    >>> result.ok
    False
    >>> check_derivative("sin(x^2)", "2*x*cos(x^2)", at=[0.5, 1.0, 1.7]).ok
    True
    """
    from pydelt_like.base import _check_flag
    from pydelt_like.numeric import numerical_derivative
    from pydelt_like.symbolic import differentiate, to_function
    from pydelt_like.symbolic.evaluate import _describe

    f_call, f_expr = _as_callable(f, "f")
    hand_call, hand_expr = _as_callable(df_hand, "df_hand")
    n_points = check_int(n_points, name="n_points", low=1, high=MAX_POINTS)
    n_samples = check_int(n_samples, name="n_samples", low=_MIN_SAMPLES, high=MAX_SAMPLES)
    rtol = check_real(rtol, name="rtol", low=0)
    atol = check_real(atol, name="atol", low=0)
    spline = _check_flag(spline, "spline")
    if (at is None) == (domain is None):
        raise ValueError("pass exactly one of at=points or domain=(a, b)")
    if at is not None:
        points = as_float_array(at, name="at").ravel()
        if points.size > MAX_POINTS:
            raise ValueError(
                f"at has {points.size:,} points, more than the {MAX_POINTS:,} a check reports "
                "(a table row each); for bulk comparisons use numerical_derivative directly"
            )
    else:
        points = _domain_points(domain, n_points)
    if points.size == 0 or not np.all(np.isfinite(points)):
        raise ValueError("the points to check must be finite and not empty")

    notes: list[str] = []
    hand = hand_call(points)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        numeric = np.asarray(numerical_derivative(f_call, points), dtype=float).reshape(
            points.shape
        )
    notes.extend(str(w.message) for w in caught if issubclass(w.category, RuntimeWarning))
    symbolic = None
    if f_expr is not None:
        derivative = differentiate(f_expr, next(iter(f_expr.free_symbols), "x"))
        compiled = to_function(derivative, sorted(f_expr.free_symbols) or None)
        symbolic = np.broadcast_to(
            np.asarray(compiled(points) if f_expr.free_symbols else compiled()), points.shape
        ).astype(float)
        gap = np.abs(symbolic - numeric)
        if np.any(gap > 1e-6 * (1 + np.abs(symbolic))):
            notes.append("the symbolic and numerical derivatives disagree somewhere (a kink?)")
    reference = "symbolic" if symbolic is not None else "numeric"
    ref = symbolic if symbolic is not None else numeric

    spline_values = None
    if spline:
        spline_values = _spline_derivative(f_call, points, n_samples, notes)
    if spline_values is not None:
        with np.errstate(all="ignore"):
            off = np.abs(spline_values - ref) > _SPLINE_RTOL * (np.abs(ref) + 1e-300)
        off &= np.isfinite(ref)
        if off.any():
            shown = ", ".join(f"{p:.6g}" for p in points[off][:8])
            notes.append(
                f"the spline's derivative is off by more than {_SPLINE_RTOL:g} (relative) at "
                f"x = {shown}: {n_samples} samples do not resolve f there"
            )

    with np.errstate(all="ignore"):
        errors = np.abs(hand - ref)
        defined = np.isfinite(f_call(points))
    passes = (errors <= atol + rtol * np.abs(ref)) & np.isfinite(hand) & np.isfinite(ref)
    # Simplification can extend a derivative's domain (log(x) -> 1/x): where f itself is
    # undefined there is nothing to check, and such a point never passes.
    passes &= defined
    if not defined.all():
        shown = ", ".join(f"{p:.6g}" for p in points[~defined][:8])
        notes.append(f"f is undefined at x = {shown}")
    label_f = _describe(f_expr) if f_expr is not None else getattr(f, "__name__", "f")
    label_d = _describe(hand_expr) if hand_expr is not None else getattr(df_hand, "__name__", "df")
    return DerivativeCheck(
        points=points,
        hand=hand,
        symbolic=symbolic,
        numeric=numeric,
        spline=spline_values,
        reference=reference,
        errors=errors,
        max_error=float(np.nanmax(errors)) if np.any(np.isfinite(errors)) else float("nan"),
        rtol=rtol,
        atol=atol,
        ok=bool(passes.all()),
        failures=points[~passes],
        notes=notes,
        description=f"d/dx {label_f}  vs  your {label_d}",
    )


def _spline_derivative(
    f: Callable[[np.ndarray], np.ndarray], points: np.ndarray, n_samples: int, notes: list[str]
) -> np.ndarray | None:
    """The derivative of a spline fitted to samples of f around the points, or None.

    The spline is fitted in standardised coordinates (u in [-1, 1], values in [-1, 1]), so
    that points near 1e308 or values near 1e-300 fit as well as any others.
    """
    from pydelt_like import SplineInterpolator

    lo, hi = float(points.min()), float(points.max())
    center = lo / 2 + hi / 2  # halves first: lo + hi may overflow
    # Sample around the points; for a single point a window of width 0.1 * max(1, |x|),
    # so that the samples are dense on the scale the numerical derivative uses too.
    half = 1.2 * (hi / 2 - lo / 2) if hi > lo else 0.05 * max(1.0, abs(center))
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
    if not np.all(np.isfinite(values)):
        notes.append(
            f"spline skipped: f is not finite everywhere on [{grid[0]:.4g}, {grid[-1]:.4g}]"
        )
        return None
    top, bottom = float(values.max()), float(values.min())
    middle = top / 2 + bottom / 2
    scale = top / 2 - bottom / 2
    if scale == 0.0:
        scale = 1.0
    fitted = SplineInterpolator().fit(u, (values - middle) / scale)
    slope = np.asarray(fitted.differentiate(1)((points - center) / half), dtype=float)
    with np.errstate(all="ignore"):
        derivative = slope * (scale / half)
    if not np.all(np.isfinite(derivative)):
        notes.append("spline column partly not finite: the derivative overflows float64")
    return derivative
