"""Tests for pydelt_like.base: the interpolator contract, checked on a tiny polynomial fit."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from pydelt_like._validation import FitData
from pydelt_like.base import (
    _MAX_LEVEL,
    BaseInterpolator,
    Derivative,
    NotFittedError,
    _normal_quantile,
)


class PolyFit(BaseInterpolator):
    """Least-squares polynomial of a fixed degree; derivatives in closed form via polyder."""

    def __init__(self, *, degree=3, nan_policy="raise", extrapolate="raise"):
        self.degree = degree
        self.nan_policy = nan_policy
        self.extrapolate = extrapolate

    def _validate_params(self):
        if not isinstance(self.degree, int) or self.degree < 0:
            raise ValueError(f"degree must be a non-negative integer, got {self.degree!r}")

    def _min_points(self):
        return self.degree + 1

    def _max_order(self):
        return self.degree

    def _order_hint(self):
        return "Use a higher degree."

    def _fit(self, data: FitData) -> None:
        # polyfit weights multiply residuals, so they are the square roots of sample weights.
        self.coef_ = np.polynomial.polynomial.polyfit(
            data.x, data.y, self.degree, w=np.sqrt(data.weights)
        )
        self.seen_ = []

    def _evaluate(self, x, order):
        self.seen_.append(x.copy())
        coef = np.polynomial.polynomial.polyder(self.coef_, order, axis=0)
        return np.polynomial.polynomial.polyval(x, coef).T


def cubic(x):
    return 1.0 + 2.0 * x - x**2 + 0.5 * x**3


def cubic_d(x, order):
    x = np.asarray(x, dtype=float)
    return [cubic(x), 2.0 - 2.0 * x + 1.5 * x**2, -2.0 + 3.0 * x, np.full_like(x, 3.0)][order]


X = np.linspace(-1.0, 2.0, 12)


@pytest.fixture
def fitted():
    return PolyFit().fit(X, cubic(X))


# ----------------------------------------------------------------------------- parameters
def test_base_is_abstract():
    with pytest.raises(TypeError, match="abstract"):
        BaseInterpolator()


def test_get_params_follows_signature_order():
    model = PolyFit(degree=2, extrapolate="nan")
    assert model.get_params() == {"degree": 2, "nan_policy": "raise", "extrapolate": "nan"}
    assert list(model.get_params()) == ["degree", "nan_policy", "extrapolate"]


def test_set_params_returns_self_and_sets_values():
    model = PolyFit()
    assert model.set_params(degree=1, nan_policy="omit") is model
    assert model.degree == 1
    assert model.nan_policy == "omit"
    assert model.set_params() is model


def test_set_params_rejects_unknown_name_listing_valid_ones():
    with pytest.raises(ValueError) as info:
        PolyFit().set_params(smoothing=1.0)
    assert str(info.value) == (
        "Invalid parameter 'smoothing' for PolyFit; valid parameters are: "
        "degree, nan_policy, extrapolate"
    )


def test_nested_params():
    class Wrapper(PolyFit):
        def __init__(self, *, inner=None, degree=3, nan_policy="raise", extrapolate="raise"):
            super().__init__(degree=degree, nan_policy=nan_policy, extrapolate=extrapolate)
            self.inner = inner

    model = Wrapper(inner=PolyFit(degree=1))
    params = model.get_params(deep=True)
    assert params["inner__degree"] == 1
    assert "inner__degree" not in model.get_params(deep=False)
    model.set_params(inner__degree=4)
    assert model.inner.degree == 4


@pytest.mark.parametrize("key", ["degree__x", "nan_policy__upper", "degree__a__b"])
def test_nested_name_on_a_plain_parameter_is_a_value_error(key):
    model = PolyFit(degree=2)
    with pytest.raises(ValueError, match=r"is not an estimator") as info:
        model.set_params(**{key: 1})
    assert key.partition("__")[0] in str(info.value)
    assert model.degree == 2  # nothing changed


def test_nested_name_on_a_class_parameter_is_a_value_error():
    model = PolyFit(degree=2)
    model.degree = PolyFit  # a class has set_params, but unbound: not an estimator
    with pytest.raises(ValueError, match="degree is not an estimator"):
        model.set_params(degree__degree=1)


@pytest.mark.parametrize(
    ("level", "error", "match"),
    [
        (1 - 1e-16, ValueError, "too close to 1"),
        (1 - 2**-53, ValueError, "too close to 1"),
        (10**400, ValueError, "finite"),
        (float("nan"), ValueError, "finite"),
        (-0.5, ValueError, "> 0"),
        (np.float32(1.0), ValueError, "< 1"),
        (None, TypeError, "real number"),
    ],
)
def test_normal_quantile_refuses_levels_without_a_finite_band(level, error, match):
    with pytest.raises(error, match=match):
        _normal_quantile(level)


def test_normal_quantile_near_one_is_finite_and_matches_scipy():
    from scipy.stats import norm

    assert _normal_quantile(0.95) == pytest.approx(norm.ppf(0.975), rel=1e-12)
    z = _normal_quantile(_MAX_LEVEL)
    assert np.isfinite(z)
    assert z == pytest.approx(norm.ppf(0.5 + 0.5 * _MAX_LEVEL), rel=1e-9)
    assert _normal_quantile(np.float64(0.5)) == pytest.approx(norm.ppf(0.75), rel=1e-12)


def test_star_args_in_init_are_rejected():
    class Loose(PolyFit):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)

    with pytest.raises(TypeError, match=r"\*args and \*\*kwargs are not allowed"):
        Loose().get_params()


def test_repr_shows_only_non_default_params():
    assert repr(PolyFit()) == "PolyFit()"
    assert repr(PolyFit(degree=2)) == "PolyFit(degree=2)"
    assert repr(PolyFit(extrapolate="nan", degree=5)) == "PolyFit(degree=5, extrapolate='nan')"
    assert repr(PolyFit(degree=True)) == "PolyFit(degree=True)"


# ----------------------------------------------------------------------------- fit
def test_fit_returns_self_and_sets_learned_attributes():
    model = PolyFit()
    x = [2.0, 0.0, 1.0, 1.0, np.nan, 3.0]
    y = [cubic(2.0), cubic(0.0), cubic(1.0), cubic(1.0), 5.0, cubic(3.0)]
    assert model.set_params(nan_policy="omit").fit(x, y) is model
    assert model.x_min_ == 0.0
    assert model.x_max_ == 3.0
    assert model.n_samples_ == 4  # the NaN sample dropped, the repeated x=1 merged
    assert model.n_outputs_ == 1
    assert model.y_trailing_shape_ == ()
    np.testing.assert_allclose(model.coef_[:, 0], [1.0, 2.0, -1.0, 0.5], atol=1e-12)


def test_fit_does_not_mutate_inputs():
    x = np.array([2.0, -1.0, 0.5, 1.0, 0.0])
    y = np.column_stack([cubic(x), -cubic(x)])
    w = np.array([1.0, 2.0, 1.0, 1.0, 3.0])
    saved = x.copy(), y.copy(), w.copy()
    PolyFit().fit(x, y, weights=w)
    np.testing.assert_array_equal(x, saved[0])
    np.testing.assert_array_equal(y, saved[1])
    np.testing.assert_array_equal(w, saved[2])


def test_fit_uses_weights():
    x = np.arange(6.0)
    y = 2.0 * x + 1.0
    y[3] = 100.0  # an outlier with zero weight must not move the line
    model = PolyFit(degree=1).fit(x, y, weights=[1, 1, 1, 0, 1, 1])
    np.testing.assert_allclose(model.coef_[:, 0], [1.0, 2.0], atol=1e-12)


def test_fit_validates_params_and_options():
    with pytest.raises(ValueError, match="degree must be a non-negative integer, got -1"):
        PolyFit(degree=-1).fit(X, cubic(X))
    with pytest.raises(ValueError, match="nan_policy must be one of 'raise', 'omit'; got 'drop'"):
        PolyFit(nan_policy="drop").fit(X, cubic(X))
    with pytest.raises(ValueError, match=r"extrapolate must be one of .*; got 'clip'"):
        PolyFit(extrapolate="clip").fit(X, cubic(X))


def test_fit_min_points_message_uses_class_name():
    with pytest.raises(ValueError, match="PolyFit needs at least 4 distinct samples, got 3"):
        PolyFit().fit([0.0, 1.0, 2.0], [0.0, 1.0, 2.0])


def test_fit_nan_policy_raise_message():
    y = cubic(X)
    y[5] = np.nan
    with pytest.raises(ValueError, match=r"y has 1 non-finite value .* first at index 5"):
        PolyFit().fit(X, y)


def test_refit_replaces_every_learned_attribute():
    model = PolyFit().fit(X, np.column_stack([cubic(X), cubic(X)]))
    model.extra_ = "from the first fit"
    model.fit(X, cubic(X))
    assert model.n_outputs_ == 1
    assert model.y_trailing_shape_ == ()
    assert not hasattr(model, "extra_")
    assert type(model(0.5)) is float


def test_failed_fit_leaves_the_object_unfitted():
    class Fragile(PolyFit):
        def _fit(self, data):
            super()._fit(data)
            raise RuntimeError("solver failed")

    model = Fragile()
    with pytest.raises(RuntimeError, match="solver failed"):
        model.fit(X, cubic(X))
    assert not hasattr(model, "coef_")
    with pytest.raises(NotFittedError):
        model(0.5)


# ----------------------------------------------------------------------------- not fitted
@pytest.mark.parametrize(
    "use",
    [
        lambda m: m.predict(0.5),
        lambda m: m(0.5),
        lambda m: m.differentiate(),
        lambda m: m.differentiate(0),
    ],
)
def test_not_fitted_error(use):
    with pytest.raises(NotFittedError) as info:
        use(PolyFit())
    assert str(info.value) == (
        "This PolyFit instance is not fitted yet; call fit(x, y) before using it."
    )
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, AttributeError)


def test_not_fitted_error_caught_as_value_error_and_attribute_error():
    with pytest.raises(ValueError, match="not fitted yet"):
        PolyFit().predict([0.0])
    with pytest.raises(AttributeError, match="call fit"):
        PolyFit().predict([0.0])


# ----------------------------------------------------------------------------- shapes and values
def test_scalar_in_gives_float_out(fitted):
    for x in (0.5, np.float64(0.5), np.float32(0.5), np.array(0.5), 1):
        value = fitted(x)
        assert type(value) is float
        assert value == pytest.approx(cubic(float(x)), abs=1e-12)


def test_predict_equals_call(fitted):
    x = np.linspace(-1.0, 2.0, 7)
    np.testing.assert_array_equal(fitted.predict(x), fitted(x))


def test_array_shapes_follow_input(fitted):
    x_list = [0.0, 0.5, 1.0]
    np.testing.assert_allclose(fitted(x_list), cubic(np.array(x_list)), atol=1e-12)
    x2 = np.array([[-1.0, 0.0, 0.5], [1.0, 1.5, 2.0]])
    out = fitted(x2)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, cubic(x2), atol=1e-12)
    assert fitted(np.empty((0,))).shape == (0,)
    assert fitted(np.empty((2, 0))).shape == (2, 0)


def test_vector_valued_y_adds_trailing_axis():
    y = np.column_stack([cubic(X), 2.0 * X])
    model = PolyFit().fit(X, y)
    assert model.n_outputs_ == 2
    assert model.y_trailing_shape_ == (2,)
    x2 = np.array([[0.0, 0.5, 1.0], [1.5, 2.0, -1.0]])
    out = model(x2)
    assert out.shape == (2, 3, 2)
    np.testing.assert_allclose(out[..., 0], cubic(x2), atol=1e-12)
    np.testing.assert_allclose(out[..., 1], 2.0 * x2, atol=1e-12)
    scalar = model.differentiate(1)(0.5)
    assert scalar.shape == (2,)
    np.testing.assert_allclose(scalar, [cubic_d(0.5, 1), 2.0], atol=1e-12)


def test_batch_axes_of_y_come_back_in_shape():
    y = np.stack([np.column_stack([cubic(X) * k, X * k]) for k in (1.0, 2.0, 3.0)], axis=1)
    assert y.shape == (12, 3, 2)
    model = PolyFit().fit(X, y)
    out = model.differentiate(2)([0.0, 1.0])
    assert out.shape == (2, 3, 2)
    for j, k in enumerate((1.0, 2.0, 3.0)):
        np.testing.assert_allclose(out[:, j, 0], k * cubic_d([0.0, 1.0], 2), atol=1e-10)
        np.testing.assert_allclose(out[:, j, 1], [0.0, 0.0], atol=1e-10)


def test_nan_and_inf_points_give_nan_even_with_extrapolate_raise(fitted):
    out = fitted(np.array([np.nan, 0.5, np.inf, -np.inf]))
    assert np.isnan(out[[0, 2, 3]]).all()
    assert out[1] == pytest.approx(cubic(0.5), abs=1e-12)
    assert np.isnan(fitted(np.nan))
    # _evaluate only ever sees finite points.
    assert all(np.isfinite(seen).all() for seen in fitted.seen_)


def test_extrapolate_modes():
    x = np.array([-2.0, 0.5, 3.0])
    with pytest.raises(
        ValueError, match=r"2 evaluation points lie outside the fitted range \[-1, 2\]"
    ):
        PolyFit().fit(X, cubic(X))(x)
    model = PolyFit(extrapolate="nan").fit(X, cubic(X))
    out = model.differentiate(1)(x)
    np.testing.assert_array_equal(np.isnan(out), [True, False, True])
    assert out[1] == pytest.approx(cubic_d(0.5, 1), abs=1e-12)
    assert all(((s >= -1.0) & (s <= 2.0)).all() for s in model.seen_)
    model = PolyFit(extrapolate="extrapolate").fit(X, cubic(X))
    np.testing.assert_allclose(model(x), cubic(x), atol=1e-10)


def test_extrapolate_changed_by_set_params_applies_at_evaluation(fitted):
    fitted.set_params(extrapolate="nan")
    assert np.isnan(fitted(5.0))
    fitted.set_params(extrapolate="bogus")
    with pytest.raises(ValueError, match="extrapolate must be one of"):
        fitted(0.5)


def test_end_points_recomputed_in_floating_point_are_inside():
    x = np.linspace(0.0, 2 * np.pi, 40)
    model = PolyFit(degree=5).fit(x, np.sin(x))
    grid = np.arange(7) * (2 * np.pi / 6)  # the last point may differ from 2*pi by an ulp
    assert np.isfinite(model(grid)).all()


# ----------------------------------------------------------------------------- derivatives
@pytest.mark.parametrize("order", [0, 1, 2, 3])
def test_derivative_values_match_analytic(fitted, order):
    x = np.linspace(-1.0, 2.0, 9)
    deriv = fitted.differentiate(order)
    assert isinstance(deriv, Derivative)
    assert deriv.order == order
    assert deriv.interpolator is fitted
    np.testing.assert_allclose(deriv(x), cubic_d(x, order), atol=1e-10)
    np.testing.assert_array_equal(deriv.predict(x), deriv(x))
    assert deriv(0.25) == pytest.approx(float(cubic_d(0.25, order)), abs=1e-10)


def test_derivative_chaining_adds_orders(fitted):
    x = np.linspace(-1.0, 2.0, 9)
    chained = fitted.differentiate(1).differentiate(1)
    assert chained.order == 2
    np.testing.assert_array_equal(chained(x), fitted.differentiate(2)(x))
    assert fitted.differentiate().differentiate(2).order == 3
    np.testing.assert_array_equal(fitted.differentiate(0)(x), fitted(x))


def test_derivative_repr(fitted):
    assert repr(fitted.differentiate(2)) == "Derivative(PolyFit(), order=2)"
    model = PolyFit(degree=4).fit(X, cubic(X))
    assert repr(model.differentiate()) == "Derivative(PolyFit(degree=4), order=1)"


@pytest.mark.parametrize(
    ("order", "error", "match"),
    [
        (1.5, TypeError, "order must be a non-negative integer, got 1.5"),
        (2.0, TypeError, "order must be a non-negative integer, got 2.0"),
        ("1", TypeError, "order must be a non-negative integer, got '1'"),
        (True, TypeError, "order must be a non-negative integer, got True"),
        (-1, ValueError, "order must be a non-negative integer, got -1"),
        (4, ValueError, r"PolyFit supports derivatives up to order 3; got order=4\. Use a higher"),
    ],
)
def test_order_is_validated_when_differentiate_is_called(fitted, order, error, match):
    with pytest.raises(error, match=match):
        fitted.differentiate(order)


def test_chained_order_is_validated_at_differentiate_time(fitted):
    second = fitted.differentiate(2)
    with pytest.raises(ValueError, match="up to order 3; got order=5"):
        second.differentiate(3)
    with pytest.raises(ValueError, match="order must be a non-negative integer, got -1"):
        second.differentiate(-1)
    with pytest.raises(TypeError, match=r"got 0\.5"):
        second.differentiate(0.5)


def test_derivative_evaluation_rechecks_order(fitted):
    deriv = Derivative(fitted, 7)
    with pytest.raises(ValueError, match="got order=7"):
        deriv(0.5)


# ----------------------------------------------------------------------------- pickling
def test_pickle_round_trip_of_fitted_interpolator_and_derivative():
    y = np.column_stack([cubic(X), np.sin(X)])
    model = PolyFit(degree=3, extrapolate="nan").fit(X, y)
    deriv = model.differentiate(2)
    x = np.array([[-1.0, 0.3], [1.7, 9.0]])

    model_2 = pickle.loads(pickle.dumps(model))
    deriv_2 = pickle.loads(pickle.dumps(deriv))

    assert repr(model_2) == repr(model)
    np.testing.assert_array_equal(model_2(x), model(x))
    np.testing.assert_array_equal(deriv_2(x), deriv(x))
    assert deriv_2.order == 2
    np.testing.assert_array_equal(
        model_2.differentiate(1).differentiate(1)(x), model.differentiate(2)(x)
    )
    assert np.isnan(deriv_2(x)[1, 1]).all()


def test_import_is_light():
    # Interpolator families load lazily: importing the package must not import SciPy's
    # interpolation code, torch, matplotlib or pandas.
    import subprocess
    import sys

    code = (
        "import sys, pydelt_like; "
        "print(sorted(m for m in ('scipy.interpolate', 'torch', 'matplotlib', 'pandas') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_band_edges_beyond_float64_are_an_error_not_inf(monkeypatch):
    from pydelt_like import SplineInterpolator

    x = np.linspace(0.0, 10.0, 40)
    spline = SplineInterpolator().fit(x, 1e307 * np.sin(x))
    lower, upper = spline.interval(x[:3])
    assert np.all(np.isfinite(lower)) and np.all(lower < upper)
    # A standard error near the top of float64: z times it cannot be held.
    monkeypatch.setattr(spline, "_evaluate_std", lambda at, order: np.full((at.size, 1), 1e308))
    with pytest.raises(ValueError, match=r"band.s edges at level=0\.95 exceed the float64 range"):
        spline.interval(x[:3])
