"""The noise level of data on several input coordinates, by the marginal likelihood of a
Gaussian process.

The stopping rule and the warnings about under- and overfitting need the variance of the
noise in the samples, before any network is trained. In one dimension local differences of
the sorted samples give it (``pydelt_like._stats``); with several coordinates a sample's
neighbours lie far away unless the data are dense, and every local estimate mistakes the
curvature it cannot resolve for noise: the local quadratic fits used before were 2-11 times
too high in three dimensions from 400 samples, and 20-40 times in five, with 1 % noise
(measured). A Gaussian process with an isotropic squared-exponential kernel and white noise,
its hyperparameters chosen by marginal likelihood (type-II maximum likelihood), weighs
smoothness against noise over the whole data set: on 400 to 2,000 samples of nine smooth
functions in two to five dimensions it came within 6 % of the true noise and near zero on
clean data (``benchmarks/neural_multivariate.py`` checks it).

It runs on a seeded random subset of at most :data:`MAX_POINTS` samples, which bounds the
cost (a symmetric eigendecomposition per trial length scale) and hardly changes the
estimate: the noise does not depend on the density of the samples. The amplitude is profiled
out in closed form, and with the eigendecomposition of the kernel matrix at a length scale
the likelihood of every noise ratio costs O(n), so the search is over the length scale only.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from pydelt_like._stats import difference_noise_variance
from pydelt_like.neural._devices import torch_module

__all__ = [
    "MAX_POINTS",
    "NoiseLevel",
    "fit_diagnosis",
    "likelihood_noise_level",
    "likelihood_noise_variance",
    "noise_level",
    "outlier_diagnosis",
    "shared_estimates",
]

MAX_POINTS = 400  # eigendecompositions of 400 x 400: about 1 s for the whole search
_LENGTHS = np.geomspace(0.05, 50.0, 10)  # trial length scales, standardised input units
# Noise / signal variance. Up to 1e4 so that pure noise reads as such: capped at 10, its best
# smoother kept n / 11 degrees of freedom (measured); the points below 10 are those used before.
_RATIOS = np.concatenate([np.geomspace(1e-12, 10.0, 111), np.geomspace(10.0, 1e4, 26)[1:]])
# A smoother spending more than half the samples on the signal is near interpolation: the cap
# keeps a chance fit of the noise by the process (seen: a third of 100 pure-noise samples in
# 2-D) from lowering the stop below half the noise variance.
_MAX_DOF_SHARE = 0.5
_REFINE = 6  # golden-section steps on the length scale around the best trial
_SEED = 20240531  # the subset is random but fixed: a fit is reproducible
# A fit's residuals against the noise level (both root mean squares, in units of the data's
# spread). The estimates are good to about 25 % (tests), so 2x either way is a clear miss.
_UNDERFIT = 2.0  # residuals this many noise levels or more: features missed
_OVERFIT = 0.5  # residuals below this share of the noise level: the fit follows the noise
_CLOSE = 0.01  # residuals below 1 % of the data's spread never count as underfitting
_NOISY = 0.01  # noise below 1 % of the data's spread is too little to call overfitting
# Samples this many noise levels from the fit are named as outliers: Gaussian noise goes that
# far about once in 1e15 samples. The level is the residuals' robust spread (a scaled median
# absolute deviation: outliers inflate root mean squares and local differences, not medians),
# at least a quarter of the estimated noise, on columns whose noise is at least 0.1 % of their
# spread (below, the residuals are near rounding and their spread means little).
_OUTLIER_LEVEL = 8.0
_OUTLIER_NOISE = 1e-3
# The samples seen and their noise level, inside shared_estimates() (None outside).
_SEEN: contextvars.ContextVar[list[tuple[tuple[np.ndarray, ...], NoiseLevel]] | None] = (
    contextvars.ContextVar("noise_estimates_seen", default=None)
)


@dataclass(frozen=True)
class NoiseLevel:
    """The noise in standardised samples, per output column (arrays of shape (m,)).

    ``variance`` is the noise variance. ``residual`` is the mean squared residual to expect of
    a fit that follows the signal and not the noise: ``variance * (1 - dof / n)``, where
    ``dof`` is the effective number of parameters (the trace of the smoother matrix) of the
    Gaussian process that estimated the noise, for ``n`` samples (several inputs; in one
    dimension, where local differences estimate the noise, it is ``variance``). A fit stopped
    when its residuals reach ``variance`` stops short of such a fit, by about ``dof / n``
    noise variances: on 400 noisy scattered samples of smooth functions the ``dof`` of the
    process were 10 to 170 (2.5-42 %), and the networks stopped there were 1.06-1.7 times
    less accurate in their derivatives (gradient, Hessian) than ones stopped at ``residual``
    (issue 15). The share ``dof / n`` is capped at ``_MAX_DOF_SHARE``.
    """

    variance: np.ndarray
    residual: np.ndarray


def _profile(
    eigenvalues: np.ndarray, projected: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best log likelihood, noise variance and effective degrees of freedom per column, over
    the ratio grid.

    ``projected`` (n, m) is the data in the kernel's eigenbasis. With the signal variance
    profiled out, the log likelihood of ratio g is, up to constants,
    ``-n/2 log(sum z^2 / (lambda + g) / n) - 1/2 sum log(lambda + g)``; the process's
    posterior mean at the data is then the smoother with eigenvalues ``lambda / (lambda + g)``,
    whose trace is its degrees of freedom.
    """
    n = eigenvalues.size
    shifted = eigenvalues[None, :] + _RATIOS[:, None]  # (G, n)
    quadratic = (1.0 / shifted) @ (projected**2)  # (G, m)
    log_det = np.log(shifted).sum(axis=1)  # (G,)
    likelihood = -0.5 * n * np.log(quadratic / n) - 0.5 * log_det[:, None]
    best = np.argmax(likelihood, axis=0)
    columns = np.arange(projected.shape[1])
    amplitude = quadratic[best, columns] / n
    dof = (eigenvalues[None, :] / shifted[best]).sum(axis=1)
    return likelihood[best, columns], _RATIOS[best] * amplitude, dof


def likelihood_noise_variance(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Noise variance of each column of ``y`` (its units), from samples on several coordinates:
    ``likelihood_noise_level(x, y, w).variance``."""
    return likelihood_noise_level(x, y, w).variance


def likelihood_noise_level(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> NoiseLevel:
    """Noise of each column of ``y`` (its units), from samples on several coordinates.

    Parameters
    ----------
    x : numpy.ndarray of shape (n, d)
        Inputs, each coordinate standardised (the kernel is isotropic).
    y : numpy.ndarray of shape (n, m)
    w : numpy.ndarray of shape (n,)
        Samples of zero weight are left out; the others count alike.

    Returns
    -------
    NoiseLevel
        Zeros when fewer than 5 samples remain (no estimate: the fit runs to convergence).
        The degrees of freedom come from the subset (at most ``MAX_POINTS`` samples) and are
        set against all ``n`` samples: a lower bound of the whole set's share, so the residual
        to expect is on the high side, never below what a smoother of all samples leaves.
    """
    keep = w > 0
    x, y = x[keep], y[keep]
    n = x.shape[0]
    if n < 5:
        zeros = np.zeros(y.shape[1])
        return NoiseLevel(zeros, zeros)
    if n > MAX_POINTS:
        chosen = np.random.default_rng(_SEED).choice(n, MAX_POINTS, replace=False)
        x, y = x[chosen], y[chosen]
    y = y - y.mean(axis=0)
    squared = np.maximum(
        (x**2).sum(axis=1)[:, None] + (x**2).sum(axis=1)[None, :] - 2.0 * x @ x.T, 0.0
    )

    torch = torch_module()
    distances = torch.as_tensor(squared)
    targets = torch.as_tensor(y)

    def trial(length: float) -> tuple[float, NoiseLevel]:
        # torch's eigensolver, so that the caller's thread setting (see _devices) holds:
        # NumPy's BLAS takes every core, which under load is ten times slower (measured).
        eigenvalues, vectors = torch.linalg.eigh(torch.exp(distances * (-0.5 / length**2)))
        projected = (vectors.T @ targets).numpy()
        likelihood, noise, dof = _profile(np.maximum(eigenvalues.numpy(), 0.0), projected)
        share = np.minimum(dof / n, _MAX_DOF_SHARE)
        return float(likelihood.sum()), NoiseLevel(noise, noise * (1.0 - share))

    results = [trial(length) for length in _LENGTHS]
    best = int(np.argmax([r[0] for r in results]))
    # Golden-section search on log(length) between the neighbours of the best trial.
    logs = np.log(_LENGTHS)
    low, high = logs[max(best - 1, 0)], logs[min(best + 1, logs.size - 1)]
    best_value, best_noise = results[best]
    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    fa, fb = trial(float(np.exp(a))), trial(float(np.exp(b)))
    for _ in range(_REFINE):
        for value, noise in (fa, fb):
            if value > best_value:
                best_value, best_noise = value, noise
        if fa[0] >= fb[0]:
            high, b, fb = b, a, fa
            a = high - ratio * (high - low)
            fa = trial(float(np.exp(a)))
        else:
            low, a, fa = a, b, fb
            b = low + ratio * (high - low)
            fb = trial(float(np.exp(b)))
    for value, noise in (fa, fb):
        if value > best_value:
            best_value, best_noise = value, noise
    return best_noise


@contextlib.contextmanager
def shared_estimates() -> Iterator[None]:
    """Within the block, :func:`noise_level` answers samples it has already seen in the block
    from memory: the activation trials (``_selection``) fit the same samples once per
    candidate, and on several inputs each estimate costs some 0.2 s."""
    token = _SEEN.set([])
    try:
        yield
    finally:
        _SEEN.reset(token)


def noise_level(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> NoiseLevel:
    """The noise of each column of ``y`` from standardised samples ``x`` (n, d): local
    differences in one dimension (``x`` sorted, as ``check_xy`` leaves it), the marginal
    likelihood in several (see :class:`NoiseLevel`)."""
    seen = _SEEN.get()
    for samples, level in seen or ():
        if all(np.array_equal(a, b) for a, b in zip(samples, (x, y, w), strict=True)):
            return level
    level = _noise_level(x, y, w)
    if seen is not None:
        seen.append(((x.copy(), y.copy(), w.copy()), level))
    return level


def _noise_level(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> NoiseLevel:
    if x.shape[1] == 1:
        variance = np.asarray(difference_noise_variance(x[:, 0], y, w, neighbours=4))
        return NoiseLevel(variance, variance)
    return likelihood_noise_level(x, y, w)


def fit_diagnosis(residual: np.ndarray, noise: np.ndarray, early_stopping: str) -> str | None:
    """A warning when a fit's residuals are far from the noise level, else ``None``.

    ``residual`` and ``noise`` are root mean squares per output column, in units of each
    column's spread; ``early_stopping`` is the estimator's, for the advice.
    """
    residual, noise = np.asarray(residual, dtype=float), np.asarray(noise, dtype=float)
    under = (residual > _UNDERFIT * noise) & (residual > _CLOSE)
    over = (residual < _OVERFIT * noise) & (noise > _NOISY)
    if under.any():
        j = int(np.argmax(np.where(under, residual, -1.0)))
        level = (
            f"{residual[j] / noise[j]:.0f} times the noise level estimated from the data"
            if noise[j] > 0.1 * _CLOSE
            else "far above the noise level estimated from the data (nearly noise-free)"
        )
        return (
            f"the fit's residuals (rms {residual[j]:.3g} of the data's spread) are {level}: "
            "the network has missed features of the data (underfit). Raise epochs or "
            "lbfgs_iterations, or widen hidden_layers; for a curve in one variable "
            "SplineInterpolator may suit better"
        )
    if over.any():
        j = int(np.argmin(np.where(over, residual / noise, np.inf)))
        advice = (
            "use early_stopping='noise' (or 'validation'), fewer epochs or some weight_decay"
            if early_stopping != "noise"
            else "lower epochs or add some weight_decay"
        )
        return (
            f"the fit's residuals (rms {residual[j]:.3g} of the data's spread) are far below "
            f"the noise level estimated from the data ({noise[j]:.3g}): the network follows "
            f"the noise (overfit), and its derivatives will be noisy; {advice}"
        )
    return None


def outlier_diagnosis(
    x: np.ndarray, residual: np.ndarray, w: np.ndarray, noise: np.ndarray
) -> str | None:
    """A warning naming the samples that lie far from the fit (outliers), else ``None``.

    ``x`` (n, d) are the samples' coordinates (for the message), ``residual`` (n, m) the
    fit's residuals and ``noise`` (m,) the estimated noise (root mean square), both in units
    of each column's spread; ``w`` (n,) the weights. Weights are read as inverse variances
    (as everywhere in the package): a residual counts times the square root of its weight
    over the median weight, so samples given low weight for their noise are not called
    outliers for it. Samples of weight zero are not judged.
    """
    kept = w > 0
    if not kept.any():
        return None
    residual = residual * np.sqrt(w / np.median(w[kept]))[:, None]
    deviation = residual[kept] - np.median(residual[kept], axis=0)
    scale = np.maximum(1.4826 * np.median(np.abs(deviation), axis=0), 0.25 * noise)
    judged = (noise >= _OUTLIER_NOISE) & (scale > 0)
    level = np.abs(residual) / np.where(judged, scale, np.inf)
    level[~kept] = 0.0
    far = (level > _OUTLIER_LEVEL).any(axis=1)
    if not far.any():
        return None
    i, j = np.unravel_index(int(np.argmax(level)), level.shape)
    where = ", ".join(f"{float(v):.6g}" for v in x[i])
    where = where if x.shape[1] == 1 else f"({where})"
    column = f" in output column {j}" if residual.shape[1] > 1 else ""
    count = int(far.sum())
    return (
        f"{count} of {int(kept.sum())} samples {'lie' if count > 1 else 'lies'} more than "
        f"{_OUTLIER_LEVEL:.0f} noise levels from the fit (the farthest, {level[i, j]:.0f} "
        f"levels, at x = {where}{column}): outliers pull the fit and its derivatives near "
        "them. Check those samples; if they are errors, remove them or give them weight 0 "
        "(fit(x, y, weights=...)); if their noise is larger, weights of 1 / variance say so"
    )
