"""Simplification to a canonical form, repeated to a fixed point.

The rules never change a value where the original expression is defined: they may
only extend the domain (``x * x^-1`` becomes ``1``, defined at 0 where the original
is not). Simplification never returns a larger tree than it was given.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pydelt_like.symbolic.nodes import (
    Add,
    Const,
    Expr,
    Func,
    Mul,
    NonFiniteConstantError,
    Pow,
    Var,
    as_expr,
    is_const,
    postorder,
    snap,
)

__all__ = ["simplify"]

_MAX_PASSES = 50


def _is_int(value: float) -> bool:
    return math.isfinite(value) and value == int(value)


def _degree(term: Expr) -> float:
    """Polynomial degree of a monomial-like term, for ordering the terms of a sum."""
    if isinstance(term, Var):
        return 1.0
    if isinstance(term, Pow) and isinstance(term.base, Var) and isinstance(term.exponent, Const):
        return term.exponent.data
    if isinstance(term, Mul):
        return sum(_degree(f) for f in term.args if not isinstance(f, Const))
    return 0.0


def _lead_name(term: Expr) -> str:
    """The first variable name of a monomial-like term ('~' sorts after letters)."""
    if isinstance(term, Var):
        return term.data
    if isinstance(term, Pow) and isinstance(term.base, Var):
        return term.base.data
    if isinstance(term, Mul):
        names = [_lead_name(f) for f in term.args if not isinstance(f, Const)]
        return min(names) if names else "~"
    return "~"


def _term_key(term: Expr) -> tuple:
    rest = _split_coefficient(term)[1]
    return (isinstance(term, Const), -_degree(rest), _lead_name(rest), rest._rank, rest._digest)


def _factor_key(factor: Expr) -> tuple:
    if isinstance(factor, Const):
        return (0, "", 0, 0)
    base = factor.base if isinstance(factor, Pow) else factor
    if isinstance(base, Var):
        return (1, base.data, 0, factor._digest)
    return (2, "", base._rank, factor._digest)


def _split_coefficient(term: Expr) -> tuple[float, Expr]:
    """term = coefficient * rest, with rest free of a leading constant."""
    if isinstance(term, Const):
        return term.data, Const(1)
    if isinstance(term, Mul) and isinstance(term.args[0], Const):
        rest = term.args[1:]
        return term.args[0].data, rest[0] if len(rest) == 1 else Mul(*rest)
    return 1.0, term


def _split_power(factor: Expr) -> tuple[Expr, Expr]:
    if isinstance(factor, Pow):
        return factor.base, factor.exponent
    return factor, Const(1)


def _flatten(items: list[Expr], kind: type[Expr]) -> list[Expr]:
    """The operands of nested ``kind`` nodes (sums in sums, products in products), in order."""
    flat: list[Expr] = []
    stack = list(reversed(items))
    while stack:
        item = stack.pop()
        if isinstance(item, kind):
            stack.extend(reversed(item.args))
        else:
            flat.append(item)
    return flat


def _make_sum(terms: list[Expr]) -> Expr:
    """Flatten, combine like terms and constants, order canonically."""
    flat = _flatten(terms, Add)
    coefficients: dict[Expr, float] = {}
    constant = 0.0
    for term in flat:
        coefficient, rest = _split_coefficient(term)
        if is_const(rest, 1.0):
            constant += coefficient
        else:
            coefficients[rest] = coefficients.get(rest, 0.0) + coefficient
    out = [_make_product([Const(snap(c)), rest]) for rest, c in coefficients.items() if c != 0.0]
    if constant != 0.0 or not math.isfinite(constant):
        out.append(Const(snap(constant)))
    if not out:
        return Const(0)
    if len(out) == 1:
        return out[0]
    out.sort(key=_term_key)
    return Add(*out)


def _distribute(terms: list[Expr]) -> list[Expr]:
    """Spread constant multiples over sums: c*(a + b) -> c*a + c*b (flattening a sum)."""
    out: list[Expr] = []
    for term in terms:
        coefficient, rest = _split_coefficient(term)
        if isinstance(rest, Add):
            out.extend(_make_product([Const(coefficient), t]) for t in rest.args)
        else:
            out.append(term)
    return out


def _sum(terms: list[Expr]) -> Expr:
    plain = _make_sum(terms)
    if not any(isinstance(_split_coefficient(t)[1], Add) for t in terms):
        return plain
    spread = _make_sum(_distribute(terms))
    return spread if spread._size < plain._size else plain


def _make_product(factors: list[Expr]) -> Expr:
    """Flatten, fold constants, merge equal bases (e*e -> e^2), order canonically."""
    flat = _flatten(factors, Mul)
    coefficient = 1.0
    exponents: dict[Expr, list[Expr]] = {}
    for factor in flat:
        if isinstance(factor, Const):
            coefficient *= factor.data
            continue
        base, exponent = _split_power(factor)
        exponents.setdefault(base, []).append(exponent)
    if coefficient == 0.0:
        return Const(0)
    out: list[Expr] = []
    for base, powers in exponents.items():
        exponent = powers[0] if len(powers) == 1 else _sum(powers)
        power = _make_power(base, exponent)
        if isinstance(power, Const):
            coefficient *= power.data
        elif isinstance(power, Mul) and isinstance(power.args[0], Const):
            coefficient *= power.args[0].data
            out.extend(power.args[1:])
        else:
            out.append(power)
    if coefficient == 0.0:
        return Const(0)
    coefficient = snap(coefficient)
    out.sort(key=_factor_key)
    if coefficient != 1.0 or not out:
        out.insert(0, Const(coefficient))
    return out[0] if len(out) == 1 else Mul(*out)


def _make_power(base: Expr, exponent: Expr) -> Expr:
    if is_const(base, math.e):  # e^u is exp(u): one node fewer, and one form for both
        exp = Func("exp", exponent)
        return _make_function(exp, exponent)
    if is_const(exponent, 0.0):
        return Const(1)
    if is_const(exponent, 1.0):
        return base
    if is_const(base, 1.0):
        return Const(1)
    if isinstance(base, Const) and isinstance(exponent, Const):
        with np.errstate(all="ignore"):
            value = float(np.power(base.data, exponent.data))
        if math.isfinite(value) and (_is_int(exponent.data) or base.data > 0):
            if _is_int(value) or _is_int(exponent.data):
                return Const(snap(value))
    if isinstance(exponent, Const) and _is_int(exponent.data):
        n = exponent.data
        if isinstance(base, Pow):  # (b^e)^n = b^(e n) for integer n, where defined
            return _make_power(base.base, _make_product([base.exponent, exponent]))
        if isinstance(base, Mul):  # (a b)^n = a^n b^n for integer n
            return _make_product([_make_power(f, exponent) for f in base.args])
        if isinstance(base, Func) and base.name == "sqrt" and n % 2 == 0:
            return _make_power(base.arg, Const(n / 2))
    return Pow(base, exponent)


def _make_function(node: Func, arg: Expr) -> Expr:
    if isinstance(arg, Const):
        with np.errstate(all="ignore"):
            value = float(node.spec.numpy(np.asarray(arg.data), node.param))
        if _is_int(value):  # exact values only: sin(0) -> 0, but sin(1) stays sin(1)
            return Const(value)
    if node.param is None and isinstance(arg, Func) and arg.param is None:
        if node.name == "log" and arg.name == "exp":
            return arg.arg
        if node.name == "exp" and arg.name == "log":
            return arg.arg  # equal wherever log is defined
    return Func(node.name, arg, node.param)


def _rebuild(node: Expr, args: list[Expr]) -> Expr:
    if isinstance(node, Add):
        return _sum(args)
    if isinstance(node, Mul):
        return _make_product(args)
    if isinstance(node, Pow):
        return _make_power(args[0], args[1])
    if isinstance(node, Func):
        return _make_function(node, args[0])
    return node


def _one_pass(expr: Expr) -> Expr:
    done: dict[Expr, Expr] = {}
    for node in postorder(expr):
        if isinstance(node, (Const, Var)):
            done[node] = node
            continue
        args = [done[a] for a in node.args]
        try:
            done[node] = _rebuild(node, args)
        except NonFiniteConstantError:
            # Folding would overflow float64 (1e308*10, x*1e308 + x*1e308): keep this node's
            # operation as it is, over its simplified operands. Its value is unchanged, and
            # no constant is ever inf or NaN.
            done[node] = type(node)._make(node.data, tuple(args))
    return done[expr]


def simplify(expr: Any) -> Expr:
    """Simplify to a canonical form, repeating until nothing changes.

    The rules: constant folding; identities with 0 and 1; ``x^1 -> x``, ``x^0 -> 1``;
    ``c1*(c2*e) -> (c1 c2)*e``; like terms (``e + e -> 2*e``, ``3*e - e -> 2*e``);
    equal factors (``e*e -> e^2``, ``x^a * x^b -> x^(a+b)``); ``(b^e)^n -> b^(e n)`` and
    ``(a b)^n -> a^n b^n`` for integer n; constant multiples spread over a sum when that
    makes it smaller; ``e^u -> exp(u)``, ``log(exp(u)) -> u``; nested sums and products flattened and
    ordered canonically (terms by descending degree, factors by variable name).

    Parameters
    ----------
    expr : Expr, number or str
        The expression (text is parsed).

    Returns
    -------
    Expr
        An expression equal to ``expr`` wherever ``expr`` is defined, never larger.

    Examples
    --------
    >>> from pydelt_like.symbolic import parse
    >>> print(simplify(parse("3*(2*x^1) + 2 + x*x - x^2")))
    6*x + 2
    """
    if isinstance(expr, str):
        from pydelt_like.symbolic.parse import parse

        expr = parse(expr)
    original = as_expr(expr)
    current = original
    for _ in range(_MAX_PASSES):
        following = _one_pass(current)
        if following is current:
            break
        current = following
    return current if current._size <= original._size else original
