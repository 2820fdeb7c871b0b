"""The spline's internal units: any finite float64 data mapped to numbers of order one.

A fit never works in the user's units. ``x`` becomes ``u`` in [0, 1]; each series ``y`` is
divided by a power of two at least its largest magnitude, its weighted least-squares line in
``u`` is taken out, and what remains is divided by its own largest magnitude:

    y = 2**y_exp * (line(u) + resid * z(u)),    u = (x / 2**x_exp - lo) / span.

Powers of two scale exactly, so nothing is lost or rounded on the way in; the line carries
offsets and trends (a record of values near 1e12 varying in their last digits keeps all of
its information), and ``z`` is what the spline fits. An exact line (to rounding) leaves
``z = 0``: it is reproduced exactly, whatever its offset or slope. On the way out, a
derivative of order ``d`` is multiplied by ``2**(y_exp - d * x_exp) / span**d`` with
:func:`numpy.ldexp`, so over- and underflow happen only where the true result lies beyond
the float64 range; overflow is then reported, never returned as inf or NaN.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import polynomial as npoly

#: Samples whose typical spacing is below this many steps of the float64 grid at x's magnitude
#: carry rounding of more than ~0.1 % of that spacing in their positions: warn.
_COARSE_GRID_STEPS = 1024
#: Residuals of the line below this many units of rounding of y count as zero: an exact line.
_LINE_ULPS = 4.0
_EPS = float(np.finfo(float).eps)


def _exponent_above(magnitude: np.ndarray) -> np.ndarray:
    """Integer exponents e with ``2**(e-1) <= m < 2**e`` (0 where m is 0)."""
    return np.where(magnitude > 0, np.frexp(magnitude)[1], 0).astype(np.int64)


@dataclass(frozen=True)
class Scaling:
    """How the fit's internal units relate to the user's (see the module docstring).

    Attributes
    ----------
    x_exp : int
        ``x`` is divided by ``2**x_exp`` first, which brings it into [-1, 1].
    lo, span : float
        ``u = (x / 2**x_exp - lo) / span``; ``span`` lies in (0, 2].
    y_exp : numpy.ndarray of int, shape (m,)
        Per series, ``y`` is divided by ``2**y_exp``.
    resid : numpy.ndarray of shape (m,)
        The largest magnitude of the residuals about the line, in units of ``2**y_exp``
        (1 for an exact line, whose ``z`` is 0); the spline's ``z`` is the residual divided by it.
    """

    x_exp: int
    lo: float
    span: float
    y_exp: np.ndarray
    resid: np.ndarray

    def to_unit(self, x: np.ndarray) -> np.ndarray:
        """Map user ``x`` to internal ``u`` (points outside the fitted range map outside [0, 1])."""
        return (np.ldexp(x, -self.x_exp) - self.lo) / self.span

    def x_factor(self, order: int) -> tuple[float, int]:
        """``(mantissa, exponent)`` of ``(du/dx)**order`` = ``1 / (span * 2**x_exp)**order``."""
        mantissa, exponent = np.frexp(self.span)
        return float(mantissa) ** -order, -order * (int(exponent) + self.x_exp)

    def to_user(self, values: np.ndarray, order: int, what: str = "value") -> np.ndarray:
        """Internal values (N, m) of the ``order``-th derivative in units of 2**y_exp -> user units.

        Raises
        ------
        ValueError
            If a finite internal value does not fit in float64 in the user's units.
        """
        mantissa, exponent = self.x_factor(order)
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.ldexp(values * mantissa, exponent + self.y_exp)
        overflow = ~np.isfinite(out) & np.isfinite(values)
        if overflow.any():
            raise ValueError(
                f"the {_describe(order)} {what} exceeds the float64 range (about 1.8e308) in the "
                "units of x and y; express x in larger units or y in smaller ones (e.g. divide y "
                "by a power of ten) and scale the result back"
            )
        return out


def _describe(order: int) -> str:
    if order == 0:
        return "fitted"
    if order < 0:
        return f"order-{-order} antiderivative's"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(order if order < 20 else order % 10, "th")
    return f"{order}{suffix} derivative's"


@dataclass(frozen=True)
class Standardised:
    """Data in internal units, ready for the spline: ``z`` is fitted on ``u`` with ``w``."""

    x: np.ndarray  # (n,) the samples' x in the user's units (for messages)
    u: np.ndarray  # (n,) in [0, 1], increasing
    z: np.ndarray  # (n, m), largest magnitude 1 (or all 0 for an exact line)
    w: np.ndarray  # (n,) relative weights, largest in [0.5, 1)
    w_exp: int  # user weights = w * 2**w_exp * (the FitData scale)
    line: np.ndarray  # (2, m): the line a + b u, in units of 2**y_exp
    scaling: Scaling


def standardise(x: np.ndarray, y: np.ndarray, w: np.ndarray, *, line: bool = True) -> Standardised:
    """Bring sorted, distinct, finite ``x`` (n,), ``y`` (n, m) and weights ``w`` to internal units.

    ``line=False`` leaves the line in ``z`` (``line`` is then zero), for fits that do not
    reproduce lines (a local constant).
    """
    x_exp = int(_exponent_above(np.array([max(abs(x[0]), abs(x[-1]))]))[0])
    xs = np.ldexp(x, -x_exp)
    lo, hi = float(xs[0]), float(xs[-1])
    # Distinct floats stay distinct and ordered: the difference of two scaled samples is exact
    # whenever they lie within a factor of two of each other, so even x values a few steps of
    # the float64 grid apart (1e15 + [0, 1, 2, ...]) are placed exactly on [0, 1].
    span = hi - lo
    _warn_if_x_is_coarse(x)
    u = np.clip((xs - lo) / span, 0.0, 1.0)
    u[0], u[-1] = 0.0, 1.0

    w_exp = int(_exponent_above(np.array([w.max()]))[0])
    wn = np.ldexp(w, -w_exp)

    y_exp = _exponent_above(np.abs(y).max(axis=0))
    y1 = np.ldexp(y, -y_exp)
    line_ = _weighted_line(u, y1, wn) if line else np.zeros((2, y1.shape[1]))
    fitted = line_[0] + u[:, None] * line_[1]
    z1 = y1 - fitted
    if line:
        # One step of refinement: the line of the residuals corrects the rounding of the
        # first line's sums (which grows with the number of samples), so that an exact
        # line of 9 000 samples leaves residuals of a few ulps of y, not hundreds.
        line_ = line_ + _weighted_line(u, z1, wn)
        fitted = line_[0] + u[:, None] * line_[1]
        z1 = y1 - fitted
    # Rounding of y itself, and of the line's evaluation, bound what an exact line leaves.
    # The line's own rounding adds that of its sums (the weighted mean of |y|, and the slope
    # over the spread of u), which matters where |y| is far below its mean (a line through
    # zero over many decades of x).
    typical = np.einsum("i,ij->j", wn, np.abs(y1)) / wn.sum() + np.abs(line_[1])
    rounding = (
        _LINE_ULPS
        * _EPS
        * (np.abs(y1) + np.abs(line_[0]) + np.abs(u[:, None] * line_[1]) + typical)
    )
    exact = np.all(np.abs(z1) <= rounding, axis=0) & line
    # An exact line leaves z = 0; its residual scale is then arbitrary, and 1 keeps divisions safe.
    resid = np.where(exact, 1.0, np.abs(z1).max(axis=0))
    z = np.where(exact, 0.0, z1 / np.where(resid > 0, resid, 1.0))
    return Standardised(
        x=x, u=u, z=z, w=wn, w_exp=w_exp, line=line_, scaling=Scaling(x_exp, lo, span, y_exp, resid)
    )


def first_coincidence(std: Standardised) -> int | None:
    """The first ``i`` whose distinct ``x[i] < x[i + 1]`` coincide once mapped onto [0, 1]
    (gaps of a few subnormal steps), or None."""
    gaps = np.diff(std.u)
    return None if (gaps > 0).all() else int(np.argmin(gaps))


def _warn_if_x_is_coarse(x: np.ndarray) -> None:
    """Warn when x's magnitude leaves only a few float64 steps between neighbouring samples."""
    steps = np.diff(x) / np.spacing(np.maximum(np.abs(x[:-1]), np.abs(x[1:])))
    typical = float(np.median(steps))
    if typical < _COARSE_GRID_STEPS:
        where = int(np.argmin(np.abs(steps - typical)))
        warnings.warn(
            f"x values lie only about {typical:.0f} steps of the float64 grid apart at their "
            f"magnitude (near x = {x[where]:.6g}, floats are "
            f"{float(np.spacing(abs(x[where]))):.3g} apart), so their positions carry rounding "
            f"of up to {0.5 / typical:.1%} of the spacing; the fit takes them as exact. If x "
            "was rounded when it became a float (e.g. time stamps far from zero), subtract an "
            "offset first (x - x[0], or time since the first sample)",
            RuntimeWarning,
            stacklevel=6,
        )


def _weighted_line(u: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least-squares line ``a + b u`` per series: array (2, m) of ``a`` and ``b``."""
    # einsum sums every column the same way whatever their number, so a series fitted in a
    # batch gets the same line, to the last bit, as when fitted alone.
    total = w.sum()
    centre = float(w @ u) / total
    du = u - centre
    spread = float(w @ du**2)
    mean = np.einsum("i,ij->j", w, y) / total
    if spread > 0:
        slope = np.einsum("i,ij->j", w * du, y - mean) / spread
    else:
        slope = np.zeros(y.shape[1])
    return np.vstack([mean - slope * centre, slope])


def polynomial_values(coef: np.ndarray, u: np.ndarray, order: int) -> np.ndarray:
    """Values (N, m) of the ``order``-th derivative (antiderivative if negative, zero at u = 0)
    of the polynomials with coefficients ``coef`` (degree + 1, m) in increasing powers of u."""
    if order > 0:
        coef = npoly.polyder(coef, order, axis=0) if coef.shape[0] > order else coef[:0]
    elif order < 0:
        coef = npoly.polyint(coef, -order, axis=0)
    if coef.shape[0] == 0:
        return np.zeros((u.size, coef.shape[1]))
    return npoly.polyval(u, coef, tensor=True).T.reshape(u.size, coef.shape[1])


def polynomial_bspline_coefficients(coef: np.ndarray, t: np.ndarray, k: int) -> np.ndarray:
    """B-spline coefficients (len(t) - k - 1, m) on knots ``t`` of the polynomials ``coef``.

    By Marsden's identity the coefficient of a polynomial of degree <= k on the basis
    function starting at knot j is its blossom at ``t[j+1], ..., t[j+k]``; for ``u**d`` that is
    the elementary symmetric polynomial ``e_d`` of those knots over ``binomial(k, d)``.
    """
    n_coef = t.size - k - 1
    if coef.shape[0] > k + 1:
        raise ValueError(f"a polynomial of degree {coef.shape[0] - 1} is no spline of degree {k}")
    symmetric = np.zeros((n_coef, k + 1))
    symmetric[:, 0] = 1.0
    for i in range(1, k + 1):  # multiply in the factor (1 + t[j + i] z), one knot at a time
        knot = t[i : i + n_coef, None]
        symmetric[:, 1:] = symmetric[:, 1:] + knot * symmetric[:, :-1]
    degrees = np.arange(coef.shape[0])
    blossoms = symmetric[:, degrees] / np.array([math.comb(k, int(d)) for d in degrees])
    return blossoms @ coef
