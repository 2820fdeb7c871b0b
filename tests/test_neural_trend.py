"""The polynomial trend fitted before the networks on several inputs (issue 15)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from pydelt_like import NeuralNetworkInterpolator
from pydelt_like.neural._ensemble import trend_features, trend_terms, with_trend


@pytest.mark.parametrize(
    ("d", "n", "terms"),
    [
        (1, 10_000, 0),
        (2, 60, 6),
        (2, 59, 3),
        (2, 29, 0),
        (3, 100, 10),
        (16, 1530, 153),
        (17, 10**6, 18),
    ],
)
def test_the_trend_is_quadratic_where_samples_allow_it(d, n, terms):
    assert trend_terms(d, n) == terms


def test_the_trend_features_are_the_monomials_up_to_degree_two():
    x = torch.tensor([[2.0, 3.0]])
    assert trend_features(x, 6).tolist() == [[1.0, 2.0, 3.0, 4.0, 6.0, 9.0]]
    assert trend_features(x, 3).tolist() == [[1.0, 2.0, 3.0]]


def test_each_independent_network_adds_the_trend_of_its_own_column_and_copy():
    # Two members, two columns: network k * 2 + j computes column j of member k from its copy.
    x = torch.arange(8.0).reshape(4, 1, 2)  # one point per copy
    trend = torch.tensor([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])  # linear: 1, x0, x1
    out = with_trend(torch.zeros(2, 1, 2), x, trend)
    expected = [
        [[1 + 2 * 0 + 3 * 1, 10 + 20 * 2 + 30 * 3]],
        [[1 + 2 * 4 + 3 * 5, 10 + 20 * 6 + 30 * 7]],
    ]
    assert out.tolist() == expected


def _quadratic(n=300, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n, 2))
    a, b = x[:, 0], x[:, 1]
    y = 1 + 2 * a - b + 0.5 * a**2 + 3 * a * b - b**2
    return x, y + noise * rng.standard_normal(n)


def test_a_quadratic_is_reproduced_by_its_trend(monkeypatch):
    x, y = _quadratic()
    points = np.array([[0.3, -0.5], [1.0, 1.2], [-1.1, 0.4]])
    truth = np.broadcast_to([[1.0, 3.0], [3.0, -2.0]], (3, 2, 2))
    a, b = points[:, 0], points[:, 1]
    gradient = np.column_stack([2 + a + 3 * b, -1 + 3 * a - 2 * b])

    def fit():
        return NeuralNetworkInterpolator(
            hidden_layers=(8,),
            epochs=100,
            lbfgs_iterations=50,
            n_members=2,
            random_state=0,
            device="cpu",
        ).fit(x, y)

    net = fit()
    assert net.trend_.shape == (6, 1)
    assert np.abs(net.hessian()(points) - truth).max() < 0.01
    assert np.abs(net.gradient()(points) - gradient).max() < 0.01
    # The same small network without the trend is far off.
    from pydelt_like.neural import _ensemble

    monkeypatch.setattr(_ensemble, "trend_terms", lambda d, n: 0)
    with pytest.warns(UserWarning, match="underfit"):
        bare = fit()
    assert np.abs(bare.hessian()(points) - truth).max() > 0.1


def test_a_linear_model_keeps_no_trend():
    x, y = _quadratic()
    net = NeuralNetworkInterpolator(hidden_layers=(), epochs=50, random_state=0, device="cpu")
    with pytest.warns(UserWarning, match="underfit"):  # a plane through a quadratic
        net.fit(x, y)
    assert net.trend_.shape == (0, 1)
    assert np.all(net.hessian()(np.array([[0.1, 0.2]])) == 0)


def test_the_trend_is_saved_and_a_file_without_one_loads_as_none(tmp_path):
    x, y = _quadratic(noise=0.01)
    net = NeuralNetworkInterpolator(
        hidden_layers=(4,),
        epochs=20,
        lbfgs_iterations=5,
        n_members=2,
        random_state=0,
        device="cpu",
    )
    with pytest.warns(UserWarning, match="underfit"):  # a tiny budget
        net.fit(x, y)
    path = tmp_path / "net.pt"
    net.save(path)
    loaded = NeuralNetworkInterpolator.load(path)
    points = np.array([[0.3, -0.5], [1.0, 1.2]])
    assert np.array_equal(loaded.trend_, net.trend_)
    assert np.array_equal(loaded.hessian()(points), net.hessian()(points))
    # A file from before the trend: the same weights, no trend.
    blob = torch.load(path, weights_only=True)
    meta = json.loads(blob["meta"])
    del meta["trend"]
    torch.save({"meta": json.dumps(meta), "state": blob["state"]}, path)
    old = NeuralNetworkInterpolator.load(path)
    assert old.trend_.shape == (0, 1)
    net.trend_ = np.zeros((0, 1))
    assert np.array_equal(old(points), net(points))
    # A trend of the wrong size is a damaged file.
    meta["trend"] = [1.0, 2.0]
    torch.save({"meta": json.dumps(meta), "state": blob["state"]}, path)
    with pytest.raises(ValueError, match="'trend' must hold 0 or 3 or 6 numbers"):
        NeuralNetworkInterpolator.load(path)


def test_a_trend_that_leaves_much_of_the_data_unexplained_is_dropped():
    from pydelt_like.neural._ensemble import fit_trend

    rng = np.random.default_rng(0)
    x = rng.uniform(-1.7, 1.7, (300, 2))
    # Column 0: a quadratic plus 1 % noise (kept); column 1: a wave, which a quadratic leaves
    # mostly unexplained (dropped: the networks fit it whole).
    quadratic = x[:, 0] * x[:, 1] + x[:, 0] ** 2 + 0.01 * rng.standard_normal(300)
    wave = np.sin(2 * x[:, 0]) * np.cos(x[:, 1])
    ys = np.column_stack([quadratic, wave])
    ys = (ys - ys.mean(axis=0)) / ys.std(axis=0)
    coefficients, rest = fit_trend(x, ys, np.ones(300), hidden=True)
    assert coefficients.shape == (6, 2)
    assert np.all(coefficients[:, 1] == 0) and np.array_equal(rest[:, 1], ys[:, 1])
    assert np.std(rest[:, 0]) < 0.02
    # Neither column nearly polynomial: no trend at all.
    none, same = fit_trend(x, ys[:, 1:], np.ones(300), hidden=True)
    assert none.shape == (0, 1)
    assert np.array_equal(same, ys[:, 1:])
