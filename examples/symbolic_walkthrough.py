"""Symbolic walkthrough: trees, the rules, simplification, and checking derivations.

1. The expression tree of 3x^2 + 2x + 1, its raw derivative by the rules and the
   simplified one.
2. Symbolic against numerical derivatives: five functions at three points.
3. Exercises checked with check_derivative (symbolic, numerical and a fitted spline),
   including the classic chain-rule mistake.
4. A two-layer network f = sigmoid(w2 * sigmoid(w1 * x)): the partial derivative with
   respect to w1 written out by the rules and checked against PyTorch's autograd.

Run: ``python examples/symbolic_walkthrough.py``
"""

from __future__ import annotations

from pydelt_like.numeric import numerical_derivative
from pydelt_like.symbolic import (
    cos,
    derivative_unsimplified,
    differentiate,
    evaluate,
    exp,
    log,
    parse,
    sigmoid,
    sin,
    sqrt,
    symbols,
    to_function,
    to_torch,
)
from pydelt_like.verify import check_derivative


def main() -> dict[str, float]:
    results: dict[str, float] = {}
    x, w1, w2 = symbols("x w1 w2")

    print("1. The tree of 3x^2 + 2x + 1")
    f = 3 * x**2 + 2 * x + 1
    print("   tree:      ", repr(f))
    print("   printed:   ", f)
    print("   raw d/dx:  ", derivative_unsimplified(f, x))
    df = differentiate(f, x)
    print("   simplified:", df)
    for point in (0.5, 1.0, 1.7):
        numeric = numerical_derivative(to_function(f), point)
        print(f"   x = {point}: symbolic {evaluate(df, x=point):.12f}  numerical {numeric:.12f}")

    print("\n2. Symbolic vs numerical, five functions at three points")
    classic = {
        "sin(x)": sin(x),
        "exp(x)": exp(x),
        "log(x)": log(x),
        "x^3 - 2x": x**3 - 2 * x,
        "sqrt(x) cos(x)": sqrt(x) * cos(x),
    }
    worst = 0.0
    print(f"   {'f':>16s} {'x':>5s} {'symbolic':>18s} {'numerical':>18s} {'|difference|':>13s}")
    for name, expr in classic.items():
        derivative = to_function(differentiate(expr, x))
        for point in (0.5, 1.0, 1.7):
            symbolic = derivative(point)
            numeric = numerical_derivative(to_function(expr), point)
            worst = max(worst, abs(symbolic - numeric))
            print(
                f"   {name:>16s} {point:5.1f} {symbolic:18.12f} {numeric:18.12f} "
                f"{abs(symbolic - numeric):13.2e}"
            )
    print(f"   largest difference: {worst:.2e}")
    results["classic_max_difference"] = worst

    print("\n3. Checking derivations by hand")
    exercises = [
        ("x^3 - 3*x^2 + 2*x - 1", "3*x^2 - 6*x + 2", (-2.0, 3.0)),
        ("exp(x^2)", "2*x*exp(x^2)", (-1.5, 1.5)),
        ("log(sin(x))", "cos(x)/sin(x)", (0.2, 3.0)),
    ]
    for function, hand, domain in exercises:
        check = check_derivative(function, hand, domain=domain, n_points=5)
        print(check, end="\n\n")
        results[f"exercise {function}"] = float(check.ok)
    mistake = check_derivative("sin(x^2)", "cos(x^2)", at=[0.5, 1.0, 1.7])
    print("The classic mistake, forgetting the inner derivative:")
    print(mistake)
    results["mistake flagged"] = float(not mistake.ok)

    print("\n4. A two-layer network f = sigmoid(w2 * sigmoid(w1 * x))")
    net = sigmoid(w2 * sigmoid(w1 * x))
    by_rules = differentiate(net, w1)
    print("   df/dw1 by the rules:", by_rules)
    print("   by hand: sigma'(w2 h) * w2 * sigma'(w1 x) * x with h = sigma(w1 x) and")
    print("            sigma'(u) = sigma(u) * (1 - sigma(u)), i.e. sigma(u) * sigma(-u)")
    hand = parse(
        "sigmoid(w2*sigmoid(w1*x))*sigmoid(-w2*sigmoid(w1*x))*w2*sigmoid(w1*x)*sigmoid(-w1*x)*x"
    )
    point = {"w1": 0.8, "w2": -1.3, "x": 0.6}
    symbolic = evaluate(by_rules, point)
    print(f"   at {point}: rules {symbolic:.15f}, hand {evaluate(hand, point):.15f}")
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        print("   (torch is not installed: autograd check skipped)")
    else:
        tensors = [
            torch.tensor(point[n], dtype=torch.float64, requires_grad=True)
            for n in ("w1", "w2", "x")
        ]
        to_torch(net, ["w1", "w2", "x"])(*tensors).backward()
        autograd = tensors[0].grad.item()
        print(f"   autograd: {autograd:.15f}  |rules - autograd| = {abs(symbolic - autograd):.1e}")
        results["network_autograd_difference"] = abs(symbolic - autograd)
    results["network_hand_difference"] = abs(symbolic - evaluate(hand, point))
    return results


if __name__ == "__main__":
    main()
