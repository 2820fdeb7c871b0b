"""``activation='auto'``: the activation chosen from the training data alone.

With several inputs neither activation wins everywhere: on noisy scattered samples a sine
network's derivatives were 1.3-8 times more accurate than a tanh network's on smooth
functions (a product, a polynomial, a Gaussian bump) and 1.3-2 times less on Franke's
function, whose features are narrow (issue 15; ``benchmarks/neural_multivariate.py``). So
each candidate is trained on the same seeded share of the samples and judged on the rest;
the winner is then fitted to all of them (the trials use at most ``_TRIAL_SAMPLES``, two
networks and half the L-BFGS budget). In one dimension ``'tanh'`` is used without a
trial: it meets the accuracy bars there, and a trial would triple the cost of small fits.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from pydelt_like.neural._noise import shared_estimates
from pydelt_like.neural._training import _LBFGS_FLOOR, lbfgs_budget

__all__ = ["AUTO", "CANDIDATES", "choose_activation"]

AUTO = "auto"
CANDIDATES = ("tanh", "sin")
_HELD_OUT = 0.2  # the share judged on: enough samples to tell errors of 1.3x apart
_MIN_SAMPLES = 50  # below this a held-out fifth is too few to judge by: 'tanh'
# The trials use at most this many samples (a seeded random subset): which activation suits
# a function hardly depends on the sample count, and the trials then cost a fraction of the
# final fit on large data (at n = 2,000, with two networks a trial, about 1.3x one fit in all instead of 2.6x).
_TRIAL_SAMPLES = 600
_TRIAL_MEMBERS = 2  # networks per trial: the choice needs the kind of fit, not a tight band
# A trial's L-BFGS budget is this share of the fit's: on 20 noisy cases (five functions in 2-D
# and 3-D, n = 400 and 2,000, two seeds) half the budget chose as the whole did on 19, the
# other a near tie (held-out errors 0.95 and 1.01 of each other), at 0.55-0.75x the trials'
# time; a quarter changed two choices (measured). Budgets of up to _LBFGS_FLOOR stay whole.
_TRIAL_LBFGS_SHARE = 0.5


def choose_activation(model: Any, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> str:
    """The candidate whose fit to a share of the samples predicts the others best.

    ``model`` is the estimator (its other hyperparameters are kept, with quiet fits that may
    extrapolate); ``x`` (n, d), ``y`` (n, m) and ``w`` (n,) are the validated samples.
    """
    n = x.shape[0]
    if x.shape[1] == 1 or n < _MIN_SAMPLES:
        return CANDIDATES[0]
    seed = model.random_state
    order = np.random.default_rng(seed).permutation(n)[:_TRIAL_SAMPLES]
    cut = round(_HELD_OUT * order.size)
    held, kept = order[:cut], order[cut:]
    w = w / w.max()  # only ratios count: no overflow in the average
    scale = np.max(np.abs(y), axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    full = lbfgs_budget(model.lbfgs_iterations, int(model.epochs), x.shape[1], kept.size)
    # Small budgets are kept whole: cheap anyway, and a ranking after a few iterations is not
    # the ranking of the fits (50 iterations halved flipped a clean quadratic's choice).
    budget = max(math.ceil(_TRIAL_LBFGS_SHARE * full), min(full, _LBFGS_FLOOR))
    errors = []
    # The candidates' samples are the same, and so is their noise level: estimated once.
    with shared_estimates():
        for activation in CANDIDATES:
            trial = type(model)(**{**model.get_params(), "activation": activation})
            trial.set_params(
                progress=False,
                extrapolate="extrapolate",
                n_members=min(_TRIAL_MEMBERS, int(model.n_members)),
                lbfgs_iterations=budget,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                trial.fit(x[kept], y[kept], weights=w[kept])
            errors.append(_held_out_error(trial, x[held], y[held] / scale, w[held], scale))
    return CANDIDATES[int(np.argmin(errors))]


def _held_out_error(trial: Any, x: np.ndarray, y: np.ndarray, w: np.ndarray, scale: Any) -> float:
    """Weighted mean squared error of ``trial`` at ``x`` against ``y`` (divided by ``scale``)."""
    predicted = np.asarray(trial.predict(x)).reshape(x.shape[0], -1)
    with np.errstate(over="ignore", invalid="ignore"):
        residual = predicted / scale - y
        error = float(np.average((residual**2).sum(axis=1), weights=w))
    return error if np.isfinite(error) else np.inf
