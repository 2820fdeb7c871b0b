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
    name = "SplineInterpolator" if family == "spline" else "NeuralNetworkInterpolator"
    steps = []
    kinds = ["call", "predict", "std", "derivative", "derivative", "derivative", "chain", "std_derivative",
             "interval", "antiderivative", "integrate", "repr"]  # fmt: skip
    if hostile:
        kinds += ["params", "bad_flag", "derivative", "derivative", "antiderivative", "interval"]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(kinds))
        if family == "neural" and kind in ("antiderivative", "integrate"):
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
            steps.append(Step(f"{name}.predict(return_std)", "r, s = m.predict(p, return_std=True)",
                              checks=(_check(data, "r", 0, "values", info), _check(data, "s", 0, "std", info)), chain=False))  # fmt: skip
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
            steps.append(Step(f"{name}.differentiate(return_std)", f"r, s = m.differentiate({order})(p, return_std=True)",
                              checks=(_check(data, "r", order, "values", info), _check(data, "s", order, "std", info)), chain=False))  # fmt: skip
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
                ("np.nanmin(np.asarray(x, dtype=float))", "np.nanmax(np.asarray(x, dtype=float))"),
                ("float(np.ravel(p)[0])", "float(np.ravel(p)[-1])"),
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
            check = {"result": "r", "x": "x", "y": "y", "w": "w" if data.weights else None, "lower": "a_",
                     "upper": "b_", "nan_policy": info["nan_policy"], "truth": data.truth}  # fmt: skip
            steps.append(
                Step(f"{name}.integrate", code, checks=(("integral", check),), chain=False)
            )
        elif kind == "params":
            change = draw(st.sampled_from([
                "k=3", "k__x=1", "hidden_layers__0=3", "smoothing__a=1", "nope=1", "epochs=2", "activation='sin'",
                "nan_policy='omit'", "**{'': 1}", "**{'__': 1}", "random_state__seed=1",
            ]))  # fmt: skip
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
    forms = ["y = np.sin(x).sum(axis=1)", "y = np.full({n}, 2.5)", "y = np.column_stack([x[:, 0], x[:, 1] ** 2])",
             "y = 1e300 * x[:, 0]", "y = np.ones(({n}, 2, 2))"]  # fmt: skip
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


# ------------------------------------------------------------------------------ save / load
_META_KEYS = ["format", "params", "device", "dtype", "n_features", "n_outputs", "n_samples",
              "y_trailing_shape", "x_min", "x_max", "x_mean", "x_scale", "y_mean", "y_scale",
              "noise_std", "loss_history"]  # fmt: skip
_PARAM_KEYS = ["hidden_layers", "activation", "n_members", "independent_outputs", "dtype", "device",
               "epochs", "extrapolate", "random_state"]  # fmt: skip
_BAD_JSON = ["None", "'a'", "[]", "{}", "-1", "0", "1e308", "nan", "[nan]", "[1e308]", "[0.0]",
             "[0.0] * 1000", "True", "3.5", "[[1.0]]", "['x']", "[-1e308, 1e308]"]  # fmt: skip
_PARAM_VALUES = ["[16]", "[8, 8]", "'relu'", "3", "1", "True", "'float16'", "'cuda'", "None", "-1",
                 "'nan'", "[]", "10**9"]  # fmt: skip

_FIT_FOR_SAVE = [
    "x = np.linspace(0, 1, 20); y = np.sin(3 * x)",
    "x = np.linspace(-5, 5, 12); y = np.column_stack([x, x**2])",
    "x = np.random.default_rng(1).random((15, 2)); y = x.sum(axis=1)",
    "x = np.linspace(0, 1, 20); y = np.full(20, 7.25)",
    "x = np.linspace(0, 1e-3, 10); y = 1e300 * np.linspace(0, 1e-3, 10)",
]


@st.composite
def _tamper(draw: st.DrawFn) -> tuple[str, bool]:
    """Code that writes a damaged or hostile 't.pt' from the good 'n.pt'; whether it is a payload."""
    load = "b = torch.load('n.pt', weights_only=True); meta = json.loads(b['meta'])"
    save = "b['meta'] = json.dumps(meta); torch.save(b, 't.pt')"
    kind = draw(st.sampled_from(
        ["del_meta"] * 3 + ["bad_meta"] * 4 + ["del_param", "bad_param", "bad_param"] + ["tensor"] * 4
        + ["structure"] * 2 + ["bytes"] * 3 + ["payload"] * 2
    ))  # fmt: skip
    key = draw(st.sampled_from(_META_KEYS))
    if kind == "del_meta":
        return f"{load}; del meta[{key!r}]; {save}", False
    if kind == "bad_meta":
        return f"{load}; meta[{key!r}] = {draw(st.sampled_from(_BAD_JSON))}; {save}", False
    param = draw(st.sampled_from(_PARAM_KEYS))
    if kind == "del_param":
        return f"{load}; meta['params'].pop({param!r}, None); {save}", False
    if kind == "bad_param":
        return (
            f"{load}; meta['params'][{param!r}] = {draw(st.sampled_from(_PARAM_VALUES))}; {save}",
            False,
        )
    i = draw(st.integers(0, 5))
    if kind == "tensor":
        edit = draw(st.sampled_from([
            "b['state']['p{i}'] = b['state']['p{i}'] * nan",
            "b['state']['p{i}'] = b['state']['p{i}'] * inf",
            "b['state']['p{i}'] = torch.zeros(3, 3, dtype=torch.float64)",
            "b['state']['p{i}'] = b['state']['p{i}'].to(torch.int64)",
            "b['state']['p{i}'] = b['state']['p{i}'][..., :1]",
            "b['state'].pop('p{i}', None)",
            "b['state']['p99'] = torch.ones(1)",
            "b['state']['p{i}'] = b['state']['p{i}'] * 1e308",
            "b['state']['p{i}'] = b['state']['p{i}'].to(torch.float16)",
            "b['state']['p{i}'] = 'weights'",
        ])).format(i=i)  # fmt: skip
        return f"{load}; {edit}; {save}", False
    if kind == "structure":
        edit = draw(st.sampled_from([
            "torch.save([1, 2], 't.pt')", "torch.save(torch.ones(3), 't.pt')", "torch.save({'meta': 5, 'state': {}}, 't.pt')",
            "torch.save({'meta': 'not json', 'state': {}}, 't.pt')", "torch.save({'state': {}}, 't.pt')",
            "torch.save({'meta': b['meta'], 'state': list(b['state'].values())}, 't.pt')",
            "torch.save({'meta': b['meta']}, 't.pt')", "torch.save({'meta': b['meta'], 'state': 'x'}, 't.pt')",
        ]))  # fmt: skip
        return f"{load}; {edit}", False
    if kind == "bytes":
        cut, bit, seed = (
            draw(st.integers(0, 4000)),
            draw(st.sampled_from([1, 2, 16, 128])),
            draw(st.integers(0, 2**16)),
        )
        edit = draw(st.sampled_from([
            f"open('t.pt', 'wb').write(open('n.pt', 'rb').read()[:{cut}])",
            f"data = bytearray(open('n.pt', 'rb').read()); data[{cut} % len(data)] ^= {bit}; open('t.pt', 'wb').write(bytes(data))",
            f"open('t.pt', 'wb').write(np.random.default_rng({seed}).bytes({cut}))",
            "open('t.pt', 'wb').close()",
            "open('t.pt', 'w').write('{\"meta\": 1}')",
        ]))  # fmt: skip
        return edit, False
    payload = draw(st.sampled_from([
        "pickle.dump(Evil(), open('t.pt', 'wb'))",
        "open('t.pt', 'wb').write(pickle.dumps(Evil(), protocol=0))",
        "torch.save(Evil(), 't.pt')",
        "torch.save(Evil(), 't.pt', _use_new_zipfile_serialization=False)",
        f"{load}; b['meta'] = Evil(); torch.save(b, 't.pt')",
        f"{load}; b['state']['p0'] = Evil(); torch.save(b, 't.pt')",
        f"{load}; b['extra'] = Evil(); torch.save(b, 't.pt')",
        "np.save('t.npy', np.array([Evil()], dtype=object), allow_pickle=True); os.replace('t.npy', 't.pt')",
    ]))  # fmt: skip
    return payload, True


@st.composite
def persist_case(draw: st.DrawFn) -> Case:
    """save/load: round trips, damaged and tampered files, payloads, bad paths and devices."""
    fit = draw(st.sampled_from(_FIT_FOR_SAVE))
    options = draw(st.sampled_from(["NS", "{**NS, 'activation': 'relu'}", "{**NS, 'dtype': 'float32'}",
                                    "{**NS, 'n_members': 1}", "{**NS, 'independent_outputs': True}"]))  # fmt: skip
    steps = [
        Step("build", fit, kind="build"),
        Step(
            "NeuralNetworkInterpolator.save",
            f"net = N(**{options}).fit(x, y); net.save('n.pt')",
            paths=True,
        ),
    ]
    kind = draw(
        st.sampled_from(
            [
                "roundtrip",
                "tamper",
                "tamper",
                "tamper",
                "tamper",
                "path",
                "save_path",
                "device",
                "unfitted",
            ]
        )
    )
    if kind == "roundtrip":
        steps.append(Step("NeuralNetworkInterpolator.load", "q0 = net.predict(x); q = N.load('n.pt').predict(x)",
                          checks=(("same", {"left": "q0", "right": "q", "what": "save/load"}),), paths=True))  # fmt: skip
    elif kind == "tamper":
        code, _ = draw(_tamper())
        steps.append(Step("build", code, kind="build"))
        steps.append(Step("NeuralNetworkInterpolator.load", "r = N.load('t.pt')", paths=True))
        probe = draw(
            st.sampled_from(
                [
                    "q = r.predict(x)",
                    "q = r.differentiate(1)(x[:3])",
                    "q = r.predict(x, return_std=True)[1]",
                    "q = r.fit(x, y).predict(x)",
                ]
            )
        )
        steps.append(
            Step(
                "predict after load",
                probe,
                checks=(("finite", {"result": "q", "what": "a loaded network"}),),
            )
        )
    elif kind == "path":
        path = draw(
            st.sampled_from(
                [
                    "'missing.pt'",
                    "''",
                    "'.'",
                    "123",
                    "None",
                    "b'n.pt'",
                    "__import__('pathlib').Path('n.pt')",
                    "'n.pt\\x00'",
                    "['n.pt']",
                ]
            )
        )
        steps.append(
            Step("NeuralNetworkInterpolator.load", f"q = N.load({path}).predict(x)", paths=True)
        )
    elif kind == "save_path":
        path = draw(
            st.sampled_from(
                [
                    "'missing/net.pt'",
                    "''",
                    "'a\\x00b'",
                    "'.'",
                    "123",
                    "None",
                    "'n.pt/x'",
                    "__import__('pathlib').Path('p.pt')",
                ]
            )
        )
        steps.append(Step("NeuralNetworkInterpolator.save", f"net.save({path})", paths=True))
    elif kind == "device":
        device = draw(
            st.sampled_from(
                ["'cpu'", "'auto'", "'cuda'", "'tpu'", "3", "torch.device('cpu')", "'meta'", "''"]
            )
        )
        steps.append(Step("NeuralNetworkInterpolator.load", f"q = N.load('n.pt', device={device}).predict(x)",
                          checks=(("finite", {"result": "q", "what": "a loaded network"}),), paths=True))  # fmt: skip
    else:
        steps.append(Step("NeuralNetworkInterpolator.save", "N(**NS).save('u.pt')", paths=True))
    return Case("persist", tuple(steps), files=True)


# --------------------------------------------------------------------------- pickle / copy
@st.composite
def pickle_case(draw: st.DrawFn) -> Case:
    """pickle and (deep)copy of fitted, unfitted and derived objects: identical answers."""
    fit = draw(st.sampled_from([
        "m = S().fit(x, y)", "m = S(smoothing=0, k=3).fit(x, y)", "m = S(extrapolate='nan').fit(x, y).differentiate(1)",
        "m = N(**NS).fit(x, y)", "m = N(**NS).fit(x, y).differentiate(1)", "m = S().fit(x, y).antiderivative(2)",
        "m = S().fit(x, np.column_stack([y, 2 * y]))",
    ]))  # fmt: skip
    copier = draw(st.sampled_from(["pickle.loads(pickle.dumps(m))", "copy.deepcopy(m)", "copy.copy(m)",
                                   "pickle.loads(pickle.dumps(m, protocol=0))"]))  # fmt: skip
    steps = [
        Step(
            "build",
            "x = np.linspace(0, 3, 40); y = np.sin(x) + 0.1 * x; p = np.linspace(0.1, 2.9, 7)",
            kind="build",
        ),
        Step("fit", fit),
        Step(
            "pickle/copy",
            f"m2 = {copier}; r1 = m(p); r2 = m2(p)",
            checks=(("same", {"left": "r1", "right": "r2", "what": "a copy"}),),
        ),
    ]
    if draw(st.booleans()) and "differentiate" not in fit and "antiderivative" not in fit:
        steps.append(Step("pickle/copy", "m2.fit(x, 3 * y + 1); r3 = m(p)",
                          checks=(("same", {"left": "r1", "right": "r3", "what": "refitting a copy changed the original"}),)))  # fmt: skip
    if draw(st.booleans()):
        steps.append(
            Step(
                "pickle/copy",
                "u = pickle.loads(pickle.dumps(S(k=3))); u2 = copy.deepcopy(N(**NS)); r = repr(u) + repr(u2)",
            )
        )
    if draw(st.booleans()):
        steps.append(
            Step(
                "pickle/copy",
                "e = sym.parse('sin(x)^2 + x'); e2 = pickle.loads(pickle.dumps(e)); r = (e2 is e, copy.deepcopy(e) is e)",
            )
        )
    return Case("pickle", tuple(steps))
