"""The ``pydelt-like`` command: derivatives of CSV columns without writing Python.

Run ``pydelt-like diff --help`` for the options. The work is done by the public building blocks
of :mod:`pydelt_like.timeseries` (:func:`~pydelt_like.timeseries.fit_columns` fits as
:func:`~pydelt_like.timeseries.differentiate` does), so the command gives the same numbers as the
Python API; ``--method`` offers every family of :mod:`pydelt_like.registry`.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from pydelt_like import registry
from pydelt_like.cli._errors import CommandError
from pydelt_like.timeseries import TIME_UNITS

__all__ = ["main"]

_EPILOG = """\
examples:
  pydelt-like diff data.csv --x time --y value
      first derivative of 'value' per second (time holds timestamps), CSV on standard output
  pydelt-like diff co2.csv --x date --y co2 --y-unit ppm --unit year --std --plot co2.png
      growth rate in ppm/year with its standard error, and a figure with dates, units, band
  pydelt-like diff temps.csv --sep ';' --decimal , --dayfirst --x Zeit --unit h
      a file written as dd.mm.yyyy;12,5 (decimal commas, day-first dates)
  pydelt-like diff trees.csv --by tree --x year --y height --y-unit m --x-unit year
      long format: one series per tree, results aligned with the input rows
  pydelt-like diff pressure.csv --x T --y p --log --order 1 --std --x-unit degC
      fit ln p (data spanning decades) and return dp/dT with its band, by the chain rule

output columns: the key columns (--by) and the x column as written in the input, then one
column per y and order, named for what it holds with its unit in brackets when known:
'co2 fit [ppm]' (order 0), 'co2 d/dt [ppm/year]', 'co2 d²/dt² [ppm/year²]', each followed by
its standard error ('co2 d/dt std [ppm/year]') with --std. Numbers carry 7 significant digits
(--float-format %.17g for every digit). A gap (empty or NaN value) in a y column is bridged by
the fit; rows before a column's first or after its last value get no derivative (empty).
Exit status: 0 on success, 1 for bad data or files (with a one-line message), 2 for bad
options.
"""


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
        help="also write the standard error of every output column, after it ('co2 d/dt std "
        "[ppm/year]'; the interpolator's uncertainty band: see the documentation)",
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
        help="also save a figure of the data, the fit and the derivatives, with calendar "
        "dates, units and the 95%% band where the fit gives one (needs matplotlib)",
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
    diff.add_argument(
        "--decimal",
        default=".",
        metavar="CHAR",
        help="decimal mark of input and output numbers: . (default) or , (as in 316,1; give "
        "another --sep, such as ;)",
    )
    diff.add_argument(
        "--comment",
        default=None,
        metavar="CHAR",
        help="skip lines starting with this character, and what follows it on a line (e.g. "
        "#, as in NOAA's files)",
    )
    diff.add_argument(
        "--na-values",
        action="append",
        metavar="TEXT",
        help="a value the file writes for a missing one (e.g. -99.99); repeat for several. "
        "Empty fields and NaN are missing anyway",
    )
    diff.add_argument(
        "--encoding",
        default="utf-8-sig",
        metavar="NAME",
        help="the file's text encoding (default: UTF-8, with or without a byte-order mark; "
        "latin-1 or cp1252 for many older files)",
    )
    diff.add_argument(
        "--dayfirst",
        action="store_true",
        help="read dates such as 01.02.2024 day first (1 February); without it, such dates "
        "are read the one way that fits every value, and refused when both ways fit",
    )
    diff.add_argument(
        "--date-format",
        default=None,
        metavar="FORMAT",
        help="the layout of the x column's dates, as strftime writes it, e.g. '%%d.%%m.%%Y "
        "%%H:%%M' (default: ISO 8601, day-first or month-first dates, quarters such as "
        "2024Q1, and other common layouts, recognised)",
    )
    diff.add_argument(
        "--float-format",
        default="%.7g",
        metavar="FORMAT",
        help="how numbers are written: a %%-format such as %%.7g (the default: 7 significant "
        "digits), %%.3f, or %%.17g (every digit of a float64)",
    )
    diff.add_argument(
        "--by",
        action="append",
        metavar="COLUMN",
        help="long format: the column holding each row's series key (repeat for several); "
        "each key's rows are one series, fitted on its own x, results in the input's row order",
    )
    diff.add_argument(
        "--weights",
        default=None,
        metavar="COLUMN",
        help="a column of weights per row: inverse variances up to a common factor, finite and "
        ">= 0 (0: the row does not count)",
    )
    diff.add_argument(
        "--log",
        action="store_true",
        help="fit the logarithm of each y column (positive data spanning decades, such as a "
        "vapour pressure) and write the derivatives of y itself, by the chain rule; --std then "
        "gives the linearised standard error, an upper bound",
    )
    diff.add_argument(
        "--resolution",
        default=None,
        metavar="LENGTH",
        help="the smoothing as a scale of x: features narrower than it are mostly noise "
        "(the spline's knot intervals are kept at least this long). A length of time for "
        "timestamps (1year, 30D, 12h) or a number in x's units (in --unit's for timestamps)",
    )
    diff.add_argument(
        "--outliers",
        choices=("warn", "omit", "keep"),
        default="warn",
        help="gross outliers, values far from their neighbours and the curve through them (a "
        "typo, a glitch): fit them and warn (default), leave them out of the fit (with a "
        "warning; the figure still draws them), or fit them without a word",
    )
    diff.add_argument(
        "--y-unit",
        default=None,
        metavar="UNIT",
        help="the unit of the y columns, for the output's headers and the figure's labels "
        "(e.g. ppm: 'co2 d/dt [ppm/year]')",
    )
    diff.add_argument(
        "--x-unit",
        default=None,
        metavar="UNIT",
        help="the unit of a numeric x column, for headers and labels (e.g. degC: "
        "'p d/dT [mmHg/degC]'); timestamps take theirs from --unit",
    )
    return parser


# The library's messages spell settings as Python does; the command's options spell them so.
_SPELLINGS = (
    (re.compile(r"outliers='(\w+)'"), r"--outliers \1"),
    (re.compile(r"pass (\w+)=(\S+) \(which needs"), r"pass --param \1=\2 (which needs"),
)


def _as_typed(text: str) -> str:
    """A message of the library with its settings spelled as the command's options."""
    for pattern, spelling in _SPELLINGS:
        text = pattern.sub(spelling, text)
    return text


def _one_line_warning(
    message: Any, category: Any, filename: Any, lineno: Any, file: Any = None, line: Any = None
) -> None:
    """Warnings (ours or a library's) as one line on standard error, never a source line."""
    lines = str(message).strip().splitlines()
    text = _as_typed(lines[0] if lines else category.__name__)
    if text not in _SHOWN:  # the figure refits what the output fitted: say it once
        _SHOWN.add(text)
        print(f"pydelt-like: warning: {text}", file=sys.stderr)


_SHOWN: set[str] = set()


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
        with warnings.catch_warnings():
            _SHOWN.clear()
            warnings.simplefilter("always")  # every call says what it found, each once
            warnings.showwarning = _one_line_warning
            if args.command == "diff":
                from pydelt_like.cli._diff import run

                run(args)
    except CommandError as error:
        print(f"pydelt-like: error: {error}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, ImportError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"pydelt-like: error: {_as_typed(message)}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
