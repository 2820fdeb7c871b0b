"""NeuralNetworkInterpolator against hostile and extreme input: every hyperparameter checked with
one exception type per kind of mistake, documented limits on every size, any finite float64
scale fitted or refused with a clear error (never an inf or NaN), and save/load that trusts
nothing in a file."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from pydelt_like import (  # noqa: E402
    NeuralNetworkInterpolator,
    NotFittedError,
    neural,
)
from pydelt_like.base import Derivative  # noqa: E402
from pydelt_like.neural import PartialDerivative, _training  # noqa: E402

# float64 on CUDA too (where the default is float32), so tolerances hold on every device.
TINY = {"hidden_layers": (8,), "epochs": 30, "lbfgs_iterations": 20, "n_members": 2}
TINY["dtype"] = "float64"
SMALL = {**TINY, "hidden_layers": (16,), "epochs": 300, "lbfgs_iterations": 200}
U = np.linspace(0.0, 1.0, 40)
INNER = np.linspace(0.1, 0.9, 9)
DAMAGED = "not a NeuralNetworkInterpolator saved by save"


def _net(**params):
    return NeuralNetworkInterpolator(**{**TINY, "random_state": 0, **params})


# ------------------------------------------------------------------ hyperparameters
@pytest.mark.parametrize(
    ("params", "error", "fragment"),
    [
        ({"hidden_layers": None}, TypeError, "hidden_layers must be a sequence"),
        ({"hidden_layers": "32"}, TypeError, "hidden_layers must be a sequence"),
        ({"hidden_layers": {8, 16}}, TypeError, "hidden_layers must be a sequence"),
        ({"hidden_layers": np.ones((2, 2), int)}, TypeError, "hidden_layers must be"),
        ({"hidden_layers": (8, 2.0)}, TypeError, r"hidden_layers\[1\] must be an integer"),
        ({"hidden_layers": (8, True)}, TypeError, r"hidden_layers\[1\]"),
        ({"hidden_layers": [[8]]}, TypeError, r"hidden_layers\[0\]"),
        ({"hidden_layers": (0,)}, ValueError, r"hidden_layers\[0\] must be at least 1"),
        ({"hidden_layers": (10**9,)}, ValueError, "at most 10000"),
        ({"hidden_layers": (1,) * 101}, ValueError, "at most 100 layers"),
        ({"hidden_layers": (5000, 5000)}, ValueError, "limit is 10,000,000"),
        ({"epochs": 10**9}, ValueError, "epochs must be at most 1000000"),
        ({"epochs": 1.5}, TypeError, "epochs must be an integer"),
        ({"epochs": -1}, ValueError, "epochs must be at least 0"),
        ({"lbfgs_iterations": 10**9}, ValueError, "lbfgs_iterations must be at most"),
        ({"n_members": 10**6}, ValueError, "n_members must be at most 1000"),
        ({"n_members": 0}, ValueError, "n_members must be at least 1"),
        ({"n_members": "4"}, TypeError, "n_members must be an integer"),
        ({"batch_size": 0}, ValueError, "batch_size must be at least 1"),
        ({"batch_size": 1.5}, TypeError, "batch_size must be an integer or None"),
        ({"learning_rate": math.inf}, ValueError, "learning_rate must be a finite number"),
        ({"learning_rate": math.nan}, ValueError, "learning_rate must be a finite number"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate must be > 0"),
        ({"learning_rate": "0.01"}, TypeError, "learning_rate must be a real number"),
        ({"weight_decay": math.inf}, ValueError, "weight_decay must be a finite number"),
        ({"weight_decay": -1.0}, ValueError, "weight_decay must be >= 0"),
        ({"validation_fraction": "a"}, TypeError, "validation_fraction must be a real"),
        ({"validation_fraction": 1.0}, ValueError, "validation_fraction must be < 1"),
        ({"validation_fraction": 0}, ValueError, "validation_fraction must be > 0"),
        ({"random_state": 2**70}, ValueError, "random_state must be at most"),
        ({"random_state": -1}, ValueError, "random_state must be at least 0"),
        ({"random_state": True}, TypeError, "random_state must be an integer or None"),
        ({"progress": "yes"}, TypeError, "progress must be True or False"),
        ({"bootstrap": 1}, TypeError, "bootstrap must be True or False"),
        ({"dtype": "float16"}, ValueError, "dtype must be one of"),
    ],
)
def test_every_bad_hyperparameter_is_refused_before_training(params, error, fragment):
    with pytest.raises(error, match=fragment):
        _net(**params).fit(U, np.sin(U))


def test_a_wide_input_is_refused_before_its_weights_are_allocated():
    x = np.zeros((3, 400_000))
    x[:, 0] = [0.0, 1.0, 2.0]
    with pytest.raises(
        ValueError, match=r"51,204,484 weights .*\[400000, 32, 32, 1\].*limit is 10,000,000"
    ):
        NeuralNetworkInterpolator(random_state=0).fit(x, [0.0, 1.0, 2.0])


def test_numpy_scalars_are_accepted_and_saved(tmp_path):
    net = _net(
        hidden_layers=np.array([4, 4]),
        learning_rate=np.float32(0.01),
        weight_decay=np.float64(0.1),
        bootstrap=np.bool_(True),
        validation_fraction=np.float16(0.25),
        random_state=np.uint64(2**64 - 1),
        batch_size=np.int64(16),  # torch's split wants a Python int
    ).fit(U, np.sin(U))
    net.save(tmp_path / "n.pt")
    loaded = NeuralNetworkInterpolator.load(tmp_path / "n.pt")
    np.testing.assert_array_equal(loaded(INNER), net(INNER))
    assert loaded.random_state == 2**64 - 1 and loaded.bootstrap is True


def test_no_hidden_layers_is_the_weighted_least_squares_line():
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(0, 3, 50))
    y = 2.0 - 1.5 * x + 0.1 * rng.standard_normal(50)
    w = rng.uniform(0.5, 2.0, 50)
    slope, intercept = np.polyfit(x, y, 1, w=np.sqrt(w))
    net = _net(hidden_layers=(), early_stopping="none", lbfgs_iterations=100).fit(x, y, w)
    inner = np.linspace(x[0], x[-1], 9)
    np.testing.assert_allclose(net.differentiate(1)(inner), slope, rtol=1e-8)
    np.testing.assert_allclose(net(inner), intercept + slope * inner, rtol=1e-8)
    for order in range(2, neural.MAX_ORDER + 1):  # a constant, differentiated again
        values, std = net.differentiate(order)(inner, return_std=True)
        assert (values == 0).all() and (std == 0).all()
    plane = _net(hidden_layers=()).fit(np.c_[x, x**2], y)
    assert (plane.hessian()(np.c_[inner, inner**2]) == 0).all()


def test_set_params_after_fit_changes_the_next_fit_not_this_one(tmp_path):
    layers = [8]
    net = _net(hidden_layers=layers).fit(U, np.sin(3 * U))
    before = net.differentiate(2)(INNER, return_std=True)
    layers.append(4)  # the caller's list, changed in place
    net.set_params(activation="relu", n_members=3, independent_outputs=True)
    np.testing.assert_array_equal(net.differentiate(2)(INNER, return_std=True), before)
    net.save(tmp_path / "n.pt")  # the architecture of the weights, not the pending one
    loaded = NeuralNetworkInterpolator.load(tmp_path / "n.pt")
    np.testing.assert_array_equal(loaded.differentiate(2)(INNER, return_std=True), before)
    assert loaded.get_params()["activation"] == "tanh" and loaded.epochs == net.epochs
    with pytest.raises(ValueError, match="piecewise linear"):
        net.fit(U, np.sin(3 * U)).differentiate(2)
    assert net.architecture_.hidden_layers == (8, 4) and net.params_[0].shape[0] == 3


# ------------------------------------------------------------------ bounded cost
def test_derivative_orders_stop_at_the_documented_maximum():
    net = _net().fit(U, np.sin(U))
    top = net.differentiate(neural.MAX_ORDER)(INNER, return_std=True)
    assert np.isfinite(top).all()
    attempts = [
        lambda: net.differentiate(neural.MAX_ORDER + 1),
        lambda: net.differentiate(40),
        lambda: net.differentiate(10**9),
        lambda: net.differentiate(3).differentiate(4),
        lambda: net.differentiate(1).differentiate(10**9),
        lambda: Derivative(net, 40)(0.5),
    ]
    for attempt in attempts:
        with pytest.raises(ValueError, match=f"up to order {neural.MAX_ORDER}; got order="):
            attempt()
    with pytest.raises(TypeError, match="order must be a non-negative integer"):
        net.differentiate(2.0)


def test_partial_derivatives_obey_the_same_limits():
    rng = np.random.default_rng(1)
    points = rng.uniform(-1, 1, (60, 2))
    net = _net().fit(points, points[:, 0] * points[:, 1])
    inner = points[:3] * 0.5
    with pytest.raises(ValueError, match="up to order 6; got order=9"):
        net.differentiate(5, wrt=1).differentiate(4)
    with pytest.raises(ValueError, match="up to order 6; got order=40"):
        PartialDerivative(net, 40, 0)(inner)  # built by hand, checked when called
    with pytest.raises(ValueError, match="wrt must be at most 1, got 5"):
        PartialDerivative(net, 1, 5)(inner)
    with pytest.raises(ValueError, match="wrt must be at most 1, got 2"):
        net.differentiate(1, wrt=2)
    with pytest.raises(TypeError, match="wrt must be an integer"):
        net.differentiate(1, wrt=1.0)
    relu = _net(activation="relu").fit(points, points[:, 0])
    with pytest.raises(ValueError, match="piecewise linear"):
        relu.hessian()


class _FakeClock:
    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def test_a_long_fit_says_how_long_it_will_take(monkeypatch):
    # The clock is read every _ADAM_CHUNK epochs: each epoch "takes" a second.
    chunk = _training._ADAM_CHUNK
    monkeypatch.setattr(_training, "_clock", _FakeClock(1.0 * chunk))
    with pytest.warns(UserWarning, match=r"roughly \d+ more minutes.*progress=True") as caught:
        _net(epochs=200).fit(U, np.sin(U))
    assert len(caught) == 1 and caught[0].filename == __file__  # points at the caller
    monkeypatch.setattr(_training, "_clock", _FakeClock(0.1 * chunk))  # 22 s: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _net(epochs=200).fit(U, np.sin(U))


class _FakeBar:
    def __init__(self, total, **options):
        self.total, self.count = total, 0

    def update(self, n):
        self.count += n

    def set_postfix(self, **values):
        pass

    def set_postfix_str(self, text):
        self.text = text

    def close(self):
        pass


def test_a_progress_bar_replaces_the_warning_and_counts_every_step(monkeypatch):
    bars = []
    monkeypatch.setattr(
        _training, "progress_bar", lambda **kw: bars.append(_FakeBar(**kw)) or bars[-1]
    )
    monkeypatch.setattr(_training, "_clock", _FakeClock(1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the bar shows the estimate: no warning
        net = _net(epochs=50, lbfgs_iterations=20, progress=True, early_stopping="none")
        net.fit(U, np.sin(U))
    # 50 Adam epochs + 20 L-BFGS iterations; the bar ends full even when training stops early.
    assert bars[0].total == 70 and bars[0].count == 70 and net.n_iterations_ <= 70


def test_a_progress_bar_ends_full_and_says_why_training_stopped_early(monkeypatch):
    bars = []
    monkeypatch.setattr(
        _training, "progress_bar", lambda **kw: bars.append(_FakeBar(**kw)) or bars[-1]
    )
    # Noisy data: L-BFGS stops at the noise level, long before its 2,000 iterations.
    y = np.sin(3 * U) + 0.3 * np.random.default_rng(0).standard_normal(U.size)
    net = _net(epochs=50, lbfgs_iterations=2000, progress=True).fit(U, y)
    assert net.n_iterations_ < 2050
    assert bars[0].count == bars[0].total == 2050
    assert f"stopped early after {net.n_iterations_} of 2050 steps" in bars[0].text


@pytest.mark.parametrize("params", [{"learning_rate": 1e300}, {"learning_rate": 1e200}])
def test_divergent_training_is_an_error_not_nan(params):
    net = _net(**params)
    with pytest.raises(ValueError, match=r"training diverged.*lower learning_rate"):
        net.fit(U, np.sin(U))
    with pytest.raises(NotFittedError):
        net.predict(0.5)


@pytest.mark.parametrize("decay", [1e300, 2**70])  # 2**70: beyond torch's int64 scalars
def test_a_huge_weight_decay_gives_a_finite_fit(decay):
    net = _net(weight_decay=decay, bootstrap=True).fit(U, np.sin(U))
    assert np.isfinite(net.predict(INNER)).all()
    assert np.isfinite(net.differentiate(2)(INNER, return_std=True)).all()


# ------------------------------------------------------------------ scale-free fits
@given(
    x_exp=st.integers(-900, 900),
    y_exp=st.integers(-900, 900),
    shift=st.sampled_from([0.0, 3.0, -1e3]),
)
@settings(max_examples=12)
def test_scaling_by_powers_of_two_scales_the_fit_exactly(x_exp, y_exp, shift):
    # Scaling data by powers of two is exact in floating point, so the standardised data,
    # the training and the network are the same bit for bit; every output must scale exactly.
    x, y = U + shift, np.sin(3 * U) + 2.0
    base = _net().fit(x, y)
    scaled = _net().fit(np.ldexp(x, x_exp), np.ldexp(y, y_exp))
    points = np.ldexp(INNER + shift, x_exp)
    np.testing.assert_array_equal(scaled(points), np.ldexp(base(INNER + shift), y_exp))
    assert scaled.noise_std_ == np.ldexp(base.noise_std_, y_exp)
    for order in (1, 2):
        exponent = y_exp - order * x_exp
        truth, std = base.differentiate(order)(INNER + shift, return_std=True)
        if exponent > 1030:  # |3 cos 3t| > 0.2 here: beyond the float64 range
            with pytest.raises(ValueError, match=r"exceeds the float64 range.*rescale"):
                scaled.differentiate(order)(points)
        if abs(exponent) > 1000:  # near the edges of the range, or into subnormals
            continue
        values, spread = scaled.differentiate(order)(points, return_std=True)
        # x_scale_**order is the C library's pow (as before, bit for bit), which need not
        # commute with a power of two: one rounding of the factor from order 2 on.
        maxulp = 0 if order == 1 else 2
        np.testing.assert_array_max_ulp(values, np.ldexp(truth, exponent), maxulp=maxulp)
        np.testing.assert_array_max_ulp(spread, np.ldexp(std, exponent), maxulp=maxulp)


@pytest.mark.parametrize(
    ("low", "high", "y_scale"),
    [
        (0.0, 1.0, 1e300),
        (0.0, 1.0, 1e-300),
        (0.0, 1e-300, 1e-300),
        (0.0, 1e300, 1e300),
        (1e12, 1e12 + 10, 1.0),  # a large offset: x known to 1e-5 of its span
        (1.0, 1.0 + 1e-6, 1.0),  # a span of 1e-6 at 1
        (-1.7e308, 1.7e308, 1.0),  # the whole float64 range
    ],
)
def test_any_finite_scale_fits_like_the_unit_scale(low, high, y_scale):
    # sin(3t) on t in [0, 1], stretched: the derivatives in user units are the unit-scale
    # ones times y_scale / span**order, and must be as accurate.
    def stretch(t):
        return low * (1 - t) + high * t

    half_span = high / 2 - low / 2  # the span itself may overflow
    t = np.linspace(0.0, 1.0, 40)
    net = NeuralNetworkInterpolator(**SMALL, random_state=0).fit(
        stretch(t), y_scale * np.sin(3 * t)
    )
    fit, std = net.predict(stretch(INNER), return_std=True)
    np.testing.assert_allclose(fit / y_scale, np.sin(3 * INNER), atol=2e-3)
    assert np.isfinite(std).all() and (std >= 0).all()
    slope = net.differentiate(1)(stretch(INNER)) * half_span * 2 / y_scale
    np.testing.assert_allclose(slope, 3 * np.cos(3 * INNER), atol=0.05)


def test_a_derivative_beyond_float64_is_an_error_that_says_what_to_rescale():
    x = 1e-300 * U
    net = _net().fit(x, np.sin(3 * U))
    assert np.isfinite(net.differentiate(1)(x[5:10])).all()  # about 3e300
    with pytest.raises(ValueError, match=r"order 2 exceeds the float64 range.*1e60\d.*rescale"):
        net.differentiate(2)(x[5:10])
    big = _net().fit(U, 1.7e308 * np.sin(3 * U))
    assert np.isfinite(big.predict(INNER)).all()
    with pytest.raises(ValueError, match="derivative of order 1 exceeds the float64 range"):
        big.differentiate(1)(INNER)


def test_several_inputs_are_scale_free_too():
    rng = np.random.default_rng(2)
    points = rng.uniform(-1, 1, (80, 2))
    values = points[:, 0] * points[:, 1] + points[:, 0] ** 2
    inner = points[:4] * 0.5
    base = _net().fit(points, values)
    scale = np.ldexp(1.0, [-300, 500])
    scaled = _net().fit(points * scale, np.ldexp(values, 300))
    np.testing.assert_array_equal(
        scaled.gradient()(inner * scale), np.ldexp(base.gradient()(inner), 300) / scale
    )
    np.testing.assert_array_equal(
        scaled.hessian()(inner * scale),
        np.ldexp(base.hessian()(inner), 300) / np.outer(scale, scale),
    )
    huge = _net().fit(points * [1e-200, 1.0], values * 1e200)
    with pytest.raises(ValueError, match="Jacobian exceeds the float64 range"):
        huge.gradient()(inner * [1e-200, 1.0])


@pytest.mark.parametrize("value", [0.1, 0.0, -1.7e308, 1e300, 5e-324, -7.25])
def test_a_constant_is_reproduced_exactly_with_zero_derivatives(value, tmp_path):
    x = np.r_[0.0, np.geomspace(1e-3, 10, 19)]
    net = _net(n_members=3).fit(x, np.full(20, value))
    values, std = net.predict(x, return_std=True)
    assert (values == value).all() and (std == 0).all() and net.noise_std_ == 0
    for order in (1, 2, 3):
        d, d_std = net.differentiate(order)(x, return_std=True)
        assert (d == 0).all() and (d_std == 0).all()
    net.save(tmp_path / "constant.pt")
    assert (NeuralNetworkInterpolator.load(tmp_path / "constant.pt")(x) == value).all()


def test_a_constant_column_beside_a_varying_one():
    y = np.c_[np.full(40, 0.3), np.sin(3 * U)]
    net = NeuralNetworkInterpolator(**SMALL, random_state=0).fit(U, y)
    values = net(INNER)
    assert (values[:, 0] == 0.3).all() and (net.differentiate(1)(INNER)[:, 0] == 0).all()
    np.testing.assert_allclose(values[:, 1], np.sin(3 * INNER), atol=1e-3)


def test_the_constant_ignores_samples_of_zero_weight():
    y = np.full(40, 2.5)
    y[7] = 1e6  # weightless
    weights = np.ones(40)
    weights[7] = 0.0
    net = _net().fit(U, y, weights=weights)
    assert (net(INNER) == 2.5).all()


def test_weights_of_any_size_only_count_by_their_ratios():
    y = np.sin(3 * U)
    plain = _net().fit(U, y)
    for size in (2.0**1000, 2.0**-1070):  # powers of two: exactly the same fit
        weighted = _net().fit(U, y, weights=np.full(40, size))
        np.testing.assert_array_equal(
            weighted.differentiate(1)(INNER), plain.differentiate(1)(INNER)
        )
    heavy = _net().fit(U, y, weights=np.full(40, 1e308))
    np.testing.assert_allclose(heavy(INNER), plain(INNER), rtol=1e-6)
    # Two samples at x = 0 whose weights would sum past float64 when merged: check_xy
    # rescales extreme weights exactly first, so the fit is the one with equal weights.
    merged = _net().fit(np.r_[0.0, U], np.r_[0.0, y], weights=np.full(41, 1e308))
    assert np.isfinite(merged(INNER)).all()


@pytest.mark.parametrize("activation", ["softplus", "sin", "gelu", "silu"])
def test_extrapolating_absurdly_far_is_an_error_not_nan(activation):
    net = _net(activation=activation, extrapolate="extrapolate").fit(U, np.sin(3 * U))
    with pytest.raises(ValueError, match=r"so far outside the fitted range .* evaluate nearer"):
        net.predict([0.5, 1e308, -1e308])
    assert np.isfinite(net.predict([0.5, 2.0])).all()


# ------------------------------------------------------------------ save and load
@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("saves") / "net.pt"
    net = _net().fit(U, np.sin(3 * U))
    net.save(path)
    return net, path, torch.load(path, weights_only=True)


def _write(tmp_path, blob, name="t.pt"):
    path = tmp_path / name
    torch.save(blob, path)
    return path


def _with_meta(blob, change):
    meta = json.loads(blob["meta"])
    change(meta)
    return {"meta": json.dumps(meta), "state": blob["state"]}


def test_nan_or_infinite_weights_are_refused(saved, tmp_path):
    _, _, blob = saved
    for bad in (math.nan, math.inf):
        state = {**blob["state"], "p1": blob["state"]["p1"] * bad}
        path = _write(tmp_path, {"meta": blob["meta"], "state": state})
        with pytest.raises(ValueError, match=f"{DAMAGED}.*'p1' holds NaN or infinite weights"):
            NeuralNetworkInterpolator.load(path)


META_KEYS = [
    "format", "params", "device", "dtype", "n_features", "n_outputs", "n_samples",
    "y_trailing_shape", "x_min", "x_max", "x_mean", "x_scale", "y_mean", "y_scale",
    "noise_std", "loss_history",
]  # fmt: skip


@pytest.mark.parametrize("key", META_KEYS)
def test_a_missing_metadata_key_is_refused(saved, tmp_path, key):
    path = _write(tmp_path, _with_meta(saved[2], lambda meta: meta.pop(key)))
    with pytest.raises(ValueError, match=DAMAGED):
        NeuralNetworkInterpolator.load(path)


# Hyperparameters added after files were first written load with their defaults instead
# (tests/test_neural.py checks that); every other one is required.
_REQUIRED_PARAMS = [k for k in NeuralNetworkInterpolator._get_param_names() if k != "num_threads"]


@pytest.mark.parametrize("key", _REQUIRED_PARAMS)
def test_a_missing_hyperparameter_is_refused(saved, tmp_path, key):
    path = _write(tmp_path, _with_meta(saved[2], lambda meta: meta["params"].pop(key)))
    with pytest.raises(ValueError, match=f"{DAMAGED}.*missing.*{key}"):
        NeuralNetworkInterpolator.load(path)


BAD_META = [
    ("format", "pydelt_like.NeuralNetworkInterpolator/0"),
    ("params", []),
    ("device", 0),
    ("dtype", "float16"),
    ("n_features", 2),  # the weights say 1
    ("n_features", "1"),
    ("n_features", True),
    ("n_outputs", 0),
    ("n_outputs", 1.0),
    ("n_samples", 1),
    ("y_trailing_shape", [2]),
    ("y_trailing_shape", None),
    ("y_trailing_shape", [1, -1]),
    ("x_min", []),
    ("x_min", [2.0]),  # above x_max
    ("x_max", ["1"]),
    ("x_mean", [math.nan]),
    ("x_scale", [0.0]),
    ("x_scale", [-1.0]),
    ("x_scale", 1.0),
    ("y_mean", [math.inf]),
    ("y_mean", [1.0, 2.0]),
    ("y_scale", [-1.0]),
    ("y_scale", [True]),
    ("noise_std", [-0.5]),
    ("noise_std", [10**400]),
    ("loss_history", {"a": 1}),
    ("loss_history", [math.nan]),
]


@pytest.mark.parametrize(("key", "value"), BAD_META)
def test_metadata_of_the_wrong_type_or_value_is_refused(saved, tmp_path, key, value):
    path = _write(tmp_path, _with_meta(saved[2], lambda meta: meta.__setitem__(key, value)))
    with pytest.raises(ValueError, match=DAMAGED):
        NeuralNetworkInterpolator.load(path)


BAD_PARAMS = [
    ("hidden_layers", [16]),  # the weights say 8
    ("hidden_layers", "8"),
    ("hidden_layers", None),
    ("activation", "swish"),
    ("n_members", 3),  # the weights say 2
    ("n_members", 10**9),
    ("independent_outputs", "no"),
    ("epochs", -5),
    ("random_state", 2**70),
    ("learning_rate", None),
    ("device", 0),
    ("extrapolate", "sometimes"),
    ("nan_policy", None),
    ("surprise", 1),
]


@pytest.mark.parametrize(("key", "value"), BAD_PARAMS)
def test_hyperparameters_are_checked_as_fit_checks_them(saved, tmp_path, key, value):
    def change(meta):
        meta["params"][key] = value

    path = _write(tmp_path, _with_meta(saved[2], change))
    with pytest.raises(ValueError, match=DAMAGED):
        NeuralNetworkInterpolator.load(path)


def test_tampered_tensors_are_refused(saved, tmp_path):
    _, _, blob = saved
    state = blob["state"]
    tampered = {
        "transposed": {**state, "p0": state["p0"].transpose(1, 2).contiguous()},
        "float32": {**state, "p2": state["p2"].float()},
        "missing": {k: v for k, v in state.items() if k != "p3"},
        "extra": {**state, "p4": state["p3"].clone()},
        "renamed": {**{k: v for k, v in state.items() if k != "p3"}, "bias": state["p3"]},
        "a list": {**state, "p1": state["p1"].tolist()},
        "sparse": {**state, "p1": state["p1"].to_sparse()},
        "empty": {},
    }
    for name, bad in tampered.items():
        path = _write(tmp_path, {"meta": blob["meta"], "state": bad}, f"{name}.pt")
        with pytest.raises(ValueError, match=DAMAGED):
            NeuralNetworkInterpolator.load(path)


def test_files_that_are_not_saves_are_refused(saved, tmp_path):
    _, _, blob = saved
    wrong = {
        "a tensor": torch.zeros(3),
        "a list": [blob["meta"], blob["state"]],
        "meta bytes": {"meta": blob["meta"].encode(), "state": blob["state"]},
        "meta not json": {"meta": "{not json", "state": blob["state"]},
        "meta an array": {"meta": "[1, 2]", "state": blob["state"]},
        "deep json": {"meta": "[" * 100_000 + "]" * 100_000, "state": blob["state"]},
        "extra key": {**blob, "more": 1},
    }
    for name, bad in wrong.items():
        with pytest.raises(ValueError, match=DAMAGED):
            NeuralNetworkInterpolator.load(_write(tmp_path, bad, f"{name}.pt"))


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


FIELDS = [("meta", key) for key in META_KEYS] + [
    ("params", name) for name in NeuralNetworkInterpolator._get_param_names()
]


@pytest.mark.slow
@given(field=st.sampled_from(FIELDS), value=JSON_VALUES)
@settings(max_examples=80)
def test_any_tampered_field_is_refused_or_gives_finite_predictions(saved, field, value):
    # The fuzz view of load: whatever a field holds, load raises its documented ValueError,
    # or the network it builds predicts finite values on its own range.
    import tempfile

    _, _, blob = saved
    where, key = field

    def change(meta):
        (meta if where == "meta" else meta["params"])[key] = value

    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/t.pt"
        torch.save(_with_meta(blob, change), path)
        try:
            loaded = NeuralNetworkInterpolator.load(path)
        except ValueError as error:
            assert DAMAGED in str(error)
            return
    low, high = float(loaded.x_min_), float(loaded.x_max_)
    points = np.linspace(low, high, 5)
    assert np.isfinite(loaded.predict(points)).all()
    assert np.isfinite(loaded.differentiate(1)(points)).all()


def test_save_and_load_paths_get_clear_errors(saved, tmp_path):
    net, _, _ = saved
    with pytest.raises(ValueError, match="path is empty"):
        net.save("")
    with pytest.raises(ValueError, match="NUL character"):
        net.save(str(tmp_path / "a\0b"))
    with pytest.raises(FileNotFoundError, match="missing"):
        net.save(tmp_path / "missing" / "net.pt")
    with pytest.raises(IsADirectoryError):
        net.save(tmp_path)
    with pytest.raises(TypeError, match="path must be a str or path-like"):
        net.save(123)
    with pytest.raises(TypeError, match="path must be a str or path-like"):
        NeuralNetworkInterpolator.load(123)
    with pytest.raises(ValueError, match="path is empty"):
        NeuralNetworkInterpolator.load("")
    with pytest.raises(FileNotFoundError, match=r"nothing\.pt"):
        NeuralNetworkInterpolator.load(tmp_path / "nothing.pt")
    with pytest.raises(IsADirectoryError):
        NeuralNetworkInterpolator.load(tmp_path)
    assert not (tmp_path / "a").exists()  # the NUL did not cut the name short


def test_extreme_fits_round_trip_exactly(tmp_path):
    x, y = 1e-300 * U, 1e300 * np.sin(3 * U)
    net = _net().fit(x, y)
    net.save(tmp_path / "extreme.pt")
    loaded = NeuralNetworkInterpolator.load(tmp_path / "extreme.pt")
    np.testing.assert_array_equal(loaded(x), net(x))
    with pytest.raises(ValueError, match="exceeds the float64 range"):
        loaded.differentiate(1)(x)
