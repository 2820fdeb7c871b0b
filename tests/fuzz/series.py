"""Strategies for the time-series functions and the command line."""

from __future__ import annotations

from hypothesis import strategies as st

from .core import Case, Step

_DAY = 86_400.0
#: Units whose length is not in doubt, in seconds.
UNIT_SECONDS = {
    "None": 1.0,
    "'s'": 1.0,
    "'ms'": 1e-3,
    "'us'": 1e-6,
    "'ns'": 1e-9,
    "'min'": 60.0,
    "'h'": 3600.0,
    "'D'": _DAY,
    "'W'": 7 * _DAY,
    "'year'": 365.25 * _DAY,
    "'Y'": 365.25 * _DAY,
    "'15min'": 900.0,
    "'1D12h'": 1.5 * _DAY,
    "pd.Timedelta('2h')": 7200.0,
    "dt.timedelta(days=1)": _DAY,
    "np.timedelta64(1, 'D')": _DAY,
}
#: Calendar aliases: pandas' offsets spell them, their length is a convention (or refused).
UNIT_RANGES = {
    "'MS'": (28 * _DAY, 31 * _DAY),
    "'M'": (28 * _DAY, 31 * _DAY),
    "'ME'": (28 * _DAY, 31 * _DAY),
    "'month'": (28 * _DAY, 31 * _DAY),
    "'Q'": (89 * _DAY, 93 * _DAY),
    "'QS'": (89 * _DAY, 93 * _DAY),
    "'quarter'": (89 * _DAY, 93 * _DAY),
    "'YS'": (365 * _DAY, 366 * _DAY),
    "'A'": (365 * _DAY, 366 * _DAY),
}
_BAD_UNITS = ["'fortnight'", "'0s'", "'-1h'", "''", "5", "1.5", "'h h'", "'nan'", "['h']"]

_TIME_INDEXES = [
    ("idx = pd.date_range('2024-01-01', periods={n}, freq={freq!r})", True),
    ("idx = pd.date_range('2024-03-30', periods={n}, freq={freq!r}, tz='Europe/Paris')", True),
    (
        "idx = pd.Timestamp('2024-01-01') + pd.to_timedelta(np.sort(np.random.default_rng({s}).choice(10**6, {n}, replace=False)), unit='s')",
        True,
    ),
    ("idx = pd.to_timedelta(np.arange({n}) * 90, unit='s')", True),
    ("idx = pd.date_range('1700-01-01', periods={n}, freq='100YS', unit='s')", True),
    ("idx = pd.date_range('2024-01-01', periods={n}, freq='ms')", True),
]
_NUMERIC_INDEXES = [
    "idx = pd.Index({off!r} + np.arange({n}) * {step!r})",
    "idx = pd.RangeIndex({n})",
    "idx = pd.Index(np.geomspace(1, 1e6, {n}))",
]
_HOSTILE_INDEXES = [
    "idx = pd.date_range('2024-01-01', periods={n}, freq='h')[::-1]",
    "idx = pd.date_range('2024-01-01', periods={n}, freq='h'); idx = idx[np.r_[0, 0:{n} - 1]]",
    "idx = pd.DatetimeIndex(list(pd.date_range('2024-01-01', periods={n} - 1, freq='h')) + [pd.NaT])",
    "idx = pd.Index([str(i) for i in range({n})])",
    "idx = pd.Index(list(pd.date_range('2024-01-01', periods={n}, freq='D').to_pydatetime()), dtype=object)",
    "idx = pd.Index([pd.Timestamp('2024-01-01', tz='UTC') + pd.Timedelta(hours=i) if i % 2 else pd.Timestamp('2024-01-01') + pd.Timedelta(hours=i) for i in range({n})], dtype=object)",
    "idx = pd.period_range('2024-01', periods={n}, freq='M')",
    "idx = pd.interval_range(0, {n})",
    "idx = pd.MultiIndex.from_arrays([np.arange({n}), np.arange({n})])",
    "idx = pd.Index([i % 2 == 0 for i in range({n})])",
    "idx = pd.CategoricalIndex(np.arange({n}))",
    "idx = pd.Index(np.r_[np.arange({n} - 1.0), nan])",
    "idx = pd.Index(np.arange({n}) * 1e-320)",
    "idx = pd.Index([dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range({n})])",
]


@st.composite
def _index(draw: st.DrawFn, n: int) -> tuple[str, str, str | None]:
    """(index code, kind 'time'|'numeric'|'hostile', code for t in seconds or None)."""
    group = draw(st.sampled_from(["time"] * 5 + ["numeric"] * 3 + ["hostile"] * 2))
    s = draw(st.integers(0, 2**16))
    if group == "time":
        form, _ = draw(st.sampled_from(_TIME_INDEXES))
        freq = draw(st.sampled_from(["h", "D", "min", "s", "15min", "MS", "W", "YS"]))
        return (
            form.format(n=n, freq=freq, s=s),
            "time",
            "t = np.asarray((idx - idx[0]) / pd.Timedelta(1, 's'), dtype=float)",
        )
    if group == "numeric":
        off = draw(st.sampled_from([0.0, 1.5, -1e12, 1e300, 3e-5]))
        step = draw(st.sampled_from([1.0, 0.25, 1e-9, 7.0]))
        form = draw(st.sampled_from(_NUMERIC_INDEXES))
        return form.format(n=n, off=off, step=step), "numeric", "t = np.asarray(idx, dtype=float)"
    return draw(st.sampled_from(_HOSTILE_INDEXES)).format(n=n), "hostile", None


@st.composite
def _columns(
    draw: st.DrawFn, n: int, t_known: bool
) -> tuple[list[str], list[tuple[float, float]] | None]:
    """Column code (in terms of t or position) and lines per column, if every column is one."""
    count = draw(st.integers(1, 3))
    codes, truth = [], []
    for _ in range(count):
        kind = draw(
            st.sampled_from(
                ["line", "line", "const", "sine", "gap", "allnan", "text", "huge", "int"]
            )
        )
        a = draw(st.sampled_from([0.0, 20.0, -3.5, 1e6, 1e300, 5e-324]))
        b = draw(st.sampled_from([0.5, -2.0, 1e-6, 3e4, 1e-300, 1.0]))
        position = "t" if t_known else f"np.arange({n}.0)"
        if kind == "line":
            codes.append(f"{a!r} + {b!r} * {position}")
            truth.append((a, b) if t_known else None)
        elif kind == "const":
            codes.append(f"np.full({n}, {a!r})")
            truth.append((a, 0.0))
        elif kind == "gap":
            i = draw(st.integers(0, max(n - 1, 0)))
            codes.append(f"np.where(np.arange({n}) == {i}, nan, {a!r} + {b!r} * {position})")
            truth.append((a, b) if t_known else None)
        elif kind == "allnan":
            codes.append(f"np.full({n}, nan)")
            truth.append((0.0, 0.0))
        elif kind == "text":
            codes.append(f"np.array(['a'] * {n}, dtype=object)")
            truth.append(None)
        elif kind == "huge":
            codes.append(f"1.7e308 * np.sin(np.arange({n}))")
            truth.append(None)
        elif kind == "int":
            codes.append(f"np.arange({n}) * 3")
            truth.append(None)
        else:
            codes.append(f"np.sin(np.arange({n}) / 3)")
            truth.append(None)
    exact = truth if all(t is not None for t in truth) else None
    return codes, exact


_ORDERS = ["0", "1", "1", "1", "2", "3", "-1", "1.5", "True", "10**9", "None"]
_METHODS = ["'spline'"] * 6 + [
    "'neural'",
    "S(k=3)",
    "S(smoothing=0)",
    "'poly'",
    "3",
    "S",
    "N(**NS)",
]
_PARAMS = [
    "",
    "",
    "",
    ", k=3",
    ", smoothing=0",
    ", k='a'",
    ", foo=1",
    ", nan_policy='raise'",
    ", extrapolate='raise'",
    ", max_knots=2",
    ", progress=True",
    ", return_std=True",
]


@st.composite
def timeseries_case(draw: st.DrawFn) -> Case:
    n = draw(st.sampled_from([0, 1, 2, 3, 5, 8, 12, 30, 60, 200]))
    index_code, group, t_code = draw(_index(max(n, 1) if n else 1))
    if n == 0:
        index_code, group, t_code = "idx = pd.DatetimeIndex([])", "hostile", None
        n = 0
    steps = [Step("build", index_code.replace("{n}", str(n)), kind="build")]
    if t_code:
        steps.append(Step("build", t_code, kind="build"))
    codes, truth = draw(_columns(max(n, 0), t_code is not None))
    function = draw(
        st.sampled_from(
            ["frame"] * 5 + ["series"] * 2 + ["array"] * 2 + ["time_to_float", "long", "xarray"]
        )
    )
    order = draw(st.sampled_from(_ORDERS))
    order_value = int(order) if order.lstrip("-").isdigit() and len(order) < 4 else None
    unit = draw(st.sampled_from(list(UNIT_SECONDS) * 3 + list(UNIT_RANGES) + _BAD_UNITS))
    if group != "time" and draw(st.floats(0, 1)) < 0.8:
        unit = "None"
    unit_seconds = UNIT_SECONDS.get(unit) if group == "time" else (1.0 if unit == "None" else None)
    unit_range = UNIT_RANGES.get(unit) if group == "time" else None
    method = draw(st.sampled_from(_METHODS))
    params = draw(st.sampled_from(_PARAMS))
    if method in ("'neural'",):
        params += ", **NS"
    exact = (
        truth
        if method in ("'spline'", "S(k=3)", "S(smoothing=0)") and "k='a'" not in params
        else None
    )
    check = {
        "result": "r",
        "values": "vals",
        "seconds": "t",
        "order": order_value if order_value is not None else -1,
        "unit_seconds": unit_seconds,
        "unit_range": unit_range,
        "truth": exact,
    }
    std = "return_std=True" in params
    target = "r, s" if std else "r"
    columns = ", ".join(f"'c{j}': {code}" for j, code in enumerate(codes))
    if function in ("frame", "series", "xarray"):
        if function == "series":
            steps.append(
                Step(
                    "build",
                    f"data = pd.Series({codes[0]}, index=idx, name='v'); vals = pd.to_numeric(data, errors='coerce').to_numpy(dtype=float, na_value=nan)",
                    kind="build",
                )
            )
            check["truth"] = None if exact is None else exact[:1]
        elif function == "xarray":
            steps.append(
                Step(
                    "build",
                    f"import xarray as xr; data = xr.DataArray(np.column_stack([{', '.join(codes)}]).astype(float), coords={{'time': idx}}, dims=('time', 'c')); vals = data.values",
                    kind="build",
                )
            )
            unit = draw(
                st.sampled_from(
                    ["None", "'s'", "'h'", "'D'", "'m'", "'ns'", "'W'", "'fortnight'", "5"]
                )
            )
            params = f", dim={draw(st.sampled_from(['None', repr('time'), repr('c'), repr('x'), '0']))}, datetime_unit={unit}"
            target = "r"
            unit = "None"
            check["truth"] = None
        else:
            dup = draw(st.floats(0, 1)) < 0.1
            cols = f", columns={['a'] * len(codes)!r}" if dup else ""
            if dup:
                steps.append(
                    Step(
                        "build",
                        f"data = pd.DataFrame(np.column_stack([{', '.join(codes)}]), index=idx{cols})",
                        kind="build",
                    )
                )
            else:
                steps.append(
                    Step("build", f"data = pd.DataFrame({{{columns}}}, index=idx)", kind="build")
                )
            steps.append(
                Step(
                    "build",
                    "vals = data.apply(pd.to_numeric, errors='coerce').to_numpy(dtype=float, na_value=nan)",
                    kind="build",
                )
            )
        call = f"{target} = ts.differentiate(data, {order}, {method}, {unit}{params})"
        label = "timeseries.differentiate"
    elif function == "array":
        axis = draw(st.sampled_from(["0", "0", "0", "1", "-1", "5", "'a'", "1.0", "None"]))
        x_code = draw(
            st.sampled_from(
                [
                    "xa = t",
                    "xa = t",
                    "xa = t[::-1]",
                    "xa = np.r_[t[:1], t[:-1]]",
                    "xa = t.reshape(1, -1)",
                    "xa = 'abc'",
                    "xa = t.astype(np.float32)",
                ]
            )
        )
        if not t_code:
            steps.append(Step("build", f"t = np.arange({n}.0)", kind="build"))
        steps.append(
            Step(
                "build",
                f"{x_code}; ya = np.column_stack([{', '.join(codes)}]); vals = ya",
                kind="build",
            )
        )
        if axis in ("1", "-1"):
            steps.append(Step("build", "ya = ya.T", kind="build"))
        call = f"{target} = ts.differentiate_array(xa, ya, {order}, {method}, axis={axis}{params})"
        if axis in ("1", "-1"):
            call += "; r = r.T"
        label = "timeseries.differentiate_array"
        check["unit_seconds"] = 1.0 if x_code == "xa = t" else None
        check["unit_range"] = None
        if x_code != "xa = t":
            check["truth"] = None
    elif function == "time_to_float":
        what = draw(
            st.sampled_from(
                [
                    "idx",
                    "idx",
                    "idx",
                    "idx[0]",
                    "'abc'",
                    "None",
                    "5",
                    "[dt.date(2024, 1, 1), dt.date(2024, 1, 3)]",
                    "np.array(['2024-01-01', '2024-01-02'], dtype='datetime64[ns]')",
                    "list(range(4))",
                    "{'a': 1}",
                    "pd.Series(idx)",
                    "np.asarray(idx)",
                ]
            )
        )
        # The argument is built first: idx[0] of an empty index fails in pandas, not in us.
        steps.append(Step("build", f"arg = {what}", kind="build"))
        call = f"r = ts.time_to_float(arg, {unit})"
        label = "timeseries.time_to_float"
        checks = ()
        if (
            what in ("idx", "pd.Series(idx)", "np.asarray(idx)")
            and t_code
            and group in ("time", "numeric")
        ):
            checks = (
                (
                    "scaled",
                    {
                        "result": "r",
                        "seconds": "t",
                        "unit_seconds": unit_seconds,
                        "unit_range": unit_range,
                    },
                ),
            )
        steps.append(Step(label, call, checks=checks))
        return Case("timeseries", tuple(steps))
    else:
        if not t_code:
            steps.append(Step("build", f"t = np.arange({n}.0)", kind="build"))
        time_col = draw(st.sampled_from(["idx", "idx", "t"]))
        steps.append(
            Step(
                "build",
                f"frame = pd.DataFrame({{'key': np.repeat(['a', 'b'], {n}), 'time': np.tile(np.asarray({time_col}), 2), 'v': np.r_[{codes[0]}, {codes[-1]}]}}); vals = pd.to_numeric(frame['v'], errors='coerce').to_numpy(dtype=float, na_value=nan).reshape(2, -1).T",
                kind="build",
            )
        )
        if draw(st.floats(0, 1)) < 0.2:  # rows in any order: the result follows them
            steps.append(
                Step("build", "frame = frame.sample(frac=1.0, random_state=0)", kind="build")
            )
            check["order"] = -1
        names = draw(
            st.sampled_from(
                [
                    "'key', 'time', 'v'",
                    "'key', 'time', 'v'",
                    "'nokey', 'time', 'v'",
                    "['key'], 'time', 'v'",
                    "'key', 'v', 'time'",
                    "'key', 'time', 'key'",
                ]
            )
        )
        the_unit = unit if time_col == "idx" else "None"
        call = f"r = ts.differentiate_long(frame, {names}, {order}, {method}, {the_unit}{params.replace(', return_std=True', '')})"
        label = "timeseries.differentiate_long"
        check["layout"] = "long"
        if time_col == "t":
            check["unit_seconds"], check["unit_range"] = 1.0, None
        if exact is not None:
            check["truth"] = [exact[0], exact[-1]]
        if names != "'key', 'time', 'v'":
            check["truth"] = None
        std = False
    if check["order"] < 0 or (not t_code and function != "array"):
        checks: tuple = ()
    else:
        checks = (("series", check),)
    steps.append(Step(label, call, checks=checks))
    return Case("timeseries", tuple(steps))
