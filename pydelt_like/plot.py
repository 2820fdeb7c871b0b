"""Plots of a fit and its derivatives for reports (matplotlib, imported only when one is drawn).

:func:`plot_derivatives` takes a fitted interpolator, or the data the time-series functions take
(a pandas Series or DataFrame, an xarray DataArray) and fits it as they do: time axes show
calendar dates, every y label names the quantity and its unit, the uncertainty band is drawn
whenever the fit gives standard errors, and the y limits follow the curves (not a band that
widens at the ends).

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np
>>> from pydelt_like import SplineInterpolator
>>> from pydelt_like.plot import plot_derivatives
>>> x = np.linspace(0, 2 * np.pi, 100)
>>> spline = SplineInterpolator().fit(x, np.sin(x))
>>> axes = plot_derivatives(spline, orders=(0, 1), truth=[np.sin, np.cos], y_unit="V", x_unit="s")
>>> [a.get_ylabel() for a in axes]
['fit [V]', 'd/dx [V/s]']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from pydelt_like._plot_curves import GAP_SPACINGS
from pydelt_like._validation import check_int, check_order, check_real

__all__ = ["plot_derivatives"]

# Evaluation points per curve: far more than a screen or a printed figure resolves, and few
# enough (a few megabytes per curve) that a typo cannot exhaust memory.
MAX_POINTS = 1_000_000
#: Share of the x range at each end left out when the y limits are chosen: where a fit is
#: least sure, its derivatives may swing far beyond the rest of the curve.
_EDGE = 0.02
#: How far beyond the interior's range (as a share of it) the curve's ends may still widen the
#: y limits; what lies further stays off the axes, and is said in a note.
_REACH = 0.5


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "plot_derivatives needs matplotlib: pip install 'pydelt-like[plot]'"
        ) from None
    return plt


def _truth_for(truth: Any, orders: Sequence[int]) -> list[Callable | None]:
    if truth is None:
        return [None] * len(orders)
    if isinstance(truth, Mapping):
        unknown = sorted(set(truth) - set(orders))
        if unknown:
            raise ValueError(f"truth has orders {unknown} that are not in orders={tuple(orders)}")
        return [truth.get(order) for order in orders]
    if callable(truth):
        raise TypeError(
            "truth must be a sequence with one callable (or None) per order, or a dict "
            "{order: callable}; a single function does not say which order it is"
        )
    truth = list(truth)
    if len(truth) != len(orders):
        raise ValueError(
            f"truth has {len(truth)} entries but orders has {len(orders)}; give one callable "
            "(or None) per order, or a dict {order: callable}"
        )
    for item in truth:
        if item is not None and not callable(item):
            raise TypeError(f"truth entries must be callables or None, got {item!r}")
    return truth


def _axes_for(ax: Any, count: int, plt: Any) -> np.ndarray:
    if ax is None:
        _, axes = plt.subplots(count, 1, sharex=True, squeeze=False, figsize=(8, 2.3 * count + 1))
        return np.asarray(axes[:, 0])
    axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
    if axes.size != count:
        raise ValueError(f"ax has {axes.size} axes but orders has {count}; pass one per order")
    return axes


def robust_limits(
    curves: Sequence[np.ndarray], grids: Sequence[np.ndarray], extra: Sequence[np.ndarray] = ()
) -> tuple[float, float] | None:
    """y limits from the curves: their range away from the ends, widened by the ends' values
    (and by ``extra`` values, such as the samples) as far as ``_REACH`` of that range, plus a
    margin; ``None`` if nothing is finite."""
    inner, whole = [], [np.asarray(values, dtype=float).ravel() for values in extra]
    for values, grid in zip(curves, grids, strict=True):
        values = np.asarray(values, dtype=float).reshape(len(grid), -1)
        lo, hi = float(grid[0]), float(grid[-1])
        keep = (grid >= lo + _EDGE * (hi - lo)) & (grid <= hi - _EDGE * (hi - lo))
        inner.append(values[keep].ravel())
        whole.append(values.ravel())
    core = np.concatenate(inner) if inner else np.empty(0)
    core = core[np.isfinite(core)]
    if core.size == 0:
        return None
    low, high = float(core.min()), float(core.max())
    reach = _REACH * max(high - low, 1e-12 * max(abs(low), abs(high), 1e-300))
    every = np.concatenate(whole)
    every = every[np.isfinite(every)]
    low = max(float(every.min()), low - reach)
    high = min(float(every.max()), high + reach)
    margin = 0.05 * (high - low) if high > low else 0.05 * max(abs(high), 1.0)
    return low - margin, high + margin


def plot_derivatives(
    source: Any,
    orders: Sequence[int] = (0, 1, 2),
    data: bool | tuple[Any, Any] = True,
    truth: Sequence[Callable | None] | Mapping[int, Callable] | None = None,
    ax: Any = None,
    *,
    n_points: int | None = None,
    xlabel: str | None = None,
    label: str | None = None,
    band: float | str | None = "auto",
    y_unit: str | None = None,
    x_unit: str | None = None,
    method: Any = "spline",
    unit: Any = None,
    resolution: Any = None,
    log: bool = False,
    weights: Any = None,
    outliers: str = "warn",
    dim: Any = None,
    datetime_unit: Any = None,
    **params: Any,
) -> np.ndarray:
    """Draw a fit and its derivatives on stacked axes sharing x, labelled for a report.

    Parameters
    ----------
    source : fitted interpolator, pandas.Series, pandas.DataFrame or xarray.DataArray
        A fitted interpolator of one input (every series of a batch fit is drawn), or data as
        :func:`pydelt_like.timeseries.differentiate` takes it, fitted here as it fits it
        (``method``, ``unit``, ``resolution`` and ``**params`` as there; every column of a
        DataFrame, each on its own valid range). A time axis is drawn in calendar dates.
    orders : sequence of int, default=(0, 1, 2)
        The derivative orders to draw, one axes each (``0`` is the fit itself).
    data : bool or tuple (x, y), default=True
        ``True`` draws the samples on the order-0 axes (an interpolator's ``samples_``; none
        for a loaded network); a tuple draws those points instead; ``False`` draws none.
    truth : sequence of callables or dict, optional
        Known functions to draw dashed: one callable (or None) per entry of ``orders``, or a
        dict ``{order: callable}``; called with the positions as numbers (for a time axis, the
        time since the first sample in ``unit``).
    ax : matplotlib Axes or sequence of Axes, optional
        Where to draw, one per order; default: a new figure.
    n_points : int, optional
        Evaluation points across each fitted range, from 2 to ``MAX_POINTS`` (1,000,000).
        Default: every sample, plus points a quarter of the typical sample spacing apart (at
        most 200,000), so that the curve follows every sample and every peak between them.
    xlabel : str, optional
        Label of the shared x axis (default: the index' name, or ``'date'``, ``'x'``).
    label : str, optional
        Legend label of the fitted curve (default ``'fit'``; a DataFrame's column names).
    band : float, 'auto' or None, default='auto'
        Shade the pointwise uncertainty band of this nominal level (e.g. ``0.9``) around every
        curve. ``'auto'``: a 95 % band whenever the fit gives standard errors (see the
        documentation of uncertainty bands), none otherwise; ``None``: no band. The band never
        sets the y limits: they follow the curves, away from the ends, so a band that widens
        at the first sample does not flatten them.
    y_unit, x_unit : str, optional
        Units of the data and of a numeric x, for the labels (``'ppm'`` gives ``'ppm/year'``
        and ``'ppm/year²'`` on a time axis in years). ``y_unit`` defaults to the data's
        ``attrs['units']``; a time axis takes its unit from ``unit``.
    method, unit, resolution, dim, datetime_unit, **params
        For data: as in :func:`pydelt_like.timeseries.differentiate`.
    log : bool, default=False
        For data: fit ``ln y`` and draw ``y`` and its derivatives (chain rule), as
        :func:`pydelt_like.timeseries.fit_columns` does; the fit (order 0) on a log axis.
    weights : array-like of shape (n,), optional
        For data: one weight per row, as :func:`pydelt_like.timeseries.fit_columns` takes it.
    outliers : {'warn', 'omit', 'keep'}, default='warn'
        For data: gross outliers, as for :func:`pydelt_like.timeseries.differentiate`; left
        out of the fit with ``'omit'``, they are still drawn, as data.

    Returns
    -------
    numpy.ndarray of matplotlib Axes
        The axes, one per order. The figure is never shown: call ``plt.show()`` or
        ``fig.savefig`` yourself.

    Raises
    ------
    TypeError
        If an order or ``n_points`` is not an integer, ``truth`` is not as described, or
        ``source`` is neither a fitted interpolator nor labelled data.
    ValueError
        For an unfitted interpolator, one with several inputs, a negative order, ``n_points``
        out of range, a band level outside (0, 1), or mismatched ``truth``/``ax``; for data,
        what :func:`pydelt_like.timeseries.differentiate` refuses.
    ImportError
        If matplotlib is not installed.
    """
    orders = [
        check_order(order, max_order=None, method_name="plot_derivatives") for order in orders
    ]
    if not orders:
        raise ValueError("orders is empty; give at least one derivative order")
    check_int(n_points, name="n_points", low=2, high=MAX_POINTS, allow_none=True)
    level = _band_level(band)
    truths = _truth_for(truth, orders)
    from pydelt_like import _plot_curves

    if _plot_curves.is_data(source):
        panels, x_text = _plot_curves.from_data(
            source,
            orders,
            n_points=n_points,
            level=level,
            auto_band=band == "auto",
            label=label,
            y_unit=y_unit,
            x_unit=x_unit,
            method=method,
            unit=unit,
            resolution=resolution,
            log=log,
            weights=weights,
            outliers=outliers,
            dim=dim,
            datetime_unit=datetime_unit,
            params=params,
            data=data,
        )
    else:
        if params or log or weights is not None or resolution is not None or unit is not None:
            given = sorted({*params, *(n for n, v in (("log", log),) if v)})
            raise TypeError(
                "method, unit, resolution, log, weights and family settings apply to data "
                f"(Series, DataFrame, DataArray), not to a fitted interpolator; got {given or ''}"
                " with a fitted one"
            )
        panels, x_text = _plot_curves.from_interpolator(
            source,
            orders,
            n_points=n_points,
            level=level,
            auto_band=band == "auto",
            label=label,
            y_unit=y_unit,
            x_unit=x_unit,
            data=data,
            variable=xlabel or "x",
        )
    plt = _pyplot()
    axes = _axes_for(ax, len(orders), plt)
    for axes_i, panel, true_fn in zip(axes, panels, truths, strict=True):
        _draw(axes_i, panel, true_fn, level)
        if any(np.asarray(x).dtype.kind == "M" for x, _, _ in panel.lines):
            _calendar_axis(axes_i)
    axes[-1].set_xlabel(xlabel or x_text)
    return axes


def _calendar_axis(ax: Any) -> None:
    """Dates that fit under the axes at any span: years, months or hours, each said once."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _band_level(band: Any) -> float | None:
    if band is None:
        return None
    if isinstance(band, str):
        if band != "auto":
            raise ValueError(f"band must be a level in (0, 1), 'auto' or None, got {band!r}")
        return 0.95
    return float(
        check_real(band, name="band", low=0, high=1, low_inclusive=False, high_inclusive=False)
    )


def _draw(ax: Any, panel: Any, true_fn: Callable | None, level: float | None) -> None:
    """Draw one panel: samples, bands, curves, truth; y limits from the curves; legend."""
    for x, y in panel.samples:
        ax.plot(x, y, ".", color="0.55", markersize=2.5, label="data", zorder=1)
    for (x, values, name), band in zip(panel.lines, panel.bands, strict=True):
        lines = ax.plot(x, values, lw=1.4, zorder=3)
        lines[0].set_label(name or "fit")
        if band is None:
            continue
        _, lower, upper = band
        for j, line in enumerate(lines):
            shade = ax.fill_between(
                x, lower[:, j], upper[:, j], color=line.get_color(), alpha=0.25, lw=0, zorder=2
            )
            if j == 0 and level is not None:
                shade.set_label(f"{level:.0%} band")
    if true_fn is not None:
        for (x, _, _), t in zip(panel.lines, panel.grids, strict=True):
            ax.plot(x, np.asarray(true_fn(t)), "k--", lw=1, label="truth", zorder=4)
    if panel.log_scale:
        # Data spanning decades (a log fit): limits chosen on the logarithm, drawn on a log axis.
        with np.errstate(divide="ignore", invalid="ignore"):
            logged = robust_limits(
                [np.log10(values) for _, values, _ in panel.lines],
                panel.grids,
                [np.log10(y) for _, y in panel.samples],
            )
        ax.set_yscale("log")
        limits = None if logged is None else (10 ** logged[0], 10 ** logged[1])
    else:
        limits = robust_limits(
            [values for _, values, _ in panel.lines],
            panel.grids,
            [y for _, y in panel.samples],
        )
    if limits is not None:
        # Several calls drawing on one axes (a series each) share limits that hold them all.
        before = getattr(ax, "_pydelt_like_limits", None)
        if before is not None:
            limits = (min(before[0], limits[0]), max(before[1], limits[1]))
        ax._pydelt_like_limits = limits
        ax.set_ylim(*limits)
        beyond = sum(
            int(np.count_nonzero((y < limits[0]) | (y > limits[1]))) for _, y in panel.samples
        )
        notes = []
        if beyond:
            notes.append(f"{beyond} sample{'s' if beyond > 1 else ''} beyond the axis")
        if panel.gaps:
            notes.append(
                f"not drawn across {panel.gaps} gap{'s' if panel.gaps > 1 else ''} of over "
                f"{GAP_SPACINGS} sample spacings"
            )
        if notes:
            ax.text(
                0.99,
                0.02,
                "; ".join(notes),
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize="x-small",
                color="0.4",
            )
    ax.set_ylabel(panel.ylabel)
    handles, names = ax.get_legend_handles_labels()
    if len(handles) > 1:
        unique: dict[str, Any] = {}
        for name, handle in zip(names, handles, strict=True):
            unique.setdefault(name, handle)  # one entry per kind, not per series
        ax.legend(unique.values(), unique.keys(), fontsize="small", loc="best")
