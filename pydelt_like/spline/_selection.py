"""How much the automatic spline smooths: the search over knot counts.

Least-squares splines on uniform knots are fitted for a ladder of knot-interval counts,
scored with an information criterion, and averaged with weights ``exp(-criterion / 2)``
(smoothed model selection). The search walks a coarse geometric ladder until some fit has
resolved the signal (its residual variance is down to the noise level seen in the data's
local differences) and the scores have risen well past the best, then fills in every count
near the best.

Large samples are searched on *levels* of binned data (two pseudo-samples per equal-count
bin, exact for functions linear across a bin), which keeps the search O(n): a level of B bins
can only judge knot intervals at least ``_BIN_KNOT_RATIO`` bins wide, so a series whose signal
is not resolved there -- or whose best count lies near that limit -- moves on to a level of
four times as many bins, and finally to all the data, starting a little below the counts that
did best so far. A daily cycle in years of hourly data (thousands of knots) is therefore found
just as a slow trend is, at a cost that grows with the knots it needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pydelt_like.spline._kernels import Batch, find_coefficients, fit_batch

#: Penalty per parameter of the criterion that weights the candidate fits.
#: Between AIC's 2 and BIC's log(n); it errs on the smooth side, which suits derivatives.
CRITERION_PENALTY = 4.0
#: The same per parameter for the weights of the uncertainty band (AIC's).
BAND_PENALTY = 2.0
#: Candidates whose weight is below this fraction of the best one are dropped.
_WEIGHT_CUTOFF = 1e-4
#: Stop the search once this many consecutive candidates score this much worse than the best.
_STOP_MARGIN = 60.0
_STOP_COUNT = 3
#: The coarse ladder of knot counts grows by this ratio; candidates scoring within
#: _REFINE_MARGIN of the best are then filled in at every fine count.
_COARSE_RATIO = 1.25
_COARSE_CHUNK = 10
#: Fits of all the data of a large sample cost more: they go a few at a time (about this many
#: samples times candidates per chunk), and skip _GALLOP rungs at a time (a factor of about
#: 2 in knots) until some fit resolves the signal.
_RAW_CHUNK_SAMPLES = 400_000
_GALLOP = 3
_REFINE_MARGIN = 25.0
#: Above this many samples, the search starts on binned data.
BIN_ABOVE = 8_000
#: Bins of the first level; each further level has _LEVEL_GROWTH times as many, as long as
#: every bin keeps at least _MIN_BIN_SIZE samples (below that, all the data are cheaper).
_FIRST_BINS = 4_000
_LEVEL_GROWTH = 4
_MIN_BIN_SIZE = 8
#: While selecting on bins, knot intervals stay at least this many bins wide.
_BIN_KNOT_RATIO = 8
#: A fit "resolves" the signal once its residual variance is within this factor of the
#: noise variance estimated from local differences; only then may the search stop early.
_RESOLVED_FACTOR = 2.0
#: Residual sums of squares below this fraction of sum(w z**2) are rounding, not fit: the
#: normal equations square the basis's conditioning, so fits that reproduce the data exactly
#: still leave relative residuals near 1e-12. Below it, every fit counts as exact and the
#: criterion prefers the fewest knots (an exact polynomial is not fitted with dozens).
_ROUNDING_RSS = 2.0**-80
#: Rough number of float64 values one chunk of candidate fits may hold at once.
_MEMORY_BUDGET = 20_000_000


def candidate_counts(max_intervals: int) -> list[int]:
    """Knot-interval counts to try: every count up to 30, then steps of about 5 %."""
    counts, count = [], 1
    while count <= max_intervals:
        counts.append(count)
        count = count + 1 if count < 30 else max(count + 1, math.ceil(count * 1.05))
    return counts


@dataclass(frozen=True)
class _Samples:
    """The data one level of the search fits: samples (all, or two per bin) and the scatter
    ``within`` the bins that every residual sum of squares adds back (per series)."""

    u: np.ndarray
    z: np.ndarray
    w: np.ndarray
    within: np.ndarray


def _bin_data(x: np.ndarray, y: np.ndarray, w: np.ndarray, n_bins: int) -> _Samples:
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
    return _Samples(np.clip(xs, x[0], x[-1]), ys.reshape(2 * n_bins, -1), ws, within)


def _criterion(
    rss: np.ndarray,
    n_coef: np.ndarray,
    n_eff: int,
    y_power: np.ndarray,
    per_parameter: float = CRITERION_PENALTY,
) -> np.ndarray:
    """Information criterion per candidate and series; residuals below round-off count as equal.

    ``n log(RSS / n) + c p n / (n - p - 1)``: the penalty ``c p`` with the small-sample
    factor of AICc, which grows without bound as the fit approaches interpolation, so a
    near-interpolating fit of noisy data cannot win by driving RSS towards zero.
    """
    floor = np.maximum(_ROUNDING_RSS * y_power, np.finfo(float).tiny)
    p = n_coef[:, None].astype(float)
    slack = n_eff - p - 1.0
    with np.errstate(divide="ignore"):
        penalty = np.where(slack > 0, per_parameter * p * n_eff / np.maximum(slack, 1.0), np.inf)
    return n_eff * np.log(np.maximum(rss, floor) / n_eff) + penalty


def _ladder(fine: np.ndarray) -> np.ndarray:
    """A geometric subset (ratio about _COARSE_RATIO) of the fine candidate counts."""
    marks = _COARSE_RATIO ** np.arange(int(np.log(fine[-1]) / np.log(_COARSE_RATIO)) + 2)
    return np.unique(fine[np.searchsorted(fine, marks).clip(max=fine.size - 1)])


@dataclass(frozen=True)
class _SearchResult:
    counts: np.ndarray  # (C,) every count fitted
    rss: np.ndarray  # (C, m) their residual sums of squares
    mask: np.ndarray  # (C, m) which counts count for which series
    ended: np.ndarray  # (m,) whether the walk ended on its own (signal resolved, or target met)
    resolved: np.ndarray  # (m,) whether some fit resolved the signal (or met the target)


class _KnotSearch:
    """Which knot counts to fit, and which of them count for each series.

    Counts are fitted in two passes: a coarse geometric ladder, walked until the
    rest cannot matter, then every fine count between the rungs next to the good
    ones. Each series keeps its own stopping point and refinement window, so a
    series fitted in a batch gets exactly the candidates it would get alone.
    """

    def __init__(self, fit_counts, fine, k, n_eff, y_power, target, chunk, noise_var, gallop):
        self.gallop = gallop  # jump ahead while unresolved (costly fits, see _walk_galloping)
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

    def run(self) -> _SearchResult:
        """Fit the candidates: the counts tried, their residual sums and which count where."""
        if self.gallop:
            self._walk_galloping()
        else:
            ladder = self.ladder
            for begin in range(0, ladder.size, self.chunk):
                self._run(ladder[begin : begin + self.chunk])
                done = ladder[: begin + self.chunk]
                if self._cutoff(done)[1].all():
                    break
        return self._refine()

    def _resolved(self, rungs: np.ndarray) -> np.ndarray:
        """Per series, whether some fit among ``rungs`` has resolved the signal (or met the
        target)."""
        rss = np.array([self.rss[c] for c in rungs])
        if self.target is not None:
            return np.asarray((rss <= self.target).any(axis=0))
        dof = np.maximum(self.n_eff - (rungs + self.k), 1)[:, None]
        return np.asarray((rss / dof).min(axis=0) <= _RESOLVED_FACTOR * self.noise_var)

    def _walk_galloping(self) -> None:
        """The ladder walk for large samples, whose fits are costly: while no fit resolves the
        signal, jump _GALLOP rungs at a time; then fill in the rungs skipped just below the
        first resolving one -- and further down while the best score sits at the lowest rung
        filled -- and walk on rung by rung until the walk ends."""
        ladder, done = self.ladder, np.zeros(self.ladder.size, dtype=bool)

        def fit(indices: np.ndarray) -> None:
            indices = indices[~done[indices]]
            self._run(ladder[indices])
            done[indices] = True

        i = 0
        while i < ladder.size:
            fit(np.array([i]))
            if self._resolved(ladder[done]).any() or i == ladder.size - 1:
                break
            i = min(i + _GALLOP, ladder.size - 1)
        below = np.flatnonzero(done[:i])
        fit(np.arange(below[-1] + 1 if below.size else 0, i))
        while True:  # the best may lie below the rungs filled so far
            filled = np.flatnonzero(done)
            gaps = np.flatnonzero(np.diff(filled) > 1)
            if not gaps.size or self.target is not None:
                break
            lowest = filled[gaps[-1] + 1]
            best = self._score(ladder[filled[filled >= lowest]]).argmin(axis=0)
            if not (best == 0).any():
                break
            fit(np.arange(filled[gaps[-1]] + 1, lowest))
        # Rung by rung from here: the rungs past the best are the costliest fits of all.
        for index in range(int(np.flatnonzero(done)[-1]) + 1, ladder.size):
            if self._cutoff(ladder[done])[1].all():
                break
            fit(np.array([index]))

    def _refine(self) -> _SearchResult:
        """Fill in every fine count near the best rungs; say which counts count where."""
        ladder = self.ladder
        rungs = ladder[np.isin(ladder, list(self.rss))]
        cutoff, ended = self._cutoff(rungs)
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
        return _SearchResult(counts, rss, on_ladder | in_window, ended, self._resolved(rungs))


def _candidate_weights(
    rss: np.ndarray,
    counts: np.ndarray,
    mask: np.ndarray,
    k: int,
    n_eff: int,
    y_power: np.ndarray,
    target: np.ndarray | None,
    per_parameter: float = CRITERION_PENALTY,
) -> np.ndarray:
    """Weight of every candidate for every series, shape (C, m); each column sums to 1.

    With a residual target, the weight is 1 on the fewest knots that meet it, else on the
    closest fit tried (the caller warns about those series).
    """
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
    # The fewest knots meeting the target, else the closest fit that was tried.
    closest = np.where(mask, rss, np.inf).argmin(axis=0)
    choice = np.where(meets.any(axis=0), meets.argmax(axis=0), closest)
    weights = np.zeros_like(rss)
    weights[choice, np.arange(rss.shape[1])] = 1.0
    return weights


@dataclass(frozen=True)
class Selection:
    """The outcome of the search, for every series of a batch.

    Attributes
    ----------
    counts : numpy.ndarray of shape (C,)
        Every knot-interval count that has a weight for some series.
    weights : numpy.ndarray of shape (C, m)
        The fit's weights of the candidates; each column sums to 1.
    band : numpy.ndarray of shape (C, m)
        The weights of the uncertainty band's lighter-penalty average.
    coefficients : dict of int to numpy.ndarray, or None
        The candidates' coefficients (n_coef, m) when they were fitted on all the data for
        every series; None when the caller must refit them (some series were selected on bins).
    unmet : numpy.ndarray of bool, shape (m,)
        With a residual target: the series that no count tried could bring down to it.
    tried : int
        The largest knot count tried.
    """

    counts: np.ndarray
    weights: np.ndarray
    band: np.ndarray
    coefficients: dict[int, np.ndarray] | None
    unmet: np.ndarray
    tried: int


def _levels(n: int) -> list[int]:
    """Bin counts of the binned levels for ``n`` samples (none up to BIN_ABOVE)."""
    if n <= BIN_ABOVE:
        return []
    levels = [_FIRST_BINS]
    while levels[-1] * _LEVEL_GROWTH * _MIN_BIN_SIZE <= n:
        levels.append(levels[-1] * _LEVEL_GROWTH)
    return levels


def select_knots(
    u: np.ndarray,
    z: np.ndarray,
    w: np.ndarray,
    *,
    k: int,
    max_intervals: int,
    noise_var: np.ndarray,
    target: np.ndarray | None = None,
) -> Selection:
    """Search the knot counts for every series of ``z`` (n, m) on ``u`` in [0, 1].

    Parameters
    ----------
    u, z, w : numpy.ndarray
        Internal units (see ``_scaling``); samples with zero weight have been dropped.
    k : int
        Spline degree.
    max_intervals : int
        The largest knot-interval count allowed.
    noise_var : numpy.ndarray of shape (m,)
        Noise variance per unit weight from local differences (the "resolved" test).
    target : numpy.ndarray of shape (m,) or None
        A residual target per series (numeric smoothing) instead of the criterion.
    """
    n, m = z.shape
    candidates = candidate_counts(max_intervals)
    y_power = np.einsum("i,ij,ij->j", w, z, z)
    weights = np.zeros((0, m))
    band = np.zeros((0, m))
    counts_all: np.ndarray = np.zeros(0, dtype=np.intp)
    unmet = np.zeros(m, dtype=bool)
    coefficients: dict[int, np.ndarray] | None = None
    pending = np.arange(m)
    start, tried = 1, 0
    for bins in [*_levels(n), None]:
        if bins is None:
            data = _Samples(u, z[:, pending], w, np.zeros(pending.size))
            allowed = [c for c in candidates if c >= start]
            limit = candidates[-1]
        else:
            data = _bin_data(u, z[:, pending], w, bins)
            limit = bins // _BIN_KNOT_RATIO
            allowed = [c for c in candidates if start <= c <= limit]
        if not allowed:
            continue
        sub_target = None if target is None else target[pending]
        level = _search_level(
            data,
            allowed,
            k,
            n,
            y_power[pending],
            sub_target,
            noise_var[pending],
            large=bins is None and n > BIN_ABOVE,
        )
        tried = max(tried, int(level.result.counts.max()))
        # A series is settled on this level when its walk ended on its own well below the
        # level's limit, or when nothing beyond the limit is left to try.
        last = limit >= candidates[-1]
        kept = np.maximum(level.weights, level.band) > 0
        top = np.where(kept, level.result.counts[:, None], 0).max(axis=0)
        settled = last | (level.result.ended & (top * _COARSE_RATIO < limit))
        if settled.any():
            cols = pending[settled]
            counts_all, weights, band = _combine(
                counts_all,
                weights,
                band,
                level.result.counts,
                level.weights[:, settled],
                level.band[:, settled],
                cols,
                m,
            )
            if sub_target is not None:
                unmet[cols] = ~level.met[settled]
            if bins is None and settled.all() and pending.size == m:
                coefficients = {
                    int(c): find_coefficients(level.batches, int(c)) for c in counts_all
                }
        pending = pending[~settled]
        if not pending.size:
            break
        # The next level starts a little below the counts that did best for the series left,
        # or, for a series no fit of this level resolved, a little below the level's limit:
        # the counts below it were all tried, and none resolved the signal.
        left = ~settled
        low = np.where(kept[:, left], level.result.counts[:, None], np.inf).min(axis=0)
        low = np.where(level.result.resolved[left], low, min(limit, level.result.counts.max()))
        start = max(1, int(np.floor(low.min() / _COARSE_RATIO**2)))
    return Selection(counts_all, weights, band, coefficients, unmet, tried)


@dataclass(frozen=True)
class _Level:
    result: _SearchResult
    weights: np.ndarray
    band: np.ndarray
    met: np.ndarray
    batches: list[Batch]


def _search_level(data: _Samples, allowed, k, n_eff, y_power, target, noise_var, large) -> _Level:
    """The knot search on one level of data ``(u, z, w, within)``; ``large`` for all the data
    of a sample too large to fit every rung cheaply."""
    us, zs, ws, within = data.u, data.z, data.w, data.within
    batches: list[Batch] = []

    def fit_counts(counts: np.ndarray) -> np.ndarray:
        batch = fit_batch(us, zs, ws, 0.0, 1.0, k, counts)
        batches.append(batch)
        return batch.rss + within

    per_candidate = us.size * (3 * k + 6 + zs.shape[1])
    chunk = max(1, min(_COARSE_CHUNK, _MEMORY_BUDGET // per_candidate))
    if large:
        chunk = max(1, min(chunk, _RAW_CHUNK_SAMPLES // us.size))
    search = _KnotSearch(
        fit_counts, allowed, k, n_eff, y_power, target, chunk, noise_var, gallop=large
    )
    result = search.run()
    weights = _candidate_weights(result.rss, result.counts, result.mask, k, n_eff, y_power, target)
    # The uncertainty band also averages the candidates with AIC's lighter penalty: that
    # average leans towards more knots, and its difference to the fit estimates the bias.
    band = _candidate_weights(
        result.rss, result.counts, result.mask, k, n_eff, y_power, target, BAND_PENALTY
    )
    if target is None:
        met = np.ones(zs.shape[1], dtype=bool)
    else:
        met = ((result.rss <= target) & result.mask).any(axis=0)
    return _Level(result, weights, band, met, batches)


def _combine(counts_all, weights_all, band_all, counts, weights, band, cols, m):
    """Add the weights of the series ``cols`` (settled on one level) to those so far."""
    union = np.union1d(counts_all, counts)
    new_w = np.zeros((union.size, m))
    new_b = np.zeros((union.size, m))
    old = np.searchsorted(union, counts_all)
    new_w[old] = weights_all
    new_b[old] = band_all
    here = np.searchsorted(union, counts)
    new_w[np.ix_(here, cols)] = weights
    new_b[np.ix_(here, cols)] = band
    # Counts that no series weighs are dropped.
    used = (np.maximum(new_w, new_b) > 0).any(axis=1)
    return union[used], new_w[used], new_b[used]
