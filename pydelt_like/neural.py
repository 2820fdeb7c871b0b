"""Neural-network interpolation with exact derivatives of any order by autograd.

A small ensemble of multilayer perceptrons with smooth activations is trained on
standardised data: full-batch Adam with a cosine learning-rate schedule, then L-BFGS
refinement. A noise-aware stopping rule (the discrepancy principle) stops the
refinement once the training error reaches the noise level estimated from the data's
local differences, so clean data are fitted to high accuracy and noisy data are not
chased. The members are trained together, as stacked weight tensors, in one batched
loop; their mean is the fit. Derivatives of any order come from ``torch.autograd``
through the network, with the standardisation undone exactly by the chain rule.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pydelt_like._neural_io import damaged_file, read_network, write_network
from pydelt_like._progress import progress_bar
from pydelt_like._stats import difference_noise_variance
from pydelt_like._validation import (
    EvalPoints,
    FitData,
    as_float_array,
    check_eval_points,
    check_extrapolate,
    check_int,
    check_option,
    check_order,
    check_real,
    check_xy,
    shape_output,
)
from pydelt_like.base import BaseInterpolator, Derivative, _check_flag, _normal_quantile

__all__ = ["NeuralNetworkInterpolator", "resolve_device"]

_SMOOTH = ("tanh", "sigmoid", "softplus", "gelu", "silu", "sin")
_PIECEWISE_LINEAR = ("relu", "leaky_relu")
_OPTIMIZERS = ("adam+lbfgs", "adam", "lbfgs")
_EARLY_STOPPING = ("noise", "validation", "none")
_EVAL_CHUNK = 65_536
_LBFGS_STEP = 5  # L-BFGS iterations between checks of the stopping rule

# Limits on the size-like arguments, so that no request runs for ever or exhausts memory.
# Nested autograd costs about 3-4x more per order: order 6 takes ~1 s per 1,000 points with the
# default network on one CPU core, order 8 ~7 s (measured); and a network's derivatives lose
# accuracy well before order 6.
MAX_ORDER = 6
MAX_EPOCHS = 1_000_000  # 1,000x the default: ~20 min for the default network on 100 points
MAX_LBFGS_ITERATIONS = 1_000_000  # 2,000x the default
MAX_MEMBERS = 1_000  # a band's t quantile has settled long before (1.96 vs 1.96 at 1,000)
MAX_WIDTH = 10_000  # per hidden layer; far wider than a curve or surface needs
MAX_DEPTH = 100  # hidden layers
MAX_WEIGHTS = 10_000_000  # all networks together: L-BFGS keeps ~100 copies, 8 GB in float64
MAX_SEED = 2**64 - 1  # the largest seed torch.Generator takes

# A fit projected to take longer than this warns, unless progress=True shows a bar with its ETA;
# the projection starts once training has run for _PROJECT_AFTER_S.
_SLOW_FIT_S = 60.0
_PROJECT_AFTER_S = 2.0
_clock = time.perf_counter  # a module attribute, so that tests can stand in a fake clock


def _torch() -> Any:
    import torch

    return torch


def resolve_device(device: Any) -> Any:
    """The ``torch.device`` that ``device`` names.

    Parameters
    ----------
    device : 'auto', str or torch.device
        ``'auto'`` is CUDA when ``torch.cuda.is_available()``, else the CPU; ``'cpu'``,
        ``'cuda'``, ``'cuda:1'`` and ``torch.device`` objects are taken as given.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        For an unknown device string, or CUDA asked for where it is not available.
    """
    torch = _torch()
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device, got {device!r}"
        ) from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} asks for CUDA, which is not available here")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r}: only {torch.cuda.device_count()} CUDA device(s) here"
            )
    elif resolved.type != "cpu":
        raise ValueError(f"device must be a CPU or CUDA device, got {device!r}")
    return resolved


def _device_available(name: str) -> bool:
    try:
        resolve_device(name)
    except ValueError:
        return False
    return True


def _activation(name: str) -> Callable[[Any], Any]:
    torch = _torch()
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


def _moments(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _root_mean_square(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted root mean square of each column, free of overflow like :func:`_moments`."""
    exponent = np.frexp(np.max(np.abs(values), axis=0))[1]
    scaled = np.ldexp(values, -exponent)
    return np.ldexp(np.sqrt(np.average(scaled**2, axis=0, weights=weights)), exponent)


def _standardise(values: np.ndarray, centre: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``(values - centre) / scale`` (scale > 0), free of overflow like :func:`_moments`."""
    mantissa, exponent = np.frexp(scale)
    # Only points evaluated far outside the data can overflow; the caller reports them.
    with np.errstate(over="ignore", invalid="ignore"):
        return (np.ldexp(values, -exponent) - np.ldexp(centre, -exponent)) / mantissa


class _Stopwatch:
    """Warns once when training is projected to run longer than _SLOW_FIT_S.

    Called after each optimiser step with the work done so far (in Adam epochs). The rate is
    measured from the first call on (the first step carries one-off start-up costs), and from
    _PROJECT_AFTER_S after it the total is projected. Quiet when a progress bar already shows
    the estimate. A fit within every limit may still take hours (a million epochs of a wide
    ensemble): this keeps it from doing so silently.
    """

    def __init__(self, total: float, *, quiet: bool) -> None:
        self.total = total
        self.done = quiet
        self.first: tuple[float, float] | None = None  # (time, work) at the first call

    def __call__(self, work: float) -> None:
        if self.done:
            return
        now = _clock()
        if self.first is None:
            self.first = (now, work)
            return
        elapsed, progress = now - self.first[0], work - self.first[1]
        if elapsed < _PROJECT_AFTER_S or progress <= 0:
            return
        projected = elapsed / progress * (self.total - work)
        if projected > _SLOW_FIT_S:
            self.done = True
            _warn_user(
                f"this fit will take roughly {projected / 60:.0f} more minutes at its rate so "
                "far (less if the stopping rule ends it early); pass progress=True to watch "
                "it, or lower epochs, lbfgs_iterations, n_members or hidden_layers"
            )


def _warn_user(message: str) -> None:
    """A UserWarning pointing at the first caller outside this package."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame: Any = sys._getframe(0)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


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


def _check_hidden_layers(layers: Any) -> tuple[int, ...]:
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


class PartialDerivative(Derivative):
    """A partial derivative of a fitted network, as a callable.

    Parameters
    ----------
    interpolator : NeuralNetworkInterpolator
        The fitted network.
    order : int
        How many times to differentiate.
    wrt : int
        The input coordinate (0-based) to differentiate with respect to.
    """

    def __init__(self, interpolator: NeuralNetworkInterpolator, order: int, wrt: int) -> None:
        super().__init__(interpolator, order)
        self.wrt = wrt
        self._net = interpolator  # the same object, typed as a network

    def __call__(self, x: Any, return_std: bool = False) -> Any:
        """Evaluate the partial derivative; inputs as for ``predict``.

        With ``return_std=True``, returns ``(values, std)``: the spread across the ensemble.
        """
        net = self._net
        # Checked here too: a PartialDerivative built by hand must obey the same limits.
        order = net._check_order(self.order)
        check_int(self.wrt, name="wrt", low=0, high=net.n_features_ - 1)
        wrt = int(self.wrt)
        values = net._evaluate_rows(x, lambda rows: net._partial(rows, order, wrt), ())
        if not _check_flag(return_std, "return_std"):
            return values
        std = net._evaluate_rows(x, lambda rows: net._partial_spread(rows, order, wrt), ())
        return values, std

    predict = __call__

    def interval(self, x: Any, level: float = 0.95) -> tuple[Any, Any]:
        """A pointwise band ``(lower, upper)``: values -/+ t * std (see ``interval``)."""
        z = self._net._band_quantile(level)
        values, std = self(x, return_std=True)
        return values - z * std, values + z * std

    def differentiate(self, order: int = 1) -> PartialDerivative:
        """Differentiate further with respect to the same coordinate (up to ``MAX_ORDER``)."""
        step = check_order(order, max_order=None, method_name="differentiate")
        net = self._net
        return PartialDerivative(net, net._check_order(self.order + step), self.wrt)

    def __repr__(self) -> str:
        return f"PartialDerivative({self.interpolator!r}, order={self.order}, wrt={self.wrt})"


class NeuralNetworkInterpolator(BaseInterpolator):
    """Neural-network interpolator whose derivatives come from autograd.

    Inputs and outputs are standardised inside (by their weighted mean and spread, worked out
    so that neither overflows), so any finite float64 data fit alike: ``x`` with a large
    offset or a span of 1e-300 or 1e300, ``y`` of size 1e300 or 1e-300. An exactly constant
    column of ``y`` is reproduced exactly, with zero derivatives. A derivative whose true
    value lies beyond the float64 range (it scales like ``y / x**order``) raises a
    ``ValueError`` saying what to rescale, never an inf or NaN; so does training that diverges
    (a learning rate far too large).

    Parameters
    ----------
    hidden_layers : sequence of int, default=(32, 32)
        Width of each hidden layer: at most ``MAX_DEPTH`` (100) layers of at most
        ``MAX_WIDTH`` (10,000) units, and at most ``MAX_WEIGHTS`` (10 million) weights for
        all networks of the ensemble together. ``()`` is a linear (affine) model: a weighted
        least-squares line or plane, whose second and higher derivatives are zero.
    activation : {'tanh', 'sigmoid', 'softplus', 'gelu', 'silu', 'sin', 'relu', \
'leaky_relu'}, default='tanh'
        Smooth activations give derivatives of every order; the piecewise-linear
        ``'relu'`` and ``'leaky_relu'`` give first derivatives only (their second
        derivative is zero almost everywhere), and asking for more is an error. Smooth
        activations give derivatives up to order ``MAX_ORDER`` (6): nested autograd costs
        about 3-4 times more per order (order 6 takes about a second per 1,000 points with
        the default network on one CPU core, order 8 several), and a network's derivatives
        lose accuracy well before.
    epochs : int, default=1000
        Full-batch Adam steps (passes over the data with ``batch_size``), at most
        ``MAX_EPOCHS`` (1,000,000). A fit projected to take more than a minute warns, saying
        how long, unless ``progress=True`` shows a bar with its own estimate.
    learning_rate : float, default=0.01
        Adam's initial learning rate (it decays to zero on a cosine schedule); finite and
        > 0. One so large that training diverges (the weights become NaN or infinite) raises
        a ``ValueError``.
    optimizer : {'adam+lbfgs', 'adam', 'lbfgs'}, default='adam+lbfgs'
        Adam, then L-BFGS refinement (the default); or either alone.
    lbfgs_iterations : int, default=500
        Most L-BFGS iterations, at most ``MAX_LBFGS_ITERATIONS`` (1,000,000).
    batch_size : int or None, default=None
        Mini-batch size for Adam; ``None`` (or any size of at least the number of samples)
        uses all samples at each step.
    weight_decay : float, default=0.0
        L2 penalty on the weights (in standardised units), for Adam and L-BFGS; finite and
        ``>= 0``.
    n_members : int, default=4
        Networks trained together from different initialisations, at most ``MAX_MEMBERS``
        (1,000); the fit is their mean, which averages out much of one network's quirks on
        noisy data. Their spread is the uncertainty that ``return_std=True`` reports.
    bootstrap : bool, default=False
        Train each member on its own Bayesian-bootstrap reweighting of the samples (weights
        times independent standard exponential draws), so that the members' spread also
        reflects the noise in the data, not only the random starts: the better choice when
        the uncertainty band matters (see the documentation of uncertainty bands).
    independent_outputs : bool, default=False
        For ``y`` with several outputs (columns): ``False`` fits one network (per member)
        with an output for each column, sharing its hidden layers; ``True`` gives every
        column networks of its own, so a column's fit does not depend on the others. All
        ``n_members * n_outputs`` networks are still trained together, as stacked weight
        tensors in one batched loop (on CUDA when available), with one shared stopping rule.
    early_stopping : {'noise', 'validation', 'none'}, default='noise'
        ``'noise'``: stop the L-BFGS refinement once the training error reaches the noise
        level estimated from the data's local differences (the discrepancy principle);
        clean data are then fitted to high accuracy. ``'validation'``: hold out
        ``validation_fraction`` of the samples and keep the weights that did best on them.
        ``'none'``: use the whole budget.
    validation_fraction : float, default=0.2
        Share of samples held out with ``early_stopping='validation'``, strictly between 0
        and 1.
    random_state : int or None, default=None
        Seed of a local ``torch.Generator`` for the initial weights (and mini-batches), from
        0 to ``2**64 - 1``; a seeded fit on the CPU is bit-reproducible. The global RNGs are
        not touched.
    device : 'auto', str or torch.device, default='auto'
        Where to train and evaluate: CUDA when available, else the CPU.
    dtype : {'float64', 'float32'} or None, default=None
        ``None`` is float64 on the CPU (accurate derivatives) and float32 on CUDA.
    progress : bool, default=False
        Show a tqdm progress bar with the loss (needs ``pip install pydelt-like[progress]``).
    nan_policy : {'raise', 'omit'}, default='raise'
        What to do with NaN or infinite samples.
    extrapolate : {'raise', 'nan', 'extrapolate'}, default='raise'
        Evaluation outside the range of the training inputs (per coordinate).

    Attributes
    ----------
    n_features_ : int
        Number of input coordinates d (1 for 1-D ``x``).
    device_ : torch.device
        Where the network lives.
    loss_history_ : list of float
        Mean training loss (standardised units) after each Adam epoch and L-BFGS step.
    noise_std_ : float or ndarray
        Root-mean-square residual of the fit, per output (user units).
    n_iterations_ : int
        Optimiser steps taken.
    architecture_ : NetworkArchitecture
        ``hidden_layers``, ``activation``, ``n_members`` and ``independent_outputs`` as the
        fit used them: evaluation and :meth:`save` follow these, so ``set_params`` changes
        the next fit only.
    samples_ : tuple of ndarray
        ``(x, y)``: the sorted samples of a fit to 1-D ``x`` (what
        :func:`pydelt_like.plot.plot_derivatives` draws); not set for several inputs, nor by
        :meth:`load`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 2 * np.pi, 100)
    >>> net = NeuralNetworkInterpolator(hidden_layers=[32, 32], epochs=1000, random_state=0)
    >>> d1 = net.fit(x, np.sin(x)).differentiate(order=1)
    >>> round(d1(1.0), 2)  # cos(1) = 0.5403
    0.54
    """

    # The fitted range is a float for 1-D x and an array of per-coordinate bounds otherwise.
    x_min_: Any
    x_max_: Any

    def __init__(
        self,
        *,
        hidden_layers: Sequence[int] = (32, 32),
        activation: str = "tanh",
        epochs: int = 1000,
        learning_rate: float = 0.01,
        optimizer: str = "adam+lbfgs",
        lbfgs_iterations: int = 500,
        batch_size: int | None = None,
        weight_decay: float = 0.0,
        n_members: int = 4,
        bootstrap: bool = False,
        independent_outputs: bool = False,
        early_stopping: str = "noise",
        validation_fraction: float = 0.2,
        random_state: int | None = None,
        device: Any = "auto",
        dtype: str | None = None,
        progress: bool = False,
        nan_policy: str = "raise",
        extrapolate: str = "raise",
    ) -> None:
        self.hidden_layers = hidden_layers
        self.activation = activation
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.lbfgs_iterations = lbfgs_iterations
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.n_members = n_members
        self.bootstrap = bootstrap
        self.independent_outputs = independent_outputs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.device = device
        self.dtype = dtype
        self.progress = progress
        self.nan_policy = nan_policy
        self.extrapolate = extrapolate

    # ------------------------------------------------------------------ hyperparameters
    def _validate_params(self) -> None:
        _check_hidden_layers(self.hidden_layers)
        check_option(self.activation, name="activation", allowed=_SMOOTH + _PIECEWISE_LINEAR)
        check_option(self.optimizer, name="optimizer", allowed=_OPTIMIZERS)
        check_option(self.early_stopping, name="early_stopping", allowed=_EARLY_STOPPING)
        _check_flag(self.bootstrap, "bootstrap")
        _check_flag(self.independent_outputs, "independent_outputs")
        _check_flag(self.progress, "progress")
        budget = "a limit that keeps a fit from running for days"
        check_int(
            self.epochs, name="epochs", low=0, high=MAX_EPOCHS, hint=f"{budget} (default 1000)"
        )
        check_int(
            self.lbfgs_iterations,
            name="lbfgs_iterations",
            low=0,
            high=MAX_LBFGS_ITERATIONS,
            hint=f"{budget} (default 500)",
        )
        check_int(self.n_members, name="n_members", low=1, high=MAX_MEMBERS)
        check_int(self.batch_size, name="batch_size", low=1, allow_none=True)
        check_real(self.learning_rate, name="learning_rate", low=0, low_inclusive=False)
        check_real(self.weight_decay, name="weight_decay", low=0)
        check_real(
            self.validation_fraction,
            name="validation_fraction",
            low=0,
            high=1,
            low_inclusive=False,
            high_inclusive=False,
        )
        check_option(self.dtype, name="dtype", allowed=(None, "float32", "float64"))
        check_int(self.random_state, name="random_state", low=0, high=MAX_SEED, allow_none=True)

    def _min_points(self) -> int:
        return 2

    def _fitted_activation(self) -> str:
        fitted = vars(self).get("architecture_")
        return str(fitted.activation if fitted is not None else self.activation)

    def _max_order(self) -> int | None:
        return 1 if self._fitted_activation() in _PIECEWISE_LINEAR else MAX_ORDER

    def _order_hint(self) -> str:
        activation = self._fitted_activation()
        if activation in _PIECEWISE_LINEAR:
            return (
                f"activation={activation!r} is piecewise linear, so its second derivative "
                "is zero almost everywhere; use a smooth activation such as 'tanh' for higher "
                "orders"
            )
        return (
            "Each order costs nested autograd about 3-4 times more (order 6 takes about a "
            "second per 1,000 points with the default network), and a network's derivatives "
            "lose accuracy well before: for higher orders fit a SplineInterpolator or a "
            "symbolic model"
        )

    # ------------------------------------------------------------------ fitting
    def fit(self, x: Any, y: Any, weights: Any | None = None) -> NeuralNetworkInterpolator:
        """Train on samples ``(x, y)``.

        Parameters
        ----------
        x : array-like of shape (n_samples,) or (n_samples, n_features)
            Inputs; several columns make a multivariate fit.
        y : array-like of shape (n_samples,) or (n_samples, ...)
            Outputs; axes after the first are outputs fitted together.
        weights : array-like of shape (n_samples,), optional
            Non-negative sample weights.

        Returns
        -------
        self : NeuralNetworkInterpolator
        """
        array = as_float_array(x, name="x")
        if array.ndim > 2:
            raise ValueError(
                "x must have shape (n_samples,) or (n_samples, n_features), "
                f"got shape {array.shape}"
            )
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]  # one input column is the 1-D case (sorted, scalar range)
        if array.ndim != 2:
            super().fit(array, y, weights)
            return self
        self._validate_params()
        check_extrapolate(self.extrapolate)
        if array.shape[0] == 0 or array.shape[1] == 0:
            raise ValueError(f"x has shape {array.shape}; it needs samples and at least one column")
        rows_ok = np.isfinite(array).all(axis=1)
        if not rows_ok.all() and self.nan_policy == "raise":
            first = int(np.flatnonzero(~rows_ok)[0])
            raise ValueError(
                f"x has {int((~rows_ok).sum())} rows with NaN or inf, first at row {first}; "
                "pass nan_policy='omit' to drop those samples"
            )
        # y, weights, NaN in y and the sample count go through the shared checks, with the
        # row number standing in for x (already sorted and distinct, so nothing moves).
        positions = np.where(rows_ok, np.arange(array.shape[0], dtype=float), np.nan)
        data = check_xy(
            positions,
            y,
            weights=weights,
            nan_policy=self.nan_policy,
            min_points=self._min_points(),
            method_name=type(self).__name__,
        )
        rows = data.x.astype(np.intp)
        for name in self._learned_attributes():
            delattr(self, name)
        features = array[rows]
        # Per-coordinate ranges (the base class's scalar range is for 1-D x).
        self.x_min_ = features.min(axis=0)
        self.x_max_ = features.max(axis=0)
        self.n_samples_ = data.n_samples
        self.y_trailing_shape_ = data.y_trailing_shape
        self.n_outputs_ = data.n_outputs
        try:
            self._fit(
                FitData(features, data.y, data.weights, data.y_trailing_shape, data.n_dropped)
            )
        except BaseException:
            for name in self._learned_attributes():
                delattr(self, name)
            raise
        return self

    def _fit(self, data: FitData) -> None:
        torch = _torch()
        x = data.x.reshape(data.x.shape[0], -1)
        y, w = data.y, data.weights
        self.n_features_ = x.shape[1]
        self.architecture_ = NetworkArchitecture(
            hidden_layers=_check_hidden_layers(self.hidden_layers),
            activation=str(self.activation),
            n_members=int(self.n_members),
            independent_outputs=bool(self.independent_outputs),
        )
        self._check_size()
        self.device_ = resolve_device(self.device)
        default = "float32" if self.device_.type == "cuda" else "float64"
        dtype = getattr(torch, self.dtype or default)
        self.dtype_ = str(dtype).replace("torch.", "")

        # Only ratios of weights matter: the largest is brought into [0.5, 1) by a power of two,
        # which is exact, so huge or tiny weights neither overflow nor change the fit.
        w = np.ldexp(w, -np.frexp(w.max())[1])
        self.x_mean_, spread = _moments(x, w)
        self.x_scale_ = np.where(spread > 0, spread, 1.0)
        self.y_mean_, spread = _moments(y, w)
        # A column whose weighted samples are all equal is that constant, exactly: a zero output
        # scale makes the fit read y_mean_ and every derivative zero, with no rounding noise.
        kept = y[w > 0]
        constant = (kept == kept[0]).all(axis=0)
        self.y_mean_ = np.where(constant, kept[0], self.y_mean_)
        self.y_scale_ = np.where(constant, 0.0, spread)
        train_scale = np.where(self.y_scale_ > 0, self.y_scale_, 1.0)
        xs = _standardise(x, self.x_mean_, self.x_scale_)
        ys = _standardise(y, self.y_mean_, train_scale)

        seed = self.random_state
        if seed is None:
            seed = int(np.random.default_rng().integers(2**63 - 1))
        generator = torch.Generator(device="cpu").manual_seed(int(seed))
        self.params_ = self._initial_parameters(generator, dtype)

        def tensor(values: np.ndarray) -> Any:
            return torch.as_tensor(values, dtype=dtype, device=self.device_)

        order = np.arange(xs.shape[0])
        validation = None
        if self.early_stopping == "validation":
            order = torch.randperm(xs.shape[0], generator=generator).numpy()
            n_val = max(1, round(self.validation_fraction * xs.shape[0]))
            if xs.shape[0] - n_val < self._min_points():
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} leaves "
                    f"{xs.shape[0] - n_val} of {xs.shape[0]} samples to train on; lower it "
                    "or use early_stopping='noise'"
                )
            validation = (
                tensor(xs[order[:n_val]]),
                tensor(ys[order[:n_val]]),
                tensor(w[order[:n_val]]),
            )
            order = order[n_val:]
        train_w = tensor(w[order])
        if self.bootstrap:
            # (n, K): every member sees the samples with its own exponential weights.
            members = self.architecture_.n_members
            draws = torch.rand(order.size, members, generator=generator, dtype=torch.float64)
            train_w = train_w[:, None] * tensor(-np.log1p(-draws.numpy()))
        train = (tensor(xs[order]), tensor(ys[order]), train_w)
        self._mean_weight = float(np.mean(w[order]))
        # 1-D inputs arrive sorted (check_xy), as the difference estimator needs.
        noise = difference_noise_variance(xs[:, 0] if xs.shape[1] == 1 else xs, ys, w, neighbours=4)
        target = float(np.mean(noise)) if self.early_stopping == "noise" else -1.0
        self.loss_history_: list[float] = []
        self._train(train, validation, target, generator)

        with torch.no_grad():
            fitted = self._forward(tensor(xs)).cpu().numpy()
        if not np.isfinite(fitted).all():
            raise self._diverged("the fitted values")
        # The residuals in user units, scaled by a power of two (see _moments) on the way.
        mantissa, exponent = np.frexp(self.y_scale_)
        noise_std = np.ldexp(_root_mean_square((ys - fitted) * mantissa, w), exponent)
        self.noise_std_ = (
            noise_std[0].item()
            if data.y_trailing_shape == ()
            else noise_std.reshape(data.y_trailing_shape)
        )

    def _check_size(self) -> None:
        """Refuse an ensemble with more than MAX_WEIGHTS weights before allocating it."""
        n_networks = self._n_networks()[0]
        sizes = self._layer_sizes()
        total = n_networks * sum((a + 1) * b for a, b in itertools.pairwise(sizes))
        if total > MAX_WEIGHTS:
            raise ValueError(
                f"this ensemble would have {total:,} weights ({n_networks} networks of layer "
                f"sizes {sizes}); the limit is {MAX_WEIGHTS:,} (L-BFGS keeps about 100 copies): "
                "use fewer or narrower hidden_layers, fewer n_members, or fewer input columns"
            )

    def _diverged(self, what: str) -> ValueError:
        return ValueError(
            f"training diverged: {what} became NaN or infinite (learning_rate="
            f"{self.learning_rate!r}, weight_decay={self.weight_decay!r}); lower learning_rate "
            "or weight_decay"
        )

    def _n_networks(self) -> tuple[int, int]:
        """(networks stacked, outputs of each): K * m single-output networks when independent."""
        fitted = self.architecture_
        if fitted.independent_outputs and self.n_outputs_ > 1:
            return fitted.n_members * self.n_outputs_, 1
        return fitted.n_members, self.n_outputs_

    def _layer_sizes(self) -> list[int]:
        """Inputs, hidden widths and outputs of each stacked network."""
        return [self.n_features_, *self.architecture_.hidden_layers, self._n_networks()[1]]

    def _parameter_shapes(self) -> list[tuple[int, ...]]:
        """Shapes of [W1, b1, W2, b2, ...] for all networks stacked."""
        n_networks = self._n_networks()[0]
        shapes: list[tuple[int, ...]] = []
        for fan_in, fan_out in itertools.pairwise(self._layer_sizes()):
            shapes += [(n_networks, fan_out, fan_in), (n_networks, fan_out)]
        return shapes

    def _initial_parameters(self, generator: Any, dtype: Any) -> list[Any]:
        """Stacked weights of all networks: [W1, b1, W2, b2, ...], W of shape (N, out, in)."""
        torch = _torch()
        n_networks = self._n_networks()[0]
        sizes = self._layer_sizes()
        gain = 1.0 if self.architecture_.activation != "relu" else math.sqrt(2.0)
        params = []
        for fan_in, fan_out in itertools.pairwise(sizes):
            bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
            weight = (
                torch.rand(n_networks, fan_out, fan_in, generator=generator, dtype=torch.float64)
                * 2
                - 1
            ) * bound
            bias = torch.zeros(n_networks, fan_out, dtype=torch.float64)
            params += [weight, bias]
        return [p.to(device=self.device_, dtype=dtype).requires_grad_(True) for p in params]

    def _members(self, xs: Any, params: list[Any] | None = None) -> Any:
        """Outputs of every member, shape (K, n, m), for standardised inputs (n, d)."""
        torch = _torch()
        params = self.params_ if params is None else params
        act = _activation(self.architecture_.activation)
        n_members = self.architecture_.n_members
        hidden = torch.matmul(xs, params[0].transpose(1, 2)) + params[1][:, None, :]
        for layer in range(2, len(params), 2):
            hidden = torch.baddbmm(
                params[layer + 1][:, None, :], act(hidden), params[layer].transpose(1, 2)
            )
        if hidden.shape[0] != n_members:  # independent networks: (K*m, n, 1) -> (K, n, m)
            return hidden.reshape(n_members, -1, hidden.shape[1]).transpose(1, 2)
        return hidden

    def _forward(self, xs: Any) -> Any:
        """The ensemble mean (n, m) in standardised units."""
        return self._members(xs).mean(dim=0)

    def _loss(self, data: tuple[Any, Any, Any]) -> tuple[Any, Any]:
        """(objective summed over members, mean per-member weighted MSE).

        Weights are normalised by the mean weight of the training data, not of the batch, so
        a mini-batch whose weights are all zero contributes zero rather than 0/0.
        """
        x, y, w = data
        err = ((self._members(x) - y[None]) ** 2).mean(dim=2)  # (K, n)
        # w is (n,), or (n, K) with a weight per member (bootstrap).
        member_w = w[None] if w.ndim == 1 else w.T
        mse = (err * member_w).sum(dim=1) / (self._mean_weight * w.shape[0])  # (K,)
        objective = mse.sum()
        if self.weight_decay:
            objective = objective + float(self.weight_decay) * sum(
                (p**2).sum() for p in self.params_[0::2]
            )
        return objective, mse.mean()

    def _train(self, train: Any, validation: Any, target: float, generator: Any) -> None:
        torch = _torch()
        params = self.params_
        adam_steps = self.epochs if "adam" in self.optimizer else 0
        lbfgs_steps = self.lbfgs_iterations if "lbfgs" in self.optimizer else 0
        lbfgs_rounds = max(1, lbfgs_steps // _LBFGS_STEP) if lbfgs_steps else 0
        bar = self._progress_bar(adam_steps + lbfgs_rounds)
        # An L-BFGS round costs about _LBFGS_STEP Adam epochs (an evaluation or two each).
        watch = _Stopwatch(adam_steps + _LBFGS_STEP * lbfgs_rounds, quiet=bar is not None)
        best_loss = [math.inf]
        best_params: list[Any] = []

        def track(loss: float) -> None:
            self.loss_history_.append(loss)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.3e}")
            if validation is not None:
                with torch.no_grad():
                    value = float(self._loss(validation)[1])
                if value < best_loss[0]:
                    best_loss[0] = value
                    best_params[:] = [p.detach().clone() for p in params]

        def check_weights(phase: str) -> None:
            if not all(bool(torch.isfinite(p).all()) for p in params):
                raise self._diverged(f"the weights ({phase})")

        try:
            n = train[0].shape[0]
            if adam_steps:
                adam = torch.optim.Adam(params, lr=float(self.learning_rate))
                schedule = torch.optim.lr_scheduler.CosineAnnealingLR(adam, adam_steps)
                size = n if self.batch_size is None else int(self.batch_size)
                for epoch in range(adam_steps):
                    batches = (
                        [slice(None)]
                        if size >= n
                        else torch.randperm(n, generator=generator).split(size)
                    )
                    for i, index in enumerate(batches):
                        index = index.to(self.device_) if not isinstance(index, slice) else index
                        adam.zero_grad()
                        objective, mse = self._loss(tuple(t[index] for t in train))
                        objective.backward()
                        adam.step()
                        watch(epoch + (i + 1) / len(batches))
                    schedule.step()
                    loss = float(mse.detach())
                    if not math.isfinite(loss):
                        raise self._diverged(f"the loss (Adam epoch {epoch + 1})")
                    track(loss)
                check_weights("after Adam")
            if lbfgs_steps and not (target >= 0 and self._loss(train)[1].item() <= target):
                lbfgs = torch.optim.LBFGS(
                    params,
                    lr=1.0,
                    max_iter=_LBFGS_STEP,
                    history_size=50,
                    tolerance_grad=1e-12,
                    tolerance_change=1e-16,
                    line_search_fn="strong_wolfe",
                )

                latest = [math.inf]  # the mean MSE at the last point the line search evaluated

                def closure() -> Any:
                    lbfgs.zero_grad()
                    objective, mse = self._loss(train)
                    objective.backward()
                    latest[0] = float(mse.detach())
                    return objective

                previous = math.inf
                for done in range(lbfgs_rounds):
                    lbfgs.step(closure)
                    check_weights(f"L-BFGS round {done + 1}")
                    mse = latest[0]
                    track(mse)
                    watch(adam_steps + _LBFGS_STEP * (done + 1))
                    if target >= 0 and mse <= target:
                        break
                    if math.isfinite(previous) and previous - mse <= 1e-14 * previous:
                        break  # converged: no progress over a whole step
                    previous = mse
        finally:
            if bar is not None:
                bar.close()
        if validation is not None and best_params:
            with torch.no_grad():
                for p, kept in zip(params, best_params, strict=True):
                    p.copy_(kept)
        self.n_iterations_ = len(self.loss_history_)
        for p in params:
            p.requires_grad_(False)

    def _progress_bar(self, total: int) -> Any:
        if not self.progress:
            return None
        return progress_bar(total=total, desc=type(self).__name__, unit="step")

    # ------------------------------------------------------------------ derivatives
    def _tensor(self, rows: np.ndarray) -> Any:
        torch = _torch()
        xs = _standardise(rows, self.x_mean_, self.x_scale_)
        return torch.as_tensor(xs, dtype=getattr(torch, self.dtype_), device=self.device_)

    def _chunks(self, rows: np.ndarray, order: int) -> Any:
        size = max(1024, _EVAL_CHUNK // (1 + order) // max(1, self.n_features_))
        for start in range(0, rows.shape[0], size):
            yield rows[start : start + size]

    def _x_power(self, wrt: int, order: int) -> tuple[float, int]:
        """``x_scale_[wrt] ** order`` as (mantissa, exponent), whatever its size."""
        with np.errstate(over="ignore", under="ignore"):
            power = self.x_scale_[wrt] ** order
        if np.isfinite(power) and power >= np.finfo(np.float64).tiny:
            mantissa, exponent = np.frexp(power)  # bit for bit the plain power
            return float(mantissa), int(exponent)
        mantissa, exponent = np.frexp(self.x_scale_[wrt])
        mantissa, extra = np.frexp(mantissa**order)
        return float(mantissa), int(extra + order * exponent)

    def _user_units(
        self, raw: np.ndarray, order: int, wrt: int, what: str, shift: bool = False
    ) -> np.ndarray:
        """Standardised derivatives (p, m) times y_scale_ / x_scale_[wrt]**order (+ y_mean_).

        The factor is applied as a mantissa and a power of two, so it neither overflows nor
        underflows on the way; the result equals the plain product wherever that is a normal
        float. A result beyond the float64 range is an error, never an inf.
        """
        y_mantissa, y_exponent = np.frexp(self.y_scale_)
        x_mantissa, x_exponent = self._x_power(wrt, order)
        with np.errstate(over="ignore", invalid="ignore"):
            values = np.ldexp(raw * (y_mantissa / x_mantissa), y_exponent - x_exponent)
            values = values + (self.y_mean_ if shift else 0.0)  # + 0.0 turns -0.0 into 0.0
        return self._check_finite(values, raw, what, order)

    def _check_finite(self, values: np.ndarray, raw: np.ndarray, what: str, order: int) -> Any:
        bad = ~np.isfinite(values)
        if not bad.any():
            return values
        count, total = int(bad.reshape(bad.shape[0], -1).any(axis=1).sum()), bad.shape[0]
        if not np.isfinite(raw).all():
            low, high = np.ravel(self.x_min_).tolist(), np.ravel(self.x_max_).tolist()
            fitted = f"{low[0]:g} to {high[0]:g}" if len(low) == 1 else f"{low} to {high}"
            raise ValueError(
                f"the network's {what} is not finite at {count} of {total} points: they lie so "
                f"far outside the fitted range (x from {fitted}) that the network overflows; "
                "evaluate nearer the data"
            )
        # log10 of the factor y_scale / x_scale**order, which may itself be beyond float64.
        y_scale = float(np.max(self.y_scale_))
        x_scale = float(np.min(self.x_scale_))
        magnitude = math.log10(y_scale) - order * math.log10(x_scale)
        raise ValueError(
            f"the {what} exceeds the float64 range (about 1.8e308) at {count} of {total} "
            f"points: with y spread over about {y_scale:.3g} and x over {x_scale:.3g}, it "
            f"scales like y/x^{order} = 1e{magnitude:.0f}; rescale y (divide it by a constant) "
            "or x (measure it in larger units) and fit again"
        )

    @staticmethod
    def _grad(output: Any, inputs: Any, create_graph: bool, retain_graph: bool = True) -> Any:
        """d sum(output) / d inputs; zero where ``output`` is a constant (a linear network's
        derivative, differentiated again)."""
        torch = _torch()
        if not output.requires_grad:
            return torch.zeros_like(inputs)
        return torch.autograd.grad(
            output.sum(), inputs, create_graph=create_graph, retain_graph=retain_graph
        )[0]

    def _partial(self, rows: np.ndarray, order: int, wrt: int) -> np.ndarray:
        """d^order f / d x_wrt^order at rows (p, d) -> (p, m), user units."""
        torch = _torch()
        out = []
        for chunk in self._chunks(rows, order):
            t = self._tensor(chunk).requires_grad_(order > 0)
            value = self._forward(t)
            columns = []
            for j in range(self.n_outputs_):
                g = value[:, j]
                for k in range(order):
                    g = self._grad(g, t, create_graph=k < order - 1)[:, wrt]
                columns.append(g.detach())
            out.append(torch.stack(columns, dim=1).cpu().numpy())
        what = "fit" if order == 0 else f"derivative of order {order}"
        return self._user_units(np.concatenate(out, axis=0), order, wrt, what, shift=order == 0)

    def _partial_spread(self, rows: np.ndarray, order: int, wrt: int) -> np.ndarray:
        """Standard deviation across the members of d^order f / d x_wrt^order, (p, m)."""
        torch = _torch()
        n_members = self.architecture_.n_members
        if n_members < 2:
            raise ValueError(
                "the uncertainty of a network is the spread of its ensemble; n_members=1 has "
                "none: fit with n_members >= 2 (the default is 4) for return_std"
            )
        out = []
        for chunk in self._chunks(rows, order):
            # One copy of the points per stacked network: network i's output depends on copy i
            # only, so the gradient of the sum holds every member's own derivative.
            t = self._tensor(chunk).expand(self._n_networks()[0], -1, -1).clone()
            t.requires_grad_(order > 0)
            value = self._members(t)  # (K, p, m)
            columns = []
            for j in range(self.n_outputs_):
                g = value[..., j]
                for k in range(order):
                    grad = self._grad(g, t, create_graph=k < order - 1)
                    if grad.shape[0] != n_members:  # independent networks, k * m + j
                        grad = grad.reshape(n_members, self.n_outputs_, *grad.shape[1:])
                        grad = grad[:, j]
                    g = grad[..., wrt]
                columns.append(g.detach())
            out.append(torch.stack(columns, dim=2).std(dim=0).cpu().numpy())
        what = "standard error of the " + ("fit" if order == 0 else f"derivative of order {order}")
        return self._user_units(np.concatenate(out, axis=0), order, wrt, what)

    def _jacobian(self, rows: np.ndarray) -> np.ndarray:
        """(p, m, d) first derivatives, user units."""
        torch = _torch()
        out = []
        for chunk in self._chunks(rows, 1):
            t = self._tensor(chunk).requires_grad_(True)
            value = self._forward(t)
            grads = [
                torch.autograd.grad(value[:, j].sum(), t, retain_graph=True)[0]
                for j in range(self.n_outputs_)
            ]
            out.append(torch.stack(grads, dim=1).cpu().numpy())
        jac = np.concatenate(out, axis=0)
        # y_scale_ / x_scale_ as mantissas and powers of two (see _user_units).
        y_mantissa, y_exponent = np.frexp(self.y_scale_)
        x_mantissa, x_exponent = np.frexp(self.x_scale_)
        with np.errstate(over="ignore", invalid="ignore"):
            values = np.ldexp(
                jac * y_mantissa[None, :, None] / x_mantissa[None, None, :],
                y_exponent[None, :, None] - x_exponent[None, None, :],
            )
        return self._check_finite(values, jac, "Jacobian", 1)

    def _hessian(self, rows: np.ndarray) -> np.ndarray:
        """(p, d, d) second derivatives of the single output, user units."""
        torch = _torch()
        d = self.n_features_
        out = []
        for chunk in self._chunks(rows, 2):
            t = self._tensor(chunk).requires_grad_(True)
            grad = torch.autograd.grad(self._forward(t)[:, 0].sum(), t, create_graph=True)[0]
            second = [
                self._grad(grad[:, i], t, create_graph=False, retain_graph=i < d - 1)
                for i in range(d)
            ]
            out.append(torch.stack(second, dim=1).detach().cpu().numpy())
        hess = np.concatenate(out, axis=0)
        y_mantissa, y_exponent = np.frexp(self.y_scale_[0])
        x_mantissa, x_exponent = np.frexp(self.x_scale_)
        with np.errstate(over="ignore", invalid="ignore"):
            values = np.ldexp(
                hess * y_mantissa / np.outer(x_mantissa, x_mantissa)[None],
                y_exponent - np.add.outer(x_exponent, x_exponent)[None],
            )
        return self._check_finite(values, hess, "Hessian", 2)

    def _evaluate(self, x: np.ndarray, order: int) -> np.ndarray:
        return self._partial(x.reshape(-1, 1), order, 0)

    def _evaluate_std(self, x: np.ndarray, order: int) -> np.ndarray:
        return self._partial_spread(x.reshape(-1, 1), order, 0)

    def _band_quantile(self, level: float) -> float:
        # The spread comes from n_members draws: Student's t with n_members - 1 degrees of
        # freedom, which for 4 members spans 3.18 rather than 1.96 standard deviations at 95 %.
        from scipy.stats import t as student

        _normal_quantile(level)  # the same checks of level
        members = self.architecture_.n_members
        return float(student.ppf(0.5 + 0.5 * float(level), df=max(members - 1, 1)))

    def _evaluate_rows(
        self, x: Any, compute: Callable[[np.ndarray], np.ndarray], per_point: tuple[int, ...]
    ) -> float | np.ndarray:
        """Evaluate ``compute`` at points of shape (..., d) with the range and NaN rules."""
        self._check_is_fitted()
        d = self.n_features_
        array = as_float_array(x, name="x")
        if d == 1:
            points = check_eval_points(
                array,
                x_min=float(np.ravel(self.x_min_)[0]),
                x_max=float(np.ravel(self.x_max_)[0]),
                extrapolate=self.extrapolate,
            )
            rows = points.x_flat.reshape(-1, 1)
        else:
            if array.ndim == 0 or array.shape[-1] != d:
                raise ValueError(
                    f"x must have shape (..., {d}) for a fit on {d} input columns, "
                    f"got shape {array.shape}"
                )
            rows = array.reshape(-1, d).copy()
            nan_mask = ~np.isfinite(rows).all(axis=1)
            outside = np.zeros(rows.shape[0], dtype=bool)
            for i in range(d):
                column = check_eval_points(
                    np.where(nan_mask, self.x_min_[i], rows[:, i]),
                    x_min=float(self.x_min_[i]),
                    x_max=float(self.x_max_[i]),
                    extrapolate=self.extrapolate,
                )
                outside |= column.outside
                rows[:, i] = column.x_flat
            points = EvalPoints(
                x_flat=rows[:, 0],
                shape=array.shape[:-1],
                is_scalar=array.ndim == 1,
                outside=outside,
                nan_mask=nan_mask,
            )
        masked = points.nan_mask | (points.outside if self.extrapolate == "nan" else False)
        safe = np.where(masked[:, None], np.asarray(self.x_min_).reshape(1, -1), rows)
        values = compute(safe) if safe.shape[0] else np.empty((0, *per_point))
        flat = values.reshape(values.shape[0], int(np.prod(per_point, dtype=np.intp)))
        return shape_output(flat, points, per_point, extrapolate=self.extrapolate)

    def _evaluate_public(self, x: Any, order: int, return_std: bool = False) -> Any:
        self._check_is_fitted()
        order = self._check_order(order)
        if self.n_features_ == 1:
            return super()._evaluate_public(x, order, return_std)
        if order != 0:
            raise ValueError(
                f"this network has {self.n_features_} inputs: use differentiate(order, wrt=i) "
                "for a partial derivative, or gradient(), jacobian(), hessian(), laplacian()"
            )
        shape = self.y_trailing_shape_
        values = self._evaluate_rows(x, lambda rows: self._partial(rows, 0, 0), shape)
        if not _check_flag(return_std, "return_std"):
            return values
        return values, self._evaluate_rows(x, lambda rows: self._partial_spread(rows, 0, 0), shape)

    def differentiate(self, order: int = 1, wrt: int | None = None) -> Derivative:
        """The derivative of the fit (a partial one for several inputs), as a callable.

        Parameters
        ----------
        order : int, default=1
            Derivative order; ``0`` is the fit itself. At most ``MAX_ORDER`` (6) for smooth
            activations, 1 for ``'relu'`` and ``'leaky_relu'``.
        wrt : int, optional
            The input coordinate to differentiate with respect to; needed when the network
            has several inputs.

        Returns
        -------
        Derivative
            A callable with the same input/output rules as :meth:`predict`. Evaluating it
            raises a ``ValueError`` where the derivative (or its standard error) in user units
            lies beyond the float64 range.

        Raises
        ------
        TypeError
            If ``order`` or ``wrt`` is not an integer.
        ValueError
            If ``order`` is negative or above the maximum, or ``wrt`` is missing for several
            inputs or out of range.
        """
        self._check_is_fitted()
        order = self._check_order(order)
        if self.n_features_ == 1 and (wrt is None or (type(wrt) is int and wrt == 0)):
            return Derivative(self, order)
        if wrt is None:
            raise ValueError(
                f"this network has {self.n_features_} inputs; pass wrt=0..{self.n_features_ - 1}"
            )
        check_int(wrt, name="wrt", low=0, high=self.n_features_ - 1)
        if self.n_outputs_ != 1:
            raise ValueError("partial derivatives need a single output; use jacobian()")
        return PartialDerivative(self, order, int(wrt))

    def _single_output(self, what: str) -> None:
        self._check_is_fitted()
        if self.n_outputs_ != 1:
            raise ValueError(f"{what}() needs a single output; use jacobian() for several")

    def gradient(self) -> Callable[[Any], Any]:
        """A callable giving the gradient, shape (..., d), of a single-output fit."""
        self._single_output("gradient")
        d = self.n_features_
        return lambda x: self._evaluate_rows(x, lambda r: self._jacobian(r)[:, 0, :], (d,))

    def jacobian(self) -> Callable[[Any], Any]:
        """A callable giving the Jacobian, shape (..., *y_trailing_shape_, d)."""
        self._check_is_fitted()
        shape = (*self.y_trailing_shape_, self.n_features_)
        return lambda x: self._evaluate_rows(x, self._jacobian, shape)

    def hessian(self) -> Callable[[Any], Any]:
        """A callable giving the Hessian, shape (..., d, d), of a single-output fit."""
        self._single_output("hessian")
        self._check_order(2)
        d = self.n_features_
        return lambda x: self._evaluate_rows(x, self._hessian, (d, d))

    def laplacian(self) -> Callable[[Any], Any]:
        """A callable giving the Laplacian (trace of the Hessian), shape (...)."""
        self._single_output("laplacian")
        self._check_order(2)

        def laplacian(rows: np.ndarray) -> np.ndarray:
            hessian = self._hessian(rows)
            with np.errstate(over="ignore", invalid="ignore"):
                trace = np.trace(hessian, axis1=1, axis2=2)[:, None]
            return self._check_finite(trace, hessian, "Laplacian", 2)

        return lambda x: self._evaluate_rows(x, laplacian, ())

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted network: weights plus a JSON of hyperparameters and scaling.

        Parameters
        ----------
        path : str or path-like
            The file to write (``torch.save`` format, loadable with ``weights_only=True``).

        Raises
        ------
        NotFittedError
            If the network is not fitted.
        TypeError
            If ``path`` is not a str or path-like object.
        ValueError
            If ``path`` is empty or holds a NUL character.
        OSError
            If the file cannot be written (a missing directory, no permission), naming it.
        """
        self._check_is_fitted()
        # The architecture the weights were fitted with, whatever set_params did since.
        fitted = vars(self.architecture_)
        params = {
            name: _json_value(fitted.get(name, value)) for name, value in self.get_params().items()
        }
        if not isinstance(params["device"], str):
            params["device"] = str(self.device_)
        meta = {
            "params": params,
            "device": str(self.device_),
            "dtype": self.dtype_,
            "n_features": self.n_features_,
            "n_outputs": self.n_outputs_,
            "n_samples": self.n_samples_,
            "y_trailing_shape": list(self.y_trailing_shape_),
            "x_min": np.ravel(self.x_min_).tolist(),
            "x_max": np.ravel(self.x_max_).tolist(),
            "x_mean": self.x_mean_.tolist(),
            "x_scale": self.x_scale_.tolist(),
            "y_mean": self.y_mean_.tolist(),
            "y_scale": self.y_scale_.tolist(),
            "noise_std": np.ravel(self.noise_std_).tolist(),
            "loss_history": self.loss_history_,
        }
        state = {f"p{i}": p.detach().cpu() for i, p in enumerate(self.params_)}
        write_network(path, meta, state)

    @classmethod
    def load(cls, path: str | os.PathLike[str], device: Any = None) -> NeuralNetworkInterpolator:
        """Load a network written by :meth:`save`.

        Every field of the file is checked before use: the hyperparameters as :meth:`fit`
        checks them, the sizes, ranges and scales for type, finiteness and consistency, and
        every weight tensor for its shape (from the hyperparameters), dtype and finiteness.

        Parameters
        ----------
        path : str or path-like
        device : 'auto', str or torch.device, optional
            Where to put it; default: the device it was saved from, if available.

        Returns
        -------
        NeuralNetworkInterpolator

        Raises
        ------
        TypeError
            If ``path`` is not a str or path-like object.
        OSError
            If the file cannot be read (``FileNotFoundError`` for a missing one).
        ValueError
            If the file is not a network saved by :meth:`save` (something else, damaged or
            tampered with: missing or mistyped metadata, weights of the wrong shape, NaN
            weights), or ``device`` is unknown or unavailable.
        """
        torch = _torch()
        saved = read_network(path)
        params = dict(saved.params)
        expected = cls._get_param_names()
        try:
            if set(params) != set(expected):
                missing, extra = set(expected) - set(params), set(params) - set(expected)
                raise ValueError(
                    f"hyperparameters missing: {sorted(missing)}, unexpected: {sorted(extra)}"
                )
            if not isinstance(params["device"], str):
                raise TypeError(f"device must be a string, got {params['device']!r}")
            if isinstance(params["hidden_layers"], list):
                params["hidden_layers"] = tuple(params["hidden_layers"])
            model = cls(**params)
            model._validate_params()
            check_extrapolate(model.extrapolate)
            check_option(model.nan_policy, name="nan_policy", allowed=("raise", "omit"))
            model.n_features_ = saved.n_features
            model.n_outputs_ = saved.n_outputs
            model.architecture_ = NetworkArchitecture(
                hidden_layers=_check_hidden_layers(model.hidden_layers),
                activation=model.activation,
                n_members=int(model.n_members),
                independent_outputs=bool(model.independent_outputs),
            )
            shapes = model._parameter_shapes()
            found = [tuple(t.shape) for t in saved.tensors]
            if found != shapes:
                raise ValueError(f"weights of shapes {found}, where the metadata needs {shapes}")
        except (TypeError, ValueError) as error:
            raise damaged_file(path, str(error)) from None
        if device is None:
            # Where it was trained, so predictions match, unless that device is not here.
            where = saved.device if _device_available(saved.device) else "auto"
            if not _device_available(str(params["device"])):
                model.device = "auto"  # so that a refit works here too
        else:
            where = device
            model.device = device
        model.device_ = resolve_device(where)
        model.dtype_ = saved.dtype
        dtype = getattr(torch, model.dtype_)
        model.params_ = [t.to(device=model.device_, dtype=dtype) for t in saved.tensors]
        shape = saved.y_trailing_shape
        model.n_samples_ = saved.n_samples
        model.y_trailing_shape_ = shape
        model.x_min_ = float(saved.x_min[0]) if saved.n_features == 1 else saved.x_min
        model.x_max_ = float(saved.x_max[0]) if saved.n_features == 1 else saved.x_max
        model.x_mean_ = saved.x_mean
        model.x_scale_ = saved.x_scale
        model.y_mean_ = saved.y_mean
        model.y_scale_ = saved.y_scale
        noise = saved.noise_std
        model.noise_std_ = float(noise[0]) if shape == () else noise.reshape(shape)
        model.loss_history_ = list(saved.loss_history)
        model.n_iterations_ = len(model.loss_history_)
        return model


def _json_value(value: Any) -> Any:
    """A hyperparameter as JSON can hold it: NumPy scalars as Python ones, sequences as lists."""
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        return value.item()
    if isinstance(value, (tuple, list, np.ndarray)):
        return [_json_value(item) for item in value]
    return value
