"""The contract every interpolator honours, and the shared not-fitted error.

A concrete interpolator subclasses :class:`BaseInterpolator`, stores its keyword-only
hyperparameters (including ``nan_policy`` and ``extrapolate``) in ``__init__`` and implements two
methods: ``_fit(data)``, which learns from validated :class:`~pydelt_like._validation.FitData`, and
``_evaluate(x, order)``, which returns the fit or one of its derivatives at finite points. The base
class does everything else: input validation, the not-fitted check, order and range checks,
NaN handling, output shapes, ``get_params``/``set_params`` and ``repr``.
"""

from __future__ import annotations

import abc
import inspect
import statistics
from typing import Any, Protocol, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from pydelt_like._validation import (
    FitData,
    check_eval_points,
    check_extrapolate,
    check_order,
    check_real,
    check_xy,
    shape_output,
)

__all__ = ["BaseInterpolator", "Derivative", "Differentiable", "NotFittedError"]

_Interp = TypeVar("_Interp", bound="BaseInterpolator")


class NotFittedError(ValueError, AttributeError, RuntimeError):
    """Raised when an interpolator is used before ``fit``.

    It subclasses both :class:`ValueError` and :class:`AttributeError`, as scikit-learn's error
    does, and :class:`RuntimeError`, which PyDelt raises, so existing ``except`` clauses for any
    of them keep working.

    Examples
    --------
    >>> raise NotFittedError(
    ...     "This SplineInterpolator instance is not fitted yet; call fit(x, y) before using it."
    ... )
    Traceback (most recent call last):
    ...
    pydelt_like.base.NotFittedError: This SplineInterpolator instance is not fitted yet; call fit(x, y) before using it.
    """


class Differentiable(Protocol):
    """What ``differentiate`` returns: a callable that can be differentiated again.

    :class:`Derivative` is the generic implementation; an interpolator may return a richer
    object (a spline returns the derivative spline itself) as long as it has these methods.
    """

    def __call__(self, x: ArrayLike, return_std: bool = False) -> Any:
        """Evaluate at ``x``; with ``return_std``, also the standard error: ``(values, std)``."""
        ...

    def predict(self, x: ArrayLike, return_std: bool = False) -> Any:
        """Evaluate at ``x``; the same as calling the object."""
        ...

    def interval(self, x: ArrayLike, level: float = 0.95) -> tuple[Any, Any]:
        """The ``level`` band around the values at ``x``: ``(lower, upper)``."""
        ...

    def differentiate(self, order: int = 1) -> Differentiable:
        """Differentiate ``order`` more times."""
        ...


def _check_flag(value: Any, name: str) -> bool:
    """A boolean option: True, False or a NumPy bool; anything else is a TypeError."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


# The largest level whose quantile probability (1 + level) / 2 stays below 1 in float64.
_MAX_LEVEL = 1.0 - 2.0**-52


def _normal_quantile(level: Any) -> float:
    """z such that a normal variable lies within -/+ z standard deviations with prob. ``level``.

    ``level`` must lie strictly between 0 and 1, and not so close to 1 that the quantile's
    probability ``(1 + level) / 2`` rounds to 1 in float64 (``1 - 1e-16`` does: its band would
    be infinitely wide); ``ValueError`` otherwise, ``TypeError`` for a non-number.
    """
    hint = "e.g. 0.95"
    value = check_real(
        level, name="level", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False, hint=hint
    )
    probability = 0.5 + 0.5 * float(value)
    if probability >= 1.0:
        raise ValueError(
            f"level={level!r} is too close to 1 for a finite band: (1 + level) / 2 rounds to 1 "
            f"in float64; use a level of at most {_MAX_LEVEL!r}"
        )
    return statistics.NormalDist().inv_cdf(probability)


def _same_value(value: Any, default: Any) -> bool:
    """Whether a hyperparameter still has its default value (used by ``repr``)."""
    if value is default:
        return True
    numeric = (int, float, np.integer, np.floating)
    both_numeric = (
        isinstance(value, numeric)
        and isinstance(default, numeric)
        and not isinstance(value, (bool, np.bool_))
        and not isinstance(default, (bool, np.bool_))
    )
    if type(value) is not type(default) and not both_numeric:
        return False
    try:
        same = value == default
        if isinstance(same, (bool, np.bool_)):
            if same:
                return True
            # Two NaN defaults are the same default.
            return bool(
                isinstance(value, (float, np.floating))
                and isinstance(default, (float, np.floating))
                and np.isnan(value)
                and np.isnan(default)
            )
    except (TypeError, ValueError):
        pass
    return False


class BaseInterpolator(abc.ABC):
    """Base class of every interpolator: a scikit-learn-like estimator with derivatives.

    Subclasses implement ``__init__`` (keyword-only, storing each argument unchanged under its own
    name, including ``nan_policy`` and ``extrapolate``), :meth:`_fit` and :meth:`_evaluate`, and
    may override the hooks :meth:`_validate_params`, :meth:`_min_points`,
    :meth:`_duplicates_policy`, :meth:`_multivariate`, :meth:`_max_order` and
    :meth:`_order_hint`.

    Attributes
    ----------
    x_min_, x_max_ : float or numpy.ndarray of shape (n_features,)
        The fitted range (set by :meth:`fit`, like the attributes below); each coordinate's
        range for an interpolator fitted to several input coordinates.
    n_samples_ : int
        Distinct samples used, after dropping NaN/inf and merging repeated ``x``.
    n_outputs_ : int
        Number of output columns (the product of ``y_trailing_shape_``).
    y_trailing_shape_ : tuple of int
        The shape of one sample of ``y``: ``()`` for 1-D ``y``.

    Examples
    --------
    A least-squares line, with its derivatives in closed form:

    >>> class Line(BaseInterpolator):
    ...     def __init__(self, *, nan_policy="raise", extrapolate="raise"):
    ...         self.nan_policy = nan_policy
    ...         self.extrapolate = extrapolate
    ...
    ...     def _fit(self, data):
    ...         self.coef_ = np.polyfit(data.x, data.y, 1, w=np.sqrt(data.weights))
    ...
    ...     def _evaluate(self, x, order):
    ...         if order == 0:
    ...             return self.coef_[0] * x[:, None] + self.coef_[1]
    ...         if order == 1:
    ...             return np.broadcast_to(self.coef_[0], (x.size, self.n_outputs_))
    ...         return np.zeros((x.size, self.n_outputs_))
    >>> line = Line(extrapolate="nan").fit([0, 1, 2], [1, 3, 5])
    >>> line
    Line(extrapolate='nan')
    >>> round(line(1.5), 12)
    4.0
    >>> line.differentiate(1)([0.5, 3.0])
    array([ 2., nan])
    """

    nan_policy: str
    extrapolate: str

    # ------------------------------------------------------------------ hyperparameters
    @classmethod
    def _get_param_names(cls) -> list[str]:
        """Hyperparameter names, in the order of the ``__init__`` signature."""
        init = cls.__init__
        if init is object.__init__:
            return []
        names = []
        for parameter in inspect.signature(init).parameters.values():
            if parameter.name == "self":
                continue
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                raise TypeError(
                    f"{cls.__name__}.__init__ must list its hyperparameters explicitly; "
                    f"*args and **kwargs are not allowed (found {parameter})"
                )
            names.append(parameter.name)
        return names

    @classmethod
    def _get_param_defaults(cls) -> dict[str, Any]:
        init = cls.__init__
        if init is object.__init__:
            return {}
        return {
            p.name: p.default
            for p in inspect.signature(init).parameters.values()
            if p.name != "self"
        }

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Get the hyperparameters of this interpolator.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of hyperparameters that are themselves estimators, as
            ``'<name>__<parameter>'``.

        Returns
        -------
        dict
            Hyperparameter names mapped to their values.
        """
        params: dict[str, Any] = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            params[name] = value
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for sub_name, sub_value in value.get_params(deep=True).items():
                    params[f"{name}__{sub_name}"] = sub_value
        return params

    def set_params(self: _Interp, **params: Any) -> _Interp:
        """Set hyperparameters.

        Values are stored unchanged and validated at the next :meth:`fit`. An existing fit is
        kept until then.

        Parameters
        ----------
        **params : dict
            Hyperparameter names and their new values; ``'<name>__<parameter>'`` sets a parameter
            of a nested estimator.

        Returns
        -------
        self : BaseInterpolator
            This interpolator.

        Raises
        ------
        ValueError
            If a name is not a hyperparameter of this interpolator (the message lists the valid
            names), or if a nested name ``'<name>__<parameter>'`` refers to a hyperparameter that
            is not itself an estimator.
        """
        valid = self._get_param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub_key = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}; valid parameters "
                    f"are: {', '.join(valid) or '(none)'}"
                )
            if sub_key:
                nested.setdefault(name, {})[sub_key] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            value = getattr(self, name)
            if isinstance(value, type) or not callable(getattr(value, "set_params", None)):
                raise ValueError(
                    f"{name} is not an estimator, so {name}__{next(iter(sub_params))} names "
                    f"nothing; set it whole instead: set_params({name}=...)"
                )
            value.set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        defaults = self._get_param_defaults()
        shown = []
        for name in self._get_param_names():
            value = getattr(self, name)
            default = defaults.get(name, inspect.Parameter.empty)
            if default is inspect.Parameter.empty or not _same_value(value, default):
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    # ------------------------------------------------------------------ hooks
    def _validate_params(self) -> None:  # noqa: B027 - an optional hook, not an abstract method
        """Check hyperparameters at the start of :meth:`fit`; raise ``ValueError``/``TypeError``."""

    def _min_points(self) -> int:
        """The fewest distinct samples this interpolator can fit."""
        return 2

    def _min_points_hint(self) -> str:
        """Appended to the "needs at least ... samples" message: how to fit fewer samples."""
        return ""

    def _duplicates_policy(self) -> str:
        """How :meth:`fit` treats repeated x: ``'average'`` (merge) or ``'raise'``."""
        return "average"

    def _multivariate(self) -> bool:
        """Whether :meth:`fit` takes ``x`` of shape ``(n_samples, n_features)`` too."""
        return False

    def _max_order(self) -> int | None:
        """The highest derivative order supported; ``None`` means unlimited."""
        return None

    def _order_hint(self) -> str:
        """Appended to the "order too high" message, e.g. how to get higher derivatives."""
        return ""

    @abc.abstractmethod
    def _fit(self, data: FitData) -> None:
        """Learn from validated data; store the results in attributes ending in ``_``."""

    @abc.abstractmethod
    def _evaluate(self, x: np.ndarray, order: int) -> np.ndarray:
        """Evaluate the derivative of order ``order`` at finite points.

        Parameters
        ----------
        x : numpy.ndarray of shape (n_points,), or (n_points, n_features)
            Finite float64 points (rows, for a fit on several coordinates). They lie in
            ``[x_min_, x_max_]`` unless ``extrapolate`` is ``'extrapolate'``. Never empty.
        order : int
            A validated derivative order (``0`` is the fit itself).

        Returns
        -------
        numpy.ndarray of shape (n_points, n_outputs_)
            The values; the caller copies them before filling NaN or reshaping.
        """

    def _evaluate_std(self, x: np.ndarray, order: int) -> np.ndarray:
        """Standard errors of the derivative of order ``order`` at finite points.

        Same arguments as :meth:`_evaluate`; returns an array of shape (n_points, n_outputs_).
        Interpolators without an uncertainty model keep this default, which refuses.
        """
        raise NotImplementedError(f"{type(self).__name__} gives no uncertainty (return_std)")

    def _band_quantile(self, level: float) -> float:
        """How many standard errors the ``level`` band spans each side (normal by default)."""
        return _normal_quantile(level)

    # ------------------------------------------------------------------ fitting
    def _learned_attributes(self) -> list[str]:
        return [name for name in vars(self) if name.endswith("_") and not name.startswith("_")]

    def fit(self: _Interp, x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None) -> _Interp:
        """Fit the interpolator to samples ``(x, y)``.

        Parameters
        ----------
        x : array-like of shape (n_samples,), or (n_samples, n_features)
            Sample positions; need not be sorted. Lists, NumPy arrays, pandas Series and torch
            tensors are accepted, and never modified. Several columns (one row per sample) only
            for interpolators of several variables (see the class).
        y : array-like of shape (n_samples,) or (n_samples, ...)
            Sample values; every axis after the first is a batch axis fitted at once.
        weights : array-like of shape (n_samples,), default=None
            Non-negative sample weights; ``None`` means equal weights. Samples with equal ``x``
            are merged into one (weighted mean of ``y``, summed weight) unless the interpolator
            requires distinct ``x``. The positive weights may span a ratio of at most
            ``2**52`` (about 4.5e15): a sample lighter than that, next to the heaviest, is
            below float64's rounding; give it weight 0 instead.

        Returns
        -------
        self : BaseInterpolator
            This interpolator, fitted.

        Raises
        ------
        TypeError
            If an input is not numeric.
        ValueError
            If a hyperparameter is invalid or the data are unusable (wrong shapes, NaN/inf with
            ``nan_policy='raise'``, too few distinct samples, bad weights).

        Notes
        -----
        A refit replaces every learned attribute of the earlier fit; a fit that fails (bad
        input, or an error while fitting) leaves the earlier fit exactly as it was.
        """
        self._validate_params()
        check_extrapolate(self.extrapolate)
        data = check_xy(
            x,
            y,
            weights=weights,
            nan_policy=self.nan_policy,
            min_points=self._min_points(),
            duplicates=self._duplicates_policy(),
            method_name=type(self).__name__,
            min_points_hint=self._min_points_hint(),
            multivariate=self._multivariate(),
        )
        # A refit starts clean: no attribute of an earlier fit survives into this one. The
        # earlier fit is kept aside, and restored if this one fails.
        previous = {name: vars(self).pop(name) for name in self._learned_attributes()}
        self.x_min_, self.x_max_ = data.x_range
        self.n_samples_ = data.n_samples
        self.y_trailing_shape_ = data.y_trailing_shape
        self.n_outputs_ = data.n_outputs
        if data.x.ndim == 1:
            # The samples as the fit saw them, for plots (pydelt_like.plot): no extra copy,
            # FitData's arrays are already private.
            self.samples_ = (data.x, data.y.reshape((data.n_samples, *data.y_trailing_shape)))
        try:
            self._fit(data)
        except BaseException:
            # Never leave a half-fitted object: a failed refit leaves the earlier fit as it was
            # (and a failed first fit leaves the object unfitted).
            for name in self._learned_attributes():
                delattr(self, name)
            vars(self).update(previous)
            raise
        return self

    def _check_is_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless :meth:`fit` has completed."""
        if "n_outputs_" not in vars(self):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet; call fit(x, y) before "
                "using it."
            )

    def _check_order(self, order: Any) -> int:
        """Check a derivative order against this fitted interpolator.

        Parameters
        ----------
        order : int
            The derivative order asked for.

        Returns
        -------
        int
            ``order`` as a Python int.

        Raises
        ------
        NotFittedError
            If the interpolator is not fitted (the highest order may depend on the fit).
        TypeError
            If ``order`` is not an integer.
        ValueError
            If ``order`` is negative or above :meth:`_max_order`.
        """
        self._check_is_fitted()
        return check_order(
            order,
            max_order=self._max_order(),
            method_name=type(self).__name__,
            hint=self._order_hint(),
        )

    # ------------------------------------------------------------------ evaluation
    def _evaluate_public(self, x: ArrayLike, order: int, return_std: bool = False) -> Any:
        """Evaluate the derivative of order ``order`` with the public input/output rules.

        With ``return_std``, returns ``(values, std)`` shaped alike.
        """
        order = self._check_order(order)
        return_std = _check_flag(return_std, "return_std")
        points = check_eval_points(
            x, x_min=self.x_min_, x_max=self.x_max_, extrapolate=self.extrapolate
        )
        # Points whose result will be NaN anyway are evaluated at x_min_, so _evaluate only ever
        # sees finite points inside the range (or outside it when extrapolating on purpose).
        safe_x = points.evaluable(extrapolate=self.extrapolate, fill=self.x_min_)
        empty = np.empty((0, self.n_outputs_))
        values = self._evaluate(safe_x, order) if safe_x.size else empty
        shaped = shape_output(values, points, self.y_trailing_shape_, extrapolate=self.extrapolate)
        if not return_std:
            return shaped
        std = self._evaluate_std(safe_x, order) if safe_x.size else empty
        return shaped, shape_output(
            std, points, self.y_trailing_shape_, extrapolate=self.extrapolate
        )

    def _interval_public(self, x: ArrayLike, order: int, level: float) -> tuple[Any, Any]:
        """``(lower, upper)`` = values -/+ z * std, z from :meth:`_band_quantile`."""
        z = self._band_quantile(level)
        values, std = self._evaluate_public(x, order, return_std=True)
        with np.errstate(over="ignore", invalid="ignore"):
            lower, upper = values - z * std, values + z * std
        finite = np.isfinite(values) & np.isfinite(std)
        if not (np.isfinite(lower[finite]).all() and np.isfinite(upper[finite]).all()):
            raise ValueError(
                f"the band's edges at level={level!r} exceed the float64 range (about 1.8e308) "
                "in the units of x and y; express x in larger units or y in smaller ones (e.g. "
                "divide y by a power of ten) and scale the result back, or lower the level"
            )
        return lower, upper

    def predict(self, x: ArrayLike, return_std: bool = False) -> Any:
        """Evaluate the fit.

        Parameters
        ----------
        x : scalar or array-like of any shape
            Evaluation points. NaN or inf points give NaN. Points outside the fitted range are
            handled as ``extrapolate`` says.
        return_std : bool, default=False
            Also return the standard error of the fit at ``x`` (see :meth:`interval` and the
            interpolator's notes on what it includes).

        Returns
        -------
        values : float or numpy.ndarray
            A float for a scalar ``x`` and 1-D ``y``; otherwise an array of shape
            ``np.shape(x) + y_trailing_shape_``.
        std : float or numpy.ndarray
            Only with ``return_std=True``: standard errors, shaped like ``values``.

        Raises
        ------
        NotFittedError
            If the interpolator is not fitted.
        ValueError
            If ``extrapolate='raise'`` and a point lies outside the fitted range.
        NotImplementedError
            With ``return_std=True``, for an interpolator without an uncertainty model.
        """
        return self._evaluate_public(x, 0, return_std)

    def __call__(self, x: ArrayLike, return_std: bool = False) -> Any:
        """Evaluate the fit; the same as :meth:`predict`."""
        return self._evaluate_public(x, 0, return_std)

    def interval(self, x: ArrayLike, level: float = 0.95) -> tuple[Any, Any]:
        """A pointwise band around the fit: ``(lower, upper)``.

        Parameters
        ----------
        x : scalar or array-like of any shape
            Evaluation points, as for :meth:`predict`.
        level : float, default=0.95
            Nominal coverage, strictly between 0 and 1; the band is the value -/+ z times the
            standard error, z the standard normal quantile of ``(1 + level) / 2`` (Student's
            t quantile where the standard error is estimated from few draws, as for a network
            ensemble).

        Returns
        -------
        lower, upper : float or numpy.ndarray
            Shaped like :meth:`predict`'s values.

        Raises
        ------
        ValueError
            If ``level`` is not strictly between 0 and 1 (or so close to 1 that the band is
            infinite), or a band edge exceeds the float64 range.
        """
        return self._interval_public(x, 0, level)

    def differentiate(self, order: int = 1) -> Differentiable:
        """Return the derivative of the fit as a callable.

        Parameters
        ----------
        order : int, default=1
            The derivative order; ``0`` gives the fit itself.

        Returns
        -------
        Differentiable
            A callable with the same input/output rules as :meth:`predict`: here a
            :class:`Derivative` referring to this interpolator, so a later refit changes what it
            returns. Subclasses may return a richer object (see :class:`Differentiable`).

        Raises
        ------
        NotFittedError
            If the interpolator is not fitted.
        TypeError
            If ``order`` is not an integer.
        ValueError
            If ``order`` is negative or above what this interpolator supports.
        """
        return Derivative(self, self._check_order(order))


class Derivative:
    """A derivative of a fitted interpolator, as a callable.

    Parameters
    ----------
    interpolator : BaseInterpolator
        The fitted interpolator.
    order : int, default=1
        The derivative order; checked again each time the derivative is evaluated.

    Attributes
    ----------
    interpolator : BaseInterpolator
        The interpolator differentiated.
    order : int
        The derivative order.

    Examples
    --------
    Usually obtained from :meth:`BaseInterpolator.differentiate`; see the example there. The
    derivative of a derivative adds the orders: ``f.differentiate(1).differentiate(1)`` evaluates
    like ``f.differentiate(2)``.
    """

    def __init__(self, interpolator: BaseInterpolator, order: int = 1) -> None:
        self.interpolator = interpolator
        self.order = order

    def __call__(self, x: ArrayLike, return_std: bool = False) -> Any:
        """Evaluate the derivative; the same rules as :meth:`BaseInterpolator.predict`.

        Parameters
        ----------
        x : scalar or array-like of any shape
            Evaluation points.
        return_std : bool, default=False
            Also return the standard error of the derivative at ``x``.

        Returns
        -------
        values : float or numpy.ndarray
            A float for a scalar ``x`` and 1-D ``y``; otherwise an array of shape
            ``np.shape(x) + y_trailing_shape_``.
        std : float or numpy.ndarray
            Only with ``return_std=True``: standard errors, shaped like ``values``.
        """
        return self.interpolator._evaluate_public(x, self.order, return_std)

    def predict(self, x: ArrayLike, return_std: bool = False) -> Any:
        """Evaluate the derivative; the same as calling it.

        Parameters
        ----------
        x : scalar or array-like of any shape
            Evaluation points.
        return_std : bool, default=False
            Also return the standard error.

        Returns
        -------
        values : float or numpy.ndarray
            The derivative values (and standard errors with ``return_std=True``).
        """
        return self.interpolator._evaluate_public(x, self.order, return_std)

    def interval(self, x: ArrayLike, level: float = 0.95) -> tuple[Any, Any]:
        """A pointwise band around the derivative: ``(lower, upper)``.

        Parameters
        ----------
        x : scalar or array-like of any shape
            Evaluation points.
        level : float, default=0.95
            Nominal coverage (see :meth:`BaseInterpolator.interval`).

        Returns
        -------
        lower, upper : float or numpy.ndarray
        """
        return self.interpolator._interval_public(x, self.order, level)

    def differentiate(self, order: int = 1) -> Derivative:
        """Differentiate further.

        Parameters
        ----------
        order : int, default=1
            How many more times to differentiate.

        Returns
        -------
        Derivative
            The derivative of order ``self.order + order``.

        Raises
        ------
        TypeError
            If ``order`` is not an integer.
        ValueError
            If ``order`` is negative or the total order is above what the interpolator supports.
        """
        # The step is checked on its own first, so that differentiate(-1) is an error even where
        # the total order would be valid.
        step = check_order(order, max_order=None, method_name=type(self.interpolator).__name__)
        return Derivative(self.interpolator, self.interpolator._check_order(self.order + step))

    def __repr__(self) -> str:
        return f"Derivative({self.interpolator!r}, order={self.order})"
