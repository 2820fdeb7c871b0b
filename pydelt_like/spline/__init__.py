"""Smoothing splines with automatic smoothing and closed-form derivatives.

The package keeps its rooms apart, the way SciPy keeps ``BSpline`` apart from its fitting
routines: ``_estimator`` (the :class:`SplineInterpolator`), ``_kernels`` (least-squares fits
on uniform knots in O(n)), ``_selection`` (the search over knot counts), ``_posterior`` (the
uncertainty band), ``_scaling`` (the internal units that make fits scale-free) and
``_weights`` (checking weights against residuals).
"""

from pydelt_like.spline._estimator import SplineInterpolator

__all__ = ["SplineInterpolator"]
