"""Symbolic walkthrough: the chapter's exercises, checked the way a student checks them.

1. The expression tree of 3x^2 + 2x + 1, its raw derivative by the rules and the simplified one.
2. The chapter's exercises, one line each: check_derivative proves the answer or finds where it
   is wrong, at random points of its own (never only at the points you chose). The explicit
   ones are also differentiated numerically, with a SplineInterpolator fitted to sampled data.
3. Classic mistakes, including ones that agree with the right answer at a common point.
4. Back-propagation: df/dw1 of f = sigma(w2 * sigmoid(w1 * x)) in one call, and against
   PyTorch's autograd.
5. The implicit curve x^2 + y^2 = 25: dy/dx and d2y/dx2.
6. Identities proved by simplification (equivalent).
7. The activation-function table: each textbook derivative proved, and checked against
   torch.autograd.

Run: ``python examples/symbolic_walkthrough.py``
"""

from __future__ import annotations

import numpy as np

from pydelt_like import SplineInterpolator
from pydelt_like.symbolic import (
    derivative_unsimplified,
    differentiate,
    equivalent,
    evaluate,
    parse,
    symbols,
    to_torch,
)
from pydelt_like.verify import check_derivative

# The chapter's explicit exercises: f, your derivative, where to sample data for the spline.
EXERCISES = [
    ("x^3 - 3x^2 + 2x - 1", "3x^2 - 6x + 2", (-2.0, 3.0)),
    ("e^(x^2)", "2x e^(x^2)", (-1.5, 1.5)),
    ("ln(sin x)", "cot x", (0.2, 3.0)),
]
MISTAKES = [
    ("sin(x^2)", "cos(x^2)", 0.5),  # agrees where 2x = 1
    ("e^(x^2)", "e^(x^2)", 0.5),
    ("tan x", "sec x", 0.0),  # sec^2(0) = sec(0) = 1
    ("x^x", "x x^(x - 1)", 1.0),  # the power rule misapplied; agrees where ln x = 0
]
# The activation table: each activation, the textbook derivative, the torch function.
ACTIVATIONS = [
    ("sigmoid(x)", "σ(x)(1 - σ(x))", "sigmoid"),
    ("tanh(x)", "1 - tanh^2 x", "tanh"),
    ("relu(x)", "step(x)", "relu"),
    ("leaky_relu(x, 0.1)", "0.1 + 0.9 step(x)", "leaky_relu"),
    ("softplus(x)", "σ(x)", "softplus"),
    ("silu(x)", "σ(x)(1 + x(1 - σ(x)))", "silu"),
    ("gelu(x)", "(1 + erf(x/√2))/2 + x e^(-x²/2)/√(2π)", "gelu"),
]


def main() -> dict[str, float]:
    results: dict[str, float] = {}
    x, w1 = symbols("x w1")

    print("1. The tree of 3x^2 + 2x + 1")
    f = 3 * x**2 + 2 * x + 1
    print("   tree:      ", repr(f))
    print("   raw d/dx:  ", derivative_unsimplified(f, x))
    print("   simplified:", differentiate(f, x))

    print("\n2. The chapter's exercises, one line each")
    for function, hand, (lo, hi) in EXERCISES:
        check = check_derivative(function, hand, spline=False)
        print(f"   d/dx {function} = {hand}: {check.verdict.upper()}, proved={check.proved}")
        results[f"exercise {function}"] = float(check.ok and check.proved)
        # What data would give: a spline through 400 samples of f, differentiated.
        grid = np.linspace(lo, hi, 400)
        spline = SplineInterpolator().fit(grid, evaluate(parse(function), x=grid))
        inner = np.linspace(lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo), 50)
        truth = evaluate(parse(hand, split_names=True), x=inner)
        error = float(
            np.max(np.abs(spline.differentiate(1)(inner) - truth)) / np.max(np.abs(truth))
        )
        print(f"      spline on 400 samples: largest relative error {error:.1e}")
        results[f"spline {function}"] = error

    print("\n3. Classic mistakes, some agreeing with the right answer at the point you try")
    for function, hand, lucky in MISTAKES:
        check = check_derivative(function, hand, at=lucky, spline=False)
        where = "; ".join(f"x = {p:.4g}" for p in check.failures["x"][:3])
        print(f"   d/dx {function} = {hand}? at x = {lucky}: {check.status[0]}; "
              f"verdict {check.verdict.upper()} (differs at {where}, ...)")  # fmt: skip
        results[f"mistake {function}"] = float(check.verdict == "wrong")

    print("\n4. Back-propagation: df/dw1 of f = sigma(w2 * sigma(w1 * x)), in one call")
    hand = "σ(w2 σ(w1 x))(1 - σ(w2 σ(w1 x))) w2 σ(w1 x)(1 - σ(w1 x)) x"
    check = check_derivative("σ(w₂·σ(w₁x))", hand, wrt="w1")
    print(f"   {hand}: {check.verdict.upper()}, proved={check.proved}")
    results["backpropagation proved"] = float(check.proved)
    forgot = check_derivative("σ(w₂·σ(w₁x))", hand[: -len(" x")], wrt="w1")
    print(f"   the same without the final x: {forgot.verdict.upper()}")
    results["backpropagation mistake flagged"] = float(forgot.verdict == "wrong")
    net = parse("sigmoid(w2*sigmoid(w1*x))")
    point = {"w1": 0.8, "w2": -1.3, "x": 0.6}
    symbolic = evaluate(differentiate(net, w1), point)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        print("   (torch is not installed: autograd check skipped)")
    else:
        tensors = [torch.tensor(point[n], dtype=torch.float64, requires_grad=True) for n in ("w1", "w2", "x")]  # fmt: skip
        to_torch(net, ["w1", "w2", "x"])(*tensors).backward()
        autograd = tensors[0].grad.item()
        print(f"   at {point}: rules {symbolic:.15f}, autograd {autograd:.15f}")
        results["network_autograd_difference"] = abs(symbolic - autograd)

    print("\n5. The implicit curve x^2 + y^2 = 25")
    for order, hand in ((1, "-x/y"), (2, "-25/y^3"), (2, "-1/y^3")):
        check = check_derivative("x^2 + y^2 = 25", hand, order=order)
        print(f"   d{'^2' if order == 2 else ''}y/dx{'^2' if order == 2 else ''} = {hand}: "
              f"{check.verdict.upper()}, proved={check.proved}")  # fmt: skip
        results[f"implicit order {order} {hand}"] = float(check.ok)

    print("\n6. Identities proved by simplification")
    for a, b in (
        ("sin(x)^2 + cos(x)^2", "1"),
        ("σ(-u)", "1 - σ(u)"),
        ("cos x/sin x - 1/tan x", "0"),
    ):
        result = equivalent(a, b)
        print(f"   {a} = {b}: {str(result).splitlines()[0]}")
        results[f"identity {a}"] = float(result.method == "simplification")

    print("\n7. The activation-function table, against torch.autograd")
    worst = 0.0
    points = np.linspace(-3.0, 3.0, 13) + 0.05  # off the kinks, where autograd picks a side
    for function, hand, _ in ACTIVATIONS:
        check = check_derivative(function, hand, spline=False)
        ours = evaluate(parse(hand, split_names=True), x=points)
        try:
            import torch
        except ImportError:  # pragma: no cover - torch is a dependency
            gap = float("nan")
        else:
            t = torch.tensor(points, dtype=torch.float64, requires_grad=True)
            to_torch(parse(function))(t).sum().backward()
            gap = float(np.max(np.abs(t.grad.numpy() - ours)))
            worst = max(worst, gap)
        print(f"   {function:20s} {hand:42s} {check.verdict:8s} proved={check.proved!s:5s} "
              f"|hand - autograd| <= {gap:.1e}")  # fmt: skip
        results[f"activation {function}"] = float(check.ok)
    results["activation_autograd_difference"] = worst
    return results


if __name__ == "__main__":
    main()
