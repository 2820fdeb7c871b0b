"""Where a network lives: torch, imported on first use, the device a name resolves to, and
how many CPU threads a fit uses."""

from __future__ import annotations

import itertools
import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "MAX_THREADS",
    "auto_threads",
    "device_available",
    "intra_op_threads",
    "resolve_device",
    "torch_module",
    "training_threads",
]

MAX_THREADS = 1024  # more than any CPU this runs on has cores: a guard against typos
# Multiply-adds per training step that pay for a second intra-op thread: on a quiet 2-core
# machine whole fits took 0.7-0.8x the time of one thread from ~1.4e7 (1,000 samples for the
# default ensemble, 1-D and 2-D, up to 5.5e7) and 0.8-1.1x below 7e6; beside a competing
# process a second thread costs far more than it saves (1.1-40x slower, measured), which the
# load check below prevents. Steps of 256-sample mini-batches (large data) stay on one.
_SECOND_THREAD_WORK = 1.4e7
# Beyond two threads (not measured here, on 2 cores): one per this much work, the rule that
# held before the second thread's threshold was measured.
_WORK_PER_THREAD = 5e7
_LOAD_WINDOW_S = 60.0  # the time constant of the 1-minute load average


def torch_module() -> Any:
    """The ``torch`` module, imported here so that ``import pydelt_like`` does not import it."""
    import torch

    return torch


def resolve_device(device: Any) -> Any:
    """The ``torch.device`` that ``device`` names.

    Parameters
    ----------
    device : 'auto', str or torch.device
        ``'auto'`` is CUDA when ``torch.cuda.is_available()``, else the CPU; ``'cpu'``,
        ``'cuda'``, ``'cuda:1'`` and ``torch.device`` objects are taken as given.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        For an unknown device string, or CUDA asked for where it is not available.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    torch = torch_module()
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device, got {device!r}"
        ) from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} asks for CUDA, which is not available here")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r}: only {torch.cuda.device_count()} CUDA device(s) here"
            )
    elif resolved.type != "cpu":
        raise ValueError(f"device must be a CPU or CUDA device, got {device!r}")
    return resolved


def device_available(name: str) -> bool:
    """Whether :func:`resolve_device` accepts ``name`` on this machine."""
    try:
        resolve_device(name)
    except ValueError:
        return False
    return True


def auto_threads(work: float) -> int:
    """The intra-op threads that pay off for training steps of ``work`` multiply-adds.

    A second thread from ``_SECOND_THREAD_WORK``, more at one per ``_WORK_PER_THREAD``; at most
    torch's current setting, and at most the cores that other processes leave idle (the load
    average less this process's own part, rounded: a competitor is counted once it keeps a
    core half busy), where the system reports a load average: threads that wait for a busy
    core slow every step down.
    """
    torch = torch_module()
    available = torch.get_num_threads()
    try:
        others = max(0.0, os.getloadavg()[0] - _own_load())
        idle = (os.cpu_count() or 1) - math.floor(others + 0.5)
    except (AttributeError, OSError):  # no load average (Windows)
        idle = available
    wanted = max(int(work // _WORK_PER_THREAD), 2 if work >= _SECOND_THREAD_WORK else 1)
    return max(1, min(available, idle, wanted))


class _OwnLoad:
    """This process's part of the 1-minute load average, followed as the kernel follows the
    load: at each call the busy threads since the last (CPU time over wall time) enter an
    exponential average of time constant ``_LOAD_WINDOW_S``.

    Without it, a process that had trained for a minute read its own load as another's and
    kept to one thread on an otherwise idle machine (measured: 1.5-1.8x slower fits at 2,000
    samples). A process just started, or idle for minutes, adds almost nothing, so a
    competing process is still seen. Fits running side by side in threads of one process
    count as its own load; a forked child (whose CPU clock restarts) counts nothing at first.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.wall, self.cpu, self.level = time.monotonic(), time.process_time(), 0.0

    def __call__(self) -> float:
        with self._lock:
            wall, cpu = time.monotonic(), time.process_time()
            elapsed = wall - self.wall
            if elapsed > 0.0:
                busy = max(0.0, cpu - self.cpu) / elapsed
                kept = math.exp(-elapsed / _LOAD_WINDOW_S)
                self.level = self.level * kept + busy * (1.0 - kept)
                self.wall, self.cpu = wall, cpu
            return self.level


_own_load = _OwnLoad()


@contextmanager
def intra_op_threads(count: int | None) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(count)``; the caller's setting is restored
    afterwards, also when the block raises. ``None`` leaves the setting alone."""
    torch = torch_module()
    before = torch.get_num_threads()
    if count is None or count == before:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def training_threads(layout: Any, n_samples: int, num_threads: Any, device: Any) -> int | None:
    """The intra-op threads for training an ``EnsembleLayout`` on ``n_samples``:
    ``num_threads`` when given, else :func:`auto_threads`; ``None`` (leave the setting
    alone) on CUDA, whose kernels do not use them."""
    if device.type != "cpu":
        return None
    if num_threads is not None:
        return int(num_threads)
    weights = sum((a + 1) * b for a, b in itertools.pairwise(layout.layer_sizes))
    # A step's forward and backward passes: about 3 multiply-adds per weight and sample.
    return auto_threads(3.0 * layout.n_networks * n_samples * weights)
