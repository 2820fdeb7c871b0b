"""Random expressions, for property tests, benchmarks and practice exercises."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pydelt_like._validation import check_int
from pydelt_like.symbolic.nodes import Const, Expr, Func, Var

__all__ = ["MAX_DEPTH", "random_expression"]

_SMOOTH_FUNCTIONS = (
    "sin",
    "cos",
    "tan",
    "exp",
    "log",
    "sqrt",
    "tanh",
    "sigmoid",
    "softplus",
    "gelu",
    "erf",
    "sinh",
    "cosh",
    "asin",
    "acos",
    "atan",
    "asinh",
    "acosh",
    "atanh",
    "sec",
    "csc",
    "cot",
    "sech",
    "csch",
    "coth",
    "cbrt",
    "silu",
)
_CONSTANTS = (-3.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0)
_EXPONENTS = (-2.0, -1.0, 0.5, 2.0, 3.0)
# Each level has 1.4 children on average, so sizes grow like 1.4^depth (about 8,000 nodes at
# the largest of twenty depth-20 draws, 300,000 at depth 30); a full tree of depth 20 has 2^21.
MAX_DEPTH = 20


def random_expression(
    rng: np.random.Generator,
    depth: int = 3,
    variables: Sequence[str] = ("x", "y", "z"),
    functions: Sequence[str] = _SMOOTH_FUNCTIONS,
) -> Expr:
    """A random expression tree of at most ``depth`` operator levels.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness (seed it for a reproducible corpus).
    depth : int, default=3
        Maximum nesting of operators and functions, 0 to ``MAX_DEPTH`` (20).
    variables : sequence of str
        Variable names to draw leaves from (at least one).
    functions : sequence of str
        Function names to draw from (smooth ones by default; at least one).

    Returns
    -------
    Expr

    Raises
    ------
    TypeError
        If ``rng`` is not a NumPy Generator or ``depth`` not an integer.
    ValueError
        If ``depth`` is out of range, ``variables`` or ``functions`` is empty, or holds an
        invalid name.

    Examples
    --------
    >>> import numpy as np
    >>> expr = random_expression(np.random.default_rng(0))
    >>> expr.free_symbols <= {"x", "y", "z"}
    True
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator, e.g. np.random.default_rng(0), got {rng!r}"
        )
    check_int(depth, name="depth", low=0, high=MAX_DEPTH)
    variables = [Var(name).name for name in variables]
    functions = [Func(name, Var("x")).name for name in functions]
    if not variables or not functions:
        raise ValueError("variables and functions must each name at least one")
    return _draw(rng, int(depth), variables, functions)


def _draw(rng: np.random.Generator, depth: int, variables: list[str], functions: list[str]) -> Expr:
    if depth <= 0 or rng.random() < 0.2:
        if rng.random() < 0.7:
            return Var(str(rng.choice(variables)))
        return Const(float(rng.choice(_CONSTANTS)))
    kind = rng.integers(0, 7)
    left = _draw(rng, depth - 1, variables, functions)
    if kind == 0:
        return left + _draw(rng, depth - 1, variables, functions)
    if kind == 1:
        return left - _draw(rng, depth - 1, variables, functions)
    if kind in (2, 3):
        return left * _draw(rng, depth - 1, variables, functions)
    if kind == 4:
        return left / _draw(rng, depth - 1, variables, functions)
    if kind == 5:
        return left ** Const(float(rng.choice(_EXPONENTS)))
    return Func(str(rng.choice(functions)), left)
