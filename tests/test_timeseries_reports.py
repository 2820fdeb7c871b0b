"""Results for reports: names and units, periods, resolution, log, weights, outliers, integrals."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pydelt_like import SplineInterpolator
from pydelt_like.timeseries import (
    differentiate,
    differentiate_array,
    differentiate_long,
    fit_columns,
    fit_long,
    integrate,
    parse_time_unit,
    quantity,
    time_symbol,
)
from pydelt_like.timeseries._options import exp_derivatives, gross_outliers, knots_for

pd = pytest.importorskip("pandas")


# ------------------------------------------------------------------------ names and units
@pytest.mark.parametrize(
    ("args", "header"),
    [
        (("co2", 0, "ppm", "year"), "co2 fit [ppm]"),
        (("co2", 1, "ppm", "year"), "co2 d/dt [ppm/year]"),
        (("co2", 2, "ppm", "year"), "co2 d²/dt² [ppm/year²]"),
        (("co2", 12, "ppm", "s"), "co2 d¹²/dt¹² [ppm/s¹²]"),
        (("v", 1, "m/s", "s"), "v d/dt [(m/s)/s]"),
        (("v", 1, None, "h"), "v d/dt [per h]"),
        (("v", 2, None, "15min"), "v d²/dt² [per 15min²]"),
        (("v", 1, "m", None), "v d/dt"),  # a numeric x of unknown unit
        (("rain", -1, "mm/h", "h"), "∫ rain dt [mm]"),
        (("rain", -1, "mm", "h"), "∫ rain dt [mm·h]"),
        (("rain", -2, "mm/h/h", "h"), "∫∫ rain dt [mm]"),
        ((None, 1, None, None), "d/dt"),
    ],
)
def test_quantity_names_and_units(args, header):
    name, order, y_unit, x_unit = args
    assert quantity(name, order, y_unit=y_unit, x_unit=x_unit).header == header


def test_variable_names_and_time_symbols():
    assert quantity("p", 1, variable="T").name == "p d/dT"
    assert quantity("p", 1, variable="a long name").name == "p d/dx"  # not a short word
    assert [time_symbol(parse_time_unit(u)) for u in ("D", "W", "us", "year", "15min")] == [
        "d",
        "week",
        "µs",
        "year",
        "15min",
    ]


def test_series_results_are_named_with_units_in_attrs_and_data_untouched():
    index = pd.date_range("2024-01-01", periods=60, freq="D")
    days = np.arange(60.0)
    co2 = pd.Series(400 + 0.01 * days**2, index=index, name="co2")
    co2.attrs["units"] = "ppm"
    before = co2.copy()
    rate, std = differentiate(co2, unit="D", return_std=True)
    assert rate.name == "co2 d/dt" and rate.attrs == {"long_name": "co2 d/dt", "units": "ppm/d"}
    assert std.name == "co2 d/dt std" and std.attrs["units"] == "ppm/d"
    fit = differentiate(co2, order=0)
    assert fit.name == "co2 fit" and fit.attrs["units"] == "ppm"
    second = differentiate(co2, order=2, unit="W")
    assert second.attrs["units"] == "ppm/week²"
    np.testing.assert_allclose(second.iloc[5:-5], 0.02 * 49, rtol=1e-6)  # 0.02/day² × 49
    pd.testing.assert_series_equal(co2, before)
    assert co2.attrs == {"units": "ppm"}


def test_frames_keep_their_labels_and_say_what_they_hold_in_attrs():
    t = np.linspace(0, 1, 30)
    frame = pd.DataFrame({"a": t**2, "b": 3 * t}, index=pd.Index(t, name="T"))
    frame.attrs["units"] = {"a": "m"}
    rate = differentiate(frame)
    assert list(rate.columns) == ["a", "b"]  # fit - data lines up
    assert rate.attrs == {"long_name": {"a": "a d/dT", "b": "b d/dT"}, "units": {}}
    assert (differentiate(frame, order=0) - frame).abs().max().max() < 1e-9


# ------------------------------------------------------------------------------ periods
@pytest.mark.parametrize("freq", ["M", "Q", "Y"])
def test_period_indexes_count_from_each_periods_start(freq):
    periods = pd.period_range("2001", periods=40, freq=freq)
    days = (periods.to_timestamp() - periods.to_timestamp()[0]).days.to_numpy(dtype=float)
    series = pd.Series(5.0 + 0.5 * days, index=periods, name="x")
    rate = differentiate(series, unit="D")
    assert rate.index.equals(periods)
    np.testing.assert_allclose(rate, 0.5, rtol=1e-7)  # exact for a line in time


def test_a_series_of_periods_and_mixed_frequencies():
    from pydelt_like.timeseries import time_to_float

    months = pd.Series(pd.period_range("2020-01", periods=3, freq="M"))
    np.testing.assert_allclose(time_to_float(months, unit="D"), [0.0, 31.0, 60.0])
    mixed = pd.Index([pd.Period("2020-01", "M"), pd.Period("2020Q2", "Q")], dtype=object)
    with pytest.raises(TypeError, match="periods of different frequencies"):
        time_to_float(mixed)


# ---------------------------------------------------------------------------- resolution
def test_knots_for_a_resolution():
    assert knots_for(1.0, 44.0) == 44 and knots_for(1.0, 43.99999999999) == 44
    assert knots_for(4.0, 43.75) == 10 and knots_for(100.0, 1.0) == 1


def test_a_yearly_resolution_removes_the_seasons_and_keeps_the_trend():
    index = pd.date_range("2000-01-01", periods=10 * 52, freq="W")
    years = (index - index[0]).days.to_numpy() / 365.25
    rng = np.random.default_rng(0)
    trend = 0.08 * years**2
    series = pd.Series(trend + 3 * np.sin(2 * np.pi * years) + rng.normal(0, 0.1, years.size))
    series.index = index
    smooth = differentiate(series, unit="year", resolution="1year")
    # The trend's slope 0.16 t, without the seasonal swing of ±6π ppm/year.
    inner = slice(60, -60)
    swing = 3 * 2 * np.pi  # the seasons' rate: ±18.8 a year
    assert np.abs(smooth.iloc[inner] - 0.16 * years[inner]).max() < 0.05 * swing
    followed = differentiate(series, unit="year")
    assert np.abs(followed.iloc[inner] - 0.16 * years[inner]).max() > 0.8 * swing
    same = differentiate(series, unit="year", resolution=1.0)  # a number: in unit's units
    pd.testing.assert_series_equal(smooth, same)
    in_days = differentiate(series, unit="D", resolution=365.25)
    np.testing.assert_allclose(in_days * 365.25, smooth, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"resolution": "1Y"}, ValueError, "resolution='year'"),
        ({"resolution": -1.0}, ValueError, "resolution"),
        ({"resolution": True}, TypeError, "resolution"),
        ({"resolution": "1year", "max_knots": 3}, ValueError, "not both"),
        ({"resolution": "1year", "method": "neural"}, ValueError, "max_knots"),
    ],
)
def test_bad_resolutions_are_refused(kwargs, error, match):
    index = pd.date_range("2000-01-01", periods=30, freq="MS")
    series = pd.Series(np.arange(30.0), index=index)
    with pytest.raises(error, match=match):
        differentiate(series, **kwargs)


def test_a_time_resolution_needs_a_time_axis():
    with pytest.raises(ValueError, match="length of time, but the positions are numbers"):
        differentiate(pd.Series(np.arange(20.0)), resolution="1D")
    with pytest.raises(ValueError, match="length of time"):
        differentiate_array(np.arange(20.0), np.arange(20.0), resolution="2h")


# ---------------------------------------------------------------------- the log transform
def test_exp_derivatives_are_the_chain_rule():
    sympy = pytest.importorskip("sympy")
    x = sympy.symbols("x")
    f = sympy.sin(x) + x**2 / 3
    points = np.array([0.3, 1.1])
    parts = [np.array([float(sympy.diff(f, x, j).subs(x, p)) for p in points]) for j in range(5)]
    for order in range(5):
        truth = [float(sympy.diff(sympy.exp(f), x, order).subs(x, p)) for p in points]
        value, _ = exp_derivatives(parts, None, order)
        np.testing.assert_allclose(value, truth, rtol=1e-12)


def test_the_log_standard_error_bounds_each_linear_term():
    f = [np.array([1.0]), np.array([2.0]), np.array([0.5])]
    std = [np.array([0.1]), np.array([0.2]), np.array([0.3])]
    value, error = exp_derivatives(f, std, 2)
    e = math.e
    # y'' = e^f (f'' + f'^2): partials e^f (f''+f'^2), 2 e^f f', e^f.
    assert value[0] == pytest.approx(e * 4.5)
    assert error[0] == pytest.approx(e * 4.5 * 0.1 + 2 * e * 2.0 * 0.2 + e * 0.3)


def test_a_log_fit_follows_data_spanning_decades():
    # The vapour pressure of mercury (R's pressure data): exp over seven decades.
    from tests.real_files import PRESSURE_P, PRESSURE_T

    fit, slope = fit_columns(PRESSURE_T, PRESSURE_P, orders=(0, 1), log=True, return_std=True)
    # The data are rounded to one or two digits (0.03 for 0.026): within that.
    np.testing.assert_allclose(fit.values[:, 0], PRESSURE_P, rtol=0.15)
    # Clausius-Clapeyron: dp/dT = p L / (R T^2); ln p against 1/T gives L/R of about 7,300 K.
    kelvin = PRESSURE_T + 273.15
    slope_ln = np.polyfit(1 / kelvin, np.log(PRESSURE_P), 1)[0]
    expected = PRESSURE_P * -slope_ln / kelvin**2
    np.testing.assert_allclose(slope.values[:, 0], expected, rtol=0.12)
    assert (slope.std[:, 0] > 0).all() and (slope.std[:, 0] < 0.25 * slope.values[:, 0]).all()
    plain = fit_columns(PRESSURE_T, PRESSURE_P, orders=1)[0].values[:, 0]
    assert (plain[:3] < 0).any() or abs(plain[0] / expected[0]) > 10  # why the log is needed
    with pytest.raises(ValueError, match=r"value <= 0 at row 1 .*log transform"):
        fit_columns(PRESSURE_T, np.r_[1.0, 0.0, PRESSURE_P[2:]], log=True)


# -------------------------------------------------------------------------------- weights
def test_weights_are_the_interpolators_own():
    rng = np.random.default_rng(1)
    t = np.linspace(0, 1, 80)
    w = rng.uniform(0.2, 2.0, t.size)
    y = np.sin(4 * t) + rng.normal(0, 0.05, t.size) / np.sqrt(w)  # inverse variances
    (ours,) = fit_columns(t, y, orders=1, weights=w)
    spline = SplineInterpolator(nan_policy="omit", extrapolate="nan").fit(t, y, weights=w)
    np.testing.assert_allclose(ours.values[:, 0], spline.differentiate(1)(t), rtol=1e-12)
    with pytest.raises(ValueError, match=r"weights has 1 missing, infinite or negative .*row 3"):
        fit_columns(t, y, weights=np.r_[w[:3], -1.0, w[4:]])


# ------------------------------------------------------------------------------- outliers
def test_a_typo_is_named_and_omitted_on_request():
    stamps = pd.date_range("2024-03-01", periods=40, freq="4h")
    hours = np.arange(40) * 4.0
    clean = 37 + 0.5 * np.sin(hours / 24)
    typo = clean.copy()
    typo[17] = 3.7
    series = pd.Series(typo, index=stamps, name="temperature")
    with pytest.warns(RuntimeWarning, match=r"'temperature' has 1 gross outlier .*3\.7 at "
                      r"2024-03-03 20:00:00.*outliers='omit'"):  # fmt: skip
        differentiate(series, unit="h")
    with pytest.warns(RuntimeWarning, match="left out of the fit"):
        omitted = differentiate(series, unit="h", outliers="omit")
    without = differentiate(series.drop(stamps[17]), unit="h")
    np.testing.assert_allclose(omitted.drop(stamps[17]), without, rtol=1e-9, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        differentiate(series, unit="h", outliers="keep")
        differentiate(pd.Series(clean, index=stamps), unit="h")
    with pytest.raises(ValueError, match="outliers"):
        differentiate(series, outliers="drop")


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(20, 400), st.floats(0.01, 3.0))
def test_gaussian_noise_and_steps_are_never_gross_outliers(seed, n, noise):
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 10, n))
    y = np.sin(t) + (t > 5) * 4.0 + rng.normal(0, noise, n)
    assert not gross_outliers(t, y).any()


# ------------------------------------------------------------------------- short series
def test_too_short_series_say_what_to_change():
    t = np.arange(79.0)
    values = np.full((79, 2), np.nan)
    values[:5] = np.arange(10.0).reshape(5, 2)
    with pytest.raises(ValueError, match=r"^2 columns with 5 valid values of 79: .*at least 7; "
                       r"pass k=3 \(which needs 5\)"):  # fmt: skip
        fit_columns(t, values)
    frame = pd.DataFrame({"s": ["a"] * 5, "t": np.arange(5.0), "v": np.arange(5.0)})
    with pytest.raises(ValueError, match=r"^series 'a' with 5 valid values"):
        fit_long(frame, "s", "t", "v")
    results = fit_long(frame, "s", "t", "v", k=3)  # the fix works
    np.testing.assert_allclose(results[0].values[:, 0], 1.0)


# ---------------------------------------------------------------------------- long format
def test_long_format_gives_every_order_with_bands_and_weights():
    rng = np.random.default_rng(2)
    t = np.linspace(0, 2, 60)
    frame = pd.DataFrame(
        {
            "tree": ["a"] * 60 + ["b"] * 60,
            "year": np.r_[t, t],
            "h": np.r_[t**2, 3 * t] + rng.normal(0, 0.01, 120),
            "w": np.r_[np.ones(60), rng.uniform(0.5, 2, 60)],
        }
    ).sample(frac=1.0, random_state=0)
    fit, slope = fit_long(frame, "tree", "year", "h", orders=(0, 1), return_std=True, weights="w")
    truth = np.where(frame["tree"] == "a", 2 * frame["year"], 3.0)
    inner = (frame["year"] > 0.2) & (frame["year"] < 1.8)
    np.testing.assert_allclose(slope.values[inner, 0], truth[inner], atol=0.1)
    assert np.isfinite(slope.std).all() and np.isfinite(fit.std).all()
    rate, std = differentiate_long(frame, by="tree", time="year", value="h", return_std=True)
    assert rate.name == "h d/dyear" and std.name == "h d/dyear std"
    assert rate.index.equals(frame.index)


# ------------------------------------------------------------------------------ integrate
def test_integrate_is_the_inverse_of_differentiate():
    x = np.linspace(0, 6, 300)
    series = pd.Series(np.sin(x), index=pd.Index(x, name="x"), name="s")
    total = integrate(series)
    np.testing.assert_allclose(total, 1 - np.cos(x), atol=1e-6)
    back = differentiate(total)
    np.testing.assert_allclose(back.iloc[3:-3], np.sin(x)[3:-3], atol=1e-4)
    assert total.name == "∫ s dx" and total.iloc[0] == 0.0


def test_integrate_keeps_gaps_units_and_other_families():
    hours = pd.date_range("2024-06-01", periods=49, freq="h")
    frame = pd.DataFrame({"rain": 2.0 + 0 * np.arange(49.0), "snow": np.arange(49.0)}, hours)
    frame.iloc[:5, 1] = np.nan
    frame.attrs["units"] = {"rain": "mm/h"}
    total = integrate(frame, unit="h")
    assert total.attrs["units"] == {"rain": "mm"} and list(total.columns) == ["rain", "snow"]
    np.testing.assert_allclose(total["rain"], 2.0 * np.arange(49), atol=1e-9)
    assert total["snow"].iloc[:5].isna().all() and total["snow"].iloc[5] == 0.0
    np.testing.assert_allclose(total["snow"].iloc[5:], (np.arange(5, 49) ** 2 - 25) / 2, rtol=1e-6)
    from pydelt_like import registry

    if "neural" in registry.names():  # quadrature where there is no antiderivative
        small = {"hidden_layers": [8], "epochs": 30, "lbfgs_iterations": 30, "n_members": 1}
        quad = integrate(frame["rain"], method="neural", unit="h", **small)
        np.testing.assert_allclose(quad.iloc[-1], 96.0, rtol=0.05)


def test_the_bootstrap_band_matches_the_spread_over_many_records():
    rng = np.random.default_rng(5)
    t = np.linspace(0, 10, 200)
    truth = 1 + np.sin(t)
    sigma = 0.3
    records = truth[:, None] + rng.normal(0, sigma, (t.size, 150))
    # The spread of the integral over 150 independent records, fitted as one batch...
    frame = pd.DataFrame(records, index=pd.Index(t, name="t"))
    spread = integrate(frame).std(axis=1, ddof=1)
    # ... against the bootstrap standard error of a few single records.
    bands = [integrate(frame[j], return_std=True, n_draws=200, random_state=j)[1] for j in range(6)]
    band = pd.concat(bands, axis=1).median(axis=1)
    for position in (50, 100, 199):
        assert band.iloc[position] == pytest.approx(spread.iloc[position], rel=0.3)


def test_integrate_refuses_what_it_cannot_do():
    series = pd.Series(np.arange(20.0))
    with pytest.raises(TypeError, match="wrap NumPy arrays in a Series"):
        integrate(np.arange(20.0))
    with pytest.raises(ValueError, match="n_draws"):
        integrate(series, return_std=True, n_draws=5)
    with pytest.raises(ValueError, match="smoothing=0"):
        integrate(series, return_std=True, smoothing=0)


@pytest.mark.parametrize(
    ("period", "kept_below", "kept_above"),
    [(0.5, 0.02, 0.0), (1.0, 0.2, 0.1), (2.0, 1.1, 0.95)],
)
def test_what_a_resolution_keeps_of_a_cycle_is_what_the_docs_say(period, kept_below, kept_above):
    # The table of docs/timeseries.md: a cycle of `period` resolutions, fitted with the most
    # knot intervals the resolution allows (a tiny residual target takes all of them).
    t = np.linspace(0.0, 20.0, 2000)
    kept = []
    for phase in (0.0, 0.3):
        y = np.sin(2 * np.pi * t / period + phase)
        with pytest.warns(RuntimeWarning, match="no spline with at most 20 knot intervals"):
            (fit,) = fit_columns(t, y, orders=0, resolution=1.0, smoothing=1e-12, outliers="keep")
        inner = (t > 2) & (t < 18)
        kept.append(np.abs(fit.values[inner, 0]).max())
    assert kept_above <= max(kept) <= kept_below
