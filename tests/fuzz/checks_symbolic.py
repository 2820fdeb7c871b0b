"""Checks on the symbolic package: SymPy agreement, printing and repr round trips."""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .checks import Verdict, _f64, _silent


# ------------------------------------------------------------------------------- symbolic
class _Crash(Exception):
    """pydelt_like raised while a check converted its answer (a verdict of its own)."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict)
        self.verdict = verdict


def _to_sympy(expr: Any) -> Any:
    """The expression in SymPy, or no verdict: to_sympy is this check's tool (SymPy cannot hold
    every value our expressions can, e.g. infinite constants or the step of a complex log)."""
    from pydelt_like.symbolic.interop import to_sympy

    try:
        return to_sympy(expr)
    except Exception:
        raise _Crash(None) from None


def _symbol(converted: Any, name: str) -> Any:
    """The SymPy symbol called ``name`` in ``converted`` (whatever its assumptions)."""
    import sympy as sp

    for symbol in getattr(converted, "free_symbols", ()):
        if symbol.name == name:
            return symbol
    return sp.Symbol(name, real=True)


def _sympy_values(expr: Any, names: list[str], points: list[dict[str, float]]) -> list[Any]:
    import sympy as sp

    converted = _to_sympy(expr)
    out = []
    for point in points:
        subs = {_symbol(converted, n): sp.Float(repr(point.get(n, 0.7)), 30) for n in names}
        try:
            out.append(converted.subs(subs).evalf(30))
        except Exception:  # SymPy cannot evaluate it there: no verdict
            out.append(None)
    return out


class _OutOfTime(BaseException):  # passes through the checks' `except Exception`
    pass


#: Seconds a SymPy cross-check may take: exact integer powers such as 9999999999**9999999999
#: would run for hours, and a slow check is no verdict on pydelt_like.
SYMPY_SECONDS = 3.0


def _guarded(check: Callable[..., Verdict]) -> Callable[..., Verdict]:
    def run(*args: Any, **kwargs: Any) -> Verdict:
        def out_of_time(*_: Any) -> None:
            raise _OutOfTime

        timed = threading.current_thread() is threading.main_thread()
        if timed:
            previous = signal.signal(signal.SIGALRM, out_of_time)
            signal.setitimer(signal.ITIMER_REAL, SYMPY_SECONDS)
        try:
            return check(*args, **kwargs)
        except _Crash as crash:
            return crash.verdict
        except _OutOfTime:
            return None
        finally:
            if timed:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)

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
    converted = _to_sympy(e)
    try:
        reference = sp.diff(converted, _symbol(converted, var), order)
    except _Crash:
        raise
    except Exception:  # SymPy could not differentiate it: no verdict
        return None
    points = _points(names)
    ours = _sympy_values(d, names, points)
    for point, value in zip(points, ours, strict=True):
        subs = {_symbol(converted, n): sp.Float(repr(point[n]), 30) for n in names}
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
