"""Partial derivatives of a network fitted on several input coordinates:
:class:`PartialDerivative`, the callable that ``NeuralNetworkInterpolator.partial`` returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydelt_like._validation import check_int, check_order
from pydelt_like.base import Derivative, _check_flag
from pydelt_like.neural import _derivatives as autograd

if TYPE_CHECKING:
    from pydelt_like.neural._estimator import NeuralNetworkInterpolator

__all__ = ["PartialDerivative"]


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
        order = net._check_partial_order(self.order)
        wrt = check_int(self.wrt, name="wrt", low=0, high=net.n_features_ - 1)
        values = net._evaluate_rows(
            x, lambda rows: autograd.partial(net._network(), rows, order, wrt), ()
        )
        if not _check_flag(return_std, "return_std"):
            return values
        std = net._evaluate_rows(
            x, lambda rows: autograd.partial_spread(net._network(), rows, order, wrt), ()
        )
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
        return PartialDerivative(net, net._check_partial_order(self.order + step), self.wrt)

    def __repr__(self) -> str:
        return f"PartialDerivative({self.interpolator!r}, order={self.order}, wrt={self.wrt})"
