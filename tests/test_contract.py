"""The interpolator contract, checked on every interpolator class.

Add a class to INTERPOLATORS (with small, fast hyperparameters) and it gets every check.
"""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pytest

from pydelt_like import NeuralNetworkInterpolator, NotFittedError, SplineInterpolator

# Each entry: the class, non-default hyperparameters that keep it small and fast, and the
# accuracy it reaches on the smooth test function (values, first derivative).
INTERPOLATORS = [
    pytest.param(
        SplineInterpolator, {"k": 4, "max_knots": 60}, (1e-6, 1e-5), id="SplineInterpolator"
    ),
    pytest.param(
        NeuralNetworkInterpolator,
        {
            "hidden_layers": (16, 16),
            "epochs": 200,
            "lbfgs_iterations": 300,
            "n_members": 1,
            "random_state": 0,
        },
        (2e-3, 2e-2),
        id="NeuralNetworkInterpolator",
    ),
]


def _data(n=80):
    x = np.linspace(0.0, 3.0, n)
    return x, np.sin(x) + 0.1 * x


@pytest.mark.parametrize(("cls", "params", "tol"), INTERPOLATORS)
class TestContract:
    def test_constructor_is_keyword_only_and_stores_arguments(self, cls, params, tol):
        signature = inspect.signature(cls.__init__)
        for name, parameter in signature.parameters.items():
            if name != "self":
                assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, name
        model = cls(**params)
        assert params, "give every class non-default parameters, so this check can fail"
        for name, value in params.items():
            assert model.get_params()[name] is value
            assert signature.parameters[name].default != value
        assert not [name for name in vars(model) if name.endswith("_")]

    def test_fit_returns_self_and_learned_state_ends_in_underscore(self, cls, params, tol):
        model = cls(**params)
        x, y = _data()
        assert model.fit(x, y) is model
        assert model.x_min_ == 0.0 and model.x_max_ == 3.0
        assert model.n_outputs_ == 1

    def test_values_and_derivative_against_truth(self, cls, params, tol):
        x, y = _data()
        model = cls(**params).fit(x, y)
        grid = np.linspace(0.2, 2.8, 25)
        np.testing.assert_allclose(model(grid), np.sin(grid) + 0.1 * grid, atol=tol[0])
        np.testing.assert_allclose(model.predict(grid), model(grid))
        np.testing.assert_allclose(model.differentiate(1)(grid), np.cos(grid) + 0.1, atol=tol[1])
        np.testing.assert_allclose(model.differentiate(0)(grid), model(grid))

    def test_scalar_in_float_out_and_shapes(self, cls, params, tol):
        x, y = _data()
        model = cls(**params).fit(x, y)
        assert isinstance(model(1.0), float)
        assert isinstance(model.differentiate(1)(1.0), float)
        assert model(np.ones((3, 4))).shape == (3, 4)
        assert model.differentiate(2)([0.5, 1.0]).shape == (2,)
        vector = cls(**params).fit(x, np.column_stack([y, 2 * y]))
        out = vector.differentiate(1)(np.ones((3, 4)))
        assert out.shape == (3, 4, 2)
        np.testing.assert_allclose(out[..., 1], 2 * out[..., 0], rtol=1e-8, atol=4 * tol[1])

    def test_not_fitted(self, cls, params, tol):
        model = cls(**params)
        for call in (lambda: model(1.0), lambda: model.predict([1.0]), model.differentiate):
            with pytest.raises(NotFittedError, match="call fit"):
                call()

    def test_inputs_of_every_kind_and_never_mutated(self, cls, params, tol):
        x, y = _data()
        x_rev, y_rev = x[::-1].copy(), y[::-1].copy()
        before = (x_rev.copy(), y_rev.copy())
        reference = cls(**params).fit(x, y)(1.3)
        assert cls(**params).fit(x_rev, y_rev)(1.3) == pytest.approx(reference, abs=1e-12)
        np.testing.assert_array_equal(x_rev, before[0])
        np.testing.assert_array_equal(y_rev, before[1])
        assert cls(**params).fit(list(x), list(y))(1.3) == pytest.approx(reference, abs=1e-12)
        pd = pytest.importorskip("pandas")
        fitted = cls(**params).fit(pd.Series(x), pd.Series(y))
        assert fitted(1.3) == pytest.approx(reference, abs=1e-12)
        torch = pytest.importorskip("torch")
        fitted = cls(**params).fit(torch.tensor(x), torch.tensor(y))
        assert fitted(torch.tensor(1.3, dtype=torch.float64)) == pytest.approx(reference, abs=1e-12)

    @pytest.mark.parametrize(
        ("x", "y", "error", "fragment"),
        [
            ([0.0, 1.0, np.nan, *range(2, 12)], list(range(13)), ValueError, "nan_policy"),
            (list(range(10)), list(range(9)), ValueError, "same length"),
            ([], [], ValueError, "empty"),
            (["a", "b"], [1.0, 2.0], TypeError, "string"),
            (list(range(10)), [1j] * 10, TypeError, "complex"),
            (np.ones((10, 2, 2)), list(range(10)), ValueError, "x must"),
        ],
    )
    def test_bad_input_errors(self, cls, params, tol, x, y, error, fragment):
        with pytest.raises(error, match=fragment):
            cls(**params).fit(x, y)

    def test_order_errors(self, cls, params, tol):
        model = cls(**params).fit(*_data())
        with pytest.raises(ValueError, match="non-negative"):
            model.differentiate(-1)
        with pytest.raises(TypeError, match="integer"):
            model.differentiate(1.5)
        highest = model._max_order()  # None: any order (autograd)
        if highest is not None:
            with pytest.raises(ValueError, match="up to order"):
                model.differentiate(highest + 1)
        else:
            assert np.isfinite(model.differentiate(4)(1.0))

    def test_outside_range_raises_by_default_and_nan_gives_nan(self, cls, params, tol):
        model = cls(**params).fit(*_data())
        with pytest.raises(ValueError, match="outside the fitted range"):
            model(3.5)
        assert np.isnan(model(np.nan))
        assert np.isnan(model.differentiate(1)(np.array([np.nan, 1.0]))[0])

    def test_get_set_params_and_repr(self, cls, params, tol):
        model = cls(**params)
        assert model.set_params(extrapolate="nan") is model
        assert model.get_params()["extrapolate"] == "nan"
        assert "extrapolate='nan'" in repr(model)
        with pytest.raises(ValueError, match="no_such"):
            model.set_params(no_such=1)

    def test_pickle_round_trip(self, cls, params, tol):
        model = cls(**params).fit(*_data())
        clone = pickle.loads(pickle.dumps(model))
        grid = np.linspace(0.1, 2.9, 17)
        np.testing.assert_array_equal(clone.differentiate(1)(grid), model.differentiate(1)(grid))
        np.testing.assert_array_equal(clone(grid), model(grid))


@pytest.mark.parametrize(("cls", "params", "tol"), INTERPOLATORS)
def test_uncertainty_contract(cls, params, tol):
    """return_std and interval: same shapes as the values, NaN where they are NaN, ordered."""
    x, y = _data()
    noisy = y + np.random.default_rng(0).normal(0, 0.05, x.size)
    model = cls(**{**params, "n_members": 2} if cls is NeuralNetworkInterpolator else params)
    model.set_params(extrapolate="nan").fit(x, np.column_stack([noisy, 2 * noisy]))
    points = np.array([[0.5, np.nan, 2.0], [1.0, 9.0, 2.5]])
    for curve in (model, model.differentiate(1)):
        values, std = curve(points, return_std=True)
        assert values.shape == std.shape == (2, 3, 2)
        np.testing.assert_array_equal(np.isnan(std), np.isnan(values))
        assert (std[np.isfinite(std)] > 0).all()
        np.testing.assert_array_equal(values, curve(points))  # the values do not change
        lower, upper = curve.interval(points, level=0.8)
        finite = np.isfinite(values)
        assert (lower[finite] < values[finite]).all() and (values[finite] < upper[finite]).all()
