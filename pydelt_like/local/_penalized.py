"""Penalised B-splines (P-splines) with the whole smoothing path in closed form.

The curve is a B-spline of degree ``k`` on uniform knots, extended past both ends so that
every polynomial of degree ``k`` has polynomial coefficients; the roughness penalty is
``lam * |D_q c|**2`` with ``D_q`` the ``q``-th differences of the coefficients (Eilers and
Marx 1996), which leaves polynomials of degree below ``q`` unpenalised. For ``A = B'WB`` and
``P = D_q'D_q`` the generalised eigenproblem ``A v = mu (A + P) v`` (``V'(A + P)V = I``) makes
every quantity of the path diagonal:

    (A + lam P)^-1 = V diag(1 / d) V',   d = mu + lam (1 - mu),

so the fitted coefficients, the residual sum of squares and the trace of the smoother
matrix cost O(basis size) per ``lam`` and series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MAX_INTERVALS", "Path", "penalized_path"]

#: At most this many knot intervals: a penalised spline needs far fewer knots than samples
#: (the penalty, not the knots, sets the smoothness), and the eigenproblem grows as their cube.
MAX_INTERVALS = 400
#: The smoothing parameters searched, relative to the scale of A / P: 0.1 decade apart over
#: a range wide enough to reach both interpolation and the unpenalised polynomial.
LOG_LAMBDAS = np.arange(-14.0, 16.0 + 1e-9, 0.1)


@dataclass(frozen=True)
class Path:
    """The smoothing path of a penalised spline fit to ``m`` series.

    Attributes
    ----------
    knots : numpy.ndarray
        The B-spline knots.
    k : int
        The degree.
    mu : numpy.ndarray of shape (n_basis,)
        Generalised eigenvalues in [0, 1].
    vectors : numpy.ndarray of shape (n_basis, n_basis)
        Generalised eigenvectors.
    z : numpy.ndarray of shape (n_basis, m)
        ``V' B' W y``.
    yy : numpy.ndarray of shape (m,)
        ``y' W y``.
    n : int
        Number of samples.
    """

    knots: np.ndarray
    k: int
    mu: np.ndarray
    vectors: np.ndarray
    z: np.ndarray
    yy: np.ndarray
    n: int

    def _d(self, lam: np.ndarray) -> np.ndarray:
        return self.mu[None, :] + lam[:, None] * (1.0 - self.mu[None, :])

    def trace(self, lam: np.ndarray) -> np.ndarray:
        """Effective degrees of freedom ``tr(B (A + lam P)^-1 B'W)`` for each ``lam``."""
        return np.sum(self.mu[None, :] / self._d(lam), axis=1)

    def rss(self, lam: np.ndarray) -> np.ndarray:
        """Weighted residual sum of squares, shape ``(len(lam), m)``."""
        d = self._d(lam)
        z2 = self.z**2
        fit_cross = (1.0 / d) @ z2
        fit_norm = (self.mu[None, :] / d**2) @ z2
        return np.maximum(self.yy[None, :] - 2.0 * fit_cross + fit_norm, 0.0)

    def coefficients(self, lam: np.ndarray) -> np.ndarray:
        """B-spline coefficients, shape ``(n_basis, m)``, one ``lam`` per series."""
        d = self.mu[:, None] + lam[None, :] * (1.0 - self.mu[:, None])
        return self.vectors @ (self.z / d)

    def covariance_factor(self, lam: float) -> np.ndarray:
        """``F`` with ``(A + lam P)^-1 = F F'``."""
        d = self.mu + lam * (1.0 - self.mu)
        return self.vectors / np.sqrt(d)[None, :]


def uniform_knots(lo: float, hi: float, intervals: int, k: int) -> np.ndarray:
    """Uniform knots on ``[lo, hi]``, continued ``k`` intervals past each end."""
    step = (hi - lo) / intervals
    knots = lo + step * np.arange(-k, intervals + k + 1)
    knots[k], knots[intervals + k] = lo, hi  # exact ends, whatever the rounding
    return knots


def penalized_path(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, *, k: int, order: int, intervals: int
) -> Path:
    """Set up the smoothing path for samples ``(x, y)`` with weights ``w``.

    Parameters
    ----------
    x : numpy.ndarray of shape (n,)
        Sorted, distinct positions.
    y : numpy.ndarray of shape (n, m)
        Values.
    w : numpy.ndarray of shape (n,)
        Positive weights.
    k : int
        Spline degree.
    order : int
        Difference order of the penalty.
    intervals : int
        Number of uniform knot intervals on ``[x[0], x[-1]]``.
    """
    from scipy.interpolate import BSpline
    from scipy.linalg import eigh

    knots = uniform_knots(float(x[0]), float(x[-1]), intervals, k)
    basis = BSpline.design_matrix(x, knots, k).tocsr()
    weighted = basis.multiply(w[:, None]).tocsr()
    a = np.asarray((basis.T @ weighted).todense())
    n_basis = a.shape[0]
    diff = np.diff(np.eye(n_basis), order, axis=0)
    p = diff.T @ diff
    # Put A and P on one scale, so that the lambda grid means the same for every data set.
    p *= np.trace(a) / np.trace(p)
    mu, vectors = eigh(a, a + p)
    return Path(
        knots=knots,
        k=k,
        mu=np.clip(mu, 0.0, 1.0),
        vectors=vectors,
        z=vectors.T @ np.asarray(weighted.T @ y),
        yy=np.einsum("i,im->m", w, y**2),
        n=x.size,
    )
