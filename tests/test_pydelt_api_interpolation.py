"""pydelt_like.interpolation: PyDelt's constructors, window functions, masks and links."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import pydelt_like
from pydelt_like import NotFittedError
from pydelt_like.interpolation import (
    SplineInterpolator,
    calculate_fit_quality,
    local_segmented_linear,
    spline_interpolation,
)
from pydelt_like.stochastic import GammaLink, LogNormalLink
from pydelt_like.testing import interpolator_checks

T = np.linspace(0, 2 * np.pi, 100)


def test_not_fitted_error_is_also_a_runtime_error():
    assert issubclass(NotFittedError, RuntimeError)
    with pytest.raises(RuntimeError, match="must be fit"):
        SplineInterpolator().differentiate(1)
    with pytest.raises(RuntimeError, match="not fitted"):
        pydelt_like.SplineInterpolator().predict(0.5)


def test_positional_pydelt_constructor_and_none_smoothing():
    spline = SplineInterpolator(0.01, 4)
    assert (spline.smoothing, spline.k) == (0.01, 4)
    auto = SplineInterpolator().fit(T, np.sin(T))
    assert auto.smoothing is None  # stored as given; fitted as 'auto'
    assert auto.differentiate(1)(1.0) == pytest.approx(np.cos(1.0), abs=1e-6)
    reference = pydelt_like.SplineInterpolator().fit(T, np.sin(T))
    np.testing.assert_array_equal(auto(T), reference(T))
    assert repr(SplineInterpolator(0.5)) == "SplineInterpolator(smoothing=0.5)"
    assert isinstance(auto, pydelt_like.SplineInterpolator)


def test_order_zero_is_the_fit_and_negative_orders_raise():
    spline = SplineInterpolator().fit(T, np.sin(T))
    np.testing.assert_array_equal(spline.differentiate(0)(T), spline(T))
    with pytest.raises(ValueError):
        spline.differentiate(-1)
    with pytest.raises(ValueError, match="degree"):
        spline.differentiate(6)


def test_window_tapers_the_signal_as_pydelt_defines_it():
    """The fit is w(t) * sin(t); np.hanning over one period is (1 - cos t) / 2."""
    spline = SplineInterpolator().fit(T, np.sin(T), window_func=np.hanning)
    taper = (1 - np.cos(T)) / 2
    truth = np.cos(T) * taper + np.sin(T) * np.sin(T) / 2
    np.testing.assert_allclose(spline.differentiate(1)(T), truth, atol=1e-6)
    normalized = spline.differentiate(1, normalize_by_observations=True)(T)
    np.testing.assert_allclose(normalized, truth / 100, atol=1e-8)
    assert spline.window_func is np.hanning
    np.testing.assert_array_equal(spline.window_weights, np.hanning(100))
    assert spline.n_observations == 100


def test_window_follows_sorted_time_and_leaves_inputs_alone():
    rng = np.random.default_rng(0)
    order = rng.permutation(T.size)
    t, s = T[order], np.sin(T)[order]
    t_copy, s_copy = t.copy(), s.copy()
    shuffled = SplineInterpolator().fit(t, s, window_func=np.hamming)
    ordered = SplineInterpolator().fit(T, np.sin(T), window_func=np.hamming)
    np.testing.assert_allclose(shuffled(T), ordered(T), atol=1e-12)
    np.testing.assert_array_equal(t, t_copy)
    np.testing.assert_array_equal(s, s_copy)


def test_without_window_and_multivariate_signal():
    spline = SplineInterpolator().fit(T, np.sin(T))
    assert spline.window_func is None and spline.window_weights is None
    assert spline.n_observations == 100
    # Normalisation applies only after a windowed fit.
    np.testing.assert_array_equal(
        spline.differentiate(1, normalize_by_observations=True)(T), spline.differentiate(1)(T)
    )
    both = SplineInterpolator().fit(T, np.column_stack([np.sin(T), np.cos(T)]), np.hanning)
    assert both.predict(5.0).shape == (2,)
    assert len(both.splines) == 2
    np.testing.assert_allclose(both.splines[1](2.0), both(2.0)[1], rtol=1e-10)
    assert SplineInterpolator().splines is None


@pytest.mark.parametrize(
    ("window", "error", "match"),
    [
        (lambda n: np.ones(n + 5), ValueError, "Window function returned 105 weights"),
        (lambda n: np.full(n, np.nan), ValueError, "non-finite"),
        ("hanning", TypeError, "must be a callable"),
    ],
)
def test_bad_windows(window, error, match):
    with pytest.raises(error, match=match):
        SplineInterpolator().fit(T, np.sin(T), window_func=window)


def test_failed_refit_keeps_the_window_of_the_previous_fit():
    spline = SplineInterpolator().fit(T, np.sin(T), window_func=np.hanning)
    with pytest.raises(ValueError):
        spline.fit(T, np.full(T.size, np.nan))
    assert spline.window_func is np.hanning


def test_masks():
    spline = SplineInterpolator().fit(T, np.sin(T))
    points = np.array([0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4, np.pi])
    boolean = spline.differentiate(1, mask=[True, False, True, False, True])(points)
    np.testing.assert_allclose(boolean, np.cos(points[::2]), atol=1e-6)
    indices = spline.differentiate(1, mask=np.array([4, 0]))(points)
    np.testing.assert_allclose(indices, np.cos(points[[4, 0]]), atol=1e-6)
    assert spline.differentiate(1, mask=np.array([], dtype=int))(points).shape == (0,)
    with pytest.raises(ValueError, match="Boolean mask length 3 doesn't match"):
        spline.differentiate(1, mask=[True, False, True])(points)
    with pytest.raises(ValueError, match="mask indices must lie in"):
        spline.differentiate(1, mask=[7])(points)
    with pytest.raises(TypeError, match="booleans"):
        spline.differentiate(1, mask=[0.5])


def test_lognormal_link_on_an_exponential():
    """x = 3 exp(0.4 t): d log x / dt = 0.4, minus sigma^2 / 2 with Itô."""
    t = np.linspace(0, 5, 200)
    spline = SplineInterpolator().fit(t, 3 * np.exp(0.4 * t))
    points = np.array([1.0, 2.5, 4.0])
    spline.set_stochastic_link("lognormal", sigma=0.3)
    assert isinstance(spline.stochastic_link, LogNormalLink)
    assert spline.stochastic_method == "ito"
    np.testing.assert_allclose(spline.differentiate(1)(points), 0.4 - 0.045, atol=1e-6)
    spline.set_stochastic_link("lognormal", sigma=0.3, method="stratonovich")
    stratonovich = spline.differentiate(1)
    np.testing.assert_allclose(stratonovich(points), 0.4, atol=1e-6)
    np.testing.assert_allclose(spline.differentiate(2)(points), 0.0, atol=1e-5)
    np.testing.assert_allclose(spline.differentiate(0)(points), np.log(3) + 0.4 * points)
    assert spline.differentiate(1)(2.0) == pytest.approx(0.4, abs=1e-6)  # a float back
    spline.set_stochastic_link(None)
    np.testing.assert_allclose(spline.differentiate(1)(2.0), 1.2 * np.exp(0.8), rtol=1e-6)
    # A derivative keeps the link it was made with.
    np.testing.assert_allclose(stratonovich(points), 0.4, atol=1e-6)


def test_set_stochastic_link_errors_and_objects():
    spline = SplineInterpolator()
    link = GammaLink(alpha=2.0, beta=1.0)
    spline.set_stochastic_link(link, method="ito")
    assert spline.stochastic_link is link
    with pytest.raises(ValueError, match="Unknown link function"):
        spline.set_stochastic_link("invalid_link")
    with pytest.raises(ValueError, match="Method must be"):
        spline.set_stochastic_link("normal", method="invalid_method")
    with pytest.raises(ValueError, match="link_function must be"):
        spline.set_stochastic_link(42)
    with pytest.raises(TypeError, match="constructor"):
        spline.set_stochastic_link(link, sigma=1.0)


def test_link_outside_its_domain_raises_at_evaluation():
    spline = SplineInterpolator().fit(T, np.sin(T))
    spline.set_stochastic_link("lognormal")
    with pytest.raises(ValueError, match="lognormal link needs values with x > 0"):
        spline.differentiate(1)(np.array([1.0, 4.0]))


def test_pickle_keeps_window_and_link():
    spline = SplineInterpolator().fit(T, np.sin(T) + 2, window_func=np.hamming)
    spline.set_stochastic_link("gamma", alpha=2.0)
    clone = pickle.loads(pickle.dumps(spline))
    np.testing.assert_array_equal(clone.differentiate(1)(T[1:-1]), spline.differentiate(1)(T[1:-1]))


def test_local_segmented_linear():
    x = np.linspace(0, 4, 30)
    line = local_segmented_linear(x, 2 * x - 1, window_size=7)
    np.testing.assert_allclose(line(np.array([0.3, 2.2, 3.9])), [-0.4, 3.4, 6.8], atol=1e-12)
    for continuous in (True, False):
        curve = local_segmented_linear(T, np.sin(T), 7, continuous)
        q = np.linspace(0.1, 2 * np.pi - 0.1, 20)
        np.testing.assert_allclose(curve(q), np.sin(q), atol=0.03)
    with pytest.raises(ValueError, match="outside the fitted range"):
        line(5.0)
    far = local_segmented_linear(x, 2 * x - 1, window_size=7, extrapolate="extrapolate")
    assert far(5.0) == pytest.approx(9.0)
    assert isinstance(line(1.0), float)


def test_spline_interpolation_and_fit_quality():
    fitted = spline_interpolation(T, np.sin(T))
    assert isinstance(fitted, SplineInterpolator)
    interp, model = spline_interpolation(T, np.sin(T), return_model=True)
    assert interp is model
    quality = calculate_fit_quality(T, np.sin(T), fitted)
    assert quality["r_squared"] == pytest.approx(1.0, abs=1e-12)
    assert quality["rmse"] < 1e-6
    assert calculate_fit_quality(T, np.ones_like(T), lambda x: np.ones_like(x))["r_squared"] == 0


CHECKS = [
    check
    for check in interpolator_checks(SplineInterpolator(k=3))
    if check.name != "check_constructor"  # PyDelt's constructor takes positional arguments
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.name)
def test_the_contract_holds_apart_from_the_positional_constructor(check):
    check()


def test_bands_and_chained_derivatives_of_pydelt_derivatives():
    rng = np.random.default_rng(0)
    spline = SplineInterpolator().fit(T, np.sin(T) + rng.normal(0, 0.05, T.size), np.hanning)
    plain = pydelt_like.SplineInterpolator.differentiate(spline, 1)
    points = np.array([1.0, 2.0, 3.0])
    derivative = spline.differentiate(1, mask=[0, 2], normalize_by_observations=True)
    values, std = derivative(points, return_std=True)
    want, want_std = plain(points[[0, 2]], return_std=True)
    np.testing.assert_allclose(values, want / 100)
    np.testing.assert_allclose(std, want_std / 100)
    lower, upper = derivative.interval(points)
    assert (lower < values).all() and (values < upper).all()
    np.testing.assert_allclose(
        derivative.differentiate(1)(points), spline.differentiate(2)(points[[0, 2]]) / 100
    )
    spline.set_stochastic_link("normal")
    with pytest.raises(NotImplementedError, match="stochastic link"):
        spline.differentiate(1)(points, return_std=True)
