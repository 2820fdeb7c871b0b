"""Hostile inputs for every public entry point: the fuzz suite's quick profile.

The generators and the oracle live in ``tests/fuzz`` (see its docstring); ``make fuzz`` runs the
full profile (10,000 inputs or more). Here a fixed (seeded) sample of a couple of hundred inputs runs
on worker processes with a per-call time limit, together with the 23 root causes of the outside
campaign (``tests/fuzz/regressions.py``), and the oracle's own rules are checked on inputs whose
outcome is known.
"""

from __future__ import annotations

import numpy as np
import pytest
from fuzz.core import FAILURES, Case, Step, base_namespace, classify, run_case
from fuzz.pool import Pool
from fuzz.profile import AREAS, Report, default_workers, generate
from fuzz.regressions import KNOWN, OPEN, REGRESSIONS, explained
from fuzz.verdicts import CHECKS

#: The quick profile's time limit per call: runaway sizes must be refused long before it; its
#: tiny fits take under 2 s each even on a busy machine.
LIMIT = 8.0


@pytest.fixture(scope="module")
def results():
    """Every regression case and every quick-profile case, run once on worker processes."""
    numbers = sorted(REGRESSIONS)
    cases = [case for area, (_, _, quick) in AREAS.items() for case in generate(area, quick)]
    # The regressions first: those still open overrun their limit, in parallel with the rest.
    everything = [REGRESSIONS[n] for n in numbers] + cases
    outcome: dict[int, object] = {}
    with Pool(min(default_workers(), 4), LIMIT) as pool:
        for index, result in pool.run(everything):
            outcome[index] = result
    regressions = {n: outcome[i] for i, n in enumerate(numbers)}
    quick = Report()
    for index, case in enumerate(cases):
        quick.add(case, outcome[len(numbers) + index])
    return quick, regressions


def test_quick_profile_has_no_new_failures(results):
    quick, _ = results
    assert quick.harness_errors == 0, quick.notes
    assert quick.inputs >= 0.9 * sum(q for _, _, q in AREAS.values()), quick.table()
    for area in AREAS:
        assert quick.counts[area]["valid"] > 0, f"no valid call in {area}: the generators are off"
    unexplained = [
        failure
        for failures in quick.kinds.values()
        for failure in failures
        if explained(failure) is None
    ]
    if unexplained:
        shown = "\n".join(
            f"{f.outcome} [{f.area}] {f.label}: {f.kind}: {f.message}\n    {f.reproducer}"
            for f in unexplained[:10]
        )
        pytest.fail(
            f"{len(unexplained)} failures no open finding explains:\n{shown}\n\n{quick.table()}"
        )


@pytest.mark.parametrize(
    "number",
    [
        pytest.param(
            n,
            marks=pytest.mark.xfail(strict=True, reason=f"finding #{n} is open (regressions.OPEN)")
            if n in OPEN
            else (),
        )
        for n in sorted(REGRESSIONS)
    ],
)
def test_finding_is_fixed(results, number):
    _, regressions = results
    result = regressions[number]
    assert result.outcome in ("valid", "clear"), (
        "\n".join(
            f"{f.outcome}: {f.kind}: {f.message}\n    {f.reproducer}" for f in result.failures
        )
        or result.note
    )


def test_every_open_mechanism_names_an_open_finding_or_a_new_one():
    numbers = {f for known in KNOWN for f in known.findings}
    assert OPEN <= numbers | set(REGRESSIONS)
    assert all(isinstance(n, str) or n in REGRESSIONS for n in OPEN)


# ------------------------------------------------------------------------------- the oracle
@pytest.fixture(scope="module")
def namespace():
    return base_namespace()


def _run(namespace, *codes, checks=(), paths=False):
    """Run the statements as one case; the checks apply to the last one."""
    steps = [Step("call", code, paths=paths) for code in codes[:-1]]
    steps.append(Step("call", codes[-1], checks=checks, paths=paths))
    return run_case(Case("oracle", tuple(steps)), namespace)


def test_documented_errors_from_our_code_are_clear(namespace):
    assert _run(namespace, "S(k=0).fit([0, 1, 2], [0, 1, 2])").outcome == "clear"
    assert _run(namespace, "sym.parse('2*x +* 1')").outcome == "clear"
    assert _run(namespace, "S().predict(1.0)").outcome == "clear"  # NotFittedError


def test_crashes_inside_dependencies_or_with_other_types_are_deep(namespace):
    result = _run(namespace, "np.linspace(0, 1, -5)")  # a ValueError raised inside NumPy
    assert result.outcome == "deep"
    assert result.failures[0].kind == "ValueError in numpy"
    import statistics

    try:
        statistics.NormalDist().inv_cdf(1.0)
    except statistics.StatisticsError as error:  # a ValueError subclass: not documented
        assert classify(error, Step("x", "pass"))[0] == "deep"


def test_user_callables_and_path_errors(namespace):
    assert _run(namespace, "numeric.numerical_derivative(raising, 1.0)").outcome == "clear"
    assert _run(namespace, "open('/nonexistent/dir/f.csv')").outcome == "deep"
    assert _run(namespace, "open('/nonexistent/dir/f.csv')", paths=True).outcome == "clear"


def test_exact_line_and_constant_checks(namespace):
    line = "x = np.linspace(-1e6, -1e6 + 10, 40); y = 76.5 + x; p = x[::4]"
    params = {"result": "r", "points": "p", "x": "x", "y": "y", "order": 1, "truth": [(76.5, 1.0)]}
    assert _run(namespace, line, "r = np.ones(10)", checks=(("interp", params),)).outcome == "valid"
    wrong = _run(namespace, line, "r = np.full(10, 1.001)", checks=(("interp", params),))
    assert wrong.outcome == "silent" and "exact line" in wrong.failures[0].kind
    constant = "x = np.linspace(0, 1, 9); y = np.full(9, 10.5); p = x"
    params = {"result": "r", "points": "p", "x": "x", "y": "y", "order": 0, "truth": [(10.5, 0.0)]}
    assert (
        _run(namespace, constant, "r = np.full(9, 10.5)", checks=(("interp", params),)).outcome
        == "valid"
    )
    assert (
        _run(
            namespace, constant, "r = np.full(9, 10.5 + 1e-9)", checks=(("interp", params),)
        ).outcome
        == "silent"
    )
    nan = _run(namespace, constant, "r = np.full(9, nan)", checks=(("interp", params),))
    assert nan.outcome == "silent" and nan.failures[0].kind == "NaN/inf"


def test_rounding_tolerance_follows_the_data():
    """A miss of 1e-4 on a slope is rounding for x near 1e12, and wrong for x near 1."""
    ns = {"x": np.linspace(1e12, 1e12 + 10, 40), "p": np.linspace(1e12, 1e12 + 10, 5)}
    ns["y"] = 2.0 * ns["x"]
    ns["r"] = np.full(5, 2.0 + 1e-4)
    params = {"result": "r", "points": "p", "x": "x", "y": "y", "order": 1, "truth": [(0.0, 2.0)]}
    assert CHECKS["interp"](ns, warned=False, **params) is None
    ns["x"] = ns["x"] - 1e12
    ns["p"] = ns["p"] - 1e12
    ns["y"] = 2.0 * ns["x"]
    assert CHECKS["interp"](ns, warned=False, **params)[0] == "silent"


def test_overrunning_and_dying_workers_are_caught():
    """A worker stopped inside a call (as native code that never returns) is killed in time."""
    stop = Case("oracle", (Step("call", "os.kill(os.getpid(), __import__('signal').SIGSTOP)"),))
    die = Case("oracle", (Step("call", "os._exit(3)"),))
    fine = Case("oracle", (Step("call", "r = S().fit([0, 1, 2, 3, 4, 5, 6, 7], np.arange(8.0))"),))
    with Pool(1, limit=2.0) as pool:
        outcomes = dict(pool.run([stop, die, fine]))
    assert outcomes[0].outcome == "hang"
    assert outcomes[1].outcome == "deep" and "worker died" in outcomes[1].failures[0].kind
    assert outcomes[2].outcome == "valid"
    assert FAILURES == ("silent", "deep", "hang", "unsafe")


def test_foreign_code_on_load_is_caught(tmp_path, monkeypatch, namespace):
    monkeypatch.chdir(tmp_path)
    case = Case(
        "oracle",
        (Step("call", "pickle.dump(Evil(), open('t.pt', 'wb')); pickle.load(open('t.pt', 'rb'))"),),
        files=True,
    )
    assert run_case(case, namespace).outcome == "unsafe"


def test_symbolic_derivative_is_checked_against_sympy(namespace):
    check = (("symbolic_derivative", {"expr": "e", "result": "d", "var": "x", "order": 1}),)
    parse = "e = sym.parse('x/3 + sin(x)*y')"
    right = _run(namespace, parse, "d = sym.differentiate(e, 'x')", checks=check)
    assert right.outcome == "valid"
    wrong = _run(namespace, parse, "d = sym.parse('1/3 + cos(x)')", checks=check)
    assert wrong.outcome == "silent" and "SymPy" in wrong.failures[0].kind


def test_command_line_outcomes():
    table = "t,v_d1\n0,2.0\n1,2.0\n2,2.0\n"
    params = {"lines": {"v": (1.0, 2.0)}, "span": 2.0}

    def verdict(code, err="", out=table, error=None):
        record = {"code": code, "err": err, "out": out, "error": error}
        return CHECKS["command"]({"_cli": record}, warned=False, **params)

    assert verdict(0) is None
    assert verdict(0, out=table.replace("2.0\n", "2.5\n"))[0] == "silent"
    assert verdict(1, err="pydelt-like: error: no column 'x'\n")[0] == "clear"
    assert verdict(1, err="pydelt-like: error: a\nmore\n")[0] == "deep"
    assert verdict(2, err="usage: pydelt-like ...\npydelt-like: error: bad\n")[0] == "clear"
    assert verdict(1, err="Traceback (most recent call last):\n")[0] == "deep"
    try:
        np.linspace(0, 1, -1)
    except ValueError as error:  # printed as one line, but raised inside NumPy
        assert verdict(1, err="pydelt-like: error: x\n", error=error)[0] == "deep"


def test_close_check_follows_the_rounding_of_its_inputs():
    """PyDelt's integrals: iv + c (t - t0) to the rounding of c * t, not to a fixed tolerance."""
    t = np.linspace(1e12, 1e12 + 10, 21)
    ns = {"t": t, "c_": 2.0, "r": 0.5 + 2.0 * (t - t[0]), "x_": 0.5 + 2.0 * (t - t[0])}
    params = {"result": "r", "expected": "x_", "scale": ("t", "c_")}
    assert CHECKS["close"](ns, warned=False, **params) is None
    ns["r"] = ns["r"] + 1e-3  # within 1e4 ulps of 2e12
    assert CHECKS["close"](ns, warned=False, **params) is None
    ns["r"] = ns["r"] + 100.0  # 1e4 ulps of 2e12 are 4.4
    assert CHECKS["close"](ns, warned=False, **params)[0] == "silent"
    ns = {"r": np.full(3, 2.0 + 1e-9), "e_": np.full(3, 2.0)}  # a plane's slope, rtol 1e-12
    assert CHECKS["close"](ns, warned=False, result="r", expected="e_")[0] == "silent"
    ns["r"] = np.full(2, 2.0)
    assert CHECKS["close"](ns, warned=False, result="r", expected="e_")[1] == "shape"
