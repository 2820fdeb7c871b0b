"""Saving and loading a network: one file format, driven by one list of learned attributes.

A save is ``torch.save({"meta": <JSON text>, "state": {"p0": tensor, "p1": tensor, ...}})``. The
JSON holds the hyperparameters and every learned attribute listed in :data:`LEARNED` (under its
name without the trailing underscore); the tensors are the stacked weights and biases
(``params_``). :data:`LEARNED` drives everything: what :func:`save_network` writes, which keys a
file must hold, how :func:`read_network` checks each value and what :func:`load_network` sets.

:func:`read_network` trusts nothing in a file: it loads with ``weights_only=True`` (no code
runs) and checks every key, type, value, length and tensor before anything is built from them,
so a foreign, damaged or tampered file is one ``ValueError`` instead of a ``KeyError`` in
``load`` or a NaN or a shape error at the first ``predict``. The architecture (how many tensors
of which shapes) depends on the hyperparameters, so :func:`load_network` checks that part.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pydelt_like._validation import check_extrapolate, check_int, check_nan_policy
from pydelt_like.neural._devices import device_available, resolve_device, torch_module
from pydelt_like.neural._ensemble import EnsembleLayout, NetworkArchitecture, check_hidden_layers

__all__ = [
    "FORMAT",
    "LEARNED",
    "NOT_SAVED",
    "REBUILT",
    "Learned",
    "SavedNetwork",
    "check_path",
    "load_network",
    "read_network",
    "save_network",
]

FORMAT = "pydelt_like.NeuralNetworkInterpolator/1"
_MAX_DIMS = 64  # NumPy's limit on the number of axes of y


def _per_feature(values: np.ndarray, sizes: Mapping[str, Any]) -> Any:
    """The fitted range: a float for one input coordinate, else an array per coordinate."""
    return float(values[0]) if sizes["n_features_"] == 1 else values


def _trend(values: np.ndarray, sizes: Mapping[str, Any]) -> np.ndarray:
    """The trend's coefficients as (terms, n_outputs): none, linear or quadratic."""
    d, m = sizes["n_features_"], sizes["n_outputs_"]
    allowed = (0, 1 + d, 1 + d + d * (d + 1) // 2)
    if values.size not in [terms * m for terms in allowed]:
        raise _Damaged(
            f"'trend' must hold {' or '.join(str(t * m) for t in allowed)} numbers "
            f"(n_outputs = {m} times 0, 1 + d or 1 + d + d(d+1)/2 terms), got {values.size}"
        )
    return values.reshape(-1, m)


def _per_output(values: np.ndarray, sizes: Mapping[str, Any]) -> Any:
    """A float for 1-D y, else an array of y's trailing shape."""
    shape = sizes["y_trailing_shape_"]
    return float(values[0]) if shape == () else values.reshape(shape)


@dataclass(frozen=True)
class Learned:
    """One learned attribute as a save holds it.

    ``kind`` says how it is written and checked: ``'text'`` (a string, one of ``allowed``
    when given), ``'count'`` (an integer >= ``low``), ``'shape'`` (y's trailing shape: positive
    integers whose product is ``n_outputs``), ``'numbers'`` (a list of finite numbers, of the
    length that the count named by ``length`` gives, positive or non-negative per ``sign``).
    ``restore`` turns the checked NumPy vector back into the attribute's form.
    """

    attribute: str
    kind: str
    low: int = 0
    allowed: tuple[str, ...] = ()
    length: str | None = None
    sign: str = ""
    restore: Callable[[np.ndarray, Mapping[str, Any]], Any] | None = None

    @property
    def key(self) -> str:
        """The JSON key: the attribute's name without its trailing underscore."""
        return self.attribute.rstrip("_")

    def dump(self, value: Any) -> Any:
        """The attribute's value as JSON holds it."""
        if self.kind == "text":
            return str(value)
        if self.kind == "count":
            return int(value)
        if self.kind == "shape":
            return [int(n) for n in value]
        return np.ravel(value).tolist()

    def check(self, value: Any, checked: Mapping[str, Any]) -> Any:
        """The value read from a file, checked (``checked``: the fields before this one)."""
        if self.kind == "text":
            if not isinstance(value, str) or (self.allowed and value not in self.allowed):
                expected = f"one of {self.allowed}" if self.allowed else "a string"
                raise _Damaged(f"{self.key!r} must be {expected}, got {_short(value)}")
            return value
        if self.kind == "count":
            try:
                return check_int(value, name=repr(self.key), low=self.low)
            except (TypeError, ValueError) as error:
                raise _Damaged(str(error)) from None
        if self.kind == "shape":
            return _shape(value, self.key, checked["n_outputs_"])
        length = None if self.length is None else checked[f"{self.length}_"]
        array = _numbers(value, self.key, length, self.sign)
        return array if self.restore is None else self.restore(array, checked)


#: Every learned attribute a save holds, in the order they are checked (sizes first).
LEARNED: tuple[Learned, ...] = (
    Learned("device_", "text"),
    Learned("dtype_", "text", allowed=("float32", "float64")),
    Learned("n_features_", "count", low=1),
    Learned("n_outputs_", "count", low=1),
    Learned("n_samples_", "count", low=2),
    Learned("y_trailing_shape_", "shape"),
    Learned("x_min_", "numbers", length="n_features", restore=_per_feature),
    Learned("x_max_", "numbers", length="n_features", restore=_per_feature),
    Learned("x_mean_", "numbers", length="n_features"),
    Learned("x_scale_", "numbers", length="n_features", sign="positive"),
    Learned("y_mean_", "numbers", length="n_outputs"),
    Learned("y_scale_", "numbers", length="n_outputs", sign="non-negative"),
    Learned("trend_", "numbers", restore=_trend),
    Learned("noise_std_", "numbers", length="n_outputs", sign="non-negative", restore=_per_output),
    Learned("loss_history_", "numbers", sign="non-negative", restore=lambda v, _: v.tolist()),
)
#: Learned attributes a save does not hold as such: load rebuilds them from what it does.
REBUILT = ("params_", "architecture_", "n_iterations_")
#: Learned attributes a save leaves out (documented as not set by ``load``).
NOT_SAVED = ("samples_",)
_META_KEYS = frozenset(("format", "params", *(field.key for field in LEARNED)))


class _Damaged(Exception):
    """What is wrong with a file; turned into the documented ValueError by the reader."""


@dataclass(frozen=True)
class SavedNetwork:
    """The checked contents of a save.

    ``params`` are the hyperparameters (checked by :func:`load_network`, as ``fit`` checks
    them); ``learned`` maps each attribute of :data:`LEARNED` to its checked value, in the
    form the estimator holds it; ``tensors`` are ``p0, p1, ...`` on the CPU.
    """

    params: dict[str, Any]
    learned: dict[str, Any]
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


def _json_value(value: Any) -> Any:
    """A hyperparameter as JSON can hold it: NumPy scalars as Python ones, sequences as lists."""
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        return value.item()
    if isinstance(value, (tuple, list, np.ndarray)):
        return [_json_value(item) for item in value]
    return value


def save_network(model: Any, path: Any) -> None:
    """Write a fitted network. Errors of the file system are ``OSError``s naming the path."""
    torch = torch_module()
    name = check_path(path, action="save to")
    # The architecture the weights were fitted with, whatever set_params did since.
    fitted = vars(model.architecture_)
    params = {key: _json_value(fitted.get(key, value)) for key, value in model.get_params().items()}
    if not isinstance(params["device"], str):
        params["device"] = str(model.device_)
    meta = {field.key: field.dump(getattr(model, field.attribute)) for field in LEARNED}
    text = json.dumps({"format": FORMAT, "params": params, **meta}, allow_nan=False)
    state = {f"p{i}": p.detach().cpu() for i, p in enumerate(model.params_)}
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
    """Read and check a save written by :func:`save_network`.

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
    torch = torch_module()
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
    meta.setdefault("trend", [])  # files written before the trend existed: none
    _check_keys(set(meta), _META_KEYS, "metadata")
    if not isinstance(meta["params"], dict):
        raise _Damaged("'params' must be a JSON object")
    learned: dict[str, Any] = {}
    for field in LEARNED:
        learned[field.attribute] = field.check(meta[field.key], learned)
    if not (np.ravel(learned["x_min_"]) <= np.ravel(learned["x_max_"])).all():
        raise _Damaged("'x_min' must not exceed 'x_max'")

    state = blob["state"]
    if not isinstance(state, dict) or not state:
        raise _Damaged("'state' must be a non-empty dict of tensors")
    if set(state) != {f"p{i}" for i in range(len(state))}:
        raise _Damaged(f"'state' must hold the tensors p0..p{len(state) - 1}, got {list(state)}")
    dtype = getattr(torch, learned["dtype_"])
    tensors = []
    for i in range(len(state)):
        tensor = state[f"p{i}"]
        if not isinstance(tensor, torch.Tensor) or tensor.layout != torch.strided:
            raise _Damaged(f"'p{i}' must be a dense tensor, got {type(tensor).__name__}")
        if tensor.dtype != dtype:
            raise _Damaged(
                f"'p{i}' has dtype {tensor.dtype}, the metadata says {learned['dtype_']}"
            )
        if not bool(torch.isfinite(tensor).all()):
            raise _Damaged(f"'p{i}' holds NaN or infinite weights")
        tensors.append(tensor)
    return SavedNetwork(params=meta["params"], learned=learned, tensors=tensors)


#: Hyperparameters added after files were first written, with the value that reproduces how
#: those files were trained (a file lacking one loads with it).
_ADDED_LATER: dict[str, Any] = {"num_threads": None}


def load_network(cls: Any, path: Any, device: Any) -> Any:
    """Build a fitted ``cls`` from a save; see ``NeuralNetworkInterpolator.load``."""
    torch = torch_module()
    saved = read_network(path)
    params = dict(saved.params)
    learned = saved.learned
    expected = cls._get_param_names()
    for name, default in _ADDED_LATER.items():  # files written before the parameter existed
        params.setdefault(name, default)
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
        check_nan_policy(model.nan_policy)
        architecture = NetworkArchitecture(
            hidden_layers=check_hidden_layers(model.hidden_layers),
            activation=model.activation,
            n_members=int(model.n_members),
            independent_outputs=bool(model.independent_outputs),
        )
        layout = EnsembleLayout(architecture, learned["n_features_"], learned["n_outputs_"])
        shapes = layout.parameter_shapes
        found = [tuple(t.shape) for t in saved.tensors]
        if found != shapes:
            raise ValueError(f"weights of shapes {found}, where the metadata needs {shapes}")
    except (TypeError, ValueError) as error:
        raise damaged_file(path, str(error)) from None
    if device is None:
        # Where it was trained, so predictions match, unless that device is not here.
        where = learned["device_"] if device_available(learned["device_"]) else "auto"
        if not device_available(str(params["device"])):
            model.device = "auto"  # so that a refit works here too
    else:
        where = device
        model.device = device
    for name, value in learned.items():
        setattr(model, name, value)
    model.device_ = resolve_device(where)
    model.architecture_ = architecture
    dtype = getattr(torch, model.dtype_)
    model.params_ = [t.to(device=model.device_, dtype=dtype) for t in saved.tensors]
    model.n_iterations_ = len(model.loss_history_)
    return model


def _check_keys(found: set[str], expected: frozenset[str] | set[str], what: str) -> None:
    """Raise _Damaged naming the keys missing from, or foreign to, ``what``."""
    missing, extra = sorted(expected - found), sorted(found - expected)
    if missing or extra:
        parts = [f"missing {missing}"] if missing else []
        parts += [f"unexpected {extra}"] if extra else []
        raise _Damaged(f"{what} keys {' and '.join(parts)}")


def _shape(value: Any, key: str, n_outputs: int) -> tuple[int, ...]:
    """y's trailing shape: a list of positive integers whose product is ``n_outputs``."""
    damaged = _Damaged(
        f"{key!r} must be a list of positive integers whose product is n_outputs "
        f"= {n_outputs}, got {_short(value)}"
    )
    if not isinstance(value, list) or len(value) > _MAX_DIMS:
        raise damaged
    try:
        shape = tuple(check_int(n, name=f"{key}[{i}]", low=1) for i, n in enumerate(value))
    except (TypeError, ValueError):
        raise damaged from None
    if math.prod(shape) != n_outputs:
        raise damaged
    return shape


def _numbers(values: Any, key: str, length: int | None, sign: str) -> np.ndarray:
    """A JSON list of finite numbers (of ``length`` items unless None) as float64."""
    if not isinstance(values, list) or (length is not None and len(values) != length):
        size = f" of {length} numbers" if length is not None else " of numbers"
        raise _Damaged(f"{key!r} must be a list{size}, got {_short(values)}")
    # JSON numbers decode to exactly int or float (true and false to bool, which is refused).
    if not all(type(v) in (int, float) for v in values):
        raise _Damaged(f"{key!r} must hold numbers only, got {_short(values)}")
    try:
        array = np.array(values, dtype=np.float64)
    except OverflowError:  # an integer beyond the float range
        raise _Damaged(f"{key!r} holds a number beyond the float64 range") from None
    if not np.isfinite(array).all():
        raise _Damaged(f"{key!r} holds NaN or infinite values")
    if (sign == "positive" and not (array > 0).all()) or (
        sign == "non-negative" and not (array >= 0).all()
    ):
        raise _Damaged(f"{key!r} must be {sign}, got {_short(values)}")
    return array


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
