"""Every check, by the name a :class:`~fuzz.core.Step` gives it."""

from __future__ import annotations

from collections.abc import Callable

from .checks import Verdict, band, finite, integral, interp, multi, numeric_truth, same, verdict
from .checks_pydelt import close
from .checks_series import command, scaled, series
from .checks_symbolic import _guarded, rebuilds, symbolic_derivative, symbolic_same, torch_agrees

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
    "close": close,
}
