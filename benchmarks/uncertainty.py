"""Calibration and cost of the uncertainty bands (return_std / interval).

For each case, ``--replicates`` noise draws (seeds 0, 1, ...) are fitted with the default
settings; the nominal 95 % band of the first derivative, ``d.interval(grid, 0.95)``, is checked
against the true derivative on the interior grid of the accuracy benchmarks (400 points, 5 %
trimmed at each end). Coverage = fraction of (point, replicate) pairs inside the band.

Bars (from the issue): on sin + noise σ = 0.05 (500 points) and the damped irregular case
(σ = 0.02, 1000 points), over 200 replicates, the spline's coverage lies in [0.88, 0.98]; the
spline band (values and standard errors together) costs at most 2x the plain derivative
evaluation at 10^5 points (median of repeats, same process). The ensemble's coverage is
reported, not held to the bar, at its defaults and with ``bootstrap=True`` (it is trained
``--ensemble-replicates`` times, fewer, since each fit takes seconds). Other cases are reported too, to show where the band is too narrow.

Weighted fits (from the trust issue): ``exp(ln(1e6) x)`` on 200 irregular points of [0, 1] (six
decades) with 1 % relative noise and the correct inverse-variance weights ``1 / sigma**2``:
coverage of the 95 % band of f' in [0.88, 0.98] over ``--weighted-replicates`` draws, with
(almost) no warnings. The same with the noise 10x larger than the weights say on x in [0.2, 0.4]
(then [0.6, 0.8]): every fit must warn naming that part (the range it names overlaps the part and
lies within 0.15 of it), and the band there must cover the truth (coverage >= 0.88 on the part).

Run: ``python benchmarks/uncertainty.py [--replicates 200] [--ensemble-replicates 12]
[--weighted-replicates 100]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cases import DAMPED, EXP_X2, SIN, _make
from _report import verdict

from pydelt_like import NeuralNetworkInterpolator, SplineInterpolator

BAR_CASES = ("sin_noise0.05_500", "damped_irregular_noise0.02_1000")
COVERAGE_BAR = (0.88, 0.98)
COST_BAR = 2.0


def _cases(seed: int) -> list[dict]:
    return [
        _make("sin_noise0.05_500", SIN, 0.0, 2 * np.pi, 500, 0.05, seed),
        _make("damped_irregular_noise0.02_1000", DAMPED, 0.0, 10.0, 1000, 0.02, seed, True),
        _make("sin_noise0.01_500", SIN, 0.0, 2 * np.pi, 500, 0.01, seed),
        _make("sin_noise0.1_500", SIN, 0.0, 2 * np.pi, 500, 0.1, seed),
        _make("exp_x2_noise0.05_300", EXP_X2, -1.5, 1.5, 300, 0.05, seed, True),
        _make("sin_noise0.05_50", SIN, 0.0, 2 * np.pi, 50, 0.05, seed),
    ]


def _grid(case: dict) -> np.ndarray:
    a, b = case["a"], case["b"]
    grid = np.linspace(a, b, 400)
    return grid[(grid >= a + 0.05 * (b - a)) & (grid <= b - 0.05 * (b - a))]


def coverage(make_model, replicates: int, names=None) -> dict[str, tuple[float, float, float]]:
    """Per case: (coverage, mean band half-width / rms of truth, rms error / rms of truth)."""
    hits: dict[str, list] = {}
    for seed in range(replicates):
        for case in _cases(seed):
            if names is not None and case["name"] not in names:
                continue
            grid = _grid(case)
            truth = case["truth"][1](grid)
            derivative = make_model().fit(case["x"], case["y"]).differentiate(1)
            values = derivative(grid)
            lower, upper = derivative.interval(grid, 0.95)
            scale = np.sqrt(np.mean(truth**2))
            hits.setdefault(case["name"], []).append(
                (
                    np.mean((truth >= lower) & (truth <= upper)),
                    np.mean(upper - values) / scale,
                    np.sqrt(np.mean((values - truth) ** 2)) / scale,
                )
            )
    return {name: tuple(np.mean(v, axis=0)) for name, v in hits.items()}


GROWTH = np.log(1e6)


def _six_decades(seed: int, bad=None, n: int = 200):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 1, n))
    x[0], x[-1] = 0.0, 1.0
    f = np.exp(GROWTH * x)
    sigma = 0.01 * f
    actual = sigma.copy()
    if bad is not None:
        actual[(x >= bad[0]) & (x <= bad[1])] *= 10.0
    return x, f + rng.normal(0, 1, n) * actual, 1 / sigma**2


def weighted(replicates: int) -> list[str]:
    """The weighted rows; returns the missed bars."""
    grid = np.linspace(0.05, 0.95, 400)
    truth = GROWTH * np.exp(GROWTH * grid)
    missed = []
    print(f"\nWeighted fits, six decades, 1 % relative noise: {replicates} replicates")
    print(f"{'weights':34s} {'coverage':>9s} {'in part':>8s} {'warned':>7s} {'named':>6s}  bar")
    for bad in (None, (0.2, 0.4), (0.6, 0.8)):
        inside, inside_part, warned, named = [], [], 0, 0
        part = np.ones(grid.size, bool) if bad is None else (grid >= bad[0]) & (grid <= bad[1])
        for seed in range(replicates):
            x, y, w = _six_decades(seed, bad)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                derivative = SplineInterpolator().fit(x, y, weights=w).differentiate(1)
            messages = [str(c.message) for c in caught if "understate" in str(c.message)]
            warned += bool(messages)
            if bad is not None and messages:
                lo, hi = (float(v) for v in messages[0].split("[")[1].split("]")[0].split(", "))
                named += (
                    lo <= bad[1] and hi >= bad[0] and lo >= bad[0] - 0.15 and hi <= bad[1] + 0.15
                )
            lower, upper = derivative.interval(grid, 0.95)
            hit = (truth >= lower) & (truth <= upper)
            inside.append(hit.mean())
            inside_part.append(hit[part].mean())
        cov, cov_part = float(np.mean(inside)), float(np.mean(inside_part))
        if bad is None:
            label = "correct"
            ok = COVERAGE_BAR[0] <= cov <= COVERAGE_BAR[1]
            bar = f"coverage in [{COVERAGE_BAR[0]}, {COVERAGE_BAR[1]}]"
        else:
            label = f"10x understated on [{bad[0]}, {bad[1]}]"
            ok = named == replicates and cov_part >= COVERAGE_BAR[0]
            bar = f"every fit names the part; coverage there >= {COVERAGE_BAR[0]}"
        if not ok:
            missed.append(f"weighted ({label}): coverage {cov:.3f}, on the part {cov_part:.3f}")
        print(
            f"{label:34s} {cov:9.3f} {cov_part if bad else float('nan'):8.3f} {warned:7d} "
            f"{named if bad else 0:6d}  {bar}: {'met' if ok else 'MISSED'}"
        )
    return missed


def band_cost(repeats: int = 30) -> tuple[float, float]:
    """Median seconds of d(X) and of d(X, return_std=True) at 1e5 points (sin, σ = 0.05)."""
    case = _cases(0)[0]
    derivative = SplineInterpolator().fit(case["x"], case["y"]).differentiate(1)
    points = np.random.default_rng(1).uniform(case["a"], case["b"], 100_000)
    derivative(points, return_std=True)  # the band's polynomial is built once, on first use
    plain, band = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        derivative(points)
        plain.append(time.perf_counter() - start)
        start = time.perf_counter()
        derivative(points, return_std=True)
        band.append(time.perf_counter() - start)
    return float(np.median(plain)), float(np.median(band))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--ensemble-replicates", type=int, default=12)
    parser.add_argument("--weighted-replicates", type=int, default=100)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    missed = []

    start = time.perf_counter()
    spline = coverage(SplineInterpolator, args.replicates)
    print(f"Spline: {args.replicates} replicates ({time.perf_counter() - start:.0f} s)\n")
    print(f"{'case':34s} {'coverage (95 %)':>16s} {'half-width':>11s} {'rms error':>10s}  bar")
    for name, (cov, width, error) in spline.items():
        bar = ""
        if name in BAR_CASES:
            ok = COVERAGE_BAR[0] <= cov <= COVERAGE_BAR[1]
            bar = f"[{COVERAGE_BAR[0]}, {COVERAGE_BAR[1]}] {'met' if ok else 'MISSED'}"
            if not ok:
                missed.append(f"spline coverage on {name}: {cov:.3f}")
        print(f"{name:34s} {cov:16.3f} {width:11.4f} {error:10.4f}  {bar}")
    print("(half-width and rms error relative to the rms of the true derivative)")

    missed += weighted(args.weighted_replicates)

    for label, bootstrap in (("defaults", False), ("bootstrap=True", True)):
        start = time.perf_counter()
        ensemble = coverage(
            lambda bootstrap=bootstrap: NeuralNetworkInterpolator(bootstrap=bootstrap),
            args.ensemble_replicates,
            names=BAR_CASES,
        )
        print(
            f"\nEnsemble (n_members=4, {label}): {args.ensemble_replicates} replicates "
            f"({time.perf_counter() - start:.0f} s), reported against the same range\n"
        )
        for name, (cov, width, error) in ensemble.items():
            in_range = COVERAGE_BAR[0] <= cov <= COVERAGE_BAR[1]
            print(
                f"{name:34s} {cov:16.3f} {width:11.4f} {error:10.4f}  {'in' if in_range else 'OUT OF'} range"
            )

    plain, band = band_cost()
    ratio = band / plain
    print(
        f"\nCost at 1e5 points: d(x) {plain * 1e3:.2f} ms, d(x, return_std=True) "
        f"{band * 1e3:.2f} ms: {ratio:.2f}x (bar <= {COST_BAR}x)"
    )
    if ratio > COST_BAR:
        missed.append(f"band cost {ratio:.2f}x plain evaluation")
    return verdict(missed)


if __name__ == "__main__":
    sys.exit(main())
