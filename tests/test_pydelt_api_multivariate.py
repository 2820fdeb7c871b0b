"""pydelt_like.multivariate: tensor products on grids, networks on scattered data."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest

from pydelt_like.interpolation import SplineInterpolator
from pydelt_like.multivariate import (
    MultivariateDerivatives,
    NeuralNetworkMultivariateDerivatives,
    as_grid,
)

G = np.linspace(-2, 2, 25)
X, Y = np.meshgrid(G, G)
POINTS = np.column_stack([X.ravel(), Y.ravel()])
QUERY = np.array([[1.0, 1.0], [0.5, -0.5], [-1.3, 0.2]])


def _fit(values, **kwargs):
    return MultivariateDerivatives(**kwargs).fit(POINTS, values)


def test_mixed_partials_are_right_where_marginal_fits_give_zero():
    """f = x y + x^2 + sin(y): grad = [y + 2x, x + cos y], H = [[2, 1], [1, -sin y]]."""
    mv = _fit((X * Y + X**2 + np.sin(Y)).ravel())
    assert mv.method_ == "tensor-product"
    x, y = QUERY[:, 0], QUERY[:, 1]
    np.testing.assert_allclose(
        mv.gradient()(QUERY), np.column_stack([y + 2 * x, x + np.cos(y)]), atol=1e-5
    )
    hessian = mv.hessian()(QUERY)
    np.testing.assert_allclose(hessian[:, 0, 1], 1.0, atol=1e-4)
    np.testing.assert_allclose(hessian[:, 1, 0], hessian[:, 0, 1])
    np.testing.assert_allclose(hessian[:, 1, 1], -np.sin(y), atol=1e-4)
    np.testing.assert_allclose(mv.laplacian()(QUERY), 2 - np.sin(y), atol=1e-4)


def test_pydelt_shapes():
    mv = _fit((X**2 + Y**2).ravel())
    assert mv.gradient()(QUERY).shape == (3, 2)
    assert mv.gradient()(np.array([1.0, 1.0])).shape == (2,)
    assert mv.gradient()(np.array([[1.0, 1.0]])).shape == (2,)
    assert mv.jacobian()(np.array([[1.0, 1.0]])).shape == (1, 2)
    assert mv.jacobian()(QUERY).shape == (3, 1, 2)
    assert mv.hessian()(np.array([[1.0, 1.0]])).shape == (2, 2)
    assert mv.hessian()(QUERY).shape == (3, 2, 2)
    assert isinstance(mv.laplacian()(np.array([[1.0, 1.0]])), float)
    assert mv.laplacian()(QUERY).shape == (3,)
    assert (mv.fitted, mv.n_inputs, mv.n_outputs, mv.n_samples) == (True, 2, 1, 625)
    assert len(mv.interpolators) == 1 and len(mv.interpolators[0]) == 2
    assert mv.interpolator_class is SplineInterpolator


def test_vector_output_jacobian_and_scalar_only_operations():
    mv = _fit(np.column_stack([(X**2 + Y**2).ravel(), (X * Y).ravel()]))
    np.testing.assert_allclose(mv.jacobian()([1.0, 1.0]), [[2, 2], [1, 1]], atol=1e-6)
    for name in ("gradient", "hessian", "laplacian"):
        with pytest.raises(ValueError, match=r"only defined for scalar functions\. Got 2"):
            getattr(mv, name)()
    view = mv.interpolators[1][0]
    np.testing.assert_allclose(view.differentiate(1)(QUERY), QUERY[:, 1], atol=1e-6)
    np.testing.assert_allclose(view.predict(QUERY), QUERY[:, 0] * QUERY[:, 1], atol=1e-9)


def test_three_inputs_and_noise():
    g = np.linspace(0, 1, 12)
    A, B, C = np.meshgrid(g, g, g, indexing="ij")
    pts = np.column_stack([A.ravel(), B.ravel(), C.ravel()])
    f = (np.sin(2 * A) * B + C**2 * A).ravel()
    mv = MultivariateDerivatives().fit(pts, f)
    q = np.array([[0.3, 0.6, 0.2], [0.7, 0.4, 0.9]])
    a, b, c = q.T
    truth = np.column_stack([2 * np.cos(2 * a) * b + c**2, np.sin(2 * a), 2 * c * a])
    np.testing.assert_allclose(mv.gradient()(q), truth, atol=1e-4)
    np.testing.assert_allclose(mv.hessian()(q)[:, 0, 2], 2 * c, atol=1e-3)
    noisy = f + np.random.default_rng(0).normal(0, 0.01, f.size)
    rough = MultivariateDerivatives().fit(pts, noisy).gradient()(q)
    assert np.abs(rough - truth).max() < 0.15


def test_evaluation_rules():
    mv = _fit((X + Y).ravel())
    with pytest.raises(ValueError, match=r"outside the fitted range .* in coordinate 1"):
        mv.gradient()([0.0, 3.0])
    out = mv.gradient()(np.array([[np.nan, 0.0], [0.0, 0.0]]))
    assert np.isnan(out[0]).all() and np.allclose(out[1], 1.0)
    with pytest.raises(ValueError, match=r"shape \(n_points, 2\)"):
        mv.gradient()(np.zeros((2, 3)))
    lenient = _fit((X + Y).ravel(), extrapolate="nan")
    assert np.isnan(lenient.gradient()([0.0, 3.0])).all()
    with pytest.warns(UserWarning, match="ignores eval_points"):
        mv.gradient(QUERY)


def test_before_fit_and_bad_classes():
    mv = MultivariateDerivatives()
    assert not mv.fitted
    for name in ("gradient", "jacobian", "hessian", "laplacian"):
        with pytest.raises(RuntimeError, match="must be fit before"):
            getattr(mv, name)()
    with pytest.raises(TypeError, match="interpolator class of pydelt_like"):
        MultivariateDerivatives(dict).fit(POINTS, POINTS[:, 0])
    with pytest.raises(ValueError, match="method must be one of"):
        MultivariateDerivatives("no-such-family").fit(POINTS, POINTS[:, 0])
    kwargs = MultivariateDerivatives(SplineInterpolator, smoothing=0.1).interpolator_kwargs
    assert kwargs == {"smoothing": 0.1}


def test_family_by_name_and_one_input():
    mv = MultivariateDerivatives("spline").fit(POINTS, (X * Y).ravel())
    assert mv.hessian()([0.2, 0.3])[0, 1] == pytest.approx(1.0, abs=1e-6)
    x = np.linspace(-2, 2, 50)
    one = MultivariateDerivatives().fit(x, x**2)
    assert one.gradient()(np.array([[1.0]])) == pytest.approx([2.0])
    np.testing.assert_allclose(one.gradient()(np.array([0.5, 1.0, 1.5])), [[1], [2], [3]])


def test_too_few_grid_values_name_the_input():
    pts = np.array([[a, b] for a in range(10) for b in range(3)], dtype=float)
    with pytest.raises(ValueError, match="fitting along input 1 of the grid"):
        MultivariateDerivatives().fit(pts, pts.sum(axis=1))


def test_as_grid_averages_repeated_nodes_and_rejects_holes():
    x = np.vstack([POINTS, POINTS[:3]])
    y = np.concatenate([POINTS[:, 0], POINTS[:3, 0] + 2])[:, None]
    grid = as_grid(x, y)
    assert grid.values.shape == (25, 25, 1)
    assert grid.values[0, 0, 0] == pytest.approx(-1.0)  # (-2 + 0) / 2
    assert as_grid(POINTS[1:], y[1:625]) is None


@pytest.mark.slow
def test_scattered_data_go_to_the_network():
    rng = np.random.default_rng(1)
    pts = rng.uniform(-1, 1, (200, 2))
    f = pts[:, 0] ** 2 + pts[:, 0] * pts[:, 1]
    from pydelt_like.neural import NeuralNetworkInterpolator

    network = NeuralNetworkInterpolator(
        hidden_layers=(16, 16), epochs=200, lbfgs_iterations=150, n_members=2, random_state=0
    )
    mv = MultivariateDerivatives().fit(pts, f, network=network)
    assert mv.method_ == "network" and mv.model_ is network
    q = np.array([[0.3, -0.2], [-0.4, 0.5]])
    truth = np.column_stack([2 * q[:, 0] + q[:, 1], q[:, 0]])
    np.testing.assert_allclose(mv.gradient()(q), truth, atol=0.05)
    np.testing.assert_allclose(mv.hessian()(q)[:, 0, 1], 1.0, atol=0.15)


@pytest.mark.slow
def test_neural_network_multivariate_derivatives():
    rng = np.random.default_rng(42)
    pts = rng.uniform(-1, 1, (200, 2))
    f = pts[:, 0] ** 2 + pts[:, 1] ** 2
    nn = NeuralNetworkMultivariateDerivatives(
        hidden_layers=[16, 16], epochs=200, lbfgs_iterations=150, n_members=2, random_state=0
    ).fit(pts, f)
    np.testing.assert_allclose(nn.gradient()([0.5, 0.5]), [1.0, 1.0], atol=0.05)
    hessian = nn.hessian()(np.array([[0.5, 0.5], [0.1, -0.2]]))
    assert hessian.shape == (2, 2, 2)
    np.testing.assert_allclose(np.diagonal(hessian, axis1=1, axis2=2), 2.0, atol=0.3)
    assert isinstance(nn.laplacian()([0.5, 0.5]), float)
    assert nn.jacobian()([0.5, 0.5]).shape == (1, 2)


def test_neural_network_multivariate_framework_checks():
    with patch("pydelt_like.multivariate.PYTORCH_AVAILABLE", False):
        with pytest.raises(ImportError, match="PyTorch is required"):
            NeuralNetworkMultivariateDerivatives(framework="pytorch")
    with patch("pydelt_like.multivariate.TENSORFLOW_AVAILABLE", False):
        with pytest.raises(ImportError, match="TensorFlow is required"):
            NeuralNetworkMultivariateDerivatives(framework="tensorflow")
    with pytest.raises(ValueError, match="Unknown framework"):
        NeuralNetworkMultivariateDerivatives(framework="invalid")
    nn = NeuralNetworkMultivariateDerivatives(epochs=10)
    for name in ("gradient", "jacobian", "hessian", "laplacian"):
        with pytest.raises(RuntimeError, match="must be fit before"):
            getattr(nn, name)()
