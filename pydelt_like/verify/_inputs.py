"""What check_derivative checks, read from its arguments: f, the derivative, your answer, points."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array, check_int

__all__ = ["MAX_POINTS", "Problem", "given_points", "problem", "random_points"]

# The report is a table with one row per point; for bulk comparisons call
# numerical_derivative or evaluate directly.
MAX_POINTS = 10_000


@dataclass(frozen=True)
class Problem:
    """What is checked: f (an expression, a callable or a curve), the derivative, the answer."""

    variables: list[str]
    wrt: tuple[str, ...]
    order: int
    f_expr: Any = None
    f_call: Callable[[np.ndarray], np.ndarray] | None = None
    curve: Any = None
    truth: Any = None
    hand_expr: Any = None
    hand_call: Callable[..., np.ndarray] | None = None
    label: str = ""


def _names(wrt: Any) -> tuple[str, ...] | None:
    from pydelt_like.symbolic import Var

    if wrt is None:
        return None
    if isinstance(wrt, str):
        wrt = wrt.replace(",", " ").split()
    elif isinstance(wrt, Var):
        wrt = [wrt]
    if not isinstance(wrt, list | tuple) or not wrt:
        raise TypeError(
            f"wrt must be a variable name, or a list of them for a mixed partial, got {wrt!r}"
        )
    return tuple(w.name if isinstance(w, Var) else Var(w).name for w in wrt)


def _read_hand(
    df_hand: Any, variables: list[str], several: bool, known: frozenset[str] = frozenset()
) -> tuple[Any, Any]:
    """(expression, None) or (None, vectorised callable) for your answer."""
    from pydelt_like.symbolic import Expr, as_expr
    from pydelt_like.symbolic.parse import parse_text

    if isinstance(df_hand, str) and "=" in df_hand:  # "dy/dx = -x/y": the answer is the right side
        df_hand = df_hand.rsplit("=", 1)[1]
    if isinstance(df_hand, str):  # text people type: 2ax is 2*a*x
        df_hand = parse_text(
            df_hand, equation=False, split_names=True, known=known | set(variables)
        )[0]
    elif isinstance(df_hand, int | float) and not isinstance(df_hand, bool):
        df_hand = as_expr(df_hand)
    if isinstance(df_hand, Expr):
        extra = sorted(df_hand.free_symbols - set(variables))
        if extra:
            raise ValueError(
                f"your answer uses {', '.join(extra)}, which f does not have (its variables: "
                f"{', '.join(variables) or 'none'}){_hint(extra)}"
            )
        return df_hand, None
    if callable(df_hand):
        if several:
            raise TypeError(
                "for an equation or f of several variables, df_hand must be an expression or "
                "its text"
            )
        return None, _checked(df_hand, "df_hand")
    raise TypeError(f"df_hand must be an expression, its text or a callable, got {df_hand!r}")


def _read(text: str, known: frozenset[str], equation: bool) -> Any:
    """Text as people type it (names split), the names in ``known`` kept whole."""
    from pydelt_like.symbolic.implicit import Equation
    from pydelt_like.symbolic.parse import parse_text

    lhs, rhs = parse_text(text, equation=equation, split_names=True, known=known)
    return Equation(lhs, rhs) if rhs is not None else lhs


def _checked(function: Callable[..., Any], name: str) -> Callable[[np.ndarray], np.ndarray]:
    """A user's callable, vectorised, whose every output is checked: real numbers, one value
    per point (or a single value), else a TypeError/ValueError that names it."""
    from pydelt_like.numeric import _values, _vectorised

    vectorised = _vectorised(function, name)
    return lambda t: np.array(_values(vectorised, np.asarray(t, dtype=float), name))


def _hint(names: list[str]) -> str:
    """'; cosx looks like cos(x) ...' for a name that starts with a function's name."""
    from pydelt_like.symbolic.nodes import FUNCTIONS
    from pydelt_like.symbolic.tokens import ALIASES

    for name in names:
        for function in sorted([*FUNCTIONS, *ALIASES], key=len, reverse=True):
            if name.startswith(function) and len(name) > len(function):
                return (
                    f"; '{name}' looks like {function}({name[len(function) :]}): a name of "
                    "several letters is one variable, so write the argument in parentheses or "
                    "after a space"
                )
    return ""


def _label(top: str, f_text: str, hand: Any, df_hand: Any) -> str:
    from pydelt_like.symbolic.evaluate import _describe

    hand_text = _describe(hand) if hand is not None else getattr(df_hand, "__name__", "df")
    return f"{top} {f_text}  vs  your {hand_text}"


def _implicit(
    equation: Any, df_hand: Any, names: Any, order: Any, dependent: Any, known: frozenset[str]
) -> Problem:
    """dy/dx on a curve; the answer may use y' (and y'') for the lower derivatives."""
    from pydelt_like.symbolic.implicit import (
        MAX_IMPLICIT_ORDER,
        implicit_derivative,
        substitute,
    )

    variables = sorted(equation.free_symbols)
    if names is not None and len(names) != 1:
        raise ValueError(f"pass wrt= the one independent variable of {equation}")
    x = names[0] if names else "x"
    others = [v for v in variables if v != x]
    y = dependent if dependent is not None else ("y" if "y" in others else None)
    if y is None and len(others) == 1:
        y = others[0]
    if y is None:
        raise ValueError(f"pass dependent= the variable that depends on {x} in {equation}")
    order = check_int(order, name="order", low=1, high=MAX_IMPLICIT_ORDER)
    truth = implicit_derivative(equation, x, y, order)
    if isinstance(df_hand, str):
        df_hand = _strip_calls(df_hand, x)
    primes = [f"{y}{'_prime' * k}" for k in range(1, MAX_IMPLICIT_ORDER + 1)]
    hand, _ = _read_hand(df_hand, [*variables, *primes], several=True, known=known)
    used = sorted(hand.free_symbols & set(primes), key=len)
    if used:  # y' and y'' stand for the lower derivatives on the curve
        lower = {p: implicit_derivative(equation, x, y, len(p[len(y) :]) // 6) for p in used}
        hand = substitute(hand, lower)
    top = f"d^{order}{y}/d{x}^{order}" if order > 1 else f"d{y}/d{x}"
    label = _label(top, f"on {equation}", hand, df_hand)
    return Problem(
        variables, (x,), order, curve=equation.expr, truth=truth, hand_expr=hand, label=label
    )


def _strip_calls(text: str, x: str) -> str:
    """``y(x)`` as ``y``: the notation for a function of x, in an equation or its answer."""
    from pydelt_like.symbolic.tokens import is_function

    def plain(match: re.Match[str]) -> str:
        return match.group(0) if is_function(match.group(1)) else match.group(1)

    return re.sub(rf"\b([A-Za-z]\w*)\s*\(\s*{re.escape(x)}\s*\)", plain, text)


def _explicit(f: Any, df_hand: Any, names: Any, order: Any, known: frozenset[str]) -> Problem:
    from pydelt_like.symbolic import differentiate
    from pydelt_like.symbolic.evaluate import _describe
    from pydelt_like.symbolic.rules import MAX_ORDER

    variables = sorted(f.free_symbols)
    if names is None:
        if len(variables) > 1:
            raise ValueError(
                f"f has the variables {', '.join(variables)}: pass wrt= the one to "
                "differentiate by (or a list of them for a mixed partial)"
            )
        names = (variables[0] if variables else "x",)
    variables = sorted(set(variables) | set(names))
    if len(names) > 1 and order != 1:
        raise ValueError(
            "order applies to one variable; for a mixed partial list the variables in wrt, "
            "repeated as needed (wrt=['x', 'x', 'y'])"
        )
    order = check_int(order, name="order", low=1, high=MAX_ORDER)
    truth = f
    for name in names:
        truth = differentiate(truth, name, order)
    hand, call = _read_hand(df_hand, variables, several=len(variables) > 1, known=known)
    if len(names) > 1:
        top = f"d^{len(names)}/" + "".join(f"d{n}" for n in reversed(names))
    else:
        top = f"d^{order}/d{names[0]}^{order}" if order > 1 else f"d/d{names[0]}"
    label = _label(top, _describe(f), hand, df_hand)
    return Problem(
        variables, names, order, f_expr=f, truth=truth, hand_expr=hand, hand_call=call, label=label
    )


def problem(f: Any, df_hand: Any, wrt: Any, order: Any, dependent: Any, named: Any = ()) -> Problem:
    """Read check_derivative's arguments (every error a TypeError/ValueError that says why).

    Text is read as people type it (``2ax`` is ``2*a*x``), except that the names in
    ``named`` (those of ``at``, ``domain``, ``wrt`` and ``dependent``) stay whole.
    """
    from pydelt_like.numeric import MAX_ORDER
    from pydelt_like.symbolic import Expr
    from pydelt_like.symbolic.implicit import Equation, as_equation
    from pydelt_like.symbolic.tokens import is_function

    names = _names(wrt)
    known = frozenset(named) | frozenset(names or ()) | frozenset([dependent] if dependent else [])
    if isinstance(f, str):
        definition = re.fullmatch(r"\s*([A-Za-z]\w*)\s*\(\s*([A-Za-z]\w*)\s*\)\s*=(.*)", f, re.S)
        if definition and not is_function(definition.group(1)):  # f(x) = ... defines f
            f, names = definition.group(3), names or (definition.group(2),)
    if isinstance(f, Equation) or (isinstance(f, str) and "=" in f):
        if isinstance(f, str):
            f = as_equation(_read(_strip_calls(f, names[0] if names else "x"), known, True))
        return _implicit(f, df_hand, names, order, dependent, known)
    if dependent is not None:  # an expression F with dependent=: the curve F = 0
        expr = _read(f, known, False) if isinstance(f, str) else f
        return _implicit(as_equation(expr), df_hand, names, order, dependent, known)
    if isinstance(f, str):
        f = _read(f, known, False)
    if isinstance(f, Expr):
        return _explicit(f, df_hand, names, order, known)
    if not callable(f):
        raise TypeError(f"f must be an expression, its text, an equation or a callable, got {f!r}")
    if names is not None and len(names) != 1:
        raise ValueError("a callable f has one variable: pass one name in wrt (or none)")
    order = check_int(order, name="order", low=1, high=MAX_ORDER)
    name = names[0] if names else "x"
    hand, call = _read_hand(df_hand, [name], several=False)
    top = f"d^{order}/d{name}^{order}" if order > 1 else f"d/d{name}"
    label = _label(top, getattr(f, "__name__", "f"), hand, df_hand)
    return Problem(
        [name],
        (name,),
        order,
        f_call=_checked(f, "f"),
        hand_expr=hand,
        hand_call=call,
        label=label,
    )


def given_points(at: Any, variables: list[str]) -> dict[str, np.ndarray]:
    if at is None:
        return {name: np.empty(0) for name in variables}
    if isinstance(at, Mapping):
        unknown = sorted(set(map(str, at)) - set(variables))
        missing = [name for name in variables if name not in at]
        if unknown or missing:
            raise ValueError(
                f"at must give a value (or values) for each variable of f ({', '.join(variables)})"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; f has no {', '.join(unknown)}" if unknown else "")
            )
        arrays = [as_float_array(at[name], name=f"at[{name!r}]") for name in variables]
        try:
            arrays = list(np.broadcast_arrays(*arrays))
        except ValueError:
            raise ValueError("the arrays of at do not broadcast together") from None
        points = {name: a.ravel().copy() for name, a in zip(variables, arrays, strict=True)}
    elif len(variables) == 1:
        points = {variables[0]: as_float_array(at, name="at").ravel()}
    else:
        raise ValueError(
            f"f has the variables {', '.join(variables)}: pass at as a dict such as "
            f"{{'{variables[0]}': [0.5, 1.0], ...}} with a value for each"
        )
    size = next(iter(points.values())).size
    if size > MAX_POINTS:
        raise ValueError(
            f"at has {size:,} points, more than the {MAX_POINTS:,} a check reports (a table "
            "row each); for bulk comparisons use numerical_derivative or evaluate directly"
        )
    if size == 0 or not all(np.all(np.isfinite(a)) for a in points.values()):
        raise ValueError("the points to check (at) must be finite and not empty")
    return points


def call(problem: Problem, expr: Any, points: Mapping[str, np.ndarray]) -> np.ndarray:
    from pydelt_like.symbolic import evaluate

    size = next(iter(points.values())).size
    with np.errstate(all="ignore"):
        return np.broadcast_to(evaluate(expr, dict(points)), (size,)).astype(float)


def f_defined(problem: Problem, points: Mapping[str, np.ndarray]) -> np.ndarray:
    from pydelt_like.symbolic.sampling import SAFETY, evaluate_with_error

    if problem.curve is not None:
        residual, bound = evaluate_with_error(problem.curve, points)
        return np.isfinite(residual) & (np.abs(residual) <= SAFETY * bound + 1e-300)
    if problem.f_call is not None:
        with np.errstate(all="ignore"):
            return np.isfinite(problem.f_call(points[problem.variables[0]]))
    return np.isfinite(call(problem, problem.f_expr, points))


def random_points(
    problem: Problem, limits: dict[str, Any], n: int, rng: Any
) -> dict[str, np.ndarray]:
    from pydelt_like.symbolic.sampling import draw_points, points_on_curve

    def accept(points: dict[str, np.ndarray]) -> np.ndarray:
        ok = f_defined(problem, points) if problem.curve is None else True
        if problem.truth is not None:
            ok = ok & np.isfinite(call(problem, problem.truth, points))
        return np.asarray(ok)

    if problem.curve is not None:
        return points_on_curve(problem.curve, problem.variables, limits, n, rng, accept)
    return draw_points(problem.variables, limits, n, rng, accept)


def numeric_column(
    problem: Problem, points: dict[str, np.ndarray], defined: np.ndarray, notes: list[str]
) -> np.ndarray | None:
    """Central differences of f along the one variable differentiated, others held fixed
    (NaN where f is undefined)."""
    from pydelt_like.numeric import MAX_ORDER, numerical_derivative
    from pydelt_like.symbolic import to_function

    if problem.curve is not None or len(problem.wrt) != 1 or problem.order > MAX_ORDER:
        return None
    name = problem.wrt[0]
    out = np.full(points[name].shape, np.nan)
    if not defined.any():
        return out
    at = {key: values[defined] for key, values in points.items()}
    estimates: Any = np.full(at[name].shape, np.nan)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        if problem.f_call is not None:
            estimates = numerical_derivative(problem.f_call, at[name], problem.order)
        elif len(problem.variables) == 1:
            estimates = numerical_derivative(problem.f_expr, at[name], problem.order)
        else:  # one point at a time: the stencil may revisit any subset of the points
            compiled = to_function(problem.f_expr, problem.variables)
            for i in range(estimates.size):
                fixed = {key: values[i] for key, values in at.items()}

                def along(t: np.ndarray, fixed: dict[str, float] = fixed) -> Any:
                    return compiled(*[t if v == name else fixed[v] for v in problem.variables])

                estimates[i] = numerical_derivative(along, fixed[name], problem.order)
    out[defined] = np.asarray(estimates, dtype=float)
    notes.extend(str(w.message) for w in caught if issubclass(w.category, RuntimeWarning))
    return out
