"""PyDelt-named interpolators built on ours: the spline and the network.

Each class is our interpolator (same fit, same derivatives, same errors) with PyDelt 0.8.0's
constructor (its parameter names, order and defaults, positional or by keyword) and
:class:`~pydelt_like.interpolation._compat.PyDeltMixin`'s window functions, masks and links.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator, Sequence
from typing import Any

from scipy.interpolate import BSpline

from pydelt_like._validation import FitData, check_real
from pydelt_like.interpolation._compat import PyDeltMixin
from pydelt_like.neural import NeuralNetworkInterpolator as _Network
from pydelt_like.spline import SplineInterpolator as _Spline

__all__ = ["FRAMEWORKS", "NeuralNetworkInterpolator", "SplineInterpolator", "check_framework"]

FRAMEWORKS = ("pytorch", "tensorflow")


def check_framework(framework: Any, what: str) -> str:
    """PyDelt's ``framework``: ``'pytorch'`` trains our network; anything else is an error.

    ``'tensorflow'`` raises ``ImportError`` when TensorFlow is missing (as PyDelt does) and
    ``ValueError`` otherwise: pydelt_like's networks are PyTorch ensembles.
    """
    if framework == "pytorch":
        return "pytorch"
    if framework == "tensorflow":
        if importlib.util.find_spec("tensorflow") is None:
            raise ImportError(
                f"TensorFlow is required for {what}(framework='tensorflow') and is not "
                "installed; pydelt_like trains PyTorch networks in any case: pass "
                "framework='pytorch' (the result does not depend on it)"
            )
        raise ValueError(
            "pydelt_like trains PyTorch networks only; pass framework='pytorch' (the result "
            "does not depend on it)"
        )
    raise ValueError(f"Unknown framework: {framework!r}; use 'pytorch'")


@contextlib.contextmanager
def _auto_smoothing(spline: _Spline) -> Iterator[None]:
    """PyDelt's ``smoothing=None`` is our ``'auto'``: swapped in while the fit reads it."""
    given = spline.smoothing
    if given is None:
        spline.smoothing = "auto"
    try:
        yield
    finally:
        spline.smoothing = given


class SplineInterpolator(PyDeltMixin, _Spline):  # type: ignore[misc]
    """PyDelt's ``SplineInterpolator``: our smoothing spline with PyDelt's constructor.

    Parameters
    ----------
    smoothing : float, 'auto' or None, default=None
        ``None`` (PyDelt's default) and ``'auto'`` choose the smoothing from the data; a number
        is SciPy's ``UnivariateSpline`` residual target ``s`` (as in PyDelt); ``0``
        interpolates. See :class:`pydelt_like.SplineInterpolator`.
    k : int, default=5
        Degree, 1 to 7.
    max_knots, nan_policy, extrapolate
        As for :class:`pydelt_like.SplineInterpolator` (keyword only). Evaluation outside the
        fitted range raises by default, where PyDelt extrapolates.

    Attributes
    ----------
    splines : list of scipy.interpolate.BSpline or None
        One fitted spline per output column (``None`` before a fit), as PyDelt keeps them.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 2 * np.pi, 100)
    >>> spline = SplineInterpolator().fit(x, np.sin(x), window_func=None)
    >>> spline.differentiate(order=1, mask=[True, False])([np.pi, 0.0]).round(6)
    array([-1.])
    """

    def __init__(
        self,
        smoothing: float | str | None = None,
        k: int = 5,
        *,
        max_knots: int | None = None,
        nan_policy: str = "raise",
        extrapolate: str = "raise",
    ) -> None:
        super().__init__(
            smoothing=smoothing,  # type: ignore[arg-type]
            k=k,
            max_knots=max_knots,
            nan_policy=nan_policy,
            extrapolate=extrapolate,
        )

    def _validate_params(self) -> None:
        with _auto_smoothing(self):
            super()._validate_params()

    def _fit(self, data: FitData) -> None:
        with _auto_smoothing(self):
            super()._fit(data)

    @property
    def splines(self) -> list[BSpline] | None:
        """One fitted :class:`scipy.interpolate.BSpline` per output column (None if unfitted)."""
        if "n_outputs_" not in vars(self):
            return None
        whole = self.spline_
        if whole.c.ndim == 1:
            return [whole]
        columns = whole.c.reshape(whole.c.shape[0], -1)
        return [BSpline(whole.t, columns[:, j], whole.k) for j in range(columns.shape[1])]


class NeuralNetworkInterpolator(PyDeltMixin, _Network):  # type: ignore[misc]
    """PyDelt's ``NeuralNetworkInterpolator``: our network ensemble with PyDelt's constructor.

    Parameters
    ----------
    framework : {'pytorch'}, default='pytorch'
        pydelt_like trains PyTorch ensembles only: PyDelt's ``'tensorflow'`` raises when the fit
        starts (``ImportError`` without TensorFlow, as in PyDelt; ``ValueError`` with it).
    hidden_layers : sequence of int, default=(64, 32)
        Widths of the hidden layers (PyDelt's default).
    epochs : int, default=1000
        Full-batch Adam steps, at most 1,000,000 (then L-BFGS refines, see
        :class:`pydelt_like.NeuralNetworkInterpolator`).
    dropout : float, default=0.1
        Accepted for PyDelt's code and checked (``0 <= dropout < 1``) but not used: an
        ensemble of ``n_members`` networks, stopped at the noise level, takes its place.
    activation, learning_rate, optimizer, lbfgs_iterations, batch_size, weight_decay, \
n_members, bootstrap, independent_outputs, early_stopping, validation_fraction, random_state, \
device, dtype, progress, nan_policy, extrapolate
        Keyword only, as for :class:`pydelt_like.NeuralNetworkInterpolator`. Evaluation
        outside the fitted range raises by default, where PyDelt extrapolates.

    Attributes
    ----------
    model : NeuralNetworkInterpolator or None
        The fitted network (this object), ``None`` before a fit. PyDelt's is a torch module.
    """

    def __init__(
        self,
        framework: str = "pytorch",
        hidden_layers: Sequence[int] = (64, 32),
        epochs: int = 1000,
        dropout: float = 0.1,
        *,
        activation: str = "tanh",
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
        self.framework = framework
        self.dropout = dropout
        super().__init__(
            hidden_layers=hidden_layers,
            activation=activation,
            epochs=epochs,
            learning_rate=learning_rate,
            optimizer=optimizer,
            lbfgs_iterations=lbfgs_iterations,
            batch_size=batch_size,
            weight_decay=weight_decay,
            n_members=n_members,
            bootstrap=bootstrap,
            independent_outputs=independent_outputs,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            random_state=random_state,
            device=device,
            dtype=dtype,
            progress=progress,
            nan_policy=nan_policy,
            extrapolate=extrapolate,
        )

    def _validate_params(self) -> None:
        check_framework(self.framework, type(self).__name__)
        check_real(self.dropout, name="dropout", low=0, high=1, high_inclusive=False)
        super()._validate_params()

    @property
    def model(self) -> NeuralNetworkInterpolator | None:
        """The fitted network (this object); ``None`` before a fit."""
        return self if "n_outputs_" in vars(self) else None
