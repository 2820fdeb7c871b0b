"""SplineInterpolator: smoothing splines with automatic smoothing and closed-form derivatives.

The automatic fit is a least-squares B-spline of degree ``k`` on uniform knots, where the
*amount of smoothing* is the number of knot intervals (chosen in ``_selection``). A regression
spline with few knots does not shrink the signal towards a polynomial the way a roughness
penalty does, which is what keeps derivative estimates unbiased; averaging over neighbouring
knot counts removes the jumpiness of a hard choice. The fit works in internal units
(``_scaling``), so the same data give the same answer at any offset and scale of x and y.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from typing import Any

import numpy as np
from scipy.interpolate import BSpline, make_interp_spline

from pydelt_like._stats import difference_noise_variance
from pydelt_like._validation import (
    FitData,
    as_float_array,
    check_eval_points,
    check_int,
    check_option,
    check_real,
)
from pydelt_like.base import BaseInterpolator
from pydelt_like.spline._kernels import fit_batch, merge
from pydelt_like.spline._posterior import Posterior
from pydelt_like.spline._scaling import (
    Scaling,
    Standardised,
    polynomial_bspline_coefficients,
    polynomial_values,
    standardise,
)
from pydelt_like.spline._selection import Selection, select_knots
from pydelt_like.spline._weights import (
    WeightCheck,
    check_weights_against_residuals,
    rounding_to_claimed_variance,
)
from pydelt_like.spline._wild import past_wild_candidates, without_wild_candidates

__all__ = ["SplineInterpolator"]

#: The highest antiderivative order: each one raises the degree by one, and a B-spline of
#: degree beyond ~30 is numerically meaningless anyway.
MAX_ANTIDERIVATIVE_ORDER = 20
#: A sample whose y is rounded more coarsely than its weight allows -- rounding variance over
#: claimed variance above this (3x in standard deviation) -- is a broken promise.
_ROUNDING_RATIO = 9.0
#: Residuals within this many ulps of the largest value are the values' own rounding.
_ROUNDING_ONLY = 1e3
#: A fit whose noise is below this fraction of the data's spread has no noise at all.
_EXACT_FIT = 1e-10
#: An interpolant whose coefficients exceed the data's range this many times swings far
#: beyond the data between samples (nearly coincident x): no one's idea of a curve through
#: the samples.
_INTERPOLANT_GROWTH = 1e3


class SplineInterpolator(BaseInterpolator):
    """Smoothing spline whose derivatives of every order come in closed form.

    Parameters
    ----------
    smoothing : 'auto' or float, default='auto'
        How much to smooth.

        - ``'auto'``: chosen from the data alone (the noise level is not needed).
          Least-squares splines on uniform knots are fitted for every candidate
          number of knot intervals, scored with an information criterion
          (``n log(RSS / n) + 4 p``), and averaged with weights
          ``exp(-criterion / 2)``. ``noise_std_`` reports the noise it implies, and
          ``return_std=True`` the posterior of the average plus a bias estimate (see the
          documentation of uncertainty bands). Signals that need thousands of knots (a daily
          cycle in years of hourly data) are resolved at any sample size.
        - ``0``: exact interpolation through every sample (repeated x values are an error,
          and so are x values so close that no well-behaved interpolant passes through them).
        - a positive number ``s``: the residual target of SciPy's
          ``UnivariateSpline``: the fewest uniform knot intervals whose weighted
          residual sum of squares is at most ``s``. With a known noise level
          ``sigma``, ``s = n * sigma**2`` is the usual choice. Its uncertainty band
          (``return_std``) ignores which knot count the noise happened to select and comes
          out about half as wide as it should; prefer ``'auto'`` when the band matters.
    k : int, default=5
        Degree of the spline, 1 to 7. Derivatives up to order ``k`` are available.
        The quintic default gives accurate first and second derivatives.
    max_knots : int or None, default=None
        Upper bound on the number of knot intervals tried by ``'auto'`` or a
        numeric smoothing. ``None`` allows up to ``n_samples - k - 1``.
    nan_policy : {'raise', 'omit'}, default='raise'
        What to do with NaN or infinite samples: raise an error or drop them.
    extrapolate : {'raise', 'nan', 'extrapolate'}, default='raise'
        What evaluation outside the fitted range ``[x_min_, x_max_]`` does: raise
        an error, return NaN there, or continue the end polynomials.

    Attributes
    ----------
    x_min_, x_max_ : float
        The fitted range.
    n_samples_ : int
        Number of distinct samples used (after dropping and merging repeats).
    n_outputs_ : int
        Number of series fitted (columns of the flattened ``y``).
    samples_ : tuple of ndarray
        ``(x, y)``: the sorted samples the fit used (after dropping and merging repeats), which
        :func:`pydelt_like.plot.plot_derivatives` draws. Not kept by derivatives of a fit.
    spline_ : scipy.interpolate.BSpline
        The fitted curve in the user's units, as one SciPy spline (built on first access; for
        data near the limits of float64 it may over- or underflow where the fit itself does
        not). Evaluation uses the fit's internal form: ``unit_spline_`` and ``poly_`` in the
        units of ``scaling_``.
    noise_std_ : float or ndarray
        Estimated standard deviation of the noise of a sample of average weight: a float
        for 1-D ``y``, else an array of ``y``'s trailing shape (one per series).
    n_knots_ : int or ndarray of int
        The knot-interval count with the largest weight, shaped like ``noise_std_``.
        With ``smoothing=0``, the number of knot intervals of the interpolating spline;
        ``max_knots`` does not apply there.
    derivative_order_ : int
        0 for a fit; ``n`` for an object returned by ``differentiate(n)``; ``-n`` for
        one returned by ``antiderivative(n)``.

    Notes
    -----
    Weights are inverse variances known up to a common factor, which the fit estimates from
    its residuals (``noise_std_``). After the fit, the standardised residuals are checked
    against that promise: a region whose residuals are several times larger than its
    weights allow gets a ``RuntimeWarning`` naming it, and the uncertainty band there is
    widened by the ratio found (see the documentation of uncertainty bands).

    Examples
    --------
    >>> import numpy as np
    >>> from pydelt_like import SplineInterpolator
    >>> x = np.linspace(0, 2 * np.pi, 200)
    >>> spline = SplineInterpolator().fit(x, np.sin(x))
    >>> round(spline.differentiate(order=1)(0.0), 6)
    1.0
    >>> round(spline.integrate(0, np.pi), 6)
    2.0
    """

    def __init__(
        self,
        *,
        smoothing: str | float = "auto",
        k: int = 5,
        max_knots: int | None = None,
        nan_policy: str = "raise",
        extrapolate: str = "raise",
    ) -> None:
        self.smoothing = smoothing
        self.k = k
        self.max_knots = max_knots
        self.nan_policy = nan_policy
        self.extrapolate = extrapolate

    # ---- hooks of the base contract -------------------------------------------------

    def _validate_params(self) -> None:
        check_int(self.k, name="k", low=1, high=7, hint="5 (quintic) is the default")
        if isinstance(self.smoothing, str):
            check_option(self.smoothing, name="smoothing", allowed=("auto",))
        else:
            try:
                check_real(self.smoothing, name="smoothing", low=0)
            except TypeError:
                raise TypeError(
                    f"smoothing must be 'auto' or a non-negative number, got {self.smoothing!r}"
                ) from None
        check_int(self.max_knots, name="max_knots", low=1, allow_none=True)

    def _is_interpolating(self) -> bool:
        return not isinstance(self.smoothing, str) and self.smoothing == 0

    def _min_points(self) -> int:
        return self.k + 1 if self._is_interpolating() else self.k + 2

    def _min_points_hint(self) -> str:
        extra = 1 if self._is_interpolating() else 2
        fewer = [f"k={k} needs {k + extra}" for k in (3, 1) if k < int(self.k)]
        return f"a lower degree needs fewer ({', '.join(fewer)})" if fewer else ""

    def _duplicates_policy(self) -> str:
        return "raise" if self._is_interpolating() else "average"

    def _max_order(self) -> int | None:
        return self.degree_ if hasattr(self, "degree_") else self.k

    def _order_hint(self) -> str:
        return "a spline of degree k has derivatives up to order k; raise k for higher orders"

    # ---- fitting --------------------------------------------------------------------

    def _fit(self, data: FitData) -> None:
        k = int(self.k)
        self.derivative_order_ = 0
        self.degree_ = k
        positive = data.weights > 0
        n_eff = int(np.count_nonzero(positive))
        if n_eff < self._min_points():
            raise ValueError(
                f"only {n_eff} samples have a positive weight; {type(self).__name__} with k={k} "
                f"needs at least {self._min_points()}; give more samples a positive weight"
            )
        std = standardise(data.x[positive], data.y[positive], data.weights[positive])
        self.scaling_ = std.scaling
        self.poly_ = std.line
        if self._is_interpolating():
            self._interpolate(std)
            return
        try:
            selection = self._select(std, data, n_eff)
            if self._interpolates_instead(std, selection):
                return
            self._warn_unmet(selection)
            self._average(std, data, selection, n_eff)
            if data.weights_given:
                corrected = self._respect_rounding(std, data.y[positive])
                if corrected is not None:  # one series: refit with the weights it allows
                    selection = self._select(corrected, data, n_eff)
                    self._warn_unmet(selection)
                    self._average(corrected, data, selection, n_eff)
        except FloatingPointError:
            ratio = float(data.weights.max() / data.weights[positive].min())
            raise ValueError(
                "the spline's normal equations could not be solved; the positive weights span "
                f"a ratio of {ratio:.3g}: give samples that should not count zero weight, and "
                "keep the others within about 1e12 of each other"
            ) from None

    def _interpolate(self, std: Standardised) -> None:
        k = int(self.k)
        gaps = np.diff(std.u)
        if not (gaps > 0).all():  # distinct x that coincide once mapped onto [0, 1]
            i = int(np.argmin(gaps))
            raise ValueError(self._too_close(std, i, "coincide at the resolution of float64"))
        try:
            with np.errstate(all="ignore"):
                spline = make_interp_spline(std.u, std.z, k=k, axis=0)
                growth = np.abs(spline.c).max(axis=0) / np.maximum(
                    np.abs(std.z).max(axis=0), 1e-300
                )
        except (ValueError, np.linalg.LinAlgError):
            # Gaps so unequal that the collocation system overflows or is singular: the
            # same trouble as a swing, beyond the point where it can be measured.
            growth = np.array([np.inf])
        if not growth.max() <= _INTERPOLANT_GROWTH:
            # The coefficients bound the curve: a large one is a swing far beyond the data,
            # forced by samples much closer together than the others.
            i = int(np.argmin(gaps))
            raise ValueError(
                self._too_close(
                    std,
                    i,
                    f"are so much closer together than the other samples that the degree-{k} "
                    + (
                        f"interpolant would swing up to {growth.max():.2g} times the data's "
                        "range between samples"
                        if np.isfinite(growth.max())
                        else "interpolant overflows float64 between samples"
                    ),
                )
            )
        spline.extrapolate = True
        self.unit_spline_ = spline
        m = std.z.shape[1]
        self.n_knots_ = self._as_output(np.full(m, spline.t.size - 2 * k - 1))
        self.noise_std_ = self._as_output(np.zeros(m))

    @staticmethod
    def _too_close(std: Standardised, i: int, why: str) -> str:
        return (
            f"x values {float(std.x[i])!r} and {float(std.x[i + 1])!r} {why}; an exact "
            "interpolation (smoothing=0) cannot use them: merge or drop one, use "
            "smoothing='auto', or lower k"
        )

    def _select(self, std: Standardised, data: FitData, n_eff: int) -> Selection:
        k = int(self.k)
        max_intervals = max(1, n_eff - k - 1)
        if self.max_knots is not None:
            max_intervals = min(max_intervals, int(self.max_knots))
        target = None
        if not isinstance(self.smoothing, str):
            # A numeric smoothing is a residual sum of squares in the user's units.
            exponent = -(data.weight_exp + std.w_exp + 2 * std.scaling.y_exp)
            with np.errstate(over="ignore", divide="ignore"):
                target = np.ldexp(float(self.smoothing) / std.scaling.resid**2, exponent)
        noise_var = difference_noise_variance(std.u, std.z, std.w, per_unit_weight=True)
        selection = select_knots(
            std.u, std.z, std.w, k=k, max_intervals=max_intervals, noise_var=noise_var,
            target=target,
        )  # fmt: skip
        return selection

    def _interpolates_instead(self, std: Standardised, selection: Selection) -> bool:
        """Meet a residual target no least-squares fit reached with the interpolant.

        Knots in gaps of the sampling are tied to their neighbours, so on gapped data even the
        most knots can leave residuals above a small ``smoothing``; the interpolant (residual
        zero) meets it, as SciPy's ``UnivariateSpline`` does. Not when ``max_knots`` caps the
        knots on purpose, nor for a batch some of whose series met the target.
        """
        if self.max_knots is not None or not selection.unmet.all():
            return False
        try:
            self._interpolate(std)
        except ValueError:  # samples too close together for an interpolant: the closest fit
            return False
        return True

    @staticmethod
    def _warn_unmet(selection: Selection) -> None:
        if selection.unmet.any():
            warnings.warn(
                f"no spline with at most {selection.tried} knot intervals reaches the residual "
                "sum of squares set by smoothing; using the closest fit. Raise max_knots (or "
                "smoothing).",
                RuntimeWarning,
                stacklevel=5,
            )

    def _average(self, std: Standardised, data: FitData, sel: Selection, n_eff: int) -> None:
        """Merge the weighted candidates into the fit; estimate the noise; set up the band."""
        k = int(self.k)
        coefs: list[np.ndarray | None] = []
        refit = [
            int(c)
            for c, p in zip(sel.counts, sel.weights, strict=True)
            if sel.coefficients is None and p.max() > 0
        ]
        fitted = {}
        if refit:  # selected on bins: the fit's own candidates are fitted on all the data
            batch = fit_batch(std.u, std.z, std.w, 0.0, 1.0, k, np.array(refit))
            fitted = {c: batch.coefficients(j) for j, c in enumerate(refit)}
        for count in sel.counts:
            if sel.coefficients is not None:
                coefs.append(sel.coefficients[int(count)])
            else:
                coefs.append(fitted.get(int(count)))  # band-only candidates: fitted lazily
        sel, stuck = without_wild_candidates(std.z, sel, coefs, k)
        if stuck.any():
            limit = max(1, n_eff - k - 1)
            if self.max_knots is not None:
                limit = min(limit, int(self.max_knots))
            sel, coefs = past_wild_candidates(std, sel, coefs, stuck, k, limit)
        self.unit_spline_ = merge(
            [
                (int(count), coef * p)
                for count, coef, p in zip(sel.counts, coefs, sel.weights, strict=True)
                if p.max() > 0 and coef is not None
            ],
            0.0,
            1.0,
            k,
        )
        self.n_knots_ = self._as_output(sel.counts[sel.weights.argmax(axis=0)])

        # Noise: residuals of the fit pooled with the scatter of merged repeated x values, per
        # unit weight in internal units, then for a sample of average weight in user units.
        resid = std.z - self.unit_spline_(std.u)
        rss = np.einsum("i,ij->j", std.w, resid**2)
        dof = n_eff - sel.weights.T @ (sel.counts + k)
        if data.repeat_rms is not None:
            spread = np.ldexp(data.repeat_rms, -std.scaling.y_exp) / std.scaling.resid
            rss = rss + spread**2 * np.ldexp(data.repeat_weight, -std.w_exp)
            dof = dof + data.repeat_dof
        n_original = n_eff + data.repeat_dof
        unit = np.where(dof > 0, rss / np.maximum(dof, 1.0), 0.0)
        # Residuals at the rounding of the values themselves (an exact line) say nothing about
        # the weights: such series are not checked.
        top = np.ldexp(np.abs(data.y).max(axis=0), -std.scaling.y_exp) / std.scaling.resid
        rounding_only = unit * std.w.mean() <= (_ROUNDING_ONLY * np.finfo(float).eps * top) ** 2
        self.weight_check_ = check_weights_against_residuals(
            std.u,
            resid,
            std.w,
            np.where(rounding_only, 0.0, unit),
            given=data.weights_given,
            x=data.x[data.weights > 0],
        )
        noise = np.sqrt(unit * n_original / std.w.sum()) * std.scaling.resid
        self.noise_std_ = self._as_output(np.ldexp(noise, std.scaling.y_exp))
        self.posterior_ = Posterior(
            std.u, std.z, std.w, k, sel.counts, coefs, sel.weights, sel.band, unit
        )

    def _respect_rounding(self, std: Standardised, y: np.ndarray) -> Standardised | None:
        """Lower the weights of samples whose y is rounded more coarsely than they claim.

        A sample's variance is never below the rounding of the value as written (a uniform
        error of one unit in its last digit: quantum**2 / 12). Where the weights claim far less
        (more than _ROUNDING_RATIO times, in variance), warn; for one series return the data
        with weights ``w / (1 + ratio)`` to refit, for several widen their bands instead.
        """
        unit = self.posterior_.unit_var
        # Residuals at rounding level: the data are exact (integers on a line, say) and show no
        # noise from their digits at all.
        scale = np.einsum("i,ij,ij->j", std.w, std.z, std.z) / std.w.sum()
        exact = unit * std.w.mean() <= _EXACT_FIT**2 * np.maximum(scale, np.finfo(float).tiny)
        ratio = np.where(exact, 0.0, rounding_to_claimed_variance(y, std, unit))
        bad = ratio > _ROUNDING_RATIO
        if not bad.any():
            return None
        m = y.shape[1]
        for j in np.flatnonzero(bad.any(axis=0)):
            where = np.flatnonzero(bad[:, j])
            series = f" (series {j})" if m > 1 else ""
            action = (
                "their weights are lowered to what the rounding allows and the fit is repeated"
                if m == 1
                else "the uncertainty band is widened there"
            )
            warnings.warn(
                f"y values at x in [{std.x[where[0]]:.6g}, {std.x[where[-1]]:.6g}]{series} are "
                f"written with so few digits that their rounding is up to "
                f"{np.sqrt(ratio[where, j].max()):.3g} times the standard deviation their "
                f"weights allow ({where.size} samples); {action}. Weights are read as inverse "
                "variances known up to a common factor, never below the rounding of y",
                RuntimeWarning,
                stacklevel=5,
            )
        if m > 1:
            self.rounding_check_ = WeightCheck(std.u, 1.0 + ratio, np.asarray(bad.any(axis=0)))
            return None
        w = std.w / (1.0 + ratio[:, 0])
        shift = int(np.frexp(w.max())[1])
        return dataclasses.replace(std, w=np.ldexp(w, -shift), w_exp=std.w_exp + shift)

    def _as_output(self, values: np.ndarray) -> Any:
        """One value per series: a scalar for 1-D y, else an array of y's trailing shape."""
        if self.y_trailing_shape_ == ():
            return values[0].item()
        return values.reshape(self.y_trailing_shape_)

    # ---- evaluation -----------------------------------------------------------------

    def _internal(self, u: np.ndarray, order: int) -> np.ndarray:
        """Values (N, m) at internal points ``u``, in units of 2**y_exp."""
        scaling: Scaling = self.scaling_
        spline_part = self.unit_spline_(u, nu=order) if order >= 0 else None
        if spline_part is None:
            spline_part = self.unit_spline_.antiderivative(-order)(u)
        values = polynomial_values(self.poly_, u, order) + scaling.resid * spline_part
        return values.reshape(u.size, -1)

    def _evaluate(self, x: np.ndarray, order: int) -> np.ndarray:
        u = self.scaling_.to_unit(x)
        values = self._internal(u, order)
        return self.scaling_.to_user(values, self.derivative_order_ + order)

    def _evaluate_std(self, x: np.ndarray, order: int) -> np.ndarray:
        total = self.derivative_order_ + order
        if total < 0:
            raise ValueError(
                "uncertainty bands are given for the fit and its derivatives, not for "
                "antiderivatives"
            )
        posterior = getattr(self, "posterior_", None)
        if posterior is None:
            raise ValueError(
                "smoothing=0 interpolates the data exactly: there is no noise model, so no "
                "uncertainty band; fit with smoothing='auto' (or a number) for return_std"
            )
        u = self.scaling_.to_unit(x)
        variance = np.maximum(posterior.variance(total)(u), 0.0)
        for name in ("weight_check_", "rounding_check_"):
            check = getattr(self, name, None)
            if check is not None:
                variance = variance * check.inflation(u)
        std = np.sqrt(variance) * self.scaling_.resid
        return self.scaling_.to_user(std, total, what="standard error")

    def _with_parts(self, spline: BSpline, poly: np.ndarray, order_change: int) -> Any:
        new = copy.copy(self)
        new.unit_spline_ = spline
        new.poly_ = poly
        new.derivative_order_ = self.derivative_order_ + order_change
        new.degree_ = self.degree_ - order_change
        vars(new).pop("spline_cache_", None)
        if order_change:
            vars(new).pop("samples_", None)  # samples of the function, not of its derivative
        return new

    @property
    def spline_(self) -> BSpline:
        """The fitted curve in the user's units as one :class:`scipy.interpolate.BSpline`."""
        self._check_is_fitted()
        cached = vars(self).get("spline_cache_")
        if cached is None:
            cached = self._user_bspline()
            vars(self)["spline_cache_"] = cached
        return cached

    def _user_bspline(self) -> BSpline:
        scaling: Scaling = self.scaling_
        inner: BSpline = self.unit_spline_
        knots = np.ldexp(scaling.lo + scaling.span * inner.t, scaling.x_exp)
        poly_coef = polynomial_bspline_coefficients(self.poly_, inner.t, inner.k)
        coef = scaling.to_user(poly_coef + scaling.resid * inner.c, self.derivative_order_)
        return BSpline(knots, coef, inner.k, extrapolate=True)

    def differentiate(self, order: int = 1) -> SplineInterpolator:
        """Return the ``order``-th derivative as a fitted spline.

        Parameters
        ----------
        order : int, default=1
            Derivative order, from 0 up to the spline's degree (``k`` for a fit).
            ``0`` returns the fit itself.

        Returns
        -------
        SplineInterpolator
            A fitted object with the same evaluation rules: call it, differentiate
            it again, integrate it.

        Raises
        ------
        NotFittedError
            If ``fit`` has not been called.
        ValueError, TypeError
            If ``order`` is negative, not an integer, or above the degree.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.linspace(0, 1, 50)
        >>> d2 = SplineInterpolator(smoothing=0).fit(x, x**3).differentiate(2)
        >>> round(d2(0.5), 8)
        3.0
        """
        order = self._check_order(order)
        if order == 0:
            return self
        poly = np.polynomial.polynomial.polyder(self.poly_, order, axis=0)
        return self._with_parts(self.unit_spline_.derivative(order), poly, order)

    def antiderivative(self, order: int = 1) -> SplineInterpolator:
        """Return the ``order``-th antiderivative, zero at ``x_min_``, as a fitted spline.

        Parameters
        ----------
        order : int, default=1
            How many times to integrate, from 1 to 20 (each time raises the degree by one).

        Returns
        -------
        SplineInterpolator
            A fitted spline of degree raised by ``order``.

        Raises
        ------
        NotFittedError
            If ``fit`` has not been called.
        TypeError
            If ``order`` is not an integer.
        ValueError
            If ``order`` is below 1 or above 20.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.linspace(0, 2, 40)
        >>> F = SplineInterpolator(smoothing=0).fit(x, 3 * x**2).antiderivative()
        >>> round(F(2.0), 8)
        8.0
        """
        self._check_is_fitted()
        order = int(
            check_int(
                order,
                name="order",
                low=1,
                high=MAX_ANTIDERIVATIVE_ORDER,
                hint="each antiderivative raises the spline's degree by one",
            )
        )
        spline = self.unit_spline_
        for _ in range(order):
            spline = spline.antiderivative()
            # B-splines sum to one: lowering every coefficient by the value at u = 0 makes
            # each antiderivative (and so each lower one) start at zero there.
            spline.c -= spline(0.0)
        poly = np.polynomial.polynomial.polyint(self.poly_, order, axis=0)
        return self._with_parts(spline, poly, -order)

    def integrate(self, a: float, b: float) -> float | np.ndarray:
        """Definite integral of the fitted curve from ``a`` to ``b``.

        Parameters
        ----------
        a, b : float
            Limits of integration; both must lie in the fitted range unless
            ``extrapolate='extrapolate'``.

        Returns
        -------
        float or ndarray
            The integral (one value per series for a batch fit).

        Raises
        ------
        ValueError
            If a limit is not finite, lies outside the fitted range (with
            ``extrapolate='raise'``), or the integral exceeds the float64 range.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.linspace(0, np.pi, 100)
        >>> round(SplineInterpolator(smoothing=0).fit(x, np.sin(x)).integrate(0, np.pi), 8)
        2.0
        """
        self._check_is_fitted()
        points = check_eval_points(
            as_float_array([a, b], name="integration limits"),
            x_min=self.x_min_,
            x_max=self.x_max_,
            extrapolate=self.extrapolate,
        )
        if points.nan_mask.any():
            raise ValueError(f"integration limits must be finite numbers, got a={a!r}, b={b!r}")
        if self.extrapolate == "nan" and points.outside.any():
            return self._as_output(np.full(self.n_outputs_, np.nan))
        u = self.scaling_.to_unit(points.x_flat)
        ends = self._internal(u, -1)
        total = self.scaling_.to_user(
            (ends[1] - ends[0])[None, :], self.derivative_order_ - 1, what="integral"
        )
        return self._as_output(total[0])
