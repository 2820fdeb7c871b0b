"""Uncertainty bands of the automatic spline: the posterior of its averaged candidates.

Works in the fit's internal units (``u`` in [0, 1], the scaled residual ``z``); the estimator
turns standard errors into the user's units.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import PPoly

from pydelt_like.spline._kernels import (
    cardinal_coefficients,
    factor_banded,
    fit_batch,
    gram_bands,
    inverse_band,
    local_basis,
    support_ratio,
)


class Posterior:
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

    def __init__(self, u, z, w, k, counts, coefs, weights, band_weights, unit_var):
        self.x, self.z, self.w, self.k = u, z, w, k
        self.lo, self.hi = 0.0, 1.0
        self.counts = np.asarray(counts, dtype=np.intp)
        # (counts + k, m) coefficients in internal units; None for a candidate that only the
        # band weighs: it is fitted when a band is first asked for, not at every fit.
        self.coefs = list(coefs)
        self.weights = weights  # (parts, m): the fit's
        self.band_weights = band_weights  # (parts, m): the spread's
        self.unit_var = unit_var  # (m,) noise variance of a sample of weight one, internal units
        self._band: np.ndarray | None = None
        self._variance: dict[int, PPoly] = {}

    def _coefficients(self) -> list[np.ndarray]:
        missing = [i for i, coef in enumerate(self.coefs) if coef is None]
        if missing:
            batch = fit_batch(self.x, self.z, self.w, 0.0, 1.0, self.k, self.counts[missing])
            for j, i in enumerate(missing):
                self.coefs[i] = batch.coefficients(j)
        return self.coefs

    def __getstate__(self) -> dict:  # the caches are rebuilt on demand
        return {**self.__dict__, "_band": None, "_variance": {}}

    def inverse_bands(self) -> np.ndarray:
        """The band of every candidate's G^-1, stacked as in the fit (computed once)."""
        if self._band is None:
            k, lo, hi = self.k, self.lo, self.hi
            sums, first, samples, start = [], [], [], 0
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
                samples.append(np.bincount(interval, minlength=count))
                first.append(start + np.arange(count))
                start += int(count) + k
            coef_start = np.r_[0, np.cumsum(self.counts + k)]
            first_coef = np.concatenate(first)
            bands = gram_bands(np.concatenate(sums, axis=1), first_coef, start, k)
            # The same ridge as the fit's: the bridge over gaps counts samples per interval.
            support = support_ratio(first_coef, np.concatenate(samples), coef_start, k)
            factor, _ = factor_banded(bands, coef_start, support)
            self._band = inverse_band(factor)
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

        band = self.inverse_bands()
        start = 0
        card = cardinal_coefficients(k)
        # Coefficients of the order-th derivative of each basis polynomial, in powers of s.
        powers = np.arange(k + 1)
        falling = np.ones(k + 1)
        for step in range(order):
            falling = falling * np.maximum(powers - step, 0)
        card_d = np.zeros_like(card)
        card_d[:, : k + 1 - order] = (card * falling)[:, order:]
        values, spread, total = [], [], 0.0
        for count, coef, p in zip(self.counts, self._coefficients(), self.weights, strict=True):
            u = (points - lo) * (count / (hi - lo))
            interval = np.clip(np.floor(u).astype(np.intp), 0, count - 1)
            basis = local_basis(u - interval, card_d) * (count / (hi - lo)) ** order
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
