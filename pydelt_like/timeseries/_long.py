"""Long format: many series in one frame, one row per sample (a key, a time, a value).

Series whose sample times are identical are stacked and fitted together, as one batch; the
derivative comes back aligned with the input's rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from pydelt_like._progress import progress_bar
from pydelt_like._validation import check_order
from pydelt_like.base import BaseInterpolator, _check_flag
from pydelt_like.timeseries._axis import _show, _ticks, time_to_float
from pydelt_like.timeseries._batches import (
    ColumnDerivatives,
    _factory,
    _fit_and_evaluate,
    _numeric_frame,
)
from pydelt_like.timeseries._names import quantity, time_symbol, unit_of
from pydelt_like.timeseries._options import (
    FitOptions,
    check_outliers,
    check_weights,
    resolution_in_units,
)
from pydelt_like.timeseries._units import _pandas, _short_repr, parse_time_unit

__all__ = ["differentiate_long", "fit_long"]


def differentiate_long(
    frame: Any,
    by: Hashable | list[Hashable],
    time: Hashable,
    value: Hashable,
    order: int = 1,
    method: Any = "spline",
    unit: Any = None,
    *,
    progress: bool = False,
    return_std: bool = False,
    resolution: Any = None,
    outliers: str = "warn",
    **params: Any,
) -> Any:
    """Differentiate many series held in long format: one row per sample.

    Rows are grouped into series by ``by`` and sorted by ``time`` within each series (the
    frame itself may be in any order, and is not changed). Series whose sample times are
    identical are stacked and fitted together, as one batch (one fit, many columns, with
    per-series automatic smoothing); a series with sample times of its own is fitted alone.

    Parameters
    ----------
    frame : pandas.DataFrame or dask.dataframe.DataFrame
        The samples. A dask DataFrame gives a lazy result; it must hold each series whole in
        one partition (a spline is global along time, so a series split across partitions
        cannot be fitted there): set the series key as its index first,
        ``frame.set_index(by)``, which sorts the rows by key into partitions with known
        divisions, each key in one partition.
    by : hashable or list of hashable
        The column(s) (or, for pandas, index levels) holding the series key. A dask
        DataFrame takes a single key, its index.
    time : hashable
        The column of sample times: timestamps (naive or in one time zone), time differences
        or numbers. Timestamps count from each series' first one.
    value : hashable
        The numeric column of sampled values; NaN marks a missing sample.
    order : int, default=1
        Derivative order (``0`` gives the smoothed values).
    method : str or BaseInterpolator, default='spline'
        A family registered in :mod:`pydelt_like.registry` (``'spline'``, ``'neural'``, or
        one registered since), or an unfitted interpolator to clone for every fit.
    unit : str or timedelta, optional
        For times that are timestamps or time differences, the time unit of the derivative
        (the table of :func:`differentiate`, :data:`TIME_UNITS`; checked before any data are
        read); leave it ``None`` for numeric times.
    progress : bool, default=False
        Show a tqdm progress bar over the batches (needs tqdm); in memory only.
    return_std : bool, default=False
        Also return the standard errors, as a second Series: ``(derivative, std)``; in memory
        only.
    resolution : str, timedelta or float, optional
        The smoothing as a time scale, as in :func:`differentiate` (per series: knot
        intervals at least this long); in memory only.
    outliers : {'warn', 'omit', 'keep'}, default='warn'
        Gross outliers within a series (a typo, a glitch), as for :func:`differentiate`; in memory
        only.
    **params
        Passed to the interpolator named by ``method``. Defaults here: ``nan_policy='omit'``
        and ``extrapolate='nan'``.

    Returns
    -------
    pandas.Series or dask.dataframe.Series
        The derivative for every row, aligned with the rows of ``frame`` (same index); NaN
        before a series' first and after its last valid value. In memory, it is named for
        what it holds (``'level d/dt'``), with ``attrs`` ``{'long_name', 'units'}`` (the unit
        when ``frame.attrs['units']`` gives the values'; see :func:`differentiate`); a dask
        result is named after ``value``. With ``return_std=True``, ``(derivative, std)``.

    Raises
    ------
    ValueError
        For a missing column, a time repeated within a series, missing times, a ``unit`` not
        in the table (or given with numeric times), a ``method`` that is not registered, a
        setting with a bad value (checked before any fit), a series with too few valid values,
        or a dask DataFrame whose partitions do not hold whole series.
    TypeError
        For other input types, a column label that is not hashable (a list, set or array for
        ``time`` or ``value``), a non-numeric ``value`` column, or a setting ``method`` does
        not have.

    See Also
    --------
    differentiate : wide data, one column per series on a shared time index.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> t = np.linspace(0.0, 2.0, 50)
    >>> frame = pd.DataFrame(
    ...     {
    ...         "sensor": ["a"] * 50 + ["b"] * 50,
    ...         "t": np.concatenate([t, t**2]),
    ...         "level": np.concatenate([3 * t, 5 * t**2]),
    ...     }
    ... )
    >>> rate = differentiate_long(frame, by="sensor", time="t", value="level")
    >>> rate.groupby(frame["sensor"]).median().round(6)
    sensor
    a    3.0
    b    5.0
    Name: level d/dt, dtype: float64
    """
    order = check_order(order, max_order=None, method_name="differentiate")
    unit = None if unit is None else parse_time_unit(unit)
    # The lazy path runs this module's in-memory core on each partition, so it is imported
    # here, when a dask collection arrives, not at the top (which would import in a circle).
    from pydelt_like.timeseries import _dask

    return_std = _check_flag(return_std, "return_std")
    kind = _dask._dask_kind(frame)
    if kind == "dataframe":
        _dask._check_not_progress(progress)
        _dask._no_std_for_dask(return_std)
        _dask._in_memory_only(resolution, outliers)
        return _dask._differentiate_long_dask(frame, by, time, value, order, method, unit, params)
    pd = _pandas()
    if kind is not None or not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"frame must be a pandas or dask DataFrame in long format, got {type(frame).__name__}"
        )
    _check_labels(_long_keys(frame, by), time, value)
    is_time = time in frame.columns and not pd.api.types.is_numeric_dtype(frame[time].dtype)
    time_unit = parse_time_unit(unit) if is_time else None  # None: seconds
    step = resolution_in_units(resolution, time_unit)
    factory = _factory(
        method, params, progress=progress, return_std=return_std, resolution=step is not None
    )
    (result,) = long_results(
        frame,
        by,
        time,
        value,
        (order,),
        factory,
        unit,
        progress,
        return_std=return_std,
        options=FitOptions(resolution=step, outliers=check_outliers(outliers)),
    )
    out = []
    for part, std in ((result.values, False), (result.std, True)):
        if part is None:
            continue
        found = quantity(
            value,
            order,
            y_unit=unit_of(frame.attrs, value),
            x_unit=None if time_unit is None else time_symbol(time_unit),
            variable="t" if is_time else str(time),
            std=std,
        )
        series = pd.Series(part[:, 0], index=frame.index, name=found.name)
        series.attrs = found.attrs()
        out.append(series)
    return tuple(out) if return_std else out[0]


def _long_keys(frame: Any, by: Any) -> list[Hashable]:
    keys = list(by) if isinstance(by, list) else [by]
    if not keys:
        raise ValueError("by must name at least one key column")
    return keys


def _check_labels(keys: list[Any], time: Any, value: Any) -> None:
    """Column labels are hashable: a list, set or array is refused here, not deep in pandas."""
    for role, label in [*(("by", key) for key in keys), ("time", time), ("value", value)]:
        try:
            hash(label)
        except TypeError:
            several = " (several key columns go in a list of labels)" if role == "by" else ""
            raise TypeError(
                f"{role} must be a column label, got {_short_repr(label)} "
                f"({type(label).__name__}){several}"
            ) from None


def _check_long_columns(frame: Any, keys: list[Hashable], time: Any, value: Any) -> None:
    _check_labels(keys, time, value)
    levels = [name for name in frame.index.names if name is not None]
    for role, label in [*(("by", key) for key in keys), ("time", time), ("value", value)]:
        present = label in frame.columns or (role == "by" and label in levels)
        if not present:
            where = " or index levels" if role == "by" else ""
            raise ValueError(
                f"{role}={label!r} is not a column{where} of the frame; its columns are "
                f"{list(frame.columns)}"
            )
    if time == value or time in keys or value in keys:
        raise ValueError(
            f"by={keys!r}, time={time!r} and value={value!r} must name different columns"
        )


def _key_labels(frame: Any, keys: list[Hashable], rows: np.ndarray) -> list[Any]:
    """The key of the series at each of ``rows``: a value, or a tuple for several keys."""
    parts = []
    for key in keys:
        source = frame[key] if key in frame.columns else frame.index.get_level_values(key)
        parts.append(np.asarray(source)[rows])
    if len(parts) == 1:
        return list(parts[0])
    return list(zip(*parts, strict=True))


def _long_times(frame: Any, time: Hashable, codes: np.ndarray, n_series: int, unit: Any) -> Any:
    """Sample times as floats; timestamps count from the first one of their series."""
    pd = _pandas()
    times = frame[time]
    if not (times.dtype.kind == "M" or isinstance(times.dtype, pd.DatetimeTZDtype)):
        t = time_to_float(times, unit, name=f"column {time!r}")
        bad = ~np.isfinite(t)
        if bad.any():
            raise ValueError(
                f"column {time!r} has {int(bad.sum())} missing or infinite values, first at "
                f"row {_show(frame.index[int(np.flatnonzero(bad)[0])])}; drop those rows first"
            )
        return t
    missing = times.isna().to_numpy()
    if missing.any():
        raise ValueError(
            f"column {time!r} has {int(missing.sum())} missing timestamps (NaT), first at row "
            f"{_show(frame.index[int(np.flatnonzero(missing)[0])])}; drop those rows first"
        )
    seconds = parse_time_unit(unit).seconds
    ticks, tick_seconds = _ticks(pd.DatetimeIndex(times))
    # Integer differences from each series' own start: exact, and independent of other series.
    origin = np.full(n_series, np.iinfo(np.int64).max)
    np.minimum.at(origin, codes, ticks)
    return (ticks - origin[codes]).astype(np.float64) * (tick_seconds / seconds)


def _long_values(
    frame: Any,
    by: Any,
    time: Hashable,
    value: Hashable,
    order: int,
    factory: Callable[[], BaseInterpolator],
    unit: Any,
    progress: bool,
) -> np.ndarray:
    """The derivative for every row of a pandas frame in long format (see differentiate_long)."""
    (result,) = long_results(frame, by, time, value, (order,), factory, unit, progress)
    return result.values[:, 0]


def long_results(
    frame: Any,
    by: Any,
    time: Hashable,
    value: Hashable,
    orders: tuple[int, ...],
    factory: Callable[[], BaseInterpolator],
    unit: Any,
    progress: bool,
    *,
    return_std: bool = False,
    weights: Hashable | None = None,
    options: FitOptions | None = None,
) -> tuple[ColumnDerivatives, ...]:
    """Every order (and its standard error) for every row of a pandas frame in long format, as
    columns of shape (n, 1) in the frame's row order. ``weights`` names a column of per-row
    weights; ``options`` adds a resolution or a log transform (its own weights are ignored)."""
    options = options or FitOptions()
    keys = _long_keys(frame, by)
    _check_long_columns(frame, keys, time, value)
    n = len(frame)
    if n == 0:
        return tuple(
            ColumnDerivatives(o, np.empty((0, 1)), np.empty((0, 1)) if return_std else None)
            for o in orders
        )
    grouper = frame.groupby(keys if len(keys) > 1 else keys[0], sort=False, dropna=False)
    codes = np.asarray(grouper.ngroup(), dtype=np.intp)
    n_series = int(codes.max()) + 1
    _, first_rows = np.unique(codes, return_index=True)
    labels = _key_labels(frame, keys, first_rows)
    t = _long_times(frame, time, codes, n_series, unit)
    v = _numeric_frame(frame[[value]])[:, 0]
    if weights is not None and weights not in frame.columns:
        raise ValueError(
            f"weights={weights!r} is not a column of the frame; its columns are "
            f"{list(frame.columns)}"
        )
    w = None if weights is None else check_weights(frame[weights], n, name=f"column {weights!r}")

    # Sorted by series, then time; each series is one contiguous run [starts[g], ends[g]).
    # Per-row arrays are dropped as soon as they are used: on a Dask worker they are what
    # decides the memory a partition takes, next to the partition itself.
    perm = np.lexsort((t, codes))
    codes_sorted, t_sorted, v_sorted = codes[perm], t[perm], v[perm]
    w_sorted = None if w is None else w[perm]
    del codes, t, v, w
    same_series = codes_sorted[1:] == codes_sorted[:-1]
    repeated = same_series & (t_sorted[1:] == t_sorted[:-1])
    if repeated.any():
        i = int(np.flatnonzero(repeated)[0])
        raise ValueError(
            f"series {labels[codes_sorted[i]]!r} has the time "
            f"{_show(frame[time].iloc[perm[i]])} twice (rows {_show(frame.index[perm[i]])} and "
            f"{_show(frame.index[perm[i + 1]])}); average repeated samples first, e.g. "
            f"frame.groupby({[*keys, time]!r}, as_index=False).mean()"
        )
    del repeated, codes_sorted
    starts = np.flatnonzero(np.concatenate([[True], ~same_series]))
    del same_series
    ends = np.append(starts[1:], n)

    # Series with identical sample times form one batch (hash first, then compare exactly);
    # with weights, which differ from series to series, every series is a batch of its own.
    batches: dict[tuple[int, int], list[list[int]]] = {}
    for g in range(n_series):
        times = t_sorted[starts[g] : ends[g]]
        key = (times.size, hash(times.tobytes()) if w_sorted is None else g)
        candidates = batches.setdefault(key, [])
        for members in candidates:
            head = members[0]
            if np.array_equal(t_sorted[starts[head] : ends[head]], times):
                members.append(g)
                break
        else:
            candidates.append([g])
    groups = [members for candidates in batches.values() for members in candidates]
    iterator: Any = groups
    if progress and len(groups) > 1:
        iterator = progress_bar(groups, desc="batches of series", unit="batch")

    out = {order: np.empty((n, 1)) for order in orders}
    errors = {order: np.empty((n, 1)) for order in orders} if return_std else {}
    for members in iterator:
        head = members[0]
        rows = slice(starts[head], ends[head])
        block = np.stack([v_sorted[starts[g] : ends[g]] for g in members], axis=1)
        batch_options = dataclasses.replace(
            options,
            weights=None if w_sorted is None else w_sorted[rows],
            rows=[_show(time_value) for time_value in frame[time].iloc[perm[rows]]],
        )
        results = _fit_and_evaluate(
            t_sorted[rows],
            block,
            orders,
            factory,
            labels=[labels[g] for g in members],
            what="series",
            return_std=return_std,
            options=batch_options,
        )
        del block
        for result in results:
            for j, g in enumerate(members):  # straight back to the input's row order
                target = perm[starts[g] : ends[g]]
                out[result.order][target, 0] = result.values[:, j]
                if return_std and result.std is not None:
                    errors[result.order][target, 0] = result.std[:, j]
    return tuple(ColumnDerivatives(o, out[o], errors.get(o)) for o in orders)


def fit_long(
    frame: Any,
    by: Hashable | list[Hashable],
    time: Hashable,
    value: Hashable,
    orders: int | Sequence[int] = 1,
    method: Any = "spline",
    unit: Any = None,
    *,
    progress: bool = False,
    return_std: bool = False,
    weights: Hashable | None = None,
    resolution: Any = None,
    log: bool = False,
    outliers: str = "warn",
    **params: Any,
) -> tuple[ColumnDerivatives, ...]:
    """Fit many series in long format; every order at every row: the long :func:`fit_columns`.

    The building block under :func:`differentiate_long` and the command line's ``--by``: the
    rows are grouped into series by ``by``, series with identical sample times are fitted
    together (unless ``weights`` are given, which differ from series to series), and every
    requested order is evaluated from the same fit, aligned with the input rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        The samples, one row each, in any order (not changed).
    by, time, value, unit
        As for :func:`differentiate_long`.
    orders : int or sequence of int, default=1
        The derivative orders, distinct (``0``: the fit itself).
    method : str or BaseInterpolator, default='spline'
        A registered family or an unfitted interpolator, as in :func:`estimator_factory`.
    progress : bool, default=False
        Show a tqdm progress bar over the batches (needs tqdm).
    return_std : bool, default=False
        Also evaluate the standard errors (families with uncertainty bands).
    weights : hashable, optional
        A column of per-row weights (inverse variances up to a factor, finite, >= 0).
    resolution : str, timedelta or float, optional
        The smoothing as a time scale, as for :func:`differentiate`.
    log : bool, default=False
        Fit ``ln`` of the values and return the derivatives of the values (chain rule), as
        for :func:`fit_columns`.
    outliers : {'warn', 'omit', 'keep'}, default='warn'
        Gross outliers within a series (a typo, a glitch), as for :func:`differentiate`.
    **params
        Settings of the family, as in :func:`estimator_factory`.

    Returns
    -------
    tuple of ColumnDerivatives
        One per order, each with ``values`` (and ``std``) of shape ``(len(frame), 1)`` in the
        frame's row order.

    Raises
    ------
    ValueError, TypeError, NotImplementedError
        As :func:`differentiate_long` and :func:`fit_columns` raise them.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> t = np.linspace(0.0, 2.0, 40)
    >>> frame = pd.DataFrame(
    ...     {"tree": ["a"] * 40 + ["b"] * 40, "year": np.r_[t, t], "height": np.r_[t**2, 3 * t]}
    ... )
    >>> fit, slope = fit_long(frame, "tree", "year", "height", orders=(0, 1))
    >>> np.round(slope.values[[20, 60], 0], 6)  # 2t at t = 1.0256..., and 3
    array([2.051282, 3.      ])
    """
    pd = _pandas()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"frame must be a pandas DataFrame in long format, got {type(frame).__name__}"
        )
    order_list = [orders] if isinstance(orders, (int, np.integer)) else list(orders)
    checked = tuple(check_order(o, max_order=None, method_name="fit_long") for o in order_list)
    if not checked or len(set(checked)) != len(checked):
        raise ValueError(f"orders must be one or more distinct orders, got {orders!r}")
    return_std = _check_flag(return_std, "return_std")
    _check_labels(_long_keys(frame, by), time, value)
    if time not in frame.columns:
        raise ValueError(
            f"time={time!r} is not a column of the frame; its columns are {list(frame.columns)}"
        )
    is_time = not pd.api.types.is_numeric_dtype(frame[time].dtype)
    unit = None if unit is None else parse_time_unit(unit)
    step = resolution_in_units(resolution, (unit or parse_time_unit("s")) if is_time else None)
    factory = _factory(
        method, params, progress=progress, return_std=return_std, resolution=step is not None
    )
    options = FitOptions(
        resolution=step, log=_check_flag(log, "log"), outliers=check_outliers(outliers)
    )
    return long_results(
        frame,
        by,
        time,
        value,
        checked,
        factory,
        unit,
        progress,
        return_std=return_std,
        weights=weights,
        options=options,
    )
