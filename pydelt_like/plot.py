"""Plots of a fit and its derivatives (matplotlib, imported only when a plot is drawn).

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np
>>> from pydelt_like import SplineInterpolator
>>> from pydelt_like.plot import plot_derivatives
>>> x = np.linspace(0, 2 * np.pi, 100)
>>> spline = SplineInterpolator().fit(x, np.sin(x))
>>> axes = plot_derivatives(spline, orders=(0, 1), truth=[np.sin, np.cos])
>>> [a.get_ylabel() for a in axes]
['fit', '1st derivative']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from pydelt_like._validation import check_int, check_order

__all__ = ["plot_derivatives"]

_ORDINAL = {1: "1st", 2: "2nd", 3: "3rd"}
# Evaluation points per curve: far more than a screen or a printed figure resolves, and few
# enough (a few megabytes per curve) that a typo cannot exhaust memory.
MAX_POINTS = 1_000_000


def _order_label(order: int) -> str:
    if order == 0:
        return "fit"
    return f"{_ORDINAL.get(order, f'{order}th')} derivative"


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "plot_derivatives needs matplotlib: pip install 'pydelt-like[plot]'"
        ) from None
    return plt


def _truth_for(truth: Any, orders: Sequence[int]) -> list[Callable | None]:
    if truth is None:
        return [None] * len(orders)
    if isinstance(truth, Mapping):
        unknown = sorted(set(truth) - set(orders))
        if unknown:
            raise ValueError(f"truth has orders {unknown} that are not in orders={tuple(orders)}")
        return [truth.get(order) for order in orders]
    if callable(truth):
        raise TypeError(
            "truth must be a sequence with one callable (or None) per order, or a dict "
            "{order: callable}; a single function does not say which order it is"
        )
    truth = list(truth)
    if len(truth) != len(orders):
        raise ValueError(
            f"truth has {len(truth)} entries but orders has {len(orders)}; give one callable "
            "(or None) per order, or a dict {order: callable}"
        )
    for item in truth:
        if item is not None and not callable(item):
            raise TypeError(f"truth entries must be callables or None, got {item!r}")
    return truth


def _axes_for(ax: Any, count: int, plt: Any) -> np.ndarray:
    if ax is None:
        _, axes = plt.subplots(count, 1, sharex=True, squeeze=False, figsize=(7, 2.2 * count + 1))
        return np.asarray(axes[:, 0])
    axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
    if axes.size != count:
        raise ValueError(f"ax has {axes.size} axes but orders has {count}; pass one per order")
    return axes


def plot_derivatives(
    interp: Any,
    orders: Sequence[int] = (0, 1, 2),
    data: bool | tuple[Any, Any] = True,
    truth: Sequence[Callable | None] | Mapping[int, Callable] | None = None,
    ax: Any = None,
    *,
    n_points: int = 500,
    xlabel: str | None = None,
    label: str = "fit",
    band: float | None = None,
) -> np.ndarray:
    """Draw a fit and its derivatives on stacked axes sharing x.

    Parameters
    ----------
    interp : fitted interpolator
        A fitted :class:`~pydelt_like.SplineInterpolator` or
        :class:`~pydelt_like.NeuralNetworkInterpolator` of one input; with several series
        (batched ``y``), every series is drawn.
    orders : sequence of int, default=(0, 1, 2)
        The derivative orders to draw, one axes each (``0`` is the fit itself).
    data : bool or tuple (x, y), default=True
        ``True`` draws the samples the fit used (``interp.samples_``; none for a loaded network)
        on the order-0 axes; a tuple draws those points instead; ``False`` draws none.
    truth : sequence of callables or dict, optional
        Known functions to draw dashed for comparison: one callable (or None) per entry of
        ``orders``, or a dict ``{order: callable}``.
    ax : matplotlib Axes or sequence of Axes, optional
        Where to draw, one per order; default: a new figure.
    n_points : int, default=500
        Evaluation points across the fitted range, from 2 to ``MAX_POINTS`` (1,000,000).
    xlabel : str, optional
        Label of the shared x axis (default ``'x'``).
    label : str, default='fit'
        Legend label of the fitted curves.
    band : float, optional
        Also shade the pointwise uncertainty band of this nominal level (e.g. ``0.95``) around
        every curve, from the interpolator's ``interval`` (see the documentation of uncertainty
        bands for what it includes and what it misses).

    Returns
    -------
    numpy.ndarray of matplotlib Axes
        The axes, one per order. The figure is never shown: call ``plt.show()`` or
        ``fig.savefig`` yourself.

    Raises
    ------
    TypeError
        If an order or ``n_points`` is not an integer, or ``truth`` is not as described.
    ValueError
        For an unfitted interpolator, one with several inputs, a negative order, ``n_points``
        out of range, or mismatched ``truth``/``ax``.
    ImportError
        If matplotlib is not installed.
    """
    if not hasattr(interp, "n_outputs_"):
        raise ValueError(f"{type(interp).__name__} is not fitted; call fit(x, y) first")
    if np.ndim(interp.x_min_) != 0:
        raise ValueError("plot_derivatives draws fits of one input (1-D x) only")
    orders = [
        check_order(order, max_order=None, method_name="plot_derivatives") for order in orders
    ]
    if not orders:
        raise ValueError("orders is empty; give at least one derivative order")
    check_int(n_points, name="n_points", low=2, high=MAX_POINTS)
    truths = _truth_for(truth, orders)
    plt = _pyplot()
    axes = _axes_for(ax, len(orders), plt)
    grid = np.linspace(interp.x_min_, interp.x_max_, int(n_points))

    if data is True:
        samples = getattr(interp, "samples_", None)
    elif data is False or data is None:
        samples = None
    else:
        samples = tuple(np.asarray(part) for part in data)
        if len(samples) != 2:
            raise ValueError("data must be True, False or a tuple (x, y)")

    for axes_i, order, true_fn in zip(axes, orders, truths, strict=True):
        curve = interp if order == 0 else interp.differentiate(order)
        values = np.asarray(curve(grid)).reshape(grid.size, -1)
        if order == 0 and samples is not None:
            axes_i.plot(
                samples[0],
                np.asarray(samples[1]).reshape(len(samples[0]), -1),
                ".",
                color="0.6",
                markersize=3,
                label="data",
            )
        lines = axes_i.plot(grid, values, lw=1.8)
        lines[0].set_label(label)
        if band is not None:
            lower, upper = (
                np.asarray(v).reshape(grid.size, -1) for v in curve.interval(grid, band)
            )
            for j, line in enumerate(lines):
                shade = axes_i.fill_between(
                    grid, lower[:, j], upper[:, j], color=line.get_color(), alpha=0.25, lw=0
                )
                if j == 0:
                    shade.set_label(f"{band:.0%} band")
        if true_fn is not None:
            axes_i.plot(grid, np.asarray(true_fn(grid)), "k--", lw=1, label="truth")
        axes_i.set_ylabel(_order_label(order))
        handles, _ = axes_i.get_legend_handles_labels()
        if len(handles) > 1:
            # One legend entry per kind, not per series.
            unique = dict(zip(*reversed(axes_i.get_legend_handles_labels()), strict=True))
            axes_i.legend(unique.values(), unique.keys(), fontsize="small", loc="best")
    axes[-1].set_xlabel(xlabel or "x")
    return axes
