"""check_derivative: never a lucky pass, proofs where possible, 'undefined' is not 'wrong'."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from pydelt_like.symbolic import parse
from pydelt_like.verify import check_derivative

# ----------------------------------------------------------------------------- the cases


def test_the_chain_rule_mistake_is_flagged_even_at_the_point_where_it_agrees():
    # cos(x^2) and 2x cos(x^2) agree at x = 0.5 (2x = 1): the random points catch it.
    result = check_derivative("sin(x^2)", "cos(x^2)", at=0.5)
    assert result.verdict == "wrong" and not result.ok and not result.proved
    assert result.status[0] == "agrees"  # the given point, reported as such
    assert result.given.tolist() == [True] + [False] * 16
    assert 0.5 not in result.failures["x"]
    x = result.failures["x"]
    assert x.size >= 10  # every random point but those where 2x happens to be near 1
    np.testing.assert_allclose(
        result.reference[1:], 2 * result.points["x"][1:] * np.cos(result.points["x"][1:] ** 2)
    )
    assert "WRONG" in str(result) and "differs at x = " in str(result)


def test_a_right_answer_is_proved_and_checked_at_random_points():
    result = check_derivative("sin(x^2)", "2x cos(x^2)")
    assert result.ok and result.proved and result.verdict == "correct"
    assert result.points["x"].size == 16 and not result.given.any()
    text = str(result)
    assert "proved equal by simplification" in text and "16 random points" in text
    # The same seed draws the same points; another seed other points.
    again = check_derivative("sin(x^2)", "2x cos(x^2)")
    np.testing.assert_array_equal(again.points["x"], result.points["x"])
    other = check_derivative("sin(x^2)", "2x cos(x^2)", random_state=1)
    assert not np.array_equal(other.points["x"], result.points["x"])


def test_points_outside_the_domain_are_undefined_not_wrong():
    result = check_derivative("ln(sin x)", "cot x", at=[-1.0, 1.0])
    assert result.ok
    assert result.status[:2] == ("undefined: f", "agrees")
    assert "undefined at x = -1 (f is not defined there)" in str(result)
    # Random points are drawn where f is defined only: sin(x) > 0.
    assert np.all(np.sin(result.points["x"][2:]) > 0)


def test_an_answer_undefined_where_the_derivative_is_defined_is_wrong():
    # 2 sqrt(x)^2 equals 2x only for x >= 0; the derivative of x^2 is defined everywhere.
    result = check_derivative("x^2", "2 sqrt(x)^2")
    assert result.verdict == "wrong"
    assert "undefined: yours" in result.status
    assert np.all(result.failures["x"] < 0)


def test_no_point_where_f_is_defined():
    result = check_derivative("log(-x^2 - 1)", "0")
    assert result.verdict == "undefined" and not result.ok
    assert result.points["x"].size == 0
    assert "no point found where f is defined" in str(result)


def test_a_domain_away_from_the_default_box_is_found():
    result = check_derivative("log(x - 10)", "1/(x - 10)")
    assert result.ok and np.all(result.points["x"] > 10)


def test_wrong_answers_that_agree_on_half_the_line_are_caught():
    assert check_derivative("|x|", "1").verdict == "wrong"  # right for x > 0 only
    assert check_derivative("relu(x)", "1").verdict == "wrong"
    assert check_derivative("|x|", "sign(x)").ok
    assert check_derivative("ln|x|", "1/|x|").verdict == "wrong"


def test_tiny_functions_are_not_passed_by_an_absolute_tolerance():
    assert check_derivative("1e-12 sin(x)", "1e-12 cos(x^2)").verdict == "wrong"
    assert check_derivative("1e-12 sin(x)", "1e-12 cos(x)").ok


# ----------------------------------------------------------------------------- several variables


def test_the_backpropagation_exercise_in_one_call():
    f = "σ(w₂·σ(w₁x))"
    hand = "σ(w2 σ(w1 x))(1 - σ(w2 σ(w1 x))) w2 σ(w1 x)(1 - σ(w1 x)) x"
    result = check_derivative(f, hand, wrt="w1")
    assert result.ok and result.proved
    assert result.variables == ("w1", "w2", "x")
    forgot_x = hand[: -len(" x")]
    assert check_derivative(
        f, forgot_x, wrt="w1", at={"w1": 0.8, "w2": -1.3, "x": 1.0}
    ).verdict == ("wrong")


def test_other_variables_can_be_fixed_or_ranged():
    result = check_derivative("x^2 y", "2xy", wrt="x", domain={"y": 2.0, "x": (0, 1)})
    assert result.ok
    assert np.all(result.points["y"] == 2.0)
    assert np.all((result.points["x"] >= 0) & (result.points["x"] <= 1))


def test_mixed_partials_and_orders():
    assert check_derivative("x^3 y + x y^3", "3x^2 + 3y^2", wrt=["x", "y"]).proved
    assert check_derivative("x^3 y^2", "12xy", wrt=["x", "x", "y"]).ok
    assert check_derivative("x^3", "6x", order=2).proved
    assert check_derivative("x^3", "6", order=2).verdict == "wrong"
    assert check_derivative("e^x sin x", "-4e^x sin x", order=4).ok


def test_at_as_a_dict_broadcasts():
    result = check_derivative("x y", "y", wrt="x", at={"x": [1.0, 2.0, 3.0], "y": 2.0})
    assert result.ok
    np.testing.assert_array_equal(result.points["y"][:3], [2.0, 2.0, 2.0])


# ----------------------------------------------------------------------------- implicit curves


def test_implicit_differentiation_on_the_circle():
    assert check_derivative("x^2 + y^2 = 25", "-x/y").proved
    wrong = check_derivative("x^2 + y^2 = 25", "x/y", at={"x": 0.0, "y": 5.0})
    assert wrong.verdict == "wrong" and wrong.status[0] == "agrees"  # agrees at (0, 5) only
    points = check_derivative("x^2 + y^2 = 25", "-x/y").points
    np.testing.assert_allclose(points["x"] ** 2 + points["y"] ** 2, 25.0, rtol=1e-12)
    # Second and third derivatives, in any form equal on the curve (proved modulo it).
    for hand in ("-25/y^3", "-(x^2 + y^2)/y^3", "-(1 + y'^2)/y"):
        assert check_derivative("x^2 + y^2 = 25", hand, order=2).proved, hand
    assert check_derivative("x^2 + y^2 = 25", "-1/y^3", order=2).verdict == "wrong"
    assert check_derivative("x^2 + y^2 = 25", "-75x/y^5", order=3).ok


def test_points_off_the_curve_are_undefined():
    result = check_derivative("x^2 + y^2 = 25", "-x/y", at={"x": 1.0, "y": 1.0})
    assert result.ok and result.status[0] == "undefined: not on the curve"


def test_an_answer_right_on_one_branch_only():
    # -x/sqrt(25 - x^2) is dy/dx on the upper half of the circle only.
    assert check_derivative("x^2 + y^2 = 25", "-x/sqrt(25 - x^2)").verdict == "wrong"
    assert check_derivative("x^2 + y^2 = 25", "-x/sqrt(25 - x^2)", domain={"y": (0, 6)}).ok


def test_answers_written_as_equations_use_the_right_side():
    assert check_derivative("x^2 + y^2 = 25", "dy/dx = -x/y").ok
    assert check_derivative("sin x", "f'(x) = cos x").ok


def test_the_forms_of_an_implicit_problem():
    assert check_derivative("x^2 + y(x)^2 = 25", "-x/y(x)").ok
    assert check_derivative("x^2 + y^2 - 25", "-x/y", dependent="y").ok
    assert check_derivative("y = x^2 sin x", "2x sin x + x^2 cos x").ok
    assert check_derivative("f(x) = x^2 sin x", "2x sin x + x^2 cos x").proved
    assert check_derivative("x^2 + y^2 + z^2 = 1", "-x/z", dependent="z").ok


# ----------------------------------------------------------------------------- callables


def test_callables_use_central_differences():
    result = check_derivative(np.sin, np.cos)
    assert result.ok and result.reference_kind == "numeric" and not result.proved
    assert check_derivative(np.sin, lambda t: -np.cos(t), at=np.pi / 2).verdict == "wrong"
    assert check_derivative(np.exp, np.exp, order=2).ok
    assert check_derivative(math.sin, math.cos, at=[0.5, 1.0]).ok  # scalar-only callables
    assert check_derivative(lambda t: 2.0, lambda t: 0.0, spline=False).ok


def test_expressions_and_callables_mix():
    assert check_derivative(parse("x*exp(x)"), lambda t: (1 + t) * np.exp(t), at=2.0).ok


def test_the_spline_column_is_what_data_would_give():
    result = check_derivative("x^3 - 3x^2 + 2x - 1", "3x^2 - 6x + 2", domain=(-2.0, 3.0))
    np.testing.assert_allclose(result.spline, result.reference, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(result.numeric, result.reference, rtol=1e-9, atol=1e-9)
    # Where f is undefined on part of the span, the spline is fitted where it is defined.
    partial = check_derivative("log(sin(x))", "cot(x)", at=[-1.0, 1.0])
    assert np.isnan(partial.spline[0]) and partial.spline[1] == pytest.approx(1 / np.tan(1.0))
    assert check_derivative("x^2 y", "2xy", wrt="x").spline is None  # one variable only


# ----------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"n_points": -5}, ValueError, "n_points must be at least 1"),
        ({"n_points": 1.5}, TypeError, "n_points must be an integer"),
        ({"n_points": 10**10}, ValueError, "n_points must be at most 10000"),
        ({"n_points": True}, TypeError, "n_points"),
        ({"n_samples": 10**10}, ValueError, "n_samples must be at most 100000"),
        ({"n_samples": 3}, ValueError, "n_samples must be at least 10"),
        ({"rtol": "a"}, TypeError, "rtol"),
        ({"atol": np.nan}, ValueError, "atol must be a finite number"),
        ({"rtol": -1.0}, ValueError, "rtol must be >= 0"),
        ({"spline": "yes"}, TypeError, "spline must be True or False"),
        ({"random_state": -1}, ValueError, "random_state"),
        ({"domain": 5}, TypeError, "domain must be a pair"),
        ({"domain": (1, 2, 3)}, TypeError, "domain must be a pair"),
        ({"domain": "ab"}, TypeError, "domain must be a pair"),
        ({"domain": (0, "a")}, TypeError, r"domain\['x'\]\[1\]"),
        ({"domain": (0, np.inf)}, ValueError, "must be a finite number"),
        ({"domain": (1, 0)}, ValueError, "a < b"),
        ({"at": np.ones(10_001)}, ValueError, "more than the 10,000"),
        ({"at": [1.0, np.nan]}, ValueError, "finite"),
        ({"at": []}, ValueError, "not empty"),
        ({"at": "abc"}, TypeError, "at"),
        ({"at": {"y": 1.0}}, ValueError, "missing x"),
        ({"order": 0}, ValueError, "order must be at least 1"),
        ({"order": 1001}, ValueError, "order must be at most 1000"),
        ({"wrt": 3}, TypeError, "wrt"),
        ({"wrt": ["x", "x"], "order": 2}, ValueError, "order applies to one variable"),
        ({"dependent": "y"}, ValueError, "does not involve y"),
    ],
)
def test_bad_options_get_the_packages_errors(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        check_derivative("sin(x)", "cos(x)", **kwargs)


def test_bad_functions_and_answers():
    with pytest.raises(ValueError, match="pass wrt="):
        check_derivative("x*y", "y")
    with pytest.raises(ValueError, match="pass at as a dict"):
        check_derivative("x*y", "y", wrt="x", at=1.0)
    with pytest.raises(ValueError, match="'cosx' looks like cos\\(x\\)") as info:
        check_derivative("sin(x)", "cosx", wrt="x", at={"x": 1.0, "cosx": 1.0})
    assert "parentheses" in str(info.value)
    with pytest.raises(ValueError, match="your answer uses z"):
        check_derivative("sin(x)", "z cos(x)")
    with pytest.raises(TypeError, match="callable"):
        check_derivative(3.0j, "2*x")
    with pytest.raises(TypeError, match="expression or its text"):
        check_derivative("x*y", lambda t: t, wrt="x")
    with pytest.raises(ValueError, match="ambiguous"):
        check_derivative("x^2", "1/2x")


def longer(t):
    return np.zeros(np.size(t) + 1)  # a user callable returning one value too many


@pytest.mark.parametrize(
    ("f", "df", "error", "fragment"),
    [
        (longer, np.cos, ValueError, r"f returned an array of shape \(\d+,\) for input of shape"),
        (np.sin, longer, ValueError, r"df_hand returned an array of shape \(\d+,\) for input"),
        (lambda t: np.zeros((np.size(t), 2)), np.cos, ValueError, r"shape \(\d+, 2\)"),
        (np.sin, lambda t: "a", TypeError, "output of df_hand"),
        (lambda t: None, np.cos, TypeError, "output of f"),
        (np.sin, lambda t: t * 1j, TypeError, "complex"),
    ],
)
def test_callables_returning_the_wrong_thing_are_named(f, df, error, fragment):
    with pytest.raises(error, match=fragment):
        check_derivative(f, df, at=[1.0, 2.0])


def test_extreme_domains_and_scales():
    # The fuzz finding: domain=(0, 1e308) crashed inside the spline fit.
    result = check_derivative("sin(x/1e307)", "cos(x/1e307)/1e307", domain=(0, 1e308), n_points=3)
    assert result.ok and np.all(result.points["x"] > 0)
    np.testing.assert_allclose(result.spline, result.reference, rtol=1e-5)
    assert check_derivative("x/1e10", "1e-10", domain=(-1e308, 1e308), n_points=3).ok
    # Values near 1e-300 on a scale near 1e300: the spline is fitted in standard units.
    tiny = check_derivative(
        lambda t: (t * 1e-300) ** 2,
        lambda t: 2 * (t * 1e-300) * 1e-300,
        domain=(1e300, 2e300),
    )
    assert tiny.ok
    np.testing.assert_allclose(tiny.spline, tiny.reference, rtol=1e-5)


def test_unresolvable_points_become_notes_not_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = check_derivative(np.sin, np.cos, at=[1e308, 1.0])
        fast = check_derivative("sin(100*x)", "100*cos(100*x)", domain=(0, 30), n_points=3)
    assert np.isnan(result.reference[0])
    assert result.status[0] == "undefined: derivative" and result.ok
    assert any("no step resolves f" in note for note in result.notes)
    assert fast.ok  # the verdict uses the symbolic derivative
    assert any("do not resolve f" in note for note in fast.notes)  # 400 samples, 477 periods
