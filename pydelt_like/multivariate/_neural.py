"""``NeuralNetworkMultivariateDerivatives``: PyDelt's network class on our network ensemble."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pydelt_like.base import NotFittedError
from pydelt_like.multivariate._points import check_query, finish

__all__ = ["NeuralNetworkMultivariateDerivatives"]


def _flags() -> Any:
    """The package module, whose availability flags tests (and users) may patch."""
    return sys.modules["pydelt_like.multivariate"]


class NeuralNetworkMultivariateDerivatives:
    """Multivariate derivatives of a neural network fit, by autograd (PyDelt's class).

    Built on :class:`pydelt_like.NeuralNetworkInterpolator`: an ensemble of smooth (``tanh``)
    networks, so Hessians and Laplacians are real second derivatives. PyDelt 0.8.0 uses ReLU
    networks, whose Hessian is zero everywhere the network is differentiable.

    Parameters
    ----------
    framework : {'pytorch'}, default='pytorch'
        ``'tensorflow'`` raises: ``ImportError`` without TensorFlow (as in PyDelt), else
        ``ValueError`` (pydelt_like trains PyTorch networks only).
    hidden_layers : sequence of int, default=(64, 32)
        Hidden layer widths.
    epochs : int, default=1000
        Full-batch Adam steps (L-BFGS refinement follows; see the network's documentation).
    learning_rate : float, default=0.01
        Adam's initial learning rate.
    **network_kwargs
        Any other parameter of :class:`pydelt_like.NeuralNetworkInterpolator`
        (``activation``, ``n_members``, ``random_state``, ``extrapolate``, ...).

    Attributes
    ----------
    fitted : bool
        Whether :meth:`fit` has run.
    model : NeuralNetworkInterpolator or None
        The fitted network.
    n_inputs, n_outputs : int or None
        Sizes of the data.

    Raises
    ------
    ImportError
        If PyTorch is missing (or TensorFlow, for ``framework='tensorflow'``).
    ValueError
        For an unknown framework.
    """

    def __init__(
        self,
        framework: str = "pytorch",
        hidden_layers: Sequence[int] = (64, 32),
        epochs: int = 1000,
        learning_rate: float = 0.01,
        **network_kwargs: Any,
    ) -> None:
        flags = _flags()
        if framework == "pytorch" and not flags.PYTORCH_AVAILABLE:
            raise ImportError(
                "PyTorch is required for neural network derivatives. Install with: pip install "
                "torch"
            )
        if framework == "tensorflow" and not flags.TENSORFLOW_AVAILABLE:
            raise ImportError(
                "TensorFlow is required for framework='tensorflow', and is not installed; "
                "pydelt_like trains PyTorch networks in any case: pass framework='pytorch'"
            )
        if framework != "pytorch":
            raise ValueError(
                f"Unknown framework: {framework!r}; pydelt_like trains PyTorch networks, pass "
                "framework='pytorch'"
            )
        self.framework = framework
        self.hidden_layers = hidden_layers
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.network_kwargs = network_kwargs
        self.model: Any = None
        self.n_inputs: int | None = None
        self.n_outputs: int | None = None
        self.fitted = False

    def fit(self, input_data: Any, output_data: Any) -> NeuralNetworkMultivariateDerivatives:
        """Train the network on ``(input_data, output_data)``.

        Parameters
        ----------
        input_data : array-like of shape (n_samples, n_inputs) or (n_samples,)
        output_data : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self

        Raises
        ------
        ValueError, TypeError
            As :meth:`pydelt_like.NeuralNetworkInterpolator.fit` raises them.
        """
        from pydelt_like.neural import NeuralNetworkInterpolator

        x = np.asarray(input_data, dtype=np.float64)
        x = x.reshape(x.shape[0], -1) if x.ndim else x
        y = np.asarray(output_data, dtype=np.float64)
        y = y.reshape(y.shape[0], -1) if y.ndim else y
        network = NeuralNetworkInterpolator(
            hidden_layers=self.hidden_layers,
            epochs=self.epochs,
            learning_rate=self.learning_rate,
            **self.network_kwargs,
        )
        self.model = network.fit(x, y)
        self.n_inputs, self.n_outputs = x.shape[1], y.shape[1]
        self.fitted = True
        return self

    def _check(self, what: str, scalar: bool) -> None:
        if not self.fitted:
            raise NotFittedError(
                f"{type(self).__name__} must be fit before computing {what}; call "
                "fit(input_data, output_data) first."
            )
        if scalar and self.n_outputs != 1:
            raise ValueError(
                f"{what.capitalize()} is only defined for scalar functions. Got "
                f"{self.n_outputs} outputs."
            )

    def _callable(self, compute: Callable[[Any, np.ndarray], Any]) -> Callable[[Any], Any]:
        net = self.model

        def evaluate(points: Any) -> Any:
            query = check_query(
                points,
                lo=np.atleast_1d(net.x_min_),
                hi=np.atleast_1d(net.x_max_),
                extrapolate=net.extrapolate,
            )
            return finish(query, lambda rows: np.asarray(compute(net, rows)))

        return evaluate

    def gradient(self) -> Callable[[Any], Any]:
        """The gradient: ``points -> (n_points, n_inputs)``, or (n_inputs,) for one point."""
        self._check("gradient", scalar=True)
        d = self.n_inputs
        return self._callable(lambda net, rows: np.reshape(net.jacobian()(rows), (-1, d)))

    def jacobian(self) -> Callable[[Any], Any]:
        """The Jacobian: ``points -> (n_points, n_outputs, n_inputs)``; one point drops axis 0."""
        self._check("Jacobian", scalar=False)
        shape = (-1, self.n_outputs, self.n_inputs)
        return self._callable(lambda net, rows: np.reshape(net.jacobian()(rows), shape))

    def hessian(self) -> Callable[[Any], Any]:
        """The Hessian: ``points -> (n_points, n_inputs, n_inputs)``; one point drops axis 0."""
        self._check("Hessian", scalar=True)
        d = self.n_inputs
        return self._callable(lambda net, rows: np.reshape(net.hessian()(rows), (-1, d, d)))

    def laplacian(self) -> Callable[[Any], Any]:
        """The Laplacian: ``points -> (n_points,)``, or a float for one point."""
        self._check("Laplacian", scalar=True)
        return self._callable(lambda net, rows: np.reshape(net.laplacian()(rows), (-1,)))
