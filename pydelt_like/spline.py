"""Smoothing splines with automatic smoothing and closed-form derivatives.

The automatic fit is a least-squares B-spline of degree ``k`` on uniform knots,
where the *amount of smoothing* is the number of knot intervals. Every candidate
number of intervals is fitted (one banded solve each, shared by all series of a
batch), scored by an information criterion, and the candidates are averaged with
weights ``exp(-criterion / 2)`` (smoothed model selection, as in Bayesian model
averaging). A regression spline with few knots does not shrink the signal
towards a polynomial the way a roughness penalty does, which is what keeps
derivative estimates unbiased; averaging over neighbouring knot counts removes
the jumpiness of a hard choice.

All heavy work is O(n): the data enter the normal equations only through
per-interval power sums of the local knot coordinate, and the banded system is
solved with LAPACK's banded Cholesky.
"""

from __future__ import annotations

import copy
import functools
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import linalg, sparse
from scipy.interpolate import BSpline, PPoly, make_interp_spline

from pydelt_like._stats import difference_noise_variance
from pydelt_like._validation import (
    FitData,
    as_float_array,
    check_eval_points,
    check_option,
    check_order,
)
from pydelt_like.base import BaseInterpolator

__all__ = ["SplineInterpolator"]

#: Penalty per parameter of the criterion that weights the candidate fits.
#: Between AIC's 2 and BIC's log(n); it errs on the smooth side, which suits derivatives.
_CRITERION_PENALTY = 4.0
#: The same per parameter for the weights of the uncertainty band (AIC's).
_BAND_PENALTY = 2.0
#: Candidates whose weight is below this fraction of the best one are dropped.
_WEIGHT_CUTOFF = 1e-4
#: Stop the search once this many consecutive candidates score this much worse than the best.
_STOP_MARGIN = 60.0
_STOP_COUNT = 3
#: The coarse ladder of knot counts grows by this ratio; candidates scoring within
#: _REFINE_MARGIN of the best are then filled in at every fine count.
_COARSE_RATIO = 1.25
_COARSE_CHUNK = 10
_REFINE_MARGIN = 25.0
#: Relative size of the third-difference penalty that keeps knot intervals without data solvable.
_RIDGE = 1e-9
#: Above this many samples, the knot count is selected on equal-count bins of the data.
_BIN_ABOVE = 8_000
_N_BINS = 4_000
#: While selecting on bins, knot intervals stay at least this many bins wide.
_BIN_KNOT_RATIO = 8
#: A fit "resolves" the signal once its residual variance is within this factor of the
#: noise variance estimated from local differences; only then may the search stop early.
_RESOLVED_FACTOR = 2.0
#: Rough number of float64 values one chunk of candidate fits may hold at once.
_MEMORY_BUDGET = 20_000_000
#: Below this fraction of sum(w y**2), residual sums of squares are computed from residuals.
_EXACT_RSS_BELOW = 1e-6
#: Up to this many series, right-hand sides come from power sums rather than sparse products.
_FEW_SERIES = 4


# --------------------------------------------------------------------------------------
# Uniform B-spline machinery
# --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _cardinal_coefficients(k: int) -> np.ndarray:
    """Polynomial coefficients of the ``k + 1`` B-splines alive on one uniform interval.

    Row ``r`` holds the coefficients (increasing powers of the local coordinate
    ``s`` in [0, 1]) of the basis function whose support starts ``k - r`` intervals
    to the left of the interval, i.e. of the cardinal B-spline ``N_k(s + k - r)``.
    """
    coef = np.zeros((k + 1, k + 1))
    for r in range(k + 1):
        piece = k - r  # which unit piece of N_k the interval is
        for i in range(piece + 1):
            sign = (-1) ** i * math.comb(k + 1, i)
            shift = piece - i  # (s + shift)^k expanded in powers of s
            for p in range(k + 1):
                coef[r, p] += sign * math.comb(k, p) * shift ** (k - p)
    coef /= math.factorial(k)
    coef.flags.writeable = False  # cached and shared
    return coef


@functools.lru_cache(maxsize=8)
def _upper_pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the upper triangle of a (k + 1) x (k + 1) block."""
    return np.triu_indices(k + 1)


def _local_basis(s: np.ndarray, card: np.ndarray) -> np.ndarray:
    """Values (len(s), k + 1) of the live basis functions at local coordinates ``s``."""
    return np.vander(s, card.shape[0], increasing=True) @ card.T


def _uniform_knots(lo: float, hi: float, n_intervals: int, k: int) -> np.ndarray:
    """Knot vector of ``n_intervals`` equal intervals on [lo, hi], extended by ``k`` each side."""
    h = (hi - lo) / n_intervals
    knots = lo + h * np.arange(-k, n_intervals + k + 1)
    knots[k] = lo  # exact ends, free of rounding
    knots[k + n_intervals] = hi
    return knots


def _candidate_counts(max_intervals: int) -> list[int]:
    """Knot-interval counts to try: every count up to 30, then steps of about 5 %."""
    counts, count = [], 1
    while count <= max_intervals:
        counts.append(count)
        count = count + 1 if count < 30 else max(count + 1, math.ceil(count * 1.05))
    return counts


@dataclass
class _Batch:
    """Least-squares fits for several knot counts at once.

    The fits are independent, so their normal equations form one block-diagonal
    banded system: a single LAPACK call solves them all.
    """

    counts: np.ndarray  # (C,) knot-interval counts
    coef_start: np.ndarray  # (C + 1,) where each candidate's coefficients start
    coef: np.ndarray  # (sum of n_coef, m)
    rss: np.ndarray  # (C, m) weighted residual sums of squares

    def coefficients(self, i: int) -> np.ndarray:
        return self.coef[self.coef_start[i] : self.coef_start[i + 1]]


class _Layout:
    """Where the samples fall in the knot intervals of several uniform-knot candidates.

    The candidates' coefficients are stacked into one block-diagonal system: candidate ``i``
    owns coefficients ``coef_start[i]`` to ``coef_start[i + 1]``.
    """

    def __init__(self, x: np.ndarray, lo: float, hi: float, counts: np.ndarray, k: int) -> None:
        self.k = k
        int_start = np.r_[0, np.cumsum(counts)]
        self.coef_start = np.r_[0, np.cumsum(counts + k)]
        self.n_total = int(self.coef_start[-1])
        u = (x[None, :] - lo) * (counts[:, None] / (hi - lo))
        local = np.floor(u).astype(np.intp)
        np.clip(local, 0, counts[:, None] - 1, out=local)  # x = hi joins the last interval
        self.local = local  # (C, n)
        self.s = (u - local).ravel()  # local coordinate in [0, 1]
        # x is sorted, so the global interval index runs non-decreasing through the flat array.
        interval = (local + int_start[:-1, None]).ravel()
        self.starts = np.flatnonzero(np.r_[True, interval[1:] != interval[:-1]])
        occupied = interval[self.starts]
        cand_of = np.searchsorted(int_start, occupied, side="right") - 1
        self.first_coef = occupied - int_start[cand_of] + self.coef_start[cand_of]

    def gram_bands(self, power_sums: np.ndarray) -> np.ndarray:
        """The stacked Gram matrices in band form, from sums of w s^p per occupied interval."""
        return _gram_bands(power_sums, self.first_coef, self.n_total, self.k)


def _gram_bands(power_sums: np.ndarray, first_coef: np.ndarray, n_total: int, k: int) -> np.ndarray:
    """Block-diagonal Gram matrices of uniform-knot splines in upper band form.

    ``power_sums`` (2k + 1, n_intervals) holds sum(w s^p), p = 0 .. 2k, over the samples of
    each knot interval (local coordinate s in [0, 1]); ``first_coef`` the index of the first
    coefficient alive on each interval. With ``b_r(s) = card[r] @ s**p``, an interval's Gram
    block is ``card @ Hankel(sums) @ card.T``. The band form (for LAPACK) has one band more
    than the Gram matrix, for the penalty of :func:`_add_ridge`; row k + 1 is the diagonal.
    """
    card = _cardinal_coefficients(k)
    hankel = power_sums.T[:, np.add.outer(np.arange(k + 1), np.arange(k + 1))]
    gram_local = card @ hankel @ card.T  # (n_intervals, k + 1, k + 1)
    # Entry (r, c) of interval j lands in row k + 1 - (c - r), column first_coef[j] + c;
    # neighbouring intervals overlap, so sum.
    r_idx, c_idx = _upper_pairs(k)
    flat = (k + 1 - (c_idx - r_idx))[None, :] * n_total + first_coef[:, None] + c_idx[None, :]
    return np.bincount(
        flat.ravel(), gram_local[:, r_idx, c_idx].ravel(), minlength=(k + 2) * n_total
    ).reshape(k + 2, n_total)


def _fit_batch(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    lo: float,
    hi: float,
    k: int,
    counts: np.ndarray,
) -> _Batch:
    """Fit uniform-knot least-squares splines of degree ``k`` for every count in ``counts``.

    The data enter only through per-interval power sums of the local coordinate
    ``s``: with ``b_r(s) = card[r] @ s**p`` the local Gram block is
    ``card @ Hankel(sum w s**p) @ card.T``, so the cost is O(n) per candidate.
    """
    card = _cardinal_coefficients(k)
    counts = np.asarray(counts, dtype=np.intp)
    n_cand, (n, m) = counts.size, y.shape
    layout = _Layout(x, lo, hi, counts, k)
    local, s, coef_start, n_total = layout.local, layout.s, layout.coef_start, layout.n_total
    first_coef = layout.first_coef

    # Rows: w s^p for p = 0 .. 2k (the Gram matrix), then w y s^p for p = 0 .. k and each
    # series (the right-hand sides, when there are few series); one reduction sums them
    # per knot interval.
    few = m <= _FEW_SERIES
    n_rows = 2 * k + 1 + (k + 1) * m * few
    rows = np.empty((n_rows, n_cand * n))
    rows[0] = np.tile(w, n_cand)
    for p in range(1, 2 * k + 1):
        np.multiply(rows[p - 1], s, out=rows[p])
    if few:
        for j in range(m):
            y_rep = np.tile(y[:, j], n_cand)
            first = 2 * k + 1 + j * (k + 1)
            np.multiply(rows[: k + 1], y_rep, out=rows[first : first + k + 1])
    sums = np.add.reduceat(rows, layout.starts, axis=1)  # (n_rows, n_occupied)
    del rows
    bands = layout.gram_bands(sums[: 2 * k + 1])

    rhs = np.zeros((n_total, m))
    if few:
        rhs_sums = sums[2 * k + 1 :].reshape(m, k + 1, -1)  # (m, k + 1, n_occupied)
        rhs_local = np.einsum("rp,mpj->jrm", card, rhs_sums)
        for r in range(k + 1):
            rhs[first_coef + r] += rhs_local[:, r]  # distinct indices for a fixed r
    else:  # many series: one sparse product per candidate keeps memory at O(n m)
        wy = w[:, None] * y
        basis = _local_basis(s, card).reshape(n_cand, n, k + 1)
        indptr = np.arange(0, n * (k + 1) + 1, k + 1)
        for i in range(n_cand):
            cols = local[i, :, None] + np.arange(k + 1)
            block = sparse.csr_matrix(
                (basis[i].ravel(), cols.ravel(), indptr), shape=(n, counts[i] + k)
            )
            rhs[coef_start[i] : coef_start[i + 1]] = block.T @ wy

    coef, row_weight = _solve_banded(bands, rhs, coef_start)

    # Residual sums of squares from the normal equations (for the ridged solution,
    # RSS = y'Wy - c'r - ridge penalty); where that identity loses its digits to
    # cancellation (nearly exact fits), from the residuals themselves.
    wyy = np.einsum("i,ij,ij->j", w, y, y)
    order = bands.shape[0] - 1
    penalty = np.zeros_like(coef)
    penalty[: n_total - order] = (
        row_weight[: n_total - order, None] * np.diff(coef, order, axis=0) ** 2
    )
    rss = wyy - np.add.reduceat(coef * rhs + penalty, coef_start[:-1], axis=0)
    for cand in np.flatnonzero(np.any(rss < _EXACT_RSS_BELOW * wyy, axis=1)):
        i = int(cand)
        part = coef[coef_start[i] : coef_start[i + 1]]
        fitted = _uniform_values(x, lo, hi, int(counts[i]), part, k)
        rss[i] = np.einsum("i,ij->j", w, (y - fitted) ** 2)
    np.maximum(rss, 0.0, out=rss)
    return _Batch(counts, coef_start, coef, rss)


def _add_ridge(bands: np.ndarray, coef_start: np.ndarray, boost: float = 1.0) -> np.ndarray:
    """Add a tiny difference penalty of order ``k + 1`` to each block, in place.

    Knot intervals without data leave coefficients undetermined; the penalty fills
    them smoothly. Its null space holds every polynomial of degree ``k``, so those
    are still reproduced exactly, and elsewhere it acts at round-off level.
    ``bands`` is in upper form with ``k + 2`` rows (the last is the diagonal).
    Returns the weight of each difference row, so the penalty can be evaluated.
    """
    order = bands.shape[0] - 1
    n_total = bands.shape[1]
    stencil = np.array([(-1) ** (order - i) * math.comb(order, i) for i in range(order + 1)])
    block = np.repeat(np.arange(coef_start.size - 1), np.diff(coef_start))
    # Difference row l covers coefficients l .. l+order; valid only inside one block.
    valid = np.zeros(n_total)
    last = n_total - order
    valid[:last] = block[:last] == block[order:]
    diag_mean = np.add.reduceat(bands[order], coef_start[:-1]) / np.diff(coef_start)
    lam = _RIDGE * boost * np.maximum(diag_mean, np.finfo(float).tiny) / np.dot(stencil, stencil)
    row_weight = valid * lam[block]
    # (D' diag(row_weight) D)[j, j + d] = sum_a stencil[a] stencil[a + d] row_weight[j - a].
    for d in range(order + 1):
        kernel = stencil[: order + 1 - d] * stencil[d:]
        bands[order - d, d:] += np.convolve(row_weight, kernel)[: n_total - d]
    return row_weight


def _factor_banded(bands: np.ndarray, coef_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add the ridge and factor: the upper banded Cholesky factor and the ridge row weights.

    The ridge is boosted until the factorisation succeeds.
    """
    row_weight = _add_ridge(bands, coef_start)
    for boost in (1e2, 1e4, 1e6, None):
        try:
            return linalg.cholesky_banded(bands, check_finite=False), row_weight
        except linalg.LinAlgError:
            if boost is None:
                break
            row_weight = row_weight + _add_ridge(bands, coef_start, boost=boost)
    raise FloatingPointError("the spline's normal equations could not be solved")


def _solve_banded(
    bands: np.ndarray, rhs: np.ndarray, coef_start: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Solve the ridge-stabilised system; return the coefficients and the ridge row weights."""
    factor, row_weight = _factor_banded(bands, coef_start)
    return linalg.cho_solve_banded((factor, False), rhs, check_finite=False), row_weight


def _inverse_band(factor: np.ndarray) -> np.ndarray:
    """The band of A^-1 from the upper banded Cholesky factor of A = U'U (LAPACK form).

    Returns S of shape (n, u + 1), u the factor's bandwidth, with S[i, d] = (A^-1)[i, i + d]
    (zero past the end). Only the band is computed, in O(n u^2), by the backward recursion of
    Hutchinson and de Hoog (1985): from U A^-1 = U^-T, whose right-hand side is lower
    triangular with diagonal 1 / U[i, i], for j > i

        (A^-1)[i, j] = -sum_l U[i, l] (A^-1)[l, j] / U[i, i],   l = i+1 .. i+u,

    and (A^-1)[i, i] = (1 / U[i, i] - sum_l U[i, l] (A^-1)[l, i]) / U[i, i]: every term lies
    in the band.
    """
    u, n = factor.shape[0] - 1, factor.shape[1]
    upper = np.zeros((n, u + 1))  # upper[i, d] = U[i, i + d]
    for d in range(u + 1):
        upper[: n - d, d] = factor[u - d, d:]
    band = np.zeros((n + u, u + 1))  # rows from n on stay zero: indices past the end
    offsets = np.arange(u)
    nearer = np.minimum.outer(offsets, offsets)  # A^-1[l, j] = band[min(l, j), |l - j|]
    distance = np.abs(np.subtract.outer(offsets, offsets))
    for i in range(n - 1, -1, -1):
        diag, off = upper[i, 0], upper[i, 1:]
        below = band[i + 1 + nearer, distance]  # A^-1 on rows and columns i+1 .. i+u
        s_off = -(off @ below) / diag
        band[i, 0] = (1.0 / diag - off @ s_off) / diag
        band[i, 1:] = s_off
    return band[:n]


def _uniform_values(
    points: np.ndarray, lo: float, hi: float, count: int, coef: np.ndarray, k: int
) -> np.ndarray:
    """Values (len(points), m) of the spline with ``count`` uniform intervals on [lo, hi]."""
    u = (points - lo) * (count / (hi - lo))
    interval = np.clip(np.floor(u).astype(np.intp), 0, count - 1)
    basis = _local_basis(u - interval, _cardinal_coefficients(k))
    return sum(basis[:, r, None] * coef[interval + r] for r in range(k + 1))


def _merge(parts: list[tuple[int, np.ndarray]], lo: float, hi: float, k: int) -> BSpline:
    """One B-spline equal to a sum of uniform-knot splines of degree ``k`` on [lo, hi].

    ``parts`` holds (number of intervals, coefficients) pairs. Each part is C^(k-1) at
    its own knots and a polynomial elsewhere, so the sum is a spline on the union of
    the interior knots; interpolating it at the Greville points of that knot vector
    recovers it exactly (up to round-off). Extrapolation is preserved too: beyond
    [lo, hi] every part continues its end polynomial, and so does the merged spline.
    """
    if len(parts) == 1:
        count, coef = parts[0]
        return BSpline(_uniform_knots(lo, hi, count, k), coef, k, extrapolate=True)
    grids = [lo + (hi - lo) * np.arange(1, count) / count for count, _ in parts]
    interior = np.unique(np.concatenate(grids))
    # Knots of different grids that coincide up to rounding are one knot.
    interior = interior[np.r_[True, np.diff(interior) > 1e-9 * (hi - lo)]]
    interior = interior[(interior > lo) & (interior < hi)]
    knots = np.r_[[lo] * (k + 1), interior, [hi] * (k + 1)]
    windows = np.lib.stride_tricks.sliding_window_view(knots[1:-1], k)
    greville = np.clip(windows.mean(axis=1), lo, hi)  # a mean of equal knots may round out
    values = sum(_uniform_values(greville, lo, hi, count, coef, k) for count, coef in parts)
    merged = make_interp_spline(greville, values, k=k, t=knots, axis=0)
    merged.extrapolate = True
    return merged


class _Posterior:
    """Uncertainty of an automatic fit: the Bayesian reading of its least-squares candidates.

    With a flat prior on the coefficients and Gaussian noise of variance ``unit_var / w`` per
    sample, candidate ``i`` (``count`` uniform knot intervals) has posterior covariance
    ``unit_var * G_i^-1``, ``G_i = B_i' W B_i``. The fit averages the candidates with weights
    ``p_i``, so its posterior is their mixture, whose variance at x is

        sum_i p_i (unit_var * b_i(x)' G_i^-1 b_i(x) + (f_i(x) - f(x))^2),

    the same for any derivative with the derivative basis. A variance says nothing of the bias
    that smoothing leaves, so the band adds an estimate of it: ``(g(x) - f(x))^2``, where ``g``
    averages the same candidates with weights ``q_i`` from AIC's lighter penalty, which lean
    towards more knots. Per derivative order the result is a
    piecewise polynomial of degree 2 (k - order) on the merged knots, built once (from
    ``2 (k - order) + 1`` values per interval) and evaluated like a spline.
    """

    def __init__(self, x, w, lo, hi, k, parts, weights, band_weights, unit_var):
        self.x, self.w, self.lo, self.hi, self.k = x, w, lo, hi, k
        self.counts = np.array([count for count, _ in parts], dtype=np.intp)
        self.coefs = [coef for _, coef in parts]  # (counts + k, m), user units
        self.weights = weights  # (parts, m): the fit's
        self.band_weights = band_weights  # (parts, m): the spread's
        self.unit_var = unit_var  # (m,) noise variance of a sample of weight one, user units
        self._band: np.ndarray | None = None
        self._variance: dict[int, PPoly] = {}

    def __getstate__(self) -> dict:  # the caches are rebuilt on demand
        return {**self.__dict__, "_band": None, "_variance": {}}

    def _inverse_bands(self) -> np.ndarray:
        """The band of every candidate's G^-1, stacked as in the fit (computed once)."""
        if self._band is None:
            k, lo, hi = self.k, self.lo, self.hi
            sums, first, start = [], [], 0
            for count in self.counts:
                # One candidate at a time, one power at a time: O(n) memory at any n.
                u = (self.x - lo) * (count / (hi - lo))
                interval = np.clip(np.floor(u).astype(np.intp), 0, count - 1)
                local = u - interval
                term = self.w.copy()
                part = np.empty((2 * k + 1, count))
                for p in range(2 * k + 1):
                    part[p] = np.bincount(interval, weights=term, minlength=count)
                    term *= local
                sums.append(part)
                first.append(start + np.arange(count))
                start += int(count) + k
            coef_start = np.r_[0, np.cumsum(self.counts + k)]
            bands = _gram_bands(np.concatenate(sums, axis=1), np.concatenate(first), start, k)
            factor, _ = _factor_banded(bands, coef_start)
            self._band = _inverse_band(factor)
        return self._band

    def variance(self, order: int) -> PPoly:
        """The posterior variance of the ``order``-th derivative, as a piecewise polynomial."""
        if order not in self._variance:
            self._variance[order] = self._build(order)
        return self._variance[order]

    def _build(self, order: int) -> PPoly:
        k, lo, hi = self.k, self.lo, self.hi
        grids = [lo + (hi - lo) * np.arange(count + 1) / count for count in self.counts]
        breaks = np.unique(np.concatenate(grids))
        breaks = breaks[np.r_[True, np.diff(breaks) > 1e-9 * (hi - lo)]]
        breaks[0], breaks[-1] = lo, hi
        degree = 2 * (k - order)
        # Chebyshev points inside each interval determine its polynomial of this degree.
        nodes = 0.5 - 0.5 * np.cos(np.pi * (np.arange(degree + 1) + 0.5) / (degree + 1))
        width = np.diff(breaks)
        points = (breaks[:-1, None] + width[:, None] * nodes[None, :]).ravel()

        band = self._inverse_bands()
        start = 0
        card = _cardinal_coefficients(k)
        # Coefficients of the order-th derivative of each basis polynomial, in powers of s.
        powers = np.arange(k + 1)
        falling = np.ones(k + 1)
        for step in range(order):
            falling = falling * np.maximum(powers - step, 0)
        card_d = np.zeros_like(card)
        card_d[:, : k + 1 - order] = (card * falling)[:, order:]
        values, spread, total = [], [], 0.0
        for count, coef, p in zip(self.counts, self.coefs, self.weights, strict=True):
            u = (points - lo) * (count / (hi - lo))
            interval = np.clip(np.floor(u).astype(np.intp), 0, count - 1)
            basis = _local_basis(u - interval, card_d) * (count / (hi - lo)) ** order
            rows = start + interval[:, None] + np.arange(k + 1)  # global coefficient indices
            a, b = rows[:, :, None], rows[:, None, :]
            cov = band[np.minimum(a, b), np.abs(a - b)]  # (N, k + 1, k + 1) of G^-1
            var = np.einsum("nr,nrc,nc->n", basis, cov, basis)
            f = np.einsum("nr,nrm->nm", basis, coef[interval[:, None] + np.arange(k + 1)])
            values.append(f)
            spread.append(var)
            total = total + p * f
            start += count + k
        # The fit's own posterior (mixture of its candidates), plus its smoothing bias as
        # estimated by the difference to the average with the lighter penalty.
        variance = np.zeros((points.size, self.unit_var.size))
        lighter = np.zeros_like(variance)
        for f, var, p, q in zip(values, spread, self.weights, self.band_weights, strict=True):
            variance += p * (self.unit_var * var[:, None] + (f - total) ** 2)
            lighter += q * f
        variance += (lighter - total) ** 2
        # Polynomial coefficients per interval (decreasing powers of x - breaks[j]).
        vander = np.vander(nodes, degree + 1, increasing=True)
        local = np.linalg.solve(vander, variance.reshape(width.size, degree + 1, -1))
        scaled = local / width[:, None, None] ** np.arange(degree + 1)[None, :, None]
        return PPoly(scaled.transpose(1, 0, 2)[::-1], breaks, extrapolate=True)


def _bin_data(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, n_bins: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Summarise equal-count bins by two pseudo-samples each, exact for lines.

    Per bin, the two pseudo-samples sit at ``mean(x) -/+ sd(x)`` with half the bin's
    weight each and lie on the bin's weighted least-squares line, so for any function
    that is linear across the bin, the weighted residual sum of squares over the bin
    equals the pseudo-samples' plus the scatter about that line, which is returned
    (per series) as ``within``. Splines whose knots are much wider than the bins are
    nearly linear across each bin, so residual sums are nearly exact.
    """
    edges = np.linspace(0, x.size, n_bins + 1).astype(np.intp)
    starts, counts = edges[:-1], np.diff(edges)
    wsum = np.add.reduceat(w, starts)
    safe = np.where(wsum > 0, wsum, 1.0)
    mean_x = np.add.reduceat(w * x, starts) / safe
    # Bins with zero total weight carry no information; their x must still lie in range.
    mean_x = np.where(wsum > 0, mean_x, np.add.reduceat(x, starts) / counts)
    dx = x - np.repeat(mean_x, counts)
    sxx = np.add.reduceat(w * dx**2, starts)
    mean_y = np.add.reduceat(w[:, None] * y, starts, axis=0) / safe[:, None]
    sxy = np.add.reduceat((w * dx)[:, None] * y, starts, axis=0)
    slope = np.where(sxx[:, None] > 0, sxy / np.where(sxx > 0, sxx, 1.0)[:, None], 0.0)
    line = np.repeat(mean_y, counts, axis=0) + np.repeat(slope, counts, axis=0) * dx[:, None]
    within = np.einsum("i,ij->j", w, (y - line) ** 2)
    spread = np.sqrt(sxx / safe)
    xs = np.column_stack([mean_x - spread, mean_x + spread]).ravel()
    ys = np.stack([mean_y - slope * spread[:, None], mean_y + slope * spread[:, None]], axis=1)
    ws = np.repeat(wsum / 2, 2)
    return np.clip(xs, x[0], x[-1]), ys.reshape(2 * n_bins, -1), ws, within


def _criterion(
    rss: np.ndarray,
    n_coef: np.ndarray,
    n_eff: int,
    y_power: np.ndarray,
    per_parameter: float = _CRITERION_PENALTY,
) -> np.ndarray:
    """Information criterion per candidate and series; residuals below round-off count as equal.

    ``n log(RSS / n) + c p n / (n - p - 1)``: the penalty ``c p`` with the small-sample
    factor of AICc, which grows without bound as the fit approaches interpolation, so a
    near-interpolating fit of noisy data cannot win by driving RSS towards zero.
    """
    floor = np.maximum(np.finfo(float).eps ** 2 * y_power, np.finfo(float).tiny)
    p = n_coef[:, None].astype(float)
    slack = n_eff - p - 1.0
    with np.errstate(divide="ignore"):
        penalty = np.where(slack > 0, per_parameter * p * n_eff / np.maximum(slack, 1.0), np.inf)
    return n_eff * np.log(np.maximum(rss, floor) / n_eff) + penalty


def _ladder(fine: np.ndarray) -> np.ndarray:
    """A geometric subset (ratio about _COARSE_RATIO) of the fine candidate counts."""
    marks = _COARSE_RATIO ** np.arange(int(np.log(fine[-1]) / np.log(_COARSE_RATIO)) + 2)
    return np.unique(fine[np.searchsorted(fine, marks).clip(max=fine.size - 1)])


class _KnotSearch:
    """Which knot counts to fit, and which of them count for each series.

    Counts are fitted in two passes: a coarse geometric ladder, walked until the
    rest cannot matter, then every fine count between the rungs next to the good
    ones. Each series keeps its own stopping point and refinement window, so a
    series fitted in a batch gets exactly the candidates it would get alone.
    """

    def __init__(self, fit_counts, fine, k, n_eff, y_power, target, chunk, noise_var):
        self.fit_counts = fit_counts  # callable: counts -> (C, m) residual sums of squares
        self.noise_var = noise_var  # (m,) model-free noise variance estimate
        self.fine = np.asarray(fine)
        self.ladder = _ladder(self.fine)
        self.k, self.n_eff, self.y_power, self.target, self.chunk = (
            k,
            n_eff,
            y_power,
            target,
            chunk,
        )
        self.rss: dict[int, np.ndarray] = {}

    def _run(self, counts: np.ndarray) -> None:
        for begin in range(0, counts.size, self.chunk):
            part = counts[begin : begin + self.chunk]
            self.rss.update(zip(part.tolist(), self.fit_counts(part), strict=True))

    def _score(self, counts: np.ndarray) -> np.ndarray:
        rss = np.array([self.rss[c] for c in counts])
        if self.target is not None:
            return rss
        return _criterion(rss, counts + self.k, self.n_eff, self.y_power)

    def _cutoff(self, rungs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per series, the index of the last rung that counts and whether the walk ended."""
        score = self._score(rungs)
        if self.target is not None:
            meets = score <= self.target
            met = np.asarray(meets.any(axis=0))
            return np.where(met, meets.argmax(axis=0), rungs.size - 1), met
        exceed = score > np.minimum.accumulate(score, axis=0) + _STOP_MARGIN
        if rungs.size < _STOP_COUNT:
            return np.full(score.shape[1], rungs.size - 1), np.zeros(score.shape[1], bool)
        # The walk may only end once some fit has resolved the signal: its residual
        # variance is down to the noise level seen in the data's local differences.
        # Until then a rising score only means the signal is not yet resolved.
        rss = np.array([self.rss[c] for c in rungs])
        dof = np.maximum(self.n_eff - (rungs + self.k), 1)[:, None]
        resolved = np.minimum.accumulate(rss / dof, axis=0) <= _RESOLVED_FACTOR * self.noise_var
        window = np.lib.stride_tricks.sliding_window_view(exceed, _STOP_COUNT, axis=0).all(-1)
        window &= resolved[_STOP_COUNT - 1 :]
        ended = np.asarray(window.any(axis=0))
        return np.where(ended, window.argmax(axis=0) + _STOP_COUNT - 1, rungs.size - 1), ended

    def run(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fit the candidates; return counts (C,), residual sums (C, m) and a mask (C, m)."""
        ladder = self.ladder
        for begin in range(0, ladder.size, self.chunk):
            self._run(ladder[begin : begin + self.chunk])
            done = ladder[: begin + self.chunk]
            if self._cutoff(done)[1].all():
                break
        rungs = ladder[ladder <= max(self.rss)]
        cutoff, _ = self._cutoff(rungs)
        score = self._score(rungs)
        considered = np.arange(rungs.size)[:, None] <= cutoff[None, :]
        if self.target is None:
            masked = np.where(considered, score, np.inf)
            near = masked <= masked.min(axis=0) + _REFINE_MARGIN
            first, last = near.argmax(axis=0), rungs.size - 1 - near[::-1].argmax(axis=0)
        else:
            met = score[cutoff, np.arange(score.shape[1])] <= self.target
            best = np.where(considered, score, np.inf).argmin(axis=0)
            first = last = np.where(met, cutoff, best)
        low = rungs[np.maximum(first - 1, 0)]
        high = rungs[np.minimum(last + 1, cutoff)]
        window = (self.fine[:, None] > low) & (self.fine[:, None] < high)
        self._run(np.setdiff1d(self.fine[window.any(axis=1)], rungs))

        counts = np.array(sorted(self.rss))
        rss = np.array([self.rss[c] for c in counts])
        in_window = (counts[:, None] > low) & (counts[:, None] < high)
        on_ladder = np.isin(counts, rungs)[:, None] & (counts[:, None] <= rungs[cutoff])
        return counts, rss, on_ladder | in_window


def _candidate_weights(
    rss: np.ndarray,
    counts: np.ndarray,
    mask: np.ndarray,
    k: int,
    n_eff: int,
    y_power: np.ndarray,
    target: np.ndarray | None,
    per_parameter: float = _CRITERION_PENALTY,
) -> np.ndarray:
    """Weight of every candidate for every series, shape (C, m); each column sums to 1."""
    if target is None:
        crit = _criterion(rss, counts + k, n_eff, y_power, per_parameter)
        crit = np.where(mask, crit, np.inf)
        # With k + 2 samples the one candidate leaves no degree of freedom for the criterion's
        # small-sample factor: every score is infinite. Take the least-squares fit itself.
        unscored = ~np.isfinite(crit).any(axis=0)
        crit[:, unscored] = np.where(mask[:, unscored], 0.0, np.inf)
        weights = np.exp(-(crit - crit.min(axis=0)) / 2.0)
        weights[weights < _WEIGHT_CUTOFF] = 0.0
        return weights / weights.sum(axis=0)
    meets = (rss <= target) & mask
    if not meets.any(axis=0).all():
        warnings.warn(
            f"no spline with at most {counts.max()} knot intervals reaches the residual sum of "
            "squares set by smoothing; using the closest fit. Raise max_knots (or smoothing).",
            RuntimeWarning,
            stacklevel=5,
        )
    # The fewest knots meeting the target, else the closest fit that was tried.
    closest = np.where(mask, rss, np.inf).argmin(axis=0)
    choice = np.where(meets.any(axis=0), meets.argmax(axis=0), closest)
    weights = np.zeros_like(rss)
    weights[choice, np.arange(rss.shape[1])] = 1.0
    return weights


def _find_coefficients(batches: list[_Batch], count: int) -> np.ndarray:
    for batch in batches:
        hit = np.flatnonzero(batch.counts == count)
        if hit.size:
            return batch.coefficients(int(hit[0]))
    raise KeyError(count)  # pragma: no cover - counts always come from the batches


# --------------------------------------------------------------------------------------
# The interpolator
# --------------------------------------------------------------------------------------


class SplineInterpolator(BaseInterpolator):
    """Smoothing spline whose derivatives of every order come in closed form.

    Parameters
    ----------
    smoothing : 'auto', float or None, default='auto'
        How much to smooth.

        - ``'auto'``: chosen from the data alone (the noise level is not needed).
          Least-squares splines on uniform knots are fitted for every candidate
          number of knot intervals, scored with an information criterion
          (``n log(RSS / n) + 4 p``), and averaged with weights
          ``exp(-criterion / 2)``. ``noise_std_`` reports the noise it implies, and
          ``return_std=True`` the posterior of the average plus a bias estimate (see the
          documentation of uncertainty bands).
        - ``0``: exact interpolation through every sample (repeated x values are an error).
        - a positive number ``s``: the residual target of SciPy's
          ``UnivariateSpline``: the fewest uniform knot intervals whose weighted
          residual sum of squares is at most ``s``. With a known noise level
          ``sigma``, ``s = n * sigma**2`` is the usual choice. Its uncertainty band
          (``return_std``) ignores which knot count the noise happened to select and comes
          out about half as wide as it should; prefer ``'auto'`` when the band matters.
    k : int, default=5
        Degree of the spline, 1 to 7. Derivatives up to order ``k`` are available.
        The quintic default gives accurate first and second derivatives.
    max_knots : int or None, default=None
        Upper bound on the number of knot intervals tried by ``'auto'`` or a
        numeric smoothing. ``None`` allows up to ``n_samples - k - 1``.
    nan_policy : {'raise', 'omit'}, default='raise'
        What to do with NaN or infinite samples: raise an error or drop them.
    extrapolate : {'raise', 'nan', 'extrapolate'}, default='raise'
        What evaluation outside the fitted range ``[x_min_, x_max_]`` does: raise
        an error, return NaN there, or continue the end polynomials.

    Attributes
    ----------
    x_min_, x_max_ : float
        The fitted range.
    n_samples_ : int
        Number of distinct samples used (after dropping and merging repeats).
    n_outputs_ : int
        Number of series fitted (columns of the flattened ``y``).
    samples_ : tuple of ndarray
        ``(x, y)``: the sorted samples the fit used (after dropping and merging repeats), which
        :func:`pydelt_like.plot.plot_derivatives` draws. Not kept by derivatives of a fit.
    spline_ : scipy.interpolate.BSpline
        The fitted curve (the weighted average of the candidates, merged into one spline).
    noise_std_ : float or ndarray
        Estimated standard deviation of the noise of a sample of average weight: a float
        for 1-D ``y``, else an array of ``y``'s trailing shape (one per series).
    n_knots_ : int or ndarray of int
        The knot-interval count with the largest weight, shaped like ``noise_std_``.
        With ``smoothing=0``, the number of knot intervals of the interpolating spline;
        ``max_knots`` does not apply there.
    derivative_order_ : int
        0 for a fit; ``n`` for an object returned by ``differentiate(n)``; ``-n`` for
        one returned by ``antiderivative(n)``.

    Examples
    --------
    >>> import numpy as np
    >>> from pydelt_like import SplineInterpolator
    >>> x = np.linspace(0, 2 * np.pi, 200)
    >>> spline = SplineInterpolator().fit(x, np.sin(x))
    >>> round(spline.differentiate(order=1)(0.0), 6)
    1.0
    >>> round(spline.integrate(0, np.pi), 6)
    2.0
    """

    def __init__(
        self,
        *,
        smoothing: str | float = "auto",
        k: int = 5,
        max_knots: int | None = None,
        nan_policy: str = "raise",
        extrapolate: str = "raise",
    ) -> None:
        self.smoothing = smoothing
        self.k = k
        self.max_knots = max_knots
        self.nan_policy = nan_policy
        self.extrapolate = extrapolate

    # ---- hooks of the base contract -------------------------------------------------

    def _validate_params(self) -> None:
        k = self.k
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise TypeError(f"k must be an integer from 1 to 7, got {k!r}")
        if not 1 <= k <= 7:
            raise ValueError(f"k must be from 1 to 7, got k={k}; 5 (quintic) is the default")
        smoothing = self.smoothing
        if isinstance(smoothing, str):
            check_option(smoothing, name="smoothing", allowed=("auto",))
        elif isinstance(smoothing, bool) or not isinstance(smoothing, (int, float, np.number)):
            raise TypeError(f"smoothing must be 'auto' or a non-negative number, got {smoothing!r}")
        elif not (np.isfinite(smoothing) and smoothing >= 0):
            raise ValueError(
                f"smoothing must be 'auto' or a finite non-negative number, got {smoothing!r}"
            )
        mk = self.max_knots
        if mk is not None and (
            isinstance(mk, bool) or not isinstance(mk, (int, np.integer)) or mk < 1
        ):
            raise ValueError(f"max_knots must be None or a positive integer, got {mk!r}")

    def _is_interpolating(self) -> bool:
        return not isinstance(self.smoothing, str) and self.smoothing == 0

    def _min_points(self) -> int:
        return self.k + 1 if self._is_interpolating() else self.k + 2

    def _duplicates_policy(self) -> str:
        return "raise" if self._is_interpolating() else "average"

    def _max_order(self) -> int | None:
        return self.degree_ if hasattr(self, "degree_") else self.k

    def _order_hint(self) -> str:
        return "a spline of degree k has derivatives up to order k; raise k for higher orders"

    # ---- fitting --------------------------------------------------------------------

    def _fit(self, data: FitData) -> None:
        k = int(self.k)
        self.derivative_order_ = 0
        self.degree_ = k
        positive = data.weights > 0
        n_eff = int(np.count_nonzero(positive))
        if n_eff < self._min_points():
            raise ValueError(
                f"only {n_eff} samples have a positive weight; {type(self).__name__} with k={k} "
                f"needs at least {self._min_points()}; give more samples a positive weight"
            )
        x, w = data.x[positive], data.weights[positive]
        lo, hi = float(x[0]), float(x[-1])
        if not hi - lo > 1e-12 * max(abs(lo), abs(hi)) or not hi - lo > 1e-290:
            raise ValueError(
                f"x spans [{lo!r}, {hi!r}], too narrow for its magnitude to place knots; "
                "subtract an offset from x or rescale it"
            )
        # Work with y scaled to order one, so neither squares nor sums over- or underflow;
        # the spline and the noise are scaled back at the end.
        scale = np.max(np.abs(data.y[positive]), axis=0)
        scale = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
        y = data.y[positive] / scale

        if self._is_interpolating():
            spline = make_interp_spline(x, y * scale, k=k, axis=0)
            spline.extrapolate = True
            self.spline_ = spline
            self.n_knots_ = self._as_output(np.full(y.shape[1], spline.t.size - 2 * k - 1))
            self.noise_std_ = self._as_output(np.zeros(y.shape[1]))
            return

        max_intervals = max(1, n_eff - k - 1)
        if self.max_knots is not None:
            max_intervals = min(max_intervals, int(self.max_knots))
        candidates = _candidate_counts(max_intervals)
        y_power = np.einsum("i,ij,ij->j", w, y, y)
        # A numeric smoothing is a residual target; in scaled units it differs per series.
        target = None if isinstance(self.smoothing, str) else float(self.smoothing) / scale**2

        noise_var = difference_noise_variance(x, y, w)
        search = (lo, hi, n_eff, y_power, target, noise_var)
        binned = x.size > _BIN_ABOVE
        if binned:
            # Select on binned data (exact for splines nearly linear across a bin) while the
            # knots stay much wider than the bins; refit the chosen counts on all the data.
            limit = _N_BINS // _BIN_KNOT_RATIO
            allowed = [c for c in candidates if c <= limit] or [1]
            selection = self._select(_bin_data(x, y, w, _N_BINS), allowed, *search)
            counts, weights, band, _ = selection
            # A choice near the limit may want finer knots than bins allow: use all data.
            binned = counts[weights.max(axis=1) > 0].max() * _COARSE_RATIO < limit
        if not binned:
            data_all = (x, y, w, np.zeros(y.shape[1]))
            counts, weights, band, batches = self._select(data_all, candidates, *search)
        else:
            batches = []  # coefficients of binned fits are not the final ones

        parts, kept = [], np.flatnonzero(np.maximum(weights, band).max(axis=1) > 0)
        for i in kept:
            if batches:
                coef = _find_coefficients(batches, counts[i])
            else:
                coef = _fit_batch(x, y, w, lo, hi, k, counts[i : i + 1]).coef
            parts.append((int(counts[i]), coef * scale))
        self.spline_ = _merge(
            [
                (count, coef * weights[i])
                for (count, coef), i in zip(parts, kept, strict=True)
                if weights[i].max() > 0
            ],
            lo,
            hi,
            k,
        )
        self.n_knots_ = self._as_output(counts[weights.argmax(axis=0)])

        # Noise: residuals of the fit pooled with the scatter of merged repeated x values,
        # for a sample of average weight.
        resid = y - self.spline_(x) / scale
        rss_final = np.einsum("i,ij->j", w, resid**2)
        dof = n_eff - weights.T @ (counts + k)
        if data.repeat_ss is not None:
            rss_final = rss_final + data.repeat_ss[:] / scale**2
            dof = dof + data.repeat_dof
        n_original = n_eff + data.repeat_dof
        unit = np.where(dof > 0, rss_final / np.maximum(dof, 1.0), 0.0)
        self.noise_std_ = self._as_output(np.sqrt(unit * n_original / w.sum()) * scale)
        self.posterior_ = _Posterior(
            x, w, lo, hi, k, parts, weights[kept], band[kept], unit * scale**2
        )

    def _select(self, data, candidates, lo, hi, n_eff, y_power, target, noise_var):
        """Search the knot counts on ``data`` = (x, y, w, extra RSS).

        Returns the counts tried, their weights (C, m) and the fitted batches.
        """
        xs, ys, ws, within = data
        k = int(self.k)
        batches: list[_Batch] = []

        def fit_counts(counts: np.ndarray) -> np.ndarray:
            batch = _fit_batch(xs, ys, ws, lo, hi, k, counts)
            batches.append(batch)
            return batch.rss + within

        per_candidate = xs.size * (3 * k + 6 + ys.shape[1])
        chunk = max(1, min(_COARSE_CHUNK, _MEMORY_BUDGET // per_candidate))
        search = _KnotSearch(fit_counts, candidates, k, n_eff, y_power, target, chunk, noise_var)
        counts, rss, mask = search.run()
        weights = _candidate_weights(rss, counts, mask, k, n_eff, y_power, target)  # (C, m)
        # The uncertainty band also averages the candidates with AIC's lighter penalty: that
        # average leans towards more knots, and its difference to the fit estimates the bias.
        band = _candidate_weights(rss, counts, mask, k, n_eff, y_power, target, _BAND_PENALTY)
        return counts, weights, band, batches

    def _as_output(self, values: np.ndarray) -> Any:
        """One value per series: a scalar for 1-D y, else an array of y's trailing shape."""
        if self.y_trailing_shape_ == ():
            return values[0].item()
        return values.reshape(self.y_trailing_shape_)

    # ---- evaluation -----------------------------------------------------------------

    def _evaluate(self, x: np.ndarray, order: int) -> np.ndarray:
        return self.spline_(x, nu=order)

    def _evaluate_std(self, x: np.ndarray, order: int) -> np.ndarray:
        total = self.derivative_order_ + order
        if total < 0:
            raise ValueError(
                "uncertainty bands are given for the fit and its derivatives, not for "
                "antiderivatives"
            )
        posterior = getattr(self, "posterior_", None)
        if posterior is None:
            raise ValueError(
                "smoothing=0 interpolates the data exactly: there is no noise model, so no "
                "uncertainty band; fit with smoothing='auto' (or a number) for return_std"
            )
        return np.sqrt(np.maximum(posterior.variance(total)(x), 0.0))

    def _with_spline(self, spline: BSpline, order_change: int) -> SplineInterpolator:
        new = copy.copy(self)
        new.spline_ = spline
        new.derivative_order_ = self.derivative_order_ + order_change
        new.degree_ = self.degree_ - order_change
        if order_change:
            vars(new).pop("samples_", None)  # samples of the function, not of its derivative
        return new

    def differentiate(self, order: int = 1) -> SplineInterpolator:
        """Return the ``order``-th derivative as a fitted spline.

        Parameters
        ----------
        order : int, default=1
            Derivative order, from 0 up to the spline's degree (``k`` for a fit).
            ``0`` returns the fit itself.

        Returns
        -------
        SplineInterpolator
            A fitted object with the same evaluation rules: call it, differentiate
            it again, integrate it.

        Raises
        ------
        NotFittedError
            If ``fit`` has not been called.
        ValueError, TypeError
            If ``order`` is negative, not an integer, or above the degree.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.linspace(0, 1, 50)
        >>> d2 = SplineInterpolator(smoothing=0).fit(x, x**3).differentiate(2)
        >>> round(d2(0.5), 8)
        3.0
        """
        order = self._check_order(order)
        if order == 0:
            return self
        return self._with_spline(self.spline_.derivative(order), order)

    def antiderivative(self, order: int = 1) -> SplineInterpolator:
        """Return the ``order``-th antiderivative, zero at ``x_min_``, as a fitted spline.

        Parameters
        ----------
        order : int, default=1
            How many times to integrate.

        Returns
        -------
        SplineInterpolator
            A fitted spline of degree raised by ``order``.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.linspace(0, 2, 40)
        >>> F = SplineInterpolator(smoothing=0).fit(x, 3 * x**2).antiderivative()
        >>> round(F(2.0), 8)
        8.0
        """
        self._check_is_fitted()
        order = check_order(order, max_order=None, method_name="antiderivative")
        if order < 1:
            raise ValueError(f"order must be a positive integer, got {order!r}")
        spline = self.spline_
        for _ in range(int(order)):
            spline = spline.antiderivative()
            # B-splines sum to one: lowering every coefficient by the value at x_min_
            # makes each antiderivative (and so each lower one) start at zero there.
            spline.c -= spline(self.x_min_)
        return self._with_spline(spline, -int(order))

    def integrate(self, a: float, b: float) -> float | np.ndarray:
        """Definite integral of the fitted curve from ``a`` to ``b``.

        Parameters
        ----------
        a, b : float
            Limits of integration; both must lie in the fitted range unless
            ``extrapolate='extrapolate'``.

        Returns
        -------
        float or ndarray
            The integral (one value per series for a batch fit).

        Examples
        --------
        >>> import numpy as np
        >>> x = np.linspace(0, np.pi, 100)
        >>> round(SplineInterpolator(smoothing=0).fit(x, np.sin(x)).integrate(0, np.pi), 8)
        2.0
        """
        self._check_is_fitted()
        points = check_eval_points(
            as_float_array([a, b], name="integration limits"),
            x_min=self.x_min_,
            x_max=self.x_max_,
            extrapolate=self.extrapolate,
        )
        if points.nan_mask.any():
            raise ValueError(f"integration limits must be finite numbers, got a={a!r}, b={b!r}")
        if self.extrapolate == "nan" and points.outside.any():
            total = np.full(self.n_outputs_, np.nan)
        else:
            total = np.atleast_1d(self.spline_.integrate(float(a), float(b), extrapolate=True))
        return self._as_output(total)
