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

Run: ``python benchmarks/uncertainty.py [--replicates 200] [--ensemble-replicates 12]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
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
