"""Local families: local polynomial regression (LLA, GLLA, GOLD, LOWESS, LOESS) and
functional data analysis (FDA), under PyDelt's class names and parameters.

Each family is a registered interpolator of the common contract (``fit`` returns the
interpolator, ``differentiate(order)`` returns a callable, ``return_std=True`` gives
closed-form standard errors). Where PyDelt fixes a window, a span or a smoothing level by
default, these choose it from the data: see ``docs/families.md``.
"""

from pydelt_like.local._fda import FdaInterpolator
from pydelt_like.local._lowess import LoessInterpolator, LowessInterpolator
from pydelt_like.local._windowed import GllaInterpolator, GoldInterpolator, LlaInterpolator

__all__ = [
    "FdaInterpolator",
    "GllaInterpolator",
    "GoldInterpolator",
    "LlaInterpolator",
    "LoessInterpolator",
    "LowessInterpolator",
]
