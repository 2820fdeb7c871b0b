"""The symbolic differentiator against SymPy on 1,000 random expressions.

For each expression of a seeded corpus (depth 3, variables x, y, z, the smooth functions of
the table, the inverse and reciprocal trigonometric and hyperbolic ones, cbrt and silu
included): first and second derivatives by our rules are compared with SymPy's at three
random points, against 40-digit values (points where SymPy's own float64 evaluation is off by
more than 1e-10 are ill-conditioned in float64 and left out, and counted); the size of our
simplified first derivative (tree nodes) is compared with SymPy's ``simplify``; and
``proves_equal`` is asked whether the simplified derivative equals the rules' raw output
(how often simplification is *proved* sound on these expressions, and how long it takes).

Bars (from the issue): relative error <= 1e-10 on every comparison; simplified output
never larger than the unsimplified derivative; median size ratio to SymPy <= 1.5; every
function of the table compared at least once; no proof claims equality the numbers deny.

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
    from pydelt_like.symbolic.canonical import proves_equal
    from pydelt_like.symbolic.corpus import _SMOOTH_FUNCTIONS, random_expression
    from pydelt_like.symbolic.interop import to_sympy
    from pydelt_like.symbolic.nodes import Func, postorder

    mpmath.mp.dps = 40
    rng = np.random.default_rng(0)
    compared = excluded = larger = 0
    worst = 0.0
    ratios, ours_time, sympy_time = [], 0.0, 0.0
    compared_by_function: dict[str, int] = dict.fromkeys(_SMOOTH_FUNCTIONS, 0)
    proofs = {True: 0, False: 0, None: 0}
    proof_time, unsound = 0.0, 0
    warnings.simplefilter("ignore")
    for _ in range(args.count):
        expr = random_expression(rng, depth=3)
        functions = {n.name for n in postorder(expr) if isinstance(n, Func)}
        names = sorted(expr.free_symbols) or ["x"]
        var = names[0]
        symbol_list = [sp.Symbol(n, real=True) for n in names]
        points = {n: rng.uniform(0.3, 2.0, 3) for n in names}
        sympy_expr = to_sympy(expr, real_roots=False)  # the points are positive
        for order in (1, 2):
            start = time.perf_counter()
            ours_expr = differentiate(expr, var, order)
            ours_time += time.perf_counter() - start
            ours = np.broadcast_to(evaluate(ours_expr, points), (3,))
            reference_expr = sp.diff(sympy_expr, sp.Symbol(var, real=True), order)
            if order == 1:
                raw = derivative_unsimplified(expr, var)
                if count_nodes(ours_expr) > count_nodes(raw):
                    larger += 1
                start = time.perf_counter()
                proved = proves_equal(ours_expr, raw)
                proof_time += time.perf_counter() - start
                proofs[proved] += 1
                if proved:
                    with np.errstate(all="ignore"):
                        a = np.broadcast_to(evaluate(ours_expr, points), (3,))
                        b = np.broadcast_to(evaluate(raw, points), (3,))
                    both = np.isfinite(a) & np.isfinite(b) & (np.abs(a) < 1e8)
                    unsound += int(not np.allclose(a[both], b[both], rtol=1e-7, atol=1e-9))
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
                for name in functions:
                    compared_by_function[name] += 1

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
    print(
        "values compared per function: "
        + ", ".join(f"{name} {n}" for name, n in sorted(compared_by_function.items()))
    )
    print(
        f"simplified derivative proved equal to the raw rules' output: {proofs[True]} of "
        f"{sum(proofs.values())} (not reached {proofs[False]}, gave up {proofs[None]}); "
        f"{proof_time:.2f} s in all; proofs the numbers deny: {unsound} (bar 0)"
    )
    failures = []
    missing = sorted(name for name, n in compared_by_function.items() if n == 0)
    if missing:
        failures.append(f"functions never compared: {', '.join(missing)}")
    if unsound:
        failures.append("a proof of equality that the numbers deny")
    if worst > 1e-10:
        failures.append("relative error above 1e-10")
    if larger:
        failures.append("simplified output larger than the unsimplified derivative")
    if median_ratio > 1.5:
        failures.append("median size ratio above 1.5")
    return verdict(failures)


if __name__ == "__main__":
    sys.exit(main())
