"""PyDelt's function-based interface: ``spline_interpolation``, ``derivative_based_interpolation``...

Each function fits one of pydelt_like's interpolators (or, for the derivative-based ones,
passes a cubic Hermite curve through the samples and the derivatives our families estimate
there) and returns a callable. The callables follow pydelt_like's evaluation rules: a float for
a scalar point, and points outside the fitted range raise unless ``extrapolate`` says otherwise
(PyDelt's extrapolate silently).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.interpolate import CubicHermiteSpline

from pydelt_like._validation import (
    FitData,
    check_eval_points,
    check_int,
    check_option,
    check_xy,
    shape_output,
)
from pydelt_like.interpolation._classes import NeuralNetworkInterpolator, SplineInterpolator

__all__ = [
    "HermiteInterpolant",
    "SegmentedLinear",
    "calculate_fit_quality",
    "derivative_based_interpolation",
    "fda_interpolation",
    "get_best_interpolation",
    "glla_interpolation",
    "gold_interpolation",
    "lla_interpolation",
    "local_segmented_linear",
    "loess_interpolation",
    "lowess_interpolation",
    "neural_network_interpolation",
    "resampler",
    "spline_interpolation",
]

DERIVATIVE_METHODS = ("lla", "glla", "gold", "fda")
BEST_METHODS = ("linear", "spline", "lowess", "loess", "lla", "glla", "gold", "fda")


def _families() -> Any:
    from pydelt_like.interpolation import _families

    return _families


class _Curve:
    """A fitted 1-D curve with pydelt_like's evaluation rules (range, NaN, shapes)."""

    def __init__(self, data: FitData, extrapolate: str) -> None:
        self.x_min_, self.x_max_ = data.x_range
        self.y_trailing_shape_ = data.y_trailing_shape
        self.extrapolate = extrapolate

    def _values(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, x: Any) -> Any:
        """Evaluate at ``x`` (scalar or array); a float for a scalar and 1-D signal."""
        points = check_eval_points(
            x, x_min=self.x_min_, x_max=self.x_max_, extrapolate=self.extrapolate
        )
        safe = points.evaluable(extrapolate=self.extrapolate, fill=self.x_min_)
        values = self._values(safe).reshape(safe.shape[0], -1)
        return shape_output(values, points, self.y_trailing_shape_, extrapolate=self.extrapolate)


class HermiteInterpolant(_Curve):
    """The cubic Hermite curve through samples with given derivatives (SciPy's spline).

    Attributes
    ----------
    spline_ : scipy.interpolate.CubicHermiteSpline
        The curve (its ``derivative(n)`` gives derivatives).
    """

    def __init__(self, data: FitData, derivative: np.ndarray, extrapolate: str) -> None:
        super().__init__(data, extrapolate)
        self.spline_ = CubicHermiteSpline(data.x, data.y, derivative.reshape(data.y.shape))

    def _values(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.spline_(x))


class SegmentedLinear(_Curve):
    """Least-squares lines on overlapping windows, blended where they overlap (PyDelt's rule)."""

    def __init__(
        self, data: FitData, window_size: int, force_continuous: bool, extrapolate: str
    ) -> None:
        super().__init__(data, extrapolate)
        x, y, n = data.x, data.y, data.x.size
        if window_size >= n:
            starts = [0]
            window_size = n
        else:
            starts = list(range(0, n - window_size + 1, max(1, window_size // 2)))
            if starts[-1] + window_size < n:
                starts.append(n - window_size)
        idx = np.asarray(starts)[:, None] + np.arange(window_size)  # (segments, window)
        # x and y divided by powers of two above their largest magnitudes (exact), so that
        # squares and sums of values near the float range's ends stay finite.
        self._x_exp = int(np.frexp(max(np.abs(x).max(), 1e-300))[1])
        self._y_exp = np.frexp(np.maximum(np.abs(y).max(axis=0), 1e-300))[1]
        xs, ys = np.ldexp(x[idx], -self._x_exp), np.ldexp(y[idx], -self._y_exp)
        self._x_mean = xs.mean(axis=1)
        self._y_mean = ys.mean(axis=1)
        xc = xs - self._x_mean[:, None]
        yc = ys - self._y_mean[:, None, :]
        sxx = (xc**2).sum(axis=1)[:, None]
        self._slope = np.einsum("sw,swm->sm", xc, yc) / sxx
        with np.errstate(over="ignore", under="ignore"):
            self.slope_ = np.ldexp(self._slope, self._y_exp - self._x_exp)
            self.intercept_ = np.ldexp(
                self._y_mean - self._slope * self._x_mean[:, None], self._y_exp
            )
        syy = (yc**2).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.r_squared_ = np.where(syy > 0, self._slope**2 * sxx / syy, 1.0)
        xs = x[idx]
        self.bounds_ = np.column_stack([xs[:, 0], xs[:, -1]])
        self.force_continuous = force_continuous

    def _values(self, x: np.ndarray) -> np.ndarray:
        a, b = self.bounds_[:, 0], self.bounds_[:, 1]
        inside = (x[:, None] >= a) & (x[:, None] <= b)  # (k, S)
        # Outside every segment (extrapolating): the nearest one.
        distance = np.minimum(np.abs(x[:, None] - a), np.abs(x[:, None] - b))
        none = ~inside.any(axis=1)
        inside[none, np.argmin(distance[none], axis=1)] = True
        # Each segment's line about its mean, in the scaled units, then scaled back.
        xu = np.ldexp(x, -self._x_exp)[:, None, None]
        inner = self._slope[None] * (xu - self._x_mean[None, :, None]) + self._y_mean[None]
        lines = inner  # (k, S, m), in units of 2**y_exp until the end
        if self.force_continuous:
            au, bu, xk = (np.ldexp(v, -self._x_exp) for v in (a, b, x))
            span = np.where(bu > au, bu - au, 1.0)
            w = 2 * np.minimum((xk[:, None] - au) / span, (bu - xk[:, None]) / span)
            w = np.where(inside, np.clip(w, 0, None), 0.0)
            single = inside.sum(axis=1) == 1
            flat = w.sum(axis=1) == 0
            w[single | flat] = inside[single | flat]
            w /= w.sum(axis=1, keepdims=True)
            return np.ldexp(np.einsum("ks,ksm->km", w, lines), self._y_exp)
        score = np.where(inside[:, :, None], self.r_squared_[None], -np.inf)
        best = np.argmax(score, axis=1)  # (k, m)
        return np.ldexp(np.take_along_axis(lines, best[:, None, :], axis=1)[:, 0, :], self._y_exp)


def _data(time: Any, signal: Any, method: str) -> FitData:
    return check_xy(time, signal, min_points=2, method_name=method)


def local_segmented_linear(
    time: Any,
    signal: Any,
    window_size: int = 5,
    force_continuous: bool = True,
    *,
    extrapolate: str = "raise",
) -> SegmentedLinear:
    """Interpolate with least-squares lines on overlapping windows of ``window_size`` samples.

    Windows start every ``window_size // 2`` samples; where two overlap, their lines are
    blended with weights falling to zero at each window's ends (``force_continuous=True``),
    or the line with the higher R^2 is used.

    Parameters
    ----------
    time, signal : array-like of shape (n,) and (n,) or (n, m)
        Samples (any order; repeated times are averaged).
    window_size : int, default=5
        Samples per window, at least 2.
    force_continuous : bool, default=True
        Blend overlapping lines (else take the best-fitting one).
    extrapolate : {'raise', 'nan', 'extrapolate'}, default='raise'
        Outside the samples' range; ``'extrapolate'`` continues the nearest line (PyDelt's
        behaviour).

    Returns
    -------
    SegmentedLinear
        A callable.
    """
    window = check_int(window_size, name="window_size", low=2)
    check_option(force_continuous, name="force_continuous", allowed=(True, False))
    return SegmentedLinear(
        _data(time, signal, "local_segmented_linear"), window, bool(force_continuous), extrapolate
    )


def spline_interpolation(
    time: Any, signal: Any, smoothing: float | None = None, k: int = 5, return_model: bool = False
) -> Any:
    """A fitted :class:`SplineInterpolator` (a callable); ``return_model`` returns it twice."""
    fitted = SplineInterpolator(smoothing, k).fit(time, signal)
    return (fitted, fitted) if return_model else fitted


def _smoothed(fitted: Any, time: Any) -> np.ndarray:
    x = np.sort(np.unique(np.asarray(time, dtype=np.float64)))
    values = np.asarray(fitted(x)).reshape(x.size, -1)
    return np.column_stack([x, values])


def lowess_interpolation(
    time: Any, signal: Any, frac: float = 0.3, it: int = 3, return_model: bool = False
) -> Any:
    """A fitted ``LowessInterpolator``; ``return_model`` adds the smoothed samples (x, fit)."""
    fitted = _families().LowessInterpolator(frac=frac, it=it).fit(time, signal)
    return (fitted, _smoothed(fitted, time)) if return_model else fitted


def loess_interpolation(
    time: Any,
    signal: Any,
    degree: int = 2,
    frac: float = 0.3,
    it: int = 3,
    return_model: bool = False,
) -> Any:
    """A fitted ``LoessInterpolator`` (local polynomials of ``degree``); see lowess."""
    fitted = _families().LoessInterpolator(degree=degree, frac=frac, it=it).fit(time, signal)
    return (fitted, _smoothed(fitted, time)) if return_model else fitted


def fda_interpolation(
    time: Any, signal: Any, smoothing: float | None = None, k: int = 3, return_model: bool = False
) -> Any:
    """A fitted ``FdaInterpolator``; ``return_model`` returns it twice (as PyDelt)."""
    fitted = _families().FdaInterpolator(smoothing=smoothing, k=k).fit(time, signal)
    return (fitted, fitted) if return_model else fitted


def calculate_fit_quality(
    time: Any, signal: Any, interpolation_func: Callable[[Any], Any]
) -> dict[str, float]:
    """R^2 and root-mean-square error of ``interpolation_func`` at the samples.

    Returns
    -------
    dict
        ``{'r_squared': ..., 'rmse': ...}``; R^2 is 0 for a constant signal (as PyDelt).
    """
    data = _data(time, signal, "calculate_fit_quality")
    predicted = np.asarray(interpolation_func(data.x), dtype=np.float64).reshape(data.y.shape)
    residual = float(((data.y - predicted) ** 2).sum())
    total = float(((data.y - data.y.mean(axis=0)) ** 2).sum())
    return {
        "r_squared": 1 - residual / total if total > 0 else 0.0,
        "rmse": float(np.sqrt(residual / data.y.size)),
    }


def _by_name(method: str, time: Any, signal: Any) -> Any:
    if method == "linear":
        return SplineInterpolator(0, 1).fit(time, signal)
    builders: dict[str, Callable[..., Any]] = {
        "spline": spline_interpolation,
        "lowess": lowess_interpolation,
        "loess": loess_interpolation,
        "lla": lla_interpolation,
        "glla": glla_interpolation,
        "gold": gold_interpolation,
        "fda": fda_interpolation,
    }
    return builders[method](time, signal)


def get_best_interpolation(
    time: Any,
    signal: Any,
    methods: Sequence[str] = BEST_METHODS,
    metric: str = "r_squared",
) -> tuple[Any, str, float]:
    """Fit each method and return the one that fits the samples best.

    Parameters
    ----------
    methods : sequence of str
        Among ``'linear'``, ``'spline'``, ``'lowess'``, ``'loess'``, ``'lla'``, ``'glla'``,
        ``'gold'``, ``'fda'``.
    metric : {'r_squared', 'rmse'}, default='r_squared'
        Higher R^2 or lower RMSE wins. Both measure the fit at the samples, so an
        interpolating method (``'linear'``) always wins; they say nothing of derivatives.

    Returns
    -------
    (callable, str, float)
        The fitted interpolator, its method's name and its score.

    Raises
    ------
    ValueError
        For an unknown method or metric, or when every method fails (a method that fails is
        reported with a ``RuntimeWarning`` and skipped, as PyDelt does).
    """
    check_option(metric, name="metric", allowed=("r_squared", "rmse"))
    for method in methods:
        check_option(method, name="method", allowed=BEST_METHODS)
    results: dict[str, tuple[Any, float]] = {}
    for method in methods:
        try:
            fitted = _by_name(method, time, signal)
        except (ValueError, TypeError, ImportError) as error:
            warnings.warn(f"{method} interpolation failed: {error}", RuntimeWarning, stacklevel=2)
            continue
        results[method] = (fitted, calculate_fit_quality(time, signal, fitted)[metric])
    if not results:
        raise ValueError(f"every method failed on these data: {list(methods)}")
    pick = max if metric == "r_squared" else min
    name = pick(results, key=lambda key: results[key][1])
    return results[name][0], name, results[name][1]


def resampler(method: str, x: np.ndarray, values: np.ndarray) -> Callable[[Any], Any]:
    """A curve through ``(x, values)`` by ``method``, defined everywhere (extrapolating)."""
    if method == "linear":
        return local_segmented_linear(x, values, extrapolate="extrapolate")
    if method == "spline":
        return SplineInterpolator(extrapolate="extrapolate").fit(x, values)
    if method == "best":
        return get_best_interpolation(x, values)[0]
    family = _families().LowessInterpolator if method == "lowess" else _families().LoessInterpolator
    return family(extrapolate="extrapolate").fit(x, values)


def _sample_derivatives(data: FitData, method: str, kwargs: dict[str, Any]) -> np.ndarray:
    """First derivatives at the (merged, sorted) samples by one of our families."""
    from pydelt_like import derivatives

    if method == "lla":
        return np.asarray(derivatives.lla(data.x, data.y, **kwargs)[0])
    families = _families()
    options = dict(kwargs)
    try:
        if method == "fda":
            fitted = families.FdaInterpolator(smoothing=options.pop("spar", None), **options)
        elif method == "glla":
            fitted = families.GllaInterpolator(
                embedding=options.pop("embedding", None), n=options.pop("n", None), **options
            )
        else:
            fitted = families.GoldInterpolator(
                window_size=options.pop("embedding", options.pop("window_size", None)),
                n=options.pop("n", None),
                **options,
            )
    except TypeError as error:
        raise TypeError(f"derivative_based_interpolation(method={method!r}): {error}") from None
    return np.asarray(fitted.fit(data.x, data.y).differentiate(1)(data.x))


def derivative_based_interpolation(
    time: Any, signal: Any, method: str = "lla", **kwargs: Any
) -> HermiteInterpolant:
    """The cubic Hermite curve through the samples with derivatives estimated by ``method``.

    Parameters
    ----------
    time, signal : array-like of shape (n,) and (n,) or (n, m)
        Samples (any order; repeated times are averaged).
    method : {'lla', 'glla', 'gold', 'fda'}, default='lla'
        Which family estimates the derivative at each sample.
    **kwargs
        Its parameters: ``window_size``, ``normalization``, ``zero_mean``, ``r2_threshold``,
        ``resample_method`` for LLA; ``embedding`` and ``n`` for GLLA and GOLD; ``spar`` for
        FDA.

    Returns
    -------
    HermiteInterpolant
        A callable through every sample.

    Raises
    ------
    ValueError
        For an unknown method or unusable data.
    """
    name = method.lower() if isinstance(method, str) else method
    check_option(name, name="method", allowed=DERIVATIVE_METHODS)
    data = _data(time, signal, "derivative_based_interpolation")
    derivative = _sample_derivatives(data, str(name), kwargs)
    return HermiteInterpolant(data, derivative, "raise")


def lla_interpolation(
    time: Any,
    signal: Any,
    window_size: int = 5,
    normalization: str = "min",
    zero_mean: bool = False,
    r2_threshold: float | None = None,
    resample_method: str | None = None,
) -> HermiteInterpolant:
    """Hermite interpolation with LLA derivatives (``derivative_based_interpolation``)."""
    return derivative_based_interpolation(
        time,
        signal,
        "lla",
        window_size=window_size,
        normalization=normalization,
        zero_mean=zero_mean,
        r2_threshold=r2_threshold,
        resample_method=resample_method,
    )


def glla_interpolation(
    time: Any,
    signal: Any,
    embedding: int = 3,
    n: int = 2,
    r2_threshold: float | None = None,
    resample_method: str | None = None,
) -> HermiteInterpolant:
    """Hermite interpolation with GLLA derivatives (thresholds are not used here)."""
    _unused_threshold(r2_threshold, resample_method, "glla_interpolation")
    return derivative_based_interpolation(time, signal, "glla", embedding=embedding, n=n)


def gold_interpolation(
    time: Any,
    signal: Any,
    window_size: int = 5,
    normalization: str = "min",
    zero_mean: bool = False,
    r2_threshold: float | None = None,
    resample_method: str | None = None,
) -> HermiteInterpolant:
    """Hermite interpolation with GOLD derivatives on windows of ``window_size`` samples."""
    _unused_threshold(r2_threshold, resample_method, "gold_interpolation")
    return derivative_based_interpolation(time, signal, "gold", window_size=window_size)


def _unused_threshold(r2_threshold: Any, resample_method: Any, what: str) -> None:
    if r2_threshold is not None or resample_method is not None:
        raise ValueError(
            f"{what} does not filter by R^2; call pydelt_like.derivatives with r2_threshold "
            "for filtered derivatives"
        )


def neural_network_interpolation(
    time: Any,
    signal: Any,
    framework: str = "pytorch",
    hidden_layers: Sequence[int] = (64, 32),
    epochs: int = 1000,
    holdout_fraction: float = 0.0,
    return_model: bool = False,
    **kwargs: Any,
) -> Any:
    """A fitted :class:`NeuralNetworkInterpolator` (a callable); ``return_model`` adds it.

    ``holdout_fraction > 0`` holds out that share of the samples for early stopping;
    ``**kwargs`` go to the network (``dropout``, ``n_members``, ``random_state``, ...).
    """
    if holdout_fraction:
        kwargs = {
            "early_stopping": "validation",
            "validation_fraction": holdout_fraction,
            **kwargs,
        }
    fitted = NeuralNetworkInterpolator(framework, hidden_layers, epochs, **kwargs).fit(time, signal)
    return (fitted, fitted) if return_model else fitted
