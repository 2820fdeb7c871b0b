"""Time axes: timestamps, time differences or numbers as float positions, checked for order."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import numpy as np

from pydelt_like._validation import _is_torch_like, as_float_array, check_int
from pydelt_like.timeseries._units import _pandas, _short_repr, parse_time_unit

__all__ = ["check_time_order", "time_to_float"]


def _is_time_dtype(dtype: Any) -> bool:
    kind = getattr(dtype, "kind", None)
    return kind in ("M", "m")


def time_to_float(index: Any, unit: Any = None, *, name: str = "the index") -> np.ndarray:
    """Turn timestamps, time differences or numbers into float positions.

    Parameters
    ----------
    index : pandas.Index, pandas.Series or array-like
        ``DatetimeIndex`` / datetime64 values (naive, or all in one time zone),
        ``PeriodIndex`` / periods (monthly, quarterly, yearly data: each period counts from its
        start, as pandas' ``to_timestamp()`` places it), ``TimedeltaIndex`` / timedelta64
        values, or numbers.
    unit : str or timedelta, optional
        The time unit of the result for timestamps and time differences, from one table
        (:data:`TIME_UNITS`): ``'ns'``, ``'us'``, ``'ms'``, ``'s'`` (the default), ``'min'``,
        ``'h'``, ``'D'``, ``'W'`` and the fixed calendar lengths ``'month'`` (1/12 Julian
        year, 30.4375 days), ``'quarter'`` (1/4 Julian year) and ``'year'`` (a Julian year of
        365.25 days); their English words (``'hours'``, ``'days'``, ...); a multiple such as
        ``'15min'`` or ``'1h30min'``; an ISO 8601 duration of weeks, days and times
        (``'PT15M'``); a ``datetime.timedelta``, ``pandas.Timedelta`` or ``numpy.timedelta64``;
        or a pandas frequency with a fixed length (``index.freq`` of '15min' or 'W-SUN' data).
        Spellings are case-sensitive. Refused, with the choices: pandas' calendar frequency
        aliases (``'MS'``, ``'ME'``, ``'QS'``, ``'YE'``, ...), whose periods vary in length
        (``'MS'`` is not milliseconds either), ``'M'`` and ``'m'`` (month or minute, depending
        on whom you ask), pandas' retired one-letter aliases (``'T'``, ``'H'``, ``'S'``, ...),
        and ISO years and months. Must be left ``None`` for numbers, whose units are their own.
    name : str, default='the index'
        How messages refer to ``index``.

    Returns
    -------
    numpy.ndarray of float64
        For timestamps and time differences: the time since the first one, in ``unit``;
        numbers are returned as floats.

    Raises
    ------
    ValueError
        For missing timestamps (NaT), an ``index`` that is not 1-D, a ``unit`` that is not in
        the table or not a positive length, or a ``unit`` given with numbers.
    TypeError
        For an ``index`` that is not a sequence (a scalar, a string, ``None``, a set, a
        MultiIndex), values that are neither times nor numbers, timestamps that mix time
        zones, or a ``unit`` that is neither a string nor a timedelta.

    Examples
    --------
    >>> import pandas as pd
    >>> time_to_float(pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-04"]), unit="D")
    array([0., 1., 3.])
    >>> time_to_float(pd.to_datetime(["2024-01-01 00:00", "2024-01-31 10:30"]), unit="month")
    array([0., 1.])
    >>> time_to_float(pd.period_range("2023Q4", periods=3, freq="Q"), unit="D")
    array([  0.,  92., 183.])
    >>> monthly = pd.date_range("2024-01-01", periods=3, freq="MS")
    >>> time_to_float(monthly, unit=monthly.freqstr)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unit 'MS' is pandas' month-start frequency, ... unit='month' (a fixed 1/12 ...
    """
    pd = _pandas()
    time_unit = None if unit is None else parse_time_unit(unit)  # refused whatever the index holds
    values = _index_values(index, name)
    dtype = values.dtype
    if pd.api.types.is_object_dtype(dtype) and len(values):
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        if inferred in ("datetime", "datetime64", "date") or (
            inferred == "mixed"
            and all(isinstance(v, (datetime.date, np.datetime64)) or v is None for v in values)
        ):
            try:  # e.g. datetime.date objects from groupby(index.date): one datetime type
                values = pd.DatetimeIndex(values)
            except (TypeError, ValueError):
                raise TypeError(
                    f"{name} holds timestamps that pandas cannot combine into one datetime type "
                    "(mixed time zones, or naive and time-zone-aware together); convert them "
                    "with pd.to_datetime(values, utc=True)"
                ) from None
            dtype = values.dtype
    if _is_time_dtype(dtype) or isinstance(dtype, pd.DatetimeTZDtype):
        stamps = pd.Index(values)
        if stamps.hasnans:
            first = int(np.flatnonzero(pd.isna(stamps))[0])
            raise ValueError(
                f"{name} has {int(pd.isna(stamps).sum())} missing timestamps (NaT), first at "
                f"position {first}; drop those rows first (e.g. data[data.index.notna()])"
            )
        seconds = parse_time_unit(time_unit).seconds
        if len(stamps) == 0:
            return np.empty(0)
        # Time counts from the first stamp, in whole ticks of the index's own resolution (s,
        # ms, us or ns): exact integer differences, and no overflow for records spanning
        # centuries at second resolution, before the one division into the unit.
        ticks, tick_seconds = _ticks(pd.TimedeltaIndex(stamps - stamps[0]))
        return ticks.astype(np.float64) * (tick_seconds / seconds)
    numbers = as_float_array(np.asarray(values), name=name)  # refuses what is not numbers
    if unit is not None:
        raise ValueError(
            f"unit={unit!r} applies to timestamps and time differences, but {name} holds "
            "numbers, whose units are their own; leave unit=None"
        )
    return numbers


def _index_values(index: Any, name: str) -> Any:
    """``index`` as a 1-D pandas Index (or Series), or a TypeError/ValueError naming it."""
    pd = _pandas()
    if isinstance(index, pd.MultiIndex):
        raise TypeError(
            f"{name} is a MultiIndex, not a time axis; pass one level "
            "(index.get_level_values(0)), or differentiate each group"
        )
    if isinstance(index, (pd.Index, pd.Series)):
        return _periods_as_stamps(index, name)
    if np.ma.isMaskedArray(index) or _is_torch_like(index):
        return pd.Index(_masked_or_tensor(index, name))
    expected = (
        f"{name} must be a 1-D sequence of timestamps, time differences or numbers (a pandas "
        "Index or Series, a NumPy array or a list)"
    )
    if isinstance(index, (str, bytes)) or not (
        hasattr(index, "dtype") or isinstance(index, Sequence)
    ):
        raise TypeError(f"{expected}, got {_short_repr(index)} ({type(index).__name__})")
    try:
        array = np.asarray(index)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{expected}; {type(index).__name__} could not be read: {error}") from None
    if array.ndim != 1:
        raise ValueError(f"{expected}, got shape {array.shape}")
    try:
        return _periods_as_stamps(pd.Index(array), name)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{expected}; its dtype {array.dtype} cannot hold times: {error}") from None


def _periods_as_stamps(values: Any, name: str) -> Any:
    """Periods (a ``PeriodIndex``, a Series of periods, ``Period`` objects) as the timestamps of
    their starts, as pandas' ``to_timestamp()`` places them; anything else unchanged."""
    pd = _pandas()
    if isinstance(values.dtype, pd.PeriodDtype):
        return pd.PeriodIndex(values).to_timestamp(how="start")
    if pd.api.types.is_object_dtype(values.dtype) and len(values):
        kind = pd.api.types.infer_dtype(values, skipna=True)
        if kind == "period" or (
            kind == "mixed" and all(isinstance(v, pd.Period) or v is None for v in values)
        ):
            try:
                periods = pd.PeriodIndex(values)
            except (TypeError, ValueError):
                raise TypeError(
                    f"{name} holds periods of different frequencies (months and quarters, "
                    "say); convert them to one, or to timestamps with .to_timestamp()"
                ) from None
            return periods.to_timestamp(how="start")
    return values


def _masked_or_tensor(values: Any, name: str) -> np.ndarray:
    """A masked array (masked entries missing: NaN or NaT) or a torch tensor, as a 1-D array."""
    if _is_torch_like(values) or np.ma.getdata(values).dtype.kind not in "mM":
        array = as_float_array(values, name=name)
    else:
        array = np.ma.getdata(values).copy()
        array[np.ma.getmaskarray(values)] = np.array("NaT", dtype=array.dtype)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    return array


def _ticks(stamps: Any) -> tuple[np.ndarray, float]:
    """A datetime or timedelta index as whole ticks of its own resolution (s, ms, us or ns),
    and the seconds per tick: exact integers, without the overflow that converting coarse
    stamps spanning centuries to nanoseconds would meet."""
    pd = _pandas()
    return np.asarray(stamps.asi8, dtype=np.int64), pd.Timedelta(
        1, unit=stamps.unit
    ).total_seconds()


def _show(label: Any) -> str:
    """A label for messages: timestamps as text, NumPy scalars as plain Python values."""
    if isinstance(label, np.generic):
        label = label.item()
    if isinstance(label, (datetime.datetime, datetime.timedelta)):
        return f"'{label}'"
    return repr(label)


def check_time_order(
    t: Any, labels: Any = None, *, name: str = "the index", fix: str = "data.sort_index()"
) -> None:
    """Check that positions are finite and strictly increasing, naming the first offender.

    Parameters
    ----------
    t : array-like of shape (n,)
        Positions as numbers, e.g. from :func:`time_to_float`.
    labels : sequence of shape (n,), optional
        What messages show for each position (a pandas ``Index`` of timestamps, say, or the
        values as the user wrote them); by default ``t`` itself.
    name : str, default='the index'
        How messages refer to the positions, e.g. ``"column 'time'"``.
    fix : str, default='data.sort_index()'
        How to sort them, quoted in the message for unsorted positions.

    Raises
    ------
    ValueError
        For missing or infinite positions, repeated ones, or ones out of order.
    TypeError
        If ``t`` is not numbers.

    Examples
    --------
    >>> import pandas as pd
    >>> stamps = pd.to_datetime(["2024-01-02", "2024-01-01"])
    >>> check_time_order(time_to_float(stamps), stamps, name="column 'day'", fix="sort the rows")
    Traceback (most recent call last):
    ...
    ValueError: column 'day' is not sorted ('2024-01-01 00:00:00' at position 1 comes after \
'2024-01-02 00:00:00'); sort it first (sort the rows)
    """
    t = as_float_array(t, name=name)
    if t.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {t.shape}")
    if labels is None:
        labels = t
    elif len(labels) != t.size:
        raise ValueError(f"labels has {len(labels)} entries but {name} has {t.size} positions")
    label = labels.iloc.__getitem__ if hasattr(labels, "iloc") else labels.__getitem__
    bad = ~np.isfinite(t)
    if bad.any():
        raise ValueError(
            f"{name} has {int(bad.sum())} missing or infinite values, first at position "
            f"{int(np.flatnonzero(bad)[0])}; drop those rows first"
        )
    step = np.diff(t)
    if (step > 0).all():
        return
    i = int(np.flatnonzero(step <= 0)[0])
    if step[i] == 0:
        raise ValueError(
            f"{name} has repeated values (first: {_show(label(i + 1))} at positions {i} and "
            f"{i + 1}); average the repeated rows first"
        )
    raise ValueError(
        f"{name} is not sorted ({_show(label(i + 1))} at position {i + 1} comes after "
        f"{_show(label(i))}); sort it first ({fix})"
    )


def _check_axis(axis: Any, ndim: int) -> int:
    """The sample axis of an ``ndim``-dimensional ``y``: an integer in ``[-ndim, ndim)``."""
    hint = f"y has {ndim} dimension{'s' if ndim > 1 else ''}"
    return check_int(axis, name="axis", low=-ndim, high=ndim - 1, hint=hint)
