"""Neural-network interpolation with exact derivatives of any order by autograd.

A small ensemble of multilayer perceptrons with smooth activations is trained on
standardised data: full-batch Adam with a cosine learning-rate schedule, then L-BFGS
refinement. A noise-aware stopping rule (the discrepancy principle) stops the
refinement once the training error reaches the noise level estimated from the data's
local differences, so clean data are fitted to high accuracy and noisy data are not
chased. The members are trained together, as stacked weight tensors, in one batched
loop; their mean is the fit. Derivatives of any order come from ``torch.autograd``
through the network, with the standardisation undone exactly by the chain rule.

The package keeps one job per module, the way scikit-learn splits ``neural_network``:
``_estimator`` (:class:`NeuralNetworkInterpolator`), ``_partial`` (:class:`PartialDerivative`),
``_devices`` (:func:`resolve_device`), ``_ensemble`` (architecture, stacked weights, forward
pass, units), ``_training`` (the optimisation loop), ``_derivatives`` (one nested-autograd
helper for every order and partial) and ``_io`` (save/load, driven by one list of learned
attributes).
"""

from pydelt_like.neural._derivatives import MAX_ORDER
from pydelt_like.neural._devices import resolve_device
from pydelt_like.neural._ensemble import (
    MAX_DEPTH,
    MAX_MEMBERS,
    MAX_WEIGHTS,
    MAX_WIDTH,
    NetworkArchitecture,
)
from pydelt_like.neural._estimator import MAX_SEED, NeuralNetworkInterpolator
from pydelt_like.neural._partial import PartialDerivative
from pydelt_like.neural._training import MAX_EPOCHS, MAX_LBFGS_ITERATIONS

__all__ = [
    "MAX_DEPTH",
    "MAX_EPOCHS",
    "MAX_LBFGS_ITERATIONS",
    "MAX_MEMBERS",
    "MAX_ORDER",
    "MAX_SEED",
    "MAX_WEIGHTS",
    "MAX_WIDTH",
    "NetworkArchitecture",
    "NeuralNetworkInterpolator",
    "PartialDerivative",
    "resolve_device",
]
