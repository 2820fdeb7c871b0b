"""Checks on the time-series functions and the command line (see :mod:`fuzz.checks`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import _EPS, ROUNDING_FACTOR, Verdict, _f64, _fmt, _log10, _silent, _wrong


# ----------------------------------------------------------------------------- time series
def series(
    ns: dict[str, Any],
    *,
    warned: bool,
    result: str,
    values: str,
    seconds: str,
    order: int,
    unit_seconds: float | None = None,
    unit_range: tuple[float, float] | None = None,
    truth: list[tuple[float, float]] | None = None,
    layout: str = "wide",
) -> Verdict:
    """A time-series derivative: NaN outside each column's samples, exact for exact lines.

    ``seconds`` names the sample positions (seconds since the first, or the numbers of a numeric
    index), ``values`` the data (n, m); ``truth`` gives (a, b) per column in those units.
    ``unit_seconds`` is the unit's length (1 for a numeric index); ``unit_range`` bounds it for
    calendar aliases whose length is a convention (a month, a quarter).
    """
    if ns.get(values) is None or ns.get(seconds) is None:
        return None
    t, data = _f64(ns[seconds]), _f64(ns[values])
    out = _f64(ns[result])
    if t is None or data is None or out is None or t.ndim != 1 or data.size % max(t.size, 1):
        return None
    data = data.reshape(t.size, -1)
    if out.size != data.size:
        return _silent("shape", f"result has {out.size} values for {data.size} samples")
    if layout == "long":  # rows of the first series, then of the second
        out = out.reshape(data.shape[1], t.size).T
    out = out.reshape(data.shape)
    for j in range(data.shape[1]):
        valid = np.flatnonzero(np.isfinite(data[:, j]))
        if valid.size == 0:
            continue
        first, last = valid[0], valid[-1]
        beyond = np.r_[0:first, last + 1 : t.size]
        if np.isfinite(out[beyond, j]).any():
            return _silent("outside", f"column {j} has values outside its samples")
        if truth is None or warned or valid.size < 3:
            continue
        a, b = truth[j]
        span = t[last] - t[first]
        if not span > 0:
            continue
        inner = out[first : last + 1, j]
        y_max = float(np.max(np.abs(data[valid, j])))
        u = unit_seconds
        if u is None and unit_range is not None and order == 1 and b != 0:
            estimate = np.nanmedian(inner) / b
            low, high = unit_range
            if not (low <= estimate <= high):
                return _silent(
                    "unit length",
                    f"the derivative implies a unit of {_fmt(estimate)} s, not within "
                    f"[{_fmt(low)}, {_fmt(high)}] s",
                )
            continue
        if u is None:
            continue
        h = span / valid.size
        bound = _log10(y_max) + order * (1 + _log10(u) - _log10(h)) + 1
        if _wrong(inner, bound).any():
            return _silent("NaN/inf", f"column {j}: NaN/inf inside its samples for finite data")
        line = a + b * t[valid]
        sigma = max(
            float(np.max(np.abs(data[valid, j] - line))),
            _EPS * float(np.max(np.abs(data[valid, j]) + abs(b) * np.abs(t[valid]))),
            5e-324,
        )
        with np.errstate(all="ignore"):
            tolerance = ROUNDING_FACTOR * sigma * np.float64(10.0 * u / h) ** order
            if order == 0:
                expected = a + b * t[first : last + 1]
            else:
                expected = np.full(inner.shape, b * u if order == 1 else 0.0)
            error = np.abs(inner - expected)
        if np.isfinite(tolerance) and (~(error <= tolerance) & np.isfinite(expected)).any():
            i = int(np.nanargmax(np.where(np.isfinite(expected), error, -1.0)))
            return _silent(
                "exact line not reproduced",
                f"column {j}, order {order}: {inner[i]!r} where the line gives "
                f"{expected[i]!r} (tolerance {_fmt(tolerance)})",
            )
    return None


def scaled(
    ns: dict[str, Any],
    *,
    warned: bool,
    result: str,
    seconds: str,
    unit_seconds: float | None,
    unit_range: tuple[float, float] | None,
) -> Verdict:
    """time_to_float: the seconds since the first stamp, divided by the unit's length."""
    got, t = _f64(ns[result]), _f64(ns[seconds])
    if got is None or t is None:
        return _silent("not numbers", "time_to_float returned no numbers")
    if got.shape != t.shape:
        return _silent("shape", f"time_to_float gave shape {got.shape} for {t.shape} stamps")
    if unit_seconds is not None:
        expected = t / unit_seconds
        if not np.allclose(got, expected, rtol=1e-12, atol=0.0, equal_nan=True):
            i = int(np.nanargmax(np.abs(got - expected)))
            return _silent("wrong unit", f"position {got[i]!r}, expected {expected[i]!r}")
    elif unit_range is not None and t.size > 1 and t[-1] > 0 and got[-1] != 0:
        implied = t[-1] / got[-1]
        if not unit_range[0] <= implied <= unit_range[1]:
            return _silent(
                "unit length",
                f"the unit came out as {_fmt(implied)} s, not within "
                f"[{_fmt(unit_range[0])}, {_fmt(unit_range[1])}] s",
            )
    return None


# ---------------------------------------------------------------------------- command line
def command(
    ns: dict[str, Any],
    *,
    warned: bool,
    sep: str = ",",
    output: str | None = None,
    lines: dict[str, tuple[float, float]] | None = None,
    span: float = 1.0,
    unit_seconds: float = 1.0,
    orders: tuple[int, ...] = (1,),
) -> Verdict:
    """The command's exit status, its one-line errors, and exact lines in its output.

    ``lines`` gives ``(a, b)`` per y column when the file holds exact lines ``a + b t`` (t in
    seconds since the first row, or the numbers of a numeric x), ``span`` the last t.
    """
    from pydelt_like.cli import CommandError

    from .core import Step, classify, first_line

    record = ns["_cli"]
    code, err = record.get("code"), record.get("err", "")
    error = record.get("error")
    if code not in (0, 1, 2, None):
        return ("deep", f"exit status {code!r}", err.strip()[-160:])
    if "Traceback" in err:
        return ("deep", "traceback printed", err.strip().splitlines()[-1][:160])
    if error is not None and not isinstance(error, CommandError):
        outcome, kind = classify(error, Step("cli", "pass", paths=True))
        if outcome != "clear":
            return ("deep", f"{kind} (printed)", first_line(error))
    # One-line warnings may come first; an error is one line of its own.
    messages = [m for m in err.strip().splitlines() if not m.startswith("pydelt-like: warning: ")]
    if code == 1 and (len(messages) != 1 or not messages[0].startswith("pydelt-like: error: ")):
        return ("deep", "error not one line", err.strip()[:160])
    if code == 2 and (not messages or "error:" not in messages[-1]):
        return ("deep", "usage error without a message", err.strip()[:160])
    if code not in (0, None):
        return ("clear", f"exit status {code}", messages[-1] if messages else "")
    if not lines:
        return None
    import io

    import pandas as pd

    try:
        with open(output) if output else io.StringIO(record.get("out", "")) as stream:
            table = pd.read_csv(stream, sep=sep)
    except Exception as exc:  # the command said it succeeded: its output must read back
        return _silent("unreadable output", f"{type(exc).__name__}: {first_line(exc)}")
    h = span / max(len(table) - 1, 1)
    unique = list(dict.fromkeys(orders))
    for name, (a, b) in lines.items():
        sigma = max(_EPS * (abs(a) + abs(b) * span), 5e-324)
        # One column per order, in the order asked for ('v d/dt', 'v fit [m]' or 'v_d1'), each
        # maybe followed by its standard error.
        columns = [
            str(c)
            for c in table.columns
            if str(c).startswith((f"{name} ", f"{name}_")) and "std" not in str(c)
        ]
        if len(columns) != len(unique):
            return _silent(
                "missing column",
                f"{len(columns)} columns for {name!r} ({columns}), {len(unique)} orders asked for",
            )
        for order, column in zip(unique, columns, strict=True):
            if order == 0:
                continue
            got = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
            expected = b * unit_seconds if order == 1 else 0.0
            with np.errstate(all="ignore"):
                tolerance = ROUNDING_FACTOR * sigma * np.float64(10.0 * unit_seconds / h) ** order
                # The output is printed to 7 significant digits unless --float-format says more.
                tolerance += 1e-6 * abs(expected)
            got = got[np.isfinite(got)]
            if got.size and np.isfinite(tolerance) and np.max(np.abs(got - expected)) > tolerance:
                worst = got[np.argmax(np.abs(got - expected))]
                return _silent(
                    "exact line not reproduced",
                    f"{column} is {worst!r}, the line gives {expected!r} "
                    f"(tolerance {_fmt(tolerance)})",
                )
    return None
