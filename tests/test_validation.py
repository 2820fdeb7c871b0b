"""Tests for pydelt_like._validation: every user-input check, its exception type and its message."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import fractions

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pydelt_like._validation import (
    EvalPoints,
    FitData,
    as_float_array,
    check_eval_points,
    check_extrapolate,
    check_int,
    check_nan_policy,
    check_option,
    check_order,
    check_real,
    check_xy,
    shape_output,
)


# ----------------------------------------------------------------------------- stand-ins
class FakeTensor:
    """Behaves like a torch tensor for duck typing: numpy() needs detach() and cpu() first."""

    def __init__(self, data, *, device="cuda", requires_grad=True, numpy_fails=False):
        self.data = np.asarray(data)
        self.device = device
        self.requires_grad = requires_grad
        self.numpy_fails = numpy_fails

    def detach(self):
        return FakeTensor(
            self.data, device=self.device, requires_grad=False, numpy_fails=self.numpy_fails
        )

    def cpu(self):
        return FakeTensor(
            self.data, device="cpu", requires_grad=self.requires_grad, numpy_fails=self.numpy_fails
        )

    def double(self):
        return FakeTensor(self.data.astype(np.float64), device=self.device, requires_grad=False)

    def numpy(self):
        if self.requires_grad or self.device != "cpu":
            raise RuntimeError("Can't call numpy() on a tensor that requires grad or is on CUDA")
        if self.numpy_fails:
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self.data  # torch shares memory with the tensor, so must the stand-in


class FakeSeries:
    """Behaves like a pandas Series for duck typing: to_numpy() returns a view of its data."""

    def __init__(self, data, dtype=None):
        self.values = np.asarray(data, dtype=dtype)
        self.dtype = self.values.dtype

    def to_numpy(self, dtype=None, na_value=None):
        return self.values if dtype is None else self.values.astype(dtype)


# ----------------------------------------------------------------------------- as_float_array
@pytest.mark.parametrize(
    "values",
    [[1, 2, 3], (1, 2, 3), np.array([1, 2, 3], dtype=np.int32), np.array([1, 2, 3], np.float32)],
)
def test_as_float_array_converts_sequences_and_arrays(values):
    out = as_float_array(values, name="x")
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [1.0, 2.0, 3.0])


def test_as_float_array_scalar_gives_0d():
    out = as_float_array(2, name="x")
    assert out.shape == ()
    assert out == 2.0
    assert out.dtype == np.float64


def test_as_float_array_always_copies_float64_input():
    values = np.array([1.0, 2.0, 3.0])
    out = as_float_array(values, name="x")
    assert not np.shares_memory(out, values)
    out[0] = 99.0
    np.testing.assert_array_equal(values, [1.0, 2.0, 3.0])


def test_as_float_array_accepts_torch_like_and_copies():
    tensor = FakeTensor([[1.5, 2.5], [3.5, 4.5]])
    out = as_float_array(tensor, name="x")
    np.testing.assert_array_equal(out, [[1.5, 2.5], [3.5, 4.5]])
    assert out.dtype == np.float64
    out[0, 0] = -1.0
    assert tensor.data[0, 0] == 1.5


def test_as_float_array_torch_like_without_numpy_dtype_goes_through_double():
    tensor = FakeTensor(np.array([0.5, 1.0], dtype=np.float32), numpy_fails=True)
    np.testing.assert_array_equal(as_float_array(tensor, name="x"), [0.5, 1.0])


def test_as_float_array_accepts_pandas_like_and_copies():
    series = FakeSeries([3.0, 1.0, 2.0])
    out = as_float_array(series, name="y")
    np.testing.assert_array_equal(out, [3.0, 1.0, 2.0])
    assert not np.shares_memory(out, series.values)


def test_as_float_array_pandas_like_object_strings_are_not_parsed():
    # pandas' to_numpy(dtype=float) would parse "1.5"; strings must still be rejected.
    with pytest.raises(TypeError, match=r"x contains strings \(first: '1.5' at index 0\)"):
        as_float_array(FakeSeries(["1.5", "2"], dtype=object), name="x")


def test_as_float_array_masked_entries_become_nan():
    values = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    out = as_float_array(values, name="y")
    np.testing.assert_array_equal(out, [1.0, np.nan, 3.0])
    np.testing.assert_array_equal(values.data, [1.0, 2.0, 3.0])


def test_as_float_array_object_numbers_convert():
    values = np.array([fractions.Fraction(1, 2), decimal.Decimal("0.25"), 3], dtype=object)
    np.testing.assert_array_equal(as_float_array(values, name="x"), [0.5, 0.25, 3.0])


def test_as_float_array_real_pandas():
    pd = pytest.importorskip("pandas")
    series = pd.Series([1.0, 2.0, 4.0], index=[10, 20, 30])
    out = as_float_array(series, name="x")
    np.testing.assert_array_equal(out, [1.0, 2.0, 4.0])
    assert not np.shares_memory(out, series.to_numpy())
    np.testing.assert_array_equal(as_float_array(pd.Index([5, 6]), name="x"), [5.0, 6.0])
    nullable = pd.Series([1.0, None, 3.0], dtype="Float64")
    np.testing.assert_array_equal(as_float_array(nullable, name="y"), [1.0, np.nan, 3.0])
    with pytest.raises(TypeError, match="convert to numbers"):
        as_float_array(pd.Series(pd.date_range("2024-01-01", periods=3)), name="x")
    aware = pd.Series(pd.date_range("2024-01-01", periods=3, tz="UTC"))
    with pytest.raises(TypeError, match="contains dates or times"):
        as_float_array(aware, name="x")
    with pytest.raises(TypeError, match="x contains strings"):
        as_float_array(pd.Series(["1.5", "2"], dtype=object), name="x")
    with pytest.raises(TypeError, match=r"x (has string dtype|contains strings)"):
        as_float_array(pd.Series(["1.5", "2"]), name="x")
    with pytest.raises(TypeError, match="booleans"):
        as_float_array(pd.Series([True, None], dtype="boolean"), name="x")
    frame = pd.DataFrame({"a": [1, 2], "b": [3.0, 4.0]})
    np.testing.assert_array_equal(as_float_array(frame, name="y"), [[1.0, 3.0], [2.0, 4.0]])


def test_as_float_array_real_torch():
    torch = pytest.importorskip("torch")
    tensor = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float32, requires_grad=True)
    out = as_float_array(tensor, name="x")
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [1.0, 2.0, 3.0])
    out[0] = 7.0
    assert tensor[0].item() == 1.0
    np.testing.assert_array_equal(
        as_float_array(torch.tensor([0.5], dtype=torch.bfloat16), name="x"), [0.5]
    )
    with pytest.raises(TypeError, match="complex"):
        as_float_array(torch.tensor([1 + 1j]), name="x")


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ("abc", "x must be numeric, got a str 'abc'"),
        (b"abc", "x must be numeric, got a bytes"),
        (["1.0", "2.0"], "x has string dtype <U3"),
        (np.array([b"1", b"2"]), "x has string dtype"),
        (np.array([1.0, "a"], dtype=object), r"x contains strings \(first: 'a' at index 1\)"),
        (np.array([1.0, None], dtype=object), "cannot be converted to float.*float\\('nan'\\)"),
        (np.array([1.0, {}], dtype=object), "type dict at index 1"),
        (np.array(["2024-01-01"], dtype="datetime64[D]"), "datetime64.*convert to numbers"),
        (np.array([1, 2], dtype="timedelta64[s]"), "timedelta64.*convert to numbers"),
        ([datetime.datetime(2024, 1, 1)], "contains dates or times"),
        ([True, False], "x has boolean dtype"),
        (np.array([1.0, True], dtype=object), "x contains booleans"),
    ],
)
def test_as_float_array_rejects_non_numeric(values, match):
    with pytest.raises(TypeError, match=match):
        as_float_array(values, name="x")


@pytest.mark.parametrize(
    "values", [np.array([1 + 2j, 3]), [1j], np.array([1.0, 2j], dtype=object), 1 + 0j]
)
def test_as_float_array_rejects_complex_with_fix(values):
    message = "x contains complex values; pass the real part (np.real) or the magnitude (np.abs)"
    with pytest.raises(TypeError) as info:
        as_float_array(values, name="x")
    assert str(info.value) == message


def test_as_float_array_ragged_input_is_value_error():
    with pytest.raises(ValueError, match="y could not be converted to a numeric array"):
        as_float_array([[1.0, 2.0], [3.0]], name="y")


# ----------------------------------------------------------------------------- options
def test_check_option_names_parameter_value_and_choices():
    with pytest.raises(ValueError) as info:
        check_option("drop", name="nan_policy", allowed=("raise", "omit"))
    assert str(info.value) == "nan_policy must be one of 'raise', 'omit'; got 'drop'"


def test_check_option_returns_valid_value_and_rejects_lookalikes():
    assert check_option("omit", name="p", allowed=("raise", "omit")) == "omit"
    assert check_option(1, name="p", allowed=(1, 2)) == 1
    with pytest.raises(ValueError, match="p must be one of 1, 2; got True"):
        check_option(True, name="p", allowed=(1, 2))
    with pytest.raises(ValueError, match=r"got \['raise'\]"):
        check_option(["raise"], name="p", allowed=("raise",))
    with pytest.raises(ValueError, match="got array"):
        check_option(np.array(["raise"]), name="p", allowed=("raise",))


def test_check_nan_policy_and_extrapolate():
    assert check_nan_policy("omit") == "omit"
    assert check_extrapolate("extrapolate") == "extrapolate"
    with pytest.raises(ValueError, match="nan_policy must be one of 'raise', 'omit'; got 'drop'"):
        check_nan_policy("drop")
    with pytest.raises(
        ValueError, match="extrapolate must be one of 'raise', 'nan', 'extrapolate'; got True"
    ):
        check_extrapolate(True)


# ----------------------------------------------------------------------------- check_xy shapes
@pytest.mark.parametrize("shape", [(5, 1), (1, 5)])
def test_check_xy_rejects_2d_x(shape):
    x = np.arange(5.0).reshape(shape)
    with pytest.raises(
        ValueError, match=rf"x must be 1-D with shape \(n_samples,\), got shape \({shape[0]}, "
    ):
        check_xy(x, np.arange(5.0))


def test_check_xy_rejects_scalar_x():
    with pytest.raises(ValueError, match=r"x must be 1-D with shape \(n_samples,\), got a scalar"):
        check_xy(3.0, [1.0])


def test_check_xy_rejects_empty_x():
    with pytest.raises(ValueError, match="x is empty; Spline needs at least 4 samples"):
        check_xy([], [], min_points=4, method_name="Spline")


def test_check_xy_rejects_length_mismatch_naming_both_lengths():
    with pytest.raises(ValueError, match="x has 5 samples, y has 4"):
        check_xy(np.arange(5.0), np.arange(4.0))


def test_check_xy_hints_at_transposed_y():
    with pytest.raises(ValueError, match=r"y has 2 \(y.shape=\(2, 5\)\); y looks transposed"):
        check_xy(np.arange(5.0), np.zeros((2, 5)))


def test_check_xy_rejects_scalar_and_empty_y():
    with pytest.raises(ValueError, match=r"y must have shape .* got a scalar"):
        check_xy([0.0, 1.0], 2.0)
    with pytest.raises(ValueError, match=r"y has no output values: y.shape=\(2, 0\)"):
        check_xy([0.0, 1.0], np.zeros((2, 0)))


def test_check_xy_rejects_non_numeric_with_parameter_name():
    with pytest.raises(TypeError, match="y contains complex values"):
        check_xy([0.0, 1.0], [1j, 2.0])
    with pytest.raises(TypeError, match="weights has string dtype"):
        check_xy([0.0, 1.0], [1.0, 2.0], weights=["a", "b"])


def test_check_xy_flattens_batch_axes_of_y():
    x = np.array([2.0, 0.0, 1.0])
    y = np.arange(18.0).reshape(3, 2, 3)
    data = check_xy(x, y)
    assert data.y_trailing_shape == (2, 3)
    assert data.y.shape == (3, 6)
    assert data.n_outputs == 6
    # Row order follows the sorted x: sample 1 (x=0), sample 2 (x=1), sample 0 (x=2).
    np.testing.assert_array_equal(data.y, y.reshape(3, 6)[[1, 2, 0]])


def test_check_xy_1d_y_has_empty_trailing_shape_and_one_column():
    data = check_xy([0.0, 1.0, 2.0], [5.0, 6.0, 7.0])
    assert data.y_trailing_shape == ()
    np.testing.assert_array_equal(data.y, [[5.0], [6.0], [7.0]])
    np.testing.assert_array_equal(data.weights, [1.0, 1.0, 1.0])
    assert data.n_dropped == 0
    assert data.n_samples == 3


def test_fit_data_is_frozen():
    data = check_xy([0.0, 1.0], [0.0, 1.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.x = np.zeros(2)


# ----------------------------------------------------------------------------- weights
@pytest.mark.parametrize(
    ("weights", "error", "match"),
    [
        (
            [1.0, 1.0],
            ValueError,
            r"weights must have shape \(n_samples,\) = \(3,\).*got shape \(2,\)",
        ),
        ([[1.0, 1.0, 1.0]], ValueError, r"got shape \(1, 3\)"),
        ([1.0, np.nan, 1.0], ValueError, "weights has 1 non-finite value .* first at index 1"),
        ([1.0, 1.0, np.inf], ValueError, "weights must be finite and >= 0"),
        ([1.0, -2.0, 1.0], ValueError, r"weights has 1 negative value \(first: -2 at index 1\)"),
        ([0.0, 0.0, 0.0], ValueError, "weights are all zero"),
        ([1j, 1.0, 1.0], TypeError, "weights contains complex values"),
    ],
)
def test_check_xy_rejects_bad_weights(weights, error, match):
    with pytest.raises(error, match=match):
        check_xy([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], weights=weights)


@pytest.mark.parametrize("light", [1e-300, 2.0**-53, 5e-324])
def test_check_xy_refuses_weights_too_unequal_for_float64(light):
    w = np.ones(6)
    w[3] = light
    with pytest.raises(ValueError, match=r"span a ratio of .* \(index 3\).* weight 0"):
        check_xy(np.arange(6.0), np.arange(6.0), weights=w)
    w[3] = 2.0**-52  # at the limit: accepted
    assert check_xy(np.arange(6.0), np.arange(6.0), weights=w).weights.size == 6


def test_check_xy_rejects_weights_all_zero_after_omit():
    with pytest.raises(ValueError, match="weights are all zero on the samples left"):
        check_xy(
            [0.0, 1.0, 2.0, 3.0],
            [np.nan, 1.0, 2.0, 3.0],
            weights=[1.0, 0.0, 0.0, 0.0],
            nan_policy="omit",
        )


# ----------------------------------------------------------------------------- NaN policy
def test_check_xy_nan_in_y_message_counts_values_and_gives_original_index():
    x = np.arange(20.0)[::-1].copy()  # unsorted: the index must still be the user's
    y = np.ones(20)
    y[17] = np.nan
    y[19] = np.inf
    with pytest.raises(ValueError) as info:
        check_xy(x, y)
    assert str(info.value) == (
        "y has 2 non-finite values (NaN or inf), first at index 17; "
        "pass nan_policy='omit' to drop those samples"
    )


def test_check_xy_nan_in_x_message():
    with pytest.raises(
        ValueError, match=r"x has 1 non-finite value \(NaN or inf\), first at index 2; pass"
    ):
        check_xy([0.0, 1.0, -np.inf, 3.0], [0.0, 1.0, 2.0, 3.0])


def test_check_xy_nan_in_2d_y_reports_full_index():
    y = np.zeros((4, 3))
    y[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"y has 1 non-finite value .* first at index \(2, 1\)"):
        check_xy(np.arange(4.0), y)


def test_check_xy_rejects_bad_nan_policy():
    with pytest.raises(ValueError, match="nan_policy must be one of 'raise', 'omit'; got 'skip'"):
        check_xy([0.0, 1.0], [0.0, 1.0], nan_policy="skip")


def test_check_xy_omit_drops_samples_with_any_non_finite_value():
    x = np.array([3.0, np.nan, 0.0, 1.0, 2.0, 4.0])
    y = np.array([[30.0, 3.0], [99.0, 9.0], [0.0, 0.0], [10.0, np.inf], [20.0, 2.0], [40.0, 4.0]])
    w = np.array([1.0, 1.0, 2.0, 1.0, 3.0, 1.0])
    data = check_xy(x, y, weights=w, nan_policy="omit")
    assert data.n_dropped == 2
    np.testing.assert_array_equal(data.x, [0.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(data.y, [[0.0, 0.0], [20.0, 2.0], [30.0, 3.0], [40.0, 4.0]])
    np.testing.assert_array_equal(data.weights, [2.0, 3.0, 1.0, 1.0])


def test_check_xy_omit_leaving_too_few_samples_says_why():
    with pytest.raises(
        ValueError,
        match=r"Fit needs at least 2 distinct samples, got 1 \(after dropping 2 samples with NaN",
    ):
        check_xy([0.0, 1.0, 2.0], [np.nan, 1.0, np.nan], nan_policy="omit", method_name="Fit")


# ----------------------------------------------------------------------------- sorting
def test_check_xy_sorts_x_y_and_weights_together():
    x = [3.0, 1.0, 2.0, 0.0]
    y = [[3.0, -3.0], [1.0, -1.0], [2.0, -2.0], [0.0, 0.0]]
    w = [0.3, 0.1, 0.2, 0.4]
    data = check_xy(x, y, weights=w)
    np.testing.assert_array_equal(data.x, [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(data.y, [[0.0, 0.0], [1.0, -1.0], [2.0, -2.0], [3.0, -3.0]])
    np.testing.assert_array_equal(data.weights, [0.4, 0.1, 0.2, 0.3])


def test_check_xy_never_mutates_or_aliases_inputs():
    x = np.array([2.0, 0.0, 1.0, 1.0, np.nan])
    y = np.array([[2.0], [0.0], [1.0], [3.0], [9.0]])
    w = np.array([1.0, 1.0, 1.0, 3.0, 1.0])
    copies = x.copy(), y.copy(), w.copy()
    data = check_xy(x, y, weights=w, nan_policy="omit")
    np.testing.assert_array_equal(x, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    np.testing.assert_array_equal(w, copies[2])
    for out in (data.x, data.y, data.weights):
        for given_array in (x, y, w):
            assert not np.shares_memory(out, given_array)


def test_check_xy_does_not_alias_already_clean_float64_input():
    x = np.array([0.0, 1.0, 2.0])
    y = np.array([1.0, 2.0, 3.0])
    w = np.array([1.0, 2.0, 3.0])
    data = check_xy(x, y, weights=w)
    assert not np.shares_memory(data.x, x)
    assert not np.shares_memory(data.y, y)
    assert not np.shares_memory(data.weights, w)


def test_check_xy_accepts_torch_like_and_pandas_like_inputs():
    data = check_xy(FakeSeries([1.0, 0.0, 2.0]), FakeTensor([10.0, 0.0, 20.0]))
    np.testing.assert_array_equal(data.x, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(data.y[:, 0], [0.0, 10.0, 20.0])


# ----------------------------------------------------------------------------- duplicates
def test_check_xy_averages_duplicates_with_weights():
    x = [2.0, 1.0, 0.0, 1.0, 1.0]
    y = [[4.0, 40.0], [2.0, 20.0], [0.0, 0.0], [5.0, 50.0], [8.0, 80.0]]
    w = [1.0, 1.0, 1.0, 3.0, 0.0]
    data = check_xy(x, y, weights=w)
    np.testing.assert_array_equal(data.x, [0.0, 1.0, 2.0])
    # (1*2 + 3*5 + 0*8) / (1 + 3 + 0) = 17/4
    np.testing.assert_allclose(data.y, [[0.0, 0.0], [4.25, 42.5], [4.0, 40.0]], rtol=1e-15)
    np.testing.assert_array_equal(data.weights, [1.0, 4.0, 1.0])


def test_check_xy_duplicates_with_zero_total_weight_take_plain_mean():
    data = check_xy([0.0, 1.0, 1.0, 2.0], [0.0, 1.0, 3.0, 2.0], weights=[1.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(data.x, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(data.y[:, 0], [0.0, 2.0, 2.0])
    np.testing.assert_array_equal(data.weights, [1.0, 0.0, 1.0])


def test_check_xy_duplicates_raise_reports_value_and_original_indices():
    x = [0.0, 1.5, 3.0, 2.0, 1.5]
    with pytest.raises(ValueError) as info:
        check_xy(x, np.arange(5.0), duplicates="raise")
    assert str(info.value) == (
        "x has repeated values (first: x=1.5 at indices 1 and 4); an exact interpolation needs "
        "distinct x; use a smoothing fit or average the duplicates"
    )


def test_check_xy_rejects_bad_duplicates_option():
    with pytest.raises(ValueError, match="duplicates must be one of 'average', 'raise'; got 'sum'"):
        check_xy([0.0, 1.0], [0.0, 1.0], duplicates="sum")


def test_check_xy_min_points_counts_distinct_samples():
    with pytest.raises(ValueError) as info:
        check_xy([0.0, 1.0, 1.0, 2.0], np.zeros(4), min_points=4, method_name="SplineInterpolator")
    assert str(info.value) == (
        "SplineInterpolator needs at least 4 distinct samples, got 3 "
        "(after merging 1 repeated x value)"
    )
    with pytest.raises(ValueError, match=r"this method needs at least 3 distinct samples, got 2$"):
        check_xy([0.0, 1.0], [0.0, 1.0], min_points=3)


# ----------------------------------------------------------------------------- properties
_values = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
# Zero, or a positive weight within the ratio that check_xy accepts.
_weight_value = st.just(0.0) | st.floats(1e-6, 10.0)


@settings(max_examples=100)
@given(
    data=st.data(),
    x=st.lists(_values, min_size=2, max_size=30, unique=True),
)
def test_property_permuting_distinct_samples_gives_identical_fit_data(data, x):
    n = len(x)
    y = data.draw(st.lists(_values, min_size=n, max_size=n))
    w = data.draw(st.lists(_weight_value, min_size=n, max_size=n).filter(any))
    perm = data.draw(st.permutations(range(n)))
    x_arr, y_arr, w_arr = np.array(x), np.array(y), np.array(w)
    x_perm, y_perm, w_perm = x_arr[perm], y_arr[perm], w_arr[perm]
    saved = x_perm.copy(), y_perm.copy(), w_perm.copy()

    reference = check_xy(x_arr, y_arr, weights=w_arr)
    permuted = check_xy(x_perm, y_perm, weights=w_perm)

    for field in ("x", "y", "weights"):
        np.testing.assert_array_equal(getattr(permuted, field), getattr(reference, field))
    assert np.all(np.diff(permuted.x) > 0)
    np.testing.assert_array_equal(x_perm, saved[0])
    np.testing.assert_array_equal(y_perm, saved[1])
    np.testing.assert_array_equal(w_perm, saved[2])


@settings(max_examples=100)
@given(
    data=st.data(),
    x=st.lists(st.integers(-5, 5).map(float), min_size=2, max_size=30),
)
def test_property_averaging_conserves_total_weight_and_weighted_sum(data, x):
    n = len(x)
    y = np.array(data.draw(st.lists(_values, min_size=n, max_size=n)))
    w = np.array(data.draw(st.lists(_weight_value, min_size=n, max_size=n).filter(any)))
    x_arr = np.array(x)
    if np.unique(x_arr).size < 2:
        with pytest.raises(ValueError, match="needs at least 2 distinct samples, got 1"):
            check_xy(x_arr, y, weights=w)
        return
    out = check_xy(x_arr, y, weights=w)
    np.testing.assert_array_equal(out.x, np.unique(x_arr))
    user_weights = np.ldexp(out.weights, out.weight_exp)  # weights may come rescaled exactly
    assert user_weights.sum() == pytest.approx(w.sum(), rel=1e-12)
    assert (user_weights * out.y[:, 0]).sum() == pytest.approx(
        (w * y).sum(), rel=1e-9, abs=1e-9 * np.abs(w * y).sum() + 1e-12
    )
    # Every merged value lies between the smallest and largest value it merged.
    for xi, yi in zip(out.x, out.y[:, 0], strict=True):
        group = y[x_arr == xi]
        slack = 1e-12 * np.abs(group).max()
        assert group.min() - slack <= yi <= group.max() + slack
        if group.size == 1:
            assert yi == group[0]  # samples without duplicates are passed through unchanged


# ----------------------------------------------------------------------------- check_order
@pytest.mark.parametrize(
    ("order", "shown"),
    [
        (1.5, "1.5"),
        (2.0, "2.0"),
        ("1", "'1'"),
        (True, "True"),
        (None, "None"),
        (np.bool_(True), "np.True_"),
    ],
)
def test_check_order_rejects_non_integers(order, shown):
    with pytest.raises(TypeError) as info:
        check_order(order, max_order=5, method_name="M")
    assert str(info.value) == f"order must be a non-negative integer, got {shown}"


def test_check_order_rejects_negative():
    with pytest.raises(ValueError, match="order must be a non-negative integer, got -1"):
        check_order(-1, max_order=None, method_name="M")


def test_check_order_rejects_too_high_with_hint():
    with pytest.raises(ValueError) as info:
        check_order(7, max_order=5, method_name="SplineInterpolator", hint="Use a higher degree k.")
    assert str(info.value) == (
        "SplineInterpolator supports derivatives up to order 5; got order=7. Use a higher degree k."
    )
    with pytest.raises(ValueError, match=r"up to order 0; got order=1\.$"):
        check_order(1, max_order=0, method_name="M")


def test_check_order_accepts_numpy_integers_and_returns_int():
    result = check_order(np.int64(3), max_order=3, method_name="M")
    assert result == 3
    assert type(result) is int
    assert check_order(0, max_order=0, method_name="M") == 0
    assert check_order(50, max_order=None, method_name="M") == 50


# ----------------------------------------------------------------------------- eval points
def test_check_eval_points_rejects_bad_extrapolate():
    with pytest.raises(
        ValueError, match="extrapolate must be one of 'raise', 'nan', 'extrapolate'"
    ):
        check_eval_points([0.5], x_min=0.0, x_max=1.0, extrapolate="clip")


def test_check_eval_points_raise_outside_message():
    x = [7.1, 1.0, -0.5, 8.0]
    with pytest.raises(ValueError) as info:
        check_eval_points(x, x_min=0.0, x_max=2 * np.pi, extrapolate="raise")
    assert str(info.value) == (
        "3 evaluation points lie outside the fitted range [0, 6.28319] (first: x=7.1); pass "
        "extrapolate='nan' to get NaN there or extrapolate='extrapolate' to extend the fit"
    )


def test_check_eval_points_tolerates_rounding_at_the_ends():
    hi = 2 * np.pi
    x = np.array([-1e-12 * hi, 0.0, hi, hi * (1 + 1e-13), np.linspace(0, hi, 7)[-1]])
    points = check_eval_points(x, x_min=0.0, x_max=hi, extrapolate="raise")
    assert not points.outside.any()
    # Points within the tolerance are clamped onto the range, so the fit never sees them outside.
    np.testing.assert_array_equal(points.x_flat, [0.0, 0.0, hi, hi, hi])
    with pytest.raises(ValueError, match="1 evaluation point lies outside"):
        check_eval_points([hi * (1 + 1e-8)], x_min=0.0, x_max=hi, extrapolate="raise")


def test_check_eval_points_zero_width_range_uses_ulps():
    one_up = np.nextafter(1.0, 2.0)
    points = check_eval_points([1.0, one_up], x_min=1.0, x_max=1.0, extrapolate="raise")
    np.testing.assert_array_equal(points.x_flat, [1.0, 1.0])
    with pytest.raises(ValueError, match="outside the fitted range"):
        check_eval_points([1.0 + 1e-9], x_min=1.0, x_max=1.0, extrapolate="raise")


def test_check_eval_points_nan_and_inf_are_never_errors():
    x = np.array([[np.nan, 0.5], [np.inf, -np.inf]])
    points = check_eval_points(x, x_min=0.0, x_max=1.0, extrapolate="raise")
    assert points.shape == (2, 2)
    assert not points.is_scalar
    np.testing.assert_array_equal(points.nan_mask, [True, False, True, True])
    np.testing.assert_array_equal(points.outside, [False, False, False, False])
    assert points.x_flat[1] == 0.5


def test_check_eval_points_masks_outside_for_nan_and_extrapolate():
    for mode in ("nan", "extrapolate"):
        points = check_eval_points([-1.0, 0.5, 2.0], x_min=0.0, x_max=1.0, extrapolate=mode)
        np.testing.assert_array_equal(points.outside, [True, False, True])
        np.testing.assert_array_equal(points.x_flat, [-1.0, 0.5, 2.0])


def test_check_eval_points_scalar_and_input_types():
    points = check_eval_points(np.float32(0.25), x_min=0.0, x_max=1.0, extrapolate="raise")
    assert points.is_scalar
    assert points.shape == ()
    np.testing.assert_array_equal(points.x_flat, [0.25])
    tensor = FakeTensor([[0.1, 0.2, 0.3]])
    points = check_eval_points(tensor, x_min=0.0, x_max=1.0, extrapolate="raise")
    assert points.shape == (1, 3)
    np.testing.assert_array_equal(points.x_flat, [0.1, 0.2, 0.3])
    points = check_eval_points(FakeSeries([0.5, 0.75]), x_min=0.0, x_max=1.0, extrapolate="raise")
    np.testing.assert_array_equal(points.x_flat, [0.5, 0.75])
    with pytest.raises(TypeError, match="x contains complex values"):
        check_eval_points([0.5j], x_min=0.0, x_max=1.0, extrapolate="raise")


def test_check_eval_points_does_not_mutate_input():
    x = np.array([1.0 + 1e-14, 0.5])
    saved = x.copy()
    points = check_eval_points(x, x_min=0.0, x_max=1.0, extrapolate="raise")
    np.testing.assert_array_equal(x, saved)
    assert not np.shares_memory(points.x_flat, x)


def test_check_eval_points_real_pandas_and_torch():
    pd = pytest.importorskip("pandas")
    points = check_eval_points(pd.Series([0.2, 0.4]), x_min=0.0, x_max=1.0, extrapolate="raise")
    np.testing.assert_array_equal(points.x_flat, [0.2, 0.4])
    torch = pytest.importorskip("torch")
    points = check_eval_points(torch.tensor(0.5), x_min=0.0, x_max=1.0, extrapolate="raise")
    assert points.is_scalar


# ----------------------------------------------------------------------------- shape_output
def _points(x, mode="nan"):
    return check_eval_points(x, x_min=0.0, x_max=1.0, extrapolate=mode)


def test_shape_output_scalar_with_1d_y_is_python_float():
    out = shape_output(np.array([[0.75]]), _points(0.5), (), extrapolate="nan")
    assert type(out) is float
    assert out == 0.75


def test_shape_output_scalar_with_vector_y_is_1d_array():
    out = shape_output(np.array([[1.0, 2.0]]), _points(0.5), (2,), extrapolate="nan")
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, [1.0, 2.0])


def test_shape_output_2d_points_with_batch_trailing_shape():
    points = _points([[0.1, 0.2], [0.3, 0.4]])
    values = np.arange(24.0).reshape(4, 6)
    out = shape_output(values, points, (2, 3), extrapolate="nan")
    assert out.shape == (2, 2, 2, 3)
    np.testing.assert_array_equal(out[1, 0], [[12.0, 13.0, 14.0], [15.0, 16.0, 17.0]])


def test_shape_output_fills_nan_rows_and_outside_rows_only_for_nan_mode():
    values = np.array([[1.0], [2.0], [3.0]])
    saved = values.copy()
    out = shape_output(values, _points([np.nan, 0.5, 2.0]), (), extrapolate="nan")
    np.testing.assert_array_equal(out, [np.nan, 2.0, np.nan])
    points = _points([np.nan, 0.5, 2.0], mode="extrapolate")
    out = shape_output(values, points, (), extrapolate="extrapolate")
    np.testing.assert_array_equal(out, [np.nan, 2.0, 3.0])
    np.testing.assert_array_equal(values, saved)


def test_shape_output_accepts_1d_values_for_single_output_and_rejects_wrong_shape():
    out = shape_output(np.array([4.0, 5.0]), _points([0.1, 0.2]), (), extrapolate="nan")
    np.testing.assert_array_equal(out, [4.0, 5.0])
    with pytest.raises(ValueError, match=r"shape \(n_points, n_outputs\) = \(2, 3\), got \(2, 2\)"):
        shape_output(np.zeros((2, 2)), _points([0.1, 0.2]), (3,), extrapolate="nan")


def test_eval_points_and_fit_data_types():
    points = _points([0.1])
    assert isinstance(points, EvalPoints)
    assert points.n_points == 1
    assert isinstance(check_xy([0.0, 1.0], [0.0, 1.0]), FitData)


# ----------------------------------------------------------------------------- int / real
@pytest.mark.parametrize("value", [2.0, "3", None, True, np.bool_(False), [1], 1 + 0j])
def test_check_int_rejects_non_integers_with_type_error(value):
    with pytest.raises(TypeError, match=r"^epochs must be an integer, got "):
        check_int(value, name="epochs", low=0)


def test_check_int_bounds_none_and_hint():
    assert check_int(np.int32(5), name="n", low=1, high=5) == 5
    assert type(check_int(np.int64(2), name="n")) is int
    assert check_int(None, name="n", allow_none=True) is None
    with pytest.raises(ValueError, match=r"^n must be at least 1, got 0; pass more$"):
        check_int(0, name="n", low=1, hint="pass more")
    with pytest.raises(ValueError, match=r"^n must be at most 10, got 11$"):
        check_int(11, name="n", high=10)
    with pytest.raises(TypeError, match="an integer or None"):
        check_int(1.5, name="n", allow_none=True)


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_check_int_property_accepts_exactly_the_range(value):
    inside = -5 <= value <= 7
    if inside:
        assert check_int(value, name="v", low=-5, high=7) == value
    else:
        with pytest.raises(ValueError, match=r"^v must be at"):
            check_int(value, name="v", low=-5, high=7)


@pytest.mark.parametrize("value", ["0.1", None, True, [0.1], 1j, np.array([0.1])])
def test_check_real_rejects_non_numbers_with_type_error(value):
    with pytest.raises(TypeError, match=r"^learning_rate must be a real number, got "):
        check_real(value, name="learning_rate", low=0)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -np.inf, 10**400])
def test_check_real_rejects_non_finite(value):
    with pytest.raises(ValueError, match=r"^w must be a finite number"):
        check_real(value, name="w")


def test_check_real_bounds_and_numpy_scalars():
    assert check_real(np.float32(0.25), name="lr", low=0, low_inclusive=False) == 0.25
    assert check_real(np.int8(3), name="lr") == 3.0
    assert check_real(None, name="lr", allow_none=True) is None
    with pytest.raises(ValueError, match=r"^lr must be > 0, got 0$"):
        check_real(0, name="lr", low=0, low_inclusive=False)
    with pytest.raises(ValueError, match=r"^f must be < 1, got 1.0$"):
        check_real(1.0, name="f", high=1, high_inclusive=False)
    with pytest.raises(ValueError, match=r"^f must be >= 0, got -0.5$"):
        check_real(-0.5, name="f", low=0)


@pytest.mark.parametrize("magnitude", [5e-324, 1e-200, 1e200, 8e307])
def test_check_xy_extreme_weights_are_rescaled_exactly_and_sums_stay_finite(magnitude):
    x = np.array([0.0, 0.0, 1.0, 2.0, 2.0])
    y = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
    out = check_xy(x, y, weights=np.full(5, magnitude))
    assert 0.5 <= out.weights.max() < 4.0  # near one, finite sums
    np.testing.assert_array_equal(
        np.ldexp(out.weights, out.weight_exp), np.array([2.0, 1.0, 2.0]) * magnitude
    )
    np.testing.assert_array_equal(out.y[:, 0], [2.0, 5.0, 8.0])
    assert out.repeat_rms[0] == 1.0 and out.repeat_weight == out.weights[0] * 2
    assert out.repeat_dof == 2


@pytest.mark.parametrize("scale", [1e-300, 1.0, 1e300, 1.7e308])
def test_check_xy_merging_repeats_never_overflows(scale):
    x = np.array([0.0, 0.0, 1.0])
    y = np.array([1.0, 0.5, -1.0]) * scale
    out = check_xy(x, y)
    np.testing.assert_allclose(out.y[:, 0], [0.75 * scale, -scale], rtol=1e-15)
    np.testing.assert_allclose(out.repeat_rms, [0.25 * scale], rtol=1e-15)
    assert out.repeat_weight == 2.0


# ----------------------------------------------------------------------------- several inputs
def test_check_xy_rows_keep_their_order_and_give_per_coordinate_ranges():
    x = np.array([[3.0, -1.0], [0.0, 5.0], [1.0, 2.0]])
    data = check_xy(x, [1.0, 2.0, 3.0], multivariate=True)
    np.testing.assert_array_equal(data.x, x)  # rows have no natural order: never sorted
    np.testing.assert_array_equal(data.y[:, 0], [1.0, 2.0, 3.0])
    assert data.n_features == 2 and data.n_samples == 3
    low, high = data.x_range
    np.testing.assert_array_equal(low, [0.0, -1.0])
    np.testing.assert_array_equal(high, [3.0, 5.0])
    one = check_xy([2.0, 0.0, 1.0], [0.0, 0.0, 0.0])
    assert one.n_features == 1 and one.x_range == (0.0, 2.0)


def test_check_xy_one_column_is_the_one_dimensional_case():
    column = check_xy([[2.0], [0.0], [1.0]], [20.0, 0.0, 10.0], multivariate=True)
    flat = check_xy([2.0, 0.0, 1.0], [20.0, 0.0, 10.0])
    assert column.x.shape == (3,)
    np.testing.assert_array_equal(column.x, flat.x)
    np.testing.assert_array_equal(column.y, flat.y)


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.zeros((4, 2, 2)), r"x must have shape \(n_samples,\) or \(n_samples, n_features\), "),
        (1.0, r"or \(n_samples, n_features\), got a scalar"),
        (np.zeros((4, 0)), r"x has shape \(4, 0\); it needs at least one column"),
        (np.zeros((0, 2)), "x is empty"),
    ],
)
def test_check_xy_multivariate_shape_errors(x, match):
    with pytest.raises(ValueError, match=match):
        check_xy(x, np.zeros(4), multivariate=True)


def test_check_xy_without_multivariate_still_refuses_columns():
    with pytest.raises(ValueError, match=r"x must be 1-D with shape \(n_samples,\)"):
        check_xy(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="multivariate must be one of False, True"):
        check_xy([0.0, 1.0], [0.0, 1.0], multivariate="yes")


def test_check_xy_hints_at_transposed_x():
    with pytest.raises(ValueError, match=r"x looks transposed, pass x\.T"):
        check_xy(np.zeros((2, 5)), np.zeros(5), multivariate=True)


def test_check_xy_rows_with_nan_raise_naming_the_row_or_are_dropped_whole():
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, np.inf], [2.0, 1.0], [np.nan, 1.0]])
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    with pytest.raises(ValueError, match=r"x has 2 rows with NaN or inf, first at row 2; pass "):
        check_xy(x, y, multivariate=True)
    data = check_xy(x, y, nan_policy="omit", multivariate=True)
    np.testing.assert_array_equal(data.x, x[[0, 1, 3]])
    np.testing.assert_array_equal(data.y[:, 0], [1.0, 2.0, 4.0])
    assert data.n_dropped == 2
    y_bad = y.copy()
    y_bad[1] = np.nan
    dropped = check_xy(x[[0, 1, 3]], y_bad[[0, 1, 3]], nan_policy="omit", multivariate=True)
    np.testing.assert_array_equal(dropped.x, x[[0, 3]])


def test_check_xy_repeated_rows_merge_into_their_first_occurrence():
    x = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, -0.0], [2.0, 2.0], [0.0, 0.0]])
    y = np.array([1.0, 2.0, 5.0, 7.0, 4.0])
    w = np.array([1.0, 1.0, 3.0, 2.0, 0.0])
    data = check_xy(x, y, weights=w, multivariate=True)
    np.testing.assert_array_equal(data.x, [[1.0, 0.0], [0.0, 0.0], [2.0, 2.0]])
    np.testing.assert_array_equal(data.weights, [4.0, 1.0, 2.0])
    np.testing.assert_allclose(data.y[:, 0], [(1.0 + 15.0) / 4.0, 2.0, 7.0], rtol=1e-15)
    assert data.y[2, 0] == 7.0  # a row without repeats keeps its y bit for bit
    # The scatter that merging hides, as for repeated x in one dimension: weighted squares
    # about the group means, over the merged samples' weight (w=0 samples add nothing).
    squares = 1.0 * (1.0 - 4.0) ** 2 + 3.0 * (5.0 - 4.0) ** 2 + (2.0 - 2.0) ** 2
    np.testing.assert_allclose(data.repeat_rms, [np.sqrt(squares / 5.0)], rtol=1e-14)
    assert data.repeat_weight == 5.0 and data.repeat_dof == 1  # the w=0 sample adds none


def test_check_xy_repeated_rows_merge_like_repeated_values():
    rng = np.random.default_rng(0)
    values = rng.integers(0, 6, 40).astype(float)
    y = rng.normal(size=(40, 2))
    w = rng.uniform(0.0, 3.0, 40)
    flat = check_xy(values, y, weights=w)
    rows = check_xy(np.column_stack([values, 2 * values]), y, weights=w, multivariate=True)
    order = np.argsort(rows.x[:, 0])
    np.testing.assert_array_equal(rows.x[order, 0], flat.x)
    np.testing.assert_array_equal(rows.y[order], flat.y)
    np.testing.assert_array_equal(rows.weights[order], flat.weights)
    np.testing.assert_allclose(rows.repeat_rms, flat.repeat_rms, rtol=1e-14)  # sum order
    assert rows.repeat_weight == pytest.approx(flat.repeat_weight, rel=1e-14)
    assert rows.repeat_dof == flat.repeat_dof


def test_check_xy_repeated_rows_raise_and_count_towards_min_points():
    x = np.array([[0.0, 1.0], [2.0, 3.0], [0.0, 1.0]])
    with pytest.raises(
        ValueError, match=r"x has repeated rows \(first: rows indices 0 and 2, both \[0.0, 1.0\]\)"
    ):
        check_xy(x, np.zeros(3), duplicates="raise", multivariate=True)
    with pytest.raises(
        ValueError, match=r"needs at least 3 distinct samples, got 2 \(after merging 1 repeated row"
    ):
        check_xy(x, np.zeros(3), min_points=3, multivariate=True)


def test_check_xy_min_points_must_be_a_positive_integer():
    with pytest.raises(TypeError, match="min_points must be an integer"):
        check_xy([0.0, 1.0], [0.0, 1.0], min_points=2.0)
    with pytest.raises(TypeError, match="min_points must be an integer"):
        check_xy([0.0, 1.0], [0.0, 1.0], min_points=True)
    with pytest.raises(ValueError, match="min_points must be at least 1"):
        check_xy([0.0, 1.0], [0.0, 1.0], min_points=0)


def test_check_xy_rows_are_never_mutated_or_aliased():
    x = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 0.0], [np.nan, 1.0]])
    y = np.array([1.0, 2.0, 3.0, 4.0])
    saved = x.copy(), y.copy()
    data = check_xy(x, y, nan_policy="omit", multivariate=True)
    np.testing.assert_array_equal(x, saved[0])
    np.testing.assert_array_equal(y, saved[1])
    assert not np.shares_memory(data.x, x) and not np.shares_memory(data.y, y)


@settings(max_examples=100)
@given(
    data=st.data(),
    rows=st.lists(st.tuples(st.integers(-2, 2), st.integers(-2, 2)), min_size=2, max_size=30),
)
def test_property_merged_rows_are_distinct_and_conserve_weight_and_weighted_sum(data, rows):
    n = len(rows)
    x = np.array(rows, dtype=float)
    y = np.array(data.draw(st.lists(_values, min_size=n, max_size=n)))
    w = np.array(data.draw(st.lists(_weight_value, min_size=n, max_size=n).filter(any)))
    distinct = np.unique(x, axis=0)
    if distinct.shape[0] < 2:
        with pytest.raises(ValueError, match="needs at least 2 distinct samples, got 1"):
            check_xy(x, y, weights=w, multivariate=True)
        return
    out = check_xy(x, y, weights=w, multivariate=True)
    # One row per distinct input row, in the order each first appears.
    first = sorted(range(n), key=lambda i: rows.index(rows[i]))
    expected = [rows[i] for i in first if rows.index(rows[i]) == i]
    np.testing.assert_array_equal(out.x, np.array(expected, dtype=float))
    user_weights = np.ldexp(out.weights, out.weight_exp)
    assert user_weights.sum() == pytest.approx(w.sum(), rel=1e-12)
    assert (user_weights * out.y[:, 0]).sum() == pytest.approx(
        (w * y).sum(), rel=1e-9, abs=1e-9 * np.abs(w * y).sum() + 1e-12
    )
    for row, yi in zip(out.x, out.y[:, 0], strict=True):
        group = y[(x == row).all(axis=1)]
        slack = 1e-12 * np.abs(group).max()
        assert group.min() - slack <= yi <= group.max() + slack


def test_check_eval_points_rows_against_each_coordinate_range():
    x = [[[0.5, 5.0], [0.5, 50.0]], [[1.0 + 1e-14, 10.0], [np.nan, 0.0]]]
    points = check_eval_points(x, x_min=[0.0, 0.0], x_max=[1.0, 10.0], extrapolate="nan")
    assert points.shape == (2, 2) and points.n_points == 4 and not points.is_scalar
    np.testing.assert_array_equal(points.outside, [False, True, False, False])
    np.testing.assert_array_equal(points.nan_mask, [False, False, False, True])
    assert points.x_flat[2, 0] == 1.0  # within the rounding tolerance: clamped onto the end
    # 50 lies outside coordinate 1's range although coordinate 0's range would hold it.
    single = check_eval_points([0.5, 5.0], x_min=[0, 0], x_max=[1, 10], extrapolate="raise")
    assert single.is_scalar and single.shape == ()
    safe = points.evaluable(extrapolate="nan", fill=np.array([0.0, 0.0]))
    np.testing.assert_array_equal(safe[[1, 3]], np.zeros((2, 2)))
    np.testing.assert_array_equal(safe[0], [0.5, 5.0])
    kept = points.evaluable(extrapolate="extrapolate", fill=np.array([0.0, 0.0]))
    np.testing.assert_array_equal(kept[1], [0.5, 50.0])


def test_check_eval_points_rows_outside_name_the_coordinate_and_the_point():
    with pytest.raises(ValueError) as info:
        check_eval_points(
            [[0.5, 5.0], [0.5, 50.0], [-3.0, 50.0]],
            x_min=[0.0, 0.0],
            x_max=[1.0, 10.0],
            extrapolate="raise",
        )
    assert str(info.value) == (
        "2 evaluation points lie outside the fitted range [0, 10] in coordinate 1 (first: the "
        "point [0.5, 50] at index 1); pass extrapolate='nan' to get NaN there or "
        "extrapolate='extrapolate' to extend the fit"
    )


@pytest.mark.parametrize("x", [1.0, [1.0, 2.0, 3.0], np.zeros((4, 3))])
def test_check_eval_points_rows_need_one_value_per_coordinate(x):
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 2\) for a fit on 2 input"):
        check_eval_points(x, x_min=[0.0, 0.0], x_max=[1.0, 1.0], extrapolate="raise")


@settings(max_examples=100)
@given(
    values=st.lists(
        st.floats(-3.0, 3.0) | st.just(1.0 + 1e-12) | st.just(np.nan) | st.just(-np.inf),
        min_size=1,
        max_size=12,
    ),
    extrapolate=st.sampled_from(["nan", "extrapolate"]),
)
def test_property_one_coordinate_as_rows_checks_like_one_dimension(values, extrapolate):
    flat = check_eval_points(values, x_min=-1.0, x_max=1.0, extrapolate=extrapolate)
    rows = check_eval_points(
        np.array(values)[:, None], x_min=[-1.0], x_max=[1.0], extrapolate=extrapolate
    )
    np.testing.assert_array_equal(rows.x_flat[:, 0], flat.x_flat)
    np.testing.assert_array_equal(rows.outside, flat.outside)
    np.testing.assert_array_equal(rows.nan_mask, flat.nan_mask)
    assert rows.shape == flat.shape


def test_shape_output_for_rows_drops_the_coordinate_axis():
    points = check_eval_points(
        np.zeros((2, 3, 2)), x_min=[0.0, 0.0], x_max=[1.0, 1.0], extrapolate="raise"
    )
    out = shape_output(np.arange(12.0).reshape(6, 2), points, (2,), extrapolate="raise")
    assert out.shape == (2, 3, 2)
    single = check_eval_points([0.5, 0.5], x_min=[0.0, 0.0], x_max=[1.0, 1.0], extrapolate="nan")
    assert shape_output(np.array([[7.0]]), single, (), extrapolate="nan") == 7.0


@pytest.mark.parametrize("multivariate", [False, True])
def test_check_xy_weightless_repeats_next_to_heavy_samples_hide_no_scatter(multivariate):
    # The repeated x carries weight 0, the other samples 10: the scatter the merge hides is
    # zero, not NaN (dividing the heavy weights by the merged weight, 0, once overflowed).
    x = np.array([0.0, 0.0, 1.0, 2.0])
    if multivariate:
        x = np.column_stack([x, -x])
    data = check_xy(x, [1.0, 3.0, 0.0, 0.0], weights=[0, 0, 10, 10.0], multivariate=multivariate)
    np.testing.assert_array_equal(data.repeat_rms, [0.0])
    assert data.repeat_weight == 0.0 and data.repeat_dof == 0
    assert data.y[0, 0] == 2.0  # the plain mean, since the group's weights are all zero
