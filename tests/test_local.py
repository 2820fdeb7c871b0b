"""The local families (LLA, GLLA, GOLD, LOWESS, LOESS) against outside truths: exact
polynomials, brute-force weighted least squares, brute-force leave-one-out, statsmodels'
LOWESS, PyDelt's discrete LLA/GLLA/GOLD, and Monte Carlo for the bands."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pydelt_like import (
    GllaInterpolator,
    GoldInterpolator,
    LlaInterpolator,
    LoessInterpolator,
    LowessInterpolator,
)
from pydelt_like.local._data import BIN_ABOVE
from pydelt_like.local._engine import local_fit
from pydelt_like.local._selection import block_sizes, cross_validate, window_ladder

FAMILIES = [
    LlaInterpolator,
    GllaInterpolator,
    GoldInterpolator,
    LowessInterpolator,
    LoessInterpolator,
]


def _brute_force(x, y, w, x0, window, degree, kernel):
    """Derivatives at x0 and the equivalent-kernel weights, by an explicit weighted lstsq."""
    order = np.argsort(np.abs(x - x0), kind="stable")[:window]
    order.sort()
    d = x[order] - x0
    radius = np.abs(d).max()
    k = (
        np.ones(window)
        if kernel == "uniform"
        else np.clip(1 - np.abs(d / radius) ** 3, 0, None) ** 3
    )
    design = np.vander(d, degree + 1, increasing=True) * np.sqrt(k * w[order])[:, None]
    pinv = np.linalg.pinv(design)  # (p + 1, window)
    weights = pinv * np.sqrt(k * w[order])[None, :]
    facts = np.array([math.factorial(j) for j in range(degree + 1)])[:, None]
    return facts[:, 0] * (weights @ y[order]), facts * weights, order


@pytest.mark.parametrize("kernel", ["uniform", "tricube"])
@pytest.mark.parametrize(("window", "degree"), [(7, 1), (12, 3), (25, 6)])
def test_engine_matches_explicit_weighted_least_squares(kernel, window, degree):
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(0, 4, 60))
    y = np.sin(2 * x) + rng.normal(0, 0.1, 60)
    w = rng.uniform(0.5, 2.0, 60)
    points = np.array([0.0, 0.31, 1.7, 2.0001, 3.99])
    fit = local_fit(
        x, y[:, None], w, points, window=window, degree=degree, kernel=kernel,
        orders=tuple(range(degree + 1)), variance=True,
    )  # fmt: skip
    for i, x0 in enumerate(points):
        coef, weights, used = _brute_force(x, y, w, x0, window, degree, kernel)
        np.testing.assert_allclose(fit.values[i, :, 0], coef, rtol=1e-8, atol=1e-8)
        variance = (weights**2 / w[used]).sum(axis=1)
        np.testing.assert_allclose(fit.variance[i], variance, rtol=1e-7)


@settings(max_examples=25)
@given(
    coefs=st.lists(st.floats(-3, 3), min_size=1, max_size=5),
    n=st.integers(20, 80),
    seed=st.integers(0, 2**16),
    family=st.sampled_from(FAMILIES),
)
def test_polynomials_are_reproduced_on_irregular_samples(coefs, n, seed, family):
    # A local polynomial of degree >= deg(P) reproduces P exactly whatever the spacing; the
    # cross-validation is free to pick any degree from 1 up, so give it the degree.
    x = np.sort(np.random.default_rng(seed).uniform(-2, 3, n))
    poly = np.polynomial.Polynomial(coefs)
    degree = max(len(coefs) - 1, 2)
    model = family(
        **{
            "degree"
            if family in (LlaInterpolator, LowessInterpolator, LoessInterpolator)
            else "n": degree
        }
    )
    model.fit(x, poly(x))
    grid = np.linspace(x[0], x[-1], 40)
    scale = 1 + np.abs(poly(grid)).max()
    for order in (1, 2):
        np.testing.assert_allclose(
            model.differentiate(order)(grid), poly.deriv(order)(grid), atol=1e-7 * scale
        )


def _block_refit(x, y, w, i, window, degree, kernel):
    """y_i minus its prediction from the window around x_i with x_i's block left out: the
    samples within half the wider neighbouring spacing, weighted zero in the window of
    ``window + b - 1`` nearest samples (the tricube radius is that window's)."""
    steps = np.diff(x)
    radius = 0.5 * max(steps[max(i - 1, 0)], steps[min(i, steps.size - 1)])
    block = np.flatnonzero(np.abs(x - x[i]) < radius)
    size = window + block.size - 1
    near = np.sort(np.argsort(np.abs(x - x[i]), kind="stable")[:size])
    d = x[near] - x[i]
    k = (
        np.ones(size)
        if kernel == "uniform"
        else np.clip(1 - np.abs(d / np.abs(d).max()) ** 3, 0, None) ** 3
    )
    k[np.isin(near, block)] = 0.0
    design = np.vander(d, degree + 1, increasing=True) * np.sqrt(k * w[near])[:, None]
    coef = np.linalg.lstsq(design, y[near] * np.sqrt(k * w[near]), rcond=None)[0]
    return y[i] - coef[0], block.size


@pytest.mark.parametrize("kernel", ["uniform", "tricube"])
def test_cross_validation_equals_refitting_without_each_block(kernel):
    # Irregular samples with a hole: most blocks are the sample alone (the leverage shortcut
    # is then exactly the refit without it), the hole's edges leave out several.
    rng = np.random.default_rng(5)
    x = np.sort(np.r_[rng.uniform(0, 1.2, 25), rng.uniform(1.8, 3, 25)])
    y = np.cos(x) + rng.normal(0, 0.05, x.size)
    w = np.ones(x.size)
    _, scores = cross_validate(x, y[:, None], w, kernel=kernel, degrees=(1, 2, 3), windows=[9, 15])
    sizes = set()
    for (degree, window), score in scores.items():
        errors = []
        for i in range(x.size):
            error, size = _block_refit(x, y, w, i, window, degree, kernel)
            errors.append(error)
            sizes.add(size)
        np.testing.assert_allclose(score[0], np.mean(np.square(errors)), rtol=1e-8)
    assert 1 in sizes and max(sizes) >= 5  # both kinds were exercised


def test_blocks_are_single_samples_on_a_regular_grid():
    x = np.linspace(0, 7, 301)
    assert np.all(block_sizes(x, np.arange(x.size)) == 1)


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "cls"), [(2, LowessInterpolator), (7, LlaInterpolator)])
def test_holes_do_not_mislead_the_window_choice(seed, cls):
    # Leaving one sample out at a hole's edge predicts it from dense data next to it, while
    # the fit inside the hole spans the hole. Block leave-out tests that, so the automatic
    # families stay accurate across the holes (with plain leave-one-out, LOWESS's error was
    # 0.028 for seed 2, LLA's 0.086 for seed 7; our spline's are 0.006 and 0.005).
    rng = np.random.default_rng(seed)
    u = np.sort(rng.uniform(0.0, 7.5, 398))
    x = np.concatenate([[0.0], u + 1.0 * (u >= 2.5) + 1.5 * (u >= 5.0), [10.0]])
    y = np.exp(-0.1 * x) * np.cos(1.5 * x) + rng.normal(0.0, 0.01, x.size)
    grid = np.linspace(0.5, 9.5, 200)
    truth = np.exp(-0.1 * grid) * (-0.1 * np.cos(1.5 * grid) - 1.5 * np.sin(1.5 * grid))
    slope = cls().fit(x, y).differentiate(1)(grid)
    assert np.sqrt(np.mean((slope - truth) ** 2)) / np.std(truth) < 0.025


def test_leave_one_out_shortcut_is_the_refit_without_the_sample():
    # The shortcut (y_i - yhat_i) / (1 - L_ii) is exactly the residual of the weighted fit
    # whose design drops sample i (same window, same weights otherwise).
    rng = np.random.default_rng(6)
    x = np.sort(rng.uniform(0, 1, 30))
    y = x**2 + rng.normal(0, 0.01, 30)
    i, window, degree = 11, 9, 2
    _, weights, used = _brute_force(x, y, np.ones(30), x[i], window, degree, "uniform")
    own = weights[0, list(used).index(i)]
    shortcut = (y[i] - weights[0] @ y[used]) / (1 - own)
    others = [j for j in used if j != i]
    coef = np.polyfit(x[others] - x[i], y[others], degree)
    np.testing.assert_allclose(shortcut, y[i] - coef[-1], rtol=1e-9)


@pytest.mark.parametrize("it", [0, 3])
def test_lowess_values_match_statsmodels(it):
    lowess = pytest.importorskip("statsmodels.nonparametric.smoothers_lowess").lowess
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(0, 5, 200))
    y = np.sin(x) + rng.normal(0, 0.2, 200)
    y[[20, 120]] += 3.0
    reference = lowess(y, x, frac=0.3, it=it, delta=0.0, return_sorted=False)
    ours = LowessInterpolator(frac=0.3, it=it, degree=1).fit(x, y)
    np.testing.assert_allclose(ours(x), reference, atol=1e-10)
    assert ours.frac_ == pytest.approx(0.3)


@pytest.mark.slow
def test_windowed_families_match_pydelts_discrete_estimators():
    derivatives = pytest.importorskip("pydelt.derivatives")
    x = np.linspace(0, 3, 40)
    y = np.sin(2 * x) + np.random.default_rng(0).normal(0, 0.01, 40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slope, _ = derivatives.lla(x, y, window_size=5)
        glla = derivatives.glla(x, y, embedding=5, n=2)
        gold = derivatives.gold(x, y, embedding=5, n=2)
    inner = x[2:-2]
    ours = LlaInterpolator(window_size=5, degree=1).fit(x, y)
    np.testing.assert_allclose(ours.differentiate(1)(inner), slope[2:-2], atol=1e-10)
    ours_glla = GllaInterpolator(embedding=5, n=2).fit(x, y)
    ours_gold = GoldInterpolator(window_size=5, n=2).fit(x, y)
    for order in (0, 1, 2):
        np.testing.assert_allclose(
            ours_glla.differentiate(order)(inner), glla["doutput"][:, order], atol=1e-9
        )
    for order in (1, 2):  # GOLD's order 0 is the window's mean, not the fitted value
        np.testing.assert_allclose(
            ours_gold.differentiate(order)(inner), gold["doutput"][:, order], atol=1e-9
        )


@pytest.mark.slow
def test_irregular_sampling_is_as_accurate_as_regular():
    # A uniform-step method resampled onto a grid degrades on irregular data; the local
    # windows use the true spacing, so random sampling costs little.
    rng = np.random.default_rng(2)
    errors = {}
    for label, x in (
        ("regular", np.linspace(0, 10, 800)),
        ("irregular", np.r_[0.0, np.sort(rng.uniform(0, 10, 798)), 10.0]),
    ):
        y = np.sin(x) + rng.normal(0, 0.02, x.size)
        grid = np.linspace(0.5, 9.5, 300)
        slope = LlaInterpolator().fit(x, y).differentiate(1)(grid)
        errors[label] = np.sqrt(np.mean((slope - np.cos(grid)) ** 2))
    assert errors["regular"] < 0.02
    assert errors["irregular"] < 1.5 * errors["regular"]


@pytest.mark.parametrize("family", [LlaInterpolator, LowessInterpolator])
def test_noisy_derivatives_are_accurate_at_automatic_settings(family):
    x = np.linspace(0, 2 * np.pi, 500)
    y = np.sin(x) + np.random.default_rng(0).normal(0, 0.05, 500)
    model = family().fit(x, y)
    grid = np.linspace(0.4, 2 * np.pi - 0.4, 200)
    for order, truth, tol in ((1, np.cos, 0.03), (2, lambda t: -np.sin(t), 0.1)):
        error = np.sqrt(np.mean((model.differentiate(order)(grid) - truth(grid)) ** 2))
        assert error < tol, (order, error)
    assert model.noise_std_ == pytest.approx(0.05, rel=0.15)


def test_bands_match_monte_carlo_spread():
    # With the degree and window fixed the estimate is linear in y: its standard error is
    # exact up to the noise estimate. Compare it with the spread over independent draws.
    x = np.sort(np.random.default_rng(9).uniform(0, 3, 150))
    grid = np.array([0.5, 1.5, 2.5])
    draws, stds = [], []
    for seed in range(200):
        y = np.sin(x) + np.random.default_rng(seed).normal(0, 0.1, x.size)
        model = LoessInterpolator(degree=3, frac=0.4, it=0).fit(x, y)
        value, std = model.differentiate(1)(grid, return_std=True)
        draws.append(value)
        stds.append(std)
    spread = np.std(draws, axis=0)
    np.testing.assert_allclose(np.mean(stds, axis=0), spread, rtol=0.15)


def test_robustness_iterations_resist_outliers():
    x = np.linspace(0, 2 * np.pi, 300)
    rng = np.random.default_rng(4)
    y = np.sin(x) + rng.normal(0, 0.02, 300)
    y[rng.choice(300, 15, replace=False)] += rng.choice([-2.0, 2.0], 15)
    grid = np.linspace(0.5, 2 * np.pi - 0.5, 200)
    errors = {}
    for it in (0, 3):
        slope = LowessInterpolator(it=it).fit(x, y).differentiate(1)(grid)
        errors[it] = np.sqrt(np.mean((slope - np.cos(grid)) ** 2))
    assert errors[3] < 0.05 < errors[0]


def test_each_series_gets_its_own_window():
    x = np.linspace(0, 1, 300)
    rng = np.random.default_rng(8)
    smooth = x**2 + rng.normal(0, 0.05, 300)
    wiggly = np.sin(30 * x) + rng.normal(0, 0.01, 300)
    both = LlaInterpolator().fit(x, np.column_stack([smooth, wiggly]))
    assert both.window_[0] > both.window_[1]
    alone = LlaInterpolator().fit(x, wiggly)
    grid = np.linspace(0.1, 0.9, 7)
    np.testing.assert_allclose(both.differentiate(1)(grid)[:, 1], alone.differentiate(1)(grid))


@pytest.mark.slow
def test_large_samples_are_binned_and_stay_accurate():
    n = 3 * BIN_ABOVE + 7
    x = np.linspace(0, 4 * np.pi, n)
    y = np.sin(x) + np.random.default_rng(0).normal(0, 0.1, n)
    model = LlaInterpolator().fit(x, y)
    assert model.state_.data.bin_size == 4
    assert model.window_ % 4 == 0 or model.window_ == n
    grid = np.linspace(1, 4 * np.pi - 1, 100)
    error = np.sqrt(np.mean((model.differentiate(1)(grid) - np.cos(grid)) ** 2))
    assert error < 0.02


def test_window_ladder_spans_the_sample():
    ladder = window_ladder(3, 500)
    assert ladder[0] == 3 and ladder[-1] == 500
    assert all(b > a for a, b in itertools.pairwise(ladder))
    assert max(b / a for a, b in itertools.pairwise(ladder[20:])) < 1.13


# ----------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("model", "error", "match"),
    [
        (LlaInterpolator(window_size=100), ValueError, "window_size asks for 100 samples"),
        (LlaInterpolator(window_size=1), ValueError, "window_size must be at least 2"),
        (LlaInterpolator(window_size=2.5), TypeError, "window_size must be an integer"),
        (LlaInterpolator(degree=9), ValueError, "degree must be at most 8"),
        (
            LlaInterpolator(window_size=3, degree=3),
            ValueError,
            "cannot fit a polynomial of degree 3",
        ),
        (LlaInterpolator(normalization="max"), ValueError, "normalization must be one of"),
        (LlaInterpolator(zero_mean="yes"), TypeError, "zero_mean must be True or False"),
        (GllaInterpolator(embedding=3, n=0), ValueError, "n must be at least 1"),
        (GllaInterpolator(embedding=60), ValueError, "embedding asks for 60 samples"),
        (LowessInterpolator(frac=0.0), ValueError, "frac must be"),
        (LowessInterpolator(frac=1.5), ValueError, "frac must be"),
        (LowessInterpolator(frac=0.02, degree=1), ValueError, "pass frac of at least"),
        (LowessInterpolator(it=11), ValueError, "it must be at most 10"),
        (LoessInterpolator(degree=-1), ValueError, "degree must be at least 0"),
    ],
)
def test_bad_parameters_are_refused_with_the_fix(model, error, match):
    x = np.linspace(0, 1, 50)
    with pytest.raises(error, match=match):
        model.fit(x, x**2)


def test_orders_above_a_fixed_degree_are_refused_with_the_fix():
    x = np.linspace(0, 1, 50)
    model = GllaInterpolator(n=2).fit(x, x**2)
    with pytest.raises(ValueError, match="raise n or pass n=None"):
        model.differentiate(3)
    auto = LlaInterpolator().fit(x, x**2)
    assert auto.differentiate(7)(0.5) == pytest.approx(0.0, abs=1e-3)
    with pytest.raises(ValueError, match="derivatives up to order 7"):
        auto.differentiate(8)


def test_pydelt_parameters_keep_their_meaning():
    # window_size=5 and degree=1 is PyDelt's LLA: the slope of the least-squares line
    # through the five nearest samples.
    x = np.array([0.0, 0.1, 0.3, 0.35, 0.6, 0.9, 1.0, 1.4])
    y = np.array([1.0, 0.8, 1.3, 1.1, 1.9, 2.2, 2.1, 3.0])
    model = LlaInterpolator(window_size=5, degree=1).fit(x, y)
    nearest = np.argsort(np.abs(x - 0.6))[:5]
    slope = np.polyfit(x[nearest], y[nearest], 1)[0]
    assert model.differentiate(1)(0.6) == pytest.approx(slope, rel=1e-12)
    assert model.window_ == 5 and model.degree_ == 1


# ---- extreme scales: the spline's internal units ---------------------------------------

_EPS = np.finfo(float).eps


def _line_tolerances(x, y, b):
    """Rounding-based tolerances for values and slopes of an exact line ``y ~ a + b x``:
    the data's own rounding (at least one ulp of ``|y| + |b x|``), times 1e4 (times 10 / h
    for the slope, h the mean spacing, and at least 1e4 ulps of the slope), as the fuzz
    harness judges them."""
    sigma = _EPS * float(np.max(np.abs(y) + np.abs(b * x)))
    h = 2.0 * float(np.mean(np.diff(x / 2)))  # halved: spans near 3e308 would overflow
    with np.errstate(over="ignore"):
        slope_tol = max(1e4 * sigma * 10.0 / h, 1e4 * _EPS * abs(b))
    return 1e4 * sigma, slope_tol


def _assert_near(actual, expected, tol):
    """Within ``tol``; where the tolerance itself overflows, at least finite."""
    assert np.all(np.isfinite(actual))
    if np.isfinite(tol):
        np.testing.assert_allclose(actual, expected, rtol=0, atol=tol)


@settings(max_examples=30, deadline=None)
@given(
    family=st.sampled_from(FAMILIES),
    log_span=st.integers(-300, 290),
    shift=st.sampled_from([0.0, 1.0, 1e6, -1e9]),
    log_scale=st.integers(-290, 290),
    alpha=st.floats(-3, 3),
    beta=st.floats(-3, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_exact_lines_are_reproduced_at_any_offset_and_magnitude(
    family, log_span, shift, log_scale, alpha, beta, seed
):
    """Lines ``a + b x`` whose x lie anywhere from spans of 1e-300 to offsets of 1e9 times
    the span, and whose values span 1e-290 to 1e290: values, slopes and second derivatives
    come back to the data's rounding, with finite standard errors."""
    rng = np.random.default_rng(seed)
    span, scale = 10.0**log_span, 10.0**log_scale
    x = span * (shift + np.sort(rng.uniform(0.0, 1.0, 30)))
    a, b = scale * alpha, scale * beta / span
    with np.errstate(all="ignore"):
        y = a + b * x
    if not (np.isfinite(b) and np.all(np.isfinite(y)) and np.all(np.diff(x) > 0)):
        return
    value_tol, slope_tol = _line_tolerances(x, y, b)
    model = family().fit(x, y)
    points = x[::4]
    _assert_near(model(points), a + b * points, value_tol)
    slope, std = model.differentiate(1)(points, return_std=True)
    _assert_near(slope, b, slope_tol)
    assert np.all(np.isfinite(std))


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(
    ("x", "truth"),
    [
        # offset 1e9 with a unit span (11 of the 16 digits are offset)
        (1e9 + np.linspace(0.0, 1.0, 40), (3.0 - 2e9, 2.0)),
        # a span of 1e-300 (spacings near the smallest normal numbers)
        (1e-300 * np.arange(30.0), (1.0, 1e300)),
        # a span of 3e308 (x to the ends of the float range)
        (1.5e308 * np.linspace(-1.0, 1.0, 30), (5.0, -1e-300)),
        # values of 1e300
        (np.linspace(0.0, 1.0, 30), (1e300, 1e300)),
    ],
)
def test_exact_lines_at_extreme_scales(family, x, truth):
    a, b = truth
    y = a + b * x
    value_tol, slope_tol = _line_tolerances(x, y, b)
    model = family().fit(x, y)
    _assert_near(model(x[::3]), y[::3], value_tol)
    _assert_near(model.differentiate(1)(x[::3]), b, slope_tol)
    h = 2.0 * float(np.mean(np.diff(x / 2)))
    with np.errstate(over="ignore"):
        curvature_tol = max(slope_tol * 10.0 / h, float(np.finfo(float).tiny))
    _assert_near(model.differentiate(2)(x[::3]), 0.0, curvature_tol)
    _, std = model.predict(x[::3], return_std=True)
    assert np.all(np.isfinite(std)) and np.all(std <= value_tol)


@pytest.mark.parametrize("family", FAMILIES)
def test_curves_near_the_float_limits_are_finite_and_scale_free(family):
    """A sine of amplitude 1e300 on x spanning 3e308 gives the fit of the same sine on a
    unit scale, multiplied back (up to rounding), not NaN or inf."""
    t = np.linspace(-1.0, 1.0, 47)
    y = np.sin(3 * t)
    small = family().fit(t, y)
    big = family().fit(1.5e308 * t, 1e300 * y)
    np.testing.assert_allclose(big(1.5e308 * t), 1e300 * small(t), rtol=1e-9, atol=1e291)
    slope, std = big.differentiate(1)(1.5e308 * t, return_std=True)
    np.testing.assert_allclose(slope, small.differentiate(1)(t) * 1e300 / 1.5e308, rtol=1e-6)
    assert np.all(np.isfinite(std)) and np.all(std > 0)


@pytest.mark.parametrize("family", FAMILIES)
def test_results_beyond_the_float_range_are_refused_with_the_fix(family):
    x = 1e-300 * np.arange(30.0)
    model = family().fit(x, 1e300 * np.sin(np.arange(30.0)))
    assert np.all(np.isfinite(model(x)))
    with pytest.raises(ValueError, match=r"exceeds the float64 range.*larger units"):
        model.differentiate(1)(x)


def test_samples_that_coincide_at_float64_resolution_are_refused():
    x = np.r_[0.0, 5e-324, 1e-323, np.arange(1.0, 10.0)]
    with pytest.raises(ValueError, match=r"5e-324.*so close together.*merge or drop"):
        LlaInterpolator().fit(x, x)


def test_noise_free_data_double_the_window_search():
    """Scores at rounding are ties: once there, window sizes double instead of walking the
    ladder, and among the ties the lowest exact degree and the largest window win, alone (an
    exact cubic on 3 000 samples: degree 3 on all of them, a dozen sizes scored)."""
    x = np.linspace(0.0, 1.0, 3000)
    y = (x**3 - x)[:, None] / 0.4
    ladder = window_ladder(3, x.size)
    choices, scores = cross_validate(
        x, y, np.ones(x.size), kernel="uniform", degrees=(1, 2, 3, 4), windows=ladder
    )
    scored = sorted({window for _, window in scores})
    assert len(scored) <= 16 < len(ladder)
    assert choices[0].degree == 3 and choices[0].windows == (3000,)
    assert min(float(s[0]) for s in scores.values()) == _selection_floor()


def _selection_floor():
    from pydelt_like.local._selection import ROUNDING_SCORE

    return ROUNDING_SCORE


def test_large_searches_leave_out_fewer_samples_the_same_for_every_window():
    """Above the budget the same evenly spread subset is scored for every window (so scores
    stay comparable); up to 1 000 samples every sample is left out."""
    from pydelt_like.local import _selection

    assert _selection.MAX_CV_POINTS == 1000

    seen = []
    original = _selection.window_sums

    def spy(x, y, w, points, **kwargs):
        seen.append((kwargs["window"], points.size))
        return original(x, y, w, points, **kwargs)

    x = np.linspace(0.0, 1.0, 3000)
    y = np.sin(5 * x)[:, None] + np.random.default_rng(0).normal(0, 0.1, (3000, 1))
    ladder = window_ladder(3, 3000)[-5:]
    try:
        _selection.window_sums = spy
        cross_validate(x, y, np.ones(3000), kernel="uniform", degrees=(1,), windows=ladder)
    finally:
        _selection.window_sums = original
    sizes = {size for _, size in seen}
    expected = max(200, min(1000, _selection.CV_BUDGET // sum(ladder)))
    assert sizes == {expected} and expected < 1000
