"""PyDelt's interpolator conventions on top of ours: window functions, masks, links.

:class:`PyDeltMixin` goes first in the bases of a PyDelt-named class (``class
SplineInterpolator(PyDeltMixin, spline.SplineInterpolator)``) and adds what PyDelt 0.8.0's
``BaseInterpolator`` has: ``fit(time, signal, window_func=None)``, ``window_func``,
``window_weights``, ``n_observations``, ``differentiate(order, mask=None,
normalize_by_observations=False)`` and ``set_stochastic_link``. Everything else (validation,
the fit, derivatives, bands, ``get_params``) is the underlying interpolator's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array, check_order
from pydelt_like.base import NotFittedError, _check_flag
from pydelt_like.stochastic import (
    MAX_LINK_ORDER,
    StochasticDerivativeTransform,
    StochasticLinkFunction,
    check_link,
    check_method,
)

__all__ = ["PyDeltDerivative", "PyDeltMixin", "check_mask"]


def check_mask(mask: Any) -> np.ndarray | None:
    """A PyDelt mask: ``None``, booleans (one per point) or integer indices, 1-D."""
    if mask is None:
        return None
    if isinstance(mask, (str, bytes)):
        raise TypeError(f"mask must be booleans or integer indices, got {mask!r}")
    array = np.array(mask)
    if array.ndim != 1:
        raise ValueError(
            f"mask must be 1-D (one entry per point or a list of indices); got shape {array.shape}"
        )
    if array.size == 0:
        return np.zeros(0, dtype=np.intp)
    if array.dtype == bool or np.issubdtype(array.dtype, np.integer):
        return array
    raise TypeError(
        f"mask must be booleans (one per point) or integer indices, got dtype {array.dtype}"
    )


def apply_mask(x: Any, mask: np.ndarray) -> np.ndarray:
    """The points a mask selects (along the first axis), checked like PyDelt checks them."""
    points = np.atleast_1d(as_float_array(x, name="x"))
    n = points.shape[0]
    if mask.dtype == bool:
        if mask.size != n:
            raise ValueError(
                f"Boolean mask length {mask.size} doesn't match eval_points length {n}; give "
                "one True/False per point, or integer indices"
            )
        return points[mask]
    if mask.size and (mask.min() < -n or mask.max() >= n):
        raise ValueError(
            f"mask indices must lie in [-{n}, {n - 1}] for {n} points; got "
            f"{mask.min()}..{mask.max()}"
        )
    return points[mask]


def _window_weights(window_func: Any, x: np.ndarray) -> np.ndarray:
    """The window's weights for ``n`` samples, in the samples' sorted order (PyDelt's rule)."""
    if not callable(window_func):
        raise TypeError(
            f"window_func must be a callable taking n and returning n weights (np.hanning, "
            f"say), got {window_func!r}"
        )
    n = x.shape[0]
    weights = np.ravel(as_float_array(window_func(n), name="window weights"))
    if weights.size != n:
        raise ValueError(
            f"Window function returned {weights.size} weights but expected {n} (one per "
            "sample); window_func(n) must return an array of length n"
        )
    if not np.isfinite(weights).all():
        bad = np.flatnonzero(~np.isfinite(weights))
        raise ValueError(
            f"Window function returned {bad.size} non-finite weights (first at position "
            f"{bad[0]}); window weights must be finite numbers"
        )
    return weights


class PyDeltDerivative:
    """What PyDelt's ``differentiate`` returns: a callable evaluating one derivative.

    Built by :meth:`PyDeltMixin.differentiate`; calling it evaluates the derivative at the
    points (after the mask), applies the stochastic link that was set when it was made, then
    divides by ``n_observations`` when asked to and a window function was used.

    Attributes
    ----------
    order : int
        The derivative order (0 is the fit itself).
    mask : ndarray or None
        The mask applied to the points.
    """

    def __init__(
        self,
        interpolator: PyDeltMixin,
        order: int,
        mask: np.ndarray | None,
        normalize: bool,
        link: StochasticLinkFunction | None,
        method: str,
        options: dict[str, Any],
    ) -> None:
        self.interpolator: Any = interpolator
        self.options = options
        self.order = order
        self.mask = mask
        self.normalize = normalize
        self.link = link
        self.method = method

    def _scale(self) -> float:
        interp = self.interpolator
        if self.normalize and interp.window_func is not None:
            return float(interp.n_observations or 1)
        return 1.0

    def __call__(self, x: Any, return_std: bool = False) -> Any:
        """Evaluate at ``x`` (a scalar or array of points; see the interpolator's ``predict``).

        Parameters
        ----------
        x : scalar or array-like
            Evaluation points (the mask selects among them along the first axis).
        return_std : bool, default=False
            Also return the standard errors (not available with a stochastic link).

        Raises
        ------
        ValueError
            If a boolean mask's length differs from the number of points, an index is out of
            range, a point lies outside the fitted range (with ``extrapolate='raise'``), or the
            fit leaves the link's domain there.
        NotImplementedError
            With ``return_std=True`` and a stochastic link, or an interpolator without bands.
        """
        interp = self.interpolator
        points = x if self.mask is None else apply_mask(x, self.mask)
        plain = interp._plain_derivative(self.order, **self.options)
        if _check_flag(return_std, "return_std"):
            if self.link is not None:
                raise NotImplementedError(
                    "standard errors of a derivative through a stochastic link are not "
                    "available; remove the link (set_stochastic_link(None)) for bands"
                )
            values, std = plain(points, return_std=True)
            return values / self._scale(), std / self._scale()
        values = plain(points)
        if self.link is not None:
            lower = {
                k: interp._plain_derivative(k, **self.options)(points) for k in range(self.order)
            }
            fit = lower.pop(0) if self.order else values
            if self.order == 0:
                linked = self.link.transform(fit)
            else:
                transform = StochasticDerivativeTransform(self.link, self.method)
                derivatives = {**lower, self.order: values}
                linked = transform.transform_derivatives(fit, derivatives)[self.order]
            values = linked if np.ndim(linked) else float(linked)
        scale = self._scale()
        return values / scale if scale != 1.0 else values

    predict = __call__

    def interval(self, x: Any, level: float = 0.95) -> tuple[Any, Any]:
        """A pointwise band ``(lower, upper)`` (see the interpolator's ``interval``)."""
        z = self.interpolator._band_quantile(level)
        values, std = self(x, return_std=True)
        return values - z * std, values + z * std

    def differentiate(self, order: int = 1) -> PyDeltDerivative:
        """Differentiate ``order`` more times, with the same mask, normalisation and link."""
        step = check_order(order, max_order=None, method_name="differentiate")
        total = self.order + step
        self.interpolator._plain_derivative(total, **self.options)  # checks the total order
        return PyDeltDerivative(
            self.interpolator,
            total,
            self.mask,
            self.normalize,
            self.link,
            self.method,
            self.options,
        )

    def __repr__(self) -> str:
        return f"PyDeltDerivative({self.interpolator!r}, order={self.order})"


class PyDeltMixin:
    """PyDelt 0.8.0's ``BaseInterpolator`` behaviour, mixed into one of our interpolators.

    Attributes
    ----------
    window_func : callable or None
        The window function of the last fit.
    window_weights : ndarray or None
        Its weights, in the order of the sorted samples (PyDelt's convention).
    n_observations : int or None
        Samples passed to the last fit (before merging repeated ``x``).
    stochastic_link : StochasticLinkFunction or None
        The link set by :meth:`set_stochastic_link`.
    stochastic_method : {'ito', 'stratonovich'}
        How derivatives are read for the link.
    """

    @property
    def window_func(self) -> Any:
        """The window function of the last fit (``None`` without one)."""
        return vars(self).get("window_func_")

    @property
    def window_weights(self) -> np.ndarray | None:
        """The window's weights in the sorted samples' order (``None`` without a window)."""
        weights = vars(self).get("window_weights_")
        return None if weights is None else weights.copy()

    @property
    def n_observations(self) -> int | None:
        """Samples passed to the last fit (``None`` before one)."""
        return vars(self).get("n_observations_")

    @property
    def stochastic_link(self) -> StochasticLinkFunction | None:
        """The link set by :meth:`set_stochastic_link` (``None``: none)."""
        return vars(self).get("_stochastic_link")

    @property
    def stochastic_method(self) -> str:
        """``'ito'`` (the default) or ``'stratonovich'``."""
        return str(vars(self).get("_stochastic_method", "ito"))

    def _check_is_fitted(self) -> None:
        if "n_outputs_" not in vars(self):
            raise NotFittedError(
                f"{type(self).__name__} must be fit before use: it is not fitted yet; call "
                "fit(time, signal) first."
            )

    def fit(self, time: Any, signal: Any, window_func: Any = None, weights: Any = None) -> Any:
        """Fit to samples ``(time, signal)``, optionally tapered by a window function.

        Parameters
        ----------
        time : array-like of shape (n_samples,)
            Sample positions, in any order.
        signal : array-like of shape (n_samples,) or (n_samples, ...)
            Sample values; trailing axes are series fitted at once.
        window_func : callable, optional
            ``window_func(n)`` returns ``n`` weights (``np.hanning``, ``np.hamming``,
            ``np.blackman``, ``np.bartlett``, or your own). As in PyDelt, the signal is
            multiplied by them, in the order of sorted ``time``, before fitting: the fit (and
            its derivatives) are those of the tapered signal ``w(t) * signal``.
        weights : array-like of shape (n_samples,), optional
            Sample weights, as for the underlying interpolator.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If the window returns the wrong number of weights or non-finite ones, or the data
            are unusable (see the underlying interpolator).
        TypeError
            If ``window_func`` is not callable.
        """
        window = None
        if window_func is not None:
            x = as_float_array(time, name="time")
            if x.ndim != 1:
                raise ValueError(f"a window function needs 1-D time, got shape {x.shape}")
            window = _window_weights(window_func, x)
            values = as_float_array(signal, name="signal")
            if values.ndim == 0 or values.shape[0] != x.shape[0]:
                raise ValueError(
                    f"time has {x.shape[0]} samples but signal has shape {values.shape}; "
                    "give one signal value (or row) per time"
                )
            rank = np.empty(x.shape[0], dtype=np.intp)
            rank[np.argsort(x, kind="stable")] = np.arange(x.shape[0])
            signal = values * window[rank].reshape((-1,) + (1,) * (values.ndim - 1))
        n_observations = int(np.shape(time)[0]) if np.ndim(time) else 1
        super().fit(time, signal, weights)  # type: ignore[misc]
        self.window_func_ = window_func
        self.window_weights_ = window
        self.n_observations_ = n_observations
        return self

    def set_stochastic_link(self, link_function: Any, method: str = "ito", **kwargs: Any) -> None:
        """Transform derivatives through a stochastic link function (PyDelt's method).

        Parameters
        ----------
        link_function : str or StochasticLinkFunction or None
            A name (``'normal'``, ``'lognormal'``, ``'gamma'``, ``'beta'``, ``'exponential'``,
            ``'poisson'``), a link object, or ``None`` to remove the link.
        method : {'ito', 'stratonovich'}, default='ito'
            How the fitted derivatives are read (see :mod:`pydelt_like.stochastic`).
        **kwargs
            Parameters of a link given by name (``sigma=0.2``).

        Raises
        ------
        ValueError
            For an unknown name or method, or something that is not a link.

        Notes
        -----
        The link applies to derivatives obtained from :meth:`differentiate` after this call;
        ones obtained earlier keep the link they were made with.
        """
        link = None if link_function is None else check_link(link_function, kwargs)
        vars(self)["_stochastic_method"] = check_method(method)
        vars(self)["_stochastic_link"] = link

    def _plain_derivative(self, order: int, **options: Any) -> Any:
        """The underlying interpolator's derivative (no mask, link or normalisation)."""
        return super().differentiate(order, **options)  # type: ignore[misc]

    def differentiate(
        self,
        order: int = 1,
        mask: Any = None,
        normalize_by_observations: bool = False,
        **options: Any,
    ) -> Any:
        """The derivative of the fit as a callable, with PyDelt's options.

        Parameters
        ----------
        order : int, default=1
            Derivative order; ``0`` gives the fit itself (PyDelt raises there).
        mask : array-like of bool or int, optional
            Evaluate only at the selected points: one boolean per point, or indices.
        normalize_by_observations : bool, default=False
            Divide by ``n_observations`` when the fit used a window function.
        **options
            Passed to the underlying ``differentiate`` (``wrt=`` for a network on several
            inputs).

        Returns
        -------
        PyDeltDerivative
            A callable; a scalar point gives a float.

        Raises
        ------
        NotFittedError
            If the interpolator is not fitted (it is also a ``RuntimeError``).
        ValueError, TypeError
            If ``order`` is negative, above the maximum or not an integer, or the mask is
            malformed.
        """
        self._check_is_fitted()
        # The underlying interpolator checks the order (and the options) now, not at the call.
        self._plain_derivative(order, **options)
        checked = int(order)
        link = self.stochastic_link
        if link is not None and checked > MAX_LINK_ORDER:
            raise ValueError(
                f"a stochastic link transforms derivatives up to order {MAX_LINK_ORDER}, got "
                f"order {checked}"
            )
        return PyDeltDerivative(
            self,
            checked,
            check_mask(mask),
            _check_flag(normalize_by_observations, "normalize_by_observations"),
            link,
            self.stochastic_method,
            dict(options),
        )
