"""The elementary functions: constructors, NumPy and torch implementations, derivatives.

Kinks follow PyTorch's autograd conventions, so symbolic and autograd derivatives agree
everywhere: ``relu'(0) = 0`` (the left derivative), ``abs'(0) = sign(0) = 0``,
``leaky_relu'(0) = alpha`` (the left derivative), and the derivatives of ``step`` and
``sign`` are 0 (everywhere but at 0, where they do not exist).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from pydelt_like.symbolic.nodes import FUNCTIONS, Const, Expr, Func, FunctionSpec

__all__ = [
    "abs",
    "cos",
    "cosh",
    "erf",
    "exp",
    "gelu",
    "leaky_relu",
    "log",
    "relu",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "softplus",
    "sqrt",
    "step",
    "tan",
    "tanh",
]

_SQRT2 = math.sqrt(2.0)


def _register(spec: FunctionSpec) -> None:
    FUNCTIONS[spec.name] = spec


def _f(name: str, arg: Expr, param: float | None = None) -> Expr:
    return Func(name, arg, param)


def _log_numpy(u: Any, base: float | None) -> Any:
    return np.log(u) if base is None else np.log(u) / math.log(base)


def _log_torch(torch: Any, u: Any, base: float | None) -> Any:
    return torch.log(u) if base is None else torch.log(u) / math.log(base)


def _leaky_relu_derivative(u: Expr, alpha: float | None) -> Expr:
    slope = 0.01 if alpha is None else alpha
    return slope + (1 - slope) * _f("step", u)


def _log_derivative(u: Expr, base: float | None) -> Expr:
    if base is None:
        return u**-1
    return (u * _f("log", Const(base))) ** -1


_register(
    FunctionSpec("sin", lambda u, p: np.sin(u), lambda t, u, p: t.sin(u), lambda u, p: _f("cos", u))
)
_register(
    FunctionSpec(
        "cos", lambda u, p: np.cos(u), lambda t, u, p: t.cos(u), lambda u, p: -_f("sin", u)
    )
)
_register(
    FunctionSpec(
        "tan", lambda u, p: np.tan(u), lambda t, u, p: t.tan(u), lambda u, p: 1 + _f("tan", u) ** 2
    )
)
_register(
    FunctionSpec("exp", lambda u, p: np.exp(u), lambda t, u, p: t.exp(u), lambda u, p: _f("exp", u))
)
_register(
    FunctionSpec(
        "log",
        _log_numpy,
        _log_torch,
        _log_derivative,
        parameter="base",
        parameter_rule=(lambda base: base > 0 and base != 1, "positive and not 1"),
    )
)
_register(
    FunctionSpec(
        "sqrt",
        lambda u, p: np.sqrt(u),
        lambda t, u, p: t.sqrt(u),
        lambda u, p: 0.5 * _f("sqrt", u) ** -1,
    )
)
_register(
    FunctionSpec(
        "abs", lambda u, p: np.abs(u), lambda t, u, p: t.abs(u), lambda u, p: _f("sign", u)
    )
)
_register(
    FunctionSpec("sign", lambda u, p: np.sign(u), lambda t, u, p: t.sign(u), lambda u, p: Const(0))
)
_register(
    FunctionSpec(
        "step",
        lambda u, p: np.heaviside(u, 0.0),
        lambda t, u, p: (u > 0).to(u.dtype if u.is_floating_point() else t.float64),
        lambda u, p: Const(0),
    )
)
# sigmoid' = sigmoid(u) (1 - sigmoid(u)), written sigmoid(u) sigmoid(-u) so that it keeps its
# digits where sigmoid(u) is close to 1; tanh' = 1 - tanh(u)^2 likewise as 1/cosh(u)^2.
_register(
    FunctionSpec(
        "sigmoid",
        lambda u, p: special.expit(u),
        lambda t, u, p: t.sigmoid(u),
        lambda u, p: _f("sigmoid", u) * _f("sigmoid", -u),
    )
)
_register(
    FunctionSpec(
        "tanh",
        lambda u, p: np.tanh(u),
        lambda t, u, p: t.tanh(u),
        lambda u, p: _f("cosh", u) ** -2,
    )
)
_register(
    FunctionSpec(
        "sinh", lambda u, p: np.sinh(u), lambda t, u, p: t.sinh(u), lambda u, p: _f("cosh", u)
    )
)
_register(
    FunctionSpec(
        "cosh", lambda u, p: np.cosh(u), lambda t, u, p: t.cosh(u), lambda u, p: _f("sinh", u)
    )
)
_register(
    FunctionSpec(
        "relu",
        lambda u, p: np.maximum(u, 0.0),
        lambda t, u, p: t.relu(u),
        lambda u, p: _f("step", u),
    )
)
_register(
    FunctionSpec(
        "leaky_relu",
        lambda u, p: np.where(u > 0, u, p * u),
        lambda t, u, p: t.where(u > 0, u, p * u),
        _leaky_relu_derivative,
        parameter="alpha",
        default=0.01,
    )
)
_register(
    FunctionSpec(
        "softplus",
        lambda u, p: np.logaddexp(0.0, u),
        lambda t, u, p: t.nn.functional.softplus(u),
        lambda u, p: _f("sigmoid", u),
    )
)
_register(
    FunctionSpec(
        "erf",
        lambda u, p: special.erf(u),
        lambda t, u, p: t.erf(u),
        lambda u, p: 2 * Const(math.pi) ** -0.5 * _f("exp", -(u**2)),
    )
)
_register(
    FunctionSpec(
        "gelu",
        lambda u, p: 0.5 * u * (1.0 + special.erf(u / _SQRT2)),
        lambda t, u, p: 0.5 * u * (1.0 + t.erf(u / _SQRT2)),
        lambda u, p: (
            0.5 * (1 + _f("erf", u * Const(2.0) ** -0.5))
            + u * _f("exp", -0.5 * u**2) * Const(2.0) ** -0.5 * Const(math.pi) ** -0.5
        ),
    )
)


def sin(x: Any) -> Expr:
    """sin(x)."""
    return Func("sin", x)


def cos(x: Any) -> Expr:
    """cos(x)."""
    return Func("cos", x)


def tan(x: Any) -> Expr:
    """tan(x)."""
    return Func("tan", x)


def exp(x: Any) -> Expr:
    """e to the power x."""
    return Func("exp", x)


def log(x: Any, base: float | None = None) -> Expr:
    """Natural logarithm of x, or the logarithm to ``base`` (a finite positive number, not 1)."""
    return Func("log", x, base)


def sqrt(x: Any) -> Expr:
    """Square root of x."""
    return Func("sqrt", x)


def abs(x: Any) -> Expr:  # the mathematical name, as in NumPy
    """|x|; its derivative is sign(x), 0 at the kink (PyTorch's convention)."""
    return Func("abs", x)


def sign(x: Any) -> Expr:
    """-1, 0 or 1; derivative 0."""
    return Func("sign", x)


def step(x: Any) -> Expr:
    """Heaviside step: 1 for x > 0, else 0 (0 at x = 0); derivative 0."""
    return Func("step", x)


def sigmoid(x: Any) -> Expr:
    """The logistic function 1 / (1 + e^-x)."""
    return Func("sigmoid", x)


def tanh(x: Any) -> Expr:
    """Hyperbolic tangent."""
    return Func("tanh", x)


def sinh(x: Any) -> Expr:
    """Hyperbolic sine."""
    return Func("sinh", x)


def cosh(x: Any) -> Expr:
    """Hyperbolic cosine."""
    return Func("cosh", x)


def relu(x: Any) -> Expr:
    """max(x, 0); derivative step(x), 0 at the kink (the left derivative, as PyTorch)."""
    return Func("relu", x)


def leaky_relu(x: Any, alpha: float = 0.01) -> Expr:
    """x for x > 0, else alpha*x; derivative alpha at the kink (the left derivative)."""
    return Func("leaky_relu", x, alpha)


def softplus(x: Any) -> Expr:
    """log(1 + e^x), evaluated stably; derivative sigmoid(x)."""
    return Func("softplus", x)


def erf(x: Any) -> Expr:
    """The error function."""
    return Func("erf", x)


def gelu(x: Any) -> Expr:
    """Exact GELU: x * Phi(x) = x/2 * (1 + erf(x / sqrt(2)))."""
    return Func("gelu", x)


# The further rows (inverse and reciprocal trigonometric and hyperbolic functions, cbrt, silu)
# register themselves in the same table when their module is imported: importing this module
# makes the whole table available to parse, evaluate and the rules.
from pydelt_like.symbolic import inverse as _inverse  # noqa: E402, F401
