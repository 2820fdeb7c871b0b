"""Labelled data (pandas, xarray) as positions and columns, and results wrapped back like them.

:func:`read_labelled` turns a Series, DataFrame or DataArray into a :class:`Labelled`: the time
axis as float positions, the values as columns, and what a result needs to look like its input
(index or coordinates, the names, the units of its ``attrs``). :func:`differentiate`,
:func:`integrate` and :func:`pydelt_like.plot.plot_derivatives` all read their data here, so a
time axis means the same to each of them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array
from pydelt_like.timeseries._axis import _is_time_dtype, check_time_order, time_to_float
from pydelt_like.timeseries._batches import _numeric_frame
from pydelt_like.timeseries._names import Quantity, quantity, time_symbol, unit_of, variable_name
from pydelt_like.timeseries._units import TimeUnit, _pandas, _short_repr, parse_time_unit


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value to compare
class Labelled:
    """A labelled input, read once.

    Attributes
    ----------
    t : numpy.ndarray of shape (n,)
        Positions: time since the first sample in ``time_unit``, or the numbers themselves.
    values : numpy.ndarray of shape (n, m)
        The columns (NaN: a gap).
    labels : list
        One name per column (a Series' name, a DataFrame's columns, ``None`` if unnamed).
    y_units : list of str or None
        The unit of each column, from the input's ``attrs`` (``'units'``).
    time_unit : TimeUnit or None
        The unit of ``t`` for a time axis; ``None`` for numbers.
    origin : object
        The first timestamp (or time difference) of a time axis, which ``t`` counts from.
    variable : str
        What a derivative is taken with respect to: ``'t'``, or a numeric axis' name.
    wrap : callable
        ``wrap(array (n, m), order, std)`` -> a result shaped and labelled like the input.
    rows : sequence
        How messages name each row: the index' labels, or the coordinate's values.
    """

    t: np.ndarray
    values: np.ndarray
    labels: list[Any]
    y_units: list[str | None]
    time_unit: TimeUnit | None
    origin: Any
    variable: str
    wrap: Callable[[np.ndarray, int, bool], Any]
    rows: Any = None

    @property
    def x_unit(self) -> str | None:
        """The unit of the positions in a unit of measure ('year', 'd'); None for numbers."""
        return None if self.time_unit is None else time_symbol(self.time_unit)

    def quantity(self, j: int, order: int, std: bool = False) -> Quantity:
        """The name and unit of column ``j``'s ``order``-th derivative (or its std)."""
        return quantity(
            self.labels[j],
            order,
            y_unit=self.y_units[j],
            x_unit=self.x_unit,
            variable=self.variable,
            std=std,
        )

    def positions(self, t: np.ndarray) -> Any:
        """Positions ``t`` on the input's own axis: timestamps for a time axis."""
        if self.time_unit is None:
            return t
        pd = _pandas()
        offsets = pd.to_timedelta(np.asarray(t) * self.time_unit.seconds, unit="s")
        return self.origin + offsets


def is_labelled(data: Any) -> bool:
    """Whether ``data`` is a pandas Series/DataFrame or an xarray DataArray."""
    pd = _pandas()
    return isinstance(data, (pd.Series, pd.DataFrame)) or _is_dataarray(data)


def _is_dataarray(data: Any) -> bool:
    return type(data).__name__ == "DataArray" and hasattr(data, "dims") and hasattr(data, "coords")


def read_labelled(
    data: Any,
    unit: Any = None,
    *,
    dim: Hashable | None = None,
    datetime_unit: Any = None,
    what: str = "differentiate",
) -> Labelled:
    """Read a pandas Series/DataFrame or an xarray DataArray (see :func:`differentiate`)."""
    if _is_dataarray(data):
        if unit is not None:
            raise TypeError(
                "for a DataArray, give the time unit as datetime_unit= (xarray's name), not unit="
            )
        return _read_dataarray(data, dim, datetime_unit, what)
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
            f"{type(data).__name__}; for NumPy arrays use {what}_array(x, y)"
        )
    if frame.shape[1] == 0:
        raise ValueError(f"the DataFrame has no columns to {what}")
    if frame.shape[0] == 0:
        raise ValueError(f"the data have no rows to {what}")
    if isinstance(frame.index, pd.MultiIndex):
        raise TypeError(
            f"a MultiIndex is not a time axis; {what} each group, e.g. "
            "data.groupby(level=0).apply(...), or reset the index"
        )
    t = time_to_float(frame.index, unit)
    check_time_order(t, frame.index, name="the index")
    is_time = not pd.api.types.is_numeric_dtype(frame.index.dtype)
    origin = _origin(frame.index) if is_time else None
    time_unit = parse_time_unit(unit) if is_time else None
    values = _numeric_frame(frame)
    series = isinstance(data, pd.Series)
    labels = [data.name] if series else list(frame.columns)
    y_units = [unit_of(data.attrs, label) for label in labels]

    def wrap(part: np.ndarray, order: int, std: bool) -> Any:
        found = [labelled.quantity(j, order, std) for j in range(len(labels))]
        if series:
            out = pd.Series(part[:, 0], index=data.index, name=found[0].name)
            out.attrs = found[0].attrs()
            return out
        # A frame keeps its column labels, so that results and data line up column by column
        # (fit - data); what each column now holds is in attrs, in the CF spelling.
        out = pd.DataFrame(part, index=frame.index, columns=frame.columns)
        out.attrs = {
            "long_name": {label: q.name for label, q in zip(labels, found, strict=True)},
            "units": {
                label: q.unit for label, q in zip(labels, found, strict=True) if q.unit is not None
            },
        }
        return out

    variable = "t" if is_time else variable_name(frame.index.name)
    labelled = Labelled(
        t, values, labels, y_units, time_unit, origin, variable, wrap, rows=frame.index
    )
    return labelled


def _origin(index: Any) -> Any:
    """The first stamp of a time index, periods as their starts."""
    pd = _pandas()
    if isinstance(index, pd.PeriodIndex):
        return index[0].start_time
    return pd.Index(index)[0]


def _read_dataarray(array: Any, dim: Hashable | None, datetime_unit: Any, what: str) -> Labelled:
    if dim is None:
        if array.ndim != 1:
            raise ValueError(
                f"the DataArray has dimensions {tuple(array.dims)}; say which one to "
                f"{what} along with dim="
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
        unit = parse_time_unit("min" if minute else datetime_unit, param="datetime_unit")
    n = array.sizes[dim]
    coord = array.coords[dim] if dim in array.coords else None
    is_time = coord is not None and _is_time_dtype(coord.dtype)
    if unit is not None and not is_time:
        raise ValueError(
            f"datetime_unit applies to a time coordinate; {dim!r} "
            f"{'is numeric' if coord is not None else 'has no coordinate'}"
        )
    origin = None
    if coord is not None:
        if is_time and unit is None:
            # xarray: the coordinate's own resolution ('ns', 'us', 'ms' or 's').
            unit = parse_time_unit(np.datetime_data(coord.dtype)[0], param="datetime_unit")
        index = coord.to_index()
        t = time_to_float(index, unit, name=f"coordinate {dim!r}")
        labels = coord.values
        origin = index[0] if is_time else None
    else:
        t, labels = np.arange(n, dtype=float), np.arange(n)
    check_time_order(t, labels, name=f"coordinate {dim!r}", fix=f"array.sortby({dim!r})")
    axis = array.get_axis_num(dim)
    values = as_float_array(np.moveaxis(np.asarray(array.values), axis, 0), name="the DataArray")
    y_unit = unit_of(array.attrs)
    shape = values.shape

    def wrap(part: np.ndarray, order: int, std: bool) -> Any:
        found = labelled.quantity(0, order, std)
        out = array.copy(data=np.moveaxis(part.reshape(shape), 0, axis))
        out.name = found.name
        out.attrs = found.attrs()  # the data's attributes describe the data, not the result
        return out

    m = int(np.prod(shape[1:]))
    labelled = Labelled(
        t,
        values.reshape(n, -1),
        [array.name] * m,
        [y_unit] * m,
        unit if is_time else None,
        origin,
        "t" if is_time else variable_name(dim),
        wrap,
        rows=labels,
    )
    return labelled
