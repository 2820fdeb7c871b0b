"""Training the ensemble: full-batch (or mini-batch) Adam, then L-BFGS, with stopping rules.

All networks are trained together, as one tensor of weights (a row per network, see
``_backprop``), in one batched loop; they do not interact. Adam runs in float32 on the CPU
when the fit is in float64 (about twice as fast, and its result is only a starting point);
the L-BFGS refinement then runs in the fit's dtype (float32 too on noisy data, see
``_PINNED_NOISE``) with a memory and a line search per
network (``_lbfgs``), and each network stops on its own: when its training error reaches its
target (the noise level, with the discrepancy principle), when it stops improving
(convergence), or at the iteration limit.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydelt_like._progress import progress_bar
from pydelt_like.neural._backprop import Batch, FlatLayout, Workspace, loss_and_gradient
from pydelt_like.neural._devices import intra_op_threads, torch_module
from pydelt_like.neural._ensemble import EnsembleLayout
from pydelt_like.neural._lbfgs import LBFGSState, lbfgs_steps

__all__ = [
    "MAX_EPOCHS",
    "MAX_LBFGS_ITERATIONS",
    "OPTIMIZERS",
    "TrainingData",
    "TrainingResult",
    "TrainingSettings",
    "diverged",
    "epoch_plan",
    "lbfgs_budget",
    "step_samples",
    "train",
]

OPTIMIZERS = ("adam+lbfgs", "adam", "lbfgs")
MAX_EPOCHS = 1_000_000  # 1,000x the default: ~10 min for the default network on 100 points
MAX_LBFGS_ITERATIONS = 1_000_000  # a hard cap far beyond convergence (thousands)
_ROUND = 10  # L-BFGS iterations between checks of the stopping rules (each check syncs)
_HISTORY = 20  # L-BFGS memory: more pairs gave no faster convergence on the benchmarks
# Convergence: a network stops when its loss fell by less than _STALL (relative) over the
# last _WINDOW iterations, i.e. more than ~_WINDOW / _STALL iterations to halve it.
_WINDOW = 100
_STALL = 1e-3
# The default L-BFGS budget: half the epochs, within these bounds. 50 iterations take the
# 10,000-sample, 50-epoch fit to within 0.035 of the truth (noise 0.05); 500 is where the
# seed snippet has converged; the noise and convergence rules usually stop it sooner.
_LBFGS_FLOOR = 50
_LBFGS_CEILING = 500
_ADAM_CHUNK = 25  # Adam epochs between reading the losses back (a sync on CUDA)
# Large data (batch_size=None): past _EPOCH_SAMPLES samples an epoch is _EPOCH_SAMPLES of them
# (the next stretch of a seeded shuffle) in mini-batches of _AUTO_BATCH, so that its cost stops
# growing with n; the default L-BFGS budget shrinks in proportion (see lbfgs_budget). Below it
# nothing changes: full batches. 256: on 10,000 noisy samples 50 such epochs and 20 L-BFGS
# iterations come within 0.008-0.01 of the truth (512: 0.03-0.05, 128: no better; 50
# full-batch epochs and 50 iterations: 0.04 at twice the time; measured).
_EPOCH_SAMPLES = 4096
_AUTO_BATCH = 256
# With noise of at least 0.1 % of the data's spread (a target loss of 1e-6, standardised units),
# L-BFGS runs in float32 too, at any n: its losses still resolve 1e-7 of the target. On 10,000
# noisy samples the fit came out as in float64 at 0.6-0.8 of the time; on the 2,000 noisy
# scattered samples of benchmarks/neural_multivariate.py the four fits took 0.75x the time
# with derivatives as accurate (measured). Clean data keep the fit's dtype.
_PINNED_NOISE = 1e-6
# Float32 Adam needs the step and the penalty's gradient in float32's range (3.4e38): a larger
# learning rate or weight decay (which diverges, or pins the weights at zero, anyway) is
# trained in the fit's dtype.
_FLOAT32_LIMIT = 1e30

# A fit projected to take longer than this warns, unless progress=True shows a bar with its ETA;
# the projection starts once training has run for _PROJECT_AFTER_S.
_SLOW_FIT_S = 60.0
_PROJECT_AFTER_S = 2.0
_clock = time.perf_counter  # a module attribute, so that tests can stand in a fake clock


@dataclass(frozen=True)
class TrainingSettings:
    """How to train: the estimator's hyperparameters that the loop reads, checked by ``fit``.

    ``learning_rate`` and ``weight_decay`` are kept as the user gave them, for messages.
    ``targets`` are the losses (standardised units, one per stacked network, see
    :func:`network_targets`) at which a network's L-BFGS stops, or ``None`` for none;
    ``mean_weight`` is the training data's mean weight, which normalises every batch's loss
    alike. ``lbfgs_iterations`` is the most L-BFGS iterations per network.
    ``refine_threads`` are the intra-op threads of the L-BFGS phase (full batches: on large
    data more work a step than Adam's mini-batches), ``None`` to keep the caller's.
    """

    optimizer: str
    epochs: int
    lbfgs_iterations: int
    learning_rate: Any
    weight_decay: Any
    batch_size: int | None
    progress: bool
    targets: tuple[float, ...] | None
    mean_weight: float
    refine_threads: int | None = None


@dataclass(frozen=True, eq=False)
class TrainingData:
    """Standardised samples as tensors: ``x`` (n, d), ``y`` (n, m), ``w`` (n,) or, a weight per
    member (bootstrap), (n, K)."""

    x: Any
    y: Any
    w: Any

    def subset(self, index: Any) -> TrainingData:
        """The samples at ``index`` (a slice or an index tensor)."""
        return TrainingData(self.x[index], self.y[index], self.w[index])

    def to(self, dtype: Any) -> TrainingData:
        """The same samples in ``dtype``."""
        return TrainingData(self.x.to(dtype), self.y.to(dtype), self.w.to(dtype))


@dataclass(frozen=True)
class TrainingResult:
    """What training returns: the weights ``[W1, b1, ...]`` (stacked, contiguous, no
    gradients), the loss after each step, and why it ended (``'converged'``, ``'noise'``: every
    network reached its target, ``'limit'``: the iteration limit, ``''``: no L-BFGS)."""

    params: list[Any]
    history: list[float]
    stopped: str


def network_targets(layout: EnsembleLayout, noise: Any) -> tuple[float, ...]:
    """Each stacked network's target loss from the noise variance of each output column.

    A shared network's loss is its mean squared error over all columns; an independent one's
    is its column's, divided by the number of columns (its share of its member's loss).
    """
    m = layout.n_outputs
    if layout.independent:
        per_member = [float(v) / m for v in noise]
        return tuple(per_member * layout.architecture.n_members)
    return (sum(float(v) for v in noise) / m,) * layout.n_networks


def lbfgs_budget(
    lbfgs_iterations: int | None, epochs: int, n_features: int, n_samples: int = 0
) -> int:
    """``lbfgs_iterations``, or by default half of ``epochs`` within the bounds above (twice
    that with several inputs, where L-BFGS converges more slowly), times ``_EPOCH_SAMPLES /
    n_samples`` past ``_EPOCH_SAMPLES`` samples (at least one iteration): a full-batch
    iteration's cost grows with n, and there the mini-batch Adam epochs (see
    :func:`epoch_plan`) already bring the fit near the data's noise level."""
    if lbfgs_iterations is not None:
        return int(lbfgs_iterations)
    budget = min(max(int(epochs) // 2, _LBFGS_FLOOR), _LBFGS_CEILING)
    budget *= 2 if n_features > 1 else 1
    if n_samples > _EPOCH_SAMPLES:
        budget = max(1, budget * _EPOCH_SAMPLES // n_samples)
    return budget


def epoch_plan(n_samples: int, batch_size: int | None) -> tuple[int, int]:
    """``(batch, samples)``: an Adam epoch's mini-batch size and how many samples it covers.

    A ``batch_size`` of ``None`` is one full batch up to ``_EPOCH_SAMPLES`` samples and,
    beyond, ``_EPOCH_SAMPLES`` of them in batches of ``_AUTO_BATCH``; a given ``batch_size``
    covers all samples in batches of that size.
    """
    if batch_size is not None:
        return min(int(batch_size), n_samples), n_samples
    if n_samples <= _EPOCH_SAMPLES:
        return n_samples, n_samples
    return _AUTO_BATCH, _EPOCH_SAMPLES


def step_samples(n_samples: int, batch_size: int | None, optimizer: str) -> int:
    """The samples of a training step, which sizes the threads (see ``_devices``): an Adam
    step's (a mini-batch on large data: a second thread on 256-sample steps made a
    100,000-sample fit 8-17 times slower under load, measured), or all for L-BFGS alone."""
    if optimizer == "lbfgs":
        return n_samples
    return epoch_plan(n_samples, batch_size)[0]


def _pinned(settings: TrainingSettings) -> bool:
    """Whether the data pin the fit far above float32's rounding: every network's noise
    target at least ``_PINNED_NOISE``."""
    targets = settings.targets
    return bool(targets) and min(targets or (0.0,)) >= _PINNED_NOISE


def diverged(what: str, settings: TrainingSettings) -> ValueError:
    """The error for training whose weights or loss became NaN or infinite."""
    return ValueError(
        f"training diverged: {what} became NaN or infinite (learning_rate="
        f"{settings.learning_rate!r}, weight_decay={settings.weight_decay!r}); lower "
        "learning_rate or weight_decay"
    )


class _Stopwatch:
    """Warns once when training is projected to run longer than _SLOW_FIT_S.

    Called after each stretch of optimiser steps with the work done so far (in Adam epochs).
    The rate is measured from the first call on (the first steps carry one-off start-up
    costs), and from _PROJECT_AFTER_S after it the total is projected. Quiet when a progress
    bar already shows the estimate. A fit within every limit may still take hours (a million
    epochs of a wide ensemble): this keeps it from doing so silently.
    """

    def __init__(self, total: float, *, quiet: bool) -> None:
        self.total = total
        self.done = quiet
        self.first: tuple[float, float] | None = None  # (time, work) at the first call

    def __call__(self, work: float) -> None:
        if self.done:
            return
        now = _clock()
        if self.first is None:
            self.first = (now, work)
            return
        elapsed, progress = now - self.first[0], work - self.first[1]
        if elapsed < _PROJECT_AFTER_S or progress <= 0:
            return
        projected = elapsed / progress * (self.total - work)
        if projected > _SLOW_FIT_S:
            self.done = True
            warn_user(
                f"this fit will take roughly {projected / 60:.0f} more minutes at its rate so "
                "far (less if the stopping rule ends it early); pass progress=True to watch "
                "it, or lower epochs, lbfgs_iterations, n_members or hidden_layers"
            )


def warn_user(message: str) -> None:
    """A UserWarning pointing at the first caller outside the pydelt_like package."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame: Any = sys._getframe(0)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


class _Monitor:
    """The loss history, the progress bar, the slow-fit warning and the validation record."""

    def __init__(
        self,
        layout: EnsembleLayout,
        settings: TrainingSettings,
        adam: int,
        lbfgs: int,
        name: str,
        n_samples: int,
    ) -> None:
        self.layout = layout
        self.settings = settings
        self.history: list[float] = []
        self.total = adam + lbfgs
        self.bar = (
            progress_bar(total=self.total, desc=name, unit="step") if settings.progress else None
        )
        # The clock counts work in epochs; past _EPOCH_SAMPLES samples an L-BFGS iteration (a
        # full pass) weighs n / _EPOCH_SAMPLES of them, so that the projection stays right.
        self.lbfgs_weight = max(1.0, n_samples / _EPOCH_SAMPLES)
        self.watch = _Stopwatch(adam + lbfgs * self.lbfgs_weight, quiet=self.bar is not None)
        self.best: Any = None  # (validation loss (N,), weights (N, P)) when validating

    def record(self, losses: Sequence[Any], members: int, work: float) -> None:
        """Append the mean member loss of each step ((N,) tensors), update bar and clock."""
        if not losses:
            return
        torch = torch_module()
        values = (torch.stack(losses).sum(dim=1) / members).tolist()
        for step, value in enumerate(values):
            if not math.isfinite(value):
                where = len(self.history) + step + 1
                raise diverged(f"the loss (step {where})", self.settings)
        self.history += values
        if self.bar is not None:
            self.bar.update(len(values))
            self.bar.set_postfix(loss=f"{values[-1]:.3e}")
        self.watch(work)

    def validate(self, flat: FlatLayout, activation: str, theta: Any, held_out: Batch) -> None:
        """Keep each network's weights where its validation loss is the lowest so far."""
        torch = torch_module()
        _, loss, _ = loss_and_gradient(
            flat, activation, theta.to(held_out.x.dtype), held_out, gradient=False
        )
        if self.best is None:
            self.best = (loss, theta.to(held_out.x.dtype).clone())
            return
        better = loss < self.best[0]
        self.best = (
            torch.where(better, loss, self.best[0]),
            torch.where(better[:, None], theta.to(held_out.x.dtype), self.best[1]),
        )

    def close(self, stopped: str) -> None:
        """Fill the bar to 100 % and say why training ended, if it ended early."""
        if self.bar is None:
            return
        done = len(self.history)
        if done < self.total:
            self.bar.update(self.total - done)
            reasons = {"noise": "training error reached the noise level", "converged": "converged"}
            self.bar.set_postfix_str(
                f"stopped early after {done} of {self.total} steps: {reasons.get(stopped, stopped)}"
            )
        self.bar.close()


def _adam(
    flat: FlatLayout,
    activation: str,
    theta: Any,
    data: TrainingData,
    generator: Any,
    settings: TrainingSettings,
    monitor: _Monitor,
    members: int,
    held_out: Batch | None,
) -> None:
    """``settings.epochs`` epochs of Adam with a cosine learning-rate schedule, in place."""
    torch = torch_module()
    layout_n = data.x.shape[0]
    size, per_epoch = epoch_plan(layout_n, settings.batch_size)
    decay = float(settings.weight_decay)
    mask = flat.weight_mask(theta)
    first, second = torch.zeros_like(theta), torch.zeros_like(theta)
    beta1, beta2, eps = 0.9, 0.999, 1e-8  # torch.optim.Adam's defaults
    rate = float(settings.learning_rate)
    full = (
        Batch.of(monitor.layout, data.x, data.y, data.w, settings.mean_weight)
        if size >= layout_n
        else None
    )
    workspace = Workspace()
    pending: list[Any] = []
    step = 0
    shuffled: Any = None  # an epoch takes the next per_epoch samples of a seeded shuffle
    cursor = layout_n
    for epoch in range(settings.epochs):
        lr = rate * 0.5 * (1.0 + math.cos(math.pi * epoch / settings.epochs))
        if full is not None:
            batches = [full]
        else:
            if cursor + per_epoch > layout_n:
                shuffled = torch.randperm(layout_n, generator=generator).to(data.x.device)
                cursor = 0
            epoch_data = data.subset(shuffled[cursor : cursor + per_epoch])  # one gather
            cursor += per_epoch
            batches = [
                Batch.of(monitor.layout, part.x, part.y, part.w, settings.mean_weight)
                for part in (
                    epoch_data.subset(slice(start, start + size))
                    for start in range(0, per_epoch, size)
                )
            ]
        for batch in batches:
            step += 1
            _, loss, grad = loss_and_gradient(
                flat, activation, theta, batch, decay, mask, workspace=workspace
            )
            first.lerp_(grad, 1.0 - beta1)
            second.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
            denom = (second / (1.0 - beta2**step)).sqrt_().add_(eps)
            theta.addcdiv_(first, denom, value=-lr / (1.0 - beta1**step))
        pending.append(loss)
        if held_out is not None:
            monitor.validate(flat, activation, theta, held_out)
        if len(pending) == _ADAM_CHUNK or epoch == settings.epochs - 1:
            monitor.record(pending, members, epoch + 1)
            pending = []
    if not bool(torch.isfinite(theta).all()):
        raise diverged("the weights (after Adam)", settings)


def _lbfgs(
    flat: FlatLayout,
    activation: str,
    theta: Any,
    data: TrainingData,
    settings: TrainingSettings,
    monitor: _Monitor,
    members: int,
    held_out: Batch | None,
) -> str:
    """L-BFGS refinement in place until every network stops; returns why the last stopped."""
    torch = torch_module()
    batch = Batch.of(monitor.layout, data.x, data.y, data.w, settings.mean_weight)
    decay = float(settings.weight_decay)
    mask = flat.weight_mask(theta)
    workspace = Workspace()

    def evaluate(point: Any) -> tuple[Any, Any, Any]:
        return loss_and_gradient(flat, activation, point, batch, decay, mask, workspace=workspace)

    state = LBFGSState.start(theta, *evaluate(theta), history=_HISTORY)
    targets = None
    if settings.targets is not None:
        targets = torch.tensor(settings.targets, dtype=theta.dtype, device=theta.device)
        state.active &= state.loss > targets
    past = [state.loss]  # the loss every _ROUND iterations, for the convergence test
    done = 0
    reason = "noise"
    epochs = settings.epochs if "adam" in settings.optimizer else 0
    while done < settings.lbfgs_iterations and bool(state.active.any()):
        steps = min(_ROUND, settings.lbfgs_iterations - done)
        losses: list[Any] = []
        for _ in range(steps):
            if not lbfgs_steps(evaluate, theta, state, 1):
                break
            losses.append(state.loss)
        done += len(losses)
        if not bool(torch.isfinite(theta).all()):
            raise diverged(f"the weights (L-BFGS iteration {done})", settings)
        monitor.record(losses, members, epochs + done * monitor.lbfgs_weight)
        if held_out is not None:
            monitor.validate(flat, activation, theta, held_out)
        if targets is not None:
            state.active &= state.loss > targets
        past.append(state.loss)
        window = _WINDOW // _ROUND
        if len(past) > window:
            stalled = past[-1 - window] - state.loss <= _STALL * state.loss
            if bool((stalled & state.active).any()):
                reason = "converged"
            state.active &= ~stalled
        if not losses:
            reason = "converged"
            break
    if bool(state.active.any()):
        return "limit"
    return reason


def train(
    layout: EnsembleLayout,
    params: Sequence[Any],
    data: TrainingData,
    validation: TrainingData | None,
    generator: Any,
    settings: TrainingSettings,
    *,
    name: str = "training",
) -> TrainingResult:
    """Train from the initial weights ``params``; return the trained weights and history.

    With ``validation``, each network keeps the weights that did best on it.

    Raises
    ------
    ValueError
        If training diverges (see :func:`diverged`).
    """
    torch = torch_module()
    # Weights relative to their mean: equal weights of any size become exactly 1, so that the
    # float32 Adam phase sees the same numbers whatever the scale of the weights.
    scale = settings.mean_weight
    data = TrainingData(data.x, data.y, data.w / scale)
    if validation is not None:
        validation = TrainingData(validation.x, validation.y, validation.w / scale)
    settings = replace(settings, mean_weight=1.0)
    flat = FlatLayout.of(layout)
    dtype = params[0].dtype
    members = layout.architecture.n_members
    adam_steps = settings.epochs if "adam" in settings.optimizer else 0
    lbfgs_steps_max = settings.lbfgs_iterations if "lbfgs" in settings.optimizer else 0
    monitor = _Monitor(layout, settings, adam_steps, lbfgs_steps_max, name, data.x.shape[0])
    held_out = None
    if validation is not None:
        held_out = Batch.of(layout, validation.x, validation.y, validation.w, settings.mean_weight)
    stopped = ""
    with torch.no_grad():
        theta = flat.pack(params)
        try:
            fast = (
                dtype == torch.float64
                and theta.device.type == "cpu"
                and float(settings.weight_decay) < _FLOAT32_LIMIT
                and float(settings.learning_rate) < _FLOAT32_LIMIT
            )
            adam_dtype = torch.float32 if fast else dtype
            if adam_steps:
                small = theta.to(adam_dtype)
                _adam(
                    flat,
                    layout.architecture.activation,
                    small,
                    data.to(adam_dtype),
                    generator,
                    settings,
                    monitor,
                    members,
                    held_out,
                )
                theta = small.to(dtype)
            if lbfgs_steps_max:
                # Noisy data pin the fit far above float32's rounding: refine in float32 there
                # (about half the cost of a float64 pass), in the fit's dtype otherwise.
                refine_dtype = adam_dtype if _pinned(settings) else dtype
                refined = theta.to(refine_dtype)
                with intra_op_threads(settings.refine_threads):
                    stopped = _lbfgs(
                        flat,
                        layout.architecture.activation,
                        refined,
                        data.to(refine_dtype),
                        settings,
                        monitor,
                        members,
                        held_out,
                    )
                theta = refined.to(dtype)
        finally:
            monitor.close(stopped)
        if monitor.best is not None:
            theta = monitor.best[1].to(dtype)
    return TrainingResult(flat.unpack(theta), monitor.history, stopped)
