"""The file format of a saved network: written in one place, checked field by field on reading.

A save is ``torch.save({"meta": <JSON text>, "state": {"p0": tensor, "p1": tensor, ...}})``. The
JSON holds the hyperparameters, the sizes and the standardisation; the tensors are the stacked
weights and biases. :func:`read_network` trusts nothing in a file: it loads with
``weights_only=True`` (no code runs) and checks every key, type, value, length and tensor before
anything is built from them, so a foreign, damaged or tampered file is one ``ValueError`` instead
of a ``KeyError`` in ``load`` or a NaN or a shape error at the first ``predict``. The architecture
(how many tensors of which shapes) depends on the hyperparameters, so
:meth:`~pydelt_like.neural.NeuralNetworkInterpolator.load` checks that part with
:func:`damaged_file`.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["FORMAT", "SavedNetwork", "check_path", "damaged_file", "read_network", "write_network"]

FORMAT = "pydelt_like.NeuralNetworkInterpolator/1"
_DTYPES = ("float32", "float64")
_META_KEYS = frozenset(
    (
        "format",
        "params",
        "device",
        "dtype",
        "n_features",
        "n_outputs",
        "n_samples",
        "y_trailing_shape",
        "x_min",
        "x_max",
        "x_mean",
        "x_scale",
        "y_mean",
        "y_scale",
        "noise_std",
        "loss_history",
    )
)
_MAX_DIMS = 64  # NumPy's limit on the number of axes of y


class _Damaged(Exception):
    """What is wrong with a file; turned into the documented ValueError by the reader."""


@dataclass(frozen=True)
class SavedNetwork:
    """The checked contents of a save: every field is of the type and in the range it needs."""

    params: dict[str, Any]
    device: str
    dtype: str
    n_features: int
    n_outputs: int
    n_samples: int
    y_trailing_shape: tuple[int, ...]
    x_min: np.ndarray
    x_max: np.ndarray
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: np.ndarray
    y_scale: np.ndarray
    noise_std: np.ndarray
    loss_history: list[float]
    tensors: list[Any]


def check_path(path: Any, *, action: str) -> str | bytes:
    """``os.fspath(path)``, refusing what no file system takes.

    Parameters
    ----------
    path : str, bytes or path-like
    action : str
        ``'save to'`` or ``'load from'``, for the messages.

    Returns
    -------
    str or bytes

    Raises
    ------
    TypeError
        If ``path`` is not a path.
    ValueError
        If it is empty or holds a NUL character.
    """
    try:
        name = os.fspath(path)
    except TypeError:
        raise TypeError(
            f"path must be a str or path-like object (a file to {action}), got {path!r} "
            f"({type(path).__name__})"
        ) from None
    text = os.fsdecode(name)
    if not text:
        raise ValueError(f"path is empty; give the file to {action}")
    if "\0" in text:
        raise ValueError(f"path {text!r} holds a NUL character, which no file name may contain")
    return name


def write_network(path: Any, meta: dict[str, Any], state: dict[str, Any]) -> None:
    """Write a save. Errors of the file system are ``OSError``s naming the path.

    Parameters
    ----------
    path : str or path-like
    meta : dict
        JSON-serialisable metadata (see :func:`read_network` for the keys).
    state : dict of str to torch.Tensor
        ``p0``, ``p1``, ...: the stacked weights and biases, on the CPU.
    """
    import torch

    name = check_path(path, action="save to")
    text = json.dumps({"format": FORMAT, **meta}, allow_nan=False)
    # Opened here, not by torch, so that a missing directory or a denied permission is the
    # OSError (naming the path) that Python raises, not a RuntimeError from torch's writer.
    with open(name, "wb") as handle:
        torch.save({"meta": text, "state": state}, handle)


def damaged_file(path: Any, reason: str) -> ValueError:
    """The one error for a file that is not an intact save."""
    return ValueError(
        f"{os.fsdecode(path)!r} is not a NeuralNetworkInterpolator saved by save() (or it is "
        f"damaged): {reason}"
    )


def read_network(path: Any) -> SavedNetwork:
    """Read and check a save written by :func:`write_network`.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    SavedNetwork

    Raises
    ------
    TypeError, ValueError
        For a path that is not one (see :func:`check_path`).
    OSError
        If the file cannot be opened (missing, a directory, no permission).
    ValueError
        If the file is not an intact save: not a torch file, a pickle that would run code, or
        metadata or tensors that are missing, of the wrong type, out of range, inconsistent
        with each other or not finite.
    """
    import torch

    name = check_path(path, action="load from")
    with open(name, "rb") as handle:
        try:
            blob = torch.load(handle, map_location="cpu", weights_only=True)
        except Exception as error:  # a file torch cannot read, whatever the reason
            raise damaged_file(name, f"{type(error).__name__}: {error}") from None
    try:
        return _check_blob(blob, torch)
    except _Damaged as error:
        raise damaged_file(name, str(error)) from None


def _check_blob(blob: Any, torch: Any) -> SavedNetwork:
    if not isinstance(blob, dict) or set(blob) != {"meta", "state"}:
        raise _Damaged("expected a dict with the keys 'meta' and 'state'")
    if not isinstance(blob["meta"], str):
        raise _Damaged(f"'meta' must be JSON text, got {type(blob['meta']).__name__}")
    try:
        meta = json.loads(blob["meta"])
    except (ValueError, RecursionError) as error:
        raise _Damaged(f"'meta' is not valid JSON ({error})") from None
    if not isinstance(meta, dict):
        raise _Damaged("'meta' must hold a JSON object")
    if meta.get("format") != FORMAT:
        raise _Damaged(f"format is {meta.get('format')!r}, expected {FORMAT!r}")
    _check_keys(set(meta), _META_KEYS, "metadata")
    params = meta["params"]
    if not isinstance(params, dict):
        raise _Damaged("'params' must be a JSON object")
    for key in ("device", "dtype"):
        if not isinstance(meta[key], str):
            raise _Damaged(f"{key!r} must be a string, got {meta[key]!r}")
    if meta["dtype"] not in _DTYPES:
        raise _Damaged(f"'dtype' must be one of {_DTYPES}, got {meta['dtype']!r}")
    n_features = _integer(meta, "n_features", low=1)
    n_outputs = _integer(meta, "n_outputs", low=1)
    n_samples = _integer(meta, "n_samples", low=2)
    shape = meta["y_trailing_shape"]
    if (
        not isinstance(shape, list)
        or len(shape) > _MAX_DIMS
        or not all(_is_int(n) and n >= 1 for n in shape)
        or math.prod(shape) != n_outputs
    ):
        raise _Damaged(
            f"'y_trailing_shape' must be a list of positive integers whose product is n_outputs "
            f"= {n_outputs}, got {shape!r}"
        )
    x_min = _numbers(meta, "x_min", n_features)
    x_max = _numbers(meta, "x_max", n_features)
    if not (x_min <= x_max).all():
        raise _Damaged("'x_min' must not exceed 'x_max'")
    x_mean = _numbers(meta, "x_mean", n_features)
    x_scale = _numbers(meta, "x_scale", n_features, positive=True)
    y_mean = _numbers(meta, "y_mean", n_outputs)
    y_scale = _numbers(meta, "y_scale", n_outputs, non_negative=True)
    noise_std = _numbers(meta, "noise_std", n_outputs, non_negative=True)
    loss_history = _numbers(meta, "loss_history", None, non_negative=True)

    state = blob["state"]
    if not isinstance(state, dict) or not state:
        raise _Damaged("'state' must be a non-empty dict of tensors")
    if set(state) != {f"p{i}" for i in range(len(state))}:
        raise _Damaged(f"'state' must hold the tensors p0..p{len(state) - 1}, got {list(state)}")
    dtype = getattr(torch, meta["dtype"])
    tensors = []
    for i in range(len(state)):
        tensor = state[f"p{i}"]
        if not isinstance(tensor, torch.Tensor) or tensor.layout != torch.strided:
            raise _Damaged(f"'p{i}' must be a dense tensor, got {type(tensor).__name__}")
        if tensor.dtype != dtype:
            raise _Damaged(f"'p{i}' has dtype {tensor.dtype}, the metadata says {meta['dtype']}")
        if not bool(torch.isfinite(tensor).all()):
            raise _Damaged(f"'p{i}' holds NaN or infinite weights")
        tensors.append(tensor)
    return SavedNetwork(
        params=params,
        device=meta["device"],
        dtype=meta["dtype"],
        n_features=n_features,
        n_outputs=n_outputs,
        n_samples=n_samples,
        y_trailing_shape=tuple(shape),
        x_min=x_min,
        x_max=x_max,
        x_mean=x_mean,
        x_scale=x_scale,
        y_mean=y_mean,
        y_scale=y_scale,
        noise_std=noise_std,
        loss_history=[float(v) for v in loss_history],
        tensors=tensors,
    )


def _check_keys(found: set[str], expected: frozenset[str] | set[str], what: str) -> None:
    """Raise _Damaged naming the keys missing from, or foreign to, ``what``."""
    missing, extra = sorted(expected - found), sorted(found - expected)
    if missing or extra:
        parts = [f"missing {missing}"] if missing else []
        parts += [f"unexpected {extra}"] if extra else []
        raise _Damaged(f"{what} keys {' and '.join(parts)}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _integer(meta: dict[str, Any], key: str, *, low: int) -> int:
    value = meta[key]
    if not _is_int(value) or value < low:
        raise _Damaged(f"{key!r} must be an integer >= {low}, got {value!r}")
    return int(value)


def _numbers(
    meta: dict[str, Any],
    key: str,
    length: int | None,
    *,
    positive: bool = False,
    non_negative: bool = False,
) -> np.ndarray:
    """A JSON list of finite numbers (of ``length`` items unless None) as float64."""
    values = meta[key]
    if not isinstance(values, list) or (length is not None and len(values) != length):
        size = f" of {length} numbers" if length is not None else " of numbers"
        raise _Damaged(f"{key!r} must be a list{size}, got {_short(values)}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise _Damaged(f"{key!r} must hold numbers only, got {_short(values)}")
    try:
        array = np.array(values, dtype=np.float64)
    except OverflowError:  # an integer beyond the float range
        raise _Damaged(f"{key!r} holds a number beyond the float64 range") from None
    if not np.isfinite(array).all():
        raise _Damaged(f"{key!r} holds NaN or infinite values")
    if positive and not (array > 0).all():
        raise _Damaged(f"{key!r} must be positive, got {_short(values)}")
    if non_negative and not (array >= 0).all():
        raise _Damaged(f"{key!r} must be >= 0, got {_short(values)}")
    return array


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
