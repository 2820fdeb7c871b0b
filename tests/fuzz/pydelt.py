"""Strategies for PyDelt's names: ``derivatives``, ``integrals``, ``stochastic``, ``multivariate``.

Each case calls one PyDelt-compatible entry point on the hostile data of :mod:`fuzz.data`, or on
a small grid, with valid or malformed parameters. Documented errors are clear; results are
checked against what an exact line (or a constant derivative, a plane) makes the only answer.
"""

from __future__ import annotations

from hypothesis import strategies as st

from .core import Case, Step
from .data import samples

_WINDOWS = ["3", "5", "5", "9", "np.int64(4)"]
_HOSTILE_WINDOWS = ["1", "0", "-2", "2.5", "True", "'5'", "10**9", "None"]
_THRESHOLDS = [
    "",
    "",
    "",
    ", r2_threshold=0.5",
    ", r2_threshold=0.99, resample_method='linear'",
    ", r2_threshold=0.9, resample_method='spline'",
]
_HOSTILE_THRESHOLDS = [
    ", r2_threshold=nan",
    ", r2_threshold='high'",
    ", r2_threshold=0.5, resample_method='cubic'",
    ", resample_method=3",
    ", r2_threshold=2.0, resample_method='lowess'",
]


def _interp(order: int, result: str, points: str, truth: object, local: bool = True) -> tuple:
    """The interpolators' check; a local window resolves the smallest spacing (``exact_fit``)."""
    params = {"result": result, "points": points, "x": "x", "y": "y", "order": order}
    return ("interp", {**params, "truth": truth, "exact_fit": local})


@st.composite
def _derivatives(draw: st.DrawFn, hostile: bool) -> list[Step]:
    hostile_data = hostile and draw(st.booleans())
    data = draw(samples(max_n=60, hostile=hostile_data))
    steps = list(data.steps)
    bad_options = hostile and not hostile_data
    name = draw(st.sampled_from(["lla", "glla", "gold", "fda"]))
    threshold = draw(st.sampled_from(_HOSTILE_THRESHOLDS if bad_options else _THRESHOLDS))
    truth = None if threshold else data.truth  # a resampled derivative is no longer exact
    # Without resample_method, a window whose R^2 is below the threshold is NaN by design.
    judged = "resample_method" in threshold or "r2_threshold" not in threshold
    if name == "lla":
        window = draw(st.sampled_from(_HOSTILE_WINDOWS if bad_options else _WINDOWS))
        code = f"r, st_ = pdd.lla(x, y, window_size={window}{threshold}); q = x"
        checks: tuple = (_interp(1, "r", "q", truth),) if judged else ()
    elif name == "fda":
        spar = draw(
            st.sampled_from(
                ["-1", "nan", "'auto'", "[1.0]"] if bad_options else ["None", "None", "0.0", "1.0"]
            )
        )
        code = f"d_ = pdd.fda(x, y, spar={spar}{threshold}); r = d_['doutput'][..., 1]; q = x"
        checks = (_interp(1, "r", "q", truth, local=False),) if judged else ()
    else:
        emb, n = draw(
            st.sampled_from(
                [("2", "2"), ("3", "3"), ("0", "0"), ("3", "-1"), ("2.0", "1"), ("10**9", "2")]
                if bad_options
                else [("3", "1"), ("3", "2"), ("5", "2"), ("7", "3"), ("4", "1")]
            )
        )
        order = draw(st.integers(0, int(n) if n.isdigit() else 0))
        code = (
            f"d_ = pdd.{name}(x, y, embedding={emb}, n={n}{threshold}); "
            f"r = d_['doutput'][..., {order}]; q = d_['dinput']"
        )
        checks = (_interp(order, "r", "q", truth),) if judged else ()
    steps.append(Step(f"derivatives.{name}", code, checks=checks))
    return steps


@st.composite
def _integrals(draw: st.DrawFn, hostile: bool) -> list[Step]:
    n = draw(st.integers(2, 40))
    t = draw(
        st.sampled_from(
            [
                f"t = np.linspace(0.0, 1.0, {n})",
                f"t = np.sort(np.random.default_rng({n}).random({n}))",
                f"t = 1e12 + np.arange({n}) * 0.5",
                f"t = np.arange({n}) * 1e-300",
                f"t = np.r_[0.0, 0.0, np.arange(1.0, {n})]",
            ]
        )
    )
    c = draw(st.sampled_from(["2.0", "-1e3", "0.0", "1e-300", "np.array([1.0, -2.0])"]))
    steps = [
        Step("build", t, kind="build"),
        Step(
            "build",
            f"c_ = {c}; d = np.zeros((t.size, *np.shape(c_))) + c_; iv = 0.5",
            kind="build",
        ),
    ]
    if hostile:
        bad = draw(
            st.sampled_from(
                [
                    "d[0] = nan",
                    "t = t[::-1].copy()",
                    "t = t[:1]; d = d[:1]",
                    "d = d[:-1]",
                    "iv = [1.0, 2.0, 3.0]",
                    "iv = nan",
                    "iv = 'zero'",
                    "t = t.astype(str)",
                    "d = np.ones((t.size, 2, 2))",
                    "t = np.stack([t, t], 1)",
                    "d = None",
                    "t[1] = inf",
                ]
            )
        )
        steps.append(Step("build", bad, kind="build"))
    which = draw(st.sampled_from(["integrate_derivative", "integrate_derivative_with_error"]))
    # The trapezoid is exact for a constant derivative: iv + c (t - t0), to the rounding of t.
    call = (
        "r = pdi.integrate_derivative(t, d, initial_value=iv)"
        if which == "integrate_derivative"
        else "r, e_ = pdi.integrate_derivative_with_error(t, d, initial_value=iv)"
    )
    expect = "x_ = iv + np.multiply.outer(t - t[0], c_)"
    steps.append(
        Step(
            f"integrals.{which}",
            f"{call}; {expect}",
            checks=(("close", {"result": "r", "expected": "x_", "scale": ("t", "c_")}),),
        )
    )
    return steps


_LINKS = [
    ("'normal'", "", "np.linspace(-3, 3, 7)"),
    ("'normal'", ", mu=1.0, sigma=2.0", "np.linspace(-3, 3, 7)"),
    ("'lognormal'", ", sigma=0.2", "np.geomspace(1e-3, 1e3, 7)"),
    ("'gamma'", ", alpha=2.0, beta=0.5", "np.linspace(0.1, 9, 7)"),
    ("'beta'", ", alpha=2.0, beta=3.0", "np.linspace(0.05, 0.95, 7)"),
    ("'exponential'", ", rate=2.0", "np.linspace(0.1, 9, 7)"),
    ("'poisson'", ", lam=3.0", "np.linspace(0.5, 20, 7)"),
]
_HOSTILE_LINKS = [
    ("'lognormal'", "", "np.linspace(-1, 1, 5)"),
    ("'beta'", "", "np.linspace(0, 1, 5)"),
    ("'gamma'", "", "np.r_[1.0, nan, 2.0]"),
    ("'weibull'", "", "np.ones(3)"),
    ("'normal'", ", sigma=-1.0", "np.ones(3)"),
    ("'normal'", ", sigma=nan", "np.ones(3)"),
    ("'poisson'", ", rate=2.0", "np.ones(3)"),
    ("'exponential'", ", rate=0", "np.ones(3)"),
    ("'beta'", ", alpha='a'", "np.full(3, 0.5)"),
    ("None", "", "np.ones(3)"),
    ("'normal'", "", "'abc'"),
    ("'lognormal'", "", "np.array([1e-300, 1e300])"),  # 1/x must not overflow: finite
    ("'normal'", "", "np.array([1 + 2j])"),
]


@st.composite
def _stochastic(draw: st.DrawFn, hostile: bool) -> list[Step]:
    name, params, values = draw(st.sampled_from(_HOSTILE_LINKS if hostile else _LINKS))
    steps = [
        Step(
            "build",
            f"v = {values}; dv = 0.5 * np.ones(np.shape(v)); "
            "t_ = np.linspace(0, 1, 30); y_ = np.min(v) + (np.max(v) - np.min(v)) * t_",
            kind="build",
        ),
        Step("stochastic.create_link_function", f"L = pds.create_link_function({name}{params})"),
    ]
    kind = draw(st.sampled_from(["round trip", "chain", "orders", "set"]))
    if kind == "round trip":
        steps.append(
            Step(
                "StochasticLinkFunction.transform",
                "u = L.transform(v); r = L.inverse_transform(u)",
                checks=(("close", {"result": "r", "expected": "v", "rtol": 1e-12}),),
            )
        )
    elif kind == "chain":
        # Stratonovich's order 1 is the chain rule g'(x) x': for the normal link, x' itself.
        method = draw(st.sampled_from(["'stratonovich'", "'ito'"]))
        # Hostile values (NaN among them) are judged only by the errors they raise.
        checks: tuple = (
            () if hostile else (("finite", {"result": "r", "what": "transform_derivatives"}),)
        )
        if method == "'stratonovich'" and name == "'normal'":
            checks += (("close", {"result": "r", "expected": "dv"}),)
        steps.append(
            Step(
                "StochasticDerivativeTransform.transform_derivatives",
                f"T = pds.StochasticDerivativeTransform(L, method={method}); "
                "r = T.transform_derivatives(v, {1: dv})[1]",
                checks=checks,
            )
        )
    elif kind == "orders":
        orders = draw(
            st.sampled_from(
                ["{1: dv, 2: dv, 3: dv}", "{0: v, 1: dv}", "{1: dv, 2: dv}"]
                if not hostile
                else ["{3: dv}", "{11: dv}", "{-1: dv}", "{1.5: dv}", "{1: dv[:1]}", "{1: 'a'}"]
            )
        )
        method = draw(
            st.sampled_from(["'ito'", "'stratonovich'"] if not hostile else ["'ITO'", "None"])
        )
        steps.append(
            Step(
                "StochasticDerivativeTransform.transform_derivatives",
                f"T = pds.StochasticDerivativeTransform(L, method={method}); "
                f"r = np.stack(list(T.transform_derivatives(v, {orders}).values()))",
                checks=(("finite", {"result": "r", "what": "transform_derivatives"}),),
            )
        )
    else:
        # A PyDelt-named interpolator with the link: derivatives of g(X) along a fitted line.
        family = draw(st.sampled_from(["SplineInterpolator", "LlaInterpolator", "FdaInterpolator"]))
        method = draw(st.sampled_from(["'ito'", "'stratonovich'"]))
        steps.append(
            Step(
                "interpolation.set_stochastic_link",
                f"from pydelt_like.interpolation import {family} as PI; "
                "f_ = PI().fit(t_, y_); "
                f"f_.set_stochastic_link({name}{params}, method={method}); "
                "r = f_.differentiate(1)(t_[1::3])",  # not t = 0: log's slope may overflow there
                checks=(("finite", {"result": "r", "what": "a linked derivative"}),),
            )
        )
    return steps


_MV_FAMILIES = [
    "",
    "'spline'",
    "'lla'",
    "'glla'",
    "'gold'",
    "'fda'",
    "'lowess', frac=0.5, it=0",
    "'loess', degree=2, it=0",
    "'lla', window_size=3, degree=1",
    "'fda', k=2",
]
_MV_HOSTILE = [
    "'nope'",
    "'spline', nope=1",
    "3",
    "dict",
    "'lla', window_size=1",
    "'neural', **NS",  # the network family, kept tiny
]


@st.composite
def _multivariate(draw: st.DrawFn, hostile: bool) -> list[Step]:
    k = draw(st.sampled_from([4, 7, 8, 9]))
    a, b, c = (draw(st.sampled_from([0.0, 1.0, -2.5, 1e3, 1e-300])) for _ in range(3))
    scale = draw(st.sampled_from(["1.0", "1.0", "1e-8", "1e8", "1e300"]))
    steps = [
        Step(
            "build",
            f"g_ = {scale} * np.linspace(-1, 1, {k}); X_, Y_ = np.meshgrid(g_, g_); "
            "P = np.column_stack([X_.ravel(), Y_.ravel()]); "
            f"z = {a!r} + {b!r} * X_.ravel() + {c!r} * Y_.ravel(); q = P[::3]",
            kind="build",
        )
    ]
    family = draw(st.sampled_from(_MV_HOSTILE if hostile else _MV_FAMILIES))
    if hostile and draw(st.booleans()):
        bad = draw(
            st.sampled_from(
                [
                    "z = z.copy(); z[0] = nan",
                    "P = P[:-1]",  # not a full grid: the network (kept tiny below)
                    "z = np.ones((z.size, 2, 2))",
                    "q = q[:, :1]",
                    "q = 'corner'",
                    "q = P[:, ::-1] * 10",
                    "P = P.astype(str)",
                    "P = P[:, :1]",
                ]
            )
        )
        steps.append(Step("build", bad, kind="build"))
    fit = f"mv = pdm.MultivariateDerivatives({family}).fit(P, z, network=N(**NS))"
    steps.append(Step("MultivariateDerivatives.fit", fit))
    kind = draw(st.sampled_from(["gradient", "jacobian", "hessian", "laplacian"]))
    order = 1 if kind in ("gradient", "jacobian") else 2
    truth = {"gradient": f"[{b!r}, {c!r}]", "jacobian": f"[[{b!r}, {c!r}]]"}.get(kind, "0.0")
    checks = (
        ("finite", {"result": "r", "what": f"MultivariateDerivatives.{kind}"}),
        (
            "close",
            {
                "result": "r",
                "expected": "e_",
                "scale": ("z",),
                "rtol": 1e-6,
                "per_unit": "g_",
                "order": order,
            },
        ),
    )
    steps.append(
        Step(
            f"MultivariateDerivatives.{kind}",
            f"r = mv.{kind}()(q); e_ = np.broadcast_to(np.asarray({truth}), np.shape(r))",
            # A network (scattered data, or 'neural') is not exact; its values must be finite.
            checks=checks[:1]
            if any("P[:-1]" in s.code for s in steps) or "neural" in family
            else checks,
        )
    )
    return steps


_AUTODIFF = ["", "", ", order=2", ", holdout_fraction=0.2", ", early_stopping=False"]
_HOSTILE_AUTODIFF = [
    ", framework='tensorflow'",
    ", framework='jax'",
    ", order=7",
    ", order=-1",
    ", order=1.5",
    ", dropout=1.0",
    ", holdout_fraction=1.0",
    ", holdout_fraction=nan",
    ", epochs=-1",
    ", batch_size=0",
    ", early_stopping='yes'",
    ", hidden_layers=[0]",
]


@st.composite
def _autodiff(draw: st.DrawFn, hostile: bool) -> list[Step]:
    """PyDelt's neural_network_derivative, with a tiny network (NS's sizes)."""
    hostile_data = hostile and draw(st.booleans())
    data = draw(samples(max_n=30, batch=False, hostile=hostile_data))
    option = draw(st.sampled_from(_HOSTILE_AUTODIFF if hostile and not hostile_data else _AUTODIFF))
    order = 2 if "order=2" in option else 1
    code = (
        "from pydelt_like.autodiff import neural_network_derivative as nnd; "
        f"f_ = nnd(x, y, **NS{option}); "
        "q = np.array(x, dtype=float)[::3]; r = f_(q)"
    )
    # A network is not exact; its derivative must be finite for finite data (a plain 1-D y).
    checks = () if hostile else (_interp(order, "r", "q", None, local=False),)
    return [*data.steps, Step("autodiff.neural_network_derivative", code, checks=checks)]


@st.composite
def pydelt_case(draw: st.DrawFn) -> Case:
    hostile = draw(st.floats(0, 1)) < 0.4
    part = draw(
        st.sampled_from(
            ["derivatives"] * 8 + ["integrals"] * 4 + ["stochastic"] * 4 + ["mv"] * 3 + ["autodiff"]
        )
    )
    strategy = {
        "derivatives": _derivatives,
        "integrals": _integrals,
        "stochastic": _stochastic,
        "mv": _multivariate,
        "autodiff": _autodiff,
    }[part]
    return Case("pydelt", tuple(draw(strategy(hostile))))
