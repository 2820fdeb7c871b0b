"""The registry of interpolator families, and the newcomer's path: one module, one
registration, the contract checked (exactly as docs/extending.md shows it)."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from pydelt_like import registry
from pydelt_like.base import BaseInterpolator
from pydelt_like.testing import check_interpolator

DOCS = Path(__file__).resolve().parents[1] / "docs" / "extending.md"


def _toy_module_source() -> str:
    blocks = re.findall(r"^```python\n(.*?)^```", DOCS.read_text(), re.S | re.M)
    (module,) = [block for block in blocks if block.startswith("# toy_family.py")]
    return module


@pytest.fixture
def toy_family(tmp_path, monkeypatch):
    """The docs' module written to disk and imported by path, registered as 'cubic'."""
    (tmp_path / "toy_family.py").write_text(_toy_module_source())
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("toy_family", None)
    family = registry.register(
        "cubic", "toy_family:CubicInterpolator", summary="cubic spline through the samples",
        max_order=3,
    )  # fmt: skip
    yield family
    registry.unregister("cubic")
    sys.modules.pop("toy_family", None)


def test_a_new_family_is_one_module_and_one_registration(toy_family):
    assert "toy_family" not in sys.modules  # registered by path: nothing imported yet
    cls = toy_family.load()
    assert cls.__module__ == "toy_family" and registry.get("cubic") is toy_family
    passed = check_interpolator(cls())
    assert "check_failed_fit_keeps_the_old_state" in passed and len(passed) >= 15
    x = np.linspace(0, 3, 40)
    slope = cls().fit(x, x**3).differentiate(1)(1.5)
    assert slope == pytest.approx(3 * 1.5**2, rel=1e-12)  # a cubic is reproduced exactly
    # ... and it is a method of the time-series layer with no other change.
    from pydelt_like import timeseries

    rate = timeseries.differentiate_array(x, x**3, method="cubic")
    np.testing.assert_allclose(rate, 3 * x**2, rtol=1e-9, atol=1e-9)


def test_the_docs_table_lists_every_built_in_family():
    documented = set(re.findall(r"^\| `(\w+)` \| `(\w+)` \|", DOCS.read_text(), re.M))
    assert documented == {(family.name, family.class_name) for family in registry.families()}


def test_built_in_families_load_lazily_and_name_their_classes():
    import pydelt_like

    for family in registry.families():
        cls = family.load()
        assert issubclass(cls, BaseInterpolator) and cls.__name__ == family.class_name
        assert getattr(pydelt_like, family.class_name) is cls


def test_registration_errors_say_what_to_do():
    with pytest.raises(ValueError, match="already registered; pass replace=True"):
        registry.register("spline", "x:Y", summary="")
    with pytest.raises(ValueError, match="Python identifier"):
        registry.register("two words", "x:Y", summary="")
    with pytest.raises(ValueError, match=r"'package\.module:ClassName'"):
        registry.register("broken", "no_colon_here", summary="")
    with pytest.raises(TypeError, match="must subclass"):
        registry.register("broken", dict, summary="")
    with pytest.raises(ValueError, match=r"method must be one of 'spline', 'neural'"):
        registry.get("nope")
    with pytest.raises(ValueError, match="method must be one of"):
        registry.unregister("nope")
    assert "broken" not in registry.names()


def test_a_family_whose_module_is_missing_fails_on_use_not_on_registration():
    family = registry.register("ghost", "no_such_module_anywhere:Ghost", summary="")
    try:
        with pytest.raises(ImportError):
            family.load()
    finally:
        registry.unregister("ghost")
    importlib.invalidate_caches()
