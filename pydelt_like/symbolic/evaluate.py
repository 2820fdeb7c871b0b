"""Numbers from expressions: NumPy evaluation, compiled NumPy callables, torch callables."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array
from pydelt_like.symbolic.nodes import (
    Add,
    Const,
    Expr,
    Func,
    Mul,
    Pow,
    Var,
    as_expr,
    count_nodes,
    odd_root,
    postorder,
    real_power,
)

__all__ = ["evaluate", "to_function", "to_torch"]


def _common_shape(shapes: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
    """The broadcast shape of the named values, or a ValueError that lists their shapes."""
    try:
        return tuple(np.broadcast_shapes(*shapes.values()))
    except ValueError:
        listed = ", ".join(f"{name} has shape {shape}" for name, shape in shapes.items())
        raise ValueError(
            f"the values do not broadcast together ({listed}); every value must be a scalar "
            "or an array whose shape broadcasts with the others (NumPy's rules), e.g. "
            "x of shape (n, 1) with y of shape (m,)"
        ) from None


def _bindings(expr: Expr, bindings: Any, values: dict[str, Any]) -> dict[str, np.ndarray]:
    if bindings is None:
        bindings = {}
    if not isinstance(bindings, Mapping):
        raise TypeError(
            f"bindings must be a dict of variable name -> value, got {type(bindings).__name__}"
        )
    bad_keys = [key for key in bindings if not isinstance(key, str)]
    if bad_keys:
        raise TypeError(
            f"bindings must map variable names (strings) to values, got the key {bad_keys[0]!r}"
        )
    merged = {**bindings, **values}
    missing = sorted(expr.free_symbols - set(merged))
    if missing:
        raise ValueError(
            f"no value for variable(s) {', '.join(missing)}; pass them, e.g. "
            f"evaluate(expr, {missing[0]}=1.0)"
        )
    return {name: as_float_array(value, name=name) for name, value in merged.items()}


def evaluate(expr: Any, bindings: dict[str, Any] | None = None, **values: Any) -> Any:
    """Evaluate an expression with NumPy, element-wise over arrays.

    Parameters
    ----------
    expr : Expr or number
        The expression.
    bindings : dict, optional
        Variable name to value (a number or an array; arrays broadcast together).
    **values
        More bindings, as keywords.

    Returns
    -------
    float or numpy.ndarray
        A float when every value is a scalar, else an array of the broadcast shape.
        Points outside the domain (log of a negative number, 1/0) give NaN or inf,
        without warnings.

    Raises
    ------
    TypeError
        If a value is not real numbers (strings, booleans, complex numbers, None), or
        ``bindings`` is not a dict of names to values.
    ValueError
        If a variable has no value, or the values (those of unused names included, since
        they shape the result) do not broadcast together.

    Examples
    --------
    >>> from pydelt_like.symbolic import parse
    >>> evaluate(parse("3*x^2 + 2*x + 1"), x=[0.0, 1.0, 2.0])
    array([ 1.,  6., 17.])
    """
    expr = as_expr(expr)
    arrays = _bindings(expr, bindings, values)
    shape = _common_shape({name: a.shape for name, a in arrays.items()})
    done: dict[Expr, Any] = {}
    with np.errstate(all="ignore"):
        for node in postorder(expr):
            if isinstance(node, Const):
                done[node] = node.data
            elif isinstance(node, Var):
                done[node] = arrays[node.data]
            elif isinstance(node, Add):
                total = done[node.args[0]]
                for term in node.args[1:]:
                    total = total + done[term]
                done[node] = total
            elif isinstance(node, Mul):
                product = done[node.args[0]]
                for factor in node.args[1:]:
                    product = product * done[factor]
                done[node] = product
            elif isinstance(node, Pow):
                done[node] = real_power(np.asarray(done[node.base], float), done[node.exponent])
            elif isinstance(node, Func):
                done[node] = node.spec.numpy(np.asarray(done[node.arg], float), node.param)
    result = np.broadcast_to(np.asarray(done[expr], dtype=float), shape)
    return float(result) if result.ndim == 0 else result.copy()


def _variables(expr: Expr, variables: Any) -> list[str]:
    if variables is None:
        return sorted(expr.free_symbols)
    if isinstance(variables, str):
        variables = variables.replace(",", " ").split()  # "x y" as symbols() reads it
    if isinstance(variables, Var) or not isinstance(variables, Iterable):
        raise TypeError(f"variables must be a list of names such as ['x', 'y'], got {variables!r}")
    names = [Var(v).name if not isinstance(v, Var) else v.name for v in variables]
    missing = sorted(expr.free_symbols - set(names))
    if missing:
        raise ValueError(
            f"variables must include every free variable; missing {', '.join(missing)}"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"variables has repeated names: {names}")
    return names


def _literal(value: float | None) -> str:
    """Python text for a float, inf and nan included."""
    if value is None or math.isfinite(value):
        return repr(value)
    return f"float({str(value)!r})"


def _describe(expr: Expr) -> str:
    """The expression's text when short; a size otherwise (text can be exponentially long)."""
    if count_nodes(expr) <= 200:
        return str(expr)
    return f"an expression of {count_nodes(expr)} nodes"


def _code(node: Expr, args: list[str], backend: str) -> str:
    """Python text computing ``node`` from its arguments' variables, for NumPy or torch."""
    if isinstance(node, Const):
        return _literal(node.data)
    if isinstance(node, Add):
        return " + ".join(args)
    if isinstance(node, Mul):
        return " * ".join(args)
    if isinstance(node, Pow):
        return f"_power({args[0]}, {args[1]})"
    assert isinstance(node, Func)
    if backend == "torch":
        return f"_spec[{node.name!r}].torch(_torch, _t({args[0]}), {_literal(node.param)})"
    return f"_spec[{node.name!r}].numpy({args[0]}, {_literal(node.param)})"


def _compile(
    expr: Expr, names: list[str], backend: str, namespace: dict[str, Any]
) -> Callable[..., Any]:
    """Straight-line code, one assignment per distinct node (no nesting, so no depth limit)."""
    slot: dict[Expr, str] = {}
    lines = []
    for i, node in enumerate(postorder(expr)):
        if isinstance(node, Var):
            slot[node] = f"a_{names.index(node.data)}"
            continue
        lines.append(f"    t{i} = {_code(node, [slot[a] for a in node.args], backend)}")
        slot[node] = f"t{i}"
    lines.append(f"    return {slot[expr]}")
    params = ", ".join(f"a_{i}" for i in range(len(names)))
    source = f"def _compiled({params}):\n" + "\n".join(lines) + "\n"
    scope = {**namespace, "_spec": _function_specs()}
    exec(compile(source, "<pydelt_like.symbolic>", "exec"), scope)
    return scope["_compiled"]


def _check_arity(values: tuple[Any, ...], names: list[str]) -> None:
    if len(values) != len(names):
        raise TypeError(
            f"expected {len(names)} argument(s) ({', '.join(names)}), got {len(values)}"
        )


def to_function(expr: Any, variables: Sequence[str | Var] | None = None) -> Callable[..., Any]:
    """Compile an expression into a fast NumPy function.

    Parameters
    ----------
    expr : Expr
        The expression.
    variables : sequence of str or Var, optional
        The order of the positional arguments; default: the free variables sorted by name.

    Returns
    -------
    callable
        ``f(*values)``: arrays broadcast together; returns a float for scalar input,
        else an array. ``f.variables`` lists the argument names. It raises ``TypeError``
        for the wrong number of arguments or values that are not real numbers, and
        ``ValueError`` for values whose shapes do not broadcast together.

    Raises
    ------
    TypeError
        If ``variables`` is not a list of names.
    ValueError
        If ``variables`` misses a free variable, repeats a name or holds an invalid one.

    Examples
    --------
    >>> from pydelt_like.symbolic import parse
    >>> f = to_function(parse("x*y + 1"))
    >>> f.variables, f(2.0, 3.0)
    (['x', 'y'], 7.0)
    """
    expr = as_expr(expr)
    names = _variables(expr, variables)
    compiled = _compile(expr, names, "numpy", {"_power": real_power})

    def function(*values: Any) -> Any:
        _check_arity(values, names)
        arrays = [as_float_array(v, name=name) for v, name in zip(values, names, strict=True)]
        shape = _common_shape({name: a.shape for name, a in zip(names, arrays, strict=True)})
        with np.errstate(all="ignore"):
            out = np.asarray(compiled(*arrays), dtype=float)
        out = np.broadcast_to(out, shape)
        return float(out) if out.ndim == 0 else out.copy()

    function.variables = names  # type: ignore[attr-defined]
    function.__doc__ = f"Compiled from {_describe(expr)}; arguments ({', '.join(names)})."
    return function


def to_torch(expr: Any, variables: Sequence[str | Var] | None = None) -> Callable[..., Any]:
    """Compile an expression into a function of torch tensors (differentiable by autograd).

    Parameters
    ----------
    expr : Expr
        The expression.
    variables : sequence of str or Var, optional
        The order of the positional arguments; default: the free variables sorted by name.

    Returns
    -------
    callable
        ``f(*tensors)`` returning a tensor broadcast to the arguments' shape, on their
        device and (floating) dtype; integer tensors are read as float64, and values that
        are not tensors become float64 tensors on the device of the tensor arguments.
        ``f.variables`` lists the argument names. It raises ``TypeError`` for the wrong
        number of arguments or values that are not real numbers (boolean and complex
        tensors included), and ``ValueError`` for shapes that do not broadcast together or
        tensors on different devices.

    Raises
    ------
    ImportError
        If torch is not installed.
    TypeError, ValueError
        As :func:`to_function` for ``variables``.
    """
    try:
        import torch
    except ImportError as error:  # pragma: no cover - torch is a dependency
        raise ImportError("to_torch needs PyTorch: pip install torch") from error
    expr = as_expr(expr)
    names = _variables(expr, variables)

    def as_tensor(value: Any) -> Any:
        return value if torch.is_tensor(value) else torch.as_tensor(value, dtype=torch.float64)

    def power(base: Any, exponent: Any) -> Any:
        if not torch.is_tensor(base) and not torch.is_tensor(exponent):
            with np.errstate(all="ignore"):
                return float(real_power(base, exponent))
        base = as_tensor(base)
        pair = odd_root(float(exponent)) if not torch.is_tensor(exponent) else None
        if pair is None:
            return torch.pow(base, exponent)
        magnitude = torch.pow(torch.abs(base), exponent)  # real odd roots, as real_power
        return torch.where(base < 0, -magnitude if pair[0] % 2 else magnitude, magnitude)

    compiled = _compile(expr, names, "torch", {"_power": power, "_torch": torch, "_t": as_tensor})

    def argument(value: Any, name: str, device: Any) -> Any:
        if not torch.is_tensor(value):
            array = as_float_array(value, name=name)
            return torch.as_tensor(array, dtype=torch.float64, device=device)
        if value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"{name} must hold real numbers, got a tensor of dtype {value.dtype}")
        return value if value.is_floating_point() else value.to(torch.float64)

    def function(*values: Any) -> Any:
        _check_arity(values, names)
        devices = {
            name: v.device for name, v in zip(names, values, strict=True) if torch.is_tensor(v)
        }
        if len(set(devices.values())) > 1:
            listed = ", ".join(f"{name} on {device}" for name, device in devices.items())
            raise ValueError(
                f"the tensors are on different devices ({listed}); move them to one with .to()"
            )
        device = next(iter(devices.values()), None)
        tensors = [argument(v, name, device) for v, name in zip(values, names, strict=True)]
        _common_shape({name: tuple(t.shape) for name, t in zip(names, tensors, strict=True)})
        out = compiled(*tensors)
        if not torch.is_tensor(out):
            reference = tensors[0] if tensors else torch.zeros((), dtype=torch.float64)
            dtype = reference.dtype if reference.is_floating_point() else torch.float64
            out = torch.full(reference.shape, float(out), dtype=dtype, device=reference.device)
        if tensors:
            out = torch.broadcast_tensors(out, *tensors)[0]
        return out

    function.variables = names  # type: ignore[attr-defined]
    function.__doc__ = f"Compiled from {_describe(expr)} for torch; arguments ({', '.join(names)})."
    return function


def _function_specs() -> dict:
    from pydelt_like.symbolic.nodes import FUNCTIONS

    return FUNCTIONS
