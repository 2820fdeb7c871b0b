"""Reading expressions from text."""

from __future__ import annotations

import math
import re
from typing import Any

from pydelt_like.symbolic.nodes import FUNCTIONS, Const, Expr, Func, Var

__all__ = ["ParseError", "parse"]

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^(),]))"
)
_CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4, "**": 4}
_UNARY = 3


class ParseError(ValueError):
    """Text that is not an expression; ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.position = position
        pointer = " " * position + "^"
        super().__init__(f"{message} at position {position}:\n  {text}\n  {pointer}")


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            start = len(text) - len(text[position:].lstrip())
            raise ParseError(f"unexpected character {text[start]!r}", text, start)
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind), match.start(kind)))
        position = match.end()
    tokens.append(("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, message: str, position: int | None = None) -> ParseError:
        return ParseError(message, self.text, self.peek()[2] if position is None else position)

    def expect(self, op: str) -> None:
        kind, value, position = self.peek()
        if kind != "op" or value != op:
            found = "the end" if kind == "end" else repr(value)
            raise self.fail(f"expected {op!r} but found {found}", position)
        self.take()

    def expression(self, min_prec: int = 0) -> Expr:
        left = self.prefix()
        while True:
            kind, value, position = self.peek()
            if kind == "end" or (kind == "op" and value in "),"):
                return left
            if kind != "op" or value not in _BINARY:
                raise self.fail(f"expected an operator before {value!r}", position)
            prec = _BINARY[value]
            if prec < min_prec:
                return left
            self.take()
            right_assoc = value in ("^", "**")
            right = self.expression(prec if right_assoc else prec + 1)
            left = _combine(value, left, right)

    def prefix(self) -> Expr:
        kind, value, position = self.take()
        if kind == "number":
            number = float(value)
            if not math.isfinite(number):
                raise ParseError(
                    f"the number {value} is beyond float64's range (about ±1.8e308)",
                    self.text,
                    position,
                )
            return Const(number)
        if kind == "name":
            if self.peek()[:2] == ("op", "("):
                return self.call(value, position)
            if value in _CONSTANTS:
                return Const(_CONSTANTS[value])
            return Var(value)
        if kind == "op" and value == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if kind == "op" and value in "+-":
            operand = self.expression(_UNARY)
            if value == "+":
                return operand
            return Const(-operand.data) if isinstance(operand, Const) else -operand
        found = "the end of the text" if kind == "end" else repr(value)
        raise ParseError(f"expected a number, a name or '(' but found {found}", self.text, position)

    def call(self, name: str, position: int) -> Expr:
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ParseError(f"unknown function {name!r} (known: {known})", self.text, position)
        self.expect("(")
        args = [self.expression()]
        while self.peek()[:2] == ("op", ","):
            self.take()
            args.append(self.expression())
        self.expect(")")
        spec = FUNCTIONS[name]
        limit = 2 if spec.parameter else 1
        if len(args) > limit:
            raise ParseError(f"{name}() takes at most {limit} argument(s)", self.text, position)
        param = None
        if len(args) == 2:
            if not isinstance(args[1], Const):
                raise ParseError(
                    f"the {spec.parameter} of {name}() must be a number", self.text, position
                )
            param = args[1].data
        try:
            return Func(name, args[0], param)
        except ValueError as error:  # a parameter out of its range, e.g. log's base
            raise ParseError(str(error), self.text, position) from None


def _combine(op: str, left: Expr, right: Expr) -> Expr:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        return left / right
    return left**right


def parse(text: Any) -> Expr:
    """Read an expression from text.

    Parameters
    ----------
    text : str
        Numbers (``2``, ``0.5``, ``1e-3``; within float64's range), variables (ASCII
        letters, digits and underscores, not starting with a digit), the constants
        ``pi`` and ``e``, ``+ - * /``, powers with ``^`` or ``**`` (right-associative,
        binding tighter than unary minus: ``-x^2`` is ``-(x^2)``), parentheses and
        function calls such as ``sin(x)``, ``log(x, 10)`` or ``leaky_relu(x, 0.1)``.

    Returns
    -------
    Expr

    Raises
    ------
    ParseError
        A ``ValueError`` whose message shows the text and points at the problem;
        its ``position`` attribute is the offset.
    TypeError
        If ``text`` is not a string.

    Examples
    --------
    >>> print(parse("3*x^2 + 2*x + 1"))
    3*x^2 + 2*x + 1
    >>> parse("2*x +* 1")
    Traceback (most recent call last):
      ...
    pydelt_like.symbolic.parse.ParseError: expected a number, a name or '(' but found '*' at position 5:
      2*x +* 1
           ^
    """
    if not isinstance(text, str):
        raise TypeError(f"parse() needs a string, got {type(text).__name__}")
    parser = _Parser(text)
    if parser.peek()[0] == "end":
        raise ParseError("the expression is empty", text, 0)
    try:
        expr = parser.expression()
    except RecursionError:
        raise ParseError("the expression is nested too deeply to read", text, 0) from None
    kind, value, position = parser.peek()
    if kind != "end":
        raise ParseError(f"unexpected {value!r}", text, position)
    return expr
