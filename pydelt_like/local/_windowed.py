"""LLA, GLLA and GOLD: local polynomials fitted with equal weights over a window of samples.

Boker's local linear approximation (LLA), its generalisation to polynomials of degree ``n``
(GLLA, Boker et al. 2010) and Deboeck's generalised orthogonal local derivatives (GOLD,
2010) all estimate derivatives from a least-squares polynomial over a window of neighbouring
samples, every sample of the window weighted alike. Here the window is the ``window_size``
(or ``embedding``) samples nearest the point asked for, in x rather than in index, so
irregular sampling is handled exactly, and the polynomial's derivatives at that point are
the estimates. The three classes share one estimator and differ in PyDelt's parameter names.
"""

from __future__ import annotations

from typing import ClassVar

from pydelt_like._validation import check_int, check_option
from pydelt_like.local._engine import MAX_DEGREE
from pydelt_like.local._estimator import LocalPolynomialInterpolator

__all__ = ["GllaInterpolator", "GoldInterpolator", "LlaInterpolator"]

_NORMALIZATIONS = ("min", "none")


def _check_pydelt_flags(normalization: object, zero_mean: object) -> None:
    check_option(normalization, name="normalization", allowed=_NORMALIZATIONS)
    if not isinstance(zero_mean, bool):
        raise TypeError(f"zero_mean must be True or False, got {zero_mean!r}")


def _check_window(value: object, name: str) -> int | None:
    return check_int(
        value, name=name, low=2, allow_none=True, hint="or None to choose it from the data"
    )


def _check_degree(value: object, name: str, low: int) -> int | None:
    return check_int(
        value,
        name=name,
        low=low,
        high=MAX_DEGREE,
        allow_none=True,
        hint="or None to choose it from the data",
    )


class _WindowedFamily(LocalPolynomialInterpolator):
    """Equal weights over the window."""

    _kernel: ClassVar[str] = "uniform"


class LlaInterpolator(_WindowedFamily):
    """Local linear approximation (LLA): least-squares polynomials over sliding windows.

    At each point the ``window_size`` nearest samples are fitted by least squares, all with
    the same weight, and the derivatives of the fitted polynomial at that point are the
    estimates. With ``degree=1`` this is Boker's LLA (the slope of a local line); by default
    the degree and the window are both chosen from the data.

    Parameters
    ----------
    window_size : int or None, default=None
        Samples per window, at least 2 and at most the number of samples. ``None`` chooses it
        (with the degree) by leave-one-out cross-validation of the fitted values, over
        windows from ``degree + 2`` samples to all of them about 12 % apart. PyDelt's default
        of 5 samples leaves noisy data nearly unsmoothed.
    degree : int or None, default=None
        Degree of the local polynomial, 0 to 8; derivatives up to this order are available.
        ``None`` lets the cross-validation choose among 1 to 7 (the derivative of order ``v``
        then comes from a polynomial of degree at least ``v + 1``, up to order 7). Not a
        PyDelt parameter: PyDelt's LLA is ``degree=1``.
    normalization : {'min', 'none'}, default='min'
        Accepted for compatibility with PyDelt. PyDelt subtracts each window's minimum
        before the regression; a least-squares polynomial does not change when x or y are
        shifted, so neither choice changes the result.
    zero_mean : bool, default=False
        Accepted for compatibility with PyDelt (centring each window); no effect, as above.
    nan_policy : {'raise', 'omit'}, default='raise'
        What to do with NaN or infinite samples: raise an error or drop them.
    extrapolate : {'raise', 'nan', 'extrapolate'}, default='raise'
        What evaluation outside the fitted range does: raise, return NaN, or extend the
        nearest window's polynomial.

    Attributes
    ----------
    window_, degree_ : int or numpy.ndarray of int
        The window (in samples) and degree used, one per series (an array shaped like one
        sample of ``y`` for several series).
    noise_std_ : float or numpy.ndarray
        Estimated noise standard deviation of a sample of average weight, from the residuals
        corrected for the fit's degrees of freedom.
    state_ : LocalState
        The samples and smoothers evaluation uses.

    Notes
    -----
    Every estimate is a fixed linear combination of the samples, so ``return_std=True`` gives
    its exact standard error for the estimated noise level (the band covers the estimate's
    noise, not its smoothing bias). Above 3 000 samples the fit runs on 3 000 equal-count
    bins. Between samples the estimate is a different polynomial wherever the window moves by
    one sample, so curves have small steps there (of the size of the estimation error); the
    tricube weights of :class:`LowessInterpolator` give continuous curves.

    Examples
    --------
    >>> import numpy as np
    >>> from pydelt_like import LlaInterpolator
    >>> x = np.linspace(0, 3, 60)
    >>> lla = LlaInterpolator().fit(x, np.sin(x))
    >>> round(float(lla.differentiate(1)(1.0)), 6)
    0.540302
    >>> grid = np.linspace(0, 3, 61)  # 1.5 is a sample: its window of 5 is centred on it
    >>> slope = LlaInterpolator(window_size=5, degree=1).fit(grid, grid**2).differentiate(1)
    >>> round(float(slope(1.5)), 9)  # a line through a parabola's centred window: exact
    3.0
    """

    def __init__(
        self,
        *,
        window_size: int | None = None,
        degree: int | None = None,
        normalization: str = "min",
        zero_mean: bool = False,
        nan_policy: str = "raise",
        extrapolate: str = "raise",
    ) -> None:
        self.window_size = window_size
        self.degree = degree
        self.normalization = normalization
        self.zero_mean = zero_mean
        self.nan_policy = nan_policy
        self.extrapolate = extrapolate

    def _validate_params(self) -> None:
        _check_window(self.window_size, "window_size")
        _check_degree(self.degree, "degree", 0)
        _check_pydelt_flags(self.normalization, self.zero_mean)

    def _requested_window(self, n_samples: int) -> int | None:
        return self.window_size

    def _requested_degree(self) -> int | None:
        return self.degree


class GllaInterpolator(_WindowedFamily):
    """Generalised local linear approximation (GLLA): a degree-``n`` polynomial per window.

    The estimator of :class:`LlaInterpolator` under GLLA's names: ``embedding`` samples per
    window (Boker et al.'s embedding dimension) and a local polynomial of degree ``n``, whose
    derivatives up to order ``n`` are the estimates. The spacing of the samples is used as it
    is (PyDelt's GLLA assumes a constant step), so irregular sampling is handled exactly.

    Parameters
    ----------
    embedding : int or None, default=None
        Samples per window, at least 2 (and more than ``n``). ``None`` chooses it by
        cross-validation as in :class:`LlaInterpolator`; PyDelt's default of 3 samples
        with ``n=2`` interpolates the data and so passes all its noise on.
    n : int or None, default=None
        Degree of the local polynomial (the highest derivative order estimated), 1 to 8.
        ``None`` lets the cross-validation choose among 1 to 7 (orders up to 7 are then
        available).
    nan_policy : {'raise', 'omit'}, default='raise'
        What to do with NaN or infinite samples.
    extrapolate : {'raise', 'nan', 'extrapolate'}, default='raise'
        What evaluation outside the fitted range does.

    Attributes
    ----------
    window_, degree_, noise_std_, state_
        As in :class:`LlaInterpolator`.

    Examples
    --------
    >>> import numpy as np
    >>> from pydelt_like import GllaInterpolator
    >>> x = np.sort(np.random.default_rng(0).uniform(0, 2, 40))
    >>> glla = GllaInterpolator(embedding=7, n=3).fit(x, x**3)
    >>> round(float(glla.differentiate(2)(1.0)), 9)
    6.0
    """

    _window_param: ClassVar[str] = "embedding"
    _degree_param: ClassVar[str] = "n"

    def __init__(
        self,
        *,
        embedding: int | None = None,
        n: int | None = None,
        nan_policy: str = "raise",
        extrapolate: str = "raise",
    ) -> None:
        self.embedding = embedding
        self.n = n
        self.nan_policy = nan_policy
        self.extrapolate = extrapolate

    def _validate_params(self) -> None:
        _check_window(self.embedding, "embedding")
        _check_degree(self.n, "n", 1)

    def _requested_window(self, n_samples: int) -> int | None:
        return self.embedding

    def _requested_degree(self) -> int | None:
        return self.n


class GoldInterpolator(_WindowedFamily):
    """Generalised orthogonal local derivatives (GOLD): orthogonal polynomials per window.

    Deboeck's GOLD fits each window with polynomials made orthogonal over the window's own
    sample positions (Gram-Schmidt). Here that basis is the Legendre one on the window, with
    the same least-squares fit, and the derivatives are read from the whole local polynomial.
    Deboeck reads order ``v`` from the ``v``-th orthogonal coefficient alone, which drops the
    higher terms' share of that derivative: at best the accuracy of a central difference on
    clean data (PyDelt's own ``gold`` does that). The estimates therefore equal those of
    :class:`LlaInterpolator` with the same window and degree.

    Parameters
    ----------
    window_size : int or None, default=None
        Samples per window (GOLD's embedding), at least 2. ``None`` chooses it by
        cross-validation as in :class:`LlaInterpolator`.
    n : int or None, default=None
        Degree of the orthogonal expansion (the highest derivative order estimated), 1 to 8;
        ``None`` lets the cross-validation choose among 1 to 7. Not a parameter of PyDelt's
        class (its function ``gold`` takes it).
    normalization : {'min', 'none'}, default='min'
        Accepted for compatibility with PyDelt; no effect (see :class:`LlaInterpolator`).
    zero_mean : bool, default=False
        Accepted for compatibility with PyDelt; no effect.
    nan_policy : {'raise', 'omit'}, default='raise'
        What to do with NaN or infinite samples.
    extrapolate : {'raise', 'nan', 'extrapolate'}, default='raise'
        What evaluation outside the fitted range does.

    Attributes
    ----------
    window_, degree_, noise_std_, state_
        As in :class:`LlaInterpolator`.

    Examples
    --------
    >>> import numpy as np
    >>> from pydelt_like import GoldInterpolator
    >>> x = np.linspace(0, 1, 30)
    >>> gold = GoldInterpolator(window_size=9, n=2).fit(x, 3 * x**2 - x)
    >>> round(float(gold.differentiate(1)(0.5)), 9)
    2.0
    """

    _degree_param: ClassVar[str] = "n"

    def __init__(
        self,
        *,
        window_size: int | None = None,
        n: int | None = None,
        normalization: str = "min",
        zero_mean: bool = False,
        nan_policy: str = "raise",
        extrapolate: str = "raise",
    ) -> None:
        self.window_size = window_size
        self.n = n
        self.normalization = normalization
        self.zero_mean = zero_mean
        self.nan_policy = nan_policy
        self.extrapolate = extrapolate

    def _validate_params(self) -> None:
        _check_window(self.window_size, "window_size")
        _check_degree(self.n, "n", 1)
        _check_pydelt_flags(self.normalization, self.zero_mean)

    def _requested_window(self, n_samples: int) -> int | None:
        return self.window_size

    def _requested_degree(self) -> int | None:
        return self.n
