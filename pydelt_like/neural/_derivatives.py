"""Derivatives of a fitted ensemble by autograd, in the user's units.

One helper, :func:`nested_derivatives`, differentiates every output column of a network any
number of times, each time with respect to one coordinate or to all of them; partial
derivatives of any order, their spread across the ensemble, the Jacobian, the Hessian and the
Laplacian are all built on it. The networks work in standardised units; the results are
scaled back by the chain rule (``y_scale / x_scale**order``), as a mantissa and a power of two
so that nothing overflows on the way, and a result beyond the float64 range is an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pydelt_like.neural._devices import torch_module
from pydelt_like.neural._ensemble import EnsembleLayout, members, standardise, with_trend

__all__ = [
    "MAX_ORDER",
    "FittedNetwork",
    "hessian",
    "jacobian",
    "laplacian",
    "nested_derivatives",
    "partial",
    "partial_spread",
]

# Nested autograd costs about 3-4x more per order: order 6 takes ~1 s per 1,000 points with the
# default network on one CPU core, order 8 ~7 s (measured); and a network's derivatives lose
# accuracy well before order 6.
MAX_ORDER = 6
_EVAL_CHUNK = 65_536  # points (divided by order and inputs) evaluated at once: bounded memory


@dataclass(frozen=True, eq=False)
class FittedNetwork:
    """What evaluating a fitted ensemble needs: its layout, weights and standardisation.

    ``x_min`` and ``x_max`` (the fitted range, a float or per coordinate) only word messages.
    """

    layout: EnsembleLayout
    params: Sequence[Any]
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: np.ndarray
    y_scale: np.ndarray
    x_min: Any
    x_max: Any
    device: Any
    dtype: str
    trend: np.ndarray | None = None  # (T, m) coefficients in standardised units, or None

    def tensor(self, rows: np.ndarray) -> Any:
        """Standardised points (p, d) as a tensor on the network's device and dtype."""
        torch = torch_module()
        xs = standardise(rows, self.x_mean, self.x_scale)
        return torch.as_tensor(xs, dtype=getattr(torch, self.dtype), device=self.device)

    def members(self, xs: Any) -> Any:
        """Every member's outputs (K, p, m) at standardised points, trend included."""
        out = members(self.layout, self.params, xs)
        if self.trend is None:
            return out
        torch = torch_module()
        return with_trend(out, xs, torch.as_tensor(self.trend, dtype=xs.dtype, device=xs.device))

    def chunks(self, rows: np.ndarray, order: int) -> Iterator[np.ndarray]:
        """``rows`` in pieces small enough for nested autograd of ``order``."""
        size = max(1024, _EVAL_CHUNK // (1 + order) // max(1, self.layout.n_features))
        for start in range(0, rows.shape[0], size):
            yield rows[start : start + size]


def _grad(output: Any, inputs: Any, create_graph: bool) -> Any:
    """d sum(output) / d inputs; zero where ``output`` is a constant (a linear network's
    derivative, differentiated again)."""
    torch = torch_module()
    if not output.requires_grad:
        return torch.zeros_like(inputs)
    return torch.autograd.grad(output.sum(), inputs, create_graph=create_graph, retain_graph=True)[
        0
    ]


def nested_derivatives(
    value: Any,
    inputs: Any,
    wrt: Sequence[int | None],
    *,
    own_inputs: Callable[[Any, int], Any] | None = None,
) -> Any:
    """Derivatives of every output column of ``value`` by nested autograd.

    Parameters
    ----------
    value : torch.Tensor of shape (..., p, m)
        Outputs computed from ``inputs``.
    inputs : torch.Tensor of shape (..., p, d)
        Points that require gradients (unless ``wrt`` is empty).
    wrt : sequence of int or None
        One entry per differentiation: the coordinate to differentiate with respect to, or
        ``None`` for every coordinate (which adds an axis of size d). ``()`` is the value,
        ``(i,) * k`` the k-th partial derivative along coordinate i, ``(None,)`` the
        gradient, ``(None, None)`` the Hessian.
    own_inputs : callable, optional
        ``own_inputs(gradient, j)``: the part of a gradient with respect to ``inputs`` that
        belongs to output column j, shaped like the column (stacked independent networks
        each have their own copy of the points). Default: all of it.

    Returns
    -------
    torch.Tensor of shape (..., p, m) + (d,) * wrt.count(None)
        Detached from the graph.
    """
    torch = torch_module()
    rank = value.ndim - 1  # the axes of one output column: (..., p)
    depth = len(wrt)

    def differentiate(g: Any, j: int, level: int) -> Any:
        if level == depth:
            return g.detach()
        grad = _grad(g, inputs, create_graph=level < depth - 1)
        if own_inputs is not None:
            grad = own_inputs(grad, j)
        coordinate = wrt[level]
        if coordinate is None:
            parts = [differentiate(grad[..., i], j, level + 1) for i in range(grad.shape[-1])]
            return torch.stack(parts, dim=rank)
        return differentiate(grad[..., coordinate], j, level + 1)

    columns = [differentiate(value[..., j], j, 0) for j in range(value.shape[-1])]
    return torch.stack(columns, dim=rank)


def _raw(net: FittedNetwork, rows: np.ndarray, wrt: Sequence[int | None]) -> np.ndarray:
    """Derivatives of the ensemble mean at rows (p, d), standardised units."""
    out = []
    for chunk in net.chunks(rows, len(wrt)):
        t = net.tensor(chunk).requires_grad_(len(wrt) > 0)
        value = net.members(t).mean(dim=0)
        out.append(nested_derivatives(value, t, wrt).cpu().numpy())
    return np.concatenate(out, axis=0)


def _x_power(net: FittedNetwork, wrt: int, order: int) -> tuple[float, int]:
    """``x_scale[wrt] ** order`` as (mantissa, exponent), whatever its size."""
    with np.errstate(over="ignore", under="ignore"):
        power = net.x_scale[wrt] ** order
    if np.isfinite(power) and power >= np.finfo(np.float64).tiny:
        mantissa, exponent = np.frexp(power)  # bit for bit the plain power
        return float(mantissa), int(exponent)
    mantissa, exponent = np.frexp(net.x_scale[wrt])
    mantissa, extra = np.frexp(mantissa**order)
    return float(mantissa), int(extra + order * exponent)


def _user_units(
    net: FittedNetwork, raw: np.ndarray, order: int, wrt: int, what: str, shift: bool = False
) -> np.ndarray:
    """Standardised derivatives (p, m) times y_scale / x_scale[wrt]**order (+ y_mean).

    The factor is applied as a mantissa and a power of two, so it neither overflows nor
    underflows on the way; the result equals the plain product wherever that is a normal
    float. A result beyond the float64 range is an error, never an inf.
    """
    y_mantissa, y_exponent = np.frexp(net.y_scale)
    x_mantissa, x_exponent = _x_power(net, wrt, order)
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.ldexp(raw * (y_mantissa / x_mantissa), y_exponent - x_exponent)
        values = values + (net.y_mean if shift else 0.0)  # + 0.0 turns -0.0 into 0.0
    return _check_finite(net, values, raw, what, order)


def _check_finite(
    net: FittedNetwork, values: np.ndarray, raw: np.ndarray, what: str, order: int
) -> Any:
    bad = ~np.isfinite(values)
    if not bad.any():
        return values
    count, total = int(bad.reshape(bad.shape[0], -1).any(axis=1).sum()), bad.shape[0]
    if not np.isfinite(raw).all():
        low, high = np.ravel(net.x_min).tolist(), np.ravel(net.x_max).tolist()
        fitted = f"{low[0]:g} to {high[0]:g}" if len(low) == 1 else f"{low} to {high}"
        raise ValueError(
            f"the network's {what} is not finite at {count} of {total} points: they lie so "
            f"far outside the fitted range (x from {fitted}) that the network overflows; "
            "evaluate nearer the data"
        )
    # log10 of the factor y_scale / x_scale**order, which may itself be beyond float64.
    y_scale = float(np.max(net.y_scale))
    x_scale = float(np.min(net.x_scale))
    magnitude = math.log10(y_scale) - order * math.log10(x_scale)
    raise ValueError(
        f"the {what} exceeds the float64 range (about 1.8e308) at {count} of {total} "
        f"points: with y spread over about {y_scale:.3g} and x over {x_scale:.3g}, it "
        f"scales like y/x^{order} = 1e{magnitude:.0f}; rescale y (divide it by a constant) "
        "or x (measure it in larger units) and fit again"
    )


def partial(net: FittedNetwork, rows: np.ndarray, order: int, wrt: int) -> np.ndarray:
    """d^order f / d x_wrt^order at rows (p, d) -> (p, m), user units (order 0: the fit)."""
    raw = _raw(net, rows, (wrt,) * order)
    what = "fit" if order == 0 else f"derivative of order {order}"
    return _user_units(net, raw, order, wrt, what, shift=order == 0)


def partial_spread(net: FittedNetwork, rows: np.ndarray, order: int, wrt: int) -> np.ndarray:
    """Standard deviation across the members of d^order f / d x_wrt^order, (p, m)."""
    layout = net.layout
    n_members, n_outputs = layout.architecture.n_members, layout.n_outputs
    if n_members < 2:
        raise ValueError(
            "the uncertainty of a network is the spread of its ensemble; n_members=1 has "
            "none: fit with n_members >= 2 (the default is 4) for return_std"
        )

    def own_inputs(grad: Any, j: int) -> Any:
        if grad.shape[0] == n_members:
            return grad
        # Independent networks: network k * m + j computes column j of member k.
        return grad.reshape(n_members, n_outputs, *grad.shape[1:])[:, j]

    out = []
    for chunk in net.chunks(rows, order):
        # One copy of the points per stacked network: network i's output depends on copy i
        # only, so the gradient of the sum holds every member's own derivative.
        t = net.tensor(chunk).expand(layout.n_networks, -1, -1).clone()
        t.requires_grad_(order > 0)
        value = net.members(t)  # (K, p, m)
        each = nested_derivatives(value, t, (wrt,) * order, own_inputs=own_inputs)
        out.append(each.std(dim=0).cpu().numpy())
    what = "standard error of the " + ("fit" if order == 0 else f"derivative of order {order}")
    return _user_units(net, np.concatenate(out, axis=0), order, wrt, what)


def jacobian(net: FittedNetwork, rows: np.ndarray) -> np.ndarray:
    """(p, m, d) first derivatives, user units."""
    jac = _raw(net, rows, (None,))
    # y_scale / x_scale as mantissas and powers of two (see _user_units).
    y_mantissa, y_exponent = np.frexp(net.y_scale)
    x_mantissa, x_exponent = np.frexp(net.x_scale)
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.ldexp(
            jac * y_mantissa[None, :, None] / x_mantissa[None, None, :],
            y_exponent[None, :, None] - x_exponent[None, None, :],
        )
    return _check_finite(net, values, jac, "Jacobian", 1)


def hessian(net: FittedNetwork, rows: np.ndarray) -> np.ndarray:
    """(p, d, d) second derivatives of the single output, user units."""
    hess = _raw(net, rows, (None, None))[:, 0]
    y_mantissa, y_exponent = np.frexp(net.y_scale[0])
    x_mantissa, x_exponent = np.frexp(net.x_scale)
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.ldexp(
            hess * y_mantissa / np.outer(x_mantissa, x_mantissa)[None],
            y_exponent - np.add.outer(x_exponent, x_exponent)[None],
        )
    return _check_finite(net, values, hess, "Hessian", 2)


def laplacian(net: FittedNetwork, rows: np.ndarray) -> np.ndarray:
    """(p, 1) traces of the Hessian of the single output, user units."""
    second = hessian(net, rows)
    with np.errstate(over="ignore", invalid="ignore"):
        trace = np.trace(second, axis1=1, axis2=2)[:, None]
    return _check_finite(net, trace, second, "Laplacian", 2)
