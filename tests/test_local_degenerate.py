"""Degenerate local fits: windows with fewer positive-weight samples than coefficients,
batches where one such window sits among healthy ones, and the LOWESS batch that used to
raise numpy's ``LinAlgError`` from a singular solve."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pydelt_like import (
    FdaInterpolator,
    GllaInterpolator,
    GoldInterpolator,
    LlaInterpolator,
    LoessInterpolator,
    LowessInterpolator,
)
from pydelt_like.local._engine import local_fit, nearest_windows


@settings(max_examples=40, deadline=None)
@given(
    degree=st.integers(1, 8),
    extra=st.integers(0, 6),
    n=st.integers(12, 40),
    zero_fraction=st.floats(0.0, 0.6),
    kernel=st.sampled_from(["uniform", "tricube"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_degenerate_windows_never_raise_and_healthy_ones_stay_exact(
    degree, extra, n, zero_fraction, kernel, seed
):
    """Robustness weights of zero leave some windows with fewer samples than coefficients:
    every estimate stays finite, and every window that still determines the polynomial
    reproduces it (value and first derivative), whatever its neighbours in the batch."""
    rng = np.random.default_rng(seed)
    window = min(n, degree + 2 + extra)
    x = np.sort(rng.uniform(-1.0, 1.0, n))
    x = x[np.r_[True, np.diff(x) > 1e-3]]
    n = x.size
    window = min(n, window)
    robustness = np.where(rng.uniform(size=n) < zero_fraction, 0.0, 1.0)
    coefs = rng.normal(size=degree + 1)
    scales = np.array([1.0, -3.0, 0.0])
    y = np.polynomial.polynomial.polyval(x, coefs)[:, None] * scales
    slope = np.polynomial.polynomial.polyval(x, np.polynomial.polynomial.polyder(coefs))
    fit = local_fit(
        x, y, np.ones(n), x, window=window, degree=degree, kernel=kernel, orders=(0, 1),
        robustness=robustness, variance=True, leverage=True,
    )  # fmt: skip
    assert fit.variance is not None and fit.leverage is not None
    assert np.all(np.isfinite(fit.values))
    assert np.all(np.isfinite(fit.variance)) and np.all(np.isfinite(fit.leverage))
    # Windows with at least degree + 2 positive-weight samples (the tricube kernel gives the
    # farthest weight zero) determine the polynomial and must reproduce it.
    start, _ = nearest_windows(x, x, window)
    idx = start[:, None] + np.arange(window)
    healthy = (robustness[idx] > 0).sum(axis=1) >= degree + 3
    if kernel == "uniform":
        healthy = (robustness[idx] > 0).sum(axis=1) >= degree + 1
    scale = 1.0 + np.abs(y).max()
    np.testing.assert_allclose(fit.values[healthy, 0, :], y[healthy], atol=1e-6 * scale)
    np.testing.assert_allclose(
        fit.values[healthy, 1, :], slope[healthy, None] * scales, atol=1e-4 * scale * 10
    )
    # The constant column stays exactly zero.
    assert np.all(fit.values[:, :, 2] == 0.0)


@pytest.mark.slow
def test_lowess_batch_member_that_raised_singular_matrix():
    """The series of a batch that used to raise ``LinAlgError: Singular matrix``: its
    robustness weights drop samples of a near-exact fit, leaving a degree-7 window with a
    rank-deficient system; its derivative must be the cosine."""
    x = np.linspace(-2.0, 2.0, 40)
    amplitude = np.linspace(0.5, 1.5, 400)[117]
    y = np.sin(x)[:, None] * np.array([amplitude, 1.0, 0.0])
    model = LowessInterpolator().fit(x, y)
    inner = np.linspace(-1.8, 1.8, 19)
    slope = model.differentiate(1)(inner)
    expected = np.cos(inner)[:, None] * np.array([amplitude, 1.0, 0.0])
    np.testing.assert_allclose(slope, expected, atol=1e-4)


@settings(max_examples=10, deadline=None)
@given(
    coefs=st.lists(st.floats(-3.0, 3.0), min_size=4, max_size=4),
    offset=st.floats(-5.0, 5.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_loess_batch_of_cubics_with_a_constant_column(coefs, offset, seed):
    """A batch of exact cubics and a constant column: every member's slope is exact."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 2.0, 30))
    x = x[np.r_[True, np.diff(x) > 1e-3]]
    cubic = np.polynomial.polynomial.polyval(x, coefs)
    y = np.column_stack([cubic, 2.0 * cubic - 1.0, np.full(x.size, offset)])
    model = LoessInterpolator(degree=3, it=2).fit(x, y)
    inner = np.linspace(x[0], x[-1], 9)
    slope = np.polynomial.polynomial.polyval(inner, np.polynomial.polynomial.polyder(coefs))
    expected = np.column_stack([slope, 2.0 * slope, np.zeros_like(slope)])
    scale = 1.0 + np.abs(y).max()
    np.testing.assert_allclose(model.differentiate(1)(inner), expected, atol=1e-6 * scale)


@pytest.mark.parametrize("cls", [LowessInterpolator, LoessInterpolator])
@pytest.mark.parametrize("n", [3, 4, 5])
def test_tricube_windows_with_tied_ends_keep_the_slope(cls, n):
    """At the fewest samples, a window centred between its two end samples gave them both
    tricube weight zero and left one sample for a line: the slope there came out 0."""
    x = np.linspace(0.0, 1.0, n)
    model = cls().fit(x, 3.0 * x - 1.0)
    points = np.linspace(0.0, 1.0, 13)
    np.testing.assert_allclose(model.differentiate(1)(points), 3.0, atol=1e-9)
    np.testing.assert_allclose(model.predict(points), 3.0 * points - 1.0, atol=1e-9)


@pytest.mark.parametrize("magnitude", [1e300, 1e-300])
@pytest.mark.parametrize(
    "cls",
    [
        LlaInterpolator,
        GllaInterpolator,
        GoldInterpolator,
        LowessInterpolator,
        LoessInterpolator,
        FdaInterpolator,
    ],
)
def test_values_near_the_ends_of_the_float_range(cls, magnitude):
    """Squares of 1e300 overflow and of 1e-300 underflow: each series is fitted on the
    scale of its largest magnitude, so slopes and standard errors stay finite and right."""
    x = np.linspace(0.0, 2.0, 40)
    y = magnitude * np.column_stack([np.sin(x), 0.5 * x**2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = cls().fit(x, y)
        points = np.linspace(0.2, 1.8, 9)
        slope, std = model.differentiate(1)(points, return_std=True)
    expected = magnitude * np.column_stack([np.cos(points), points])
    np.testing.assert_allclose(slope, expected, rtol=1e-4)
    assert np.all(np.isfinite(std)) and np.all(std >= 0.0)
    assert np.all(std <= 1e-3 * magnitude)
