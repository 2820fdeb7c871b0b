"""Differentiation by the rules, one rule per node.

Each distinct node is differentiated once (post-order over the shared tree), so a
derivative costs time proportional to the number of distinct nodes, however deep or
however shared the expression is.
"""

from __future__ import annotations

from typing import Any

from pydelt_like._validation import check_order
from pydelt_like.symbolic.functions import log
from pydelt_like.symbolic.nodes import (
    Add,
    Const,
    Expr,
    Func,
    Mul,
    Pow,
    Var,
    as_expr,
    is_const,
    postorder,
)

__all__ = ["derivative_unsimplified", "differentiate"]

_ZERO = Const(0)
_ONE = Const(1)


def _sum(terms: list[Expr]) -> Expr:
    terms = [t for t in terms if not is_const(t, 0.0)]
    if not terms:
        return _ZERO
    return terms[0] if len(terms) == 1 else Add(*terms)


def _product(factors: list[Expr]) -> Expr:
    if any(is_const(f, 0.0) for f in factors):
        return _ZERO
    factors = [f for f in factors if not is_const(f, 1.0)]
    if not factors:
        return _ONE
    return factors[0] if len(factors) == 1 else Mul(*factors)


def _variable_name(var: Any) -> str:
    if isinstance(var, Var):
        return var.name
    if isinstance(var, str) and var.isidentifier():
        return var
    raise TypeError(f"var must be a variable or its name, e.g. 'x'; got {var!r}")


def derivative_unsimplified(expr: Any, var: Any) -> Expr:
    """First derivative by the rules, before simplification.

    Only the trivial identities (a factor of 0 or 1, a term 0) are applied while the
    rules run; everything else is left to :func:`simplify`.

    Parameters
    ----------
    expr : Expr, number or str
        The expression.
    var : Var or str
        The variable to differentiate with respect to (a partial derivative when the
        expression has others).

    Returns
    -------
    Expr
    """
    expr = as_expr(expr)
    name = _variable_name(var)
    depends: dict[Expr, bool] = {}
    d: dict[Expr, Expr] = {}
    for node in postorder(expr):
        if isinstance(node, Var):
            depends[node] = node.data == name
            d[node] = _ONE if depends[node] else _ZERO
            continue
        depends[node] = any(depends[a] for a in node.args)
        if not depends[node]:
            d[node] = _ZERO
        elif isinstance(node, Add):
            d[node] = _sum([d[a] for a in node.args])
        elif isinstance(node, Mul):
            # Product rule: sum over factors of (derivative of one) * (all the others).
            terms = []
            for i, factor in enumerate(node.args):
                if depends[factor]:
                    terms.append(_product([*node.args[:i], d[factor], *node.args[i + 1 :]]))
            d[node] = _sum(terms)
        elif isinstance(node, Pow):
            base, exponent = node.args
            if not depends[exponent]:  # power rule, any real or symbolic constant exponent
                lowered = (
                    Const(exponent.data - 1) if isinstance(exponent, Const) else Add(exponent, -1)
                )
                d[node] = _product([exponent, Pow(base, lowered), d[base]])
            elif not depends[base]:  # a^g = e^(g ln a)
                d[node] = _product([node, log(base), d[exponent]])
            else:  # f^g = e^(g ln f): f^g (g' ln f + g f'/f)
                inner = _sum(
                    [
                        _product([d[exponent], log(base)]),
                        _product([exponent, d[base], Pow(base, -1)]),
                    ]
                )
                d[node] = _product([node, inner])
        elif isinstance(node, Func):  # chain rule
            outer = node.spec.derivative(node.arg, node.param)
            d[node] = _product([outer, d[node.arg]])
        else:  # Const
            d[node] = _ZERO
    return d[expr]


def differentiate(expr: Any, var: Any, order: int = 1) -> Expr:
    """Derivative of ``expr`` with respect to ``var``, simplified.

    Parameters
    ----------
    expr : Expr, number or str
        The expression (text is parsed).
    var : Var or str
        The variable; other variables are held constant (a partial derivative).
    order : int, default=1
        How many times to differentiate; 0 returns the simplified expression.

    Returns
    -------
    Expr

    Notes
    -----
    The rules: constant, power (any real exponent; variable exponents through
    f^g = e^(g ln f)), constant multiple, sum, product, quotient (as the product rule
    on f * g^-1) and chain rules. At the kinks of ``relu``, ``abs`` and ``leaky_relu``
    the derivative follows PyTorch's conventions (see :mod:`~pydelt_like.symbolic.functions`).

    Examples
    --------
    >>> from pydelt_like.symbolic import parse
    >>> print(differentiate(parse("3*x^2 + 2*x + 1"), "x"))
    6*x + 2
    >>> print(differentiate(parse("x^2 * y"), "y"))
    x^2
    """
    from pydelt_like.symbolic.parse import parse
    from pydelt_like.symbolic.simplify import simplify

    if isinstance(expr, str):
        expr = parse(expr)
    order = check_order(order, max_order=None, method_name="differentiate")
    result = as_expr(expr)
    if order == 0:
        return simplify(result)
    for _ in range(order):
        # Differentiating the simplified expression usually gives the simpler answer; the
        # simplified derivative of the expression as given is never larger than the rules'
        # raw output. Keep the smaller of the two.
        plain = simplify(derivative_unsimplified(result, var))
        tidy = simplify(derivative_unsimplified(simplify(result), var))
        result = tidy if tidy._size <= plain._size else plain
    return result
