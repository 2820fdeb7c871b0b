"""Batches: fresh interpolators for a named family, and many columns fitted as few batches.

Columns that share their pattern of missing samples are fitted together, as one batch (one fit
of a ``y`` of shape ``(n, m)``, which the families do at once); every time-series path (wide,
long, Dask blocks, the command line) fits through :func:`fit_columns`' core here.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pydelt_like import registry
from pydelt_like._progress import progress_bar
from pydelt_like._validation import (
    as_float_array,
    check_extrapolate,
    check_nan_policy,
    check_order,
)
from pydelt_like.base import BaseInterpolator, _check_flag
from pydelt_like.timeseries._axis import check_time_order
from pydelt_like.timeseries._options import (
    FitOptions,
    check_outliers,
    check_resolution,
    check_resolution_family,
    check_weights,
    exp_derivatives,
    gross_outliers,
    knots_for,
    too_few_hint,
)
from pydelt_like.timeseries._units import _pandas

__all__ = ["ColumnDerivatives", "estimator_factory", "fit_columns"]

#: Settings every time-series fit starts from: gaps are dropped, nothing is extrapolated.
DEFAULTS = {"nan_policy": "omit", "extrapolate": "nan"}


def _clone(template: BaseInterpolator) -> BaseInterpolator:
    return type(template)(**template.get_params())


def estimator_factory(
    method: Any = "spline", *, progress: bool = False, **params: Any
) -> Callable[[], BaseInterpolator]:
    """A factory of fresh, unfitted interpolators, its settings checked now.

    Parameters
    ----------
    method : str or BaseInterpolator, default='spline'
        A family registered in :mod:`pydelt_like.registry` (``registry.names()``: ``'spline'``,
        ``'neural'``, and any family registered since), or an unfitted interpolator whose
        settings every fit copies (it is cloned, never modified).
    progress : bool, default=False
        Turn on the interpolator's own progress bar, for families with a ``progress`` setting
        (unless ``params`` sets it).
    **params
        Settings of the named family, e.g. ``smoothing=1e-3`` or ``k=3`` for the spline,
        ``epochs=500`` for the network. Defaults here: ``nan_policy='omit'`` and
        ``extrapolate='nan'``.

    Returns
    -------
    callable
        Called with no arguments, returns a new unfitted interpolator (picklable, so that Dask
        workers can build their own).

    Raises
    ------
    ValueError
        For a name that is not registered (the message lists the registered ones), or a
        setting with a bad value, e.g. ``k=99`` for the spline: every value is checked here,
        as the first fit would, not later on a Dask worker.
    TypeError
        For a setting the family does not have, a value of the wrong type, or settings given
        with an interpolator instance (set them on it instead).
    ImportError
        If the family needs an optional package that is missing.

    Examples
    --------
    >>> make = estimator_factory("spline", k=3)
    >>> make()
    SplineInterpolator(k=3, nan_policy='omit', extrapolate='nan')
    >>> estimator_factory("spline", k=99)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: method='spline': k must be ... got 99...
    """
    return _factory(method, params, progress=progress)


def _factory(
    method: Any,
    params: Mapping[str, Any],
    *,
    progress: Any = False,
    return_std: Any = False,
    resolution: bool = False,
) -> Callable[[], BaseInterpolator]:
    """:func:`estimator_factory`, refusing a named family without bands when ``return_std``,
    and one without ``max_knots`` (or with it set) when a ``resolution`` is given."""
    progress = _check_flag(progress, "progress")
    if isinstance(method, BaseInterpolator):
        if params:
            raise TypeError(
                f"keyword parameters go to the interpolator named by method= (one of "
                f"{', '.join(map(repr, registry.names()))}); with an interpolator instance, set "
                f"them on it instead: {sorted(params)}"
            )
        if resolution:
            check_resolution_family(list(method.get_params()), method.get_params(), method)
        factory: Callable[[], BaseInterpolator] = functools.partial(_clone, method)
        described = type(method).__name__
    else:
        try:
            family = registry.get(method)
        except ValueError as error:
            raise ValueError(f"{error}, or an unfitted interpolator instance") from None
        if return_std and not family.bands:
            with_bands = [other.name for other in registry.families() if other.bands]
            raise NotImplementedError(
                f"method={method!r} gives no uncertainty bands (return_std=True); use one that "
                f"does ({', '.join(map(repr, with_bands))}) or leave return_std out"
            )
        cls = family.load()
        if resolution:
            check_resolution_family(cls._get_param_names(), params, method)
        settings = {**DEFAULTS, **params}
        if progress and "progress" in cls._get_param_names():
            settings.setdefault("progress", True)
        factory = functools.partial(cls, **settings)
        described = f"method={method!r}"
    try:
        estimator = factory()
        # What fit() checks first, checked now: a bad value fails at the call, with its name.
        estimator._validate_params()
        check_nan_policy(estimator.nan_policy)
        check_extrapolate(estimator.extrapolate)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{described}: {error}") from None
    return factory


def _column_groups(finite: np.ndarray) -> list[np.ndarray]:
    """Columns with the same pattern of valid samples, as index arrays (complete ones first)."""
    complete = finite.all(axis=0)
    groups = [np.flatnonzero(complete)] if complete.any() else []
    rest = np.flatnonzero(~complete)
    if rest.size:
        patterns = np.packbits(finite[:, rest], axis=0).T  # one row of bytes per column
        _, inverse = np.unique(patterns, axis=0, return_inverse=True)
        groups.extend(rest[inverse.ravel() == g] for g in range(int(inverse.max()) + 1))
    return groups


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value to compare
class ColumnDerivatives:
    """One derivative order of many columns, at every sample position.

    Attributes
    ----------
    order : int
        The derivative order (``0``: the fit itself).
    values : numpy.ndarray of shape (n, m)
        The derivative of each column at each position; NaN before a column's first and after
        its last valid sample.
    std : numpy.ndarray of shape (n, m) or None
        Its standard errors, or ``None`` when they were not asked for.
    """

    order: int
    values: np.ndarray
    std: np.ndarray | None = None


def _fit_and_evaluate(
    t: np.ndarray,
    values: np.ndarray,
    orders: tuple[int, ...],
    factory: Callable[[], BaseInterpolator],
    *,
    labels: Any = None,
    progress: bool = False,
    what: str = "column",
    return_std: bool = False,
    options: FitOptions | None = None,
) -> tuple[ColumnDerivatives, ...]:
    """:func:`fit_columns` on checked inputs: ``t`` sorted float64, ``values`` float64 (n, m).

    ``options`` (checked by the caller) adds weights, a resolution or a log transform.
    """
    options = options or FitOptions()
    n, m = values.shape
    finite = np.isfinite(values)
    if options.log:
        _check_positive(values, finite, labels, what)
    if options.outliers != "keep":
        values = _screen_outliers(t, values, finite, labels, what, options)
        finite = np.isfinite(values)
    found = {order: np.full((n, m), np.nan) for order in orders}
    errors = {order: np.full((n, m), np.nan) for order in orders} if return_std else {}
    groups = _column_groups(finite)
    iterator: Any = groups
    if progress and len(groups) > 1:
        iterator = progress_bar(groups, desc="column groups", unit="group")
    for columns in iterator:
        rows = finite[:, columns[0]]
        valid_t = t[rows]
        n_valid = int(rows.sum())
        which = (
            f"{what} {labels[columns[0]]!r}"
            if labels is not None and len(columns) == 1
            else _plural(len(columns), what)
        )
        estimator = factory()
        if options.resolution is not None and n_valid > 1:
            estimator.set_params(max_knots=knots_for(options.resolution, valid_t[-1] - valid_t[0]))
        needs = estimator._min_points()
        if n_valid < needs:
            raise ValueError(
                f"{which} with {n_valid} valid values of {n}: {type(estimator).__name__} needs "
                f"at least {needs}{too_few_hint(estimator, n_valid, options.say)}"
            )
        y = values[np.ix_(rows, columns)]
        weights = {} if options.weights is None else {"weights": options.weights[rows]}
        try:
            estimator.fit(valid_t, np.log(y) if options.log else y, **weights)
        except ValueError as error:
            raise ValueError(f"{which} with {n_valid} valid values of {n}: {error}") from None
        # Only inside the span of the valid samples: no extrapolation, whatever the settings.
        inside = np.flatnonzero((t >= valid_t[0]) & (t <= valid_t[-1]))
        cells = np.ix_(inside, columns)
        shape = (inside.size, len(columns))
        evaluated = _evaluate(estimator, t[inside], orders, options.log, return_std)
        for order, (value, std) in evaluated.items():
            found[order][cells] = np.asarray(value).reshape(shape)
            if return_std:
                errors[order][cells] = np.asarray(std).reshape(shape)
    return tuple(
        ColumnDerivatives(order, found[order], errors.get(order) if return_std else None)
        for order in orders
    )


def _screen_outliers(
    t: np.ndarray,
    values: np.ndarray,
    finite: np.ndarray,
    labels: Any,
    what: str,
    options: FitOptions,
) -> np.ndarray:
    """Warn of gross outliers, naming each column's first; with 'omit', return the values with
    them as gaps (a copy), so that the batches form around them."""
    out = values
    for columns in _column_groups(finite):
        rows = np.flatnonzero(finite[:, columns[0]])
        block = values[np.ix_(rows, columns)]
        mask = gross_outliers(t[rows], np.log(block) if options.log else block)
        for j in np.flatnonzero(mask.any(axis=0)):
            column = int(columns[j])
            found = rows[mask[:, j]]
            first = int(found[0])
            where = f"row {first}" if options.rows is None else str(options.rows[first])
            name = f"{what} {labels[column]!r}" if labels is not None else f"{what} {column}"
            action = (
                "left out of the fit"
                if options.outliers == "omit"
                else f"kept, and pulling the fit; {options.say('outliers', 'omit')} leaves "
                f"{'them' if found.size > 1 else 'it'} out"
            )
            warnings.warn(
                f"{name} has {_plural(found.size, 'gross outlier')} (first: {float(values[first, column])!r}"
                f" at {where}, far from its neighbours and the curve through them): {action}",
                RuntimeWarning,
                stacklevel=4,
            )
            if options.outliers == "omit":
                if out is values:
                    out = values.copy()
                out[found, column] = np.nan
    return out


def _plural(count: int, what: str) -> str:
    return f"{count} {what if count == 1 or what.endswith('s') else what + 's'}"


def _check_positive(values: np.ndarray, finite: np.ndarray, labels: Any, what: str) -> None:
    """A log transform needs positive values: name the first column and row that is not."""
    bad = finite & ~(values > 0)
    if bad.any():
        row, column = (int(i[0]) for i in np.nonzero(bad))
        name = f"{what} {labels[column]!r}" if labels is not None else f"{what} {column}"
        raise ValueError(
            f"{name} has a value <= 0 at row {row} ({values[row, column]!r}): a log transform "
            "needs positive values; leave the log out, or drop or shift those values"
        )


def _evaluate(
    estimator: BaseInterpolator, t: np.ndarray, orders: tuple[int, ...], log: bool, with_std: bool
) -> dict[int, tuple[np.ndarray, np.ndarray | None]]:
    """Each order's values (and standard errors) at ``t``; of ``exp(fit)`` for a log fit."""

    def at(order: int) -> tuple[np.ndarray, np.ndarray | None]:
        curve = estimator if order == 0 else estimator.differentiate(order)
        if with_std:
            value, std = curve(t, return_std=True)
            return np.asarray(value), np.asarray(std)
        return np.asarray(curve(t)), None

    if not log:
        return {order: at(order) for order in orders}
    parts = [at(order) for order in range(max(orders) + 1)]
    f = [part[0] for part in parts]
    std = [part[1] for part in parts] if with_std else None
    return {order: exp_derivatives(f, std, order) for order in orders}  # type: ignore[arg-type]


def _numeric_frame(frame: Any) -> np.ndarray:
    """The columns of a pandas DataFrame as float64 (n, m), refusing non-numeric ones."""
    pd = _pandas()
    for label, dtype in frame.dtypes.items():
        if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
            raise TypeError(
                f"column {label!r} has dtype {dtype}, not numbers; select the numeric columns "
                "(data.select_dtypes('number')) or convert it"
            )
    # By position: repeated column labels each keep their own column.
    return np.column_stack(
        [
            as_float_array(frame.iloc[:, j], name=f"column {label!r}")
            for j, label in enumerate(frame.columns)
        ]
    ).reshape(len(frame), frame.shape[1])


def fit_columns(
    t: Any,
    values: Any,
    orders: int | Sequence[int] = 1,
    method: Any = "spline",
    *,
    labels: Sequence[Any] | None = None,
    progress: bool = False,
    return_std: bool = False,
    weights: Any = None,
    resolution: float | None = None,
    log: bool = False,
    outliers: str = "warn",
    row_labels: Sequence[Any] | None = None,
    **params: Any,
) -> tuple[ColumnDerivatives, ...]:
    """Fit many columns sampled at the same positions; their derivatives at those positions.

    The building block under :func:`differentiate`, :func:`differentiate_array`,
    :func:`differentiate_long` and the command line, for front ends of their own: columns that
    share their pattern of missing values (NaN) are fitted together, as one batch, and every
    requested order is evaluated from the same fit.

    Parameters
    ----------
    t : array-like of shape (n,)
        Sample positions as numbers, strictly increasing and finite (timestamps go through
        :func:`time_to_float` first).
    values : array-like of shape (n,) or (n, m), or pandas.DataFrame
        The columns; NaN marks a missing sample. A DataFrame's columns must be numeric, and
        name the columns in messages.
    orders : int or sequence of int, default=1
        The derivative orders to evaluate, distinct (``0``: the fit itself).
    method : str or BaseInterpolator, default='spline'
        A registered family or an unfitted interpolator, as in :func:`estimator_factory`.
    labels : sequence of shape (m,), optional
        Names of the columns for messages (default: a DataFrame's columns).
    progress : bool, default=False
        Show a tqdm progress bar over the batches (needs tqdm), and the interpolator's own.
    return_std : bool, default=False
        Also evaluate the standard errors (families with uncertainty bands).
    weights : array-like of shape (n,), optional
        One weight per row for every column: inverse variances up to a common factor, finite
        and non-negative (0: the row does not count).
    resolution : float, optional
        The smoothing as a length of ``t``: knot intervals of the spline are no shorter than
        this (``max_knots = floor(span / resolution)`` per column), so a cycle of this period
        is mostly treated as noise (at most about a sixth of its amplitude stays in the fit, at
        half the period 1 %) and cycles twice as long or longer are followed (see the
        time-series documentation). For families with ``max_knots`` (the spline), and not
        together with ``max_knots``.
    log : bool, default=False
        Fit ``ln`` of the values (which must be positive) and return the derivatives of the
        values themselves, by the chain rule; standard errors by the linearised chain rule,
        taking the errors of the orders of the log fit as fully correlated (an upper bound).
        For positive data spanning decades, such as a vapour pressure.
    outliers : {'warn', 'omit', 'keep'}, default='warn'
        Gross outliers, samples far from their neighbours and the curve through them (a
        typo, a glitch; see the time-series documentation): fit them and warn naming the
        first, leave them out of the fit (with a warning), or fit them without a word.
    row_labels : sequence of shape (n,), optional
        How messages name the rows (the timestamps as written, say); default: ``row <i>``.
    **params
        Settings of the family, as in :func:`estimator_factory`.

    Returns
    -------
    tuple of ColumnDerivatives
        One per order, in the order given, each with ``values`` (and ``std``) of shape
        ``(n, m)``: NaN before a column's first and after its last valid sample.

    Raises
    ------
    ValueError
        For unsorted, repeated or missing positions, shapes that disagree, a bad or repeated
        order, bad settings, or a column with too few valid samples (named by its label).
    TypeError
        For values that are not numbers, or a setting the family does not have.
    NotImplementedError
        For ``return_std=True`` with a family that gives no uncertainty bands.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0.0, 1.0, 30)
    >>> fit, slope = fit_columns(t, np.stack([t**2, 3 * t], axis=1), orders=(0, 1))
    >>> slope.order, np.round(slope.values[15], 6)  # 2t at t = 0.517..., and 3
    (1, array([1.034483, 3.      ]))
    """
    t = as_float_array(t, name="t")
    check_time_order(t, name="t", fix="np.argsort(t) gives the order")
    pd = _pandas() if hasattr(values, "dtypes") and hasattr(values, "iloc") else None
    if pd is not None and isinstance(values, pd.DataFrame):
        if labels is None:
            labels = list(values.columns)
        values = _numeric_frame(values)
    else:
        values = as_float_array(values, name="values")
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.shape[0] != t.size:
        raise ValueError(
            f"values must have shape (n,) or (n, m) with n = {t.size} samples (the length of "
            f"t), got shape {values.shape}"
        )
    if labels is not None and len(labels) != values.shape[1]:
        raise ValueError(f"labels has {len(labels)} entries for {values.shape[1]} columns")
    order_list = [orders] if isinstance(orders, (int, np.integer)) else list(orders)
    checked = tuple(
        check_order(order, max_order=None, method_name="fit_columns") for order in order_list
    )
    if not checked or len(set(checked)) != len(checked):
        raise ValueError(f"orders must be one or more distinct orders, got {orders!r}")
    return_std = _check_flag(return_std, "return_std")
    options = FitOptions(
        weights=check_weights(weights, t.size),
        resolution=check_resolution(resolution),
        log=_check_flag(log, "log"),
        outliers=check_outliers(outliers),
        rows=None if row_labels is None else list(row_labels),
    )
    factory = _factory(
        method,
        params,
        progress=progress,
        return_std=return_std,
        resolution=options.resolution is not None,
    )
    return _fit_and_evaluate(
        t,
        values,
        checked,
        factory,
        labels=labels,
        progress=progress,
        return_std=return_std,
        options=options,
    )
