"""The corpus of hand derivations: its answers are right or wrong by SymPy, and the checker agrees.

The corpus is data (``benchmarks/derivations.jsonl``), so it is checked against an outside truth
first: SymPy differentiates each function (``idiff`` on curves) and its values at random points
say which answers are right; then ``benchmarks/derivations.py`` runs ``check_derivative`` over
it and must accept every right answer and flag every wrong one.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load_benchmark():
    spec = importlib.util.spec_from_file_location("derivations", BENCHMARKS / "derivations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _exercises():
    return _load_benchmark().load(BENCHMARKS / "derivations.jsonl")


def test_the_corpus_is_large_and_varied():
    exercises = _exercises()
    assert len(exercises) >= 200
    topics = {e["topic"] for e in exercises}
    for needed in ("implicit differentiation", "partial derivatives", "higher derivatives",
                   "backpropagation", "activation functions", "chain rule"):  # fmt: skip
        assert needed in topics
    assert all(len(e["right"]) >= 2 and len(e["wrong"]) >= 2 for e in exercises)
    assert sum(len(e.get("traps", [])) for e in exercises) >= 200


def _sympy_truth(sp, exercise):
    """(the derivative as SymPy sees it, its symbols, the curve or None)."""
    from pydelt_like.symbolic import parse
    from pydelt_like.symbolic.implicit import as_equation
    from pydelt_like.symbolic.interop import to_sympy

    order = exercise.get("order", 1)
    if "=" in exercise["f"]:
        curve = as_equation(exercise["f"], split_names=True).expr
        names = sorted(curve.free_symbols)
        x = exercise.get("wrt", "x")
        y = exercise.get("dependent", "y")
        symbols = {n: sp.Symbol(n, real=True) for n in names}
        truth = sp.idiff(to_sympy(curve), symbols[y], symbols[x], order)
        return truth, symbols, curve
    f = parse(exercise["f"], split_names=True)
    wrt = exercise.get("wrt") or sorted(f.free_symbols or {"x"})[0]
    names = sorted(f.free_symbols | set(wrt if isinstance(wrt, list) else [wrt]))
    symbols = {n: sp.Symbol(n, real=True) for n in names}
    truth = to_sympy(f)
    for name in wrt if isinstance(wrt, list) else [wrt] * order:
        truth = sp.diff(truth, symbols[name])
    return truth, symbols, None


def _points(exercise, symbols, truth_function, curve):
    """Random points where SymPy's derivative is finite (on the curve, for an equation)."""
    from pydelt_like.symbolic.sampling import draw_points, points_on_curve

    names = list(symbols)
    domain = {
        k: tuple(v) if isinstance(v, list) else v for k, v in exercise.get("domain", {}).items()
    }

    def finite(points):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.asarray(truth_function(*[points[n] for n in names]), dtype=complex)
        values = np.broadcast_to(values, points[names[0]].shape)
        return np.isfinite(values) & (np.abs(values.imag) < 1e-9 * (1 + np.abs(values.real)))

    rng = np.random.default_rng(1)
    if curve is not None:
        return points_on_curve(curve, names, domain, 12, rng, finite)
    return draw_points(names, domain, 12, rng, finite)


@pytest.mark.slow
def test_the_corpus_answers_are_right_and_wrong_by_sympy():
    sp = pytest.importorskip("sympy")
    from pydelt_like.symbolic import parse

    problems = []
    for number, exercise in enumerate(_exercises(), 1):
        truth, symbols, curve = _sympy_truth(sp, exercise)
        names = list(symbols)
        as_numbers = sp.lambdify(list(symbols.values()), truth, modules=["numpy", "scipy"])
        points = _points(exercise, symbols, as_numbers, curve)
        assert points[names[0]].size >= 6, (number, exercise["f"])

        def values(text, at, names=names, symbols=symbols, curve=curve, as_numbers=as_numbers):
            answer = parse(text, split_names=True)
            if curve is not None and "_prime" in str(answer.free_symbols):
                raise AssertionError("the corpus writes answers in x and y only")
            function = sp.lambdify(
                list(symbols.values()), _to_sympy(answer), modules=["numpy", "scipy"]
            )
            with np.errstate(all="ignore"):
                got = np.asarray(function(*[at[n] for n in names]), dtype=complex).real
                want = np.asarray(as_numbers(*[at[n] for n in names]), dtype=complex).real
            shape = np.broadcast_shapes(got.shape, want.shape, at[names[0]].shape)
            return np.broadcast_to(got, shape), np.broadcast_to(want, shape)

        for text in exercise["right"]:
            got, want = values(text, points)
            if not np.allclose(got, want, rtol=1e-7, atol=1e-9):
                problems.append(f"#{number} right answer {text!r} is not d {exercise['f']!r}")
        for text in exercise["wrong"]:
            got, want = values(text, points)
            if np.allclose(got, want, rtol=1e-7, atol=1e-9, equal_nan=False):
                problems.append(f"#{number} wrong answer {text!r} equals d {exercise['f']!r}")
        for trap in exercise.get("traps", []):
            at = trap["at"] if isinstance(trap["at"], dict) else {names[0]: trap["at"]}
            at = {n: np.array([float(at[n])]) for n in names}
            got, want = values(trap["answer"], at)
            if not np.allclose(got, want, rtol=1e-7, atol=1e-9):
                problems.append(f"#{number} trap {trap['answer']!r} does not agree at {trap['at']}")
    assert not problems, "\n".join(problems)


def _to_sympy(expr):
    from pydelt_like.symbolic.interop import to_sympy

    return to_sympy(expr)


@pytest.mark.slow
def test_the_checker_accepts_every_right_answer_and_flags_every_wrong_one(capsys):
    status = _load_benchmark().main([])
    out = capsys.readouterr().out
    assert status == 0, out[-3000:]
    assert "MISS" not in out and "all bars met" in out


def test_the_benchmark_counts_misses_and_fails(tmp_path, capsys):
    corpus = tmp_path / "mini.jsonl"
    exercises = [
        {"f": "x^2", "right": ["2x", "x + x", "2y"], "wrong": ["2", "2x"], "traps": [{"answer": "x", "at": 0}]},
        {"f": "x^2 + y^2 = 1", "right": ["-x/y"], "wrong": ["x/y"]},
    ]  # fmt: skip
    corpus.write_text("\n".join(json.dumps(e) for e in exercises))
    assert _load_benchmark().main(["--corpus", str(corpus)]) == 1
    out = capsys.readouterr().out
    assert "right answers accepted: 3/4" in out and "wrong answers flagged:  2/3" in out
    assert "right answer refused: d 'x^2' = '2y'" in out
    assert "wrong answer not flagged: d 'x^2' = '2x'" in out
    assert "traps flagged at their common point: 1/1" in out
