"""check_derivative: right derivatives pass, wrong ones are caught where they fail."""

from __future__ import annotations

import numpy as np
import pytest

from pydelt_like.symbolic import parse
from pydelt_like.verify import check_derivative


def test_the_classic_chain_rule_mistake_is_flagged_where_it_fails():
    result = check_derivative("sin(x^2)", "cos(x^2)", at=[0.5, 1.0, 1.7])
    assert not result.ok
    assert result.reference == "symbolic"
    # cos(x^2) vs 2x cos(x^2): equal only where 2x = 1.
    np.testing.assert_array_equal(result.failures, [1.0, 1.7])
    assert result.max_error == pytest.approx(abs(np.cos(1.7**2) - 2 * 1.7 * np.cos(1.7**2)))
    text = str(result)
    assert "WRONG" in text and "fails at x = 1, 1.7" in text


@pytest.mark.parametrize(
    ("f", "df", "domain"),
    [
        ("x^3 - 3*x^2 + 2*x - 1", "3*x^2 - 6*x + 2", (-2.0, 3.0)),
        ("exp(x^2)", "2*x*exp(x^2)", (-1.5, 1.5)),
        ("log(sin(x))", "cos(x)/sin(x)", (0.2, 3.0)),
    ],
)
def test_the_exercises_pass_with_all_three_references(f, df, domain):
    result = check_derivative(f, df, domain=domain)
    assert result.ok, str(result)
    truth = result.symbolic
    np.testing.assert_allclose(result.numeric, truth, rtol=1e-9, atol=1e-9)
    # The spline sees only 400 samples of f, as data would give them.
    np.testing.assert_allclose(result.spline, truth, rtol=1e-5, atol=1e-5)
    assert "CORRECT" in str(result)


def test_callables_use_the_numerical_reference():
    result = check_derivative(np.sin, np.cos, at=np.linspace(0, 3, 5))
    assert result.ok and result.reference == "numeric" and result.symbolic is None
    wrong = check_derivative(np.sin, lambda t: -np.cos(t), at=[0.3, np.pi / 2])
    assert not wrong.ok
    np.testing.assert_allclose(wrong.failures, [0.3])  # cos(pi/2) = 0 = -cos(pi/2)


def test_expressions_and_mixed_inputs():
    result = check_derivative(parse("x*exp(x)"), lambda t: (1 + t) * np.exp(t), at=2.0)
    assert result.ok and result.points.shape == (1,)


def test_spline_is_skipped_where_f_is_undefined():
    result = check_derivative("sqrt(x)", "0.5/sqrt(x)", at=[0.01, 1.0])
    assert result.ok
    assert result.spline is None
    assert any("spline skipped" in note for note in result.notes)


def test_bad_arguments():
    with pytest.raises(ValueError, match="exactly one"):
        check_derivative("x^2", "2*x")
    with pytest.raises(ValueError, match="one variable"):
        check_derivative("x*y", "y", at=1.0)
    with pytest.raises(ValueError, match="a < b"):
        check_derivative("x^2", "2*x", domain=(1, 0))
    with pytest.raises(TypeError, match="callable"):
        check_derivative(3.0, "2*x", at=1.0)


def test_points_where_f_is_undefined_never_pass():
    result = check_derivative("log(x)", "1/x", at=[-1.0, 1.0])
    assert not result.ok
    np.testing.assert_array_equal(result.failures, [-1.0])
    assert any("undefined at x = -1" in note for note in result.notes)


def test_far_from_zero_and_constant_functions():
    result = check_derivative(np.sin, np.cos, at=[1000.0])
    assert result.ok
    assert result.spline[0] == pytest.approx(np.cos(1000.0), abs=1e-4)
    assert check_derivative(lambda t: 1.0, lambda t: 0.0, at=[1.0, 2.0]).ok
