"""Side by side: our interpolators against PyDelt, SciPy, csaps, `derivative` and PyNumDiff.

Every method runs in this one process on the same seeded data (``public_cases`` and
``extra_cases`` of ``_cases.py``, seed 0) and is scored by the same nrmse: the interior
RMSE of the derivative (5 % trimmed at each end, 400-point grid) divided by the standard
deviation of the true derivative. Methods whose output exists only at the samples are
mapped to the grid by linear interpolation; their second derivative is the method
applied twice. A second part times fit + first derivative at the samples for n = 10³ …
10⁶ on a noisy sine, for every method that finishes within 60 s.

The results go to ``docs/benchmarks.md`` with a plot per case, a summary chart and the
scaling chart under ``docs/img/benchmarks/``; the run date, package versions and the
machine are recorded with them. Missing peer packages are skipped with a note
(``pip install -e '.[bench]'`` installs them all).

Bars (from the issue): in every row (case x order) our default ``SplineInterpolator`` is
within 1.25x (order 1) / 1.5x (order 2) of the best peer, and best outright in at least
half of the rows. Values below ``TIE_FLOOR`` (1e-10) are rounding noise: they count as
equal to the floor, so 1e-14 against 4e-15 is a tie. Exits non-zero on a missed bar.

PyDelt's other families (our LLA, GLLA, GOLD, LOWESS, LOESS, FDA; ``_families.py``) run
beside PyDelt's same methods, SciPy's ``savgol_filter`` and statsmodels' ``lowess``, with
bars of their own: at their automatic settings at least as accurate as PyDelt's same method
at PyDelt's defaults in every row, and within 1.5x of our spline in the noisy rows.

Run: ``python benchmarks/peers.py [--quick] [--families] [--out DIR] [--without pynumdiff,csaps]``
(``--families``: the families' rows and bars only; of the pages, only the accuracy table of
``families.md`` is rewritten)
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.metadata
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _families
from _cases import extra_cases, nrmse, public_cases
from _report import verdict

ROOT = Path(__file__).resolve().parent.parent
PEER_FACTOR = {1: 1.25, 2: 1.5}
#: nrmse below this is rounding noise: both sides are raised to it before comparing.
TIE_FLOOR = 1e-10
#: Scaling: a size is skipped once the method's predicted time there exceeds this.
SCALING_BUDGET_S = 60.0
#: ... and once the whole scaling part has taken this long, every later size is skipped too,
#: so that `make bench` stays within its 20 minutes.
SCALING_TOTAL_S = 300.0
SCALING_SIGMA = 0.05
PEER_PACKAGES = ("pydelt", "pynumdiff", "derivative", "csaps", "statsmodels")
QUICK_CASES = ("sin_clean_100", "sin_noise0.05_500", "gaps_noise0.01_400")

# The highest frequency of each public case's true signal in cycles per unit x (one cycle
# over the span for the non-oscillating ones): PyNumDiff's `optimize` asks the user for it.
PUBLIC_BANDLIMIT = {
    "sin_clean_100": 1 / (2 * np.pi),
    "cubic_clean_200": 1 / 5.0,
    "exp_x2_clean_200": 1 / 3.0,
    "log_sin_clean_200": 1 / 2.8,
    "sin_noise0.01_500": 1 / (2 * np.pi),
    "sin_noise0.05_500": 1 / (2 * np.pi),
    "sin_noise0.1_500": 1 / (2 * np.pi),
    "damped_irregular_noise0.02_1000": 2 / (2 * np.pi),
}

SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

Deriv = Callable[[np.ndarray], np.ndarray]


# --------------------------------------------------------------------------------------
# What a method sees and returns
# --------------------------------------------------------------------------------------


def noise_std_estimate(x: np.ndarray, y: np.ndarray) -> float:
    """Noise std from pseudo-residuals (Gasser, Sroka and Jennen-Steinmetz 1986), free of any fit.

    Each interior sample is compared with the line through its two neighbours; the peers
    that take a noise level (SciPy's ``UnivariateSpline`` weights, `derivative`'s spline
    smoothing) get this estimate, since the user of a real data set does not know sigma.
    """
    left, right = x[1:-1] - x[:-2], x[2:] - x[1:-1]
    a, b = right / (left + right), left / (left + right)
    residual = a * y[:-2] + b * y[2:] - y[1:-1]
    return float(np.sqrt(np.mean(residual**2 / (a**2 + b**2 + 1))))


class AtSamples:
    """Derivatives of a method that returns values only at the samples.

    ``first(x, y)`` returns dy/dx at ``x``; order k applies it k times. Methods that assume
    a uniform step get the data resampled (linearly) onto ``n`` uniform points when ``x``
    is not uniform. Results reach the evaluation grid by linear interpolation.
    """

    def __init__(self, x, y, first, uniform_only):
        self.x, self.y, self.first = x, y, first
        steps = np.diff(x)
        if uniform_only and np.ptp(steps) > 1e-9 * np.mean(steps):
            self.x = np.linspace(x[0], x[-1], x.size)
            self.y = np.interp(self.x, x, y)
        self._cache = {0: self.y}

    def values(self, order: int) -> np.ndarray:
        if order not in self._cache:
            self._cache[order] = np.asarray(self.first(self.x, self.values(order - 1)), float)
        return self._cache[order]

    def differentiate(self, order: int) -> Deriv:
        values = self.values(order)
        return lambda grid: np.interp(grid, self.x, values)


class Callables:
    """Derivatives of a method that returns callables, one per order."""

    def __init__(self, make: Callable[[int], Deriv]):
        self.make = make

    def differentiate(self, order: int) -> Deriv:
        return self.make(order)


@dataclass
class Method:
    """One method of one package, with its settings as documented by its authors."""

    name: str
    package: str
    fit: Callable[[np.ndarray, np.ndarray, dict], object]
    settings: str
    at_samples: bool = False
    slow: bool = False  # left out of --quick
    #: How the time grows with n, for predicting when the scaling run would pass the budget.
    exponent: float = 1.0
    #: Whether the scaling part times it (rows that repeat another's estimator are left out).
    scaling: bool = True


# --------------------------------------------------------------------------------------
# The methods
# --------------------------------------------------------------------------------------


def _ours_spline(x, y, info):
    from pydelt_like import SplineInterpolator

    spline = SplineInterpolator().fit(x, y)
    return Callables(spline.differentiate)


def _ours_neural(x, y, info):
    from pydelt_like import NeuralNetworkInterpolator

    net = NeuralNetworkInterpolator(random_state=0).fit(x, y)
    return Callables(net.differentiate)


def _scipy_gcv(x, y, info):
    from scipy.interpolate import make_smoothing_spline

    spline = make_smoothing_spline(x, y)
    return Callables(spline.derivative)


def _scipy_univariate(x, y, info):
    from scipy.interpolate import UnivariateSpline

    spline = UnivariateSpline(x, y, k=5)
    return Callables(spline.derivative)


def _scipy_univariate_weighted(x, y, info):
    from scipy.interpolate import UnivariateSpline

    weights = np.full(x.size, 1.0 / max(info["sigma_hat"], 1e-300))
    spline = UnivariateSpline(x, y, k=5, w=weights)
    return Callables(spline.derivative)


def _csaps(x, y, info):
    from csaps import CubicSmoothingSpline

    spline = CubicSmoothingSpline(x, y).spline
    return Callables(spline.derivative)


def _pydelt(factory):
    def fit(x, y, info):
        import torch

        torch.manual_seed(0)  # PyDelt's network draws from the global generator
        interp = factory().fit(x, y)
        return Callables(lambda order: interp.differentiate(order=order))

    return fit


def _pydelt_methods() -> list[Method]:
    from pydelt import interpolation as pd

    return [
        Method("PyDelt Spline()", "pydelt", _pydelt(pd.SplineInterpolator), "defaults (k=5, smoothing from a range/noise heuristic)"),
        Method("PyDelt Spline(smoothing=0.1)", "pydelt", _pydelt(lambda: pd.SplineInterpolator(smoothing=0.1)), "README quick start: `SplineInterpolator(smoothing=0.1)`"),
        Method("PyDelt Lla()", "pydelt", _pydelt(pd.LlaInterpolator), "defaults (window_size=5, as in the README's `lla` example)"),
        Method("PyDelt Gold()", "pydelt", _pydelt(pd.GoldInterpolator), "defaults (window_size=5)"),
        Method("PyDelt Glla()", "pydelt", _pydelt(pd.GllaInterpolator), "defaults (embedding=3, n=2)"),
        Method("PyDelt Fda()", "pydelt", _pydelt(pd.FdaInterpolator), "defaults (k=3, automatic smoothing)"),
        Method("PyDelt Lowess()", "pydelt", _pydelt(pd.LowessInterpolator), "defaults (frac=0.1, it=3)", exponent=2.0),
        Method("PyDelt Loess()", "pydelt", _pydelt(pd.LoessInterpolator), "defaults (degree=2, frac=0.1, it=3)", exponent=2.0),
        Method("PyDelt NeuralNetwork()", "pydelt", _pydelt(pd.NeuralNetworkInterpolator), "defaults (PyTorch, [64, 32], 1000 epochs); torch seed 0", slow=True),
        Method("PyDelt NeuralNetwork(epochs=500)", "pydelt", _pydelt(lambda: pd.NeuralNetworkInterpolator(epochs=500)), "README: `epochs=500`; torch seed 0", slow=True),
    ]  # fmt: skip


def _derivative(kind, **fixed):
    def fit(x, y, info):
        from derivative import dxdt

        kwargs = dict(fixed)
        if kind == "savitzky_golay":
            # The README's window: length 1 on [0, 2π]; kept at the same fraction of the span.
            kwargs.update(left=np.ptp(x) / (4 * np.pi), right=np.ptp(x) / (4 * np.pi))
        if kind == "spline":
            kwargs["s"] = x.size * info["sigma_hat"] ** 2
        first = lambda t, v: dxdt(v, t, kind=kind, axis=0, **kwargs)  # noqa: E731
        return AtSamples(x, y, first, uniform_only=kind == "finite_difference")

    return fit


def _derivative_methods() -> list[Method]:
    return [
        Method("derivative SavitzkyGolay", "derivative", _derivative("savitzky_golay", order=3), "README: `order=3`, window `left=right=0.5` on [0, 2π], i.e. 1/(2π) of the span, kept at that fraction", at_samples=True, exponent=2.0),
        Method("derivative Spline", "derivative", _derivative("spline"), "cubic, `s = n·σ̂²` (FITPACK's documented choice for unit weights; σ̂ from pseudo-residuals)", at_samples=True),
        Method("derivative Kalman", "derivative", _derivative("kalman", alpha=1.0), "README: `alpha=1` (also the default)", at_samples=True, exponent=3.0),
        Method("derivative FiniteDifference", "derivative", _derivative("finite_difference", k=1), "README: `k=1` (central, 3 points); uniform step (resampled when irregular)", at_samples=True),
    ]  # fmt: skip


def _pynumdiff(name, quick):
    def fit(x, y, info):
        import pynumdiff
        from pynumdiff.optimize import optimize

        func = getattr(pynumdiff, name)
        uniform = AtSamples(x, y, None, uniform_only=True)  # the optimiser takes one dt
        dt = float(uniform.x[1] - uniform.x[0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params, _ = optimize(func, uniform.y, dt, bandlimit=info["bandlimit"])
        info.setdefault("pynumdiff_params", {})[name] = params

        def first(t, v):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return func(v, dt, **params)[1]

        uniform.first = first
        return uniform

    return fit


def _pynumdiff_methods() -> list[Method]:
    settings = "`optimize(bandlimit=…)` with its default search space; no ground truth; uniform step (resampled when irregular)"
    return [
        Method("PyNumDiff savgoldiff+optimize", "pynumdiff", _pynumdiff("savgoldiff", False), settings, at_samples=True, slow=True),
        Method("PyNumDiff rtsdiff+optimize", "pynumdiff", _pynumdiff("rtsdiff", False), settings, at_samples=True, slow=True),
    ]  # fmt: skip


def _family_methods() -> list[Method]:
    """Our local families: automatic settings, and PyDelt's parameters where they differ."""
    methods = []
    for cls, _, named in _families.FAMILIES:
        # LLA, GLLA and GOLD share one estimator, as do LOWESS and LOESS: time one of each.
        timed = cls in ("LlaInterpolator", "LowessInterpolator", "FdaInterpolator")
        methods.append(Method(_families.auto_name(cls), "ours", _families.ours(cls), "defaults (window, degree or smoothing chosen from the data)", scaling=timed))  # fmt: skip
        if named is not None:
            params = _families.PYDELT_PARAMETERS[cls]
            methods.append(Method(named, "ours", _families.ours(cls, **params), "PyDelt's parameters of the same method", slow=True, scaling=False))  # fmt: skip
    return methods


def _standard_tools(available: set[str]) -> list[Method]:
    """The usual tools for the local families' jobs: SciPy's Savitzky-Golay filter and
    statsmodels' LOWESS (smoothed values, then finite differences)."""
    savgol = "the SciPy docs' example `savgol_filter(x, 5, 2)`, `deriv=` each order, `delta=` the step; uniform step (resampled when irregular)"  # fmt: skip
    methods = [Method("SciPy savgol_filter(5, 2)", "scipy", _families.savgol(5, 2), savgol, at_samples=True)]  # fmt: skip
    if "statsmodels" in available:
        methods.append(Method("statsmodels lowess + gradient", "statsmodels", _families.statsmodels_lowess(2 / 3), "`lowess(y, x)` defaults (`frac=2/3`, `it=3`), then `numpy.gradient` of the smoothed values (again for order 2)", at_samples=True, exponent=2.0))  # fmt: skip
    return methods


def all_methods(available: set[str]) -> list[Method]:
    """Our interpolators, SciPy, and every installed peer package's methods."""
    methods = [
        Method("ours SplineInterpolator()", "ours", _ours_spline, "defaults"),
        Method("ours NeuralNetworkInterpolator()", "ours", _ours_neural, "defaults; random_state=0", slow=True),
        *_family_methods(),
        Method("SciPy make_smoothing_spline", "scipy", _scipy_gcv, "defaults: cubic, `lam=None` (GCV)"),
        Method("SciPy UnivariateSpline(k=5)", "scipy", _scipy_univariate, "k=5, `s=None` (default: `s = n`, i.e. unit noise std assumed)"),
        Method("SciPy UnivariateSpline(k=5, w=1/σ̂)", "scipy", _scipy_univariate_weighted, "k=5, `w = 1/σ̂`, `s=None` (the docs' advice when 1/w estimates the noise std)"),
    ]  # fmt: skip
    methods += _standard_tools(available)
    if "csaps" in available:
        methods.append(Method("csaps", "csaps", _csaps, "`CubicSmoothingSpline(x, y)`, `smooth=None` (automatic)"))  # fmt: skip
    if "pydelt" in available:
        methods += _pydelt_methods()
    if "derivative" in available:
        methods += _derivative_methods()
    if "pynumdiff" in available:
        methods += _pynumdiff_methods()
    return methods


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------


def available_peers(without: set[str]) -> tuple[set[str], list[str]]:
    """The peer packages that import, and a note for each one skipped."""
    available, notes = set(), []
    for package in PEER_PACKAGES:
        if package in without:
            notes.append(f"{package}: skipped (--without)")
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(package)
        except Exception as error:  # a broken install is skipped like a missing one
            notes.append(f"{package}: not available ({type(error).__name__}: {error}); skipped. Install with pip install -e '.[bench]'")  # fmt: skip
        else:
            available.add(package)
    return available, notes


def _grid(case):
    a, b = case["a"], case["b"]
    grid = np.linspace(a, b, 400)
    return grid[(grid >= a + 0.05 * (b - a)) & (grid <= b - 0.05 * (b - a))]


def run_case(case, methods):
    """nrmse of orders 1 and 2, fit time and the derivatives on the grid, per method."""
    x, y = case["x"], case["y"]
    info = {
        "sigma_hat": noise_std_estimate(x, y),
        "bandlimit": case.get("bandlimit", PUBLIC_BANDLIMIT.get(case["name"], 1 / np.ptp(x))),
    }
    grid = _grid(case)
    results = {}
    for method in methods:
        row = {"nrmse": {1: np.nan, 2: np.nan}, "time": np.nan, "curves": {}, "error": ""}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                fitted = method.fit(x, y, info)
                first = fitted.differentiate(1)
                values = np.asarray(first(grid), float).reshape(grid.shape)
                row["time"] = time.perf_counter() - start
                row["curves"][1] = values
                row["nrmse"][1] = nrmse(first, case, 1)
                second = fitted.differentiate(2)
                row["curves"][2] = np.asarray(second(grid), float).reshape(grid.shape)
                row["nrmse"][2] = nrmse(second, case, 2)
        except Exception as error:
            row["error"] = f"{type(error).__name__}: {str(error)[:80]}"
        for order in (1, 2):
            if not np.isfinite(row["nrmse"][order]):
                row["nrmse"][order] = np.nan
        results[method.name] = row
        print(f"  {method.name:38s} {row['nrmse'][1]:10.3g} {row['nrmse'][2]:10.3g} {row['time']:8.3f} s {row['error']}", flush=True)  # fmt: skip
    return results, info


def summarise(cases, results, methods):
    """One row per case and order: ours, the best peer, the ratio and the verdicts."""
    peers = [m.name for m in methods if m.package != "ours"]
    ours = "ours SplineInterpolator()"
    rows = []
    for case in cases:
        res = results[case["name"]]
        for order in (1, 2):
            scored = [(res[p]["nrmse"][order], p) for p in peers if np.isfinite(res[p]["nrmse"][order])]  # fmt: skip
            best, best_name = min(scored) if scored else (np.nan, "none")
            value = res[ours]["nrmse"][order]
            ratio = max(value, TIE_FLOOR) / max(best, TIE_FLOOR) if scored else np.nan
            rows.append(
                {
                    "case": case["name"],
                    "order": order,
                    "ours": value,
                    "best": best,
                    "best_name": best_name,
                    "ratio": ratio,
                    "within": bool(ratio <= PEER_FACTOR[order]) if scored else True,
                    "best_outright": bool(ratio <= 1.0) if scored else True,
                }
            )
    return rows


def time_scaling(methods, sizes, budget, total_budget=SCALING_TOTAL_S):
    """Seconds for fit + first derivative at the samples, per method and n (str: skipped)."""
    table = {}
    started = time.perf_counter()
    for method in methods:
        if not method.scaling:
            continue
        times: dict[int, float | str] = {}
        previous = None
        for n in sizes:
            if previous is not None:
                (n0, t0) = previous
                exponent = method.exponent
                if len(times) >= 2:
                    (n1, t1), (n2, t2) = [(k, v) for k, v in times.items() if isinstance(v, float)][-2:]  # fmt: skip
                    if t1 > 0.05:  # below this the slope is mostly overhead
                        exponent = max(exponent, np.log(t2 / t1) / np.log(n2 / n1))
                predicted = t0 * (n / n0) ** exponent
                if predicted > budget:
                    times[n] = f"skipped (predicted {predicted:.0f} s)"
                    break
                left = total_budget - (time.perf_counter() - started)
                if predicted > left:
                    times[n] = f"skipped (predicted {predicted:.0f} s; total budget spent)"
                    break
            x = np.linspace(0.0, 20 * np.pi, n)
            y = np.sin(x) + np.random.default_rng(n).normal(0.0, SCALING_SIGMA, n)
            info = {"sigma_hat": noise_std_estimate(x, y), "bandlimit": 1 / (2 * np.pi)}
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    start = time.perf_counter()
                    method.fit(x, y, info).differentiate(1)(x)
                    elapsed = time.perf_counter() - start
            except Exception as error:
                times[n] = f"fails ({type(error).__name__})"
                break
            times[n] = elapsed
            previous = (n, elapsed)
            print(f"  {method.name:38s} n={n:>8d} {elapsed:9.3f} s", flush=True)
            if elapsed > budget:
                break
        table[method.name] = times
    return table


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------


def _versions():
    names = ["pydelt-like", "numpy", "scipy", "torch", "matplotlib", *PEER_PACKAGES, "statsmodels"]  # fmt: skip
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f", {int(memory) / 2**20:.0f} GiB memory"
    except (OSError, StopIteration):
        memory = ""
    return f"{cpu}, {os.cpu_count()} logical cores{memory}; {platform.platform()}; Python {platform.python_version()}"  # fmt: skip


def _fmt(value):
    if isinstance(value, str):
        return value
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:.3g}"


def print_summary(rows):
    header = f"{'case':34s} {'ord':>3s} {'ours':>10s} {'best peer':>10s} {'ratio':>7s} {'bar':>5s}  ok   best peer method"  # fmt: skip
    print("\n" + header + "\n" + "-" * len(header))
    for r in rows:
        ok = "yes" if r["within"] else "NO"
        mark = " (ours best)" if r["best_outright"] else ""
        print(f"{r['case']:34s} {r['order']:3d} {r['ours']:10.3g} {r['best']:10.3g} {r['ratio']:6.2f}x {PEER_FACTOR[r['order']]:5.2f}  {ok:3s}  {r['best_name']}{mark}")  # fmt: skip


def plot_case(case, results, methods, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = _grid(case)
    fig, axes = plt.subplots(2, 1, figsize=(9, 8), sharex=True)
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, 20))
    for ax, order in zip(axes, (1, 2), strict=True):
        truth = case["truth"][order](grid)
        for i, method in enumerate(methods):
            curve = results[method.name]["curves"].get(order)
            # nrmse above 1 is worse than the truth's mean; such curves would hide the rest.
            if curve is None or not results[method.name]["nrmse"][order] <= 1.0:
                continue
            ours = method.package == "ours"
            ax.plot(grid, curve, lw=2.0 if ours else 0.9, color=colours[i % 20], label=method.name, zorder=3 if ours else 2)  # fmt: skip
        ax.plot(grid, truth, color="black", lw=1.5, ls="--", label="truth", zorder=4)
        span = np.ptp(truth) or 1.0
        ax.set_ylim(truth.min() - 0.3 * span, truth.max() + 0.3 * span)
        ax.set_ylabel(f"derivative of order {order}")
    axes[0].set_title(f"{case['name']}: methods with nrmse <= 1 in that order")
    axes[1].set_xlabel("x")
    axes[0].legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


def plot_summary(cases, results, methods, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [("ours spline", ["ours SplineInterpolator()"]), ("ours neural", ["ours NeuralNetworkInterpolator()"])]  # fmt: skip
    groups.append(("best of our local families", [_families.auto_name(cls) for cls, _, _ in _families.FAMILIES]))  # fmt: skip
    for package, label in (("scipy", "best SciPy"), ("csaps", "csaps"), ("derivative", "best derivative"), ("pynumdiff", "best PyNumDiff"), ("pydelt", "best PyDelt"), ("statsmodels", "statsmodels")):  # fmt: skip
        names = [m.name for m in methods if m.package == package]
        if names:
            groups.append((label, names))
    names = {m.name for m in methods}
    groups = [(label, [n for n in members if n in names]) for label, members in groups]
    groups = [(label, members) for label, members in groups if members]
    fig, axes = plt.subplots(2, 1, figsize=(12, 8), sharex=True)
    width = 0.8 / len(groups)
    positions = np.arange(len(cases))
    for ax, order in zip(axes, (1, 2), strict=True):
        for j, (label, members) in enumerate(groups):
            values = [np.nanmin([results[c["name"]][m]["nrmse"][order] for m in members] + [np.inf]) for c in cases]  # fmt: skip
            values = [max(v, TIE_FLOOR) if np.isfinite(v) else np.nan for v in values]
            ax.bar(positions + (j - len(groups) / 2 + 0.5) * width, values, width, label=label)
        ax.set_yscale("log")
        ax.set_ylabel(f"nrmse, order {order}")
    axes[1].set_xticks(positions, [c["name"] for c in cases], rotation=30, ha="right", fontsize=8)
    axes[0].legend(fontsize=8, ncol=4)
    axes[0].set_title(f"Best nrmse per package (lower is better; floor {TIE_FLOOR:g})")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


def plot_scaling(scaling, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 6))
    for name, times in scaling.items():
        points = [(n, t) for n, t in times.items() if isinstance(t, float)]
        if points:
            ns, ts = zip(*points, strict=True)
            ax.plot(ns, ts, marker="o", lw=2.5 if name.startswith("ours") else 1.0, label=name)
    ax.axhline(SCALING_BUDGET_S, color="grey", ls=":", label=f"budget {SCALING_BUDGET_S:g} s")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n samples")
    ax.set_ylabel("fit + first derivative at the samples, s")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


SOURCES = """\
| package | where its settings come from |
|---|---|
| SciPy | [`make_smoothing_spline`](https://docs.scipy.org/doc/scipy/reference/generated/scipy.interpolate.make_smoothing_spline.html) (`lam=None` selects λ by GCV); [`UnivariateSpline`](https://docs.scipy.org/doc/scipy/reference/generated/scipy.interpolate.UnivariateSpline.html) (`s=None` uses `s = len(w)`, "a good value if `1/w[i]` is an estimate of the standard deviation of `y[i]`") |
| csaps | [csaps docs](https://csaps.readthedocs.io/) (`smooth=None`: the smoothing parameter is computed automatically) |
| `derivative` | [README / docs](https://derivative.readthedocs.io/) examples: `finite_difference, k=1`; `savitzky_golay, left=.5, right=.5, order=3`; `kalman, alpha=1`; `spline` smoothing `s` passed to FITPACK's [`splrep`](https://docs.scipy.org/doc/scipy/reference/generated/scipy.interpolate.splrep.html) (`s = m·σ²` for unit weights) |
| PyNumDiff | [`optimize`](https://pynumdiff.readthedocs.io/) docstring: without a ground truth, pass `bandlimit`, "the bandlimit of the underlying signal … estimate by counting peaks per second"; default search space and `maxiter=10` |
| SciPy `savgol_filter` | [`savgol_filter`](https://docs.scipy.org/doc/scipy/reference/generated/scipy.signal.savgol_filter.html) example `savgol_filter(x, 5, 2)`; `deriv=` and `delta=` for derivatives |
| statsmodels | [`lowess`](https://www.statsmodels.org/stable/generated/statsmodels.nonparametric.smoothers_lowess.lowess.html) defaults (`frac=2/3`, `it=3`); it returns smoothed values only, so derivatives are `numpy.gradient` of them |
| PyDelt | [README / docs](https://pydelt.readthedocs.io/) quick start: `SplineInterpolator(smoothing=0.1)`, `lla(…, window_size=5)`, `neural_network_derivative(…, epochs=500)`; otherwise the constructors' defaults |
"""


def write_page(
    out, cases, methods, results, infos, rows, scaling, notes, args, elapsed, family_rows=()
):
    """Write ``benchmarks.md`` and its images under ``out``."""
    img = out / "img" / "benchmarks"
    img.mkdir(parents=True, exist_ok=True)
    for case in cases:
        plot_case(case, results[case["name"]], methods, img / f"{case['name']}.png")
    plot_summary(cases, results, methods, img / "summary.png")
    if scaling:
        plot_scaling(scaling, img / "scaling.png")

    lost = [r for r in rows if not r["best_outright"]]
    missed = [r for r in rows if not r["within"]]
    best_count = len(rows) - len(lost)
    lines = [
        "# Benchmarks against the peers",
        "",
        "<!-- Generated by benchmarks/peers.py (`make bench`); edits here are overwritten. -->",
        "",
        "One run of `benchmarks/peers.py` fits every method below to the same seeded data in one "
        "process and scores the first and second derivatives against the analytic truth.",
        "",
        f"- **Run**: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}, "
        f"{'quick mode, ' if args.quick else ''}{elapsed:.0f} s in all.",
        f"- **Machine**: {_machine()}.",
        "- **Versions**: " + ", ".join(f"{k} {v}" for k, v in _versions().items()) + ".",
    ]
    lines += [f"- **Skipped**: {note}" for note in notes]
    lines += [
        "",
        "## How it is measured",
        "",
        "- **nrmse**: RMSE of the derivative on a 400-point grid, 5 % trimmed at each end, "
        "divided by the standard deviation of the true derivative. One noise draw (seed 0); "
        "`benchmarks/spline_accuracy.py` reports our spline's median over 20 draws on the "
        "public cases.",
        "- **Sample-only outputs** (marked †): `derivative` and PyNumDiff return derivatives at "
        "the samples only. They are mapped to the grid by **linear interpolation**, and their "
        "second derivative is the method applied twice to its own first derivative (same "
        "settings). Methods that assume a uniform step get irregular data resampled linearly "
        "onto a uniform grid of the same size first.",
        f"- **Ties**: an nrmse below {TIE_FLOOR:g} is rounding noise (clean polynomial data "
        "fitted exactly); both sides are raised to that floor before comparing, so 1e-14 "
        "against 4e-15 counts as a tie, not a 2.5x loss.",
        f"- **Bars**: in every row our default `SplineInterpolator()` within "
        f"{PEER_FACTOR[1]}x (order 1) / {PEER_FACTOR[2]}x (order 2) of the best peer, and best "
        "outright (ties included) in at least half of the rows. No case is left out because we "
        "lose it; peers run at their automatic or documented settings, never tuned to a case.",
        "- **Time per fit**: fit + first derivative on the grid, in seconds, on this machine "
        "(PyNumDiff's includes its optimiser). PyTorch runs one thread (for our network and "
        "PyDelt's alike), which is steadier on a shared machine.",
        "- **Noise level**: nobody is given the true σ. Methods that need one get σ̂ from "
        "difference-based pseudo-residuals (Gasser et al. 1986). PyNumDiff's optimiser is given "
        "each case's `bandlimit`, the highest frequency of the true signal, as its docs ask.",
        "",
        "## Settings of the peers",
        "",
        SOURCES,
        "| method | package | settings |",
        "|---|---|---|",
    ]
    for method in methods:
        mark = " †" if method.at_samples else ""
        lines.append(f"| {method.name}{mark} | {method.package} | {method.settings} |")
    lines += [
        "",
        "## Verdict: our default spline against the best peer",
        "",
        f"Best outright (ties included) in **{best_count} of {len(rows)}** rows; within the "
        f"bar in **{len(rows) - len(missed)} of {len(rows)}**.",
        "",
    ]
    if lost:
        lines.append("**Where we lose** (a peer has a lower nrmse):")
        lines.append("")
        for r in lost:
            bar = "within the bar" if r["within"] else "**outside the bar**"
            lines.append(
                f"- {r['case']}, order {r['order']}: ours {r['ours']:.3g} against "
                f"{r['best']:.3g} from {r['best_name']} ({r['ratio']:.2f}x, {bar})."
            )
        lines.append("")
    else:
        lines += ["We have the lowest nrmse (or tie) in every row.", ""]
    lines += [
        "| case | order | ours `SplineInterpolator()` | best peer | best peer method | ratio | bar | within |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['order']} | {_fmt(r['ours'])} | {_fmt(r['best'])} | "
            f"{r['best_name']} | {r['ratio']:.3g}x | {PEER_FACTOR[r['order']]}x | "
            f"{'yes' if r['within'] else '**no**'} |"
        )
    lines += ["", "![Best nrmse per package](img/benchmarks/summary.png)", ""]
    if family_rows:
        lines += _families.family_lines(family_rows, _fmt)
    lines += ["## Every method, every case", ""]
    for case in cases:
        res, info = results[case["name"]], infos[case["name"]]
        lines += [
            f"### {case['name']}",
            "",
            f"{case['x'].size} samples on [{case['a']:.3g}, {case['b']:.3g}]; σ̂ = "
            f"{info['sigma_hat']:.3g}; PyNumDiff bandlimit {info['bandlimit']:.3g}.",
            "",
            "| method | nrmse order 1 | nrmse order 2 | time per fit, s | note |",
            "|---|---|---|---|---|",
        ]
        for method in methods:
            row = res[method.name]
            mark = " †" if method.at_samples else ""
            lines.append(
                f"| {method.name}{mark} | {_fmt(row['nrmse'][1])} | {_fmt(row['nrmse'][2])} | "
                f"{_fmt(row['time'])} | {row['error']} |"
            )
        params = info.get("pynumdiff_params")
        if params:
            chosen = "; ".join(f"{k}: {v}" for k, v in params.items())
            lines += ["", f"PyNumDiff's optimiser chose {chosen}."]
        lines += ["", f"![{case['name']}](img/benchmarks/{case['name']}.png)", ""]
    if scaling:
        sizes = sorted({n for times in scaling.values() for n in times})
        lines += [
            "## Scaling",
            "",
            f"Noisy sine (10 periods, σ = {SCALING_SIGMA}), fit + first derivative at the "
            f"samples, one run per size, seconds. A size is skipped when the time predicted "
            f"from the smaller ones exceeds {SCALING_BUDGET_S:g} s (or what is left of "
            f"{SCALING_TOTAL_S:g} s for the whole table). A method's time grows at least "
            "linearly; the quadratic and cubic ones (dense solves, windows searched over all "
            "samples) are predicted with their own exponent.",
            "",
            "| method | "
            + " | ".join(f"n = 10{str(len(str(n)) - 1).translate(SUPERSCRIPT)}" for n in sizes)
            + " |",
            "|---|" + "---|" * len(sizes),
        ]
        for name, times in scaling.items():
            lines.append(f"| {name} | " + " | ".join(_fmt(times.get(n, "")) for n in sizes) + " |")
        lines += ["", "![Scaling](img/benchmarks/scaling.png)", ""]
    (out / "benchmarks.md").write_text("\n".join(lines) + "\n")


def _families_only(methods, cases, out: Path | None) -> int:
    """``--families``: the families' rows and bars alone; only the accuracy table of
    ``families.md`` in ``out`` is rewritten (when the page is there)."""
    keep = {_families.SPLINE} | {n for c, p, _ in _families.FAMILIES for n in (_families.auto_name(c), p)}  # fmt: skip
    methods = [m for m in methods if m.name in keep]
    results = {}
    for case in cases:
        print(f"== {case['name']}", flush=True)
        results[case["name"]] = run_case(case, methods)[0]
    family_rows = _families.family_rows(cases, results, TIE_FLOOR)
    _families.print_family_summary(family_rows)
    if out is not None and _families.write_accuracy(
        out / "families.md", family_rows, _fmt, _when()
    ):
        print(f"wrote the accuracy table of {out / 'families.md'}")
    return verdict(_families.family_missed(family_rows))


def _when() -> str:
    return f"run of {datetime.date.today().isoformat()}, seed 0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three cases, no networks, no PyNumDiff, n = 1000 only")  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for benchmarks.md and img/benchmarks/")  # fmt: skip
    parser.add_argument("--without", default="", help="comma-separated peer packages to treat as missing")  # fmt: skip
    parser.add_argument("--max-n", type=int, default=1_000_000, help="largest n of the scaling run")  # fmt: skip
    parser.add_argument("--families", action="store_true", help="only the families' bars: our spline, our families at their automatic settings and PyDelt's same methods, every case; rewrites only the accuracy table of families.md")  # fmt: skip
    args = parser.parse_args(argv)
    started = time.perf_counter()
    # The machine is shared: torch's worker threads spin at barriers, and one busy core makes
    # a small network's fit 20-50x slower with two threads. One thread for every network here.
    import torch

    torch.set_num_threads(1)

    available, notes = available_peers({p.strip() for p in args.without.split(",") if p.strip()})
    if args.quick and "pynumdiff" in available:
        notes.append("pynumdiff: skipped in --quick mode (its optimiser takes seconds per series)")
    for note in notes:
        print("note:", note)
    methods = all_methods(available)
    if args.quick:
        methods = [m for m in methods if not m.slow]
    cases = public_cases(0) + extra_cases(0)
    if args.quick:
        cases = [c for c in cases if c["name"] in QUICK_CASES]
    if args.families:
        return _families_only(methods, cases, None if args.quick else args.out)

    results, infos = {}, {}
    print(f"{'':2s}{'method':38s} {'nrmse 1':>10s} {'nrmse 2':>10s} {'time':>10s}")
    for case in cases:
        print(f"== {case['name']}", flush=True)
        results[case["name"]], infos[case["name"]] = run_case(case, methods)
    rows = summarise(cases, results, methods)
    print_summary(rows)
    family_rows = _families.family_rows(cases, results, TIE_FLOOR)
    _families.print_family_summary(family_rows)

    sizes = [n for n in (10**3, 10**4, 10**5, 10**6) if n <= (1000 if args.quick else args.max_n)]
    print("\nscaling: fit + first derivative at the samples")
    scaling = time_scaling(methods, sizes, SCALING_BUDGET_S)

    elapsed = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    write_page(
        args.out, cases, methods, results, infos, rows, scaling, notes, args, elapsed, family_rows
    )
    print(f"\nwrote {args.out / 'benchmarks.md'} ({elapsed:.0f} s)")
    if not args.quick:
        _families.write_accuracy(args.out / "families.md", family_rows, _fmt, _when())

    missed = [
        f"{r['case']} order {r['order']}: ours {r['ours']:.3g} is {r['ratio']:.2f}x the best peer "
        f"({r['best_name']}, {r['best']:.3g}); bar {PEER_FACTOR[r['order']]}x"
        for r in rows
        if not r["within"]
    ]
    best_count = sum(r["best_outright"] for r in rows)
    if 2 * best_count < len(rows):
        missed.append(f"best outright in {best_count} of {len(rows)} rows; bar: at least half")
    missed += _families.family_missed(family_rows)
    return verdict(missed)


if __name__ == "__main__":
    sys.exit(main())
