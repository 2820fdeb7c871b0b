"""Generating cases, running them in parallel, and the table of outcomes."""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from .command import cli_case
from .core import FAILURES, NOT_COUNTED, OUTCOMES, PREAMBLE, Case, CaseResult, Failure
from .interp import neural_case, spline_case
from .local import local_case
from .persist import persist_case, pickle_case
from .pool import Pool
from .pydelt import pydelt_case
from .regressions import mechanism
from .series import timeseries_case
from .symbolic import numeric_case, symbolic_case

#: Area -> (strategy, share of the full profile, cases in the quick profile). The shares follow
#: the outside campaign's (fuzz_findings.md): most inputs where most entry points are.
AREAS: dict[str, tuple[Callable[[], st.SearchStrategy[Case]], float, int]] = {
    "spline": (spline_case, 0.27, 44),
    "neural": (neural_case, 0.08, 20),
    "persist": (persist_case, 0.065, 16),
    "pickle": (pickle_case, 0.02, 6),
    "timeseries": (timeseries_case, 0.105, 32),
    "cli": (cli_case, 0.065, 16),
    "symbolic": (symbolic_case, 0.17, 38),
    "verify/numeric": (numeric_case, 0.065, 20),
    "local": (local_case, 0.10, 20),  # the local families (lla, glla, gold, lowess, loess, fda)
    "pydelt": (pydelt_case, 0.06, 12),  # PyDelt's names: derivatives, integrals, stochastic, ...
}


def generate(area: str, count: int, seed: int = 0) -> list[Case]:
    """``count`` independent draws from ``area``'s strategy, the same for the same ``seed``.

    Each case is drawn afresh from a seeded random source, as a fuzz campaign wants (Hypothesis's
    own test runner mutates its examples, so a few hundred of them cluster around a few inputs).
    Should Hypothesis's internals change, the runner's examples are used instead.
    """
    strategy = AREAS[area][0]()
    rng = random.Random(f"{area}:{seed}")
    try:
        from hypothesis.internal.conjecture.data import ConjectureData

        cases = []
        while len(cases) < count:
            data = ConjectureData(random=random.Random(rng.getrandbits(64)))
            try:
                cases.append(data.draw(strategy))
            except Exception as error:  # an impossible draw (e.g. Hypothesis's StopTest)
                if type(error).__name__ not in ("StopTest", "UnsatisfiedAssumption", "Frozen"):
                    raise
        return cases
    except (ImportError, TypeError, AttributeError):
        return _run_examples(strategy, count, seed)


def _run_examples(strategy: st.SearchStrategy[Case], count: int, seed: int) -> list[Case]:
    cases: list[Case] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @given(strategy)
    def collect(case: Case) -> None:
        cases.append(case)

    collect()
    return cases[:count]


@dataclass
class Report:
    """Counts by area and outcome, and every failure grouped by kind."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    kinds: dict[tuple[str, str, str, str], list[Failure]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    restarts: int = 0

    def add(self, case: Case, result: CaseResult) -> None:
        self.counts[case.area][result.outcome] += 1
        if result.outcome in NOT_COUNTED:
            if result.outcome == "harness" or len(self.notes) < 5:
                self.notes.append(f"{result.outcome}: {result.note}")
            return
        for failure in result.failures:
            key = (failure.outcome, failure.area, failure.label, failure.kind)
            self.kinds.setdefault(key, []).append(failure)

    @property
    def inputs(self) -> int:
        return sum(n for counts in self.counts.values() for o, n in counts.items() if o in OUTCOMES)

    @property
    def failed(self) -> int:
        return sum(counts[o] for counts in self.counts.values() for o in FAILURES)

    @property
    def harness_errors(self) -> int:
        return sum(counts["harness"] for counts in self.counts.values())

    def table(self) -> str:
        head = ["area", "calls", *OUTCOMES, "not counted"]
        rows = []
        total: Counter = Counter()
        for area in [a for a in AREAS if a in self.counts]:
            counts = self.counts[area]
            calls = sum(counts[o] for o in OUTCOMES)
            skipped = sum(counts[o] for o in NOT_COUNTED)
            rows.append([area, calls, *(counts[o] for o in OUTCOMES), skipped])
            total.update(counts)
        calls = sum(total[o] for o in OUTCOMES)
        rows.append(
            ["total", calls, *(total[o] for o in OUTCOMES), sum(total[o] for o in NOT_COUNTED)]
        )
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += [
            "| " + " | ".join(f"{v:,}" if isinstance(v, int) else v for v in row) + " |"
            for row in rows
        ]
        return "\n".join(lines)

    def failure_kinds(self) -> str:
        if not self.kinds:
            return "No failures."
        order = sorted(
            self.kinds,
            key=lambda k: (-FAILURES.index(k[0]) if k[0] in FAILURES else 0, k[1], k[2], k[3]),
        )
        lines = [
            f"{len(self.kinds)} failure kinds (first reproducer of each, after the preamble below):"
        ]
        for number, key in enumerate(order, 1):
            found = self.kinds[key]
            first = found[0]
            known = mechanism(first)
            tag = "#" + ", #".join(map(str, known.findings)) if known else "new"
            lines.append(
                f"{number:3d}. {first.outcome.upper()} x{len(found)} [{first.area}] {first.label}: "
                f"{first.kind} ({tag})"
            )
            lines.append(f"     {first.message}")
            lines.append(f"     {first.reproducer}")
        lines += ["", "Preamble:", PREAMBLE]
        return "\n".join(lines)


def run(
    cases: Sequence[Case],
    *,
    workers: int,
    limit: float,
    report: Report | None = None,
    progress: bool = False,
) -> Report:
    """Run ``cases`` on ``workers`` processes with ``limit`` seconds each."""
    report = report or Report()
    start = time.monotonic()
    done = 0
    with Pool(workers, limit) as pool:
        for index, result in pool.run(cases):
            report.add(cases[index], result)
            done += 1
            if progress and (done % 250 == 0 or done == len(cases)):
                rate = done / max(time.monotonic() - start, 1e-9)
                print(f"  {done:,}/{len(cases):,} cases, {rate:.0f}/s", file=sys.stderr, flush=True)
        report.restarts += pool.restarts
    report.seconds += time.monotonic() - start
    return report


def default_workers() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
