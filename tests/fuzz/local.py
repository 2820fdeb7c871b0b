"""Strategies for the local families (LLA, GLLA, GOLD, LOWESS, LOESS, FDA).

The same hostile data as the spline's (positions, values, weights, containers, evaluation
points) and the same probes, against each family with small hyperparameters (a fixed window
and degree half the time, so the cross-validation's cost stays low) or one hostile value.
Exact lines must come back exactly wherever the local polynomial's degree is at least 1 (every
degree the data may choose is; ``degree=0`` reproduces constants only).
"""

from __future__ import annotations

from hypothesis import strategies as st

from .core import Case, Step
from .data import kwargs, samples
from .interp import FOCUS, _literal, _options, _probes

_SHARED: dict[str, tuple[list[str], list[str]]] = {
    "nan_policy": (["'omit'"], ["'ignore'", "None", "1"]),
    "extrapolate": (["'nan'", "'extrapolate'"], ["'clip'", "None", "True"]),
}
_WINDOW = (
    ["None", "2", "3", "5", "9", "np.int64(7)"],
    ["0", "1", "-3", "2.5", "True", "'5'", "10**12", "[5]"],
)
_DEGREE = (
    ["None", "None", "None", "1", "2", "3", "np.int64(2)"],
    ["-1", "9", "2.0", "True", "'2'", "10**9"],
)
_FRAC = (
    ["None", "0.3", "0.5", "1.0", "np.float32(0.6)"],
    ["0", "0.0", "-0.5", "1.5", "nan", "inf", "'0.3'", "True", "5e-324", "1e-12"],
)
_IT = (["0", "1", "3", "np.int64(2)"], ["-1", "11", "10**9", "1.5", "True", "'3'", "None"])
_PYDELT_FLAGS = {
    "normalization": (["'none'", "'min'"], ["'max'", "None", "3"]),
    "zero_mean": (["True", "False"], ["1", "'yes'", "None", "np.bool_(True)"]),
}

#: Registry name -> (class name, its alias in the preamble, options, its degree parameter).
FAMILIES: dict[str, tuple[str, str, dict[str, tuple[list[str], list[str]]], str | None]] = {
    "lla": (
        "LlaInterpolator",
        "LLA",
        {"window_size": _WINDOW, "degree": (["0", *_DEGREE[0]], _DEGREE[1]), **_PYDELT_FLAGS},
        "degree",
    ),
    "glla": ("GllaInterpolator", "GLLA", {"embedding": _WINDOW, "n": _DEGREE}, "n"),
    "gold": (
        "GoldInterpolator",
        "GOLD",
        {"window_size": _WINDOW, "n": _DEGREE, **_PYDELT_FLAGS},
        "n",
    ),
    "lowess": (
        "LowessInterpolator",
        "LOWESS",
        {"frac": _FRAC, "it": _IT, "degree": (["0", *_DEGREE[0]], _DEGREE[1])},
        "degree",
    ),
    "loess": (
        "LoessInterpolator",
        "LOESS",
        {"degree": (["0", *_DEGREE[0]], _DEGREE[1]), "frac": _FRAC, "it": _IT},
        "degree",
    ),
    "fda": (
        "FdaInterpolator",
        "FDA",
        {
            "smoothing": (
                ["None", "0", "0.0", "1e-3", "1.0", "1e300", "5e-324", "np.float32(0.5)"],
                ["-1.0", "nan", "inf", "'auto'", "True", "[1.0]"],
            ),
            "k": (["1", "2", "3", "4", "5", "np.int64(3)"], ["0", "6", "-1", "2.0", "True", "'3'"]),
        },
        None,
    ),
}


@st.composite
def local_case(draw: st.DrawFn) -> Case:
    family = draw(st.sampled_from(sorted(FAMILIES)))
    name, alias, table, degree_param = FAMILIES[family]
    table = {**table, **_SHARED}
    focus = draw(st.sampled_from(FOCUS))
    data = draw(
        samples(hostile=focus == "data", hostile_points=focus == "calls" and draw(st.booleans()))
    )
    options = draw(_options(table, 0.7, focus == "options"))
    degree = options.get(degree_param) if degree_param else None
    constants_only = degree in ("0",)
    info = {
        "nan_policy": _literal(options.get("nan_policy"), "raise"),
        "extrapolate": _literal(options.get("extrapolate"), "raise"),
        # A window of a few samples resolves the smallest spacing, as an interpolant does.
        "exact_fit": family != "fda",  # FDA is a penalised spline, judged as the spline
        "exact_ok": data.truth is not None
        and (not constants_only or all(b == 0 for _, b in data.truth)),
    }
    fit = f"m = {alias}({kwargs(options)}).fit(x, y{', weights=w' if data.weights else ''})"
    steps = [*data.steps, Step(f"{name}.fit", fit)]
    steps += draw(_probes(data, name, info, focus == "calls"))
    return Case("local", tuple(steps))
