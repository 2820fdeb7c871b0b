"""Strategies for the symbolic package, check_derivative and numerical_derivative."""

from __future__ import annotations

from hypothesis import strategies as st

from .core import Case, Step

_FUNCTIONS = [
    "sin",
    "cos",
    "tan",
    "exp",
    "log",
    "sqrt",
    "abs",
    "sign",
    "step",
    "sigmoid",
    "tanh",
    "sinh",
    "cosh",
    "relu",
    "softplus",
    "erf",
    "gelu",
]
_NUMBERS = [
    "2",
    "3",
    "0.5",
    "1.5",
    "10",
    "0",
    "1",
    "pi",
    "e",
    "1e-3",
    "7.25",
    "1e308",
    "1e999",
    "1e-999",
    "99999999999999999999",
    "2.5e-320",
    "1e16",
]
_HOSTILE_TEXT = [
    "",
    "   ",
    "(" * 5000,
    "x^99999999",
    "x^^2",
    "2x",
    "sin()",
    "log(x, 0)",
    "log(x, -1)",
    "log(x, 1)",
    "x/0",
    "0^-1",
    "foo(x)",
    "x.y",
    "1e99999",
    "x²",
    "∞",
    "x\x00",
    "x+" * 3000 + "x",
    "(" * 500 + "x" + ")" * 500,
    "-" * 5000 + "x",
    "sin(x, 2)",
    "leaky_relu(x, 'a')",
    "leaky_relu(x, 1e999)",
    "log(x, 1e999)",
    "x**",
    "x***2",
    "((x)",
    "x)",
    ",",
    "sin",
    "pi(x)",
    "x^-0.5^-0.5",
    "0^0",
    "(-8)^(1/3)",
    "e^1e999",
    "0.5^1e999",
    "1e999 - 1e999",
    "x*1e-999",
]


@st.composite
def text(draw: st.DrawFn, depth: int = 3) -> str:
    """An expression in the grammar parse() reads (mostly valid, sometimes mutated)."""
    if depth == 0 or draw(st.floats(0, 1)) < 0.3:
        return draw(st.sampled_from(["x", "x", "x", "y", *_NUMBERS]))
    kind = draw(
        st.sampled_from(["binary"] * 4 + ["unary", "function", "function", "power", "param"])
    )
    if kind == "binary":
        op = draw(st.sampled_from(["+", "-", "*", "/"]))
        return f"({draw(text(depth - 1))}{op}{draw(text(depth - 1))})"
    if kind == "unary":
        return f"-{draw(text(depth - 1))}"
    if kind == "power":
        op = draw(st.sampled_from(["^", "**"]))
        return f"({draw(text(depth - 1))}){op}{draw(st.sampled_from(['2', '3', '-1', '0.5', 'x', '(x+1)', '1e999', '-2.5']))}"
    if kind == "param":
        name = draw(st.sampled_from(["log", "leaky_relu"]))
        value = draw(st.sampled_from(["10", "2", "0.1", "0.5", "e"]))
        return f"{name}({draw(text(depth - 1))}, {value})"
    return f"{draw(st.sampled_from(_FUNCTIONS))}({draw(text(depth - 1))})"


@st.composite
def hostile_text(draw: st.DrawFn) -> str:
    choice = draw(st.sampled_from(["grammar"] * 6 + ["special"] * 2 + ["mutated"] * 2 + ["random"]))
    if choice == "grammar":
        return draw(text())
    if choice == "special":
        return draw(st.sampled_from(_HOSTILE_TEXT))
    if choice == "mutated":
        base = draw(text())
        i = draw(st.integers(0, len(base)))
        insert = draw(st.sampled_from([*list("()+-*/^,.xe0 9!#$[]{}'\"\\"), "", "sin", "**", "1e"]))
        cut = draw(st.integers(0, 2))
        return base[:i] + insert + base[i + cut :]
    return draw(st.text(max_size=30))


_VARS = [
    "'x'",
    "'x'",
    "'x'",
    "'y'",
    "'z'",
    "sym.Var('x')",
    "''",
    "1",
    "None",
    "'x y'",
    "sym.parse('x+1')",
]
_ORDERS = ["1", "1", "1", "2", "2", "3", "0", "-1", "1.5", "True", "10**9", "np.int64(2)"]
_BINDINGS = [
    "x=0.7",
    "x=0.7, y=-1.3",
    "x=np.linspace(-1, 1, 4), y=0.5",
    "x=np.ones((2, 3)), y=np.ones(4)",
    "x='a', y=1",
    "x=None, y=1",
    "x=torch.tensor([1.0]), y=2.0",
    "x=[1, 2], y=3",
    "x=Decimal('1.5'), y=1",
    "x=1.0, y=2.0, z=np.ones(5)",
    "x=1.0",
    "bindings={'x': 1.0, 'y': 2.0}",
    "bindings=5",
    "x=np.ones(3), y=np.ones(3), unused=np.ones((7, 7))",
    "x=1e308, y=1e308",
    "x=nan, y=inf",
]
_CONST_VALUES = [
    "10**400",
    "nan",
    "inf",
    "-inf",
    "Decimal('1e-400')",
    "Fraction(1, 3)",
    "'a'",
    "None",
    "1 + 2j",
    "np.float32(2)",
    "True",
    "[1]",
    "np.int64(7)",
    "2**1023 * 2",
    "5e-324",
    "-0.0",
]
_NODE_CALLS = [
    "sym.Var({v})",
    "sym.Func('nope', sym.Var('x'))",
    "sym.Func('log', sym.Var('x'), 'a')",
    "sym.Func('sin', sym.Var('x'), 2.0)",
    "sym.Add(1)",
    "sym.Add(1, 'x', None)",
    "sym.Mul()",
    "sym.Pow(2)",
    "sym.Pow('x', 10**400)",
    "sym.symbols(None)",
    "sym.symbols('x, y')",
    "sym.symbols(123)",
    "sym.symbols('')",
    "sym.symbols('1x')",
    "sym.as_expr(1 + 2j)",
    "sym.as_expr([1])",
    "sym.Var('x') ** sym.Const(10**300)",
    "sym.Var('x') / 0",
    "sym.count_nodes('x')",
    "sym.to_str(5)",
    "sym.to_repr(None)",
    "sym.derivative_unsimplified(sym.parse('x^x'), 'x')",
    "sym.log(sym.Var('x'), base=-1)",
    "sym.leaky_relu(sym.Var('x'), alpha=nan)",
    "sym.sin(None)",
    "sym.Var('x') + Decimal('1.5')",
    "sym.Var('x') * Fraction(1, 3)",
    "sym.Var('x') ** np.float64(2)",
]
_NAMES = ["'x'", "''", "'1x'", "'x y'", "None", "'π'", "'class'", "'_'", "'a' * 10000", "b'x'"]


@st.composite
def symbolic_case(draw: st.DrawFn) -> Case:
    kind = draw(
        st.sampled_from(
            ["parse"] * 3 + ["diff"] * 4 + ["simplify"] * 2 + ["evaluate"] * 2 + ["torch", "nodes"]
        )
    )
    if kind == "nodes":
        form = draw(st.sampled_from(_NODE_CALLS + ["sym.Const({c})"] * 6))
        code = "r = " + form.format(
            v=draw(st.sampled_from(_NAMES)), c=draw(st.sampled_from(_CONST_VALUES))
        )
        steps = [
            Step("symbolic nodes", code),
            Step("symbolic printing", "t = str(r); t2 = repr(r)", chain=False),
        ]
        return Case("symbolic", tuple(steps))
    source = draw(hostile_text()) if kind == "parse" else draw(text())
    steps = [Step("symbolic.parse", f"e = sym.parse({source!r})")]
    if kind == "parse":
        steps.append(
            Step(
                "symbolic printing",
                "e2 = sym.parse(str(e))",
                checks=(("symbolic_same", {"left": "e", "right": "e2", "what": "printing"}),),
            )
        )
        steps.append(
            Step(
                "symbolic printing",
                "t = sym.to_repr(e)",
                checks=(("rebuilds", {"expr": "e", "text": "t"}),),
                chain=False,
            )
        )
    elif kind == "diff":
        var, order = draw(st.sampled_from(_VARS)), draw(st.sampled_from(_ORDERS))
        checks: tuple = ()
        if var in ("'x'", "'y'", "'z'") and order in ("0", "1", "2", "3", "np.int64(2)"):
            value = 2 if order == "np.int64(2)" else int(order)
            checks = (
                (
                    "symbolic_derivative",
                    {"expr": "e", "result": "d", "var": var[1:-1], "order": value},
                ),
            )
        steps.append(
            Step(
                "symbolic.differentiate", f"d = sym.differentiate(e, {var}, {order})", checks=checks
            )
        )
        if draw(st.booleans()):
            steps.append(
                Step(
                    "symbolic printing",
                    "d2 = sym.parse(str(d))",
                    checks=(("symbolic_same", {"left": "d", "right": "d2", "what": "printing"}),),
                    chain=False,
                )
            )
    elif kind == "simplify":
        steps.append(
            Step(
                "symbolic.simplify",
                "s = sym.simplify(e)",
                checks=(("symbolic_same", {"left": "e", "right": "s", "what": "simplify"}),),
            )
        )
    elif kind == "evaluate":
        steps.append(
            Step("symbolic.evaluate", f"r = sym.evaluate(e, {draw(st.sampled_from(_BINDINGS))})")
        )
    else:
        args = draw(
            st.sampled_from(
                [
                    ("np.linspace(-2, 2, 5)", "np.linspace(0.5, 1.5, 5)"),
                    ("np.linspace(-2, 2, 3)", "np.linspace(0, 1, 4)"),
                    ("0.5", "1.5"),
                    ("np.ones((2, 2))", "np.ones(2)"),
                    ("1e308", "-1e308"),
                ]
            )
        )
        variables = draw(
            st.sampled_from(
                ["['x', 'y']", "['x', 'y']", "None", "['y']", "['x', 'x']", "[1]", "'xy'"]
            )
        )
        steps.append(
            Step(
                "symbolic.to_function",
                f"f = sym.to_function(e, {variables}); r1 = f({args[0]}, {args[1]})",
            )
        )
        steps.append(
            Step(
                "symbolic.to_torch",
                f"g = sym.to_torch(e, {variables}); r2 = g(torch.tensor({args[0]}, dtype=torch.float64), torch.tensor({args[1]}, dtype=torch.float64))",
                checks=(("torch_agrees", {"left": "r1", "right": "r2"}),),
            )
        )
    return Case("symbolic", tuple(steps))


# ------------------------------------------------------------------------- verify / numeric
_CALLABLES = [
    "np.sin",
    "np.sin",
    "np.exp",
    "cube",
    "math.sin",
    "longer",
    "shorter",
    "words",
    "nothing",
    "nans",
    "cplx",
    "listed",
    "scalar_only",
    "raising",
    "5",
    "'sin'",
    "None",
    "sym.parse('sin(x)')",
    "sym.parse('x*y')",
    "lambda x: x[0]",
    "lambda x: np.sum(x)",
    "lambda x, y: x",
]
_POINTS = [
    "1.0",
    "[1.0, 2.0]",
    "np.linspace(-3, 3, 7)",
    "1e300",
    "1e-300",
    "0.0",
    "nan",
    "inf",
    "'a'",
    "None",
    "[]",
    "np.ones((2, 2))",
    "torch.tensor([1.0])",
    "Decimal('2')",
    "10**400",
    "-40.0",
    "np.array([1e-8, 1e8])",
]


@st.composite
def numeric_case(draw: st.DrawFn) -> Case:
    if draw(st.booleans()):
        return draw(_check_derivative_case())
    f = draw(st.sampled_from(_CALLABLES))
    fn = "(lambda x: x**3)" if f == "cube" else f
    x = draw(st.sampled_from(_POINTS))
    order = draw(
        st.sampled_from(["1", "1", "2", "0", "3", "4", "10**9", "-1", "1.5", "True", "None"])
    )
    extra = draw(
        st.sampled_from(
            [
                "",
                "",
                "",
                ", step=1e-3",
                ", step=0",
                ", step=-1",
                ", step=nan",
                ", step=1e-300",
                ", step=1e300",
                ", step='a'",
                ", step=np.array([1e-3])",
                ", richardson=False",
                ", richardson='yes'",
            ]
        )
    )
    steps = [Step("build", f"p = {x}", kind="build")]
    checks: tuple = ()
    if (
        f in ("np.sin", "np.exp", "cube")
        and order in ("0", "1", "2")
        and extra in ("", ", richardson=False")
    ):
        checks = (
            ("numeric_truth", {"result": "r", "points": "p", "function": f, "order": int(order)}),
        )
    steps.append(
        Step(
            "numeric.numerical_derivative",
            f"r = numeric.numerical_derivative({fn}, p, {order}{extra})",
            checks=checks,
        )
    )
    return Case("verify/numeric", tuple(steps))


_PAIRS = [
    ("'sin(x)'", "'cos(x)'", True),
    ("'x^3'", "'3*x^2'", True),
    ("'exp(x)'", "'exp(x)'", True),
    ("'sin(x)'", "'sin(x)'", False),
    ("'x^2'", "'x'", False),
    ("np.sin", "np.cos", True),
    ("'log(x)'", "'1/x'", True),
    ("'abs(x)'", "'sign(x)'", True),
    ("np.exp", "np.sin", False),
    ("sym.parse('x^2')", "lambda x: 2 * x", True),
    ("longer", "'cos(x)'", None),
    ("'sin(x)'", "nothing", None),
    ("'sin(x)'", "raising", None),
    ("'x*y'", "'y'", None),
    ("5", "'1'", None),
    ("'sin(x'", "'cos(x)'", None),
    ("nans", "'0'", None),
    ("'sin(x)'", "words", None),
    ("cplx", "'1'", None),
]
_WHERE = [
    "at=[0.5, 1.0, 1.7]",
    "at=1.3",
    "at=np.linspace(0.1, 2, 5)",
    "domain=(0.1, 2)",
    "domain=(0.3, 1.9)",
    "at=[]",
    "at=[nan]",
    "at='a'",
    "at=None",
    "domain=(0, 1e308)",
    "domain=(1, 0)",
    "domain=(nan, 1)",
    "domain='ab'",
    "domain=(0, 1, 2)",
    "domain=(-1e300, 1e300)",
    "domain=(0.2, 0.2000000001)",
    "at=[0.5], domain=(0, 1)",
    "domain=None",
]
_MODERATE = {
    "at=[0.5, 1.0, 1.7]",
    "at=1.3",
    "at=np.linspace(0.1, 2, 5)",
    "domain=(0.1, 2)",
    "domain=(0.3, 1.9)",
}


@st.composite
def _check_derivative_case(draw: st.DrawFn) -> Case:
    f, df, right = draw(st.sampled_from(_PAIRS))
    where = draw(st.sampled_from(_WHERE))
    extra = draw(
        st.lists(
            st.sampled_from(
                [
                    "n_points=1",
                    "n_points=0",
                    "n_points=-5",
                    "n_points=1.5",
                    "n_points=10**10",
                    "n_points=True",
                    "n_points=10**5",
                    "rtol=0",
                    "rtol=-1",
                    "rtol=nan",
                    "atol='a'",
                    "spline=False",
                    "spline='yes'",
                    "n_samples=10",
                    "n_samples=1",
                    "n_samples=0",
                    "n_samples=-1",
                    "n_samples=10**9",
                    "n_samples=2.5",
                ]
            ),
            max_size=2,
            unique=True,
        )
    )
    extra = list({e.split("=")[0]: e for e in extra}.values())  # one value per keyword
    extras = "".join(", " + e for e in extra)
    checks: tuple = ()
    if (
        right is not None
        and where in _MODERATE
        and not any(e.startswith(("rtol", "atol", "n_points")) for e in extra)
    ):
        checks = (("verdict", {"result": "r", "expect": right}),)
    steps = [
        Step(
            "verify.check_derivative",
            f"r = verify.check_derivative({f}, {df}, {where}{extras})",
            checks=checks,
        ),
        Step("verify.check_derivative", "t = str(r)", chain=False),
    ]
    return Case("verify/numeric", tuple(steps))
