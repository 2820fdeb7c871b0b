"""The interpolator contract (pydelt_like.testing) run over every registered family, plus the
accuracy each built-in family reaches on a smooth function.

A family registered in pydelt_like.registry gets every check with the hyperparameters in QUICK
(small and fast), or its defaults.
"""

from __future__ import annotations

import numpy as np
import pytest

from pydelt_like import registry
from pydelt_like.testing import check_interpolator, interpolator_checks

# Hyperparameters that keep each family small and fast in the checks.
QUICK = {
    "spline": {"k": 4, "max_knots": 60},
    "neural": {
        "hidden_layers": (16, 16),
        "epochs": 200,
        "lbfgs_iterations": 300,
        "n_members": 2,
        "random_state": 0,
    },
}
# Accuracy (values, first derivative) on sin(x) + x/10, 80 samples on [0, 3]. The local
# families run at their automatic settings (the checks exercise the cross-validation).
TOLERANCE = {
    "spline": (1e-6, 1e-5),
    "neural": (2e-3, 2e-2),
    "lla": (1e-9, 1e-8),
    "glla": (1e-9, 1e-8),
    "gold": (1e-9, 1e-8),
    "lowess": (1e-9, 1e-8),
    "loess": (1e-9, 1e-8),
    "fda": (1e-7, 5e-6),
}


def _quick(family):
    return family.load()(**QUICK.get(family.name, {}))


def _marks(family, check):
    slow = family.uses_torch and check.name in {"check_several_inputs", "check_refit_is_clean"}
    return [pytest.mark.slow] if slow else []


CHECKS = [
    pytest.param(check, id=f"{family.name}-{check.name}", marks=_marks(family, check))
    for family in registry.families()
    for check in interpolator_checks(_quick(family))
]


@pytest.mark.parametrize("check", CHECKS)
def test_contract(check):
    check()


@pytest.mark.parametrize("family", registry.families(), ids=lambda family: family.name)
def test_values_and_derivative_against_truth(family):
    x = np.linspace(0.0, 3.0, 80)
    model = _quick(family).fit(x, np.sin(x) + 0.1 * x)
    grid = np.linspace(0.2, 2.8, 25)
    values_tol, slope_tol = TOLERANCE[family.name]
    np.testing.assert_allclose(model(grid), np.sin(grid) + 0.1 * grid, atol=values_tol)
    np.testing.assert_allclose(model.differentiate(1)(grid), np.cos(grid) + 0.1, atol=slope_tol)


class _StaleCache(registry.get("spline").load()):
    """Keeps a private cache from its first fit that later fits do not reset: the contract's
    refit check must catch it."""

    def _fit(self, data):
        super()._fit(data)
        if not hasattr(self, "_first_count"):
            self._first_count = data.n_samples

    def _evaluate(self, x, order):
        return super()._evaluate(x, order) * (self.n_samples_ / self._first_count)


def test_check_interpolator_catches_a_broken_interpolator():
    with pytest.raises(AssertionError, match="_StaleCache fails check_refit_is_clean"):
        check_interpolator(_StaleCache(k=3))


def test_check_interpolator_refuses_what_is_not_an_interpolator():
    with pytest.raises(TypeError, match="interpolator instance"):
        check_interpolator(object())
