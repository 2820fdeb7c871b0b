"""Training the ensemble: full-batch (or mini-batch) Adam, then L-BFGS, with a stopping rule.

All networks are trained together, as stacked weight tensors, in one batched loop; the
objective is the sum of every member's weighted mean squared error, so the members do not
interact. The L-BFGS refinement stops once the training error reaches a target (the noise
level, with the discrepancy principle) or stops improving.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydelt_like._progress import progress_bar
from pydelt_like.neural._devices import torch_module
from pydelt_like.neural._ensemble import EnsembleLayout, members

__all__ = [
    "MAX_EPOCHS",
    "MAX_LBFGS_ITERATIONS",
    "OPTIMIZERS",
    "TrainingData",
    "TrainingSettings",
    "diverged",
    "train",
]

OPTIMIZERS = ("adam+lbfgs", "adam", "lbfgs")
MAX_EPOCHS = 1_000_000  # 1,000x the default: ~20 min for the default network on 100 points
MAX_LBFGS_ITERATIONS = 1_000_000  # 2,000x the default
_LBFGS_STEP = 5  # L-BFGS iterations between checks of the stopping rule

# A fit projected to take longer than this warns, unless progress=True shows a bar with its ETA;
# the projection starts once training has run for _PROJECT_AFTER_S.
_SLOW_FIT_S = 60.0
_PROJECT_AFTER_S = 2.0
_clock = time.perf_counter  # a module attribute, so that tests can stand in a fake clock


@dataclass(frozen=True)
class TrainingSettings:
    """How to train: the estimator's hyperparameters that the loop reads, checked by ``fit``.

    ``learning_rate`` and ``weight_decay`` are kept as the user gave them, for messages.
    ``target`` is the mean squared error (standardised units) at which L-BFGS stops, or a
    negative number for none; ``mean_weight`` is the training data's mean weight, which
    normalises every batch's loss alike.
    """

    optimizer: str
    epochs: int
    lbfgs_iterations: int
    learning_rate: Any
    weight_decay: Any
    batch_size: int | None
    progress: bool
    target: float
    mean_weight: float


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


def diverged(what: str, settings: TrainingSettings) -> ValueError:
    """The error for training whose weights or loss became NaN or infinite."""
    return ValueError(
        f"training diverged: {what} became NaN or infinite (learning_rate="
        f"{settings.learning_rate!r}, weight_decay={settings.weight_decay!r}); lower "
        "learning_rate or weight_decay"
    )


def _loss(
    layout: EnsembleLayout, params: Sequence[Any], data: TrainingData, settings: TrainingSettings
) -> tuple[Any, Any]:
    """(objective summed over members, mean per-member weighted MSE).

    Weights are normalised by the mean weight of the training data, not of the batch, so
    a mini-batch whose weights are all zero contributes zero rather than 0/0.
    """
    err = ((members(layout, params, data.x) - data.y[None]) ** 2).mean(dim=2)  # (K, n)
    w = data.w
    member_w = w[None] if w.ndim == 1 else w.T
    mse = (err * member_w).sum(dim=1) / (settings.mean_weight * w.shape[0])  # (K,)
    objective = mse.sum()
    if settings.weight_decay:
        objective = objective + float(settings.weight_decay) * sum(
            (p**2).sum() for p in params[0::2]
        )
    return objective, mse.mean()


class _Stopwatch:
    """Warns once when training is projected to run longer than _SLOW_FIT_S.

    Called after each optimiser step with the work done so far (in Adam epochs). The rate is
    measured from the first call on (the first step carries one-off start-up costs), and from
    _PROJECT_AFTER_S after it the total is projected. Quiet when a progress bar already shows
    the estimate. A fit within every limit may still take hours (a million epochs of a wide
    ensemble): this keeps it from doing so silently.
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
            _warn_user(
                f"this fit will take roughly {projected / 60:.0f} more minutes at its rate so "
                "far (less if the stopping rule ends it early); pass progress=True to watch "
                "it, or lower epochs, lbfgs_iterations, n_members or hidden_layers"
            )


def _warn_user(message: str) -> None:
    """A UserWarning pointing at the first caller outside the pydelt_like package."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame: Any = sys._getframe(0)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


def train(
    layout: EnsembleLayout,
    params: Sequence[Any],
    data: TrainingData,
    validation: TrainingData | None,
    generator: Any,
    settings: TrainingSettings,
    *,
    name: str = "training",
) -> list[float]:
    """Train ``params`` in place; return the loss history (mean MSE after each step).

    With ``validation``, the weights that did best on it are kept. On return the parameters
    no longer require gradients.

    Raises
    ------
    ValueError
        If training diverges (see :func:`diverged`).
    """
    torch = torch_module()
    history: list[float] = []
    adam_steps = settings.epochs if "adam" in settings.optimizer else 0
    lbfgs_steps = settings.lbfgs_iterations if "lbfgs" in settings.optimizer else 0
    lbfgs_rounds = max(1, lbfgs_steps // _LBFGS_STEP) if lbfgs_steps else 0
    total = adam_steps + lbfgs_rounds
    bar = progress_bar(total=total, desc=name, unit="step") if settings.progress else None
    # An L-BFGS round costs about _LBFGS_STEP Adam epochs (an evaluation or two each).
    watch = _Stopwatch(adam_steps + _LBFGS_STEP * lbfgs_rounds, quiet=bar is not None)
    best_loss = [math.inf]
    best_params: list[Any] = []
    stopped = [""]  # why training ended before its last step, for the progress bar

    def loss(batch: TrainingData) -> tuple[Any, Any]:
        return _loss(layout, params, batch, settings)

    def track(value: float) -> None:
        history.append(value)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{value:.3e}")
        if validation is not None:
            with torch.no_grad():
                held_out = float(loss(validation)[1])
            if held_out < best_loss[0]:
                best_loss[0] = held_out
                best_params[:] = [p.detach().clone() for p in params]

    def check_weights(phase: str) -> None:
        if not all(bool(torch.isfinite(p).all()) for p in params):
            raise diverged(f"the weights ({phase})", settings)

    try:
        n = data.x.shape[0]
        if adam_steps:
            adam = torch.optim.Adam(params, lr=float(settings.learning_rate))
            schedule = torch.optim.lr_scheduler.CosineAnnealingLR(adam, adam_steps)
            size = n if settings.batch_size is None else int(settings.batch_size)
            device = data.x.device
            for epoch in range(adam_steps):
                batches = (
                    [slice(None)]
                    if size >= n
                    else torch.randperm(n, generator=generator).split(size)
                )
                for i, index in enumerate(batches):
                    index = index.to(device) if not isinstance(index, slice) else index
                    adam.zero_grad()
                    objective, mse = loss(data.subset(index))
                    objective.backward()
                    adam.step()
                    watch(epoch + (i + 1) / len(batches))
                schedule.step()
                value = float(mse.detach())
                if not math.isfinite(value):
                    raise diverged(f"the loss (Adam epoch {epoch + 1})", settings)
                track(value)
            check_weights("after Adam")
        target = settings.target
        reached = "stopped early: the loss reached the noise level"
        if lbfgs_steps and target >= 0 and loss(data)[1].item() <= target:
            stopped[0] = reached
        elif lbfgs_steps:
            lbfgs = torch.optim.LBFGS(
                params,
                lr=1.0,
                max_iter=_LBFGS_STEP,
                history_size=50,
                tolerance_grad=1e-12,
                tolerance_change=1e-16,
                line_search_fn="strong_wolfe",
            )
            latest = [math.inf]  # the mean MSE at the last point the line search evaluated

            def closure() -> Any:
                lbfgs.zero_grad()
                objective, mse = loss(data)
                objective.backward()
                latest[0] = float(mse.detach())
                return objective

            previous = math.inf
            for done in range(lbfgs_rounds):
                lbfgs.step(closure)
                check_weights(f"L-BFGS round {done + 1}")
                mse = latest[0]
                track(mse)
                watch(adam_steps + _LBFGS_STEP * (done + 1))
                if target >= 0 and mse <= target:
                    stopped[0] = reached
                    break
                if math.isfinite(previous) and previous - mse <= 1e-14 * previous:
                    stopped[0] = "stopped early: converged (no progress in an L-BFGS round)"
                    break
                previous = mse
    finally:
        if bar is not None:
            if stopped[0] and bar.n < bar.total:  # finish at 100 %, saying why it ended
                bar.total = bar.n
                bar.set_postfix_str(f"{bar.postfix}, {stopped[0]}" if bar.postfix else stopped[0])
            bar.close()
    if validation is not None and best_params:
        with torch.no_grad():
            for p, kept in zip(params, best_params, strict=True):
                p.copy_(kept)
    for p in params:
        p.requires_grad_(False)
    return history
