"""Choosing the degree and the window of a local fit by leave-one-out cross-validation.

Each candidate (degree ``p``, window ``k``) is scored by the leave-one-out prediction error
of the samples, ``sum w_i (y_i - yhat_i)**2 / (1 - L_ii)**2`` over the weights' sum, where
``L_ii`` is the weight the fit at ``x_i`` gives to ``y_i`` itself; for a linear smoother this
equals refitting without the sample. One pass over the windows of a given size yields the
power sums of every degree at once, so the whole degree range costs little more than one.
Windows grow geometrically from the smallest that leaves a residual to the whole sample, and
the search stops once the scores have risen well past the best for several sizes in a row.

Where the sampling has holes, leaving one sample out does not test what evaluation inside a
hole asks of the fit: a prediction from data that lie far from the point. So each sample
``i`` leaves out a *block*: every sample closer to ``x_i`` than half the wider of its two
neighbouring spacings (h-block cross-validation, Burman, Chow and Nolan 1994). At a hole's
edge the block spans half the hole, and the sample is predicted as the middle of the hole
will be; on regular sampling the block is the sample alone, and the score is the plain
leave-one-out one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pydelt_like.local._engine import (
    WindowSums,
    _kernel,
    _power_sums,
    _window_moments,
    estimates,
    nearest_windows,
    window_sums,
)

__all__ = ["Choice", "cross_validate", "cv_points", "window_ladder"]

#: Window sizes grow by this factor (about 8 % in bandwidth between neighbours is finer than
#: the cross-validation can tell apart).
_LADDER_RATIO = 1.12
#: The search stops once every candidate of this many consecutive sizes scores above
#: _STOP_RATIO times the best so far (the score rises steeply past the optimum).
_STOP_RUNGS = 4
_STOP_RATIO = 4.0
#: Leverages this close to 1 mean the fit interpolates: no prediction error to measure.
_MAX_LEVERAGE = 1.0 - 1e-9
#: At most this many samples are left out: the score's own noise is then well below the
#: differences that matter, and large samples cost no more to score than this many.
MAX_CV_POINTS = 1_000
#: Points per chunk times samples per window, as in the engine.
_CHUNK_ELEMENTS = 2_000_000
#: Above MAX_CV_POINTS samples, at most this many (left-out samples x window samples) summed
#: over the candidate windows: fewer samples are left out (the same ones for every window,
#: so the scores stay comparable), at least MIN_CV_POINTS. On 3 000 samples (the most a fit
#: works on) about 205 are left out, and a search costs what one on 650 samples does. (On
#: 1 000 samples, leaving out 637 instead of all cost 1.5x in second derivatives once.)
CV_BUDGET = 6_000_000
MIN_CV_POINTS = 200
#: A score (mean squared prediction error of a series scaled to magnitude one) below this is
#: rounding (scores below count as ties): local fits of degree 7 carry relative errors up to
#: ~1e-12. Once every series' best is there, window sizes double (noise-free data never see
#: the score rise well past its best, and would otherwise walk every window size).
ROUNDING_SCORE = 1e-24
#: At most this many distinct block sizes (each costs a pass per window and degree); beyond,
#: block sizes round up to powers of two. Regular and uniformly random sampling have under 10.
_MAX_BLOCK_GROUPS = 16
#: Windows of the chosen degree whose Akaike weight is at least this fraction of the best's
#: join the average, at most _MAX_AVERAGED of them: beyond, their share is negligible.
_SHARE_CUTOFF = 0.01
_MAX_AVERAGED = 8


@dataclass(frozen=True)
class Choice:
    """What the cross-validation chose for one series.

    Attributes
    ----------
    degree : int
        Degree of the local polynomial.
    window : int
        Samples per window of the best-scoring candidate.
    score : float
        Its leave-one-out mean squared prediction error (``inf`` when nothing was scored).
    windows : tuple of int
        The windows whose estimates are averaged (the best and its near rivals of the same
        degree); ``(window,)`` when nothing is averaged.
    shares : tuple of float
        Their weights in the average, summing to one.
    """

    degree: int
    window: int
    score: float
    windows: tuple[int, ...] = ()
    shares: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not self.windows:
            object.__setattr__(self, "windows", (self.window,))
            object.__setattr__(self, "shares", (1.0,))


def window_ladder(smallest: int, largest: int) -> list[int]:
    """Window sizes from ``smallest`` to ``largest`` (both included), about 12 % apart."""
    sizes, size = [], smallest
    while size < largest:
        sizes.append(size)
        size = max(size + 1, round(size * _LADDER_RATIO))
    sizes.append(largest)
    return sizes


def cv_points(n: int, limit: int = MAX_CV_POINTS) -> np.ndarray:
    """Indices of the samples left out: all of them, or ``limit`` spread evenly."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


def cross_validate(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    kernel: str,
    degrees: tuple[int, ...],
    windows: list[int],
    robustness: np.ndarray | None = None,
) -> tuple[list[Choice], dict[tuple[int, int], np.ndarray]]:
    """Score every (degree, window) candidate for every series; return the best per series.

    Parameters
    ----------
    x : numpy.ndarray of shape (n,)
        Sorted, distinct sample positions.
    y : numpy.ndarray of shape (n, m)
        Sample values.
    weights : numpy.ndarray of shape (n,)
        Positive sample weights.
    kernel : {'uniform', 'tricube'}
    degrees : tuple of int
        Candidate degrees, ascending.
    windows : list of int
        Candidate window sizes, ascending; a window must exceed a degree by at least one
        sample for that pair to be scored.
    robustness : numpy.ndarray of shape (n,) or None, default=None
        Robustness weights: they weight the fits and each sample's share of the score.

    Returns
    -------
    choices : list of Choice
        The best candidate of each series. Exact ties go to the lower degree and then the
        larger window (the smoother fit).
    scores : dict
        ``(degree, window) -> numpy.ndarray of shape (m,)``: every score computed.
    """
    m = y.shape[1]
    limit = MAX_CV_POINTS
    if x.size > MAX_CV_POINTS:  # up to 1 000 samples, all are left out
        limit = max(MIN_CV_POINTS, min(MAX_CV_POINTS, CV_BUDGET // max(1, sum(windows))))
    left_out = cv_points(x.size, limit)
    blocks = block_sizes(x, left_out)
    if np.unique(blocks).size > _MAX_BLOCK_GROUPS:
        # Each block size costs one pass per window and degree: on sampling this uneven
        # (e.g. geometric over many decades) blocks round up to powers of two.
        rounded = 2 ** np.ceil(np.log2(blocks)).astype(int)
        blocks = np.minimum(rounded, blocks.max())
    wide = np.flatnonzero(blocks > 1)
    points = x[left_out]
    target = y[left_out]
    w_out = weights[left_out] * (1.0 if robustness is None else robustness[left_out])
    total = w_out.sum()
    w_loo = w_out.copy()
    w_loo[wide] = 0.0
    scores: dict[tuple[int, int], np.ndarray] = {}
    best = np.full(m, np.inf)
    above = 0
    floor_from = 0  # once every series scores at rounding: the windows evaluated from here
    for window in windows:
        usable = tuple(p for p in degrees if p + 1 < window)
        if not usable or (floor_from and window < floor_from and window != windows[-1]):
            continue
        top = max(usable)
        sums_by_degree = {p: np.zeros(m) for p in usable}
        bad = dict.fromkeys(usable, False)
        step = max(1, _CHUNK_ELEMENTS // window)
        for begin in range(0, points.size, step):
            part = slice(begin, min(points.size, begin + step))
            sums = window_sums(
                x, y, weights, points[part], window=window, top=top, kernel=kernel,
                robustness=robustness, own=True,
            )  # fmt: skip
            for p in usable:
                fit = estimates(sums, degree=p, orders=(0,), leverage=True)
                assert fit.leverage is not None
                if np.any(fit.leverage[w_out[part] > 0] > _MAX_LEVERAGE):
                    bad[p] = True
                    continue
                resid = (target[part] - fit.values[:, 0, :]) / (1.0 - fit.leverage[:, None])
                sums_by_degree[p] += np.einsum("q,qm->m", w_loo[part], resid**2)
        if wide.size:
            # The samples whose block holds more than themselves: their leave-one-out
            # residuals are replaced by those of leaving their block out.
            for p, resid in _block_residuals(
                x, y, weights, left_out[wide], blocks[wide], window=window, degrees=usable,
                kernel=kernel, robustness=robustness,
            ).items():  # fmt: skip
                sums_by_degree[p] += np.einsum("q,qm->m", w_out[wide], resid**2)
        for p in usable:
            score = np.full(m, np.inf) if bad[p] else sums_by_degree[p] / total
            # Scores at rounding are ties (then the lower degree and the larger window win).
            score = np.where(np.isfinite(score), np.maximum(score, ROUNDING_SCORE), np.inf)
            scores[(p, window)] = score
        current = np.min([scores[(p, window)] for p in usable], axis=0)
        best = np.minimum(best, current)
        if np.all(best <= ROUNDING_SCORE):
            # Noise-free data: the score never rises well past its best while the fits stay
            # exact, so windows double (the larger, the smoother among ties) and the search
            # stops after _STOP_RUNGS of them that are no longer at rounding.
            floor_from = 2 * window
            above = above + 1 if np.all(current > ROUNDING_SCORE) else 0
        else:
            above = above + 1 if np.all(current > _STOP_RATIO * best) else 0
        if above >= _STOP_RUNGS:
            break
    return _pick(scores, m, left_out.size), scores


def _pick(scores: dict[tuple[int, int], np.ndarray], m: int, n_left_out: int) -> list[Choice]:
    """The best candidate of each series, averaged with its near rivals of the same degree.

    Near the optimum the score is flat to a fraction of a percent over a range of windows,
    while a derivative's error is not: which window wins is then the noise's choice. Like
    the spline's averaging over knot counts, the windows of the chosen degree are averaged
    with Akaike weights ``exp(-n/2 log(score / best))``, ``n`` the samples left out.
    """
    # Lower degree first, then larger window: among exact ties, the smoother fit wins.
    order = sorted(scores, key=lambda key: (key[0], -key[1]))
    choices = []
    for column in range(m):
        key = min(order, key=lambda k: scores[k][column])
        best = float(scores[key][column])
        rivals = [k for k in order if k[0] == key[0] and np.isfinite(scores[k][column])]
        if best <= ROUNDING_SCORE:  # exact fits: the smoothest of the ties, alone
            rivals = [key]
        weights = {k: _akaike(float(scores[k][column]), best, n_left_out) for k in rivals}
        kept = sorted(
            (k for k in rivals if weights[k] >= _SHARE_CUTOFF),
            key=lambda k: -weights[k],
        )[:_MAX_AVERAGED]
        kept = sorted(kept, key=lambda k: k[1]) or [key]
        total = sum(weights.get(k, 1.0) for k in kept)
        choices.append(
            Choice(
                degree=key[0],
                window=key[1],
                score=best,
                windows=tuple(k[1] for k in kept),
                shares=tuple(weights.get(k, 1.0) / total for k in kept),
            )
        )
    return choices


def _akaike(score: float, best: float, n: int) -> float:
    """``exp(-n/2 log(score / best))``: 1 for the best, and 1 for every candidate when the
    best score is zero or not finite (nothing to tell them apart)."""
    if not (np.isfinite(best) and best > 0):
        return 1.0 if score == best else 0.0
    return float(np.exp(-0.5 * n * np.log(score / best)))


def block_sizes(x: np.ndarray, left_out: np.ndarray) -> np.ndarray:
    """Samples within half the wider neighbouring spacing of each left-out sample (itself
    included): 1 on regular sampling, more at the edges of holes."""
    steps = np.diff(x)
    if steps.size == 0:
        return np.ones(left_out.size, dtype=int)
    left = np.r_[steps[0], steps][left_out]
    right = np.r_[steps, steps[-1]][left_out]
    # A hair under half, so that rounding in a regular grid never pulls a neighbour in.
    radius = 0.5 * np.maximum(left, right) * (1.0 - 1e-9)
    lo = np.searchsorted(x, x[left_out] - radius, side="left")
    hi = np.searchsorted(x, x[left_out] + radius, side="right")
    return (hi - lo).astype(int)


def _block_residuals(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    left_out: np.ndarray,
    blocks: np.ndarray,
    *,
    window: int,
    degrees: tuple[int, ...],
    kernel: str,
    robustness: np.ndarray | None,
) -> dict[int, np.ndarray]:
    """``y_i`` minus its prediction from the ``window - 1`` samples nearest to ``x_i``
    outside its block, for each degree: the block's samples are the nearest ones, so the
    window of ``window + b - 1`` nearest samples holds them all, and they get weight zero."""
    out = {p: np.empty((left_out.size, y.shape[1])) for p in degrees}
    top = max(degrees)
    for b in np.unique(blocks):
        rows = np.flatnonzero(blocks == b)
        size = min(x.size, window + int(b) - 1)
        for begin in range(0, rows.size, max(1, _CHUNK_ELEMENTS // size)):
            part = rows[begin : begin + max(1, _CHUNK_ELEMENTS // size)]
            sums = _sums_without_block(
                x, y, weights, left_out[part], size=size, block=int(b), top=top,
                kernel=kernel, robustness=robustness,
            )  # fmt: skip
            for p in degrees:
                fit = estimates(sums, degree=p, orders=(0,))
                out[p][part] = y[left_out[part]] - fit.values[:, 0, :]
    return out


def _sums_without_block(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    index: np.ndarray,
    *,
    size: int,
    block: int,
    top: int,
    kernel: str,
    robustness: np.ndarray | None,
) -> WindowSums:
    """Power sums over the ``size`` samples nearest to ``x[index]``, the ``block`` nearest
    of them (the block) weighted zero."""
    points = x[index]
    start, radius = nearest_windows(x, points, size)
    idx = start[:, None] + np.arange(size)
    xw = x[idx]
    distance = np.abs(xw - points[:, None])
    nearest = np.argsort(distance, axis=1, kind="stable")[:, :block]
    kw = _kernel((xw - points[:, None]) / radius[:, None], kernel)
    np.put_along_axis(kw, nearest, 0.0, axis=1)
    if robustness is not None:
        kw = kw * robustness[idx]
    w = kw * weights[idx]
    centre, half, u, ymom = _window_moments(xw, w, y[idx], top)
    return WindowSums(
        start=start, centre=centre, half=half, u0=(points - centre) / half,
        moments=_power_sums(w, u, 2 * top), ymoments=ymom, second=None, own_w=None, own_u=None,
    )  # fmt: skip
