"""PyDelt-named local-regression interpolators: LLA, GLLA, GOLD, LOWESS, LOESS and FDA.

Each is the family of :mod:`pydelt_like.local` (registered as ``'lla'``, ``'glla'``, ``'gold'``,
``'lowess'``, ``'loess'``, ``'fda'``) with PyDelt 0.8.0's constructor: its parameters first, in
PyDelt's order, accepted by position or keyword, then the family's other parameters, keyword
only. Defaults are the family's own (chosen from the data where PyDelt fixes a number). The
window functions, masks and links come from
:class:`~pydelt_like.interpolation._compat.PyDeltMixin`.
"""

from __future__ import annotations

import inspect
from typing import Any

from pydelt_like import local
from pydelt_like.interpolation._compat import PyDeltMixin

__all__ = [
    "PYDELT_PARAMETERS",
    "FdaInterpolator",
    "GllaInterpolator",
    "GoldInterpolator",
    "LlaInterpolator",
    "LoessInterpolator",
    "LowessInterpolator",
]

#: PyDelt 0.8.0's constructor parameters of each class, in its order.
PYDELT_PARAMETERS: dict[str, tuple[str, ...]] = {
    "LlaInterpolator": ("window_size", "normalization", "zero_mean"),
    "GllaInterpolator": ("embedding", "n"),
    "GoldInterpolator": ("window_size", "normalization", "zero_mean"),
    "LowessInterpolator": ("frac", "it"),
    "LoessInterpolator": ("degree", "frac", "it"),
    "FdaInterpolator": ("smoothing", "k"),
}


def _pydelt_class(name: str) -> type:
    """``name`` of pydelt_like.local with PyDelt's positional parameters in front."""
    base = getattr(local, name)
    own = inspect.signature(base.__init__).parameters
    first = PYDELT_PARAMETERS[name]
    missing = [p for p in first if p not in own]
    if missing:  # pragma: no cover - a guard for changes to pydelt_like.local
        raise TypeError(f"{base.__qualname__} lacks PyDelt's parameters {missing}")
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [own["self"].replace(kind=positional)]
    parameters += [own[p].replace(kind=positional) for p in first]
    parameters += [
        p.replace(kind=keyword) for key, p in own.items() if key != "self" and key not in first
    ]
    signature = inspect.Signature(parameters)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        del arguments["self"]
        base.__init__(self, **arguments)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    doc = (
        f"PyDelt's ``{name}``: :class:`pydelt_like.local.{name}` with PyDelt's constructor "
        f"(``{', '.join(first)}`` by position or keyword; the rest keyword only), window "
        "functions, masks and stochastic links. See the migration guide for what differs.\n"
    )
    namespace = {"__init__": __init__, "__doc__": doc, "__module__": __name__}
    return type(name, (PyDeltMixin, base), namespace)


LlaInterpolator = _pydelt_class("LlaInterpolator")
GllaInterpolator = _pydelt_class("GllaInterpolator")
GoldInterpolator = _pydelt_class("GoldInterpolator")
LowessInterpolator = _pydelt_class("LowessInterpolator")
LoessInterpolator = _pydelt_class("LoessInterpolator")
FdaInterpolator = _pydelt_class("FdaInterpolator")
