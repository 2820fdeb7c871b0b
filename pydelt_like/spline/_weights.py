"""Do the residuals of a weighted fit keep the promise its weights make?

Weights are read as inverse variances known up to one common factor, which the fit estimates.
Then every standardised residual ``r_i = e_i * sqrt(w_i / unit)`` has a variance near one,
everywhere along x. Where a run of consecutive samples has a mean ``r**2`` far above the rest,
the weights understate the noise there (rounded data, a failing sensor, a wrong error model):
the fit follows that noise more closely than it should, and a band built on the weights is
too narrow there. :func:`check_weights_against_residuals` finds such runs, warns naming them,
and returns the factor by which the band's variance is widened along x.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

#: A run is flagged when its residuals' mean square exceeds the rest's typical level this
#: many times (twice the standard deviation the weights allow) ...
_FLAG_RATIO = 4.0
#: ... and is that large with a probability below this under correct weights (Bonferroni
#: over the runs examined), so that correct weights almost never warn.
_FALSE_ALARM = 1e-3
#: Runs are this share of the samples (at least _MIN_RUN of them).
_RUN_SHARE = 0.05
_MIN_RUN = 5
#: Rounding variance above this multiple of the claimed variance needs a neighbour that
#: agrees before it counts (see rounding_to_claimed_variance).
_ROUNDING_CONFIRM = 9.0
#: Median of chi-squared with one degree of freedom: a robust level for r**2.
_CHI2_1_MEDIAN = 0.45493642311957283


@dataclass(frozen=True)
class WeightCheck:
    """The outcome of the check, per series.

    Attributes
    ----------
    centres : numpy.ndarray of shape (R,)
        Internal x (``u``) at the centre of each run.
    ratios : numpy.ndarray of shape (R, m)
        Each run's mean squared standardised residual.
    flagged : numpy.ndarray of bool, shape (m,)
        Series where the weights understate the noise somewhere.
    """

    centres: np.ndarray
    ratios: np.ndarray
    flagged: np.ndarray

    def inflation(self, u: np.ndarray) -> np.ndarray:
        """Factor (N, m) >= 1 for the band's variance at internal points ``u``: the local
        mean square of the standardised residuals, for the flagged series (1 elsewhere)."""
        u = np.asarray(u, dtype=float).reshape(-1)
        out = np.ones((u.size, self.flagged.size))
        for j in np.flatnonzero(self.flagged):
            local = np.interp(u, self.centres, self.ratios[:, j])
            out[:, j] = np.maximum(local, 1.0)
        return out


def check_weights_against_residuals(
    u: np.ndarray,
    resid: np.ndarray,
    w: np.ndarray,
    unit: np.ndarray,
    *,
    given: bool,
    x: np.ndarray,
) -> WeightCheck | None:
    """Compare the standardised residuals with the weights; warn where they disagree.

    Parameters
    ----------
    u : numpy.ndarray of shape (n,)
        Internal x of the samples (increasing).
    resid : numpy.ndarray of shape (n, m)
        Residuals of the fit in internal units.
    w : numpy.ndarray of shape (n,)
        The weights, in internal units.
    unit : numpy.ndarray of shape (m,)
        The variance of a sample of weight one estimated by the fit.
    given : bool
        Whether the user passed weights; without them (all equal) nothing is checked.
    x : numpy.ndarray of shape (n,)
        The samples' x in the user's units, to name a region in the warning.

    Returns
    -------
    WeightCheck or None
        None when no weights were given, or there are too few samples to judge.
    """
    n, m = resid.shape
    if not given or n < 2 * _MIN_RUN:
        return None
    safe_unit = np.where(unit > 0, unit, 1.0)
    r2 = resid**2 * w[:, None] / safe_unit
    run = max(_MIN_RUN, math.ceil(_RUN_SHARE * n))
    starts = np.unique(np.linspace(0, n - run, max(1, 2 * n // run)).astype(np.intp))
    csum = np.vstack([np.zeros((1, m)), np.cumsum(r2, axis=0)])
    ratios = (csum[starts + run] - csum[starts]) / run  # (R, m)
    centres = 0.5 * (u[starts] + u[starts + run - 1])
    # The typical level: robust to the runs that break the promise.
    level = np.maximum(np.median(r2, axis=0) / _CHI2_1_MEDIAN, np.finfo(float).tiny)
    relative = ratios / level
    # Upper quantile of a mean of `run` chi-squared(1) variables: 2 Q^-1(run / 2, p) / run.
    chance = 2.0 * special.gammainccinv(run / 2.0, _FALSE_ALARM / starts.size) / run
    bad = (relative > max(_FLAG_RATIO, chance)) & (unit > 0)
    flagged = bad.any(axis=0)
    for j in np.flatnonzero(flagged):
        regions = _regions(starts[bad[:, j]], relative[bad[:, j], j], run, n)
        named = " and ".join(
            f"[{float(x[first]):.6g}, {float(x[last]):.6g}]" for first, last, _ in regions
        )
        worst = float(np.sqrt(max(peak for _, _, peak in regions)))
        series = f" (series {j})" if m > 1 else ""
        warnings.warn(
            f"the weights understate the noise for x in {named}{series}: the residuals there "
            f"are up to {worst:.3g} times larger than the weights allow relative to the other "
            "samples, so the uncertainty band is widened there. Weights are read as inverse "
            "variances known up to a common factor; check how they were computed for that "
            "region (rounding, an error model that does not hold there)",
            RuntimeWarning,
            stacklevel=5,
        )
    return WeightCheck(centres, ratios, flagged)


def _regions(
    starts: np.ndarray, peaks: np.ndarray, run: int, n: int
) -> list[tuple[int, int, float]]:
    """Flagged runs merged where they overlap: (first sample, last sample, peak ratio), the
    worst region first."""
    regions: list[tuple[int, int, float]] = []
    for start, peak in zip(starts.tolist(), peaks.tolist(), strict=True):
        end = min(start + run - 1, n - 1)
        if regions and start <= regions[-1][1]:
            first, last, worst = regions[-1]
            regions[-1] = (first, max(last, end), max(worst, peak))
        else:
            regions.append((start, end, peak))
    return sorted(regions, key=lambda region: -region[2])


def decimal_resolution(y: np.ndarray) -> np.ndarray:
    """The rounding quantum of every value of ``y`` (n, m) as written in decimal.

    A value's quantum is the unit of its last significant decimal digit (0.0012 -> 1e-4,
    157.0 -> 1); a value written with more digits than float64 holds gets a negligible one.
    Values that need more than 20 digits below the largest magnitude, and exact zeros, get
    quantum 0. Trailing zeros hide finer digits (57.0 may have been 57.00): callers must not
    trust one value's quantum alone.
    """
    quantum = np.zeros(y.shape)
    for column in range(y.shape[1]):  # series of different magnitudes, each its own digits
        top = float(np.abs(y[:, column]).max())
        if top == 0:
            continue
        values, found = y[:, column], np.zeros(y.shape[0], dtype=bool)
        first = -int(np.floor(np.log10(top))) - 1
        # 10**308 is the largest power of ten in float64; finer than 10**-323 is below it.
        for decimals in range(max(first, -308), min(first + 21, 324)):
            with np.errstate(all="ignore"):
                hit = ~found & (np.round(values, decimals) == values)
            quantum[hit, column] = 10.0**-decimals
            found |= hit
    quantum[y == 0] = 0.0  # an exact zero says nothing about its digits
    return quantum


def rounding_to_claimed_variance(y: np.ndarray, std: Any, unit: np.ndarray) -> np.ndarray:
    """Ratio (n, m) of each sample's rounding variance to the variance its weight claims.

    ``y`` in the user's units; ``std`` the fit's internal data (weights, scaling); ``unit`` the
    fitted variance of a sample of weight one in internal units.
    """
    scaling = std.scaling
    quantum = np.ldexp(decimal_resolution(y), -scaling.y_exp) / scaling.resid  # resid > 0
    claimed = np.maximum(unit, np.finfo(float).tiny)[None, :] / std.w[:, None]
    ratio = quantum**2 / 12.0 / claimed
    # A value whose trailing zeros were dropped (57.0 for 57.00) looks coarser than it is; such
    # values are isolated, while coarsely rounded data are coarse in runs: a sample counts only
    # when a neighbour agrees.
    coarse = ratio > _ROUNDING_CONFIRM
    agreed = np.zeros_like(coarse)
    agreed[1:] |= coarse[:-1]
    agreed[:-1] |= coarse[1:]
    return np.where(agreed, ratio, np.minimum(ratio, _ROUNDING_CONFIRM))
