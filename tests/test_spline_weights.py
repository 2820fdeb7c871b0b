"""Weighted spline fits: the weights' promise is checked against the residuals and against
the rounding of the data, and the band widens where the promise is broken."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from pydelt_like import SplineInterpolator
from pydelt_like.spline._weights import decimal_resolution

GROWTH = np.log(1e6)  # y = exp(GROWTH x) spans six decades on [0, 1]
GRID = np.linspace(0.05, 0.95, 200)
TRUTH = GROWTH * np.exp(GROWTH * GRID)


def _six_decades(seed, bad=None, factor=10.0, n=200):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 1, n))
    x[0], x[-1] = 0.0, 1.0
    f = np.exp(GROWTH * x)
    sigma = 0.01 * f  # 1 % relative noise: weights 1 / sigma**2 span twelve decades
    actual = sigma.copy()
    if bad is not None:
        actual[(x >= bad[0]) & (x <= bad[1])] *= factor
    return x, f + rng.normal(0, 1, n) * actual, 1 / sigma**2


def _fit(x, y, w):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        derivative = SplineInterpolator().fit(x, y, weights=w).differentiate(1)
    return derivative, [str(c.message) for c in caught if c.category is RuntimeWarning]


def test_correct_inverse_variance_weights_give_a_calibrated_band_without_warnings():
    inside, warned = [], 0
    for seed in range(12):
        derivative, messages = _fit(*_six_decades(seed))
        warned += bool(messages)
        lower, upper = derivative.interval(GRID)
        inside.append(np.mean((TRUTH >= lower) & (TRUTH <= upper)))
    assert 0.88 <= np.mean(inside) <= 0.995
    assert warned <= 1  # the check's false alarms are rare


@pytest.mark.parametrize("bad", [(0.2, 0.4), (0.6, 0.8)])
def test_weights_understating_part_of_the_noise_warn_name_it_and_widen_the_band(bad):
    inside = []
    for seed in range(6):
        derivative, messages = _fit(*_six_decades(seed, bad=bad))
        assert any("understate the noise for x in" in m for m in messages)
        named = next(m for m in messages if "understate" in m)
        lo, hi = (float(v) for v in named.split("x in [")[1].split("]")[0].split(", "))
        assert lo <= bad[0] + 0.05 and hi >= bad[1] - 0.05  # the part is named
        assert lo >= bad[0] - 0.15 and hi <= bad[1] + 0.15
        lower, upper = derivative.interval(GRID)
        region = (GRID >= bad[0]) & (GRID <= bad[1])
        inside.append(np.mean(((TRUTH >= lower) & (TRUTH <= upper))[region]))
    assert np.mean(inside) >= 0.88


def test_unweighted_fits_are_not_checked():
    x, y, _ = _six_decades(0, bad=(0.2, 0.4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SplineInterpolator().fit(x, y)


def test_decimal_resolution_reads_the_last_written_digit():
    y = np.array([0.0002, 0.0012, 57.0, 316.1, 0.1 + 0.2, 0.0, 806.0])[:, None]
    quantum = decimal_resolution(y)[:, 0]
    np.testing.assert_allclose(quantum[[0, 1, 2, 3, 6]], [1e-4, 1e-4, 1.0, 0.1, 1.0])
    assert quantum[4] < 1e-15 and quantum[5] == 0.0


# The vapour pressure of mercury (mm Hg, 0 to 360 deg C): six decades, written with one to
# three significant digits, so the rounding of the low values is far coarser than weights
# 1/p**2 (equal relative errors) claim.
TEMPERATURE = np.arange(0.0, 361.0, 20.0)
PRESSURE = np.array(
    [0.0002, 0.0012, 0.006, 0.03, 0.09, 0.27, 0.75, 1.85, 4.2, 8.8, 17.3, 32.1, 57.0, 96.0,
     157.0, 247.0, 376.0, 558.0, 806.0]
)  # fmt: skip


def test_rounded_data_with_weights_that_ignore_the_rounding_warn_and_lower_those_weights():
    with pytest.warns(RuntimeWarning, match=r"x in \[0, 100\] are written with so few digits"):
        spline = SplineInterpolator().fit(TEMPERATURE, PRESSURE, weights=1 / PRESSURE**2)
    # A smooth model of ln p (three parameters, fitted to the same data) as the reference.
    design = np.c_[np.ones(19), 1 / (TEMPERATURE + 273.15), np.log(TEMPERATURE + 273.15)]
    coef = np.linalg.lstsq(design, np.log(PRESSURE), rcond=None)[0]
    t = np.array([0.0, 10.0, 20.0])
    kelvin = t + 273.15
    reference = np.exp(coef[0] + coef[1] / kelvin + coef[2] * np.log(kelvin)) * (
        -coef[1] / kelvin**2 + coef[2] / kelvin
    )
    values, std = spline.differentiate(1)(t, return_std=True)
    # Before the check the band sat 16 to 18 standard errors from the reference here.
    assert np.all(np.abs(values - reference) < 3.5 * std)
