"""The interpolator contract as a public tool, like scikit-learn's ``check_estimator``.

:func:`check_interpolator` runs every check on an interpolator (yours too) and raises an
``AssertionError`` naming the first one that fails; :func:`interpolator_checks` yields the
checks one by one, for a test suite that wants a test per check:

.. code-block:: python

    import pytest
    from pydelt_like.testing import interpolator_checks


    @pytest.mark.parametrize(
        "check", interpolator_checks(MyInterpolator(degree=3)), ids=lambda check: check.name
    )
    def test_contract(check):
        check()

The checks need nothing beyond the contract of :class:`~pydelt_like.base.BaseInterpolator`:
they fit small smooth data, so an interpolator that cannot follow ``sin`` on 60 samples to a
few per cent fails the accuracy check.
"""

from __future__ import annotations

import copy
import inspect
import pickle
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pydelt_like.base import BaseInterpolator, NotFittedError

__all__ = ["Check", "check_interpolator", "interpolator_checks"]

#: Relative rms error allowed on sin(x) + x/10 (60 samples on [0, 3]) for the fit and its first
#: derivative: loose on purpose, a sanity check of the contract rather than of accuracy.
_ACCURACY = (0.02, 0.1)


@dataclass(frozen=True)
class Check:
    """One check of the contract, bound to an interpolator; call it to run it."""

    name: str
    run: Callable[[BaseInterpolator], None]
    estimator: BaseInterpolator

    def __call__(self) -> None:
        """Run the check on a fresh clone of the interpolator.

        Raises
        ------
        AssertionError
            If the interpolator breaks the contract; the message says how.
        """
        try:
            self.run(clone(self.estimator))
        except AssertionError as error:
            message = f"{type(self.estimator).__name__} fails {self.name}: {error}"
            raise AssertionError(message) from error

    def __repr__(self) -> str:
        return f"Check({self.name!r})"


def clone(estimator: BaseInterpolator) -> BaseInterpolator:
    """A new, unfitted interpolator with the same hyperparameters (copied deeply)."""
    params = {name: copy.deepcopy(value) for name, value in estimator.get_params(False).items()}
    return type(estimator)(**params)


def interpolator_checks(estimator: BaseInterpolator) -> list[Check]:
    """Every check of the contract that applies to ``estimator``, unrun.

    Parameters
    ----------
    estimator : BaseInterpolator
        An unfitted interpolator, with hyperparameters that keep it small and fast (each check
        works on a clone).

    Returns
    -------
    list of Check
        Call each to run it.

    Raises
    ------
    TypeError
        If ``estimator`` is not an instance of a :class:`BaseInterpolator` subclass.
    """
    if not isinstance(estimator, BaseInterpolator):
        raise TypeError(
            f"check_interpolator takes an interpolator instance (a BaseInterpolator), got "
            f"{estimator!r}"
        )
    checks = [
        check_constructor,
        check_params_round_trip,
        check_not_fitted,
        check_fit_returns_self,
        check_accuracy_on_smooth_data,
        check_shapes,
        check_batch_of_series,
        check_idempotent_evaluation,
        check_inputs_not_mutated,
        check_bad_input,
        check_order_errors,
        check_range_policy,
        check_refit_is_clean,
        check_failed_fit_keeps_the_old_state,
        check_weights_equal_repeated_samples,
        check_pickle,
    ]
    if _supports(estimator, "bands"):
        checks.append(check_bands)
    if _supports(estimator, "multivariate"):
        checks.append(check_several_inputs)
    if _supports(estimator, "uses_torch"):
        checks.append(check_devices_and_dtypes)
    return [Check(check.__name__, check, estimator) for check in checks]


def check_interpolator(estimator: BaseInterpolator) -> list[str]:
    """Run every check of the interpolator contract on ``estimator``.

    Parameters
    ----------
    estimator : BaseInterpolator
        An unfitted interpolator; give it hyperparameters that keep it small and fast.

    Returns
    -------
    list of str
        The names of the checks that ran (all passed).

    Raises
    ------
    AssertionError
        At the first check that fails, naming it and what went wrong.
    TypeError
        If ``estimator`` is not an interpolator instance.

    Examples
    --------
    >>> from pydelt_like import SplineInterpolator
    >>> from pydelt_like.testing import check_interpolator
    >>> passed = check_interpolator(SplineInterpolator(k=3))
    >>> "check_failed_fit_keeps_the_old_state" in passed
    True
    """
    ran = []
    for check in interpolator_checks(estimator):
        check()
        ran.append(check.name)
    return ran


# --------------------------------------------------------------------------- helpers
def _supports(estimator: BaseInterpolator, capability: str) -> bool:
    """A capability from the registry entry of the estimator's class (False if unregistered)."""
    from pydelt_like import registry

    for family in registry.families():
        if family._loaded and family._loaded[0] is type(estimator):
            return bool(getattr(family, capability))
        if family.target == f"{type(estimator).__module__}:{type(estimator).__qualname__}":
            return bool(getattr(family, capability))
    return False


def _data(n: int = 60, m: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(0.0, 3.0, n)
    y = np.sin(x) + 0.1 * x
    if m is not None:
        y = np.column_stack([y * (1 + j) for j in range(m)])
    return x, y


def _quiet_fit(estimator: BaseInterpolator, *args: Any, **kwargs: Any) -> BaseInterpolator:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(*args, **kwargs)


def _learned(estimator: BaseInterpolator) -> set[str]:
    return {name for name in vars(estimator) if name.endswith("_") and not name.startswith("_")}


def _deterministic(estimator: BaseInterpolator) -> bool:
    """Whether two fresh fits on the same data predict identically."""
    x, y = _data()
    first = _quiet_fit(clone(estimator), x, y).predict(x)
    second = _quiet_fit(clone(estimator), x, y).predict(x)
    return bool(np.array_equal(first, second))


def _raises(error: type[BaseException], call: Callable[[], Any], what: str) -> None:
    try:
        call()
    except error as raised:
        assert str(raised), f"{what}: {error.__name__} without a message"
        return
    except Exception as other:
        raise AssertionError(
            f"{what}: raised {type(other).__name__}, not {error.__name__}: {other}"
        ) from other
    raise AssertionError(f"{what}: no {error.__name__} raised")


# --------------------------------------------------------------------------- the checks
def check_constructor(estimator: BaseInterpolator) -> None:
    """``__init__`` is keyword-only, stores its arguments unchanged and learns nothing."""
    signature = inspect.signature(type(estimator).__init__)
    for name, parameter in signature.parameters.items():
        if name != "self":
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, (
                f"__init__ argument {name!r} must be keyword-only"
            )
    for name, value in estimator.get_params(False).items():
        assert getattr(estimator, name) is value, f"__init__ must store {name!r} unchanged"
    assert not _learned(estimator), f"__init__ set learned attributes {sorted(_learned(estimator))}"
    for name in ("nan_policy", "extrapolate"):
        assert name in signature.parameters, f"__init__ must take {name!r}"


def check_params_round_trip(estimator: BaseInterpolator) -> None:
    """``get_params``/``set_params`` round trip; a clone has equal parameters; repr works."""
    params = estimator.get_params()
    twin = clone(estimator)
    assert twin.get_params().keys() == params.keys()
    assert twin.set_params(**params) is twin
    assert repr(twin) == repr(estimator)
    _raises(ValueError, lambda: twin.set_params(no_such_parameter=1), "set_params(unknown)")


def check_not_fitted(estimator: BaseInterpolator) -> None:
    """Using an unfitted interpolator raises the shared NotFittedError."""
    _raises(NotFittedError, lambda: estimator.predict(0.5), "predict before fit")
    _raises(NotFittedError, lambda: estimator(0.5), "__call__ before fit")
    _raises(NotFittedError, lambda: estimator.differentiate(1), "differentiate before fit")


def check_fit_returns_self(estimator: BaseInterpolator) -> None:
    """``fit`` returns the interpolator; learned state ends in ``_``; range and counts kept."""
    x, y = _data()
    assert _quiet_fit(estimator, x, y) is estimator, "fit must return self"
    assert _learned(estimator), "fit learned nothing (attributes ending in '_')"
    assert estimator.x_min_ == 0.0 and estimator.x_max_ == 3.0
    assert estimator.n_samples_ == 60 and estimator.n_outputs_ == 1


def check_accuracy_on_smooth_data(estimator: BaseInterpolator) -> None:
    """The fit and its first derivative follow a smooth function closely."""
    x, y = _data()
    _quiet_fit(estimator, x, y)
    grid = np.linspace(0.2, 2.8, 50)
    for order, truth, tol in (
        (0, np.sin(grid) + 0.1 * grid, _ACCURACY[0]),
        (1, np.cos(grid) + 0.1, _ACCURACY[1]),
    ):
        values = estimator.differentiate(order)(grid)
        error = np.sqrt(np.mean((values - truth) ** 2)) / np.sqrt(np.mean(truth**2))
        assert error <= tol, f"order {order}: relative rms error {error:.3g} > {tol}"


def check_shapes(estimator: BaseInterpolator) -> None:
    """A scalar in gives a float out; an array keeps its shape; order 0 is the fit."""
    x, y = _data()
    _quiet_fit(estimator, x, y)
    value = estimator(1.0)
    assert isinstance(value, float), f"scalar in must give a float out, got {type(value)}"
    points = np.linspace(0.5, 2.5, 12).reshape(3, 4)
    for order in (0, 1):
        derivative = estimator.differentiate(order)
        out = derivative(points)
        assert isinstance(out, np.ndarray) and out.shape == (3, 4) and out.dtype == np.float64
        assert np.all(np.isfinite(out))
        assert isinstance(derivative(1.0), float)
    np.testing.assert_array_equal(estimator.differentiate(0)(points), estimator(points))


def check_batch_of_series(estimator: BaseInterpolator) -> None:
    """``y`` of shape (n, 2, 3) is six series; outputs keep the trailing shape."""
    x, y = _data()
    batch = y[:, None, None] * np.arange(1.0, 7.0).reshape(2, 3)  # (n, 2, 3)
    _quiet_fit(estimator, x, batch)
    assert estimator.n_outputs_ == 6 and estimator.y_trailing_shape_ == (2, 3)
    assert estimator(1.0).shape == (2, 3)
    assert estimator.differentiate(1)(np.array([0.5, 1.5])).shape == (2, 2, 3)


def check_idempotent_evaluation(estimator: BaseInterpolator) -> None:
    """Evaluating twice gives identical values; ``predict`` equals ``__call__``."""
    x, y = _data()
    _quiet_fit(estimator, x, y)
    points = np.linspace(0.1, 2.9, 17)
    first = estimator.predict(points)
    np.testing.assert_array_equal(first, estimator.predict(points))
    np.testing.assert_array_equal(first, estimator(points))
    d1 = estimator.differentiate(1)
    np.testing.assert_array_equal(d1(points), d1.predict(points))


def check_inputs_not_mutated(estimator: BaseInterpolator) -> None:
    """Lists, arrays in any order, pandas Series and torch tensors are accepted and give the
    same fit; nothing the user passed is modified."""
    x, y = _data()
    x_copy, y_copy = x.copy(), y.copy()
    weights = np.ones_like(x)
    _quiet_fit(estimator, x, y, weights=weights)
    points = np.linspace(0.5, 2.5, 5)
    saved = points.copy()
    reference = estimator(points)
    estimator.differentiate(1)(points)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(points, saved)
    np.testing.assert_array_equal(weights, 1.0)
    same = _deterministic(estimator)
    others: list[tuple[Any, Any]] = [(list(x), list(y)), (x[::-1].copy(), y[::-1].copy())]
    for module, convert in (("pandas", "Series"), ("torch", "tensor")):
        try:
            library = __import__(module)
        except ImportError:
            continue
        others.append((getattr(library, convert)(x), getattr(library, convert)(y)))
    for other_x, other_y in others:
        fitted = _quiet_fit(clone(estimator), other_x, other_y)
        if same:
            np.testing.assert_allclose(fitted(points), reference, rtol=0, atol=1e-12)


def check_bad_input(estimator: BaseInterpolator) -> None:
    """Bad data raise ValueError or TypeError with a message, never something deeper."""
    x, y = _data()
    y_nan = y.copy()
    y_nan[5] = np.nan
    _raises(ValueError, lambda: estimator.fit(x, y_nan), "NaN in y with nan_policy='raise'")
    _raises(ValueError, lambda: estimator.fit(x, y[:-1]), "x and y of different lengths")
    _raises(ValueError, lambda: estimator.fit([], []), "empty data")
    _raises(TypeError, lambda: estimator.fit(x, ["a"] * x.size), "strings for y")
    _raises(TypeError, lambda: estimator.fit(x, y * 1j), "complex y")
    _raises(ValueError, lambda: estimator.fit(np.ones((x.size, 2, 2)), y), "3-D x")
    _raises(ValueError, lambda: estimator.fit(x[:1], y[:1]), "a single sample")
    _raises(ValueError, lambda: estimator.fit(x, y, weights=-np.ones_like(x)), "negative weights")


def check_order_errors(estimator: BaseInterpolator) -> None:
    """Orders must be non-negative integers within the family's maximum."""
    x, y = _data()
    _quiet_fit(estimator, x, y)
    _raises(ValueError, lambda: estimator.differentiate(-1), "differentiate(-1)")
    half: Any = 1.5
    _raises(TypeError, lambda: estimator.differentiate(half), "differentiate(1.5)")
    _raises(TypeError, lambda: estimator.differentiate(True), "differentiate(True)")
    _raises(ValueError, lambda: estimator.differentiate(10**9), "differentiate(10**9)")


def check_range_policy(estimator: BaseInterpolator) -> None:
    """Outside the fitted range raises by default; ``extrapolate='nan'`` gives NaN there; NaN
    points give NaN."""
    x, y = _data()
    _quiet_fit(estimator, x, y)
    if estimator.extrapolate == "raise":
        _raises(ValueError, lambda: estimator(5.0), "evaluation outside the fitted range")
    out = estimator(np.array([np.nan, 1.0]))
    assert np.isnan(out[0]) and np.isfinite(out[1]), "a NaN point must give NaN, the rest values"
    nan_policy = clone(estimator).set_params(extrapolate="nan")
    _quiet_fit(nan_policy, x, y)
    values = nan_policy(np.array([-1.0, 1.0, 4.0]))
    assert np.isnan(values[[0, 2]]).all() and np.isfinite(values[1])


def check_refit_is_clean(estimator: BaseInterpolator) -> None:
    """A refit keeps nothing of the earlier fit: same state as a fresh fit on the new data."""
    x, y = _data()
    x2, y2 = _data(45, m=2)
    _quiet_fit(estimator, x, y)
    _quiet_fit(estimator, x2, y2)
    fresh = _quiet_fit(clone(estimator), x2, y2)
    assert _learned(estimator) == _learned(fresh), (
        f"stale attributes after a refit: {sorted(_learned(estimator) ^ _learned(fresh))}"
    )
    assert estimator.n_outputs_ == 2 and estimator.n_samples_ == 45
    if _deterministic(estimator):
        points = np.linspace(0.1, 2.9, 9)
        np.testing.assert_array_equal(estimator(points), fresh(points))


def check_failed_fit_keeps_the_old_state(estimator: BaseInterpolator) -> None:
    """A fit that fails leaves the earlier fit exactly as it was."""
    x, y = _data()
    _quiet_fit(estimator, x, y)
    points = np.linspace(0.1, 2.9, 9)
    before, names = estimator(points), _learned(estimator)
    bad = y.copy()
    bad[3] = np.inf
    _raises(ValueError, lambda: estimator.fit(x, bad), "inf in y")
    assert _learned(estimator) == names
    np.testing.assert_array_equal(estimator(points), before)


def check_weights_equal_repeated_samples(estimator: BaseInterpolator) -> None:
    """A weight of 2 on a sample fits like that sample given twice (up to rounding)."""
    x, y = _data()
    rng = np.random.default_rng(0)
    y = y + rng.normal(0.0, 0.01, x.size)
    weights = np.ones_like(x)
    weights[::7] = 2.0
    weighted = _quiet_fit(clone(estimator), x, y, weights=weights)
    repeat = np.r_[np.arange(x.size), np.arange(x.size)[::7]]
    repeated = _quiet_fit(clone(estimator), x[repeat], y[repeat])
    points = np.linspace(0.1, 2.9, 15)
    if _deterministic(estimator):
        scale = np.abs(y).max()
        np.testing.assert_allclose(weighted(points), repeated(points), atol=1e-6 * scale)


def check_pickle(estimator: BaseInterpolator) -> None:
    """A pickled fit (and its derivative) predicts identically."""
    x, y = _data()
    _quiet_fit(estimator, x, y)
    points = np.linspace(0.1, 2.9, 11)
    restored = pickle.loads(pickle.dumps(estimator))
    np.testing.assert_array_equal(restored(points), estimator(points))
    derivative = pickle.loads(pickle.dumps(estimator.differentiate(1)))
    np.testing.assert_array_equal(derivative(points), estimator.differentiate(1)(points))


def check_bands(estimator: BaseInterpolator) -> None:
    """Standard errors and intervals keep the values' shape (two series here), are positive,
    NaN exactly where the values are (NaN points, outside the range with
    ``extrapolate='nan'``), leave the values unchanged and order the interval around them."""
    x, y = _data()
    noisy = y + np.random.default_rng(1).normal(0, 0.05, x.size)
    estimator.set_params(extrapolate="nan")
    _quiet_fit(estimator, x, np.column_stack([noisy, 2 * noisy]))
    points = np.array([[0.5, np.nan, 2.0], [1.0, 9.0, 2.5]])
    for order in (0, 1):
        curve = estimator.differentiate(order)
        values, std = curve(points, return_std=True)
        assert values.shape == std.shape == (2, 3, 2)
        np.testing.assert_array_equal(np.isnan(std), np.isnan(values))
        assert np.all(std[np.isfinite(std)] > 0)
        np.testing.assert_array_equal(values, curve(points))
        lower, upper = curve.interval(points, level=0.8)
        finite = np.isfinite(values)
        assert np.all(lower[finite] < values[finite]) and np.all(values[finite] < upper[finite])
    one = _quiet_fit(clone(estimator), x, noisy).differentiate(1)(1.0, return_std=True)
    assert isinstance(one[0], float) and isinstance(one[1], float)


def check_several_inputs(estimator: BaseInterpolator) -> None:
    """``x`` of shape (n, d) fits; points of shape (..., d) give outputs of shape (...)."""
    rng = np.random.default_rng(2)
    x = rng.uniform(-1.0, 1.0, (150, 2))
    y = x[:, 0] * x[:, 1] + x[:, 0]
    _quiet_fit(estimator, x, y)
    points = rng.uniform(-0.5, 0.5, (3, 4, 2))
    out = estimator(points)
    assert out.shape == (3, 4) and np.all(np.isfinite(out))
    truth = points[..., 0] * points[..., 1] + points[..., 0]
    assert np.sqrt(np.mean((out - truth) ** 2)) <= 0.1


def check_devices_and_dtypes(estimator: BaseInterpolator) -> None:
    """A torch family fits and predicts on every available device, in float32 and float64,
    returning float64 NumPy arrays."""
    import torch

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    x, y = _data()
    params = estimator.get_params(False)
    for device in devices:
        for dtype in ("float32", "float64"):
            if "device" not in params or "dtype" not in params:
                return
            model = clone(estimator).set_params(device=device, dtype=dtype)
            _quiet_fit(model, x, y)
            out = model.differentiate(1)(np.linspace(0.5, 2.5, 5))
            assert isinstance(out, np.ndarray) and out.dtype == np.float64
            assert np.all(np.isfinite(out)), f"non-finite derivative on {device}/{dtype}"
