"""Equation discovery with PySINDy: pydelt_like's spline as the differentiation method.

The Lorenz system (sigma=10, rho=28, beta=8/3) is integrated with SciPy and sampled at 5000
times on [0, 10], uniformly or at random (irregular) times, with Gaussian noise of 1 % and
5 % of each state's standard deviation. SINDy (polynomial library of degree 2, STLSQ with
threshold 0.5) is fitted once per differentiation method: ours, and PySINDy's own
FiniteDifference, SmoothedFiniteDifference, and its spline and Savitzky-Golay wrappers (at
the settings of PySINDy's differentiation examples). The table reports the coefficient error
(relative, over the true non-zero terms), false and missed terms; medians over seeds.

Needs PySINDy: ``pip install 'pydelt-like[pysindy]'``.
Run: ``python examples/pysindy_lorenz.py [--seeds 3] [--quick]``
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from scipy.integrate import solve_ivp

SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0
# Library order of PolynomialLibrary(degree=2) on (x, y, z):
# 1, x, y, z, x^2, x y, x z, y^2, y z, z^2
TRUE = np.zeros((3, 10))
TRUE[0, 1], TRUE[0, 2] = -SIGMA, SIGMA
TRUE[1, 1], TRUE[1, 2], TRUE[1, 6] = RHO, -1.0, -1.0
TRUE[2, 3], TRUE[2, 5] = -BETA, 1.0


def lorenz(_t: float, state: np.ndarray) -> list[float]:
    x, y, z = state
    return [SIGMA * (y - x), x * (RHO - z) - y, x * y - BETA * z]


def trajectory(noise: float, irregular: bool, seed: int, n: int = 5000, span: float = 10.0):
    """Sample times and noisy states."""
    rng = np.random.default_rng(seed)
    if irregular:
        t = np.sort(rng.uniform(0.0, span, n))
        t[0], t[-1] = 0.0, span
    else:
        t = np.linspace(0.0, span, n)
    states = solve_ivp(lorenz, (0.0, span), [-8.0, 8.0, 27.0], t_eval=t, rtol=1e-10, atol=1e-10).y.T
    return t, states + rng.normal(0.0, 1.0, states.shape) * noise * states.std(axis=0)


def score(coefficients: np.ndarray) -> tuple[float, int, int]:
    """(relative coefficient error over the true terms, false terms, missed terms)."""
    true = TRUE != 0
    error = np.linalg.norm(coefficients[true] - TRUE[true]) / np.linalg.norm(TRUE[true])
    return (
        float(error),
        int(((coefficients != 0) & ~true).sum()),
        int(((coefficients == 0) & true).sum()),
    )


def methods() -> dict:
    import pysindy as ps

    from pydelt_like.integrations.pysindy import SplineDifferentiation

    return {
        "pydelt_like SplineDifferentiation": SplineDifferentiation,
        "PySINDy FiniteDifference": ps.FiniteDifference,
        "PySINDy SmoothedFiniteDifference": ps.SmoothedFiniteDifference,
        "PySINDy spline (s=1e-2)": lambda: ps.SINDyDerivative(kind="spline", s=1e-2),
        "PySINDy Savitzky-Golay": lambda: ps.SINDyDerivative(
            kind="savitzky_golay", left=0.5, right=0.5, order=3
        ),
    }


def discover(method, t: np.ndarray, states: np.ndarray):
    import pysindy as ps

    model = ps.SINDy(
        feature_library=ps.PolynomialLibrary(degree=2),
        optimizer=ps.STLSQ(threshold=0.5),
        differentiation_method=method,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(states, t=t)
    return model


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="our method only, one seed")
    args = parser.parse_args(argv)
    chosen = methods()
    if args.quick:
        chosen = {k: v for k, v in chosen.items() if k.startswith("pydelt_like")}
        args.seeds = 1
    results: dict = {}
    for noise in (0.01, 0.05):
        for irregular in (False, True):
            for name, make in chosen.items():
                scores = []
                for seed in range(args.seeds):
                    t, states = trajectory(noise, irregular, seed)
                    model = discover(make(), t, states)
                    scores.append(score(model.coefficients()))
                    if seed == 0 and name.startswith("pydelt_like") and not irregular:
                        print(f"\n{int(noise * 100)} % noise, uniform times, {name}:")
                        model.print()
                median = (
                    float(np.median([s[0] for s in scores])),
                    int(max(s[1] for s in scores)),
                    int(max(s[2] for s in scores)),
                )
                results[(noise, irregular, name)] = median
    print(f"\nmedians over {args.seeds} seed(s); false/missed terms: the worst seed")
    print(
        f"{'noise':>5s} {'times':>9s} {'method':34s} {'coef. error':>11s} {'false':>5s} "
        f"{'missed':>6s}"
    )
    for (noise, irregular, name), (error, false, missed) in results.items():
        times = "irregular" if irregular else "uniform"
        print(f"{noise:5.2f} {times:>9s} {name:34s} {error:11.4f} {false:5d} {missed:6d}")
    return results


if __name__ == "__main__":
    main()
