"""Time units: one table of lengths, and the parsing of every spelling a user may type.

Every place that reads a time unit (``unit=`` of the time-series functions, ``datetime_unit=`` for
xarray, the command line's ``--unit``) goes through :func:`parse_time_unit`, so one spelling has
one meaning everywhere.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["TIME_UNITS", "TimeUnit", "parse_time_unit"]


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is in the test environment
        raise ImportError(
            "pydelt_like.timeseries needs pandas for time units and pandas objects; install it "
            "with `pip install pandas` (or the extra: pip install 'pydelt-like[pandas]')"
        ) from None
    return pd


def _short_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters, for messages."""
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# One table for every place a time unit is read: `unit=` here, `datetime_unit=` for xarray
# and the command line's --unit. Spellings are case-sensitive and each has one meaning; a
# spelling that has meant different lengths (in pandas' history, in NumPy, or one letter case
# away from another unit, as 'MS' and 'ms') is refused, with the choices, never guessed.

_DAY_SECONDS = 86_400.0
# The Julian year (IAU): the mean calendar year over a four-year leap cycle, and a fixed length.
_YEAR_SECONDS = 365.25 * _DAY_SECONDS

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
"""Length in seconds of each time unit, under its canonical spelling (read-only).

The calendar units are fixed lengths: ``'year'`` a Julian year of 365.25 days, ``'month'`` a
twelfth of it (30.4375 days) and ``'quarter'`` a quarter of it (91.3125 days). Every function of
:mod:`pydelt_like.timeseries` and the command line's ``--unit`` read this one table; see
:func:`time_to_float` for every accepted spelling.
"""

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
class TimeUnit:
    """A parsed time unit: its length in seconds and its name, from :func:`parse_time_unit`.

    Attributes
    ----------
    seconds : float
        The length of the unit in seconds (positive and finite).
    name : str
        The canonical spelling: ``'h'``, ``'15min'``, ``'month'``. ``repr`` gives it quoted,
        as a user would write it, so that messages can quote a unit directly.
    calendar : bool, default=False
        Whether the unit holds a month, quarter or year, fixed lengths that readers may take
        for calendar periods (see :attr:`label`).

    Examples
    --------
    >>> unit = parse_time_unit("year")
    >>> unit.seconds, unit
    (31557600.0, 'year')
    >>> unit.label
    'year of 365.25 d'
    """

    seconds: float
    name: str
    calendar: bool = False

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


def _positive(seconds: float, unit: Any, name: str, param: str, calendar: bool = False) -> TimeUnit:
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(
            f"{param} must be a positive, finite length of time, got {_short_repr(unit)}"
        )
    return TimeUnit(seconds, name, calendar)


def _parse_unit_text(unit: str, param: str) -> TimeUnit:
    text = unit.strip()
    if text in _UNIT_SPELLINGS:
        name = _UNIT_SPELLINGS[text]
        return TimeUnit(TIME_UNITS[name], name, name in _CALENDAR_UNITS)
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


def parse_time_unit(unit: Any, *, param: str = "unit") -> TimeUnit:
    """Parse a time unit, or refuse it saying what is accepted.

    Parameters
    ----------
    unit : str, timedelta, pandas frequency, TimeUnit or None
        A spelling from the one table (:data:`TIME_UNITS`, case-sensitive; see
        :func:`time_to_float` for every accepted form: multiples such as ``'15min'``, ISO 8601
        durations, English words); a ``datetime.timedelta``, ``pandas.Timedelta`` or
        ``numpy.timedelta64`` with a fixed unit, which gives its length; a pandas frequency
        object (``index.freq``), read as its ``freqstr``. ``None`` is a second.
    param : str, default='unit'
        How messages name the parameter, as the user wrote it: ``'unit'``,
        ``'datetime_unit'``, ``'--unit'``.

    Returns
    -------
    TimeUnit
        The unit's length in seconds and its canonical name.

    Raises
    ------
    ValueError
        For a spelling not in the table (with the choices, and the reason when the spelling
        is ambiguous, as pandas' ``'MS'`` or ``'M'``), a calendar period of varying length, or
        a length that is not positive and finite.
    TypeError
        For anything that is neither a string nor a timedelta.

    Examples
    --------
    >>> parse_time_unit("1h30min").seconds
    5400.0
    >>> parse_time_unit("MS", param="--unit")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --unit 'MS' is pandas' month-start frequency, ... --unit month ...
    """
    if isinstance(unit, TimeUnit):
        return unit
    if unit is None:
        return TimeUnit(1.0, "s")
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
