"""Names and units of results: what a derivative, its standard error and an integral are called.

One place decides how a result is labelled, so that a Series' name, the attributes of a pandas or
xarray result, a CSV header of the command line and an axis label of a plot say the same thing:
``'co2 d/dt'`` in ``'ppm/year'``, ``'co2 d²/dt²'`` in ``'ppm/year²'``, ``'∫ rain dt'`` in ``'mm'``
(rain in mm/h over hours).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydelt_like.timeseries._units import TimeUnit

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
# How a time unit reads in a unit of measure: the SI symbol of the day, words where there is none.
_TIME_SYMBOLS = {"D": "d", "W": "week", "us": "µs"}


def _power(text: str, power: int) -> str:
    """``text`` raised to ``power`` (at least 1): 'year²', '(m/s)³'."""
    if power == 1:
        return text
    base = f"({text})" if _compound(text) else text
    return base + str(power).translate(_SUPERSCRIPT)


def _compound(text: str) -> bool:
    """Whether a unit needs parentheses before it is divided or raised: 'm/s', 'kg m'."""
    return any(mark in text for mark in "/·* ") or "^" in text


def time_symbol(unit: TimeUnit) -> str:
    """A time unit as it reads in a unit of measure: 'year', 'd' (day), 'h', '15min'.

    Examples
    --------
    >>> from pydelt_like.timeseries import parse_time_unit
    >>> time_symbol(parse_time_unit("D")), time_symbol(parse_time_unit("year"))
    ('d', 'year')
    """
    return _TIME_SYMBOLS.get(unit.name, unit.name)


def derivative_unit(y_unit: str | None, x_unit: str | None, order: int) -> str | None:
    """The unit of the ``order``-th derivative (negative: the integral) of y in ``y_unit``.

    ``None`` where it cannot be said: no unit of x for a derivative, or none of y for the values
    or an integral. An unknown unit of y over a known one of x reads 'per year'.

    Examples
    --------
    >>> derivative_unit("ppm", "year", 2), derivative_unit("m/s", "s", 1)
    ('ppm/year²', '(m/s)/s')
    >>> derivative_unit("mm/h", "h", -1), derivative_unit(None, "year", 1)
    ('mm', 'per year')
    """
    y_unit = y_unit or None
    x_unit = x_unit or None
    if order == 0:
        return y_unit
    if x_unit is None:
        return None
    if order > 0:
        per = _power(x_unit, order)
        if y_unit is None:
            return f"per {per}"
        numerator = f"({y_unit})" if _compound(y_unit) else y_unit
        return f"{numerator}/{per}"
    if y_unit is None:
        return None
    times = -order
    suffix = f"/{x_unit}"
    while times and y_unit.endswith(suffix) and len(y_unit) > len(suffix):
        y_unit = y_unit[: -len(suffix)]  # a rate integrated over its own time unit
        times -= 1
    if not times:
        return y_unit
    numerator = f"({y_unit})" if "/" in y_unit else y_unit
    return f"{numerator}·{_power(x_unit, times)}"


def variable_name(name: Any) -> str:
    """A numeric axis' name as the variable of 'd/dT', when it is a short word; else 'x'."""
    text = "" if name is None else str(name).strip()
    return text if 0 < len(text) <= 12 and " " not in text else "x"


def operator(order: int, variable: str = "t") -> str:
    """The operator of ``order`` in text: 'd/dt', 'd²/dt²', '' for 0, '∫ dt' for -1."""
    if order == 0:
        return ""
    if order > 0:
        return f"d{_power('', order) if order > 1 else ''}/d{_power(variable, order)}"
    return "∫" * -order + f" d{variable}"


@dataclass(frozen=True)
class Quantity:
    """What a result column is: its name and unit, for Series names, attributes and headers.

    Attributes
    ----------
    name : str
        ``'co2 d/dt'``, ``'co2 fit'`` (order 0), ``'∫ rain dt'``; with ``std``: plus ``' std'``.
    unit : str or None
        Its unit of measure, when the units of y and x are known.
    """

    name: str
    unit: str | None

    @property
    def header(self) -> str:
        """The name with the unit in brackets, as a CSV header or an axis label shows it."""
        return self.name if self.unit is None else f"{self.name} [{self.unit}]"

    def attrs(self) -> dict[str, Any]:
        """Attributes in the CF conventions' spelling, for pandas ``attrs`` and xarray."""
        out: dict[str, Any] = {"long_name": self.name}
        if self.unit is not None:
            out["units"] = self.unit
        return out


def quantity(
    name: Any,
    order: int,
    *,
    y_unit: str | None = None,
    x_unit: str | None = None,
    variable: str = "t",
    std: bool = False,
) -> Quantity:
    """The name and unit of the ``order``-th derivative of the series ``name``.

    Parameters
    ----------
    name : hashable or None
        The series' name (a column label, a Series' name).
    order : int
        The derivative order: ``0`` is the fit, a negative one an integral.
    y_unit, x_unit : str, optional
        Units of the data and of the positions (a time unit as :func:`time_symbol` writes it).
    variable : str, default='t'
        What the derivative is taken with respect to: ``'t'`` for time, or a numeric axis'
        name when it is a short word without spaces (else ``'x'``).
    std : bool, default=False
        Name its standard error instead.

    Returns
    -------
    Quantity

    Examples
    --------
    >>> quantity("co2", 1, y_unit="ppm", x_unit="year").header
    'co2 d/dt [ppm/year]'
    >>> quantity("co2", 0, y_unit="ppm", std=True).header
    'co2 fit std [ppm]'
    >>> quantity("rain", -1, y_unit="mm/h", x_unit="h").header
    '∫ rain dt [mm]'
    """
    label = "" if name is None else str(name)
    variable = variable_name(variable)
    if order == 0:
        text = f"{label} fit".strip()
    elif order > 0:
        text = f"{label} {operator(order, variable)}".strip()
    else:
        text = f"{'∫' * -order} {label} d{variable}" if label else operator(order, variable)
    if std:
        text += " std"
    return Quantity(text, derivative_unit(y_unit, x_unit, order))


def unit_of(attrs: Mapping[Any, Any] | None, column: Any = None) -> str | None:
    """The unit a pandas or xarray object's ``attrs`` give (``'units'``, the CF name, or
    ``'unit'``): a string for every column, or a mapping ``{column: unit}``."""
    if not attrs:
        return None
    for key in ("units", "unit"):
        value = attrs.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, Mapping) and column is not None:
            found = value.get(column)
            if isinstance(found, str) and found.strip():
                return found.strip()
    return None
