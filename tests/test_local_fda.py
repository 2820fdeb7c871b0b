"""FdaInterpolator against outside truths: exact polynomials, explicit penalised least
squares, the residual-target meaning of PyDelt's ``smoothing`` and the posterior bands."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.interpolate import BSpline

from pydelt_like import FdaInterpolator
from pydelt_like.local._penalized import penalized_path


def _explicit(x, y, w, k, order, intervals, lam):
    """Fit, trace and penalised-LS pieces from dense matrices, for small problems."""
    path = penalized_path(x, y[:, None], w, k=k, order=order, intervals=intervals)
    basis = BSpline.design_matrix(x, path.knots, k).toarray()
    gram = basis.T @ (w[:, None] * basis)
    diff = np.diff(np.eye(gram.shape[0]), order, axis=0)
    penalty = diff.T @ diff * np.trace(gram) / np.trace(diff.T @ diff)
    inverse = np.linalg.inv(gram + lam * penalty)
    coef = inverse @ basis.T @ (w * y)
    fitted = basis @ coef
    hat_trace = np.trace(basis @ inverse @ basis.T @ np.diag(w))
    return path, coef, np.sum(w * (y - fitted) ** 2), hat_trace, inverse


@pytest.mark.parametrize("lam", [1e-6, 1e-2, 1.0, 1e3])
def test_smoothing_path_matches_explicit_penalised_least_squares(lam):
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(0, 2, 40))
    y = np.sin(3 * x) + rng.normal(0, 0.1, 40)
    w = rng.uniform(0.5, 2, 40)
    path, coef, rss, trace, inverse = _explicit(x, y, w, 3, 4, 15, lam)
    lam_arr = np.array([lam])
    np.testing.assert_allclose(path.coefficients(lam_arr)[:, 0], coef, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(path.rss(lam_arr)[0, 0], rss, rtol=1e-7)
    np.testing.assert_allclose(path.trace(lam_arr)[0], trace, rtol=1e-7)
    factor = path.covariance_factor(lam)
    np.testing.assert_allclose(factor @ factor.T, inverse, rtol=1e-6, atol=1e-9)


@settings(max_examples=20)
@given(
    k=st.sampled_from([3, 4, 5]),
    coefs=st.lists(st.floats(-3, 3), min_size=1, max_size=6),
    n=st.integers(8, 120),
    seed=st.integers(0, 2**16),
)
def test_polynomials_of_degree_k_are_reproduced_exactly(k, coefs, n, seed):
    # The penalty on differences of order k + 1 leaves polynomials of degree k free: any
    # smoothing gives them back.
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 3, n))
    poly = np.polynomial.Polynomial(coefs[: k + 1])
    weights = rng.uniform(0.2, 3.0, n)
    model = FdaInterpolator(k=k).fit(x, poly(x), weights=weights)
    grid = np.linspace(x[0], x[-1], 30)
    scale = 1 + np.abs(poly(grid)).max()
    # Each order of derivative amplifies the coefficients' rounding (the null space of an
    # order-6 penalty is orthonormalised to about 1e-10) by the inverse knot spacing.
    for order, atol in ((0, 1e-8), (1, 1e-8), (2, 1e-7), (3, 1e-6)):
        np.testing.assert_allclose(
            model.differentiate(order)(grid), poly.deriv(order)(grid), atol=atol * scale
        )


def test_smoothing_is_the_residual_sum_of_squares_reached():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 5, 200)
    y = np.sin(x) + rng.normal(0, 0.1, 200)
    weights = np.full(200, 4.0)  # inverse variances: s counts 4 * (y - f)**2
    target = 200 * 4.0 * 0.1**2
    model = FdaInterpolator(smoothing=target, k=3).fit(x, y, weights=weights)
    reached = np.sum(weights * (y - model(x)) ** 2)
    assert reached == pytest.approx(target, rel=1e-6)
    assert model.smoothing_ == pytest.approx(target, rel=1e-6)
    # A target beyond the cubic's own residuals gives the least-squares cubic.
    loose = FdaInterpolator(smoothing=1e9, k=3).fit(x, y)
    cubic = np.polynomial.Polynomial.fit(x, y, 3)
    np.testing.assert_allclose(loose(x), cubic(x), atol=1e-6)


def test_repeated_samples_count_in_the_residual_target():
    # The scatter of the pairs about their means (0.25 in all) is part of the target, as
    # it is for UnivariateSpline: only the rest (0.75) is left to the curve.
    x = np.repeat(np.linspace(0, 1, 50), 2)
    noise = np.repeat(np.random.default_rng(4).normal(0, 0.15, 50), 2)
    y = np.sin(8 * x) + noise + np.tile([0.05, -0.05], 50)
    model = FdaInterpolator(smoothing=1.0).fit(x, y)
    assert np.sum((y - model(x)) ** 2) == pytest.approx(1.0, rel=1e-6)


def test_noisy_derivatives_at_automatic_smoothing():
    x = np.linspace(0, 2 * np.pi, 500)
    y = np.sin(x) + np.random.default_rng(0).normal(0, 0.05, 500)
    model = FdaInterpolator().fit(x, y)
    grid = np.linspace(0.4, 2 * np.pi - 0.4, 200)
    for order, truth, tol in ((1, np.cos, 0.03), (2, lambda t: -np.sin(t), 0.1)):
        error = np.sqrt(np.mean((model.differentiate(order)(grid) - truth(grid)) ** 2))
        assert error < tol, (order, error)
    assert model.noise_std_ == pytest.approx(0.05, rel=0.15)


def test_bands_are_the_posterior_standard_errors():
    rng = np.random.default_rng(2)
    x = np.sort(rng.uniform(0, 2, 60))
    y = np.sin(4 * x) + rng.normal(0, 0.05, 60)
    model = FdaInterpolator().fit(x, y)
    assert np.isfinite(model.penalty_)  # penalised directions take part
    path = model.path_
    grid = np.array([0.3, 1.0, 1.7])
    # The path lives in internal units: u = (x - x[0]) / (x[-1] - x[0]), so d/dx = d/du / span.
    u = (grid - x[0]) / (x[-1] - x[0])
    for order in (0, 1, 2):
        rows = (
            BSpline(path.knots, np.eye(path.vectors.shape[0]), path.k).derivative(order)(u)
            if order
            else BSpline(path.knots, np.eye(path.vectors.shape[0]), path.k)(u)
        ) / (x[-1] - x[0]) ** order
        with np.errstate(invalid="ignore"):  # an infinite penalty keeps the null space only
            d = np.where(path.mu >= 1, 1.0, path.mu + model.penalty_ * (1 - path.mu))
        cov = path.vectors @ np.diag(1 / d) @ path.vectors.T
        expected = model.noise_std_ * np.sqrt(np.einsum("qi,ij,qj->q", rows, cov, rows))
        _, std = model.differentiate(order)(grid, return_std=True)
        np.testing.assert_allclose(std, expected, rtol=1e-8)


def test_each_series_gets_its_own_smoothing():
    x = np.linspace(0, 1, 300)
    rng = np.random.default_rng(3)
    y = np.column_stack([x**2 + rng.normal(0, 0.1, 300), np.sin(20 * x) + rng.normal(0, 0.01, 300)])
    both = FdaInterpolator().fit(x, y)
    assert both.dof_[0] < both.dof_[1]
    alone = FdaInterpolator().fit(x, y[:, 1])
    grid = np.linspace(0.1, 0.9, 9)
    np.testing.assert_allclose(both.differentiate(2)(grid)[:, 1], alone.differentiate(2)(grid))


@pytest.mark.parametrize(
    ("model", "error", "match"),
    [
        (FdaInterpolator(k=0), ValueError, "k must be at least 1"),
        (FdaInterpolator(k=6), ValueError, "k must be at most 5"),
        (FdaInterpolator(k=3.0), TypeError, "k must be an integer"),
        (FdaInterpolator(smoothing=-1.0), ValueError, "smoothing must be"),
        (FdaInterpolator(smoothing="auto"), TypeError, "smoothing must be"),
    ],
)
def test_bad_parameters_are_refused(model, error, match):
    x = np.linspace(0, 1, 30)
    with pytest.raises(error, match=match):
        model.fit(x, x**2)


def test_orders_above_k_are_refused_with_the_fix():
    x = np.linspace(0, 1, 30)
    with pytest.raises(ValueError, match="raise k"):
        FdaInterpolator(k=2).fit(x, x**2).differentiate(3)


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(30, 120),
    k=st.integers(3, 5),
    irregular=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_interpolation_follows_the_analytic_slope_to_the_ends(n, k, irregular, seed):
    """``smoothing=0`` with more basis functions than samples: the directions the samples
    do not see must not pick up rounding amplified by the tiny penalty (it bent the ends:
    slope at x=0 off by 0.26 on 50 samples of a sine)."""
    rng = np.random.default_rng(seed)
    if irregular:
        x = np.sort(np.r_[0.0, rng.uniform(0.0, 2.0 * np.pi, n - 2), 2.0 * np.pi])
        x = x[np.r_[True, np.diff(x) > 0.02]]
    else:
        x = np.linspace(0.0, 2.0 * np.pi, n)
    fit = FdaInterpolator(smoothing=0.0, k=k).fit(x, np.sin(x))
    # Interpolation: the samples are reproduced (to the smallest penalty of the path).
    np.testing.assert_allclose(fit.predict(x), np.sin(x), atol=1e-5)
    # The slope is the cosine, ends included (the largest gap bounds the spline's error).
    gap = float(np.diff(x).max())
    inner = np.linspace(x[0], x[-1], 61)
    np.testing.assert_allclose(
        fit.differentiate(1)(inner), np.cos(inner), atol=max(1e-4, 2.0 * gap**k)
    )


# ---- extreme scales: the spline's internal units ---------------------------------------

_EPS = np.finfo(float).eps


@pytest.mark.parametrize(
    ("x", "truth"),
    [
        (np.geomspace(1e-10, 1e10, 60), (-12.5, 1000.0)),  # slope was off by 0.5
        (1e9 + np.linspace(0.0, 1.0, 40), (3.0 - 2e9, 2.0)),
        (-1e12 + np.r_[np.linspace(0, 0.1, 58), 5.0, 10.0], (-40000.0, 0.0)),
        (1e-300 * np.arange(30.0), (1.0, 1e300)),
        (1.5e308 * np.linspace(-1.0, 1.0, 30), (5.0, -1e-300)),
        (np.linspace(0.0, 1.0, 30), (1e300, 1e300)),
    ],
)
@pytest.mark.parametrize("k", [1, 3, 4, 5])
@pytest.mark.filterwarnings("ignore:x values lie only about")  # -1e12 + 0.1 span: warned, right
def test_exact_lines_are_reproduced_at_extreme_scales(x, truth, k):
    a, b = truth
    y = a + b * x
    sigma = _EPS * float(np.max(np.abs(y) + np.abs(b * x)))
    h = 2.0 * float(np.mean(np.diff(x / 2)))
    model = FdaInterpolator(k=k).fit(x, y)
    np.testing.assert_allclose(model(x[::3]), y[::3], rtol=0, atol=1e4 * sigma)
    slope, std = model.differentiate(1)(x[::3], return_std=True)
    with np.errstate(over="ignore"):
        slope_tol = max(1e4 * sigma * 10 / h, 1e4 * _EPS * abs(b))
    np.testing.assert_allclose(slope, b, rtol=0, atol=slope_tol)
    assert np.all(np.isfinite(std))
    # The user-unit spline agrees, where its knots (k intervals past the ends) fit in float64.
    try:
        spline = model.spline_
    except ValueError as error:
        assert np.abs(x).max() > 1e307 and "exceed the float64 range" in str(error)
    else:
        np.testing.assert_allclose(spline(x[::3]), y[::3], rtol=0, atol=1e4 * sigma)


@settings(max_examples=25, deadline=None)
@given(log_x=st.integers(-300, 290), log_y=st.integers(-290, 290), seed=st.integers(0, 99))
def test_fits_are_scale_free(log_x, log_y, seed):
    """Scaling x and y by powers of ten scales the fit and its derivatives accordingly (the
    internal units are exact powers of two: only rounding of the scaled data differs)."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0.0, 1.0, 40))
    y = np.sin(6 * t) + rng.normal(0, 0.05, 40)
    sx, sy = 10.0**log_x, 10.0**log_y
    small = FdaInterpolator().fit(t, y)
    big = FdaInterpolator().fit(sx * t, sy * y)
    np.testing.assert_allclose(big(sx * t), sy * small(t), rtol=1e-6, atol=1e-9 * sy)
    slope = small.differentiate(1)(t)
    with np.errstate(over="ignore", under="ignore"):
        factor = sy / sx
    if np.isfinite(factor) and factor > 1e-290:
        np.testing.assert_allclose(
            big.differentiate(1)(sx * t), factor * slope, rtol=1e-5, atol=1e-8 * factor
        )


def test_results_beyond_the_float_range_are_refused_with_the_fix():
    x = 1e-300 * np.arange(30.0)
    model = FdaInterpolator().fit(x, 1e300 * np.sin(np.arange(30.0) / 3))
    assert np.all(np.isfinite(model(x)))
    with pytest.raises(ValueError, match=r"exceeds the float64 range.*larger units"):
        model.differentiate(1)(x)


@pytest.mark.filterwarnings("ignore:x values lie only about")
def test_extreme_weights_x_and_y_fit_without_crashing():
    """Weights of 1e308, x up to 1.7e308 and y of 1e-319 (the fuzz's SVD and overflow
    crashes): the constant comes back."""
    x = np.linspace(0, 1.7e308, 6)
    y = np.full(6, 9.9e-320)
    model = FdaInterpolator(smoothing=1e300, k=1).fit(x, y, weights=np.full(6, 1e308))
    np.testing.assert_allclose(model(x), y, rtol=1e-3)
    x = -1e12 + np.r_[np.linspace(0, 0.1, 58), 5.0, 10.0]
    model = FdaInterpolator().fit(x, 0.5 + 2.0 * x, weights=np.full(60, 1e308))
    np.testing.assert_allclose(model.differentiate(1)(x), 2.0, rtol=1e-6)
