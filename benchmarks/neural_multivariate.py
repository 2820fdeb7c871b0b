"""NeuralNetworkInterpolator on scattered data in several dimensions, against a Gaussian process.

Issue 15's cases: noisy (sigma = 1 % of the std of f) scattered samples, n = 400 and 2,000,
of x*y + x^2 and x^2*y + sin(y) on [-2, 2]^2, Franke's function on [0, 1]^2 and exp(-r^2) on
[-1.5, 1.5]^3, each fitted with the defaults of

- ours: ``NeuralNetworkInterpolator()`` (gradient, Hessian, Laplacian by autograd);
- scikit-learn's ``GaussianProcessRegressor`` (ARD RBF + white noise, hyperparameters by
  marginal likelihood; derivatives of its mean in closed form): the reference of the bars;
- SciPy's ``RBFInterpolator`` (thin-plate spline) with its smoothing chosen by leave-one-out
  (Rippa's formula; derivatives by central differences);
- PyDelt 0.8.0's ``MultivariateDerivatives`` (its default spline), for reference only.

Errors are relative (Frobenius norm over 200 interior points, the inner 80 % of the box) of
the gradient, the Hessian and the Laplacian. Bars: ours / GP <= 1.0 in geometric mean over
the cases and <= 1.5 on each, for each quantity; our fit time <= the GP's at n = 2,000; the
Laplacian of x^2*y + sin(y) from 400 clean points within 2 %. Exits non-zero when a bar is
missed.

Large n: 100,000 noisy samples (sigma = 1 % of the std of f) in 3-D of exp(-r^2) and
sin(x + y) + x z^2 on [-1.5, 1.5]^3, ours at its defaults against SciPy's
``RBFInterpolator(neighbors=50)`` (thin-plate spline) whose smoothing is chosen by
leave-one-out on a subset: the 2,000 subset points are held out together, each predicted
from its 50 nearest neighbours among the rest (2 % of the samples removed, so a point's
neighbourhood is as in leave-one-out), over a grid of smoothings. The reference's Hessian
at a point is that of the local spline it evaluates there (the 50 nearest samples), by
central differences. Bars: our median fit time <= 60 s, and our Hessian error <= the
reference's on each function. Time at the library's defaults (no ``OMP_NUM_THREADS``).

Run: ``python benchmarks/neural_multivariate.py [--n 400 2000] [--seed 0] [--no-pydelt]
[--no-large | --only-large] [--gp-restarts 2]``
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import verdict

from pydelt_like import NeuralNetworkInterpolator

Array = np.ndarray


# ------------------------------------------------------------------ the cases
def _saddle(x: Array) -> tuple[Array, Array, Array]:
    a, b = x[:, 0], x[:, 1]
    f = a * b + a**2
    g = np.column_stack([b + 2 * a, a])
    h = np.broadcast_to([[2.0, 1.0], [1.0, 0.0]], (len(a), 2, 2)).copy()
    return f, g, h


def _cubic(x: Array) -> tuple[Array, Array, Array]:
    a, b = x[:, 0], x[:, 1]
    f = a**2 * b + np.sin(b)
    g = np.column_stack([2 * a * b, a**2 + np.cos(b)])
    h = np.stack([np.column_stack([2 * b, 2 * a]), np.column_stack([2 * a, -np.sin(b)])], axis=1)
    return f, g, h


def _franke(x: Array) -> tuple[Array, Array, Array]:
    a, b = x[:, 0], x[:, 1]
    terms = [  # (coefficient, centre a, centre b, scale a, scale b, power)
        (0.75, 2.0, 2.0, 1 / 4, 1 / 4),
        (0.75, -1.0, -1.0, 1 / 49, 1 / 10),
        (0.5, 7.0, 3.0, 1 / 4, 1 / 4),
        (-0.2, 4.0, 7.0, 1.0, 1.0),
    ]
    f = np.zeros_like(a)
    g = np.zeros((len(a), 2))
    h = np.zeros((len(a), 2, 2))
    for k, (c, ca, cb, sa, sb) in enumerate(terms):
        if k == 1:  # exp(-(9a+1)^2/49 - (9b+1)/10): linear in b
            u, v = 9 * a + 1, 9 * b + 1
            e = c * np.exp(-(u**2) * sa - v * sb)
            du, dv = -2 * u * sa * 9, -sb * 9
            duu = -2 * sa * 81
            f += e
            g += np.column_stack([e * du, e * dv])
            h[:, 0, 0] += e * (du**2 + duu)
            h[:, 0, 1] += e * du * dv
            h[:, 1, 0] += e * du * dv
            h[:, 1, 1] += e * dv**2
            continue
        u, v = 9 * a - ca, 9 * b - cb
        e = c * np.exp(-(u**2) * sa - v**2 * sb)
        du, dv = -2 * u * sa * 9, -2 * v * sb * 9
        f += e
        g += np.column_stack([e * du, e * dv])
        h[:, 0, 0] += e * (du**2 - 2 * sa * 81)
        h[:, 1, 1] += e * (dv**2 - 2 * sb * 81)
        h[:, 0, 1] += e * du * dv
        h[:, 1, 0] += e * du * dv
    return f, g, h


def _bump3(x: Array) -> tuple[Array, Array, Array]:
    f = np.exp(-(x**2).sum(axis=1))
    g = -2 * x * f[:, None]
    h = (4 * x[:, :, None] * x[:, None, :] - 2 * np.eye(3)) * f[:, None, None]
    return f, g, h


def _wave3(x: Array) -> tuple[Array, Array, Array]:
    a, b, c = x[:, 0], x[:, 1], x[:, 2]
    s, co = np.sin(a + b), np.cos(a + b)
    f = s + a * c**2
    g = np.column_stack([co + c**2, co, 2 * a * c])
    zero = np.zeros_like(a)
    h = np.stack(
        [
            np.column_stack([-s, -s, 2 * c]),
            np.column_stack([-s, -s, zero]),
            np.column_stack([2 * c, zero, 2 * a]),
        ],
        axis=1,
    )
    return f, g, h


CASES: dict[str, tuple[Callable[[Array], tuple[Array, Array, Array]], float, float, int]] = {
    "x*y+x^2": (_saddle, -2.0, 2.0, 2),
    "x^2*y+sin(y)": (_cubic, -2.0, 2.0, 2),
    "franke": (_franke, 0.0, 1.0, 2),
    "exp(-r^2) 3-D": (_bump3, -1.5, 1.5, 3),
}


def _relative(estimate: Array, truth: Array) -> float:
    return float(np.linalg.norm(estimate - truth) / np.linalg.norm(truth))


# ------------------------------------------------------------------ the methods
OURS: dict[str, object] = {}  # hyperparameters of ours (--activation): defaults otherwise
GP_RESTARTS = [0]  # the GP's optimizer restarts (--gp-restarts)


def _ours(x: Array, y: Array, seed: int) -> Callable[[Array], tuple[Array, Array]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = NeuralNetworkInterpolator(random_state=seed, **OURS).fit(x, y)  # type: ignore[arg-type]
    return lambda p: (net.gradient()(p), net.hessian()(p))


def _gp(x: Array, y: Array, seed: int) -> Callable[[Array], tuple[Array, Array]]:
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    d = x.shape[1]
    kernel = ConstantKernel(1.0) * RBF(np.ones(d), (1e-2, 1e3)) + WhiteKernel(1e-3, (1e-10, 1))
    gp = GaussianProcessRegressor(
        kernel, normalize_y=True, random_state=seed, n_restarts_optimizer=GP_RESTARTS[0]
    ).fit(x, y)
    amplitude = gp.kernel_.k1.k1.constant_value
    lengths = np.atleast_1d(gp.kernel_.k1.k2.length_scale) * np.ones(d)
    alpha = gp.alpha_.ravel() * gp._y_train_std * amplitude

    def derivatives(p: Array) -> tuple[Array, Array]:
        diff = (p[:, None, :] - x[None, :, :]) / lengths**2  # (m, n, d)
        k = np.exp(-0.5 * (((p[:, None, :] - x[None, :, :]) / lengths) ** 2).sum(axis=2))
        ka = k * alpha[None, :]
        grad = -(ka[:, :, None] * diff).sum(axis=1)
        outer = np.einsum("mn,mni,mnj->mij", ka, diff, diff)
        hess = outer - ka.sum(axis=1)[:, None, None] * np.diag(1 / lengths**2)[None]
        return grad, hess

    return derivatives


def _rbf(x: Array, y: Array, seed: int) -> Callable[[Array], tuple[Array, Array]]:
    from scipy.interpolate import RBFInterpolator
    from scipy.linalg import lu_factor, lu_solve

    # Leave-one-out smoothing by Rippa's formula on the thin-plate system [K + sI, P; P', 0].
    n, d = x.shape
    r = np.linalg.norm(x[:, None] - x[None], axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(r > 0, r**2 * np.log(r), 0.0)
    poly = np.column_stack([np.ones(n), x])
    best = (np.inf, 0.0)
    for s in np.geomspace(1e-6, 1e2, 9):
        a = np.block([[k + s * np.eye(n), poly], [poly.T, np.zeros((d + 1, d + 1))]])
        lu = lu_factor(a)
        coefficients = lu_solve(lu, np.r_[y, np.zeros(d + 1)])[:n]
        inverse = lu_solve(lu, np.eye(n + d + 1)[:, :n])[:n]  # the n x n block of A^-1
        diagonal = np.diag(inverse)
        loo = float(np.mean((coefficients / diagonal) ** 2))
        if loo < best[0]:
            best = (loo, float(s))
    model = RBFInterpolator(x, y, smoothing=best[1])
    width = x.max(axis=0) - x.min(axis=0)

    def derivatives(p: Array) -> tuple[Array, Array]:
        h = 1e-3 * width
        eye = np.eye(d)
        grad = np.column_stack(
            [(model(p + h[i] * eye[i]) - model(p - h[i] * eye[i])) / (2 * h[i]) for i in range(d)]
        )
        hess = np.empty((len(p), d, d))
        for i in range(d):
            for j in range(d):
                a, b = h[i] * eye[i], h[j] * eye[j]
                value = model(p + a + b) - model(p + a - b) - model(p - a + b) + model(p - a - b)
                hess[:, i, j] = value / (4 * h[i] * h[j])
        return grad, hess

    return derivatives


def _pydelt(x: Array, y: Array, seed: int) -> Callable[[Array], tuple[Array, Array]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pydelt.multivariate import MultivariateDerivatives

        model = MultivariateDerivatives()
        model.fit(x, y)
    gradient, hessian = model.gradient(), model.hessian()
    return lambda p: (np.asarray(gradient(p)), np.asarray(hessian(p)))


def _local_rbf(x: Array, y: Array, seed: int) -> Callable[[Array], tuple[Array, Array]]:
    """RBFInterpolator(neighbors=50), smoothing by leave-one-out on a 2,000-point subset."""
    from scipy.interpolate import RBFInterpolator
    from scipy.spatial import cKDTree

    n, d = x.shape
    held = np.random.default_rng(seed + 1).choice(n, min(2000, n // 10), replace=False)
    rest = np.setdiff1d(np.arange(n), held)
    best = (np.inf, 0.0)
    for s in np.geomspace(1e-8, 1e1, 10):
        model = RBFInterpolator(x[rest], y[rest], neighbors=50, smoothing=s)
        loo = float(np.mean((model(x[held]) - y[held]) ** 2))
        if loo < best[0]:
            best = (loo, float(s))
    tree = cKDTree(x)
    h = 1e-3 * (x.max(axis=0) - x.min(axis=0))
    eye = np.eye(d)

    def derivatives(p: Array) -> tuple[Array, Array]:
        grad, hess = np.empty((len(p), d)), np.empty((len(p), d, d))
        for k, point in enumerate(p):
            _, near = tree.query(point, 50)
            local = RBFInterpolator(x[near], y[near], smoothing=best[1])
            for i in range(d):
                a = h[i] * eye[i]
                values = local(np.array([point + a, point - a]))
                grad[k, i] = (values[0] - values[1]) / (2 * h[i])
                for j in range(d):
                    b = h[j] * eye[j]
                    corners = np.array([point + a + b, point + a - b, point - a + b, point - a - b])
                    v = local(corners)
                    hess[k, i, j] = (v[0] - v[1] - v[2] + v[3]) / (4 * h[i] * h[j])
        return grad, hess

    return derivatives


LARGE: dict[str, Callable[[Array], tuple[Array, Array, Array]]] = {
    "exp(-r^2) 3-D": _bump3,
    "sin(x+y)+x*z^2 3-D": _wave3,
}
LARGE_N = 100_000
LARGE_TIME_S = 60.0  # issue 15: a fit of 10^5 samples in 3-D in about a minute on this CPU


def _large(seed: int) -> list[tuple[str, float, str, bool]]:
    """The large-n rows: ours at its defaults against the local RBF, 10^5 samples in 3-D."""
    rows, times = [], []
    for case, function in LARGE.items():
        rng = np.random.default_rng(seed)
        x = rng.uniform(-1.5, 1.5, (LARGE_N, 3))
        f, _, _ = function(x)
        y = f + 0.01 * f.std() * rng.standard_normal(LARGE_N)
        points = np.random.default_rng(seed + 1000).uniform(-1.2, 1.2, (200, 3))
        _, _, h_true = function(points)
        errors = {}
        for method, fit in (("ours", _ours), ("RBF-50", _local_rbf)):
            start = time.perf_counter()
            derivatives = fit(x, y, seed)
            elapsed = time.perf_counter() - start
            grad, hess = derivatives(points)
            errors[method] = _relative(hess, h_true)
            if method == "ours":
                times.append(elapsed)
            print(
                f"{case:18s} {LARGE_N:6d} {method:8s} gradient "
                f"{_relative(grad, function(points)[1]):9.3g} Hessian {errors[method]:9.3g} "
                f"fit {elapsed:7.1f} s",
                flush=True,
            )
        rows.append(
            (
                f"{case}, n = 100,000: Hessian error, ours (RBF-50: {errors['RBF-50']:.3g})",
                errors["ours"],
                "<= RBF-50",
                errors["ours"] <= errors["RBF-50"],
            )
        )
    median = float(np.median(times))
    rows.append(
        (
            "n = 100,000 in 3-D: our median fit time, s",
            median,
            f"<= {LARGE_TIME_S:.0f}",
            median <= LARGE_TIME_S,
        )
    )
    return rows


METHODS = {"ours": _ours, "GP": _gp, "RBF-LOO": _rbf, "PyDelt": _pydelt}


def _errors(method: str, case: str, n: int, seed: int, noise: float) -> tuple[float, ...]:
    function, low, high, d = CASES[case]
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, (n, d))
    f, _, _ = function(x)
    y = f + noise * f.std() * rng.standard_normal(n)
    margin = 0.1 * (high - low)
    points = np.random.default_rng(seed + 1000).uniform(low + margin, high - margin, (200, d))
    _, g_true, h_true = function(points)
    start = time.perf_counter()
    try:
        derivatives = METHODS[method](x, y, seed)
        elapsed = time.perf_counter() - start
        grad, hess = derivatives(points)
        grad, hess = grad.reshape(g_true.shape), hess.reshape(h_true.shape)
    except Exception as error:  # a reference that fails is reported, not fatal
        print(f"  {method} failed on {case}, n={n}: {type(error).__name__}: {error}")
        return (np.nan,) * 4
    lap = np.trace(hess, axis1=1, axis2=2)
    lap_true = np.trace(h_true, axis1=1, axis2=2)
    return (
        _relative(grad, g_true),
        _relative(hess, h_true),
        _relative(lap, lap_true),
        elapsed,
    )


def _import_libraries(methods: list[str]) -> None:
    """Import the methods' libraries before any fit is timed: a process imports them once, so
    the first case timed should not carry torch's (1.5-2 s) or scikit-learn's import."""
    import torch  # noqa: F401

    if "GP" in methods:
        import sklearn.gaussian_process  # noqa: F401
    if "RBF-LOO" in methods:
        import scipy.interpolate  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[400, 2000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    parser.add_argument("--no-pydelt", action="store_true")
    parser.add_argument("--no-rbf", action="store_true")
    parser.add_argument("--no-gp", action="store_true", help="ours alone (no ratios)")
    parser.add_argument("--activation", help="ours with this activation (default: its default)")
    large = parser.add_mutually_exclusive_group()
    large.add_argument("--no-large", action="store_true", help="skip the 100,000-sample rows")
    large.add_argument("--only-large", action="store_true", help="only the 100,000-sample rows")
    parser.add_argument(
        "--gp-restarts",
        type=int,
        default=0,
        help="restarts of the GP's hyperparameter search from random starts (default 0: one "
        "search; it lands in poor optima on some cases, e.g. x*y+x^2 at n=2000, which "
        "flatters ours; each restart costs about one more GP fit, far more at n=2000)",
    )
    args = parser.parse_args(argv)
    GP_RESTARTS[0] = args.gp_restarts
    if args.activation:
        OURS["activation"] = args.activation
    methods = [m for m in METHODS if not (m == "PyDelt" and args.no_pydelt)]
    methods = [m for m in methods if not (m == "RBF-LOO" and args.no_rbf)]
    methods = [m for m in methods if not (m == "GP" and args.no_gp)]
    results: dict[tuple[str, str, int], tuple[float, ...]] = {}
    rows: list[tuple[str, float, str, bool]] = []
    if not args.no_large:
        rows += _large(args.seed)
    if args.only_large:
        return _report(rows)
    _import_libraries(methods)
    print(
        f"{'case':16s} {'n':>5s} {'method':8s} {'grad':>9s} {'hess':>9s} {'lap':>9s} {'fit s':>7s}"
    )
    for n in args.n:
        for case in args.cases:
            for method in methods:
                row = _errors(method, case, n, args.seed, noise=0.01)
                results[(case, method, n)] = row
                print(
                    f"{case:16s} {n:5d} {method:8s} "
                    + " ".join(f"{v:9.3g}" for v in row[:3])
                    + f" {row[3]:7.2f}",
                    flush=True,
                )
    if args.no_gp:
        return _report(rows)
    keys = [(c, n) for n in args.n for c in args.cases]
    for i, name in enumerate(("gradient", "Hessian", "Laplacian")):
        ratios = np.array([results[(c, "ours", n)][i] / results[(c, "GP", n)][i] for c, n in keys])
        geo = float(np.exp(np.mean(np.log(ratios))))
        rows.append((f"{name}: ours / GP, geometric mean", geo, "<= 1.0", geo <= 1.0))
        worst = float(ratios.max())
        rows.append((f"{name}: ours / GP, worst case", worst, "<= 1.5", worst <= 1.5))
    if 2000 in args.n:
        ours = sum(results[(c, "ours", 2000)][3] for c in args.cases)
        gp = sum(results[(c, "GP", 2000)][3] for c in args.cases)
        rows.append(("fit time at n = 2,000: ours / GP", ours / gp, "<= 1.0", ours <= gp))
    clean = _errors("ours", "x^2*y+sin(y)", 400, args.seed, noise=0.0)[2]
    rows.append(("clean x^2*y+sin(y), n=400: Laplacian error", clean, "<= 0.02", clean <= 0.02))
    return _report(rows)


def _report(rows: list[tuple[str, float, str, bool]]) -> int:
    """Print the bars and return the exit status (non-zero when one is missed)."""
    if not rows:
        return 0
    print()
    width = max(len(r[0]) for r in rows)
    for label, value, bar, ok in rows:
        print(f"{label:{width}s}  {value:10.4g}  {bar:>8s}  {'yes' if ok else 'NO'}")
    return verdict([r[0] for r in rows if not r[3]])


if __name__ == "__main__":
    sys.exit(main())
