"""The symbolic differentiator against SymPy on 1,000 random expressions.

For each expression of a seeded corpus (depth 3, variables x, y, z, smooth functions):
first and second derivatives by our rules are compared with SymPy's at three random
points, against 40-digit values (points where SymPy's own float64 evaluation is off by
more than 1e-10 are ill-conditioned in float64 and left out, and counted); the size of
our simplified first derivative (tree nodes) is compared with SymPy's ``simplify``.

Bars (from the issue): relative error <= 1e-10 on every comparison; simplified output
never larger than the unsimplified derivative; median size ratio to SymPy <= 1.5.

Run: ``python benchmarks/symbolic.py [--count 1000]``
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args(argv)

    import mpmath
    import sympy as sp

    from pydelt_like.symbolic import count_nodes, derivative_unsimplified, differentiate, evaluate
    from pydelt_like.symbolic.corpus import random_expression
    from pydelt_like.symbolic.interop import to_sympy

    mpmath.mp.dps = 40
    rng = np.random.default_rng(0)
    compared = excluded = larger = 0
    worst = 0.0
    ratios, ours_time, sympy_time = [], 0.0, 0.0
    warnings.simplefilter("ignore")
    for _ in range(args.count):
        expr = random_expression(rng, depth=3)
        names = sorted(expr.free_symbols) or ["x"]
        var = names[0]
        symbol_list = [sp.Symbol(n, real=True) for n in names]
        points = {n: rng.uniform(0.3, 2.0, 3) for n in names}
        sympy_expr = to_sympy(expr)
        for order in (1, 2):
            start = time.perf_counter()
            ours_expr = differentiate(expr, var, order)
            ours_time += time.perf_counter() - start
            ours = np.broadcast_to(evaluate(ours_expr, points), (3,))
            reference_expr = sp.diff(sympy_expr, sp.Symbol(var, real=True), order)
            if order == 1:
                if count_nodes(ours_expr) > count_nodes(derivative_unsimplified(expr, var)):
                    larger += 1
                start = time.perf_counter()
                simplified = sp.simplify(reference_expr)
                sympy_time += time.perf_counter() - start
                size = sum(1 for _ in sp.preorder_traversal(simplified))
                ratios.append(count_nodes(ours_expr) / max(size, 1))
            if reference_expr.has(sp.zoo, sp.nan, sp.oo, sp.DiracDelta):
                continue
            as_float = sp.lambdify(symbol_list, reference_expr, modules=["numpy", "scipy"])
            as_mp = sp.lambdify(symbol_list, reference_expr, modules="mpmath")
            with np.errstate(all="ignore"):
                floats = np.broadcast_to(
                    np.asarray(as_float(*[points[n].astype(complex) for n in names]), complex),
                    (3,),
                )
            for j in range(3):
                try:
                    value = as_mp(*[mpmath.mpf(float(points[n][j])) for n in names])
                except (ValueError, ZeroDivisionError, TypeError):
                    continue
                if abs(mpmath.im(value)) > 1e-30 * (1 + abs(value)):
                    continue
                truth = float(mpmath.re(value))
                if not (np.isfinite(truth) and np.isfinite(ours[j])):
                    continue
                if abs(floats[j] - truth) > 1e-10 * abs(truth):
                    excluded += 1
                    continue
                worst = max(worst, abs(ours[j] - truth) / max(abs(truth), 1e-3))
                compared += 1

    median_ratio = float(np.median(ratios))
    print(
        f"expressions: {args.count}; derivative values compared: {compared} "
        f"(orders 1 and 2; {excluded} ill-conditioned points left out)"
    )
    print(f"worst relative error: {worst:.2e} (bar 1e-10)")
    print(f"simplified larger than unsimplified: {larger} cases (bar 0)")
    print(
        f"size / SymPy simplify size: median {median_ratio:.2f} (bar 1.5), "
        f"90th percentile {np.percentile(ratios, 90):.2f}, max {max(ratios):.2f}"
    )
    print(f"time: our differentiate+simplify {ours_time:.2f} s, SymPy simplify {sympy_time:.2f} s")
    failures = []
    if worst > 1e-10:
        failures.append("relative error above 1e-10")
    if larger:
        failures.append("simplified output larger than the unsimplified derivative")
    if median_ratio > 1.5:
        failures.append("median size ratio above 1.5")
    return verdict(failures)


if __name__ == "__main__":
    sys.exit(main())
