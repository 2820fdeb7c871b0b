"""Many series at once: series per second against m and n, in memory and on a LocalCluster.

Data: m noisy sines (random frequency and amplitude, sigma = 0.05) sampled at n shared points.
Timed in memory: ``SplineInterpolator().fit(x, y)`` with automatic smoothing for all m series
as one batch, then the first and second derivatives at the samples. The reference, measured in
the same run, is SciPy's ``make_smoothing_spline`` (its own automatic smoothing, by GCV) plus
both derivatives, called per series in a Python loop on a subset of series; its time for all
series is extrapolated linearly from that subset (and said so in the table).

On a ``dask.distributed.LocalCluster`` (2 worker processes, 1 thread each), 2,000 series x
5,000 points in two layouts, each stored as Parquet at two partition counts (8 and 16), read by
the workers and the results written to Parquet by them: a wide DataFrame (one column per
series, partitioned by rows) through ``differentiate``, and the same data in long format indexed
by series key (partitions of whole series) through ``differentiate_long``. Each result is
compared with the in-memory path, and each worker process's resident memory is sampled (psutil,
every 5 ms) during the run: peak growth over its warmed-up resting level.

Bars (from the issue):
  * 10,000 series x 1,000 points, automatic smoothing, 1st and 2nd derivatives: <= 10 s in
    memory, and >= 20x faster than make_smoothing_spline per series (extrapolated).
  * both layouts' cluster results equal the in-memory ones (to 1e-9 of the derivatives' scale:
    the automatic smoothing searches knot counts per batch, so a block of 250 series and one
    batch of 2,000 can differ by rounding; bit for bit against the in-memory path run on the
    same blocks of series).
  * memory bounded by the partition size, on the layout meant for it (long, indexed by key,
    which moves no data between workers): each worker's peak growth <= LONG_FACTOR partitions,
    and halving the partitions shrinks the worst growth by at least 20%. The wide layout's
    growth is reported without a bar: regrouping row partitions into column blocks is an
    all-to-all exchange whose footprint is a share of the whole frame, not of a partition.

Exits non-zero when a bar is missed. Run: ``python benchmarks/scale.py [--quick]``
(``--quick``: smaller sizes for a smoke run; the bars are checked only at full size).
"""

from __future__ import annotations

import argparse
import functools
import gc
import math
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # also for the worker processes

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import verdict
from scipy.interpolate import make_smoothing_spline

from pydelt_like import SplineInterpolator

SIGMA = 0.05
BAR_SECONDS = 10.0
BAR_SPEEDUP = 20.0
BAR_EQUAL = 1e-9
#: Long layout: peak memory growth of a worker may be at most this many partitions' worth.
#: Budget, set before measuring: the partition read from Parquet (Arrow table and pandas
#: frame, 2), the per-row arrays of the long path (codes, times, values, the sort and its
#: sorted copies, about 2), the spline's working set on the partition's values (about 7x the
#: values, which are a third of a partition: about 2.5), the result and its Parquet write
#: (about 1.5); 10 leaves room for allocator slack, and any growth with the whole frame
#: (16 partitions of it) breaks it.
LONG_FACTOR = 10.0


def _data(n: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 10.0, n)
    freq, amp = rng.uniform(0.5, 2.0, m), rng.uniform(0.5, 2.0, m)
    return x, amp * np.sin(freq * x[:, None]) + SIGMA * rng.standard_normal((n, m))


def _ours(x: np.ndarray, y: np.ndarray) -> float:
    start = time.perf_counter()
    fit = SplineInterpolator().fit(x, y)
    fit.differentiate(1)(x)
    fit.differentiate(2)(x)
    return time.perf_counter() - start


def _scipy_per_series(x: np.ndarray, y: np.ndarray) -> float:
    start = time.perf_counter()
    for j in range(y.shape[1]):
        spline = make_smoothing_spline(x, y[:, j])
        spline.derivative(1)(x)
        spline.derivative(2)(x)
    return time.perf_counter() - start


def in_memory(quick: bool, missed: list[str]) -> None:
    bar_m = 1_000 if quick else 10_000
    grid = list(
        dict.fromkeys([(1_000, 100), (1_000, 1_000), (1_000, bar_m), (200, 1_000), (5_000, 1_000)])
    )
    print("In memory: automatic smoothing, 1st + 2nd derivatives at the samples (one batch)")
    print(f"{'n points':>9} {'m series':>9} {'seconds':>9} {'series/s':>10}")
    times = {}
    for n, m in grid:
        x, y = _data(n, m)
        times[n, m] = _ours(x, y)
        print(f"{n:>9,} {m:>9,} {times[n, m]:>9.2f} {m / times[n, m]:>10,.0f}")

    subset = 4 if quick else 16
    x, y = _data(1_000, subset, seed=1)
    per_series = _scipy_per_series(x, y) / subset
    ours = times[1_000, bar_m]
    extrapolated = per_series * bar_m
    speedup = extrapolated / ours
    print(
        f"\nSciPy make_smoothing_spline (GCV) per series in a loop: {per_series * 1e3:.1f} ms "
        f"per series, measured on {subset} series and extrapolated linearly to {bar_m:,}: "
        f"{extrapolated:,.0f} s"
    )
    print(
        f"{'case':<34} {'ours s':>8} {'bar':>10} {'SciPy s (extrap.)':>18} {'speed-up':>9} {'bar':>6}"
    )
    print(
        f"{f'{bar_m:,} series x 1,000 points':<34} {ours:>8.2f} {'<= 10 s':>10} "
        f"{extrapolated:>18,.0f} {speedup:>8.0f}x {'>= 20x':>6}"
    )
    if quick:
        return
    if ours > BAR_SECONDS:
        missed.append(f"10,000 x 1,000 took {ours:.2f} s in memory (bar: <= {BAR_SECONDS} s)")
    if speedup < BAR_SPEEDUP:
        missed.append(f"speed-up over make_smoothing_spline {speedup:.1f}x (bar: >= 20x)")


class _PeakMemory:
    """Resident memory of some processes, sampled from outside every few milliseconds.

    (``ru_maxrss`` inside a worker would not do: Linux keeps it across the ``execve`` that
    starts a worker process, so it reports the parent's peak.)
    """

    def __init__(self, pids: dict[str, int], interval: float = 0.005) -> None:
        import psutil

        self._processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.baseline = self._sample()
        self.peak = dict(self.baseline)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> dict[str, int]:
        return {name: p.memory_info().rss for name, p in self._processes.items()}

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, rss in self._sample().items():
                self.peak[name] = max(self.peak[name], rss)
            time.sleep(self._interval)

    def __enter__(self) -> _PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _run_measured(job: Callable[[], None], warm: Callable[[], None]) -> tuple:
    """Run ``job`` on a fresh, warmed-up cluster; return its seconds and each worker's RSS.

    Every run gets new worker processes (a previous run's freed memory would otherwise hide
    this one's growth; a new cluster rather than ``Client.restart``, which sometimes waited
    forever for restarted workers here), warmed up (imports, a first fit, a small Parquet read
    and write), then sampled during the run.
    """
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            worker_dashboard_address=None,
            silence_logs=40,
        ) as cluster,
        Client(cluster) as client,
    ):
        warm()
        client.run(gc.collect)
        with _PeakMemory(client.run(os.getpid)) as sampler:
            start = time.perf_counter()
            job()
            seconds = time.perf_counter() - start
    return seconds, sampler.baseline, sampler.peak


def _memory_table(runs: dict[int, tuple], partition_bytes: dict[int, float]) -> tuple[float, dict]:
    """Print each worker's growth; return the worst growth in partitions and per count."""
    print(
        f"{'partitions':>10} {'partition MiB':>14} {'worker':<24} {'RSS before MiB':>15} "
        f"{'peak RSS MiB':>13} {'growth MiB':>11} {'/ partition':>12}"
    )
    worst, growth = 0.0, {}
    for count, (_, _, before, after) in runs.items():
        size = partition_bytes[count]
        growth[count] = 0
        for address in sorted(after):
            grow = max(0, after[address] - before[address])
            growth[count] = max(growth[count], grow)
            worst = max(worst, grow / size)
            print(
                f"{count:>10} {size / 2**20:>14.1f} {address:<24} "
                f"{before[address] / 2**20:>15.0f} {after[address] / 2**20:>13.0f} "
                f"{grow / 2**20:>11.0f} {grow / size:>11.1f}x"
            )
    return worst, growth


def on_cluster(quick: bool, missed: list[str]) -> None:
    import dask.dataframe as dd
    import pandas as pd

    from pydelt_like.timeseries import differentiate, differentiate_array, differentiate_long

    n, m, npartitions = (1_000, 400, 8) if quick else (5_000, 2_000, 8)
    counts = (npartitions, 2 * npartitions)
    _, y = _data(n, m, seed=2)
    index = pd.date_range("2024-01-01", periods=n, freq="s")
    frame = pd.DataFrame(y, index=index, columns=[f"s{j}" for j in range(m)])
    # The same data in long format, indexed by the series key: one row per sample.
    long = pd.DataFrame(
        {"time": np.tile(index.to_numpy(), m), "value": y.T.ravel()},
        index=pd.Index(np.repeat(np.arange(m), n), name="series"),
    )
    # Stored as Parquet, one file per partition, and read back lazily by the workers (as real
    # data would be), rather than embedded in the task graph. Results are written to Parquet
    # by the workers too (as a real job would) and read back here: `.compute()` would
    # concatenate the whole result on one worker, which measures the result, not the method.
    folder = tempfile.TemporaryDirectory(prefix="pydelt_scale_")
    root = Path(folder.name)
    dd.from_pandas(frame.iloc[:50, :4], npartitions=2).to_parquet(root / "warm", engine="pyarrow")
    wide_bytes = frame.memory_usage(index=False).sum()
    long_bytes = long.memory_usage(index=True).sum()
    wide_in, long_in = {}, {}
    for count in counts:
        dd.from_pandas(frame, npartitions=count).to_parquet(root / f"wide{count}", engine="pyarrow")
        dd.from_pandas(long, npartitions=count, sort=True).to_parquet(
            root / f"long{count}", engine="pyarrow"
        )
        wide_in[count] = dd.read_parquet(root / f"wide{count}", calculate_divisions=True)
        long_in[count] = dd.read_parquet(root / f"long{count}", calculate_divisions=True)
        for lazy in (wide_in[count], long_in[count]):
            if lazy.npartitions != count:
                raise RuntimeError(f"expected {count} partitions, got {lazy.npartitions}")

    start = time.perf_counter()
    memory = differentiate(frame, unit="s").to_numpy()
    memory_seconds = time.perf_counter() - start
    start = time.perf_counter()
    long_memory = differentiate_long(long, by="series", time="time", value="value", unit="s")
    long_memory_seconds = time.perf_counter() - start
    t = np.arange(n, dtype=float)
    block = math.ceil(m / npartitions)
    same_blocks = np.concatenate(
        [differentiate_array(t, y[:, j : j + block]) for j in range(0, m, block)], axis=1
    )

    def warm() -> None:
        small = dd.read_parquet(root / "warm", calculate_divisions=True)
        differentiate(small, unit="s").to_parquet(root / "warm_out", engine="pyarrow")
        indexed = dd.from_pandas(long.iloc[: 2 * n], npartitions=2, sort=True)
        differentiate_long(indexed, "series", "time", "value", unit="s").compute()

    wide_runs, long_runs = {}, {}
    for count in counts:
        out = root / f"wide_out{count}"
        job = functools.partial(
            lambda lazy, out: differentiate(lazy, unit="s").to_parquet(out, engine="pyarrow"),
            wide_in[count],
            out,
        )
        wide_runs[count] = _run_measured(job, warm)
        wide_runs[count] = (dd.read_parquet(out).compute(), *wide_runs[count])
    for count in counts:
        out = root / f"long_out{count}"
        job = functools.partial(
            lambda lazy, out: (
                differentiate_long(lazy, "series", "time", "value", unit="s")
                .to_frame()
                .to_parquet(out, engine="pyarrow")
            ),
            long_in[count],
            out,
        )
        long_runs[count] = _run_measured(job, warm)
        long_runs[count] = (dd.read_parquet(out).compute()["value"], *long_runs[count])

    # The long layout on the same blocks of series as its partitions, in memory.
    long_same = pd.concat(
        [
            differentiate_long(long.loc[j : j + block - 1], "series", "time", "value", unit="s")
            for j in range(0, m, block)
        ]
    )
    folder.cleanup()

    print(
        f"\nLocalCluster (2 worker processes x 1 thread): {m:,} series x {n:,} points, read from "
        "Parquet by the workers, results written to Parquet by them"
    )
    print(f"{'path':<40} {'seconds':>8} {'series/s':>9}")
    rows = [
        ("wide, in memory, one batch", memory_seconds),
        *((f"wide, cluster, {c} partitions", wide_runs[c][1]) for c in counts),
        ("long, in memory, one batch", long_memory_seconds),
        *((f"long by key, cluster, {c} partitions", long_runs[c][1]) for c in counts),
    ]
    for label, secs in rows:
        print(f"{label:<40} {secs:>8.2f} {m / secs:>9,.0f}")

    scale = np.max(np.abs(memory))
    wide_diff = max(np.max(np.abs(r[0].to_numpy() - memory)) / scale for r in wide_runs.values())
    wide_bitwise = np.array_equal(wide_runs[npartitions][0].to_numpy(), same_blocks)
    wide_aligned = all(
        r[0].index.equals(frame.index) and list(r[0].columns) == list(frame.columns)
        for r in wide_runs.values()
    )
    long_scale = np.max(np.abs(long_memory.to_numpy()))
    long_diff = max(
        np.max(np.abs(r[0].to_numpy() - long_memory.to_numpy())) / long_scale
        for r in long_runs.values()
    )
    long_bitwise = np.array_equal(long_runs[npartitions][0].to_numpy(), long_same.to_numpy())
    long_aligned = all(r[0].index.equals(long.index) for r in long_runs.values())
    print(
        f"max |cluster - in memory| / max |derivative|: wide {wide_diff:.2e}, long "
        f"{long_diff:.2e} (bar <= {BAR_EQUAL:g}); bit-identical to the in-memory path on the "
        f"same blocks of {block} series: wide {wide_bitwise}, long {long_bitwise}; index and "
        f"columns kept: wide {wide_aligned}, long {long_aligned}"
    )
    for name, diff, bitwise, aligned in (
        ("wide", wide_diff, wide_bitwise, wide_aligned),
        ("long", long_diff, long_bitwise, long_aligned),
    ):
        if not aligned or not bitwise or not diff <= BAR_EQUAL:
            missed.append(
                f"{name} cluster result differs from in memory: {diff:.2e} relative, "
                f"bit-identical on the same blocks: {bitwise}, aligned: {aligned}"
            )

    print(
        f"\nWide layout (one column per series; frame {wide_bytes / 2**20:.0f} MiB): rows are "
        "regrouped into blocks of whole columns and back, an all-to-all exchange (reported, "
        "no bar)"
    )
    worst, growth = _memory_table(wide_runs, {c: wide_bytes / c for c in counts})
    print(
        f"worst growth {worst:.1f} partitions; halving the partitions: "
        f"{growth[counts[0]] / 2**20:.0f} -> {growth[counts[1]] / 2**20:.0f} MiB"
    )
    print(
        f"\nLong layout indexed by series key (frame {long_bytes / 2**20:.0f} MiB with its "
        "index): map_partitions, nothing exchanged"
    )
    worst, growth = _memory_table(long_runs, {c: long_bytes / c for c in counts})
    small, large = growth[counts[1]], growth[counts[0]]
    print(
        f"bars: growth <= {LONG_FACTOR:g} partitions per worker (worst {worst:.1f}); halving the "
        f"partitions shrinks the worst growth by >= 20% (here {large / 2**20:.0f} -> "
        f"{small / 2**20:.0f} MiB)"
    )
    if not quick and worst > LONG_FACTOR:
        missed.append(
            f"long layout: a worker's peak memory grew by {worst:.1f} partitions "
            f"(bar: {LONG_FACTOR:g})"
        )
    if not quick and not small < 0.8 * large:
        missed.append("long layout: worker memory does not shrink with the partition size")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, no bars")
    parser.add_argument("--no-cluster", action="store_true", help="skip the LocalCluster part")
    args = parser.parse_args(argv)
    missed: list[str] = []
    in_memory(args.quick, missed)
    if not args.no_cluster:
        on_cluster(args.quick, missed)
    return verdict(missed)


if __name__ == "__main__":
    sys.exit(main())
