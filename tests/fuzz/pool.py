"""Worker processes that run cases under a per-call time limit.

A case that overruns is not interrupted politely (native code in torch or LAPACK may never return
to Python): its worker is killed and replaced. Workers are forked from a forkserver that has
already imported NumPy, SciPy, pandas, torch, SymPy and pydelt_like, so a replacement starts in
well under a second; each worker runs one case at a time, on one thread, in a directory of its own,
with its address space capped so that an absurd allocation fails instead of swapping the machine.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from .core import Case, CaseResult, Failure

#: Address space per worker: enough for any tiny fit, far less than the machine has.
MEMORY_LIMIT = 3 * 2**30
#: How long a new worker may take to import everything and say it is ready.
START_LIMIT = 180.0


class _Progress:
    def __init__(self, ctx: Any) -> None:
        self.step = ctx.Value("i", 0, lock=False)
        self.ran = ctx.Value("q", 0, lock=False)


def _worker(conn: Connection, progress: _Progress, memory: int) -> None:
    """Run cases sent over ``conn`` until told to stop (``None``)."""
    import warnings

    preloaded = "torch" in sys.modules
    os.environ["OMP_NUM_THREADS"] = "1"
    # Progress bars and warnings of the cases would only clutter the runner's output.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    import torch

    from . import preload  # noqa: F401  # already imported in the forkserver

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    try:  # progress bars would otherwise make a semaphore that a killed worker leaks
        import tqdm

        tqdm.tqdm.set_lock(threading.RLock())
    except ImportError:
        pass
    from .core import base_namespace, run_case

    base = base_namespace()
    home = os.getcwd()
    conn.send(("ready", preloaded))
    while True:
        case = conn.recv()
        if case is None:
            return
        progress.step.value = 0
        progress.ran.value = 0
        workdir = tempfile.mkdtemp(prefix="pydelt-fuzz-")
        os.chdir(workdir)
        try:
            result = run_case(case, base, progress)
        finally:
            os.chdir(home)
            shutil.rmtree(workdir, ignore_errors=True)
        conn.send(("done", result))


@dataclass
class _Slot:
    process: Any
    conn: Connection
    progress: _Progress
    job: tuple[int, Case] | None = None
    deadline: float = 0.0
    started: float = 0.0
    ready: bool = False


def _context(method: str | None) -> Any:
    if method is None:
        method = (
            "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        )
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload([f"{__package__}.preload"])
        _start_forkserver()
    return ctx


def _start_forkserver() -> None:
    """Start the forkserver where it can import this package (it ignores the parent's
    sys.path before Python 3.12, and under pytest this package is found through it)."""
    from multiprocessing import forkserver

    root = os.path.dirname(os.path.abspath(__file__))
    for _ in (__package__ or "").split("."):
        root = os.path.dirname(root)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([root, *([old] if old else [])])
    try:
        forkserver.ensure_running()
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old


class Pool:
    """``workers`` processes running cases with a limit of ``limit`` seconds each.

    Use as a context manager; :meth:`run` yields ``(index, CaseResult)`` as cases finish.
    """

    def __init__(
        self,
        workers: int,
        limit: float,
        memory: int = MEMORY_LIMIT,
        method: str | None = None,
    ) -> None:
        self.workers = max(1, int(workers))
        self.limit = float(limit)
        self.memory = memory
        self.ctx = _context(method)
        self.slots: list[_Slot] = []
        self.restarts = 0
        self.preloaded: bool | None = None  # whether workers start with the imports done

    def __enter__(self) -> Pool:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        self.slots = [self._start() for _ in range(self.workers)]
        return self

    def __exit__(self, *exc: object) -> None:
        for slot in self.slots:
            try:
                slot.conn.send(None)
            except (OSError, ValueError):
                pass
        for slot in self.slots:
            slot.process.join(timeout=5)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join()

    def _start(self) -> _Slot:
        parent, child = self.ctx.Pipe()
        progress = _Progress(self.ctx)
        process = self.ctx.Process(target=_worker, args=(child, progress, self.memory), daemon=True)
        process.start()
        child.close()
        return _Slot(process, parent, progress, deadline=time.monotonic() + START_LIMIT)

    def _replace(self, slot: _Slot) -> _Slot:
        if slot.process.is_alive():
            slot.process.kill()
        slot.process.join()
        slot.conn.close()
        self.restarts += 1
        fresh = self._start()
        self.slots[self.slots.index(slot)] = fresh
        return fresh

    def run(self, cases: Sequence[Case]) -> Iterator[tuple[int, CaseResult]]:
        pending = deque(enumerate(cases))
        while pending or any(slot.job for slot in self.slots):
            now = time.monotonic()
            for slot in list(self.slots):
                if slot.ready and slot.job is None and pending:
                    slot.job = pending.popleft()
                    slot.started = now
                    slot.deadline = now + self._limit(slot.job[1])
                    slot.conn.send(slot.job[1])
            waiting = [slot for slot in self.slots if slot.job is not None or not slot.ready]
            if not waiting:
                continue
            timeout = max(0.0, min(slot.deadline for slot in waiting) - now)
            ready = set(wait([slot.conn for slot in waiting], timeout=timeout))
            for slot in list(waiting):
                if slot.conn in ready:
                    try:
                        kind, payload = slot.conn.recv()
                    except (EOFError, OSError):
                        yield from self._died(slot)
                        continue
                    if kind == "ready":
                        slot.ready = True
                        self.preloaded = payload
                    else:
                        assert slot.job is not None
                        index, _ = slot.job
                        slot.job = None
                        payload.seconds = time.monotonic() - slot.started
                        yield index, payload
                elif time.monotonic() >= slot.deadline:
                    if slot.job is None:
                        raise RuntimeError("a fuzz worker did not start in time")
                    yield self._timed_out(slot)

    def _limit(self, case: Case) -> float:
        return min(self.limit, case.limit) if case.limit else self.limit

    def _died(self, slot: _Slot) -> Iterator[tuple[int, CaseResult]]:
        slot.process.join(timeout=5)
        code = slot.process.exitcode
        job = slot.job
        self._replace(slot)
        if job is None:
            if self.restarts > 10 * self.workers + 10:
                raise RuntimeError(f"fuzz workers keep dying at start (exit code {code})")
            return
        index, case = job
        at = slot.progress.step.value  # the dead worker's shared values are still readable
        ran = _bits(slot.progress.ran.value, at)
        label = case.steps[at].label
        failure = Failure(
            "deep",
            case.area,
            label,
            f"worker died (exit code {code})",
            f"the process running the case ended with exit code {code}",
            case.reproducer(at, ran),
        )
        yield index, CaseResult("deep", [failure])

    def _timed_out(self, slot: _Slot) -> tuple[int, CaseResult]:
        assert slot.job is not None
        index, case = slot.job
        at = slot.progress.step.value
        ran = _bits(slot.progress.ran.value, at)
        limit = self._limit(case)
        self._replace(slot)
        if case.steps[at].kind == "build":
            return index, CaseResult("unbuildable", note=f"building took over {limit:g} s")
        failure = Failure(
            "hang",
            case.area,
            case.steps[at].label,
            "over the time limit",
            f"still running after {limit:g} s",
            case.reproducer(at, ran),
        )
        return index, CaseResult("hang", [failure])


def _bits(mask: int, below: int) -> tuple[int, ...]:
    return tuple(i for i in range(min(below, 63)) if mask >> i & 1)
