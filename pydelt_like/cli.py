"""The ``pydelt-like`` command: derivatives of CSV columns without writing Python.

Run ``pydelt-like diff --help`` for the options. The work is done by the public building blocks
of :mod:`pydelt_like.timeseries` (:func:`~pydelt_like.timeseries.fit_columns` fits as
:func:`~pydelt_like.timeseries.differentiate` does), so the command gives the same numbers as the
Python API; ``--method`` offers every family of :mod:`pydelt_like.registry`.
"""

from __future__ import annotations

import argparse
import ast
import codecs
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from pydelt_like import registry
from pydelt_like.timeseries import (
    TIME_UNITS,
    check_time_order,
    estimator_factory,
    fit_columns,
    parse_time_unit,
    time_to_float,
)

__all__ = ["main"]

_EPILOG = """\
examples:
  pydelt-like diff data.csv --x time --y value
      first derivative of 'value' per second (time holds timestamps), CSV on standard output
  pydelt-like diff data.csv --x time --y a --y b --order 1 --order 2 --unit D -o rates.csv
      first and second derivatives of 'a' and 'b' per day, written to rates.csv
  cat data.csv | pydelt-like diff --x t --y v --smoothing 0.01 --plot fit.png
      read standard input, fixed smoothing, and draw the fit and its derivatives

output columns: the x column as written in the input, then '<y>_d<order>' for every y and order
('<y>_fit' for order 0), each followed by '<y>_d<order>_std' with --std.
A gap (empty or NaN value) in a y column is bridged by the fit; rows before a column's first or
after its last value get no derivative (empty). Exit status: 0 on success, 1 for bad data or
files (with a one-line message), 2 for bad options.
"""


class CommandError(Exception):
    """A problem with the user's data or files, reported in one line."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pydelt-like",
        description="Derivatives you can trust from sampled, often noisy data.",
    )
    from pydelt_like import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    diff = commands.add_parser(
        "diff",
        help="differentiate columns of a CSV file",
        description=(
            "Fit each y column against the x column (numbers or timestamps) and write its "
            "derivatives at every row as CSV."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diff.add_argument(
        "input",
        nargs="?",
        default="-",
        metavar="FILE",
        help="CSV file to read; '-' or nothing reads standard input",
    )
    diff.add_argument(
        "--x",
        required=True,
        metavar="COLUMN",
        help="the column of positions: numbers, or timestamps (parsed; mixed UTC offsets are "
        "converted to UTC)",
    )
    diff.add_argument(
        "--y",
        action="append",
        metavar="COLUMN",
        help="a column to differentiate; repeat for several (default: every other numeric column)",
    )
    diff.add_argument(
        "--method",
        choices=registry.names(),
        default="spline",
        help="interpolator family, from the registry: "
        + "; ".join(f"{family.name}: {family.summary}" for family in registry.families())
        + " (default: spline)",
    )
    diff.add_argument(
        "--order",
        action="append",
        type=int,
        metavar="N",
        help="derivative order, 0 for the smoothed values; repeat for several (default: 1)",
    )
    diff.add_argument(
        "--smoothing",
        default=None,
        metavar="S",
        help="for families with a smoothing setting (spline): 'auto' (default; chosen from the "
        "data), 0 (interpolate) or a residual sum of squares target",
    )
    diff.add_argument(
        "--std",
        action="store_true",
        help="also write the standard error of every output column, as '<column>_std' "
        "(the interpolator's uncertainty band: see the documentation)",
    )
    diff.add_argument(
        "--unit",
        default=None,
        metavar="UNIT",
        help="time unit of the derivatives for timestamp columns: "
        f"{', '.join(TIME_UNITS)} (default: s), or a multiple such as 15min; month, quarter "
        "and year are fixed lengths (year: a Julian year of 365.25 days, month: 1/12 and "
        "quarter: 1/4 of it); pandas frequencies such as MS are refused; not allowed for "
        "numeric x",
    )
    diff.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another interpolator setting, e.g. k=3 or epochs=500 (VALUE as a Python literal); "
        "repeat for several",
    )
    diff.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed for families with a random_state setting (neural), so that runs "
        "repeat exactly (default: 0)",
    )
    diff.add_argument(
        "-o",
        "--output",
        default="-",
        metavar="FILE",
        help="CSV file to write ('-': standard output)",
    )
    diff.add_argument(
        "--plot",
        default=None,
        metavar="FILE",
        help="also save a figure of the data, the fit and the derivatives (needs matplotlib)",
    )
    diff.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress on standard error (default: when it is a terminal; needs tqdm)",
    )
    diff.add_argument(
        "--sep",
        default=",",
        metavar="CHAR",
        help="field separator of input and output: one character, not a letter, digit, "
        "quote, line break or one of . - + : (default ,; \\t for a tab)",
    )
    return parser


def _parse_param(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise CommandError(f"--param {text!r} is not NAME=VALUE")
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        parsed = value.strip()  # a bare word such as extrapolate=nan stays a string
    return name.strip(), parsed


# Characters that cannot separate fields: they occur inside numbers and timestamps (or column
# names), quote fields, or end lines, so a file split on them would be misread.
_BAD_SEPARATORS = frozenset('.-+:"') | frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def _separator(text: str) -> str:
    """The field separator: one character; ``\\t`` as typed on a command line is a tab."""
    usage = "give one character such as , ; | or \\t for a tab"
    sep = text
    if "\\" in text:
        try:  # Python's escapes (\\t, \\x1f, \\u00a6), which are ASCII
            sep = codecs.decode(text.encode("ascii"), "unicode_escape")
        except UnicodeError:
            raise CommandError(f"--sep {text!r} is not a valid escape sequence; {usage}") from None
    if len(sep) != 1:
        raise CommandError(f"--sep must be one character ({usage}), got {text!r}")
    if sep in _BAD_SEPARATORS or sep.isalnum():
        raise CommandError(
            f"--sep {text!r} cannot separate fields: it occurs in numbers, timestamps or "
            f"names, quotes fields or ends lines; {usage}"
        )
    if sep == "\x00":
        raise CommandError(f"--sep cannot be the NUL character; {usage}")
    return sep


def _read(source: str, sep: str, x_name: str) -> Any:
    import pandas as pd

    if source == "-" and sys.stdin.isatty():
        raise CommandError("no input: give a CSV file, or pipe one into standard input")
    try:
        # The x column as text: written back exactly as it came, parsed here. A separator
        # beyond ASCII needs the python engine, which pandas would otherwise pick with a warning.
        frame = pd.read_csv(
            sys.stdin if source == "-" else source,
            sep=sep,
            dtype={x_name: str},
            engine="python" if ord(sep) > 127 else "c",
        )
    except FileNotFoundError:
        raise CommandError(f"cannot read {source!r}: no such file") from None
    except pd.errors.EmptyDataError:
        raise CommandError(f"{'standard input' if source == '-' else source!r} is empty") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise CommandError(f"cannot read {source!r}: {first_line}") from None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas turns the first fields into an index when rows hold more fields than the
        # header: a separator that also occurs inside the values, as a space in timestamps.
        raise CommandError(
            f"cannot read {source!r}: the rows have more fields than the header "
            f"({frame.index.nlevels + frame.shape[1]} against {frame.shape[1]}); check --sep "
            "(does it also occur inside the values?)"
        )
    return frame


def _x_column(frame: Any, name: str) -> Any:
    """The x column as numbers (a float Index) or timestamps (a DatetimeIndex)."""
    import pandas as pd

    column = frame[name]
    try:
        return pd.Index(pd.to_numeric(column).to_numpy(dtype=float), name=name)
    except (ValueError, TypeError):
        pass
    # Dates with and without times, ISO 8601 or not; mixed UTC offsets are converted to UTC.
    for options in ({}, {"format": "ISO8601"}, {"format": "mixed"}, {"utc": True}):
        try:
            return pd.DatetimeIndex(pd.to_datetime(column, **options), name=name)
        except (ValueError, TypeError):
            continue
    try:
        pd.to_datetime(column, format="mixed", utc=True)
    except (ValueError, TypeError):
        raise CommandError(
            f"column {name!r} holds neither numbers nor timestamps (first value: "
            f"{column.iloc[0]!r})"
        ) from None
    raise CommandError(
        f"column {name!r} mixes timestamps with and without a time zone; give every one an "
        "offset (or none)"
    )


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


def _plot(
    path: str,
    xlabel: str,
    t: np.ndarray,
    frame: Any,
    factory: Any,
    labels: list,
    orders: list[int],
) -> None:
    """Save a figure: a column of axes per y column, the fit and each order stacked."""
    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window
    import matplotlib.pyplot as plt

    from pydelt_like.plot import plot_derivatives

    plot_orders = sorted({0, *orders})
    fig, axes = plt.subplots(
        len(plot_orders),
        len(labels),
        sharex=True,
        squeeze=False,
        figsize=(4 + 3 * len(labels), 2.2 * len(plot_orders) + 1),
    )
    for j, label in enumerate(labels):
        values = frame[label].to_numpy(dtype=float)
        valid = np.isfinite(values)
        # One fit per column (a batch fit gives the same curves, but draws them all at once).
        interp = factory().fit(t[valid], values[valid])
        plot_derivatives(interp, plot_orders, ax=axes[:, j], xlabel=xlabel)
        axes[0, j].set_title(str(label))
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as error:
        raise CommandError(f"cannot write the plot {path!r}: {error.strerror or error}") from None
    finally:
        plt.close(fig)


def _diff(args: argparse.Namespace) -> None:
    try:
        import pandas as pd
    except ImportError:
        raise CommandError("the command needs pandas: pip install 'pydelt-like[pandas]'") from None

    sep = _separator(args.sep)
    unit = None if args.unit is None else parse_time_unit(args.unit, param="--unit")  # first
    frame = _read(args.input, sep, args.x)
    if args.x not in frame.columns:
        raise CommandError(
            f"no column {args.x!r} for --x; the columns are {', '.join(map(str, frame.columns))}"
        )
    if args.y:
        missing = [name for name in args.y if name not in frame.columns]
        if missing:
            raise CommandError(
                f"no column {missing[0]!r} for --y; the columns are "
                f"{', '.join(map(str, frame.columns))}"
            )
        y_names = list(dict.fromkeys(args.y))
    else:
        if frame.empty:
            raise CommandError("the input has a header but no rows")
        y_names = [
            name
            for name in frame.columns
            if name != args.x
            and pd.api.types.is_numeric_dtype(frame[name])
            and not pd.api.types.is_bool_dtype(frame[name])
        ]
        if not y_names:
            raise CommandError(
                "no numeric columns to differentiate besides --x; name them with --y"
            )
    if frame.empty:
        raise CommandError("the input has a header but no rows")
    orders = list(dict.fromkeys(args.order or [1]))
    if any(order < 0 for order in orders):
        raise CommandError(f"--order must be >= 0, got {min(orders)}")

    index = _x_column(frame, args.x)
    is_time = isinstance(index, pd.DatetimeIndex)
    if unit is not None and not is_time:
        raise CommandError(
            f"--unit {args.unit} applies to timestamps, but column {args.x!r} holds numbers, "
            "whose units are their own; leave --unit out"
        )
    t = time_to_float(index, unit, name=f"column {args.x!r}")
    check_time_order(t, index, name=f"column {args.x!r}", fix=f"sort the rows by {args.x!r}")
    for name in y_names:
        dtype = frame[name].dtype
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            raise CommandError(f"column {name!r} has dtype {dtype}, not numbers")
    family = registry.get(args.method)
    if args.std and not family.bands:
        with_bands = ", ".join(other.name for other in registry.families() if other.bands)
        raise CommandError(
            f"--std needs uncertainty bands, which --method {args.method} does not give; leave "
            f"--std out or use a family that gives them ({with_bands})"
        )
    # The family's own settings, read from a default instance: what --smoothing and --seed set.
    params = _estimator_params(args, list(family.load()().get_params()))
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    results = fit_columns(
        t, frame[y_names], orders, args.method, progress=progress, return_std=args.std, **params
    )

    out = pd.DataFrame({args.x: frame[args.x]})  # as written in the input
    for j, name in enumerate(y_names):
        for result in results:
            column = f"{name}_fit" if result.order == 0 else f"{name}_d{result.order}"
            out[column] = result.values[:, j]
            if result.std is not None:
                out[f"{column}_std"] = result.std[:, j]
    target = sys.stdout if args.output == "-" else args.output
    try:
        out.to_csv(target, index=False, sep=sep, float_format="%.17g")
    except BrokenPipeError:
        raise
    except OSError as error:
        raise CommandError(f"cannot write {args.output!r}: {error.strerror or error}") from None
    if args.plot:
        xlabel = f"{args.x} [{parse_time_unit(unit).label} since {index[0]}]" if is_time else args.x
        factory = estimator_factory(args.method, progress=progress, **params)
        _plot(args.plot, xlabel, t, frame, factory, y_names, orders)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 for a problem with the data or files (one line on standard error).
        Bad options exit with status 2 through argparse.
    """
    args = _parser().parse_args(argv)
    try:
        if args.command == "diff":
            _diff(args)
    except CommandError as error:
        print(f"pydelt-like: error: {error}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, ImportError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"pydelt-like: error: {message}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
