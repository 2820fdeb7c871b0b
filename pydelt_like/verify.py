"""Checking a hand-derived derivative: symbolically, numerically and from sampled data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array

__all__ = ["DerivativeCheck", "check_derivative"]


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


def _as_callable(value: Any, name: str) -> tuple[Callable[[np.ndarray], Any], Any]:
    """(vectorised callable of one variable, the expression or None)."""
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
        return compiled, value
    if callable(value):
        return (lambda x: np.asarray(value(x), dtype=float)), None
    raise TypeError(f"{name} must be an expression, its text or a callable, got {value!r}")


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
        Points to check at.
    domain : (float, float), optional
        Check at ``n_points`` evenly spaced interior points of this interval instead.
    n_points : int, default=7
        How many points when ``domain`` is given.
    rtol, atol : float
        Tolerance against the reference derivative: symbolic when ``f`` is an
        expression or text, else numeric (central differences with Richardson
        extrapolation, accurate to about 1e-10 for smooth functions).
    spline : bool, default=True
        Also fit a :class:`~pydelt_like.SplineInterpolator` to ``n_samples`` samples of
        ``f`` around the points and report its derivative: what you would get from data.
    n_samples : int, default=400
        Samples for the spline.

    Returns
    -------
    DerivativeCheck
        Prints as a table with a verdict.

    Examples
    --------
    >>> result = check_derivative("sin(x^2)", "cos(x^2)", at=[0.5, 1.0, 1.7], spline=False)
    >>> result.ok
    False
    >>> check_derivative("sin(x^2)", "2*x*cos(x^2)", at=[0.5, 1.0, 1.7]).ok
    True
    """
    from pydelt_like.numeric import numerical_derivative
    from pydelt_like.symbolic import differentiate, to_function
    from pydelt_like.symbolic.evaluate import _describe

    f_call, f_expr = _as_callable(f, "f")
    hand_call, hand_expr = _as_callable(df_hand, "df_hand")
    if (at is None) == (domain is None):
        raise ValueError("pass exactly one of at=points or domain=(a, b)")
    if at is not None:
        points = as_float_array(at, name="at").ravel()
    else:
        a, b = (float(v) for v in domain)  # type: ignore[union-attr]
        if not (np.isfinite(a) and np.isfinite(b) and a < b):
            raise ValueError(f"domain must be (a, b) with a < b, got {domain!r}")
        points = np.linspace(a, b, n_points + 2)[1:-1]
    if points.size == 0 or not np.all(np.isfinite(points)):
        raise ValueError("the points to check must be finite and not empty")

    notes: list[str] = []
    hand = np.broadcast_to(np.asarray(hand_call(points), dtype=float), points.shape).copy()
    numeric = np.asarray(numerical_derivative(f_call, points), dtype=float).reshape(points.shape)
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

    with np.errstate(all="ignore"):
        errors = np.abs(hand - ref)
        defined = np.isfinite(
            np.broadcast_to(np.asarray(f_call(points), dtype=float), points.shape)
        )
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
    f: Callable[[np.ndarray], Any], points: np.ndarray, n_samples: int, notes: list[str]
) -> np.ndarray | None:
    from pydelt_like import SplineInterpolator

    lo, hi = float(points.min()), float(points.max())
    # Sample around the points; for a single point a window of width 0.1 * max(1, |x|),
    # so that the samples are dense on the scale the numerical derivative uses too.
    margin = 0.1 * (hi - lo) if hi > lo else 0.05 * max(1.0, abs(lo))
    grid = np.linspace(lo - margin, hi + margin, n_samples)
    with np.errstate(all="ignore"):
        values = np.broadcast_to(np.asarray(f(grid), dtype=float), grid.shape)
    if not np.all(np.isfinite(values)):
        notes.append(
            f"spline skipped: f is not finite everywhere on [{grid[0]:.4g}, {grid[-1]:.4g}]"
        )
        return None
    fitted = SplineInterpolator().fit(grid, values)
    return np.asarray(fitted.differentiate(1)(points), dtype=float)
