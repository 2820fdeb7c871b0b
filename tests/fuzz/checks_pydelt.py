"""Checks for PyDelt's names: a result that must equal a known answer to rounding."""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import _EPS, ROUNDING_FACTOR, Verdict, _f64, _fmt, _result, _silent


def close(
    ns: dict[str, Any],
    *,
    warned: bool,
    result: str,
    expected: str,
    scale: tuple[str, ...] = (),
    rtol: float = 1e-12,
    per_unit: str | None = None,
    order: int = 0,
) -> Verdict:
    """``result`` equals ``expected`` to ``rtol`` of its size plus the inputs' rounding.

    The rounding is ``ROUNDING_FACTOR`` ulps of the product of the largest magnitudes of the
    ``scale`` arrays (``|c| * |t|`` for an integral ``c (t - t0)``), times ``(10 / h)**order``
    for a derivative of that order over a grid ``per_unit`` of smallest spacing ``h``.
    """
    want = _f64(ns[expected])
    got = _result(ns[result])
    if want is None:
        return None
    if got is None or got.shape != want.shape:
        shape = getattr(got, "shape", type(ns[result]).__name__)
        return _silent("shape", f"result has shape {shape}, expected {want.shape}")
    magnitude = 1.0
    for name in scale:
        values = _f64(ns[name])
        if values is None or not np.all(np.isfinite(values)):
            return None
        magnitude *= float(np.max(np.abs(values))) if values.size else 0.0
    with np.errstate(all="ignore"):
        rounding = ROUNDING_FACTOR * _EPS * magnitude
        if per_unit is not None:
            grid = np.unique(_f64(ns[per_unit]))
            if grid.size < 2:
                return None
            rounding *= (10.0 / float(np.min(np.diff(grid)))) ** order
        size = float(np.max(np.abs(want))) if want.size else 0.0
        tolerance = rtol * size + rounding + float(np.finfo(float).tiny)
        error = np.abs(got - want)
    if not np.isfinite(tolerance) or not np.all(np.isfinite(want)):
        return None
    bad = ~(error <= tolerance)
    if bad.any():
        i = int(np.argmax(np.where(bad, np.nan_to_num(error, nan=np.inf), -1.0)))
        return _silent(
            "wrong value",
            f"{got.ravel()[i]!r} where the answer is {want.ravel()[i]!r} "
            f"(tolerance {_fmt(tolerance)})",
        )
    return None
