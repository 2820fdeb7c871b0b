"""The documentation's Griffe extension: Sphinx roles become links to rendered objects, or code."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
sphinx_roles = pytest.importorskip("sphinx_roles")

RENDERED = {
    "pydelt_like.SplineInterpolator",
    "pydelt_like.timeseries.differentiate",
    "pydelt_like.symbolic.differentiate",
    "pydelt_like.timeseries.TIME_UNITS",
}


@pytest.mark.parametrize(
    ("text", "context", "expected"),
    [
        (":class:`~pydelt_like.SplineInterpolator`", "x", "[`SplineInterpolator`][pydelt_like.SplineInterpolator]"),
        (":class:`pydelt_like.SplineInterpolator`", "x", "[`pydelt_like.SplineInterpolator`][pydelt_like.SplineInterpolator]"),
        (":func:`differentiate`", "pydelt_like.timeseries._wide.f", "[`differentiate`][pydelt_like.timeseries.differentiate]"),
        (":func:`differentiate`", "pydelt_like.symbolic.rules.g", "[`differentiate`][pydelt_like.symbolic.differentiate]"),
        (":data:`TIME_UNITS`", "pydelt_like.timeseries._axis.t", "[`TIME_UNITS`][pydelt_like.timeseries.TIME_UNITS]"),
        (":meth:`SplineInterpolator.fit`", "x", "[`SplineInterpolator.fit`][pydelt_like.SplineInterpolator]"),
        (":meth:`fit`", "x", "`fit`"),
        (":mod:`pydelt_like.registry`", "x", "`pydelt_like.registry`"),
        ("no roles: ``code`` and :math: stay", "x", "no roles: ``code`` and :math: stay"),
    ],
)  # fmt: skip
def test_roles_become_links_or_code(text, context, expected):
    assert sphinx_roles.convert(text, context, RENDERED) == expected


def test_the_api_page_is_read():
    rendered = sphinx_roles.rendered_identifiers()
    assert (
        "pydelt_like.timeseries.integrate" in rendered
        and "pydelt_like.plot.plot_derivatives" in rendered
    )
