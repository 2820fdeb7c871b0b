"""Dask: lazy results computed block by block, each block holding whole series.

A spline is global along the sample axis, so every block holds all the samples of its series,
never a slice of them; each block runs the in-memory path (on a ``dask.distributed`` cluster
when a client is active). The interpolator factory is built and checked once, here, and shipped
to the workers, so bad settings fail at the call. dask is imported only when given its objects.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array, check_int
from pydelt_like.base import BaseInterpolator
from pydelt_like.timeseries._axis import _check_axis, check_time_order, time_to_float
from pydelt_like.timeseries._batches import _factory, _fit_and_evaluate
from pydelt_like.timeseries._long import _check_labels, _long_keys, _long_values
from pydelt_like.timeseries._names import quantity, variable_name
from pydelt_like.timeseries._options import check_outliers
from pydelt_like.timeseries._units import _pandas, parse_time_unit


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


def _no_std_for_dask(return_std: bool) -> None:
    if return_std:
        raise NotImplementedError(
            "return_std is not available for dask inputs yet; compute the data in memory "
            "(.compute()) for uncertainty bands"
        )


def _in_memory_only(resolution: Any, outliers: str) -> None:
    """Options the lazy paths do not take yet: refused, not silently ignored."""
    if resolution is not None:
        raise NotImplementedError(
            "resolution is not available for dask input yet; give max_knots instead, or "
            "compute the data in memory (.compute())"
        )
    if check_outliers(outliers) != "warn":
        raise NotImplementedError(
            f"outliers={outliers!r} is not available for dask input yet (each block warns of "
            "the gross outliers it finds); compute the data in memory (.compute())"
        )


def _array_block(
    values: np.ndarray, *, t: np.ndarray, order: int, factory: Callable[[], BaseInterpolator]
) -> np.ndarray:
    """Differentiate one block (n, ...) of whole series: the in-memory path, on a worker."""
    flat = as_float_array(values, name="y").reshape(t.size, -1)
    if flat.shape[1] == 0:
        return np.empty(values.shape)
    (result,) = _fit_and_evaluate(t, flat, (order,), factory)
    return result.values.reshape(values.shape)


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
    factory = _factory(method, params)  # bad settings fail here, not later on a worker
    if len(moved.chunks[0]) > 1:
        # Whole series in every chunk; the other axes shrink to keep chunks near dask's size.
        moved = moved.rechunk({0: -1, **{i: "auto" for i in range(1, moved.ndim)}})
    block = functools.partial(_array_block, t=t, order=order, factory=factory)
    result = moved.astype(np.float64).map_blocks(
        block, dtype=np.float64, meta=np.empty((0,) * moved.ndim, dtype=np.float64)
    )
    return da.moveaxis(result, 0, axis)


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
    unit = None if unit is None else parse_time_unit(unit)  # before any data are read
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
    factory = _factory(method, params)  # bad settings fail here, not later on a worker
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
    check_time_order(t, index, name="the index", fix="data.set_index(column, sorted=True)")
    starts = index.searchsorted(pd.Index(list(frame.divisions[:-1]), dtype=index.dtype))
    lengths = tuple(int(length) for length in np.diff(np.append(starts, index.size)))
    block = functools.partial(_array_block, t=t, order=order, factory=factory)
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
    if not is_series:
        return out
    # Named as the in-memory result is: what it holds, with respect to what.
    is_time = not pd.api.types.is_numeric_dtype(index.dtype)
    variable = "t" if is_time else variable_name(index.name)
    return out[0].rename(quantity(data.name, order, variable=variable).name)


def _long_partition(
    part: Any,
    *,
    by: Hashable,
    time: Hashable,
    value: Hashable,
    order: int,
    factory: Callable[[], BaseInterpolator],
    unit: Any,
) -> Any:
    """One partition of whole series: the in-memory path, on a worker."""
    pd = _pandas()
    result = _long_values(part, by, time, value, order, factory, unit, False)
    return pd.Series(
        result, index=part.index, name=_long_name(value, order, time, part[time].dtype)
    )


def _long_name(value: Hashable, order: int, time: Hashable, time_dtype: Any) -> str:
    """The name of a long-format result, as the in-memory path gives it."""
    is_time = not _pandas().api.types.is_numeric_dtype(time_dtype)
    return quantity(value, order, variable="t" if is_time else variable_name(time)).name


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
    factory = _factory(method, params)  # bad settings fail here, not later on a worker
    meta = pd.Series(
        [],
        dtype=np.float64,
        name=_long_name(value, order, time, time_dtype),
        index=pd.Index([], dtype=frame.index.dtype, name=by),
    )
    return frame.map_partitions(
        _long_partition,
        by=keys[0],
        time=time,
        value=value,
        order=order,
        factory=factory,
        unit=unit,
        meta=meta,
    )
