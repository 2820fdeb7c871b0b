"""What a fit of columns may add to the plain one: weights, a resolution, a log transform.

:class:`FitOptions` carries them from the front ends (the functions of this package, the command
line) to the core of ``_batches``, which applies them to every batch of columns:

- ``weights``: one weight per row (inverse variances up to a common factor), as the
  interpolators' ``fit(x, y, weights=)`` takes them;
- ``resolution``: the smoothing as a length of the time axis. The spline's smoothing is its
  number of uniform knot intervals, so a resolution ``r`` over a span ``T`` allows at most
  ``floor(T / r)`` of them (``max_knots``): no knot interval is shorter than ``r``, and the
  automatic choice may still take fewer. Such a spline cannot draw a cycle of period ``r``
  (a piecewise polynomial with one piece per period is no periodic function): at most about a
  sixth of its amplitude stays in the fit (a tenth of its rate), 1 % at period ``r / 2``,
  while cycles of period ``2 r`` or longer are followed in full (measured with
  least-squares splines at exactly ``floor(T / r)`` intervals; the automatic choice, which
  may take fewer, leaves less);
- ``log``: fit ``ln y`` (positive data spanning decades, such as a vapour pressure) and return
  the derivatives of ``y`` by the chain rule (:func:`exp_derivatives`).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array, check_option, check_real
from pydelt_like.base import BaseInterpolator
from pydelt_like.timeseries._units import TimeUnit, parse_time_unit

#: Values of an integer setting tried, below its current one, when looking for a setting that
#: fits a short series (k of the spline runs from 1 to 7: a handful covers every such choice).
_SETTING_TRIES = 8


def _say_python(name: str, value: Any) -> str:
    return f"{name}={value!r}"


@dataclass(frozen=True)
class FitOptions:
    """Extras of a fit of columns, applied to every batch (see the module's description).

    Attributes
    ----------
    weights : numpy.ndarray of shape (n,) or None
        One weight per row, finite and non-negative.
    resolution : float or None
        The shortest knot interval, in the units of the positions ``t``.
    log : bool
        Fit ``ln y`` and return the derivatives of ``y``.
    outliers : {'warn', 'omit', 'keep'}
        What to do with gross outliers (:func:`gross_outliers`): fit them and warn, leave
        them out of the fit (and warn), or fit them silently.
    rows : sequence or None
        How messages name each row's position (the index' labels, the times as written);
        default: ``row <number>``.
    say : callable
        How a message names a setting with a value, as the user would type it:
        ``k=3`` in Python, ``--param k=3`` on the command line.
    """

    weights: np.ndarray | None = None
    resolution: float | None = None
    log: bool = False
    outliers: str = "warn"
    rows: Sequence[Any] | None = None
    say: Callable[[str, Any], str] = _say_python


def check_outliers(outliers: Any) -> str:
    """The outliers option: 'warn', 'omit' or 'keep'."""
    return str(check_option(outliers, name="outliers", allowed=("warn", "omit", "keep")))


def check_weights(weights: Any, n: int, *, name: str = "weights") -> np.ndarray | None:
    """Weights as float64 of shape (n,): finite and non-negative, or a message naming the row."""
    if weights is None:
        return None
    array = as_float_array(weights, name=name)
    if array.shape != (n,):
        raise ValueError(f"{name} must have one value per row (shape ({n},)), got {array.shape}")
    bad = ~np.isfinite(array) | (array < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} has {int(bad.sum())} missing, infinite or negative values (first at row "
            f"{i}: {array[i]!r}); weights are inverse variances: give 0 to a row that should "
            "not count"
        )
    return array


def check_resolution(resolution: Any, *, name: str = "resolution") -> float | None:
    """A resolution given as a number: positive and finite."""
    if resolution is None:
        return None
    return float(check_real(resolution, name=name, low=0, low_inclusive=False))


def check_resolution_family(factory_params: Sequence[str], params: Any, method: Any) -> None:
    """A resolution needs a family whose smoothing is a knot count; never with max_knots."""
    if "max_knots" not in factory_params:
        raise ValueError(
            f"resolution sets the spline's knot spacing (max_knots), which method={method!r} "
            "does not have; use method='spline', or that family's own smoothing settings"
        )
    if params.get("max_knots") is not None:
        raise ValueError(
            "give resolution or max_knots, not both: a resolution r over a span T is "
            "max_knots = floor(T / r)"
        )


def knots_for(resolution: float, span: float) -> int:
    """The most knot intervals no shorter than ``resolution`` over ``span`` (at least one)."""
    # A hair of tolerance: 44 years of weekly data at a resolution of one year are 44
    # intervals, not 43 because the span came out one rounding error short.
    return max(1, math.floor(span / resolution * (1 + 1e-9)))


def too_few_hint(estimator: BaseInterpolator, n_valid: int, say: Callable[[str, Any], str]) -> str:
    """What to change when ``n_valid`` samples are too few for ``estimator``: a smaller integer
    setting that needs no more than ``n_valid`` (the spline's ``k``), or more samples."""
    params = estimator.get_params()
    for name, value in params.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 1:
            continue
        for smaller in range(int(value) - 1, max(0, int(value) - 1 - _SETTING_TRIES), -1):
            try:
                needs = type(estimator)(**{**params, name: smaller})._min_points()
            except (TypeError, ValueError):
                break
            if needs <= n_valid:
                return (
                    f"; pass {say(name, smaller)} (which needs {needs}), or give the series "
                    "more samples"
                )
    return "; give the series more samples"


def exp_derivatives(
    f: Sequence[np.ndarray], std: Sequence[np.ndarray] | None, order: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """The ``order``-th derivative of ``y = exp(f)`` from the derivatives of ``f`` (chain rule).

    ``d^n/dx^n exp(f) = exp(f) Y_n(f', ..., f^(n))`` with the complete Bell polynomials,
    ``Y_0 = 1`` and ``Y_{n+1} = sum_k C(n, k) Y_{n-k} f^(k+1)``. The standard error is the
    linearised one (delta method) with the errors of the orders of ``f`` taken as fully
    correlated, ``sum_j |d y^(n) / d f^(j)| std_j``: an upper bound, as the pointwise
    correlations between orders are not known.

    Parameters
    ----------
    f : sequence of arrays
        ``f, f', ..., f^(order)``, all of one shape.
    std : sequence of arrays or None
        Their standard errors.
    order : int
        The derivative order of ``y`` (at least 0).

    Returns
    -------
    tuple
        The derivative of ``y`` and its standard error (``None`` without ``std``).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([0.0, 1.0])
    >>> f = [2 * t, np.full(2, 2.0), np.zeros(2)]  # y = exp(2t)
    >>> value, _ = exp_derivatives(f, None, 2)
    >>> np.allclose(value, 4 * np.exp(2 * t))
    True
    """
    scale = np.exp(f[0])
    bell = [np.ones_like(f[0])]
    # grads[n][j] = d Y_n / d f^(j), j = 1..order (index 0 unused: f itself acts through scale).
    grads = [[np.zeros_like(f[0]) for _ in range(order + 1)]]
    for n in range(order):
        total = np.zeros_like(f[0])
        grad = [np.zeros_like(f[0]) for _ in range(order + 1)]
        for k in range(n + 1):
            c = math.comb(n, k)
            total = total + c * bell[n - k] * f[k + 1]
            grad[k + 1] = grad[k + 1] + c * bell[n - k]
            for j in range(1, order + 1):
                grad[j] = grad[j] + c * grads[n - k][j] * f[k + 1]
        bell.append(total)
        grads.append(grad)
    value = scale * bell[order]
    if std is None:
        return value, None
    error = np.abs(value) * std[0]
    for j in range(1, order + 1):
        error = error + scale * np.abs(grads[order][j]) * std[j]
    return value, error


def resolution_in_units(
    resolution: Any, time_unit: TimeUnit | None, *, name: str = "resolution"
) -> float | None:
    """A resolution in the units of the positions: a length of time (``'1year'``, a timedelta)
    on a time axis, divided by ``time_unit``; a number as it is (already in those units)."""
    if resolution is None:
        return None
    if isinstance(resolution, (str, datetime.timedelta, np.timedelta64)) or (
        type(resolution).__module__.startswith("pandas")
    ):
        if time_unit is None:
            raise ValueError(
                f"{name}={resolution!r} is a length of time, but the positions are numbers; "
                "give it as a number in their units"
            )
        return parse_time_unit(resolution, param=name).seconds / time_unit.seconds
    return check_resolution(resolution, name=name)


#: A sample is a gross outlier when it lies this many robust noise levels from the cubic through
#: its four neighbours (and as far from each of the nearest two): far beyond any noise (a
#: Gaussian's chance is below 1e-80), so what is flagged is a typo or a glitch, not a feature.
OUTLIER_LEVEL = 20.0
#: ... and further from it than this share of the data's 5-95 % range.
OUTLIER_SPREAD = 0.25


def gross_outliers(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Where the gross outliers are in series sampled at ``t`` (sorted): ``y`` of shape (n,)
    or (n, m), finite; a boolean mask of ``y``'s shape.

    A gross outlier lies ``OUTLIER_LEVEL`` robust noise levels from the cubic through its four
    neighbours (two on each side), and at least half as far from each of its two nearest
    neighbours (so a step between two levels is not one), and further from that cubic than ``OUTLIER_SPREAD``
    (a quarter) of the data's 5-95 % range; the noise level is the scaled median absolute
    deviation of that distance over the series (an outlier spoils its four neighbours'
    distances too, so a short series may hide one). The first and last two samples are never
    flagged, nor anything in a series of fewer than 9 samples.

    Examples
    --------
    >>> t = np.arange(30.0)
    >>> y = 37 + 0.3 * np.sin(t / 4) + 0.01 * np.cos(7 * t)
    >>> y[12] = 3.7  # 37.0 with the decimal point one digit early
    >>> np.flatnonzero(gross_outliers(t, y))
    array([12])
    >>> gross_outliers(t, np.r_[np.zeros(15), np.ones(15)]).any()  # a step is not an outlier
    np.False_
    """
    block = y.reshape(y.shape[0], -1)
    mask = np.zeros(block.shape, dtype=bool)
    n = block.shape[0]
    if n < 9:
        return mask.reshape(y.shape)
    centre = t[2:-2]
    nodes = [t[0 : n - 4], t[1 : n - 3], t[3 : n - 1], t[4:n]]
    prediction = np.zeros((n - 4, block.shape[1]))
    for k, (node, values) in enumerate(
        zip(nodes, (block[0 : n - 4], block[1 : n - 3], block[3 : n - 1], block[4:n]), strict=True)
    ):
        weight = np.ones(n - 4)
        for other in (nodes[j] for j in range(4) if j != k):
            weight = weight * (centre - other) / (node - other)
        prediction += weight[:, None] * values
    d = block[2:-2] - prediction
    d = d - np.median(d, axis=0)
    scale = 1.4826 * np.median(np.abs(d), axis=0)
    scale = np.maximum(scale, 1e-9 * np.max(np.abs(block), axis=0))
    scale = np.maximum(scale, np.finfo(float).tiny)
    far = np.abs(d) / scale
    # An outlier also pushes its neighbours' distances, but they stay near one of their own
    # neighbours, as does a sample at a step: an outlier is as far from both neighbours as
    # from the cubic.
    middle = block[2:-2]
    jumps = np.minimum(np.abs(middle - block[1:-3]), np.abs(middle - block[3:-1]))
    # Gross against the data too: off by a share of their own spread, which the curvature of
    # sparse, nearly noiseless samples or a coarsely rounded value never is.
    spread = np.subtract(*np.percentile(block, [95, 5], axis=0))
    big = np.abs(d) > OUTLIER_SPREAD * spread
    mask[2:-2] = (far > OUTLIER_LEVEL) & (jumps > 0.5 * np.abs(d)) & big
    return mask.reshape(y.shape)
