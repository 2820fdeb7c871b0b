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


# ----------------------------------------------------------------------------- hostile input


def longer(t):
    return np.zeros(np.size(t) + 1)  # a user callable returning one value too many


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"domain": (0, 1), "n_points": -5}, ValueError, "n_points must be at least 1"),
        ({"domain": (0, 1), "n_points": 1.5}, TypeError, "n_points must be an integer"),
        ({"domain": (0, 1), "n_points": 10**10}, ValueError, "n_points must be at most 10000"),
        ({"domain": (0, 1), "n_points": True}, TypeError, "n_points"),
        ({"at": 1.0, "n_samples": 10**10}, ValueError, "n_samples must be at most 100000"),
        ({"at": 1.0, "n_samples": 3}, ValueError, "n_samples must be at least 10"),
        ({"at": 1.0, "rtol": "a"}, TypeError, "rtol"),
        ({"at": 1.0, "atol": np.nan}, ValueError, "atol must be a finite number"),
        ({"at": 1.0, "rtol": -1.0}, ValueError, "rtol must be >= 0"),
        ({"at": 1.0, "spline": "yes"}, TypeError, "spline must be True or False"),
        ({"domain": 5}, TypeError, "domain must be a pair"),
        ({"domain": (1, 2, 3)}, TypeError, "domain must be a pair"),
        ({"domain": "ab"}, TypeError, "domain must be a pair"),
        ({"domain": (0, "a")}, TypeError, r"domain\[1\]"),
        ({"domain": (0, np.inf)}, ValueError, r"domain\[1\] must be a finite number"),
        ({"domain": (1.0, 1.0 + 1e-15)}, ValueError, "too narrow"),
        ({"at": np.ones(10_001)}, ValueError, "more than the 10,000"),
        ({"at": [1.0, np.nan]}, ValueError, "finite"),
        ({"at": "abc"}, TypeError, "at"),
    ],
)
def test_bad_options_get_the_packages_errors(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        check_derivative("sin(x)", "cos(x)", **kwargs)


@pytest.mark.parametrize(
    ("f", "df", "error", "fragment"),
    [
        (longer, np.cos, ValueError, r"f returned an array of shape \(3,\) for input of shape"),
        (np.sin, longer, ValueError, r"df_hand returned an array of shape \(3,\)"),
        (lambda t: np.zeros((np.size(t), 2)), np.cos, ValueError, r"shape \(2, 2\)"),
        (np.sin, lambda t: "a", TypeError, "output of df_hand"),
        (lambda t: None, np.cos, TypeError, "output of f"),
        (np.sin, lambda t: t * 1j, TypeError, "complex"),
    ],
)
def test_callables_returning_the_wrong_thing_are_named(f, df, error, fragment):
    with pytest.raises(error, match=fragment):
        check_derivative(f, df, at=[1.0, 2.0])


def test_scalar_only_and_constant_callables_work():
    import math

    assert check_derivative(math.sin, math.cos, at=[0.5, 1.0]).ok
    assert check_derivative(lambda t: 2.0, lambda t: 0.0, at=[0.5, 1.0], spline=False).ok


def test_extreme_domains_and_scales():
    # The fuzz finding: domain=(0, 1e308) crashed inside the spline fit.
    result = check_derivative("sin(x/1e307)", "cos(x/1e307)/1e307", domain=(0, 1e308), n_points=3)
    np.testing.assert_allclose(result.points, [2.5e307, 5e307, 7.5e307])
    assert result.ok
    np.testing.assert_allclose(result.spline, result.symbolic, rtol=1e-5)
    both = check_derivative("x/1e10", "1e-10", domain=(-1e308, 1e308), n_points=3)
    np.testing.assert_allclose(both.points, [-5e307, 0.0, 5e307])
    assert both.ok
    # Values near 1e-300 on a scale near 1e300: the spline is fitted in standard units.
    tiny = check_derivative(lambda t: (t * 1e-300) ** 2, lambda t: 2e-600 * t, at=[1e300, 2e300])
    assert tiny.ok
    np.testing.assert_allclose(tiny.spline, [2e-300, 4e-300], rtol=1e-5)


def test_unresolvable_points_become_notes_not_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = check_derivative(np.sin, np.cos, at=[1e308, 1.0])
        fast = check_derivative("sin(100*x)", "100*cos(100*x)", domain=(0, 30), n_points=3)
    assert np.isnan(result.numeric[0]) and not result.ok
    np.testing.assert_array_equal(result.failures, [1e308])
    assert any("no step resolves f" in note for note in result.notes)
    assert fast.ok  # the verdict uses the symbolic derivative
    assert any("do not resolve f" in note for note in fast.notes)  # 400 samples, 477 periods
