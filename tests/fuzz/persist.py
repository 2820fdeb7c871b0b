"""Strategies for saving and loading networks (damaged, tampered, hostile files) and pickling."""

from __future__ import annotations

from hypothesis import strategies as st

from .core import Case, Step

# ------------------------------------------------------------------------------ save / load
_META_KEYS = [
    "format",
    "params",
    "device",
    "dtype",
    "n_features",
    "n_outputs",
    "n_samples",
    "y_trailing_shape",
    "x_min",
    "x_max",
    "x_mean",
    "x_scale",
    "y_mean",
    "y_scale",
    "noise_std",
    "loss_history",
]
_PARAM_KEYS = [
    "hidden_layers",
    "activation",
    "n_members",
    "independent_outputs",
    "dtype",
    "device",
    "epochs",
    "extrapolate",
    "random_state",
]
_BAD_JSON = [
    "None",
    "'a'",
    "[]",
    "{}",
    "-1",
    "0",
    "1e308",
    "nan",
    "[nan]",
    "[1e308]",
    "[0.0]",
    "[0.0] * 1000",
    "True",
    "3.5",
    "[[1.0]]",
    "['x']",
    "[-1e308, 1e308]",
]
_PARAM_VALUES = [
    "[16]",
    "[8, 8]",
    "'relu'",
    "3",
    "1",
    "True",
    "'float16'",
    "'cuda'",
    "None",
    "-1",
    "'nan'",
    "[]",
    "10**9",
]

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
    kind = draw(
        st.sampled_from(
            ["del_meta"] * 3
            + ["bad_meta"] * 4
            + ["del_param", "bad_param", "bad_param"]
            + ["tensor"] * 4
            + ["structure"] * 2
            + ["bytes"] * 3
            + ["payload"] * 2
        )
    )
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
        edit = draw(
            st.sampled_from(
                [
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
                ]
            )
        ).format(i=i)
        return f"{load}; {edit}; {save}", False
    if kind == "structure":
        edit = draw(
            st.sampled_from(
                [
                    "torch.save([1, 2], 't.pt')",
                    "torch.save(torch.ones(3), 't.pt')",
                    "torch.save({'meta': 5, 'state': {}}, 't.pt')",
                    "torch.save({'meta': 'not json', 'state': {}}, 't.pt')",
                    "torch.save({'state': {}}, 't.pt')",
                    "torch.save({'meta': b['meta'], 'state': list(b['state'].values())}, 't.pt')",
                    "torch.save({'meta': b['meta']}, 't.pt')",
                    "torch.save({'meta': b['meta'], 'state': 'x'}, 't.pt')",
                ]
            )
        )
        return f"{load}; {edit}", False
    if kind == "bytes":
        cut, bit, seed = (
            draw(st.integers(0, 4000)),
            draw(st.sampled_from([1, 2, 16, 128])),
            draw(st.integers(0, 2**16)),
        )
        edit = draw(
            st.sampled_from(
                [
                    f"open('t.pt', 'wb').write(open('n.pt', 'rb').read()[:{cut}])",
                    f"data = bytearray(open('n.pt', 'rb').read()); data[{cut} % len(data)] ^= {bit}; open('t.pt', 'wb').write(bytes(data))",
                    f"open('t.pt', 'wb').write(np.random.default_rng({seed}).bytes({cut}))",
                    "open('t.pt', 'wb').close()",
                    "open('t.pt', 'w').write('{\"meta\": 1}')",
                ]
            )
        )
        return edit, False
    payload = draw(
        st.sampled_from(
            [
                "pickle.dump(Evil(), open('t.pt', 'wb'))",
                "open('t.pt', 'wb').write(pickle.dumps(Evil(), protocol=0))",
                "torch.save(Evil(), 't.pt')",
                "torch.save(Evil(), 't.pt', _use_new_zipfile_serialization=False)",
                f"{load}; b['meta'] = Evil(); torch.save(b, 't.pt')",
                f"{load}; b['state']['p0'] = Evil(); torch.save(b, 't.pt')",
                f"{load}; b['extra'] = Evil(); torch.save(b, 't.pt')",
                "np.save('t.npy', np.array([Evil()], dtype=object), allow_pickle=True); os.replace('t.npy', 't.pt')",
            ]
        )
    )
    return payload, True


@st.composite
def persist_case(draw: st.DrawFn) -> Case:
    """save/load: round trips, damaged and tampered files, payloads, bad paths and devices."""
    fit = draw(st.sampled_from(_FIT_FOR_SAVE))
    options = draw(
        st.sampled_from(
            [
                "NS",
                "{**NS, 'activation': 'relu'}",
                "{**NS, 'dtype': 'float32'}",
                "{**NS, 'n_members': 1}",
                "{**NS, 'independent_outputs': True}",
            ]
        )
    )
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
        steps.append(
            Step(
                "NeuralNetworkInterpolator.load",
                "q0 = net.predict(x); q = N.load('n.pt').predict(x)",
                checks=(("same", {"left": "q0", "right": "q", "what": "save/load"}),),
                paths=True,
            )
        )
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
        steps.append(
            Step(
                "NeuralNetworkInterpolator.load",
                f"q = N.load('n.pt', device={device}).predict(x)",
                checks=(("finite", {"result": "q", "what": "a loaded network"}),),
                paths=True,
            )
        )
    else:
        steps.append(Step("NeuralNetworkInterpolator.save", "N(**NS).save('u.pt')", paths=True))
    return Case("persist", tuple(steps), files=True)


# --------------------------------------------------------------------------- pickle / copy
@st.composite
def pickle_case(draw: st.DrawFn) -> Case:
    """pickle and (deep)copy of fitted, unfitted and derived objects: identical answers."""
    fit = draw(
        st.sampled_from(
            [
                "m = S().fit(x, y)",
                "m = S(smoothing=0, k=3).fit(x, y)",
                "m = S(extrapolate='nan').fit(x, y).differentiate(1)",
                "m = N(**NS).fit(x, y)",
                "m = N(**NS).fit(x, y).differentiate(1)",
                "m = S().fit(x, y).antiderivative(2)",
                "m = S().fit(x, np.column_stack([y, 2 * y]))",
            ]
        )
    )
    copier = draw(
        st.sampled_from(
            [
                "pickle.loads(pickle.dumps(m))",
                "copy.deepcopy(m)",
                "copy.copy(m)",
                "pickle.loads(pickle.dumps(m, protocol=0))",
            ]
        )
    )
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
        steps.append(
            Step(
                "pickle/copy",
                "m2.fit(x, 3 * y + 1); r3 = m(p)",
                checks=(
                    (
                        "same",
                        {
                            "left": "r1",
                            "right": "r3",
                            "what": "refitting a copy changed the original",
                        },
                    ),
                ),
            )
        )
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
