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
    snap,
)

__all__ = ["MAX_NODES", "MAX_ORDER", "derivative_unsimplified", "differentiate"]

_ZERO = Const(0)
_ONE = Const(1)

# Far beyond any use; what bounds the cost of an order is MAX_NODES (and orders of periodic
# or polynomial derivatives cost nothing once the cycle or the zero is reached).
MAX_ORDER = 1000
# Distinct nodes that repeated differentiation may build before simplifying (the first
# derivative excepted): simplification costs about 0.1-0.3 ms per node, so a call that
# reaches the budget takes seconds (6 s at most measured). Derivatives of most expressions
# grow with the order: tan(tan(tan(x))) and x^x reach it at order 14, exp(sin(x)) at 42,
# sigmoid(x) at 68.
MAX_NODES = 20_000


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
                    Const(snap(exponent.data - 1))
                    if isinstance(exponent, Const)
                    else Add(exponent, -1)
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


def _distinct_nodes(expr: Expr) -> int:
    return sum(1 for _ in postorder(expr))


def differentiate(expr: Any, var: Any, order: int = 1) -> Expr:
    """Derivative of ``expr`` with respect to ``var``, simplified.

    Parameters
    ----------
    expr : Expr, number or str
        The expression (text is parsed).
    var : Var, str or sequence of them
        The variable; other variables are held constant (a partial derivative). A list such
        as ``['x', 'y']`` gives the mixed partial d/dy d/dx (each variable ``order`` times).
    order : int, default=1
        How many times to differentiate, at most ``MAX_ORDER`` (1000); 0 returns the
        simplified expression. Once a derivative is identically zero, or repeats an earlier
        one (as sin, exp and cosh do), higher orders cost nothing more.

    Returns
    -------
    Expr

    Raises
    ------
    TypeError
        If ``order`` is not an integer or ``var`` is not a variable or its name.
    ValueError
        If ``order`` is negative or above ``MAX_ORDER``, or if the derivatives grow so fast
        that computing them would build more than ``MAX_NODES`` (20,000) distinct nodes
        beyond the first derivative (the message says at which order); ask for a lower
        order, or use :func:`~pydelt_like.numeric.numerical_derivative` or torch's autograd
        on :func:`~pydelt_like.symbolic.to_torch` instead.

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
    >>> print(differentiate("sin(x)", "x", order=999))
    -cos(x)
    >>> print(differentiate("x^3*y^2", ["x", "y"]))
    6*x^2*y
    """
    from pydelt_like.symbolic.parse import parse
    from pydelt_like.symbolic.simplify import simplify

    if isinstance(expr, str):
        expr = parse(expr)
    order = check_order(
        order,
        max_order=MAX_ORDER,
        method_name="differentiate",
        hint="Higher orders of anything but a periodic or polynomial derivative outgrow "
        "any expression size.",
    )
    if isinstance(var, list | tuple):
        if not var:
            raise ValueError("var must name at least one variable")
        names = [_variable_name(v) for v in var]
        result = as_expr(expr)
        for name in names:
            result = differentiate(result, name, order)
        return result
    _variable_name(var)
    result = as_expr(expr)
    if order == 0:
        return simplify(result)
    # Each step is a function of the previous derivative alone, and equal trees are the same
    # object: once a derivative repeats (0 repeats itself), the rest of the sequence is known.
    history: list[Expr] = [result]
    seen: dict[Expr, int] = {result: 0}
    built = 0
    for step in range(1, order + 1):
        raw = derivative_unsimplified(result, var)
        if step > 1:
            built += _distinct_nodes(raw)
            if built > MAX_NODES:
                raise ValueError(
                    f"differentiate stopped at order {step} of {order}: the derivatives grow "
                    f"with each order (the order-{step} one has {_distinct_nodes(raw):,} "
                    f"distinct nodes before simplification), beyond the budget of "
                    f"{MAX_NODES:,} nodes that keeps this call fast. Ask for a lower order, "
                    "or differentiate numerically (pydelt_like.numeric.numerical_derivative) "
                    "or with torch autograd on to_torch(expr)."
                )
        # Differentiating the simplified expression usually gives the simpler answer; the
        # simplified derivative of the expression as given is never larger than the rules'
        # raw output. Keep the smaller of the two (they are the same when the expression
        # was simplified already, as every derivative after the first is).
        plain = simplify(raw)
        simple = simplify(result)
        if simple is not result:
            tidy = simplify(derivative_unsimplified(simple, var))
            plain = tidy if tidy._size <= plain._size else plain
        result = plain
        if result in seen:
            start = seen[result]
            period = step - start
            return history[start + (order - step) % period]
        seen[result] = step
        history.append(result)
    return result
