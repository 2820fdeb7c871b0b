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
import json
import math
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pydelt_like._progress import progress_bar
from pydelt_like._stats import difference_noise_variance
from pydelt_like._validation import (
    EvalPoints,
    FitData,
    as_float_array,
    check_eval_points,
    check_extrapolate,
    check_option,
    check_order,
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
_FORMAT = "pydelt_like.NeuralNetworkInterpolator/1"


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
        net, order, wrt = self._net, self.order, self.wrt
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
        """Differentiate further with respect to the same coordinate."""
        step = check_order(order, max_order=None, method_name="differentiate")
        net = self._net
        return PartialDerivative(net, net._check_order(self.order + step), self.wrt)

    def __repr__(self) -> str:
        return f"PartialDerivative({self.interpolator!r}, order={self.order}, wrt={self.wrt})"


class NeuralNetworkInterpolator(BaseInterpolator):
    """Neural-network interpolator whose derivatives of any order come from autograd.

    Parameters
    ----------
    hidden_layers : sequence of int, default=(32, 32)
        Width of each hidden layer.
    activation : {'tanh', 'sigmoid', 'softplus', 'gelu', 'silu', 'sin', 'relu', \
'leaky_relu'}, default='tanh'
        Smooth activations give derivatives of every order; the piecewise-linear
        ``'relu'`` and ``'leaky_relu'`` give first derivatives only (their second
        derivative is zero almost everywhere), and asking for more is an error.
    epochs : int, default=1000
        Full-batch Adam steps (passes over the data with ``batch_size``).
    learning_rate : float, default=0.01
        Adam's initial learning rate (it decays to zero on a cosine schedule).
    optimizer : {'adam+lbfgs', 'adam', 'lbfgs'}, default='adam+lbfgs'
        Adam, then L-BFGS refinement (the default); or either alone.
    lbfgs_iterations : int, default=500
        Most L-BFGS iterations.
    batch_size : int or None, default=None
        Mini-batch size for Adam; ``None`` uses all samples at each step.
    weight_decay : float, default=0.0
        L2 penalty on the weights (in standardised units), for Adam and L-BFGS.
    n_members : int, default=4
        Networks trained together from different initialisations; the fit is their mean,
        which averages out much of one network's quirks on noisy data. Their spread is the
        uncertainty that ``return_std=True`` reports.
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
        Share of samples held out with ``early_stopping='validation'``.
    random_state : int or None, default=None
        Seed of a local ``torch.Generator`` for the initial weights (and mini-batches); a
        seeded fit on the CPU is bit-reproducible. The global RNGs are not touched.
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
        layers = self.hidden_layers
        if isinstance(layers, (int, np.integer)) or not all(
            isinstance(h, (int, np.integer)) and not isinstance(h, bool) and h > 0 for h in layers
        ):
            raise ValueError(
                f"hidden_layers must be a sequence of positive integers, got {layers!r}"
            )
        check_option(self.activation, name="activation", allowed=_SMOOTH + _PIECEWISE_LINEAR)
        check_option(self.optimizer, name="optimizer", allowed=_OPTIMIZERS)
        check_option(self.early_stopping, name="early_stopping", allowed=_EARLY_STOPPING)
        _check_flag(self.bootstrap, "bootstrap")
        for name, low in (("epochs", 0), ("lbfgs_iterations", 0), ("n_members", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a positive number, got {self.learning_rate!r}")
        if not (isinstance(self.weight_decay, (int, float)) and self.weight_decay >= 0):
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        _check_flag(self.independent_outputs, "independent_outputs")
        if not (0 < self.validation_fraction < 1):
            raise ValueError(
                f"validation_fraction must lie in (0, 1), got {self.validation_fraction!r}"
            )
        size = self.batch_size
        if size is not None and (
            isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1
        ):
            raise ValueError(f"batch_size must be None or a positive integer, got {size!r}")
        if self.dtype not in (None, "float32", "float64"):
            raise ValueError(f"dtype must be None, 'float32' or 'float64', got {self.dtype!r}")
        state = self.random_state
        if state is not None and (
            isinstance(state, bool) or not isinstance(state, (int, np.integer))
        ):
            raise TypeError(f"random_state must be None or an integer, got {state!r}")

    def _min_points(self) -> int:
        return 2

    def _max_order(self) -> int | None:
        return 1 if self.activation in _PIECEWISE_LINEAR else None

    def _order_hint(self) -> str:
        return (
            f"activation={self.activation!r} is piecewise linear, so its second derivative is "
            "zero almost everywhere; use a smooth activation such as 'tanh' for higher orders"
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
        self.device_ = resolve_device(self.device)
        default = "float32" if self.device_.type == "cuda" else "float64"
        dtype = getattr(torch, self.dtype or default)
        self.dtype_ = str(dtype).replace("torch.", "")

        self.x_mean_ = np.average(x, axis=0, weights=w)
        spread = np.sqrt(np.average((x - self.x_mean_) ** 2, axis=0, weights=w))
        self.x_scale_ = np.where(spread > 0, spread, 1.0)
        self.y_mean_ = np.average(y, axis=0, weights=w)
        spread = np.sqrt(np.average((y - self.y_mean_) ** 2, axis=0, weights=w))
        self.y_scale_ = np.where(spread > 0, spread, 1.0)
        xs = (x - self.x_mean_) / self.x_scale_
        ys = (y - self.y_mean_) / self.y_scale_

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
            draws = torch.rand(order.size, self.n_members, generator=generator, dtype=torch.float64)
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
        resid = (ys - fitted) * self.y_scale_
        noise_std = np.sqrt(np.average(resid**2, axis=0, weights=w))
        self.noise_std_ = (
            noise_std[0].item()
            if data.y_trailing_shape == ()
            else noise_std.reshape(data.y_trailing_shape)
        )

    def _n_networks(self) -> tuple[int, int]:
        """(networks stacked, outputs of each): K * m single-output networks when independent."""
        if self.independent_outputs and self.n_outputs_ > 1:
            return self.n_members * self.n_outputs_, 1
        return self.n_members, self.n_outputs_

    def _initial_parameters(self, generator: Any, dtype: Any) -> list[Any]:
        """Stacked weights of all networks: [W1, b1, W2, b2, ...], W of shape (N, out, in)."""
        torch = _torch()
        n_networks, n_out = self._n_networks()
        sizes = [self.n_features_, *[int(h) for h in self.hidden_layers], n_out]
        gain = 1.0 if self.activation != "relu" else math.sqrt(2.0)
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
        act = _activation(self.activation)
        hidden = torch.matmul(xs, params[0].transpose(1, 2)) + params[1][:, None, :]
        for layer in range(2, len(params), 2):
            hidden = torch.baddbmm(
                params[layer + 1][:, None, :], act(hidden), params[layer].transpose(1, 2)
            )
        if hidden.shape[0] != self.n_members:  # independent networks: (K*m, n, 1) -> (K, n, m)
            return hidden.reshape(self.n_members, -1, hidden.shape[1]).transpose(1, 2)
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
            objective = objective + self.weight_decay * sum(
                (p**2).sum() for p in self.params_[0::2]
            )
        return objective, mse.mean()

    def _train(self, train: Any, validation: Any, target: float, generator: Any) -> None:
        torch = _torch()
        params = self.params_
        adam_steps = self.epochs if "adam" in self.optimizer else 0
        lbfgs_steps = self.lbfgs_iterations if "lbfgs" in self.optimizer else 0
        bar = self._progress_bar(adam_steps + lbfgs_steps)
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

        n = train[0].shape[0]
        if adam_steps:
            adam = torch.optim.Adam(params, lr=self.learning_rate)
            schedule = torch.optim.lr_scheduler.CosineAnnealingLR(adam, adam_steps)
            size = self.batch_size or n
            for _ in range(adam_steps):
                batches = (
                    [slice(None)]
                    if size >= n
                    else torch.randperm(n, generator=generator).split(size)
                )
                for index in batches:
                    index = index.to(self.device_) if not isinstance(index, slice) else index
                    adam.zero_grad()
                    objective, mse = self._loss(tuple(t[index] for t in train))
                    objective.backward()
                    adam.step()
                schedule.step()
                track(float(mse.detach()))
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
            for _ in range(max(1, lbfgs_steps // _LBFGS_STEP)):
                lbfgs.step(closure)
                mse = latest[0]
                track(mse)
                if target >= 0 and mse <= target:
                    break
                if math.isfinite(previous) and previous - mse <= 1e-14 * previous:
                    break  # converged: no progress over a whole step
                previous = mse
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
        xs = (rows - self.x_mean_) / self.x_scale_
        return torch.as_tensor(xs, dtype=getattr(torch, self.dtype_), device=self.device_)

    def _chunks(self, rows: np.ndarray, order: int) -> Any:
        size = max(1024, _EVAL_CHUNK // (1 + order) // max(1, self.n_features_))
        for start in range(0, rows.shape[0], size):
            yield rows[start : start + size]

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
                    g = torch.autograd.grad(
                        g.sum(), t, create_graph=k < order - 1, retain_graph=True
                    )[0][:, wrt]
                columns.append(g.detach())
            out.append(torch.stack(columns, dim=1).cpu().numpy())
        scale = self.y_scale_ / self.x_scale_[wrt] ** order
        shift = self.y_mean_ if order == 0 else 0.0
        return np.concatenate(out, axis=0) * scale + shift

    def _partial_spread(self, rows: np.ndarray, order: int, wrt: int) -> np.ndarray:
        """Standard deviation across the members of d^order f / d x_wrt^order, (p, m)."""
        torch = _torch()
        if self.n_members < 2:
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
                    grad = torch.autograd.grad(
                        g.sum(), t, create_graph=k < order - 1, retain_graph=True
                    )[0]
                    if grad.shape[0] != self.n_members:  # independent networks, k * m + j
                        grad = grad.reshape(self.n_members, self.n_outputs_, *grad.shape[1:])
                        grad = grad[:, j]
                    g = grad[..., wrt]
                columns.append(g.detach())
            out.append(torch.stack(columns, dim=2).std(dim=0).cpu().numpy())
        return np.concatenate(out, axis=0) * (self.y_scale_ / self.x_scale_[wrt] ** order)

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
        return jac * self.y_scale_[None, :, None] / self.x_scale_[None, None, :]

    def _hessian(self, rows: np.ndarray) -> np.ndarray:
        """(p, d, d) second derivatives of the single output, user units."""
        torch = _torch()
        d = self.n_features_
        out = []
        for chunk in self._chunks(rows, 2):
            t = self._tensor(chunk).requires_grad_(True)
            grad = torch.autograd.grad(self._forward(t)[:, 0].sum(), t, create_graph=True)[0]
            second = [
                torch.autograd.grad(grad[:, i].sum(), t, retain_graph=i < d - 1)[0]
                for i in range(d)
            ]
            out.append(torch.stack(second, dim=1).detach().cpu().numpy())
        hess = np.concatenate(out, axis=0)
        return hess * self.y_scale_[0] / np.outer(self.x_scale_, self.x_scale_)[None]

    def _evaluate(self, x: np.ndarray, order: int) -> np.ndarray:
        return self._partial(x.reshape(-1, 1), order, 0)

    def _evaluate_std(self, x: np.ndarray, order: int) -> np.ndarray:
        return self._partial_spread(x.reshape(-1, 1), order, 0)

    def _band_quantile(self, level: float) -> float:
        # The spread comes from n_members draws: Student's t with n_members - 1 degrees of
        # freedom, which for 4 members spans 3.18 rather than 1.96 standard deviations at 95 %.
        from scipy.stats import t as student

        _normal_quantile(level)  # the same checks of level
        return float(student.ppf(0.5 + 0.5 * float(level), df=max(self.n_members - 1, 1)))

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
            Derivative order; ``0`` is the fit itself.
        wrt : int, optional
            The input coordinate to differentiate with respect to; needed when the network
            has several inputs.

        Returns
        -------
        Derivative
            A callable with the same input/output rules as :meth:`predict`.
        """
        self._check_is_fitted()
        order = self._check_order(order)
        if self.n_features_ == 1 and (wrt is None or (type(wrt) is int and wrt == 0)):
            return Derivative(self, order)
        if wrt is None:
            raise ValueError(
                f"this network has {self.n_features_} inputs; pass wrt=0..{self.n_features_ - 1}"
            )
        if (
            isinstance(wrt, bool)
            or not isinstance(wrt, (int, np.integer))
            or not (0 <= wrt < self.n_features_)
        ):
            raise ValueError(f"wrt must be an integer in [0, {self.n_features_ - 1}], got {wrt!r}")
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
        return lambda x: self._evaluate_rows(
            x, lambda r: np.trace(self._hessian(r), axis1=1, axis2=2)[:, None], ()
        )

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted network: weights plus a JSON of hyperparameters and scaling.

        Parameters
        ----------
        path : str or path-like
            The file to write (``torch.save`` format, loadable with ``weights_only=True``).
        """
        torch = _torch()
        self._check_is_fitted()
        params = self.get_params()
        params["hidden_layers"] = [int(h) for h in params["hidden_layers"]]
        for name, value in params.items():  # NumPy scalars are not JSON
            if isinstance(value, np.integer):
                params[name] = int(value)
            elif isinstance(value, np.floating):
                params[name] = float(value)
        if not isinstance(params["device"], str):
            params["device"] = str(self.device_)
        meta = {
            "format": _FORMAT,
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
        torch.save({"meta": json.dumps(meta), "state": state}, os.fspath(path))

    @classmethod
    def load(cls, path: str | os.PathLike[str], device: Any = None) -> NeuralNetworkInterpolator:
        """Load a network written by :meth:`save`.

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
        ValueError
            If the file is not a saved network (corrupted, or something else).
        """
        torch = _torch()
        try:
            blob = torch.load(os.fspath(path), map_location="cpu", weights_only=True)
            meta = json.loads(blob["meta"])
            if meta.get("format") != _FORMAT:
                raise KeyError("format")
            state = blob["state"]
            tensors = [state[f"p{i}"] for i in range(len(state))]
        except FileNotFoundError:
            raise
        except Exception as error:
            raise ValueError(
                f"{os.fspath(path)!r} is not a NeuralNetworkInterpolator saved by save() "
                f"(or it is damaged): {type(error).__name__}: {error}"
            ) from None
        params = meta["params"]
        params["hidden_layers"] = tuple(params["hidden_layers"])
        model = cls(**params)
        if device is None:
            # Where it was trained, so predictions match, unless that device is not here.
            where = meta["device"] if _device_available(meta["device"]) else "auto"
            if not _device_available(str(params["device"])):
                model.device = "auto"  # so that a refit works here too
        else:
            where = device
            model.device = device
        model.device_ = resolve_device(where)
        model.dtype_ = meta["dtype"]
        dtype = getattr(torch, model.dtype_)
        model.params_ = [t.to(device=model.device_, dtype=dtype) for t in tensors]
        shape = tuple(meta["y_trailing_shape"])
        model.n_features_ = meta["n_features"]
        model.n_outputs_ = meta["n_outputs"]
        model.n_samples_ = meta["n_samples"]
        model.y_trailing_shape_ = shape
        low, high = np.array(meta["x_min"]), np.array(meta["x_max"])
        model.x_min_ = float(low[0]) if model.n_features_ == 1 else low
        model.x_max_ = float(high[0]) if model.n_features_ == 1 else high
        model.x_mean_ = np.array(meta["x_mean"])
        model.x_scale_ = np.array(meta["x_scale"])
        model.y_mean_ = np.array(meta["y_mean"])
        model.y_scale_ = np.array(meta["y_scale"])
        noise = np.array(meta["noise_std"])
        model.noise_std_ = float(noise[0]) if shape == () else noise.reshape(shape)
        model.loss_history_ = list(meta["loss_history"])
        model.n_iterations_ = len(model.loss_history_)
        return model
