"""pydelt_like: derivatives you can trust from sampled, often noisy data.

Fit an interpolator to samples ``(x, y)``, then ``differentiate(order=n)`` returns a
callable that evaluates the n-th derivative anywhere in the sampled range.

>>> import numpy as np
>>> from pydelt_like import SplineInterpolator
>>> x = np.linspace(0, 2 * np.pi, 100)
>>> round(SplineInterpolator().fit(x, np.sin(x)).differentiate(1)(np.pi), 6)
-1.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pydelt_like.base import BaseInterpolator, Derivative, NotFittedError

if TYPE_CHECKING:
    from pydelt_like.derivatives import fda, glla, gold, lla
    from pydelt_like.integrals import integrate_derivative, integrate_derivative_with_error
    from pydelt_like.local import (
        FdaInterpolator,
        GllaInterpolator,
        GoldInterpolator,
        LlaInterpolator,
        LoessInterpolator,
        LowessInterpolator,
    )
    from pydelt_like.neural import NeuralNetworkInterpolator
    from pydelt_like.spline import SplineInterpolator

__version__ = "0.1.0"


# PyDelt's top-level functions (`from pydelt import lla`), loaded on first use.
_PYDELT_FUNCTIONS = {
    "lla": "pydelt_like.derivatives",
    "glla": "pydelt_like.derivatives",
    "gold": "pydelt_like.derivatives",
    "fda": "pydelt_like.derivatives",
    "integrate_derivative": "pydelt_like.integrals",
    "integrate_derivative_with_error": "pydelt_like.integrals",
}


# Interpolator families load on first use (from the registry's table), so `import pydelt_like`
# does not pay for SciPy's interpolation package or torch until they are needed.
def __getattr__(name: str) -> Any:
    if name in _PYDELT_FUNCTIONS:
        value = getattr(importlib.import_module(_PYDELT_FUNCTIONS[name]), name)
        globals()[name] = value
        return value
    registry = importlib.import_module("pydelt_like.registry")
    for family in registry.families():
        if family.class_name == name and family.target.startswith("pydelt_like."):
            value = family.load()
            globals()[name] = value
            return value
    raise AttributeError(f"module 'pydelt_like' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "BaseInterpolator",
    "Derivative",
    "FdaInterpolator",
    "GllaInterpolator",
    "GoldInterpolator",
    "LlaInterpolator",
    "LoessInterpolator",
    "LowessInterpolator",
    "NeuralNetworkInterpolator",
    "NotFittedError",
    "SplineInterpolator",
    "__version__",
    "fda",
    "glla",
    "gold",
    "integrate_derivative",
    "integrate_derivative_with_error",
    "lla",
]
