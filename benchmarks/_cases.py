"""The benchmark cases of the spline issue: seeded data with analytic derivatives.

Each case is a dict with the samples ``x`` and ``y``, the interval ``[a, b]`` and
``truth``: the function and its first two derivatives.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Truth = tuple[Callable, Callable, Callable]


def _make(name, truth, a, b, n, sigma, seed, irregular=False):
    rng = np.random.default_rng(seed)
    if irregular:
        x = np.sort(rng.uniform(a, b, n))
        x[0], x[-1] = a, b
    else:
        x = np.linspace(a, b, n)
    y = truth[0](x)
    if sigma:
        y = y + rng.normal(0.0, sigma, n)
    return {"name": name, "x": x, "y": y, "a": a, "b": b, "sigma": sigma, "truth": truth}


SIN: Truth = (np.sin, np.cos, lambda x: -np.sin(x))
CUBIC: Truth = (
    lambda x: x**3 - 3 * x**2 + 2 * x - 1,
    lambda x: 3 * x**2 - 6 * x + 2,
    lambda x: 6 * x - 6,
)
EXP_X2: Truth = (
    lambda x: np.exp(x**2),
    lambda x: 2 * x * np.exp(x**2),
    lambda x: (2 + 4 * x**2) * np.exp(x**2),
)
LOG_SIN: Truth = (
    lambda x: np.log(np.sin(x)),
    lambda x: np.cos(x) / np.sin(x),
    lambda x: -1 / np.sin(x) ** 2,
)
DAMPED: Truth = (
    lambda t: np.exp(-0.3 * t) * np.sin(2 * t),
    lambda t: np.exp(-0.3 * t) * (2 * np.cos(2 * t) - 0.3 * np.sin(2 * t)),
    lambda t: np.exp(-0.3 * t) * (-3.91 * np.sin(2 * t) - 1.2 * np.cos(2 * t)),
)


def public_cases(seed: int = 0) -> list[dict]:
    """The cases named in the issue, with noise drawn from ``seed``."""
    cases = [
        _make("sin_clean_100", SIN, 0.0, 2 * np.pi, 100, 0.0, seed),
        _make("cubic_clean_200", CUBIC, -2.0, 3.0, 200, 0.0, seed),
        _make("exp_x2_clean_200", EXP_X2, -1.5, 1.5, 200, 0.0, seed),
        _make("log_sin_clean_200", LOG_SIN, 0.2, 3.0, 200, 0.0, seed),
    ]
    for sigma in (0.01, 0.05, 0.1):
        cases.append(_make(f"sin_noise{sigma}_500", SIN, 0.0, 2 * np.pi, 500, sigma, seed))
    cases.append(
        _make("damped_irregular_noise0.02_1000", DAMPED, 0.0, 10.0, 1000, 0.02, seed, True)
    )
    return cases


def nrmse(derivative: Callable, case: dict, order: int) -> float:
    """Interior RMSE of a derivative (5 % trimmed each end, 400-point grid) / std of the truth."""
    a, b = case["a"], case["b"]
    grid = np.linspace(a, b, 400)
    grid = grid[(grid >= a + 0.05 * (b - a)) & (grid <= b - 0.05 * (b - a))]
    truth = case["truth"][order](grid)
    error = np.asarray(derivative(grid), dtype=float).reshape(grid.shape) - truth
    return float(np.sqrt(np.mean(error**2)) / np.std(truth))
