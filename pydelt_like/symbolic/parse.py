"""Reading expressions from text, in the notation students type.

The rules of implicit notation (each refuses what it cannot read one way only):

- **Implicit multiplication** binds like ``*``: ``2x``, ``2(x + 1)``, ``(x + 1)(x - 1)``,
  ``2sin(x)``, ``x y`` (a space between names) and ``x(x + 1)`` (a one-letter variable
  before ``(``) are products. A number is an implicit factor only after a space (``x 2^x``);
  ``2 3`` is refused.
- **Names of several letters.** By default a name is one variable (``xy`` is the variable
  ``xy``; write ``x y`` or ``x*y``), so that every expression's text reads back to it; a name
  of several letters before ``(`` must be a function. With ``split_names=True`` (what
  :func:`~pydelt_like.verify.check_derivative` and :func:`~pydelt_like.symbolic.equivalent`
  use for the text people type) a name splits into the names of functions, constants and
  Greek letters it is made of (longest first) and single letters, and digits end a name:
  ``2xy`` is ``2*x*y``, ``sinx`` is ``sin(x)``, ``xe^x`` is ``x*e^x``, ``w1x`` is ``w1*x``;
  names with an underscore (``x_1``), the names of Greek letters (``theta``, ``alpha``,
  ``lam``) and names you pass as known stay whole.
- **Functions without parentheses** take the one factor that follows (with its power), or a
  number and the one factor after it: ``sin x`` is ``sin(x)``, ``sin 2x`` is ``sin(2*x)``,
  ``sin x^2`` is ``sin(x^2)``, ``sin x cos x`` is ``sin(x)*cos(x)``, ``cos x e^x`` is
  ``cos(x)*e^x``, ``ln x + 1`` is ``log(x) + 1`` (and ``sin x y`` is ``sin(x)*y``).
  ``sin^2(x)`` and ``sin^2 x`` are ``sin(x)^2``; ``sin^-1`` is refused (inverse or
  reciprocal? write ``asin`` or ``1/sin``).
- **Ambiguous juxtapositions are refused** when nothing separates them: ``1/2x`` (is it
  ``1/(2x)`` or ``x/2``?), ``(x+1)/(x-1)(x+2)``, ``e^2x`` and ``x^2y`` (exponent ``2x`` or
  ``2``?). A space reads as a new factor: ``1/2 x`` is ``x/2`` and ``e^x sin x`` is
  ``e^x*sin(x)``; a bracket or a function right after an exponent starts a new factor too
  (``x^2(x + 1)``, ``e^x sin x``).
- ``|x|`` is ``abs(x)``; ``max(0, x)`` is ``relu(x)`` (any ``max(a, b)`` is
  ``a + relu(b - a)``, ``min(a, b)`` is ``a - relu(a - b)``).
- Aliases: ``ln`` (log), ``log10``, ``log2``, ``arcsin``/``arccos``/``arctan``,
  ``arcsinh``/``arsinh`` (and cosh, tanh alike), ``sigma`` and ``σ`` (sigmoid), ``swish``
  (silu), ``sgn`` (sign), ``heaviside`` (step), and SymPy's ``Abs``, ``Heaviside``, ``Max``,
  ``Min`` and ``ReLU``, ``GELU``, ``SiLU``; ``[ ]`` and ``{ }`` group like ``( )``; Greek
  letters other than σ are variables by their names (``θ`` is ``theta``); ``π`` is ``pi``, ``√`` is ``sqrt``,
  ``²`` and ``³`` are powers, subscript digits belong to names (``w₁`` is ``w1``), and
  ``−``, ``·``, ``×`` and ``÷`` are the operators they look like.
"""

from __future__ import annotations

import math
from typing import Any

from pydelt_like.symbolic.nodes import FUNCTIONS, Const, Expr, Func, Var
from pydelt_like.symbolic.tokens import (
    ALIASES,
    CONSTANTS,
    TWO_ARGUMENTS,
    ParseError,
    Token,
    is_function,
    tokenize,
)

__all__ = ["ParseError", "parse"]


class _Parser:
    def __init__(self, text: str, split_names: bool, known: frozenset[str]) -> None:
        self.text = text
        self.tokens = tokenize(text, split_names, known)
        self.i = 0
        self.bars = 0  # how many |...| are open (a '|' after an operand closes one)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, message: str, position: int | None = None) -> ParseError:
        return ParseError(
            message, self.text, self.peek().position if position is None else position
        )

    def is_op(self, token: Token, ops: str) -> bool:
        return token.kind == "op" and token.text in ops.split()

    def expect(self, op: str) -> Token:
        token = self.peek()
        if not self.is_op(token, op):
            found = "the end" if token.kind == "end" else repr(token.text)
            raise self.fail(f"expected {op!r} but found {found}")
        return self.take()

    def starts_factor(self, token: Token) -> bool:
        """Whether the token can begin an implicit factor or a function's bare argument."""
        if token.kind in ("name", "number"):
            return True
        return self.is_op(token, "(") or (self.is_op(token, "|") and self.bars == 0)

    def number_may_follow(self, token: Token) -> bool:
        """A number is an implicit factor only after a space and not after another number
        (an exponent aside): ``x 2^x`` and ``x^2 2^x`` are products, ``2 3`` and ``x2`` not."""
        if token.kind != "number":
            return True
        before = self.tokens[self.i - 1]
        exponent = (
            before.kind == "number" and self.i >= 2 and self.is_op(self.tokens[self.i - 2], "^")
        )
        return token.spaced and (before.kind != "number" or exponent)

    # -------------------------------------------------------------------- grammar
    def sum(self) -> Expr:
        left = self.product()
        while self.is_op(self.peek(), "+ -"):
            op = self.take().text
            right = self.product()
            left = left + right if op == "+" else left - right
        return left

    def product(self) -> Expr:
        left, tail = self.unary()
        while True:
            token = self.peek()
            if self.is_op(token, "* /"):
                self.take()
                right, tail = self.unary()
                left = left * right if token.text == "*" else left / right
                tail = "division" if token.text == "/" else tail
            elif self.starts_factor(token) and self.number_may_follow(token):
                self.check_juxtaposition(token, tail)
                right, tail = self.power()
                left = left * right
            elif token.kind == "end" or self.is_op(token, "+ - ) , = |"):
                return left
            else:
                raise self.fail(f"expected an operator before {token.text!r}")

    def check_juxtaposition(self, token: Token, tail: str) -> None:
        if token.spaced or tail not in ("division", "power"):
            return
        if tail == "power" and (self.is_op(token, "(") or is_function(token.text)):
            return  # x^2(x + 1) and x^2sin(x): the exponent cannot go on into a bracket
        if tail == "division":
            raise self.fail(
                "ambiguous implicit multiplication after a division (is 1/2x 1/(2x) or x/2?); "
                "write the denominator in parentheses, or a '*' or a space before the factor"
            )
        raise self.fail(
            "ambiguous implicit multiplication after an exponent (is e^2x e^(2x) or e^2*x?); "
            "put the exponent in parentheses, or a '*' or a space before the factor"
        )

    def unary(self) -> tuple[Expr, str]:
        if self.is_op(self.peek(), "+ -"):
            op = self.take().text
            operand, tail = self.unary()
            if op == "+":
                return operand, tail
            return (Const(-operand.data) if isinstance(operand, Const) else -operand), tail
        return self.power()

    def power(self) -> tuple[Expr, str]:
        base, tail = self.atom()
        if not self.is_op(self.peek(), "^"):
            return base, tail
        self.take()
        exponent, exponent_tail = self.unary()  # right-associative: x^2^3 is x^(2^3)
        return base**exponent, ("group" if exponent_tail == "group" else "power")

    def atom(self) -> tuple[Expr, str]:
        token = self.take()
        if token.kind == "number":
            number = float(token.text)
            if not math.isfinite(number):
                raise ParseError(
                    f"the number {token.text} is beyond float64's range (about ±1.8e308)",
                    self.text,
                    token.position,
                )
            return Const(number), "plain"
        if token.kind == "name":
            return self.name(token)
        if self.is_op(token, "( |"):
            saved, self.bars = self.bars, (1 if token.text == "|" else 0)
            inner = self.sum()
            self.expect(token.text if token.text == "|" else ")")
            self.bars = saved
            return (Func("abs", inner) if token.text == "|" else inner), "group"
        found = "the end of the text" if token.kind == "end" else repr(token.text)
        raise ParseError(
            f"expected a number, a name or '(' but found {found}", self.text, token.position
        )

    def name(self, token: Token) -> tuple[Expr, str]:
        name = token.text
        if name in CONSTANTS:
            return Const(CONSTANTS[name]), "plain"
        if is_function(name):
            return self.function(token), "plain"
        following = self.peek()
        if self.is_op(following, "(") and not following.spaced and len(name) > 1:
            known = ", ".join(sorted(set(FUNCTIONS) | set(ALIASES)))
            raise ParseError(
                f"unknown function {name!r} (known: {known}); a product needs '*' or a "
                f"space, e.g. {name}*(...)",
                self.text,
                token.position,
            )
        return Var(name), "plain"

    def function(self, token: Token) -> Expr:
        name = token.text
        if not self.is_op(self.peek(), "^"):
            return self.application(token)
        self.take()  # sin^2(x) is sin(x)^2
        grouped = self.is_op(self.peek(), "(")
        if grouped:
            self.take()
        if self.is_op(self.peek(), "-"):
            raise self.fail(
                f"{name}^-1 is ambiguous (the inverse or the reciprocal?): write "
                f"a{name}(x) or arc{name}(x) for the inverse, 1/{name}(x) for the reciprocal"
            )
        power = self.take()
        if power.kind != "number":
            raise ParseError(
                f"{name}^ needs a number, as in {name}^2(x)", self.text, power.position
            )
        if grouped:
            self.expect(")")
        return self.application(token) ** Const(float(power.text))

    def application(self, token: Token) -> Expr:
        following = self.peek()
        if self.is_op(following, "("):
            self.take()
            arguments = [self.sum()]
            while self.is_op(self.peek(), ","):
                self.take()
                arguments.append(self.sum())
            self.expect(")")
            return self.call(token, arguments)
        if not self.starts_factor(following) or following.kind == "end":
            raise self.fail(f"{token.text} needs an argument, e.g. {token.text}(x)")
        starts_with_number = following.kind == "number"
        argument, tail = self.power()
        following = self.peek()
        if (
            starts_with_number  # sin 2x: a number and the one factor after it
            and self.starts_factor(following)
            and following.kind != "number"
            and not (following.kind == "name" and is_function(following.text))
        ):
            self.check_juxtaposition(following, tail)
            factor, _ = self.power()
            argument = argument * factor
        return self.call(token, [argument])

    def call(self, token: Token, arguments: list[Expr]) -> Expr:
        name, position = token.text, token.position
        if name in TWO_ARGUMENTS:
            if len(arguments) != 2:
                raise ParseError(f"{name}() takes two arguments", self.text, position)
            a, b = arguments
            if name in ("min", "Min"):
                return a - Func("relu", a - b)
            if _is_zero(a) or _is_zero(b):  # max(0, x) is relu(x)
                return Func("relu", b if _is_zero(a) else a)
            return a + Func("relu", b - a)
        function, fixed = ALIASES.get(name, (name, None))
        spec = FUNCTIONS[function]
        limit = 2 if spec.parameter and fixed is None else 1
        if len(arguments) > limit:
            raise ParseError(f"{name}() takes at most {limit} argument(s)", self.text, position)
        param = fixed
        if len(arguments) == 2:
            if not isinstance(arguments[1], Const):
                raise ParseError(
                    f"the {spec.parameter} of {name}() must be a number", self.text, position
                )
            param = arguments[1].data
        try:
            return Func(function, arguments[0], param)
        except ValueError as error:  # a parameter out of its range, e.g. log's base
            raise ParseError(str(error), self.text, position) from None


def _is_zero(expr: Expr) -> bool:
    return isinstance(expr, Const) and expr.data == 0.0


def parse_text(
    text: Any, *, equation: bool, split_names: bool = False, known: Any = ()
) -> tuple[Expr, Expr | None]:
    """(left side, right side or None): the expression, or the two sides of an equation.

    With ``split_names``, names of several letters are products (see :func:`parse`), except
    the names in ``known``.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse() needs a string, got {type(text).__name__}")
    parser = _Parser(text, split_names, frozenset(known))
    if parser.peek().kind == "end":
        raise ParseError("the expression is empty", text, 0)
    try:
        left = parser.sum()
        right = None
        token = parser.peek()
        if parser.is_op(token, "="):
            if not equation:
                raise parser.fail(
                    "'=' makes this an equation: read it with parse_equation(), or give it "
                    "to check_derivative or implicit_derivative, which differentiate it "
                    "implicitly"
                )
            parser.take()
            right = parser.sum()
        elif equation:
            raise parser.fail("an equation needs '=' (or pass the expression F of F = 0)")
    except RecursionError:
        raise ParseError("the expression is nested too deeply to read", text, 0) from None
    token = parser.peek()
    if token.kind != "end":
        raise parser.fail(f"unexpected {token.text!r}")
    return left, right


def parse(text: Any, *, split_names: bool = False) -> Expr:
    """Read an expression from text.

    Parameters
    ----------
    text : str
        Numbers (``2``, ``0.5``, ``1e-3``; within float64's range), variables (ASCII
        letters, digits and underscores, not starting with a digit), the constants
        ``pi`` and ``e``, ``+ - * /``, powers with ``^`` or ``**`` (right-associative,
        binding tighter than unary minus: ``-x^2`` is ``-(x^2)``), parentheses, ``|x|``
        and function calls such as ``sin(x)``, ``log(x, 10)`` or ``leaky_relu(x, 0.1)``;
        and the notation students type: implicit multiplication (``2x``, ``(x+1)(x-1)``,
        ``sin x``, ``sin^2(x)``), ``ln``, ``log10``, ``arcsin``, ``σ``, ``max(0, x)``.
        The rules for implicit notation are in the module's documentation;
        juxtapositions that read two ways (``1/2x``, ``e^2x``) are refused.
    split_names : bool, default=False
        Read a name of several letters as the product of the names it is made of (``xy`` as
        ``x*y``), as people write; by default it is one variable.

    Returns
    -------
    Expr

    Raises
    ------
    ParseError
        A ``ValueError`` whose message shows the text and points at the problem;
        its ``position`` attribute is the offset. Text with ``=`` is an equation: read it
        with :func:`~pydelt_like.symbolic.parse_equation`.
    TypeError
        If ``text`` is not a string.

    Examples
    --------
    >>> print(parse("3*x^2 + 2*x + 1"))
    3*x^2 + 2*x + 1
    >>> print(parse("2x sin^2 x + |x - 1|"))
    2*x*sin(x)^2 + abs(x - 1)
    >>> print(parse("2xy e^(xy)", split_names=True))
    2*x*y*e^(x*y)
    >>> parse("2*x +* 1")
    Traceback (most recent call last):
      ...
    pydelt_like.symbolic.ParseError: expected a number, a name or '(' but found '*' at position 5:
      2*x +* 1
           ^
    """
    return parse_text(text, equation=False, split_names=split_names)[0]
