"""``python -m tests.fuzz``: the full profile (``make fuzz``).

Generates at least ``--inputs`` cases (10,000 by default) over every area, runs them on every core
with a per-call time limit, prints the table of outcomes by area and the first reproducer of each
failure kind, and exits with status 1 when any deep crash, silent result, hang or unsafe load
remains (or the harness itself broke), else 0.
"""

from __future__ import annotations

import argparse
import sys
import time

from .profile import AREAS, Report, default_workers, generate, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fuzz", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--inputs", type=int, default=10_000, help="inputs to run, at least (default 10000)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generators (default 0)")
    parser.add_argument("--limit", type=float, default=20.0, help="seconds per call (default 20)")
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="processes (default: one per core)"
    )
    parser.add_argument(
        "--area", action="append", choices=list(AREAS), help="only these areas (repeatable)"
    )
    args = parser.parse_args(argv)
    areas = args.area or list(AREAS)
    shares = {area: AREAS[area][1] for area in areas}
    total_share = sum(shares.values())
    report = Report()
    begin = time.monotonic()
    seed = args.seed
    for round_ in range(4):  # top up while unbuildable cases leave the count short
        missing = args.inputs - report.inputs
        if missing <= 0:
            break
        cases = []
        for area in areas:
            count = max(1, round(missing * 1.05 * shares[area] / total_share))
            cases += generate(area, count, seed=seed + 1000 * round_)
        print(
            f"generated {len(cases):,} cases in {time.monotonic() - begin:.0f} s; running on "
            f"{args.workers} workers, {args.limit:g} s per call",
            file=sys.stderr,
            flush=True,
        )
        run(cases, workers=args.workers, limit=args.limit, report=report, progress=True)
    print()
    print(
        f"pydelt_like fuzz: {report.inputs:,} inputs, seed {args.seed}, {args.limit:g} s per call, "
        f"{args.workers} workers, {time.monotonic() - begin:.0f} s ({report.restarts} workers replaced)"
    )
    print()
    print(report.table())
    print()
    for note in report.notes:
        print(f"note: {note}")
    print(report.failure_kinds())
    failed = report.failed or report.harness_errors or report.inputs < args.inputs
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
