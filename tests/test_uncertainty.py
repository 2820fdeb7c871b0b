"""Uncertainty bands: return_std and interval on every interpolator, checked against closed forms."""

from __future__ import annotations

import pickle
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.interpolate import BSpline

from pydelt_like import NeuralNetworkInterpolator, SplineInterpolator

Z95 = statistics.NormalDist().inv_cdf(0.975)


def _noisy_sine(n=300, sigma=0.05, seed=0):
    x = np.linspace(0, 2 * np.pi, n)
    return x, np.sin(x) + np.random.default_rng(seed).normal(0, sigma, n)


def _dense_std(spline, x, points, weights, order):
    """sigma * sqrt(b' (B'WB)^-1 b) by dense linear algebra, for a single-candidate fit."""
    t, k = spline.spline_.t, spline.spline_.k
    n_coef = t.size - k - 1
    eye = np.eye(n_coef)
    design = np.column_stack([BSpline(t, eye[j], k)(x) for j in range(n_coef)])
    basis = np.column_stack(
        [BSpline(t, eye[j], k).derivative(order)(points) for j in range(n_coef)]
    )
    gram = design.T @ (weights[:, None] * design)
    # The noise variance of a sample of weight one, from that of a sample of average weight.
    cov = np.linalg.inv(gram) * spline.noise_std_**2 * weights.mean()
    return np.sqrt(np.einsum("ij,jk,ik->i", basis, cov, basis))


@pytest.mark.parametrize("order", [0, 1, 2])
def test_single_candidate_band_is_the_least_squares_posterior(order):
    x, y = _noisy_sine()
    weights = np.random.default_rng(1).uniform(0.5, 2.0, x.size)
    # A numeric smoothing picks one knot count: no averaging, no bias term, just the posterior.
    spline = SplineInterpolator(smoothing=1.1 * weights.sum() * 0.05**2).fit(x, y, weights)
    assert spline.posterior_.weights.shape[0] == 1
    points = np.linspace(0.1, 6.1, 37)
    _, std = spline.differentiate(order)(points, return_std=True)
    expected = _dense_std(spline, x, points, weights, order)
    np.testing.assert_allclose(std, expected, rtol=1e-5)  # the fit's 1e-9 ridge is left out
    assert std.max() < 0.05 * 4**order  # a smooth fit: few knots, a narrow band


def test_predicted_spread_matches_the_spread_over_noise_draws():
    # A cubic is in every candidate's span, so there is no bias: the band is pure variance.
    x = np.linspace(-1, 2, 400)
    truth = x**3 - x
    grid = np.linspace(-0.8, 1.8, 50)
    estimates, predicted = [], []
    for seed in range(40):
        y = truth + np.random.default_rng(seed).normal(0, 0.1, x.size)
        values, std = SplineInterpolator().fit(x, y).differentiate(1)(grid, return_std=True)
        estimates.append(values)
        predicted.append(std)
    ratio = np.mean(predicted) / np.mean(np.std(estimates, axis=0, ddof=1))
    assert 0.75 < ratio < 1.5, ratio


def test_coverage_of_the_first_derivative_on_a_noisy_sine():
    grid = np.linspace(0.3, 6.0, 100)
    inside = []
    for seed in range(30):
        x, y = _noisy_sine(seed=seed)
        lower, upper = SplineInterpolator().fit(x, y).differentiate(1).interval(grid)
        inside.append(np.mean((np.cos(grid) >= lower) & (np.cos(grid) <= upper)))
    assert 0.85 < np.mean(inside) < 0.995


def test_shapes_nan_and_interval_rules():
    x, y = _noisy_sine()
    spline = SplineInterpolator(extrapolate="nan").fit(x, y)
    value, std = spline(1.0, return_std=True)
    assert isinstance(value, float) and isinstance(std, float) and std > 0
    points = np.array([[0.5, np.nan], [7.0, 2.0]])
    values, stds = spline.differentiate(1)(points, return_std=True)
    assert values.shape == stds.shape == (2, 2)
    assert np.isnan(stds[0, 1]) and np.isnan(stds[1, 0]) and np.isfinite(stds[1, 1])
    lower, upper = spline.differentiate(1).interval(points, level=0.9)
    z90 = statistics.NormalDist().inv_cdf(0.95)
    np.testing.assert_allclose(upper - values, z90 * stds)
    np.testing.assert_allclose(values - lower, z90 * stds)
    assert spline.predict(0.5, return_std=True)[1] == spline(0.5, return_std=True)[1]
    assert np.array_equal(spline.differentiate(1)(points), values, equal_nan=True)


@pytest.mark.parametrize(
    ("level", "error"),
    [(0.0, ValueError), (1.0, ValueError), ("high", TypeError), (True, TypeError)],
)
def test_bad_levels_and_flags(level, error):
    x, y = _noisy_sine()
    spline = SplineInterpolator().fit(x, y)
    with pytest.raises(error, match="level"):
        spline.interval(1.0, level=level)
    with pytest.raises(TypeError, match="return_std"):
        spline(1.0, return_std="yes")


def test_batched_bands_equal_separate_fits():
    x, y = _noisy_sine()
    y2 = np.column_stack([y, 3 * np.cos(x) + np.random.default_rng(3).normal(0, 0.2, x.size)])
    grid = np.linspace(0.5, 5.5, 21)
    _, together = SplineInterpolator().fit(x, y2).differentiate(2)(grid, return_std=True)
    for j in range(2):
        _, alone = SplineInterpolator().fit(x, y2[:, j]).differentiate(2)(grid, return_std=True)
        np.testing.assert_allclose(together[:, j], alone, rtol=1e-6)


def test_interpolation_and_antiderivatives_have_no_band_and_say_so():
    x = np.linspace(0, 1, 20)
    with pytest.raises(ValueError, match="no noise model"):
        SplineInterpolator(smoothing=0).fit(x, x**2)(0.5, return_std=True)
    spline = SplineInterpolator().fit(*_noisy_sine())
    with pytest.raises(ValueError, match="antiderivatives"):
        spline.antiderivative()(1.0, return_std=True)


def test_band_survives_pickling_and_refits_replace_it():
    x, y = _noisy_sine()
    spline = SplineInterpolator().fit(x, y)
    before = spline.differentiate(1)(2.0, return_std=True)
    clone = pickle.loads(pickle.dumps(spline))
    assert clone.differentiate(1)(2.0, return_std=True) == before
    spline.fit(x, 10 * y)
    assert spline.differentiate(1)(2.0, return_std=True)[1] == pytest.approx(10 * before[1])


@settings(deadline=None, max_examples=15)
@given(scale=st.floats(1e-3, 1e3), shift=st.floats(-1e3, 1e3), order=st.integers(0, 2))
def test_band_follows_the_units_of_x_and_y(scale, shift, order):
    x, y = _noisy_sine(n=200)
    grid = np.linspace(0.5, 5.5, 9)
    _, base = SplineInterpolator().fit(x, y).differentiate(order)(grid, return_std=True)
    moved = SplineInterpolator().fit(x * scale + shift, 2 * y)
    _, std = moved.differentiate(order)(grid * scale + shift, return_std=True)
    np.testing.assert_allclose(std, 2 * base / scale**order, rtol=1e-5)


def test_ensemble_band_is_the_spread_of_its_members():
    torch = pytest.importorskip("torch")
    x, y = _noisy_sine(n=80)
    net = NeuralNetworkInterpolator(hidden_layers=(8,), epochs=60, n_members=3, random_state=0)
    net.fit(x, y)
    grid = np.linspace(0.5, 5.5, 7)
    values, std = net(grid, return_std=True)
    rows = torch.as_tensor((grid[:, None] - net.x_mean_) / net.x_scale_, dtype=torch.float64)
    members = net._members(rows).detach().numpy()[..., 0] * net.y_scale_[0] + net.y_mean_[0]
    np.testing.assert_allclose(values, members.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(std, members.std(axis=0, ddof=1), rtol=1e-8)
    # Derivatives: the spread of each member's own autograd derivative.
    d_values, d_std = net.differentiate(1)(grid, return_std=True)
    step = 1e-5
    slopes = [
        (net._members(rows + step / net.x_scale_[0]) - net._members(rows - step / net.x_scale_[0]))
        .detach()
        .numpy()[..., 0]
        / (2 * step)
        * net.y_scale_[0]
    ]
    np.testing.assert_allclose(d_std, slopes[0].std(axis=0, ddof=1), rtol=1e-5)
    lower, upper = net.differentiate(1).interval(grid)
    t95 = 4.302652729911275  # Student's t, 2 degrees of freedom (3 members), 97.5 %
    np.testing.assert_allclose(upper - d_values, t95 * d_std)
    np.testing.assert_allclose(d_values - lower, t95 * d_std)


def test_ensemble_band_needs_several_members_and_works_for_partials():
    pytest.importorskip("torch")
    x, y = _noisy_sine(n=60)
    single = NeuralNetworkInterpolator(hidden_layers=(8,), epochs=20, n_members=1).fit(x, y)
    with pytest.raises(ValueError, match="n_members"):
        single(1.0, return_std=True)
    points = np.random.default_rng(0).uniform(-1, 1, (60, 2))
    net = NeuralNetworkInterpolator(hidden_layers=(8,), epochs=30, n_members=2, random_state=1)
    net.fit(points, points[:, 0] * points[:, 1])
    values, std = net.differentiate(1, wrt=1)(points[:4], return_std=True)
    assert values.shape == std.shape == (4,) and (std >= 0).all()
    surface, surface_std = net(points[:4], return_std=True)
    assert surface.shape == surface_std.shape == (4,)
    lower, upper = net.differentiate(1, wrt=1).interval(points[:4], level=0.5)
    t50 = 1.0  # Student's t, 1 degree of freedom (2 members), 75 %: tan(pi / 4)
    np.testing.assert_allclose(upper - values, t50 * std)
    np.testing.assert_allclose(values - lower, t50 * std)


def test_bootstrap_members_see_their_own_weights():
    pytest.importorskip("torch")
    x, y = _noisy_sine(n=120, sigma=0.1)
    settings = {"hidden_layers": (16,), "epochs": 300, "n_members": 4, "random_state": 3}
    plain = NeuralNetworkInterpolator(**settings).fit(x, y)
    resampled = NeuralNetworkInterpolator(bootstrap=True, **settings).fit(x, y)
    grid = np.linspace(0.5, 5.5, 30)
    _, std_plain = plain(grid, return_std=True)
    _, std_boot = resampled(grid, return_std=True)
    # The noise now moves the members apart: a wider spread than from random starts alone.
    assert np.mean(std_boot) > 1.3 * np.mean(std_plain), (np.mean(std_boot), np.mean(std_plain))
    again = NeuralNetworkInterpolator(bootstrap=True, **settings).fit(x, y)
    np.testing.assert_array_equal(again(grid), resampled(grid))  # seeded: reproducible
    with pytest.raises(TypeError, match="bootstrap"):
        NeuralNetworkInterpolator(bootstrap="yes").fit(x, y)


def test_ensemble_band_with_independent_outputs_matches_separate_members():
    pytest.importorskip("torch")
    x, y = _noisy_sine(n=60)
    y2 = np.column_stack([y, 2 * y])
    net = NeuralNetworkInterpolator(
        hidden_layers=(8,),
        epochs=40,
        n_members=3,
        independent_outputs=True,
        bootstrap=True,
        random_state=2,
    ).fit(x, y2)
    grid = np.linspace(0.5, 5.5, 5)
    values, std = net.differentiate(1)(grid, return_std=True)
    assert values.shape == std.shape == (5, 2) and (std > 0).all()
    step = 1e-5
    torch = pytest.importorskip("torch")
    rows = torch.as_tensor((grid[:, None] - net.x_mean_) / net.x_scale_, dtype=torch.float64)
    h = step / net.x_scale_[0]
    slopes = (net._members(rows + h) - net._members(rows - h)).detach().numpy() / (2 * step)
    np.testing.assert_allclose(std, slopes.std(axis=0, ddof=1) * net.y_scale_, rtol=1e-5)


def test_fewest_samples_the_automatic_spline_takes():
    x = np.arange(7.0)  # k + 2: one candidate, no degree of freedom left for the criterion
    spline = SplineInterpolator().fit(x, x**2)
    assert spline.differentiate(1)(3.0) == pytest.approx(6.0)
    assert np.isfinite(spline(3.0, return_std=True)[1])
