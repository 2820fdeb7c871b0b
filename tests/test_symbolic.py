"""The symbolic differentiator against SymPy, finite differences and hand-computed answers."""

from __future__ import annotations

import math
import pickle
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pydelt_like.numeric import numerical_derivative
from pydelt_like.symbolic import (
    Add,
    Const,
    Mul,
    ParseError,
    Pow,
    Var,
    cos,
    count_nodes,
    derivative_unsimplified,
    differentiate,
    evaluate,
    exp,
    gelu,
    leaky_relu,
    log,
    parse,
    relu,
    sigmoid,
    simplify,
    sin,
    softplus,
    sqrt,
    symbols,
    tan,
    tanh,
    to_function,
    to_torch,
)
from pydelt_like.symbolic import abs as sym_abs
from pydelt_like.symbolic.corpus import random_expression

x, y, z = symbols("x y z")


# ----------------------------------------------------------------------------- building, printing


def test_the_classic_example_prints_simplified():
    f = 3 * x**2 + 2 * x + 1
    assert str(f) == "3*x^2 + 2*x + 1"
    assert str(derivative_unsimplified(f, "x")) == "3*2*x^1 + 2"
    assert str(differentiate(f, "x")) == "6*x + 2"
    assert str(differentiate(f, "x", 2)) == "6"


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("x - (y - z)", "x - (y - z)"),
        ("(x + 1)^2", "(x + 1)^2"),
        ("x^2^3", "x^2^3"),
        ("(x^2)^3", "(x^2)^3"),
        ("-x^2", "-x^2"),
        ("(-x)^2", "(-x)^2"),
        ("x/(y*z)", "x/(y*z)"),
        ("1/x^2", "1/x^2"),
        ("x*y/z", "x*y/z"),
        ("2^-1", "1/2"),
        ("sin(x)^2 + cos(x)^2", "sin(x)^2 + cos(x)^2"),
        ("log(x, 10)", "log(x, 10)"),
        ("leaky_relu(x, 0.1)", "leaky_relu(x, 0.1)"),
        ("-(a + b)", "-(a + b)"),
        ("x**0.5", "x^0.5"),
    ],
)
def test_str_has_minimal_parentheses_and_reads_back(text, printed):
    expr = parse(text)
    assert str(expr) == printed
    values = {name: 1.7 for name in expr.free_symbols}
    assert evaluate(parse(printed), values) == pytest.approx(evaluate(expr, values), rel=1e-14)


def test_repr_rebuilds_the_tree():
    import pydelt_like.symbolic as sym

    expr = sin(x**2) * log(y, 10) - leaky_relu(z, 0.2) / (1 + exp(-x))
    rebuilt = eval(repr(expr), vars(sym))
    assert rebuilt is expr  # nodes are interned: equal structure is the same object


def test_nodes_are_immutable_hashable_and_shared():
    a = x * y + 1
    assert (x * y + 1) is a and hash(x * y + 1) == hash(a)
    assert {a: 1}[x * y + 1] == 1
    with pytest.raises(AttributeError, match="immutable"):
        a.args = ()
    assert pickle.loads(pickle.dumps(a)) is a
    assert Const(-0.0) is Const(0.0)


def test_bad_building_blocks():
    with pytest.raises(TypeError, match="real"):
        x + 1j
    with pytest.raises(ValueError, match="variable name must be ASCII letters"):
        Var("2x")
    with pytest.raises(ValueError, match="base"):
        log(x, 1)
    with pytest.raises(TypeError, match="at least two"):
        Add(x)


# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3*x^2 + 2*x + 1", 3 * x**2 + 2 * x + 1),
        ("3*x**2 + 2*x + 1", 3 * x**2 + 2 * x + 1),
        ("-x^2", -(x**2)),
        ("2^3^2", Pow(2, Pow(3, 2))),
        ("x - y - z", (x - y) - z),
        ("x / y / z", (x / y) / z),
        ("sin(x*y) + log(x, 2)", sin(x * y) + log(x, 2)),
        ("+x", x),
        ("1e-3*x", Mul(0.001, x)),
        (".5", Const(0.5)),
    ],
)
def test_parse_builds_the_expected_tree(text, expected):
    assert parse(text) is expected


def test_parse_constants():
    assert evaluate(parse("pi + e")) == pytest.approx(math.pi + math.e)


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("2*x +* 1", 5, "expected a number"),
        ("sin(x", 5, "expected ')'"),
        ("x $ 2", 2, "unexpected character"),
        ("foo(x)", 0, "unknown function 'foo'"),
        ("2 x", 2, "expected an operator"),
        ("", 0, "empty"),
        ("x)", 1, "unexpected ')'"),
        ("sin(x, 2)", 0, "at most 1"),
        ("log(x, y)", 0, "must be a number"),
    ],
)
def test_parse_errors_point_at_the_problem(text, position, fragment):
    with pytest.raises(ParseError, match=re.escape(fragment)) as info:
        parse(text)
    assert info.value.position == position
    assert isinstance(info.value, ValueError)
    assert " " * position + "^" in str(info.value)


def test_parse_rejects_non_strings():
    with pytest.raises(TypeError, match="string"):
        parse(3)


# ----------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("expr", "derivative"),
    [
        (sin(x), np.cos),
        (cos(x), lambda t: -np.sin(t)),
        (tan(x), lambda t: 1 / np.cos(t) ** 2),
        (exp(2 * x), lambda t: 2 * np.exp(2 * t)),
        (log(x), lambda t: 1 / t),
        (log(x, 10), lambda t: 1 / (t * np.log(10))),
        (sqrt(x), lambda t: 0.5 / np.sqrt(t)),
        (x**-2.5, lambda t: -2.5 * t**-3.5),
        (x**x, lambda t: t**t * (np.log(t) + 1)),
        (2**x, lambda t: 2**t * np.log(2)),
        (sigmoid(x), lambda t: np.exp(-t) / (1 + np.exp(-t)) ** 2),
        (tanh(x), lambda t: 1 - np.tanh(t) ** 2),
        (softplus(x), lambda t: 1 / (1 + np.exp(-t))),
        (
            gelu(x),
            lambda t: (
                0.5 * (1 + np.vectorize(math.erf)(t / np.sqrt(2)))
                + t * np.exp(-(t**2) / 2) / np.sqrt(2 * np.pi)
            ),
        ),
        ((x + 1) / (x - 2), lambda t: -3 / (t - 2) ** 2),
    ],
)
def test_each_rule_against_the_analytic_derivative(expr, derivative):
    points = np.array([0.3, 0.9, 1.7])
    np.testing.assert_allclose(
        evaluate(differentiate(expr, x), x=points), derivative(points), rtol=1e-12
    )


def test_partial_derivatives():
    f = x**2 * y + sin(x * y)
    assert str(differentiate(f, "y")) == str(simplify(x**2 + x * cos(x * y)))
    point = {"x": 0.7, "y": -1.3}
    for var, truth in (
        ("x", 2 * 0.7 * -1.3 + -1.3 * math.cos(-0.91)),
        ("y", 0.49 + 0.7 * math.cos(-0.91)),
    ):
        assert evaluate(differentiate(f, var), point) == pytest.approx(truth, rel=1e-14)
    assert differentiate(f, "z") is Const(0)


def test_kinks_follow_pytorchs_conventions():
    torch = pytest.importorskip("torch")
    for expr in (relu(x), sym_abs(x), leaky_relu(x, 0.1)):
        d = evaluate(differentiate(expr, x), x=[-1.0, 0.0, 1.0])
        t = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64, requires_grad=True)
        to_torch(expr)(t).sum().backward()
        np.testing.assert_array_equal(d, t.grad.numpy())
    assert evaluate(differentiate(relu(x), x), x=0.0) == 0.0


def test_order_validation():
    with pytest.raises(ValueError, match="non-negative"):
        differentiate(x**2, "x", -1)
    with pytest.raises(TypeError, match="variable"):
        differentiate(x**2, 3)
    assert differentiate("x^3", "x", 0) is x**3


# ----------------------------------------------------------------------------- against SymPy


def _sympy_reference(sp, mpmath, sympy_expr, names, points):
    """SymPy's derivative at the points: 40-digit truth where float64 can represent it well."""
    symbols_ = [sp.Symbol(n, real=True) for n in names]
    as_float = sp.lambdify(symbols_, sympy_expr, modules=["numpy", "scipy"])
    as_mp = sp.lambdify(symbols_, sympy_expr, modules="mpmath")
    with np.errstate(all="ignore"):
        floats = np.broadcast_to(
            np.asarray(as_float(*[points[n].astype(complex) for n in names]), complex), (3,)
        )
    truth = np.full(3, np.nan)
    for j in range(3):
        try:
            value = as_mp(*[mpmath.mpf(float(points[n][j])) for n in names])
        except (ValueError, ZeroDivisionError, TypeError):
            continue
        if abs(mpmath.im(value)) <= 1e-30 * (1 + abs(value)):
            truth[j] = float(mpmath.re(value))
    # Points where SymPy's own float64 evaluation misses the 40-digit value by more than
    # 1e-10 are ill-conditioned in float64 (cancellation), for any formula: leave them out.
    well = (np.abs(floats.imag) <= 1e-12 * np.abs(floats.real)) & (
        np.abs(floats.real - truth) <= 1e-10 * np.abs(truth)
    )
    return np.where(well, truth, np.nan)


def test_agrees_with_sympy_on_a_thousand_random_expressions():
    sp = pytest.importorskip("sympy")
    import mpmath

    from pydelt_like.symbolic.interop import to_sympy

    mpmath.mp.dps = 40
    rng = np.random.default_rng(0)
    compared, worst = 0, 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(1000):
            expr = random_expression(rng, depth=3)
            names = sorted(expr.free_symbols) or ["x"]
            var = names[0]
            points = {n: rng.uniform(0.3, 2.0, 3) for n in names}
            sympy_expr = to_sympy(expr)
            for order in (1, 2):
                reference_expr = sp.diff(sympy_expr, sp.Symbol(var, real=True), order)
                if reference_expr.has(sp.zoo, sp.nan, sp.oo, sp.DiracDelta):
                    continue
                ours = np.broadcast_to(evaluate(differentiate(expr, var, order), points), (3,))
                reference = _sympy_reference(sp, mpmath, reference_expr, names, points)
                usable = np.isfinite(reference) & np.isfinite(ours)
                if not usable.any():
                    continue
                # Relative error; an exact zero is compared on a scale of 1e-3.
                scale = np.maximum(np.abs(reference[usable]), 1e-3)
                worst = max(worst, float((np.abs(ours[usable] - reference[usable]) / scale).max()))
                compared += 1
    assert compared >= 1500  # derivatives compared (of 2000: some have no real value there)
    assert worst <= 1e-10


def _corpus(n, seed=1):
    rng = np.random.default_rng(seed)
    return [random_expression(rng, depth=3) for _ in range(n)]


def test_simplified_derivatives_are_small():
    sp = pytest.importorskip("sympy")
    from pydelt_like.symbolic.interop import to_sympy

    ratios = []
    for expr in _corpus(100):
        var = sorted(expr.free_symbols or {"x"})[0]
        ours = differentiate(expr, var)
        assert count_nodes(ours) <= count_nodes(derivative_unsimplified(expr, var))
        reference = sp.simplify(sp.diff(to_sympy(expr), sp.Symbol(var, real=True)))
        ratios.append(count_nodes(ours) / max(sum(1 for _ in sp.preorder_traversal(reference)), 1))
    assert np.median(ratios) <= 1.5  # benchmarks/symbolic.py runs the whole 1000


@settings(max_examples=200)
@given(seed=st.integers(0, 2**32 - 1), depth=st.integers(1, 4))
def test_simplify_never_changes_a_defined_value(seed, depth):
    rng = np.random.default_rng(seed)
    expr = random_expression(rng, depth=depth)
    points = {n: rng.uniform(-2.0, 2.0, 6) for n in "xyz"}
    before = np.broadcast_to(evaluate(expr, points), (6,))
    simple = simplify(expr)
    after = np.broadcast_to(evaluate(simple, points), (6,))
    defined = np.isfinite(before)
    assert np.all(np.isfinite(after[defined]))
    np.testing.assert_allclose(after[defined], before[defined], rtol=1e-9, atol=1e-9)
    assert count_nodes(simple) <= count_nodes(expr)
    assert simplify(simple) is simple  # a fixed point


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("x + x", "2*x"),
        ("3*x - x", "2*x"),
        ("x*x", "x^2"),
        ("x^1", "x"),
        ("x^0", "1"),
        ("2*(3*x)", "6*x"),
        ("0*x + 1*y", "y"),
        ("y + x", "x + y"),
        ("x*y - y*x", "0"),
        ("x^2*x^3", "x^5"),
        ("(x^2)^3", "x^6"),
        ("(2*x)^2", "4*x^2"),
        ("log(exp(x))", "x"),
        ("sin(0) + cos(0)", "1"),
        ("x - (x + 1)", "-1"),
        ("sqrt(x)^2", "x"),
    ],
)
def test_simplify_rules(before, after):
    assert str(simplify(parse(before))) == after


# ----------------------------------------------------------------------------- numbers


def test_five_classic_functions_symbolic_vs_numerical():
    classic = [sin(x), exp(x), log(x), x**3 - 2 * x, sqrt(x) * cos(x)]
    for f in classic:
        derivative = to_function(differentiate(f, x))
        for point in (0.5, 1.0, 1.7):
            assert abs(derivative(point) - numerical_derivative(to_function(f), point)) <= 1e-9


def test_numerical_derivative_orders_and_options():
    points = np.array([0.5, 1.0, 1.7])
    np.testing.assert_allclose(numerical_derivative(np.exp, points, 2), np.exp(points), rtol=1e-8)
    np.testing.assert_allclose(numerical_derivative(np.sin, points, 3), -np.cos(points), atol=1e-5)
    plain = numerical_derivative(np.sin, points, richardson=False)
    assert np.abs(plain - np.cos(points)).max() < 1e-9
    assert numerical_derivative(np.sin, 1.0, step=1e-3) == pytest.approx(math.cos(1.0), abs=1e-11)
    assert numerical_derivative(sin(x), 1.0) == pytest.approx(math.cos(1.0), abs=1e-12)
    assert numerical_derivative(np.exp, points, 0).shape == (3,)
    with pytest.raises(ValueError, match="step"):
        numerical_derivative(np.sin, 1.0, step=-1.0)
    with pytest.raises(TypeError, match="callable"):
        numerical_derivative(3.0, 1.0)
    with pytest.raises(ValueError, match="several variables"):
        numerical_derivative(x * y, 1.0)


def test_evaluate_and_compiled_functions():
    f = x * y + sin(z)
    values = {"x": np.array([1.0, 2.0]), "y": 3.0, "z": np.array([[0.0], [np.pi / 2]])}
    expected = np.array([[3.0, 6.0], [4.0, 7.0]])
    np.testing.assert_allclose(evaluate(f, values), expected)
    compiled = to_function(f)
    assert compiled.variables == ["x", "y", "z"]
    np.testing.assert_allclose(compiled(values["x"], 3.0, values["z"]), expected)
    assert isinstance(evaluate(Const(2) * 3), float)
    np.testing.assert_array_equal(to_function(Const(2.0), ["x"])(np.zeros(3)), [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="no value for variable"):
        evaluate(f, x=1.0)
    with pytest.raises(ValueError, match="missing z"):
        to_function(f, ["x", "y"])
    assert np.isnan(evaluate(log(x), x=-1.0))  # outside the domain: NaN, no warning


def test_torch_function_and_autograd_agree_with_the_rules():
    torch = pytest.importorskip("torch")
    w1, w2 = symbols("w1 w2")
    f = sigmoid(w2 * sigmoid(w1 * x))
    values = {"w1": 0.8, "w2": -1.3, "x": 0.6}
    tensors = {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in values.items()
    }
    out = to_torch(f, ["w1", "w2", "x"])(tensors["w1"], tensors["w2"], tensors["x"])
    out.backward()
    assert out.item() == pytest.approx(evaluate(f, values), rel=1e-15)
    for name in ("w1", "w2", "x"):
        symbolic = evaluate(differentiate(f, name), values)
        assert tensors[name].grad.item() == pytest.approx(symbolic, rel=1e-14)


# ----------------------------------------------------------------------------- scale


def test_deep_trees_do_not_recurse():
    expr = x
    for i in range(500):  # 500 levels, no sharing (so the text form stays linear in size)
        expr = sin(expr) * 1.01 + x if i % 2 else tanh(expr) + 0.5 * x
    derivative = differentiate(expr, x)
    value = evaluate(derivative, x=0.3)
    assert math.isfinite(value)
    assert to_function(derivative)(0.3) == pytest.approx(value, rel=1e-12)
    assert value == pytest.approx(numerical_derivative(to_function(expr), 0.3), rel=1e-6)
    text_ok = len(str(expr)) > 1000 and repr(expr).startswith("Add(")
    assert text_ok


def test_shared_subtrees_are_not_recomputed():
    # f <- f*f + f sixty times: a tree of about 2^61 nodes written out, 180 distinct ones.
    f = x
    for _ in range(60):
        f = f * f + f
    big = count_nodes(f) > 2**60
    assert big  # (never let pytest print such an expression: its text is exponential)
    d = derivative_unsimplified(f, x)  # linear in the distinct nodes
    value = evaluate(d, x=1e-3)
    assert math.isfinite(value)
    assert value > 1.0


def test_compiling_shared_trees_costs_only_their_distinct_nodes():
    f = x
    for _ in range(40):
        f = f * f + sin(f)
    compiled = to_function(f)  # must not write the (exponentially long) text out
    assert "nodes" in compiled.__doc__
    torch = pytest.importorskip("torch")
    value = to_torch(f)(torch.tensor(0.01, dtype=torch.float64)).item()
    assert value == pytest.approx(compiled(0.01), rel=1e-12)


def test_torch_functions_backpropagate_through_kinks():
    torch = pytest.importorskip("torch")
    t = torch.tensor([-1.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    d = differentiate(relu(x) * x, "x")  # 2x for x > 0, else 0: contains step(x)
    to_torch(d)(t).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [0.0, 2.0, 2.0])
    assert to_torch(Const(0.5), ["x"])(torch.tensor([1, 2])).dtype == torch.float64


def test_non_finite_constants_compile():
    assert to_function(parse("1e999*x"))(1.0) == math.inf
    with pytest.raises(ValueError, match="base"):
        log(x, math.inf)


def test_parse_rejects_non_ascii_names_with_a_position():
    with pytest.raises(ParseError) as info:
        parse("x² + 1")
    assert info.value.position == 1


def test_numerical_derivative_adapts_its_step():
    assert numerical_derivative(np.sin, 1000.0) == pytest.approx(math.cos(1000.0), abs=1e-8)
    assert numerical_derivative(lambda t: 1 / t, 1e-3) == pytest.approx(-1e6, rel=1e-7)
    assert numerical_derivative(np.log, 1e-4) == pytest.approx(1e4, rel=1e-7)
    assert numerical_derivative(math.sin, 0.5) == pytest.approx(math.cos(0.5), abs=1e-12)
    assert numerical_derivative(parse("2"), 1.0) == 0.0
    np.testing.assert_array_equal(numerical_derivative(lambda t: 3.0, [1.0, 2.0], 0), [3.0, 3.0])
