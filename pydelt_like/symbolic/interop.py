"""Conversion to SymPy, for cross-checks (SymPy is optional)."""

from __future__ import annotations

from typing import Any

from pydelt_like.symbolic.nodes import Add, Const, Expr, Func, Mul, Pow, Var, as_expr, postorder

__all__ = ["to_sympy"]


def to_sympy(expr: Expr) -> Any:
    """The same expression as a SymPy object.

    Parameters
    ----------
    expr : Expr

    Returns
    -------
    sympy.Expr
        Activation functions are written out (``sigmoid(u)`` as ``1/(1 + exp(-u))``,
        ``gelu`` through ``erf``, ``relu`` as ``Max(0, u)``).

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
            if isinstance(exponent, Const) and exponent.data == 0.5:
                done[node] = sp.sqrt(done[node.base])
            else:
                done[node] = sp.Pow(done[node.base], done[exponent])
        elif isinstance(node, Func):
            done[node] = function(node.name, done[node.arg], node.param)
    return done[as_expr(expr)]
