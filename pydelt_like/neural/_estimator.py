"""The estimator: :class:`NeuralNetworkInterpolator` (its partial derivatives, for fits on
several input coordinates, are :class:`~pydelt_like.neural._partial.PartialDerivative`).

The estimator checks its hyperparameters, standardises the data and hands the work to the
package's other rooms: ``_ensemble`` (architecture, stacked weights, forward pass),
``_training`` (the optimisation loop), ``_derivatives`` (autograd) and ``_io`` (save/load).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pydelt_like._validation import (
    FitData,
    check_eval_points,
    check_int,
    check_option,
    check_real,
    shape_output,
)
from pydelt_like.base import BaseInterpolator, Derivative, _check_flag, _normal_quantile
from pydelt_like.neural import _derivatives as autograd
from pydelt_like.neural._derivatives import MAX_ORDER, FittedNetwork
from pydelt_like.neural._devices import (
    MAX_THREADS,
    intra_op_threads,
    resolve_device,
    torch_module,
    training_threads,
)
from pydelt_like.neural._ensemble import (
    MAX_MEMBERS,
    PIECEWISE_LINEAR,
    SMOOTH,
    EnsembleLayout,
    NetworkArchitecture,
    check_hidden_layers,
    fit_trend,
    initial_parameters,
    moments,
    root_mean_square,
    standardise,
)
from pydelt_like.neural._io import load_network, save_network
from pydelt_like.neural._noise import fit_diagnosis, noise_level, outlier_diagnosis
from pydelt_like.neural._partial import PartialDerivative
from pydelt_like.neural._selection import AUTO, choose_activation
from pydelt_like.neural._training import (
    MAX_EPOCHS,
    MAX_LBFGS_ITERATIONS,
    OPTIMIZERS,
    TrainingData,
    TrainingSettings,
    diverged,
    lbfgs_budget,
    network_targets,
    step_samples,
    train,
    warn_user,
)

__all__ = ["MAX_SEED", "NeuralNetworkInterpolator"]

_EARLY_STOPPING = ("noise", "validation", "none")
MAX_SEED = 2**64 - 1  # the largest seed torch.Generator takes


def _rows(x: np.ndarray) -> np.ndarray:
    """Points as rows (p, d): 1-D points become one column."""
    return x if x.ndim == 2 else x[:, None]


class NeuralNetworkInterpolator(BaseInterpolator):
    """Neural-network interpolator whose derivatives come from autograd.

    Inputs and outputs are standardised inside (by their weighted mean and spread, worked out
    so that neither overflows), so any finite float64 data fit alike: ``x`` with a large
    offset or a span of 1e-300 or 1e300, ``y`` of size 1e300 or 1e-300. An exactly constant
    column of ``y`` is reproduced exactly, with zero derivatives. A derivative whose true
    value lies beyond the float64 range (it scales like ``y / x**order``) raises a
    ``ValueError`` saying what to rescale, never an inf or NaN; so does training that diverges
    (a learning rate far too large). After training a ``UserWarning`` says when the residuals
    sit far above the estimated noise (underfit) or far below it on noisy data (overfit), and
    says how many samples lie more than 8 noise levels from the fit (outliers), and where
    the farthest lies.

    Parameters
    ----------
    hidden_layers : sequence of int, default=(32, 32)
        Width of each hidden layer: at most ``MAX_DEPTH`` (100) layers of at most
        ``MAX_WIDTH`` (10,000) units, and at most ``MAX_WEIGHTS`` (10 million) weights for
        all networks of the ensemble together. ``()`` is a linear (affine) model: a weighted
        least-squares line or plane, whose second and higher derivatives are zero.
    activation : {'auto', 'tanh', 'sigmoid', 'softplus', 'gelu', 'silu', 'sin', 'relu', \
'leaky_relu'}, default='auto'
        ``'auto'`` is ``'tanh'`` for one input (and for fewer than 50 samples); with several
        inputs, ``'tanh'`` and ``'sin'`` networks are each trained on the same 80 % of the
        samples (of at most 600 of them) and the one that predicts the other 20 % better is
        fitted to all of them (trials of two networks each, refined for half the L-BFGS
        budget: together 0.4 to 0.7 times the cost of the final fit);
        ``architecture_.activation`` tells which.
        Smooth activations give derivatives of every order; the piecewise-linear
        ``'relu'`` and ``'leaky_relu'`` give first derivatives only (their second
        derivative is zero almost everywhere), and asking for more is an error. Smooth
        activations give derivatives up to order ``MAX_ORDER`` (6): nested autograd costs
        about 3-4 times more per order (order 6 takes about a second per 1,000 points with
        the default network on one CPU core, order 8 several), and a network's derivatives
        lose accuracy well before.
    epochs : int, default=1000
        Adam epochs, at most ``MAX_EPOCHS`` (1,000,000). An epoch is one full-batch step on
        up to 4,096 samples; on more (with ``batch_size=None``) it is 4,096 of them, the next
        stretch of a seeded shuffle, in 16 mini-batches of 256, so that its cost stops
        growing with the number of samples; with a given ``batch_size`` it is a pass over all
        samples in batches of that size. An epoch costs one forward and one backward pass of
        every member over its samples (float32 on the CPU): for the default ensemble about
        0.5 ms on 100 samples and 15 ms on 4,096 or more, on one core. ``epochs`` also sets
        the default L-BFGS budget (see ``lbfgs_iterations``), so the whole fit costs about 1
        to 2.5 times ``epochs`` epochs (up to 5 with several inputs), whatever the number of
        samples: 100,000 samples in 3-D fit at the defaults in 19-25 s on a 2-core CPU (40-52 s beside other work). A
        fit projected to take more than a minute warns, saying how long, unless
        ``progress=True`` shows a bar with its own estimate.
    learning_rate : float, default=0.01
        Adam's initial learning rate (it decays to zero on a cosine schedule); finite and
        > 0. One so large that training diverges (the weights become NaN or infinite) raises
        a ``ValueError``.
    optimizer : {'adam+lbfgs', 'adam', 'lbfgs'}, default='adam+lbfgs'
        Adam, then L-BFGS refinement (the default); or either alone.
    lbfgs_iterations : int or None, default=None
        Most L-BFGS iterations (full batch; each costs about 2-3 epochs' worth of work on up
        to 4,096 samples: float64, and a line search), at most ``MAX_LBFGS_ITERATIONS``
        (1,000,000). ``None`` is half of ``epochs``, at least 50 and at most 500 (twice that
        with several inputs, where convergence is slower), so that the refinement stays in
        proportion to the work asked for; on more than 4,096 samples that many times
        ``4096 / n`` (at least one), since an iteration's cost grows with n while the
        mini-batch epochs already bring the fit near the noise. On data whose noise is at
        least 0.1 % of their spread (with ``early_stopping='noise'``, which estimates it),
        the iterations run in float32 (about half the cost; the noise, not the rounding,
        limits the fit); clean data are refined in ``dtype``. Each network stops earlier when its
        training error reaches the noise level (see ``early_stopping``) or stops improving
        (converged).
    batch_size : int or None, default=None
        Mini-batch size for Adam: every epoch then passes over all samples in batches of
        this size. ``None`` uses all samples at each step up to 4,096 of them, and 4,096 in
        batches of 256 per epoch beyond (see ``epochs``).
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
        level estimated from the data's local differences (the discrepancy principle;
        with several inputs, the residual a good smoother leaves, see ``docs/neural.md``);
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
    num_threads : int or None, default=None
        CPU threads (``torch.set_num_threads``) while training, from 1 to ``MAX_THREADS``
        (1,024); the caller's setting is restored afterwards, also on errors. ``None`` picks
        as many as pay off: one for small problems (the steps are too short to share, and a
        second thread under a competing process slows every step down), more for large ones,
        never more than torch's current setting or the cores left idle by other processes.
        Adam's steps are sized by their samples (on more than 4,096 samples mini-batches of
        256, see ``epochs``: one thread), the L-BFGS phase's by all samples (full batches);
        on a quiet 2-core CPU a second thread pays from about 1,000 samples for the default
        ensemble. Ignored on CUDA.
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
    trend_ : ndarray of shape (T, m)
        With several inputs, the coefficients (in standardised units: 1, the coordinates and
        their products) of the least-squares polynomial trend that the networks' outputs are
        added to, for the columns it nearly explains (at most 10 % of the variance left):
        quadratic (T = 1 + d + d(d+1)/2) with at least 10 samples per term and at most 16
        inputs, else linear (T = 1 + d) where samples allow; else none (T = 0, as in one
        dimension and for ``hidden_layers=()``). Nearly polynomial data are then fitted
        closely, and the networks do not spend their freedom on the noise.
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
        activation: str = "auto",
        epochs: int = 1000,
        learning_rate: float = 0.01,
        optimizer: str = "adam+lbfgs",
        lbfgs_iterations: int | None = None,
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
        num_threads: int | None = None,
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
        self.num_threads = num_threads
        self.progress = progress
        self.nan_policy = nan_policy
        self.extrapolate = extrapolate

    # ------------------------------------------------------------------ hyperparameters
    def _validate_params(self) -> None:
        check_hidden_layers(self.hidden_layers)
        check_option(self.activation, name="activation", allowed=(AUTO, *SMOOTH, *PIECEWISE_LINEAR))
        check_option(self.optimizer, name="optimizer", allowed=OPTIMIZERS)
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
            allow_none=True,
            hint=f"{budget} (default None: half of epochs, 50 to 500)",
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
        check_int(
            self.num_threads,
            name="num_threads",
            low=1,
            high=MAX_THREADS,
            allow_none=True,
            hint="None chooses by the size of the problem",
        )

    def _multivariate(self) -> bool:
        return True

    def _fitted_activation(self) -> str:
        fitted = vars(self).get("architecture_")
        return str(fitted.activation if fitted is not None else self.activation)

    def _max_order(self) -> int | None:
        return 1 if self._fitted_activation() in PIECEWISE_LINEAR else MAX_ORDER

    def _order_hint(self) -> str:
        activation = self._fitted_activation()
        if activation in PIECEWISE_LINEAR:
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

    def _check_partial_order(self, order: Any) -> int:
        """Check an order of differentiation along one coordinate (the limits only)."""
        return super()._check_order(order)

    def _check_order(self, order: Any) -> int:
        # What predict and Derivative evaluate: with several inputs only the fit itself, since
        # "the derivative" needs a coordinate.
        order = self._check_partial_order(order)
        if order and self.n_features_ > 1:
            raise ValueError(
                f"this network has {self.n_features_} inputs: use differentiate(order, wrt=i) "
                "for a partial derivative, or gradient(), jacobian(), hessian(), laplacian()"
            )
        return order

    # ------------------------------------------------------------------ fitting
    def _fit(self, data: FitData) -> None:
        torch = torch_module()
        x = data.x.reshape(data.n_samples, -1)
        y, w = data.y, data.weights
        self.n_features_ = x.shape[1]
        activation = str(self.activation)
        if activation == AUTO:
            activation = choose_activation(self, x, y, w)
        self.architecture_ = NetworkArchitecture(
            hidden_layers=check_hidden_layers(self.hidden_layers),
            activation=activation,
            n_members=int(self.n_members),
            independent_outputs=bool(self.independent_outputs),
        )
        layout = self._layout()
        layout.check_size()
        self.device_ = resolve_device(self.device)
        default = "float32" if self.device_.type == "cuda" else "float64"
        dtype = getattr(torch, self.dtype or default)
        self.dtype_ = str(dtype).replace("torch.", "")
        step = step_samples(data.n_samples, self.batch_size, str(self.optimizer))
        threads = training_threads(layout, step, self.num_threads, self.device_)
        # L-BFGS takes full batches: sized on all samples, before the Adam setting is in force.
        refine = training_threads(layout, data.n_samples, self.num_threads, self.device_)
        with intra_op_threads(threads):
            noise_std = self._train(x, y, w, layout, dtype, refine)
        # The residuals in user units, shaped like a sample of y.
        self.noise_std_ = (
            noise_std[0].item()
            if data.y_trailing_shape == ()
            else noise_std.reshape(data.y_trailing_shape)
        )

    def _train(
        self,
        x: np.ndarray,
        y: np.ndarray,
        w: np.ndarray,
        layout: EnsembleLayout,
        dtype: Any,
        refine_threads: int | None = None,
    ) -> np.ndarray:
        """Standardise, train (L-BFGS on ``refine_threads``); return the root-mean-square
        residual per output (user units)."""
        torch = torch_module()
        # Only ratios of weights matter: the largest is brought into [0.5, 1) by a power of two,
        # which is exact, so huge or tiny weights neither overflow nor change the fit.
        w = np.ldexp(w, -np.frexp(w.max())[1])
        self.x_mean_, spread = moments(x, w)
        self.x_scale_ = np.where(spread > 0, spread, 1.0)
        self.y_mean_, spread = moments(y, w)
        # A column whose weighted samples are all equal is that constant, exactly: a zero output
        # scale makes the fit read y_mean_ and every derivative zero, with no rounding noise.
        kept = y[w > 0]
        constant = (kept == kept[0]).all(axis=0)
        self.y_mean_ = np.where(constant, kept[0], self.y_mean_)
        self.y_scale_ = np.where(constant, 0.0, spread)
        train_scale = np.where(self.y_scale_ > 0, self.y_scale_, 1.0)
        xs = standardise(x, self.x_mean_, self.x_scale_)
        ys = standardise(y, self.y_mean_, train_scale)
        # The polynomial trend (several inputs): the networks fit the rest, not rescaled.
        self.trend_, rest = fit_trend(xs, ys, w, hidden=bool(layout.layer_sizes[1:-1]))

        seed = self.random_state
        if seed is None:
            seed = int(np.random.default_rng().integers(2**63 - 1))
        generator = torch.Generator(device="cpu").manual_seed(int(seed))
        self.params_ = initial_parameters(layout, generator, self.device_, dtype)

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
            held_out = order[:n_val]
            validation = TrainingData(
                tensor(xs[held_out]), tensor(rest[held_out]), tensor(w[held_out])
            )
            order = order[n_val:]
        train_w = tensor(w[order])
        if self.bootstrap:
            # (n, K): every member sees the samples with its own exponential weights.
            draws = torch.rand(
                order.size, self.architecture_.n_members, generator=generator, dtype=torch.float64
            )
            train_w = train_w[:, None] * tensor(-np.log1p(-draws.numpy()))
        noise = noise_level(xs, rest, w)
        settings = TrainingSettings(
            optimizer=str(self.optimizer),
            epochs=int(self.epochs),
            lbfgs_iterations=lbfgs_budget(
                self.lbfgs_iterations, self.epochs, self.n_features_, order.size
            ),
            learning_rate=self.learning_rate,
            weight_decay=self.weight_decay,
            batch_size=None if self.batch_size is None else int(self.batch_size),
            progress=bool(self.progress),
            targets=(
                network_targets(layout, noise.residual) if self.early_stopping == "noise" else None
            ),
            mean_weight=float(np.mean(w[order])),
            refine_threads=refine_threads,
        )
        samples = TrainingData(tensor(xs[order]), tensor(rest[order]), train_w)
        result = train(
            layout, self.params_, samples, validation, generator, settings, name=type(self).__name__
        )
        self.params_ = result.params
        self.loss_history_ = result.history
        self.n_iterations_ = len(self.loss_history_)

        with torch.no_grad():
            fitted = self._members(tensor(xs)).mean(dim=0).cpu().numpy()
        if not np.isfinite(fitted).all():
            raise diverged("the fitted values", settings)
        # The residuals in user units, scaled by a power of two (see moments) on the way.
        mantissa, exponent = np.frexp(self.y_scale_)
        residual, level = ys - fitted, np.sqrt(noise.variance)
        # Named outliers are the whole story: the residuals (and in one dimension the noise
        # estimate) carry them, so an under- or overfit verdict would be about them.
        message = outlier_diagnosis(x, residual, w, level) or fit_diagnosis(
            root_mean_square(residual, w), level, str(self.early_stopping)
        )
        if message is not None:
            warn_user(message)
        return np.ldexp(root_mean_square(residual * mantissa, w), exponent)

    def _layout(self) -> EnsembleLayout:
        return EnsembleLayout(self.architecture_, self.n_features_, self.n_outputs_)

    def _members(self, xs: Any) -> Any:
        """Outputs of every member, shape (K, n, m), for standardised inputs (n, d)."""
        return self._network().members(xs)  # the trend included

    def _network(self) -> FittedNetwork:
        """The fitted ensemble, as the derivatives need it."""
        return FittedNetwork(
            layout=self._layout(),
            params=self.params_,
            x_mean=self.x_mean_,
            x_scale=self.x_scale_,
            y_mean=self.y_mean_,
            y_scale=self.y_scale_,
            x_min=self.x_min_,
            x_max=self.x_max_,
            device=self.device_,
            dtype=self.dtype_,
            trend=getattr(self, "trend_", None),  # None: pickled before the trend
        )

    # ------------------------------------------------------------------ evaluation
    def _evaluate(self, x: np.ndarray, order: int) -> np.ndarray:
        return autograd.partial(self._network(), _rows(x), order, 0)

    def _evaluate_std(self, x: np.ndarray, order: int) -> np.ndarray:
        return autograd.partial_spread(self._network(), _rows(x), order, 0)

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
        points = check_eval_points(
            x, x_min=self.x_min_, x_max=self.x_max_, extrapolate=self.extrapolate
        )
        safe = points.evaluable(extrapolate=self.extrapolate, fill=self.x_min_)
        rows = _rows(safe)
        values = compute(rows) if rows.shape[0] else np.empty((0, *per_point))
        flat = values.reshape(values.shape[0], int(np.prod(per_point, dtype=np.intp)))
        return shape_output(flat, points, per_point, extrapolate=self.extrapolate)

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
        order = self._check_partial_order(order)
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
        return lambda x: self._evaluate_rows(
            x, lambda rows: autograd.jacobian(self._network(), rows)[:, 0, :], (d,)
        )

    def jacobian(self) -> Callable[[Any], Any]:
        """A callable giving the Jacobian, shape (..., *y_trailing_shape_, d)."""
        self._check_is_fitted()
        shape = (*self.y_trailing_shape_, self.n_features_)
        return lambda x: self._evaluate_rows(
            x, lambda rows: autograd.jacobian(self._network(), rows), shape
        )

    def hessian(self) -> Callable[[Any], Any]:
        """A callable giving the Hessian, shape (..., d, d), of a single-output fit."""
        self._single_output("hessian")
        self._check_partial_order(2)
        d = self.n_features_
        return lambda x: self._evaluate_rows(
            x, lambda rows: autograd.hessian(self._network(), rows), (d, d)
        )

    def laplacian(self) -> Callable[[Any], Any]:
        """A callable giving the Laplacian (trace of the Hessian), shape (...)."""
        self._single_output("laplacian")
        self._check_partial_order(2)
        return lambda x: self._evaluate_rows(
            x, lambda rows: autograd.laplacian(self._network(), rows), ()
        )

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
        save_network(self, path)

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
        model: NeuralNetworkInterpolator = load_network(cls, path, device)
        return model
