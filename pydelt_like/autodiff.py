"""PyDelt's ``pydelt.autodiff``: derivatives of a trained network, as a function.

:func:`neural_network_derivative` trains :class:`pydelt_like.NeuralNetworkInterpolator` (an
ensemble of smooth networks, Adam then L-BFGS, stopped at the noise level) and returns its
derivative by autograd, with PyDelt's argument names and result shapes.

Examples
--------
>>> import numpy as np
>>> t = np.linspace(0, 2 * np.pi, 200)
>>> d = neural_network_derivative(t, np.sin(t), hidden_layers=[32, 32], random_state=0)
>>> round(float(d(1.0)), 2)  # cos(1) = 0.5403
0.54
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array, check_int, check_real
from pydelt_like.interpolation._classes import NeuralNetworkInterpolator, check_framework

__all__ = ["TF_AVAILABLE", "TORCH_AVAILABLE", "neural_network_derivative"]

#: PyDelt's availability flags (checked without importing either framework).
TORCH_AVAILABLE = importlib.util.find_spec("torch") is not None
TF_AVAILABLE = importlib.util.find_spec("tensorflow") is not None


def _check_no_nan(values: np.ndarray, name: str) -> None:
    bad = np.flatnonzero(np.isnan(values.reshape(values.shape[0], -1)).any(axis=1))
    if bad.size:
        raise ValueError(
            f"Input time and signal must not contain NaN values: {name} has {bad.size} "
            f"(first at index {bad[0]}); drop or impute them before fitting"
        )


def neural_network_derivative(
    time: Any,
    signal: Any,
    framework: str = "pytorch",
    hidden_layers: Sequence[int] = (128, 96, 64, 48, 32),
    epochs: int = 1000,
    holdout_fraction: float = 0.0,
    return_model: bool = False,
    order: int = 1,
    dropout: float = 0.1,
    learning_rate: float = 0.001,
    batch_size: int | None = None,
    early_stopping: bool = True,
    patience: int = 50,
    **network_kwargs: Any,
) -> Any:
    """Train a network on ``(time, signal)`` and return its derivative as a function.

    Parameters
    ----------
    time : array-like of shape (n,) or (n, n_in)
        Inputs.
    signal : array-like of shape (n,) or (n, n_out)
        Outputs.
    framework : {'pytorch'}, default='pytorch'
        PyDelt's default is ``'tensorflow'``; pydelt_like trains PyTorch networks only, and
        ``'tensorflow'`` raises.
    hidden_layers : sequence of int, default=(128, 96, 64, 48, 32)
        Hidden layer widths (PyDelt's default).
    epochs : int, default=1000
        Full-batch Adam steps (then L-BFGS; see :class:`pydelt_like.NeuralNetworkInterpolator`).
    holdout_fraction : float, default=0.0
        Above 0: hold out that share of the samples and keep the weights that did best on them
        (``early_stopping='validation'``). PyDelt only drops them.
    return_model : bool, default=False
        Also return the fitted network.
    order : int, default=1
        Derivative order, up to 6 (PyDelt returns zeros above 2).
    dropout : float, default=0.1
        Checked (``0 <= dropout < 1``) and not used: the ensemble takes its place.
    learning_rate : float, default=0.001
        Adam's initial learning rate.
    batch_size : int or None, default=None
        Mini-batch size; ``None`` uses every sample at each step up to 4,096 samples and
        mini-batches of 256 beyond (PyDelt's default is 32).
    early_stopping : bool, default=True
        ``True`` stops the refinement at the noise level of the data; ``False`` uses the
        whole budget.
    patience : int, default=50
        Accepted for PyDelt's code; the noise-level rule needs no patience.
    **network_kwargs
        Any other parameter of the network (``n_members``, ``random_state``, ``device``, ...).

    Returns
    -------
    callable, or (callable, NeuralNetworkInterpolator)
        For one input, ``points -> derivatives``: a float for a scalar point, shape (n_points,)
        for one output, (n_points, n_out, 1) for several (PyDelt's Jacobian shape). For
        several inputs and order 1, Jacobians: (n_points, n_out, n_in), or (n_out, n_in) for
        one point; order 2 of one output, Hessians (n_points, n_in, n_in). Points outside the
        training range raise a ``ValueError`` (PyDelt extrapolates).

    Raises
    ------
    ValueError
        If the data hold NaN ("must not contain NaN values"), a parameter is out of range, or
        the framework is unknown.
    ImportError
        For ``framework='tensorflow'`` without TensorFlow (as PyDelt).
    NotImplementedError
        For derivatives of order 2 of several outputs on several inputs, or of order 3 and
        more on several inputs (use ``MultivariateDerivatives`` on gridded data).
    """
    check_framework(framework, "neural_network_derivative")
    x = as_float_array(time, name="time")
    y = as_float_array(signal, name="signal")
    if x.ndim and y.ndim and x.shape[0] == y.shape[0]:
        _check_no_nan(x, "time")
        _check_no_nan(y, "signal")
    check_real(dropout, name="dropout", low=0, high=1, high_inclusive=False)
    check_int(patience, name="patience", low=0)
    holdout = check_real(holdout_fraction, name="holdout_fraction", low=0, high=0.9)
    stopping = "validation" if holdout > 0 else ("noise" if early_stopping else "none")
    options: dict[str, Any] = {"early_stopping": stopping, "batch_size": batch_size}
    if holdout > 0:
        options["validation_fraction"] = holdout
    net = NeuralNetworkInterpolator(
        framework,
        hidden_layers,
        epochs,
        dropout,
        learning_rate=learning_rate,
        **{**options, **network_kwargs},
    )
    net.fit(x, y)
    derivative = _derivative_function(net, order)
    return (derivative, net) if return_model else derivative


def _derivative_function(net: NeuralNetworkInterpolator, order: int) -> Callable[[Any], Any]:
    """PyDelt's shapes around the network's derivatives."""
    n_in, n_out = net.n_features_, net.n_outputs_
    if n_in == 1:
        derivative = net.differentiate(order)

        def one_input(points: Any) -> Any:
            values = derivative(points)
            return values if n_out == 1 else np.asarray(values)[..., None]

        return one_input
    net._check_partial_order(order)
    if order == 1:
        jacobian = net.jacobian()
        return lambda points: np.asarray(jacobian(points)).reshape(
            (*np.shape(points)[:-1], n_out, n_in)
        )
    if order == 2 and n_out == 1:
        return net.hessian()
    raise NotImplementedError(
        f"derivatives of order {order} of {n_out} output(s) on {n_in} inputs are not "
        "available from the network here; use pydelt_like.multivariate.MultivariateDerivatives "
        "(gridded data) or fit one output at a time"
    )
