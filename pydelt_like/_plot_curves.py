"""The curves :func:`pydelt_like.plot.plot_derivatives` draws, computed without matplotlib.

From a fitted interpolator, or from labelled data fitted as the time-series functions fit it
(the same factory, resolution, weights and log transform, through the same evaluation), each
order becomes a :class:`Panel`: its label with units, the curves on a grid that follows every
sample, their bands, and the samples themselves, with time axes in calendar dates.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pydelt_like.base import _normal_quantile

#: Points per sample interval by default: a smooth piece between two samples is drawn by four
#: segments, so every peak the fit makes at or between the samples shows.
_PER_INTERVAL = 4
#: The default grid never exceeds this many points (a year of minute data is thinned to it).
_DEFAULT_MAX_POINTS = 200_000
#: Points of the default grid when the samples are not known (a derivative object, say).
_PLAIN_POINTS = 1_000
#: A gap between samples longer than this many typical spacings is not drawn across: what a
#: fit does there (a week without data in an hourly record) is not a measurement's, and its
#: excursions would set the scale of the whole figure.
GAP_SPACINGS = 10


@dataclass
class Panel:
    """What one axes shows.

    ``lines`` are ``(x, values (N, m), legend label)``; ``bands`` one ``(x, lower, upper)`` or
    ``None`` per line; ``grids`` the numeric positions of each line (for a truth and the
    limits); ``samples`` ``(x, y)`` pairs; ``gaps`` how many long gaps are not drawn across;
    ``log_scale`` whether the values go on a log axis (the fit of a log transform).
    """

    ylabel: str
    lines: list[tuple[Any, np.ndarray, str | None]] = field(default_factory=list)
    bands: list[tuple[Any, np.ndarray, np.ndarray] | None] = field(default_factory=list)
    grids: list[np.ndarray] = field(default_factory=list)
    samples: list[tuple[Any, np.ndarray]] = field(default_factory=list)
    gaps: int = 0
    log_scale: bool = False


def long_gaps(grid: np.ndarray, x: np.ndarray | None) -> tuple[np.ndarray, int]:
    """Grid points inside gaps of ``x`` longer than ``GAP_SPACINGS`` median spacings, and the
    number of such gaps."""
    inside = np.zeros(grid.size, dtype=bool)
    if x is None or x.size < 3:
        return inside, 0
    step = np.diff(x)
    wide = np.flatnonzero(step > GAP_SPACINGS * np.median(step))
    for i in wide:
        inside |= (grid > x[i]) & (grid < x[i + 1])
    return inside, int(wide.size)


def _blank(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=float, copy=True)
    out[mask] = np.nan
    return out


def grid_for(x: np.ndarray | None, lo: float, hi: float, n_points: int | None) -> np.ndarray:
    """Evaluation points: ``n_points`` evenly spaced, or by default every sample ``x`` plus
    points a quarter of the typical sample spacing apart (at most ``_DEFAULT_MAX_POINTS``)."""
    if n_points is not None:
        return np.linspace(lo, hi, int(n_points))
    if x is None or x.size < 2 or not hi > lo:
        return np.linspace(lo, hi, _PLAIN_POINTS)
    spacing = min(float(np.median(np.diff(x))), (hi - lo) / 500)
    count = min(_DEFAULT_MAX_POINTS, int((hi - lo) / spacing) * _PER_INTERVAL + 1)
    return np.union1d(np.linspace(lo, hi, max(count, 2)), x[(x >= lo) & (x <= hi)])


def is_data(source: Any) -> bool:
    """Whether ``source`` is labelled data (pandas, xarray), without importing either."""
    module = type(source).__module__
    if not (module.startswith("pandas") or module.startswith("xarray")):
        return False
    if "pandas" not in sys.modules:  # pragma: no cover - a pandas object implies pandas
        return False
    from pydelt_like.timeseries._labelled import is_labelled

    return is_labelled(source)


def _samples(data: Any, default: Any) -> Any:
    if data is True:
        return default
    if data is False or data is None:
        return None
    samples = tuple(np.asarray(part) for part in data)
    if len(samples) != 2:
        raise ValueError("data must be True, False or a tuple (x, y)")
    return samples


def _band(curve: Any, grid: np.ndarray, level: float | None, auto: bool) -> Any:
    """The interval of ``curve`` at ``grid``; with ``auto``, none where it gives none."""
    if level is None:
        return None
    try:
        lower, upper = curve.interval(grid, level)
    except (ValueError, NotImplementedError, AttributeError):
        if auto:
            return None
        raise
    return (
        np.asarray(lower).reshape(grid.size, -1),
        np.asarray(upper).reshape(grid.size, -1),
    )


def from_interpolator(
    interp: Any,
    orders: list[int],
    *,
    n_points: int | None,
    level: float | None,
    auto_band: bool,
    label: str | None,
    y_unit: str | None,
    x_unit: str | None,
    data: Any,
    variable: str = "x",
) -> tuple[list[Panel], str]:
    """Panels of a fitted interpolator of one input, on its fitted range; ``variable`` names
    x in the labels ('d/dt' for an x axis labelled 't')."""
    from pydelt_like.timeseries._names import quantity

    if not hasattr(interp, "n_outputs_"):
        if not hasattr(interp, "fit"):
            raise TypeError(
                "plot_derivatives takes a fitted interpolator, or a pandas Series or DataFrame "
                f"or an xarray DataArray, got {type(interp).__name__}"
            )
        raise ValueError(f"{type(interp).__name__} is not fitted; call fit(x, y) first")
    if np.ndim(interp.x_min_) != 0:
        raise ValueError("plot_derivatives draws fits of one input (1-D x) only")
    samples = _samples(data, getattr(interp, "samples_", None))
    known_x = getattr(interp, "samples_", (None,))[0]
    grid = grid_for(known_x, float(interp.x_min_), float(interp.x_max_), n_points)
    panels = []
    for order in orders:
        curve = interp if order == 0 else interp.differentiate(order)
        gap, count = long_gaps(grid, known_x)
        values = _blank(np.asarray(curve(grid)).reshape(grid.size, -1), gap)
        band = _band(curve, grid, level, auto_band)
        found = quantity(None, order, y_unit=y_unit, x_unit=x_unit, variable=variable)
        panel = Panel(found.header, gaps=count)
        panel.lines.append((grid, values, label))
        panel.bands.append(
            None if band is None else (grid, _blank(band[0], gap), _blank(band[1], gap))
        )
        panel.grids.append(grid)
        if order == 0 and samples is not None:
            x, y = samples
            panel.samples.append((x, np.asarray(y).reshape(len(x), -1)))
        panels.append(panel)
    return panels, "x" if x_unit is None else f"x [{x_unit}]"


def from_data(
    source: Any,
    orders: list[int],
    *,
    n_points: int | None,
    level: float | None,
    auto_band: bool,
    label: str | None,
    y_unit: str | None,
    x_unit: str | None,
    method: Any,
    unit: Any,
    resolution: Any,
    log: bool,
    weights: Any,
    outliers: str,
    dim: Any,
    datetime_unit: Any,
    params: dict[str, Any],
    data: Any,
) -> tuple[list[Panel], str]:
    """Panels of labelled data, each column fitted on its own valid range."""
    from pydelt_like.base import _check_flag
    from pydelt_like.timeseries._batches import _evaluate, _factory, _screen_outliers
    from pydelt_like.timeseries._labelled import read_labelled
    from pydelt_like.timeseries._names import quantity
    from pydelt_like.timeseries._options import (
        FitOptions,
        check_outliers,
        check_weights,
        knots_for,
        resolution_in_units,
        too_few_hint,
    )

    source_data = read_labelled(source, unit, dim=dim, datetime_unit=datetime_unit)
    log = _check_flag(log, "log")
    step = resolution_in_units(resolution, source_data.time_unit)
    w = check_weights(weights, source_data.t.size)
    strict_band = level is not None and not auto_band
    factory = _factory(method, params, return_std=strict_band, resolution=step is not None)
    m = source_data.values.shape[1]
    values = source_data.values
    options = FitOptions(log=log, outliers=check_outliers(outliers), rows=source_data.rows)
    if options.outliers != "keep":
        values = _screen_outliers(
            source_data.t, values, np.isfinite(values), source_data.labels, "column", options
        )
    units = [y_unit or source_data.y_units[j] for j in range(m)]
    x_units = source_data.x_unit or x_unit
    panels = []
    for order in orders:
        common = units[0] if len(set(units)) == 1 else None
        name = source_data.labels[0] if m == 1 else None
        found = quantity(name, order, y_unit=common, x_unit=x_units, variable=source_data.variable)
        panels.append(Panel(found.header, log_scale=log and order == 0))
    z = None if level is None else _normal_quantile(level)
    for j in range(m):
        rows = np.isfinite(values[:, j])
        valid_t, y = source_data.t[rows], values[rows, j]
        estimator = factory()
        if step is not None and valid_t.size > 1:
            estimator.set_params(max_knots=knots_for(step, valid_t[-1] - valid_t[0]))
        if valid_t.size < estimator._min_points():
            raise ValueError(
                f"column {source_data.labels[j]!r} has {valid_t.size} valid values: "
                f"{type(estimator).__name__} needs at least {estimator._min_points()}"
                f"{too_few_hint(estimator, valid_t.size, lambda k, v: f'{k}={v!r}')}"
            )
        fit_weights = {} if w is None else {"weights": w[rows]}
        estimator.fit(valid_t, np.log(y) if log else y, **fit_weights)
        grid = grid_for(valid_t, float(valid_t[0]), float(valid_t[-1]), n_points)
        try:
            evaluated = _evaluate(estimator, grid, tuple(orders), log, level is not None)
        except (ValueError, NotImplementedError):
            if not auto_band or level is None:
                raise
            evaluated = _evaluate(estimator, grid, tuple(orders), log, False)
        x_plot = _plottable(source_data, grid)
        line_label = label or (str(source_data.labels[j]) if m > 1 else None)
        gap, count = long_gaps(grid, valid_t)
        for panel, order in zip(panels, orders, strict=True):
            curve, std = evaluated[order]
            curve = _blank(np.asarray(curve).reshape(grid.size, 1), gap)
            panel.lines.append((x_plot, curve, line_label))
            panel.grids.append(grid)
            panel.gaps += count
            if std is None or z is None:
                panel.bands.append(None)
            else:
                spread = z * np.asarray(std).reshape(grid.size, 1)
                panel.bands.append((x_plot, curve - spread, curve + spread))
        measured = np.isfinite(source_data.values[:, j])  # outliers left out are still data
        drawn = (_plottable(source_data, source_data.t[measured]), source_data.values[measured, j])
        samples = _samples(data, drawn)
        if samples is not None and 0 in orders and (data is True or j == 0):
            panels[orders.index(0)].samples.append(samples)
    return panels, _x_text(source, source_data, x_unit)


def _plottable(source_data: Any, t: np.ndarray) -> Any:
    """Positions matplotlib draws: naive dates (local wall time) on a datetime axis, numbers
    in the time unit for time differences, the numbers themselves otherwise."""
    if source_data.time_unit is None:
        return t
    import pandas as pd

    stamps = source_data.positions(t)
    if isinstance(stamps, pd.DatetimeIndex):
        return (stamps.tz_localize(None) if stamps.tz is not None else stamps).to_numpy()
    return t


def _x_text(source: Any, source_data: Any, x_unit: str | None) -> str:
    import pandas as pd

    index = getattr(source, "index", None)
    name = getattr(index, "name", None)
    if name is None and hasattr(source, "dims"):
        name = source.dims[0] if source.ndim == 1 else None
    if source_data.time_unit is None:
        text = "x" if name is None else str(name)
        return text if x_unit is None else f"{text} [{x_unit}]"
    origin = source_data.origin
    if isinstance(origin, pd.Timestamp):
        zone = f" ({origin.tz})" if origin.tz is not None else ""
        return f"{name if name is not None else 'date'}{zone}"
    return f"{'time' if name is None else name} since the first sample [{source_data.x_unit}]"
