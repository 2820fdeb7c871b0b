"""Equations and implicit differentiation: dy/dx of any order on a curve F(x, y) = 0."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydelt_like._validation import check_int
from pydelt_like.symbolic.nodes import Const, Expr, Func, Var, as_expr, postorder
from pydelt_like.symbolic.parse import parse_text

__all__ = [
    "MAX_IMPLICIT_ORDER",
    "Equation",
    "as_equation",
    "implicit_derivative",
    "parse_equation",
    "substitute",
]

# Each order differentiates the previous one along the curve, and the expressions grow fast
# (the fourth derivative on the circle has hundreds of nodes before simplifying); a dozen is
# beyond any exercise, and the node budget of differentiate still applies.
MAX_IMPLICIT_ORDER = 12


@dataclass(frozen=True)
class Equation:
    """An equation ``lhs = rhs``, read by :func:`parse_equation`.

    Attributes
    ----------
    lhs, rhs : Expr
        The two sides.
    """

    lhs: Expr
    rhs: Expr

    @property
    def expr(self) -> Expr:
        """F = lhs - rhs, simplified: the equation is F = 0."""
        from pydelt_like.symbolic.simplify import simplify

        return simplify(self.lhs - self.rhs)

    @property
    def free_symbols(self) -> frozenset[str]:
        """Names of the variables on either side."""
        return self.lhs.free_symbols | self.rhs.free_symbols

    def __str__(self) -> str:
        return f"{self.lhs} = {self.rhs}"


def parse_equation(text: Any, *, split_names: bool = False) -> Equation:
    """Read an equation such as ``"x^2 + y^2 = 25"``.

    Parameters
    ----------
    text : str
        Two expressions (in the notation :func:`~pydelt_like.symbolic.parse` reads) joined
        by one ``=``.
    split_names : bool, default=False
        Read names of several letters as products (``xy`` as ``x*y``), as
        :func:`~pydelt_like.symbolic.parse` does with it.

    Returns
    -------
    Equation

    Raises
    ------
    ParseError
        If the text has no ``=``, more than one, or a side is not an expression.
    TypeError
        If ``text`` is not a string.

    Examples
    --------
    >>> print(parse_equation("x^2 + y^2 = 25").expr)
    x^2 + y^2 - 25
    """
    lhs, rhs = parse_text(text, equation=True, split_names=split_names)
    assert rhs is not None  # parse_text insists on '=' when equation=True
    return Equation(lhs, rhs)


def as_equation(value: Any, split_names: bool = False) -> Equation:
    """An Equation from an Equation, text with ``=``, or an expression F meaning F = 0."""
    if isinstance(value, Equation):
        return value
    if isinstance(value, str):
        if "=" in value:
            return parse_equation(value, split_names=split_names)
        return Equation(parse_text(value, equation=False, split_names=split_names)[0], Const(0))
    if isinstance(value, Expr):
        return Equation(value, Const(0))
    raise TypeError(
        f"an equation must be an Equation, text such as 'x^2 + y^2 = 25' or an expression F "
        f"(meaning F = 0), got {type(value).__name__}"
    )


def _name(value: Any, what: str) -> str:
    if isinstance(value, Var):
        return value.name
    if isinstance(value, str):
        return Var(value).name
    raise TypeError(f"{what} must be a variable or its name, e.g. 'x'; got {value!r}")


def implicit_derivative(equation: Any, x: Any = "x", y: Any = "y", order: int = 1) -> Expr:
    """dy/dx (or a higher derivative) of y defined implicitly by an equation.

    The first derivative is ``-F_x / F_y`` for the equation ``F(x, y) = 0``; each further
    order differentiates the previous one along the curve,
    ``d/dx g(x, y) = g_x + g_y * dy/dx``. Other variables of the equation are held constant.

    Parameters
    ----------
    equation : Equation, str or Expr
        ``"x^2 + y^2 = 25"``, an :class:`Equation`, or an expression F meaning F = 0.
    x, y : str or Var, default 'x' and 'y'
        The independent variable and the one that depends on it.
    order : int, default=1
        1 to ``MAX_IMPLICIT_ORDER`` (12).

    Returns
    -------
    Expr
        The derivative in terms of x and y (and any other variables), simplified; it holds
        on the curve, where ``F_y`` is not zero.

    Raises
    ------
    ValueError
        If the equation does not involve ``y``, if ``x`` and ``y`` are the same, if
        ``order`` is out of range, or if the derivatives outgrow the node budget of
        :func:`~pydelt_like.symbolic.differentiate`.
    TypeError
        If an argument has the wrong type.

    Examples
    --------
    >>> print(implicit_derivative("x^2 + y^2 = 25"))
    -x/y
    >>> print(implicit_derivative("x^2 + y^2 = 25", order=2))
    -x^2/y^3 - 1/y
    """
    from pydelt_like.symbolic.rules import MAX_NODES, differentiate
    from pydelt_like.symbolic.simplify import simplify

    curve = as_equation(equation)
    x_name, y_name = _name(x, "x"), _name(y, "y")
    order = check_int(order, name="order", low=1, high=MAX_IMPLICIT_ORDER)
    if x_name == y_name:
        raise ValueError(f"x and y must be different variables, got {x_name!r} for both")
    F = curve.expr
    F_y = differentiate(F, y_name)
    if y_name not in F.free_symbols or (isinstance(F_y, Const) and F_y.data == 0):
        raise ValueError(
            f"the equation {curve} does not involve {y_name}, so it does not define "
            f"{y_name} as a function of {x_name}; pass y= the dependent variable"
        )
    first = simplify(-differentiate(F, x_name) / F_y)
    result = first
    for step in range(2, order + 1):
        result = simplify(differentiate(result, x_name) + differentiate(result, y_name) * first)
        size = sum(1 for _ in postorder(result))
        if size > MAX_NODES:
            raise ValueError(
                f"implicit_derivative stopped at order {step} of {order}: the derivative has "
                f"{size:,} distinct nodes, beyond the budget of {MAX_NODES:,}; ask for a "
                "lower order"
            )
    return as_expr(result)


def substitute(expr: Expr, values: dict[str, Expr]) -> Expr:
    """``expr`` with each variable named in ``values`` replaced by its expression."""
    done: dict[Expr, Expr] = {}
    for node in postorder(expr):
        if isinstance(node, Var):
            done[node] = as_expr(values.get(node.data, node))
        elif isinstance(node, Func):
            done[node] = Func(node.name, done[node.arg], node.param)
        elif node.args:
            done[node] = type(node)._make(node.data, tuple(done[a] for a in node.args))
        else:
            done[node] = node
    return done[expr]
