"""Reading expressions from text, in the notation students type.

The rules of implicit notation (each refuses what it cannot read one way only):

- **Implicit multiplication** binds like ``*``: ``2x``, ``2(x + 1)``, ``(x + 1)(x - 1)``,
  ``2sin(x)``, ``x y`` (a space between names) and ``x(x + 1)`` (a one-letter variable
  before ``(``) are products. A number is never an implicit factor after something else
  (``x 2`` and ``2 3`` are refused).
- **Names of several letters** are one name: ``xy`` is the variable ``xy``, not ``x*y``
  (write ``x y`` or ``x*y``); a name of several letters before ``(`` must be a function.
- **Functions without parentheses** take the implicit product that follows, up to the next
  operator or function: ``sin x`` is ``sin(x)``, ``sin 2x`` is ``sin(2*x)``, ``sin x^2``
  is ``sin(x^2)``, ``sin x cos x`` is ``sin(x)*cos(x)``, ``ln x + 1`` is ``log(x) + 1``.
  ``sin^2(x)`` and ``sin^2 x`` are ``sin(x)^2``; ``sin^-1`` is refused (inverse or
  reciprocal? write ``asin`` or ``1/sin``).
- **Ambiguous juxtapositions are refused** when nothing separates them: ``1/2x`` (is it
  ``1/(2x)`` or ``x/2``?), ``e^2x`` and ``x^2y`` (exponent ``2x`` or ``2``?). A space reads
  as a new factor: ``1/2 x`` is ``x/2`` and ``e^x sin x`` is ``e^x*sin(x)``.
- ``|x|`` is ``abs(x)``; ``max(0, x)`` is ``relu(x)`` (any ``max(a, b)`` is
  ``a + relu(b - a)``, ``min(a, b)`` is ``a - relu(a - b)``).
- Aliases: ``ln`` (log), ``log10``, ``log2``, ``arcsin``/``arccos``/``arctan``,
  ``arcsinh``/``arsinh`` (and cosh, tanh alike), ``sigma`` and ``σ`` (sigmoid), ``swish``
  (silu), ``sgn`` (sign), ``heaviside`` (step); ``π`` is ``pi``, ``√`` is ``sqrt``,
  ``²`` and ``³`` are powers, subscript digits belong to names (``w₁`` is ``w1``), and
  ``−``, ``·``, ``×`` and ``÷`` are the operators they look like.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from pydelt_like.symbolic.nodes import FUNCTIONS, Const, Expr, Func, Var

__all__ = ["ParseError", "parse"]

_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_CONSTANTS = {"pi": math.pi, "e": math.e}
# Other spellings of the table's functions: name -> (function, fixed parameter).
_ALIASES: dict[str, tuple[str, float | None]] = {
    "ln": ("log", None),
    "log10": ("log", 10.0),
    "log2": ("log", 2.0),
    "sigma": ("sigmoid", None),
    "swish": ("silu", None),
    "sgn": ("sign", None),
    "heaviside": ("step", None),
    **{f"arc{f}": (f"a{f}", None) for f in ("sin", "cos", "tan", "sinh", "cosh", "tanh")},
    **{f"ar{f}": (f"a{f}", None) for f in ("sinh", "cosh", "tanh")},
}
_TWO_ARGUMENTS = ("max", "min")
# Minus sign, en dash, middle dot, multiplication sign, dot operator, bullet operator, division
# sign; sigma, pi and the square-root sign (escaped: they look like ASCII letters).
_UNICODE_OPS = {
    "\u2212": "-",
    "\u2013": "-",
    "\u00b7": "*",
    "\u00d7": "*",
    "\u22c5": "*",
    "\u2219": "*",
    "\u00f7": "/",
}
_UNICODE_NAMES = {"\u03c3": "sigma", "\u03c0": "pi", "\u221a": "sqrt"}
_SUPERSCRIPTS = {c: str(i) for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}
_SUBSCRIPTS = {c: str(i) for i, c in enumerate("₀₁₂₃₄₅₆₇₈₉")}
_ASCII_NAME_START = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_ASCII_NAME_REST = _ASCII_NAME_START | set("0123456789")


class ParseError(ValueError):
    """Text that is not an expression; ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.position = position
        pointer = " " * position + "^"
        super().__init__(f"{message} at position {position}:\n  {text}\n  {pointer}")


@dataclass(frozen=True)
class _Token:
    kind: str  # 'number', 'name', 'op' or 'end'
    text: str
    position: int
    spaced: bool  # whitespace right before it


def _is_function(name: str) -> bool:
    return name in FUNCTIONS or name in _ALIASES or name in _TWO_ARGUMENTS


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, spaced = 0, False
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i, spaced = i + 1, True
            continue
        start = i
        if "0" <= ch <= "9" or (ch == "." and text[i + 1 : i + 2].isdigit()):
            match = _NUMBER.match(text, i)
            assert match is not None  # a digit or '.digit' always starts a number
            tokens.append(_Token("number", match.group(), start, spaced))
            i = match.end()
        elif ch in _ASCII_NAME_START:
            name = []
            while i < len(text) and text[i] in _ASCII_NAME_REST:
                name.append(text[i])
                i += 1
            while i < len(text) and text[i] in _SUBSCRIPTS:  # a subscript ends the name: w₁x
                name.append(_SUBSCRIPTS[text[i]])
                i += 1
            tokens.append(_Token("name", "".join(name), start, spaced))
        elif ch in _UNICODE_NAMES:
            tokens.append(_Token("name", _UNICODE_NAMES[ch], start, spaced))
            i += 1
        elif ch in _SUPERSCRIPTS or ch == "⁻":
            tokens.append(_Token("op", "^", start, spaced))
            if ch == "⁻":
                tokens.append(_Token("op", "-", start, False))
                i += 1
            digits = []
            while i < len(text) and text[i] in _SUPERSCRIPTS:
                digits.append(_SUPERSCRIPTS[text[i]])
                i += 1
            if not digits:
                raise ParseError("a superscript minus needs superscript digits", text, start)
            tokens.append(_Token("number", "".join(digits), start, False))
        elif text.startswith("**", i):
            tokens.append(_Token("op", "^", start, spaced))
            i += 2
        elif ch in "+-*/^(),|=" or ch in _UNICODE_OPS:
            tokens.append(_Token("op", _UNICODE_OPS.get(ch, ch), start, spaced))
            i += 1
        else:
            raise ParseError(f"unexpected character {ch!r}", text, start)
        spaced = False
    tokens.append(_Token("end", "", len(text), spaced))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.bars = 0  # how many |...| are open (a '|' after an operand closes one)

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, message: str, position: int | None = None) -> ParseError:
        return ParseError(
            message, self.text, self.peek().position if position is None else position
        )

    def is_op(self, token: _Token, ops: str) -> bool:
        return token.kind == "op" and token.text in ops.split()

    def expect(self, op: str) -> _Token:
        token = self.peek()
        if not self.is_op(token, op):
            found = "the end" if token.kind == "end" else repr(token.text)
            raise self.fail(f"expected {op!r} but found {found}")
        return self.take()

    def starts_factor(self, token: _Token) -> bool:
        """Whether the token can begin an implicit factor or a function's bare argument."""
        if token.kind in ("name", "number"):
            return True
        return self.is_op(token, "(") or (self.is_op(token, "|") and self.bars == 0)

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
            elif self.starts_factor(token) and token.kind != "number":
                self.check_juxtaposition(token, tail)
                right, tail = self.power()
                left = left * right
            elif token.kind == "end" or self.is_op(token, "+ - ) , = |"):
                return left
            else:
                raise self.fail(f"expected an operator before {token.text!r}")

    def check_juxtaposition(self, token: _Token, tail: str) -> None:
        if token.spaced or tail not in ("division", "power"):
            return
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

    def name(self, token: _Token) -> tuple[Expr, str]:
        name = token.text
        if name in _CONSTANTS:
            return Const(_CONSTANTS[name]), "plain"
        if _is_function(name):
            return self.function(token), "plain"
        following = self.peek()
        if self.is_op(following, "(") and not following.spaced and len(name) > 1:
            known = ", ".join(sorted(set(FUNCTIONS) | set(_ALIASES)))
            raise ParseError(
                f"unknown function {name!r} (known: {known}); a product needs '*' or a "
                f"space, e.g. {name}*(...)",
                self.text,
                token.position,
            )
        return Var(name), "plain"

    def function(self, token: _Token) -> Expr:
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

    def application(self, token: _Token) -> Expr:
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
        argument, tail = self.power()
        while self.starts_factor(self.peek()) and self.peek().kind != "number":
            following = self.peek()
            if following.kind == "name" and _is_function(following.text):
                break
            self.check_juxtaposition(following, tail)
            factor, tail = self.power()
            argument = argument * factor
        return self.call(token, [argument])

    def call(self, token: _Token, arguments: list[Expr]) -> Expr:
        name, position = token.text, token.position
        if name in _TWO_ARGUMENTS:
            if len(arguments) != 2:
                raise ParseError(f"{name}() takes two arguments", self.text, position)
            a, b = arguments
            if name == "min":
                return a - Func("relu", a - b)
            if _is_zero(a) or _is_zero(b):  # max(0, x) is relu(x)
                return Func("relu", b if _is_zero(a) else a)
            return a + Func("relu", b - a)
        function, fixed = _ALIASES.get(name, (name, None))
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


def parse_text(text: Any, *, equation: bool) -> tuple[Expr, Expr | None]:
    """(left side, right side or None): the expression, or the two sides of an equation."""
    if not isinstance(text, str):
        raise TypeError(f"parse() needs a string, got {type(text).__name__}")
    parser = _Parser(text)
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


def parse(text: Any) -> Expr:
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
        The rules for implicit notation are in the module's documentation: a name of
        several letters is one name (``xy`` is a variable), and juxtapositions that read
        two ways (``1/2x``, ``e^2x``) are refused.

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
    >>> parse("2*x +* 1")
    Traceback (most recent call last):
      ...
    pydelt_like.symbolic.parse.ParseError: expected a number, a name or '(' but found '*' at position 5:
      2*x +* 1
           ^
    """
    return parse_text(text, equation=False)[0]
