"""More elementary functions: reciprocal and inverse trigonometric and hyperbolic, cbrt, silu.

Each is one row of the function table (NumPy form, torch form, derivative), like those of
:mod:`~pydelt_like.symbolic.functions`. The derivatives are written in the forms SymPy uses
(``acosh'(u) = 1/(sqrt(u - 1) sqrt(u + 1))``, ``coth'(u) = -csch(u)^2``), which keep their
digits where the textbook forms cancel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from pydelt_like.symbolic.nodes import FUNCTIONS, Const, Expr, Func, FunctionSpec

__all__ = [
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "cbrt",
    "cot",
    "coth",
    "csc",
    "csch",
    "sec",
    "sech",
    "silu",
]


def _f(name: str, arg: Expr) -> Expr:
    return Func(name, arg)


def _row(name: str, numpy: Any, torch: Any, derivative: Any) -> None:
    FUNCTIONS[name] = FunctionSpec(name, numpy, torch, derivative)


def _cbrt_torch(t: Any, u: Any, p: Any) -> Any:
    return t.sign(u) * t.abs(u) ** (1.0 / 3.0)


_HALF = Const(-0.5)

_row(
    "asin",
    lambda u, p: np.arcsin(u),
    lambda t, u, p: t.asin(u),
    lambda u, p: (1 - u**2) ** _HALF,
)
_row(
    "acos",
    lambda u, p: np.arccos(u),
    lambda t, u, p: t.acos(u),
    lambda u, p: -((1 - u**2) ** _HALF),
)
_row(
    "atan",
    lambda u, p: np.arctan(u),
    lambda t, u, p: t.atan(u),
    lambda u, p: (1 + u**2) ** -1,
)
_row(
    "asinh",
    lambda u, p: np.arcsinh(u),
    lambda t, u, p: t.asinh(u),
    lambda u, p: (u**2 + 1) ** _HALF,
)
_row(
    "acosh",
    lambda u, p: np.arccosh(u),
    lambda t, u, p: t.acosh(u),
    lambda u, p: (u - 1) ** _HALF * (u + 1) ** _HALF,
)
_row(
    "atanh",
    lambda u, p: np.arctanh(u),
    lambda t, u, p: t.atanh(u),
    lambda u, p: (1 - u**2) ** -1,
)
_row(
    "sec",
    lambda u, p: 1.0 / np.cos(u),
    lambda t, u, p: 1.0 / t.cos(u),
    lambda u, p: _f("sec", u) * _f("tan", u),
)
_row(
    "csc",
    lambda u, p: 1.0 / np.sin(u),
    lambda t, u, p: 1.0 / t.sin(u),
    lambda u, p: -_f("csc", u) * _f("cot", u),
)
_row(
    "cot",
    lambda u, p: 1.0 / np.tan(u),
    lambda t, u, p: 1.0 / t.tan(u),
    lambda u, p: -(_f("csc", u) ** 2),
)
_row(
    "sech",
    lambda u, p: 1.0 / np.cosh(u),
    lambda t, u, p: 1.0 / t.cosh(u),
    lambda u, p: -_f("sech", u) * _f("tanh", u),
)
_row(
    "csch",
    lambda u, p: 1.0 / np.sinh(u),
    lambda t, u, p: 1.0 / t.sinh(u),
    lambda u, p: -_f("csch", u) * _f("coth", u),
)
_row(
    "coth",
    lambda u, p: 1.0 / np.tanh(u),
    lambda t, u, p: 1.0 / t.tanh(u),
    lambda u, p: -(_f("csch", u) ** 2),
)
# cbrt is the real cube root, defined for negative numbers too (x^(1/3) is not: NaN there).
_row(
    "cbrt",
    lambda u, p: np.cbrt(u),
    _cbrt_torch,
    lambda u, p: Const(1 / 3) * _f("cbrt", u) ** -2,
)
# silu(u) = u sigmoid(u) (also called swish); silu' = sigmoid(u) (1 + u sigmoid(-u)).
_row(
    "silu",
    lambda u, p: u * special.expit(u),
    lambda t, u, p: t.nn.functional.silu(u),
    lambda u, p: _f("sigmoid", u) * (1 + u * _f("sigmoid", -u)),
)


def asin(x: Any) -> Expr:
    """Inverse sine (arcsin), defined on [-1, 1]."""
    return Func("asin", x)


def acos(x: Any) -> Expr:
    """Inverse cosine (arccos), defined on [-1, 1]."""
    return Func("acos", x)


def atan(x: Any) -> Expr:
    """Inverse tangent (arctan)."""
    return Func("atan", x)


def asinh(x: Any) -> Expr:
    """Inverse hyperbolic sine."""
    return Func("asinh", x)


def acosh(x: Any) -> Expr:
    """Inverse hyperbolic cosine, defined for x >= 1."""
    return Func("acosh", x)


def atanh(x: Any) -> Expr:
    """Inverse hyperbolic tangent, defined on (-1, 1)."""
    return Func("atanh", x)


def sec(x: Any) -> Expr:
    """Secant, 1/cos(x)."""
    return Func("sec", x)


def csc(x: Any) -> Expr:
    """Cosecant, 1/sin(x)."""
    return Func("csc", x)


def cot(x: Any) -> Expr:
    """Cotangent, 1/tan(x)."""
    return Func("cot", x)


def sech(x: Any) -> Expr:
    """Hyperbolic secant, 1/cosh(x)."""
    return Func("sech", x)


def csch(x: Any) -> Expr:
    """Hyperbolic cosecant, 1/sinh(x)."""
    return Func("csch", x)


def coth(x: Any) -> Expr:
    """Hyperbolic cotangent, 1/tanh(x)."""
    return Func("coth", x)


def cbrt(x: Any) -> Expr:
    """The real cube root (negative for negative x, unlike x^(1/3))."""
    return Func("cbrt", x)


def silu(x: Any) -> Expr:
    """SiLU (swish), x * sigmoid(x); derivative sigmoid(x) (1 + x sigmoid(-x))."""
    return Func("silu", x)
