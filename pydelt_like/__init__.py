"""pydelt_like: derivatives you can trust from sampled, often noisy data.

Fit an interpolator to samples ``(x, y)``, then ``differentiate(order=n)`` returns a
callable that evaluates the n-th derivative anywhere in the sampled range.

>>> import numpy as np
>>> from pydelt_like import SplineInterpolator
>>> x = np.linspace(0, 2 * np.pi, 100)
>>> round(SplineInterpolator().fit(x, np.sin(x)).differentiate(1)(np.pi), 6)
-1.0
"""

from pydelt_like.base import BaseInterpolator, Derivative, NotFittedError
from pydelt_like.spline import SplineInterpolator

__version__ = "0.1.0"

__all__ = [
    "BaseInterpolator",
    "Derivative",
    "NotFittedError",
    "SplineInterpolator",
    "__version__",
]
