"""Accuracy and speed of NeuralNetworkInterpolator against the issue's bars.

Medians over 5 seeds, 40 for the noisy sine against the spline (data noise and network
initialisation both seeded):

- sin on [0, 2pi], 100 clean points, ``hidden_layers=[32, 32], epochs=1000`` (PyDelt's
  documented snippet): nrmse of the first and second derivatives (interior, 400-point grid,
  5 % trimmed each end, / std of the truth), and the fit time against PyDelt's, interleaved,
  at torch's default threads, quiet and beside a competing CPU-bound process (a busy loop);
- 10,000 noisy samples (sigma = 0.05) of sin with ``epochs=50``: max error of the fit (the
  worst seed), and the median fit time against PyDelt's, interleaved;
- default settings on sin + noise sigma = 0.05, 500 points: first-derivative nrmse against
  the default SplineInterpolator's on the same data, medians over 40 seeds (``--spline-seeds``;
  over 5 this ratio ranges over 1.0-1.8 for the same code);
- f(x, y) = x y + x^2 and f(x, y) = x^2 y + sin(y) from 400 scattered points on [-2, 2]^2:
  relative error (Frobenius norm) of the gradient, Hessian and Laplacian at 25 interior points;
- a seeded fit run twice on the CPU: bit-identical or not.

PyDelt 0.8.0 is timed in the same run when it is installed
(``pip install pydelt==0.8.0 statsmodels plotly``); the time bars are 2x PyDelt's median
time (issue 15). Exits non-zero when a bar is missed. Do not set ``OMP_NUM_THREADS``: the
bars are at torch's default thread settings.

Run: ``python benchmarks/neural_accuracy.py [--seeds 5] [--spline-seeds 40] [--no-busy]``
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cases import nrmse, public_cases
from _report import verdict

from pydelt_like import NeuralNetworkInterpolator, SplineInterpolator


def _relative(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(np.linalg.norm(estimate - truth) / np.linalg.norm(truth))


def _pydelt_time(x: np.ndarray, y: np.ndarray, epochs: int) -> float | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pydelt.interpolation import NeuralNetworkInterpolator as Reference
    except ImportError:
        return None
    start = time.perf_counter()
    Reference(hidden_layers=[32, 32], epochs=epochs).fit(x, y)
    return time.perf_counter() - start


@contextlib.contextmanager
def _competing_process(busy: bool) -> Iterator[None]:
    """A CPU-bound busy loop in another process while the block runs (when ``busy``)."""
    if not busy:
        yield
        return
    process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        process.kill()
        process.wait()


def _time_row(label: str, fit_time: float, reference: list[float]) -> tuple[str, float, str, bool]:
    """The issue's time bar: at most 2x PyDelt's median time in the same run."""
    if not reference:
        return (f"  fit time, s ({label}; PyDelt not installed)", fit_time, "-", True)
    pydelt = float(np.median(reference))
    return (
        f"  fit time, s ({label}; PyDelt 0.8.0: {pydelt:.2f} s)",
        fit_time,
        "<= 2x PyDelt",
        fit_time <= 2 * pydelt,
    )


def _snippet_rows(label: str, *, busy: bool, seeds: range) -> list[tuple[str, float, str, bool]]:
    """The documented snippet on clean sine: accuracy and fit time against PyDelt's."""
    with _competing_process(busy):
        orders, times, reference_times = [], [], []
        for seed in seeds:
            case = public_cases(seed)[0]  # sin_clean_100
            start = time.perf_counter()
            net = NeuralNetworkInterpolator(hidden_layers=[32, 32], epochs=1000, random_state=seed)
            net.fit(case["x"], case["y"])
            times.append(time.perf_counter() - start)
            orders.append([nrmse(net.differentiate(k), case, k) for k in (1, 2)])
            reference = _pydelt_time(case["x"], case["y"], epochs=1000)
            if reference is not None:
                reference_times.append(reference)
    order1, order2 = np.median(orders, axis=0)
    return [
        (
            f"sin clean 100, [32,32], 1000 epochs ({label}): order 1 nrmse",
            order1,
            "<= 0.005",
            order1 <= 0.005,
        ),
        ("  order 2 nrmse", order2, "<= 0.05", order2 <= 0.05),
        _time_row(label, float(np.median(times)), reference_times),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--spline-seeds", type=int, default=40, help="seeds of the noisy sine against the spline"
    )
    parser.add_argument("--no-busy", action="store_true", help="skip the competing process")
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.spline_seeds < 1:
        parser.error("--seeds and --spline-seeds must be at least 1")
    seeds = range(args.seeds)
    rows: list[tuple[str, float, str, bool]] = []

    # 1. The documented snippet on clean sine, ours and PyDelt interleaved, at torch's default
    # threads, on a quiet machine here and beside a competing CPU-bound process at the end (its
    # load lingers in the load average for a minute, which the sections after it would see).
    print(f"torch threads: {torch.get_num_threads()} (the default unless OMP_NUM_THREADS is set)")
    rows += _snippet_rows("quiet", busy=False, seeds=seeds)

    # 1b. 10,000 noisy samples with epochs=50 (PyDelt's own test setting), defaults otherwise.
    # One fit takes about a second: ours and PyDelt's are timed interleaved, once per seed, and
    # the bar compares the medians (one run of each swung the ratio from 1.5x to 2.2x).
    large_times, large_reference, worst_errors = [], [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        x = np.sort(rng.uniform(0.0, 2 * np.pi, 10_000))
        y = np.sin(x) + 0.05 * rng.standard_normal(x.size)
        start = time.perf_counter()
        net = NeuralNetworkInterpolator(epochs=50, random_state=seed).fit(x, y)
        large_times.append(time.perf_counter() - start)
        grid = np.linspace(x[0], x[-1], 2000)
        worst_errors.append(float(np.abs(net(grid) - np.sin(grid)).max()))
        reference = _pydelt_time(x, y, epochs=50)
        if reference is not None:
            large_reference.append(reference)
    worst = float(np.max(worst_errors))
    rows.append(
        (
            "10,000 noisy samples, epochs=50: max error of the fit (worst seed)",
            worst,
            "<= 0.05",
            worst <= 0.05,
        )
    )
    rows.append(_time_row("10,000, epochs=50", float(np.median(large_times)), large_reference))

    # 2. Default settings on noisy sine, against the default spline, over more seeds than the
    # other rows: the ratio of medians over 5 seeds has a sampling range of about 1.0-1.8 for
    # the same code (90 % of random 5-seed subsets of 40, measured), too wide to tell whether
    # the network kept its 1.40x; over 40 seeds the range is about +-0.1.
    ours, spline = [], []
    for seed in range(args.spline_seeds):
        case = public_cases(seed)[5]  # sin_noise0.05_500
        net = NeuralNetworkInterpolator(random_state=seed).fit(case["x"], case["y"])
        ours.append(nrmse(net.differentiate(1), case, 1))
        fitted = SplineInterpolator().fit(case["x"], case["y"])
        spline.append(nrmse(fitted.differentiate(1), case, 1))
    ratio = float(np.median(ours) / np.median(spline))
    rows.append(
        (
            f"sin noise 0.05, 500, defaults, {args.spline_seeds} seeds: order 1 nrmse "
            f"{np.median(ours):.4f}, spline {np.median(spline):.4f}; ratio",
            ratio,
            "<= 1.40",
            ratio <= 1.40,
        )
    )
    first = min(5, len(ours))
    rows.append(
        (
            f"  the same over seeds 0-{first - 1} alone (for comparison with earlier runs)",
            float(np.median(ours[:first]) / np.median(spline[:first])),
            "-",
            True,
        )
    )

    # 3. Two functions of two variables from 400 scattered points.
    grid_1d = np.linspace(-1.0, 1.0, 5)
    grid = np.array([(a, b) for a in grid_1d for b in grid_1d])
    gx, gy = grid[:, 0], grid[:, 1]
    errors: dict[str, list[float]] = {k: [] for k in ("g1", "h1", "g2", "l2")}
    for seed in seeds:
        points = np.random.default_rng(seed).uniform(-2.0, 2.0, (400, 2))
        px, py = points[:, 0], points[:, 1]
        first = NeuralNetworkInterpolator(random_state=seed).fit(points, px * py + px**2)
        errors["g1"].append(_relative(first.gradient()(grid), np.column_stack([gy + 2 * gx, gx])))
        hessian = np.broadcast_to([[2.0, 1.0], [1.0, 0.0]], (25, 2, 2))
        errors["h1"].append(_relative(first.hessian()(grid), hessian))
        second = NeuralNetworkInterpolator(random_state=seed).fit(points, px**2 * py + np.sin(py))
        truth = np.column_stack([2 * gx * gy, gx**2 + np.cos(gy)])
        errors["g2"].append(_relative(second.gradient()(grid), truth))
        errors["l2"].append(_relative(second.laplacian()(grid), 2 * gy - np.sin(gy)))
    labels = {
        "g1": "x*y + x^2: gradient, relative error",
        "h1": "x*y + x^2: Hessian, relative error",
        "g2": "x^2*y + sin(y): gradient, relative error",
        "l2": "x^2*y + sin(y): Laplacian, relative error",
    }
    for key, label in labels.items():
        value = float(np.median(errors[key]))
        rows.append((label, value, "<= 0.02", value <= 0.02))

    # 4. Reproducibility.
    case = public_cases(0)[5]
    a = NeuralNetworkInterpolator(random_state=3).fit(case["x"], case["y"]).differentiate(1)
    b = NeuralNetworkInterpolator(random_state=3).fit(case["x"], case["y"]).differentiate(1)
    grid = np.linspace(0.5, 5.5, 200)
    same = bool(np.array_equal(a(grid), b(grid)))
    rows.append(("seeded fit twice on the CPU: bit-identical (1 = yes)", float(same), "= 1", same))

    # 5. The snippet again beside a competing CPU-bound process (last: see section 1).
    if not args.no_busy:
        rows += _snippet_rows("busy", busy=True, seeds=seeds)

    width = max(len(r[0]) for r in rows)
    print(f"medians over {args.seeds} seeds")
    for label, value, bar, ok in rows:
        print(f"{label:{width}s}  {value:10.4g}  {bar:>22s}  {'yes' if ok else 'NO'}")
    missed = [r[0].strip() for r in rows if not r[3]]
    return verdict(missed)


if __name__ == "__main__":
    sys.exit(main())
