"""``pydelt-like diff``: read a file, fit its columns, write the derivatives (and a figure).

Wide files (one column per series on a shared x) go through
:func:`~pydelt_like.timeseries.fit_columns`; long files (``--by``: a key column, x and the
values) through :func:`~pydelt_like.timeseries.differentiate_long`'s grouping, one series per
key. The figure is :func:`~pydelt_like.plot.plot_derivatives`, given what the file gave.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pydelt_like import registry
from pydelt_like.cli._errors import CommandError
from pydelt_like.cli._read import check_numbers, decimal_mark, read_csv, separator, x_column
from pydelt_like.timeseries import (
    TimeUnit,
    check_time_order,
    fit_columns,
    fit_long,
    parse_time_unit,
    quantity,
    time_symbol,
    time_to_float,
)

#: A float format must show at least this: a %-format of one number (%.7g, %.3f, %.6e).
_FLOAT_FORMAT_PROBE = 1.5


@dataclass(frozen=True)
class Setting:
    """What the options say about the fit, shared by the wide and long paths and the plot."""

    method: str
    params: dict[str, Any]
    orders: list[int]
    unit: TimeUnit | None
    resolution: float | None
    log: bool
    outliers: str
    std: bool
    progress: bool
    x_unit: str | None
    y_unit: str | None
    variable: str


def _parse_param(text: str) -> tuple[str, Any]:
    import ast

    name, sep, value = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise CommandError(f"--param {text!r} is not NAME=VALUE")
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        parsed = value.strip()  # a bare word such as extrapolate=nan stays a string
    return name.strip(), parsed


def _estimator_params(args: argparse.Namespace, settings: Sequence[str]) -> dict[str, Any]:
    """The family's settings from --param, --smoothing and --seed; ``settings``: its names."""
    params = dict(_parse_param(text) for text in args.param)
    if args.smoothing is not None:
        if "smoothing" not in settings:
            raise CommandError(
                f"--smoothing applies to families with a smoothing setting, such as spline; "
                f"--method {args.method} has none: leave --smoothing out, and give that "
                "family's own settings with --param"
            )
        text = args.smoothing.strip()
        if text == "auto":
            params["smoothing"] = "auto"
        else:
            try:
                params["smoothing"] = float(text)
            except ValueError:
                raise CommandError(
                    f"--smoothing must be 'auto' or a number, got {args.smoothing!r}"
                ) from None
    if "random_state" in settings:
        params.setdefault("random_state", args.seed)
    return params


def _float_format(text: str) -> str:
    try:
        shown = text % _FLOAT_FORMAT_PROBE
    except (TypeError, ValueError):
        shown = ""
    if not shown or shown == text:
        raise CommandError(
            f"--float-format must be a %-format of one number, such as %.7g (7 significant "
            f"digits), %.3f or %.17g (every digit); got {text!r}"
        )
    return text


def _resolution(text: str | None, unit: TimeUnit | None) -> float | None:
    """--resolution: a number in x's units (or --unit's), or a length of time for timestamps."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is not None:
        if not (np.isfinite(value) and value > 0):
            raise CommandError(f"--resolution must be positive, got {text!r}")
        return value
    if unit is None:
        raise CommandError(
            f"--resolution {text} is a length of time, but the x column holds numbers; give "
            "it as a number in x's units"
        )
    return parse_time_unit(text, param="--resolution").seconds / unit.seconds


def _columns(args: argparse.Namespace, frame: Any, keys: list[str]) -> list[str]:
    import pandas as pd

    names = [args.x, *keys, *([args.weights] if args.weights else [])]
    for role, name in [("--x", args.x), *(("--by", k) for k in keys), ("--weights", args.weights)]:
        if name is not None and name not in frame.columns:
            raise CommandError(
                f"no column {name!r} for {role}; the columns are "
                f"{', '.join(map(str, frame.columns))}"
            )
    if args.y:
        missing = [name for name in args.y if name not in frame.columns]
        if missing:
            raise CommandError(
                f"no column {missing[0]!r} for --y; the columns are "
                f"{', '.join(map(str, frame.columns))}"
            )
        return list(dict.fromkeys(args.y))
    if frame.empty:
        raise CommandError("the input has a header but no rows")
    found = [
        name
        for name in frame.columns
        if name not in names
        and pd.api.types.is_numeric_dtype(frame[name])
        and not pd.api.types.is_bool_dtype(frame[name])
    ]
    if not found:
        for name in frame.columns:
            if name not in names:
                check_numbers(frame, name, "a y column", args.decimal)  # says what would fix it
        raise CommandError("no numeric columns to differentiate besides --x; name them with --y")
    return found


def run(args: argparse.Namespace) -> None:
    """``pydelt-like diff``, from parsed options to the written file (and figure)."""
    try:
        import pandas as pd
    except ImportError:
        raise CommandError("the command needs pandas: pip install 'pydelt-like[pandas]'") from None

    sep = separator(args.sep)
    decimal = decimal_mark(args.decimal, sep)
    float_format = _float_format(args.float_format)
    unit = None if args.unit is None else parse_time_unit(args.unit, param="--unit")  # first
    keys = list(dict.fromkeys(args.by or []))
    frame = read_csv(
        args.input,
        sep,
        decimal,
        [args.x, *keys],
        comment=args.comment,
        na_values=args.na_values,
        encoding=args.encoding,
    )
    y_names = _columns(args, frame, keys)
    if frame.empty:
        raise CommandError("the input has a header but no rows")
    orders = list(dict.fromkeys(args.order or [1]))
    if any(order < 0 for order in orders):
        raise CommandError(f"--order must be >= 0, got {min(orders)}")
    for name in y_names:
        check_numbers(frame, name, "--y", decimal)
    if args.weights:
        check_numbers(frame, args.weights, "--weights", decimal)
    index = x_column(frame, args.x, dayfirst=args.dayfirst, date_format=args.date_format)
    is_time = isinstance(index, pd.DatetimeIndex)
    if unit is not None and not is_time:
        raise CommandError(
            f"--unit {args.unit} applies to timestamps, but column {args.x!r} holds numbers, "
            "whose units are their own; leave --unit out (--x-unit names them for the labels)"
        )
    if is_time and args.x_unit is not None:
        raise CommandError(
            f"--x-unit names the unit of a numeric x; column {args.x!r} holds timestamps, "
            "whose derivatives are per --unit"
        )
    time_unit = (unit or parse_time_unit("s")) if is_time else None
    family = registry.get(args.method)
    if args.std and not family.bands:
        with_bands = ", ".join(other.name for other in registry.families() if other.bands)
        raise CommandError(
            f"--std needs uncertainty bands, which --method {args.method} does not give; leave "
            f"--std out or use a family that gives them ({with_bands})"
        )
    # The family's own settings, read from a default instance: what --smoothing and --seed set.
    setting = Setting(
        method=args.method,
        params=_estimator_params(args, list(family.load()().get_params())),
        orders=orders,
        unit=time_unit,
        resolution=_resolution(args.resolution, time_unit),
        log=args.log,
        outliers=args.outliers,
        std=args.std,
        progress=_progress(args.progress),
        x_unit=time_symbol(time_unit) if time_unit is not None else args.x_unit,
        y_unit=args.y_unit,
        variable="t" if is_time else args.x,
    )
    out = pd.DataFrame({name: frame[name] for name in [*keys, args.x]})  # as written
    if keys:
        _long(frame, args.x, index, keys, y_names, setting, out, args.weights)
    else:
        t = time_to_float(index, time_unit, name=f"column {args.x!r}")
        check_time_order(t, index, name=f"column {args.x!r}", fix=f"sort the rows by {args.x!r}")
        weights = None if not args.weights else frame[args.weights].to_numpy(dtype=float)
        results = fit_columns(
            t,
            frame[y_names],
            orders,
            setting.method,
            progress=setting.progress,
            return_std=setting.std,
            weights=weights,
            resolution=setting.resolution,
            log=setting.log,
            outliers=setting.outliers,
            row_labels=frame[args.x].tolist(),
            **setting.params,
        )
        for j, name in enumerate(y_names):
            for result in results:
                _put(out, name, result.order, setting, result.values[:, j], result.std, j)
    target = sys.stdout if args.output == "-" else args.output
    try:
        out.to_csv(target, index=False, sep=sep, float_format=float_format, decimal=decimal)
    except BrokenPipeError:
        raise
    except OSError as error:
        raise CommandError(f"cannot write {args.output!r}: {error.strerror or error}") from None
    if args.plot:
        from pydelt_like.cli._figure import save_figure

        save_figure(args.plot, frame, index, keys, y_names, setting, args.weights)


def _progress(flag: bool | None) -> bool:
    return sys.stderr.isatty() if flag is None else flag


def _put(out: Any, name: str, order: int, s: Setting, values: Any, std: Any, j: int) -> None:
    """Write one result column (and its std) under a header that names it with its unit."""
    for flag, column in ((False, values), (True, None if std is None else std[:, j])):
        if column is not None:
            found = quantity(
                name, order, y_unit=s.y_unit, x_unit=s.x_unit, variable=s.variable, std=flag
            )
            out[found.header] = column


def _long(
    frame: Any,
    x_name: str,
    index: Any,
    keys: list[str],
    y_names: list[str],
    setting: Setting,
    out: Any,
    weights: str | None,
) -> None:
    """Long format: each key's rows are a series; results aligned with the input rows."""
    parsed = frame.copy()
    parsed[x_name] = index.to_numpy()  # timestamps (or numbers) in place of the text
    for name in y_names:
        results = fit_long(
            parsed,
            list[Hashable](keys),
            x_name,
            name,
            setting.orders,
            setting.method,
            setting.unit,
            progress=setting.progress,
            return_std=setting.std,
            weights=weights,
            resolution=setting.resolution,
            log=setting.log,
            outliers=setting.outliers,
            **setting.params,
        )
        for result in results:
            _put(out, name, result.order, setting, result.values[:, 0], result.std, 0)
