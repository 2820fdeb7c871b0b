"""PyDelt's own test suite, run on PyDelt and on pydelt_like with only the imports changed.

The script downloads the PyDelt 0.8.0 wheel at run time (``pip download --no-deps``) into a
temporary directory and unpacks it (without a network it falls back to an installed PyDelt
0.8.0, whose wheel ships the same tests); nothing of PyDelt's is kept in this repository. It then
runs the wheel's ``pydelt/tests`` twice, in parallel:

1. on PyDelt itself (the unpacked package, first on ``sys.path``);
2. on a copy in which every import of ``pydelt`` names ``pydelt_like`` instead (``from
   pydelt.X import`` and ``from ..X import`` become ``from pydelt_like.X import``, and the
   module paths given to ``unittest.mock.patch``), and nothing else changes.

It prints one row per test (PyDelt on itself, pydelt_like, and the documented reason for any
exception) and the counts.

Bar (issue 16): every test PyDelt passes on its own code passes on pydelt_like, except the
tests listed in ``EXCEPTIONS`` below: tests of PyDelt's private internals, tests asserting
PyDelt's wrong answers, and at most four that conflict with a deliberate, documented
difference of ours. Each is named, with its reason, in ``docs/pydelt-migration.md``. Exits
non-zero on a miss (or when the exceptions of the third kind exceed four).

Run: ``python benchmarks/pydelt_suite.py [--wheel PATH] [--timeout SECONDS] [-k EXPR]``
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import verdict

ROOT = Path(__file__).resolve().parent.parent
VERSION = "0.8.0"
#: Most exceptions allowed for deliberate, documented differences (the issue's bar).
MAX_DIFFERENCES = 4

PRIVATE = "private"  # tests PyDelt's internals
WRONG = "wrong"  # asserts one of PyDelt's wrong answers
DIFFERENCE = "difference"  # conflicts with a deliberate, documented difference

#: Tests PyDelt passes that pydelt_like is allowed to fail, with the reason (also in
#: docs/pydelt-migration.md, which tests/test_pydelt_api_docs.py keeps in step).
EXCEPTIONS: dict[str, tuple[str, str]] = {
    "test_multivariate.py::TestMultivariateDerivatives::test_jacobian_vector_function": (
        WRONG,
        "expects d(xy)/dx = d(xy)/dy = 0 at (1, 1); the truth (and our answer) is 1",
    ),
    "test_stochastic_derivatives.py::TestStochasticLinkFunctions::test_lognormal_link": (
        WRONG,
        "expects a positive Stratonovich correction; the Stratonovich chain rule has none",
    ),
    "test_universal_differentiation.py::TestDifferentiationErrorHandling"
    "::test_invalid_derivative_order": (
        DIFFERENCE,
        "differentiate(order=0) is the fit itself here; PyDelt raises",
    ),
    "test_interpolation_advanced.py::test_neural_network_interpolation_out_of_domain": (
        DIFFERENCE,
        "evaluation outside the fitted range raises here (x = -100, 100, 1e6 on [0, 2 pi]); "
        "PyDelt extrapolates",
    ),
    "test_autodiff.py::test_neural_network_derivative_out_of_domain": (
        DIFFERENCE,
        "evaluation outside the fitted range raises here (x = -100, 100, 1e6 on [0, 2 pi]); "
        "PyDelt extrapolates",
    ),
}

_RELATIVE = re.compile(r"^(\s*from\s+)\.\.(\w+)(\s+import\b)", re.MULTILINE)
_MODULE = re.compile(r"\bpydelt\b(?!_)")


def rewrite_imports(source: str) -> str:
    """``pydelt`` -> ``pydelt_like`` in imports and patched module paths; nothing else.

    >>> rewrite_imports("from pydelt.interpolation import (A,\\n    B)\\n")
    'from pydelt_like.interpolation import (A,\\n    B)\\n'
    >>> rewrite_imports("from ..stochastic import X")
    'from pydelt_like.stochastic import X'
    >>> rewrite_imports("with patch('pydelt.multivariate.FLAG', False):")
    "with patch('pydelt_like.multivariate.FLAG', False):"
    >>> rewrite_imports("# pydelt is not renamed in comments")
    '# pydelt is not renamed in comments'
    """
    source = _RELATIVE.sub(r"\1pydelt_like.\2\3", source)
    lines = []
    for line in source.splitlines(keepends=True):
        stripped = line.lstrip()
        is_import = stripped.startswith(("from pydelt", "import pydelt"))
        is_patch = "patch(" in line and ("'pydelt." in line or '"pydelt.' in line)
        lines.append(_MODULE.sub("pydelt_like", line) if is_import or is_patch else line)
    return "".join(lines)


@dataclass(frozen=True)
class Run:
    """Outcomes of one pytest run: test id -> 'passed', 'failed', 'error' or 'skipped'."""

    outcomes: dict[str, str]
    seconds: float
    returncode: int


def fetch_wheel(target: Path, wheel: str | None) -> Path:
    """The PyDelt wheel: the one given, or downloaded now with pip.

    Where pip cannot download it (no network), the installed PyDelt is used instead when it is
    version 0.8.0 and ships its tests (the wheel's files, as pip installed them).
    """
    if wheel:
        return Path(wheel)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--quiet",
        f"pydelt=={VERSION}",
        "-d",
        str(target),
    ]
    done = subprocess.run(command, check=False)
    found = sorted(target.glob(f"pydelt-{VERSION}-*.whl"))
    if found:
        return found[0]
    installed = installed_package()
    if installed is None:
        raise SystemExit(
            f"pip download failed (exit {done.returncode}) and no installed pydelt {VERSION} "
            "with its tests was found: pass --wheel PATH"
        )
    print(f"pip download failed (exit {done.returncode}): using the installed {installed}")
    return installed


def installed_package() -> Path | None:
    """The installed ``pydelt`` package directory, if it is 0.8.0 and ships ``tests/``."""
    from importlib import metadata

    try:
        distribution = metadata.distribution("pydelt")
    except metadata.PackageNotFoundError:
        return None
    package = Path(str(distribution.locate_file("pydelt")))
    if distribution.version != VERSION or not (package / "tests").is_dir():
        return None
    return package


def run_pytest(
    tests: Path, rootdir: Path, pythonpath: list[Path], timeout: float, select: str | None
) -> Run:
    """Run pytest on ``tests`` and read its JUnit XML."""
    import time

    report = rootdir / f"junit-{tests.parent.name}.xml"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    env.setdefault("OMP_NUM_THREADS", "1")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "--continue-on-collection-errors",
        "-p",
        "no:cacheprovider",
        "--import-mode=importlib",
        f"--rootdir={rootdir}",
        f"--junitxml={report}",
        "-o",
        "junit_family=xunit1",
        "-W",
        "ignore::DeprecationWarning",
        str(tests),
    ]
    if select:
        command += ["-k", select]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=rootdir, env=env, timeout=timeout, capture_output=True, text=True
        )
        code = done.returncode
    except subprocess.TimeoutExpired:
        code = -1
    seconds = time.perf_counter() - start
    return Run(
        outcomes=read_junit(report, tests) if report.exists() else {},
        seconds=seconds,
        returncode=code,
    )


def read_junit(report: Path, tests: Path) -> dict[str, str]:
    """Test id (``file.py::Class::name``) -> outcome, from pytest's JUnit XML."""
    outcomes = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        file = case.get("file") or ""
        classname = case.get("classname", "")
        name = case.get("name", "")
        parts = classname.split(".")
        module = next((p for p in parts if p.startswith("test_")), "")
        classes = parts[parts.index(module) + 1 :] if module in parts else []
        key = "::".join([Path(file).name if file else f"{module}.py", *classes, name])
        if case.find("failure") is not None:
            outcome = "failed"
        elif case.find("error") is not None:
            outcome = "error"
        elif case.find("skipped") is not None:
            outcome = "skipped"
        else:
            outcome = "passed"
        outcomes[key] = outcome
    return outcomes


def prepare(work: Path, wheel: Path) -> tuple[Path, Path]:
    """Unpack PyDelt (for the run on itself) and a rewritten copy of its tests (for ours)."""
    own = work / "pydelt-own"
    if wheel.is_dir():  # an installed package (fetch_wheel's fallback)
        shutil.copytree(wheel, own / "pydelt", ignore=shutil.ignore_patterns("__pycache__"))
    else:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(own)
    ours = work / "pydelt-like" / "pydelt_tests"
    ours.mkdir(parents=True)
    for path in sorted((own / "pydelt" / "tests").glob("test_*.py")):
        (ours / path.name).write_text(rewrite_imports(path.read_text()))
    return own / "pydelt" / "tests", ours


def table(own: Run, ours: Run) -> tuple[list[str], dict[str, int]]:
    """Print the per-test table; return the missed bars and the counts."""
    names = sorted(set(own.outcomes) | set(ours.outcomes))
    width = max((len(n) for n in names), default=20)
    print(f"\n{'test':<{width}}  {'PyDelt':<8}  {'ours':<8}  note")
    missed = []
    counts = {
        "tests": len(names),
        "pydelt_passed": 0,
        "ours_passed": 0,
        "both": 0,
        "excepted": 0,
        "ours_only": 0,
    }
    for name in names:
        theirs = own.outcomes.get(name, "missing")
        mine = ours.outcomes.get(name, "missing")
        note = ""
        counts["pydelt_passed"] += theirs == "passed"
        counts["ours_passed"] += mine == "passed"
        if theirs == "passed" and mine == "passed":
            counts["both"] += 1
        elif theirs == "passed":
            if name in EXCEPTIONS:
                kind, reason = EXCEPTIONS[name]
                counts["excepted"] += 1
                note = f"exception ({kind}): {reason}"
            else:
                note = "MISS"
                missed.append(f"{name}: PyDelt passes it on its own code, pydelt_like {mine}")
        elif mine == "passed":
            counts["ours_only"] += 1
            note = "passes here only"
        print(f"{name:<{width}}  {theirs:<8}  {mine:<8}  {note}")
    differences = sum(kind == DIFFERENCE for kind, _ in EXCEPTIONS.values())
    if differences > MAX_DIFFERENCES:
        missed.append(
            f"{differences} exceptions for deliberate differences (at most "
            f"{MAX_DIFFERENCES} allowed)"
        )
    return missed, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="use this PyDelt wheel instead of downloading it")
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        help="seconds allowed for each of the two pytest runs",
    )
    parser.add_argument("-k", dest="select", help="pytest -k expression (both runs)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="pydelt-suite-"))
    try:
        wheel = fetch_wheel(work / "wheel", args.wheel)
        own_tests, our_tests = prepare(work, wheel)
        print(
            f"PyDelt {VERSION} from {wheel.name}; tests: "
            f"{len(list(own_tests.glob('test_*.py')))} files; work directory: {work}"
        )
        with ThreadPoolExecutor(max_workers=2) as pool:
            own_job = pool.submit(
                run_pytest,
                own_tests,
                own_tests.parent.parent,
                [own_tests.parent.parent],
                args.timeout,
                args.select,
            )
            our_job = pool.submit(
                run_pytest, our_tests, our_tests.parent, [ROOT], args.timeout, args.select
            )
            own, ours = own_job.result(), our_job.result()
        missed, counts = table(own, ours)
        for label, run in (("PyDelt on itself", own), ("pydelt_like", ours)):
            if not run.outcomes:
                missed.append(f"{label}: pytest reported nothing (exit {run.returncode})")
            print(
                f"{label}: {sum(v == 'passed' for v in run.outcomes.values())} of "
                f"{len(run.outcomes)} passed in {run.seconds:.0f} s"
            )
        print(
            f"\n{counts['pydelt_passed']} tests pass on PyDelt; of those, "
            f"{counts['both']} pass on pydelt_like and {counts['excepted']} are documented "
            f"exceptions; {counts['ours_only']} more pass on pydelt_like only."
        )
        return verdict(missed)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
