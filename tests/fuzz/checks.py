"""Checks on results: NaN/inf for finite input, and answers no correct fit can give.

Each check takes the case's namespace (plus ``warned``: whether pydelt_like warned during the
step) and keyword parameters, and returns ``None`` or ``(outcome, kind, message)``.

Exactness is judged against the data's own rounding. For samples of an exact line
``y = a + b x`` (a constant when ``b = 0``) the deviation of the samples from the line, at least
one ulp of ``|y| + |b x|``, is the noise ``sigma`` the data carry; an answer of derivative order
``m`` is wrong when it misses the line by more than ``ROUNDING_FACTOR * sigma * (10 / h)**m``,
``h`` the mean sample spacing (the smallest one for an exact interpolant, which follows every rounding
error). NaN is never a right answer for finite data; infinity only where the true answer may
overflow (see ``LOG_LIMIT``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

#: How many times the data's rounding noise an exact line or constant may be missed by, on top
#: of a factor 10 / h per derivative order (as for finiteness below). A correct fit's error is
#: that noise times its linear algebra's conditioning: on 2,500 generated fits of exact lines,
#: half missed by under 5 times, 90 % by under 7e3 times; the wrong answers of findings #1 and
#: #2 miss by 1e7 and 1e21 times.
ROUNDING_FACTOR = 1e4
#: NaN is never a right answer for finite data. Infinity is wrong where the true answer cannot
#: overflow: where max|y| * 10 * (10 / h)**order < 10**LOG_LIMIT (a fit overshoots its data by
#: less than 10 times, and each derivative order multiplies by less than 10 / h).
LOG_LIMIT = 308.0
_EPS = 2.0**-52

Verdict = tuple[str, str, str] | None


def _f64(value: Any) -> np.ndarray | None:
    """The values as float64 (None when they cannot be read as numbers)."""
    try:
        if hasattr(value, "detach"):
            value = value.detach().cpu().double().numpy()
        elif np.ma.isMaskedArray(value):
            value = np.ma.filled(value.astype(float), np.nan)
        elif hasattr(value, "to_numpy"):
            value = value.to_numpy(dtype=float, na_value=np.nan)
        array = np.asarray(value)
        if array.dtype.kind not in "iuf":
            if array.dtype.kind != "O":
                return None
            array = np.array([np.nan if v is None else float(v) for v in array.ravel()]).reshape(
                array.shape
            )
        return np.array(array, dtype=np.float64)
    except (TypeError, ValueError, OverflowError, AttributeError, RuntimeError):
        return None


def _silent(kind: str, message: str) -> Verdict:
    return ("silent", kind, message)


def _log10(value: float) -> float:
    return math.log10(value) if value > 0 else -math.inf


def _wrong(values: np.ndarray, bound: float) -> np.ndarray:
    """NaN, or infinity where the answer's log10 magnitude is bounded by ``bound`` < LOG_LIMIT."""
    return np.isnan(values) | (np.isinf(values) & (bound < LOG_LIMIT))


def _fmt(value: float) -> str:
    return f"{value:.4g}"


class _Data:
    """The samples a fit saw: finite rows (after nan_policy), positive weights."""

    def __init__(self, x: Any, y: Any, w: Any, nan_policy: str) -> None:
        self.ok = False
        xs, ys = _f64(x), _f64(y)
        if xs is None or ys is None or xs.ndim != 1 or ys.ndim == 0 or ys.shape[0] != xs.size:
            return
        ws = np.ones(xs.size) if w is None else _f64(w)
        if ws is None or ws.shape != xs.shape or not np.all(np.isfinite(ws)) or (ws < 0).any():
            return
        y2 = ys.reshape(xs.size, -1)
        finite = np.isfinite(xs) & np.isfinite(y2).all(axis=1)
        if not finite.all() and nan_policy != "omit":
            return
        keep = finite & (ws > 0)
        if keep.sum() < 2:
            return
        self.x, self.y, self.trailing = xs[keep], y2[keep], ys.shape[1:]
        self.lo, self.hi = float(self.x.min()), float(self.x.max())
        self.span = self.hi - self.lo
        distinct = np.unique(self.x)
        if not self.span > 0 or not np.isfinite(self.span):
            return
        self.n = distinct.size
        self.h_mean = self.span / self.n
        self.h_min = float(np.diff(distinct).min())
        self.y_max = float(np.max(np.abs(self.y)))
        self.ok = True


def _result(value: Any) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def interp(
    ns: dict[str, Any],
    *,
    warned: bool,
    result: str,
    points: str,
    x: str,
    y: str,
    w: str | None = None,
    order: int = 0,
    op: str = "values",
    nan_policy: str = "raise",
    extrapolate: str = "raise",
    exact_fit: bool = False,
    truth: list[tuple[float, float]] | None = None,
) -> Verdict:
    """A fitted interpolator's values, derivative (``order`` > 0), antiderivative (< 0) or std.

    ``truth`` lists ``(a, b)`` per output column when every column is an exact line; ``exact_fit``
    is True for an interpolant through every sample (``smoothing=0``).
    """
    data = _Data(ns[x], ns[y], ns.get(w) if w else None, nan_policy)
    if not data.ok:
        return None
    values = _result(ns[result])
    where = _f64(ns[points])
    if values is None:
        return _silent("not numbers", f"{op} returned {type(ns[result]).__name__}")
    if where is None:
        return None
    expected_shape = where.shape + tuple(data.trailing)
    if values.shape != expected_shape:
        return _silent("shape", f"{op} gave shape {values.shape}, expected {expected_shape}")
    flat = where.ravel()
    if flat.size == 0:
        return None
    rows = values.reshape(flat.size, -1)
    finite_point = np.isfinite(flat)
    if np.isfinite(rows[~finite_point]).any():
        return _silent("NaN point", f"{op} at a NaN/inf point gave a number, not NaN")
    inside = finite_point & (flat >= data.lo) & (flat <= data.hi)
    outside = finite_point & ~inside
    if extrapolate == "nan" and np.isfinite(rows[outside]).any():
        return _silent("outside", f"{op} outside the range gave a number with extrapolate='nan'")
    # NaN is never the answer for finite data; inf only where the true answer can overflow.
    h = data.h_min if exact_fit else data.h_mean
    if order >= 0:
        bound = _log10(data.y_max) + order * -_log10(h) + order + 1
    else:
        bound = _log10(data.y_max) + -order * _log10(max(data.span, 1.0)) + 1
    bad = inside[:, None] & _wrong(rows, bound)
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        return _silent(
            "NaN/inf",
            f"{op} (order {order}) is {rows[i, j]} at x={float(flat[i])!r} for finite data "
            f"(max|y| {_fmt(data.y_max)})",
        )
    if op == "std" and (rows[np.isfinite(rows)] < 0).any():
        return _silent("negative std", "a standard error below zero")
    if truth is None or warned or op != "values" or order < 0:
        return None
    return _exactness(data, truth, flat[inside], rows[inside], order, exact_fit, op)


def _exactness(
    data: _Data,
    truth: list[tuple[float, float]],
    where: np.ndarray,
    rows: np.ndarray,
    order: int,
    exact_fit: bool,
    op: str,
) -> Verdict:
    if len(truth) != data.y.shape[1] or where.size == 0:
        return None
    for column, (a, b) in enumerate(truth):
        line = a + b * data.x
        if not np.all(np.isfinite(line)):
            return None
        sigma = float(np.max(np.abs(data.y[:, column] - line)))
        sigma = max(
            sigma, _EPS * float(np.max(np.abs(data.y[:, column]) + abs(b) * np.abs(data.x)))
        )
        sigma = max(sigma, 5e-324)
        h = data.h_min if exact_fit else data.h_mean
        with np.errstate(all="ignore"):
            tolerance = ROUNDING_FACTOR * sigma * np.float64(10.0 / h) ** order
            if order == 0:
                expected = a + b * where
            else:
                expected = np.full(where.shape, b if order == 1 else 0.0)
            error = np.abs(rows[:, column] - expected)
        if not np.isfinite(tolerance):
            continue
        bad = ~(error <= tolerance) & np.isfinite(expected)
        if bad.any():
            i = int(np.argmax(np.where(bad, error, -1.0)))
            what = "constant" if b == 0 else "line"
            return _silent(
                f"exact {what} not reproduced",
                f"{op} of order {order} is {rows[i, column]!r} at x={where[i]!r} where the "
                f"{what} gives {expected[i]!r} (tolerance {_fmt(tolerance)} from rounding "
                f"{_fmt(sigma)})",
            )
    return None


def integral(
    ns: dict[str, Any],
    *,
    warned: bool,
    result: str,
    x: str,
    y: str,
    lower: str,
    upper: str,
    w: str | None = None,
    nan_policy: str = "raise",
    truth: list[tuple[float, float]] | None = None,
) -> Verdict:
    """``integrate(lower, upper)`` (limits named in the namespace): finite where it cannot
    overflow, exact for exact lines."""
    data = _Data(ns[x], ns[y], ns.get(w) if w else None, nan_policy)
    if not data.ok:
        return None
    try:
        lower, upper = float(ns[lower]), float(ns[upper])  # type: ignore[assignment]
    except (TypeError, ValueError):
        return None
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return None
    values = _result(ns[result])
    if values is None:
        return _silent("not numbers", f"integrate returned {type(ns[result]).__name__}")
    values = values.reshape(-1)
    inside = data.lo <= min(lower, upper) and max(lower, upper) <= data.hi
    if not inside:
        return None
    width = abs(upper - lower)
    bound = _log10(data.y_max) + _log10(max(width, 1e-300)) + 1
    if _wrong(values, bound).any():
        return _silent("NaN/inf", f"integrate({lower!r}, {upper!r}) is {values} for finite data")
    if truth is None or warned or len(truth) != values.size:
        return None
    for column, (a, b) in enumerate(truth):
        line = a + b * data.x
        if not np.all(np.isfinite(line)):
            return None
        sigma = float(np.max(np.abs(data.y[:, column] - line)))
        sigma = max(
            sigma, _EPS * float(np.max(np.abs(data.y[:, column]) + abs(b) * np.abs(data.x)))
        )
        with np.errstate(all="ignore"):
            expected = (upper - lower) * (a + b * (0.5 * lower + 0.5 * upper))
            tolerance = ROUNDING_FACTOR * (sigma * width + _EPS * abs(expected))
        if np.isfinite(expected) and np.isfinite(tolerance):
            if not abs(values[column] - expected) <= tolerance:
                return _silent(
                    "exact line integral",
                    f"integrate({lower!r}, {upper!r}) is {values[column]!r}, the line gives "
                    f"{expected!r} (tolerance {_fmt(tolerance)})",
                )
    return None


def band(ns: dict[str, Any], *, warned: bool, lower: str, upper: str, values: str) -> Verdict:
    """``interval``: lower <= value <= upper wherever all three are finite."""
    lo, hi, mid = _result(ns[lower]), _result(ns[upper]), _result(ns[values])
    if lo is None or hi is None or mid is None or not (lo.shape == hi.shape == mid.shape):
        return _silent("shape", "interval's bounds and values differ in shape or type")
    both = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(mid)
    if (lo[both] > mid[both]).any() or (hi[both] < mid[both]).any():
        return _silent("band", "the interval does not contain the fitted value")
    if (np.isfinite(mid) & ~(np.isfinite(lo) & np.isfinite(hi))).any():
        return _silent("NaN/inf", "interval is NaN/inf where the value is finite")
    return None


def same(ns: dict[str, Any], *, warned: bool, left: str, right: str, what: str) -> Verdict:
    """Two results that must be bit-identical (pickle, deepcopy, save/load round trips)."""
    a, b = _result(ns[left]), _result(ns[right])
    if a is None or b is None or a.shape != b.shape:
        return _silent("round trip", f"{what}: results differ in type or shape")
    if not np.array_equal(a, b, equal_nan=True):
        return _silent("round trip", f"{what}: results differ (max {np.nanmax(np.abs(a - b))})")
    return None


def finite(ns: dict[str, Any], *, warned: bool, result: str, what: str) -> Verdict:
    """Every value finite (where the inputs make a finite answer the only correct one)."""
    values = _result(ns[result])
    if values is None:
        return _silent("not numbers", f"{what} returned {type(ns[result]).__name__}")
    if not np.all(np.isfinite(values)):
        return _silent("NaN/inf", f"{what} gave {int((~np.isfinite(values)).sum())} NaN/inf")
    return None


def multi(ns: dict[str, Any], *, warned: bool, result: str, x: str, y: str, order: int) -> Verdict:
    """A network on several inputs: finite where the answer cannot overflow."""
    xs, ys = _f64(ns[x]), _f64(ns[y])
    values = _result(ns[result])
    if xs is None or ys is None or values is None or xs.ndim != 2:
        return None
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        return None
    spans = xs.max(axis=0) - xs.min(axis=0)
    if not np.all(spans > 0):
        return None
    h = float(np.min(spans)) / xs.shape[0]
    y_max = float(np.max(np.abs(ys))) if ys.size else 0.0
    bound = _log10(y_max) + order * (1 - _log10(h)) + 1
    if _wrong(values, bound).any():
        return _silent("NaN/inf", f"order {order} result has NaN/inf for finite data")
    return None


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
    x_name: str = "t",
    slopes: dict[str, float] | None = None,
    unit_seconds: float = 1.0,
    orders: tuple[int, ...] = (1,),
) -> Verdict:
    """The command's exit status, its one-line errors, and exact lines in its output."""
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
    lines = err.strip().splitlines()
    if code == 1 and (len(lines) != 1 or not lines[0].startswith("pydelt-like: error: ")):
        return ("deep", "error not one line", err.strip()[:160])
    if code == 2 and (not lines or "error:" not in lines[-1]):
        return ("deep", "usage error without a message", err.strip()[:160])
    if code not in (0, None):
        return ("clear", f"exit status {code}", lines[-1] if lines else "")
    if not slopes:
        return None
    import pandas as pd

    try:
        text = open(output).read() if output else record.get("out", "")
        table = pd.read_csv(__import__("io").StringIO(text), sep=sep)
    except Exception as exc:  # the command said it succeeded: its output must read back
        return _silent("unreadable output", f"{type(exc).__name__}: {first_line(exc)}")
    for name, slope in slopes.items():
        for order in orders:
            column = f"{name}_fit" if order == 0 else f"{name}_d{order}"
            if column not in table.columns:
                return _silent("missing column", f"no column {column!r} in the output")
            got = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
            if order == 1:
                expected = slope * unit_seconds
            elif order >= 2:
                expected = 0.0
            else:
                continue
            got = got[np.isfinite(got)]
            scale = abs(expected) + abs(slope) * unit_seconds
            if got.size and np.max(np.abs(got - expected)) > 1e-6 * max(scale, 1e-300):
                return _silent(
                    "exact line not reproduced",
                    f"{column} is {got[np.argmax(np.abs(got - expected))]!r}, the line gives "
                    f"{expected!r}",
                )
    return None


# ------------------------------------------------------------------------------- symbolic
class _Crash(Exception):
    """pydelt_like raised while a check converted its answer (a verdict of its own)."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict)
        self.verdict = verdict


def _to_sympy(expr: Any) -> Any:
    from pydelt_like.symbolic.interop import to_sympy

    from .core import Step, classify, first_line

    try:
        return to_sympy(expr)
    except Exception as error:
        outcome, kind = classify(error, Step("to_sympy", "pass"))
        raise _Crash((outcome, f"to_sympy: {kind}", first_line(error))) from None


def _sympy_values(expr: Any, names: list[str], points: list[dict[str, float]]) -> list[Any]:
    import sympy as sp

    converted = _to_sympy(expr)
    out = []
    for point in points:
        subs = {sp.Symbol(n): sp.Float(repr(point.get(n, 0.7)), 30) for n in names}
        try:
            out.append(converted.subs(subs).evalf(30))
        except Exception:  # SymPy cannot evaluate it there: no verdict
            out.append(None)
    return out


def _guarded(check: Callable[..., Verdict]) -> Callable[..., Verdict]:
    def run(*args: Any, **kwargs: Any) -> Verdict:
        try:
            return check(*args, **kwargs)
        except _Crash as crash:
            return None if crash.verdict[0] == "clear" else crash.verdict

    run.__doc__ = check.__doc__
    return run


def _real(value: Any) -> float | None:
    try:
        if value.is_real and value.is_finite:
            number = float(value)
            return number if math.isfinite(number) else None
    except (TypeError, AttributeError, ValueError, OverflowError):
        return None
    return None


def _points(names: list[str], seeds: int = 3) -> list[dict[str, float]]:
    rng = np.random.default_rng(12345)
    return [
        {n: float(rng.uniform(0.1, 1.9) * rng.choice([-1, 1])) for n in names} for _ in range(seeds)
    ]


def _agree(left: float, right: float, scale: float) -> bool:
    return abs(left - right) <= 1e-9 * max(1.0, abs(left), abs(right), scale)


def symbolic_derivative(
    ns: dict[str, Any], *, warned: bool, expr: str, result: str, var: str, order: int
) -> Verdict:
    """Our derivative against SymPy's, at 30 digits, where both are finite reals."""
    import sympy as sp

    e, d = ns[expr], ns[result]
    names = sorted(set(e.free_symbols) | {var})
    try:
        reference = sp.diff(_to_sympy(e), sp.Symbol(var), order)
    except _Crash:
        raise
    except Exception:  # SymPy could not differentiate it: no verdict
        return None
    points = _points(names)
    ours = _sympy_values(d, names, points)
    for point, value in zip(points, ours, strict=True):
        subs = {sp.Symbol(n): sp.Float(repr(point[n]), 30) for n in names}
        try:
            ref = _real(reference.subs(subs).evalf(30))
        except Exception:
            ref = None
        got = _real(value)
        if ref is None or got is None:
            continue
        if not _agree(got, ref, 0.0):
            return _silent(
                "derivative differs from SymPy",
                f"d^{order}/d{var}^{order} at {point} is {got!r}, SymPy gives {ref!r}",
            )
    return None


def symbolic_same(ns: dict[str, Any], *, warned: bool, left: str, right: str, what: str) -> Verdict:
    """Two expressions with equal values (simplify, printing round trips) and free symbols."""
    a, b = ns[left], ns[right]
    if what == "printing" and a.free_symbols != b.free_symbols:
        return _silent(
            "printed form reads back differently",
            f"variables {sorted(a.free_symbols)} became {sorted(b.free_symbols)}",
        )
    names = sorted(set(a.free_symbols) | set(b.free_symbols)) or ["x"]
    points = _points(names)
    for point, va, vb in zip(
        points, _sympy_values(a, names, points), _sympy_values(b, names, points), strict=True
    ):
        fa, fb = _real(va), _real(vb)
        if fa is None or fb is None:
            continue
        if not _agree(fa, fb, 0.0):
            return _silent(f"{what} changes a value", f"{fa!r} became {fb!r} at {point}")
    return None


def rebuilds(ns: dict[str, Any], *, warned: bool, expr: str, text: str) -> Verdict:
    """to_repr's text, run with the package's names, gives the same tree back."""
    import pydelt_like.symbolic as sym

    names = {name: getattr(sym, name) for name in sym.__all__}
    try:
        rebuilt = eval(ns[text], names)  # text the package wrote for exactly this use
    except Exception as error:
        return _silent("to_repr text does not rebuild", f"{type(error).__name__}: {error}")
    if rebuilt != ns[expr]:
        return _silent("to_repr text does not rebuild", f"{ns[text][:80]} gives {rebuilt!r}")
    return None


def torch_agrees(ns: dict[str, Any], *, warned: bool, left: str, right: str) -> Verdict:
    """to_torch and to_function give the same numbers (float64, where both are finite)."""
    a, b = _f64(ns[left]), _f64(ns[right])
    if a is None or b is None:
        return _silent("not numbers", "to_torch or to_function returned no numbers")
    if a.shape != b.shape:
        return _silent("shape", f"to_torch gave shape {b.shape}, to_function {a.shape}")
    both = np.isfinite(a) & np.isfinite(b)
    if (np.isfinite(a) != np.isfinite(b)).any() and both.sum() < a.size:
        diff_finite = np.isfinite(a) & ~np.isfinite(b) & (np.abs(a) < 1e300)
        if diff_finite.any():
            return _silent("torch differs", "to_torch gives NaN/inf where to_function is finite")
    if not np.allclose(a[both], b[both], rtol=1e-9, atol=1e-300):
        return _silent("torch differs", "to_torch and to_function disagree")
    return None


# ------------------------------------------------------------------------ numeric, verify
_TRUTH: dict[str, tuple[Callable[[np.ndarray], np.ndarray], ...]] = {
    "np.sin": (np.sin, np.cos, lambda x: -np.sin(x)),
    "np.exp": (np.exp, np.exp, np.exp),
    "cube": (lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x),
}


def numeric_truth(
    ns: dict[str, Any], *, warned: bool, result: str, points: str, function: str, order: int
) -> Verdict:
    """numerical_derivative of sin, exp or x^3 at moderate points: right to 1e-6 (1e-3 order 2)."""
    where, values = _f64(ns[points]), _result(ns[result])
    if where is None:
        return None
    if values is None or values.shape != where.shape:
        return _silent("shape", f"result shape {getattr(values, 'shape', None)}, x {where.shape}")
    moderate = np.isfinite(where) & (np.abs(where) <= 50)
    if order > 2 or function not in _TRUTH or not moderate.any():
        return None
    f, *derivs = _TRUTH[function]
    truth = (f(where) if order == 0 else derivs[order - 1](where))[moderate]
    got = values[moderate]
    scale = np.maximum(1.0, np.maximum(np.abs(truth), np.abs(f(where[moderate]))))
    tol = {0: 1e-15, 1: 1e-6, 2: 1e-3}[order] * scale
    if not np.all(np.isfinite(got)):
        return _silent("NaN/inf", f"order {order} derivative NaN/inf at moderate finite x")
    bad = np.abs(got - truth) > tol
    if bad.any():
        i = int(np.argmax(bad))
        return _silent(
            "wrong derivative",
            f"order {order} of {function} at {where[moderate][i]!r}: {got[i]!r}, truth "
            f"{truth[i]!r}",
        )
    return None


def verdict(ns: dict[str, Any], *, warned: bool, result: str, expect: bool) -> Verdict:
    """check_derivative's verdict on a pair known to be right (or wrong) at moderate points."""
    ok = getattr(ns[result], "ok", None)
    if ok is not expect:
        return _silent(
            "wrong verdict", f"ok={ok!r} for a derivative that is {'right' if expect else 'wrong'}"
        )
    return None


CHECKS: dict[str, Callable[..., Verdict]] = {
    "interp": interp,
    "integral": integral,
    "band": band,
    "same": same,
    "finite": finite,
    "multi": multi,
    "series": series,
    "scaled": scaled,
    "command": command,
    "symbolic_derivative": _guarded(symbolic_derivative),
    "symbolic_same": _guarded(symbolic_same),
    "rebuilds": rebuilds,
    "torch_agrees": torch_agrees,
    "numeric_truth": numeric_truth,
    "verdict": verdict,
}
