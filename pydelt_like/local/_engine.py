"""Local polynomial regression at any points: windows, weights, coefficients, variances.

At a point ``x0`` the estimator takes the ``window`` samples nearest to ``x0`` (a run of
consecutive samples, since ``x`` is sorted), weights them by a kernel of ``u = (x - x0) / h``
(``h`` reaches the farthest of them) times the sample weights, and fits a
polynomial of degree ``p`` by weighted least squares. The fitted polynomial's derivatives at
``x0`` are the estimates: ``m^(v)(x0) = v! * beta_v / h**v``. Every estimate is linear in
``y``, so its variance is known in closed form: ``sigma**2 * sum_i l_i**2 / w_i`` for the
equivalent-kernel weights ``l``.

The normal equations are assembled from power sums ``sum W u**j`` (one pass over the window
gives every degree at once) and solved in the Legendre basis, in which they are well
conditioned on ``[-1, 1]``; monomial normal equations of degree 7 would lose about ten digits.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import legendre

__all__ = [
    "KERNELS",
    "MAX_DEGREE",
    "LocalFit",
    "WindowSums",
    "estimates",
    "local_fit",
    "nearest_windows",
    "window_sums",
]

#: Highest local degree: beyond 8 the local fits on small windows are numerically fragile and
#: the cross-validation almost never prefers them.
MAX_DEGREE = 8
KERNELS = ("uniform", "tricube")
#: Points per chunk times samples per window: bounds the memory of one pass (about 16 MB of
#: float64 per temporary array).
_CHUNK_ELEMENTS = 2_000_000
#: Cholesky pivots of the unit-diagonal normal equations (the share of a Legendre
#: polynomial's norm over the window that the lower degrees do not explain) below this are
#: rounding, not information: assembled from monomial power sums, the normal equations of
#: degree 8 carry errors up to about 1e-11 relative (measured against a direct Legendre
#: assembly). The fit of such a window stops at the degree below.
_RCOND = 1e-11
#: A tricube window whose end samples tie (and so both get weight zero) and that then holds
#: fewer samples than coefficients reaches this factor further (its ends weigh about 0.04).
_TIE_REACH = 1.1


@dataclass(frozen=True)
class LocalFit:
    """Estimates at a set of points.

    Attributes
    ----------
    values : numpy.ndarray of shape (n_points, n_orders, n_outputs)
        Derivative estimates, one slice per requested order.
    variance : numpy.ndarray of shape (n_points, n_orders) or None
        Variance of each estimate for unit noise variance per unit weight
        (``sum_i l_i**2 / w_i``); ``None`` unless asked for.
    std : numpy.ndarray of shape (n_points, n_orders) or None
        Its square root, computed without squaring the window's scale (so it stays finite
        where the variance of a derivative over a tiny window would overflow).
    leverage : numpy.ndarray of shape (n_points,) or None
        The weight the order-0 estimate gives to the sample at the point itself (the
        diagonal of the smoother matrix when the points are samples); ``None`` unless asked.
    """

    values: np.ndarray
    variance: np.ndarray | None
    leverage: np.ndarray | None
    std: np.ndarray | None = None


def _legendre_to_monomial(degree: int) -> np.ndarray:
    """``C`` with ``P_j(u) = sum_l C[j, l] u**l`` for j, l = 0..degree."""
    c = np.zeros((degree + 1, degree + 1))
    for j in range(degree + 1):
        unit = np.zeros(j + 1)
        unit[j] = 1.0
        c[j, : j + 1] = legendre.leg2poly(unit)
    return c


_C = [_legendre_to_monomial(p) for p in range(MAX_DEGREE + 1)]
_HANKEL = [np.add.outer(np.arange(p + 1), np.arange(p + 1)) for p in range(MAX_DEGREE + 1)]


def nearest_windows(x: np.ndarray, points: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``size`` samples nearest to each point, and the radius that holds them.

    Parameters
    ----------
    x : numpy.ndarray of shape (n,)
        Sorted, distinct sample positions.
    points : numpy.ndarray of shape (q,)
        Where to centre the windows.
    size : int
        Samples per window, ``1 <= size <= n``.

    Returns
    -------
    start : numpy.ndarray of int, shape (q,)
        The window of point ``i`` is ``x[start[i] : start[i] + size]``.
    radius : numpy.ndarray of shape (q,)
        Distance from the point to the farthest sample of its window (as in Cleveland's
        LOWESS, that sample gets tricube weight zero).
    """
    n = x.size
    right = np.searchsorted(x, points)
    lo = np.clip(right - size, 0, n - size)
    hi = np.clip(right, 0, n - size)
    # The best start s is the smallest one whose window is not beaten by sliding right:
    # x0 - x[s] <= x[s + size] - x0. That condition is monotone in s: bisect.
    while np.any(lo < hi):
        mid = (lo + hi) // 2
        beyond = mid + size
        gap_right = np.where(beyond < n, x[np.minimum(beyond, n - 1)] - points, np.inf)
        slide = (points - x[mid]) > gap_right
        lo = np.where(slide, mid + 1, lo)
        hi = np.where(slide, hi, mid)
    reach = np.maximum(points - x[lo], x[lo + size - 1] - points)
    # A window of one sample at the point itself has reach 0; any positive radius then works.
    radius = np.where(reach > 0, reach, 1.0)
    return lo, radius


def _kernel(u: np.ndarray, kernel: str) -> np.ndarray:
    if kernel == "uniform":
        return np.ones_like(u)
    a = 1.0 - np.abs(u) ** 3
    return np.clip(a, 0.0, None) ** 3


def _chunks(q: int, size: int) -> Iterator[slice]:
    step = max(1, _CHUNK_ELEMENTS // max(size, 1))
    for begin in range(0, q, step):
        yield slice(begin, min(q, begin + step))


def _truncated_solve(
    gram: np.ndarray, rhs: np.ndarray, inverse: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """Solutions ``(q, size, m)`` of stacked symmetric positive semi-definite normal
    equations in the Legendre basis, each truncated to the highest degree its window
    determines, and on request their (equally truncated) inverses.

    A Cholesky factorisation runs over the basis in increasing degree, member by member;
    where a pivot (the share of a basis polynomial not explained by the lower ones, on a
    unit diagonal) falls below ``_RCOND``, that member's fit stops at the degree below: its
    higher coefficients are zero. So a window holding fewer distinct positive-weight
    samples than coefficients (robustness weights of zero, samples of zero weight) gets the
    least-squares polynomial of the highest degree it supports, never a singular solve,
    coefficients blown up by rounding, or a batch poisoned by one member.
    """
    q, size = gram.shape[0], gram.shape[-1]
    diag = np.einsum("qii->qi", gram)
    positive = np.isfinite(diag) & (diag > 0)
    scale = np.where(positive, 1.0 / np.sqrt(np.where(positive, diag, 1.0)), 0.0)
    unit = gram * scale[:, :, None] * scale[:, None, :]
    unit = np.where(np.isfinite(unit), unit, 0.0)
    factor = np.zeros_like(unit)
    kept = np.zeros((q, size), dtype=bool)
    active = np.ones(q, dtype=bool)
    for j in range(size):
        row = factor[:, j, :j]
        pivot = unit[:, j, j] - np.einsum("ql,ql->q", row, row)
        active &= positive[:, j] & (pivot > _RCOND)
        kept[:, j] = active
        # A dropped degree gets a unit pivot and no coupling: its coefficient is then
        # masked to zero, and the factor stays invertible.
        root = np.where(active, np.sqrt(np.where(active, pivot, 1.0)), 1.0)
        factor[:, j, :j] = np.where(active[:, None], row, 0.0)
        factor[:, j, j] = root
        below = unit[:, j + 1 :, j] - np.einsum("qil,ql->qi", factor[:, j + 1 :, :j], row)
        factor[:, j + 1 :, j] = np.where(active[:, None], below / root[:, None], 0.0)
    # Forward and back substitution (more accurate than multiplying by an inverse).
    b = np.where(kept[:, :, None], scale[:, :, None] * rhs, 0.0)
    z = np.empty_like(b)
    for j in range(size):
        z[:, j] = (b[:, j] - np.einsum("ql,qlm->qm", factor[:, j, :j], z[:, :j])) / factor[
            :, j, j, None
        ]
    out = np.empty_like(b)
    for j in range(size - 1, -1, -1):
        out[:, j] = (
            z[:, j] - np.einsum("ql,qlm->qm", factor[:, j + 1 :, j], out[:, j + 1 :])
        ) / factor[:, j, j, None]
    out = np.where(kept[:, :, None], out, 0.0) * scale[:, :, None]
    if not inverse:
        return out, None
    # (L L')^-1 = L'^-1 L^-1, kept degrees only.
    lower_inv = np.linalg.inv(factor)
    full = np.einsum("qki,qkj->qij", lower_inv, lower_inv)
    full = np.where(kept[:, :, None] & kept[:, None, :], full, 0.0)
    return out, scale[:, :, None] * full * scale[:, None, :]


def _power_sums(w: np.ndarray, u: np.ndarray, top: int) -> np.ndarray:
    """``sum_i w_i u_i**j`` along the last axis for j = 0..top."""
    out = np.empty((w.shape[0], top + 1))
    acc = w.copy()
    for j in range(top + 1):
        out[:, j] = acc.sum(axis=1)
        acc *= u
    return out


def _window_moments(
    xw: np.ndarray, w: np.ndarray, yw: np.ndarray, top: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each window mapped onto [-1, 1] and its weighted y moments.

    The polynomial lives on the window itself, where the Legendre basis is well conditioned
    even when the window lies on one side of the point. Returns ``(centre, half, u, ymom)``:
    ``u = (xw - centre) / half`` and ``ymom[:, j] = sum(w * y * u**j)`` for ``j <= top``.
    """
    centre = 0.5 * (xw[:, 0] + xw[:, -1])
    half = 0.5 * (xw[:, -1] - xw[:, 0])
    half = np.where(half > 0, half, 1.0)
    u = (xw - centre[:, None]) / half[:, None]
    ymom = np.empty((xw.shape[0], top + 1, yw.shape[-1]))
    acc = w[..., None] * yw
    for j in range(top + 1):
        ymom[:, j] = acc.sum(axis=1)
        acc *= u[..., None]
    return centre, half, u, ymom


def _derivative_rows(c: np.ndarray, u0: np.ndarray, orders: tuple[int, ...]) -> np.ndarray:
    """``rows[i, v, j]``: the ``orders[v]``-th u-derivative of ``P_j(u)`` at the i-th point,
    whose position on the window's scale is ``u0[i]`` (divide by ``half**v`` for x; see
    :func:`_per_half`)."""
    p = c.shape[0] - 1
    rows = np.empty((u0.size, len(orders), p + 1))
    for slot, v in enumerate(orders):
        # d^v/du^v u**j = j! / (j - v)! u**(j - v) for j >= v.
        exps = np.arange(p + 1) - v
        falling = np.array([math.perm(j, v) if j >= v else 0 for j in range(p + 1)], float)
        mono = falling * np.where(exps >= 0, u0[:, None] ** np.maximum(exps, 0), 0.0)
        rows[:, slot] = mono @ c.T
    return rows


def _per_half(values: np.ndarray, half: np.ndarray, orders: tuple[int, ...]) -> np.ndarray:
    """``values[:, v]`` divided by ``half**orders[v]`` one factor at a time: a power of a tiny
    window's half-width would underflow (or its inverse overflow) where the quotient does
    not."""
    out = values.copy()
    scale = half.reshape(half.shape + (1,) * (values.ndim - 2))
    for slot, v in enumerate(orders):
        for _ in range(v):
            out[:, slot] = out[:, slot] / scale
    return out


@dataclass(frozen=True)
class WindowSums:
    """Power sums of one chunk of points' windows, enough for every degree up to ``top``.

    Attributes
    ----------
    start : numpy.ndarray of int, shape (q,)
        First sample of each window.
    centre, half : numpy.ndarray of shape (q,)
        The window ``[centre - half, centre + half]`` is mapped onto ``u`` in ``[-1, 1]``.
    u0 : numpy.ndarray of shape (q,)
        The points on that scale.
    moments : numpy.ndarray of shape (q, 2 * top + 1)
        ``sum W u**j`` (``W``: kernel times sample weights).
    ymoments : numpy.ndarray of shape (q, top + 1, m)
        ``sum W u**j y``.
    second : numpy.ndarray of shape (q, 2 * top + 1) or None
        ``sum W**2 / w u**j``, for variances.
    own_w, own_u : numpy.ndarray of shape (q,) or None
        ``W`` and ``u`` of the sample at the point itself (points that are samples), for
        leverages.
    """

    start: np.ndarray
    centre: np.ndarray
    half: np.ndarray
    u0: np.ndarray
    moments: np.ndarray
    ymoments: np.ndarray
    second: np.ndarray | None
    own_w: np.ndarray | None
    own_u: np.ndarray | None


def window_sums(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    points: np.ndarray,
    *,
    window: int,
    top: int,
    kernel: str,
    robustness: np.ndarray | None = None,
    second: bool = False,
    own: bool = False,
) -> WindowSums:
    """Power sums over the ``window`` samples nearest each point (one chunk of points).

    Parameters are those of :func:`local_fit`; ``top`` is the highest degree to be solved,
    ``second`` asks for the sums variances need and ``own`` for those leverages need (the
    points must then be samples).
    """
    start, radius = nearest_windows(x, points, window)
    idx = start[:, None] + np.arange(window)
    xw = x[idx]
    kw = _kernel((xw - points[:, None]) / radius[:, None], kernel)
    # Tricube weights vanish at the radius: a small window centred between its two end
    # samples (a tie) keeps only window - 2 of them, too few for the degree. Such windows
    # reach a little further (the ends then count, with a small weight), rather than fit
    # a lower degree and return zero for the derivatives it lacks.
    short = np.count_nonzero(kw > 0, axis=1) < min(top + 1, window)
    if np.any(short):
        wider = _kernel(
            (xw[short] - points[short, None]) / (_TIE_REACH * radius[short, None]), kernel
        )
        kw[short] = wider
    if robustness is not None:
        kw = kw * robustness[idx]
    # W = kernel * robustness * w fits; the variance needs W**2 / w = (kernel * robustness) * W.
    w = kw * weights[idx]
    centre, half, u, ymom = _window_moments(xw, w, y[idx], top)
    own_w = own_u = None
    if own:
        offset = np.clip(np.searchsorted(x, points) - start, 0, window - 1)[:, None]
        own_w = np.take_along_axis(w, offset, 1)[:, 0]
        own_u = np.take_along_axis(u, offset, 1)[:, 0]
    return WindowSums(
        start=start,
        centre=centre,
        half=half,
        u0=(points - centre) / half,
        moments=_power_sums(w, u, 2 * top),
        ymoments=ymom,
        second=_power_sums(kw * w, u, 2 * top) if second else None,
        own_w=own_w,
        own_u=own_u,
    )


def estimates(
    sums: WindowSums,
    *,
    degree: int,
    orders: tuple[int, ...],
    variance: bool = False,
    leverage: bool = False,
) -> LocalFit:
    """Solve the local fits of one degree from power sums; see :func:`local_fit`."""
    p = degree
    c, hankel = _C[p], _HANKEL[p]
    gram = c @ sums.moments[:, hankel] @ c.T
    rhs = np.einsum("jl,qlm->qjm", c, sums.ymoments[:, : p + 1])
    # Legendre coefficients, (q, p + 1, m).
    coef, inverse = _truncated_solve(gram, rhs, inverse=variance or leverage)
    rows = _derivative_rows(c, sums.u0, orders)
    values = _per_half(np.einsum("qvj,qjm->qvm", rows, coef), sums.half, orders)
    var = lev = std = None
    if variance:
        # sum_i l_i**2 / w_i with l_i = W_i * (basis row) G^-1: power sums of W**2 / w.
        assert sums.second is not None and inverse is not None
        middle = c @ sums.second[:, hankel] @ c.T
        proj = np.einsum("qvj,qjk->qvk", rows, inverse)
        unit = np.maximum(np.einsum("qvj,qjk,qvk->qv", proj, middle, proj), 0.0)
        std = _per_half(np.sqrt(unit), sums.half, orders)
        with np.errstate(over="ignore"):
            var = std**2
    if leverage:
        # The weight of the sample at the point itself: W_i * P(u_i) G^-1 P(u_i).
        assert sums.own_u is not None and sums.own_w is not None and inverse is not None
        basis = (sums.own_u[:, None] ** np.arange(p + 1)) @ c.T
        lev = sums.own_w * np.einsum("qj,qjk,qk->q", basis, inverse, basis)
    return LocalFit(values=values, variance=var, leverage=lev, std=std)


def local_fit(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    points: np.ndarray,
    *,
    window: int,
    degree: int,
    kernel: str,
    orders: tuple[int, ...],
    robustness: np.ndarray | None = None,
    variance: bool = False,
    leverage: bool = False,
) -> LocalFit:
    """Local polynomial estimates of the derivatives of ``y`` at ``points``.

    Parameters
    ----------
    x : numpy.ndarray of shape (n,)
        Sorted, distinct sample positions.
    y : numpy.ndarray of shape (n, m)
        Sample values (``m`` series sharing the weights).
    weights : numpy.ndarray of shape (n,)
        Positive sample weights (inverse variances up to a common factor).
    points : numpy.ndarray of shape (q,)
        Evaluation points.
    window : int
        Samples per window, ``degree + 1 <= window <= n``.
    degree : int
        Degree of the local polynomial, ``0 <= degree <= MAX_DEGREE``.
    kernel : {'uniform', 'tricube'}
        Weights within the window.
    orders : tuple of int
        Derivative orders to return, each at most ``degree``.
    robustness : numpy.ndarray of shape (n,) or None, default=None
        Robustness weights in ``[0, 1]``: they multiply the fit's weights but, unlike the
        sample weights, say nothing about the noise variance.
    variance, leverage : bool, default=False
        Also return variances (for unit noise variance per unit weight) and leverages (the
        points must then be samples).

    Returns
    -------
    LocalFit
    """
    q, m = points.size, y.shape[1]
    values = np.empty((q, len(orders), m))
    var_out = np.empty((q, len(orders))) if variance else None
    std_out = np.empty((q, len(orders))) if variance else None
    lev_out = np.empty(q) if leverage else None
    for part in _chunks(q, window):
        sums = window_sums(
            x, y, weights, points[part], window=window, top=degree, kernel=kernel,
            robustness=robustness, second=variance, own=leverage,
        )  # fmt: skip
        fit = estimates(sums, degree=degree, orders=orders, variance=variance, leverage=leverage)
        values[part] = fit.values
        if var_out is not None and std_out is not None and fit.variance is not None:
            var_out[part] = fit.variance
            std_out[part] = fit.std
        if lev_out is not None and fit.leverage is not None:
            lev_out[part] = fit.leverage
    return LocalFit(values=values, variance=var_out, leverage=lev_out, std=std_out)
