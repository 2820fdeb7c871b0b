"""Where a network lives: torch, imported on first use, and the device a name resolves to."""

from __future__ import annotations

from typing import Any

__all__ = ["device_available", "resolve_device", "torch_module"]


def torch_module() -> Any:
    """The ``torch`` module, imported here so that ``import pydelt_like`` does not import it."""
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

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    torch = torch_module()
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


def device_available(name: str) -> bool:
    """Whether :func:`resolve_device` accepts ``name`` on this machine."""
    try:
        resolve_device(name)
    except ValueError:
        return False
    return True
