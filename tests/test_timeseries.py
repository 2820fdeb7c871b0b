"""pydelt_like.timeseries: derivatives on real timestamps, checked against analytic truths."""

from __future__ import annotations

import datetime
import io

import numpy as np
import numpy.polynomial.polynomial as P
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pydelt_like import SplineInterpolator, registry, timeseries
from pydelt_like._validation import check_int
from pydelt_like.base import BaseInterpolator
from pydelt_like.timeseries import (
    ColumnDerivatives,
    TimeUnit,
    check_time_order,
    differentiate,
    differentiate_array,
    differentiate_long,
    estimator_factory,
    fit_columns,
    parse_time_unit,
    time_to_float,
)

pd = pytest.importorskip("pandas")

DAY = 86_400.0


@pytest.fixture
def xr():
    """xarray, for the tests that need it: the others run without it."""
    return pytest.importorskip("xarray")


def _irregular_frame(n=10_000, gap_fraction=0.01, seed=1):
    """3 columns on an irregular, time-zone-aware DatetimeIndex with NaN gaps, and the truths."""
    rng = np.random.default_rng(seed)
    sec = np.sort(rng.uniform(0, DAY, n))
    sec[0] = 0.0
    index = pd.Timestamp("2024-03-30 12:00", tz="Europe/Paris") + pd.to_timedelta(sec, unit="s")
    w = 2 * np.pi / 43_200  # two periods a day
    signals = {
        "wave": (np.sin(w * sec), w * np.cos(w * sec)),
        "trend": (1e-4 * sec + 0.3 * np.cos(3 * w * sec), 1e-4 - 0.9 * w * np.sin(3 * w * sec)),
        "decay": (np.exp(-sec / 40_000), -np.exp(-sec / 40_000) / 40_000),
    }
    frame = pd.DataFrame(
        {k: v[0] + 0.01 * rng.standard_normal(n) for k, v in signals.items()}, index=index
    )
    for column in frame:
        frame.loc[rng.random(n) < gap_fraction, column] = np.nan
    return frame, {k: v[1] for k, v in signals.items()}, sec


def test_issue_bar_three_columns_ten_thousand_irregular_rows_with_gaps():
    frame, truths, _ = _irregular_frame()
    original = frame.copy()
    result = differentiate(frame)  # per second
    pd.testing.assert_frame_equal(frame, original)  # the input is untouched
    assert result.index.equals(frame.index) and list(result.columns) == list(frame.columns)
    for column, truth in truths.items():
        assert frame[column].isna().sum() > 50  # the gaps are there
        values = result[column].to_numpy()
        assert np.isfinite(values).all()  # gaps are bridged, not left NaN
        inner = slice(300, -300)  # derivatives at the very ends are less sure
        error = values[inner] - truth[inner]
        assert np.sqrt(np.mean(error**2)) / np.std(truth) < 0.01, column
        assert np.max(np.abs(error)) / np.std(truth) < 0.03, column


def test_units_scale_the_derivative():
    index = pd.date_range("2024-01-01", periods=100, freq="37min")
    minutes = np.arange(100) * 37.0
    series = pd.Series(3.0 * minutes, index=index)  # 3 per minute
    assert differentiate(series, unit="min").iloc[50] == pytest.approx(3.0, rel=1e-9)
    assert differentiate(series).iloc[50] == pytest.approx(3.0 / 60, rel=1e-9)
    assert differentiate(series, unit="h").iloc[50] == pytest.approx(180.0, rel=1e-9)
    assert differentiate(series, unit="D").iloc[50] == pytest.approx(3.0 * 1440, rel=1e-9)
    assert differentiate(series, unit="15min").iloc[50] == pytest.approx(45.0, rel=1e-9)
    assert differentiate(series, unit=pd.Timedelta(hours=2)).iloc[50] == pytest.approx(360.0)
    per_year = differentiate(series, unit="year").iloc[50]
    assert per_year == pytest.approx(3.0 * 1440 * 365.25, rel=1e-9)
    second = differentiate(pd.Series(minutes**2, index=index), order=2, unit="min")
    assert second.iloc[50] == pytest.approx(2.0, rel=1e-6)


def test_timedelta_and_numeric_indexes():
    t = np.linspace(0.0, 10.0, 60)
    by_delta = pd.Series(t**2, index=pd.to_timedelta(t, unit="h"))
    assert differentiate(by_delta, unit="h").iloc[30] == pytest.approx(2 * t[30], rel=1e-8)
    by_number = pd.Series(t**2, index=t, name="y")
    result = differentiate(by_number)
    assert result.name == "y d/dx" and result.index.equals(by_number.index)
    np.testing.assert_allclose(result.to_numpy()[5:-5], 2 * t[5:-5], rtol=1e-8)
    with pytest.raises(ValueError, match=r"unit=.*numbers"):
        differentiate(by_number, unit="s")


def test_leading_and_trailing_gaps_give_nan_and_inner_gaps_are_filled():
    t = np.linspace(0, 1, 80)
    values = t**3
    values[:5] = np.nan
    values[40:43] = np.nan
    values[-3:] = np.nan
    series = pd.Series(values, index=t)
    result = differentiate(series).to_numpy()
    assert np.isnan(result[:5]).all() and np.isnan(result[-3:]).all()
    np.testing.assert_allclose(result[5:-3], 3 * t[5:-3] ** 2, atol=1e-9)


def test_columns_with_different_gaps_match_separate_fits():
    frame, _, _ = _irregular_frame(n=2_000, gap_fraction=0.02, seed=3)
    frame["copy"] = frame["wave"].fillna(0.5)  # complete column, fitted with any other complete one
    # The fill values stand far from the wave: gross outliers, kept here on purpose.
    together = differentiate(frame, order=2, unit="h", outliers="keep")
    for column in frame:
        alone = differentiate(frame[column], order=2, unit="h", outliers="keep")
        np.testing.assert_allclose(together[column], alone, rtol=1e-9, atol=1e-12)


def test_parameters_and_methods():
    t = np.linspace(0, 2 * np.pi, 200)
    series = pd.Series(np.sin(t), index=t)
    exact = differentiate(series, smoothing=0, k=3)  # interpolating cubic
    assert exact.iloc[100] == pytest.approx(np.cos(t[100]), abs=1e-5)
    template = SplineInterpolator(k=3)
    np.testing.assert_array_equal(
        differentiate(series, method=template).values, differentiate(series, k=3).values
    )
    assert not hasattr(template, "spline_")  # cloned, never fitted itself
    with pytest.raises(TypeError, match="set them on it"):
        differentiate(series, method=template, k=5)
    with pytest.raises(ValueError, match="method"):
        differentiate(series, method="fourier")
    with pytest.raises(TypeError, match="method='spline'"):
        differentiate(series, epochs=5)
    with pytest.raises(ValueError, match="order"):
        differentiate(series, order=-1)


@pytest.mark.slow
def test_neural_method_through_the_same_entry_point():
    pytest.importorskip("torch")
    t = np.linspace(0, 1, 60)
    series = pd.Series(2.0 * t + 1.0, index=pd.to_timedelta(t, unit="s"))
    result = differentiate(
        series, method="neural", hidden_layers=(8,), epochs=150, n_members=1, random_state=0
    )
    np.testing.assert_allclose(result.to_numpy()[5:-5], 2.0, rtol=0.05)


@pytest.mark.parametrize(
    ("index", "error", "match"),
    [
        (pd.to_datetime(["2024-01-02", "2024-01-01", "2024-01-03"]), ValueError, "not sorted"),
        (pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-03"]), ValueError, "repeated"),
        (pd.DatetimeIndex(["2024-01-01", pd.NaT, "2024-01-03"]), ValueError, "NaT"),
        (
            pd.Index(
                [
                    pd.Timestamp("2024-01-01", tz="UTC"),
                    pd.Timestamp("2024-01-02", tz="Asia/Tokyo"),
                    pd.Timestamp("2024-01-03"),
                ],
                dtype=object,
            ),
            TypeError,
            "time zones",
        ),
        (pd.Index(["a", "b", "c"]), TypeError, "strings"),
        (pd.MultiIndex.from_tuples([(1, 1), (1, 2), (2, 1)]), TypeError, "MultiIndex"),
    ],
)
def test_bad_indexes_are_refused_with_clear_messages(index, error, match):
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=index)
    with pytest.raises(error, match=match):
        differentiate(frame, smoothing=0, k=1)


def test_bad_data_are_refused():
    index = pd.date_range("2024-01-01", periods=10, freq="D")
    with pytest.raises(TypeError, match="column 'name'"):
        differentiate(pd.DataFrame({"v": np.arange(10.0), "name": list("abcdefghij")}, index=index))
    with pytest.raises(TypeError, match="Series or DataFrame"):
        differentiate(np.arange(10.0))
    with pytest.raises(ValueError, match="column 'v' with 3 valid values"):
        differentiate(pd.DataFrame({"v": [1.0, 2.0, 3.0] + [np.nan] * 7}, index=index))
    with pytest.raises(ValueError, match="not a time unit"):
        differentiate(pd.Series(np.arange(10.0), index=index), unit="fortnight")
    with pytest.raises(TypeError, match="xarray"):
        differentiate(pd.Series(np.arange(10.0), index=index), dim="time")


def test_time_to_float_is_exact_for_nanosecond_stamps():
    stamps = pd.DatetimeIndex(["2024-01-01 00:00:00", "2024-01-01 00:00:00.000000001"])
    np.testing.assert_array_equal(time_to_float(stamps, "ns"), [0.0, 1.0])
    tokyo = pd.date_range("2024-01-01", periods=3, freq="h", tz="Asia/Tokyo")
    np.testing.assert_array_equal(time_to_float(tokyo, "h"), [0.0, 1.0, 2.0])


@settings(deadline=None, max_examples=25)
@given(
    coefficients=st.lists(st.floats(-3, 3), min_size=4, max_size=4),
    gaps=st.sets(st.integers(1, 38), max_size=6),
    axis=st.sampled_from([0, 1]),
)
def test_array_derivatives_of_cubics_are_exact_with_any_inner_gaps(coefficients, gaps, axis):
    x = np.linspace(-1.0, 2.0, 40)
    c0, c1, c2, c3 = coefficients
    y = np.stack([c0 + c1 * x + c2 * x**2 + c3 * x**3, c1 * x], axis=1)
    y[sorted(gaps), 0] = np.nan
    if axis == 1:
        y = y.T
    d = differentiate_array(x, y, axis=axis)
    d = d if axis == 0 else d.T
    np.testing.assert_allclose(d[:, 0], c1 + 2 * c2 * x + 3 * c3 * x**2, atol=1e-7)
    np.testing.assert_allclose(d[:, 1], c1, atol=1e-9)


def test_array_input_errors():
    x = np.linspace(0, 1, 20)
    with pytest.raises(ValueError, match="not sorted"):
        differentiate_array(x[::-1], x)
    with pytest.raises(ValueError, match="axis"):
        differentiate_array(x, np.zeros((3, 20)))


def test_dataarray_follows_xarray_conventions(xr):
    time = pd.date_range("2024-01-01", periods=48, freq="h")
    hours = np.arange(48.0)
    values = np.stack([hours**2, 5 * hours, -hours], axis=1)
    array = xr.DataArray(
        values,
        dims=("time", "station"),
        coords={"time": time, "station": ["a", "b", "c"]},
        name="level",
    )
    ours = differentiate(array, dim="time", datetime_unit="h")
    theirs = array.differentiate("time", datetime_unit="h")  # exact for quadratics inside
    assert ours.dims == array.dims and ours.name == "level d/dt"
    np.testing.assert_allclose(ours.values[1:-1], theirs.values[1:-1], rtol=1e-8, atol=1e-8)
    # Without datetime_unit, xarray uses the coordinate's own resolution: so do we.
    line = array.isel(station=1)
    assert float(differentiate(line)[10]) == pytest.approx(float(line.differentiate("time")[10]))
    transposed = differentiate(array.T, dim="time", datetime_unit="h")
    np.testing.assert_allclose(transposed.T.values, ours.values)
    with pytest.raises(ValueError, match="dim="):
        differentiate(array)
    with pytest.raises(ValueError, match="not a dimension"):
        differentiate(array, dim="depth")
    with pytest.raises(TypeError, match="datetime_unit"):
        differentiate(array, dim="time", unit="h")


def test_an_interpolator_template_with_strict_settings_still_handles_gaps():
    t = np.linspace(0, 1, 50)
    values = 4 * t
    values[:3] = np.nan
    values[20] = np.nan
    template = SplineInterpolator(nan_policy="raise", extrapolate="raise")
    result = differentiate(pd.Series(values, index=t), method=template)
    assert np.isnan(result.iloc[:3]).all()
    np.testing.assert_allclose(result.iloc[3:], 4.0, rtol=1e-9)


def test_progress_bar_over_column_groups(capsys):
    pytest.importorskip("tqdm")
    t = np.linspace(0, 1, 40)
    frame = pd.DataFrame({"a": t.copy(), "b": 2 * t}, index=t)
    frame.iloc[5, 0] = np.nan  # two gap patterns: two groups
    result = differentiate(frame, progress=True)
    assert "column groups" in capsys.readouterr().err
    np.testing.assert_allclose(result.to_numpy(), [[1.0, 2.0]] * 40, rtol=1e-9)


def test_coarse_resolution_stamps_over_centuries_and_date_objects():
    days = np.arange("1000-01-01", "2000-01-01", np.timedelta64(3650, "D"), dtype="datetime64[D]")
    stamps = pd.DatetimeIndex(days.astype("datetime64[s]"))  # beyond 292 years in nanoseconds
    series = pd.Series(np.arange(len(stamps)) * 1.0, index=stamps)
    rate = differentiate(series, unit="year")
    np.testing.assert_allclose(rate.iloc[5:-5], 365.25 / 3650, rtol=1e-9)
    daily = pd.Series(np.arange(20.0), index=pd.date_range("2024-01-01", periods=20))
    by_date = daily.groupby(daily.index.date).mean()  # an object index of datetime.date
    np.testing.assert_allclose(differentiate(by_date, unit="D"), 1.0, rtol=1e-9)


def test_repeated_column_labels_empty_data_and_attributes():
    t = np.linspace(0, 1, 30)
    frame = pd.DataFrame(np.column_stack([t, 3 * t]), index=t, columns=["a", "a"])
    np.testing.assert_allclose(differentiate(frame).to_numpy(), [[1.0, 3.0]] * 30, rtol=1e-9)
    with pytest.raises(ValueError, match="no rows"):
        differentiate(pd.Series([], dtype=float, index=pd.DatetimeIndex([])))


def test_return_std_through_pandas_and_arrays():
    rng = np.random.default_rng(4)
    t = np.linspace(0, 6, 300)
    frame = pd.DataFrame({"a": np.sin(t) + rng.normal(0, 0.05, t.size)}, index=t)
    frame.iloc[[10, 50]] = np.nan
    rate, std = differentiate(frame, return_std=True)
    assert isinstance(std, pd.DataFrame) and std.index.equals(frame.index)
    valid = frame["a"].notna().to_numpy()
    fitted = SplineInterpolator().fit(t[valid], frame["a"].to_numpy()[valid]).differentiate(1)
    expected_values, expected_std = fitted(t, return_std=True)
    np.testing.assert_allclose(rate["a"], expected_values, rtol=1e-9)
    np.testing.assert_allclose(std["a"], expected_std, rtol=1e-9)
    values, array_std = differentiate_array(t, frame.to_numpy(), return_std=True)
    np.testing.assert_allclose(values[:, 0], expected_values, rtol=1e-9)
    np.testing.assert_allclose(array_std[:, 0], expected_std, rtol=1e-9)
    with pytest.raises(TypeError, match="return_std"):
        differentiate(frame, return_std=1)


def test_dataarray_attributes_describe_the_result_and_std_is_returned_alike(xr):
    t = np.linspace(0, 1, 40)
    array = xr.DataArray(
        5 * t, dims=("t",), coords={"t": t}, attrs={"units": "K", "note": "of the data"}
    )
    rate, std = differentiate(array, return_std=True)
    # The data's attributes are not the result's; a numeric axis has no unit to divide by.
    assert rate.attrs == {"long_name": "d/dt"} and std.attrs == {"long_name": "d/dt std"}
    assert std.dims == ("t",)
    np.testing.assert_allclose(rate.values, 5.0, rtol=1e-9)
    stamps = pd.date_range("2024-01-01", periods=40, freq="h")
    hourly = xr.DataArray(
        5 * t, dims=("time",), coords={"time": stamps}, name="T", attrs={"units": "K"}
    )
    rate, std = differentiate(hourly, datetime_unit="h", return_std=True)
    assert rate.name == "T d/dt" and rate.attrs == {"long_name": "T d/dt", "units": "K/h"}
    assert std.name == "T d/dt std" and std.attrs["units"] == "K/h"


# ------------------------------------------------------------------------------- units
# The truth, written out here rather than read from the module: every accepted spelling and
# its length in seconds. Calendar units are fixed: a Julian year of 365.25 days, a month of
# 1/12 and a quarter of 1/4 of it.
JULIAN_YEAR = 365.25 * DAY
UNIT_SECONDS = {
    **dict.fromkeys(["ns", "nanosecond", "nanoseconds", "nano", "nanos"], 1e-9),
    **dict.fromkeys(["us", "µs", "μs", "microsecond", "microseconds", "micro", "micros"], 1e-6),
    **dict.fromkeys(["ms", "millisecond", "milliseconds", "milli", "millis"], 1e-3),
    **dict.fromkeys(["s", "sec", "second", "seconds"], 1.0),
    **dict.fromkeys(["min", "minute", "minutes"], 60.0),
    **dict.fromkeys(["h", "hr", "hour", "hours"], 3600.0),
    **dict.fromkeys(["D", "day", "days"], DAY),
    **dict.fromkeys(["W", "week", "weeks", "W-SUN", "W-MON", "W-WED"], 7 * DAY),
    **dict.fromkeys(["month", "months"], JULIAN_YEAR / 12),
    **dict.fromkeys(["quarter", "quarters"], JULIAN_YEAR / 4),
    **dict.fromkeys(["year", "years"], JULIAN_YEAR),
}
_STAMPS = pd.Timestamp("2001-03-04 05:06:07") + pd.to_timedelta(
    [0, 1, 7_919, 86_400 * 40, 86_400 * 365 * 3 + 17], unit="s"
)
_STAMP_SECONDS = np.array([0, 1, 7_919, 86_400 * 40, 86_400 * 365 * 3 + 17], dtype=float)


def test_the_unit_table_is_the_documented_one():
    from pydelt_like.timeseries import TIME_UNITS

    assert dict(TIME_UNITS) == {
        name: UNIT_SECONDS[name]
        for name in ("ns", "us", "ms", "s", "min", "h", "D", "W", "month", "quarter", "year")
    }
    assert TIME_UNITS["month"] == 30.4375 * DAY and TIME_UNITS["quarter"] == 91.3125 * DAY


@settings(deadline=None, max_examples=100)
@given(
    spelling=st.sampled_from(sorted(UNIT_SECONDS)),
    multiple=st.one_of(
        st.none(), st.integers(1, 10**6), st.decimals("0.001", "1000", places=3).map(str)
    ),
    space=st.sampled_from(["", " "]),
)
def test_time_in_any_accepted_unit_times_its_length_is_seconds(spelling, multiple, space):
    unit = spelling if multiple is None else f"{multiple}{space}{spelling}"
    length = UNIT_SECONDS[spelling] * (1 if multiple is None else float(multiple))
    np.testing.assert_allclose(time_to_float(_STAMPS, unit) * length, _STAMP_SECONDS, rtol=1e-14)
    deltas = pd.TimedeltaIndex(_STAMPS - _STAMPS[0])
    np.testing.assert_allclose(time_to_float(deltas, unit) * length, _STAMP_SECONDS, rtol=1e-14)


@settings(deadline=None, max_examples=40)
@given(
    spelling=st.sampled_from(sorted(UNIT_SECONDS)),
    span=st.sampled_from([1e-3, 60.0, DAY, 30 * JULIAN_YEAR]),
    coefficients=st.lists(st.floats(-3, 3), min_size=3, max_size=3),
)
def test_the_derivative_per_unit_times_its_length_is_the_derivative_per_second(
    spelling, span, coefficients
):
    rng = np.random.default_rng(len(spelling))
    seconds = np.sort(rng.uniform(0, span, 80))
    index = pd.Timestamp("1990-01-01") + pd.to_timedelta(np.round(seconds * 1e9), unit="ns")
    u = time_to_float(index) / span  # 0..1
    a, b, c = coefficients
    noise = 0.01 * rng.standard_normal(u.size)
    series = pd.Series(a * np.sin(6 * u) + b * u**2 + c * u + noise, index=index)
    per_second = differentiate(series).to_numpy()
    per_unit = differentiate(series, unit=spelling).to_numpy()
    scale = np.max(np.abs(per_second))
    # The fit sees positions rescaled by the unit, which its automatic choices follow only to
    # rounding (about 1e-9 here, up to 3e-7 on noise-free data); a wrong length is off by far
    # more: a Gregorian instead of a Julian year by 3e-5.
    np.testing.assert_allclose(per_unit / UNIT_SECONDS[spelling], per_second, atol=1e-6 * scale)
    long = pd.DataFrame({"key": 1, "time": index, "value": series.to_numpy()})
    per_unit_long = differentiate_long(long, by="key", time="time", value="value", unit=spelling)
    np.testing.assert_allclose(per_unit_long.to_numpy(), per_unit, rtol=1e-12, atol=1e-12 * scale)
    per_unit_array = differentiate_array(index.to_numpy(), series.to_numpy(), unit=spelling)
    np.testing.assert_array_equal(per_unit_array, per_unit)


@pytest.mark.parametrize(
    ("unit", "seconds"),
    [
        (pd.Timedelta(minutes=90), 5400.0),
        (datetime.timedelta(days=2), 2 * DAY),
        (np.timedelta64(15, "m"), 900.0),  # a NumPy dtype's 'm' is a minute, without doubt
        (np.timedelta64(3, "W"), 21 * DAY),
        (np.timedelta64(250, "us"), 250e-6),
        ("1h30min", 5400.0),
        ("2 weeks", 14 * DAY),
        ("0.5h", 1800.0),
        ("3 months", 3 * JULIAN_YEAR / 12),
        ("PT15M", 900.0),  # ISO 8601: M after T is a minute
        ("P1DT2H", DAY + 7200.0),
        ("P2W", 14 * DAY),
        ("0 days 00:15:00", 900.0),  # str(pd.Timedelta(minutes=15))
        ("1 day, 2:00:00", DAY + 7200.0),  # str(datetime.timedelta(days=1, hours=2))
        ("  h ", 3600.0),
        ("+15min", 900.0),
    ],
)
def test_timedeltas_multiples_and_iso_durations(unit, seconds):
    np.testing.assert_allclose(
        time_to_float(_STAMPS, unit) * seconds, _STAMP_SECONDS, rtol=1e-14, atol=1e-9
    )


def test_pandas_frequency_objects_are_read_as_their_alias():
    np.testing.assert_allclose(time_to_float(_STAMPS, pd.offsets.Minute(15)) * 900, _STAMP_SECONDS)
    monthly = pd.date_range("2000-01-01", periods=24, freq="MS")
    with pytest.raises(ValueError, match="month-start"):
        time_to_float(monthly, monthly.freq)


@pytest.mark.parametrize(
    ("unit", "match"),
    [
        # The Mauna Loa case: monthly data show 'MS', which pandas' Timedelta reads as ms.
        ("MS", r"'MS' is pandas' month-start frequency.*unit='month'.*unit='ms'"),
        ("12MS", r"'MS' in unit='12MS' is pandas' month-start"),
        ("M", r"'M' means a month in NumPy.*unit='month'.*unit='min'"),
        ("m", r"'m' is a minute.*unit='min' or unit='month'"),
        ("15m", r"'m' in unit='15m'"),
        ("ME", r"calendar months.*unit='month'"),
        ("BMS", r"calendar months"),
        ("SMS", r"semi-month"),
        ("QS", r"calendar quarters.*unit='quarter'"),
        ("QE-DEC", r"calendar quarters"),
        ("Q", r"calendar quarters"),
        ("Y", r"calendar years.*365.2425.*unit='year'"),
        ("YS-JAN", r"calendar years"),
        ("A", r"calendar years"),
        ("AS", r"calendar years"),
        ("y", r"unit='year'"),
        ("a", r"unit='year'"),
        ("B", r"business"),
        ("bh", r"business"),
        ("T", r"retired pandas alias; spell it 'min'"),
        ("15T", r"'T' in unit='15T' is a retired pandas alias; spell it 'min'"),
        ("L", r"spell it 'ms'"),
        ("U", r"spell it 'us'"),
        ("N", r"spell it 'ns'"),
        ("H", r"spell it 'h'"),
        ("S", r"spell it 's'"),
        ("d", r"spell it 'D'"),
        ("Min", r"case-sensitive.*did you mean 'min'"),
        ("HOURS", r"case-sensitive.*did you mean 'hours'"),
        ("P1M", r"ISO 8601 years and months"),
        ("P1Y2D", r"ISO 8601 years and months"),
        ("fortnight", r"not a time unit; use 'ns', 'us'"),
        ("", r"not a time unit"),
        ("1e3s", r"not a time unit"),
        ("15 min 3", r"not a time unit"),
        ("--5s", r"not a time unit"),
        ("-1D", r"positive"),
        ("0s", r"positive"),
        ("0 days 00:00:00", r"positive"),
        ("1" + "0" * 400 + "D", r"finite"),
        (pd.Timedelta(0), r"positive"),
        (datetime.timedelta(hours=-1), r"positive"),
        (np.timedelta64("NaT"), r"NaT"),
        (np.timedelta64(1, "Y"), r"NumPy's calendar units.*unit='year'"),
        (np.timedelta64(1, "M"), r"NumPy's calendar units"),
        (np.timedelta64(5), r"no time unit of its own"),
    ],
)
def test_units_without_one_meaning_are_refused_with_the_choices(unit, match):
    with pytest.raises(ValueError, match=match):
        time_to_float(_STAMPS, unit)


@pytest.mark.parametrize("unit", [1, 3600.0, True, b"s", ["s"], pd.NaT, object()])
def test_units_of_the_wrong_type_are_refused(unit):
    with pytest.raises(TypeError, match="unit must be a string"):
        time_to_float(_STAMPS, unit)


def test_letter_case_never_silently_changes_a_unit():
    # Every case variant of every accepted spelling is either the same length or refused.
    for spelling, seconds in UNIT_SECONDS.items():
        for variant in {spelling.lower(), spelling.upper(), spelling.capitalize()}:
            try:
                t = time_to_float(_STAMPS, variant)
            except ValueError:
                continue
            np.testing.assert_allclose(t * seconds, _STAMP_SECONDS, rtol=1e-14, err_msg=variant)


def test_every_path_reads_the_same_table():
    index = pd.date_range("2024-01-01", periods=30, freq="D")
    series = pd.Series(np.arange(30.0), index=index)
    with pytest.raises(ValueError, match="month-start"):
        differentiate(series, unit="MS")
    with pytest.raises(ValueError, match="month-start"):
        differentiate_array(index.to_numpy(), series.to_numpy(), unit="MS")
    long = pd.DataFrame({"k": 0, "t": index, "v": series.to_numpy()})
    with pytest.raises(ValueError, match="month-start"):
        differentiate_long(long, by="k", time="t", value="v", unit="MS")
    per_month = differentiate(series, unit="month")
    np.testing.assert_allclose(per_month.to_numpy(), 30.4375, rtol=1e-9)


def test_the_xarray_path_reads_the_same_table(xr):
    index = pd.date_range("2024-01-01", periods=30, freq="D")
    array = xr.DataArray(np.arange(30.0), dims=("time",), coords={"time": index})
    with pytest.raises(ValueError, match=r"datetime_unit 'MS'.*datetime_unit='month'"):
        differentiate(array, datetime_unit="MS")
    with pytest.raises(ValueError, match="datetime_unit 'M' means a month"):
        differentiate(array, datetime_unit="M")
    # xarray's own 'm' is a minute, as in DataArray.differentiate
    per_minute = differentiate(array, datetime_unit="m")
    np.testing.assert_allclose(per_minute.values, 1 / 1440, rtol=1e-9)
    with pytest.raises(ValueError, match="has no coordinate"):
        differentiate(xr.DataArray(np.arange(5.0), dims=("t",)), datetime_unit="h")


def test_monthly_co2_like_growth_rate_per_month_and_per_year():
    # The finding: unit='MS' gave ppm per millisecond. A monthly record rising 2 ppm a year.
    index = pd.date_range("1990-01-01", periods=120, freq="MS")
    years = time_to_float(index, "year")
    series = pd.Series(350 + 2.0 * years + 3 * np.sin(2 * np.pi * years), index=index)
    truth = 2.0 + 6 * np.pi * np.cos(2 * np.pi * years)  # ppm per Julian year
    per_year = differentiate(series, unit="year").to_numpy()
    np.testing.assert_allclose(per_year[3:-3], truth[3:-3], atol=0.02)
    per_month = differentiate(series, unit="month").to_numpy()
    np.testing.assert_allclose(per_month * 12, per_year, rtol=1e-9)
    with pytest.raises(ValueError, match="month-start"):
        differentiate(series, unit=index.freqstr)


# ------------------------------------------------------------------------------- axis, index
@pytest.mark.parametrize(
    ("axis", "error", "match"),
    [
        (5, ValueError, r"axis must be at most 1, got 5; y has 2 dimensions"),
        (-3, ValueError, r"axis must be at least -2"),
        (2**70, ValueError, r"axis must be at most 1"),
        ("a", TypeError, r"axis must be an integer, got 'a'"),
        (1.0, TypeError, r"axis must be an integer, got 1.0"),
        (np.float64(0), TypeError, r"axis must be an integer"),
        (None, TypeError, r"axis must be an integer"),
        (True, TypeError, r"axis must be an integer"),
        ([0], TypeError, r"axis must be an integer"),
        ((0,), TypeError, r"axis must be an integer"),
    ],
)
def test_bad_axes_are_refused_by_name(axis, error, match):
    x = np.arange(20.0)
    y = np.stack([np.sin(x), np.cos(x)], axis=1)
    with pytest.raises(error, match=match):
        differentiate_array(x, y, axis=axis)


def test_numpy_integer_and_negative_axes_work():
    x = np.arange(20.0)
    y = np.stack([3 * x, -x], axis=0)
    expected = [[3.0] * 20, [-1.0] * 20]
    np.testing.assert_allclose(differentiate_array(x, y, axis=np.int64(1)), expected, rtol=1e-9)
    np.testing.assert_allclose(differentiate_array(x, y, axis=-1), expected, rtol=1e-9)


@pytest.mark.parametrize(
    ("index", "error", "match"),
    [
        (5, TypeError, r"the index must be a 1-D sequence.*got 5 \(int\)"),
        (1.5, TypeError, r"got 1.5 \(float\)"),
        ("abc", TypeError, r"got 'abc' \(str\)"),
        (b"ab", TypeError, r"\(bytes\)"),
        (None, TypeError, r"got None \(NoneType\)"),
        ({1: 2}, TypeError, r"\(dict\)"),
        ({1, 2}, TypeError, r"\(set\)"),
        ((i for i in range(3)), TypeError, r"\(generator\)"),
        (pd.Timestamp("2024-01-01"), TypeError, r"\(Timestamp\)"),
        (np.datetime64("2024-01-01"), ValueError, r"got shape \(\)"),
        (np.zeros((3, 2)), ValueError, r"got shape \(3, 2\)"),
        (pd.DataFrame({"a": [1, 2]}), TypeError, r"\(DataFrame\)"),
        (pd.MultiIndex.from_tuples([(1, 1), (1, 2)]), TypeError, r"MultiIndex"),
        ([1, "a"], TypeError, r"strings"),
        ([datetime.date(2024, 1, 1), 3.0], TypeError, r"dates or times"),
    ],
)
def test_bad_indexes_given_to_time_to_float_are_refused_by_name(index, error, match):
    with pytest.raises(error, match=match):
        time_to_float(index)
    with pytest.raises((TypeError, ValueError)):
        time_to_float(index, "h")


def test_time_to_float_reads_masked_arrays_and_lists():
    masked = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    np.testing.assert_array_equal(time_to_float(masked), [1.0, np.nan, 3.0])
    stamps = np.ma.masked_array(_STAMPS.to_numpy(), mask=[False, False, True, False, False])
    with pytest.raises(ValueError, match="missing timestamps"):
        time_to_float(stamps)
    np.testing.assert_array_equal(time_to_float(range(3)), [0.0, 1.0, 2.0])
    np.testing.assert_allclose(time_to_float(list(_STAMPS)), _STAMP_SECONDS)


@pytest.mark.parametrize("label", [["t"], {"t"}, np.array(["t"]), slice(None)])
def test_unhashable_column_labels_are_refused_by_name(label):
    frame = pd.DataFrame({"k": [0] * 10, "t": np.arange(10.0), "v": np.arange(10.0)})
    if not isinstance(label, list):
        with pytest.raises(TypeError, match="by must be a column label"):
            differentiate_long(frame, by=label, time="t", value="v")
    with pytest.raises(TypeError, match="time must be a column label"):
        differentiate_long(frame, by="k", time=label, value="v")
    with pytest.raises(TypeError, match="value must be a column label"):
        differentiate_long(frame, by="k", time="t", value=label)


@pytest.mark.parametrize("label", [["t"], {"t"}, np.array(["t"]), slice(None)])
def test_unhashable_dimension_names_are_refused_by_name(xr, label):
    array = xr.DataArray(np.arange(10.0), dims=("t",))
    with pytest.raises(TypeError, match="dim must be a dimension name"):
        differentiate(array, dim=label)


# ------------------------------------------------------------------ one registry of families
class _Polynomial(BaseInterpolator):
    """A toy family: a least-squares polynomial, its derivatives in closed form."""

    def __init__(self, *, degree=2, nan_policy="raise", extrapolate="raise"):
        self.degree = degree
        self.nan_policy = nan_policy
        self.extrapolate = extrapolate

    def _validate_params(self):
        check_int(self.degree, name="degree", low=0, high=9)

    def _min_points(self):
        return self.degree + 1

    def _fit(self, data):
        self.coef_ = P.polyfit(data.x, data.y, self.degree, w=np.sqrt(data.weights))

    def _evaluate(self, x, order):
        return P.polyval(x, P.polyder(self.coef_, order, axis=0)).reshape(-1, x.size).T


@pytest.fixture
def toy_family():
    family = registry.register("toy_poly", _Polynomial, summary="least-squares polynomial")
    yield family
    registry.unregister("toy_poly")


def test_a_registered_family_works_through_the_functions_and_the_command_line(
    toy_family, tmp_path, capsys
):
    from pydelt_like.cli import main

    t = np.linspace(-1.0, 2.0, 40)
    cubic, slope = 1 + 2 * t - 0.5 * t**3, 2 - 1.5 * t**2
    frame = pd.DataFrame({"a": cubic, "b": 3 * cubic}, index=t)
    frame.iloc[5, 0] = np.nan  # a gap: the time-series defaults (nan_policy='omit') apply
    result = differentiate(frame, method="toy_poly", degree=3)
    np.testing.assert_allclose(result["a"], slope, atol=1e-9)
    np.testing.assert_allclose(result["b"], 3 * slope, atol=1e-9)
    long = pd.DataFrame({"k": np.repeat([0, 1], 40), "t": np.tile(t, 2), "v": np.tile(cubic, 2)})
    rate = differentiate_long(long, by="k", time="t", value="v", method="toy_poly", degree=3)
    np.testing.assert_allclose(rate, np.tile(slope, 2), atol=1e-9)
    assert "toy_poly" in timeseries.METHODS  # registered after the import: read when asked
    with pytest.raises(ValueError, match="method='toy_poly': degree must be at most 9, got 99"):
        differentiate(frame, method="toy_poly", degree=99)  # at the call, before any fit
    with pytest.raises(NotImplementedError, match=r"toy_poly.*no uncertainty bands"):
        differentiate(frame, method="toy_poly", return_std=True)

    path = tmp_path / "cubic.csv"
    pd.DataFrame({"t": t, "y": cubic}).to_csv(path, index=False)
    arguments = ["diff", str(path), "--x", "t", "--method", "toy_poly", "--param", "degree=3"]
    assert main([*arguments, "--order", "1", "--order", "2", "--float-format", "%.17g"]) == 0
    written = pd.read_csv(io.StringIO(capsys.readouterr().out))
    np.testing.assert_allclose(written["y d/dt"], slope, atol=1e-9)
    np.testing.assert_allclose(written["y d²/dt²"], -3 * t, atol=1e-9)
    assert main([*arguments, "--std"]) == 1
    assert "--std needs uncertainty bands" in capsys.readouterr().err
    assert main([*arguments, "--smoothing", "0.1"]) == 1
    assert "toy_poly has none" in capsys.readouterr().err


def test_settings_are_checked_at_the_call_not_at_the_first_fit():
    t = np.linspace(0.0, 1.0, 30)
    series = pd.Series(t**2, index=t)
    long = pd.DataFrame({"k": 0, "t": t, "v": t**2})
    for call in (
        lambda **params: differentiate(series, **params),
        lambda **params: differentiate_array(t, t**2, **params),
        lambda **params: differentiate_long(long, by="k", time="t", value="v", **params),
        lambda **params: estimator_factory("spline", **params),
    ):
        with pytest.raises(ValueError, match="method='spline': k must be at most 7, got 99"):
            call(k=99)
        with pytest.raises(TypeError, match="method='spline': k must be an integer"):
            call(k=3.5)
        with pytest.raises(ValueError, match="extrapolate must be one of"):
            call(extrapolate="never")
    with pytest.raises(ValueError, match="SplineInterpolator: k must be at most 7"):
        differentiate(series, method=SplineInterpolator(k=99))  # a template is checked too
    with pytest.raises(ValueError, match=r"one of 'spline', 'neural'(, '\w+')*; got 'fourier'"):
        estimator_factory("fourier")


# ------------------------------------------------------------------ building blocks
def test_fit_columns_gives_every_order_of_one_fit_by_name():
    t = np.linspace(0.0, 2.0, 60)
    values = np.stack([np.sin(t), t**3], axis=1)
    values[10, 1] = np.nan
    fit, slope, curvature = fit_columns(t, values, orders=(0, 1, 2), return_std=True)
    assert isinstance(slope, ColumnDerivatives) and [fit.order, slope.order] == [0, 1]
    frame = pd.DataFrame(values, index=t, columns=["sin", "cube"])
    for result in (fit, slope, curvature):
        expected, std = differentiate(frame, order=result.order, return_std=True)
        np.testing.assert_array_equal(result.values, expected.to_numpy())
        np.testing.assert_array_equal(result.std, std.to_numpy())
    np.testing.assert_allclose(slope.values[5:-5, 0], np.cos(t[5:-5]), atol=1e-6)
    (only,) = fit_columns(t, pd.DataFrame({"y": 3 * t}), orders=1)  # a frame; one order
    assert only.std is None and only.values.shape == (60, 1)
    np.testing.assert_allclose(only.values[:, 0], 3.0, rtol=1e-9)


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        (([0.0, 2.0, 1.0, 3.0], [[1.0]] * 4), ValueError, r"t is not sorted \(1.0 at position 2"),
        (([0.0, 1.0, 2.0], [1.0, 2.0]), ValueError, r"values must have shape \(n,\) or \(n, m\)"),
        ((range(5), np.zeros(5), (1, 1)), ValueError, "distinct orders"),
        ((range(5), np.zeros(5), -1), ValueError, "order"),
        ((range(5), pd.DataFrame({"s": list("abcde")})), TypeError, "column 's' has dtype"),
        ((range(5), np.zeros(5), 1, "fourier"), ValueError, "got 'fourier'"),
    ],
)
def test_fit_columns_refuses_bad_inputs_by_name(arguments, error, match):
    with pytest.raises(error, match=match):
        fit_columns(*arguments)


def test_check_time_order_and_parse_time_unit_are_the_shared_checks():
    stamps = pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02"])
    with pytest.raises(ValueError, match=r"'2024-01-02 00:00:00' at position 2 .*\(sort it\)"):
        check_time_order(time_to_float(stamps), stamps, name="column 'day'", fix="sort it")
    with pytest.raises(ValueError, match="repeated values"):
        check_time_order([0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="labels has 2 entries"):
        check_time_order([0.0, 1.0, 2.0], ["a", "b"])
    check_time_order(pd.Series([1.0, 2.0], index=[5, 3]), pd.Series(["a", "b"], index=[9, 8]))
    unit = parse_time_unit("1h30min")
    assert isinstance(unit, TimeUnit) and unit.seconds == 5400.0 and unit.name == "1h30min"
    assert parse_time_unit(None).seconds == 1.0 and parse_time_unit(unit) is unit
    assert parse_time_unit("quarter").label == "quarter of 91.3125 d"
    with pytest.raises(ValueError, match="--unit 'MS' is pandas' month-start"):
        parse_time_unit("MS", param="--unit")
