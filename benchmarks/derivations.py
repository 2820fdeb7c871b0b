"""Hand derivations checked like a student would: every right answer accepted, every wrong flagged.

The corpus (``benchmarks/derivations.jsonl``) holds exercises of calculus and machine-learning
courses: explicit functions, several variables, second and higher derivatives, implicit
curves. Each has right answers written in several equivalent forms (and notations) and classic
wrong answers; *traps* are wrong answers that agree with the right one at a common point
(``cos(x^2)`` for ``d/dx sin(x^2)`` at x = 0.5), checked at exactly that point: a checker that
trusted the points it is given would pass them.

Bars: every right answer ``ok``; every wrong answer and every trap ``verdict == 'wrong'``;
each trap really agrees with the derivative at its point (else the corpus is wrong).

Corpus format: JSON Lines (one exercise per line; a JSON list works too), each exercise with

- ``f``: the function as text; with ``=`` an equation, differentiated implicitly;
- ``right``, ``wrong``: lists of answers as text;
- optional ``wrt`` (a name, or a list of names for a mixed partial), ``order`` (an integer),
  ``dependent`` (for an equation: the variable that depends on ``wrt``), ``domain`` (as
  ``check_derivative`` takes it: a pair, or a dict of pairs or fixed values), ``traps`` (a list
  of ``{"answer": text, "at": number or {variable: number}}``) and ``topic`` (free text).

Run: ``python benchmarks/derivations.py [--corpus PATH] [--verbose]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import verdict

CORPUS = Path(__file__).resolve().parent / "derivations.jsonl"


def load(path: Path) -> list[dict[str, Any]]:
    """The exercises of a corpus file (JSON Lines, or one JSON list)."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        return list(json.loads(text))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _options(exercise: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {"spline": False}
    for key in ("wrt", "order", "dependent"):
        if key in exercise:
            options[key] = exercise[key]
    if "domain" in exercise:
        domain = exercise["domain"]
        options["domain"] = (
            {k: tuple(v) if isinstance(v, list) else v for k, v in domain.items()}
            if isinstance(domain, dict)
            else tuple(domain)
        )
    return options


def check_exercise(exercise: dict[str, Any]) -> tuple[Counter, list[str]]:
    """Tallies and misses of one exercise."""
    from pydelt_like.verify import check_derivative

    tally: Counter = Counter()
    misses: list[str] = []
    f, options = exercise["f"], _options(exercise)

    def run(answer: str, **extra: Any) -> Any:
        try:
            return check_derivative(f, answer, **options, **extra)
        except (TypeError, ValueError) as error:  # a parse error is a miss, not a crash
            return error

    for answer in exercise.get("right", []):
        tally["right"] += 1
        result = run(answer)
        if isinstance(result, Exception) or not result.ok:
            why = result if isinstance(result, Exception) else result.verdict
            misses.append(f"right answer refused: d {f!r} = {answer!r} ({why})")
        else:
            tally["right accepted"] += 1
            tally["right proved"] += int(result.proved)
    for answer in exercise.get("wrong", []):
        tally["wrong"] += 1
        result = run(answer)
        if isinstance(result, Exception) or result.verdict != "wrong":
            why = result if isinstance(result, Exception) else result.verdict
            misses.append(f"wrong answer not flagged: d {f!r} = {answer!r} ({why})")
        else:
            tally["wrong flagged"] += 1
    for trap in exercise.get("traps", []):
        tally["traps"] += 1
        result = run(trap["answer"], at=trap["at"])
        if isinstance(result, Exception):
            misses.append(f"trap failed to run: d {f!r} = {trap['answer']!r} ({result})")
        elif result.status[0] != "agrees":
            misses.append(
                f"not a trap (corpus error): {trap['answer']!r} does not agree with d {f!r} "
                f"at {trap['at']} ({result.status[0]})"
            )
        elif result.verdict != "wrong":
            misses.append(f"trap passed: d {f!r} = {trap['answer']!r} at {trap['at']}")
        else:
            tally["traps flagged"] += 1
    return tally, misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--verbose", action="store_true", help="print each exercise's tally")
    args = parser.parse_args(argv)

    exercises = load(args.corpus)
    total: Counter = Counter()
    topics: Counter = Counter()
    misses: list[str] = []
    start = time.perf_counter()
    for number, exercise in enumerate(exercises, 1):
        tally, missed = check_exercise(exercise)
        total.update(tally)
        topics[exercise.get("topic", "other")] += 1
        misses.extend(f"#{number}: {m}" for m in missed)
        if args.verbose:
            print(f"#{number} {exercise['f']!r}: {dict(tally)}")
    elapsed = time.perf_counter() - start

    print(f"corpus: {args.corpus.name}, {len(exercises)} exercises")
    print("topics: " + ", ".join(f"{t} {n}" for t, n in sorted(topics.items())))
    print(
        f"right answers accepted: {total['right accepted']}/{total['right']} "
        f"({total['right proved']} of them proved by simplification, the rest by random points)"
    )
    print(f"wrong answers flagged:  {total['wrong flagged']}/{total['wrong']}")
    print(f"traps flagged at their common point: {total['traps flagged']}/{total['traps']}")
    checks = total["right"] + total["wrong"] + total["traps"]
    print(
        f"time: {elapsed:.1f} s for {checks} checks ({1000 * elapsed / max(checks, 1):.0f} ms each)"
    )
    for miss in misses:
        print(f"MISS {miss}")
    failures = [f"{len(misses)} misses"] if misses else []
    if len(exercises) < 200 and args.corpus == CORPUS:
        failures.append(f"the corpus has {len(exercises)} exercises, fewer than 200")
    return verdict(failures)


if __name__ == "__main__":
    sys.exit(main())
