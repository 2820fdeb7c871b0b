"""Random expressions, for property tests, benchmarks and practice exercises."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pydelt_like.symbolic.nodes import Const, Expr, Func, Var

__all__ = ["random_expression"]

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
)
_CONSTANTS = (-3.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0)
_EXPONENTS = (-2.0, -1.0, 0.5, 2.0, 3.0)


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
        Maximum nesting of operators and functions.
    variables : sequence of str
        Variable names to draw leaves from.
    functions : sequence of str
        Function names to draw from (smooth ones by default).

    Returns
    -------
    Expr

    Examples
    --------
    >>> import numpy as np
    >>> expr = random_expression(np.random.default_rng(0))
    >>> expr.free_symbols <= {"x", "y", "z"}
    True
    """
    if depth <= 0 or rng.random() < 0.2:
        if rng.random() < 0.7:
            return Var(str(rng.choice(list(variables))))
        return Const(float(rng.choice(_CONSTANTS)))
    kind = rng.integers(0, 7)
    left = random_expression(rng, depth - 1, variables, functions)
    if kind == 0:
        return left + random_expression(rng, depth - 1, variables, functions)
    if kind == 1:
        return left - random_expression(rng, depth - 1, variables, functions)
    if kind in (2, 3):
        return left * random_expression(rng, depth - 1, variables, functions)
    if kind == 4:
        return left / random_expression(rng, depth - 1, variables, functions)
    if kind == 5:
        return left ** Const(float(rng.choice(_EXPONENTS)))
    return Func(str(rng.choice(list(functions))), left)
