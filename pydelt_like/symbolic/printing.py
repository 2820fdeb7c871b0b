"""Text forms of expressions: ``str`` with minimal parentheses, ``repr`` that rebuilds."""

from __future__ import annotations

import math
from fractions import Fraction
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
    format_number,
    is_const,
    postorder,
)

__all__ = ["MAX_TEXT_NODES", "fraction", "number_text", "to_repr", "to_str"]

# Text repeats every shared subtree, so its length follows count_nodes, which can be
# astronomically larger than the distinct nodes an expression is made of. A million nodes
# is some megabytes of text, more than anyone reads.
MAX_TEXT_NODES = 1_000_000


def _checked(expr: Any, what: str) -> Expr:
    expr = as_expr(expr)
    size = expr._size
    if size > MAX_TEXT_NODES:
        count = (
            f"{size:,}" if size < 10**15 else f"about 10^{int((size.bit_length() - 1) * 0.30103)}"
        )
        raise ValueError(
            f"{what}: this expression has {count} nodes written out (its shared subtrees "
            f"repeat in text), more than the {MAX_TEXT_NODES:,} that text is written for; "
            "inspect it with count_nodes(), evaluate it with evaluate() or compile it with "
            "to_function() or to_torch(), which cost only its distinct nodes"
        )
    return expr


# Binding strength: a child is parenthesised when it binds less tightly than its context.
_ADD, _MUL, _NEG, _POW, _ATOM = 1, 2, 3, 4, 5


# Denominators up to this read as fractions (1/3, 2/7); beyond, a fraction is no easier to
# read than its decimals.
_MAX_DENOMINATOR = 1000
_NAMED = {math.pi: "pi", math.e: "e"}
_LOG_NAMES = {10.0: "log10", 2.0: "log2"}  # names parse() reads back to log(u, base)


def fraction(value: float) -> tuple[int, int] | None:
    """(p, q) when ``value`` is the float nearest p/q for a small q and its decimals are long.

    0.3333333333333333 is (1, 3); 0.5 and 0.1 stay decimals (short already); integers and
    other floats give None.
    """
    if not math.isfinite(value) or value == int(value) or len(repr(abs(value))) <= 6:
        return None
    near = Fraction(value).limit_denominator(_MAX_DENOMINATOR)
    if float(near) != value:
        return None
    return near.numerator, near.denominator


def pi_multiple(value: float) -> tuple[int, int] | None:
    """(p, q) when ``value`` is p*pi/q to a few units in the last place, for small p and q."""
    if value == 0.0 or not math.isfinite(value):
        return None
    near = Fraction(value / math.pi).limit_denominator(12)
    if near == 0 or abs(near.numerator) > 100:
        return None
    if abs(near.numerator * math.pi / near.denominator - value) > 4 * math.ulp(value):
        return None
    return near.numerator, near.denominator


def _ratio_text(value: float) -> tuple[str, str] | None:
    """(numerator, denominator) texts of a positive coefficient read as a fraction or as a
    multiple of pi: 2/3 -> ('2', '3'), pi/2 -> ('pi', '2'); None otherwise."""
    pair = fraction(value)
    if pair is not None:
        return ("" if pair[0] == 1 else str(pair[0])), str(pair[1])
    multiple = pi_multiple(value)
    if multiple is None or value == math.pi:
        return None
    p, q = multiple
    return ("pi" if p == 1 else f"{p}*pi"), ("" if q == 1 else str(q))


def number_text(value: float) -> str:
    """A constant's text: pi and e by name, other numbers exactly (``repr``)."""
    if abs(value) in _NAMED:
        return ("-" if value < 0 else "") + _NAMED[abs(value)]
    return format_number(value)


def _func_text(node: Func, inner: str, named_logs: bool = True) -> str:
    if node.param is None:
        return f"{node.name}({inner})"
    if named_logs and node.name == "log" and node.param in _LOG_NAMES:
        return f"{_LOG_NAMES[node.param]}({inner})"
    return f"{node.name}({inner}, {format_number(node.param)})"


def _exponent_text(value: float) -> str:
    pair = fraction(value)
    return format_number(value) if pair is None else f"({pair[0]}/{pair[1]})"


def to_str(expr: Expr) -> str:
    """Readable text with ``^`` for powers and as few parentheses as the precedences allow.

    Parameters
    ----------
    expr : Expr or number

    Returns
    -------
    str
        Text that :func:`~pydelt_like.symbolic.parse` reads back to an expression with
        the same value (and the same text).

    Raises
    ------
    ValueError
        If the expression written out has more than ``MAX_TEXT_NODES`` (1,000,000) nodes
        (see :func:`~pydelt_like.symbolic.count_nodes`).

    Examples
    --------
    >>> from pydelt_like.symbolic import symbols
    >>> x, y = symbols("x y")
    >>> print((x + 1) ** 2 / y - 3 * x)
    (x + 1)^2/y - 3*x
    """
    expr = _checked(expr, "no text")
    done: dict[Expr, tuple[str, int]] = {}

    def wrap(child: Expr, needed: int) -> str:
        text, prec = done[child]
        return f"({text})" if prec < needed else text

    for node in postorder(expr):
        if isinstance(node, Const):
            text = number_text(node.data)
            done[node] = (text, _NEG if node.data < 0 else _ATOM)
        elif isinstance(node, Var):
            done[node] = (node.data, _ATOM)
        elif isinstance(node, Func):
            done[node] = (_func_text(node, done[node.arg][0]), _ATOM)
        elif isinstance(node, Pow) and isinstance(node.exponent, Const) and node.exponent.data < 0:
            done[node] = _mul_text(Mul(1, node), done)  # x^(-2) reads 1/x^2
        elif isinstance(node, Pow) and is_const(node.exponent, 0.5):
            done[node] = (f"sqrt({done[node.base][0]})", _ATOM)
        elif isinstance(node, Pow):
            base = wrap(node.base, _ATOM)
            if isinstance(node.exponent, Const) and fraction(node.exponent.data):
                exponent = _exponent_text(node.exponent.data)
            else:
                exponent = wrap(node.exponent, _POW)  # right-associative: x^2^3 is x^(2^3)
            done[node] = (f"{base}^{exponent}", _POW)
        elif isinstance(node, Add):
            texts = [_term_text(term, done) for term in node.args]
            # Lead with a positive term when there is one: 1 - x rather than -x + 1.
            first = next((i for i, t in enumerate(texts) if not t.startswith("-")), 0)
            texts.insert(0, texts.pop(first))
            parts = [texts[0]]
            for text in texts[1:]:
                parts.append(f" - {text[1:]}" if text.startswith("-") else f" + {text}")
            done[node] = ("".join(parts), _ADD)
        elif isinstance(node, Mul):
            done[node] = _mul_text(node, done)
    return done[expr][0]


def _term_text(term: Expr, done: dict[Expr, tuple[str, int]]) -> str:
    """A term of a sum: a constant like 1/3 or pi/2 as such (it reads back to its float)."""
    if isinstance(term, Const):
        ratio = _ratio_text(abs(term.data))
        if ratio is not None:
            top, bottom = ratio
            text = (top or "1") + (f"/{bottom}" if bottom else "")
            return ("-" if term.data < 0 else "") + text
    return done[term][0]


def _factor(text: str, prec: int) -> str:
    """A factor of a product: sums and negated terms need parentheses, products do not."""
    return f"({text})" if prec < _POW and prec != _MUL else text


def _mul_text(node: Mul, done: dict[Expr, tuple[str, int]]) -> tuple[str, int]:
    factors = list(node.args)
    sign = ""
    lead = ""
    numerator: list[Expr] = []
    denominator: list[tuple[Any, float | None]] = []
    if isinstance(factors[0], Const):
        value = factors[0].data
        if value < 0:
            sign, value = "-", -value
        ratio = _ratio_text(value) if len(factors) > 1 else None
        if ratio is not None:  # 2*x/3 rather than 0.6666666666666666*x, pi*x/2
            lead = ratio[0]
            if ratio[1]:
                denominator.append((ratio[1], None))
            factors = factors[1:]
        elif value != 1 or len(factors) == 1:
            lead, factors = number_text(value), factors[1:]
        else:
            factors = factors[1:]
    for factor in factors:
        if (
            isinstance(factor, Pow)
            and isinstance(factor.exponent, Const)
            and factor.exponent.data < 0
        ):
            power = -factor.exponent.data
            denominator.append((factor.base, None if power == 1 else power))
        else:
            numerator.append(factor)

    if not sign and not lead and not denominator and len(numerator) == 1:
        return done[numerator[0]]  # 1*u reads u: no parentheses a bare u would not need
    top = [lead] if lead else []
    top += [_factor(*done[f]) for f in numerator]
    body = "*".join(top) if top else "1"
    if denominator:
        pieces = []
        for base, power in denominator:
            base_text, base_prec = (base, _ATOM) if isinstance(base, str) else done[base]
            if power == 0.5:
                pieces.append((f"sqrt({base_text})", _ATOM))
            elif power is None:
                pieces.append((base_text, base_prec))
            else:
                wrapped = f"({base_text})" if base_prec < _ATOM else base_text
                pieces.append((f"{wrapped}^{_exponent_text(power)}", _POW))
        if len(pieces) == 1:
            text, prec = pieces[0]
            below = text if prec >= _POW else f"({text})"
        else:
            below = "(" + "*".join(_factor(t, p) for t, p in pieces) + ")"
        body = f"{body}/{below}"
    return sign + body, (_NEG if sign else _MUL)


def to_repr(expr: Expr) -> str:
    """Constructor text that rebuilds the tree (with ``from pydelt_like.symbolic import *``).

    Parameters
    ----------
    expr : Expr or number

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If the expression written out has more than ``MAX_TEXT_NODES`` (1,000,000) nodes.

    Examples
    --------
    >>> from pydelt_like.symbolic import Var
    >>> Var("x") ** 2 + 1
    Add(Pow(Var('x'), Const(2)), Const(1))
    """
    expr = _checked(expr, "no repr")
    done: dict[Expr, str] = {}
    for node in postorder(expr):
        if isinstance(node, Const):
            done[node] = f"Const({format_number(node.data)})"
        elif isinstance(node, Var):
            done[node] = f"Var({node.data!r})"
        elif isinstance(node, Func):
            done[node] = _func_text(node, done[node.arg], named_logs=False)
        else:
            inner = ", ".join(done[a] for a in node.args)
            done[node] = f"{type(node).__name__}({inner})"
    return done[expr]
