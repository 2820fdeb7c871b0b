"""plot_derivatives draws what the interpolator computes, on the axes it is given."""

from __future__ import annotations

import numpy as np
import pytest

from pydelt_like import SplineInterpolator
from pydelt_like.plot import plot_derivatives

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _no_show_and_close(monkeypatch):
    def refuse():
        raise AssertionError("plot_derivatives must never call plt.show()")

    monkeypatch.setattr(plt, "show", refuse)
    yield
    plt.close("all")


@pytest.fixture
def spline():
    x = np.linspace(0, 2 * np.pi, 80)
    return SplineInterpolator().fit(x, np.sin(x))


def test_curves_are_the_fit_and_its_derivatives(spline):
    axes = plot_derivatives(spline, orders=(0, 1, 2), truth=[np.sin, np.cos, None], n_points=50)
    assert len(axes) == 3 and all(a.figure is axes[0].figure for a in axes)
    assert axes[0].get_shared_x_axes().joined(axes[0], axes[2])
    data, fit, truth = axes[0].get_lines()
    np.testing.assert_array_equal(data.get_xdata(), spline.samples_[0])
    grid = fit.get_xdata()
    assert grid.size == 50 and grid[0] == spline.x_min_ and grid[-1] == spline.x_max_
    np.testing.assert_allclose(fit.get_ydata(), spline(grid))
    np.testing.assert_allclose(truth.get_ydata(), np.sin(grid))
    for order, ax in ((1, axes[1]), (2, axes[2])):
        np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), spline.differentiate(order)(grid))
    assert len(axes[2].get_lines()) == 1  # None: no truth drawn
    assert [a.get_ylabel() for a in axes] == ["fit", "d/dx", "d²/dx²"]


def test_given_axes_dict_truth_and_explicit_data(spline):
    _, given = plt.subplots(2, 1)
    x_data, y_data = np.array([1.0, 2.0]), np.array([0.5, 0.7])
    axes = plot_derivatives(
        spline, orders=(0, 3), data=(x_data, y_data), truth={3: np.cos}, ax=given, xlabel="time"
    )
    assert list(axes) == list(given)
    np.testing.assert_array_equal(axes[0].get_lines()[0].get_ydata(), y_data)
    assert axes[1].get_xlabel() == "time" and axes[1].get_ylabel() == "d³/dtime³"
    assert len(axes[1].get_lines()) == 2


def test_batched_series_are_all_drawn_and_data_can_be_off():
    x = np.linspace(0, 1, 40)
    spline = SplineInterpolator().fit(x, np.stack([x, x**2, x**3], axis=1))
    (ax,) = plot_derivatives(spline, orders=(1,), data=False)
    assert len(ax.get_lines()) == 3
    np.testing.assert_allclose(
        ax.get_lines()[2].get_ydata(), 3 * ax.get_lines()[2].get_xdata() ** 2, atol=1e-8
    )


def test_derivative_objects_carry_no_samples(spline):
    derivative = spline.differentiate(1)
    assert not hasattr(derivative, "samples_")
    (ax,) = plot_derivatives(derivative, orders=(0,))
    assert len(ax.get_lines()) == 1  # no data points: they belong to the function


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"truth": np.sin}, TypeError, "one callable"),
        ({"truth": [np.sin]}, ValueError, "1 entries but orders has 3"),
        ({"truth": {5: np.sin}}, ValueError, "not in orders"),
        ({"orders": ()}, ValueError, "empty"),
        ({"n_points": 1}, ValueError, "n_points"),
        ({"n_points": 2.5}, TypeError, "n_points"),
        ({"n_points": True}, TypeError, "n_points"),
        ({"n_points": 10**9}, ValueError, "n_points must be at most 1000000"),
        ({"orders": (0, 1.5)}, TypeError, "order"),
        ({"orders": (-1,)}, ValueError, "order"),
        ({"data": (1, 2, 3)}, ValueError, "tuple"),
    ],
)
def test_bad_arguments(spline, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_derivatives(spline, **kwargs)


def test_unfitted_and_wrong_axes(spline):
    with pytest.raises(ValueError, match="not fitted"):
        plot_derivatives(SplineInterpolator())
    _, one = plt.subplots()
    with pytest.raises(ValueError, match="1 axes but orders has 3"):
        plot_derivatives(spline, ax=one)


def test_band_is_the_interpolators_interval(spline):
    noisy = SplineInterpolator().fit(
        spline.samples_[0],
        np.sin(spline.samples_[0]) + np.random.default_rng(0).normal(0, 0.05, 80),
    )
    axes = plot_derivatives(noisy, orders=(0, 1), band=0.9, n_points=60)
    for order, ax in enumerate(axes):
        (shade,) = ax.collections
        lower, upper = (noisy if order == 0 else noisy.differentiate(order)).interval(
            np.linspace(noisy.x_min_, noisy.x_max_, 60), level=0.9
        )
        path = shade.get_paths()[0].vertices
        assert np.isclose(path[:, 1].min(), lower.min()) and np.isclose(
            path[:, 1].max(), upper.max()
        )
    assert "90% band" in [t.get_text() for t in axes[0].get_legend().get_texts()]


# --------------------------------------------------------------- time series, for reports
pd = pytest.importorskip("pandas")


def _weekly(n=300, seed=0):
    rng = np.random.default_rng(seed)
    index = pd.date_range("1990-01-06", periods=n, freq="W")
    years = np.arange(n) * 7 / 365.25
    values = 350 + 1.5 * years + 3 * np.sin(2 * np.pi * years) + rng.normal(0, 0.3, n)
    series = pd.Series(values, index=index, name="co2")
    series.attrs["units"] = "ppm"
    return series


def test_a_series_is_drawn_in_dates_with_units_and_its_band():
    series = _weekly()
    axes = plot_derivatives(series, orders=(0, 1, 2), unit="year")
    assert [a.get_ylabel() for a in axes] == [
        "co2 fit [ppm]",
        "co2 d/dt [ppm/year]",
        "co2 d²/dt² [ppm/year²]",
    ]
    _, fit = axes[0].get_lines()[:2]  # the data, then the fit
    assert np.asarray(fit.get_xdata()).dtype.kind == "M"  # calendar dates
    assert np.asarray(fit.get_xdata())[0] == np.datetime64(series.index[0])
    assert axes[-1].get_xlabel() == "date"
    assert all(len(a.collections) == 1 for a in axes)  # the band, on every axes
    # The curve is the fit of differentiate, evaluated at every sample (and between them).
    from pydelt_like.timeseries import differentiate

    rate = differentiate(series, unit="year")
    (line,) = axes[1].get_lines()
    x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    # Every sample is a point of the curve (to the microsecond that float positions keep).
    nearest = np.searchsorted(x, series.index.to_numpy())
    nearest = np.where(
        np.abs(x[np.maximum(nearest - 1, 0)] - series.index.to_numpy())
        < np.abs(x[np.minimum(nearest, x.size - 1)] - series.index.to_numpy()),
        np.maximum(nearest - 1, 0),
        np.minimum(nearest, x.size - 1),
    )
    assert np.abs(x[nearest] - series.index.to_numpy()).max() < np.timedelta64(1, "ms")
    assert x.size >= 4 * series.size
    np.testing.assert_allclose(y[nearest], rate.to_numpy(), rtol=1e-9, atol=1e-9)


def test_y_limits_follow_the_curves_not_a_band_that_blows_up_at_the_ends():
    series = _weekly()
    (ax,) = plot_derivatives(series, orders=(1,), unit="year")
    (line,) = ax.get_lines()
    y = np.asarray(line.get_ydata())
    low, high = ax.get_ylim()
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() < low or band.max() > high  # the band's edges are not what sets them
    inner = y[len(y) // 20 : -len(y) // 20]
    assert low <= inner.min() and high >= inner.max()  # every seasonal peak is inside
    assert high - low < 1.5 * (inner.max() - inner.min()) + 1e-9


def test_a_band_only_where_the_fit_gives_one_and_long_gaps_are_not_drawn():
    series = _weekly()
    series.iloc[100:140] = np.nan  # 40 weeks missing
    (ax,) = plot_derivatives(series, orders=(0,), smoothing=0, unit="year", outliers="keep")
    assert not ax.collections  # an interpolating spline has no band: none is drawn
    x = np.asarray(ax.get_lines()[1].get_xdata())
    y = np.asarray(ax.get_lines()[1].get_ydata())
    gap = (x > np.datetime64(series.index[99])) & (x < np.datetime64(series.index[140]))
    assert gap.any() and np.isnan(y[gap]).all() and np.isfinite(y[~gap]).all()
    assert "not drawn across 1 gap" in ax.texts[0].get_text()
    with pytest.raises(ValueError, match="smoothing=0"):
        plot_derivatives(series, orders=(0,), smoothing=0, band=0.9)


def test_frames_dataarrays_periods_and_the_same_settings_as_differentiate():
    frame = pd.DataFrame({"a": _weekly(seed=1), "b": _weekly(seed=2) * 2})
    axes = plot_derivatives(frame, orders=(0, 1), unit="W", band=None, resolution="1year")
    labels = [line.get_label() for line in axes[1].get_lines()]
    assert labels == ["a", "b"] and axes[1].get_ylabel() == "d/dt [per week]"
    from pydelt_like.timeseries import differentiate

    rate = differentiate(frame, unit="W", resolution="1year")
    x = np.asarray(axes[1].get_lines()[0].get_xdata())
    y = np.asarray(axes[1].get_lines()[0].get_ydata())
    np.testing.assert_allclose(y[[0, -1]], rate["a"].iloc[[0, -1]], rtol=1e-9)
    assert x[0] == frame.index.to_numpy()[0]
    periods = pd.Series(
        np.arange(40.0) ** 1.5, index=pd.period_range("2000-01", periods=40, freq="M")
    )
    (ax,) = plot_derivatives(periods, orders=(1,), unit="month")
    assert np.asarray(ax.get_lines()[0].get_xdata()).dtype.kind == "M"
    xr = pytest.importorskip("xarray")
    t = np.linspace(0, 10, 200)
    array = xr.DataArray(np.sin(t), dims=("T",), coords={"T": t}, name="v", attrs={"units": "V"})
    (ax,) = plot_derivatives(array, orders=(1,), x_unit="K")
    assert ax.get_ylabel() == "v d/dT [V/K]" and ax.get_xlabel() == "T [K]"
    with pytest.raises(TypeError, match="apply to data"):
        plot_derivatives(SplineInterpolator().fit(t, np.sin(t)), resolution="1D")
    with pytest.raises(TypeError, match="fitted interpolator, or a pandas Series"):
        plot_derivatives([1, 2, 3])


def test_a_log_fit_is_drawn_on_a_log_axis_with_its_derivative_by_the_chain_rule():
    from pydelt_like.timeseries import fit_columns
    from tests.real_files import PRESSURE_P, PRESSURE_T

    pressure = pd.Series(PRESSURE_P, index=pd.Index(PRESSURE_T, name="T"), name="p")
    axes = plot_derivatives(pressure, orders=(0, 1), log=True, y_unit="mmHg", x_unit="degC")
    assert axes[0].get_yscale() == "log" and axes[1].get_yscale() == "linear"
    assert [a.get_ylabel() for a in axes] == ["p fit [mmHg]", "p d/dT [mmHg/degC]"]
    low, high = axes[0].get_ylim()
    assert 0 < low < PRESSURE_P.min() and high > PRESSURE_P.max()
    x = np.asarray(axes[1].get_lines()[0].get_xdata())
    y = np.asarray(axes[1].get_lines()[0].get_ydata())
    (slope,) = fit_columns(PRESSURE_T, PRESSURE_P, orders=1, log=True)
    np.testing.assert_allclose(y[np.isin(x, PRESSURE_T)], slope.values[:, 0], rtol=1e-9)
