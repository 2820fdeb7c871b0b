"""Many series at once: long format, and lazy dask arrays/DataFrames (threads and processes).

The dask results are checked against the in-memory path: bit for bit on the same blocks of
series, and to rounding against one batch of all series (the automatic smoothing searches
knot counts for a whole batch, so a batch's composition moves results by ~1e-13 relative).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from pydelt_like import SplineInterpolator
from pydelt_like.timeseries import differentiate, differentiate_array, differentiate_long

pd = pytest.importorskip("pandas")


def _waves(n=200, m=9, seed=0):
    """m noisy sines of different frequencies at n shared times, and their derivatives."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 6.0, n)
    freq = rng.uniform(0.5, 2.0, m)
    y = np.sin(freq * t[:, None]) + 1e-3 * rng.standard_normal((n, m))
    return t, y, freq * np.cos(freq * t[:, None])


def _per_block(t, y, size, **params):
    """The in-memory path run on blocks of ``size`` series, as a dask chunking would."""
    return np.concatenate(
        [differentiate_array(t, y[:, i : i + size], **params) for i in range(0, y.shape[1], size)],
        axis=1,
    )


def _long_frame(seed=0):
    """Five series in shuffled long format: two share their times, three have their own."""
    rng = np.random.default_rng(seed)
    shared = np.sort(rng.uniform(0, 4, 120))
    times = {
        "a": shared,
        "b": shared,
        "c": np.linspace(0, 4, 90),
        "d": np.sort(rng.uniform(0, 4, 150)),
    }
    times["e"] = np.linspace(0, 3, 60)
    slope = {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0}
    parts = [
        pd.DataFrame(
            {
                "sensor": key,
                "t": s,
                "level": slope[key] * np.sin(s),
                "truth": slope[key] * np.cos(s),
            }
        )
        for key, s in times.items()
    ]
    frame = pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=seed)
    return frame.set_index(pd.Index(np.arange(len(frame)) * 10 + 7, name="row"))


# ----------------------------------------------------------------------------- long format
def test_long_format_matches_truth_aligned_with_shuffled_rows():
    frame = _long_frame()
    original = frame.copy()
    result = differentiate_long(frame, by="sensor", time="t", value="level")
    pd.testing.assert_frame_equal(frame, original)  # not sorted in place
    assert result.index.equals(frame.index) and result.name == "level d/dt"
    inner = (frame["t"] > 0.3) & (frame["t"] < frame.groupby("sensor")["t"].transform("max") - 0.3)
    np.testing.assert_allclose(result[inner], frame["truth"][inner], atol=2e-4)


def test_long_format_batches_series_that_share_their_times():
    frame = _long_frame()
    result = differentiate_long(frame, by="sensor", time="t", value="level", order=2)
    wide = frame[frame["sensor"].isin(["a", "b"])].pivot(
        index="t", columns="sensor", values="level"
    )
    batch = differentiate_array(wide.index.to_numpy(), wide.to_numpy(), order=2)
    for j, key in enumerate(wide.columns):
        rows = frame["sensor"] == key
        got = pd.Series(result[rows].to_numpy(), index=frame.loc[rows, "t"]).sort_index()
        np.testing.assert_array_equal(got.to_numpy(), batch[:, j])  # the same batched fit
    alone = frame[frame["sensor"] == "c"].sort_values("t")
    expected = differentiate_array(alone["t"].to_numpy(), alone["level"].to_numpy(), order=2)
    np.testing.assert_array_equal(result.loc[alone.index].to_numpy(), expected)


def test_long_format_timestamps_units_keys_and_gaps():
    t = np.arange(0.0, 48.0)
    start = {"x": "2024-01-01", "y": "2024-06-30 12:00"}
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "site": s,
                    "probe": 1,
                    "when": pd.Timestamp(day) + pd.to_timedelta(t, unit="h"),
                    "v": 2.0 * t,
                }
            )
            for s, day in start.items()
        ],
        ignore_index=True,
    )
    frame.loc[5, "v"] = np.nan  # a gap inside series x
    frame.loc[len(t) - 1, "v"] = np.nan  # a gap at the end of series x
    result = differentiate_long(frame, by=["site", "probe"], time="when", value="v", unit="h")
    np.testing.assert_allclose(result.drop(index=len(t) - 1), 2.0, rtol=1e-9)
    assert np.isnan(result[len(t) - 1])
    per_day = differentiate_long(
        frame.set_index("site"), by="site", time="when", value="v", unit="D"
    )
    np.testing.assert_allclose(per_day.dropna(), 48.0, rtol=1e-9)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda f: f.drop(columns="t"), ValueError, r"time='t' is not a column"),
        (
            lambda f: f.rename(columns={"sensor": "id"}),
            ValueError,
            r"by='sensor' is not a column or index",
        ),
        (lambda f: f.assign(level=f["level"].astype(str)), TypeError, r"column 'level' has dtype"),
        (
            lambda f: f.assign(t=np.where(f.index == f.index[3], np.nan, f["t"])),
            ValueError,
            r"missing or infinite.*row 37",
        ),
        (lambda f: pd.concat([f, f.iloc[[0]]]), ValueError, r"series '\w' has the time .* twice"),
        (lambda f: f[(f["sensor"] != "e") | (f["t"] == 0)], ValueError, r"series 'e' with 1 valid"),
    ],
)
def test_long_format_errors(change, error, match):
    with pytest.raises(error, match=match):
        differentiate_long(change(_long_frame()), by="sensor", time="t", value="level")


def test_long_format_argument_errors():
    frame = _long_frame()
    with pytest.raises(ValueError, match="must name different columns"):
        differentiate_long(frame, by="sensor", time="t", value="t")
    with pytest.raises(TypeError, match="long format"):
        differentiate_long(frame.to_numpy(), by="sensor", time="t", value="level")
    with pytest.raises(TypeError, match="method='spline'"):
        differentiate_long(frame, "sensor", "t", "level", smoothing="auto", knots=3)
    empty = differentiate_long(frame.iloc[:0], "sensor", "t", "level")
    assert len(empty) == 0


# ----------------------------------------------------------------------------- dask, threaded
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
dask = pytest.importorskip("dask")


def test_dask_array_chunked_across_series_is_lazy_and_matches_memory():
    t, y, truth = _waves()
    y[20:25, 1] = np.nan
    lazy = differentiate_array(t, da.from_array(y, chunks=(t.size, 4)))
    assert isinstance(lazy, da.Array) and lazy.dtype == np.float64 and lazy.chunks[1] == (4, 4, 1)
    with dask.config.set(scheduler="threads"):
        result = lazy.compute()
    np.testing.assert_array_equal(result, _per_block(t, y, 4))
    np.testing.assert_allclose(result, differentiate_array(t, y), rtol=0, atol=1e-10)
    np.testing.assert_allclose(result[10:-10], truth[10:-10], atol=0.02)


def test_dask_array_with_chunked_samples_is_rechunked_whole_and_axis_is_honoured():
    t, y, _ = _waves()
    sideways = da.from_array(y.T.copy(), chunks=(3, 50))  # samples along axis 1, in 4 chunks
    lazy = differentiate_array(t, sideways, order=2, axis=1)
    assert all(len(c) == 1 for c in lazy.chunks[1:]) and lazy.shape == y.T.shape
    with dask.config.set(scheduler="synchronous"):
        result = lazy.compute()
    np.testing.assert_allclose(result, differentiate_array(t, y, order=2).T, rtol=0, atol=1e-8)


def test_dask_array_errors():
    t, y, _ = _waves()
    with pytest.raises(ValueError, match="but x has 199"):
        differentiate_array(t[:-1], da.from_array(y))
    with pytest.raises(TypeError, match="not real numbers"):
        differentiate_array(t, da.from_array(y > 0))
    with pytest.raises(TypeError, match="progress"):
        differentiate_array(t, da.from_array(y), progress=True)
    with pytest.raises(TypeError, match="method='spline'"):
        differentiate_array(t, da.from_array(y), knots=3)
    with pytest.raises(ValueError, match="axis must be at most 1, got 2; y has 2 dimensions"):
        differentiate_array(t, da.from_array(y), axis=2)
    with pytest.raises(TypeError, match=r"axis must be an integer, got 1\.0"):
        differentiate_array(t, da.from_array(y), axis=1.0)
    with pytest.raises(ValueError, match="month-start"):
        differentiate_array(t, da.from_array(y), unit="MS")


def _wide_frame(n=200, m=9):
    t, y, truth = _waves(n, m)
    index = pd.date_range("2024-01-01", periods=n, freq="min")
    per_second = (t[1] - t[0]) / 60.0  # t advances this much per second of the index
    return pd.DataFrame(y, index=index, columns=[f"s{i}" for i in range(m)]), truth * per_second


def test_dask_dataframe_keeps_partitions_index_and_columns():
    frame, truth = _wide_frame()
    lazy = differentiate(dd.from_pandas(frame, npartitions=3), unit="s")
    assert isinstance(lazy, dd.DataFrame) and lazy.npartitions == 3
    assert list(lazy.dtypes) == [np.float64] * 9
    with dask.config.set(scheduler="threads"):
        result = lazy.compute()
    assert result.index.equals(frame.index) and list(result.columns) == list(frame.columns)
    step = np.arange(200.0) * 60.0
    np.testing.assert_array_equal(result.to_numpy(), _per_block(step, frame.to_numpy(), 3))
    memory = differentiate(frame, unit="s")
    np.testing.assert_allclose(result.to_numpy(), memory.to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.to_numpy()[10:-10], truth[10:-10], atol=1e-5)
    one = differentiate(dd.from_pandas(frame["s2"], npartitions=2), unit="s", series_per_block=5)
    pd.testing.assert_series_equal(one.compute(), differentiate(frame["s2"], unit="s"))


def test_dask_paths_read_the_unit_table():
    frame, _ = _wide_frame()
    per_second = differentiate(frame).to_numpy()
    with dask.config.set(scheduler="threads"):
        per_month = differentiate(dd.from_pandas(frame, npartitions=3), unit="month").compute()
        times = da.from_array(frame.to_numpy(), chunks=(200, 3))
        per_quarter = differentiate_array(frame.index.to_numpy(), times, unit="quarter").compute()
    month, quarter = 365.25 * 86_400 / 12, 365.25 * 86_400 / 4  # fixed: 1/12, 1/4 Julian year
    scale = np.max(np.abs(per_second))
    np.testing.assert_allclose(per_month.to_numpy() / month, per_second, atol=1e-9 * scale)
    np.testing.assert_allclose(per_quarter / quarter, per_second, atol=1e-9 * scale)


def test_dask_dataframe_errors():
    frame, _ = _wide_frame()
    lazy = dd.from_pandas(frame, npartitions=2)
    with pytest.raises(ValueError, match="series_per_block must be at least 1"):
        differentiate(lazy, series_per_block=0)
    with pytest.raises(TypeError, match="series_per_block must be an integer or None"):
        differentiate(lazy, series_per_block=2.0)
    with pytest.raises(ValueError, match="month-start"):  # before the index is read
        differentiate(lazy, unit="MS")
    with pytest.raises(TypeError, match="series_per_block applies to dask"):
        differentiate(frame, series_per_block=3)
    with pytest.raises(TypeError, match="differentiate_array"):
        differentiate(da.from_array(frame.to_numpy()))
    with pytest.raises(TypeError, match="has dtype"):
        differentiate(dd.from_pandas(frame.assign(s0="x"), npartitions=2))
    shuffled = dd.from_pandas(frame.iloc[::-1], npartitions=2, sort=False)
    with pytest.raises(ValueError, match="known divisions"):
        differentiate(shuffled)


def test_dask_long_format_needs_whole_series_per_partition():
    frame = _long_frame()
    # Persisted: a shuffle may order the rows of one key differently each time it runs.
    with dask.config.set(scheduler="threads"):
        lazy_input = (
            dd.from_pandas(frame.reset_index(), npartitions=3).set_index("sensor").persist()
        )
    assert lazy_input.npartitions > 1
    lazy = differentiate_long(lazy_input, by="sensor", time="t", value="level")
    assert isinstance(lazy, dd.Series)
    with dask.config.set(scheduler="threads"):
        result = lazy.compute()
    reference = differentiate_long(frame, by="sensor", time="t", value="level")
    rows = lazy_input["row"].compute().to_numpy()
    np.testing.assert_allclose(
        result.to_numpy(), reference.loc[rows].to_numpy(), rtol=0, atol=1e-12
    )
    with pytest.raises(ValueError, match=r"set_index\('sensor'\)"):
        differentiate_long(
            dd.from_pandas(frame, npartitions=2), by="sensor", time="t", value="level"
        )
    with pytest.raises(ValueError, match="time='when' is not a column"):
        differentiate_long(lazy_input, by="sensor", time="when", value="level")
    # Units are checked here, not later on a worker.
    with pytest.raises(ValueError, match="month-start"):
        differentiate_long(lazy_input, by="sensor", time="t", value="level", unit="MS")
    with pytest.raises(ValueError, match=r"unit='h' applies to timestamps.*column 't'"):
        differentiate_long(lazy_input, by="sensor", time="t", value="level", unit="h")
    with pytest.raises(TypeError, match="value must be a column label"):
        differentiate_long(lazy_input, by="sensor", time="t", value=["level"])


def test_dask_paths_check_settings_at_the_call_not_on_a_worker():
    frame, _ = _wide_frame()
    t = np.arange(200.0)
    lazy_long = dd.from_pandas(_long_frame().reset_index(), npartitions=2).set_index("sensor")
    for call in (
        lambda **params: differentiate(dd.from_pandas(frame, npartitions=2), **params),
        lambda **params: differentiate_array(t, da.from_array(frame.to_numpy()), **params),
        lambda **params: differentiate_long(
            lazy_long, by="sensor", time="t", value="level", **params
        ),
    ):
        with pytest.raises(ValueError, match="method='spline': k must be at most 7, got 99"):
            call(k=99)  # before: a lazy result that failed on a worker at compute time
        with pytest.raises(ValueError, match="max_knots must be at least 1"):
            call(max_knots=0)


def test_importing_the_package_does_not_import_dask():
    import subprocess
    import sys

    code = "import sys, pydelt_like, pydelt_like.timeseries; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- a real cluster
@pytest.fixture(scope="module")
def cluster_client():
    distributed = pytest.importorskip("distributed")
    # Worker processes inherit the environment; one BLAS/torch thread each on a small machine.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,  # no fixed port: other clusters may run on this machine
            scheduler_port=0,
            worker_dashboard_address=None,
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster, timeout="60s") as client,
    ):
        client.wait_for_workers(2, timeout=60)
        yield client


@pytest.mark.slow
@pytest.mark.cluster
def test_local_cluster_of_processes_gives_the_in_memory_numbers(cluster_client):
    frame, _ = _wide_frame(n=300, m=12)
    t = np.arange(300.0) * 60.0
    wide = differentiate(dd.from_pandas(frame, npartitions=4), order=2, unit="s")
    array = differentiate_array(t, da.from_array(frame.to_numpy(), chunks=(300, 5)), order=1)
    long_frame = _long_frame()
    long_input = dd.from_pandas(long_frame.reset_index(), npartitions=3).set_index("sensor")
    long_input = cluster_client.persist(long_input)  # one row order for both computes
    long = differentiate_long(long_input, by="sensor", time="t", value="level")
    template = differentiate_array(
        t, da.from_array(frame.to_numpy(), chunks=(300, 6)), method=SplineInterpolator(k=5)
    )
    # One collection per compute: dask warns against mixing arrays and DataFrames in one call.
    wide_r, array_r, long_r, rows, template_r = (
        cluster_client.compute(c, sync=True)
        for c in (wide, array, long, long_input["row"], template)
    )
    assert len(cluster_client.scheduler_info()["workers"]) == 2
    np.testing.assert_array_equal(wide_r.to_numpy(), _per_block(t, frame.to_numpy(), 3, order=2))
    np.testing.assert_allclose(
        wide_r.to_numpy(), differentiate(frame, order=2, unit="s").to_numpy(), rtol=0, atol=1e-12
    )
    np.testing.assert_array_equal(array_r, _per_block(t, frame.to_numpy(), 5))
    np.testing.assert_array_equal(
        template_r, _per_block(t, frame.to_numpy(), 6, method=SplineInterpolator(k=5))
    )
    reference = differentiate_long(long_frame, by="sensor", time="t", value="level")
    np.testing.assert_allclose(
        long_r.to_numpy(), reference.loc[rows.to_numpy()].to_numpy(), rtol=0, atol=1e-12
    )


def test_long_format_with_second_resolution_stamps_over_centuries():
    days = np.arange("1000-01-01", "2000-01-01", np.timedelta64(3650, "D"), dtype="datetime64[D]")
    stamps = days.astype("datetime64[s]")  # beyond 292 years in nanoseconds
    long = pd.DataFrame(
        {
            "key": ["a"] * stamps.size + ["b"] * stamps.size,
            "time": np.concatenate([stamps, stamps]),
            "value": np.concatenate([np.arange(stamps.size), 2 * np.arange(stamps.size)]) * 1.0,
        }
    )
    rate = differentiate_long(long, "key", "time", "value", unit="year")
    per_year = 365.25 / 3650
    np.testing.assert_allclose(rate[long["key"] == "a"].iloc[5:-5], per_year, rtol=1e-9)
    np.testing.assert_allclose(rate[long["key"] == "b"].iloc[5:-5], 2 * per_year, rtol=1e-9)
