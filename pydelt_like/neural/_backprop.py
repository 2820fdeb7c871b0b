"""The training objective and its gradient, by hand: one forward and one backward pass.

Training takes thousands of small steps, and on small problems autograd's bookkeeping costs
more than the arithmetic: the gradient written out here makes a step of the seed example
(four networks of 32 x 32 on 100 points) about three times faster than ``backward()``
(measured). The gradient of a multilayer perceptron's weighted squared error is a handful of
batched matrix products; the tests check it against autograd for every activation.

The weights of all stacked networks live in one tensor ``theta`` of shape ``(N, P)``, a row
per network, so that the optimisers update every network in a few element-wise operations and
each network's line search and stopping rule can be its own; :class:`FlatLayout` gives each
layer's weights as views of it.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydelt_like.neural._devices import torch_module
from pydelt_like.neural._ensemble import EnsembleLayout

__all__ = ["Batch", "FlatLayout", "Workspace", "activation_with_slope", "loss_and_gradient"]

_LEAKY_SLOPE = 0.01  # torch.nn.functional.leaky_relu's default, which the forward pass uses


@functools.cache
def activation_with_slope(name: str) -> Callable[[Any, Any], tuple[Any, Any]]:
    """``(z, out) -> (f(z), f'(z))`` for an activation of ``_ensemble.activation_function``.

    The pre-activations ``z`` may be overwritten (the forward pass does not need them again),
    and ``out``, a tensor of ``z``'s shape or ``None``, may receive one of the results: on
    large batches a fresh tensor of megabytes costs more than the arithmetic on it (page
    faults), so tanh, sin and sigmoid write into these two buffers only; the others allocate.
    """
    torch = torch_module()
    functional = torch.nn.functional

    def tanh(z: Any, out: Any) -> tuple[Any, Any]:
        h = z.tanh_()
        one = torch.ones((), dtype=h.dtype, device=h.device)
        return h, torch.addcmul(one, h, h, value=-1.0, out=out)

    def sin(z: Any, out: Any) -> tuple[Any, Any]:
        return torch.sin(z, out=out), z.cos_()

    def sigmoid(z: Any, out: Any) -> tuple[Any, Any]:
        h = z.sigmoid_()
        return h, torch.addcmul(h, h, h, value=-1.0, out=out)

    def softplus(z: Any, out: Any) -> tuple[Any, Any]:
        return functional.softplus(z), z.sigmoid_()

    def gelu(z: Any, out: Any) -> tuple[Any, Any]:
        cdf = 0.5 * (1.0 + torch.erf(z * (1.0 / math.sqrt(2.0))))
        pdf = torch.exp(-0.5 * z * z) * (1.0 / math.sqrt(2.0 * math.pi))
        return z * cdf, cdf + z * pdf

    def silu(z: Any, out: Any) -> tuple[Any, Any]:
        s = torch.sigmoid(z)
        return z * s, s * (1.0 + z * (1.0 - s))

    def relu(z: Any, out: Any) -> tuple[Any, Any]:
        return torch.relu(z), (z > 0).to(z.dtype)

    def leaky_relu(z: Any, out: Any) -> tuple[Any, Any]:
        slope = torch.full_like(z, _LEAKY_SLOPE).masked_fill_(z > 0, 1.0)
        return z * slope, slope

    table = {
        "tanh": tanh,
        "sin": sin,
        "sigmoid": sigmoid,
        "softplus": softplus,
        "gelu": gelu,
        "silu": silu,
        "relu": relu,
        "leaky_relu": leaky_relu,
    }
    return table[name]


class Workspace:
    """Buffers for the hidden layers' activations, slopes and backward deltas, reused by every
    call with a workspace.

    One per optimiser phase (not shared between threads): a pass over n samples otherwise
    allocates a few tensors of ``n_networks * n * width`` numbers per layer, and the first
    touch of each fresh buffer (a page fault per page) cost as much as the pass's arithmetic
    from about 2,000 samples up (measured). Buffers are kept per shape, so that mini-batches
    of two sizes do not evict each other.
    """

    def __init__(self) -> None:
        self._buffers: dict[tuple[Any, ...], Any] = {}

    def get(self, name: str, layer: int, shape: tuple[int, ...], like: Any) -> Any:
        """An uninitialised tensor of ``shape`` in ``like``'s dtype and device."""
        key = (name, layer, shape, like.dtype, like.device)
        buffer = self._buffers.get(key)
        if buffer is None:
            buffer = self._buffers[key] = torch_module().empty(
                shape, dtype=like.dtype, device=like.device
            )
        return buffer


@dataclass(frozen=True)
class FlatLayout:
    """Where each layer's weights sit in a row of ``theta`` (N, P).

    ``shapes`` are one network's ``[W1 (out, in), b1 (out,), W2, b2, ...]``; ``offsets`` where
    each starts in the row; ``weight_mask`` is 1 on weights and 0 on biases (weight decay).
    """

    n_networks: int
    shapes: tuple[tuple[int, ...], ...]
    offsets: tuple[int, ...]
    size: int

    @classmethod
    def of(cls, layout: EnsembleLayout) -> FlatLayout:
        """The flat layout of an ensemble."""
        shapes: list[tuple[int, ...]] = []
        for fan_in, fan_out in itertools.pairwise(layout.layer_sizes):
            shapes += [(fan_out, fan_in), (fan_out,)]
        sizes = [math.prod(shape) for shape in shapes]
        offsets = tuple(itertools.accumulate([0, *sizes[:-1]]))
        return cls(layout.n_networks, tuple(shapes), offsets, sum(sizes))

    def views(self, theta: Any) -> list[Any]:
        """``[W1, b1, ...]`` of shapes (N, out, in) and (N, out), sharing memory with theta."""
        return [
            theta[:, start : start + math.prod(shape)].view(theta.shape[0], *shape)
            for start, shape in zip(self.offsets, self.shapes, strict=True)
        ]

    def pack(self, params: Sequence[Any]) -> Any:
        """One contiguous (N, P) tensor from stacked ``[W1, b1, ...]``."""
        torch = torch_module()
        return torch.cat([p.detach().reshape(p.shape[0], -1) for p in params], dim=1)

    def unpack(self, theta: Any) -> list[Any]:
        """Independent contiguous copies of each layer's weights (what ``params_`` holds)."""
        return [view.clone() for view in self.views(theta)]

    def weight_mask(self, like: Any) -> Any:
        """(P,) ones on the weights, zeros on the biases, in ``like``'s dtype and device."""
        torch = torch_module()
        mask = torch.zeros(self.size, dtype=like.dtype, device=like.device)
        for start, shape in zip(self.offsets[0::2], self.shapes[0::2], strict=True):
            mask[start : start + math.prod(shape)] = 1.0
        return mask


@dataclass(frozen=True, eq=False)
class Batch:
    """Samples laid out per stacked network, with the loss's normalisation.

    ``x`` (n, d); ``y`` (N or 1, n, o) the targets each network fits (o = 1 for independent
    networks, which fit one column each); ``w`` (N or 1, n, 1) the sample weights;
    ``scale`` = 1 / (n_outputs * mean weight * n), so that a network's loss is its share of
    its member's weighted mean squared error.
    """

    x: Any
    y: Any
    w: Any
    scale: float

    @classmethod
    def of(cls, layout: EnsembleLayout, x: Any, y: Any, w: Any, mean_weight: float) -> Batch:
        """Lay out samples ``x`` (n, d), ``y`` (n, m), ``w`` (n,) or (n, K) for the networks."""
        n, m = y.shape
        members = layout.architecture.n_members
        if layout.independent:  # network k * m + j fits column j of member k
            y_net = y.T[None].expand(members, m, n).reshape(members * m, n, 1)
        else:
            y_net = y[None]
        if w.ndim == 1:
            w_net = w[None, :, None]
        elif layout.independent:
            w_net = w.T[:, None, :].expand(members, m, n).reshape(members * m, n, 1)
        else:
            w_net = w.T[:, :, None]
        return cls(x, y_net, w_net, 1.0 / (m * mean_weight * n))


def loss_and_gradient(
    flat: FlatLayout,
    activation: str,
    theta: Any,
    batch: Batch,
    weight_decay: float = 0.0,
    mask: Any = None,
    *,
    gradient: bool = True,
    workspace: Workspace | None = None,
) -> tuple[Any, Any, Any]:
    """Each network's objective, data loss and gradient at ``theta`` (N, P).

    Returns ``(objective (N,), loss (N,), gradient (N, P) or None)``: the loss is the
    network's share of its member's weighted mean squared error; the objective adds
    ``weight_decay`` times the sum of its squared weights (``mask``: see
    :meth:`FlatLayout.weight_mask`). The networks are independent, so the gradient of the sum
    of the objectives, row by row, is each network's own. With a ``workspace`` the hidden
    layers are computed in its buffers (nothing returned shares memory with them). The passes
    work in place: call it without autograd (``torch.no_grad()``, or weights that do not
    require gradients), as training does.
    """
    torch = torch_module()
    act = activation_with_slope(activation)
    weights = flat.views(theta)
    n_layers = len(weights) // 2
    n_networks, n = theta.shape[0], batch.x.shape[0]
    h = batch.x.expand(n_networks, -1, -1)
    inputs, slopes = [h], []

    def buffer(name: str, layer: int, width: int) -> Any:
        if workspace is None:
            return None
        return workspace.get(name, layer, (n_networks, n, width), theta)

    for layer in range(n_layers):
        weight = weights[2 * layer]
        hidden = layer < n_layers - 1
        z = torch.baddbmm(
            weights[2 * layer + 1][:, None, :],
            h,
            weight.transpose(1, 2),
            out=buffer("z", layer, weight.shape[1]) if hidden else None,
        )
        if not hidden:
            h = z
            break
        h, slope = act(z, buffer("slope", layer, weight.shape[1]))
        inputs.append(h)
        slopes.append(slope)
    residual = h - batch.y
    weighted = residual * batch.w
    loss = (weighted * residual).sum(dim=(1, 2)) * batch.scale
    objective = loss
    if weight_decay:
        objective = loss + weight_decay * (theta * theta * mask).sum(dim=1)
    if not gradient:
        return objective, loss, None
    delta = weighted * (2.0 * batch.scale)
    parts: list[Any] = []
    for layer in range(n_layers - 1, -1, -1):
        parts.append(delta.sum(dim=1))
        parts.append(torch.bmm(delta.transpose(1, 2), inputs[layer]).flatten(1))
        if layer:
            width = weights[2 * layer].shape[2]
            delta = torch.bmm(delta, weights[2 * layer], out=buffer("delta", layer, width))
            delta.mul_(slopes[layer - 1])
    grad = torch.cat(parts[::-1], dim=1)
    if weight_decay:
        grad = grad + (2.0 * weight_decay) * theta * mask
    return objective, loss, grad
