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

__all__ = ["LAMBDAS", "MAX_INTERVALS", "Path", "penalized_path"]

#: At most this many knot intervals: a penalised spline needs far fewer knots than samples
#: (the penalty, not the knots, sets the smoothness), and the eigenproblem grows as their cube.
MAX_INTERVALS = 400
#: The smoothing parameters searched, relative to the scale of A / P: 0.1 decade apart over
#: a range wide enough to reach interpolation, then infinity (the unpenalised polynomial).
LAMBDAS = np.r_[10.0 ** np.arange(-14.0, 16.0 + 1e-9, 0.1), np.inf]
#: Generalised eigenvalues below this are rounding of zero (measured: up to about 3e-13 on x
#: mapped onto [0, 1]);
#: directions the data do see stay above it (measured: down to about 1e-10, on irregular
#: samples with a single sample at the edge of a knot interval).
_BLIND_MU = 1e-12


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
        return _denominator(self.mu, lam[:, None])

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
        return self.vectors @ (self.z / _denominator(self.mu[:, None], lam[None, :]))

    def covariance_factor(self, lam: float) -> np.ndarray:
        """``F`` with ``(A + lam P)^-1 = F F'``."""
        d = _denominator(self.mu, np.asarray(lam))
        return self.vectors / np.sqrt(d)[None, :]


def _denominator(mu: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``mu + lam (1 - mu)``, with ``lam = inf`` allowed (the unpenalised polynomial):
    penalised directions then vanish and the null space keeps ``mu = 1``."""
    free = mu >= 1.0
    with np.errstate(invalid="ignore"):
        d = mu + lam * (1.0 - mu)
    return np.where(free, 1.0, d)


def _split_eigh(a: np.ndarray, p: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Generalised eigenpairs of ``(A, A + P)``, the penalty's null space taken out exactly.

    The null space (coefficient sequences that are polynomials of degree below ``order`` in
    the knot index: the B-spline coefficients of polynomials on uniform knots) has
    eigenvalue 1. Eigensolvers smear it into the smoothest penalised directions, whose
    eigenvalues differ from 1 by less than rounding; an infinite lambda would then keep some
    of those. So the null space is M-orthonormalised on its own (``M = A + P``) and the
    problem solved on its M-orthogonal complement.
    """
    from scipy.linalg import eigh, null_space

    size = a.shape[0]
    m = a + p
    index = (np.arange(size) - 0.5 * (size - 1)) / size
    null = np.vander(index, order, increasing=True)
    # M-orthonormal basis of the null space.
    chol = np.linalg.cholesky(null.T @ m @ null)
    null = np.linalg.solve(chol, null.T).T
    rest = null_space((m @ null).T)  # vectors y with null' M y = 0
    mu_rest, u = eigh(rest.T @ a @ rest, rest.T @ m @ rest)
    vectors = np.hstack([null, rest @ u])
    mu = np.r_[np.ones(order), np.clip(mu_rest, 0.0, 1.0 - np.finfo(float).eps)]
    return mu, vectors


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

    knots = uniform_knots(float(x[0]), float(x[-1]), intervals, k)
    basis = BSpline.design_matrix(x, knots, k).tocsr()
    weighted = basis.multiply(w[:, None]).tocsr()
    a = np.asarray((basis.T @ weighted).todense())
    n_basis = a.shape[0]
    diff = np.diff(np.eye(n_basis), order, axis=0)
    p = diff.T @ diff
    # Put A and P on one scale, so that the lambda grid means the same for every data set.
    p *= np.trace(a) / np.trace(p)
    try:
        mu, vectors = _split_eigh(a, p, order)
    except np.linalg.LinAlgError:
        # The data's Gram matrix is singular on the polynomials of degree below ``order``:
        # at float64 resolution the samples sit at fewer than ``order`` distinct places.
        raise ValueError(
            f"the samples do not determine a polynomial of degree {order - 1} at float64 "
            "resolution: they cluster so tightly against the range of x (e.g. most within "
            f"1e-7 of it, or spread over many decades) that fewer than {order} distinct "
            "positions remain; lower k, or give samples spread over the range"
        ) from None
    z = vectors.T @ np.asarray(weighted.T @ y)
    # Directions the data do not see (mu at rounding level: more basis functions than
    # samples, knot intervals without samples) have z = 0 in exact arithmetic; their rounding
    # divided by a small lambda would otherwise bend the curve where the data say nothing.
    blind = mu < _BLIND_MU
    mu = np.where(blind, 0.0, mu)
    z[blind] = 0.0
    return Path(
        knots=knots,
        k=k,
        mu=mu,
        vectors=vectors,
        z=z,
        yy=np.einsum("i,im->m", w, y**2),
        n=x.size,
    )
