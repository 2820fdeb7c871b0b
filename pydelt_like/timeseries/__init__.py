"""Derivatives of time series held in pandas or xarray, with real timestamps.

:func:`differentiate` takes a pandas ``Series`` or ``DataFrame`` (index: ``DatetimeIndex``,
``TimedeltaIndex`` or numbers) or an xarray ``DataArray`` and returns the derivative on the same
index, per the time unit you choose: the index is turned into numbers (time since the first
sample, in ``unit``), every column is fitted (columns with the same gaps together, as one batch)
and the derivative is evaluated back at every timestamp.

:func:`differentiate_array` is the same for plain NumPy arrays with NaN gaps.

:func:`integrate` is the inverse of :func:`differentiate`: the cumulative integral of a series
(rates back to totals), with a band.

:func:`differentiate_long` takes many series in long format (one row per sample: a series key,
a time and a value), fits the series sharing their sample times together, as one batch, and
returns the derivative aligned with the input rows.

Dask collections are accepted too, and give lazy results computed block by block (on a
``dask.distributed`` cluster when a client is active): a ``dask.array.Array`` chunked across
series (:func:`differentiate_array`), a wide ``dask.dataframe.DataFrame`` with one column per
series (:func:`differentiate`), and a long ``dask.dataframe.DataFrame`` indexed by the series
key (:func:`differentiate_long`). A spline is global along the sample axis, so every block
holds whole series: all of their samples, never a slice of them.

pandas, xarray and dask are optional: this package imports them only when given their objects.

``method=`` names any family of :mod:`pydelt_like.registry` (``'spline'``, ``'neural'``, and any
registered since), or passes an unfitted interpolator. For front ends of their own (the command
line is one), :func:`parse_time_unit`, :func:`check_time_order`, :func:`estimator_factory` and
:func:`fit_columns` are the building blocks the functions above share.

The package keeps one job per module: ``_units`` (the :data:`TIME_UNITS` table and the parsing
of every spelling), ``_axis`` (time axes as float positions, checked for order), ``_batches``
(interpolators from the registry; columns fitted as batches sharing their gaps), ``_wide``
(pandas, xarray and NumPy), ``_long`` (long format) and ``_dask`` (the lazy paths).

Examples
--------
>>> import numpy as np
>>> import pandas as pd
>>> from pydelt_like.timeseries import differentiate
>>> index = pd.date_range("2024-01-01", periods=200, freq="h")
>>> hours = np.arange(200.0)
>>> temperature = pd.Series(20 + 0.5 * hours, index=index, name="T")
>>> rate = differentiate(temperature, unit="h")  # degrees per hour
>>> round(float(rate.iloc[100]), 6)
0.5
>>> round(float(differentiate(temperature, unit="D").iloc[100]), 6)  # per day
12.0
"""

from __future__ import annotations

from typing import Any

from pydelt_like.timeseries._axis import check_time_order, time_to_float
from pydelt_like.timeseries._batches import ColumnDerivatives, estimator_factory, fit_columns
from pydelt_like.timeseries._integrate import integrate
from pydelt_like.timeseries._long import differentiate_long, fit_long
from pydelt_like.timeseries._names import Quantity, quantity, time_symbol
from pydelt_like.timeseries._units import TIME_UNITS, TimeUnit, parse_time_unit
from pydelt_like.timeseries._wide import differentiate, differentiate_array

__all__ = [
    "METHODS",
    "TIME_UNITS",
    "ColumnDerivatives",
    "Quantity",
    "TimeUnit",
    "check_time_order",
    "differentiate",
    "differentiate_array",
    "differentiate_long",
    "estimator_factory",
    "fit_columns",
    "fit_long",
    "integrate",
    "parse_time_unit",
    "quantity",
    "time_symbol",
    "time_to_float",
]


def __getattr__(name: str) -> Any:
    # METHODS, the names ``method`` may take, is read from the registry when asked for, so it
    # includes families registered after this package was imported.
    if name == "METHODS":
        from pydelt_like import registry

        return registry.names()
    raise AttributeError(f"module 'pydelt_like.timeseries' has no attribute {name!r}")
