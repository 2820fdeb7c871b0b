"""Hypothesis strategies for hostile sample data: positions, values, weights, evaluation points.

Everything is generated as code (``x = -1e12 + np.linspace(0, 0.1, 58)``), so that a reproducer
reads as a formula rather than a wall of digits, together with what the checks need to know:
whether ``y`` is an exact line (and which), and the names of the variables holding each input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from .core import Step

#: Special magnitudes that break naive arithmetic: subnormal, tiny, huge, near the float limit.
EXTREME = [
    5e-324,
    1e-320,
    2.2250738585072014e-308,
    1e-300,
    1e-200,
    1e-30,
    1e30,
    1e200,
    1e299,
    1e300,
    1e305,
    1e307,
    8.98846567431158e307,
    1.7e308,
    1.7976931348623157e308,
]


def lit(value: object) -> str:
    """Python source for a number, string, None, or a list/tuple/dict of them."""
    if isinstance(value, float):
        return repr(value)  # nan and inf read back through the preamble's names
    if isinstance(value, (list, tuple)):
        inner = ", ".join(lit(v) for v in value)
        return (
            f"[{inner}]"
            if isinstance(value, list)
            else f"({inner}{',' if len(value) == 1 else ''})"
        )
    if isinstance(value, dict):
        return "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in value.items()) + "}"
    return repr(value)


def kwargs(params: dict[str, str]) -> str:
    """``k=3, smoothing=0`` from names mapped to code."""
    return ", ".join(f"{name}={code}" for name, code in params.items())


@st.composite
def magnitude(draw: st.DrawFn, low: int = -320, high: int = 308, extreme: float = 0.25) -> float:
    """A positive float of any size, with a bias towards the troublesome ones."""
    if draw(st.floats(0, 1)) < extreme:
        return draw(st.sampled_from(EXTREME))
    exponent = draw(st.integers(low, high))
    mantissa = draw(st.sampled_from([1.0, 1.5, 2.5, 3.7, 7.3, 9.9]))
    value = (
        mantissa * 10.0**exponent
        if exponent > -300
        else mantissa * 1e-300 * 10.0 ** (exponent + 300)
    )
    return value if 0 < value < float("inf") else 1.0


@st.composite
def ordinary(draw: st.DrawFn) -> float:
    """A moderate signed number (the everyday case), sometimes zero."""
    return draw(st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0, 3.7, -12.5, 76.5, 1e3, -4e4, 0.001]))


@st.composite
def signed(draw: st.DrawFn, ordinary_share: float = 0.5) -> float:
    if draw(st.floats(0, 1)) < ordinary_share:
        return draw(ordinary())
    sign = draw(st.sampled_from([1.0, -1.0]))
    return sign * draw(magnitude())


@dataclass
class Data:
    """Code that builds ``x``, ``y`` (and maybe ``w`` and ``p``), and what the checks need."""

    steps: list[Step] = field(default_factory=list)
    n: int = 0
    truth: list[tuple[float, float]] | None = None  # (a, b) per column of an exact line
    weights: bool = False
    nan_policy: str = "raise"
    x_dims: int = 1

    def build(self, code: str) -> None:
        self.steps.append(Step("build", code, kind="build"))


_X_KINDS = (
    ["linspace"] * 4
    + ["random"] * 3
    + ["offset", "offset", "cluster_gap", "cluster_gap", "near_dup", "subnormal", "near_max"]
    + ["geom", "ints", "tiny_span", "finding1", "finding2", "finding14", "long"]
)


@st.composite
def positions(draw: st.DrawFn, min_n: int = 2, max_n: int = 60) -> tuple[str, int]:
    """Code for a float64 ``x`` of n samples, and n."""
    kind = draw(st.sampled_from(_X_KINDS))
    n = draw(st.integers(min_n, max_n))
    seed = draw(st.integers(0, 2**16))
    if kind == "linspace":
        lo = draw(st.sampled_from([0.0, -1.0, 1.0, 10.0, -5e3]))
        span = draw(st.sampled_from([1.0, 2.0, 6.283185307179586, 100.0, 0.01]))
        return f"x = np.linspace({lo!r}, {lo + span!r}, {n})", n
    if kind == "random":
        span = draw(st.sampled_from([1.0, 10.0, 0.3, 1e3]))
        return f"x = {span!r} * np.sort(np.random.default_rng({seed}).random({n}))", n
    if kind == "offset":
        off = draw(st.sampled_from([1.0, -1.0])) * draw(magnitude(0, 300, 0.1))
        span = draw(magnitude(-12, 12, 0.0))
        return f"x = {off!r} + np.linspace(0, {span!r}, {n})", n
    if kind == "cluster_gap":
        n1 = max(2, n - draw(st.integers(1, 4)))
        width = draw(st.sampled_from([0.1, 1e-3, 1e-6]))
        gaps = sorted(
            draw(
                st.lists(
                    st.sampled_from([2.0, 5.0, 10.0, 50.0, 1e3]),
                    min_size=1,
                    max_size=4,
                    unique=True,
                )
            )
        )
        off = draw(st.sampled_from([0.0, 0.0, -1e12, 1e6, 3.3e-5]))
        return f"x = {off!r} + np.r_[np.linspace(0, {width!r}, {n1}), {lit(gaps)[1:-1]}]", n1 + len(
            gaps
        )
    if kind == "near_dup":
        i = draw(st.integers(1, max(1, n - 1)))
        gap = draw(
            st.sampled_from(
                [
                    "np.nextafter(x[{j}], inf)",
                    "x[{j}] + 1e-258",
                    "x[{j}] * (1 + 1e-15)",
                    "x[{j}] + 5e-324",
                ]
            )
        )
        return f"x = np.linspace(0, {float(n)!r}, {n}); x[{i}] = {gap.format(j=i - 1)}", n
    if kind == "subnormal":
        tiny = draw(st.sampled_from([5e-324, 1e-322, 1e-310, 2.2250738585072014e-308, 1e-300]))
        off = draw(st.sampled_from([0.0, 0.0, 1.0, 1e-300]))
        return f"x = {off!r} + np.arange({n}) * {tiny!r}", n
    if kind == "near_max":
        form = draw(
            st.sampled_from(
                [
                    "x = 1.7e308 * np.linspace(-1, 1, {n})",
                    "x = np.linspace(1e308, 1.7976931348623157e308, {n})",
                    "x = -np.linspace(1.7e308, 1.6e308, {n})",
                    "x = np.linspace(0, 1.7e308, {n})",
                ]
            )
        )
        return form.format(n=n), n
    if kind == "geom":
        lo, hi = draw(st.sampled_from([(1e-300, 1e16), (1e-10, 1e10), (1.0, 1e300), (5e-324, 1.0)]))
        return f"x = np.geomspace({lo!r}, {hi!r}, {n})", n
    if kind == "ints":
        scale = draw(st.sampled_from([1, 1, 7, 10**6, 2**53]))
        return f"x = np.arange({n}) * {scale}", n
    if kind == "tiny_span":
        off = draw(st.sampled_from([1.0, 1e6, 1e12, -3.0]))
        rel = draw(st.sampled_from([1e-9, 1e-11, 1e-12, 3e-13, 1e-14, 2.2e-16]))
        return f"x = {off!r} + {off * rel!r} * np.linspace(-1, 1, {n})", n
    if kind == "finding1":
        return "x = -1e12 + np.r_[np.linspace(0, 0.1, 58), 5.0, 10.0]", 60
    if kind == "finding2":
        return (
            "x = np.array([0.0, 1e-258, 6e-4, 1994.7, 2499.7, 3375.7, 6622.6, 7038.4, 8652.3, 1e4])",
            10,
        )
    if kind == "finding14":
        return (
            "x = np.array([0.0, 9.7e307, 1.2e308, 7.3e307, 1.46e308, 4.9e307, 1.7e308, 2.4e307])",
            8,
        )
    # Long records (the spline's binned path starts above 8,000 samples); networks stay tiny.
    if max_n < 60:
        return f"x = np.arange({max_n}.0)", max_n
    long_n = draw(st.sampled_from([200, 1000, 8001, 9000]))
    return f"x = np.arange({long_n}.0)", long_n


@st.composite
def values(
    draw: st.DrawFn, n: int, batch: bool = True
) -> tuple[str, list[tuple[float, float]] | None]:
    """Code for ``y`` given ``x`` (n samples), and the exact line per column, if any."""
    columns = 1
    layout = "1d"
    if batch and draw(st.floats(0, 1)) < 0.2:
        layout = draw(st.sampled_from(["2d", "2d", "3d"]))
        columns = 2 if layout == "2d" else 4
    codes, truth = [], []
    for _ in range(columns):
        kind = draw(st.sampled_from(["line"] * 4 + ["const"] * 3 + ["smooth", "noise", "extreme"]))
        if kind == "line":
            a, b = draw(signed()), draw(signed())
            codes.append(f"{a!r} + {b!r} * x")
            truth.append((a, b))
        elif kind == "const":
            c = draw(signed())
            codes.append(f"np.full({n}, {c!r})")
            truth.append((c, 0.0))
        elif kind == "smooth":
            amp, freq = draw(signed()), draw(st.sampled_from([1, 3, 7]))
            codes.append(f"{amp!r} * np.sin({freq} * np.linspace(0, 3, {n}))")
            truth.append(None)  # type: ignore[arg-type]
        elif kind == "noise":
            amp, seed = draw(signed()), draw(st.integers(0, 2**16))
            codes.append(f"{amp!r} * np.random.default_rng({seed}).standard_normal({n})")
            truth.append(None)  # type: ignore[arg-type]
        else:
            amp = draw(st.sampled_from([1.0, -1.0])) * draw(st.sampled_from(EXTREME))
            form = draw(
                st.sampled_from(
                    ["np.sin(np.arange({n}))", "np.linspace(-1, 1, {n})", "np.ones({n})"]
                )
            )
            codes.append(f"{amp!r} * " + form.format(n=n))
            truth.append((amp, 0.0) if form.startswith("np.ones") else None)  # type: ignore[arg-type]
    exact = truth if truth is not None and all(t is not None for t in truth) else None
    if layout == "1d":
        return f"y = {codes[0]}", exact
    stacked = f"y = np.column_stack([{', '.join(codes)}])"
    if layout == "3d":
        stacked += f".reshape({n}, 2, 2)"
    return stacked, exact


_CORRUPTIONS = ["nan_y", "nan_x", "inf_y", "dup_same", "dup_conflict", "shuffle", "neg_zero"]
_BENIGN = ["dup_same", "shuffle", "none", "none"]


@st.composite
def corruptions(draw: st.DrawFn, data: Data, hostile: bool) -> None:
    """Sometimes repeated or unsorted samples; with ``hostile`` also NaN/inf and conflicts."""
    n = data.n
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(_CORRUPTIONS if hostile else _BENIGN))
        i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if kind in ("nan_y", "inf_y"):
            bad = "nan" if kind == "nan_y" else draw(st.sampled_from(["inf", "-inf"]))
            data.build(f"y = np.array(y, dtype=float); y[{i}] = {bad}")
        elif kind == "nan_x":
            data.build(
                f"x = np.array(x, dtype=float); x[{i}] = {draw(st.sampled_from(['nan', 'inf', '-inf']))}"
            )
        elif kind == "dup_same":
            data.build(f"x = np.array(x, dtype=float); x[{i}], y[{i}] = x[{j}], y[{j}]")
        elif kind == "dup_conflict":
            data.build(f"x = np.array(x, dtype=float); x[{i}] = x[{j}]")
            data.truth = None
        elif kind == "shuffle":
            data.build(f"o = np.random.default_rng({i}).permutation({n}); x, y = x[o], y[o]")
        elif kind == "neg_zero":
            data.build(f"x = np.array(x, dtype=float); x[{i}] = -0.0")
            data.truth = None


#: Other forms of an array: the same numbers (documented as accepted), or nonsense.
VALID_CONTAINERS = [
    "list",
    "tuple",
    "series",
    "tensor",
    "tensor32",
    "float32",
    "float16",
    "decimal",
    "fraction",
    "int",
]
HOSTILE_CONTAINERS = [
    "masked",
    "object_none",
    "nullable",
    "str",
    "bool",
    "complex",
    "column",
    "matrix",
    "scalar",
    "empty",
    "short",
    "none",
    "text",
    "datetime",
    "iterator",
    "dict",
]

CONTAINER_CODE = {
    "list": "{v} = {v}.tolist()",
    "tuple": "{v} = tuple({v}.tolist())",
    "series": "{v} = pd.Series({v}) if np.ndim({v}) == 1 else pd.DataFrame(np.reshape({v}, (len({v}), -1)))",
    "tensor": "{v} = torch.tensor({v})",
    "tensor32": "{v} = torch.tensor({v}, dtype=torch.float32)",
    "float32": "{v} = {v}.astype(np.float32)",
    "float16": "{v} = {v}.astype(np.float16)",
    "decimal": "{v} = [Decimal(repr(float(e))) for e in np.ravel({v})]",
    "fraction": "{v} = [Fraction(float(e)) for e in np.ravel({v})]",
    "masked": "{v} = np.ma.masked_array({v}, mask=np.arange(np.size({v})).reshape(np.shape({v})) == 1)",
    "object_none": "{v} = np.array({v}, dtype=object); {v}[0] = None",
    "nullable": "{v} = pd.Series(np.ravel({v}), dtype='Float64'); {v}[0] = pd.NA",
    "int": "{v} = np.asarray({v}).astype(np.int64)",
    "str": "{v} = np.asarray({v}).astype(str)",
    "bool": "{v} = np.asarray({v}) > 0",
    "complex": "{v} = np.asarray({v}) + 1j",
    "column": "{v} = np.asarray({v}).reshape(len({v}), -1)",
    "matrix": "{v} = np.stack([{v}, {v}], 1)",
    "scalar": "{v} = np.ravel({v})[0]",
    "empty": "{v} = np.asarray({v})[:0]",
    "short": "{v} = np.asarray({v})[:-1]",
    "none": "{v} = None",
    "text": "{v} = 'abc'",
    "datetime": "{v} = np.asarray({v}).astype('datetime64[s]')",
    "iterator": "{v} = iter(np.ravel({v}))",
    "dict": "{v} = dict(enumerate(np.ravel({v})))",
}


@st.composite
def container(draw: st.DrawFn, data: Data, name: str, hostile: bool) -> None:
    """Pass ``name`` in another form: a list, a Series, a tensor, Decimals, ... or nonsense."""
    if draw(st.floats(0, 1)) >= 0.5:
        return
    kind = draw(st.sampled_from(HOSTILE_CONTAINERS if hostile else VALID_CONTAINERS))
    data.build(CONTAINER_CODE[kind].format(v=name))


@st.composite
def weights(draw: st.DrawFn, data: Data, hostile: bool) -> None:
    """Sometimes sample weights, from sensible to absurd."""
    if draw(st.floats(0, 1)) < 0.6:
        return
    n = data.n
    valid = [
        "w = np.ones({n})",
        "w = np.random.default_rng({s}).random({n}) + 0.1",
        "w = np.full({n}, 1e308)",
        "w = np.full({n}, 5e-324)",
        "w = np.ones({n}); w[{i}] = 1e300",
        "w = np.ones({n}); w[{i}] = 0.0",
        "w = np.geomspace(1e-300, 1e300, {n})",
        "w = 1.0 / np.linspace(1, 1e6, {n}) ** 2",
    ]
    hostile_forms = [
        "w = np.zeros({n})",
        "w = np.ones({n}); w[{i}] = -1.0",
        "w = np.ones({n}); w[{i}] = nan",
        "w = np.ones({n}); w[{i}] = inf",
        "w = np.ones({n} + 1)",
        "w = 'heavy'",
        "w = np.ones(({n}, 2))",
    ]
    form = draw(st.sampled_from(hostile_forms if hostile else valid))
    s, i = draw(st.integers(0, 2**16)), draw(st.integers(0, max(0, n - 1)))
    data.build(form.format(n=n, s=s, i=i))
    data.weights = True
    if hostile:
        draw(container(data, "w", True))


_POINTS = [
    ("p = np.array(x, dtype=float)[::{k}]", 6),
    ("p = np.linspace(np.nanmin(x), np.nanmax(x), 9)", 6),
    ("p = float(np.nanmin(x) + 0.37 * (np.nanmax(x) - np.nanmin(x)))", 2),
    ("p = np.array(x, dtype=float)[:6].reshape(2, -1)", 1),
    ("p = np.r_[np.array(x, dtype=float)[:3], nan, inf, -inf]", 1),
    ("p = np.array(x, dtype=float)[:4].tolist()", 1),
    ("p = torch.tensor(np.array(x, dtype=float)[:4])", 1),
    ("p = np.empty(0)", 1),
    ("p = np.full(3, np.nanmax(x))", 1),
]
_HOSTILE_POINTS = [
    "p = np.r_[np.nanmax(x) + (np.nanmax(x) - np.nanmin(x)) + 1.0, np.nanmin(x) - 1.0]",
    "p = 'middle'",
    "p = None",
    "p = [[1.0, 2.0], [3.0]]",
    "p = np.array([1 + 2j])",
    "p = pd.Series(['a', 'b'])",
    "p = {'x': 1.0}",
]


@st.composite
def points(draw: st.DrawFn, hostile: bool = False) -> str:
    """Code for evaluation points ``p`` (computed from the float ``x``, before containers)."""
    if hostile:
        return draw(st.sampled_from(_HOSTILE_POINTS))
    forms = [form for form, weight in _POINTS for _ in range(weight)]
    return draw(st.sampled_from(forms)).format(k=draw(st.integers(1, 5)))


@st.composite
def samples(
    draw: st.DrawFn,
    min_n: int = 2,
    max_n: int = 60,
    batch: bool = True,
    hostile: bool = False,
    hostile_points: bool = False,
) -> Data:
    """x, y, maybe weights, and evaluation points ``p`` (all as build steps).

    Extreme but valid data always; with ``hostile``, also NaN/inf, conflicting repeats, bad
    weights and inputs of the wrong type or shape.
    """
    data = Data()
    code, n = draw(positions(min_n, max_n))
    data.n = n
    data.build(code)
    y_code, data.truth = draw(values(n, batch))
    data.build(y_code)
    draw(corruptions(data, hostile))
    data.build(draw(points(hostile_points)))
    data.build("lo_, hi_ = float(np.nanmin(x)), float(np.nanmax(x))")  # for integrate, as floats
    draw(weights(data, hostile))
    draw(container(data, "x", hostile))
    draw(container(data, "y", hostile))
    return data
