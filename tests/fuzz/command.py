"""Strategies for the command line, run in-process: files, options, exit statuses, messages."""

from __future__ import annotations

from hypothesis import strategies as st

from .core import Case, Step
from .data import lit

_DAY = 86_400.0


# ---------------------------------------------------------------------------- command line
@st.composite
def _csv(draw: st.DrawFn) -> tuple[str, dict[str, tuple[float, float]] | None, float]:
    """(code writing f.csv, (a, b) per y column if exact lines in seconds, the x span)."""
    n = draw(st.sampled_from([0, 1, 2, 5, 12, 40]))
    kind = draw(
        st.sampled_from(
            ["numeric"] * 4 + ["time"] * 2 + ["mixed_tz", "dates", "hostile", "hostile", "binary"]
        )
    )
    b = draw(st.sampled_from([0.5, -2.0, 1e-6, 3e4, 0.0]))
    a = draw(st.sampled_from([0.0, 20.0, -3.5, 1e6]))
    if kind == "binary":
        return (
            f"open('f.csv', 'wb').write(np.random.default_rng({draw(st.integers(0, 99))}).bytes({draw(st.integers(0, 400))}))",
            None,
            1.0,
        )
    if kind == "hostile":
        text = draw(
            st.sampled_from(
                [
                    "",
                    "t,v\n",
                    "t,v\n1,2\n3\n",
                    "t,v\n1,a\n2,b\n",
                    "\ufefft,v\n0,1\n1,2\n2,3\n3,4\n4,5\n5,6\n6,7\n7,8\n",
                    "t;v\n0;1\n1;2\n",
                    "t,t\n0,1\n1,2\n",
                    "t,v\n0,1e400\n1,2\n2,3\n3,4\n4,5\n5,6\n6,7\n7,8\n",
                    "t,v\n0,nan\n1,nan\n2,nan\n",
                    "t,v\nnan,1\n1,2\n",
                    "t,v\n1,1\n1,2\n1,3\n",
                    "t,v\n2,1\n1,2\n0,3\n",
                    "t,v,w\n0,1,True\n1,2,False\n",
                    '"t","v"\n"0","1"\n',
                    "t,v\n" + "0,1\n" * 50,
                    "t,v\n2024-01-01,1\n2024-13-45,2\n",
                    "x\n1\n2\n",
                    "t,v\n0,1,2,3\n",
                ]
            )
        )
        return f"open('f.csv', 'w').write({text!r})", None, 1.0
    rows, t = [], 0.0
    for i in range(n):
        if kind == "numeric":
            t = float(i) * 0.5
            x_text = repr(t)
        elif kind == "time":
            t = 3600.0 * i
            x_text = (
                f"2024-01-01T{i % 24:02d}:00:00"
                if n <= 24
                else f"2024-01-{1 + i // 24:02d}T{i % 24:02d}:00:00"
            )
        elif kind == "mixed_tz":
            t = 3600.0 * i
            x_text = f"2024-01-01T{i % 24:02d}:00:00{'+01:00' if i % 2 else '+02:00'}"
        else:
            t = _DAY * i
            x_text = f"2024-01-{1 + i % 28:02d}"
        rows.append(f"{x_text},{a + b * t!r},{2 * b * t!r}")
    text = "t,v,u\n" + "".join(r + "\n" for r in rows)
    lines = {"v": (a, b), "u": (0.0, 2 * b)} if kind in ("numeric", "time") and n >= 3 else None
    return f"open('f.csv', 'w').write({text!r})", lines, t


_OPTIONS = [
    ["--y", "v"],
    ["--y", "u", "--y", "v"],
    ["--y", "nope"],
    ["--order", "0"],
    ["--order", "2"],
    ["--order", "1", "--order", "2"],
    ["--order", "-1"],
    ["--order", "abc"],
    ["--order", "1000000"],
    ["--unit", "h"],
    ["--unit", "D"],
    ["--unit", "min"],
    ["--unit", "MS"],
    ["--unit", "fortnight"],
    ["--unit", "0s"],
    ["--smoothing", "0"],
    ["--smoothing", "1e-3"],
    ["--smoothing", "auto"],
    ["--smoothing", "-1"],
    ["--smoothing", "nan"],
    ["--smoothing", "abc"],
    ["--param", "k=3"],
    ["--param", "k=[1]"],
    ["--param", "x"],
    ["--param", "=3"],
    ["--param", "extrapolate=nan"],
    ["--param", "k=__import__('os').system('touch PWNED')"],
    ["--param", "nope=1"],
    ["--std"],
    ["-o", "out.csv"],
    ["-o", "missing/out.csv"],
    ["-o", "."],
    ["-o", ""],
    ["--sep", "\\x"],
    ["--sep", ""],
    ["--sep", "ab"],
    ["--sep", "\\t"],
    ["--sep", ";"],
    ["--sep", "\\u"],
    ["--sep", "\\"],
    ["--seed", "-1"],
    ["--seed", "1.5"],
    ["--progress"],
    ["--no-progress"],
    ["--bogus"],
    [
        "--method",
        "neural",
        "--param",
        "epochs=3",
        "--param",
        "lbfgs_iterations=2",
        "--param",
        "hidden_layers=[4]",
        "--param",
        "n_members=1",
    ],
    ["--method", "neural", "--smoothing", "0"],
    ["--method", "poly"],
    ["--plot", "fig.png"],
]


@st.composite
def cli_case(draw: st.DrawFn) -> Case:
    code, lines, span = draw(_csv())
    unit_seconds = 1.0
    steps = [Step("build", code, kind="build")]
    source = draw(st.sampled_from(["f.csv"] * 8 + ["nofile.csv", ".", "-", ""]))
    argv = ["diff", source]
    if draw(st.floats(0, 1)) < 0.93:
        argv += ["--x", draw(st.sampled_from(["t"] * 6 + ["v", "nope", ""]))]
    options = draw(st.lists(st.sampled_from(_OPTIONS), max_size=3))
    for option in options:
        argv += option
    if draw(st.floats(0, 1)) < 0.03:
        argv = draw(
            st.sampled_from([[], ["--help"], ["--version"], ["diff"], ["nope"], ["diff", "--help"]])
        )
    flat = " ".join(argv)
    exact = (
        lines
        if source == "f.csv"
        and argv[2:4] == ["--x", "t"]
        and "neural" not in flat
        and "-o missing" not in flat
        else None
    )
    if exact and "--unit" in argv:
        unit = argv[argv.index("--unit") + 1]
        exact = exact if unit in ("h", "D", "min") else None
        unit_seconds = {"h": 3600.0, "D": _DAY, "min": 60.0}.get(unit, 1.0)
    orders = tuple(
        int(argv[i + 1])
        for i, a in enumerate(argv[:-1])
        if a == "--order" and argv[i + 1].isdigit()
    ) or (1,)
    sep = ","
    if "--sep" in argv:
        sep = {"\\t": "\t", ";": ";"}.get(argv[argv.index("--sep") + 1], ",")
        exact = None if sep != "," else exact
    output = "out.csv" if "out.csv" in argv else None
    chosen = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--y"]
    if exact and chosen:
        exact = {name: line for name, line in exact.items() if name in chosen}
    check = {
        "sep": sep,
        "output": output,
        "lines": exact,
        "span": span,
        "unit_seconds": unit_seconds,
        "orders": orders,
    }
    steps.append(Step("cli", f"code = cli({lit(argv)})", checks=(("command", check),), paths=True))
    return Case("cli", tuple(steps), files=True)
