"""Conversion to SymPy, for cross-checks (SymPy is optional)."""

from __future__ import annotations

import math
from typing import Any

from pydelt_like.symbolic.nodes import (
    Add,
    Const,
    Expr,
    Func,
    Mul,
    Pow,
    Var,
    as_expr,
    odd_root,
    postorder,
)

__all__ = ["to_sympy"]


def to_sympy(expr: Expr, real_roots: bool = True) -> Any:
    """The same expression as a SymPy object.

    Parameters
    ----------
    expr : Expr
    real_roots : bool, default=True
        Write ``cbrt(u)`` and constant powers ``u^(p/q)`` with q odd as the real roots this
        package evaluates (a ``Piecewise``); False writes SymPy's principal roots instead,
        equal for non-negative ``u`` and easier for SymPy to simplify.

    Returns
    -------
    sympy.Expr
        Activation functions are written out (``sigmoid(u)`` as ``1/(1 + exp(-u))``,
        ``silu(u)`` as ``u/(1 + exp(-u))``, ``gelu`` through ``erf``, ``relu`` as
        ``Max(0, u)``), ``cbrt`` as the real cube root (a ``Piecewise``).

    Raises
    ------
    ImportError
        If SymPy is not installed (``pip install sympy``).
    """
    try:
        import sympy as sp
    except ImportError as error:
        raise ImportError("to_sympy needs SymPy: pip install sympy") from error

    def function(name: str, u: Any, param: float | None) -> Any:
        simple = {
            "sin": sp.sin,
            "cos": sp.cos,
            "tan": sp.tan,
            "exp": sp.exp,
            "sqrt": sp.sqrt,
            "abs": sp.Abs,
            "sign": sp.sign,
            "tanh": sp.tanh,
            "erf": sp.erf,
            "sinh": sp.sinh,
            "cosh": sp.cosh,
            "asin": sp.asin,
            "acos": sp.acos,
            "atan": sp.atan,
            "asinh": sp.asinh,
            "acosh": sp.acosh,
            "atanh": sp.atanh,
            "sec": sp.sec,
            "csc": sp.csc,
            "cot": sp.cot,
            "sech": sp.sech,
            "csch": sp.csch,
            "coth": sp.coth,
        }
        if name in simple:
            return simple[name](u)
        if name == "log":
            return sp.log(u) if param is None else sp.log(u) / sp.log(sp.Float(param))
        if name == "sigmoid":
            return 1 / (1 + sp.exp(-u))
        if name == "softplus":
            return sp.log(1 + sp.exp(u))
        if name == "gelu":
            return u / 2 * (1 + sp.erf(u / sp.sqrt(2)))
        if name == "step":
            return sp.Heaviside(u, 0)
        if name == "relu":
            return sp.Max(0, u)
        if name == "silu":
            return u / (1 + sp.exp(-u))
        if name == "cbrt" and not real_roots:
            return u ** sp.Rational(1, 3)
        if name == "cbrt":  # the real cube root, as a Piecewise (sign(u) would bring DiracDelta)
            return sp.Piecewise(
                (u ** sp.Rational(1, 3), u >= 0), (-((-u) ** sp.Rational(1, 3)), True)
            )
        if name == "leaky_relu":
            return sp.Piecewise((u, u > 0), (sp.Float(param) * u, True))
        raise ValueError(f"no SymPy form for {name}")  # pragma: no cover

    done: dict[Expr, Any] = {}
    for node in postorder(as_expr(expr)):
        if isinstance(node, Const):
            value = node.data
            done[node] = sp.Integer(int(value)) if value == int(value) else sp.Float(value)
        elif isinstance(node, Var):
            done[node] = sp.Symbol(node.data, real=True)
        elif isinstance(node, Add):
            done[node] = sp.Add(*(done[a] for a in node.args))
        elif isinstance(node, Mul):
            done[node] = sp.Mul(*(done[a] for a in node.args))
        elif isinstance(node, Pow):
            exponent = node.exponent
            pair = None
            if real_roots and not exponent.free_symbols:  # a number (2/3?): a real odd root?
                from pydelt_like.symbolic.evaluate import evaluate

                value = evaluate(exponent)
                pair = odd_root(value) if math.isfinite(value) else None
            if isinstance(exponent, Const) and exponent.data == 0.5:
                done[node] = sp.sqrt(done[node.base])
            elif pair is not None:  # the real odd root, as evaluate() takes it
                b, e = done[node.base], sp.Rational(*pair)
                done[node] = sp.Piecewise((b**e, b >= 0), ((-1) ** pair[0] * (-b) ** e, True))
            else:
                done[node] = sp.Pow(done[node.base], done[exponent])
        elif isinstance(node, Func):
            done[node] = function(node.name, done[node.arg], node.param)
    return done[as_expr(expr)]
