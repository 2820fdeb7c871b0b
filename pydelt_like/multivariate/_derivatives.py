"""``MultivariateDerivatives``: gradient, Jacobian, Hessian and Laplacian of any family."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from pydelt_like._validation import check_xy
from pydelt_like.base import BaseInterpolator, NotFittedError
from pydelt_like.interpolation import SplineInterpolator
from pydelt_like.multivariate._grid import TensorProduct, as_grid
from pydelt_like.multivariate._points import Query, check_query, finish

__all__ = ["MultivariateDerivatives"]

METHODS = ("tensor-product", "network", "direct")
#: L-BFGS budget of the default network for scattered data: on clean 2-D data it needs about
#: four times the 1-D default (500) to bring gradient errors under 1 % (benchmarks/multivariate.py);
#: on noisy data the noise-level stopping rule ends it long before.
SCATTERED_LBFGS_ITERATIONS = 2000


def _resolve(interpolator_class: Any) -> type[BaseInterpolator]:
    """A class of our contract, from a class or a registered family's name."""
    if isinstance(interpolator_class, str):
        from pydelt_like import registry

        return registry.get(interpolator_class).load()
    if isinstance(interpolator_class, type) and issubclass(interpolator_class, BaseInterpolator):
        return interpolator_class
    raise TypeError(
        "interpolator_class must be an interpolator class of pydelt_like (SplineInterpolator, "
        "LlaInterpolator, ...) or a registered family's name ('spline', 'neural', ...), got "
        f"{interpolator_class!r}"
    )


class _AxisView:
    """One output's derivatives along one input: what ``interpolators[i][j]`` holds.

    PyDelt keeps a 1-D interpolator of output ``i`` against input ``j`` there, a function of
    ``x_j`` alone; here it is a view of the full fit, so its callables take whole points.
    """

    def __init__(self, owner: MultivariateDerivatives, output: int, wrt: int) -> None:
        self.owner = owner
        self.output = output
        self.wrt = wrt

    def predict(self, points: Any) -> Any:
        """Output ``i`` of the fit at ``points`` (shape (n_points, n_inputs))."""
        return self.differentiate(0)(points)

    def differentiate(self, order: int = 1) -> Callable[[Any], Any]:
        """The ``order``-th partial derivative of output ``i`` along input ``j``, as a callable.

        Returns
        -------
        callable
            ``points -> values`` of shape (n_points,), a float for one point.
        """
        owner = self.owner
        orders = tuple(order if j == self.wrt else 0 for j in range(owner._n_inputs()))

        def evaluate(points: Any) -> Any:
            query = owner._query(points)
            return finish(query, lambda rows: owner._partial(rows, orders)[:, self.output])

        return evaluate

    def __repr__(self) -> str:
        return f"<d/dx{self.wrt} of output {self.output}>"


class MultivariateDerivatives:
    """Gradient, Jacobian, Hessian and Laplacian of a fit to data on several inputs.

    PyDelt's class and API. Where PyDelt fits every output against every input on its own
    (marginal 1-D fits, whose gradients are wrong wherever the inputs interact and whose mixed
    partials are zero), this class fits the data as a whole:

    - data on a full grid (every combination of the distinct values of each input): a tensor
      product of 1-D fits of ``interpolator_class``, which gives every partial derivative,
      mixed ones included (see :mod:`pydelt_like.multivariate._grid`);
    - scattered data (or a grid with missing nodes): a neural network of several inputs, whose
      derivatives come from autograd (``fit(..., network=)`` chooses it);
    - a family that takes several inputs itself (``'neural'``): that family, directly.

    Parameters
    ----------
    interpolator_class : class or str, default=SplineInterpolator
        A 1-D interpolator class of pydelt_like (PyDelt-named or our own) or a registered
        family's name (``'spline'``, ``'lla'``, ``'neural'``, ...).
    **interpolator_kwargs
        Its hyperparameters (PyDelt's names are accepted by the PyDelt-named classes).
        ``extrapolate`` also governs the query points: outside the fitted range they raise by
        default (PyDelt extrapolates).

    Attributes
    ----------
    fitted : bool
        Whether :meth:`fit` has run.
    n_inputs, n_outputs, n_samples : int
        Sizes of the data.
    input_data, output_data : ndarray
        Copies of the data, shaped (n_samples, n_inputs) and (n_samples, n_outputs).
    interpolators : list of list
        ``interpolators[i][j]`` gives output ``i``'s derivatives along input ``j`` (callables of
        whole points; PyDelt's are 1-D interpolators of ``x_j`` alone).
    method_ : {'tensor-product', 'network', 'direct'}
        How the data were fitted.
    model_ : object
        The tensor product, or the fitted network / multivariate interpolator.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.linspace(-1, 1, 21)
    >>> X, Y = np.meshgrid(g, g)
    >>> points = np.column_stack([X.ravel(), Y.ravel()])
    >>> mv = MultivariateDerivatives().fit(points, (X * Y + X**2).ravel())
    >>> np.round(mv.gradient()([0.5, 0.25]), 6)  # [y + 2x, x]
    array([1.25, 0.5 ])
    >>> np.round(mv.hessian()([0.5, 0.25]), 6)  # the mixed partial is 1, not 0
    array([[2., 1.],
           [1., 0.]])
    """

    def __init__(
        self, interpolator_class: Any = SplineInterpolator, **interpolator_kwargs: Any
    ) -> None:
        self.interpolator_class = interpolator_class
        self.interpolator_kwargs = interpolator_kwargs
        self.interpolators: list[list[_AxisView]] | None = None
        self.input_data: np.ndarray | None = None
        self.output_data: np.ndarray | None = None
        self.n_inputs: int | None = None
        self.n_outputs: int | None = None
        self.n_samples: int | None = None
        self.fitted = False

    # ------------------------------------------------------------------ fitting
    def fit(
        self, input_data: Any, output_data: Any, network: BaseInterpolator | None = None
    ) -> MultivariateDerivatives:
        """Fit the data.

        Parameters
        ----------
        input_data : array-like of shape (n_samples, n_inputs) or (n_samples,)
            Sample positions.
        output_data : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Sample values (a scalar function, or a vector of them).
        network : NeuralNetworkInterpolator, optional
            The (unfitted) network used for scattered data; default
            ``pydelt_like.NeuralNetworkInterpolator(lbfgs_iterations=2000)`` with this
            object's ``extrapolate``.

        Returns
        -------
        self

        Raises
        ------
        TypeError
            If ``interpolator_class`` is not an interpolator of pydelt_like, or its keyword
            arguments do not belong to it.
        ValueError
            If the data are unusable (shapes, NaN, too few samples), or a 1-D fit of the
            grid fails (too few values along an input for the family).
        """
        cls = _resolve(self.interpolator_class)
        probe = cls(**self.interpolator_kwargs)
        output = np.asarray(output_data)
        if output.ndim > 2:
            raise ValueError(
                f"output_data must have shape (n_samples,) or (n_samples, n_outputs), got "
                f"{output.shape}"
            )
        data = check_xy(
            input_data,
            output_data,
            nan_policy=str(getattr(probe, "nan_policy", "raise")),
            method_name=type(self).__name__,
            multivariate=True,
        )
        x = data.x.reshape(data.x.shape[0], -1)
        y = data.y
        self.extrapolate_ = str(getattr(probe, "extrapolate", "raise"))
        self.x_min_, self.x_max_ = x.min(axis=0), x.max(axis=0)
        model: Any
        grid = None if probe._multivariate() else as_grid(x, y)
        if probe._multivariate():
            method, model = "direct", probe.fit(x, y, data.weights)
        elif grid is not None:
            method, model = (
                "tensor-product",
                TensorProduct(grid, lambda: cls(**self.interpolator_kwargs)),
            )
        else:
            if network is None:
                from pydelt_like.neural import NeuralNetworkInterpolator

                network = NeuralNetworkInterpolator(
                    lbfgs_iterations=SCATTERED_LBFGS_ITERATIONS, extrapolate=self.extrapolate_
                )
            method, model = "network", network.fit(x, y, data.weights)
        self.method_, self.model_ = method, model
        n_in, n_out = x.shape[1], y.shape[1]
        raw_x = np.asarray(input_data, dtype=np.float64)
        self.input_data = raw_x.reshape(raw_x.shape[0], -1).copy()
        self.output_data = output.reshape(output.shape[0], -1).astype(np.float64)
        self.n_samples, self.n_inputs, self.n_outputs = raw_x.shape[0], n_in, n_out
        self.interpolators = [[_AxisView(self, i, j) for j in range(n_in)] for i in range(n_out)]
        self.fitted = True
        return self

    # ------------------------------------------------------------------ internals
    def _check_fitted(self, what: str) -> None:
        if not self.fitted:
            raise NotFittedError(
                f"{type(self).__name__} must be fit before computing {what}; call "
                "fit(input_data, output_data) first."
            )

    def _n_inputs(self) -> int:
        return int(self.n_inputs or 0)

    def _query(self, points: Any) -> Query:
        return check_query(points, lo=self.x_min_, hi=self.x_max_, extrapolate=self.extrapolate_)

    def _scalar(self, what: str) -> None:
        if self.n_outputs != 1:
            raise ValueError(
                f"{what} is only defined for scalar functions. Got {self.n_outputs} outputs; "
                "use jacobian() for a vector-valued function."
            )

    def _partial(self, rows: np.ndarray, orders: tuple[int, ...]) -> np.ndarray:
        """Partial derivative of orders ``orders`` at ``rows``: shape (k, n_outputs)."""
        if self.method_ == "tensor-product":
            result: np.ndarray = self.model_.partial(rows, orders)
            return result
        net = self.model_
        k, total = rows.shape[0], sum(orders)
        if total == 0:
            return np.asarray(net.predict(rows)).reshape(k, -1)
        if total == 1:
            return self._jacobian_rows(rows)[:, :, orders.index(1)]
        self._single_output_network(orders)
        if max(orders) == total:
            wrt = orders.index(total)
            return np.asarray(net.differentiate(total, wrt=wrt)(rows)).reshape(k, 1)
        if total == 2:
            i, j = (axis for axis, order in enumerate(orders) if order)
            return self._hessian_rows(rows)[:, i, j].reshape(k, 1)
        raise NotImplementedError(
            f"mixed partial derivatives of order {total} of a network are not available; "
            "fit the data on a grid for the tensor product"
        )

    def _single_output_network(self, orders: tuple[int, ...]) -> None:
        if self.n_outputs != 1:
            raise NotImplementedError(
                f"partial derivatives of order {sum(orders)} of a network with several outputs "
                "are not available; fit each output on its own"
            )

    def _jacobian_rows(self, rows: np.ndarray) -> np.ndarray:
        k, d = rows.shape
        if self.method_ == "tensor-product":
            unit = np.eye(d, dtype=int)
            columns = [self._partial(rows, tuple(unit[j])) for j in range(d)]
            return np.stack(columns, axis=-1)
        return np.asarray(self.model_.jacobian()(rows)).reshape(k, -1, d)

    def _hessian_rows(self, rows: np.ndarray) -> np.ndarray:
        k, d = rows.shape
        if self.method_ != "tensor-product":
            return np.asarray(self.model_.hessian()(rows)).reshape(k, d, d)
        out = np.empty((k, d, d))
        for i in range(d):
            for j in range(i, d):
                orders = [0] * d
                orders[i] += 1
                orders[j] += 1
                out[:, i, j] = out[:, j, i] = self._partial(rows, tuple(orders))[:, 0]
        return out

    def _laplacian_rows(self, rows: np.ndarray) -> np.ndarray:
        k, d = rows.shape
        if self.method_ != "tensor-product":
            return np.asarray(self.model_.laplacian()(rows)).reshape(k)
        unit = 2 * np.eye(d, dtype=int)
        return sum((self._partial(rows, tuple(unit[j]))[:, 0] for j in range(d)), np.zeros(k))

    @staticmethod
    def _unused(eval_points: Any, what: str) -> None:
        if eval_points is not None:
            warnings.warn(
                f"{what}(eval_points) ignores eval_points, as PyDelt does: call the returned "
                "function on your points",
                UserWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------------ PyDelt's API
    def gradient(self, eval_points: Any = None) -> Callable[[Any], Any]:
        """The gradient of a scalar function, as a callable.

        Returns
        -------
        callable
            ``points -> gradients``: shape (n_points, n_inputs), or (n_inputs,) for one
            point (PyDelt's shapes). Points outside the fitted range raise (see
            ``extrapolate``); rows with NaN give NaN.

        Raises
        ------
        NotFittedError
            Before :meth:`fit` (also a ``RuntimeError``).
        ValueError
            For a vector-valued function ("Gradient is only defined for scalar functions").
        """
        self._check_fitted("gradient")
        self._scalar("Gradient")
        self._unused(eval_points, "gradient")
        return lambda points: finish(
            self._query(points), lambda rows: self._jacobian_rows(rows)[:, 0, :]
        )

    def jacobian(self, eval_points: Any = None) -> Callable[[Any], Any]:
        """The Jacobian ``J[i, j] = d f_i / d x_j``, as a callable.

        Returns
        -------
        callable
            ``points -> Jacobians``: shape (n_points, n_outputs, n_inputs), or
            (n_outputs, n_inputs) for one point.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        """
        self._check_fitted("Jacobian")
        self._unused(eval_points, "jacobian")
        return lambda points: finish(self._query(points), self._jacobian_rows)

    def hessian(self, eval_points: Any = None) -> Callable[[Any], Any]:
        """The Hessian of a scalar function, mixed partials included, as a callable.

        Returns
        -------
        callable
            ``points -> Hessians``: shape (n_points, n_inputs, n_inputs), or
            (n_inputs, n_inputs) for one point.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        ValueError
            For a vector-valued function ("Hessian is only defined for scalar functions").
        """
        self._check_fitted("Hessian")
        self._scalar("Hessian")
        self._unused(eval_points, "hessian")
        return lambda points: finish(self._query(points), self._hessian_rows)

    def laplacian(self, eval_points: Any = None) -> Callable[[Any], Any]:
        """The Laplacian (trace of the Hessian) of a scalar function, as a callable.

        Returns
        -------
        callable
            ``points -> values``: shape (n_points,), or a float for one point.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        ValueError
            For a vector-valued function ("Laplacian is only defined for scalar functions").
        """
        self._check_fitted("Laplacian")
        self._scalar("Laplacian")
        self._unused(eval_points, "laplacian")
        return lambda points: finish(self._query(points), self._laplacian_rows)

    def __repr__(self) -> str:
        name = getattr(self.interpolator_class, "__name__", repr(self.interpolator_class))
        kwargs = "".join(f", {key}={value!r}" for key, value in self.interpolator_kwargs.items())
        return f"{type(self).__name__}({name}{kwargs})"
