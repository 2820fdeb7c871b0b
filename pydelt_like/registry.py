"""One table of interpolator families: name -> class and what it can do.

The package namespace, the time-series layer, the command line and the documentation all
read this table, so a new family is one module plus one call to :func:`register`. Built-in
families are registered here by import path, so nothing heavy (torch) is imported until a
family is used.

Examples
--------
>>> from pydelt_like import registry
>>> [family.name for family in registry.families()]
['spline', 'neural', 'lla', 'glla', 'gold', 'lowess', 'loess', 'fda']
>>> registry.get("spline").class_name
'SplineInterpolator'
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pydelt_like.base import BaseInterpolator

__all__ = ["Family", "families", "get", "names", "register", "unregister"]


@dataclass(frozen=True)
class Family:
    """One family of interpolators and its capabilities.

    Attributes
    ----------
    name : str
        Short name used by ``method=`` in the time-series functions and ``--method`` on the
        command line, e.g. ``'spline'``.
    target : str
        Where the class lives, ``'package.module:ClassName'`` (imported on first use).
    summary : str
        One line for listings (the documentation, ``pydelt-like diff --help``).
    max_order : int or None
        Highest derivative order at the default hyperparameters (``None``: limited only by
        the family's documented cap).
    multivariate : bool
        Whether ``fit`` accepts ``x`` of shape ``(n_samples, n_features)``.
    bands : bool
        Whether fits and derivatives give standard errors (``return_std=True``).
    batched : bool
        Whether ``y`` of shape ``(n_samples, m)`` is fitted as one batch.
    uses_torch : bool
        Whether the family trains with PyTorch (device and dtype matter).
    """

    name: str
    target: str
    summary: str
    max_order: int | None = None
    multivariate: bool = False
    bands: bool = False
    batched: bool = True
    uses_torch: bool = False
    _loaded: list = field(default_factory=list, repr=False, compare=False)

    @property
    def class_name(self) -> str:
        """The interpolator class's name, e.g. ``'SplineInterpolator'``."""
        return self.target.rpartition(":")[2]

    def load(self) -> type[BaseInterpolator]:
        """Import and return the interpolator class.

        Raises
        ------
        ImportError
            If the module cannot be imported (a missing optional dependency, say).
        """
        if not self._loaded:
            module, _, name = self.target.partition(":")
            self._loaded.append(getattr(importlib.import_module(module), name))
        return self._loaded[0]


_FAMILIES: dict[str, Family] = {}


def register(
    name: str,
    target: str | type,
    *,
    summary: str,
    max_order: int | None = None,
    multivariate: bool = False,
    bands: bool = False,
    batched: bool = True,
    uses_torch: bool = False,
    replace: bool = False,
) -> Family:
    """Add an interpolator family to the table.

    Parameters
    ----------
    name : str
        Short name (letters, digits and underscores), unique in the table.
    target : str or type
        The class (a subclass of :class:`~pydelt_like.base.BaseInterpolator`), or its import
        path ``'package.module:ClassName'`` so that it is imported only when used.
    summary : str
        One line describing the family.
    max_order, multivariate, bands, batched, uses_torch
        Capabilities, as in :class:`Family`.
    replace : bool, default=False
        Allow replacing a family registered under the same name.

    Returns
    -------
    Family
        The registered entry.

    Raises
    ------
    ValueError
        If the name is taken (and ``replace`` is false) or malformed, or the import path is not
        of the form ``'module:Class'``.
    TypeError
        If ``target`` is a class that does not subclass ``BaseInterpolator``.

    Examples
    --------
    >>> import numpy as np
    >>> from pydelt_like import registry
    >>> from pydelt_like.base import BaseInterpolator
    >>> class Constant(BaseInterpolator):
    ...     def __init__(self, *, nan_policy="raise", extrapolate="raise"):
    ...         self.nan_policy = nan_policy
    ...         self.extrapolate = extrapolate
    ...
    ...     def _fit(self, data):
    ...         self.value_ = data.y.mean(axis=0)
    ...
    ...     def _evaluate(self, x, order):
    ...         return np.broadcast_to(self.value_ * (order == 0), (x.size, self.n_outputs_))
    >>> registry.register("constant", Constant, summary="the mean of the samples").name
    'constant'
    >>> registry.get("constant").load() is Constant
    True
    >>> registry.unregister("constant")
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(
            f"a family name must be a Python identifier such as 'spline', got {name!r}"
        )
    if name in _FAMILIES and not replace:
        raise ValueError(
            f"a family named {name!r} is already registered; pass replace=True to replace it"
        )
    loaded: list = []
    if isinstance(target, type):
        from pydelt_like.base import BaseInterpolator

        if not issubclass(target, BaseInterpolator):
            raise TypeError(
                f"{target.__name__} must subclass pydelt_like.base.BaseInterpolator to be "
                "registered"
            )
        loaded.append(target)
        path = f"{target.__module__}:{target.__qualname__}"
    else:
        module, colon, class_name = str(target).partition(":")
        if not (colon and module and class_name.isidentifier()):
            raise ValueError(
                f"target must be a class or an import path 'package.module:ClassName', got "
                f"{target!r}"
            )
        path = str(target)
    family = Family(
        name=name,
        target=path,
        summary=summary,
        max_order=max_order,
        multivariate=multivariate,
        bands=bands,
        batched=batched,
        uses_torch=uses_torch,
        _loaded=loaded,
    )
    _FAMILIES[name] = family
    return family


def unregister(name: str) -> None:
    """Remove a family from the table (tests and plug-ins that clean up after themselves).

    Raises
    ------
    ValueError
        If no family has that name.
    """
    get(name)
    del _FAMILIES[name]


def get(name: str) -> Family:
    """The family registered under ``name``.

    Raises
    ------
    ValueError
        If there is none; the message lists the registered names.
    """
    family = _FAMILIES.get(name) if isinstance(name, str) else None
    if family is None:
        choices = ", ".join(repr(known) for known in _FAMILIES)
        raise ValueError(f"method must be one of {choices}; got {name!r}")
    return family


def families() -> tuple[Family, ...]:
    """Every registered family, in the order of registration."""
    return tuple(_FAMILIES.values())


def names() -> tuple[str, ...]:
    """The registered names, in the order of registration."""
    return tuple(_FAMILIES)


# ----------------------------------------------------------------------- built-in families
register(
    "spline",
    "pydelt_like.spline:SplineInterpolator",
    summary="smoothing spline with automatic smoothing; closed-form derivatives and bands",
    max_order=5,
    bands=True,
)
register(
    "neural",
    "pydelt_like.neural:NeuralNetworkInterpolator",
    summary="ensemble of neural networks; derivatives by autograd, one or several inputs",
    max_order=6,
    multivariate=True,
    bands=True,
    uses_torch=True,
)
_LOCAL_BANDS = "; closed-form bands"
register(
    "lla",
    "pydelt_like.local:LlaInterpolator",
    summary="local linear approximation: least-squares polynomials over windows of samples"
    + _LOCAL_BANDS,
    max_order=7,
    bands=True,
)
register(
    "glla",
    "pydelt_like.local:GllaInterpolator",
    summary="generalised LLA: a degree-n polynomial per embedding window" + _LOCAL_BANDS,
    max_order=7,
    bands=True,
)
register(
    "gold",
    "pydelt_like.local:GoldInterpolator",
    summary="GOLD: orthogonal local polynomials per window" + _LOCAL_BANDS,
    max_order=7,
    bands=True,
)
register(
    "lowess",
    "pydelt_like.local:LowessInterpolator",
    summary="LOWESS: robust tricube-weighted local regression" + _LOCAL_BANDS,
    max_order=7,
    bands=True,
)
register(
    "loess",
    "pydelt_like.local:LoessInterpolator",
    summary="LOESS: robust tricube-weighted local polynomials" + _LOCAL_BANDS,
    max_order=7,
    bands=True,
)
register(
    "fda",
    "pydelt_like.local:FdaInterpolator",
    summary="functional data analysis: penalised B-spline, GCV smoothing; posterior bands",
    max_order=4,
    bands=True,
)
