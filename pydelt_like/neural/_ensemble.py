"""The ensemble: its architecture, its stacked weights, its forward pass, its units.

Every network of the ensemble has the same layer sizes, so their weights are stacked into one
tensor per layer, ``W`` of shape ``(n_networks, fan_out, fan_in)``, and all of them run in one
batched matrix product. The networks work in standardised units (inputs and outputs centred
and scaled inside); the helpers at the end of this module convert without overflow.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pydelt_like._validation import check_int
from pydelt_like.neural._devices import torch_module

__all__ = [
    "MAX_DEPTH",
    "MAX_MEMBERS",
    "MAX_WEIGHTS",
    "MAX_WIDTH",
    "PIECEWISE_LINEAR",
    "SMOOTH",
    "EnsembleLayout",
    "NetworkArchitecture",
    "check_hidden_layers",
    "fit_trend",
    "initial_parameters",
    "members",
    "moments",
    "root_mean_square",
    "standardise",
    "trend_features",
    "trend_terms",
    "with_trend",
]

SMOOTH = ("tanh", "sigmoid", "softplus", "gelu", "silu", "sin")
PIECEWISE_LINEAR = ("relu", "leaky_relu")

# Limits on the size of an ensemble, so that no request exhausts memory.
MAX_MEMBERS = 1_000  # a band's t quantile has settled long before (1.96 vs 1.96 at 1,000)
MAX_WIDTH = 10_000  # per hidden layer; far wider than a curve or surface needs
MAX_DEPTH = 100  # hidden layers
MAX_WEIGHTS = 10_000_000  # all networks together: L-BFGS keeps ~100 copies, 8 GB in float64
# The trend fitted by least squares before the networks (several inputs, see trend_terms).
_TREND_SAMPLES_PER_TERM = 10  # fewer samples per coefficient and the trend's own noise shows
_TREND_QUADRATIC_INPUTS = 16  # a quadratic trend up to 16 inputs (153 terms), linear beyond
# The trend is kept where it leaves at most this share of the data's variance: a nearly
# polynomial function (x*y + x^2 leaves the noise, exp(x + y/2) 2.5 %) is fitted better with it
# (1.1-2.5x); where it leaves more (21-64 % on x^2*y + sin y, a 3-D bump, 2-D and 4-D waves,
# Franke's function) the networks fitted the whole function as well or better (up to 1.7x on
# the clean Laplacian of x^2*y + sin y), Franke's function excepted (issue 15).
_TREND_MAX_LEFT = 0.1


def activation_function(name: str) -> Callable[[Any], Any]:
    """The torch function of an activation named in :data:`SMOOTH` or :data:`PIECEWISE_LINEAR`."""
    torch = torch_module()
    functions = {
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "softplus": torch.nn.functional.softplus,
        "gelu": torch.nn.functional.gelu,
        "silu": torch.nn.functional.silu,
        "sin": torch.sin,
        "relu": torch.relu,
        "leaky_relu": torch.nn.functional.leaky_relu,
    }
    return functions[name]


@dataclass(frozen=True)
class NetworkArchitecture:
    """The shape of a fitted ensemble: what its weights mean.

    Snapshotted by ``fit`` (and ``load``), so that changing these hyperparameters with
    ``set_params`` affects the next fit only, never the evaluation of the current one.
    """

    hidden_layers: tuple[int, ...]
    activation: str
    n_members: int
    independent_outputs: bool


def check_hidden_layers(layers: Any) -> tuple[int, ...]:
    """``hidden_layers`` as a tuple of widths; TypeError for a wrong type, ValueError for a bad
    width or too many layers."""
    is_sequence = isinstance(layers, (Sequence, np.ndarray)) and not isinstance(
        layers, (str, bytes)
    )
    if not is_sequence or (isinstance(layers, np.ndarray) and layers.ndim != 1):
        hint = f"; for one layer write ({layers!r},)" if isinstance(layers, int) else ""
        raise TypeError(
            "hidden_layers must be a sequence of layer widths such as (32, 32), or () for a "
            f"linear model; got {layers!r} ({type(layers).__name__}){hint}"
        )
    if len(layers) > MAX_DEPTH:
        raise ValueError(f"hidden_layers may have at most {MAX_DEPTH} layers, got {len(layers)}")
    for i, width in enumerate(layers):
        check_int(width, name=f"hidden_layers[{i}]", low=1, high=MAX_WIDTH)
    return tuple(int(width) for width in layers)


@dataclass(frozen=True)
class EnsembleLayout:
    """An architecture applied to data with ``n_features`` inputs and ``n_outputs`` outputs."""

    architecture: NetworkArchitecture
    n_features: int
    n_outputs: int

    @property
    def independent(self) -> bool:
        """Whether every output column has networks of its own (``K * m`` stacked networks)."""
        return self.architecture.independent_outputs and self.n_outputs > 1

    @property
    def n_networks(self) -> int:
        """Networks stacked: ``n_members``, or ``n_members * n_outputs`` when independent."""
        members = self.architecture.n_members
        return members * self.n_outputs if self.independent else members

    @property
    def layer_sizes(self) -> list[int]:
        """Inputs, hidden widths and outputs of each stacked network."""
        outputs = 1 if self.independent else self.n_outputs
        return [self.n_features, *self.architecture.hidden_layers, outputs]

    @property
    def parameter_shapes(self) -> list[tuple[int, ...]]:
        """Shapes of [W1, b1, W2, b2, ...] for all networks stacked."""
        shapes: list[tuple[int, ...]] = []
        for fan_in, fan_out in itertools.pairwise(self.layer_sizes):
            shapes += [(self.n_networks, fan_out, fan_in), (self.n_networks, fan_out)]
        return shapes

    def check_size(self) -> None:
        """Refuse an ensemble with more than MAX_WEIGHTS weights before allocating it."""
        sizes = self.layer_sizes
        total = self.n_networks * sum((a + 1) * b for a, b in itertools.pairwise(sizes))
        if total > MAX_WEIGHTS:
            raise ValueError(
                f"this ensemble would have {total:,} weights ({self.n_networks} networks of "
                f"layer sizes {sizes}); the limit is {MAX_WEIGHTS:,} (L-BFGS keeps about 100 "
                "copies): use fewer or narrower hidden_layers, fewer n_members, or fewer input "
                "columns"
            )


def initial_parameters(
    layout: EnsembleLayout, generator: Any, device: Any, dtype: Any
) -> list[Any]:
    """Stacked weights of all networks: [W1, b1, W2, b2, ...], W of shape (N, out, in).

    Glorot-uniform weights (He's gain for ReLU), drawn in float64 on the CPU from ``generator``
    so that a seed gives the same start on every device, and zero biases.
    """
    torch = torch_module()
    n_networks = layout.n_networks
    gain = 1.0 if layout.architecture.activation != "relu" else math.sqrt(2.0)
    params = []
    for fan_in, fan_out in itertools.pairwise(layout.layer_sizes):
        bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
        weight = (
            torch.rand(n_networks, fan_out, fan_in, generator=generator, dtype=torch.float64) * 2
            - 1
        ) * bound
        bias = torch.zeros(n_networks, fan_out, dtype=torch.float64)
        params += [weight, bias]
    return [p.to(device=device, dtype=dtype).requires_grad_(True) for p in params]


def members(layout: EnsembleLayout, params: Sequence[Any], xs: Any) -> Any:
    """Outputs of every member, shape (K, n, m), for standardised inputs (n, d) or, one copy per
    stacked network, (N, n, d)."""
    torch = torch_module()
    act = activation_function(layout.architecture.activation)
    n_members = layout.architecture.n_members
    hidden = torch.matmul(xs, params[0].transpose(1, 2)) + params[1][:, None, :]
    for layer in range(2, len(params), 2):
        hidden = torch.baddbmm(
            params[layer + 1][:, None, :], act(hidden), params[layer].transpose(1, 2)
        )
    if hidden.shape[0] != n_members:  # independent networks: (K*m, n, 1) -> (K, n, m)
        return hidden.reshape(n_members, -1, hidden.shape[1]).transpose(1, 2)
    return hidden


def trend_terms(n_features: int, n_samples: int) -> int:
    """Terms of the polynomial trend fitted before the networks: 0 (none) for one input.

    With several inputs the networks fit what a least-squares quadratic (1 + d + d(d+1)/2
    terms, kept where it nearly explains the data, see ``fit_trend``; linear, 1 + d, above ``_TREND_QUADRATIC_INPUTS`` inputs or where samples are too
    few for the quadratic) leaves, in the units of the data, not rescaled. A tanh or sine
    network reproduces a low-degree polynomial only approximately, and at the noise level it
    spends its freedom on the noise: on 400 noisy samples of x*y + x^2 its derivatives were
    1.4-2.5 times less accurate than a Gaussian process's, with the trend 0.4-0.8 times
    (issue 15). One dimension keeps no trend (the noise there is judged on the data itself).
    """
    if n_features < 2:
        return 0
    linear = 1 + n_features
    quadratic = linear + n_features * (n_features + 1) // 2
    if n_features <= _TREND_QUADRATIC_INPUTS and n_samples >= _TREND_SAMPLES_PER_TERM * quadratic:
        return quadratic
    return linear if n_samples >= _TREND_SAMPLES_PER_TERM * linear else 0


def trend_features(xs: Any, terms: int) -> Any:
    """The trend's terms at standardised points, (..., p, d) -> (..., p, terms), in torch:
    1, the coordinates and (for a quadratic trend) their products x_i x_j, i <= j."""
    torch = torch_module()
    d = xs.shape[-1]
    columns = [torch.ones_like(xs[..., 0]), *(xs[..., i] for i in range(d))]
    if terms > 1 + d:
        columns += [xs[..., i] * xs[..., j] for i in range(d) for j in range(i, d)]
    return torch.stack(columns, dim=-1)


def fit_trend(
    xs: np.ndarray, ys: np.ndarray, w: np.ndarray, hidden: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The weighted least-squares polynomial trend of standardised samples (see
    :func:`trend_terms`; none without ``hidden`` layers, a linear model being the least-squares
    plane itself): its coefficients (T, m), and ``ys`` less the trend, which the networks fit."""
    terms = trend_terms(xs.shape[1], int((w > 0).sum())) if hidden else 0
    if terms == 0:
        return np.zeros((0, ys.shape[1])), ys
    torch = torch_module()
    design = trend_features(torch.as_tensor(xs), terms).numpy()
    root = np.sqrt(w)[:, None]
    coefficients = np.linalg.lstsq(design * root, ys * root, rcond=None)[0]
    # Kept for the columns (of unit spread) it nearly explains; see _TREND_MAX_LEFT.
    left = np.average((ys - design @ coefficients) ** 2, axis=0, weights=w)
    coefficients = np.where(left <= _TREND_MAX_LEFT, coefficients, 0.0)
    if not coefficients.any():
        return np.zeros((0, ys.shape[1])), ys
    return coefficients, ys - design @ coefficients


def with_trend(out: Any, xs: Any, trend: Any) -> Any:
    """Every member's outputs ``out`` (K, p, m) plus the trend (coefficients (T, m), a tensor)
    at the points ``xs`` the members were evaluated at: (p, d), or one copy per stacked
    network (N, p, d), each network's column from its own copy (so that autograd finds every
    member's own derivative)."""
    if trend is None or trend.shape[0] == 0:
        return out
    torch = torch_module()
    values = trend_features(xs, trend.shape[0]) @ trend  # (p, m) or (N, p, m)
    if values.ndim == 3 and values.shape[0] != out.shape[0]:
        # Independent networks: network k * m + j computes column j of member k.
        k, p, m = out.shape
        values = torch.diagonal(values.reshape(k, m, p, m), dim1=1, dim2=3)
    return out + values


# ------------------------------------------------------------------------------ units
def moments(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean and standard deviation of each column, for any finite float64 values.

    Worked out on the values scaled by the power of two that brings the largest into [0.5, 1).
    Scaling by a power of two is exact, so the results are bit-identical to the plain formulas
    wherever those neither overflow nor underflow (values near 1e300 or 1e-300), and right there.
    """
    exponent = np.frexp(np.max(np.abs(values), axis=0))[1]
    scaled = np.ldexp(values, -exponent)
    mean = np.average(scaled, axis=0, weights=weights)
    spread = np.sqrt(np.average((scaled - mean) ** 2, axis=0, weights=weights))
    return np.ldexp(mean, exponent), np.ldexp(spread, exponent)


def root_mean_square(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted root mean square of each column, free of overflow like :func:`moments`."""
    exponent = np.frexp(np.max(np.abs(values), axis=0))[1]
    scaled = np.ldexp(values, -exponent)
    return np.ldexp(np.sqrt(np.average(scaled**2, axis=0, weights=weights)), exponent)


def standardise(values: np.ndarray, centre: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``(values - centre) / scale`` (scale > 0), free of overflow like :func:`moments`."""
    mantissa, exponent = np.frexp(scale)
    # Only points evaluated far outside the data can overflow; the caller reports them.
    with np.errstate(over="ignore", invalid="ignore"):
        return (np.ldexp(values, -exponent) - np.ldexp(centre, -exponent)) / mantissa
