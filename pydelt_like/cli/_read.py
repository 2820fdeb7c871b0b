"""Reading the command's input: the separator, the CSV file, and its x column as numbers or
timestamps (ISO dates, day-first or month-first dates, quarters, a given format), with messages
that say which option fixes a file that does not read."""

from __future__ import annotations

import codecs
import re
import sys
import warnings
from typing import Any

from pydelt_like.cli._errors import CommandError

# Characters that cannot separate fields: they occur inside numbers and timestamps (or column
# names), quote fields, or end lines, so a file split on them would be misread.
_BAD_SEPARATORS = frozenset('.-+:"') | frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
#: A date that starts with two small numbers (01.02.2024, 1/2/24, 01-02-2024 08:00): day first
#: or month first, which the text alone cannot always tell.
_NUMERIC_DATE = re.compile(r"\s*(\d{1,2})([./-])(\d{1,2})\2(\d{2}|\d{4})\b")
#: A quarter as statistics offices write it: 2024Q1, 2024-Q1, 2024 Q1.
_QUARTER = re.compile(r"\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*")
#: A number written with a decimal comma (316,1; -0,5): the hint for --decimal ,
_DECIMAL_COMMA = re.compile(r"\s*[-+]?\d*,\d+\s*")


def separator(text: str, name: str = "--sep") -> str:
    """The field separator: one character; ``\\t`` as typed on a command line is a tab."""
    usage = "give one character such as , ; | or \\t for a tab"
    sep = text
    if "\\" in text:
        try:  # Python's escapes (\\t, \\x1f, \\u00a6), which are ASCII
            sep = codecs.decode(text.encode("ascii"), "unicode_escape")
        except UnicodeError:
            raise CommandError(f"{name} {text!r} is not a valid escape sequence; {usage}") from None
    if len(sep) != 1:
        raise CommandError(f"{name} must be one character ({usage}), got {text!r}")
    if sep in _BAD_SEPARATORS or sep.isalnum():
        raise CommandError(
            f"{name} {text!r} cannot separate fields: it occurs in numbers, timestamps or "
            f"names, quotes fields or ends lines; {usage}"
        )
    if sep == "\x00":
        raise CommandError(f"{name} cannot be the NUL character; {usage}")
    return sep


def decimal_mark(text: str, sep: str) -> str:
    """The decimal mark: '.' or ',' (one character that is not the separator)."""
    if text not in (".", ","):
        raise CommandError(f"--decimal must be '.' or ',', got {text!r}")
    if text == sep:
        raise CommandError(
            f"--decimal {text!r} is also the field separator; give another --sep, such as ;"
        )
    return text


def read_csv(
    source: str,
    sep: str,
    decimal: str,
    text_columns: list[str],
    *,
    comment: str | None = None,
    na_values: list[str] | None = None,
    encoding: str = "utf-8-sig",
) -> Any:
    """The file as a DataFrame; ``text_columns`` (x, the keys) are kept as written.

    ``comment`` starts lines (or their ends) to skip, ``na_values`` are the file's own marks of a
    missing value (-99.99, say), ``encoding`` its text encoding (UTF-8 with or without a BOM by
    default)."""
    import codecs as _codecs

    import pandas as pd

    if source == "-" and sys.stdin.isatty():
        raise CommandError("no input: give a CSV file, or pipe one into standard input")
    try:
        _codecs.lookup(encoding)
    except LookupError:
        raise CommandError(f"--encoding {encoding!r} is not a text encoding Python knows") from None
    if comment is not None and (len(comment) != 1 or comment in (sep, decimal, '"')):
        raise CommandError(
            f"--comment must be one character other than the separator, the decimal mark and "
            f'", such as #; got {comment!r}'
        )
    try:
        # The x column as text: written back exactly as it came, parsed here. A separator
        # beyond ASCII needs the python engine, which pandas would otherwise pick with a warning.
        frame = pd.read_csv(
            sys.stdin if source == "-" else source,
            sep=sep,
            decimal=decimal,
            dtype=dict.fromkeys(text_columns, str),
            engine="python" if ord(sep) > 127 else "c",
            comment=comment,
            na_values=na_values or None,
            encoding=encoding,
        )
    except FileNotFoundError:
        raise CommandError(f"cannot read {source!r}: no such file") from None
    except pd.errors.EmptyDataError:
        raise CommandError(f"{'standard input' if source == '-' else source!r} is empty") from None
    except UnicodeDecodeError as error:
        raise CommandError(
            f"cannot read {source!r} as {encoding}: byte {error.object[error.start]:#x} at "
            f"position {error.start}; give its encoding, e.g. --encoding latin-1 (or cp1252)"
        ) from None
    except (OSError, pd.errors.ParserError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        hint = _comment_hint(source) if comment is None else ""
        raise CommandError(f"cannot read {source!r}: {first_line}{hint}") from None
    if comment is None and len(frame.columns) and str(frame.columns[0]).startswith("#"):
        raise CommandError(
            f"{source!r} starts with a comment line ({str(frame.columns[0])[:40]!r}); pass "
            "--comment '#' to skip such lines"
        )
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas turns the first fields into an index when rows hold more fields than the
        # header: a separator that also occurs inside the values, as a space in timestamps.
        raise CommandError(
            f"cannot read {source!r}: the rows have more fields than the header "
            f"({frame.index.nlevels + frame.shape[1]} against {frame.shape[1]}); check --sep "
            "(does it also occur inside the values?)"
        )
    return frame


def _comment_hint(source: str) -> str:
    """'; pass --comment #' when the file's first line is a comment, else nothing."""
    if source == "-":
        return ""
    try:
        with open(source, encoding="utf-8-sig", errors="replace") as lines:
            first = lines.readline().lstrip()
    except OSError:
        return ""
    return "; its first line is a comment: pass --comment '#'" if first.startswith("#") else ""


def check_numbers(frame: Any, name: str, role: str, decimal: str) -> None:
    """A column of numbers, or a message that says why not and what fixes it."""
    import pandas as pd

    dtype = frame[name].dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return
    values = frame[name].dropna().astype(str)
    first = values.iloc[0] if len(values) else ""
    if decimal == "." and len(values) and values.map(_DECIMAL_COMMA.fullmatch).notna().any():
        raise CommandError(
            f"column {name!r} ({role}) holds text such as {first!r}: if ',' is its decimal "
            "mark, pass --decimal , (and --sep ; when ; separates the fields)"
        )
    raise CommandError(
        f"column {name!r} ({role}) holds {dtype} values such as {first!r}, not numbers"
    )


def x_column(frame: Any, name: str, *, dayfirst: bool, date_format: str | None) -> Any:
    """The x column as numbers (a float Index) or timestamps (a DatetimeIndex)."""
    import pandas as pd

    column = frame[name]
    if date_format is None and not dayfirst:
        try:
            return pd.Index(pd.to_numeric(column).to_numpy(dtype=float), name=name)
        except (ValueError, TypeError):
            pass
    text = column.astype(str)
    first = text.iloc[0] if len(text) else ""
    if date_format is not None:
        try:
            return pd.DatetimeIndex(pd.to_datetime(column, format=date_format), name=name)
        except (ValueError, TypeError) as error:
            raise CommandError(
                f"column {name!r} does not match --date-format {date_format!r} (first value "
                f"{first!r}): {str(error).splitlines()[0]}"
            ) from None
    if len(text) and text.map(_QUARTER.fullmatch).notna().all():
        quarters = text.str.replace(r"\s|-", "", regex=True).str.upper()
        return pd.DatetimeIndex(pd.PeriodIndex(quarters, freq="Q").to_timestamp(), name=name)
    if _NUMERIC_DATE.match(first):
        return _numeric_dates(column, name, dayfirst)
    if dayfirst:
        raise CommandError(
            f"--dayfirst applies to dates such as 01.02.2024, but column {name!r} holds values "
            f"such as {first!r}; leave it out"
        )
    return _other_dates(column, name, first)


def _numeric_dates(column: Any, name: str, dayfirst: bool) -> Any:
    """Dates such as 01.02.2024: read day first with --dayfirst; without it, the one reading
    that fits every value, or a refusal naming both when both fit."""
    import pandas as pd

    readings = {}
    for first_day in (True, False) if not dayfirst else (True,):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # an inferred format that does not fit: refuse
                readings[first_day] = pd.DatetimeIndex(
                    pd.to_datetime(column, dayfirst=first_day), name=name
                )
        except (ValueError, TypeError, UserWarning):
            continue
    sample = str(column.iloc[0])
    if not readings:
        raise CommandError(
            f"column {name!r} holds dates such as {sample!r} that read neither day first nor "
            "month first throughout; give their layout with --date-format, e.g. "
            "--date-format '%d.%m.%Y %H:%M'"
        )
    if len(readings) == 2 and not readings[True].equals(readings[False]):
        raise CommandError(
            f"column {name!r} holds dates such as {sample!r}, which read as day first "
            f"({readings[True][0]:%d %B %Y}) or month first ({readings[False][0]:%B %d %Y}); "
            "pass --dayfirst, or their layout with --date-format (e.g. '%d.%m.%Y')"
        )
    return next(iter(readings.values()))


def _other_dates(column: Any, name: str, first: str) -> Any:
    """ISO 8601 and other layouts; mixed UTC offsets are converted to UTC."""
    import pandas as pd

    with warnings.catch_warnings():
        # pandas warns when it parses element by element; that is what format='mixed' asks for.
        warnings.simplefilter("ignore", UserWarning)
        for options in ({"format": "ISO8601"}, {"format": "mixed"}, {"utc": True}):
            try:
                return pd.DatetimeIndex(pd.to_datetime(column, **options), name=name)
            except (ValueError, TypeError):
                continue
        try:
            pd.to_datetime(column, format="mixed", utc=True)
        except (ValueError, TypeError):
            raise CommandError(
                f"column {name!r} holds neither numbers nor timestamps (first value: "
                f"{first!r}); give a date layout with --date-format"
            ) from None
    raise CommandError(
        f"column {name!r} mixes timestamps with and without a time zone; give every one an "
        "offset (or none)"
    )
