"""The PySINDy integration: the differentiation protocol and equation recovery."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

ps = pytest.importorskip("pysindy")

from pydelt_like.integrations.pysindy import SplineDifferentiation  # noqa: E402


def test_protocol_uniform_step_and_irregular_times():
    t = np.linspace(0, 2 * np.pi, 400)
    states = np.column_stack([np.sin(t), np.cos(2 * t)])
    method = SplineDifferentiation()
    uniform = method(states, t=t[1] - t[0])
    truth = np.column_stack([np.cos(t), -2 * np.sin(2 * t)])
    np.testing.assert_allclose(uniform[5:-5], truth[5:-5], atol=1e-6)
    assert method.smoothed_x_.shape == states.shape
    rng = np.random.default_rng(0)
    t_irr = np.sort(rng.uniform(0, 2 * np.pi, 400))
    states_irr = np.column_stack([np.sin(t_irr), np.cos(2 * t_irr)])
    irregular = method(states_irr, t=t_irr)
    truth_irr = np.column_stack([np.cos(t_irr), -2 * np.sin(2 * t_irr)])
    np.testing.assert_allclose(irregular[5:-5], truth_irr[5:-5], atol=1e-5)
    raw = SplineDifferentiation(save_smooth=False)
    raw(states, t=t)
    np.testing.assert_array_equal(raw.smoothed_x_, states)
    with pytest.raises(ValueError, match="time step"):
        method(states, t=-1.0)
    with pytest.raises(ValueError, match="times"):
        method(states, t=t[:10])


def test_sklearn_style_parameters():
    method = SplineDifferentiation(k=3)
    assert method.get_params()["k"] == 3
    assert method.set_params(smoothing=0.5).smoothing == 0.5


def test_lorenz_structure_is_recovered_at_one_percent_noise():
    from scipy.integrate import solve_ivp

    def lorenz(_t, s):
        return [10 * (s[1] - s[0]), s[0] * (28 - s[2]) - s[1], s[0] * s[1] - 8 / 3 * s[2]]

    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0, 4, 2000))  # irregular times
    states = solve_ivp(lorenz, (0, 4), [-8, 8, 27], t_eval=t, rtol=1e-10, atol=1e-10).y.T
    noisy = states + rng.normal(0, 1, states.shape) * 0.01 * states.std(axis=0)
    model = ps.SINDy(
        feature_library=ps.PolynomialLibrary(degree=2),
        optimizer=ps.STLSQ(threshold=0.5),
        differentiation_method=SplineDifferentiation(),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(noisy, t=t)
    true = np.zeros((3, 10))
    true[0, 1], true[0, 2] = -10, 10
    true[1, 1], true[1, 2], true[1, 6] = 28, -1, -1
    true[2, 3], true[2, 5] = -8 / 3, 1
    found = model.coefficients()
    np.testing.assert_array_equal(found != 0, true != 0)  # no false or missed terms
    mask = true != 0
    assert np.linalg.norm(found[mask] - true[mask]) / np.linalg.norm(true[mask]) < 0.02


def test_bad_shapes_and_times_are_clear_errors():
    with pytest.raises(ValueError, match="n_samples, n_features"):
        SplineDifferentiation()(np.arange(10.0), t=1.0)
    with pytest.raises(ValueError, match="None"):
        SplineDifferentiation()(np.ones((10, 2)), t=None)
