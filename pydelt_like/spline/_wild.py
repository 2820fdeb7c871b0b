"""Candidates of the smoothing search that swing far beyond the data between samples.

A candidate whose knots fall where samples are few (clustered x) can follow the noise of the few
samples there and swing orders of magnitude beyond the data between them, while its residuals
stay small enough to earn some weight: even a few percent of such a swing ruins the average (a
quintic through 43 samples within 0.001 and three far ones swung 10**5 times the noise). Such
candidates lose their weight; where every weighted candidate of a series is one, more knot
intervals are tried until one stays within the data.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from pydelt_like.spline._kernels import fit_batch, merge
from pydelt_like.spline._selection import Selection

__all__ = ["past_wild_candidates", "without_wild_candidates"]

#: A candidate whose curve exceeds this many times the largest datum, on a grid of _SWING_GRID
#: points over the data's range, swings far beyond the data; smooth fits stay within a few times.
_CANDIDATE_GROWTH = 100.0
_SWING_GRID = 1025


def _swings(z: np.ndarray, count: int, coef: np.ndarray, k: int) -> np.ndarray:
    """Per series, whether the candidate's curve exceeds ``_CANDIDATE_GROWTH`` times the
    largest datum somewhere on a fine grid over the data's range."""
    scale = np.maximum(np.abs(z).max(axis=0), np.finfo(float).tiny)
    with np.errstate(all="ignore"):
        curve = merge([(count, coef)], 0.0, 1.0, k)(np.linspace(0.0, 1.0, _SWING_GRID))
    return ~(np.abs(curve).max(axis=0) <= _CANDIDATE_GROWTH * scale)


def without_wild_candidates(
    z: np.ndarray, sel: Selection, coefs: list[np.ndarray | None], k: int
) -> tuple[Selection, np.ndarray]:
    """The selection without candidates that swing wild (see :func:`_swings`).

    ``z`` (n, m) are the data in internal units, ``coefs`` each candidate's coefficients (None
    for one not fitted). Also returns, per series, whether every weighted candidate swung (its
    weights are then left as they were, for :func:`past_wild_candidates`).
    """
    m = sel.weights.shape[1]
    wild = np.zeros(sel.weights.shape, dtype=bool)
    for i, (count, coef) in enumerate(zip(sel.counts, coefs, strict=True)):
        if coef is not None and (sel.weights[i].max() > 0 or sel.band[i].max() > 0):
            wild[i] = _swings(z, int(count), coef, k)
    stuck = np.zeros(m, dtype=bool)
    if not wild.any():
        return sel, stuck
    weights, band = sel.weights.copy(), sel.band.copy()
    for j in range(m):
        keep = ~wild[:, j]
        if (weights[keep, j] > 0).any():
            weights[~keep, j] = 0.0
            weights[:, j] /= weights[:, j].sum()
        else:
            stuck[j] = True
        if (band[keep, j] > 0).any():
            band[~keep, j] = 0.0
            band[:, j] /= band[:, j].sum()
    return dataclasses.replace(sel, weights=weights, band=band), stuck


def past_wild_candidates(
    std: Any,
    sel: Selection,
    coefs: list[np.ndarray | None],
    stuck: np.ndarray,
    k: int,
    limit: int,
) -> tuple[Selection, list[np.ndarray | None]]:
    """More knot intervals for the series whose every weighted candidate swings wild.

    Few intervals over clustered samples leave coefficients that only the noise of a few far
    samples decides; more intervals localise them, and the bridge over stretches without data
    holds them calm. Tries growing counts (by half each time, up to ``limit``) until one stays
    within the data for every such series, and gives it all their weight; the other series
    are unchanged. ``std`` is the fit's internal data (``u``, ``z``, ``w``).
    """
    count = int(sel.counts.max())
    coef, calm = None, np.zeros(stuck.shape, dtype=bool)
    while count < limit:
        count = min(limit, max(count + 1, (3 * count) // 2))
        coef = fit_batch(std.u, std.z, std.w, 0.0, 1.0, k, np.array([count])).coefficients(0)
        calm = ~_swings(std.z, count, coef, k)
        if calm[stuck].all():
            break
    chosen = stuck & calm
    if coef is None or not chosen.any():
        return sel, coefs
    row = np.where(chosen, 1.0, 0.0)[None, :]
    weights = np.vstack([np.where(chosen, 0.0, sel.weights), row])
    band = np.vstack([np.where(chosen, 0.0, sel.band), row])
    counts = np.append(sel.counts, count)
    selection = dataclasses.replace(sel, counts=counts, weights=weights, band=band)
    return selection, [*coefs, coef]
