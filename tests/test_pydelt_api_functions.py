"""pydelt_like.integrals and pydelt_like.autodiff: PyDelt's function-based modules."""

from __future__ import annotations

import numpy as np
import pytest

import pydelt_like
from pydelt_like.autodiff import neural_network_derivative
from pydelt_like.integrals import integrate_derivative, integrate_derivative_with_error

FAST = {
    "hidden_layers": [16, 16],
    "epochs": 200,
    "lbfgs_iterations": 100,
    "n_members": 2,
    "random_state": 0,
}


# ------------------------------------------------------------------------------ integrals
def test_trapezoid_is_exact_for_lines_and_keeps_initial_values():
    t = np.array([0.0, 0.5, 2.0, 3.0])
    np.testing.assert_allclose(integrate_derivative(t, 2 * t + 1, 5.0), 5 + t**2 + t)
    both = integrate_derivative(t, np.column_stack([np.ones(4), 2 * t]), [1.0, -1.0])
    np.testing.assert_allclose(both, np.column_stack([1 + t, t**2 - 1]))
    assert isinstance(integrate_derivative([0, 1, 2], [1, 1, 1]), np.ndarray)


def test_error_estimate_tracks_the_actual_error():
    t = np.linspace(0, 10, 200)
    integral, error = integrate_derivative_with_error(t, np.cos(t))
    actual = np.abs(integral - np.sin(t))
    assert (error >= 0).all()
    # The trapezoid's error is what is estimated: within a factor 2 where it is not tiny.
    big = actual > 1e-4
    np.testing.assert_allclose(error[big], actual[big], rtol=0.5)
    vector, vector_error = integrate_derivative_with_error(
        t, np.column_stack([np.cos(t), -np.sin(t)]), [0.0, 1.0]
    )
    assert vector.shape == vector_error.shape == (200, 2)


@pytest.mark.parametrize(
    ("time", "derivative", "initial", "match"),
    [
        ([0, 1, 2], [1, 1], 0.0, "must have shape"),
        ([0, 2, 1], [1, 1, 1], 0.0, "non-decreasing"),
        ([0, 1, 2], [1, np.nan, 1], 0.0, "NaN or infinite"),
        ([0, 1, 2], [[1, 1]] * 3, [0.0, 1.0, 2.0], "initial_value must be a scalar"),
        ([0], [1], 0.0, "at least 2 points"),
    ],
)
def test_integral_errors(time, derivative, initial, match):
    with pytest.raises(ValueError, match=match):
        integrate_derivative(time, derivative, initial)


def test_top_level_pydelt_names():
    assert pydelt_like.integrate_derivative is integrate_derivative
    from pydelt_like import integrate_derivative_with_error as again

    assert again is integrate_derivative_with_error
    # PyDelt's top level (`from pydelt import *`) is in __all__ and resolves to the modules' names
    from pydelt_like import derivatives

    for name in ("lla", "glla", "gold", "fda"):
        assert name in pydelt_like.__all__
        assert getattr(pydelt_like, name) is getattr(derivatives, name)


# ------------------------------------------------------------------------------ autodiff
@pytest.mark.slow
def test_neural_network_derivative_one_input():
    t = np.linspace(0, 2 * np.pi, 200)
    derivative, model = neural_network_derivative(
        t, np.sin(t), framework="pytorch", return_model=True, **FAST
    )
    q = np.linspace(0.5, 5.5, 7)
    np.testing.assert_allclose(derivative(q), np.cos(q), atol=0.05)
    assert isinstance(derivative(1.0), float)
    assert model.n_features_ == 1
    second = neural_network_derivative(t, np.sin(t), order=2, **FAST)
    np.testing.assert_allclose(second(q), -np.sin(q), atol=0.2)
    with pytest.raises(ValueError, match="outside the fitted range"):
        derivative(np.array([-100.0]))


@pytest.mark.slow
def test_neural_network_derivative_shapes_for_several_outputs_and_inputs():
    t = np.linspace(0, 2 * np.pi, 150)
    jac = neural_network_derivative(t, np.column_stack([np.sin(t), np.cos(t)]), **FAST)
    q = np.linspace(0.5, 5.5, 10)
    values = jac(q)
    assert values.shape == (10, 2, 1)
    np.testing.assert_allclose(values[:, 0, 0], np.cos(q), atol=0.1)
    np.testing.assert_allclose(values[:, 1, 0], -np.sin(q), atol=0.1)
    assert jac(1.0).shape == (2, 1)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (200, 2))
    grad = neural_network_derivative(x, x[:, 0] * x[:, 1], **FAST)
    assert grad(np.array([[0.2, 0.3], [0.1, -0.4]])).shape == (2, 1, 2)
    assert grad(np.array([0.2, 0.3])).shape == (1, 2)
    np.testing.assert_allclose(grad(np.array([0.2, 0.3]))[0], [0.3, 0.2], atol=0.05)
    with pytest.raises(NotImplementedError, match="order 3"):
        neural_network_derivative(x, x[:, 0], order=3, **FAST)


def test_neural_network_derivative_checks_before_training():
    t = np.linspace(0, 1, 50)
    s = np.sin(t)
    s[::10] = np.nan
    with pytest.raises(ValueError, match="must not contain NaN values"):
        neural_network_derivative(t, s, framework="pytorch")
    with pytest.raises((ImportError, ValueError), match="framework='pytorch'"):
        neural_network_derivative(t, t, framework="tensorflow")
    with pytest.raises(ValueError, match="Unknown framework"):
        neural_network_derivative(t, t, framework="jax")
    with pytest.raises(ValueError, match="dropout"):
        neural_network_derivative(t, t, dropout=1.5)


# PyDelt 0.8.0's public names, module by module (its model classes PyTorchMLP and
# TensorFlowModel are not offered: pydelt_like's networks are not torch modules of that shape).
PYDELT_NAMES = {
    "pydelt_like": "lla gold glla fda integrate_derivative integrate_derivative_with_error",
    "pydelt_like.interpolation": (
        "BaseInterpolator SplineInterpolator LowessInterpolator LoessInterpolator "
        "FdaInterpolator LlaInterpolator GllaInterpolator GoldInterpolator "
        "NeuralNetworkInterpolator local_segmented_linear spline_interpolation "
        "lowess_interpolation loess_interpolation calculate_fit_quality get_best_interpolation "
        "lla_interpolation glla_interpolation gold_interpolation fda_interpolation "
        "derivative_based_interpolation neural_network_interpolation TORCH_AVAILABLE "
        "TF_AVAILABLE StochasticLinkFunction StochasticDerivativeTransform create_link_function"
    ),
    "pydelt_like.derivatives": "lla gold glla fda",
    "pydelt_like.multivariate": (
        "MultivariateDerivatives NeuralNetworkMultivariateDerivatives PYTORCH_AVAILABLE "
        "TENSORFLOW_AVAILABLE"
    ),
    "pydelt_like.integrals": "integrate_derivative integrate_derivative_with_error",
    "pydelt_like.autodiff": "neural_network_derivative TORCH_AVAILABLE TF_AVAILABLE",
    "pydelt_like.stochastic": (
        "StochasticLinkFunction NormalLink LogNormalLink GammaLink BetaLink ExponentialLink "
        "PoissonLink StochasticDerivativeTransform LINK_FUNCTIONS create_link_function"
    ),
}


@pytest.mark.parametrize("module", sorted(PYDELT_NAMES))
def test_every_public_name_of_pydelt_is_here(module):
    import importlib

    imported = importlib.import_module(module)
    missing = [name for name in PYDELT_NAMES[module].split() if not hasattr(imported, name)]
    assert not missing
