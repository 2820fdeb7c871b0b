"""Least-squares kernels of the automatic spline: uniform-knot B-splines fitted in O(n).

Everything here works in the fit's internal units (x mapped onto [0, 1], see ``_scaling``):
the data enter the normal equations only through per-interval power sums of the local knot
coordinate, several candidate knot counts are stacked into one block-diagonal banded system,
and LAPACK's banded Cholesky solves them all at once.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg, sparse
from scipy.interpolate import BSpline, make_interp_spline

#: Relative size of the difference penalty that keeps knot intervals without data solvable.
RIDGE = 1e-9
#: A coefficient with less than this share of the data support evenly spread samples would give
#: it (see _support) is bridged by _add_gap_penalty: one reached only by a sliver of data.
_UNSUPPORTED = 0.1
#: The weight of that bridge's first differences, relative to the block's mean diagonal: enough
#: to hold weakly supported coefficients to their neighbours, far below well-supported data.
_GAP_PENALTY = 1e-2
#: Below this fraction of sum(w y**2), residual sums of squares are computed from residuals.
_EXACT_RSS_BELOW = 1e-6
#: Up to this many series, right-hand sides come from power sums rather than sparse products.
_FEW_SERIES = 4


@functools.lru_cache(maxsize=8)
def cardinal_coefficients(k: int) -> np.ndarray:
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


def local_basis(s: np.ndarray, card: np.ndarray) -> np.ndarray:
    """Values (len(s), k + 1) of the live basis functions at local coordinates ``s``."""
    return np.vander(s, card.shape[0], increasing=True) @ card.T


def uniform_knots(lo: float, hi: float, n_intervals: int, k: int) -> np.ndarray:
    """Knot vector of ``n_intervals`` equal intervals on [lo, hi], extended by ``k`` each side."""
    h = (hi - lo) / n_intervals
    knots = lo + h * np.arange(-k, n_intervals + k + 1)
    knots[k] = lo  # exact ends, free of rounding
    knots[k + n_intervals] = hi
    return knots


@dataclass
class Batch:
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
        return gram_bands(power_sums, self.first_coef, self.n_total, self.k)


@functools.lru_cache(maxsize=8)
def _pair_moments(k: int) -> np.ndarray:
    """``M[pair, t] = sum_{p + q = t} card[r, p] card[c, q]`` over the upper pairs (r, c).

    The Gram entry of basis functions r and c on one interval is then ``M[pair] @ sums``, with
    ``sums[t] = sum(w s**t)``: one matrix product for all intervals.
    """
    card = cardinal_coefficients(k)
    r_idx, c_idx = _upper_pairs(k)
    moments = np.zeros((r_idx.size, 2 * k + 1))
    for p in range(k + 1):
        for q in range(k + 1):
            moments[:, p + q] += card[r_idx, p] * card[c_idx, q]
    moments.flags.writeable = False  # cached and shared
    return moments


def gram_bands(power_sums: np.ndarray, first_coef: np.ndarray, n_total: int, k: int) -> np.ndarray:
    """Block-diagonal Gram matrices of uniform-knot splines in upper band form.

    ``power_sums`` (2k + 1, n_intervals) holds sum(w s^p), p = 0 .. 2k, over the samples of
    each knot interval (local coordinate s in [0, 1]); ``first_coef`` the index of the first
    coefficient alive on each interval (distinct). With ``b_r(s) = card[r] @ s**p``, an
    interval's Gram block is ``card @ Hankel(sums) @ card.T``. The band form (for LAPACK) has
    one band more than the Gram matrix, for the penalty of :func:`_add_ridge`; row k + 1 is the
    diagonal.
    """
    values = power_sums.T @ _pair_moments(k).T  # (n_intervals, pairs)
    bands = np.zeros((k + 2, n_total))
    # Entry (r, c) of interval j lands in row k + 1 - (c - r), column first_coef[j] + c;
    # neighbouring intervals overlap, so add -- one pair at a time, whose columns are distinct.
    for pair, (r, c) in enumerate(zip(*_upper_pairs(k), strict=True)):
        bands[k + 1 - (c - r), first_coef + c] += values[:, pair]
    return bands


def fit_batch(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    lo: float,
    hi: float,
    k: int,
    counts: np.ndarray,
) -> Batch:
    """Fit uniform-knot least-squares splines of degree ``k`` for every count in ``counts``.

    The data enter only through per-interval power sums of the local coordinate
    ``s``: with ``b_r(s) = card[r] @ s**p`` the local Gram block is
    ``card @ Hankel(sum w s**p) @ card.T``, so the cost is O(n) per candidate.
    """
    card = cardinal_coefficients(k)
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
        basis = local_basis(s, card).reshape(n_cand, n, k + 1)
        indptr = np.arange(0, n * (k + 1) + 1, k + 1)
        for i in range(n_cand):
            cols = local[i, :, None] + np.arange(k + 1)
            block = sparse.csr_matrix(
                (basis[i].ravel(), cols.ravel(), indptr), shape=(n, counts[i] + k)
            )
            rhs[coef_start[i] : coef_start[i + 1]] = block.T @ wy

    samples = np.diff(np.r_[layout.starts, n_cand * n])  # samples per occupied interval
    support = support_ratio(first_coef, samples, coef_start, k)
    coef, ridge = _solve_banded(bands, rhs, coef_start, support)

    # Residual sums of squares from the normal equations (for the ridged solution,
    # RSS = y'Wy - c'r - ridge penalty); where that identity loses its digits to
    # cancellation (nearly exact fits), from the residuals themselves.
    wyy = np.einsum("i,ij,ij->j", w, y, y)
    order = bands.shape[0] - 1
    penalty = ridge.identity[:, None] * coef**2
    penalty[: n_total - order] += (
        ridge.difference[: n_total - order, None] * np.diff(coef, order, axis=0) ** 2
    )
    penalty[: n_total - 1] += ridge.gap[: n_total - 1, None] * np.diff(coef, 1, axis=0) ** 2
    rss = wyy - np.add.reduceat(coef * rhs + penalty, coef_start[:-1], axis=0)
    for cand in np.flatnonzero(np.any(rss < _EXACT_RSS_BELOW * wyy, axis=1)):
        i = int(cand)
        part = coef[coef_start[i] : coef_start[i + 1]]
        fitted = uniform_values(x, lo, hi, int(counts[i]), part, k)
        rss[i] = np.einsum("i,ij->j", w, (y - fitted) ** 2)
    np.maximum(rss, 0.0, out=rss)
    return Batch(counts, coef_start, coef, rss)


def _difference_stencil(order: int) -> np.ndarray:
    return np.array([(-1) ** (order - i) * math.comb(order, i) for i in range(order + 1)])


def _add_difference_penalty(bands: np.ndarray, order: int, row_weight: np.ndarray) -> None:
    """Add ``D' diag(row_weight) D`` to ``bands`` in place, D the differences of ``order``.

    Row l of D covers coefficients l .. l + order; ``bands`` is in upper form, its last row the
    diagonal: ``(D' W D)[j, j + d] = sum_a stencil[a] stencil[a + d] row_weight[j - a]``.
    """
    stencil = _difference_stencil(order)
    n_total, top = bands.shape[1], bands.shape[0] - 1
    for d in range(order + 1):
        kernel = stencil[: order + 1 - d] * stencil[d:]
        bands[top - d, d:] += np.convolve(row_weight, kernel)[: n_total - d]


def _rows_within_blocks(coef_start: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Per coefficient, its block; and whether difference row l (coefficients l .. l + order)
    lies inside one block."""
    n_total = int(coef_start[-1])
    block = np.repeat(np.arange(coef_start.size - 1), np.diff(coef_start))
    valid = np.zeros(n_total)
    valid[: n_total - order] = block[: n_total - order] == block[order:]
    return block, valid


def _add_ridge(bands: np.ndarray, coef_start: np.ndarray, boost: float = 1.0) -> np.ndarray:
    """Add a tiny difference penalty of order ``k + 1`` to each block, in place.

    Knot intervals without data leave coefficients undetermined; the penalty fills
    them smoothly. Its null space holds every polynomial of degree ``k``, so those
    are still reproduced exactly, and elsewhere it acts at round-off level.
    ``bands`` is in upper form with ``k + 2`` rows (the last is the diagonal).
    Returns the weight of each difference row, so the penalty can be evaluated.
    """
    order = bands.shape[0] - 1
    stencil = _difference_stencil(order)
    block, valid = _rows_within_blocks(coef_start, order)
    diag_mean = np.add.reduceat(bands[order], coef_start[:-1]) / np.diff(coef_start)
    lam = RIDGE * boost * np.maximum(diag_mean, np.finfo(float).tiny) / np.dot(stencil, stencil)
    row_weight = valid * lam[block]
    _add_difference_penalty(bands, order, row_weight)
    return row_weight


@functools.lru_cache(maxsize=8)
def _piece_energies(k: int) -> np.ndarray:
    """``P[r]``: the integral over one interval of the square of piece r of a cardinal B-spline."""
    card = cardinal_coefficients(k)
    powers = np.add.outer(np.arange(k + 1), np.arange(k + 1))
    return np.einsum("rp,rq,pq->r", card, card, 1.0 / (powers + 1))


def support_ratio(
    first_coef: np.ndarray, samples: np.ndarray, coef_start: np.ndarray, k: int
) -> np.ndarray:
    """Per coefficient, how many samples reach it, relative to evenly spread samples.

    ``samples[j]`` counts the samples in the occupied interval whose first live coefficient is
    ``first_coef[j]``. Coefficient c collects each such count times the energy of its piece on
    that interval; evenly spread samples would give it the mean count times the energy of its
    pieces inside the fitted range (the first and last coefficients have only a sliver there).
    The ratio is about 1 wherever data are -- at the ends, and whatever the weights, which say
    how precise samples are, not where they are -- and near 0 in a stretch without data, or for
    a coefficient reached only by the far tail of its support.
    """
    energies = _piece_energies(k)
    n_total = int(coef_start[-1])
    reached = np.zeros(n_total)
    for r in range(k + 1):  # distinct columns for a fixed r: a plain fancy add is exact
        reached[first_coef + r] += samples * energies[r]
    sizes = np.diff(coef_start)
    block = np.repeat(np.arange(sizes.size), sizes)
    local = np.arange(n_total) - coef_start[:-1][block]
    counts = (sizes - k)[block]
    expected = np.zeros(n_total)
    for r in range(k + 1):  # coefficient c has piece r on interval c - r
        interval = local - r
        expected += np.where((interval >= 0) & (interval < counts), energies[r], 0.0)
    per_interval = np.add.reduceat(reached, coef_start[:-1]) / np.add.reduceat(
        expected, coef_start[:-1]
    )
    return reached / np.maximum(per_interval[block] * expected, np.finfo(float).tiny)


def _add_gap_penalty(
    bands: np.ndarray, coef_start: np.ndarray, support: np.ndarray | None
) -> np.ndarray:
    """Bridge stretches without data calmly, in place: a first-difference penalty on the
    coefficients that the data hardly support.

    Alone, the ridge of order k + 1 fills a gap with the continuation of degree-k polynomials
    from both sides, which for an oscillating signal swings orders of magnitude beyond the data
    (a week missing from hourly temperatures reached 1e6 degrees). Tying the coefficients across
    the gap to each other instead bridges it at a level (in internal units, on top of the data's
    least-squares line, so a trend carries on). Only rows touching a weakly supported coefficient
    weigh anything, so fits of data without gaps are unchanged. Returns the rows' weights.
    """
    if support is None:
        return np.zeros(bands.shape[1])
    weak = support < _UNSUPPORTED
    if not weak.any():
        return np.zeros(bands.shape[1])
    block, valid = _rows_within_blocks(coef_start, 1)
    rows = np.zeros(weak.size)
    rows[:-1] = weak[:-1] | weak[1:]
    diag_mean = np.add.reduceat(bands[-1], coef_start[:-1]) / np.diff(coef_start)
    row_weight = valid * rows * _GAP_PENALTY * np.maximum(diag_mean, np.finfo(float).tiny)[block]
    _add_difference_penalty(bands, 1, row_weight)
    return row_weight


@dataclass(frozen=True)
class Ridge:
    """The stabilising penalty added to the normal equations (to evaluate its share of RSS).

    ``difference[l]`` weighs the squared (k + 1)-th difference of coefficients l .. l + k + 1;
    ``identity[j]`` the squared coefficient j itself (zero unless the difference penalty could
    not make the system solvable); ``gap[l]`` the squared first difference of coefficients
    l .. l + 1 (zero except where no sample supports them, see :func:`_add_gap_penalty`).
    """

    difference: np.ndarray
    identity: np.ndarray
    gap: np.ndarray


def factor_banded(
    bands: np.ndarray, coef_start: np.ndarray, support: np.ndarray | None = None
) -> tuple[np.ndarray, Ridge]:
    """Add the ridge and factor: the upper banded Cholesky factor and the ridge added.

    The difference ridge is boosted until the factorisation succeeds. Data that pin down fewer
    than ``k + 1`` directions of a block (every sample at nearly one point, say) leave the
    difference penalty's null space -- polynomials of degree k -- undetermined; then a tiny
    penalty on the coefficients themselves (in internal units, a pull towards the data's
    least-squares line) makes it solvable.
    """
    order = bands.shape[0] - 1
    gap = _add_gap_penalty(bands, coef_start, support)
    row_weight = _add_ridge(bands, coef_start)
    identity = np.zeros(bands.shape[1])
    for boost in (1e2, 1e4, 1e6, "identity", None):
        try:
            factor = linalg.cholesky_banded(bands, check_finite=False)
            return factor, Ridge(row_weight, identity, gap)
        except linalg.LinAlgError:
            if boost is None:
                break
            if boost == "identity":
                sizes = np.diff(coef_start)
                diag_mean = np.add.reduceat(bands[order], coef_start[:-1]) / sizes
                identity = np.repeat(RIDGE * np.maximum(diag_mean, np.finfo(float).tiny), sizes)
                bands[order] += identity
            else:
                row_weight = row_weight + _add_ridge(bands, coef_start, boost=float(boost))
    raise FloatingPointError("the spline's normal equations could not be solved")


def _solve_banded(
    bands: np.ndarray, rhs: np.ndarray, coef_start: np.ndarray, support: np.ndarray
) -> tuple[np.ndarray, Ridge]:
    """Solve the ridge-stabilised system; return the coefficients and the ridge added."""
    factor, ridge = factor_banded(bands, coef_start, support)
    return linalg.cho_solve_banded((factor, False), rhs, check_finite=False), ridge


def inverse_band(factor: np.ndarray) -> np.ndarray:
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


def uniform_values(
    points: np.ndarray, lo: float, hi: float, count: int, coef: np.ndarray, k: int
) -> np.ndarray:
    """Values (len(points), m) of the spline with ``count`` uniform intervals on [lo, hi]."""
    u = (points - lo) * (count / (hi - lo))
    interval = np.clip(np.floor(u).astype(np.intp), 0, count - 1)
    basis = local_basis(u - interval, cardinal_coefficients(k))
    return sum(basis[:, r, None] * coef[interval + r] for r in range(k + 1))


def merge(parts: list[tuple[int, np.ndarray]], lo: float, hi: float, k: int) -> BSpline:
    """One B-spline equal to a sum of uniform-knot splines of degree ``k`` on [lo, hi].

    ``parts`` holds (number of intervals, coefficients) pairs. Each part is C^(k-1) at
    its own knots and a polynomial elsewhere, so the sum is a spline on the union of
    the interior knots; interpolating it at the Greville points of that knot vector
    recovers it exactly (up to round-off). Extrapolation is preserved too: beyond
    [lo, hi] every part continues its end polynomial, and so does the merged spline.
    """
    if len(parts) == 1:
        count, coef = parts[0]
        return BSpline(uniform_knots(lo, hi, count, k), coef, k, extrapolate=True)
    grids = [lo + (hi - lo) * np.arange(1, count) / count for count, _ in parts]
    interior = np.unique(np.concatenate(grids))
    # Knots of different grids that coincide up to rounding are one knot.
    interior = interior[np.r_[True, np.diff(interior) > 1e-9 * (hi - lo)]]
    interior = interior[(interior > lo) & (interior < hi)]
    knots = np.r_[[lo] * (k + 1), interior, [hi] * (k + 1)]
    windows = np.lib.stride_tricks.sliding_window_view(knots[1:-1], k)
    greville = np.clip(windows.mean(axis=1), lo, hi)  # a mean of equal knots may round out
    values = sum(uniform_values(greville, lo, hi, count, coef, k) for count, coef in parts)
    merged = make_interp_spline(greville, values, k=k, t=knots, axis=0)
    merged.extrapolate = True
    return merged


def find_coefficients(batches: list[Batch], count: int) -> np.ndarray:
    for batch in batches:
        hit = np.flatnonzero(batch.counts == count)
        if hit.size:
            return batch.coefficients(int(hit[0]))
    raise KeyError(count)  # pragma: no cover - counts always come from the batches
