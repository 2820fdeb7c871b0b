"""Cumulative integrals of time series: rates back to totals, with a band, the inverse of
:func:`differentiate`.

Each column is fitted as :func:`differentiate` fits it (columns sharing their gaps together),
and the fit is integrated from the column's first valid sample: in closed form where the family
has an antiderivative (the spline), else by Gauss-Legendre quadrature between rows. The standard
error comes from a parametric bootstrap: the fit plus fresh noise of the estimated level
(``noise_std_``), refitted ``n_draws`` times as one batch, and integrated alike.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from pydelt_like._validation import check_int
from pydelt_like.base import BaseInterpolator, _check_flag
from pydelt_like.timeseries._batches import (
    ColumnDerivatives,
    _column_groups,
    _factory,
    _screen_outliers,
)
from pydelt_like.timeseries._labelled import is_labelled, read_labelled
from pydelt_like.timeseries._options import (
    FitOptions,
    check_outliers,
    knots_for,
    resolution_in_units,
    too_few_hint,
)

__all__ = ["integrate"]

#: Bootstrap draws at most: the Monte Carlo error of a standard error is about
#: 1 / sqrt(2 n_draws) of it (7 % at the default 100, 0.7 % at 10,000), and each draw is a
#: column of one batch fit, so more would buy nothing but memory and time.
MAX_DRAWS = 10_000
#: Gauss-Legendre points per interval between rows, for families without an antiderivative:
#: exact for polynomials of degree 15, far below the error of any fit on a smooth curve.
_QUADRATURE_POINTS = 8


def integrate(
    data: Any,
    method: Any = "spline",
    unit: Any = None,
    *,
    dim: Hashable | None = None,
    datetime_unit: Any = None,
    return_std: bool = False,
    resolution: Any = None,
    n_draws: int = 100,
    random_state: int = 0,
    outliers: str = "warn",
    **params: Any,
) -> Any:
    """Cumulative integral of a pandas Series/DataFrame or an xarray DataArray along time.

    The inverse of :func:`differentiate`: a rate in mm/h integrated over hours gives the
    total in mm since the first sample; ``differentiate(integrate(s))`` gives back the fit of
    ``s``. Each column is fitted (gaps bridged, as :func:`differentiate` does) and its fit is
    integrated from the column's first valid sample, where the result is 0.

    Parameters
    ----------
    data : pandas.Series, pandas.DataFrame or xarray.DataArray
        As for :func:`differentiate` (time or numeric index, NaN gaps); in memory.
    method : str or BaseInterpolator, default='spline'
        A registered family or an unfitted interpolator, as for :func:`differentiate`.
    unit : str or timedelta, optional
        For a time index, the time unit integrated over (``'h'``: a rate per hour gives a
        total); the table of :func:`differentiate`. ``None`` for numbers, or seconds.
    dim, datetime_unit : optional
        DataArray only, as for :func:`differentiate`.
    return_std : bool, default=False
        Also return the standard errors, as a second object like the first. They come from a
        parametric bootstrap: ``n_draws`` copies of the fit with fresh Gaussian noise of the
        level the fit estimated (``noise_std_``) are refitted (as one batch) and integrated;
        their spread is the standard error. It includes the noise and the choice of smoothing,
        not the bias that smoothing leaves (small for an integral, which averages it out).
    resolution : str, timedelta or float, optional
        The smoothing as a time scale, as for :func:`differentiate`.
    n_draws : int, default=100
        Bootstrap draws for ``return_std``, 10 to ``MAX_DRAWS`` (10,000); the standard error
        is itself uncertain by about ``1 / sqrt(2 n_draws)`` (7 % at 100). Each draw is a
        refit: the cost grows with ``n_draws`` times the columns.
    random_state : int, default=0
        Seed of the bootstrap's noise (a local generator: the global state is left alone).
    outliers : {'warn', 'omit', 'keep'}, default='warn'
        Gross outliers (a typo, a glitch), as for :func:`differentiate`.
    **params
        Settings of the family, e.g. ``k=3``; defaults ``nan_policy='omit'``,
        ``extrapolate='nan'``.

    Returns
    -------
    pandas.Series, pandas.DataFrame or xarray.DataArray
        The cumulative integral on the input's index, NaN before a column's first and after its
        last valid value; a Series or DataArray named ``'∫ rain dt'`` with ``attrs`` giving the
        unit (``'mm'`` for ``'mm/h'`` over hours) when the input's ``attrs['units']`` gives
        the data's (as for :func:`differentiate`). With ``return_std=True``, ``(integral,
        std)``.

    Raises
    ------
    TypeError
        For input that is not labelled pandas or xarray data, or a bad setting's type.
    ValueError
        As for :func:`differentiate`, and for ``n_draws`` out of range.
    NotImplementedError
        For ``return_std=True`` with a family that gives no uncertainty bands or no noise
        estimate.

    See Also
    --------
    differentiate : the derivative of the same fit.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> hours = pd.date_range("2024-06-01", periods=49, freq="h")
    >>> rain = pd.Series(2.0 + np.zeros(49), index=hours, name="rain")  # 2 mm per hour
    >>> rain.attrs["units"] = "mm/h"
    >>> total = integrate(rain, unit="h")
    >>> round(float(total.iloc[-1]), 6), total.name, total.attrs["units"]
    (96.0, '∫ rain dt', 'mm')
    """
    if not is_labelled(data):
        raise TypeError(
            f"integrate takes a pandas Series or DataFrame or an xarray DataArray, got "
            f"{type(data).__name__}; wrap NumPy arrays in a Series first, "
            "pd.Series(y, index=x)"
        )
    return_std = _check_flag(return_std, "return_std")
    draws = int(check_int(n_draws, name="n_draws", low=10, high=MAX_DRAWS))
    check_int(random_state, name="random_state", low=0)
    labelled = read_labelled(data, unit, dim=dim, datetime_unit=datetime_unit, what="integrate")
    step = resolution_in_units(resolution, labelled.time_unit)
    factory = _factory(method, params, return_std=return_std, resolution=step is not None)
    result = integrate_columns(
        labelled.t,
        labelled.values,
        factory,
        labels=labelled.labels,
        return_std=return_std,
        options=FitOptions(resolution=step, outliers=check_outliers(outliers), rows=labelled.rows),
        n_draws=draws,
        rng=np.random.default_rng(random_state),
    )
    out = [labelled.wrap(result.values, -1, False)]
    if result.std is not None:
        out.append(labelled.wrap(result.std, -1, True))
    return tuple(out) if return_std else out[0]


def integrate_columns(
    t: np.ndarray,
    values: np.ndarray,
    factory: Callable[[], BaseInterpolator],
    *,
    labels: Any = None,
    return_std: bool = False,
    options: FitOptions | None = None,
    n_draws: int = 100,
    rng: np.random.Generator | None = None,
) -> ColumnDerivatives:
    """The cumulative integral of every column (n, m) at ``t`` (order -1), with the bootstrap
    standard error when asked; the core of :func:`integrate`."""
    options = options or FitOptions()
    rng = rng if rng is not None else np.random.default_rng(0)
    n, m = values.shape
    finite = np.isfinite(values)
    if options.outliers != "keep":
        values = _screen_outliers(t, values, finite, labels, "column", options)
        finite = np.isfinite(values)
    found = np.full((n, m), np.nan)
    errors = np.full((n, m), np.nan) if return_std else None
    for columns in _column_groups(finite):
        rows = finite[:, columns[0]]
        valid_t = t[rows]
        which = f"column {labels[columns[0]]!r}" if labels is not None else "a column"

        def fitted(y: np.ndarray, valid_t: np.ndarray = valid_t, which: str = which) -> Any:
            estimator = factory()
            if options.resolution is not None and valid_t.size > 1:
                span = valid_t[-1] - valid_t[0]
                estimator.set_params(max_knots=knots_for(options.resolution, span))
            needs = max(2, estimator._min_points())
            if valid_t.size < needs:
                raise ValueError(
                    f"{which} has {valid_t.size} valid values of {n}: "
                    f"{type(estimator).__name__} needs at least {needs}"
                    f"{too_few_hint(estimator, valid_t.size, options.say)}"
                )
            try:
                return estimator.fit(valid_t, y)
            except ValueError as error:
                raise ValueError(f"{which} with {valid_t.size} valid values: {error}") from None

        estimator = fitted(values[np.ix_(rows, columns)])
        inside = np.flatnonzero((t >= valid_t[0]) & (t <= valid_t[-1]))
        cells = np.ix_(inside, columns)
        found[cells] = _cumulative(estimator, t[inside]).reshape(inside.size, len(columns))
        if errors is not None:
            estimator(valid_t[:1], return_std=True)  # the family's own refusal, if it has none
            noise = getattr(estimator, "noise_std_", None)
            if noise is None:
                raise NotImplementedError(
                    f"{type(estimator).__name__} gives no noise estimate (noise_std_), which "
                    "the band of an integral is drawn from; leave return_std out"
                )
            level = np.broadcast_to(np.asarray(noise, dtype=float).ravel(), (len(columns),))
            smooth = np.asarray(estimator(valid_t)).reshape(valid_t.size, len(columns))
            noisy = np.repeat(smooth, n_draws, axis=1) + np.repeat(level, n_draws) * (
                rng.standard_normal((valid_t.size, len(columns) * n_draws))
            )
            totals = _cumulative(fitted(noisy), t[inside]).reshape(inside.size, -1, n_draws)
            errors[cells] = _spread(totals)
    return ColumnDerivatives(-1, found, errors)


def _spread(draws: np.ndarray) -> np.ndarray:
    """The standard deviation over the last axis, scaled first so that totals near the float64
    limit (1e300) do not overflow when squared."""
    centred = draws - draws.mean(axis=-1, keepdims=True)
    scale = np.max(np.abs(centred), axis=-1, keepdims=True)
    scale = np.where(scale > 0, scale, 1.0)
    return (centred / scale).std(axis=-1, ddof=1) * scale[..., 0]


def _cumulative(estimator: BaseInterpolator, t: np.ndarray) -> np.ndarray:
    """The integral of the fit from ``t[0]`` to each of ``t`` (sorted), shape (len(t), m)."""
    antiderivative = getattr(estimator, "antiderivative", None)
    if callable(antiderivative):
        curve = antiderivative()
        values = np.asarray(curve(t)).reshape(t.size, -1)
        return values - values[:1]
    nodes, weights = np.polynomial.legendre.leggauss(_QUADRATURE_POINTS)
    middle, half = (t[1:] + t[:-1]) / 2, (t[1:] - t[:-1]) / 2
    points = (middle[:, None] + half[:, None] * nodes[None, :]).ravel()
    inner = np.asarray(estimator(points)).reshape(middle.size, nodes.size, -1)
    pieces = np.einsum("q,iqm->im", weights, inner) * half[:, None]
    return np.concatenate([np.zeros((1, pieces.shape[1])), np.cumsum(pieces, axis=0)])
