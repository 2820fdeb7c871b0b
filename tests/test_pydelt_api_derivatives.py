"""pydelt_like.derivatives and the PyDelt-named local families of pydelt_like.interpolation."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import pydelt_like
from pydelt_like import local
from pydelt_like.derivatives import fda, glla, gold, lla
from pydelt_like.interpolation import (
    FdaInterpolator,
    GllaInterpolator,
    GoldInterpolator,
    LlaInterpolator,
    LoessInterpolator,
    LowessInterpolator,
    derivative_based_interpolation,
    get_best_interpolation,
    glla_interpolation,
    gold_interpolation,
    lla_interpolation,
    lowess_interpolation,
)
from pydelt_like.multivariate import MultivariateDerivatives

T = np.linspace(0, 2 * np.pi, 100)
RNG = np.random.default_rng(0)
# Irregular sampling: PyDelt's GLLA divides by the smallest spacing and gets these wrong.
IRREGULAR = np.sort(RNG.uniform(0, 2 * np.pi, 120))

FAMILIES = [
    (LlaInterpolator, local.LlaInterpolator, ("window_size", "normalization", "zero_mean")),
    (GllaInterpolator, local.GllaInterpolator, ("embedding", "n")),
    (GoldInterpolator, local.GoldInterpolator, ("window_size", "normalization", "zero_mean")),
    (LowessInterpolator, local.LowessInterpolator, ("frac", "it")),
    (LoessInterpolator, local.LoessInterpolator, ("degree", "frac", "it")),
    (FdaInterpolator, local.FdaInterpolator, ("smoothing", "k")),
]


@pytest.mark.parametrize(
    ("cls", "base", "first"), FAMILIES, ids=lambda p: getattr(p, "__name__", "")
)
def test_pydelt_named_families(cls, base, first):
    assert issubclass(cls, base)
    assert cls._get_param_names()[: len(first)] == list(first)
    default = cls()
    assert repr(default) == f"{cls.__name__}()"
    fitted = cls().fit(T, np.sin(T), window_func=np.hanning)
    assert fitted.n_observations == 100 and fitted.window_func is np.hanning
    np.testing.assert_allclose(
        fitted.differentiate(1, mask=[0, 2])(np.array([1.0, 2.0, 3.0])),
        # The window's own weights: a data-chosen smoothing (FDA's GCV on clean data) may
        # move with rounding-level changes of the data, such as (1 - cos T) / 2 for them.
        base().fit(T, np.sin(T) * np.hanning(T.size)).differentiate(1)(np.array([1.0, 3.0])),
        rtol=1e-9,
        atol=1e-12,
    )
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone(T[1:-1]), fitted(T[1:-1]))


def test_positional_arguments_follow_pydelt():
    assert LlaInterpolator(7).window_size == 7
    assert GllaInterpolator(5, 2).get_params()["n"] == 2
    assert LoessInterpolator(1, 0.3).frac == 0.3
    assert FdaInterpolator(0.5, 4).k == 4
    with pytest.raises(TypeError):
        LlaInterpolator(5, "min", False, None)  # degree is keyword only


def test_lla_is_exact_on_lines_and_reports_pydelt_steps():
    x = np.linspace(0, 1, 11)
    derivative, steps = lla(x, 3 * x + 1, window_size=5)
    np.testing.assert_allclose(derivative, 3.0, atol=1e-10)
    np.testing.assert_allclose(steps, [0.6, 0.8] + [1.0] * 7 + [0.8, 0.6])
    pair = lla(x, np.column_stack([x, -2 * x]), window_size=4)
    assert pair[0].shape == pair[1].shape == (11, 2)
    np.testing.assert_allclose(pair[0], np.tile([1.0, -2.0], (11, 1)), atol=1e-10)


def test_lla_on_irregular_samples_and_in_the_given_order():
    derivative, _ = lla(IRREGULAR, np.sin(IRREGULAR), window_size=7)
    np.testing.assert_allclose(derivative[5:-5], np.cos(IRREGULAR[5:-5]), atol=0.02)
    order = RNG.permutation(IRREGULAR.size)
    shuffled, _ = lla(IRREGULAR[order], np.sin(IRREGULAR[order]), window_size=7)
    np.testing.assert_allclose(shuffled, derivative[order])


def test_lla_thresholds():
    x = np.linspace(0, 1, 40)
    y = np.where(x < 0.5, x, 1 - x) + RNG.normal(0, 1e-3, x.size)  # a kink at 0.5
    plain, _ = lla(x, y, window_size=5)
    flagged, _ = lla(x, y, window_size=5, r2_threshold=0.99)
    assert np.isnan(flagged).any() and not np.isnan(plain).any()
    kept = ~np.isnan(flagged)
    np.testing.assert_array_equal(flagged[kept], plain[kept])
    filled, _ = lla(x, y, window_size=5, r2_threshold=0.99, resample_method="spline")
    assert np.isfinite(filled).all()


def test_lla_input_checks():
    with pytest.raises(ValueError, match="same number of samples"):
        lla([1, 2, 3], [1, 2], window_size=3)
    with pytest.raises(NotImplementedError, match="MultivariateDerivatives"):
        lla(np.zeros((5, 2)), np.zeros(5))
    with pytest.raises(ValueError, match="both time_data and signal_data"):
        lla(time_data=[1, 2, 3])
    with pytest.warns(DeprecationWarning):
        lla(time_data=T, signal_data=np.sin(T))


@pytest.mark.parametrize("method", [glla, gold])
def test_glla_and_gold_on_irregular_samples(method):
    result = method(IRREGULAR, np.sin(IRREGULAR), embedding=7, n=2)
    assert sorted(result) == ["dinput", "doutput", "embedding", "n", "r_squared"]
    centres = result["dinput"]
    assert centres.shape == (IRREGULAR.size - 6,) and result["doutput"].shape == (114, 3)
    np.testing.assert_allclose(centres, np.convolve(IRREGULAR, np.ones(7) / 7, "valid"))
    truth = np.column_stack([np.sin(centres), np.cos(centres), -np.sin(centres)])
    np.testing.assert_allclose(result["doutput"], truth, atol=0.05)
    assert (result["r_squared"] > 0.999).all()


@pytest.mark.parametrize("method", [glla, gold])
def test_embedding_checks(method):
    with pytest.raises(ValueError, match="same number of samples"):
        method(np.array([1, 2, 3]), np.array([1, 2]), embedding=3, n=2)
    with pytest.raises(ValueError, match="length greater than embedding"):
        method(np.array([1, 2]), np.array([1, 2]), embedding=3, n=2)
    with pytest.raises(ValueError, match="higher than the maximum order"):
        method(np.array([1, 2, 3]), np.array([1, 2, 3]), embedding=2, n=2)


def test_fda_values_and_shapes():
    result = fda(T, np.sin(T))
    truth = np.column_stack([np.sin(T), np.cos(T), -np.sin(T)])
    np.testing.assert_allclose(result["doutput"][5:-5], truth[5:-5], atol=1e-3)
    assert result["spar"] is None and result["r_squared"].shape == (100,)
    both = fda(T, np.column_stack([np.sin(T), np.cos(T)]))
    assert both["doutput"].shape == (100, 2, 3) and both["r_squared"].shape == (100, 2)


@pytest.mark.parametrize("method", ["lla", "glla", "gold", "fda"])
def test_derivative_based_interpolation_passes_through_the_samples(method):
    curve = derivative_based_interpolation(T, np.sin(T), method=method)
    np.testing.assert_allclose(curve(T), np.sin(T), atol=1e-12)
    q = np.linspace(0.1, 2 * np.pi - 0.1, 20)
    np.testing.assert_allclose(curve(q), np.sin(q), atol=1e-3)


def test_legacy_interpolation_functions():
    with pytest.raises(ValueError, match="method must be one of"):
        derivative_based_interpolation(T, np.sin(T), method="invalid_method")
    q = np.array([1.0, 2.0])
    for curve in (lla_interpolation(T, np.sin(T)), glla_interpolation(T, np.sin(T)),
                  gold_interpolation(T, np.sin(T))):  # fmt: skip
        np.testing.assert_allclose(curve(q), np.sin(q), atol=1e-3)
    fitted, smoothed = lowess_interpolation(T, np.sin(T), return_model=True)
    assert isinstance(fitted, LowessInterpolator) and smoothed.shape == (100, 2)
    with pytest.warns(RuntimeWarning, match="failed"):
        best, name, score = get_best_interpolation(
            T[:4], np.sin(T[:4]), methods=["linear", "spline"]
        )
    assert name == "linear" and score == pytest.approx(1.0)
    assert best(T[1]) == pytest.approx(np.sin(T[1]))


def test_top_level_names_and_multivariate_with_a_local_family():
    assert pydelt_like.lla is lla and pydelt_like.fda is fda
    g = np.linspace(0, 4, 5)
    X, Y = np.meshgrid(g, g)
    mv = MultivariateDerivatives(LlaInterpolator, window_size=3)
    mv.fit(np.column_stack([X.ravel(), Y.ravel()]), (X + 2 * Y).ravel())
    np.testing.assert_allclose(mv.gradient()([1.0, 1.0]), [1.0, 2.0], atol=1e-10)
    assert mv.hessian()(np.array([[1.0, 1.0]])).shape == (2, 2)
