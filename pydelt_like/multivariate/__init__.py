"""PyDelt's ``pydelt.multivariate``: gradients, Jacobians, Hessians and Laplacians.

:class:`MultivariateDerivatives` fits data on several inputs with any interpolator family: a
tensor product of 1-D fits on gridded data (mixed partials included), a neural network on
scattered data. :class:`NeuralNetworkMultivariateDerivatives` is PyDelt's network class, on
our network ensemble. Shapes follow PyDelt's documentation: a gradient is (n_points, n_inputs),
a Jacobian (n_points, n_outputs, n_inputs), a Hessian (n_points, n_inputs, n_inputs), a
Laplacian (n_points,); one point drops the leading axis.

The package keeps one job per module: ``_grid`` (grid detection and the tensor product),
``_points`` (query points and result shapes), ``_derivatives`` (:class:`MultivariateDerivatives`)
and ``_neural`` (:class:`NeuralNetworkMultivariateDerivatives`).
"""

import importlib.util

from pydelt_like.multivariate._derivatives import (
    SCATTERED_LBFGS_ITERATIONS,
    MultivariateDerivatives,
)
from pydelt_like.multivariate._grid import Grid, TensorProduct, as_grid
from pydelt_like.multivariate._neural import NeuralNetworkMultivariateDerivatives

#: Whether PyTorch can be imported (checked without importing it); PyDelt's flag.
PYTORCH_AVAILABLE = importlib.util.find_spec("torch") is not None
#: Whether TensorFlow is installed; PyDelt's flag (pydelt_like never trains with it).
TENSORFLOW_AVAILABLE = importlib.util.find_spec("tensorflow") is not None

__all__ = [
    "PYTORCH_AVAILABLE",
    "SCATTERED_LBFGS_ITERATIONS",
    "TENSORFLOW_AVAILABLE",
    "Grid",
    "MultivariateDerivatives",
    "NeuralNetworkMultivariateDerivatives",
    "TensorProduct",
    "as_grid",
]
