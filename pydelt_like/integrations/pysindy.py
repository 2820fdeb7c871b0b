"""pydelt_like's derivatives as a PySINDy differentiation method.

>>> import pysindy as ps  # doctest: +SKIP
>>> from pydelt_like.integrations.pysindy import SplineDifferentiation  # doctest: +SKIP
>>> model = ps.SINDy(differentiation_method=SplineDifferentiation())  # doctest: +SKIP

PySINDy is an optional dependency: ``pip install 'pydelt-like[pysindy]'``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from pysindy.differentiation import BaseDifferentiation
except ImportError as error:  # pragma: no cover - exercised only without pysindy
    raise ImportError(
        "pydelt_like.integrations.pysindy needs PySINDy: pip install 'pydelt-like[pysindy]'"
    ) from error

__all__ = ["SplineDifferentiation"]


class SplineDifferentiation(BaseDifferentiation):
    """Differentiate PySINDy trajectories with pydelt_like's automatic smoothing spline.

    All state columns are fitted in one batched call, each with its own automatic
    smoothing; irregular sample times are used as given (no uniform step is assumed).

    Parameters
    ----------
    smoothing : 'auto', float, default='auto'
        As for :class:`~pydelt_like.SplineInterpolator`.
    k : int, default=5
        Spline degree.
    axis : int, default=-2
        The time axis of the state array (PySINDy's convention: rows are times).
    save_smooth : bool, default=True
        Store the fitted (denoised) states in ``smoothed_x_``, which PySINDy then uses to
        build its feature library; ``False`` stores the data as given.

    Attributes
    ----------
    smoothed_x_ : numpy.ndarray
        The states PySINDy should use, same shape as the last ``x``.
    spline_ : SplineInterpolator
        The last fit.
    """

    def __init__(
        self, smoothing: Any = "auto", k: int = 5, axis: int = -2, save_smooth: bool = True
    ) -> None:
        self.smoothing = smoothing
        self.k = k
        self.axis = axis
        self.save_smooth = save_smooth

    def _differentiate(self, x: Any, t: Any = 1) -> np.ndarray:
        """Time derivative of ``x`` at its sample times.

        Parameters
        ----------
        x : array-like of shape (..., n_samples, n_features)
            States; the time axis is ``axis``.
        t : float or array-like of shape (n_samples,)
            A uniform time step, or the (increasing) sample times.

        Returns
        -------
        numpy.ndarray
            dx/dt, the same shape as ``x``.
        """
        from pydelt_like import SplineInterpolator

        array = np.asarray(x, dtype=float)
        if array.ndim < 2:
            raise ValueError(
                f"x must have shape (n_samples, n_features) (time along axis {self.axis}), "
                f"got shape {array.shape}; reshape a single series with x[:, None]"
            )
        states = np.moveaxis(array, self.axis, 0)
        n = states.shape[0]
        if t is None:
            raise ValueError("t must be a positive time step or an array of times, got None")
        if np.ndim(t) == 0:
            step = float(t)
            if not step > 0:
                raise ValueError(f"t must be a positive time step or an array of times, got {t!r}")
            times = np.arange(n) * step
        else:
            times = np.asarray(t, dtype=float)
            if times.shape != (n,):
                raise ValueError(f"t has {times.size} times for {n} samples along axis {self.axis}")
        spline = SplineInterpolator(smoothing=self.smoothing, k=self.k).fit(times, states)
        self.spline_ = spline
        derivative = np.asarray(spline.differentiate(1)(times)).reshape(states.shape)
        smooth = (
            np.asarray(spline(times)).reshape(states.shape) if self.save_smooth else states.copy()
        )
        self.smoothed_x_ = np.moveaxis(smooth, 0, self.axis)
        return np.moveaxis(derivative, 0, self.axis)
