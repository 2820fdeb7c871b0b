"""Cases, the oracle that classes what a call did, and running one case (inside a worker).

A :class:`Case` is a list of one-line :class:`Step` statements that run, one after the other, in a
namespace prepared by :data:`PREAMBLE`. Build steps make the input (a failure there means the
generator asked for something impossible: the case is not counted); call steps exercise
pydelt_like and carry the checks their results must pass. A failing step's reproducer is the
preamble plus the statements that ran before it and the step itself, joined into one line.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any

#: What every reproducer runs after; the names the generated statements use.
PREAMBLE = """\
import numpy as np, pandas as pd, math, pickle, copy, datetime as dt, json, os, torch
from numpy import nan, inf
from decimal import Decimal
from fractions import Fraction
from pydelt_like import SplineInterpolator as S, NeuralNetworkInterpolator as N
from pydelt_like import symbolic as sym, timeseries as ts, verify, numeric
from pydelt_like.cli import main as cli
from pydelt_like import LlaInterpolator as LLA, GllaInterpolator as GLLA, GoldInterpolator as GOLD
from pydelt_like import LowessInterpolator as LOWESS, LoessInterpolator as LOESS, FdaInterpolator as FDA
from pydelt_like import derivatives as pdd, integrals as pdi, stochastic as pds, multivariate as pdm
NS = dict(hidden_layers=[8], epochs=5, lbfgs_iterations=5, n_members=2, random_state=0)
def longer(x): return np.zeros(np.size(x) + 1)   # a user callable returning the wrong shape
def shorter(x): return np.zeros(max(np.size(x) - 1, 0))
def words(x): return np.full(np.shape(x), 'a')
def nothing(x): return None
def nans(x): return np.full(np.shape(x), nan)
def cplx(x): return np.asarray(x) * (1 + 1j)
def listed(x): return [float(v) ** 2 for v in np.ravel(x)]
def scalar_only(x): return math.sin(x)             # math.sin refuses arrays
class UserError(Exception): pass
def raising(x): raise UserError('raised by the user callable')
class Evil:                                          # a pickle payload that writes a marker file
    def __reduce__(self): return (open, ("PWNED", "w"))
"""

#: Outcomes, mildest first; a case takes the worst outcome of its steps.
OUTCOMES = ("valid", "clear", "silent", "deep", "hang", "unsafe")
#: Outcomes that are failures of the package (``make fuzz`` exits non-zero on any of them).
FAILURES = ("silent", "deep", "hang", "unsafe")
#: Not counted as inputs: the generator asked for something that could not be built, or a check
#: itself broke (a bug in the harness; reported separately, expected to be zero).
NOT_COUNTED = ("unbuildable", "harness")

_OS_ERRORS = (
    OSError,
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)
_MARKER = "PWNED"
#: Python's own message for a call with the wrong arguments (raised before any code of ours runs).
_ARITY = re.compile(
    r"(missing \d+ required|takes \d+ positional|takes from \d+ to \d+|got an unexpected keyword|"
    r"got multiple values for|takes no arguments)"
)


@dataclass(frozen=True)
class Step:
    """One statement of a case.

    Attributes
    ----------
    label : str
        The entry point it exercises, e.g. ``'SplineInterpolator.fit'`` (used to group failures).
    code : str
        One line of Python (statements may be joined with ``;``), run in the case's namespace.
    kind : {'build', 'call'}
        A build step makes the input; its failure makes the case "unbuildable", not counted.
    checks : tuple of (str, dict)
        Checks (names in :data:`fuzz.checks.CHECKS`) to run on the namespace after the step.
    chain : bool
        Whether later steps need this one; if it fails, the case stops there.
    paths : bool
        Whether an OSError naming a path is an acceptable, clear error here (save, load, files).
    """

    label: str
    code: str
    kind: str = "call"
    checks: tuple[tuple[str, dict[str, Any]], ...] = ()
    chain: bool = True
    paths: bool = False

    def __post_init__(self) -> None:
        if "\n" in self.code:
            raise ValueError(f"a step is one line of code, got {self.code!r}")


@dataclass(frozen=True)
class Case:
    """One generated input: an area of the table and the steps to run."""

    area: str
    steps: tuple[Step, ...]
    files: bool = False  # runs in a fresh directory of its own (files, marker checks)
    limit: float | None = None  # seconds, when shorter than the run's per-call limit

    def reproducer(self, upto: int, ran: tuple[int, ...] | None = None) -> str:
        """One line: the build/call statements before step ``upto`` that ran, then that step."""
        before = range(upto) if ran is None else [i for i in ran if i < upto]
        return "; ".join([*(self.steps[i].code for i in before), self.steps[upto].code])


@dataclass
class Failure:
    """A failing step: its outcome, the kind of failure (for grouping) and a reproducer."""

    outcome: str
    area: str
    label: str
    kind: str
    message: str
    reproducer: str


@dataclass
class CaseResult:
    """The outcome of a case (its worst step) and every failing step."""

    outcome: str
    failures: list[Failure] = field(default_factory=list)
    note: str = ""
    seconds: float = 0.0  # wall time, as the parent saw it


# ------------------------------------------------------------------------------------- oracle
def _package_dir() -> str:
    import pydelt_like

    return os.path.dirname(os.path.abspath(pydelt_like.__file__)) + os.sep


def _clear_types() -> tuple[type, ...]:
    from pydelt_like.base import NotFittedError
    from pydelt_like.symbolic import ParseError

    return (ValueError, TypeError, NotImplementedError, NotFittedError, ParseError)


def where_raised(error: BaseException) -> str:
    """Where ``error`` was raised: ``'pydelt_like/x.py'``, a package name, 'python' or 'case'."""
    tb = error.__traceback__
    last = None
    while tb is not None:
        last, tb = tb, tb.tb_next
    if last is None:
        return "unknown"
    filename = os.path.abspath(last.tb_frame.f_code.co_filename)
    package = _package_dir()
    if filename.startswith(package):
        return "pydelt_like/" + filename[len(package) :].replace(os.sep, "/")
    if last.tb_frame.f_code.co_filename == "<fuzz>":
        # A lambda written in the case is the user's callable; the statement itself is the case.
        return "case" if last.tb_frame.f_code.co_name == "<module>" else "user callable"
    if last.tb_frame.f_code.co_filename == "<preamble>":  # the preamble's user callables
        return "user callable"
    parts = filename.replace(os.sep, "/").split("/")
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    return "python"


def first_line(error: BaseException, limit: int = 160) -> str:
    text = str(error).strip().splitlines()
    line = text[0] if text else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def classify(error: BaseException, step: Step) -> tuple[str, str]:
    """(outcome, kind) of an exception a step raised: 'clear' or 'deep', and how to group it."""
    kind = type(error).__name__
    where = where_raised(error)
    if kind == "UserError" or where == "user callable":  # passing the user's error on is right
        return "clear", f"{kind} (propagated)"
    if type(error) is TypeError and where == "case" and _ARITY.search(str(error)):
        return "clear", "TypeError (Python's own argument check)"
    if not str(error).strip():
        return "deep", f"{kind} without a message, in {where}"
    if step.paths and type(error) in _OS_ERRORS:
        return "clear", f"{kind} (path)"
    ours = where.startswith("pydelt_like/")
    if ours and type(error) in _clear_types():
        return "clear", kind
    # The package's own subclasses of the documented types (e.g. NonFiniteConstantError); a
    # library's subclass (statistics.StatisticsError, numpy's AxisError) is no documented type.
    if (
        ours
        and isinstance(error, (ValueError, TypeError))
        and type(error).__module__.split(".")[0] == "pydelt_like"
    ):
        return "clear", kind
    if type(error) in (ImportError, ModuleNotFoundError) and where.startswith("pydelt_like/"):
        return "clear", kind
    return "deep", f"{kind} in {where}"


def worst(outcomes: list[str]) -> str:
    ranked = [o for o in outcomes if o in OUTCOMES]
    if not ranked:
        return "valid"
    return max(ranked, key=OUTCOMES.index)


# ------------------------------------------------------------------------------ command line
def instrumented_cli(record: dict[str, Any]) -> Any:
    """``cli(argv)`` as in the preamble, recording exit status, output and swallowed errors.

    The command prints every error it catches as one line; the exception behind that line is
    recorded too, so that a crash from inside a dependency still counts as one ("printed").
    """

    def cli(argv: list[str]) -> Any:
        import importlib

        import pydelt_like.cli as command

        # The function that does the work: cli._diff.run (a package), or cli._diff (a module).
        try:
            owner, name = importlib.import_module("pydelt_like.cli._diff"), "run"
        except ImportError:
            owner, name = command, "_diff"
        record.clear()
        original = getattr(owner, name)

        def spy(*args: Any, **kwargs: Any) -> Any:
            try:
                return original(*args, **kwargs)
            except BaseException as error:
                record["error"] = error
                raise

        setattr(owner, name, spy)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = command.main(argv)
                except SystemExit as exit_:
                    code = exit_.code
        finally:
            setattr(owner, name, original)
            record.update(out=out.getvalue(), err=err.getvalue())
        record["code"] = code
        return code

    return cli


# ------------------------------------------------------------------------------- running
def base_namespace() -> dict[str, Any]:
    """The preamble's names (with the instrumented ``cli``), built once per worker."""
    namespace: dict[str, Any] = {"__name__": "__fuzz__"}
    exec(compile(PREAMBLE, "<preamble>", "exec"), namespace)
    record: dict[str, Any] = {}
    namespace["cli"] = instrumented_cli(record)
    namespace["_cli"] = record
    return namespace


def run_case(case: Case, base: dict[str, Any], progress: Any = None) -> CaseResult:
    """Run every step of ``case`` in a copy of ``base`` and class the outcome.

    ``progress`` (a shared value with ``.value``, or None) receives the index of the running
    step and, in ``progress.ran``, a bit mask of the steps that completed: if the worker is
    killed for overrunning, the parent still knows where it was.
    """
    from .verdicts import CHECKS

    namespace = dict(base)
    namespace["_cli"] = base["_cli"]
    outcomes: list[str] = []
    failures: list[Failure] = []
    ran: list[int] = []
    for index, step in enumerate(case.steps):
        if progress is not None:
            progress.step.value = index
        error: BaseException | None = None
        try:
            code = compile(step.code, "<fuzz>", "exec")
        except SyntaxError as exc:  # the generator wrote bad code: a bug of the harness
            return CaseResult("harness", note=f"{step.code}: {exc}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                exec(code, namespace)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # SystemExit, MemoryError, RecursionError included
                error = exc
        if case.files and os.path.exists(_MARKER):  # whether the call returned or raised
            reproducer = case.reproducer(index, tuple(ran))
            failures.append(
                Failure(
                    "unsafe",
                    case.area,
                    step.label,
                    "foreign code ran",
                    "the marker file was written",
                    reproducer,
                )
            )
            outcomes.append("unsafe")
            break
        if error is not None:
            if step.kind == "build":
                return CaseResult("unbuildable", note=f"{step.code}: {first_line(error)}")
            outcome, kind = classify(error, step)
            outcomes.append(outcome)
            if outcome != "clear":
                failures.append(
                    Failure(
                        outcome,
                        case.area,
                        step.label,
                        kind,
                        first_line(error),
                        case.reproducer(index, tuple(ran)),
                    )
                )
            if step.chain:
                break
            continue
        ran.append(index)
        if progress is not None:
            progress.ran.value |= 1 << min(index, 62)
        warned = any(_ours(w) for w in caught)
        for name, params in step.checks:
            try:
                verdict = CHECKS[name](namespace, warned=warned, **params)
            except Exception as exc:
                detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                return CaseResult("harness", note=f"check {name} on {step.code}: {detail}")
            if verdict is None:
                continue
            outcome, kind, message = verdict
            outcomes.append(outcome)
            if outcome == "clear":  # e.g. the command's exit status 1 with its one-line error
                continue
            failures.append(
                Failure(
                    outcome,
                    case.area,
                    step.label,
                    kind,
                    message,
                    case.reproducer(index, tuple(ran)),
                )
            )
        if step.kind == "call":
            outcomes.append("valid")
    return CaseResult(worst(outcomes), failures)


def _ours(message: warnings.WarningMessage) -> bool:
    """A warning pydelt_like itself gave (UserWarning and kin, not NumPy's RuntimeWarnings)."""
    category = message.category
    module = getattr(category, "__module__", "")
    if module.split(".")[0] in ("numpy", "scipy", "torch", "pandas", "matplotlib", "dask"):
        return False
    return issubclass(category, UserWarning)
