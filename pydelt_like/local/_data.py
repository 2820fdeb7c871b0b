"""The samples a local fit works on: the positive-weight samples in the spline's internal
units (``pydelt_like.spline._scaling``: x on [0, 1], y less its weighted least-squares line
and of magnitude one), binned when there are many.

A local fit costs about (points evaluated) x (samples per window). Above ``BIN_ABOVE``
samples, runs of consecutive samples are merged into equal-count bins: each bin becomes one
pseudo-sample at the weighted mean of its x, with the weighted mean of its y and the sum of
its weights (so its noise variance is that of a mean). For windows of many bins this is the
binned local polynomial of Fan and Marron (1994), whose error is far below the noise; it
cannot resolve features narrower than a few bins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["BIN_ABOVE", "Working", "working_samples"]

#: Above this many samples, fits run on at most this many equal-count bins: cross-validating
#: every degree and window of 3 000 samples takes about a second.
BIN_ABOVE = 3_000


@dataclass(frozen=True)
class Working:
    """Samples as a local fit sees them.

    Attributes
    ----------
    x : numpy.ndarray of shape (n,)
        Sorted, distinct positions in [0, 1] (bin means when binned).
    y : numpy.ndarray of shape (n, m)
        Values (bin means when binned).
    w : numpy.ndarray of shape (n,)
        Positive weights: the sample weights scaled to mean one (summed over each bin when
        binned), so that a weight of one stands for a sample of average weight.
    bin_size : int
        Samples per bin (1: not binned).
    """

    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    bin_size: int


def working_samples(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> Working:
    """Sorted, distinct samples ``x`` (n,), ``y`` (n, m) with positive weights ``w``, binned
    above ``BIN_ABOVE`` samples."""
    w = w / w.mean()
    if x.size <= BIN_ABOVE:
        return Working(x=x, y=y, w=w, bin_size=1)
    size = math.ceil(x.size / BIN_ABOVE)
    starts = np.arange(0, x.size, size)
    total = np.add.reduceat(w, starts)
    bx = np.add.reduceat(w * x, starts) / total
    by = np.add.reduceat(w[:, None] * y, starts, axis=0) / total[:, None]
    # A weighted mean lies within its bin, so the bins stay in order; clip rounding.
    bx = np.maximum.accumulate(np.clip(bx, x[starts], x[np.minimum(starts + size, x.size) - 1]))
    distinct = np.r_[True, np.diff(bx) > 0]
    if not distinct.all():  # bins whose means coincide at float64 resolution: merge them
        groups = np.cumsum(distinct) - 1
        total_g = np.bincount(groups, total)
        bx = np.bincount(groups, total * bx) / total_g
        by = np.stack([np.bincount(groups, total * col) / total_g for col in by.T], axis=1)
        total = total_g
    return Working(x=bx, y=by, w=total, bin_size=size)
