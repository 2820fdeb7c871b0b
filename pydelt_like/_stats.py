"""Small statistical helpers shared by the interpolator families."""

from __future__ import annotations

import numpy as np

__all__ = ["difference_noise_variance"]


def difference_noise_variance(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    neighbours: int = 2,
    *,
    per_unit_weight: bool = False,
) -> np.ndarray:
    """Noise variance per series, from local differences of the data, free of any fit.

    For 1-D ``x`` (sorted), each interior sample is compared with the polynomial through
    its ``neighbours`` nearest neighbours, half on each side: with 2, the line through them
    (the pseudo-residuals of Gasser, Sroka and Jennen-Steinmetz); with 4, a cubic, whose
    bias on smooth clean data is far smaller (order h^4 instead of h^2) at the price of a
    noisier estimate. For a signal smooth on the scale of the sampling, what remains is noise.
    For ``x`` of shape (n, d), each sample is predicted by a quadratic fitted by least
    squares to its nearest neighbours (three times as many as the quadratic has
    coefficients); the prediction errors, corrected for the fit's own variance, estimate
    the noise, with a bias of the order of the signal's third derivatives.

    Parameters
    ----------
    x : numpy.ndarray of shape (n,) sorted, or (n, d)
    y : numpy.ndarray of shape (n, m)
    w : numpy.ndarray of shape (n,)
        Samples with zero weight are ignored.
    neighbours : {2, 4}, default=2
        Neighbours per sample for 1-D ``x``.
    per_unit_weight : bool, default=False
        For 1-D ``x``: read the weights as inverse variances known up to a common factor and
        estimate that factor (the variance of a sample of weight one), each pseudo-residual
        standardised by the variance its weights imply. ``False`` averages the squared
        pseudo-residuals alike, whatever the weights.

    Returns
    -------
    numpy.ndarray of shape (m,)
    """
    keep = w > 0
    x, y = x[keep], y[keep]
    if x.shape[0] < 3:
        return np.zeros(y.shape[1])
    if x.ndim == 2 and x.shape[1] > 1:
        return _local_quadratic_noise_variance(x, y)
    x = x.reshape(-1)
    half = neighbours // 2
    if x.size < neighbours + 1:
        half = 1
    n = x.size
    centre = np.arange(half, n - half)
    offsets = [o for o in range(-half, half + 1) if o != 0]
    # Lagrange weights predicting y at each centre from its neighbours.
    weights = []
    for j in offsets:
        c = np.ones(centre.size)
        for k in offsets:
            if k != j:
                c *= (x[centre] - x[centre + k]) / (x[centre + j] - x[centre + k])
        weights.append(c)
    prediction = np.zeros((centre.size, y.shape[1]))
    for c, j in zip(weights, offsets, strict=True):
        prediction += c[:, None] * y[centre + j]
    resid = y[centre] - prediction
    if per_unit_weight:
        wk = w[keep]
        inflation = 1.0 / wk[centre] + sum(
            np.square(c) / wk[centre + j] for c, j in zip(weights, offsets, strict=True)
        )
    else:
        inflation = 1.0 + np.sum(np.square(weights), axis=0)
    return np.mean(resid**2 / inflation[:, None], axis=0)


def _local_quadratic_noise_variance(
    x: np.ndarray, y: np.ndarray, max_points: int = 2000
) -> np.ndarray:
    from scipy.spatial import cKDTree

    n, d = x.shape
    n_terms = (d + 1) * (d + 2) // 2
    k = min(3 * n_terms, n - 1)
    if k <= n_terms:
        return np.zeros(y.shape[1])
    centres = np.arange(n)
    if n > max_points:  # an estimate of one number: a spread-out subset is plenty
        centres = np.linspace(0, n - 1, max_points).astype(np.intp)
    _, neighbours = cKDTree(x).query(x[centres], k=k + 1)
    neighbours = neighbours[:, 1:]  # leave the point itself out
    offsets = x[neighbours] - x[centres][:, None, :]  # (c, k, d)
    scale = np.abs(offsets).max(axis=(1, 2), keepdims=True)
    offsets = offsets / np.where(scale > 0, scale, 1.0)
    columns = [np.ones(offsets.shape[:2])]
    columns += [offsets[..., i] for i in range(d)]
    columns += [offsets[..., i] * offsets[..., j] for i in range(d) for j in range(i, d)]
    design = np.stack(columns, axis=2)  # (c, k, p)
    gram = np.einsum("ckp,ckq->cpq", design, design) + 1e-10 * np.eye(n_terms)
    rhs = np.einsum("ckp,ckm->cpm", design, y[neighbours])
    coef = np.linalg.solve(gram, rhs)  # (c, p, m)
    prediction = coef[:, 0, :]  # the quadratic at the centre (offset 0)
    leverage = np.linalg.solve(gram, np.eye(n_terms)[None, :, :1].repeat(len(centres), 0))[:, 0, 0]
    resid = y[centres] - prediction
    return np.mean(resid**2 / (1.0 + leverage)[:, None], axis=0)
