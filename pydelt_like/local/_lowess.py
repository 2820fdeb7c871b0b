"""LOWESS and LOESS: Cleveland's locally weighted regression with tricube weights.

At a point the nearest ``frac * n`` samples are weighted by the tricube kernel of their
distance (the farthest gets weight zero) and fitted by least squares with a polynomial;
robustness iterations then reweight every sample by Tukey's bisquare of its residual, so
that outliers lose their pull (Cleveland 1979; Cleveland and Devlin 1988). With ``degree=1``
and a given ``frac`` the fitted values are those of ``statsmodels``' ``lowess``. Derivatives
come from the local polynomial's coefficients, not from differences of the smoothed values.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from pydelt_like._validation import FitData, check_int, check_real
from pydelt_like.local._engine import MAX_DEGREE
from pydelt_like.local._estimator import MAX_ITERATIONS, LocalPolynomialInterpolator

__all__ = ["LoessInterpolator", "LowessInterpolator"]


class _TricubeFamily(LocalPolynomialInterpolator):
    """Tricube weights over the window, robustness iterations."""

    _kernel: ClassVar[str] = "tricube"
    _window_param: ClassVar[str] = "frac"
    frac: float | None
    it: int
    degree: int | None

    def _validate_params(self) -> None:
        check_real(
            self.frac,
            name="frac",
            low=0.0,
            high=1.0,
            low_inclusive=False,
            allow_none=True,
            hint="the fraction of the samples in each window, e.g. 0.3; or None to choose it",
        )
        check_int(
            self.it,
            name="it",
            low=0,
            high=MAX_ITERATIONS,
            hint="Cleveland recommends 2 or 3 robustness iterations",
        )
        check_int(
            self.degree,
            name="degree",
            low=0,
            high=MAX_DEGREE,
            allow_none=True,
            hint="or None to choose it from the data",
        )

    def _requested_window(self, n_samples: int) -> int | None:
        if self.frac is None:
            return None
        # statsmodels' rule, so that a given frac selects the same neighbours.
        window = int(float(self.frac) * n_samples + 1e-10)
        degree = self._requested_degree()
        needed = 2 if degree is None else degree + 2
        if window < needed:
            raise ValueError(
                f"frac={self.frac!r} puts {window} of the {n_samples} samples in each window; "
                f"the fit needs at least {needed} (the farthest gets weight zero): pass frac "
                f"of at least {math.ceil(needed / n_samples * 1000) / 1000:g}, or None to "
                "choose it from the data"
            )
        return window

    def _requested_degree(self) -> int | None:
        return self.degree

    def _robustness_iterations(self) -> int:
        return int(self.it)

    def _fit(self, data: FitData) -> None:
        super()._fit(data)
        windows = np.asarray(self.window_, dtype=float)
        self.frac_ = windows / data.n_samples if windows.ndim else float(windows) / data.n_samples


class LowessInterpolator(_TricubeFamily):
    """LOWESS: robust locally weighted regression, with derivatives from the local fits.

    Parameters
    ----------
    frac : float or None, default=None
        Fraction of the samples in each window, in (0, 1]; the window holds the
        ``int(frac * n)`` samples nearest the point, as in ``statsmodels``. ``None`` chooses
        the window (with the degree) by leave-one-out cross-validation; PyDelt's default of
        0.1 is far too small for noisy data and too large for fine detail.
    it : int, default=3
        Robustness iterations, 0 to 10 (PyDelt's and Cleveland's default: 3). Each one
        reweights the samples by Tukey's bisquare of ``r / (6 median |r|)``; with an
        automatic window, the degree and window are chosen again after the last one.
    degree : int or None, default=None
        Degree of the local polynomial, 0 to 8. Cleveland's LOWESS is ``degree=1``;
        ``None`` lets the cross-validation choose among 1 to 7, which is what makes the
        derivatives accurate. Not a PyDelt parameter of this class.
    nan_policy : {'raise', 'omit'}, default='raise'
        What to do with NaN or infinite samples.
    extrapolate : {'raise', 'nan', 'extrapolate'}, default='raise'
        What evaluation outside the fitted range does.

    Attributes
    ----------
    frac_ : float or numpy.ndarray
        The fraction of the samples in each window, one per series.
    window_, degree_ : int or numpy.ndarray of int
        Samples per window and degree used, one per series.
    noise_std_ : float or numpy.ndarray
        Estimated noise standard deviation of a sample of average weight (robustness
        weights applied).
    state_ : LocalState
        The samples, smoothers and robustness weights evaluation uses.

    Notes
    -----
    With robustness weights held fixed every estimate is linear in ``y``; ``return_std``
    gives its standard error on that footing (the band does not include the smoothing bias).
    Above 3 000 samples the fit runs on 3 000 equal-count bins, where an outlier is averaged
    into its bin before the robustness weights see it.

    Examples
    --------
    >>> import numpy as np
    >>> from pydelt_like import LowessInterpolator
    >>> x = np.linspace(0, 2 * np.pi, 200)
    >>> y = np.sin(x) + np.random.default_rng(0).normal(0, 0.05, 200)
    >>> y[50] += 3.0  # an outlier
    >>> slope = LowessInterpolator().fit(x, y).differentiate(1)
    >>> bool(abs(slope(np.pi) + 1.0) < 0.05)
    True
    """

    def __init__(
        self,
        *,
        frac: float | None = None,
        it: int = 3,
        degree: int | None = None,
        nan_policy: str = "raise",
        extrapolate: str = "raise",
    ) -> None:
        self.frac = frac
        self.it = it
        self.degree = degree
        self.nan_policy = nan_policy
        self.extrapolate = extrapolate


class LoessInterpolator(_TricubeFamily):
    """LOESS: locally weighted polynomial regression (Cleveland and Devlin), robust.

    The estimator of :class:`LowessInterpolator` with PyDelt's LOESS parameters, in PyDelt's
    order: ``degree``, ``frac``, ``it``.

    Parameters
    ----------
    degree : int or None, default=None
        Degree of the local polynomial, 0 to 8 (Cleveland and Devlin use 1 or 2; PyDelt's
        default is 2). ``None`` lets the cross-validation choose among 1 to 7.
    frac : float or None, default=None
        Fraction of the samples in each window; ``None`` chooses it (see
        :class:`LowessInterpolator`).
    it : int, default=3
        Robustness iterations, 0 to 10.
    nan_policy : {'raise', 'omit'}, default='raise'
        What to do with NaN or infinite samples.
    extrapolate : {'raise', 'nan', 'extrapolate'}, default='raise'
        What evaluation outside the fitted range does.

    Attributes
    ----------
    frac_, window_, degree_, noise_std_, state_
        As in :class:`LowessInterpolator`.

    Examples
    --------
    >>> import numpy as np
    >>> from pydelt_like import LoessInterpolator
    >>> x = np.linspace(-1, 1, 101)
    >>> loess = LoessInterpolator(degree=2, frac=0.2, it=0).fit(x, x**2)
    >>> round(float(loess.differentiate(2)(0.3)), 9)
    2.0
    """

    def __init__(
        self,
        *,
        degree: int | None = None,
        frac: float | None = None,
        it: int = 3,
        nan_policy: str = "raise",
        extrapolate: str = "raise",
    ) -> None:
        self.degree = degree
        self.frac = frac
        self.it = it
        self.nan_policy = nan_policy
        self.extrapolate = extrapolate
