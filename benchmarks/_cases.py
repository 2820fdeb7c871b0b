"""The benchmark cases: seeded data with analytic derivatives.

Each case is a dict with the samples ``x`` and ``y``, the interval ``[a, b]`` and
``truth``: the function and its first two derivatives. ``public_cases`` are the cases
of the spline issue; ``extra_cases`` add harder shapes and sampling for the
side-by-side comparison with the peer packages (``peers.py``).
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


# Three frequencies at once: the highest (9 rad per unit) is resolved by about 9 samples a period.
MULTI_FREQ: Truth = (
    lambda x: np.sin(x) + 0.5 * np.sin(3 * x) + 0.2 * np.sin(9 * x),
    lambda x: np.cos(x) + 1.5 * np.cos(3 * x) + 1.8 * np.cos(9 * x),
    lambda x: -np.sin(x) - 4.5 * np.sin(3 * x) - 16.2 * np.sin(9 * x),
)

_BUMP_AT, _BUMP_WIDTH = 0.6, 0.03


def _gauss(x):
    return np.exp(-0.5 * ((x - _BUMP_AT) / _BUMP_WIDTH) ** 2)


# A slow wave with a narrow Gaussian bump: one smoothing level for both is a compromise.
BUMP: Truth = (
    lambda x: 0.3 * np.sin(2 * np.pi * x) + _gauss(x),
    lambda x: 0.6 * np.pi * np.cos(2 * np.pi * x) - (x - _BUMP_AT) / _BUMP_WIDTH**2 * _gauss(x),
    lambda x: (
        -1.2 * np.pi**2 * np.sin(2 * np.pi * x)
        + ((x - _BUMP_AT) ** 2 / _BUMP_WIDTH**4 - 1 / _BUMP_WIDTH**2) * _gauss(x)
    ),
)

# A linear trend under a wave; the noise grows along x (heteroscedastic).
TREND: Truth = (
    lambda x: 0.5 * x + np.sin(x),
    lambda x: 0.5 + np.cos(x),
    lambda x: -np.sin(x),
)

# A decaying oscillation sampled with two gaps.
GAPPED: Truth = (
    lambda x: np.exp(-0.1 * x) * np.cos(1.5 * x),
    lambda x: np.exp(-0.1 * x) * (-0.1 * np.cos(1.5 * x) - 1.5 * np.sin(1.5 * x)),
    lambda x: np.exp(-0.1 * x) * (-2.24 * np.cos(1.5 * x) + 0.3 * np.sin(1.5 * x)),
)


def extra_cases(seed: int = 0) -> list[dict]:
    """Four cases beyond the spline issue's, each stressing one thing, noise drawn from ``seed``.

    - ``multi_freq_noise0.02_800``: three frequencies at once (periods 2π, 2π/3, 2π/9).
    - ``bump_noise0.01_600``: a Gaussian bump of width 0.03 on a slow wave over [0, 1].
    - ``trend_hetero_1000``: a trend plus a wave; the noise std grows from 0.005 to 0.1.
    - ``gaps_noise0.01_400``: 400 irregular samples on [0, 10] with none in (2.5, 3.5)
      or (6, 7.5); the error is measured across the gaps too.

    Each case also carries ``bandlimit``: the highest frequency (cycles per unit x) of its
    true signal, for the peers whose automatic settings ask the user for it.
    """
    cases = [
        _make("multi_freq_noise0.02_800", MULTI_FREQ, 0.0, 2 * np.pi, 800, 0.02, seed),
        _make("bump_noise0.01_600", BUMP, 0.0, 1.0, 600, 0.01, seed),
    ]
    cases[0]["bandlimit"] = 9 / (2 * np.pi)
    cases[1]["bandlimit"] = 1 / (2 * np.pi * _BUMP_WIDTH)

    rng = np.random.default_rng(seed + 1)
    x = np.linspace(0.0, 10.0, 1000)
    noise_std = 0.005 + 0.0095 * x
    y = TREND[0](x) + rng.normal(0.0, 1.0, x.size) * noise_std
    cases.append(
        {"name": "trend_hetero_1000", "x": x, "y": y, "a": 0.0, "b": 10.0, "sigma": noise_std}
    )
    cases[-1].update(truth=TREND, bandlimit=1 / (2 * np.pi))

    rng = np.random.default_rng(seed + 2)
    # Uniform on the 7.5 units outside the gaps, then shifted past them; both ends sampled.
    u = np.sort(rng.uniform(0.0, 7.5, 398))
    x = np.concatenate([[0.0], u + 1.0 * (u >= 2.5) + 1.5 * (u >= 5.0), [10.0]])
    y = GAPPED[0](x) + rng.normal(0.0, 0.01, x.size)
    cases.append({"name": "gaps_noise0.01_400", "x": x, "y": y, "a": 0.0, "b": 10.0, "sigma": 0.01})
    cases[-1].update(truth=GAPPED, bandlimit=1.5 / (2 * np.pi))
    return cases


def nrmse(derivative: Callable, case: dict, order: int) -> float:
    """Interior RMSE of a derivative (5 % trimmed each end, 400-point grid) / std of the truth."""
    a, b = case["a"], case["b"]
    grid = np.linspace(a, b, 400)
    grid = grid[(grid >= a + 0.05 * (b - a)) & (grid <= b - 0.05 * (b - a))]
    truth = case["truth"][order](grid)
    error = np.asarray(derivative(grid), dtype=float).reshape(grid.shape) - truth
    return float(np.sqrt(np.mean(error**2)) / np.std(truth))
