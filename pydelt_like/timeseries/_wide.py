"""Wide data: one column per series on a shared time axis (pandas, xarray, NumPy).

:func:`differentiate` takes pandas Series/DataFrames and xarray DataArrays,
:func:`differentiate_array` NumPy arrays; both hand Dask collections to the lazy paths.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array, check_order
from pydelt_like.base import _check_flag
from pydelt_like.timeseries._axis import (
    _check_axis,
    check_time_order,
    time_to_float,
)
from pydelt_like.timeseries._batches import (
    ColumnDerivatives,
    _factory,
    _fit_and_evaluate,
)
from pydelt_like.timeseries._dask import (
    _check_not_progress,
    _dask_kind,
    _differentiate_dask_array,
    _differentiate_dask_frame,
    _in_memory_only,
    _no_std_for_dask,
)
from pydelt_like.timeseries._labelled import is_labelled, read_labelled
from pydelt_like.timeseries._options import FitOptions, check_outliers, resolution_in_units
from pydelt_like.timeseries._units import _pandas, parse_time_unit

__all__ = ["differentiate", "differentiate_array"]


def _arrays(result: ColumnDerivatives) -> list[np.ndarray]:
    """The derivative, then its standard errors when they were evaluated."""
    return [result.values] if result.std is None else [result.values, result.std]


def differentiate_array(
    x: Any,
    y: Any,
    order: int = 1,
    method: Any = "spline",
    *,
    axis: int = 0,
    unit: Any = None,
    progress: bool = False,
    return_std: bool = False,
    resolution: Any = None,
    outliers: str = "warn",
    **params: Any,
) -> Any:
    """Differentiate many series sampled at the same positions, with NaN gaps.

    Parameters
    ----------
    x : array-like of shape (n,)
        Sample positions, strictly increasing and finite: numbers, or datetime64 / timedelta64
        values (then counted from the first, in ``unit``).
    y : array-like or dask.array.Array
        The series, with the samples along ``axis``; every other axis is a batch of series. NaN
        marks a missing sample of one series. A dask array gives a lazy dask array back, fitted
        chunk by chunk: chunk it across series, never along ``axis`` (a spline is global along
        the samples, so each chunk must hold whole series). A chunked ``axis`` is rechunked
        whole, the other axes to dask's default chunk size (``array.chunk-size``).
    order : int, default=1
        Derivative order (``0`` gives the smoothed values).
    method : str or BaseInterpolator, default='spline'
        A family registered in :mod:`pydelt_like.registry` (``'spline'``, ``'neural'``, or
        one registered since), or an unfitted interpolator whose settings are used for every
        fit (it is cloned, not modified).
    axis : int, default=0
        The sample axis of ``y``, in ``[-y.ndim, y.ndim)``.
    unit : str or timedelta, optional
        For times in ``x``, the time unit of the derivative, as in :func:`differentiate` (see
        :data:`TIME_UNITS`); leave it ``None`` for numbers, whose units are their own.
    progress : bool, default=False
        Show a tqdm progress bar over the groups of columns (needs tqdm).
    return_std : bool, default=False
        Also return the standard errors (see the interpolators' ``return_std``); in memory only.
    resolution : str, timedelta or float, optional
        The smoothing as a length of ``x``, as in :func:`differentiate`: a length of time for
        times in ``x``, or a number in the units of the positions; in memory only.
    outliers : {'warn', 'omit', 'keep'}, default='warn'
        Gross outliers, samples far from their neighbours and the curve through them (a
        typo, a glitch; see the time-series documentation): fit them and warn naming the
        first, leave them out of the fit (with a warning), or fit them without a word.
    **params
        Passed to the interpolator named by ``method``, e.g. ``smoothing=0.1`` or ``k=3`` for
        the spline, ``epochs=500`` for the network. Defaults here: ``nan_policy='omit'`` and
        ``extrapolate='nan'``.

    Returns
    -------
    numpy.ndarray or dask.array.Array
        The derivative at ``x`` for every series, the shape of ``y``; NaN before a series'
        first and after its last valid sample (gaps inside are filled by the fit). For a dask
        ``y``, a lazy float64 dask array whose chunks hold whole series. With
        ``return_std=True``, a tuple ``(derivative, std)`` of such arrays.

    Raises
    ------
    ValueError
        If ``x`` is unsorted or repeats, shapes disagree, ``axis`` is out of range, ``unit`` is
        not a time unit (or is given with numbers), ``method`` is not registered, a setting
        has a bad value (checked before any fit), or a series has too few valid samples.
    TypeError
        If ``x`` is not a sequence, ``axis`` not an integer, for a setting ``method`` does not
        have, for a dask ``y`` with ``progress=True`` (use dask's own progress bars) or of a
        non-numeric dtype.
    NotImplementedError
        For ``return_std=True`` with a dask ``y`` or a family without uncertainty bands.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 1, 50)
    >>> y = np.stack([x**2, 3 * x], axis=1)
    >>> y[10, 0] = np.nan  # a gap in the first series
    >>> d = differentiate_array(x, y)
    >>> np.round(d[25], 6)  # 2x at x = 0.5102..., and 3
    array([1.020408, 3.      ])
    """
    order = check_order(order, max_order=None, method_name="differentiate")
    t = time_to_float(x, unit, name="x")
    check_time_order(t, name="x", fix="np.argsort(x) gives the order")
    return_std = _check_flag(return_std, "return_std")
    step = resolution_in_units(resolution, parse_time_unit(unit) if _is_time(x) else None)
    if _dask_kind(y) is not None:
        _no_std_for_dask(return_std)
        _in_memory_only(resolution, outliers)
        return _differentiate_dask_array(t, y, order, method, axis, progress, params)
    values = as_float_array(y, name="y")
    if values.ndim == 0:
        raise ValueError("y must have a sample axis, got a scalar")
    axis = _check_axis(axis, values.ndim)
    moved = np.moveaxis(values, axis, 0)
    if moved.shape[0] != t.size:
        raise ValueError(
            f"y has {moved.shape[0]} samples along axis {axis} but x has {t.size}; pass the "
            "sample axis with axis="
        )
    factory = _factory(
        method, params, progress=progress, return_std=return_std, resolution=step is not None
    )
    flat = moved.reshape(t.size, -1)
    (result,) = _fit_and_evaluate(
        t,
        flat,
        (order,),
        factory,
        progress=progress,
        return_std=return_std,
        options=FitOptions(resolution=step, outliers=check_outliers(outliers)),
    )
    shaped = [np.moveaxis(part.reshape(moved.shape), 0, axis) for part in _arrays(result)]
    return tuple(shaped) if return_std else shaped[0]


def _is_time(x: Any) -> bool:
    """Whether positions (already read by time_to_float) are times rather than numbers."""
    pd = _pandas()
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        dtype = pd.Index(np.asarray(x)).dtype
    return not pd.api.types.is_numeric_dtype(dtype)


def differentiate(
    data: Any,
    order: int = 1,
    method: Any = "spline",
    unit: Any = None,
    *,
    dim: Hashable | None = None,
    datetime_unit: Any = None,
    progress: bool = False,
    series_per_block: int | None = None,
    return_std: bool = False,
    resolution: Any = None,
    outliers: str = "warn",
    **params: Any,
) -> Any:
    """Differentiate a pandas Series/DataFrame or an xarray DataArray along its time axis.

    Parameters
    ----------
    data : pandas.Series, pandas.DataFrame, xarray.DataArray or dask.dataframe.DataFrame
        For pandas, the index holds the sample positions: a ``DatetimeIndex`` (naive or in one
        time zone), a ``TimedeltaIndex`` or numbers; it must be sorted, without repeats or NaT.
        Every column of a DataFrame must be numeric. NaN values are gaps: each column is fitted
        on its own valid samples. A dask DataFrame (or Series) has the same wide layout, one
        column per series, and gives a lazy dask result: dask partitions a frame by rows (time),
        but a spline is global along the time axis, so its values are regrouped into blocks of
        whole columns (``series_per_block`` of them, all their rows), each fitted as one batch;
        the index itself is read once, eagerly, as every block needs the sample times. The
        index must be sorted with known divisions (``set_index(..., sorted=True)``,
        ``read_parquet(..., calculate_divisions=True)``, ``from_pandas``).
    order : int, default=1
        Derivative order (``0`` gives the smoothed values).
    method : str or BaseInterpolator, default='spline'
        A family registered in :mod:`pydelt_like.registry` (``'spline'``, ``'neural'``, or
        one registered since), or an unfitted interpolator to clone for every fit.
    unit : str or timedelta, optional
        For time indexes, the time unit of the derivative (one table for every function and
        the command line, :data:`TIME_UNITS`; see :func:`time_to_float` for every spelling):
        ``'s'`` (default, per second), ``'ns'``, ``'us'``, ``'ms'``, ``'min'``, ``'h'``,
        ``'D'`` (per day), ``'W'``, and fixed calendar lengths: ``'month'`` (1/12 Julian year,
        30.4375 days), ``'quarter'`` (1/4 of it) and ``'year'`` (a Julian year of 365.25 days);
        a multiple such as ``'15min'``, or a timedelta. pandas' calendar frequencies such as
        ``'MS'`` (month start) are refused, naming ``'month'``. Leave it ``None`` for a
        numeric index. For a DataArray use ``datetime_unit``.
    dim : hashable, optional
        DataArray only: the dimension to differentiate along (its coordinate gives the
        positions, or 0, 1, 2, ... without one). Optional for a 1-D array.
    datetime_unit : str, optional
        DataArray only, as in ``xarray.DataArray.differentiate``: the time unit of a datetime
        coordinate (``'W'``, ``'D'``, ``'h'``, ``'m'`` (xarray's minute), ``'s'``, ``'ms'``,
        ``'us'``, ``'ns'``, or any unit of ``unit``'s table, such as ``'year'``); NumPy's
        calendar units ``'Y'`` and ``'M'`` are refused, naming ``'year'`` and ``'month'``.
        ``None`` means the coordinate's own resolution (nanoseconds, usually).
    progress : bool, default=False
        Show a tqdm progress bar over groups of columns (needs tqdm); in memory only.
    return_std : bool, default=False
        Also return the standard errors of the derivative (the interpolators' ``return_std``),
        as a second object like the first: ``(derivative, std)``; in memory only.
    resolution : str, timedelta or float, optional
        The smoothing as a time scale: features narrower than it are mostly noise. A
        length of time on a time axis (``'1year'``, ``'30D'``, a timedelta; spelled as
        ``unit``), or a number in the units of the positions (``unit`` for a time axis, the
        index's own for numbers). The spline's knot intervals are kept at least this long
        (``max_knots = floor(span / resolution)`` per column; its automatic choice may take
        fewer), so a cycle of this period is mostly left out as noise (at most about a sixth
        of its amplitude stays in the fit, at half the period 1 %) and cycles twice as long or
        longer are followed (see the time-series documentation). For families with
        ``max_knots`` (the spline); not with ``max_knots``, nor with dask input.
    outliers : {'warn', 'omit', 'keep'}, default='warn'
        Gross outliers, samples far from their neighbours and the curve through them (a
        typo, a glitch; in memory only; see the time-series documentation): fit them and
        warn naming the first, leave them out of the fit (with a warning), or fit them
        without a word.
    series_per_block : int, optional
        Dask DataFrames only: columns per block. The default, ``ceil(n_columns /
        npartitions)``, makes each block as large as an average partition, which bounds each
        worker's memory by the partition size.
    **params
        Passed to the interpolator named by ``method``, e.g. ``smoothing=1e-3`` or ``k=3``.
        Defaults here: ``nan_policy='omit'`` (gaps are dropped) and ``extrapolate='nan'``.

    Returns
    -------
    pandas.Series, pandas.DataFrame, xarray.DataArray or dask.dataframe.DataFrame
        The derivative, with the same index (or coordinates); NaN before a column's first and
        after its last valid value; gaps inside are filled by the fit. A Series or DataArray
        is named for what it holds (``'co2 d/dt'``, ``'co2 fit'`` for order 0, ``'co2 d/dt
        std'`` for the standard error), with ``attrs`` ``{'long_name': ..., 'units': ...}``:
        the unit (``'ppm/year'``) when the input's ``attrs['units']`` gives the data's. A
        DataFrame keeps its column labels, so that results and data line up column by column;
        its ``attrs`` hold ``{'long_name': {column: name}, 'units': {column: unit}}``. A dask
        input gives a lazy dask result with the input's partitions and names.

    Raises
    ------
    TypeError
        For other input types (a dask array goes to :func:`differentiate_array`), non-numeric
        columns, timestamps mixing time zones, or a setting ``method`` does not have.
    ValueError
        For an unsorted or repeated index, NaT, a ``unit`` that is not in the table (see
        :func:`time_to_float`), a ``unit`` with a numeric index, a ``method`` that is not
        registered, a setting with a bad value (checked before any fit), or a column with too
        few valid values.
    NotImplementedError
        For ``return_std=True`` with dask input or a family without uncertainty bands.

    See Also
    --------
    differentiate_array : the same for NumPy (and dask) arrays.
    differentiate_long : many series in long format, each with its own sample times.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> index = pd.to_datetime(
    ...     [
    ...         "2024-01-01",
    ...         "2024-01-03",
    ...         "2024-01-04",
    ...         "2024-01-08",
    ...         "2024-01-09",
    ...         "2024-01-12",
    ...         "2024-01-13",
    ...         "2024-01-15",
    ...     ]
    ... )
    >>> days = np.array([0.0, 2, 3, 7, 8, 11, 12, 14])
    >>> frame = pd.DataFrame({"a": 2 * days, "b": days**2}, index=index)
    >>> differentiate(frame, unit="D").round(6).iloc[3]  # per day at day 7
    a     2.0
    b    14.0
    Name: 2024-01-08 00:00:00, dtype: float64
    """
    order = check_order(order, max_order=None, method_name="differentiate")
    return_std = _check_flag(return_std, "return_std")
    kind = _dask_kind(data)
    if kind is not None:
        _no_std_for_dask(return_std)
    if kind == "array":
        raise TypeError(
            "differentiate takes labelled data; for a dask array use differentiate_array(x, y)"
        )
    if series_per_block is not None and kind is None:
        raise TypeError("series_per_block applies to dask DataFrames only")
    if kind is not None:
        if dim is not None or datetime_unit is not None:
            raise TypeError("dim= and datetime_unit= apply to xarray DataArrays only")
        _in_memory_only(resolution, outliers)
        _check_not_progress(progress)
        return _differentiate_dask_frame(data, order, method, unit, series_per_block, params)
    if not is_labelled(data):
        read_labelled(data)  # refuses it, naming what is taken
    labelled = read_labelled(data, unit, dim=dim, datetime_unit=datetime_unit)
    step = resolution_in_units(resolution, labelled.time_unit)
    factory = _factory(
        method, params, progress=progress, return_std=return_std, resolution=step is not None
    )
    (result,) = _fit_and_evaluate(
        labelled.t,
        labelled.values,
        (order,),
        factory,
        labels=labelled.labels,
        progress=progress,
        return_std=return_std,
        options=FitOptions(resolution=step, outliers=check_outliers(outliers), rows=labelled.rows),
    )
    out = [
        labelled.wrap(part, order, std)
        for part, std in zip(_arrays(result), (False, True), strict=False)
    ]
    return tuple(out) if return_std else out[0]
