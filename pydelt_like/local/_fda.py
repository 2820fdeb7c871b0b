"""FDA: functional data analysis' smoothing, a penalised B-spline with a roughness penalty.

Ramsay and Silverman smooth each curve with a spline basis and a roughness penalty whose
weight is chosen by generalised cross-validation; this family does that with the P-spline
form of the penalty (``_penalized``) and reads derivatives off the fitted spline in closed
form. PyDelt's class of the same name calls SciPy's ``UnivariateSpline`` with a heuristic
residual target; its parameters keep their meaning here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.polynomial import Legendre, Polynomial, legendre

from pydelt_like._validation import FitData, check_int, check_real
from pydelt_like.base import BaseInterpolator
from pydelt_like.local._penalized import LAMBDAS, MAX_INTERVALS, Path, penalized_path
from pydelt_like.spline._scaling import (
    Scaling,
    Standardised,
    polynomial_bspline_coefficients,
    polynomial_values,
    standardise,
)

if TYPE_CHECKING:
    from scipy.interpolate import BSpline

__all__ = ["FdaInterpolator"]

#: Kim and Gu's factor on the degrees of freedom in GCV: plain GCV (1.0) undersmooths now
#: and then, which derivatives amplify; 1.4 is their recommended value.
GCV_GAMMA = 1.4
#: Knot intervals at most, by the order of the difference penalty: the smallest penalised
#: eigenvalues of an order-r penalty on K intervals scale like (pi / K)**(2 r); past these K
#: they sink below double-precision rounding against the data term (an order-6 penalty on
#: 400 intervals then smooths less than asked, and its second derivatives degrade 2-3x).
MAX_INTERVALS_BY_ORDER = {2: MAX_INTERVALS, 3: MAX_INTERVALS, 4: MAX_INTERVALS, 5: 200, 6: 100}
#: Evaluation of standard errors goes this many points at a time (rows of the basis).
_STD_CHUNK = 4096
#: Bisection steps on log(lambda) when a residual target is given: 2**-40 of a decade.
_BISECTIONS = 40


class FdaInterpolator(BaseInterpolator):
    """Functional data analysis smoothing: a penalised spline, derivatives in closed form.

    The curve is a B-spline of degree ``k`` on uniform knot intervals (up to 400 for
    ``k <= 3``, 200 for ``k = 4``, 100 for ``k = 5``) with a roughness penalty on the
    differences of its coefficients of order ``k + 1`` (so polynomials up to degree ``k`` are
    not penalised and are reproduced exactly).

    Parameters
    ----------
    smoothing : float or None, default=None
        How closely to follow the data. ``None`` chooses the penalty weight per series by
        generalised cross-validation with Kim and Gu's factor 1.4 on the degrees of freedom.
        A number ``s >= 0`` keeps PyDelt's (and SciPy's ``UnivariateSpline``) meaning: the
        weighted residual sum of squares ``sum(w * (y - f(x))**2)`` the fit should reach
        (``w`` the sample weights, inverse variances; ``s = n * sigma**2`` for a known noise
        level). ``0`` follows the data as closely as the knots allow; a target at or above the
        residuals of the unpenalised polynomial gives that polynomial. PyDelt's heuristic
        default ties ``s`` to the data's range rather than its noise.
    k : int, default=4
        Degree of the spline, 1 to 5; derivatives up to order ``k`` are available. PyDelt's
        default is 3 (cubic), whose second derivatives were 1.2-2.7x our spline's error on
        noisy sines; degree 4 with its order-5 penalty was 0.7-1.7x (``docs/families.md``).
    nan_policy : {'raise', 'omit'}, default='raise'
        What to do with NaN or infinite samples.
    extrapolate : {'raise', 'nan', 'extrapolate'}, default='raise'
        What evaluation outside the fitted range does (``'extrapolate'`` continues the end
        polynomials of the spline).

    Attributes
    ----------
    spline_ : scipy.interpolate.BSpline
        The fitted curve (coefficients of shape ``(n_basis, *y.shape[1:])``).
    smoothing_ : float or numpy.ndarray
        The weighted residual sum of squares each series reached: the ``smoothing`` that
        would ask for this fit.
    dof_ : float or numpy.ndarray
        Effective degrees of freedom (trace of the smoother matrix) per series.
    noise_std_ : float or numpy.ndarray
        Estimated noise standard deviation of a sample of average weight,
        ``sqrt(RSS / (n - dof))``.
    penalty_ : float or numpy.ndarray
        The penalty weight per series (relative to the scale of the data's Gram matrix).
    path_ : Path
        The eigen-decomposition behind the fit and its standard errors.

    Notes
    -----
    ``return_std=True`` gives the Bayesian posterior standard error of the penalised spline
    (Wahba 1983), which covers the smoothing bias on average over the curve.

    Examples
    --------
    >>> import numpy as np
    >>> from pydelt_like import FdaInterpolator
    >>> x = np.linspace(-2, 3, 200)
    >>> fda = FdaInterpolator().fit(x, x**3 - 3 * x)
    >>> bool(abs(fda.differentiate(1)(1.0)) < 1e-9)  # the slope of x**3 - 3x at 1
    True
    >>> y = np.sin(x) + np.random.default_rng(0).normal(0, 0.05, x.size)
    >>> bool(abs(FdaInterpolator().fit(x, y).differentiate(1)(0.5) - np.cos(0.5)) < 0.05)
    True
    """

    def __init__(
        self,
        *,
        smoothing: float | None = None,
        k: int = 4,
        nan_policy: str = "raise",
        extrapolate: str = "raise",
    ) -> None:
        self.smoothing = smoothing
        self.k = k
        self.nan_policy = nan_policy
        self.extrapolate = extrapolate

    def _validate_params(self) -> None:
        check_real(
            self.smoothing,
            name="smoothing",
            low=0.0,
            allow_none=True,
            hint="a residual sum of squares such as n * sigma**2, or None to choose it",
        )
        check_int(self.k, name="k", low=1, high=5, hint="4 is the default, 3 PyDelt's (cubic)")

    def _min_points(self) -> int:
        return int(self.k) + 2

    def _max_order(self) -> int | None:
        return int(self.k)

    def _order_hint(self) -> str:
        return "a spline of degree k has derivatives up to order k; raise k for higher orders"

    # ---- fitting ----------------------------------------------------------------------

    def _fit(self, data: FitData) -> None:
        from scipy.interpolate import BSpline

        k = int(self.k)
        order = k + 1
        keep = data.weights > 0
        if np.count_nonzero(keep) < self._min_points():
            raise ValueError(
                f"only {np.count_nonzero(keep)} samples have a positive weight; FdaInterpolator "
                f"with k={k} needs at least {self._min_points()}; give more samples a positive "
                "weight"
            )
        # The spline's internal units (pydelt_like.spline._scaling): x on [0, 1], each series
        # less its weighted line and scaled to magnitude one, weights by a power of two; all
        # exact, so x near 1e308 or 1e-300 apart, y near the float range's ends and offsets
        # like 1e12 + x lose nothing, and an exact line leaves zero.
        std = standardise(data.x[keep], data.y[keep], data.weights[keep])
        u, z = std.u, std.z
        unit = float(std.w.mean())
        w = std.w / unit
        # The unpenalised polynomial is fitted first, so that data on it are reproduced to
        # rounding; the spline smooths what is left (the smoother maps the polynomial to
        # itself, so this changes nothing but the rounding).
        trend = _weighted_polynomial(u, z, w, order - 1)
        resid = z - legendre.legval(2.0 * u - 1.0, trend).T
        intervals = max(1, min(u.size - 1, MAX_INTERVALS_BY_ORDER[order]))
        path = penalized_path(u, resid, w, k=k, order=order, intervals=intervals)
        lam = self._choose(path, data, unit, std)
        self.unit_spline_ = BSpline(
            path.knots,
            path.coefficients(lam) + _polynomial_coefficients(path.knots, k, trend),
            k,
            extrapolate=True,
        )
        self.scaling_ = std.scaling
        self.poly_ = std.line
        rss = path.rss(lam)[np.arange(lam.size), np.arange(lam.size)]
        dof = path.trace(lam)
        self.path_ = path
        self.penalty_ = self._per_series(lam)
        self.dof_ = self._per_series(dof)
        resid_scale = std.scaling.resid
        with np.errstate(over="ignore"):  # beyond the float range only for |y| near 1e308
            reached = np.ldexp(rss * resid_scale**2 * unit, -_rss_exponent(data, std))
            unit_noise = np.sqrt(rss / np.maximum(u.size - dof, 1.0)) * resid_scale
            noise = np.ldexp(unit_noise, std.scaling.y_exp)
        self.unit_noise_std_ = unit_noise
        self.smoothing_ = self._per_series(reached)
        self.noise_std_ = self._per_series(noise)

    def _choose(self, path: Path, data: FitData, unit: float, std: Standardised) -> np.ndarray:
        """The penalty weight of each series: GCV, or the one meeting the residual target."""
        lams = LAMBDAS
        rss = path.rss(lams)  # (n_lambda, m)
        if self.smoothing is None:
            spare = path.n - GCV_GAMMA * path.trace(lams)
            with np.errstate(divide="ignore", invalid="ignore"):
                gcv = np.where(spare[:, None] > 0, path.n * rss / spare[:, None] ** 2, np.inf)
            return lams[np.argmin(gcv, axis=0)]
        # The user's residual sum of squares in internal units: divided by the mean weight,
        # each series' residual scale squared and exact powers of two.
        scale = std.scaling.resid
        with np.errstate(over="ignore", under="ignore", divide="ignore"):
            target = np.ldexp(float(self.smoothing) / unit / scale**2, _rss_exponent(data, std))
            if data.repeat_rms is not None:
                # Noise that merging repeated x hid from the fit counts towards the target.
                spread = np.ldexp(data.repeat_rms, -std.scaling.y_exp) / scale
                hidden = np.ldexp(spread**2 * data.repeat_weight / unit, -std.w_exp)
                target = np.maximum(target - hidden, 0.0)
        target_m = np.broadcast_to(target, (rss.shape[1],))
        out = np.empty(rss.shape[1])
        for column in range(rss.shape[1]):
            out[column] = _meet_target(path, rss[:, column], column, float(target_m[column]))
        return out

    def _per_series(self, values: np.ndarray) -> Any:
        if not self.y_trailing_shape_:
            return float(values[0])
        return np.asarray(values).reshape(self.y_trailing_shape_)

    # ---- evaluation -------------------------------------------------------------------

    @property
    def spline_(self) -> BSpline:
        """The fitted curve in the user's units as one :class:`scipy.interpolate.BSpline`
        (a ValueError where its coefficients lie beyond the float64 range)."""
        from scipy.interpolate import BSpline

        self._check_is_fitted()
        scaling: Scaling = self.scaling_
        inner: BSpline = self.unit_spline_
        with np.errstate(over="ignore"):
            knots = np.ldexp(scaling.lo + scaling.span * inner.t, scaling.x_exp)
        if not np.isfinite(knots).all():
            raise ValueError(
                "the spline's knots, which continue k intervals past the samples, exceed the "
                "float64 range in the units of x; evaluate the interpolator itself (it works "
                "in internal units), or express x in larger units"
            )
        line = polynomial_bspline_coefficients(self.poly_, inner.t, inner.k)
        coef = scaling.to_user(line + scaling.resid * inner.c, 0)
        return BSpline(
            knots, coef.reshape((-1, *self.y_trailing_shape_)), inner.k, extrapolate=True
        )

    def _evaluate(self, x: np.ndarray, order: int) -> np.ndarray:
        scaling: Scaling = self.scaling_
        u = scaling.to_unit(x)
        inner = np.asarray(self.unit_spline_(u, nu=order)).reshape(x.size, -1)
        values = polynomial_values(self.poly_, u, order) + scaling.resid * inner
        return scaling.to_user(values, order)

    def _evaluate_std(self, x: np.ndarray, order: int) -> np.ndarray:
        from scipy.interpolate import BSpline

        scaling: Scaling = self.scaling_
        path = self.path_
        n_basis = path.vectors.shape[0]
        rows_of = BSpline(path.knots, np.eye(n_basis), path.k, extrapolate=True)
        if order:
            rows_of = rows_of.derivative(order)
        lam = np.atleast_1d(np.asarray(self.penalty_, dtype=float)).reshape(-1)
        u = scaling.to_unit(x)
        out = np.empty((x.size, self.n_outputs_))
        for begin in range(0, x.size, _STD_CHUNK):
            part = slice(begin, min(x.size, begin + _STD_CHUNK))
            rows = rows_of(u[part])
            for column in range(self.n_outputs_):
                spread = rows @ path.covariance_factor(float(lam[column]))
                # The standard error for unit noise, times the noise (in internal units).
                unit_std = np.sqrt(np.einsum("qj,qj->q", spread, spread))
                out[part, column] = unit_std * self.unit_noise_std_[column]
        return scaling.to_user(out, order, what="standard error")


def _rss_exponent(data: FitData, std: Standardised) -> np.ndarray:
    """Per series, a residual sum of squares in the user's units is ``2**-exponent`` times
    one in the internal units (times the mean weight and the series' residual scale
    squared)."""
    return -(data.weight_exp + std.w_exp + 2 * std.scaling.y_exp)


def _weighted_polynomial(u: np.ndarray, y: np.ndarray, w: np.ndarray, degree: int) -> np.ndarray:
    """Legendre coefficients in ``2u - 1`` (degree + 1, m) of the weighted least-squares
    polynomial on ``u`` in [0, 1]."""
    design = legendre.legvander(2.0 * u - 1.0, degree) * np.sqrt(w)[:, None]
    coef, *_ = np.linalg.lstsq(design, y * np.sqrt(w)[:, None], rcond=None)
    return coef


def _polynomial_coefficients(knots: np.ndarray, k: int, trend: np.ndarray) -> np.ndarray:
    """B-spline coefficients of the polynomial ``trend`` (Legendre in ``2u - 1``), exactly
    by Marsden's identity (the spline's helper)."""
    degree = trend.shape[0] - 1
    # P_j(2u - 1) in powers of u, one row per j.
    to_u = np.zeros((degree + 1, degree + 1))
    for j in range(degree + 1):
        series = Legendre.basis(j, domain=[0.0, 1.0]).convert(kind=Polynomial)
        to_u[j, : series.coef.size] = series.coef
    return polynomial_bspline_coefficients(to_u.T @ trend, knots, k)


def _meet_target(path: Path, rss: np.ndarray, column: int, target: float) -> float:
    """The lambda whose residual sum of squares is ``target`` (RSS grows with lambda)."""
    if target <= rss[0]:
        return float(LAMBDAS[0])
    if target >= rss[-1]:
        return float(LAMBDAS[-1])  # infinite: the unpenalised polynomial
    above = int(np.argmax(rss >= target))
    if not np.isfinite(LAMBDAS[above]):
        above -= 1  # between the largest finite lambda and the polynomial: take the former
        return float(LAMBDAS[above])
    low, high = np.log10(LAMBDAS[above - 1]), np.log10(LAMBDAS[above])
    for _ in range(_BISECTIONS):
        middle = 0.5 * (low + high)
        value = path.rss(np.array([10.0**middle]))[0, column]
        if value < target:
            low = middle
        else:
            high = middle
    return float(10.0 ** (0.5 * (low + high)))
