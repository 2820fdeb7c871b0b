"""PyDelt's ``pydelt.interpolation``, built on pydelt_like's interpolators.

Change ``from pydelt.interpolation import ...`` to ``from pydelt_like.interpolation import ...``:
the classes take PyDelt 0.8.0's constructor arguments (by position or keyword, with its
defaults), ``fit(time, signal, window_func=None)``, ``differentiate(order, mask=None,
normalize_by_observations=False)`` and ``set_stochastic_link``; underneath they are
pydelt_like's interpolators, with their accuracy, validation and uncertainty bands. Where the
two differ on purpose (evaluation outside the fitted range raises; ``order=0`` is the fit), the
migration guide says so.

The package keeps one job per module: ``_compat`` (PyDelt's window functions, masks and links,
as a mixin), ``_classes`` (the spline and the network), ``_families`` (LLA, GLLA, GOLD, LOWESS,
LOESS, FDA) and ``_legacy`` (PyDelt's function-based interface).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from pydelt_like.base import BaseInterpolator
from pydelt_like.interpolation._classes import NeuralNetworkInterpolator, SplineInterpolator
from pydelt_like.interpolation._compat import PyDeltDerivative, PyDeltMixin
from pydelt_like.interpolation._legacy import (
    calculate_fit_quality,
    derivative_based_interpolation,
    fda_interpolation,
    get_best_interpolation,
    glla_interpolation,
    gold_interpolation,
    lla_interpolation,
    local_segmented_linear,
    loess_interpolation,
    lowess_interpolation,
    neural_network_interpolation,
    spline_interpolation,
)
from pydelt_like.stochastic import (
    StochasticDerivativeTransform,
    StochasticLinkFunction,
    create_link_function,
)

#: PyDelt's availability flags (checked without importing either framework).
TORCH_AVAILABLE = importlib.util.find_spec("torch") is not None
TF_AVAILABLE = importlib.util.find_spec("tensorflow") is not None

# The local-regression families load on first use (from pydelt_like.local).
_FAMILIES = (
    "FdaInterpolator",
    "GllaInterpolator",
    "GoldInterpolator",
    "LlaInterpolator",
    "LoessInterpolator",
    "LowessInterpolator",
)


def __getattr__(name: str) -> Any:
    if name not in _FAMILIES:
        raise AttributeError(f"module 'pydelt_like.interpolation' has no attribute {name!r}")
    value = getattr(importlib.import_module("pydelt_like.interpolation._families"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "TF_AVAILABLE",
    "TORCH_AVAILABLE",
    "BaseInterpolator",
    "NeuralNetworkInterpolator",
    "PyDeltDerivative",
    "PyDeltMixin",
    "SplineInterpolator",
    "StochasticDerivativeTransform",
    "StochasticLinkFunction",
    "calculate_fit_quality",
    "create_link_function",
    "derivative_based_interpolation",
    "fda_interpolation",
    "get_best_interpolation",
    "glla_interpolation",
    "gold_interpolation",
    "lla_interpolation",
    "local_segmented_linear",
    "loess_interpolation",
    "lowess_interpolation",
    "neural_network_interpolation",
    "spline_interpolation",
    *_FAMILIES,
]
