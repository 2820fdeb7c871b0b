"""The shared estimator of the local families: local polynomial regression with automatic
degree and window, derivatives from the local coefficients, closed-form bands.

A family (LLA, GLLA, GOLD, LOWESS, LOESS) is this estimator with a kernel, a robustness
default and PyDelt's names for the window and the degree; it writes only its constructor
and the hooks :meth:`LocalPolynomialInterpolator._requested_window`,
:meth:`~LocalPolynomialInterpolator._requested_degree` and
:meth:`~LocalPolynomialInterpolator._robustness_iterations`.

How a fit goes:

1. Samples of zero weight are dropped; above ``BIN_ABOVE`` samples, runs of consecutive
   samples are merged into equal-count bins (weighted means of x and y, summed weights),
   so that the cost stays bounded (``_data``).
2. Unless the user fixed them, the degree (1 to 7) and the window (samples per window) are
   chosen per series by leave-one-out cross-validation (``_selection``).
3. With robustness iterations (LOWESS, LOESS), each sample's residual from the current fit
   reweights it by Tukey's bisquare of ``r / (6 median |r|)`` (Cleveland 1979), and the
   degree and window are chosen again with those weights.
4. The noise variance per unit weight is estimated from the residuals, corrected for the
   fit's degrees of freedom; it scales the closed-form variance of every estimate.

The derivative of order ``v`` at ``x0`` is ``v!`` times the ``v``-th coefficient of the local
polynomial fitted around ``x0``, of the chosen degree ``p`` when ``v < p`` and of degree
``v + 1`` (same window) otherwise, so that every order keeps a term beyond the one it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from pydelt_like._validation import FitData
from pydelt_like.base import BaseInterpolator
from pydelt_like.local._data import Working, working_samples
from pydelt_like.local._engine import MAX_DEGREE, local_fit
from pydelt_like.local._selection import Choice, cross_validate, window_ladder
from pydelt_like.spline._scaling import (
    Scaling,
    first_coincidence,
    polynomial_values,
    standardise,
)

__all__ = ["AUTO_MAX_DEGREE", "MAX_ORDER", "LocalPolynomialInterpolator"]

#: Degrees the cross-validation tries: 1 to 7. Higher degrees almost never win and their
#: windows of a few samples are fragile.
AUTO_MAX_DEGREE = 7
#: Highest derivative order with an automatic degree: order v uses degree v + 1 at least,
#: within MAX_DEGREE.
MAX_ORDER = MAX_DEGREE - 1
#: Highest number of robustness iterations: Cleveland found two or three enough, and each
#: costs a fit at every sample.
MAX_ITERATIONS = 10
#: Residuals below this fraction of the data's spread are rounding: no outliers to find.
_EXACT = 1e-12


@dataclass(frozen=True)
class _Series:
    """What the fit learned for a group of series sharing a degree and a set of windows.

    ``shares[j, c]`` is the weight of ``windows[j]`` in the average of series ``columns[c]``;
    ``best`` is the best-scoring window of each series.
    """

    columns: np.ndarray
    degree: int
    windows: tuple[int, ...]
    shares: np.ndarray
    best: np.ndarray
    robustness: np.ndarray | None


def _group(
    columns: np.ndarray, choices: list[Choice], robustness: np.ndarray | None
) -> list[_Series]:
    """Series with the same degree and windows share their fits (their shares may differ)."""
    groups: dict[tuple[int, tuple[int, ...]], list[int]] = {}
    for slot, choice in enumerate(choices):
        groups.setdefault((choice.degree, choice.windows), []).append(slot)
    out = []
    for (degree, windows), slots in groups.items():
        shares = np.array([choices[s].shares for s in slots]).T
        best = np.array([choices[s].window for s in slots])
        out.append(_Series(columns[slots], degree, windows, shares, best, robustness))
    return out


@dataclass(frozen=True)
class LocalState:
    """Everything evaluation needs: the working samples and each series' smoother.

    Attributes
    ----------
    data : Working
        The (possibly binned) samples the fit used, in internal units: ``x`` on [0, 1] and
        ``y`` each series' residual about its weighted least-squares line, of magnitude one
        (the spline's ``z``; ``pydelt_like.spline._scaling``).
    series : tuple
        One entry per group of series that share a degree, windows and robustness weights.
    noise_var : numpy.ndarray of shape (m,)
        Noise variance per unit weight of each series (on the scale of ``data.y``).
    kernel : str
        The window's kernel.
    scaling : Scaling
        How internal units map to the user's: ``y = 2**y_exp * (line(u) + resid * z)``.
    line : numpy.ndarray of shape (2, m)
        The line taken out, in units of ``2**y_exp`` (zero for a local constant, which does
        not reproduce lines).
    """

    data: Working
    series: tuple[_Series, ...]
    noise_var: np.ndarray
    kernel: str
    scaling: Scaling
    line: np.ndarray


def _bisquare(residuals: np.ndarray) -> np.ndarray:
    """Cleveland's robustness weights: Tukey's bisquare of ``r / (6 median |r|)``."""
    scale = 6.0 * np.median(np.abs(residuals))
    if not scale > 0:
        return np.ones_like(residuals)
    r = np.clip(np.abs(residuals) / scale, 0.0, 1.0)
    return (1.0 - r**2) ** 2


class LocalPolynomialInterpolator(BaseInterpolator):
    """Base class of the local families (not registered itself)."""

    #: Weights within a window: 'uniform' (LLA, GLLA, GOLD) or 'tricube' (LOWESS, LOESS).
    _kernel: ClassVar[str] = "uniform"
    #: The family's names for its window and degree parameters, for messages.
    _window_param: ClassVar[str] = "window_size"
    _degree_param: ClassVar[str] = "degree"

    # ---- hooks for the families -------------------------------------------------------

    def _requested_window(self, n_samples: int) -> int | None:
        """The user's window in samples for ``n_samples`` samples, or None (automatic)."""
        raise NotImplementedError

    def _requested_degree(self) -> int | None:
        """The user's degree, or None (automatic)."""
        raise NotImplementedError

    def _robustness_iterations(self) -> int:
        """Robustness iterations (0: plain least squares)."""
        return 0

    # ---- hooks of the base contract ------------------------------------------------------

    def _min_points(self) -> int:
        degree = self._requested_degree()
        return 3 if degree is None else max(3, degree + 2)

    def _max_order(self) -> int | None:
        degree = self._requested_degree()
        return MAX_ORDER if degree is None else degree

    def _order_hint(self) -> str:
        degree = self._requested_degree()
        if degree is None:
            return f"derivatives up to order {MAX_ORDER} are available"
        return (
            f"a local polynomial of degree {degree} gives derivatives up to order {degree}; "
            f"raise {self._degree_param} or pass {self._degree_param}=None to let the data "
            "choose"
        )

    # ---- fitting ----------------------------------------------------------------------

    def _fit(self, data: FitData) -> None:
        positive = data.weights > 0
        if np.count_nonzero(positive) < self._min_points():
            raise ValueError(
                f"only {np.count_nonzero(positive)} samples have a positive weight; "
                f"{type(self).__name__} needs at least {self._min_points()}; give more "
                "samples a positive weight"
            )
        # The spline's internal units: x on [0, 1] and each series less its weighted line,
        # scaled to magnitude one, all by exact powers of two. Windows of x near 1e308 or
        # 1e-300 apart, values near the float range's ends and offsets like 1e9 + x then
        # cost nothing in accuracy; an exact line leaves zero (reproduced to rounding).
        std = standardise(
            data.x[positive],
            data.y[positive],
            data.weights[positive],
            line=self._requested_degree() != 0,  # a local constant does not reproduce lines
        )
        close = first_coincidence(std)
        if close is not None:
            a, b = float(std.x[close]), float(std.x[close + 1])
            raise ValueError(
                f"x values {a!r} and {b!r} are so close together that they coincide once x "
                f"is brought to the scale of its range ({float(std.x[0])!r} to "
                f"{float(std.x[-1])!r}); {type(self).__name__} cannot use them: merge or drop "
                "one (e.g. average their y)"
            )
        work = working_samples(std.u, std.z, std.w)
        window = self._window_in_working_units(work, data.n_samples)
        degree = self._requested_degree()
        iterations = self._robustness_iterations()
        m = work.y.shape[1]
        if iterations == 0:
            columns = np.arange(m)
            series = tuple(_group(columns, self._choose(work, degree, window, None, columns), None))
        else:
            # The first choice (before any robustness weights) is one batched
            # cross-validation for all series: they share every window's normal equations.
            first = self._choose(work, degree, window, None, np.arange(m))
            series = tuple(
                self._robust_series(work, degree, window, column, iterations, first[column])
                for column in range(m)
            )
        noise_var = np.empty(m)
        for entry in series:
            noise_var[entry.columns] = self._noise_variance(work, entry)
        scaling = std.scaling
        self.state_ = LocalState(
            data=work, series=series, noise_var=noise_var, kernel=self._kernel,
            scaling=scaling, line=std.line,
        )  # fmt: skip
        degrees = np.empty(m, dtype=int)
        windows = np.empty(m, dtype=int)
        for entry in series:
            degrees[entry.columns] = entry.degree
            windows[entry.columns] = np.minimum(entry.best * work.bin_size, data.n_samples)
        self.degree_ = self._per_series(degrees)
        self.window_ = self._per_series(windows)
        with np.errstate(over="ignore"):  # beyond the float range only for |y| near 1e308
            noise_std = np.ldexp(np.sqrt(noise_var) * scaling.resid, scaling.y_exp)
        self.noise_std_ = self._per_series(noise_std)

    def _per_series(self, values: np.ndarray) -> Any:
        """One value per series, shaped like one sample of ``y`` (a scalar for 1-D ``y``)."""
        if not self.y_trailing_shape_:
            return values[0].item()
        return values.reshape(self.y_trailing_shape_)

    def _window_in_working_units(self, work: Working, n_samples: int) -> int | None:
        requested = self._requested_window(n_samples)
        if requested is None:
            return None
        if requested > n_samples:
            raise ValueError(
                f"{self._window_param} asks for {requested} samples per window but only "
                f"{n_samples} samples were given; pass a smaller {self._window_param}, or None "
                "to let the data choose"
            )
        degree = self._requested_degree()
        if degree is not None and requested < degree + 1:
            raise ValueError(
                f"a window of {requested} samples cannot fit a polynomial of degree {degree}; "
                f"pass {self._window_param} of at least {degree + 1}, or lower "
                f"{self._degree_param}"
            )
        return max(2, min(work.x.size, round(requested / work.bin_size)))

    def _choose(
        self,
        work: Working,
        degree: int | None,
        window: int | None,
        robustness: np.ndarray | None,
        columns: np.ndarray,
        near: Choice | None = None,
    ) -> list[Choice]:
        """The degree and window of each series: the user's, or cross-validated."""
        n = work.x.size
        zero = ~np.any(work.y[:, columns] != 0, axis=0)
        if zero.any():
            # Exact lines (zero about their line, in internal units) are fitted exactly by
            # any window and degree of at least 1: the smallest, with nothing to score.
            p0 = 1 if degree is None else degree
            out = [Choice(p0, window or min(n, p0 + 2), 0.0)] * columns.size
            if not zero.all():
                rest = self._choose(work, degree, window, robustness, columns[~zero], near)
                for slot, choice in zip(np.flatnonzero(~zero), rest, strict=True):
                    out[slot] = choice
            return out
        if degree is not None and window is not None:
            return [Choice(degree, window, float("nan"))] * columns.size
        if degree is not None:
            degrees: tuple[int, ...] = (degree,)
        elif window is not None:
            degrees = tuple(range(1, max(1, min(AUTO_MAX_DEGREE, window - 2)) + 1))
        else:
            degrees = tuple(range(1, min(AUTO_MAX_DEGREE, n - 2) + 1))
        if near is not None and degree is None:
            degrees = tuple(p for p in degrees if abs(p - near.degree) <= 1)
        if window is not None:
            windows = [window]
        else:
            windows = window_ladder(min(n, degrees[0] + 2), n)
            if near is not None:
                windows = [k for k in windows if near.window / 2 <= k <= 2 * near.window]
        if window is not None and window <= degrees[-1] + 1:
            # Too few samples to leave one out: the user's window decides.
            return [Choice(degrees[-1], window, float("nan"))] * columns.size
        choices, _ = cross_validate(
            work.x,
            work.y[:, columns],
            work.w,
            kernel=self._kernel,
            degrees=degrees,
            windows=windows,
            robustness=robustness,
        )
        return [
            c if np.isfinite(c.score) else Choice(degrees[0], windows[-1], c.score) for c in choices
        ]

    def _robust_series(
        self,
        work: Working,
        degree: int | None,
        window: int | None,
        column: int,
        it: int,
        choice: Choice,
    ) -> _Series:
        """Robustness iterations for one series from its first ``choice``; with an automatic
        degree or window, they are chosen again near it with the final weights."""
        cols = np.array([column])
        robustness = np.ones(work.x.size)
        y = work.y[:, cols]
        spread = float(np.ptp(y)) or 1.0
        for _ in range(it):
            fit = local_fit(
                work.x, y, work.w, work.x, window=choice.window, degree=choice.degree,
                kernel=self._kernel, orders=(0,), robustness=robustness,
            )  # fmt: skip
            residuals = (y - fit.values[:, 0, :])[:, 0]
            if np.median(np.abs(residuals)) <= _EXACT * spread:
                break
            robustness = _bisquare(residuals)
        if it and (degree is None or window is None):
            choice = self._choose(work, degree, window, robustness, cols, near=choice)[0]
        return _group(cols, [choice], robustness)[0]

    def _noise_variance(self, work: Working, entry: _Series) -> np.ndarray:
        """Residual variance per unit weight, corrected for the fit's own degrees of freedom
        (those of the largest-share window of each series)."""
        rho = np.ones(work.x.size) if entry.robustness is None else entry.robustness
        out = np.empty(entry.columns.size)
        lead = np.argmax(entry.shares, axis=0)
        for j, window in enumerate(entry.windows):
            slots = np.flatnonzero(lead == j)
            if not slots.size:
                continue
            fit = local_fit(
                work.x, work.y[:, entry.columns[slots]], work.w, work.x, window=window,
                degree=entry.degree, kernel=self._kernel, orders=(0,),
                robustness=entry.robustness, variance=True, leverage=True,
            )  # fmt: skip
            assert fit.variance is not None and fit.leverage is not None
            resid = work.y[:, entry.columns[slots]] - fit.values[:, 0, :]
            rss = np.einsum("i,im->m", rho * work.w, resid**2)
            dof = np.sum(rho * (1.0 - 2.0 * fit.leverage + work.w * fit.variance[:, 0]))
            out[slots] = rss / max(float(dof), 1.0)
        return out

    # ---- evaluation -------------------------------------------------------------------

    def _degree_for(self, degree: int, order: int) -> int:
        """Degree used for derivatives of ``order`` when ``degree`` was chosen."""
        if self._requested_degree() is not None or order < degree:
            return degree
        return min(MAX_DEGREE, order + 1)

    def _run(self, x: np.ndarray, order: int, variance: bool) -> np.ndarray:
        """The share-weighted average over each series' windows (standard errors: the same
        average of the windows' standard errors, an upper bound of the average's), computed
        in internal units and brought back to the user's (a ValueError where the result
        lies beyond the float64 range)."""
        state = self.state_
        n = state.data.x.size
        scaling: Scaling = state.scaling
        u = scaling.to_unit(x)
        out = np.zeros((x.size, self.n_outputs_))
        for entry in state.series:
            degree = self._degree_for(entry.degree, order)
            for j, window in enumerate(entry.windows):
                fit = local_fit(
                    state.data.x, state.data.y[:, entry.columns], state.data.w, u,
                    window=min(n, max(window, degree + 2)), degree=degree, kernel=state.kernel,
                    orders=(order,), robustness=entry.robustness, variance=variance,
                )  # fmt: skip
                if variance:
                    assert fit.std is not None
                    part = fit.std[:, 0, None] * np.sqrt(state.noise_var[entry.columns])
                else:
                    part = fit.values[:, 0, :]
                out[:, entry.columns] += entry.shares[j] * part
        what = "standard error" if variance else "value"
        if not np.isfinite(out).all():
            raise ValueError(
                f"the order-{order} derivative's {what} overflows float64 even in the fit's "
                "internal units: some windows span only a few float64 steps of x's range "
                "(samples far closer together than the others); ask for a lower order, or "
                "merge the closest samples"
            )
        if variance:
            return scaling.to_user(out * scaling.resid, order, what=what)
        values = polynomial_values(state.line, u, order) + scaling.resid * out
        return scaling.to_user(values, order)

    def _evaluate(self, x: np.ndarray, order: int) -> np.ndarray:
        return self._run(x, order, variance=False)

    def _evaluate_std(self, x: np.ndarray, order: int) -> np.ndarray:
        return self._run(x, order, variance=True)
