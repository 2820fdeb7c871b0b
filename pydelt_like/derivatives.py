"""PyDelt's ``pydelt.derivatives``: derivative estimates at the samples, as arrays and dicts.

:func:`lla`, :func:`glla`, :func:`gold` and :func:`fda` return what PyDelt 0.8.0 returns (an
array pair for LLA, a dict for the others), computed by pydelt_like's interpolator families
(:class:`~pydelt_like.local.LlaInterpolator` and the others) with the same window parameters.
Unlike PyDelt's, they use the actual sample spacing, so irregular sampling gives right
derivatives (PyDelt's GLLA divides by the smallest spacing), and the ``r_squared`` they report
is the local fit's coefficient of determination (PyDelt's compares the window with a
constant).

Examples
--------
>>> import numpy as np
>>> t = np.linspace(0, 2 * np.pi, 100)
>>> result = glla(t, np.sin(t), embedding=5, n=2)
>>> sorted(result)
['dinput', 'doutput', 'embedding', 'n', 'r_squared']
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array, check_int, check_option, check_real

__all__ = ["fda", "glla", "gold", "lla"]

RESAMPLE_METHODS = ("linear", "spline", "lowess", "loess", "best")


def _legacy_names(
    x: Any, y: Any, old_x: Any, old_y: Any, names: tuple[str, str]
) -> tuple[Any, Any]:
    """PyDelt's deprecated spellings (``time_data``/``signal_data``, ``time``/``signal``)."""
    if old_x is None and old_y is None:
        return x, y
    if old_x is None or old_y is None:
        raise ValueError(
            f"If using deprecated parameters, both {names[0]} and {names[1]} must be provided"
        )
    warnings.warn(
        f"{names[0]} and {names[1]} are deprecated; use input_data and output_data instead",
        DeprecationWarning,
        stacklevel=3,
    )
    return old_x, old_y


def _data(input_data: Any, output_data: Any, method: str) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(input_data, name="input_data")
    y = as_float_array(output_data, name="output_data")
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise NotImplementedError(
            f"{method} takes one input coordinate (input_data of shape (N,)), got shape "
            f"{x.shape}; for several inputs use pydelt_like.multivariate.MultivariateDerivatives"
        )
    if y.ndim == 0 or y.shape[0] != x.shape[0]:
        raise ValueError(
            f"Input and output data must have the same number of samples: input_data has "
            f"{x.shape[0]}, output_data has shape {y.shape}"
        )
    if y.ndim > 2:
        raise ValueError(f"output_data must have shape (N,) or (N, n_out), got {y.shape}")
    return x, y


def _check_threshold(r2_threshold: Any, resample_method: Any) -> None:
    check_real(r2_threshold, name="r2_threshold", allow_none=True)
    if resample_method is not None:
        check_option(resample_method, name="resample_method", allowed=RESAMPLE_METHODS)


def _resample(
    x: np.ndarray, values: np.ndarray, keep: np.ndarray, method: str | None
) -> np.ndarray:
    """Values where ``keep`` fails: NaN, or re-estimated from the kept ones by ``method``.

    With every value failing, ``method`` smooths them all instead (PyDelt's rule for FDA).
    """
    out = values.copy()
    if method is None:
        out[~keep] = np.nan
        return out
    source = keep if keep.sum() >= 2 else np.ones_like(keep)
    from pydelt_like.interpolation import _legacy

    fitted = _legacy.resampler(method, x[source], values[source])
    out[~keep] = np.asarray(fitted(x[~keep]), dtype=np.float64).reshape(out[~keep].shape)
    return out


# --------------------------------------------------------------------------------- LLA
def _lla_steps(n: int, window_size: int) -> np.ndarray:
    """PyDelt's ``steps``: the share of the window inside the data at each (sorted) sample."""
    half = int((window_size - 0.5) // 2)
    shift = window_size % 2
    index = np.arange(n)
    start = np.maximum(0, index - half)
    end = np.minimum(n, index + half + shift)
    return (end - start) / window_size


def _window_r2(x: np.ndarray, y: np.ndarray, window_size: int) -> np.ndarray:
    """R^2 of the least-squares line through each sample's window (sorted x), per column.

    Window sums come from cumulative sums of globally centred values, so the cost is O(n).
    """
    n = x.size
    half = int((window_size - 0.5) // 2)
    index = np.arange(n)
    lo = np.maximum(0, index - half)
    hi = np.minimum(n, index + half + window_size % 2)
    xc = x - x.mean()
    yc = y - y.mean(axis=0)

    def window_sum(values: np.ndarray) -> np.ndarray:
        total = np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0)])
        return total[hi] - total[lo]

    count = (hi - lo).astype(float)
    sx, sy = window_sum(xc), window_sum(yc)
    sxx = window_sum(xc**2) - sx**2 / count
    syy = window_sum(yc**2) - sy**2 / count[:, None]
    sxy = window_sum(xc[:, None] * yc) - sx[:, None] * sy / count[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = sxy**2 / (sxx[:, None] * syy)
    # A flat window (no spread in y, to rounding) is fitted exactly.
    flat = syy <= 1e-12 * np.maximum(window_sum(yc**2), np.finfo(float).tiny)
    return np.where(flat, 1.0, np.clip(r2, 0.0, 1.0))


def lla(
    input_data: Any = None,
    output_data: Any = None,
    window_size: int = 5,
    normalization: str = "min",
    zero_mean: bool = False,
    r2_threshold: float | None = None,
    resample_method: str | None = None,
    time_data: Any = None,
    signal_data: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Local linear approximation: the slope of a line through each sample's window.

    Parameters
    ----------
    input_data : array-like of shape (N,)
        Sample positions (any spacing).
    output_data : array-like of shape (N,) or (N, n_out)
        Sample values.
    window_size : int, default=5
        Samples per window (at least 2, at most the number of samples).
    normalization : {'min', 'none'}, default='min'
        PyDelt's window offset; a slope does not depend on it.
    zero_mean : bool, default=False
        PyDelt's window centring; a slope does not depend on it.
    r2_threshold : float, optional
        Keep derivatives whose window's line has at least this R^2; the others become NaN,
        or are re-estimated from the kept ones with ``resample_method``.
    resample_method : {'linear', 'spline', 'lowess', 'loess', 'best'}, optional
        How to re-estimate them.
    time_data, signal_data : array-like, optional
        PyDelt's deprecated names for ``input_data`` and ``output_data``.

    Returns
    -------
    derivative : ndarray of shape (N,) or (N, n_out)
        The first derivative at each sample, in the order given.
    steps : ndarray, shaped like ``derivative``
        The share of the window that fits inside the data at each sample (1 inside, less
        near the ends), as PyDelt reports it.

    Raises
    ------
    ValueError
        If the lengths differ, or a parameter is out of range.
    NotImplementedError
        For several input coordinates.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 1, 11)
    >>> d, steps = lla(t, 3 * t + 1, window_size=5)
    >>> np.allclose(d, 3), steps[:3].tolist()
    (True, [0.6, 0.8, 1.0])
    """
    from pydelt_like.local import LlaInterpolator

    input_data, output_data = _legacy_names(
        input_data, output_data, time_data, signal_data, ("time_data", "signal_data")
    )
    x, y = _data(input_data, output_data, "lla")
    window = check_int(window_size, name="window_size", low=2, high=max(2, x.size))
    _check_threshold(r2_threshold, resample_method)
    fit = LlaInterpolator(window_size=window, normalization=normalization, zero_mean=zero_mean).fit(
        x, y
    )
    derivative = np.asarray(fit.differentiate(1)(x), dtype=np.float64)
    order = np.argsort(x, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(x.size)
    steps = _lla_steps(x.size, window)[rank]
    columns = derivative.reshape(x.size, -1)
    if r2_threshold is not None:
        r2 = _window_r2(x[order], y.reshape(x.size, -1)[order], window)[rank]
        for j in range(columns.shape[1]):
            columns[:, j] = _resample(x, columns[:, j], r2[:, j] >= r2_threshold, resample_method)
    derivative = columns.reshape(derivative.shape)
    return derivative, np.broadcast_to(steps.reshape(-1, *([1] * (y.ndim - 1))), y.shape).copy()


# --------------------------------------------------------------------- GLLA and GOLD
def _embedding_checks(x: np.ndarray, embedding: Any, n: Any) -> tuple[int, int]:
    emb = check_int(embedding, name="embedding", low=2)
    if x.size <= emb:
        raise ValueError(
            "Output and input vectors should have a length greater than embedding "
            f"(got {x.size} samples, embedding={emb})."
        )
    order = check_int(n, name="n", low=0)
    if order >= emb:
        raise ValueError(
            "The embedding dimension should be higher than the maximum order of the "
            f"derivative, n (got embedding={emb}, n={order})."
        )
    return emb, order


def _windowed(
    fitted: Any,
    x: np.ndarray,
    y: np.ndarray,
    emb: int,
    n: int,
    r2_threshold: float | None,
    resample_method: str | None,
) -> dict[str, Any]:
    """Derivatives 0..n at the window centres, and each window's R^2."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y.reshape(x.size, -1)[order]
    centres = np.convolve(xs, np.ones(emb) / emb, mode="valid")
    k = centres.size
    # (k, m, n + 1): derivatives of every order at every centre.
    derivs = np.stack(
        [np.asarray(fitted.differentiate(q)(centres)).reshape(k, -1) for q in range(n + 1)],
        axis=-1,
    )
    # The local Taylor polynomial at each centre, evaluated on its window: its R^2 (scale
    # free: x and each series divided by powers of two, exactly, so that squares of values
    # near the float range's ends stay finite).
    x_exp = int(np.frexp(max(float(np.abs(xs).max()), 1e-300))[1])
    y_exp = np.frexp(np.maximum(np.abs(ys).max(axis=0), 1e-300))[1]  # (m,)
    window = np.lib.stride_tricks.sliding_window_view(np.ldexp(xs, -x_exp), emb)  # (k, emb)
    values = np.lib.stride_tricks.sliding_window_view(
        np.ldexp(ys, -y_exp), emb, axis=0
    )  # (k, m, emb)
    powers = (window - np.ldexp(centres, -x_exp)[:, None])[:, None, :, None] ** np.arange(n + 1)
    with np.errstate(over="ignore", under="ignore"):
        scaled = np.ldexp(derivs, np.arange(n + 1) * x_exp - y_exp[:, None])
    taylor = (powers / np.array([math.factorial(q) for q in range(n + 1)])) @ scaled[..., None]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        residual = ((values - taylor[..., 0]) ** 2).sum(axis=-1)
        spread = ((values - values.mean(axis=-1, keepdims=True)) ** 2).sum(axis=-1)
        r2 = np.where(spread > 0, 1 - residual / spread, np.where(residual > 0, 0.0, 1.0))
    if r2_threshold is not None:
        for j in range(derivs.shape[1]):
            keep = r2[:, j] >= r2_threshold
            for q in range(n + 1):
                derivs[:, j, q] = _resample(centres, derivs[:, j, q], keep, resample_method)
    one = y.ndim == 1
    return {
        "dinput": centres,
        "doutput": derivs[:, 0, :] if one else derivs,
        "embedding": emb,
        "n": n,
        "r_squared": r2[:, 0] if one else r2,
    }


def _sliding_family(
    name: str,
    build: Any,
    data: tuple[Any, Any, Any, Any],
    embedding: Any,
    n: Any,
    r2_threshold: Any,
    resample_method: Any,
) -> dict[str, Any]:
    """GLLA's and GOLD's shared body: ``build(embedding, n)`` makes the family's estimator;
    ``data`` is ``(input_data, output_data, time, signal)`` as the caller received them."""
    input_data, output_data, time, signal = data
    input_data, output_data = _legacy_names(
        input_data, output_data, time, signal, ("signal", "time")
    )
    x, y = _data(input_data, output_data, name)
    emb, order = _embedding_checks(x, embedding, n)
    _check_threshold(r2_threshold, resample_method)
    fitted = build(emb, order).fit(x, y)
    return _windowed(fitted, x, y, emb, order, r2_threshold, resample_method)


def glla(
    input_data: Any = None,
    output_data: Any = None,
    embedding: int = 3,
    n: int = 2,
    r2_threshold: float | None = None,
    resample_method: str | None = None,
    signal: Any = None,
    time: Any = None,
) -> dict[str, Any]:
    """Generalised local linear approximation: derivatives 0..n over sliding windows.

    Parameters
    ----------
    input_data : array-like of shape (N,)
        Sample positions (any spacing).
    output_data : array-like of shape (N,) or (N, n_out)
        Sample values.
    embedding : int, default=3
        Samples per window, ``> n`` and ``< N``.
    n : int, default=2
        Highest derivative order.
    r2_threshold, resample_method
        As for :func:`lla` (the R^2 of each window's local polynomial).
    signal, time : array-like, optional
        PyDelt's deprecated names for ``output_data`` and ``input_data``.

    Returns
    -------
    dict
        ``'dinput'``: the window centres (means of each window's inputs), shape (N - embedding
        + 1,); ``'doutput'``: derivatives of orders 0..n there, shape (N - embedding + 1, n +
        1), or (N - embedding + 1, n_out, n + 1); ``'embedding'``, ``'n'``; ``'r_squared'``:
        each window's R^2.

    Raises
    ------
    ValueError
        If the lengths differ, ``N <= embedding`` or ``n >= embedding``.
    NotImplementedError
        For several input coordinates.
    """
    from pydelt_like.local import GllaInterpolator

    return _sliding_family(
        "glla",
        lambda emb, order: GllaInterpolator(embedding=emb, n=order),
        (input_data, output_data, time, signal),
        embedding,
        n,
        r2_threshold,
        resample_method,
    )


def gold(
    input_data: Any = None,
    output_data: Any = None,
    embedding: int = 3,
    n: int = 2,
    r2_threshold: float | None = None,
    resample_method: str | None = None,
    signal: Any = None,
    time: Any = None,
) -> dict[str, Any]:
    """Generalised orthogonal local derivatives (GOLD): derivatives 0..n over sliding windows.

    Same parameters and result as :func:`glla`; the local fits use orthogonal polynomials.
    """
    from pydelt_like.local import GoldInterpolator

    return _sliding_family(
        "gold",
        lambda emb, order: GoldInterpolator(window_size=emb, n=order),
        (input_data, output_data, time, signal),
        embedding,
        n,
        r2_threshold,
        resample_method,
    )


# --------------------------------------------------------------------------------- FDA
def fda(
    input_data: Any = None,
    output_data: Any = None,
    spar: float | None = None,
    r2_threshold: float | None = None,
    resample_method: str | None = None,
    signal: Any = None,
    time: Any = None,
) -> dict[str, Any]:
    """Functional data analysis: a smoothing spline's value and first two derivatives.

    Parameters
    ----------
    input_data : array-like of shape (N,)
        Sample positions.
    output_data : array-like of shape (N,) or (N, n_out)
        Sample values.
    spar : float, optional
        The spline's residual target (SciPy's ``s``); ``None`` chooses it from the data.
    r2_threshold, resample_method
        If the fit's R^2 is below the threshold: NaN, or re-estimated with the method.
    signal, time : array-like, optional
        PyDelt's deprecated names.

    Returns
    -------
    dict
        ``'dinput'``: the inputs; ``'doutput'``: value, first and second derivative at each,
        shape (N, 3) or (N, n_out, 3); ``'spar'``: as given; ``'r_squared'``: the fit's R^2,
        repeated at each sample, shape (N,) or (N, n_out).
    """
    from pydelt_like.local import FdaInterpolator

    input_data, output_data = _legacy_names(
        input_data, output_data, time, signal, ("signal", "time")
    )
    x, y = _data(input_data, output_data, "fda")
    check_real(spar, name="spar", low=0, allow_none=True)
    _check_threshold(r2_threshold, resample_method)
    fitted = FdaInterpolator(smoothing=spar).fit(x, y)
    m = int(np.prod(y.shape[1:], dtype=int))
    derivs = np.stack(
        [np.asarray(fitted.differentiate(q)(x)).reshape(x.size, m) for q in range(3)], axis=-1
    )
    values = y.reshape(x.size, m)
    residual = ((values - derivs[..., 0]) ** 2).sum(axis=0)
    spread = ((values - values.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.where(spread > 0, 1 - residual / spread, 1.0)
    if r2_threshold is not None:
        for j in range(m):
            if r2[j] < r2_threshold:
                for q in range(3):
                    derivs[:, j, q] = _resample(
                        x, derivs[:, j, q], np.zeros(x.size, dtype=bool), resample_method
                    )
    r_squared = np.broadcast_to(r2, (x.size, m)).copy()
    one = y.ndim == 1
    return {
        "dinput": x,
        "doutput": derivs[:, 0, :] if one else derivs,
        "spar": spar,
        "r_squared": r_squared[:, 0] if one else r_squared,
    }
