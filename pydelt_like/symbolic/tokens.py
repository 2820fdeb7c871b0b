"""Tokens of expression text, and how names of several letters split into products."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from pydelt_like.symbolic.nodes import FUNCTIONS

__all__ = [
    "ALIASES",
    "CONSTANTS",
    "GREEK",
    "TWO_ARGUMENTS",
    "ParseError",
    "Token",
    "is_function",
    "split_name",
    "tokenize",
]

_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
CONSTANTS = {"pi": math.pi, "e": math.e}
# Other spellings of the table's functions: name -> (function, fixed parameter).
ALIASES: dict[str, tuple[str, float | None]] = {
    "ln": ("log", None),
    "log10": ("log", 10.0),
    "log2": ("log", 2.0),
    "sigma": ("sigmoid", None),
    "swish": ("silu", None),
    "sgn": ("sign", None),
    "heaviside": ("step", None),
    # SymPy's and papers' spellings
    "Abs": ("abs", None),
    "Heaviside": ("step", None),
    "ReLU": ("relu", None),
    "GELU": ("gelu", None),
    "SiLU": ("silu", None),
    **{f"arc{f}": (f"a{f}", None) for f in ("sin", "cos", "tan", "sinh", "cosh", "tanh")},
    **{f"ar{f}": (f"a{f}", None) for f in ("sinh", "cosh", "tanh")},
}
TWO_ARGUMENTS = ("max", "min", "Max", "Min")
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
# Other Greek letters are variables by their names: θ is theta, λ is lambda.
_GREEK_LETTERS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi".split()
_UNICODE_NAMES.update({chr(0x03B1 + i): name for i, name in enumerate(_GREEK_LETTERS)})
_UNICODE_NAMES.update({"\u03c1": "rho", "\u03c4": "tau", "\u03c6": "phi", "\u03c7": "chi"})
_UNICODE_NAMES.update({"\u03c8": "psi"})
_UNICODE_NAMES.update({"\u03c9": "omega", "\u03d5": "phi"})
_BRACKETS = {"[": "(", "{": "(", "]": ")", "}": ")"}  # [x + 1]^2 and e^{2x} group as ( )
_SUPERSCRIPTS = {c: str(i) for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}
_SUBSCRIPTS = {c: str(i) for i, c in enumerate("₀₁₂₃₄₅₆₇₈₉")}
_ASCII_NAME_START = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_ASCII_NAME_REST = _ASCII_NAME_START | set("0123456789")


# Names of Greek letters (and lam, for lambda) stay whole when names split: theta, alpha.
GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda lam mu nu xi omicron rho "
    "tau upsilon phi chi psi omega".split()
)
_WORDS = frozenset(FUNCTIONS) | frozenset(ALIASES) | frozenset(TWO_ARGUMENTS) | GREEK | {"pi", "e"}


class ParseError(ValueError):
    """Text that is not an expression; ``position`` is the 0-based offset of the problem."""

    __module__ = "pydelt_like.symbolic"  # where users import it from

    def __init__(self, message: str, text: str, position: int) -> None:
        self.position = position
        pointer = " " * position + "^"
        super().__init__(f"{message} at position {position}:\n  {text}\n  {pointer}")


@dataclass(frozen=True)
class Token:
    kind: str  # 'number', 'name', 'op' or 'end'
    text: str
    position: int
    spaced: bool  # whitespace right before it


def is_function(name: str) -> bool:
    return name in FUNCTIONS or name in ALIASES or name in TWO_ARGUMENTS


def tokenize(
    text: str, split_names: bool = False, known: frozenset[str] = frozenset()
) -> list[Token]:
    tokens: list[Token] = []
    i, spaced = 0, False
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i, spaced = i + 1, True
            continue
        start = i
        if "0" <= ch <= "9" or (ch == "." and "0" <= text[i + 1 : i + 2] <= "9"):
            match = _NUMBER.match(text, i)
            assert match is not None  # a digit or '.digit' always starts a number
            tokens.append(Token("number", match.group(), start, spaced))
            i = match.end()
        elif ch in _ASCII_NAME_START:
            name = []
            while i < len(text) and text[i] in _ASCII_NAME_REST:
                name.append(text[i])
                i += 1
            while i < len(text) and text[i] in _SUBSCRIPTS:  # a subscript ends the name: w₁x
                name.append(_SUBSCRIPTS[text[i]])
                i += 1
            pieces = split_name("".join(name), known) if split_names else ["".join(name)]
            primes = 0
            while i < len(text) and text[i] in "'\u2032":  # y' is y_prime, y'' y_prime_prime
                primes += 1
                i += 1
            pieces[-1] += "_prime" * primes
            offset = start
            for piece in pieces:
                kind = "number" if piece.isdigit() else "name"
                tokens.append(Token(kind, piece, offset, spaced and offset == start))
                offset += len(piece)
        elif ch in _UNICODE_NAMES:
            tokens.append(Token("name", _UNICODE_NAMES[ch], start, spaced))
            i += 1
        elif ch in _SUPERSCRIPTS or ch == "⁻":
            tokens.append(Token("op", "^", start, spaced))
            if ch == "⁻":
                tokens.append(Token("op", "-", start, False))
                i += 1
            digits = []
            while i < len(text) and text[i] in _SUPERSCRIPTS:
                digits.append(_SUPERSCRIPTS[text[i]])
                i += 1
            if not digits:
                raise ParseError("a superscript minus needs superscript digits", text, start)
            tokens.append(Token("number", "".join(digits), start, False))
        elif text.startswith("**", i):
            tokens.append(Token("op", "^", start, spaced))
            i += 2
        elif ch in "+-*/^(),|=" or ch in _UNICODE_OPS or ch in _BRACKETS:
            symbol = _BRACKETS.get(ch, _UNICODE_OPS.get(ch, ch))
            tokens.append(Token("op", symbol, start, spaced))
            i += 1
        else:
            raise ParseError(f"unexpected character {ch!r}", text, start)
        spaced = False
    tokens.append(Token("end", "", len(text), spaced))
    return tokens


def split_name(name: str, known: frozenset[str] = frozenset()) -> list[str]:
    """The names a name of several letters reads as, where names split.

    A name with an underscore, or one of ``known``, stays whole. Otherwise digits end a
    name (``w1x`` is ``w1``, ``x``) and a run of letters splits into the names of functions,
    constants and Greek letters it starts with (longest first) and single letters:
    ``xy`` is ``x``, ``y``; ``sinx`` is ``sin``, ``x``; ``2ax`` is ``a``, ``x``; ``theta`` and
    ``w12`` stay whole. Digits right after a function's name are a number (``ln2``: ``ln``,
    ``2``), returned as a piece of digits.
    """
    if "_" in name or name in known or name in _WORDS:
        return [name]
    out: list[str] = []
    for letters, digits in re.findall(r"([A-Za-z]+)([0-9]*)", name):
        i = 0
        while i < len(letters):
            for end in range(len(letters), i, -1):
                word = letters[i:end]
                if end - i == 1 or word in _WORDS or word in known:
                    out.append(word)
                    i = end
                    break
        if digits and is_function(out[-1]):
            out.append(digits)  # ln2 is ln 2, sin2x is sin 2x: a number after a function
        else:
            out[-1] += digits
    return out
