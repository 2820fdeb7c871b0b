"""numerical_derivative: accuracy against analytic derivatives, and hostile input refused."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pydelt_like.numeric import MAX_ORDER, numerical_derivative
from pydelt_like.symbolic import parse, sin, symbols

x, y = symbols("x y")


def longer(t):
    return np.zeros(np.size(t) + 1)  # a user callable returning one value too many


# ----------------------------------------------------------------------------- accuracy


def test_orders_and_options():
    points = np.array([0.5, 1.0, 1.7])
    np.testing.assert_allclose(numerical_derivative(np.exp, points, 2), np.exp(points), rtol=1e-8)
    np.testing.assert_allclose(numerical_derivative(np.sin, points, 3), -np.cos(points), atol=1e-5)
    np.testing.assert_allclose(numerical_derivative(np.exp, points, 4), np.exp(points), rtol=1e-4)
    plain = numerical_derivative(np.sin, points, richardson=False)
    assert np.abs(plain - np.cos(points)).max() < 1e-9
    assert numerical_derivative(np.sin, 1.0, step=1e-3) == pytest.approx(math.cos(1.0), abs=1e-11)
    assert numerical_derivative(sin(x), 1.0) == pytest.approx(math.cos(1.0), abs=1e-12)
    assert numerical_derivative(parse("x^3"), 2.0) == pytest.approx(12.0, rel=1e-12)
    assert numerical_derivative(np.exp, points, 0).shape == (3,)
    assert numerical_derivative(np.sin, [[0.0, 1.0]]).shape == (1, 2)
    assert numerical_derivative(np.sin, []).shape == (0,)


def test_adapts_its_step():
    assert numerical_derivative(np.sin, 1000.0) == pytest.approx(math.cos(1000.0), abs=1e-8)
    assert numerical_derivative(lambda t: 1 / t, 1e-3) == pytest.approx(-1e6, rel=1e-7)
    assert numerical_derivative(np.log, 1e-4) == pytest.approx(1e4, rel=1e-7)
    assert numerical_derivative(math.sin, 0.5) == pytest.approx(math.cos(0.5), abs=1e-12)
    assert numerical_derivative(parse("2"), 1.0) == 0.0
    np.testing.assert_array_equal(numerical_derivative(lambda t: 3.0, [1.0, 2.0], 0), [3.0, 3.0])


def _family(kind, a, c):
    """(f, its n-th derivative, the derivative's amplitude) for a family with known derivatives."""
    if kind == "sin":
        return (
            lambda t: np.sin(a * t + c),
            lambda t, n: a**n * np.sin(a * t + c + n * np.pi / 2),
            lambda t, n: abs(a) ** n,
        )
    if kind == "exp":
        return (
            lambda t: np.exp(a * t),
            lambda t, n: a**n * np.exp(a * t),
            lambda t, n: abs(a**n * np.exp(a * t)),
        )
    if kind == "log":
        return (
            np.log,
            lambda t, n: (-1) ** (n - 1) * math.factorial(n - 1) / t**n,
            lambda t, n: math.factorial(n - 1) / abs(t) ** n,
        )
    return (
        lambda t: 1 / t,
        lambda t, n: (-1) ** n * math.factorial(n) / t ** (n + 1),
        lambda t, n: math.factorial(n) / abs(t) ** (n + 1),
    )


# Worst relative errors measured on 4,000 random draws were 1e-7, 3e-7, 1e-5 and 2e-4.
_BOUND = {1: 1e-6, 2: 1e-5, 3: 1e-4, 4: 2e-3}


@given(
    kind=st.sampled_from(["sin", "exp", "log", "inv"]),
    order=st.integers(1, MAX_ORDER),
    log_a=st.floats(-1.0, 1.7),
    c=st.floats(0.0, 6.3),
    log_t=st.floats(-4.0, 5.0),
    sign=st.sampled_from([-1.0, 1.0]),
)
# Far from 0, where the default step is many periods long (before: 130 % and 98 % off).
@example(kind="sin", order=1, log_a=0.0, c=0.0, log_t=5.0, sign=1.0)
@example(kind="sin", order=2, log_a=math.log10(50), c=0.0, log_t=3.0, sign=1.0)
# Near a zero of f at a high order, where round-off took over (before: 360 % off at order 6).
@example(kind="sin", order=4, log_a=math.log10(1.2), c=3.23, log_t=-1.0, sign=-1.0)
def test_accuracy_across_scales_and_orders(kind, order, log_a, c, log_t, sign):
    a = 10.0**log_a if kind == "sin" else (log_a + 1.0) * 1.1 * sign  # exp: a in [-3, 3]
    t = sign * 10.0**log_t if kind == "sin" else 10.0**log_t
    if kind == "exp":
        t = sign * min(t, 20.0)
    f, derivative, amplitude = _family(kind, a, c)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a smooth, well-scaled function must be resolved
        estimate = numerical_derivative(f, t, order)
    # Relative to the derivative's amplitude, or to |f| / scale^n where that is larger
    # (a derivative far below |f| cannot be resolved to more digits than f carries).
    scale = max(amplitude(t, order), abs(f(t)) / max(1.0, abs(t)) ** order)
    assert abs(estimate - derivative(t, order)) <= _BOUND[order] * scale


def test_zero_derivatives_come_out_as_zeros_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for order in range(1, MAX_ORDER + 1):
            assert numerical_derivative(lambda t: 0 * t + 3.0, [1.0, 1e300], order).tolist() == [
                0.0,
                0.0,
            ]
            assert (
                abs(numerical_derivative(np.cos, 0.0, order) - math.cos(order * np.pi / 2)) < 1e-6
            )
        assert abs(numerical_derivative(np.sin, np.pi / 2)) < 1e-12


# ----------------------------------------------------------------------------- unresolvable points


def test_points_no_step_resolves_give_nan_and_a_warning():
    # sin at 1e308: adjacent floats are 1e292 apart; no step sees it vary smoothly.
    with pytest.warns(RuntimeWarning, match=r"no step resolves f at 1 point.*x=1e\+308"):
        out = numerical_derivative(np.sin, [1e308, 1.0])
    assert np.isnan(out[0]) and out[1] == pytest.approx(math.cos(1.0), abs=1e-12)
    with pytest.warns(RuntimeWarning, match="not differentiable"):
        assert np.isnan(numerical_derivative(np.sign, 0.0))
    with pytest.warns(RuntimeWarning, match="not finite"):
        assert np.isnan(numerical_derivative(np.log, -1.0))
    with pytest.warns(RuntimeWarning, match="not finite"):
        assert np.isnan(numerical_derivative(np.exp, 1000.0))  # exp overflows there
    with pytest.warns(RuntimeWarning, match="step 1e\\+200"):
        numerical_derivative(np.square, 1.0, 2, step=1e200)  # f overflows at x + step
    # NaN in, NaN out, without a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(numerical_derivative(np.sin, np.nan))


# ----------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    ("f", "points", "order", "shape"),
    [
        (longer, [1.0, 2.0], 1, "(3,)"),
        (longer, 1.0, 0, "(2,)"),
        (lambda t: np.zeros((np.size(t), 2)), [1.0, 2.0], 1, "(2, 2)"),
        (lambda t: [1.0, 2.0, 3.0], 1.0, 2, "(3,)"),
    ],
)
def test_callables_returning_the_wrong_shape_are_named(f, points, order, shape):
    with pytest.raises(ValueError, match=rf"f returned an array of shape {re.escape(shape)}"):
        numerical_derivative(f, points, order)


def test_callables_returning_other_things():
    with pytest.raises(TypeError, match="output of f"):
        numerical_derivative(lambda t: "a", [1.0, 2.0])
    with pytest.raises(TypeError, match="output of f"):
        numerical_derivative(lambda t: {"a": 1}, [1.0])
    with pytest.raises(TypeError, match="output of f contains complex"):
        numerical_derivative(lambda t: t * 1j, [1.0])

    def scalar_only(t):  # a function of floats returning arrays: found point by point
        return np.array([float(t), 1.0])

    with pytest.raises(ValueError, match="for a single point"):
        numerical_derivative(scalar_only, [1.0, 2.0])


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"order": 10**9}, ValueError, "up to order 4"),
        ({"order": MAX_ORDER + 1}, ValueError, "up to order 4"),
        ({"order": -1}, ValueError, "non-negative"),
        ({"order": 1.5}, TypeError, "integer"),
        ({"order": True}, TypeError, "integer"),
        ({"step": "a"}, TypeError, "step must be a real number"),
        ({"step": np.nan}, ValueError, "step must be a finite number"),
        ({"step": np.inf}, ValueError, "step must be a finite number"),
        ({"step": 0.0}, ValueError, "step must be > 0"),
        ({"step": -1.0}, ValueError, "step must be > 0"),
        ({"step": 1e-300}, ValueError, "below the spacing of floats"),
        ({"step": [1e-3]}, TypeError, "step"),
        ({"richardson": "no"}, TypeError, "richardson must be True or False"),
    ],
)
def test_bad_options(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        numerical_derivative(np.sin, [1.0, 2.0], **kwargs)


def test_bad_functions_and_points():
    with pytest.raises(TypeError, match="callable"):
        numerical_derivative(3.0, 1.0)
    with pytest.raises(ValueError, match="several variables"):
        numerical_derivative(x * y, 1.0)
    with pytest.raises(TypeError, match="x"):
        numerical_derivative(np.sin, "abc")
    with pytest.raises(ValueError, match="largest float"):
        numerical_derivative(np.sin, np.finfo(float).max)  # the stencil would leave float64


def test_input_is_not_mutated():
    points = np.array([0.5, 1.0])
    numerical_derivative(np.sin, points, 2)
    np.testing.assert_array_equal(points, [0.5, 1.0])
