"""A small symbolic differentiator: expression trees, the rules, simplify, evaluate.

Build expressions with Python operators on variables (``x = Var('x')``,
``3*x**2 + 2*x + 1``) or from text with :func:`parse`; differentiate with
:func:`differentiate`; turn them into numbers with :func:`evaluate`,
:func:`to_function` (NumPy) or :func:`to_torch`.

>>> from pydelt_like.symbolic import parse, differentiate
>>> f = parse("3*x^2 + 2*x + 1")
>>> print(differentiate(f, "x"))
6*x + 2
"""

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
    "Expr",
    "Func",
    "Mul",
    "ParseError",
    "Pow",
    "Var",
    "abs",
    "as_expr",
    "cos",
    "cosh",
    "count_nodes",
    "derivative_unsimplified",
    "differentiate",
    "erf",
    "evaluate",
    "exp",
    "gelu",
    "leaky_relu",
    "log",
    "parse",
    "relu",
    "sigmoid",
    "sign",
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
