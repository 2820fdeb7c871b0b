"""Tensor products of 1-D fits on gridded data, with every partial derivative.

Data on a full grid ``x_0 (n_0 values) x ... x x_{d-1} (n_{d-1} values)`` are fitted one axis at
a time. At fit time the last axis is fitted, for every node of the other axes at once (one
batched 1-D fit). A partial derivative of orders ``(a_0, ..., a_{d-1})`` at a point ``q`` then
takes the ``a_{d-1}``-th derivative of those fits at ``q_{d-1}``, which leaves values on the grid
of the remaining axes; they are fitted along the next axis, differentiated ``a_{d-2}`` times at
``q_{d-2}``, and so on. For linear smoothers this is exactly the tensor-product smoother, and
mixed partials come out right: ``d2/dxdy (x y) = 1``, where fitting each coordinate on its own
(PyDelt's marginal fits) gives 0.

The fits after the first depend on the point asked for, so they are made when a derivative is
evaluated: one batched fit per block of points, whose columns are the points.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Grid", "TensorProduct", "as_grid"]

#: Values a block of the later-axis fits may hold (points x points x grid nodes x outputs):
#: about 32 MB of float64, so memory stays bounded however many points are asked for.
_BLOCK_VALUES = 4_000_000


@dataclass(frozen=True)
class Grid:
    """Data on a full grid.

    Attributes
    ----------
    axes : tuple of ndarray
        The sorted distinct values of each input coordinate.
    values : ndarray of shape (n_0, ..., n_{d-1}, n_outputs)
        The (averaged) sample values at each node.
    """

    axes: tuple[np.ndarray, ...]
    values: np.ndarray


def as_grid(x: np.ndarray, y: np.ndarray) -> Grid | None:
    """The grid the samples fill, or ``None`` when they do not fill one.

    Parameters
    ----------
    x : ndarray of shape (n, d)
        Finite sample positions.
    y : ndarray of shape (n, m)
        Sample values.

    Returns
    -------
    Grid or None
        A grid when every combination of the distinct coordinate values occurs among the rows
        (repeated nodes are averaged); ``None`` otherwise (scattered data, or a grid with
        missing nodes).

    Examples
    --------
    >>> x = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1]], dtype=float)
    >>> grid = as_grid(x, np.arange(6.0)[:, None])
    >>> [axis.tolist() for axis in grid.axes], grid.values[..., 0].tolist()
    ([[0.0, 1.0, 2.0], [0.0, 1.0]], [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    >>> as_grid(x[:5], np.arange(5.0)[:, None]) is None
    True
    """
    axes = tuple(np.unique(x[:, j]) for j in range(x.shape[1]))
    sizes = tuple(axis.size for axis in axes)
    nodes = math.prod(sizes)
    if nodes > x.shape[0]:
        return None
    index = tuple(np.searchsorted(axes[j], x[:, j]) for j in range(x.shape[1]))
    flat = np.ravel_multi_index(index, sizes)
    counts = np.bincount(flat, minlength=nodes)
    if (counts == 0).any():
        return None
    sums = np.zeros((nodes, y.shape[1]))
    np.add.at(sums, flat, y)
    return Grid(axes=axes, values=(sums / counts[:, None]).reshape(*sizes, y.shape[1]))


class TensorProduct:
    """Partial derivatives of a tensor product of 1-D fits on a grid.

    Parameters
    ----------
    grid : Grid
        The data.
    make : callable
        Returns a new, unfitted 1-D interpolator (of our contract: ``fit(x, y)`` with ``y`` of
        shape ``(n, ...)`` fitted as a batch, and ``differentiate(order)``).

    Raises
    ------
    ValueError
        If the fit along the last axis fails (too few grid values for the family, say); the
        message names the axis.
    """

    def __init__(self, grid: Grid, make: Callable[[], Any]) -> None:
        self.grid = grid
        self.make = make
        last = len(grid.axes) - 1
        # The last axis first, every other node (and output) a column of one batched fit.
        along_last = np.moveaxis(grid.values, last, 0)
        self.first = self._fit(last, along_last)

    def _fit(self, axis: int, values: np.ndarray) -> Any:
        try:
            return self.make().fit(self.grid.axes[axis], values)
        except ValueError as error:
            raise ValueError(
                f"fitting along input {axis} of the grid ({self.grid.axes[axis].size} distinct "
                f"values) failed: {error}"
            ) from error

    def partial(self, points: np.ndarray, orders: tuple[int, ...]) -> np.ndarray:
        """The partial derivative of orders ``orders`` (one per input) at ``points``.

        Parameters
        ----------
        points : ndarray of shape (k, d)
            Finite points inside the grid's range.
        orders : tuple of int
            How many times to differentiate along each input.

        Returns
        -------
        ndarray of shape (k, n_outputs)
        """
        d = len(self.grid.axes)
        k = points.shape[0]
        # (k, n_0, ..., n_{d-2}, m): the last axis done, for every point.
        current = np.asarray(self.first.differentiate(orders[d - 1])(points[:, d - 1]))
        current = current.reshape(k, *self.grid.values.shape[: d - 1], -1)
        for axis in range(d - 2, -1, -1):
            current = self._collapse(axis, current, points[:, axis], orders[axis])
        return current.reshape(k, -1)

    def _collapse(
        self, axis: int, current: np.ndarray, coordinate: np.ndarray, order: int
    ) -> np.ndarray:
        """Fit along ``axis`` (the last grid axis left in ``current``), point by point."""
        k = current.shape[0]
        per_point = int(np.prod(current.shape[1:]))
        block = max(1, min(k, math.isqrt(max(1, _BLOCK_VALUES // per_point))))
        out = np.empty((k, *current.shape[1:-2], current.shape[-1]))
        for start in range(0, k, block):
            rows = np.arange(start, min(k, start + block))
            # (n_axis, b, n_0, ..., n_{axis-1}, m): one column per point and remaining node.
            columns = np.moveaxis(current[rows], -2, 0)
            fitted = self._fit(axis, columns)
            values = np.asarray(fitted.differentiate(order)(coordinate[rows]))
            # values[i, j, ...]: point i's coordinate in point j's fit; keep i == j.
            out[rows] = values[np.arange(rows.size), np.arange(rows.size)]
        return out
