"""Strategies for the interpolators: hyperparameters, fits, every evaluation, save/load, pickle."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .core import Case, Step
from .data import Data, kwargs, samples

# Each option: (valid choices, hostile choices) as code; the default is left out. A case keeps
# most defaults, takes valid non-defaults for some options, and (sometimes) one hostile value.
_SPLINE_OPTIONS: dict[str, tuple[list[str], list[str]]] = {
    "smoothing": (
        [
            "0",
            "0",
            "0",
            "0.0",
            "1e-3",
            "1.0",
            "1.0",
            "1e3",
            "1e300",
            "5e-324",
            "np.float32(0.5)",
            "np.int64(0)",
        ],
        ["-1.0", "nan", "inf", "'none'", "None", "True", "[1.0]", "Decimal('1.5')", "'AUTO'"],
    ),
    "k": (
        ["1", "2", "3", "3", "4", "6", "7", "np.int64(3)"],
        ["0", "8", "-1", "2.0", "True", "'3'", "10**20", "None"],
    ),
    "max_knots": (
        ["1", "2", "5", "5", "50", "np.int32(4)"],
        ["0", "-1", "10**12", "2.5", "True", "'a'"],
    ),
    "nan_policy": (["'omit'"], ["'ignore'", "None", "1"]),
    "extrapolate": (["'nan'", "'extrapolate'"], ["'clip'", "None", "True"]),
}
_SPLINE_KEEP = {
    "smoothing": 0.5,
    "k": 0.5,
    "max_knots": 0.85,
    "nan_policy": 0.6,
    "extrapolate": 0.6,
}

_NEURAL_OPTIONS: dict[str, tuple[list[str], list[str]]] = {
    "hidden_layers": (
        ["(8,)", "[4, 4]", "[4, 4]", "[]", "np.array([8])", "range(1, 3)"],
        ["[0]", "[-1]", "None", "8", "['a']", "[8.0]", "[True]", "[10**9]", "[10**5, 10**5]"],
    ),
    "activation": (
        ["'sigmoid'", "'softplus'", "'gelu'", "'silu'", "'sin'", "'relu'", "'leaky_relu'"],
        ["'swish'", "None", "3"],
    ),
    "epochs": (["0", "1", "3", "np.int64(3)"], ["-1", "10**9", "2.5", "True", "'5'", "None"]),
    "learning_rate": (
        ["0.1", "np.float32(0.01)", "np.float64(0.1)", "5e-324"],
        ["0", "-1", "inf", "nan", "'a'", "1e308", "True", "None", "Decimal('0.01')"],
    ),
    "optimizer": (["'adam'", "'lbfgs'"], ["'sgd'", "None"]),
    "lbfgs_iterations": (["0", "1"], ["-1", "10**9", "1.5", "None"]),
    "batch_size": (["1", "4"], ["0", "-1", "10**9", "2.5", "True"]),
    "weight_decay": (["0.1", "np.float64(0.1)", "1e308"], ["inf", "nan", "-1", "'a'"]),
    "n_members": (["1", "np.int64(1)"], ["0", "-1", "10**6", "2.0", "True"]),
    "bootstrap": (["True", "np.bool_(True)"], ["'yes'", "None"]),
    "independent_outputs": (["True"], ["1", "None"]),
    "early_stopping": (["'validation'", "'none'"], ["'bad'", "None"]),
    "validation_fraction": (["0.5", "0.99"], ["0", "1", "-0.1", "nan", "'a'", "None"]),
    "random_state": (["1", "None", "np.int64(5)", "2**63 - 1"], ["2**70", "-1", "'a'", "1.5"]),
    "device": (
        ["'cpu'", "'auto'", "torch.device('cpu')"],
        ["'cuda:7'", "'tpu'", "3", "None", "'meta'"],
    ),
    "dtype": (["'float32'", "'float64'"], ["'float16'", "torch.float64", "'half'", "3"]),
    "progress": (["False"], ["True", "'no'"]),
    "nan_policy": (["'omit'"], ["'ignore'", "None"]),
    "extrapolate": (["'nan'", "'extrapolate'"], ["'clip'"]),
}
_NEURAL_KEEP = 0.9  # most options keep NS's tiny values

_ORDERS = ["0", "1", "1", "1", "2", "2", "3", "np.int64(2)"]
_HOSTILE_ORDERS = ["5", "7", "8", "-1", "1.5", "True", "'1'", "None", "10**6"]


@st.composite
def _options(
    draw: st.DrawFn, table: dict[str, tuple[list[str], list[str]]], keep: Any, hostile: bool
) -> dict[str, str]:
    chosen = {}
    for name, (valid, _) in table.items():
        share = keep[name] if isinstance(keep, dict) else keep
        if draw(st.floats(0, 1)) >= share:
            chosen[name] = draw(st.sampled_from(valid))
    if hostile:
        name = draw(st.sampled_from(sorted(table)))
        chosen[name] = draw(st.sampled_from(table[name][1]))
    return chosen


#: What a case is hostile in: nothing (extreme but valid input), its data, one hyperparameter,
#: or its calls (orders, points, flags).
FOCUS = ["none"] * 8 + ["data"] * 4 + ["options"] * 3 + ["calls"] * 5


def _literal(code: str | None, default: Any) -> Any:
    """The value an option's code stands for, where the checks need it (strings, 0)."""
    if code is None:
        return default
    if code.startswith("'") and code.endswith("'"):
        return code[1:-1]
    return {"0": 0, "0.0": 0, "np.int64(0)": 0}.get(code, code)


def _order_value(code: str) -> int | None:
    try:
        value = int(code)
    except ValueError:
        return {"np.int64(2)": 2}.get(code)
    return value if code.lstrip("-").isdigit() else None


def _check(data: Data, result: str, order: int, op: str, info: dict[str, Any]) -> tuple:
    params = {
        "result": result,
        "points": "p",
        "x": "x",
        "y": "y",
        "w": "w" if data.weights else None,
        "order": order,
        "op": op,
        "nan_policy": info["nan_policy"],
        "extrapolate": info["extrapolate"],
        "exact_fit": info["exact_fit"],
        "truth": data.truth if info["exact_ok"] else None,
    }
    return ("interp", params)


@st.composite
def _probes(
    draw: st.DrawFn, data: Data, family: str, info: dict[str, Any], hostile: bool
) -> list[Step]:
    """Evaluation, derivatives, bands, antiderivatives, integrals and parameters of ``m``."""
    name = {"spline": "SplineInterpolator", "neural": "NeuralNetworkInterpolator"}.get(
        family, family
    )  # another family passes its class name
    steps = []
    kinds = [
        "call",
        "predict",
        "std",
        "derivative",
        "derivative",
        "derivative",
        "chain",
        "std_derivative",
        "interval",
        "antiderivative",
        "integrate",
        "repr",
    ]
    if hostile:
        kinds += ["params", "bad_flag", "derivative", "derivative", "antiderivative", "interval"]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(kinds))
        if family != "spline" and kind in ("antiderivative", "integrate"):  # spline's own
            kind = "derivative"
        if kind in ("call", "predict"):
            code = "r = m(p)" if kind == "call" else "r = m.predict(p)"
            steps.append(
                Step(
                    f"{name}.{'__call__' if kind == 'call' else 'predict'}",
                    code,
                    checks=(_check(data, "r", 0, "values", info),),
                    chain=False,
                )
            )
        elif kind == "std":
            steps.append(
                Step(
                    f"{name}.predict(return_std)",
                    "r, s = m.predict(p, return_std=True)",
                    checks=(
                        _check(data, "r", 0, "values", info),
                        _check(data, "s", 0, "std", info),
                    ),
                    chain=False,
                )
            )
        elif kind in ("derivative", "chain"):
            order_code = draw(st.sampled_from(_HOSTILE_ORDERS if hostile else _ORDERS))
            if family == "neural" and hostile and draw(st.floats(0, 1)) < 0.1:
                order_code = draw(st.sampled_from(["40", "10**9"]))
            order = _order_value(order_code)
            if kind == "chain":
                code = f"r = m.differentiate(1).differentiate({order_code})(p)"
                order = None if order is None else order + 1
            else:
                code = f"r = m.differentiate({order_code})(p)"
            checks = () if order is None else (_check(data, "r", order, "values", info),)
            steps.append(Step(f"{name}.differentiate", code, checks=checks, chain=False))
        elif kind == "std_derivative":
            order = draw(st.integers(1, 2))
            steps.append(
                Step(
                    f"{name}.differentiate(return_std)",
                    f"r, s = m.differentiate({order})(p, return_std=True)",
                    checks=(
                        _check(data, "r", order, "values", info),
                        _check(data, "s", order, "std", info),
                    ),
                    chain=False,
                )
            )
        elif kind == "interval":
            levels = ["0.95", "0.5", "0.999999", "1e-300", "np.float32(0.9)"]
            if hostile:
                levels = ["1 - 1e-16", "0", "1", "'high'", "10**400", "nan", "None"]
            level = draw(st.sampled_from(levels))
            order = draw(st.integers(0, 1))
            target = "m" if order == 0 else "m.differentiate(1)"
            code = f"lo, hi = {target}.interval(p, level={level}); r = {target}(p)"
            steps.append(
                Step(
                    f"{name}.interval",
                    code,
                    checks=(("band", {"lower": "lo", "upper": "hi", "values": "r"}),),
                    chain=False,
                )
            )
        elif kind == "antiderivative":
            order_code = draw(
                st.sampled_from(["0", "-1", "1.5", "10**6"] if hostile else ["1", "1", "2", "3"])
            )
            order = _order_value(order_code)
            checks = (
                () if order is None or order < 1 else (_check(data, "r", -order, "values", info),)
            )
            steps.append(
                Step(
                    f"{name}.antiderivative",
                    f"r = m.antiderivative({order_code})(p)",
                    checks=checks,
                    chain=False,
                )
            )
        elif kind == "integrate":
            limits = [
                ("lo_", "hi_"),
                ("lo_ + 0.25 * (hi_ - lo_)", "hi_ - 0.3 * (hi_ - lo_)"),
                ("hi_", "lo_"),
            ]
            if hostile:
                limits = [
                    ("0.0", "1.0"),
                    ("nan", "1.0"),
                    ("'a'", "1.0"),
                    ("1e308", "-1e308"),
                    ("None", "[1, 2]"),
                ]
            lower, upper = draw(st.sampled_from(limits))
            code = f"a_, b_ = {lower}, {upper}; r = m.integrate(a_, b_)"
            check = {
                "result": "r",
                "x": "x",
                "y": "y",
                "w": "w" if data.weights else None,
                "lower": "a_",
                "upper": "b_",
                "nan_policy": info["nan_policy"],
                "truth": data.truth,
            }
            steps.append(
                Step(f"{name}.integrate", code, checks=(("integral", check),), chain=False)
            )
        elif kind == "params":
            change = draw(
                st.sampled_from(
                    [
                        "k=3",
                        "k__x=1",
                        "hidden_layers__0=3",
                        "smoothing__a=1",
                        "nope=1",
                        "epochs=2",
                        "activation='sin'",
                        "nan_policy='omit'",
                        "**{'': 1}",
                        "**{'__': 1}",
                        "random_state__seed=1",
                    ]
                )
            )
            code = f"r = m.get_params(); m.set_params({change}); m.fit(x, y)"
            steps.append(Step(f"{name}.set_params", code, chain=False))
        elif kind == "repr":
            steps.append(
                Step(f"{name}.__repr__", "r = repr(m); r = repr(m.differentiate(1))", chain=False)
            )
        else:
            flag = draw(st.sampled_from(["'yes'", "None", "1", "np.bool_(True)"]))
            steps.append(
                Step(
                    f"{name}.predict(return_std)",
                    f"r = m.predict(p, return_std={flag})",
                    chain=False,
                )
            )
    return steps


@st.composite
def spline_case(draw: st.DrawFn) -> Case:
    focus = draw(st.sampled_from(FOCUS))
    data = draw(
        samples(hostile=focus == "data", hostile_points=focus == "calls" and draw(st.booleans()))
    )
    options = draw(_options(_SPLINE_OPTIONS, _SPLINE_KEEP, focus == "options"))
    smoothing = _literal(options.get("smoothing"), "auto")
    info = {
        "nan_policy": _literal(options.get("nan_policy"), "raise"),
        "extrapolate": _literal(options.get("extrapolate"), "raise"),
        "exact_fit": smoothing == 0,
        "exact_ok": True,
    }
    fit = f"m = S({kwargs(options)}).fit(x, y{', weights=w' if data.weights else ''})"
    steps = [*data.steps, Step("SplineInterpolator.fit", fit)]
    steps += draw(_probes(data, "spline", info, focus == "calls"))
    return Case("spline", tuple(steps))


@st.composite
def neural_case(draw: st.DrawFn) -> Case:
    focus = draw(st.sampled_from(FOCUS))
    multi = draw(st.floats(0, 1)) < 0.2
    if multi:
        data = draw(_multi_samples(focus == "data"))
    else:
        data = draw(
            samples(
                max_n=40,
                hostile=focus == "data",
                hostile_points=focus == "calls" and draw(st.booleans()),
            )
        )
    options = draw(_options(_NEURAL_OPTIONS, _NEURAL_KEEP, focus == "options"))
    info = {
        "nan_policy": _literal(options.get("nan_policy"), "raise"),
        "extrapolate": _literal(options.get("extrapolate"), "raise"),
        "exact_fit": False,
        # Only constants must be exact for an under-trained network; lines need not be.
        "exact_ok": data.truth is not None and all(b == 0 for _, b in data.truth),
    }
    spec = (
        "NS"
        if not options
        else "{**NS, " + ", ".join(f"{k!r}: {v}" for k, v in options.items()) + "}"
    )
    fit = f"m = N(**{spec}).fit(x, y{', weights=w' if data.weights else ''})"
    steps = [*data.steps, Step("NeuralNetworkInterpolator.fit", fit)]
    if multi:
        steps += draw(_multi_probes(focus == "calls"))
    else:
        steps += draw(_probes(data, "neural", info, focus == "calls"))
    return Case("neural", tuple(steps))


@st.composite
def _multi_samples(draw: st.DrawFn, hostile: bool) -> Data:
    data = Data()
    n, d = draw(st.integers(2, 30)), draw(st.integers(2, 3))
    seed = draw(st.integers(0, 2**16))
    scale = draw(st.sampled_from(["1.0", "1e-300", "1e300", "1e12"]))
    data.build(f"x = {scale} * np.random.default_rng({seed}).random(({n}, {d}))")
    forms = [
        "y = np.sin(x).sum(axis=1)",
        "y = np.full({n}, 2.5)",
        "y = np.column_stack([x[:, 0], x[:, 1] ** 2])",
        "y = 1e300 * x[:, 0]",
        "y = np.ones(({n}, 2, 2))",
    ]
    if hostile:
        forms = ["y = x[:, 0]; y[0] = nan", "y = x[:3, 0]", "y = x", "y = x[:, 0]; x[1, 1] = inf"]
    form = draw(st.sampled_from(forms))
    data.build(form.format(n=n))
    data.build(f"p = x[:{draw(st.integers(1, 5))}]")
    data.x_dims = d
    data.n = n
    return data


@st.composite
def _multi_probes(draw: st.DrawFn, hostile: bool) -> list[Step]:
    steps = []
    kinds = ["predict", "partial", "gradient", "jacobian", "hessian", "laplacian", "std"]
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from([*kinds, "bad"] if hostile else kinds))
        if kind == "predict":
            code, order = "r = m.predict(p)", 0
        elif kind == "partial":
            wrt = draw(
                st.sampled_from(
                    ["-1", "5", "1.5", "None", "True", "'0'"]
                    if hostile
                    else ["0", "1", "np.int64(1)"]
                )
            )
            order = draw(st.sampled_from([1, 1, 2, 3]))
            code = f"r = m.differentiate({order}, wrt={wrt})(p)"
        elif kind == "std":
            code, order = "r, s = m.predict(p, return_std=True)", 0
        elif kind == "bad":
            point = draw(
                st.sampled_from(["p[:, :1]", "p[0, 0]", "np.full((2, 9), 0.5)", "p.T", "None"])
            )
            code, order = f"r = m.predict({point})", None
        else:
            code, order = f"r = m.{kind}()(p)", 1 if kind in ("gradient", "jacobian") else 2
        checks = (
            ()
            if order is None
            else (("multi", {"result": "r", "x": "x", "y": "y", "order": order}),)
        )
        steps.append(Step(f"NeuralNetworkInterpolator.{kind}", code, checks=checks, chain=False))
    return steps
