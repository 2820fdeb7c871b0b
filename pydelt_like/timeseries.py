"""Derivatives of time series held in pandas or xarray, with real timestamps.

:func:`differentiate` takes a pandas ``Series`` or ``DataFrame`` (index: ``DatetimeIndex``,
``TimedeltaIndex`` or numbers) or an xarray ``DataArray`` and returns the derivative on the same
index, per the time unit you choose: the index is turned into numbers (time since the first
sample, in ``unit``), every column is fitted (columns with the same gaps together, as one batch)
and the derivative is evaluated back at every timestamp.

:func:`differentiate_array` is the same for plain NumPy arrays with NaN gaps.

:func:`differentiate_long` takes many series in long format (one row per sample: a series key,
a time and a value), fits the series sharing their sample times together, as one batch, and
returns the derivative aligned with the input rows.

Dask collections are accepted too, and give lazy results computed block by block (on a
``dask.distributed`` cluster when a client is active): a ``dask.array.Array`` chunked across
series (:func:`differentiate_array`), a wide ``dask.dataframe.DataFrame`` with one column per
series (:func:`differentiate`), and a long ``dask.dataframe.DataFrame`` indexed by the series
key (:func:`differentiate_long`). A spline is global along the sample axis, so every block
holds whole series: all of their samples, never a slice of them.

pandas, xarray and dask are optional: this module imports them only when given their objects.

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

import datetime
import functools
import math
import re
import sys
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from pydelt_like._progress import progress_bar
from pydelt_like._validation import (
    _is_torch_like,
    as_float_array,
    check_int,
    check_option,
    check_order,
)
from pydelt_like.base import BaseInterpolator, _check_flag

__all__ = [
    "METHODS",
    "TIME_UNITS",
    "differentiate",
    "differentiate_array",
    "differentiate_long",
    "time_to_float",
]

#: The interpolator families ``method`` may name.
METHODS = ("spline", "neural")


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is in the test environment
        raise ImportError(
            "pydelt_like.timeseries needs pandas for time units and pandas objects; install it "
            "with `pip install pandas` (or the extra: pip install 'pydelt-like[pandas]')"
        ) from None
    return pd


def _dask_kind(data: Any) -> str | None:
    """``'array'``, ``'dataframe'`` or ``'series'`` for a dask collection, else ``None``.

    dask is not imported here: an object can only be a dask collection if dask is loaded.
    """
    if "dask" not in sys.modules:
        return None
    module = type(data).__module__
    if not module.startswith("dask"):
        return None
    array = sys.modules.get("dask.array")
    if array is not None and isinstance(data, array.Array):
        return "array"
    frames = sys.modules.get("dask.dataframe")
    if frames is not None:
        if isinstance(data, frames.DataFrame):
            return "dataframe"
        if isinstance(data, frames.Series):
            return "series"
    raise TypeError(
        f"{type(data).__name__} is a dask collection this function does not take; pass a "
        "dask.array.Array or a dask.dataframe.DataFrame"
    )


def _dask(module: str) -> Any:
    """Import ``dask.array`` or ``dask.dataframe``, or say how to install it."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:  # pragma: no cover - dask is in the test environment
        raise ImportError(
            f"dask collections need {module}; install it with `pip install 'dask[dataframe]'` "
            "(or the extra: pip install 'pydelt-like[dask]')"
        ) from None


# ------------------------------------------------------------------------------- time units
# One table for every place a time unit is read: `unit=` here, `datetime_unit=` for xarray
# and the command line's --unit. Spellings are case-sensitive and each has one meaning; a
# spelling that has meant different lengths (in pandas' history, in NumPy, or one letter case
# away from another unit, as 'MS' and 'ms') is refused, with the choices, never guessed.

_DAY_SECONDS = 86_400.0
# The Julian year (IAU): the mean calendar year over a four-year leap cycle, and a fixed length.
_YEAR_SECONDS = 365.25 * _DAY_SECONDS

#: Length in seconds of each time unit, under its canonical spelling. The calendar units are
#: fixed lengths: ``'year'`` a Julian year of 365.25 days, ``'month'`` a twelfth of it (30.4375
#: days) and ``'quarter'`` a quarter of it (91.3125 days).
TIME_UNITS: Mapping[str, float] = MappingProxyType(
    {
        "ns": 1e-9,
        "us": 1e-6,
        "ms": 1e-3,
        "s": 1.0,
        "min": 60.0,
        "h": 3_600.0,
        "D": _DAY_SECONDS,
        "W": 7 * _DAY_SECONDS,
        "month": _YEAR_SECONDS / 12,
        "quarter": _YEAR_SECONDS / 4,
        "year": _YEAR_SECONDS,
    }
)

_CALENDAR_UNITS = ("month", "quarter", "year")
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")

# Every accepted spelling and its canonical one: the canonical spellings, English words, and
# pandas' weekly frequencies ('W-SUN', the freqstr of weekly data), which are all one week long.
_UNIT_SPELLINGS: Mapping[str, str] = MappingProxyType(
    {
        **{name: name for name in TIME_UNITS},
        **dict.fromkeys(("nanosecond", "nanoseconds", "nano", "nanos"), "ns"),
        **dict.fromkeys(
            ("µs", "μs", "microsecond", "microseconds", "micro", "micros"), "us"
        ),  # micro sign and Greek mu
        **dict.fromkeys(("millisecond", "milliseconds", "milli", "millis"), "ms"),
        **dict.fromkeys(("sec", "second", "seconds"), "s"),
        **dict.fromkeys(("minute", "minutes"), "min"),
        **dict.fromkeys(("hr", "hour", "hours"), "h"),
        **dict.fromkeys(("day", "days"), "D"),
        **dict.fromkeys(("week", "weeks", *(f"W-{day}" for day in _WEEKDAYS)), "W"),
        "months": "month",
        "quarters": "quarter",
        "years": "year",
    }
)

_CHOICES = (
    "'ns', 'us', 'ms', 's', 'min', 'h', 'D', 'W', 'month', 'quarter' or 'year' (fixed lengths: "
    "a Julian year of 365.25 days, a month of 1/12 and a quarter of 1/4 of it), a multiple such "
    "as '15min' or '1h30min', or a timedelta"
)
_ANCHOR = r"(?:-[A-Z]{3})?"
_FIXED_MONTH = "(a fixed 1/12 Julian year, 30.4375 days)"
# Spellings refused with a reason of their own: pandas frequency aliases of calendar periods,
# and letters whose meaning depends on whom you ask. ``{month}`` and the like become the
# parameter with that value, as the user would type it (unit='month', --unit month).
_REFUSED: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"MS"),
        "is pandas' month-start frequency, but milliseconds to pandas' Timedelta and one "
        "letter case away from 'ms'; say which you mean: {month} " + _FIXED_MONTH + " or {ms}",
    ),
    (
        re.compile(r"M"),
        "means a month in NumPy and pandas' month-end frequency, but a minute in older pandas; "
        "say which you mean: {month} " + _FIXED_MONTH + " or {min}",
    ),
    (
        re.compile(r"m"),
        "is a minute in NumPy and pandas but a month (or a metre) to many readers, and one "
        "letter case away from 'M'; say which you mean: {min} or {month}",
    ),
    (
        re.compile(r"(?:C?B)?M[SE]?"),
        "is a pandas frequency of calendar months, which differ in length (28-31 days); pass "
        "{month} for a fixed month " + _FIXED_MONTH,
    ),
    (
        re.compile(r"SM[SE]?(?:-\d{1,2})?"),
        "is pandas' semi-month frequency, which has no fixed length; pass a length such as "
        "{15D}, or {month}",
    ),
    (
        re.compile(rf"B?Q[SE]?{_ANCHOR}"),
        "is a pandas frequency of calendar quarters, which differ in length; pass {quarter} "
        "for a fixed quarter of 1/4 Julian year (91.3125 days)",
    ),
    (
        re.compile(rf"B?[YA][SE]?{_ANCHOR}"),
        "is a pandas frequency of calendar years (and 'Y' NumPy's 365.2425-day year); pass "
        "{year} for a fixed Julian year of 365.25 days",
    ),
    (
        re.compile(r"[ya]"),
        "is a symbol of a year whose length depends on the convention (Julian, Gregorian, "
        "calendar); pass {year} for a fixed Julian year of 365.25 days",
    ),
    (
        re.compile(r"C?BH?|C|bh|cbh"),
        "is a pandas business-day or business-hour frequency, which has no fixed length; pass "
        "{D} or {h}",
    ),
)
# pandas' one-letter aliases, retired or deprecated there: refused, naming today's spelling.
_RETIRED = {"T": "min", "S": "s", "L": "ms", "U": "us", "N": "ns", "H": "h", "d": "D", "w": "W"}

_NUMBER = r"\d+(?:\.\d*)?|\.\d+"
_TERM = re.compile(rf"\s*({_NUMBER})\s*([^\W\d_]+{_ANCHOR})\s*")
_ISO = re.compile(
    rf"P(?:(?P<Y>{_NUMBER})Y)?(?:(?P<M>{_NUMBER})M)?(?:(?P<W>{_NUMBER})W)?(?:(?P<D>{_NUMBER})D)?"
    rf"(?:T(?:(?P<h>{_NUMBER})H)?(?:(?P<m>{_NUMBER})M)?(?:(?P<s>{_NUMBER})S)?)?"
)
_ISO_SECONDS = {"W": 7 * _DAY_SECONDS, "D": _DAY_SECONDS, "h": 3_600.0, "m": 60.0, "s": 1.0}
# pandas' and Python's own text for a timedelta: '0 days 00:15:00', '1 day, 2:00:00', '00:15:00'.
_CLOCK = re.compile(r"(?:(\d+)\s*days?,?\s+)?(\d+):([0-5]?\d):([0-5]?\d(?:\.\d+)?)")
_NUMPY_UNIT_SECONDS = {
    "W": 7 * _DAY_SECONDS,
    "D": _DAY_SECONDS,
    "h": 3_600.0,
    "m": 60.0,  # a dtype's 'm' is NumPy's minute: no reading of it by a person is involved
    "s": 1.0,
    "ms": 1e-3,
    "us": 1e-6,
    "μs": 1e-6,
    "ns": 1e-9,
    "ps": 1e-12,
    "fs": 1e-15,
    "as": 1e-18,
}


@dataclass(frozen=True, repr=False)
class _TimeUnit:
    """A parsed time unit: its length in seconds and names for messages and labels."""

    seconds: float
    name: str  # canonical: 'h', '15min', 'month'
    calendar: bool = False  # holds a month, quarter or year, which readers may take literally

    def __repr__(self) -> str:  # messages quote a unit as the user would write it
        return repr(self.name)

    @property
    def label(self) -> str:
        """The name, with the fixed length of a calendar unit spelled out ('year of 365.25 d')."""
        if not self.calendar:
            return self.name
        return f"{self.name} of {self.seconds / _DAY_SECONDS:.6g} d"


def _say(param: str, value: Any) -> str:
    """A parameter with a value as the user writes it: ``unit='h'``, or ``--unit h``."""
    if param.startswith("--"):
        text = str(value)
        return f"{param} {text if len(text) <= 60 else text[:57] + '...'}"
    return f"{param}={_short_repr(value)}"


def _unit_error(unit: str, param: str, token: str | None = None) -> ValueError:
    """The refusal of ``unit`` (or of ``token``, a part of it), with the reason and the choices."""
    text = unit.strip() if token is None else token
    where = "" if token is None or token == unit.strip() else f" in {_say(param, unit)}"
    for pattern, reason in _REFUSED:
        if pattern.fullmatch(text):
            values = ("month", "ms", "min", "15D", "quarter", "year", "D", "h")
            say = {value: _say(param, value) for value in values}
            return ValueError(f"{param} {text!r}{where} {reason.format(**say)}")
    if text in _RETIRED:
        return ValueError(
            f"{param} {text!r}{where} is a retired pandas alias; spell it {_RETIRED[text]!r}"
        )
    folded = {spelling.casefold(): spelling for spelling in _UNIT_SPELLINGS}
    if text.casefold() in folded:
        return ValueError(
            f"{param} {text!r}{where} is not a time unit (spellings are case-sensitive); did "
            f"you mean {folded[text.casefold()]!r}? The units are {_CHOICES}"
        )
    return ValueError(f"{_say(param, unit)} is not a time unit; use {_CHOICES}")


def _positive(
    seconds: float, unit: Any, name: str, param: str, calendar: bool = False
) -> _TimeUnit:
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(
            f"{param} must be a positive, finite length of time, got {_short_repr(unit)}"
        )
    return _TimeUnit(seconds, name, calendar)


def _parse_unit_text(unit: str, param: str) -> _TimeUnit:
    text = unit.strip()
    if text in _UNIT_SPELLINGS:
        name = _UNIT_SPELLINGS[text]
        return _TimeUnit(TIME_UNITS[name], name, name in _CALENDAR_UNITS)
    if text[:1] in ("-", "+") and text[1:2] not in ("-", "+"):
        magnitude = _parse_unit_text(text[1:], param)  # refused on its own terms if no unit
        if text[0] == "-":
            raise ValueError(f"{param} must be a positive length of time, got {unit!r}")
        return magnitude
    iso = _ISO.fullmatch(text)
    if iso and any(iso.groups()):
        if iso["Y"] or iso["M"]:
            raise ValueError(
                f"{_say(param, unit)}: ISO 8601 years and months are calendar periods of "
                f"varying length; pass {_say(param, 'year')} or {_say(param, 'month')} (fixed "
                "lengths), or weeks, days and times ('P1W', 'PT15M')"
            )
        seconds = sum(float(iso[key]) * size for key, size in _ISO_SECONDS.items() if iso[key])
        return _positive(seconds, unit, text, param)
    clock = _CLOCK.fullmatch(text)
    if clock:
        days, hours, minutes, secs = clock.groups()
        seconds = float(days or 0) * _DAY_SECONDS + int(hours) * 3_600.0
        return _positive(seconds + int(minutes) * 60.0 + float(secs), unit, text, param)
    position, seconds, calendar = 0, 0.0, False
    names: list[str] = []
    while position < len(text) or not names:
        term = _TERM.match(text, position)
        if term is None:
            raise _unit_error(unit, param)
        number, token = term.groups()
        if token not in _UNIT_SPELLINGS:
            raise _unit_error(unit, param, token)
        name = _UNIT_SPELLINGS[token]
        seconds += float(number) * TIME_UNITS[name]
        names.append(f"{number}{name}")
        calendar = calendar or name in _CALENDAR_UNITS
        position = term.end()
    return _positive(seconds, unit, "".join(names), param, calendar)


def _time_unit(unit: Any, param: str = "unit") -> _TimeUnit:
    """Parse a time unit (``None`` is a second), or refuse it saying what is accepted.

    Strings follow the one table of spellings (:data:`TIME_UNITS`); timedeltas (Python's,
    NumPy's with a fixed unit, pandas') give their length; a pandas frequency object
    (``index.freq``) is read as its ``freqstr``. ``param`` names the parameter in messages
    (``'unit'``, ``'datetime_unit'``, ``'--unit'``).
    """
    if isinstance(unit, _TimeUnit):
        return unit
    if unit is None:
        return _TimeUnit(1.0, "s")
    if isinstance(unit, str):
        return _parse_unit_text(unit, param)
    if isinstance(unit, np.timedelta64):
        if np.isnat(unit):
            raise ValueError(f"{param} must be a positive length of time, got NaT")
        base, count = np.datetime_data(unit.dtype)
        if base in ("Y", "M"):
            raise ValueError(
                f"{param}={unit!r} is in NumPy's calendar units ('Y' is 365.2425 days there, "
                f"'M' a twelfth of it); pass {_say(param, 'year')} (a Julian year of 365.25 "
                f"days) or {_say(param, 'month')} (1/12 of it)"
            )
        if base not in _NUMPY_UNIT_SECONDS:
            raise ValueError(
                f"{param}={unit!r} has no time unit of its own ({base}); give one, e.g. "
                "np.timedelta64(15, 'm')"
            )
        seconds = int(unit.astype(np.int64)) * count * _NUMPY_UNIT_SECONDS[base]
        return _positive(seconds, unit, str(unit), param)
    if isinstance(unit, datetime.timedelta):  # pandas.Timedelta included
        return _positive(unit.total_seconds(), unit, str(unit), param)
    if type(unit).__module__.startswith("pandas") and isinstance(
        unit, _pandas().offsets.BaseOffset
    ):
        return _parse_unit_text(unit.freqstr, param)  # a pandas frequency such as index.freq
    raise TypeError(
        f"{param} must be a string such as 's', 'h', 'D' or 'year', or a timedelta; got "
        f"{_short_repr(unit)} ({type(unit).__name__})"
    )


# ------------------------------------------------------------------------------- time axis
def _is_time_dtype(dtype: Any) -> bool:
    kind = getattr(dtype, "kind", None)
    return kind in ("M", "m")


def time_to_float(index: Any, unit: Any = None, *, name: str = "the index") -> np.ndarray:
    """Turn timestamps, time differences or numbers into float positions.

    Parameters
    ----------
    index : pandas.Index, pandas.Series or array-like
        ``DatetimeIndex`` / datetime64 values (naive, or all in one time zone),
        ``TimedeltaIndex`` / timedelta64 values, or numbers.
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
    >>> monthly = pd.date_range("2024-01-01", periods=3, freq="MS")
    >>> time_to_float(monthly, unit=monthly.freqstr)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unit 'MS' is pandas' month-start frequency, ... unit='month' (a fixed 1/12 ...
    """
    pd = _pandas()
    time_unit = None if unit is None else _time_unit(unit)  # refused whatever the index holds
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
        seconds = _time_unit(time_unit).seconds
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
        return index
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
        return pd.Index(array)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{expected}; its dtype {array.dtype} cannot hold times: {error}") from None


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


def _short_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters, for messages."""
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


def _check_time_order(
    t: np.ndarray, labels: Any, name: str, how: str = "data.sort_index()"
) -> None:
    """Reject missing, unsorted or repeated positions, naming the first offending label."""
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
            f"{name} has repeated values (first: {_show(labels[i + 1])} at positions {i} and "
            f"{i + 1}); average the repeated rows first"
        )
    raise ValueError(
        f"{name} is not sorted ({_show(labels[i + 1])} at position {i + 1} comes after "
        f"{_show(labels[i])}); sort it first ({how})"
    )


# ------------------------------------------------------------------------------- the fits
def _make_estimator(
    method: Any, params: Mapping[str, Any], progress: bool = False
) -> Callable[[], BaseInterpolator]:
    """A factory of fresh, unfitted interpolators for ``method``.

    With ``progress``, a network shows its own training bar too.
    """
    if isinstance(method, BaseInterpolator):
        if params:
            raise TypeError(
                "keyword parameters go to the interpolator named by method='spline' or "
                f"'neural'; with an interpolator instance, set them on it instead: "
                f"{sorted(params)}"
            )
        template = method
        return lambda: type(template)(**template.get_params())
    check_option(method, name="method", allowed=METHODS)
    if method == "spline":
        from pydelt_like.spline import SplineInterpolator as cls
    else:
        from pydelt_like.neural import NeuralNetworkInterpolator as cls  # type: ignore[assignment]
    settings = {"nan_policy": "omit", "extrapolate": "nan", **params}
    if method == "neural" and progress:
        settings.setdefault("progress", True)
    try:
        cls(**settings)
    except TypeError as error:
        raise TypeError(f"method={method!r}: {error}") from None
    return lambda: cls(**settings)


def _column_groups(finite: np.ndarray) -> list[np.ndarray]:
    """Columns with the same pattern of valid samples, as index arrays (complete ones first)."""
    complete = finite.all(axis=0)
    groups = [np.flatnonzero(complete)] if complete.any() else []
    rest = np.flatnonzero(~complete)
    if rest.size:
        patterns = np.packbits(finite[:, rest], axis=0).T  # one row of bytes per column
        _, inverse = np.unique(patterns, axis=0, return_inverse=True)
        groups.extend(rest[inverse.ravel() == g] for g in range(int(inverse.max()) + 1))
    return groups


def _fit_and_evaluate(
    t: np.ndarray,
    values: np.ndarray,
    orders: tuple[int, ...],
    factory: Callable[[], BaseInterpolator],
    *,
    labels: Any = None,
    progress: bool = False,
    what: str = "column",
    return_std: bool = False,
) -> list[np.ndarray]:
    """Fit every column of ``values`` (n, m) on ``t``; derivatives of ``orders`` at ``t``.

    Columns sharing their pattern of missing values are fitted together as one batch. Each
    result is (n, m), NaN outside the span of a column's valid samples. Messages call a column
    ``what``, named by ``labels``. With ``return_std``, the standard errors of each order
    follow the values: ``[values of each order..., std of each order...]``.
    """
    n, m = values.shape
    finite = np.isfinite(values)
    results = [np.full((n, m), np.nan) for _ in range(len(orders) * (1 + bool(return_std)))]
    groups = _column_groups(finite)
    iterator: Any = groups
    if progress and len(groups) > 1:
        iterator = progress_bar(groups, desc="column groups", unit="group")
    for columns in iterator:
        rows = finite[:, columns[0]]
        estimator = factory()
        try:
            estimator.fit(t[rows], values[np.ix_(rows, columns)])
        except ValueError as error:
            which = (
                f"{what} {labels[columns[0]]!r}"
                if labels is not None and len(columns) == 1
                else f"{len(columns)} {what}s"
            )
            raise ValueError(
                f"{which} with {int(rows.sum())} valid values of {n}: {error}"
            ) from None
        # Only inside the span of the valid samples: no extrapolation, whatever the settings.
        valid_t = t[rows]
        inside = np.flatnonzero((t >= valid_t[0]) & (t <= valid_t[-1]))
        for i, order in enumerate(orders):
            derivative = estimator if order == 0 else estimator.differentiate(order)
            parts = (
                derivative(t[inside], return_std=True) if return_std else [derivative(t[inside])]
            )
            for j, part in enumerate(parts):
                shaped = np.asarray(part).reshape(inside.size, len(columns))
                results[i + j * len(orders)][np.ix_(inside, columns)] = shaped
    return results


def _no_std_for_dask(return_std: bool) -> None:
    if return_std:
        raise NotImplementedError(
            "return_std is not available for dask inputs yet; compute the data in memory "
            "(.compute()) for uncertainty bands"
        )


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
    method : {'spline', 'neural'} or BaseInterpolator, default='spline'
        The interpolator family, or an unfitted interpolator whose settings are used for every
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
        not a time unit (or is given with numbers), or a series has too few valid samples.
    TypeError
        If ``x`` is not a sequence, ``axis`` not an integer, for a dask ``y`` with
        ``progress=True`` (use dask's own progress bars) or of a non-numeric dtype.

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
    _check_time_order(t, t, "x", "np.argsort(x) gives the order")
    return_std = _check_flag(return_std, "return_std")
    if _dask_kind(y) is not None:
        _no_std_for_dask(return_std)
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
    factory = _make_estimator(method, params, progress)
    flat = moved.reshape(t.size, -1)
    results = _fit_and_evaluate(
        t, flat, (order,), factory, progress=progress, return_std=return_std
    )
    shaped = [np.moveaxis(result.reshape(moved.shape), 0, axis) for result in results]
    return tuple(shaped) if return_std else shaped[0]


def _check_axis(axis: Any, ndim: int) -> int:
    """The sample axis of an ``ndim``-dimensional ``y``: an integer in ``[-ndim, ndim)``."""
    hint = f"y has {ndim} dimension{'s' if ndim > 1 else ''}"
    return check_int(axis, name="axis", low=-ndim, high=ndim - 1, hint=hint)


def _array_block(
    values: np.ndarray, *, t: np.ndarray, order: int, method: Any, params: Mapping[str, Any]
) -> np.ndarray:
    """Differentiate one block (n, ...) of whole series: the in-memory path, on a worker."""
    flat = as_float_array(values, name="y").reshape(t.size, -1)
    if flat.shape[1] == 0:
        return np.empty(values.shape)
    (result,) = _fit_and_evaluate(t, flat, (order,), _make_estimator(method, params))
    return result.reshape(values.shape)


def _check_not_progress(progress: bool) -> None:
    if progress:
        raise TypeError(
            "progress=True shows a bar for in-memory data; for dask collections use dask's own: "
            "dask.diagnostics.ProgressBar() or distributed.progress(result.persist())"
        )


def _differentiate_dask_array(
    t: np.ndarray,
    y: Any,
    order: int,
    method: Any,
    axis: int,
    progress: bool,
    params: Mapping[str, Any],
) -> Any:
    """The lazy version of :func:`differentiate_array` for a dask array ``y``."""
    da = _dask("dask.array")
    _check_not_progress(progress)
    if y.ndim == 0:
        raise ValueError("y must have a sample axis, got a scalar")
    if not (np.issubdtype(y.dtype, np.number) and y.dtype != np.bool_) or np.issubdtype(
        y.dtype, np.complexfloating
    ):
        raise TypeError(f"y has dtype {y.dtype}, not real numbers")
    axis = _check_axis(axis, y.ndim)
    moved = da.moveaxis(y, axis, 0)
    if math.isnan(moved.shape[0]):
        raise ValueError(
            "y has unknown chunk sizes along its sample axis; call y.compute_chunk_sizes() first"
        )
    if moved.shape[0] != t.size:
        raise ValueError(
            f"y has {moved.shape[0]} samples along axis {axis} but x has {t.size}; pass the "
            "sample axis with axis="
        )
    _make_estimator(method, params)  # bad settings fail here, not later on a worker
    if len(moved.chunks[0]) > 1:
        # Whole series in every chunk; the other axes shrink to keep chunks near dask's size.
        moved = moved.rechunk({0: -1, **{i: "auto" for i in range(1, moved.ndim)}})
    block = functools.partial(_array_block, t=t, order=order, method=method, params=dict(params))
    result = moved.astype(np.float64).map_blocks(
        block, dtype=np.float64, meta=np.empty((0,) * moved.ndim, dtype=np.float64)
    )
    return da.moveaxis(result, 0, axis)


# ------------------------------------------------------------------------------- pandas / xarray
def _numeric_frame(frame: Any) -> np.ndarray:
    pd = _pandas()
    for label, dtype in frame.dtypes.items():
        if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
            raise TypeError(
                f"column {label!r} has dtype {dtype}, not numbers; select the numeric columns "
                "(data.select_dtypes('number')) or convert it"
            )
    # By position: repeated column labels each keep their own column.
    return np.column_stack(
        [
            as_float_array(frame.iloc[:, j], name=f"column {label!r}")
            for j, label in enumerate(frame.columns)
        ]
    ).reshape(len(frame), frame.shape[1])


def _is_dataarray(data: Any) -> bool:
    return type(data).__name__ == "DataArray" and hasattr(data, "dims") and hasattr(data, "coords")


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
    method : {'spline', 'neural'} or BaseInterpolator, default='spline'
        The interpolator family, or an unfitted interpolator to clone for every fit.
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
        The derivative, with the same index (or coordinates), columns and names; NaN before a
        column's first and after its last valid value; gaps inside are filled by the fit. A
        dask input gives a lazy dask result with the input's partitions.

    Raises
    ------
    TypeError
        For other input types (a dask array goes to :func:`differentiate_array`), non-numeric
        columns, or timestamps mixing time zones.
    ValueError
        For an unsorted or repeated index, NaT, a ``unit`` that is not in the table (see
        :func:`time_to_float`), a ``unit`` with a numeric index, or a column with too few
        valid values.

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
        _check_not_progress(progress)
        return _differentiate_dask_frame(data, order, method, unit, series_per_block, params)
    if _is_dataarray(data):
        if unit is not None:
            raise TypeError(
                "for a DataArray, give the time unit as datetime_unit= (xarray's name), not unit="
            )
        return _differentiate_dataarray(
            data, order, method, dim, datetime_unit, progress, params, return_std
        )
    if dim is not None or datetime_unit is not None:
        raise TypeError("dim= and datetime_unit= apply to xarray DataArrays only")
    pd = _pandas()
    if isinstance(data, pd.Series):
        frame = data.to_frame(name=0)
    elif isinstance(data, pd.DataFrame):
        frame = data
    else:
        raise TypeError(
            f"data must be a pandas Series or DataFrame or an xarray DataArray, got "
            f"{type(data).__name__}; for NumPy arrays use differentiate_array(x, y)"
        )
    if frame.shape[1] == 0:
        raise ValueError("the DataFrame has no columns to differentiate")
    if frame.shape[0] == 0:
        raise ValueError("the data have no rows to differentiate")
    if isinstance(frame.index, pd.MultiIndex):
        raise TypeError(
            "a MultiIndex is not a time axis; differentiate each group, e.g. "
            "data.groupby(level=0).apply(...), or reset the index"
        )
    t = time_to_float(frame.index, unit)
    _check_time_order(t, frame.index, "the index")
    values = _numeric_frame(frame)
    factory = _make_estimator(method, params, progress)
    labels = [data.name] if isinstance(data, pd.Series) else list(frame.columns)
    results = _fit_and_evaluate(
        t, values, (order,), factory, labels=labels, progress=progress, return_std=return_std
    )
    if isinstance(data, pd.Series):
        out = [pd.Series(result[:, 0], index=data.index, name=data.name) for result in results]
    else:
        out = [pd.DataFrame(result, index=frame.index, columns=frame.columns) for result in results]
    return tuple(out) if return_std else out[0]


def _differentiate_dask_frame(
    data: Any,
    order: int,
    method: Any,
    unit: Any,
    series_per_block: int | None,
    params: Mapping[str, Any],
) -> Any:
    """The lazy version of :func:`differentiate` for a wide dask DataFrame or Series."""
    import dask

    dd = _dask("dask.dataframe")
    pd = _pandas()
    unit = None if unit is None else _time_unit(unit)  # before any data are read
    is_series = isinstance(data, dd.Series)
    frame = data.to_frame(name=0) if is_series else data
    columns = list(frame.columns)
    if not columns:
        raise ValueError("the DataFrame has no columns to differentiate")
    for label, dtype in frame.dtypes.items():
        if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
            raise TypeError(
                f"column {label!r} has dtype {dtype}, not numbers; select the numeric columns "
                "(data.select_dtypes('number')) or convert it"
            )
    size = check_int(series_per_block, name="series_per_block", low=1, allow_none=True)
    if size is None:
        size = max(1, math.ceil(len(columns) / frame.npartitions))
    _make_estimator(method, params)  # bad settings fail here, not later on a worker
    if not frame.known_divisions:
        raise ValueError(
            "a dask DataFrame must have a sorted time index with known divisions (so that the "
            "rows of each partition are known without reading the values): use "
            "frame.set_index(column, sorted=True), dd.read_parquet(..., "
            "calculate_divisions=True) or dd.from_pandas(sorted_frame)"
        )
    # Every block needs all sample times: read the index alone (n values). The partition
    # lengths follow from the divisions (partition i holds divisions[i] <= t < divisions[i+1]).
    (index,) = dask.compute(frame.index)
    t = time_to_float(index, unit)
    _check_time_order(t, index, "the index", "data.set_index(column, sorted=True)")
    starts = index.searchsorted(pd.Index(list(frame.divisions[:-1]), dtype=index.dtype))
    lengths = tuple(int(length) for length in np.diff(np.append(starts, index.size)))
    block = functools.partial(_array_block, t=t, order=order, method=method, params=dict(params))
    values = frame.to_dask_array(lengths=list(lengths)).astype(np.float64)
    result = values.rechunk({0: -1, 1: int(size)}).map_blocks(
        block, dtype=np.float64, meta=np.empty((0, 0), dtype=np.float64)
    )
    # Back to the input's row partitions, so the result lines up with its index.
    result = result.rechunk({0: lengths, 1: -1})
    meta = pd.DataFrame(
        index=pd.Index([], dtype=index.dtype, name=index.name),
        columns=frame.columns,
        dtype=np.float64,
    )
    out = dd.from_dask_array(result, columns=columns, index=frame.index, meta=meta)
    return out[0].rename(data.name) if is_series else out


def _differentiate_dataarray(
    array: Any,
    order: int,
    method: Any,
    dim: Hashable | None,
    datetime_unit: Any,
    progress: bool,
    params: Mapping[str, Any],
    return_std: bool = False,
) -> Any:
    if dim is None:
        if array.ndim != 1:
            raise ValueError(
                f"the DataArray has dimensions {tuple(array.dims)}; say which one to "
                "differentiate along with dim="
            )
        dim = array.dims[0]
    try:
        hash(dim)
    except TypeError:
        raise TypeError(
            f"dim must be a dimension name, got {_short_repr(dim)} ({type(dim).__name__})"
        ) from None
    if dim not in array.dims:
        raise ValueError(f"dim={dim!r} is not a dimension of the DataArray {tuple(array.dims)}")
    unit = None
    if datetime_unit is not None:
        # xarray's spellings are ours, but for 'm', which xarray (and NumPy) define as a minute.
        minute = isinstance(datetime_unit, str) and datetime_unit.strip() == "m"
        unit = _time_unit("min" if minute else datetime_unit, "datetime_unit")
    n = array.sizes[dim]
    coord = array.coords[dim] if dim in array.coords else None
    is_time = coord is not None and _is_time_dtype(coord.dtype)
    if unit is not None and not is_time:
        raise ValueError(
            f"datetime_unit applies to a time coordinate; {dim!r} "
            f"{'is numeric' if coord is not None else 'has no coordinate'}"
        )
    if coord is not None:
        if is_time and unit is None:
            # xarray: the coordinate's own resolution ('ns', 'us', 'ms' or 's').
            unit = _time_unit(np.datetime_data(coord.dtype)[0], "datetime_unit")
        t = time_to_float(coord.to_index(), unit, name=f"coordinate {dim!r}")
        labels = coord.values
    else:
        t, labels = np.arange(n, dtype=float), np.arange(n)
    _check_time_order(t, labels, f"coordinate {dim!r}", f"array.sortby({dim!r})")
    values = np.moveaxis(np.asarray(array.values), array.get_axis_num(dim), 0)
    values = as_float_array(values, name="the DataArray")
    factory = _make_estimator(method, params, progress)
    results = _fit_and_evaluate(
        t, values.reshape(n, -1), (order,), factory, progress=progress, return_std=return_std
    )
    out = []
    for result in results:
        moved = np.moveaxis(result.reshape(values.shape), 0, array.get_axis_num(dim))
        derivative = array.copy(data=moved)
        derivative.attrs = {}  # units and the like describe the data, not its derivative
        out.append(derivative)
    return tuple(out) if return_std else out[0]


# ------------------------------------------------------------------------------- long format
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
    method : {'spline', 'neural'} or BaseInterpolator, default='spline'
        The interpolator family, or an unfitted interpolator to clone for every fit.
    unit : str or timedelta, optional
        For times that are timestamps or time differences, the time unit of the derivative
        (the table of :func:`differentiate`, :data:`TIME_UNITS`; checked before any data are
        read); leave it ``None`` for numeric times.
    progress : bool, default=False
        Show a tqdm progress bar over the batches (needs tqdm); in memory only.
    **params
        Passed to the interpolator named by ``method``. Defaults here: ``nan_policy='omit'``
        and ``extrapolate='nan'``.

    Returns
    -------
    pandas.Series or dask.dataframe.Series
        The derivative for every row, aligned with the rows of ``frame`` (same index), named
        after ``value``; NaN before a series' first and after its last valid value.

    Raises
    ------
    ValueError
        For a missing column, a time repeated within a series, missing times, a ``unit`` not
        in the table (or given with numeric times), a series with too few valid values, or a
        dask DataFrame whose partitions do not hold whole series.
    TypeError
        For other input types, a column label that is not hashable (a list, set or array for
        ``time`` or ``value``), or a non-numeric ``value`` column.

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
    Name: level, dtype: float64
    """
    order = check_order(order, max_order=None, method_name="differentiate")
    unit = None if unit is None else _time_unit(unit)
    kind = _dask_kind(frame)
    if kind == "dataframe":
        _check_not_progress(progress)
        return _differentiate_long_dask(frame, by, time, value, order, method, unit, params)
    pd = _pandas()
    if kind is not None or not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"frame must be a pandas or dask DataFrame in long format, got {type(frame).__name__}"
        )
    factory = _make_estimator(method, params, progress)
    result = _long_values(frame, by, time, value, order, factory, unit, progress)
    return pd.Series(result, index=frame.index, name=value)


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
    seconds = _time_unit(unit).seconds
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
    keys = _long_keys(frame, by)
    _check_long_columns(frame, keys, time, value)
    n = len(frame)
    if n == 0:
        return np.empty(0)
    grouper = frame.groupby(keys if len(keys) > 1 else keys[0], sort=False, dropna=False)
    codes = np.asarray(grouper.ngroup(), dtype=np.intp)
    n_series = int(codes.max()) + 1
    _, first_rows = np.unique(codes, return_index=True)
    labels = _key_labels(frame, keys, first_rows)
    t = _long_times(frame, time, codes, n_series, unit)
    v = _numeric_frame(frame[[value]])[:, 0]

    # Sorted by series, then time; each series is one contiguous run [starts[g], ends[g]).
    # Per-row arrays are dropped as soon as they are used: on a Dask worker they are what
    # decides the memory a partition takes, next to the partition itself.
    perm = np.lexsort((t, codes))
    codes_sorted, t_sorted, v_sorted = codes[perm], t[perm], v[perm]
    del codes, t, v
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

    # Series with identical sample times form one batch (hash first, then compare exactly).
    batches: dict[tuple[int, int], list[list[int]]] = {}
    for g in range(n_series):
        times = t_sorted[starts[g] : ends[g]]
        candidates = batches.setdefault((times.size, hash(times.tobytes())), [])
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

    out = np.empty(n)
    for members in iterator:
        head = members[0]
        block = np.stack([v_sorted[starts[g] : ends[g]] for g in members], axis=1)
        (result,) = _fit_and_evaluate(
            t_sorted[starts[head] : ends[head]],
            block,
            (order,),
            factory,
            labels=[labels[g] for g in members],
            what="series",
        )
        del block
        for j, g in enumerate(members):  # straight back to the input's row order
            out[perm[starts[g] : ends[g]]] = result[:, j]
    return out


def _long_partition(
    part: Any,
    *,
    by: Hashable,
    time: Hashable,
    value: Hashable,
    order: int,
    method: Any,
    unit: Any,
    params: Mapping[str, Any],
) -> Any:
    """One partition of whole series: the in-memory path, on a worker."""
    pd = _pandas()
    factory = _make_estimator(method, params)
    result = _long_values(part, by, time, value, order, factory, unit, False)
    return pd.Series(result, index=part.index, name=value)


def _differentiate_long_dask(
    frame: Any,
    by: Any,
    time: Hashable,
    value: Hashable,
    order: int,
    method: Any,
    unit: Any,
    params: Mapping[str, Any],
) -> Any:
    """The lazy version of :func:`differentiate_long`: one in-memory fit per partition."""
    pd = _pandas()
    keys = _long_keys(frame, by)
    _check_labels(keys, time, value)
    if len(keys) != 1 or frame.index.name != keys[0] or not frame.known_divisions:
        raise ValueError(
            f"a dask DataFrame in long format must hold each series whole in one partition (a "
            f"spline is global along time), which the series key as index with known divisions "
            f"guarantees; the frame's index is {frame.index.name!r}"
            f"{'' if frame.known_divisions else ' with unknown divisions'}: call "
            f"frame.set_index({keys[0] if len(keys) == 1 else keys!r}) first (one key column; "
            "combine several into one)"
        )
    if keys[0] in frame.columns:
        raise ValueError(f"by={keys[0]!r} is both the index and a column; drop the column")
    for role, label in (("time", time), ("value", value)):
        if label not in frame.columns:
            raise ValueError(
                f"{role}={label!r} is not a column of the frame; its columns are "
                f"{list(frame.columns)}"
            )
    dtype = frame.dtypes[value]
    if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
        raise TypeError(f"column {value!r} has dtype {dtype}, not numbers; convert it")
    time_dtype = frame.dtypes[time]
    if unit is not None and pd.api.types.is_numeric_dtype(time_dtype):  # here, not on a worker
        raise ValueError(
            f"unit={unit!r} applies to timestamps and time differences, but column {time!r} "
            f"has dtype {time_dtype}; leave unit=None for numbers, whose units are their own"
        )
    _make_estimator(method, params)  # bad settings fail here, not later on a worker
    meta = pd.Series(
        [], dtype=np.float64, name=value, index=pd.Index([], dtype=frame.index.dtype, name=by)
    )
    return frame.map_partitions(
        _long_partition,
        by=keys[0],
        time=time,
        value=value,
        order=order,
        method=method,
        unit=unit,
        params=dict(params),
        meta=meta,
    )
