"""pydelt_like.timeseries: derivatives on real timestamps, checked against analytic truths."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pydelt_like import SplineInterpolator
from pydelt_like.timeseries import differentiate, differentiate_array, time_to_float

pd = pytest.importorskip("pandas")

DAY = 86_400.0


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
    assert result.name == "y" and result.index.equals(by_number.index)
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
    together = differentiate(frame, order=2, unit="h")
    for column in frame:
        alone = differentiate(frame[column], order=2, unit="h")
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


xr = pytest.importorskip("xarray")


def test_dataarray_follows_xarray_conventions():
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
    assert ours.dims == array.dims and ours.name == "level"
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


def test_dataarray_attributes_are_dropped_and_std_is_returned_alike():
    xr = pytest.importorskip("xarray")
    t = np.linspace(0, 1, 40)
    array = xr.DataArray(5 * t, dims=("t",), coords={"t": t}, attrs={"units": "K"})
    rate, std = differentiate(array, return_std=True)
    assert rate.attrs == {} and std.attrs == {} and std.dims == ("t",)
    np.testing.assert_allclose(rate.values, 5.0, rtol=1e-9)
