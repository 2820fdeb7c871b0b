"""Are two expressions equal? By canonical simplification where it can, else by numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pydelt_like._validation import check_int, check_real
from pydelt_like.symbolic.nodes import Expr, Var, as_expr

__all__ = ["MAX_RANDOM_POINTS", "Equivalence", "equivalent", "read_domain"]

# Random points are evaluated with error bounds, a few array passes each; 10,000 cost well
# under a second, far more than any verdict needs (16 random points miss a wrong answer only
# if it agrees on a set the points avoid, which is measure zero for any classic mistake).
MAX_RANDOM_POINTS = 10_000


@dataclass(frozen=True)
class Equivalence:
    """The outcome of :func:`equivalent`; true in a boolean context when the two are equal.

    Attributes
    ----------
    equal : bool
        Whether the expressions are equal wherever both are defined.
    method : {'simplification', 'random points', 'counterexample', 'no common points'}
        How that was decided: both simplify to one canonical form (a proof); they agree at
        every random point (evidence, not proof); or a point where they differ was found.
    points : dict of str to numpy.ndarray
        The random points used (one array per variable).
    counterexample : dict of str to float or None
        A point where they differ, with the two values (keys ``'a'`` and ``'b'``).
    notes : tuple of str
        Anything worth knowing (where only one of the two is defined, ...).
    """

    equal: bool
    method: str
    points: dict[str, np.ndarray] = field(repr=False)
    counterexample: dict[str, float] | None = None
    notes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.equal

    def __str__(self) -> str:
        n = len(next(iter(self.points.values()), ()))
        if self.method == "simplification":
            text = f"equal: proved by simplification (and equal at {n} random points)"
        elif self.method == "random points":
            text = (
                f"equal at all {n} random points (not proved: simplification did not reach "
                "one form)"
            )
        elif self.method == "counterexample" and self.counterexample is not None:
            where = ", ".join(
                f"{k} = {v:.6g}" for k, v in self.counterexample.items() if k not in "ab"
            )
            text = (
                f"not equal: at {where} one is {self.counterexample['a']:.10g} and the other "
                f"{self.counterexample['b']:.10g}"
            )
        else:
            text = "not equal: no point was found where both are defined"
        return "\n".join([text, *(f"note: {note}" for note in self.notes)])


def _read(value: Any, name: str) -> Expr:
    from pydelt_like.symbolic.parse import parse

    if isinstance(value, str):  # text people type: xy is x*y
        return parse(value, split_names=True)
    try:
        return as_expr(value)
    except TypeError:
        raise TypeError(
            f"{name} must be an expression, its text or a number, got {type(value).__name__}"
        ) from None


def read_domain(domain: Any, variables: list[str]) -> dict[str, Any]:
    """``{name: (low, high) or fixed value}`` checked; ``(a, b)`` alone applies to every
    variable."""
    if domain is None:
        return {}
    if isinstance(domain, tuple | list) and not isinstance(domain, Mapping):
        if len(domain) != 2:
            raise TypeError(f"domain must be a pair (a, b) or a dict of them, got {domain!r}")
        domain = dict.fromkeys(variables, tuple(domain))
    if not isinstance(domain, Mapping):
        raise TypeError(
            f"domain must be a pair (a, b), or a dict of variable -> (a, b) or a fixed value, "
            f"got {domain!r}"
        )
    out: dict[str, Any] = {}
    for name, spec in domain.items():
        name = Var(name).name if not isinstance(name, Var) else name.name
        if isinstance(spec, str | bytes) or not (
            isinstance(spec, tuple | list) or np.ndim(spec) == 0
        ):
            raise TypeError(f"domain[{name!r}] must be a pair (a, b) or a number, got {spec!r}")
        if isinstance(spec, tuple | list):
            if len(spec) != 2:
                raise TypeError(f"domain[{name!r}] must be a pair (a, b), got {spec!r}")
            low = check_real(spec[0], name=f"domain[{name!r}][0]")
            high = check_real(spec[1], name=f"domain[{name!r}][1]")
            if not low < high:
                raise ValueError(f"domain[{name!r}] must be (a, b) with a < b, got {spec!r}")
            out[name] = (low, high)
        else:
            out[name] = check_real(spec, name=f"domain[{name!r}]")
    return out


def equivalent(
    a: Any,
    b: Any,
    *,
    on: Any = None,
    domain: Any = None,
    n_points: int = 16,
    random_state: int = 0,
    rtol: float = 1e-9,
) -> Equivalence:
    """Decide whether two expressions are equal, and say how it was decided.

    First both are brought to a canonical form (see
    :mod:`~pydelt_like.symbolic.canonical`): Pythagorean and multiple-angle identities,
    sigmoid and tanh identities, log and exponent rules (with absolute values where the
    domain needs them), rational functions. One form for both is a proof. Otherwise they are
    compared at random points where both are defined, each value with a bound on its float64
    rounding error: a difference beyond the bounds is a counterexample, agreement at every
    point is evidence (and said to be no more).

    Parameters
    ----------
    a, b : Expr, str or number
        The two expressions. Text is read as people type it: a name of several letters is
        the product of the names it is made of (``xy`` is ``x*y``; see
        :func:`~pydelt_like.symbolic.parse` with ``split_names=True``).
    on : Equation, str or Expr, optional
        Compare only on this curve or surface (``"x^2 + y^2 = 25"``, or F meaning F = 0):
        then ``-25/y^3`` equals ``-(x^2 + y^2)/y^3``. Proofs divide by the curve's equation.
    domain : (a, b) or dict, optional
        Where to draw random points: a pair for every variable, or a dict mapping a variable
        to ``(low, high)`` or to a fixed value. By default uniform in [-3, 3], widening (to
        [-1000, 1000]) until enough points are found where both are defined.
    n_points : int, default=16
        Random points, 1 to ``MAX_RANDOM_POINTS`` (10,000).
    random_state : int, default=0
        Seed of the random points (the same seed, the same points).
    rtol : float, default=1e-9
        Relative tolerance beyond the rounding bounds (non-negative).

    Returns
    -------
    Equivalence
        True in a boolean context when equal; prints how it was decided.

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong type or out of range, and text that does not parse.

    Examples
    --------
    >>> print(equivalent("sin(x)^2 + cos(x)^2", "1"))
    equal: proved by simplification (and equal at 16 random points)
    >>> bool(equivalent("sigma(-u)", "1 - sigma(u)"))
    True
    >>> print(equivalent("2*x*cos(x^2)", "cos(x^2)"))  # doctest: +ELLIPSIS
    not equal: at x = ... one is ... and the other ...
    """
    from pydelt_like.symbolic.canonical import proves_equal
    from pydelt_like.symbolic.implicit import as_equation
    from pydelt_like.symbolic.sampling import (
        agree,
        draw_points,
        evaluate_with_error,
        points_on_curve,
    )

    first, second = _read(a, "a"), _read(b, "b")
    curve = as_equation(on, split_names=True).expr if on is not None else None
    n_points = check_int(n_points, name="n_points", low=1, high=MAX_RANDOM_POINTS)
    random_state = check_int(random_state, name="random_state", low=0)
    rtol = check_real(rtol, name="rtol", low=0)
    names = set(first.free_symbols | second.free_symbols)
    if curve is not None:
        names |= curve.free_symbols
    variables = sorted(names)
    limits = read_domain(domain, variables)
    proved = proves_equal(first, second, modulo=curve) is True

    def defined(points: dict[str, np.ndarray]) -> np.ndarray:
        with np.errstate(all="ignore"):
            one = np.isfinite(evaluate_with_error(first, points)[0])
            two = np.isfinite(evaluate_with_error(second, points)[0])
        return one & two

    rng = np.random.default_rng(random_state)
    if not variables:
        points: dict[str, np.ndarray] = {}
        mask = defined({})
        count = int(np.size(mask) and bool(mask))
    elif curve is not None:
        points = points_on_curve(curve, variables, limits, n_points, rng, defined)
        count = points[variables[0]].size
    else:
        points = draw_points(variables, limits, n_points, rng, defined)
        count = points[variables[0]].size
    if count == 0:
        return Equivalence(False, "no common points", points, None, ())
    va, ea = evaluate_with_error(first, points)
    vb, eb = evaluate_with_error(second, points)
    same = agree(va, ea, vb, eb, rtol)
    notes = []
    if count < n_points:
        notes.append(f"only {count} of {n_points} random points found where both are defined")
    if not same.all():
        i = int(np.flatnonzero(~same.ravel())[0])
        where = {name: float(points[name][i]) for name in variables}
        example = {**where, "a": float(va.ravel()[i]), "b": float(vb.ravel()[i])}
        if proved:
            notes.append("simplification found one form, yet the numbers differ")
        return Equivalence(False, "counterexample", points, example, tuple(notes))
    method = "simplification" if proved else "random points"
    return Equivalence(True, method, points, None, tuple(notes))
