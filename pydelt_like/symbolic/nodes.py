"""Immutable, hashable expression nodes with structural sharing.

Nodes are *hash-consed*: building a node that already exists returns the existing
object, so structurally equal expressions are the same object, equality and hashing
are O(1), and a derivative that reuses a subexpression shares it instead of copying
it. Every traversal (printing, evaluation, differentiation, simplification) walks the
distinct nodes iteratively in post-order, so trees thousands of levels deep never
reach Python's recursion limit and shared subtrees are processed once.
"""

from __future__ import annotations

import hashlib
import math
import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np

__all__ = [
    "Add",
    "Const",
    "Expr",
    "Func",
    "Mul",
    "NonFiniteConstantError",
    "Pow",
    "Var",
    "as_expr",
    "count_nodes",
    "postorder",
    "symbols",
]

_INTERN: weakref.WeakValueDictionary[tuple, Expr] = weakref.WeakValueDictionary()

# What the parser reads as a name; a variable must be one of these, and not a constant's
# name, so that every expression's text parses back to it.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED_NAMES: dict[str, str] = {"pi": "the constant pi", "e": "the constant e = 2.718..."}


class NonFiniteConstantError(ValueError):
    """A constant that would be NaN or infinite (a ``ValueError``; simplify keeps such folds
    undone)."""


def describe_number(value: Any) -> str:
    """A short text of a number for messages (a huge integer by its size, not its digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    return repr(value)


def real_number(value: Any, what: str) -> float:
    """``value`` as a finite Python float, or a TypeError/ValueError that names ``what``.

    Accepts Python and NumPy reals, 0-d arrays and anything ``float()`` reads, except
    booleans, strings, complex numbers and arrays of other shapes.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be a real number, got {value!r}; use 0 or 1")
    if isinstance(value, (str, bytes)):
        raise TypeError(
            f"{what} must be a real number, got the {type(value).__name__} {value!r}; "
            "read text with parse()"
        )
    if isinstance(value, (complex, np.complexfloating)):
        raise TypeError(f"{what} must be a real number; complex values are not supported")
    if isinstance(value, (list, tuple, set, dict)) or getattr(value, "ndim", 0) != 0:
        shape = getattr(value, "shape", None)
        got = f"an array of shape {tuple(shape)}" if shape is not None else type(value).__name__
        raise TypeError(f"{what} must be a single real number, got {got}")
    try:
        number = float(value)
    except OverflowError:
        raise NonFiniteConstantError(
            f"{what} must be a finite number; {describe_number(value)} is beyond float64's "
            "range (about ±1.8e308)"
        ) from None
    except (TypeError, ValueError):
        raise TypeError(
            f"{what} must be a real number, got {value!r} ({type(value).__name__})"
        ) from None
    if not math.isfinite(number):
        raise NonFiniteConstantError(
            f"{what} must be a finite number, got {value!r}; an expression holds finite "
            "constants only, so that its text always parses back"
        )
    return number


def _digest(*parts: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(b"|".join(parts), digest_size=8).digest(), "big")


class Expr:
    """Base class of expression nodes. Build them with Python operators or :func:`parse`.

    Attributes
    ----------
    args : tuple of Expr
        The child nodes.
    """

    __slots__ = ("__weakref__", "_digest", "_hash", "_size", "args", "data")
    _rank: ClassVar[int] = 9

    data: Any
    args: tuple[Expr, ...]
    _digest: int  # a structural fingerprint, stable across runs (orders terms canonically)
    _hash: int
    _size: int  # nodes of the tree written out (shared subtrees counted each time)

    def __new__(cls, *args: Any) -> Expr:  # pragma: no cover - subclasses define __new__
        raise TypeError("Expr is abstract; use Const, Var, Add, Mul, Pow or a function")

    @classmethod
    def _make(cls, data: Any, args: tuple[Expr, ...]) -> Expr:
        key = (cls, data, tuple(id(a) for a in args))
        node = _INTERN.get(key)
        if node is None:
            node = object.__new__(cls)
            object.__setattr__(node, "data", data)
            object.__setattr__(node, "args", args)
            data_bytes = repr(data).encode()
            child = b"".join(a._digest.to_bytes(8, "big") for a in args)
            object.__setattr__(node, "_digest", _digest(cls.__name__.encode(), data_bytes, child))
            object.__setattr__(node, "_hash", hash(key))
            object.__setattr__(node, "_size", 1 + sum(a._size for a in args))
            _INTERN[key] = node
        return node

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} nodes are immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other  # nodes are interned: structural equality is identity

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __reduce__(self) -> tuple[Callable[..., Expr], tuple[Any, ...]]:
        return (type(self)._make, (self.data, self.args))

    def __copy__(self) -> Expr:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, Any]) -> Expr:
        return self

    # ------------------------------------------------------------------ operators
    def __add__(self, other: Any) -> Expr:
        return Add(self, other)

    def __radd__(self, other: Any) -> Expr:
        return Add(other, self)

    def __sub__(self, other: Any) -> Expr:
        return Add(self, Mul(-1, other))

    def __rsub__(self, other: Any) -> Expr:
        return Add(other, Mul(-1, self))

    def __mul__(self, other: Any) -> Expr:
        return Mul(self, other)

    def __rmul__(self, other: Any) -> Expr:
        return Mul(other, self)

    def __truediv__(self, other: Any) -> Expr:
        return Mul(self, Pow(other, -1))

    def __rtruediv__(self, other: Any) -> Expr:
        return Mul(other, Pow(self, -1))

    def __pow__(self, other: Any) -> Expr:
        return Pow(self, other)

    def __rpow__(self, other: Any) -> Expr:
        return Pow(other, self)

    def __neg__(self) -> Expr:
        return Mul(-1, self)

    def __pos__(self) -> Expr:
        return self

    # ------------------------------------------------------------------ conveniences
    @property
    def free_symbols(self) -> frozenset[str]:
        """Names of the variables in the expression."""
        return frozenset(node.data for node in postorder(self) if isinstance(node, Var))

    def diff(self, var: str | Var, order: int = 1) -> Expr:
        """The simplified derivative; see :func:`pydelt_like.symbolic.differentiate`."""
        from pydelt_like.symbolic.rules import differentiate

        return differentiate(self, var, order)

    def simplify(self) -> Expr:
        """The simplified expression; see :func:`pydelt_like.symbolic.simplify`."""
        from pydelt_like.symbolic.simplify import simplify

        return simplify(self)

    def evaluate(self, bindings: dict[str, Any] | None = None, **values: Any) -> Any:
        """Evaluate with NumPy; see :func:`pydelt_like.symbolic.evaluate`."""
        from pydelt_like.symbolic.evaluate import evaluate

        return evaluate(self, bindings, **values)

    def __str__(self) -> str:
        from pydelt_like.symbolic.printing import to_str

        return to_str(self)

    def __repr__(self) -> str:
        from pydelt_like.symbolic.printing import to_repr

        return to_repr(self)


class Const(Expr):
    """A finite real constant.

    Parameters
    ----------
    value : float
        The value (a Python or NumPy real number); stored as a Python float.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (booleans, strings, complex numbers and arrays
        included).
    ValueError
        If ``value`` is NaN or infinite, or an integer beyond float64's range: every
        expression holds finite constants only, so that its text always parses back.
    """

    __slots__ = ()
    _rank = 0

    def __new__(cls, value: Any) -> Const:
        value = real_number(value, "a constant")
        if value == 0.0:
            value = 0.0  # one zero: -0.0 and 0.0 are the same constant
        return cls._make(value, ())  # type: ignore[return-value]

    @property
    def value(self) -> float:
        """The constant's value."""
        return self.data


class Var(Expr):
    """A variable.

    Parameters
    ----------
    name : str
        ASCII letters, digits and underscores, not starting with a digit, e.g. ``'x'`` or
        ``'w1'`` (what :func:`~pydelt_like.symbolic.parse` reads as a name); not ``'pi'``
        or ``'e'``, which text reads as constants.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If ``name`` is not such a name.
    """

    __slots__ = ()
    _rank = 1

    def __new__(cls, name: str) -> Var:
        if not isinstance(name, str):
            raise TypeError(
                f"a variable name must be a string like 'x' or 'w1', got {name!r} "
                f"({type(name).__name__})"
            )
        if not _NAME.fullmatch(name):
            raise ValueError(
                f"a variable name must be ASCII letters, digits and underscores, not starting "
                f"with a digit (like 'x' or 'w1'), got {name!r}"
            )
        if name in RESERVED_NAMES:
            raise ValueError(
                f"{name!r} cannot be a variable: text reads it as {RESERVED_NAMES[name]}, so "
                f"the expression would not parse back; choose another name, e.g. '{name}1'"
            )
        return cls._make(name, ())  # type: ignore[return-value]

    @property
    def name(self) -> str:
        """The variable's name."""
        return self.data


def _as_args(values: tuple[Any, ...], what: str) -> tuple[Expr, ...]:
    if len(values) < 2:
        raise TypeError(f"{what} needs at least two operands, got {len(values)}")
    return tuple(as_expr(v) for v in values)


class Add(Expr):
    """A sum of two or more terms (subtraction is addition of ``-1 * term``)."""

    __slots__ = ()
    _rank = 4

    def __new__(cls, *terms: Any) -> Add:
        return cls._make(None, _as_args(terms, "Add"))  # type: ignore[return-value]


class Mul(Expr):
    """A product of two or more factors (division is multiplication by ``factor ** -1``)."""

    __slots__ = ()
    _rank = 3

    def __new__(cls, *factors: Any) -> Mul:
        return cls._make(None, _as_args(factors, "Mul"))  # type: ignore[return-value]


class Pow(Expr):
    """``base ** exponent``; any real or symbolic exponent."""

    __slots__ = ()
    _rank = 2

    def __new__(cls, base: Any, exponent: Any) -> Pow:
        return cls._make(None, (as_expr(base), as_expr(exponent)))  # type: ignore[return-value]

    @property
    def base(self) -> Expr:
        """The base."""
        return self.args[0]

    @property
    def exponent(self) -> Expr:
        """The exponent."""
        return self.args[1]


@dataclass(frozen=True)
class FunctionSpec:
    """What the package knows about one elementary function."""

    name: str
    numpy: Callable[..., Any]  # (argument, parameter or None) -> values
    torch: Callable[..., Any]  # (torch module, argument, parameter or None) -> tensor
    derivative: Callable[[Expr, float | None], Expr]  # (argument, parameter) -> f'(argument)
    parameter: str | None = None  # name of the optional numeric parameter
    default: float | None = None  # its default value
    exact: Callable[[float, float | None], float] | None = None  # for folding constants
    # (test, what it requires) for the parameter beyond being finite, e.g. log's base.
    parameter_rule: tuple[Callable[[float], bool], str] | None = None


FUNCTIONS: dict[str, FunctionSpec] = {}


class Func(Expr):
    """An elementary function applied to one argument, with an optional numeric parameter.

    Build these with the functions of :mod:`pydelt_like.symbolic` (``sin(x)``,
    ``log(x, 10)``, ``leaky_relu(x, 0.1)``) rather than directly.
    """

    __slots__ = ()
    _rank = 5

    def __new__(cls, name: str, arg: Any, param: float | None = None) -> Func:
        known = ", ".join(sorted(FUNCTIONS))
        if not isinstance(name, str):
            raise TypeError(f"a function name must be a string such as 'sin', got {name!r}")
        if name not in FUNCTIONS:
            raise ValueError(f"unknown function {name!r}; known functions: {known}")
        spec = FUNCTIONS[name]
        if spec.parameter is None and param is not None:
            raise TypeError(f"{name}() takes no parameter, got {param!r}")
        if spec.parameter is not None:
            if param is None:
                param = spec.default
            else:
                param = real_number(param, f"the {spec.parameter} of {name}()")
                if spec.parameter_rule is not None and not spec.parameter_rule[0](param):
                    raise ValueError(
                        f"the {spec.parameter} of {name}() must be {spec.parameter_rule[1]}, "
                        f"got {param!r}"
                    )
        return cls._make((name, param), (as_expr(arg),))  # type: ignore[return-value]

    @property
    def name(self) -> str:
        """The function's name."""
        return self.data[0]

    @property
    def param(self) -> float | None:
        """The numeric parameter (log's base, leaky_relu's slope), or None."""
        return self.data[1]

    @property
    def arg(self) -> Expr:
        """The argument."""
        return self.args[0]

    @property
    def spec(self) -> FunctionSpec:
        """The function's definition."""
        return FUNCTIONS[self.name]


def as_expr(value: Any) -> Expr:
    """Turn a number or a variable name into a node; nodes pass through.

    Parameters
    ----------
    value : Expr, int, float or str
        A number becomes :class:`Const`, a string :class:`Var`.

    Returns
    -------
    Expr

    Raises
    ------
    TypeError
        For anything else (complex numbers, booleans and arrays included).
    ValueError
        For a name that is not a valid variable name, and for NaN, infinity or an integer
        beyond float64's range.
    """
    if isinstance(value, Expr):
        return value
    if isinstance(value, str):
        return Var(value)
    return Const(value)


def symbols(names: str) -> tuple[Var, ...]:
    """Several variables at once.

    Parameters
    ----------
    names : str
        Names separated by spaces or commas.

    Returns
    -------
    tuple of Var

    Raises
    ------
    TypeError
        If ``names`` is not a string.
    ValueError
        If a name is not a valid variable name (see :class:`Var`).

    Examples
    --------
    >>> x, y = symbols("x y")
    >>> print(3 * x**2 + 2 * y)
    3*x^2 + 2*y
    """
    if not isinstance(names, str):
        raise TypeError(
            f"symbols() needs a string of names such as 'x y' or 'x, y', got {names!r} "
            f"({type(names).__name__})"
        )
    return tuple(Var(n) for n in names.replace(",", " ").split())


def postorder(root: Expr) -> Iterator[Expr]:
    """Each distinct node once, children before parents, without recursion.

    Parameters
    ----------
    root : Expr

    Yields
    ------
    Expr
    """
    seen: set[int] = set()
    stack: list[tuple[Expr, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for child in reversed(node.args):
            if id(child) not in seen:
                stack.append((child, False))


def count_nodes(expr: Expr) -> int:
    """Number of nodes of the expression written out as a tree (shared subtrees counted each time).

    Parameters
    ----------
    expr : Expr or number

    Returns
    -------
    int
    """
    return as_expr(expr)._size


def is_const(expr: Expr, value: float | None = None) -> bool:
    """True for a constant (equal to ``value`` when one is given)."""
    return isinstance(expr, Const) and (value is None or expr.data == value)


def format_number(value: float) -> str:
    """Shortest faithful text of a float: integers without '.0', others by repr."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


# Constant folding rounds: 1/3 - 1 is -0.6666666666666667, one unit in the last place from
# the float of -2/3. Results within a few units of a fraction with a small denominator are
# snapped to it, so that exponents and coefficients print (and compare) as the fractions
# they are. The change is a few units in the last place, below any tolerance.
_SNAP_DENOMINATOR = 1000
_SNAP_ULPS = 4


def snap(value: float) -> float:
    """``value``, or the float of a nearby fraction p/q (q <= 1000) within 4 units in the last
    place of it."""
    if not math.isfinite(value) or value == int(value):
        return value
    near = Fraction(value).limit_denominator(_SNAP_DENOMINATOR)
    candidate = near.numerator / near.denominator
    if abs(candidate - value) <= _SNAP_ULPS * math.ulp(value):
        return candidate
    return value


@lru_cache(maxsize=1024)
def odd_root(exponent: float) -> tuple[int, int] | None:
    """(p, q) when ``exponent`` is the float of p/q with q odd and above 1, else None."""
    if not math.isfinite(exponent) or exponent == int(exponent):
        return None
    near = Fraction(exponent).limit_denominator(_SNAP_DENOMINATOR)
    if near.denominator % 2 == 0 or near.numerator / near.denominator != exponent:
        return None
    return near.numerator, near.denominator


def real_power(base: Any, exponent: Any) -> Any:
    """``base ** exponent`` with real odd roots: a constant exponent p/q with q odd gives
    ``(-8)^(1/3) = -2`` and ``(-8)^(2/3) = 4``, as calculators do, where NumPy gives NaN.
    Other non-integer powers of negative numbers stay NaN."""
    if np.ndim(exponent) == 0:
        pair = odd_root(float(exponent))
        if pair is not None:
            base = np.asarray(base, dtype=float)
            magnitude = np.power(np.abs(base), exponent)
            return np.where(base < 0, -magnitude if pair[0] % 2 else magnitude, magnitude)
    return np.power(base, exponent)
