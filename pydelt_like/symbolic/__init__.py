"""A small symbolic differentiator: expression trees, the rules, simplify, evaluate, proofs.

Build expressions with Python operators on variables (``x = Var('x')``,
``3*x**2 + 2*x + 1``) or from text with :func:`parse` (in the notation students type:
``2x sin x``, ``ln|x|``, ``σ(w₁x)``); differentiate with :func:`differentiate` (partial and
mixed derivatives too) or, on a curve, :func:`implicit_derivative`; decide whether two forms
are equal with :func:`equivalent`; turn them into numbers with :func:`evaluate`,
:func:`to_function` (NumPy) or :func:`to_torch`.

>>> from pydelt_like.symbolic import parse, differentiate
>>> f = parse("3*x^2 + 2*x + 1")
>>> print(differentiate(f, "x"))
6*x + 2
"""

from pydelt_like.symbolic.equivalence import Equivalence, equivalent
from pydelt_like.symbolic.evaluate import evaluate, to_function, to_torch
from pydelt_like.symbolic.functions import (
    abs,
    cos,
    cosh,
    erf,
    exp,
    gelu,
    leaky_relu,
    log,
    relu,
    sigmoid,
    sign,
    sin,
    sinh,
    softplus,
    sqrt,
    step,
    tan,
    tanh,
)
from pydelt_like.symbolic.implicit import Equation, implicit_derivative, parse_equation
from pydelt_like.symbolic.inverse import (
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atanh,
    cbrt,
    cot,
    coth,
    csc,
    csch,
    sec,
    sech,
    silu,
)
from pydelt_like.symbolic.nodes import (
    Add,
    Const,
    Expr,
    Func,
    Mul,
    Pow,
    Var,
    as_expr,
    count_nodes,
    symbols,
)
from pydelt_like.symbolic.parse import ParseError, parse
from pydelt_like.symbolic.printing import to_repr, to_str
from pydelt_like.symbolic.rules import derivative_unsimplified, differentiate
from pydelt_like.symbolic.simplify import simplify

__all__ = [
    "Add",
    "Const",
    "Equation",
    "Equivalence",
    "Expr",
    "Func",
    "Mul",
    "ParseError",
    "Pow",
    "Var",
    "abs",
    "acos",
    "acosh",
    "as_expr",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "cbrt",
    "cos",
    "cosh",
    "cot",
    "coth",
    "count_nodes",
    "csc",
    "csch",
    "derivative_unsimplified",
    "differentiate",
    "equivalent",
    "erf",
    "evaluate",
    "exp",
    "gelu",
    "implicit_derivative",
    "leaky_relu",
    "log",
    "parse",
    "parse_equation",
    "relu",
    "sec",
    "sech",
    "sigmoid",
    "sign",
    "silu",
    "simplify",
    "sin",
    "sinh",
    "softplus",
    "sqrt",
    "step",
    "symbols",
    "tan",
    "tanh",
    "to_function",
    "to_repr",
    "to_str",
    "to_torch",
]
